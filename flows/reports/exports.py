"""Mart exports beside the report: <mart>.csv (spreadsheet-safe) and <mart>.parquet (typed).

DuckDB writes both straight from the mart table (COPY), so a ten-million-row mart never passes
through Python memory. A mart longer than a spreadsheet holds gets Parquet only: Excel stops at
1,048,576 rows and drops the rest with one warning, and at 10M commitments the two such CSVs
were 3.5 GB and 39 s of the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.contracts import sql_literal

# A spreadsheet runs a cell beginning with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# TIMESTAMPTZ values are UTC here (the warehouse sets no TimeZone): written as ISO with +0000.
CSV_OPTIONS = "HEADER, DELIMITER ',', TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S.%f+0000'"
# Rows a spreadsheet opens whole: Excel's 1,048,576 rows, one of them the header.
SPREADSHEET_ROWS = 1_048_575


def fits_spreadsheet(rows: int) -> bool:
    """Whether a mart of this many rows is exported as CSV too (else Parquet only)."""
    return rows <= SPREADSHEET_ROWS


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def neutralised_columns(columns: list[tuple[str, str]]) -> str:
    """SELECT list for the CSV: text cells a spreadsheet would run as a formula get a leading `'`.

    Only text columns change: numbers, dates and booleans are written as they are, so a negative
    number is still a number. List columns become `; `-joined text first; TIMESTAMPTZ columns
    are written as UTC timestamps.
    """
    starts = ", ".join(sql_literal(s) for s in FORMULA_START)
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


def write_exports(
    con: Any, relation: str, folder: Path, name: str, *, csv: bool, order: str | None = None
) -> list[Path]:
    """Write folder/name.parquet (the values as typed) and, if `csv`, folder/name.csv
    (neutralised text); without it an older name.csv is removed, never left stale. `order`
    (an ORDER BY list) sorts the rows of both files; else they come in the mart's stored order."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    sort = f" ORDER BY {order}" if order else ""
    jobs = []
    if csv:
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        select = neutralised_columns([(r[0], r[1]) for r in described])
        jobs.append((csv_path, f"SELECT {select} FROM {relation}{sort}", CSV_OPTIONS))
    else:
        csv_path.unlink(missing_ok=True)
    jobs.append((parquet_path, f"SELECT * FROM {relation}{sort}", "FORMAT parquet"))
    for path, query, options in jobs:
        tmp = path.with_name(path.name + ".tmp")
        con.execute(f"COPY ({query}) TO {sql_literal(str(tmp))} ({options})")
        tmp.replace(path)  # a reader never sees half an export
    return [path for path, _, _ in jobs]
