"""The steps of a run, as plain functions (flows wrap them as Prefect tasks)."""

from __future__ import annotations

import contextlib
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from flows import warehouse as wh
from flows.contracts import Contract, contract
from flows.runs import SourceCounts
from flows.settings import MAX_FAILED_SHARE
from flows.sources.catalog import Manifest, OfficialSource
from flows.sources.errors import SourceError
from flows.sources.gia import pair_releases
from flows.sources.register import InputError, register_files
from flows.spread import detect, parse_files
from flows.transforms.candidates import agreed
from flows.transforms.pairing import pair_languages
from flows.validation import PLACE, Outcome, validate

REGISTER = "raw.register_commitment"


class Blocked(RuntimeError):
    """The run must stop before publishing; the message says why and what to do."""


@dataclass(frozen=True)
class LandedFile:
    """A source file copied to the landing area."""

    source: str
    path: Path
    sha256: str
    landed_path: Path
    is_new: bool


def land(
    con: duckdb.DuckDBPyConnection, source: str, files: list[Path], landing: Path
) -> list[LandedFile]:
    """Copy files into the landing area by content hash; mark those the warehouse has seen."""
    seen = {
        row[0]
        for row in con.execute(
            "SELECT sha256 FROM meta.source_file WHERE source = ?", [source]
        ).fetchall()
    }
    out = []
    hashes = HashCache(landing / ".sha256-cache.json")
    folder = landing / source
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        # One scratch name per source file: runs hold the writer lock, and a killed run's
        # partial copy is overwritten by the next run instead of piling up beside the landed files.
        copy = folder / f".{path.name}.landing"
        sha, copied = hashes.known(path), False
        if sha is None:
            # Not hashed before, so most likely new: copy it while hashing it (both release the
            # GIL; a 2.5 GB register took 6.7 s one after the other, 3.7 s side by side).
            try:
                with ThreadPoolExecutor(max_workers=1) as pool:
                    copying = pool.submit(shutil.copyfile, path, copy)
                    sha = hashes.sha256(path)
                    copying.result()
            except BaseException:
                copy.unlink(missing_ok=True)
                raise
            copied = True
        target = folder / f"{sha[:16]}-{path.name}"
        if not target.exists():
            if not copied:
                shutil.copyfile(path, copy)
            copy.replace(target)
        elif copied:
            copy.unlink()
        out.append(LandedFile(source, path, sha, target, sha not in seen))
    hashes.save()
    return out


class HashCache:
    """sha256 of files by (path, size, mtime): a multi-GB register is hashed once, not nightly.

    The same shortcut git's index takes: a file rewritten with the same size within the same
    nanosecond timestamp would be missed, which an editor or a download does not do.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, list[Any]] = {}
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(path.read_text(encoding="utf-8"))
            self.entries = loaded if isinstance(loaded, dict) else {}
        self.changed = False

    @staticmethod
    def _stamp(file: Path) -> tuple[str, list[int]]:
        """The cache key (resolved path) and what must match: size and mtime."""
        stat = file.stat()
        return str(file.resolve()), [stat.st_size, stat.st_mtime_ns]

    def known(self, file: Path) -> str | None:
        """The file's sha256 if cached and its size and mtime are unchanged."""
        key, stamp = self._stamp(file)
        hit = self.entries.get(key)
        if isinstance(hit, list) and len(hit) == 3 and hit[:2] == stamp:
            return str(hit[2])
        return None

    def sha256(self, file: Path) -> str:
        """The file's sha256, from the cache when its size and mtime are unchanged."""
        known = self.known(file)
        if known is not None:
            return known
        key, stamp = self._stamp(file)
        sha = wh.sha256_of(file)
        self.entries[key] = [*stamp, sha]
        self.changed = True
        return sha

    def save(self) -> None:
        """Write the cache back (atomically; a cache that cannot be written is only slower)."""
        if not self.changed:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps(self.entries), encoding="utf-8")
            tmp.replace(self.path)


