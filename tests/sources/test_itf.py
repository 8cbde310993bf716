"""ITF decode and parse: encodings by year, $M and absolute HK$ amounts."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.sources import itf

from .conftest import REPO, SNAPSHOT, Server

SAMPLE = (REPO / "tests" / "fixtures" / "itf_sample.csv").read_text(encoding="utf-8")
HEADER, *BODY = SAMPLE.splitlines(keepends=True)


def _representable(encoding: str) -> str:
    """The sample's header, its rows this encoding can hold, and the footnote."""
    rows = []
    for line in BODY:
        try:
            line.encode(encoding)
        except UnicodeEncodeError:
            continue
        rows.append(line)
    return HEADER + "".join(rows)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "iso-8859-1", "cp1252", "big5", "big5hkscs"])
def test_same_rows_whatever_the_encoding(encoding: str) -> None:
    text = _representable(encoding)
    expected = itf.parse(text.encode("utf-8"), year=2021, source_url="u")
    got = itf.parse(text.encode(encoding), year=2021, source_url="u")
    assert_frame_equal(got, expected)
    assert got.height >= 4
    for column in ("project_title", "lead_applicant", "remarks"):
        assert not got[column].drop_nulls().str.contains("\ufffd").any()


def test_each_encoding_keeps_its_own_characters() -> None:
    latin = itf.parse(_representable("iso-8859-1").encode("iso-8859-1"), year=2019, source_url="u")
    assert "Café réseau sample" in latin["project_title"].to_list()
    hkscs = itf.parse(SAMPLE.encode("big5hkscs"), year=2022, source_url="u")
    assert "樣本項目（香港字）𨋢" in hkscs["project_title"].to_list()
    big5 = itf.parse(_representable("big5").encode("big5"), year=2022, source_url="u")
    assert "樣本智能生產線" in big5["project_title"].to_list()


def test_amounts_and_placeholders() -> None:
    frame = itf.parse(SAMPLE.encode("utf-8"), year=2021, source_url="u")
    assert frame.height == 6  # the footnote row is not a project
    by_ref = {r["reference_no"]: r for r in frame.iter_rows(named=True)}
    assert by_ref["TEST/001/00"]["funds_approved_hkd"] == 2_799_000.0
    assert by_ref["TEST/001/00"]["revised_funds_approved_hkd"] is None  # "0"
    assert by_ref["TEST/002/00"]["revised_funds_approved_hkd"] is None  # "-"
    assert by_ref["TEST/004/00"]["revised_funds_approved_hkd"] is None  # blank
    assert by_ref["TEST/003/00"]["revised_funds_approved_hkd"] == 1_200_000.0
    assert by_ref["TEST/002/00"]["project_title"] == "Sample title, with comma"
    assert frame["programme"].unique().to_list() == ["TEST"]


def test_absolute_year_lands_in_the_same_unit() -> None:
    millions = itf.parse(SAMPLE.encode("utf-8"), year=2021, source_url="u")
    absolute_text = (
        SAMPLE.replace(",2.799,", ',"HK$2,799,000",')
        .replace(",15.000,", ',"HK$15,000,000",')
        .replace(",1.5,1.2,", ',"HK$1,500,000","HK$1,200,000",')
    )
    absolute = itf.parse(absolute_text.encode("utf-8"), year=2021, source_url="u")
    assert_frame_equal(absolute, millions)


def test_money_parsing() -> None:
    assert itf.money_hkd("HK$12,345,678") == 12_345_678.0
    assert itf.money_hkd("$ 3,000,000") == 3_000_000.0
    assert itf.money_hkd("0.35") == 350_000.0
    assert itf.money_hkd("-") is None
    assert itf.money_hkd(" 0 ") is None


def test_bundled_snapshot_parses() -> None:
    for path in sorted((SNAPSHOT / "itf").glob("annuallist_*_e.csv")):
        year = int(path.stem.split("_")[1])
        frame = itf.parse(path.read_bytes(), year=year, source_url=str(path))
        assert frame.height > 0
        assert frame.schema == pl.Schema(itf.SCHEMA)
        assert frame["funds_approved_hkd"].null_count() == 0


def test_fetch_via_local_server(server: Server, tmp_path: Path) -> None:
    frame, landed = itf.fetch(
        2023, landing_dir=tmp_path, url=server.url("/itf/annuallist_2023_e.csv")
    )
    assert landed.path.suffix == ".csv"
    assert frame["funds_approved_hkd"].to_list() == [15_000_000.0, 15_000_000.0]
    assert frame["lead_applicant"].to_list() == [
        "Profit Royal Pharmaceutical Limited",
        "Sew Solution Limited",
    ]


def test_latin1_that_forms_big5_pairs_is_not_read_as_chinese() -> None:
    # 0xE9 0x73 ("és") is a valid Big5 pair; the text must still come back as Latin-1.
    assert itf.decode("Réseau Sample,Société".encode("iso-8859-1")) == "Réseau Sample,Société"
