"""Fault tests: helpers to run hkam in-process on an edited copy of the bundled snapshot."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.resources import snapshot_dir

REGISTER = Path("register") / "commitments.csv"


def hkam(snapshot: Path, warehouse: Path, reports: Path, *extra: str) -> int:
    """`hkam run` in this process (the session's prefect_harness serves the flow)."""
    from flows.cli import main

    return main(
        ["run", "--snapshot-dir", str(snapshot), "--warehouse", str(warehouse),
         "--reports-dir", str(reports), *extra]
    )  # fmt: skip


def query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Read-only query of a warehouse file."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def dq(reports: Path) -> dict[str, Any]:
    """reports/latest/dq.json of the last run."""
    return json.loads((reports / "latest" / "dq.json").read_text(encoding="utf-8"))


def source(payload: dict[str, Any], name: str) -> dict[str, Any]:
    """One source's counts in a DQ payload."""
    return next(s for s in payload["sources"] if s["source"] == name)


def balanced(counts: dict[str, Any]) -> bool:
    """Rows in = loaded + quarantined + duplicates + unchanged (nothing lost, nothing twice)."""
    parts = counts["loaded"] + counts["quarantined"] + counts["duplicates"] + counts["unchanged"]
    return bool(counts["rows_in"] == parts)


def read_csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def csv_bytes(fields: list[str], rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


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


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    """A writable copy of the bundled snapshot."""
    target = tmp_path / "snapshot"
    shutil.copytree(snapshot_dir(), target)
    return target


@pytest.fixture
def where(tmp_path: Path) -> tuple[Path, Path]:
    """(warehouse file, reports folder) in the test's tmp dir."""
    return tmp_path / "wh" / "hkam.duckdb", tmp_path / "reports"