def distinct_files(landed: list[LandedFile]) -> list[LandedFile]:
    """One file per content hash: the same register under two names is read once."""
    first: dict[str, LandedFile] = {}
    for f in landed:
        first.setdefault(f.sha256, f)
    return list(first.values())


def quarantine_frame(
    source: str,
    frame: pl.DataFrame,
    outcome: Outcome,
    rejects: pl.DataFrame,
    cols: list[str],
    now: datetime,
) -> pl.DataFrame:
    """meta.quarantine rows: GX warn failures plus rows the transform set aside (by line).

    Only the failing rows are touched: the frame is joined on row numbers and (file, line), and
    each row's raw values are JSON-encoded by polars, so a 10M-row frame never passes Python.
    """
    failed = [
        (row, result.check.name, result.expectation, reason)
        for row, reasons in outcome.reasons.items()
        for result, reason in reasons
    ]
    by_row = pl.DataFrame(failed, schema=_FAILED, orient="row")
    keys = ["source_file_sha256", "line"]
    by_line = (
        rejects.join(frame.select(keys).with_row_index("_r"), on=keys, how="left")
        .select("_r", "check_name", pl.lit("transform").alias("expectation"), "reason")
        .cast(_FAILED)  # type: ignore[arg-type]
    )
    found = pl.concat([by_row, by_line]).with_row_index("_seq")
    rows = frame.with_row_index("_r").join(found.select("_r").unique(), on="_r", how="semi")
    raw = rows.select(
        "_r",
        "load_id",
        "source_file",
        "source_file_sha256",
        "line",
        pl.struct([pl.col(c) if c in rows.columns else pl.lit(None).alias(c) for c in cols])
        .struct.json_encode()
        .alias("raw"),
    )
    return (
        found.join(raw, on="_r", how="left")
        .sort("_seq")
        .select(
            "load_id",
            pl.lit(source).alias("source"),
            "source_file",
            "source_file_sha256",
            "line",
            "check_name",
            "expectation",
            "reason",
            "raw",
            pl.lit(now).alias("quarantined_at"),
        )
        .cast(contract("meta.quarantine").polars_schema())  # type: ignore[arg-type]
    )


_FAILED = {
    "_r": pl.UInt32(),
    "check_name": pl.String(),
    "expectation": pl.String(),
    "reason": pl.String(),
}


def propose_candidates(
    con: duckdb.DuckDBPyConnection, load_id: str, decided: set[str], spread: str | None = None
) -> int:
    """Detect candidates among releases landed by this run; decided ones are not proposed again.
    `spread`: detection on that Dask cluster, DETECT_BATCH releases a task (flows/spread.py)."""
    items = con.sql(
        "SELECT * FROM raw.gia_item WHERE release_id IN "
        "(SELECT release_id FROM raw.gia_item WHERE load_id = $id)",
        params={"id": load_id},
    ).pl()
    if items.height == 0:
        return 0
    # A paired candidate holds two P-numbers: neither is proposed again on its own.
    known = set(
        con.sql(
            "SELECT release_id FROM core.announcement_candidate UNION "
            "SELECT paired_release_id FROM core.announcement_candidate "
            "WHERE paired_release_id IS NOT NULL"
        )
        .pl()["release_id"]
        .to_list()
    )
    pairs = pair_releases(
        items.filter(pl.col("lang") == "en"), items.filter(pl.col("lang") == "zh")
    ).filter(~pl.col("release_id").is_in(list(known | decided)))
    found = pair_languages(detect(pairs, spread), agreed).with_columns(
        pl.lit(load_id).alias("load_id")
    )
    return insert_candidates(con, found)


