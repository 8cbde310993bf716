"""The DuckDB warehouse: connect, migrate from contracts, run SQL files, the working copy."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from flows import progress
from flows.contracts import load_contracts
from flows.resources import sql_dir
from flows.settings import WRITER_MEMORY_LIMIT

LAYERS = ("raw", "core", "marts", "meta")
# Files are written in the v1.4.0 storage format so analysts' duckdb CLI 1.5.x can open them.
STORAGE_VERSION = "v1.4.0"
STAGE_SUFFIX = ".stage-"  # scratch_dir's folders: <database file>.stage-*/


class WarehouseBusy(RuntimeError):
    """Another run holds the writer lock."""


def connect(
    path: Path, *, read_only: bool = False, memory_limit: str = WRITER_MEMORY_LIMIT
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file; writers create it in the analysts' storage format."""
    # No TimeZone setting: it needs the ICU extension, which this offline build cannot load;
    # without it DuckDB keeps TIMESTAMPTZ in UTC, as the contracts declare.
    # The pool cap holds for the run's readers too (reports, exports): uncapped, DuckDB takes
    # up to 80% of the machine's memory for its buffers.
    config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": memory_limit}
    if read_only:
        try:
            return duckdb.connect(str(path), read_only=True, config=config)
        except duckdb.ConnectionException as exc:
            if "different configuration" not in str(exc):
                raise
            # This process already has the file open (an analyst's session, a test): DuckDB
            # shares that instance, whose settings hold, and refuses a second configuration.
            return duckdb.connect(str(path), read_only=True)
    config["storage_compatibility_version"] = STORAGE_VERSION
    return duckdb.connect(str(path), config=config)


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
    held = _marts_held(con)
    if any(mart_name(m) not in held for m in mart_files()):
        # A new warehouse, or marts that were views before they were tables. A missing mart's
        # SQL may read columns an older mart before it lacks, so every mart whose SQL changed is
        # rebuilt too, and every mart after the first one rebuilt.
        refresh_marts(con, "migrate", data_changed=False)


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **frames: Any) -> Iterator[None]:
    """The frames readable by SQL under their keyword names while the block runs."""
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        yield
    finally:
        for name in frames:
            con.unregister(name)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, **frames: Any) -> Iterator[None]:
    """One transaction, rolled back on any error, with `frames` registered as in registered()."""
    # The frames go after the rollback: DuckDB refuses to unregister in an aborted transaction.
    with registered(con, **frames):
        con.execute("BEGIN TRANSACTION")
        try:
            yield
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


@contextmanager
def insertion_order(con: duckdb.DuckDBPyConnection, *, keep: bool) -> Iterator[None]:
    """Whether the statements inside store an INSERT's rows in the order they come; the
    connection's own setting is back afterwards.

    keep=False is for tables every reader sorts: an INSERT of 10M register rows in kept order
    made the next checkpoint take 12-19 s (in the middle of a later statement); in any order,
    the insert took as long and the checkpoint 0 s. keep=True is for an insert whose rowids must
    follow its input (the register's line numbers).
    """
    [(before,)] = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
    con.execute(f"SET preserve_insertion_order = {str(keep).lower()}")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {str(bool(before)).lower()}")


def mart_files() -> list[Path]:
    """warehouse/marts/*.sql in build order (a mart reads only marts built before it)."""
    return sorted((sql_dir() / "marts").glob("*.sql"))


def mart_name(path: Path) -> str:
    """The mart a SQL file builds: 20_marts.largest_commitments.sql -> marts.largest_commitments."""
    return path.stem.split("_", 1)[1]


_CREATES_VIEW = re.compile(r"\bCREATE\s+OR\s+REPLACE\s+VIEW\b", re.I)


def builds_view(path: Path) -> bool:
    """Whether a mart's SQL builds a view (its rows computed when read) rather than a table."""
    return _CREATES_VIEW.search(path.read_text("utf-8")) is not None


