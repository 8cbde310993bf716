"""Dates and time: Hong Kong dates in every form the register meets; timestamps keep their zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from flows.transforms.commitments import type_rows
from flows.transforms.dates import hk_date_of, parse_hk_date
from tests.faults.conftest import REGISTER, csv_bytes, hkam, query, read_csv_rows

CASES = [
    ("2024-03-10", date(2024, 3, 10), "day"),
    ("2024/03/10", date(2024, 3, 10), "day"),
    ("2024-03", date(2024, 3, 1), "month"),
    ("2024年3月10日", date(2024, 3, 10), "day"),
    ("2024 年 3 月 10 日", date(2024, 3, 10), "day"),
    ("２０２４年３月１０日", date(2024, 3, 10), "day"),  # full-width digits
    ("2024年3月", date(2024, 3, 1), "month"),
    ("10/3/2024", date(2024, 3, 10), "day"),  # Hong Kong writes the day first
    ("10-3-2024", date(2024, 3, 10), "day"),
    ("10.3.2024", date(2024, 3, 10), "day"),
    ("3/2024", date(2024, 3, 1), "month"),
    ("10 March 2024", date(2024, 3, 10), "day"),
    ("March 10, 2024", date(2024, 3, 10), "day"),
    ("Mar 2024", date(2024, 3, 1), "month"),
    ("2024-03-10T08:00", date(2024, 3, 10), "day"),  # no offset: Hong Kong local time
    ("2024-03-09T23:30:00-05:00", date(2024, 3, 10), "day"),  # 12:30 on 10 March in HK
    ("2024-03-09T16:00:00Z", date(2024, 3, 10), "day"),  # HK midnight exactly
    ("2024-03-09T15:59:59Z", date(2024, 3, 9), "day"),  # one second before HK midnight
    ("2024-03-10T00:30:00+08:00", date(2024, 3, 10), "day"),
    ("2024-03-10T01:00:00+09:00", date(2024, 3, 10), "day"),  # 00:00 HK
    ("2024-03-10T00:30:00+09:00", date(2024, 3, 9), "day"),  # 23:30 HK the day before
    ("  2024-03-10  ", date(2024, 3, 10), "day"),
]
UNPARSEABLE = [
    None, "", "   ", "soon", "mid-October", "2024-02-30", "31/4/2024", "13/2024", "2024-13",
    "0000-01-01", "29/2/2023", "2024年2月30日", "10/3/24", "Foo 2024", "x" * 10_000, 20240310,
    "2024-03-10T25:00",
]  # fmt: skip


@pytest.mark.parametrize(("text", "day", "precision"), CASES)
def test_hong_kong_dates(text: str, day: date, precision: str) -> None:
    assert parse_hk_date(text) == (day, precision)


@pytest.mark.parametrize("text", UNPARSEABLE)
def test_unparseable_is_none_and_never_raises(text: object) -> None:
    assert parse_hk_date(text) == (None, "unknown")


def test_leap_day() -> None:
    assert parse_hk_date("29/2/2024") == (date(2024, 2, 29), "day")


def test_instants_near_hong_kong_midnight() -> None:
    assert hk_date_of(datetime(2024, 3, 9, 15, 59, tzinfo=UTC)) == date(2024, 3, 9)
    assert hk_date_of(datetime(2024, 3, 9, 16, 0, tzinfo=UTC)) == date(2024, 3, 10)
    assert hk_date_of(datetime(2024, 3, 9, 16, 0)) == date(2024, 3, 10)  # naive = UTC


def test_type_rows_parses_each_distinct_value_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.transforms.commitments as commitments

    calls: list[object] = []

    def counting(text: object, month_first: bool = False) -> tuple[date | None, str]:
        calls.append(text)
        return parse_hk_date(text, month_first)

    monkeypatch.setattr(commitments, "parse_hk_date", counting)
    texts = ["10/3/2024", "2024年3月10日", None, "2024-03", "soon"] * 2_000
    raw = pl.DataFrame(
        {"announced_on": texts}, schema={"announced_on": pl.String}
    ).with_columns(
        *(pl.lit(None, pl.String).alias(c) for c in
          ("amount", "also_stated_amount", "jobs", "phasing_years", "is_cumulative", "company"))
    )  # fmt: skip
    typed = type_rows(raw)
    assert sorted(map(str, calls)) == sorted(["10/3/2024", "2024年3月10日", "2024-03", "soon"])
    assert typed.get_column("announced_on_date").to_list()[:5] == [
        date(2024, 3, 10), date(2024, 3, 10), None, date(2024, 3, 1), None,
    ]  # fmt: skip
    assert typed.get_column("announced_precision").to_list()[:5] == [
        "day", "day", "unknown", "month", "unknown",
    ]  # fmt: skip


pytestmark_flow = pytest.mark.usefixtures("prefect_harness")


@pytestmark_flow
def test_register_dates_load_as_hong_kong_dates_and_times_keep_their_zone(
    snap: Path, where: tuple[Path, Path]
) -> None:
    warehouse, reports = where
    path = snap / REGISTER
    fields, rows = read_csv_rows(path)
    forms = {
        rows[0]["commitment_id"]: ("2024年3月10日", date(2024, 3, 10), "day"),
        rows[1]["commitment_id"]: ("10/3/2024", date(2024, 3, 10), "day"),
        rows[2]["commitment_id"]: ("2024-03-09T23:30:00-05:00", date(2024, 3, 10), "day"),
        rows[3]["commitment_id"]: ("2024年3月", date(2024, 3, 1), "month"),
        rows[4]["commitment_id"]: ("2024-02-30", None, None),  # quarantined, with its reason
    }
    for row in rows:
        if row["commitment_id"] in forms:
            row["announced_on"] = forms[row["commitment_id"]][0]
    path.write_bytes(csv_bytes(fields, rows))
    assert hkam(snap, warehouse, reports) == 0
    got = dict(
        (cid, (d, p))
        for cid, d, p in query(
            warehouse,
            "SELECT commitment_id, announced_on, announced_precision "
            "FROM core.investment_commitment",
        )
    )
    for cid, (_, day, precision) in forms.items():
        if day is None:
            assert cid not in got
        else:
            assert got[cid] == (day, precision), cid
    [(reason,)] = query(warehouse, "SELECT reason FROM meta.quarantine")
    assert "2024-02-30" in reason
    # Every timestamp the warehouse stores carries its zone (TIMESTAMPTZ), none is naive.
    naive = query(
        warehouse,
        "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE schema_name IN ('raw', 'core', 'marts', 'meta') AND data_type LIKE 'TIMESTAMP%' "
        "AND data_type <> 'TIMESTAMP WITH TIME ZONE'",
    )
    assert naive == []
    tz_columns = query(
        warehouse,
        "SELECT count(*) FROM duckdb_columns() WHERE data_type = 'TIMESTAMP WITH TIME ZONE'",
    )
    assert tz_columns[0][0] >= 8


@pytestmark_flow
def test_run_near_hong_kong_midnight_records_the_instant(
    snap: Path, where: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run at 00:05 Hong Kong time (16:05 UTC the day before) keeps the exact instant."""
    import flows.nightly as nightly

    instant = datetime(2024, 3, 9, 16, 5, tzinfo=UTC)

    class Clock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Clock:  # type: ignore[override]
            return cls.fromtimestamp(instant.timestamp(), tz=UTC)

    monkeypatch.setattr(nightly, "datetime", Clock)
    warehouse, reports = where
    assert hkam(snap, warehouse, reports) == 0
    [(started, valid_from, hk_day)] = query(
        warehouse,
        "SELECT r.started_at, min(h.valid_from), "
        "CAST(r.started_at AT TIME ZONE 'UTC' + INTERVAL 8 HOUR AS DATE) "
        "FROM meta.run r, core.investment_commitment_history h GROUP BY ALL",
    )
    assert started == instant and valid_from == instant
    assert started.utcoffset() is not None
    assert hk_day == date(2024, 3, 10) == hk_date_of(started)
