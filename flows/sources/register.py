"""The curated investment register: register/*.csv, UTF-8, bilingual, analyst-owned."""

from __future__ import annotations

import csv
import difflib
import io
import re
import sys
import threading
import unicodedata
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from flows.contracts import Contract
from flows.sources import textcodec
from flows.warehouse import insertion_order, registered

_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
HEADER_BYTES = 1 << 20  # a header line is far shorter; the rest of a 2 GB register is not read
# A cell may hold a long quote or a pasted document. DuckDB's CSV reader holds a buffer of
# twice this per thread: a larger limit costs memory on every read (1 GiB asked 2.5 GiB blocks).
MAX_LINE_BYTES = 64 << 20
csv.field_size_limit(min(sys.maxsize, MAX_LINE_BYTES))
# iconv's names for the encodings the message may name.
_ICONV = {"cp1252": "CP1252", "big5hkscs": "BIG5-HKSCS", "utf-16": "UTF-16", "utf-32": "UTF-32"}
_DB: duckdb.DuckDBPyConnection | None = None
_DB_LOCK = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on one in-memory DuckDB shared by every read (opening one costs ~40 ms)."""
    global _DB
    with _DB_LOCK:
        if _DB is None:
            _DB = duckdb.connect()
        return _DB.cursor()


class InputError(ValueError):
    """A source file cannot be read as its contract says; names the file and the place."""


def register_files(snapshot_dir: Path) -> list[Path]:
    """Register CSV files in a snapshot, in name order."""
    return sorted((snapshot_dir / "register").glob("*.csv"))


def read_register(path: Path, contract: Contract, shown_as: Path | None = None) -> pl.DataFrame:
    """Read one register file as text columns plus its line numbers, or raise InputError.

    DuckDB's strict CSV reader does the work (parallel, and it names the line of a ragged row,
    an unterminated quote or bad UTF-8); Python's csv module only reads the header, and the
    line numbers when records span lines.
    """
    cols = ", ".join(_ident(c.name) for c in contract.source_columns)
    with _cursor() as con:
        empty_table(con, contract, "register_text")
        try:
            insert_register(
                con, path, contract, "register_text", {"source_file_sha256": ""}, shown_as
            )
            frame: pl.DataFrame = con.sql(
                f"SELECT {cols}, line FROM register_text ORDER BY line"
            ).pl()
        finally:
            con.execute("DROP TABLE IF EXISTS register_text")
    return frame


def empty_table(con: duckdb.DuckDBPyConnection, contract: Contract, name: str) -> None:
    """An empty temp table `name` with the contract's columns, for insert_register to fill."""
    cols = ", ".join(f"NULL::{c.type} AS {_ident(c.name)}" for c in contract.columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {cols} LIMIT 0")


def insert_register(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contract: Contract,
    table: str,
    provenance: dict[str, str],
    shown_as: Path | None = None,
) -> int:
    """Append one register file's records to `table` in file order (text columns, `line`, and
    the `provenance` values, whose source_file_sha256 must be new to the table), parsed by
    DuckDB so no row passes through Python; returns the records kept, or raises InputError.

    One pass: the rows go straight from read_csv into the table and are numbered afterwards by
    their rowid, which an insert that keeps insertion order assigns in file order. (Read into
    a temporary table first, for its rowid, then copied, 10M rows took 30 s against 20 s.)"""
    shown = shown_as or path  # messages name the analyst's file, not the landed copy
    header = _header(path, shown)
    source_cols = contract.source_columns
    missing = [c.name for c in source_cols if c.required and c.name not in header]
    if missing:
        raise InputError(
            f"{shown}: line 1: missing required column(s) {', '.join(missing)}"
            f"{close_headers(missing, header, [c.name for c in source_cols])}; "
            f"expected header: {','.join(c.name for c in source_cols)}"
        )
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise InputError(f"{shown}: line 1: column(s) {', '.join(dupes)} appear twice")
    # A blank cell is no value; optional columns absent from the file are empty.
    select = ", ".join(
        f"nullif(trim({_ident(c.name)}), '') AS {_ident(c.name)}"
        if c.name in header
        else f"NULL::VARCHAR AS {_ident(c.name)}"
        for c in source_cols
    )
    constants = ", ".join(f"${k} AS {_ident(k)}" for k in provenance)
    read = (
        f"SELECT {select}, {constants} FROM read_csv($path, header = true, delim = ',', "
        "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        f"auto_detect = false, max_line_size = {MAX_LINE_BYTES}, "
        f"buffer_size = {2 * MAX_LINE_BYTES}, columns = $columns)"
    )
    mine = "source_file_sha256 = $source_file_sha256"
    sha = {"source_file_sha256": provenance["source_file_sha256"]}
    try:
        params = {"path": str(path), "columns": dict.fromkeys(header, "VARCHAR"), **provenance}
        # The rowids below are the file order only if the insert keeps it.
        with insertion_order(con, keep=True):
            con.execute(f"INSERT INTO {table} BY NAME {read}", params)
    except duckdb.OutOfMemoryException as exc:
        [(limit,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
        raise MemoryError(
            f"{shown}: DuckDB ran out of memory reading the register within its {limit} "
            f"(raise HKAM_DUCKDB_MEMORY): {str(exc).splitlines()[0]}"
        ) from exc
    except duckdb.Error as exc:
        _diagnose(path, shown, len(header))  # names the exact line and fields when it can
        raise InputError(_csv_error(shown, str(exc))) from exc
    cols = ", ".join(_ident(c.name) for c in source_cols)
    empty = f"coalesce({cols}) IS NULL"  # a row of empty cells (",,,") carries nothing
    [(first, records, blank)] = con.execute(
        f"SELECT min(rowid), count(*), count(*) FILTER ({empty}) FROM {table} WHERE {mine}", sha
    ).fetchall()
    lines = _record_lines(path, int(records))
    if lines is None:
        con.execute(
            f"UPDATE {table} SET line = rowid - $first + 2 WHERE {mine}", {**sha, "first": first}
        )
    else:
        starts = pa.table({"i": pa.array(range(len(lines)), pa.int64()), "line": lines})
        with registered(con, register_line_starts=starts):
            con.execute(
                f"UPDATE {table} AS t SET line = l.line FROM register_line_starts AS l "
                f"WHERE t.{mine} AND l.i = t.rowid - $first",
                {**sha, "first": first},
            )
    if blank:  # numbered with the rest, so the records after them keep their lines
        con.execute(f"DELETE FROM {table} WHERE {mine} AND {empty}", sha)
    return int(records) - int(blank)


def close_headers(missing: list[str], header: list[str], expected: list[str]) -> str:
    """`; the header has "Status" (did you mean status?)` for each missing column that a header
    cell not in the contract nearly names (case, spaces or hyphens for underscores, a typo);
    empty when none does."""
    extra = {_folded(h): h for h in header if h not in expected}
    found = []
    for name in missing:
        close = difflib.get_close_matches(_folded(name), list(extra), n=1, cutoff=0.8)
        if close:
            found.append(f'"{extra.pop(close[0])}" (did you mean {name}?)')
    return f"; the header has {', '.join(found)}" if found else ""


def _folded(name: str) -> str:
    """A column name compared loosely: NFKC, casefolded, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", name).casefold().strip())


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column_name(text: str) -> str:
    """A header cell as a column name: NFKC-folded (full-width ｃｏｍｍｉｔｍｅｎｔ＿ｉｄ is
    commitment_id), BOM and surrounding spaces removed."""
    return unicodedata.normalize("NFKC", text.replace("\ufeff", "")).strip()


def _not_utf8(shown: Path, raw: bytes, start: int) -> InputError:
    """The message for a register that is not UTF-8: file, line, byte and what it looks like
    (the encoding the evidence in flows/sources/textcodec.py picks, as for the other sources)."""
    line = raw[:start].count(b"\n") + 1
    # A read cut inside a character is not evidence: whole lines only.
    whole_lines = raw[: raw.rfind(b"\n") + 1] or raw
    found = textcodec.guess(whole_lines, textcodec.ENGLISH)
    guess = f"; it reads as {textcodec.label(found)}" if found else ""
    iconv = _ICONV.get(found or "", "BIG5-HKSCS")
    return InputError(
        f"{shown}: line {line}: not UTF-8 (byte {start}: 0x{raw[start]:02x}{guess}); the register "
        "must be UTF-8: save it as 'CSV UTF-8' (Excel) or convert it, e.g. "
        f"iconv -f {iconv} -t UTF-8"
    )


def header(path: Path, shown: Path | None = None) -> list[str]:
    """Column names from the first record (BOM, spaces and full-width forms folded), as the
    loader reads them; also the DQ schema check's reading (flows/reports/schema.py)."""
    return _header(path, shown or path)


def _header(path: Path, shown: Path) -> list[str]:
    """Column names from the first record (BOM, spaces and full-width forms folded)."""
    with path.open("rb") as fh:
        head = fh.read(HEADER_BYTES)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the read boundary
            raise _not_utf8(shown, head, exc.start) from exc
        text = head[: exc.start].decode("utf-8-sig")
    if not text.strip():
        raise InputError(f"{shown}: line 1: empty file; a register needs a header line and rows")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(
            f"{shown}: line {line}: NUL byte: the file is binary, UTF-16 or damaged, not a "
            "UTF-8 CSV; save the register as 'CSV UTF-8'"
        )
    try:
        first = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error as exc:
        raise InputError(f"{shown}: line 1: not valid CSV ({exc})") from exc
    if not first or not any(h.strip() for h in first):
        raise InputError(
            f"{shown}: line 1: no header; the first line must name the columns "
            "(commitment_id,party,company,…)"
        )
    if len(first) == 1:
        for delim, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if first[0].count(delim) >= 2:
                raise InputError(
                    f"{shown}: line 1: the header is separated by {name}, not commas; the "
                    "register is comma-separated: save it as 'CSV UTF-8 (comma delimited)'"
                )
    return [column_name(h) for h in first]


def _csv_error(shown: Path, message: str) -> str:
    """DuckDB's CSV error as file, line and reason, and what to do."""
    line = _CSV_LINE.search(message)
    where = f"line {line.group(1)}" if line else "somewhere"
    before_fixes = message.split("Possible")[0].strip().splitlines()
    why = before_fixes[-1].strip() if before_fixes else message
    return (
        f"{shown}: {where}: not valid CSV ({why}); check the quoting and commas on that line "
        "and save the file as UTF-8 CSV"
    )


def _diagnose(path: Path, shown: Path, width: int) -> None:
    """Walk the records with Python's csv module and raise the precise InputError, if any."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(shown, raw, exc.start) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    last = 0
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if row and len(row) != width:
                raise InputError(
                    f"{shown}: line {start}: {len(row)} fields where the header has {width}; "
                    "check the quoting and commas on that line"
                )
    except csv.Error as exc:
        # The broken record starts after the last good one, not where the reader gave up.
        raise InputError(f"{shown}: line {last + 1}: not valid CSV ({exc})") from exc


def _record_lines(path: Path, records: int) -> list[int] | None:
    """File line on which each record starts (the header is line 1); None when record i is on
    line i + 2, the common case, left to polars to number."""
    newlines = 0
    ends_with_newline = True
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 24), b""):
            newlines += chunk.count(b"\n")
            ends_with_newline = chunk.endswith(b"\n")
    physical = newlines + (0 if ends_with_newline else 1)
    if physical == records + 1:
        return None  # one line per record: no parsing
    # Quoted line breaks or blank lines: walk the records to find where each starts.
    starts: list[int] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        last = 0
        for i, row in enumerate(reader):
            if i > 0 and row:  # the csv module yields [] for a blank line, which DuckDB skips
                starts.append(last + 1)
            last = reader.line_num
    return starts
