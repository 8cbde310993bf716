"""What a run reads, as one sha256: a run whose inputs match the published file's last run has
nothing new to load, so it publishes nothing (no copy of a multi-GB warehouse on a quiet night).

The inputs are every file under the snapshot and data folders (by content, through the landing
area's hash cache, so an unchanged file costs one stat), hkam's own code, contracts, SQL and
reference files, the versions of the engines that compute the tables, and which sources ran.
Whole folders, not the files each step happens to read: an extra file costs a needless full run,
never a skipped one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import duckdb

from flows.pipeline import HashCache
from flows.publishing import last_run
from flows.resources import schemas_dir, sql_dir, taxonomy_dir
from flows.review import LOCK as REVIEW_LOCK
from flows.runs import SourceCounts
from flows.settings import Settings
from flows.sources.catalog import SOURCES
from flows.warehouse import Workspace, connect

ENGINES = ("duckdb", "polars", "great_expectations")
_PKG = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Inputs:
    """The files a run reads, each with its size and mtime, and one sha256 over them all (None
    when a file has no cached hash: then it is new or changed, and the run goes ahead)."""

    stamps: dict[str, tuple[int, int]]
    shas: dict[str, str]
    sha256: str | None


def _files(folder: Path, skip: Sequence[Path] = ()) -> Iterable[Path]:
    """Every file under a folder (none if it does not exist) outside `skip`, in a stable order."""
    if not folder.is_dir():
        return []
    skipped = {s.resolve() for s in skip}

    def wanted(path: Path) -> bool:
        if not path.is_file() or "__pycache__" in path.parts:
            return False
        real = path.resolve() if skipped else path
        return skipped.isdisjoint((real, *real.parents))

    return sorted(p for p in folder.rglob("*") if wanted(p))


@cache
def code_sha256() -> str:
    """hkam's code, contracts, SQL and reference files, and the engines' versions: a new release
    of any of them may compute different tables from the same files. By pattern, not whole
    folders: the default warehouse (with its landing area) lives in the SQL folder."""
    digest = hashlib.sha256()
    for root, pattern in (
        (_PKG, "*.py"),
        (taxonomy_dir(), "*.yml"),
        (schemas_dir(), "*.yml"),
        (sql_dir(), "*.sql"),
    ):
        for path in sorted(p for p in root.rglob(pattern) if "__pycache__" not in p.parts):
            digest.update(f"{root.name}/{path.relative_to(root)}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in ENGINES:
        digest.update(f"{name}={metadata.version(name)}\0".encode())
    return digest.hexdigest()


def run_inputs(
    folders: Sequence[Path],
    landing: Path,
    sources: Sequence[str] | None,
    hash_new: bool,
    skip: Sequence[Path] = (),
) -> Inputs:
    """The fingerprint of a run over these folders, leaving out `skip` (the warehouse's own
    files, should a folder hold them); sources: the official ones the run is limited to.
    Without hash_new only cached hashes are used: before a run, a file not hashed yet is new or
    changed, and land hashes it while copying it (faster than hashing it here first)."""
    hashes = HashCache(landing / ".sha256-cache.json")
    stamps: dict[str, tuple[int, int]] = {}
    shas: dict[str, str] = {}
    digest = hashlib.sha256(f"code {code_sha256()}\0".encode())
    digest.update(f"sources {sorted(sources) if sources is not None else 'all'}\0".encode())
    complete = True
    for n, folder in enumerate(folders):
        for path in _files(folder, skip):
            name = f"{n}/{path.relative_to(folder)}"
            stat = path.stat()
            stamps[name] = (stat.st_size, stat.st_mtime_ns)
            sha = hashes.sha256(path) if hash_new else hashes.known(path)
            if sha is None:
                complete = False
            else:
                shas[name] = sha
            digest.update(f"{name}\0{sha}\0".encode())
    hashes.save()
    return Inputs(stamps, shas, digest.hexdigest() if complete else None)


def unchanged_since(warehouse: Path, inputs: Inputs) -> tuple[str, list[SourceCounts]] | None:
    """When the published file's last run read exactly these inputs: that run's id and, per
    source, the files and rows it holds from them (what a run of unchanged files reports)."""
    if inputs.sha256 is None or not warehouse.exists():
        return None
    try:
        with connect(warehouse, read_only=True) as con:
            last = last_run(con)
            # A warehouse from before inputs_sha256 has no such key: the run goes ahead.
            if last is None or last.get("inputs_sha256") != inputs.sha256:
                return None
            held = con.execute(
                "SELECT source, count(*), sum(rows) FROM meta.source_file "
                "WHERE sha256 IN (SELECT unnest($shas)) GROUP BY source",
                {"shas": sorted(set(inputs.shas.values()))},
            ).fetchall()
    except duckdb.Error:
        return None  # no meta tables yet, or a file being replaced: the run goes ahead
    order = {name: k for k, name in enumerate([spec.name for spec in SOURCES] + ["register"])}
    counts = [
        SourceCounts(source, n, n, rows_in=rows, unchanged=rows, status="unchanged")
        for source, n, rows in sorted(held, key=lambda r: order.get(r[0], len(order)))
    ]
    return str(last["run_id"]), counts


def snapshot_inputs(settings: Settings, sources: list[str] | None, hash_new: bool) -> Inputs:
    """The fingerprint of what a snapshot run with these settings reads."""
    ws = Workspace(settings.warehouse)
    # The review lock file is the desk's and the CLI's, never an input (issue 25).
    skip = [*ws.own_paths(), settings.reports_dir, settings.prefect_home]
    skip.append(settings.data_dir / REVIEW_LOCK)
    folders = [settings.snapshot_dir, settings.data_dir]
    return run_inputs(folders, ws.landing, sources, hash_new, skip)
