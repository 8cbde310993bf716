"""Golden files: the marts exported beside the report, on the bundled snapshot, equal
tests/golden/<mart>.csv (run-dependent columns left out). Refresh deliberately with
HKAM_UPDATE_GOLDEN=1 and review the diff."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import polars as pl
import pytest

from flows.reports.investment import EXPORTS, RUN_DEPENDENT
from tests.reports.conftest import Run

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("HKAM_UPDATE_GOLDEN") == "1"


def comparable(path: Path, mart: str) -> str:
    """The exported CSV without run-dependent columns, as text."""
    drop = set(RUN_DEPENDENT.get(mart, ()))
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    keep = [i for i, name in enumerate(rows[0]) if name not in drop]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([row[i] for i in keep])
    return out.getvalue()


@pytest.mark.parametrize("mart", EXPORTS)
def test_export_matches_golden(bundled_run: Run, mart: str) -> None:
    exported = bundled_run.latest / f"{mart}.csv"
    assert exported.exists() and (bundled_run.latest / f"{mart}.parquet").exists()
    text = comparable(exported, mart)
    golden = GOLDEN / f"{mart}.csv"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}; create it with HKAM_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8"), (
        f"{mart}.csv differs from {golden}; if the change is intended, rerun with "
        "HKAM_UPDATE_GOLDEN=1 and review the diff"
    )


def test_parquet_holds_the_same_rows_typed(bundled_run: Run) -> None:
    frame = pl.read_parquet(bundled_run.latest / "investment_by_sector_year.parquet")
    assert frame.schema["total_hkd"] == pl.Float64 and frame.schema["year"] == pl.Int32
    with (bundled_run.latest / "investment_by_sector_year.csv").open(encoding="utf-8") as fh:
        assert frame.height == sum(1 for _ in fh) - 1
