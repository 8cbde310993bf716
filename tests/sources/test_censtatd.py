"""C&SD parser and fetcher."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from flows.sources import censtatd
from flows.sources.errors import SourceError

from .conftest import SNAPSHOT, Server

VINTAGE = datetime(2026, 1, 2, tzinfo=UTC)


def _payload(records: list[dict[str, object]], name: str = "Success", code: int = 0) -> bytes:
    return json.dumps(
        {"header": {"status": {"name": name, "code": code}}, "dataSet": records}
    ).encode()


@pytest.mark.parametrize(
    "path", sorted((SNAPSHOT / "censtatd").glob("*.json")), ids=lambda p: p.name
)
def test_every_bundled_snapshot_parses(path: Path) -> None:
    info = censtatd.snapshot_info(path)
    frame = censtatd.parse(
        path.read_bytes(),
        table_id=info.table_id,
        source_url=censtatd.source_url(info.table_id),
        vintage=info.vintage or VINTAGE,
    )
    assert frame.height > 0
    assert frame.schema == pl.Schema(censtatd.SCHEMA)
    assert frame["value"].null_count() == 0
    assert (frame["period_start"] <= frame["period_end"]).all()


def test_real_gdp_growth_vintages() -> None:
    first = SNAPSHOT / "censtatd" / "310-30001@2023-02-01.json"
    later = SNAPSHOT / "censtatd" / "310-30001@2024-01-31.json"
    frames = []
    for path in (first, later):
        info = censtatd.snapshot_info(path)
        assert info.vintage is not None
        frames.append(
            censtatd.parse(
                path.read_bytes(), table_id=info.table_id, source_url="x", vintage=info.vintage
            )
        )
    both = pl.concat(frames).filter(pl.col("freq") == "Y", pl.col("period") == "2022")
    assert both.sort("vintage")["value"].to_list() == [-3.5, -3.7]
    assert set(both["indicator"]) == {"real_gdp_growth"}
    assert set(both["unit"]) == {"pct_yoy"}


def test_columns_periods_dims_and_markers() -> None:
    raw = _payload(
        [
            {
                "IND": "ind_C",
                "INDDesc": "Manufacturing",
                "freq": "Q",
                "period": "202212",
                "sv": "VAC",
                "svDesc": "No.",
                "figure": "1,234",
                "sd_value": "p",
            },
            {
                "IND": "",
                "INDDesc": "Total",
                "freq": "Q",
                "period": "2022Q3",
                "sv": "VAC",
                "svDesc": "Year-on-year % change",
                "figure": -11.9,
                "sd_value": "r",
            },
            {
                "freq": "M3M",
                "period": "202403",
                "sv": "UR",
                "svDesc": "%",
                "figure": "",
                "sd_value": "",
            },
            {
                "freq": "Y",
                "period": "2023",
                "sv": "CON",
                "svDesc": "Year-on-year % change",
                "figure": 3.2,
            },
        ]
    )
    frame = censtatd.parse(raw, table_id="215-16001", source_url="u", vintage=VINTAGE)
    first, second, third, fourth = frame.iter_rows(named=True)
    assert first["indicator"] == "manufacturing_vacancies" and first["value"] == 1234.0
    assert first["period_start"] == date(2022, 10, 1)
    assert first["period_end"] == date(2022, 12, 31)
    assert json.loads(first["dims"]) == {"IND": {"code": "ind_C", "label": "Manufacturing"}}
    assert first["is_provisional"] and not first["is_revised"]
    assert second["indicator"] == "total_vacancies_growth" and second["is_revised"]
    assert second["period_start"] == date(2022, 7, 1)
    assert third["value"] is None and third["unit"] == "pct"
    assert third["period_start"] == date(2024, 1, 1) and third["period_end"] == date(2024, 3, 31)
    assert third["indicator"] == "t215_16001_ur_pct"
    assert fourth["dims"] == "{}" and fourth["sd_value"] == ""
    assert fourth["vintage"] == VINTAGE


def test_header_not_success_is_an_error() -> None:
    raw = _payload([], name="Table ID (999-99999) is not defined", code=1)
    with pytest.raises(SourceError, match=r"999-99999.*web_table"):
        censtatd.parse(raw, table_id="999-99999", source_url="u", vintage=VINTAGE)


def test_truncated_body_names_table_and_url(server: Server, tmp_path: Path) -> None:
    from flows.sources import http

    landed = http.fetch(server.url("/fault/truncated"), landing_dir=tmp_path)
    assert landed.path.exists()  # the bad body is kept for the report
    with pytest.raises(SourceError) as err:
        censtatd.parse(
            landed.path.read_bytes(),
            table_id="310-30001",
            source_url=landed.url,
            vintage=landed.retrieved_at,
        )
    assert "310-30001" in str(err.value) and landed.url in str(err.value)
    assert "truncated" in str(err.value)


def test_unknown_period_is_an_error() -> None:
    raw = _payload([{"freq": "W", "period": "2024W01", "sv": "X", "svDesc": "No.", "figure": 1}])
    with pytest.raises(SourceError, match="dataSet\\[0\\]"):
        censtatd.parse(raw, table_id="100-00001", source_url="u", vintage=VINTAGE)


def test_snapshot_names() -> None:
    assert censtatd.snapshot_info(Path("310-30001.json")).vintage is None
    dated = censtatd.snapshot_info(Path("310-30001@2023-02-01.json"))
    assert dated == censtatd.Snapshot("310-30001", datetime(2023, 2, 1, tzinfo=UTC))
    with pytest.raises(SourceError):
        censtatd.snapshot_info(Path("gdp.json"))


def test_fetch_via_local_server(server: Server, tmp_path: Path) -> None:
    frame, landed = censtatd.fetch(
        "215-16001", landing_dir=tmp_path, base_url=server.url("/censtatd/api/get.php")
    )
    assert landed.path.parent == tmp_path
    manufacturing = frame.filter(
        pl.col("indicator") == "manufacturing_persons_engaged", pl.col("period") == "200903"
    )
    assert manufacturing["value"].to_list() == [125682.0]
    assert frame["source_url"].unique().to_list() == [landed.url]