def insert_candidates(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> int:
    """Press-release candidates into core.announcement_candidate; one whose release_id is held
    already is kept as it is. Returns the rows offered."""
    with wh.registered(con, new_candidates=rows):
        con.execute(
            "INSERT OR IGNORE INTO core.announcement_candidate BY NAME SELECT * FROM new_candidates"
        )
    return rows.height


def source_file_frame(
    landed: list[LandedFile], per_file: dict[str, int], load_id: str, now: datetime
) -> pl.DataFrame:
    """meta.source_file rows for landed files, with the rows read from each (by sha256)."""
    return pl.DataFrame(
        [
            {
                "source": f.source,
                "sha256": f.sha256,
                "file_name": f.path.name,
                "source_url": str(f.path),
                "landed_path": str(f.landed_path),
                "size_bytes": f.landed_path.stat().st_size,
                "rows": per_file.get(f.sha256, 0),
                "first_load_id": load_id,
                "landed_at": now,
            }
            for f in landed
        ],
        schema=contract("meta.source_file").polars_schema(),
    )


def load_official(
    con: duckdb.DuckDBPyConnection,
    spec: OfficialSource,
    files: list[Path],
    landing: Path,
    manifest: Manifest,
    counts: SourceCounts,
    load_id: str,
    now: datetime,
    max_failed_share: float = MAX_FAILED_SHARE,
    spread: str | None = None,
) -> Outcome | None:
    """Land, parse, validate and load one official source in one transaction (`spread`: large
    payloads are parsed on that Dask cluster, flows/spread.py)."""
    landed = land(con, spec.name, files, landing)
    counts.files = len(landed)
    old = [f for f in landed if not f.is_new]
    counts.files_unchanged = len(old)
    counts.unchanged = counts.rows_in = unchanged_rows(con, old)
    new = [f for f in landed if f.is_new]
    if not new:
        counts.status = "unchanged"
        return None
    target = contract(spec.table)
    frames = []
    for f, parsed in zip(new, parse_files(spec.parse, new, manifest, spread), strict=True):
        if isinstance(parsed, str):
            raise SourceError(f"{f.path}: {parsed}")
        frames.append(
            parsed.with_row_index("line", offset=1).with_columns(
                pl.col("line").cast(pl.Int64),
                pl.lit(f.path.name).alias("source_file"),
                pl.lit(f.sha256).alias("source_file_sha256"),
                pl.lit(load_id).alias("load_id"),
            )
        )
    data = pl.concat(frames, how="diagonal_relaxed")
    counts.rows_in += data.height
    # Two files may carry the same grain (a page and a history file): the later file wins.
    before = data.height
    data = data.unique(subset=list(target.grain), keep="last", maintain_order=True)
    counts.duplicates = before - data.height
    cols = [c for c in target.column_names if c in data.columns]
    place = [c for c in PLACE if c not in cols]  # failing samples name their file and line
    outcome = validate(data.select(*cols, *place), target)
    if outcome.blocked:
        names = "; ".join(f"{r.check.name} ({r.unexpected_count} failing)" for r in outcome.blocked)
        raise SourceError(f"{spec.name} failed block check(s): {names}")
    bad = outcome.quarantined_rows()
    indexed = data.with_row_index("_r")
    quarantine = quarantine_frame(
        spec.name, data, outcome, pl.DataFrame(schema=_REJECTS), cols, now
    )
    too_many = failed_share_message(
        len(bad), data.height, max_failed_share, worst_check(quarantine)
    )
    if too_many:
        raise SourceError(f"{spec.name}: {too_many}")
    passing = indexed.filter(~pl.col("_r").is_in(list(bad))).select(cols)
    counts.quarantined = len(bad)
    per_file = dict(data.group_by("source_file_sha256").len().iter_rows())
    files_frame = source_file_frame(landed, per_file, load_id, now)
    # Rows the warehouse already holds with the same content are unchanged; the set difference
    # runs inside DuckDB so the existing table never travels to Python.
    kept = [c for c in cols if c not in ("source_file_sha256", "load_id")]
    business = ", ".join(f'"{c}"' for c in kept)
    if spec.upsert and target.key != "primary":
        raise ValueError(f"{target.table}: an upserted source needs key: primary in its contract")
    with wh.transaction(
        con,
        official_rows=arrow_view(passing),
        official_files=files_frame,
        official_quarantine=quarantine,
    ):
        [(held,)] = con.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {target.qualified} LIMIT 1)"
        ).fetchall()
        if not held and target.grain and set(target.grain) <= set(kept):
            # An empty target (a first load): every passing row is new (they are unique on the
            # grain), so the set difference and the grain's anti-join have nothing to remove
            # (C&SD's 1M points: 7.1 s of CPU with them, 5.1 s without).
            counts.loaded = passing.height
            con.execute(f"INSERT INTO {target.qualified} BY NAME SELECT * FROM official_rows")
        else:
            [(changed,)] = con.execute(
                f"SELECT count(*) FROM (SELECT {business} FROM official_rows "
                f"EXCEPT SELECT {business} FROM {target.qualified})"
            ).fetchall()
            counts.loaded = int(changed)
            con.execute(insert_new(target, "official_rows", replace=spec.upsert))
        counts.unchanged += passing.height - counts.loaded
        con.execute("INSERT OR IGNORE INTO meta.source_file BY NAME SELECT * FROM official_files")
        con.execute(
            "INSERT OR IGNORE INTO meta.quarantine BY NAME SELECT * FROM official_quarantine"
        )
    return outcome


