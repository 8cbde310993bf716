"""C&SD parser and fetcher."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# Expected frames: tests/golden/censtatd/<case>.ndjson, written by the per-record parser this
# module had before the vectorised one. Refresh deliberately with HKAM_UPDATE_GOLDEN=1.
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "censtatd"
UPDATE = os.environ.get("HKAM_UPDATE_GOLDEN") == "1"


def _record(
    freq: str, period: str, sv: str, sv_label: str | None, figure: object, **rest: object
) -> dict[str, object]:
    record: dict[str, object] = {"freq": freq, "period": period, "sv": sv, "figure": figure}
    if sv_label is not None:
        record["svDesc"] = sv_label
    return record | rest


# TEST VALUES, not real figures. Varied dims (none, one, two; different ones in different
# records), freqs, markers and figures, all fields strings or null: the vectorised path.
VARIED = [
    _record("Q", "202212", "VAC", "No.", "1,234", IND="ind_C", INDDesc="Manufacturing", sd_value="p"),
    _record("Q", "2022Q3", "VAC", "Year-on-year % change", -11.9, IND="", INDDesc="Total", sd_value="r"),
    _record("q", "2022-q1", "VAC", "No.", 7, IND="ind_C", INDDesc="Manufacturing", sd_value=" P "),
    _record("M3M", "202403", "UR", "%", "", sd_value=""),
    _record("Y", "2023", "CON", "Year-on-year % change", 3.2),
    _record(" Y ", " 2020 ", "CUR", "HK$ million", "N/A", sd_value=None),
    _record("M", "202402", "X1", "Index (2020=100)", None, AGE="15-24", AGEDesc="15 to 24", SEX="F"),
    _record("M", "202402", "X1", "Index (2020=100)", True, SEX="M", AGE="25-34", AGEDesc="25 to 34"),
    _record("YTM", "202405", "GDP", None, " 2.5e3 ", GDP_COMPONENT="PCE", GDP_COMPONENTDesc="中文 label"),
    _record("Q", "202303", "PE", "No.", 1e-3, IND="ind_C", INDDesc="Manufacturing", sd_value="pr"),
    _record("M", "202412", "SA1", "Quarter-to-quarter % change", "-", remark="", fooDesc="x"),
    _record("Q", "202212", "VAC", "No.", "1,234", IND="ind_C", INDDesc="Manufacturing", sd_value="p"),
]  # fmt: skip

# Numbers, booleans and nulls where text belongs: read as str() of them, one record at a time.
ODD = [
    _record("Y", "2023", "CON", "%", 1, IND=7, INDDesc=None),
    _record("Y", "2023", "CON", "%", 2, IND=7.0, INDDesc=0, sd_value=False),
    _record("Y", "2023", "CON", "%", 3, IND=True, INDDesc="x", sd_value="p"),
    _record("Q", "202212", None, 5, 4, IND=None, INDDesc=[1], sd_value=["r"]),
]


def _cases() -> dict[str, tuple[bytes, str]]:
    """Golden case name -> (payload, table id)."""
    cases = {"varied": (_payload(VARIED), "215-16001"), "odd": (_payload(ODD), "310-31001")}
    for path in sorted((SNAPSHOT / "censtatd").glob("*.json")):
        cases[path.stem] = (path.read_bytes(), censtatd.snapshot_info(path).table_id)
    return cases


@pytest.mark.parametrize("case", list(_cases()))
def test_parse_matches_golden_frame(case: str) -> None:
    raw, table_id = _cases()[case]
    frame = censtatd.parse(raw, table_id=table_id, source_url="u", vintage=VINTAGE)
    golden = GOLDEN / f"{case}.ndjson"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        frame.write_ndjson(golden)
    expected = pl.read_ndjson(golden, schema=censtatd.SCHEMA)
    assert frame.schema == expected.schema
    assert frame.equals(expected), f"{case}: parse differs from {golden}"


def test_varied_records_take_the_vectorised_path_and_odd_ones_do_not() -> None:
    assert censtatd._columns(VARIED, "215-16001").height == len(VARIED)
    with pytest.raises(censtatd._Irregular):
        censtatd._columns(ODD, "310-31001")


text_values = st.one_of(
    st.sampled_from(["", " ", "p", "r", " P ", "Total", "ind_C", "中文", "%", "No."]),
    st.none(),
    st.text(max_size=6),
)
figures = st.one_of(
    st.floats(allow_nan=False), st.integers(-(10**20), 10**20), st.none(), st.booleans(),
    st.sampled_from(["1,234", " 3.5 ", "N/A", "-", "§", ""]),
)  # fmt: skip
periods = st.sampled_from(
    [("Y", "2023"), ("Q", "202212"), ("Q", "2022Q3"), ("M", "202401"), ("M3M", "202403"),
     ("YTM", "202405"), ("m", "202402"), (" Y ", " 2020 ")]
)  # fmt: skip


@st.composite
def regular_records(draw: st.DrawFn) -> list[dict[str, object]]:
    """Valid records of one to three shapes: strings or nulls where text belongs."""
    shapes = draw(st.lists(st.sets(st.sampled_from(["IND", "INDDesc", "AGE", "AGEDesc",
                                                    "svDesc", "sd_value", "remark"])),
                           min_size=1, max_size=3))  # fmt: skip
    records = []
    for _ in range(draw(st.integers(1, 30))):
        freq, period = draw(periods)
        record = {"freq": freq, "period": period, "sv": draw(st.sampled_from(["PE", "VAC", "X"]))}
        record |= {key: draw(text_values) for key in draw(st.sampled_from(shapes))}
        records.append(record | {"figure": draw(figures)})
    return records


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(regular_records())
def test_vectorised_and_per_record_paths_agree(records: list[dict[str, object]]) -> None:
    fast = censtatd._columns(records, "215-16001")
    assert fast.equals(censtatd._per_record(records, "215-16001", "u"))


BAD_RECORDS = {
    "not an object": ([1], "C&SD table 215-16001: dataSet[2345] is not an object"),
    "missing field": (
        {"freq": "M", "period": "202401", "sv": "PE", "value": 1},
        "C&SD table 215-16001: u: dataSet[2345] has no field figure; the format changed "
        "(fields: freq, period, sv, value)",
    ),
    "bad period": (
        {"freq": "M", "period": "202413", "sv": "PE", "figure": 1},
        "C&SD table 215-16001: dataSet[2345]: freq 'M' with period '202413' is not a known "
        "C&SD period",
    ),
    "bad figure": (
        {"freq": "M", "period": "202401", "sv": "PE", "figure": "abc"},
        "C&SD table 215-16001: u: dataSet[2345]: figure 'abc' is not a number nor a C&SD "
        "missing marker",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_RECORDS))
def test_bad_record_deep_in_a_long_payload_is_named(kind: str) -> None:
    bad, message = BAD_RECORDS[kind]
    good = [
        {"freq": "M", "period": f"20{i // 12 % 30 + 10}{i % 12 + 1:02d}", "sv": "PE", "figure": i}
        for i in range(3000)
    ]
    # A later bad record of another kind must not be the one reported.
    records = [*good[:2345], bad, *good[2345:], {"freq": "W", "period": "x"}]
    with pytest.raises(SourceError) as err:
        censtatd.parse(_payload(records), table_id="215-16001", source_url="u", vintage=VINTAGE)
    assert str(err.value) == message
