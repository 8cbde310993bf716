"""The DuckDB warehouse: connect, migrate from contracts, run SQL files, publish by atomic swap."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from flows.contracts import load_contracts
from flows.resources import sql_dir

LAYERS = ("raw", "core", "marts", "meta")
# Files are written in the v1.4.0 storage format so analysts' duckdb CLI 1.5.x can open them.
STORAGE_VERSION = "v1.4.0"


class WarehouseBusy(RuntimeError):
    """Another run holds the writer lock."""


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file; writers create it in the analysts' storage format."""
    # No TimeZone setting: it needs the ICU extension, which this offline build cannot load;
    # without it DuckDB keeps TIMESTAMPTZ in UTC, as the contracts declare.
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    return duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_VERSION})


def sql_file(name: str) -> str:
    """Text of warehouse/<name>."""
    return (sql_dir() / name).read_text(encoding="utf-8")


def run_sql(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> None:
    """Run each statement of warehouse/<name>, with named parameters where it uses them."""
    for statement in _statements(sql_file(name)):
        used = {k: v for k, v in (params or {}).items() if f"${k}" in statement}
        con.execute(statement, used or None)


def _statements(text: str) -> list[str]:
    """Split a SQL file on semicolons at line ends (our files keep one statement per block)."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";\n") if s.strip().rstrip(";").strip()]


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas, tables (from contracts, adding new columns), views and their comments."""
    contracts = load_contracts()
    for layer in LAYERS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    for c in contracts.values():
        if c.kind != "table":
            continue
        con.execute(c.create_table())
        have = {
            row[0]
            for row in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
                [c.schema, c.name],
            ).fetchall()
        }
        for col in c.columns:
            if col.name not in have:
                con.execute(f'ALTER TABLE {c.qualified} ADD COLUMN "{col.name}" {col.type}')
        for stmt in c.comments():
            con.execute(stmt)
    for path in sorted((sql_dir() / "views").glob("*.sql")):
        run_sql(con, f"views/{path.name}")
    for c in contracts.values():
        if c.kind == "view":
            for stmt in c.comments():
                con.execute(stmt)


@dataclass(frozen=True)
class Workspace:
    """Paths for one writer: the published file, its working copy, landing area and lock."""

    published: Path

    @property
    def work(self) -> Path:
        """Working copy a run writes; renamed over the published file at the end."""
        return self.published.with_name(f".{self.published.stem}.work.duckdb")

    @property
    def lock(self) -> Path:
        """Writer lock file."""
        return self.published.with_name(f".{self.published.stem}.lock")

    @property
    def landing(self) -> Path:
        """Where raw source files are kept, by sha256."""
        return self.published.parent / "landing"


@contextmanager
def writer_lock(ws: Workspace) -> Iterator[None]:
    """Hold the single-writer lock, or raise WarehouseBusy at once."""
    ws.lock.parent.mkdir(parents=True, exist_ok=True)
    with open(ws.lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseBusy(
                f"another hkam run is writing {ws.published} (lock {ws.lock}); "
                "wait for it to finish, then run again"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start_work_copy(ws: Workspace) -> Path:
    """Fresh working copy of the published file (or an empty one); stale copies are discarded."""
    for stale in (ws.work, ws.work.with_name(ws.work.name + ".wal")):
        stale.unlink(missing_ok=True)
    if ws.published.exists():
        shutil.copy2(ws.published, ws.work)
    return ws.work


def publish(ws: Workspace) -> None:
    """Atomically replace the published file with the checkpointed working copy."""
    with connect(ws.work) as con:
        con.execute("CHECKPOINT")
    _fsync(ws.work)
    os.replace(ws.work, ws.published)
    _fsync(ws.published.parent)


def discard(ws: Workspace) -> None:
    """Drop the working copy; the published file stays as it was."""
    for path in (ws.work, ws.work.with_name(ws.work.name + ".wal")):
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """Flush a file or directory to disk so the rename survives a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
