"""Columns each source delivers, compared with the previous run and (register) with its contract."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

import pydantic_core

from flows.frames import gc_paused
from flows.sources import register, textcodec
from flows.warehouse import sha256_of

REGISTER_CONTRACT = "raw.register_commitment"
PATTERNS = {
    "register": "register/*.csv",
    "censtatd": "censtatd/*.json",
    "hkma": "hkma/er-eeri-endperiod*.json",
    "itf": "itf/annuallist_*_e.csv",
}


HEADER_BYTES = register.HEADER_BYTES


def _csv_header(raw: bytes) -> list[str]:
    """An ITF list's header as printed (decoded by evidence, names folded as the register's)."""
    try:
        text = textcodec.decode(raw, name="", candidates=textcodec.ENGLISH).text
    except textcodec.DecodeError:
        return []
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    return [register.column_name(c) for c in first]


def _json_keys(raw: bytes) -> list[str]:
    """Keys of the records of a C&SD (dataSet[]) or HKMA (result.records[]) payload."""
    try:  # jiter (as flows/sources/censtatd.py): a 1M-record payload in a third of json's time
        with gc_paused():
            data = pydantic_core.from_json(raw.removeprefix(codecs.BOM_UTF8), cache_strings="keys")
    except ValueError:
        data = json.loads(raw)
    records = data.get("dataSet") if isinstance(data, dict) else None
    if records is None and isinstance(data, dict):
        records = (data.get("result") or {}).get("records")
    # Each distinct shape (a record's keys in order) once, in first-seen order: a payload's
    # million records have a handful of shapes (0.96 s against 3.24 s key by key at 1M).
    shapes = dict.fromkeys(tuple(rec) for rec in records or [] if isinstance(rec, dict))
    keys: dict[str, None] = {}
    for shape in shapes:
        keys.update(dict.fromkeys(shape))
    return list(keys)


def file_columns(path: Path) -> list[str]:
    """Column names of one source file (CSV header, or the keys of a JSON payload's records)."""
    try:
        if path.suffix == ".json":
            return _json_keys(path.read_bytes())
        if path.parent.name == "register":
            # The loader's own reading: the drift table and the run can never disagree.
            return register.header(path)
        with path.open("rb") as fh:
            head = fh.read(HEADER_BYTES)
        cut = head.rfind(b"\n")  # whole lines only: a cut multi-byte character would not decode
        return _csv_header(head[:cut] if 0 < cut < len(head) - 1 else head)
    except (ValueError, AttributeError):
        return []


def snapshot_columns(
    snapshot_dir: Path, cache: Path | None = None
) -> dict[str, dict[str, list[str]]]:
    """Per source, per file: its columns (JSON payloads' keys cached by content hash)."""
    known: dict[str, list[str]] = {}
    if cache is not None and cache.exists():
        with contextlib.suppress(ValueError, OSError):
            known = json.loads(cache.read_text(encoding="utf-8"))
    kept: dict[str, list[str]] = {}
    out: dict[str, dict[str, list[str]]] = {}
    for source, pattern in PATTERNS.items():
        out[source] = {}
        for f in sorted(snapshot_dir.glob(pattern)):
            if f.suffix != ".json":
                out[source][f.name] = file_columns(f)
                continue
            # A full C&SD series is a 100 MB payload: parse it once, not on every run.
            sha = sha256_of(f)
            cols = known[sha] if isinstance(known.get(sha), list) else file_columns(f)
            out[source][f.name] = kept[sha] = cols
    if cache is not None and kept != known:
        with contextlib.suppress(OSError):
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(kept), encoding="utf-8")
    return out


def union(per_file: dict[str, list[str]]) -> list[str]:
    """Every column any file of a source has, first-seen order."""
    seen: dict[str, None] = {}
    for cols in per_file.values():
        seen.update(dict.fromkeys(cols))
    return list(seen)


def register_contract() -> tuple[list[str], list[str]]:
    """(required, optional) source columns of the register contract."""
    from flows.contracts import contract

    cols = contract(REGISTER_CONTRACT).source_columns
    return [c.name for c in cols if c.required], [c.name for c in cols if not c.required]


def schema_changes(
    current: dict[str, dict[str, list[str]]],
    previous: dict[str, dict[str, list[str]]] | None,
    register: tuple[list[str], list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Rows (source, file, change, column): columns added or removed since the previous run, and
    register headers against the contract (missing required, missing optional, extra)."""
    rows: list[dict[str, Any]] = []
    if previous is not None:
        for source in sorted(set(current) | set(previous)):
            now_cols, before = union(current.get(source, {})), union(previous.get(source, {}))
            rows += [
                {"source": source, "file": "", "change": "added since previous run", "column": c}
                for c in now_cols
                if before and c not in before
            ]
            rows += [
                {"source": source, "file": "", "change": "gone since previous run", "column": c}
                for c in before
                if c not in now_cols and now_cols
            ]
    if register is not None:
        required, optional = register
        for name, cols in current.get("register", {}).items():
            drift = [
                ("missing (required by contract)", [c for c in required if c not in cols]),
                ("missing (optional in contract)", [c for c in optional if c not in cols]),
                (
                    "extra (not in contract)",
                    [c for c in cols if c not in required and c not in optional],
                ),
            ]
            rows += [
                {"source": "register", "file": name, "change": change, "column": c}
                for change, columns in drift
                for c in columns
            ]
    return rows
