"""An unknown figure is null in the exports, never 0: Joyoung's US$200 million (no announcement
date, so no HKMA rate) has no HK$ figure, in the CSV (empty) and in the Parquet (null), and the
total that leaves it out says so (hkd_unconverted)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from tests.reports.conftest import Run

# Joyoung's group: smart production, year unknown, a company pledge (bundled register).
GROUP = {"cluster": "smart_production_iot_3dprinting", "year": "", "party": "company"}


def test_unknown_hkd_is_null_in_csv_and_parquet(
    bundled_run: Run, read_csv: Callable[[Path], list[dict[str, str]]]
) -> None:
    rows = read_csv(bundled_run.latest / "investment_by_sector_year.csv")
    (row,) = [r for r in rows if all(r[k] == v for k, v in GROUP.items())]
    assert row["total_hkd"] == "" and row["from_projects_hkd"] == ""
    assert row.get("hkd_unconverted") == "1" and float(row["total_usd"]) == 200e6
    frame = pl.read_parquet(bundled_run.latest / "investment_by_sector_year.parquet").filter(
        (pl.col("cluster") == GROUP["cluster"])
        & pl.col("year").is_null()
        & (pl.col("party") == "company")
    )
    assert frame.height == 1
    assert frame["total_hkd"].to_list() == [None]
    assert frame["from_projects_hkd"].to_list() == [None]  # a sum of only unknowns is unknown
    assert frame["from_aggregates_hkd"].to_list() == [0.0]  # no aggregate in the group: a true 0
    investors = pl.read_parquet(bundled_run.latest / "largest_investors.parquet")
    black_sesame = investors.filter(pl.col("company_id") == "black-sesame-technologies").row(
        0, named=True
    )
    assert black_sesame["counted_hkd"] is None
    assert black_sesame["fx_missing_reason"] == "no HKMA rate for 2023-11"
