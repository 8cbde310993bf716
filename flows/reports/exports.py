"""Mart exports beside the report: <mart>.csv (spreadsheet-safe) and <mart>.parquet (typed).

DuckDB writes both straight from the mart table (COPY), so a ten-million-row mart never passes
through Python memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# A spreadsheet runs a cell beginning with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# TIMESTAMPTZ values are UTC here (the warehouse sets no TimeZone): written as ISO with +0000.
CSV_OPTIONS = "HEADER, DELIMITER ',', TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S.%f+0000'"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def neutralised_columns(columns: list[tuple[str, str]]) -> str:
    """SELECT list for the CSV: text cells a spreadsheet would run as a formula get a leading `'`.

    Only text columns change: numbers, dates and booleans are written as they are, so a negative
    number is still a number. List columns become `; `-joined text first; TIMESTAMPTZ columns
    are written as UTC timestamps.
    """
    starts = ", ".join(_literal(s) for s in FORMULA_START)
    out = []
    for name, dtype in columns:
        col = _quoted(name)
        if dtype.endswith("[]"):
            col = f"array_to_string({col}::VARCHAR[], '; ')"
            dtype = "VARCHAR"
        if dtype == "VARCHAR":
            col = f"CASE WHEN left({col}, 1) IN ({starts}) THEN '''' || {col} ELSE {col} END"
        elif dtype == "TIMESTAMP WITH TIME ZONE":
            col = f"{col}::TIMESTAMP"
        out.append(f"{col} AS {_quoted(name)}")
    return ", ".join(out)


def write_exports(con: Any, relation: str, folder: Path, name: str) -> list[Path]:
    """Write folder/name.csv (neutralised text) and folder/name.parquet (the values as typed)."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    select = neutralised_columns(columns)
    for path, query, options in (
        (csv_path, f"SELECT {select} FROM {relation}", CSV_OPTIONS),
        (parquet_path, f"SELECT * FROM {relation}", "FORMAT parquet"),
    ):
        tmp = path.with_name(path.name + ".tmp")
        con.execute(f"COPY ({query}) TO {_literal(str(tmp))} ({options})")
        tmp.replace(path)  # a reader never sees half an export
    return [csv_path, parquet_path]
