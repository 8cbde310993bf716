"""Published versions of the warehouse: keep the last N, list them, restore one atomically.

Layout beside the published file `<dir>/hkam.duckdb`:

    <dir>/versions/hkam.<run_id>.duckdb   the file as published by run <run_id>

A version is named after the last published run it contains (from its meta.run), so
`hkam restore <run_id>` brings the warehouse back to what that run published. Publishing keeps
the file it replaces as a hard link (no copy, no extra space until the next publish moves the
name away); hkam never writes a published file in place, so the link keeps the old content.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from flows.warehouse import Workspace, connect, fsync_path, sha256_of, writer_lock

SUFFIX = ".duckdb"


@dataclass(frozen=True)
class Version:
    """One kept published file."""

    name: str
    path: Path
    size: int
    published_at: datetime

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict (for `hkam status --format json` and scripts)."""
        return {
            "version": self.name,
            "path": str(self.path),
            "size": self.size,
            "published_at": self.published_at.isoformat(),
        }


def _prefix(ws: Workspace) -> str:
    return f"{ws.published.stem}."


def list_versions(ws: Workspace) -> list[Version]:
    """Kept versions of this warehouse, newest first (names sort by run id, i.e. by time)."""
    if not ws.versions.is_dir():
        return []
    out = []
    for path in ws.versions.glob(f"{_prefix(ws)}*{SUFFIX}"):
        stat = path.stat()
        name = path.name[len(_prefix(ws)) : -len(SUFFIX)]
        out.append(Version(name, path, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
    return sorted(out, key=lambda v: v.name, reverse=True)


def last_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The last published run in a warehouse's meta.run, column -> value (None if it has none);
    every column, so a file from before a column was added still answers."""
    cur = con.execute(
        "SELECT * FROM meta.run WHERE status = 'published' "
        "ORDER BY started_at DESC, run_id DESC LIMIT 1"
    )
    names = [d[0] for d in cur.description or []]
    rows = cur.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None


def last_run_id(path: Path) -> str | None:
    """run_id of the last published run recorded in a warehouse file (None if it has none)."""
    try:
        with connect(path, read_only=True) as con:
            run = last_run(con)
    except duckdb.Error:
        return None
    return str(run["run_id"]) if run else None


def _label(path: Path) -> str:
    """Version name for a published file: its last run id, else its modification time."""
    run_id = last_run_id(path)
    if run_id:
        return run_id
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return stamp.strftime("%Y%m%dT%H%M%S%fZ") + "-unrecorded"


def _same_file(a: Path, b: Path) -> bool:
    if a.stat().st_ino == b.stat().st_ino and a.stat().st_dev == b.stat().st_dev:
        return True
    return a.stat().st_size == b.stat().st_size and sha256_of(a) == sha256_of(b)


def keep_version(ws: Workspace, keep: int) -> Version | None:
    """Keep the current published file as a version before it is replaced (no-op if keep < 1).

    Atomic: a hard link (or, across file systems, a copy renamed into place). Killed halfway, at
    worst a version equal to the published file exists, which is harmless.
    """
    if keep < 1 or not ws.published.exists():
        return None
    ws.versions.mkdir(parents=True, exist_ok=True)
    label = _label(ws.published)
    target = ws.versions / f"{_prefix(ws)}{label}{SUFFIX}"
    n = 1
    while target.exists():
        if _same_file(target, ws.published):
            return _version(ws, target)
        n += 1
        target = ws.versions / f"{_prefix(ws)}{label}.{n}{SUFFIX}"
    try:
        os.link(ws.published, target)
    except OSError:
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copy2(ws.published, tmp)
        fsync_path(tmp)
        os.replace(tmp, target)
    fsync_path(ws.versions)
    return _version(ws, target)


def _version(ws: Workspace, path: Path) -> Version:
    return next(v for v in list_versions(ws) if v.path == path)


def prune(ws: Workspace, keep: int) -> list[Path]:
    """Delete versions beyond the newest `keep` and leftovers of interrupted copies."""
    if not ws.versions.is_dir():
        return []
    removed = []
    for stale in ws.versions.glob(f".{_prefix(ws)}*.tmp"):
        stale.unlink(missing_ok=True)
        removed.append(stale)
    for old in list_versions(ws)[max(keep, 0) :]:
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    return removed


def find_version(ws: Workspace, version: str | None = None) -> Version:
    """The newest version, or the one named `version` (full name, file name or unique prefix)."""
    versions = list_versions(ws)
    if not versions:
        raise LookupError(
            f"no kept versions of {ws.published} in {ws.versions}; "
            "a version is kept each time a run publishes over an existing warehouse"
        )
    if version is None:
        return versions[0]
    wanted = Path(version).name.removeprefix(_prefix(ws)).removesuffix(SUFFIX)
    exact = [v for v in versions if v.name == wanted]
    matches = exact or [v for v in versions if v.name.startswith(wanted)]
    if len(matches) != 1:
        names = ", ".join(v.name for v in versions)
        what = "matches several versions" if matches else "is not a kept version"
        raise LookupError(f"{version!r} {what}; kept versions: {names}")
    return matches[0]


def restore(ws: Workspace, version: str | None = None, keep: int = 7, wait: float = 0.0) -> Version:
    """Make a kept version the published file again, atomically, under the writer lock.

    The file it replaces is kept as a version first, so a restore can itself be undone
    (`restore` with no name brings back the newest version: the state before the last publish
    or restore). The chosen version stays in versions/.
    """
    with writer_lock(ws, wait=wait):
        chosen = find_version(ws, version)
        for stale in (ws.work, ws.work.with_name(ws.work.name + ".wal")):
            stale.unlink(missing_ok=True)
        shutil.copy2(chosen.path, ws.work)
        fsync_path(ws.work)
        keep_version(ws, max(keep, 1))
        os.replace(ws.work, ws.published)
        fsync_path(ws.published.parent)
        prune(ws, max(keep, 1))
    return chosen


def publish(ws: Workspace, keep: int = 7) -> None:
    """Atomically replace the published file with the checkpointed working copy.

    The file being replaced is first kept as a version (hard link, so free) and versions
    beyond the newest `keep` are pruned. Killed at any point, the published file is either
    the old one or the complete new one, never a mix.
    """
    with connect(ws.work) as con:
        con.execute("CHECKPOINT")
    fsync_path(ws.work)
    keep_version(ws, keep)
    os.replace(ws.work, ws.published)
    fsync_path(ws.published.parent)
    prune(ws, keep)