def _held_as(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """marts.* present -> TABLE or VIEW."""
    rows = con.execute(
        "SELECT 'marts.' || table_name, 'TABLE' FROM duckdb_tables() WHERE schema_name = 'marts' "
        "UNION ALL SELECT 'marts.' || view_name, 'VIEW' FROM duckdb_views() "
        "WHERE schema_name = 'marts' AND NOT internal"
    ).fetchall()
    return {str(name): str(kind) for name, kind in rows}


def _marts_held(
    con: duckdb.DuckDBPyConnection, kinds: dict[str, str] | None = None
) -> dict[str, str]:
    """marts.* present as what their SQL builds (a table, or a view) -> the sha256 of the SQL
    they were built from ('' if unknown). One held as the other kind is missing: rebuilt.
    `kinds`: _held_as(con), if the caller has it."""
    built = dict(con.execute("SELECT mart, sql_sha256 FROM meta.mart_refresh").fetchall())
    wanted = {mart_name(p): "VIEW" if builds_view(p) else "TABLE" for p in mart_files()}
    return {
        name: str(built.get(name, ""))
        for name, kind in (kinds if kinds is not None else _held_as(con)).items()
        if wanted.get(name, "TABLE") == kind
    }


def refresh_marts(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    *,
    data_changed: bool = True,
) -> list[str]:
    """Rebuild marts: all when data changed, else those whose SQL changed; names rebuilt.

    Marts are tables so an analyst's query reads stored rows: as views, every query recomputed
    the no-double-counting rules over the whole history (seconds at 10M rows). A mart whose SQL
    only filters a table built before it (commitment_counted) is a view of it instead.
    """
    contracts = load_contracts()
    kinds = _held_as(con)  # each name as it was before this rebuild, which changes only it
    held = _marts_held(con, kinds)
    rebuilt: list[str] = []
    for path in mart_files():
        name = mart_name(path)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        # Unchanged data and SQL: keep it; after one rebuild, rebuild the rest (they may read it).
        if not data_changed and not rebuilt and held.get(name) == sha:
            continue
        started = time.perf_counter()
        view = builds_view(path)
        with progress.step(f"mart {name}", quiet_under=1.0) as shown:
            # The name may be held as the other kind (a warehouse from before marts were
            # tables has views; one from before commitment_counted was a view has its table).
            other = "TABLE" if view else "VIEW"
            if kinds.get(name) == other:
                con.execute(f"DROP {other} {name}")
            run_sql(con, f"marts/{path.name}")
            for stmt in contracts[name].comments(view=view):
                con.execute(stmt)
            # The content hash lets the exports skip a mart whose rows did not change
            # (0.1-0.2 s of CPU at 1M rows, against seconds to write its files).
            [(rows, content)] = con.execute(
                f"SELECT count(*), coalesce(sum(hash(m)), 0)::VARCHAR FROM {name} AS m"
            ).fetchall()
            shown.advance(rows)
        con.execute(
            "INSERT OR REPLACE INTO meta.mart_refresh BY NAME SELECT $mart AS mart, "
            "$sql AS sql_sha256, $rows AS rows, $seconds AS seconds, $load_id AS load_id, "
            "now() AS refreshed_at, $content AS content_hash",
            {
                "mart": name,
                "sql": sha,
                "rows": rows,
                "seconds": time.perf_counter() - started,
                "load_id": load_id,
                "content": f"{rows}:{content}",
            },
        )
        rebuilt.append(name)
    return rebuilt


def mart_contents(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """marts.* name -> its content hash as last rebuilt ({} for a warehouse from before them)."""
    try:
        rows = con.execute(
            "SELECT mart, content_hash FROM meta.mart_refresh WHERE content_hash IS NOT NULL"
        ).fetchall()
    except duckdb.BinderException:  # not migrated yet: no content_hash column
        return {}
    return {str(mart): str(content) for mart, content in rows}


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
    def versions(self) -> Path:
        """Where earlier published files are kept (flows/publishing.py)."""
        return self.published.parent / "versions"

    @property
    def landing(self) -> Path:
        """Where raw source files are kept, by sha256."""
        return self.published.parent / "landing"

    def own_paths(self) -> list[Path]:
        """Every file and folder hkam writes beside the published file (none of it an input)."""
        folder, name = self.published.parent, self.published.name
        hidden = folder.glob(f".{self.published.stem}.*") if folder.is_dir() else []
        fixed = [name, f"{name}.wal", f"{name}.tmp", self.versions.name, self.landing.name]
        return [folder / n for n in fixed] + sorted(hidden)


@contextmanager
def writer_slot(limit: str | None) -> Iterator[None]:
    """Under a Prefect server, a slot of the global concurrency limit `limit` ($HKAM_WRITER_LIMIT)
    around the writer: runs from any host queue for it (writer_lock only holds on one machine).
    A limit the server does not have is WarehouseBusy, naming how to create it."""
    from prefect.settings import PREFECT_API_URL

    if not limit or not PREFECT_API_URL.value():
        yield
        return
    from prefect.concurrency._asyncio import ConcurrencySlotAcquisitionError
    from prefect.concurrency.sync import concurrency

    with ExitStack() as stack:
        try:
            stack.enter_context(concurrency(limit, occupy=1, strict=True))
        except ConcurrencySlotAcquisitionError as exc:
            raise WarehouseBusy(
                f"the writer's concurrency limit {limit!r} ($HKAM_WRITER_LIMIT) is not on the "
                f"Prefect server ({exc}); create it: prefect gcl create {limit} --limit 1"
            ) from exc
        yield


@contextmanager
def writer_lock(ws: Workspace, wait: float = 0.0, poll: float = 0.2) -> Iterator[None]:
    """Hold the single-writer lock; wait up to `wait` seconds for it, then raise WarehouseBusy.

    flock is released by the kernel when the holder dies (even by kill -9), so a crashed run
    never leaves the warehouse locked.
    """
    ws.lock.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(wait, 0.0)
    with open(ws.lock, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait:g} s" if wait > 0 else ""
                    raise WarehouseBusy(
                        f"another hkam run is writing {ws.published} (lock {ws.lock}){waited}; "
                        "wait for it to finish, then run again (HKAM_LOCK_WAIT=SECONDS waits)"
                    ) from exc
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def scratch_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """A new folder beside the connection's database file (the system's temp folder for one in
    memory) for a run's intermediate files; start_work_copy removes any a killed run left."""
    [(path,)] = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    if not path:
        return Path(tempfile.mkdtemp(prefix="hkam-stage-"))
    return Path(tempfile.mkdtemp(prefix=f"{Path(path).name}{STAGE_SUFFIX}", dir=Path(path).parent))


def start_work_copy(ws: Workspace) -> Path:
    """Fresh working copy of the published file (or an empty one); stale copies are discarded."""
    for stale in (ws.work, ws.work.with_name(ws.work.name + ".wal")):
        stale.unlink(missing_ok=True)
    for scratch in ws.work.parent.glob(f"{ws.work.name}{STAGE_SUFFIX}*"):
        shutil.rmtree(scratch, ignore_errors=True)  # a killed run's staged register parts
    if ws.published.exists():
        shutil.copy2(ws.published, ws.work)
    return ws.work


def discard(ws: Workspace) -> None:
    """Drop the working copy; the published file stays as it was."""
    for path in (ws.work, ws.work.with_name(ws.work.name + ".wal")):
        path.unlink(missing_ok=True)


def fsync_path(path: Path) -> None:
    """Flush a file or directory to disk so the rename survives a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks (landing keys, version comparison)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
