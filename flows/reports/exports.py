"""Mart exports beside the report: <mart>.csv (spreadsheet-safe) and <mart>.parquet (typed)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

# A spreadsheet runs a cell beginning with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading `'`; numbers stay numbers.

    Only text columns change: numeric, date and boolean columns are written as they are, so a
    negative number is still a number. List columns become `; `-joined text first.
    """
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            col = col.cast(pl.List(pl.String)).list.join("; ")
            dtype = pl.String()
        if dtype == pl.String:
            risky = col.str.starts_with(FORMULA_START[0])
            for start in FORMULA_START[1:]:
                risky = risky | col.str.starts_with(start)
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def write_exports(frame: pl.DataFrame, folder: Path, name: str) -> list[Path]:
    """Write folder/name.csv (neutralised text) and folder/name.parquet (the values as typed)."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    neutralise(frame).write_csv(csv_path, datetime_format="%Y-%m-%dT%H:%M:%S%.6f%z")
    frame.write_parquet(parquet_path)
    return [csv_path, parquet_path]
