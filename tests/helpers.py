"""Helpers shared by the test packages: register edits and warehouse content dumps."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb


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
