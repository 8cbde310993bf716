"""Helpers shared by the test packages: register rows and edits, warehouse content dumps."""

from __future__ import annotations

import contextlib
import csv
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from flows.contracts import contract

RAW_COLUMNS = contract("raw.register_commitment").column_names
RAW_SCHEMA = {c: (pl.Int64 if c == "line" else pl.String) for c in RAW_COLUMNS}


def rewrite_register(snapshot: Path, edit: dict[str, dict[str, str]]) -> Path:
    """Edit register rows by commitment_id (test-made changes to real rows)."""
    path = snapshot / "register" / "commitments.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames or [], list(reader)
    for row in rows:
        row.update(edit.get(row["commitment_id"], {}))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def business_dump(path: Path, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[object, ...]]]:
    """Every raw/core/marts table and view without run ids and timestamps, sorted.

    Views that read the clock (now(), current_date) are left out: they differ between runs.
    """
    out: dict[str, list[tuple[object, ...]]] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        clocked = {
            f"{s}.{n}"
            for s, n, sql in con.execute(
                "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
            if any(w in sql.lower() for w in ("now()", "current_date", "current_timestamp"))
        }
        columns: dict[str, list[str]] = {}
        for schema, table, column, dtype in con.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name IN ('raw', 'core', 'marts') ORDER BY column_index"
        ).fetchall():
            if column in ("load_id", "run_id", "landed_path", *skip) or "TIME ZONE" in dtype:
                continue
            columns.setdefault(f"{schema}.{table}", []).append(f'"{column}"')
        for name, cols in sorted(columns.items()):
            if name in clocked:
                continue
            rows = con.execute(f"SELECT {', '.join(cols)} FROM {name}").fetchall()
            out[name] = sorted(rows, key=repr)
    return out


def raw_row(line: int, **values: Any) -> dict[str, Any]:
    """One register row as landed. TEST VALUES: a made-up company and URL."""
    row: dict[str, Any] = dict.fromkeys(RAW_COLUMNS)
    row.update(
        commitment_id=f"acme-{line}",
        party="company",
        company="Acme Robotics Ltd",
        announced_on="2024-01-15",
        amount_text="HK$80 million",
        amount="80000000",
        currency="HKD",
        qualifier="exact",
        jobs="50",
        sector_label="robotics & automation",
        scope="project",
        is_cumulative="false",
        phasing_years="3",
        status="announced",
        source_url="https://example.org/acme",
        confidence="high",
        source_file="commitments.csv",
        source_file_sha256="0" * 64,
        load_id="test-run",
        line=line,
    )
    row.update(values)
    return row


def raw_frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=RAW_SCHEMA)


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 at a free port for the block; yields its base URL. A slow
    handler does not hold up the stop."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="test-http", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