def failed_share_message(
    failed: int, rows: int, limit: float, worst: dict[str, Any] | None
) -> str | None:
    """Why a source is not loaded when more than `limit` of its rows failed; None otherwise.
    `worst`: the check that failed most (check_name, n, source_file, line, reason)."""
    if not rows or failed <= limit * rows:
        return None
    what = (
        f"; most failed: {worst['check_name']} ({worst['n']} rows), e.g. {worst['source_file']} "
        f"line {worst['line']}: {worst['reason']}"
        if worst
        else ""
    )
    return (
        f"{failed} of {rows} rows ({failed / rows:.0%}) failed their checks, over the "
        f"{limit:.0%} limit ($HKAM_MAX_FAILED_SHARE): none of it is loaded this run and the "
        f"warehouse keeps what it held{what}"
    )


def worst_check(quarantine: pl.DataFrame) -> dict[str, Any] | None:
    """The check with the most quarantined rows, with its first row (meta.quarantine columns)."""
    if quarantine.height == 0:
        return None
    return (
        quarantine.sort("source_file", "line")
        .group_by("check_name", maintain_order=True)
        .agg(pl.len().alias("n"), pl.col("source_file", "line", "reason").first())
        .sort("n", "check_name", descending=[True, False])
        .row(0, named=True)
    )


def arrow_view(frame: pl.DataFrame) -> pa.Table:
    """The frame as Arrow for DuckDB to scan without a copy.

    Registering a polars frame exports its text as Arrow large_string, a copy of every string
    (0.44 GB for 1M register rows, ~4.4 GB at 10M); the string-view export shares the buffers.
    """
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def insert_new(target: Contract, rows: str, *, replace: bool = False) -> str:
    """INSERT of `rows` into target that keeps its grain: rows whose grain is held are skipped
    (or replace them, `replace`); an enforced key lets DuckDB do it, a checked key an anti-join."""
    if target.key == "primary":
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        return f"{verb} INTO {target.qualified} BY NAME SELECT * FROM {rows}"
    same = " AND ".join(f'n."{c}" IS NOT DISTINCT FROM t."{c}"' for c in target.grain)
    return (
        f"INSERT INTO {target.qualified} BY NAME SELECT * FROM {rows} AS n "
        f"WHERE NOT EXISTS (SELECT 1 FROM {target.qualified} AS t WHERE {same})"
    )


_REJECTS = {
    "source_file_sha256": pl.String(),
    "line": pl.Int64(),
    "check_name": pl.String(),
    "reason": pl.String(),
}


def unchanged_rows(con: duckdb.DuckDBPyConnection, landed: list[LandedFile]) -> int:
    """Rows in files the warehouse already holds."""
    shas = [f.sha256 for f in landed]
    row = con.execute(
        "SELECT coalesce(sum(rows), 0) FROM meta.source_file WHERE sha256 IN (SELECT unnest(?))",
        [shas],
    ).fetchall()
    return int(row[0][0]) if row else 0


__all__ = ["Blocked", "InputError", "register_files"]
