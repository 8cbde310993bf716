"""register_parts.check_part: the same rows whether a part's results travel as Arrow or as
Parquet, and a rerun of the same part writes the same files (named by its input's hash)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from flows.contracts import contract
from flows.register_parts import PartContext, check_part, input_hash
from flows.resources import snapshot_dir
from flows.transforms.entities import CompanyBook
from flows.transforms.money import FX_SCHEMA
from flows.transforms.sectors import Taxonomy


def _bundled_part() -> pl.DataFrame:
    """The bundled register as one part, as register_steps fetches it from raw (all text)."""
    spec = contract("raw.register_commitment")
    path = snapshot_dir() / "register" / "commitments.csv"
    rows = pl.read_csv(path, infer_schema=False).with_row_index("line", offset=2)
    return rows.with_columns(
        pl.col("line").cast(pl.Int64),
        pl.lit(path.name).alias("source_file"),
        pl.lit("sha-bundled").alias("source_file_sha256"),
        pl.lit("run-1").alias("load_id"),
    ).select(spec.column_names)


def _context(out: Path) -> PartContext:
    return PartContext(
        "run-1", datetime(2026, 12, 5, tzinfo=UTC), pl.DataFrame(schema=FX_SCHEMA),
        Taxonomy.load(), CompanyBook.load(), {"sha-bundled": 0}, 1000, frozenset(), out,
    )  # fmt: skip


def test_arrow_and_parquet_results_hold_the_same_rows(tmp_path: Path) -> None:
    raw = _bundled_part()
    on_disk = check_part(raw, _context(tmp_path))
    in_memory = check_part(raw, replace(_context(tmp_path / "unused"), arrow_rows=10**6))
    assert isinstance(on_disk.staged, Path) and isinstance(in_memory.staged, pl.DataFrame)
    assert on_disk.staged.name == f"{input_hash(raw)}.parquet"
    assert in_memory.staged.height == on_disk.staged_rows > 0
    assert_frame_equal(pl.read_parquet(on_disk.staged), in_memory.staged)
    assert (on_disk.quarantined, on_disk.duplicates) == (
        in_memory.quarantined,
        in_memory.duplicates,
    )
    assert not (tmp_path / "unused").exists()


def test_a_rerun_of_a_part_overwrites_its_own_files(tmp_path: Path) -> None:
    raw = _bundled_part()
    first = check_part(raw, _context(tmp_path))
    files = sorted(p.name for p in tmp_path.iterdir())
    again = check_part(raw, _context(tmp_path))
    assert again.staged == first.staged
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # no second copy, no temp file
    assert input_hash(raw.head(5)) != input_hash(raw)
