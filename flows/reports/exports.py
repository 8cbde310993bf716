"""Mart exports beside the report: <mart>.csv (spreadsheet-safe) and <mart>.parquet (typed).

DuckDB writes both (COPY): the Parquet from the mart table, the CSV from that Parquet, so a
ten-million-row mart never passes through Python memory and is sorted once. A mart whose rows
did not change since its files were written (reports/latest/exports.json) keeps them. A mart
larger than every common spreadsheet opens whole gets Parquet only: Excel and LibreOffice Calc
stop at 1,048,576 rows and Google Sheets at 10 million cells, each dropping or refusing the rest;
such a CSV is also the run's largest write (a 1M-row commitment mart: 279 MB, 2.0-2.2 s in a run).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from flows.contracts import sql_literal

# A spreadsheet runs a cell beginning with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# TIMESTAMPTZ values are UTC here (the warehouse sets no TimeZone): written as ISO with +0000.
CSV_OPTIONS = "HEADER, DELIMITER ',', TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S.%f+0000'"
# Rows a spreadsheet opens whole: Excel's and LibreOffice Calc's 1,048,576, one the header.
SPREADSHEET_ROWS = 1_048_575
# Cells a spreadsheet opens whole: Google Sheets' limit of 10 million, the header row included.
SPREADSHEET_CELLS = 10_000_000
# Beside the exports: which content each mart's files were written from (write_exports).
EXPORT_INDEX = "exports.json"


def fits_spreadsheet(rows: int, columns: int) -> bool:
    """Whether a mart of this many rows and columns is exported as CSV too (else Parquet only):
    whether Excel, LibreOffice Calc and Google Sheets all open it whole."""
    return rows <= SPREADSHEET_ROWS and (rows + 1) * columns <= SPREADSHEET_CELLS


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
    con: Any,
    relation: str,
    folder: Path,
    name: str,
    *,
    csv: bool,
    order: str | None = None,
    content: str | None = None,
) -> list[Path]:
    """Write folder/name.parquet (the values as typed) and, if `csv`, folder/name.csv
    (neutralised text); without it an older name.csv is removed, never left stale. `order`
    (an ORDER BY list) sorts the rows of both files; else they come in the mart's stored order.

    `content`: the mart's content hash (meta.mart_refresh); files written from the same content
    the same way (the index, EXPORT_INDEX) are left as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    sort = f" ORDER BY {order}" if order else ""
    rows = f"SELECT * FROM {relation}{sort}"
    select = ""
    if csv:
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        select = neutralised_columns([(r[0], r[1]) for r in described])
    else:
        csv_path.unlink(missing_ok=True)
    paths = [csv_path, parquet_path] if csv else [parquet_path]
    recipe = hashlib.sha256(f"{rows}\n{select}\n{CSV_OPTIONS}".encode()).hexdigest()
    index = read_index(folder)
    if content is not None and _same(index.get(name), content, recipe, paths):
        return paths
    # The rows are sorted once, into the Parquet; the CSV reads them back from it in that order
    # (PRESERVE_ORDER: DuckDB's CSV writer otherwise writes its threads' chunks as they finish).
    # At 1M rows this halves the sorting: ORDER BY for each file was most of the export time.
    tmp_parquet = parquet_path.with_name(parquet_path.name + ".tmp")
    con.execute(f"COPY ({rows}) TO {sql_literal(str(tmp_parquet))} (FORMAT parquet)")
    try:
        if csv:
            tmp_csv = csv_path.with_name(csv_path.name + ".tmp")
            con.execute(
                f"COPY (SELECT {select} FROM read_parquet({sql_literal(str(tmp_parquet))})) "
                f"TO {sql_literal(str(tmp_csv))} ({CSV_OPTIONS}, PRESERVE_ORDER true)"
            )
            tmp_csv.replace(csv_path)  # a reader never sees half an export
        tmp_parquet.replace(parquet_path)
    finally:
        tmp_parquet.unlink(missing_ok=True)
    index.pop(name, None)
    if content is not None:
        files = {p.name: p.stat().st_size for p in paths}
        index[name] = {"content": content, "recipe": recipe, "files": files}
    _write_index(folder, index)
    return paths


def read_index(folder: Path) -> dict[str, Any]:
    """folder's export index: per mart, the content hash and recipe its files were written
    from, and their sizes ({} when there is none or it cannot be read)."""
    try:
        index = json.loads((folder / EXPORT_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return index if isinstance(index, dict) else {}


def _same(entry: Any, content: str, recipe: str, paths: list[Path]) -> bool:
    """Whether an index entry says these files hold this content, written this way."""
    if not isinstance(entry, dict) or entry.get("content") != content:
        return False
    files = entry.get("files")
    if entry.get("recipe") != recipe or not isinstance(files, dict):
        return False
    if set(files) != {p.name for p in paths}:
        return False
    return all(p.exists() and p.stat().st_size == files[p.name] for p in paths)


def _write_index(folder: Path, index: dict[str, Any]) -> None:
    """The index, written aside and renamed (never half written)."""
    tmp = folder / f"{EXPORT_INDEX}.tmp"
    tmp.write_text(json.dumps(index, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(folder / EXPORT_INDEX)
