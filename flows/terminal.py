"""Query results as text: values printed literally, a grid that fits or one record per block."""

from __future__ import annotations

import csv
import json
import math
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TextIO

NULL = "NULL"  # as the duckdb CLI prints it: an empty cell and a missing value look different


def plain(value: Any) -> str:
    """A value as an analyst reads it: numbers without `.0` or exponent, lists as lists."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return number(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(plain(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    return str(value)


def number(value: float | Decimal) -> str:
    """54000000000.0 -> 54000000000; 1e-07 -> 0.0000001; 2.5 -> 2.5 (never an exponent)."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        value = Decimal(repr(value))  # the shortest text that reads back as this float
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _json_cell(value: Any) -> Any:
    """A value for JSON: Decimal as a number, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_cell(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json_cell(v) for k, v in value.items()}
    return value


def _csv_cell(value: Any) -> str:
    """A value for CSV: empty for NULL, lists and structs as JSON so they read back."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | Mapping):
        return json.dumps(_json_cell(value), ensure_ascii=False, default=str)
    return plain(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def print_rows(
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str = "table",
    out: TextIO | None = None,
    width: int | None = None,
) -> None:
    """Print rows as a table, CSV or JSON; `width` None: the terminal's, unbounded when piped."""
    out = out or sys.stdout
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([_csv_cell(v) for v in r] for r in rows)
        return
    if fmt == "json":
        records = [{n: _json_cell(v) for n, v in zip(names, r, strict=True)} for r in rows]
        out.write(json.dumps(records, ensure_ascii=False, default=str) + "\n")
        return
    if width is None and out.isatty():
        width = shutil.get_terminal_size().columns
    texts = [[plain(v) for v in r] for r in rows]
    if width is None or _grid_width(names, texts) <= width:
        out.write(_grid(names, texts, rows, width))
    else:
        out.write(_records(names, texts))
    out.write(f"{len(rows)} row(s)\n")


def _grid_width(names: Sequence[str], texts: list[list[str]]) -> int:
    """Columns of a one-line-per-row grid: widest cell of each column, bars and padding."""
    from rich.cells import cell_len

    widths = [cell_len(n) for n in names]
    for r in texts:
        for i, t in enumerate(r):
            widths[i] = max(widths[i], max((cell_len(line) for line in t.splitlines()), default=0))
    return sum(widths) + 3 * len(widths) + 1


def _grid(
    names: Sequence[str], texts: list[list[str]], rows: Sequence[Sequence[Any]], width: int | None
) -> str:
    """The rows as a grid (rich, with cells as plain Text so `[red]` stays text)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    numeric = [
        bool(rows) and all(_is_number(r[i]) or r[i] is None for r in rows)
        for i in range(len(names))
    ]
    table = Table(show_lines=False)
    for name, is_number in zip(names, numeric, strict=True):
        table.add_column(Text(name), justify="right" if is_number else "left", no_wrap=True)
    for r in texts:
        table.add_row(*(Text(t) for t in r))
    console = Console(
        width=width or _grid_width(names, texts) + 1,
        markup=False,
        highlight=False,
        emoji=False,
        color_system=None,
        force_terminal=False,
    )
    with console.capture() as captured:
        console.print(table)
    return captured.get()


def _records(names: Sequence[str], texts: list[list[str]]) -> str:
    """One block per row, `name | value` per line (psql's expanded display)."""
    from rich.cells import cell_len

    pad = max((cell_len(n) for n in names), default=0)
    lines: list[str] = []
    for k, r in enumerate(texts, start=1):
        lines.append(f"-[ RECORD {k} ]" + "-" * max(3, pad - 8))
        for n, t in zip(names, r, strict=True):
            first, *more = t.splitlines() or [""]
            lines.append(f"{n}{' ' * (pad - cell_len(n))} | {first}")
            lines += [f"{' ' * pad} | {m}" for m in more]
    return "\n".join(lines) + "\n"
