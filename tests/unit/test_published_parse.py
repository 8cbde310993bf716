"""The published-figures reader: UTF-8 only, every required column, text kept as written."""

from __future__ import annotations

import pytest

from flows.sources.errors import SourceError
from flows.sources.published import parse

HEADER = "indicator,kind,period,value,unit,basis,publication,source_url,confidence,quote\n"
# A sample row made for this test, not a figure of any source.
ROW = "sample_indicator,published,2019,0.9,pct_gdp,basic_prices,Test,https://example.org/x,low,q\n"


def test_a_row_is_read_as_text_with_the_optional_columns_empty() -> None:
    frame = parse((HEADER + ROW).encode("utf-8"), "figures.csv")
    row = frame.row(0, named=True)
    assert row["value"] == "0.9" and row["industry_code"] is None and row["vintage"] is None


def test_a_file_that_is_not_utf8_is_refused_with_its_name() -> None:
    with pytest.raises(SourceError, match=r"figures\.csv: not UTF-8"):
        parse((HEADER + ROW.replace("Test", "Société")).encode("cp1252"), "figures.csv")


def test_a_missing_column_is_refused() -> None:
    with pytest.raises(SourceError, match="missing column"):
        parse(HEADER.replace(",quote", "").encode(), "figures.csv")


def test_a_close_header_gets_did_you_mean() -> None:
    # A header `Source URL` was refused as a missing source_url, with no hint of the close name.
    with pytest.raises(SourceError) as err:
        parse((HEADER.replace("source_url", "Source URL") + ROW).encode(), "figures.csv")
    assert (
        'missing column(s) source_url; the header has "Source URL" (did you mean source_url?)'
        in (str(err.value))
    )
