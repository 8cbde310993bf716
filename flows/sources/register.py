"""The curated investment register: register/*.csv, UTF-8, bilingual, analyst-owned."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from flows.contracts import Contract


class InputError(ValueError):
    """A source file cannot be read as its contract says; names the file and the place."""


def register_files(snapshot_dir: Path) -> list[Path]:
    """Register CSV files in a snapshot, in name order."""
    return sorted((snapshot_dir / "register").glob("*.csv"))


def read_register(path: Path, contract: Contract, shown_as: Path | None = None) -> pl.DataFrame:
    """Read one register file as text columns plus its line numbers, or raise InputError."""
    data = path.read_bytes()
    path = shown_as or path  # messages name the analyst's file, not the landed copy
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 at byte {exc.start}; save the register as UTF-8 CSV"
        ) from exc
    rows = _parse_csv(path, text)
    if not rows:
        raise InputError(f"{path}: empty file; a register needs a header line and rows")
    header = [h.strip() for h in rows[0][1]]
    source_cols = contract.source_columns
    missing = [c.name for c in source_cols if c.required and c.name not in header]
    if missing:
        raise InputError(
            f"{path}: line 1: missing required column(s) {', '.join(missing)}; "
            f"expected header: {','.join(c.name for c in source_cols)}"
        )
    columns: dict[str, list[str | None]] = {c.name: [] for c in source_cols}
    lines: list[int] = []
    for offset, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue  # blank lines carry nothing
        if len(row) != len(header):
            raise InputError(
                f"{path}: line {offset}: {len(row)} fields where the header has {len(header)}; "
                "check the quoting and commas on that line"
            )
        values = dict(zip(header, row, strict=True))
        for name in columns:
            value = (values.get(name) or "").strip()
            columns[name].append(value or None)  # a blank cell is no value
        lines.append(offset)
    frame = pl.DataFrame(columns, schema={c.name: pl.String for c in source_cols})
    return frame.with_columns(pl.Series("line", lines, dtype=pl.Int64))


def _parse_csv(path: Path, text: str) -> list[tuple[int, list[str]]]:
    """Strict CSV parse into (first file line of the record, fields)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    last_line = 0
    try:
        for row in reader:
            rows.append((last_line + 1, row))
            last_line = reader.line_num
    except csv.Error as exc:
        # The broken record starts after the last good one, not where the reader gave up.
        raise InputError(f"{path}: line {last_line + 1}: not valid CSV ({exc})") from exc
    return rows
