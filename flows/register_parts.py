"""One register part validated and transformed, with no DuckDB connection: pure and picklable.

check_part is what the embedded run does in its two part threads and what a Dask worker does
for a run with --dask (flows/register_steps.py calls it either way), so both leave the same rows.
A part's staged and quarantined rows go to Parquet in `out_dir` named by a hash of the part's
input rows, so a task Dask runs again after its worker died overwrites the same files
(PrefectHQ/prefect#15442); parts whose rows are few travel back as Arrow in memory instead.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import polars as pl

from flows import pipeline as p
from flows import progress
from flows.contracts import contract
from flows.dask_runner import run_batches
from flows.transforms.commitments import amount_sample, stage
from flows.transforms.entities import CompanyBook
from flows.transforms.sectors import Taxonomy, unmapped_labels
from flows.validation import Outcome, validate

# Staged rows from which a part's results are written as Parquet rather than returned in memory:
# a worker's result crosses the network twice as Arrow (worker to scheduler to flow), once as a
# file on shared storage. The embedded run passes 0: its parts always go to disk (memory).
ARROW_ROWS = 20_000
# Parts handed to Dask at a time: enough for a few workers each, and tens of tasks a run in all,
# never thousands (those have hung scheduling: PrefectHQ/prefect#12877).
WAVE = 8

Rows = Path | pl.DataFrame  # a part's rows: a Parquet file, or the rows themselves (Arrow)


@dataclass(frozen=True)
class PartContext:
    """What every part is checked with: the run's reference data and where results go."""

    load_id: str
    now: datetime
    fx: pl.DataFrame
    taxonomy: Taxonomy
    book: CompanyBook
    order: dict[str, int]  # file sha -> read order
    sample_limit: int
    month_first: frozenset[str]  # files whose numeral dates are m/d/yyyy
    out_dir: Path  # the run's scratch folder, or the shared folder workers write to
    arrow_rows: int = 0  # parts staging fewer rows return them in memory (0: never)


@dataclass
class PartResult:
    """One part's findings, kept until the last part (its staged rows are on disk by then)."""

    outcome: Outcome
    rows: int
    quarantined: int = 0
    duplicates: int = 0
    overridden: int = 0
    staged_rows: int = 0
    names: pl.DataFrame | None = None  # first row of each company name, with _f and line
    sample: pl.DataFrame | None = None  # amount_sample's rows, with _f and line
    distinct: int = 0
    labels: set[str] = field(default_factory=set)
    staged: Rows | None = None  # its staged rows
    quarantine: Rows | None = None  # and its quarantined rows, if any


def check_part(raw: pl.DataFrame, ctx: PartContext, *, stage_rows: bool = True) -> PartResult:
    """Validate one part of the landed register and stage its passing rows (stage_rows=False:
    validate only, once an earlier part has failed a block check)."""
    spec = contract(p.REGISTER)
    hist = contract("core.investment_commitment_history")
    if raw.height == 0:  # the first range is empty when the smallest key is also a bound
        return PartResult(Outcome(results=[]), 0)
    outcome = validate(raw, spec)
    found = PartResult(outcome, raw.height)
    # A failing block check stops the run: the remaining parts are only counted.
    if not stage_rows or any(r.blocks and r.check.kind != "row_count" for r in outcome.results):
        return found
    bad = outcome.quarantined_rows()
    passing = raw.with_row_index("_r").filter(~pl.col("_r").is_in(list(bad))).drop("_r")
    staged = stage(
        passing, ctx.fx, ctx.taxonomy, ctx.book, company_rows=False, month_first=ctx.month_first
    )
    cols = [c.name for c in spec.source_columns]
    quarantine = p.quarantine_frame("register", raw, outcome, staged.rejects, cols, ctx.now)
    stage_cols = [c for c in hist.column_names if c in staged.commitments.columns]
    types = hist.polars_schema()
    rows = staged.commitments.select(*stage_cols, "row_content").cast(
        {c: types[c] for c in stage_cols}
    )
    name = input_hash(raw)
    in_memory = rows.height < ctx.arrow_rows
    found.staged = own(rows) if in_memory else park(rows, ctx.out_dir / f"{name}.parquet")
    if quarantine.height:
        found.quarantine = (
            own(quarantine)
            if in_memory
            else park(quarantine, ctx.out_dir / f"quarantine-{name}.parquet")
        )
    found.quarantined = quarantine.select("source_file_sha256", "line").n_unique()
    found.duplicates = staged.duplicates
    found.overridden = staged.overridden
    found.staged_rows = staged.commitments.height
    ordered = staged.commitments.with_columns(
        pl.col("source_file_sha256").replace_strict(ctx.order, return_dtype=pl.Int64).alias("_f")
    )
    found.names = own(
        ordered.filter(pl.col("party") == "company")
        .select("_f", "line", "party", "company_name", "company_zh")
        .unique(subset=["company_name", "company_zh"], keep="first", maintain_order=True)
    )
    sample, found.distinct = amount_sample(ordered, ctx.sample_limit, ("_f", "line"))
    found.sample = own(sample)
    found.labels = set(unmapped_labels(staged.commitments))
    return found


def on_cluster(
    fetch: Callable[[int], pl.DataFrame],
    parts: int,
    ctx: PartContext,
    address: str,
    shared: Path,
    say: Callable[[str], None],
) -> list[PartResult]:
    """Every part (fetch(k) gives part k's rows) on the Dask cluster at `address`, WAVE parts
    at a time: the caller holds only a wave's input rows, never the whole register."""
    ctx = replace(ctx, out_dir=shared, arrow_rows=ARROW_ROWS)
    found: list[PartResult] = []
    for start in range(0, parts, WAVE):
        batch = [(fetch(k), ctx) for k in range(start, min(parts, start + WAVE))]
        found += run_batches(check_batch, batch, address, name="register part")
        progress.advance(sum(raw.height for raw, _ in batch))  # for the run's progress display
        if parts > 1:
            say(f"register: part {len(found)} of {parts} checked and staged on Dask")
    return found


def settle(found: list[PartResult], scratch: Path) -> None:
    """Parts that came back in memory are written to `scratch` beside the others, so one view
    reads every part's staged rows and one statement every part's quarantine."""
    for k, part in enumerate(found):
        if isinstance(part.staged, pl.DataFrame):
            part.staged = park(part.staged, scratch / f"{k:05d}.parquet")
        if isinstance(part.quarantine, pl.DataFrame):
            part.quarantine = park(part.quarantine, scratch / f"quarantine-{k:05d}.parquet")


def check_batch(batch: tuple[pl.DataFrame, PartContext]) -> PartResult:
    """check_part of one (part, context) pair: the function a Dask task runs."""
    raw, ctx = batch
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    return check_part(raw, ctx)


def input_hash(raw: pl.DataFrame) -> str:
    """A name for a part's outputs from its input rows (which carry the run's load_id)."""
    digest = hashlib.sha256(str(raw.shape).encode())
    digest.update(raw.hash_rows(seed=22).to_numpy().tobytes())
    return digest.hexdigest()[:32]


def own(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy that owns its text: a filtered string column otherwise keeps the whole part's
    string buffers alive (views), and kept across parts that grows memory part by part."""
    return pl.DataFrame(frame.to_arrow(compat_level=pl.CompatLevel.oldest()))


def park(frame: pl.DataFrame, path: Path) -> Path:
    """Write a part's rows to Parquet (written whole then renamed: a worker killed mid-write
    leaves no half file under the name); returns the path."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.write_parquet(tmp, compression="lz4", statistics=False)
    tmp.replace(path)
    return path
