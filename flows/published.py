"""Load the analyst-owned published figures: land, check, quarantine, replace in core."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from flows import pipeline as p
from flows import warehouse as wh
from flows.contracts import contract
from flows.runs import SourceCounts
from flows.settings import MAX_FAILED_SHARE
from flows.sources import published
from flows.sources.catalog import Manifest, OfficialSource
from flows.sources.errors import SourceError
from flows.validation import Outcome, validate

CORE = "core.macro_indicator"
# What a published row is, besides when and by which run it was loaded: a row differing only in
# these is unchanged.
_VOLATILE = ("vintage", "source_file_sha256", "load_id")


def load_published(
    con: duckdb.DuckDBPyConnection,
    spec: OfficialSource,
    files: list[Path],
    landing: Path,
    manifest: Manifest,
    counts: SourceCounts,
    load_id: str,
    now: datetime,
    max_failed_share: float = MAX_FAILED_SHARE,
) -> Outcome | None:
    """The files as a whole set: when one changed, every file is read again and the published
    rows of core.macro_indicator become exactly their passing rows (a row the analyst deleted
    or corrected goes); rows failing a check are quarantined with the reason."""
    landed = p.land(con, spec.name, files, landing)
    counts.files = len(landed)
    counts.files_unchanged = sum(not f.is_new for f in landed)
    if counts.files_unchanged == len(landed):
        counts.rows_in = counts.unchanged = p.unchanged_rows(con, landed)
        counts.status = "unchanged"
        return None
    raw = _read(spec, landed, manifest, load_id)
    counts.rows_in = raw.height
    checked = contract(published.RAW)
    cols = checked.column_names
    outcome = validate(raw.select(cols), checked)
    if outcome.blocked:
        names = "; ".join(f"{r.check.name} ({r.unexpected_count} failing)" for r in outcome.blocked)
        raise SourceError(f"{spec.name} failed block check(s): {names}")
    bad = outcome.quarantined_rows()
    new = [f.sha256 for f in landed if f.is_new]
    quarantine = p.quarantine_frame(
        spec.name, raw, outcome, pl.DataFrame(schema=p._REJECTS), cols, now
    ).filter(pl.col("source_file_sha256").is_in(new))  # rows of held files were set aside then
    too_many = p.failed_share_message(
        len(bad), raw.height, max_failed_share, p.worst_check(quarantine)
    )
    if too_many:
        raise SourceError(f"{spec.name}: {too_many}")
    passing = raw.with_row_index("_r").filter(~pl.col("_r").is_in(list(bad))).drop("_r")
    vintage = {f.sha256: _retrieved(f, manifest) for f in landed}
    rows = published.to_core(passing, vintage)
    target = contract(CORE)
    before = rows.height
    rows = rows.unique(subset=list(target.grain), keep="last", maintain_order=True)
    counts.duplicates = before - rows.height
    counts.quarantined = len(bad)
    per_file = dict(raw.group_by("source_file_sha256").len().iter_rows())
    files_frame = p.source_file_frame(landed, per_file, load_id, now)
    business = ", ".join(f'"{c}"' for c in rows.columns if c not in _VOLATILE)
    mine = f"table_id = '{published.TABLE_ID}'"
    with wh.transaction(
        con,
        published_raw=raw.filter(pl.col("source_file_sha256").is_in(new)),
        published_rows=rows,
        published_files=files_frame,
        published_quarantine=quarantine,
    ):
        [(changed,)] = con.execute(
            f"SELECT count(*) FROM (SELECT {business} FROM published_rows "
            f"EXCEPT SELECT {business} FROM {target.qualified} WHERE {mine})"
        ).fetchall()
        counts.loaded = int(changed)
        counts.unchanged = rows.height - counts.loaded
        con.execute(p.insert_new(checked, "published_raw"))
        con.execute(f"DELETE FROM {target.qualified} WHERE {mine}")
        con.execute(f"INSERT INTO {target.qualified} BY NAME SELECT * FROM published_rows")
        con.execute("INSERT OR IGNORE INTO meta.source_file BY NAME SELECT * FROM published_files")
        con.execute(
            "INSERT OR IGNORE INTO meta.quarantine BY NAME SELECT * FROM published_quarantine"
        )
    return outcome


def _read(
    spec: OfficialSource, landed: list[p.LandedFile], manifest: Manifest, load_id: str
) -> pl.DataFrame:
    """Every landed file's rows, with file, sha256, line (header = line 1) and run."""
    frames = []
    for f in p.distinct_files(landed):
        try:
            rows = spec.parse(f.path, f.landed_path.read_bytes(), manifest)
        except pl.exceptions.PolarsError as exc:
            raise SourceError(f"{f.path}: cannot read as CSV: {exc}") from exc
        frames.append(
            rows.with_row_index("line", offset=2).with_columns(
                pl.col("line").cast(pl.Int64),
                pl.lit(f.path.name).alias("source_file"),
                pl.lit(f.sha256).alias("source_file_sha256"),
                pl.lit(load_id).alias("load_id"),
            )
        )
    return pl.concat(frames, how="diagonal_relaxed").select(contract(published.RAW).column_names)


def _retrieved(f: p.LandedFile, manifest: Manifest) -> datetime:
    """When the file's figures were read: its MANIFEST date, else the file's modification time."""
    when = manifest.retrieved(f"published/{f.path.name}")
    return when or datetime.fromtimestamp(f.path.stat().st_mtime, tz=UTC)
