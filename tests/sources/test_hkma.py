"""HKMA er-eeri-endperiod parser and pager."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.sources import hkma
from flows.sources.errors import SourceError

from .conftest import PAGED_RECORDS, SNAPSHOT, Server


@pytest.mark.parametrize(
    "path", sorted((SNAPSHOT / "hkma").glob("er-eeri-endperiod*.json")), ids=lambda p: p.name
)
def test_every_bundled_snapshot_parses(path: Path) -> None:
    frame, datasize = hkma.parse_page(path.read_bytes())
    assert frame.height > 0 and datasize >= 1
    assert frame.schema == pl.Schema(hkma.SCHEMA)


def test_snapshot_values_are_per_unit() -> None:
    frame, _ = hkma.parse_page((SNAPSHOT / "hkma" / "er-eeri-endperiod.json").read_bytes())
    rates = dict(zip(frame["currency"], frame["hkd_per_unit"], strict=True))
    assert frame["month"].unique().to_list() == [date(2026, 3, 1)]
    assert rates["USD"] == 7.839
    assert rates["JPY"] == 0.049065  # HK$ per 1 yen, as documented
    assert "CNY" in rates and "EUR" in rates


def test_indices_and_nulls_are_not_currencies() -> None:
    raw = json.dumps(
        {
            "header": {"success": True, "err_code": "0000", "err_msg": ""},
            "result": {
                "datasize": 1,
                "records": [
                    {
                        "end_of_month": "2001-01",
                        "usd": 7.8,
                        "dem": None,
                        "special_drawing_rights": 10.0,
                        "neeri_2020_trade_wgt": 101.1,
                    }
                ],
            },
        }
    )
    frame, _ = hkma.parse_page(raw.encode())
    assert sorted(frame["currency"]) == ["USD", "XDR"]


def test_error_header_is_an_error(server: Server, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"err_code='0010'.*Invalid parameter"):
        hkma.fetch_all(landing_dir=tmp_path, base_url=server.url("/hkma/error"))


def test_truncated_page_is_an_error() -> None:
    raw = (SNAPSHOT / "hkma" / "er-eeri-endperiod.json").read_bytes()
    with pytest.raises(SourceError, match="truncated"):
        hkma.parse_page(raw[:-40])


def test_pagination_over_three_pages(server: Server, tmp_path: Path) -> None:
    frame, pages = hkma.fetch_all(
        "2030-01", "2030-12", landing_dir=tmp_path, pagesize=3, base_url=server.url("/hkma/paged")
    )
    assert len(pages) == 3
    assert [q["offset"] for q in server.queries] == [["0"], ["3"], ["6"]]
    assert server.queries[0]["from"] == ["2030-01"] and server.queries[0]["to"] == ["2030-12"]
    assert frame.filter(pl.col("currency") == "USD").height == len(PAGED_RECORDS)
    assert frame["month"].min() == date(2030, 1, 1)
