"""Fault tests: helpers to run hkam in-process on an edited copy of the bundled snapshot."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.helpers import business_dump  # noqa: F401  (re-exported to the fault tests)

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
    """Rows in = loaded + quarantined + duplicates + overridden + unchanged (nothing lost,
    nothing twice)."""
    parts = counts["loaded"] + counts["quarantined"] + counts["duplicates"] + counts["unchanged"]
    parts += counts.get("overridden", 0)
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


@pytest.fixture
def snap(snapshot_copy: Path) -> Path:
    """A writable copy of the bundled snapshot (tests/conftest.py's snapshot_copy)."""
    return snapshot_copy


@pytest.fixture
def where(paths: dict[str, Path]) -> tuple[Path, Path]:
    """(warehouse file, reports folder) in the test's tmp dir (tests/conftest.py's paths)."""
    return paths["warehouse"], paths["reports"]
