"""The register's steps in a run: CSV into raw by DuckDB, checked and staged in parts, merged.

The register is never one polars frame. DuckDB reads each new file into raw.register_commitment;
the rows then come back in parts split by commitment_id, and each part is validated by the
contract's suite and transformed by the pure polars transform. Every rule that looks across rows
(a repeated key keeps its last row; exact repeats are duplicates) is per commitment_id, so the
parts give exactly what the whole would; memory is set by the part size, not the register's.
Everything is written to the run's working copy, which is discarded whole if any step fails.
"""

from __future__ import annotations

import math
import shutil
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from flows import pipeline as p
from flows import progress
from flows import register_rules as rules
from flows import warehouse as wh
from flows.contracts import Check, contract, sql_literal
from flows.register_parts import PartContext, PartResult, check_part, on_cluster, settle
from flows.sources.register import empty_table, insert_register
from flows.transforms.commitments import (
    CROSS_CHECK_LIMIT,
    stated_text_mismatches,
)
from flows.transforms.entities import CompanyBook, company_names, company_table
from flows.transforms.money import FX_SCHEMA
from flows.transforms.sectors import Taxonomy
from flows.validation import (
    MAX_SAMPLES,
    PLACE,
    CheckResult,
    Outcome,
    combine,
    expectation_type,
    located,
)

KEY = "commitment_id"  # rows are split into parts by it
FILES = "register_run_files"  # temp table: this run's register files (sha, name, ord)
STAGED = "stage_commitment"  # temp view over the staged parts that the merge SQL reads
KEYS = "landed_keys"  # temp view: every key in the landed register, quarantined rows included
BOUNDS_SAMPLE = 200_000  # keys sampled to place the part bounds


def read_new_files(
    con: duckdb.DuckDBPyConnection, landed: list[p.LandedFile], load_id: str
) -> dict[str, int]:
    """New register files into raw.register_commitment, parsed by DuckDB; returns the rows read
    from each landed file, by sha256.

    Files the warehouse already holds are in raw already; they are read back, not parsed again.
    """
    spec = contract(p.REGISTER)
    for f in p.distinct_files(landed):
        if not f.is_new:
            continue
        provenance = {
            "source_file": f.path.name,
            "source_file_sha256": f.sha256,
            "load_id": load_id,
        }
        [(held,)] = con.execute(
            "SELECT count(*) FROM raw.register_commitment WHERE source_file_sha256 = ?", [f.sha256]
        ).fetchall()
        if not held:
            insert_register(con, f.landed_path, spec, spec.qualified, provenance, shown_as=f.path)
            continue
        # A new file's rows cannot be held (raw rows and their file land in one published run);
        # if some are, the file goes through a copy and the anti-join that keeps the grain.
        empty_table(con, spec, "register_text")
        try:
            insert_register(con, f.landed_path, spec, "register_text", provenance, shown_as=f.path)
            con.execute(p.insert_new(spec, "register_text"))
        finally:
            con.execute("DROP TABLE IF EXISTS register_text")
    _files_table(con, landed)
    per_file: dict[str, int] = dict(
        con.execute(
            f"SELECT r.source_file_sha256, count(*) FROM raw.register_commitment AS r "
            f"JOIN {FILES} AS f ON r.source_file_sha256 = f.sha GROUP BY ALL"
        ).fetchall()
    )
    if not per_file:
        names = ", ".join(str(f.path) for f in landed)
        raise p.Blocked(
            f"register failed block check(s): at least one row (0 rows): {names}: line 2: no "
            "rows under the header line; add the commitments below the header"
        )
    return per_file


def _files_table(con: duckdb.DuckDBPyConnection, landed: list[p.LandedFile]) -> None:
    """This run's register files: content hash, the name they are read under, read order."""
    files = p.distinct_files(landed)
    frame = pl.DataFrame(
        {
            "sha": [f.sha256 for f in files],
            "name": [f.path.name for f in files],
            "ord": list(range(len(files))),
        },
        schema={"sha": pl.String, "name": pl.String, "ord": pl.Int64},
    )
    with wh.registered(con, register_files_frame=frame):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {FILES} AS SELECT * FROM register_files_frame")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {KEYS} AS SELECT DISTINCT r.{KEY} FROM "
        f"raw.register_commitment AS r JOIN {FILES} AS f ON r.source_file_sha256 = f.sha "
        f"WHERE r.{KEY} IS NOT NULL"
    )


@dataclass
class Checked:
    """What checking and staging the register found, for the run's counts and reports."""

    outcome: Outcome
    quarantined: int = 0
    duplicates: int = 0
    overridden: int = 0
    staged: int = 0  # rows in the staged parts
    warnings: list[str] = field(default_factory=list)
    companies: pl.DataFrame = field(default_factory=pl.DataFrame)
    staged_in: Path | None = None  # the staged parts' folder; merge removes it
    staged_files: list[Path] = field(default_factory=list)  # the parts' Parquet files
    shared_in: Path | None = None  # the Dask workers' folder of this run's parts; merge removes it


@dataclass
class _Parts:
    """The parts of the landed register and what each is checked with (register_parts)."""

    con: duckdb.DuckDBPyConnection
    bounds: list[str]
    ctx: PartContext
    fetching: threading.Lock = field(default_factory=threading.Lock)
    stop: bool = False  # a block check failed: later parts are validated, not staged

    def fetch(self, k: int) -> pl.DataFrame:
        """Part k's landed rows (the connection serves one part at a time)."""
        with self.fetching:
            return _part(self.con, self.bounds, k, self.ctx.load_id)

    def check(self, k: int) -> PartResult:
        """Fetch part k, validate it, stage its passing rows and write the staged and
        quarantined rows to Parquet (part k's files in the scratch folder)."""
        found = check_part(self.fetch(k), self.ctx, stage_rows=not self.stop)
        progress.advance(found.rows)  # validated rows, for the run's progress display
        self.stop = self.stop or any(
            r.blocks and r.check.kind != "row_count" for r in found.outcome.results
        )
        return found


def check_and_stage(
    con: duckdb.DuckDBPyConnection,
    rows: int,
    load_id: str,
    now: datetime,
    part_rows: int,
    say: Callable[[str], None] = lambda _: None,
    spread: str | None = None,
    shared_dir: Path | None = None,
) -> Checked:
    """Validate and transform the landed register part by part; quarantine rows go to
    meta.quarantine in one statement after the last part, and the staged rows are the temp view
    stage_commitment over the parts' Parquet files beside the database. Raises Blocked.

    `spread`: a Dask address (flows/dask_runner.py): the parts are checked by its workers, which
    write large results to `shared_dir`; DuckDB stays in this process, the only writer."""
    fx = con.sql("SELECT month, currency, hkd_per_unit FROM core.fx_rate").pl()
    con.execute(f"DROP VIEW IF EXISTS {STAGED}")
    month_first, order_warnings = rules.date_orders(con)
    bounds = _bounds(con, max(1, math.ceil(rows / part_rows)), rows)
    parts = len(bounds) + 1  # fewer when keys repeat across a bound
    scratch = wh.scratch_dir(con)
    checked = Checked(outcome=Outcome(results=[]), staged_in=scratch)
    ctx = PartContext(
        load_id,
        now,
        fx if fx.height else pl.DataFrame(schema=FX_SCHEMA),
        Taxonomy.load(),
        CompanyBook.load(),
        dict(con.execute(f"SELECT sha, ord FROM {FILES}").fetchall()),
        CROSS_CHECK_LIMIT // parts,
        month_first,
        scratch,
    )
    work = _Parts(con, bounds, ctx)
    try:
        if spread is None:
            found = _in_threads(work, parts, say)
        else:
            checked.shared_in = (shared_dir or scratch) / f"register-{load_id}"
            found = on_cluster(work.fetch, parts, work.ctx, spread, checked.shared_in, say)
        settle(found, scratch)
        checked.outcome = _finish(con, checked, found, rows, ctx.book)
        checked.warnings = order_warnings + _warnings(found)
    except BaseException:
        drop_staged(con, checked)
        raise
    return checked


def _in_threads(work: _Parts, parts: int, say: Callable[[str], None]) -> list[PartResult]:
    """Every part in this process, two at a time in threads, in part order."""
    found: list[PartResult] = []
    # Two parts at a time, each in a thread: while one fetches from DuckDB or writes
    # Parquet, the other runs polars (all three release the GIL); results stay in part
    # order. At 10M rows on 2 cores: 49 s one part after another, 36 s two at a time.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="register-part") as pool:
        pending: deque[Future[PartResult]] = deque()

        def take_oldest() -> None:
            found.append(pending.popleft().result())
            if parts > 1:
                say(f"register: part {len(found)} of {parts} checked and staged")

        for k in range(parts):
            pending.append(pool.submit(work.check, k))
            if len(pending) == 2:
                take_oldest()
        while pending:
            take_oldest()
    return found


def _finish(
    con: duckdb.DuckDBPyConnection,
    checked: Checked,
    found: list[PartResult],
    rows: int,
    book: CompanyBook,
) -> Outcome:
    """The staged view and the quarantine over every part, their counts in `checked`, and the
    register's outcome with the checks no part can see alone. Raises Blocked."""
    spec = contract(p.REGISTER)
    staged_files = [f.staged for f in found if isinstance(f.staged, Path)]
    quarantined = [f.quarantine for f in found if isinstance(f.quarantine, Path)]
    checked.staged_files = staged_files
    if staged_files:
        view_staged(con, staged_files)
    if quarantined:
        # One statement after the last part; the parts' quarantine is never held whole.
        con.execute(
            "INSERT OR IGNORE INTO meta.quarantine BY NAME SELECT * FROM read_parquet($files)",
            {"files": [str(f) for f in quarantined]},
        )
    whole = {
        check.name: _unique_over_all(con, check, rows)
        for check in spec.checks
        if check.kind == "unique" and KEY not in (check.args.get("columns") or [check.column])
    }
    outcome = combine([(f.outcome, f.rows) for f in found if f.rows], spec, KEY, whole)
    if outcome.blocked:
        blocked = "; ".join(
            f"{r.check.name} ({r.unexpected_count} failing)" for r in outcome.blocked
        )
        raise p.Blocked(f"register failed block check(s): {blocked}")
    checked.quarantined = sum(f.quarantined for f in found)
    checked.duplicates = sum(f.duplicates for f in found)
    checked.overridden = sum(f.overridden for f in found)
    checked.staged = sum(f.staged_rows for f in found)
    everyone = pl.concat([f.names for f in found if f.names is not None]).sort("_f", "line")
    checked.companies = company_table(company_names(everyone), book)
    return outcome


def _warnings(found: list[PartResult]) -> list[str]:
    """The parts' amounts whose stated text disagrees, and sector labels not in the taxonomy."""
    samples = [f.sample for f in found if f.sample is not None]
    stacked = pl.concat(samples).sort("_f", "line")
    labels = set().union(*(f.labels for f in found))
    unmapped = f"sector labels not in the taxonomy (cluster 'unmapped'): {sorted(labels)}"
    return stated_text_mismatches(stacked, sum(f.distinct for f in found)) + (
        [unmapped] if labels else []
    )


def _unique_over_all(con: duckdb.DuckDBPyConnection, check: Check, rows: int) -> CheckResult:
    """A uniqueness check over every landed row (such as the grain), which parts cannot see:
    the rows whose non-null values repeat, numbered in file and line order."""
    cols = check.args.get("columns") or [check.column or ""]
    values = ", ".join(f'r."{c}"' for c in cols)
    present = " AND ".join(f'r."{c}" IS NOT NULL' for c in cols)
    kind = expectation_type(check)
    # Whether any value repeats at all, first: one hash aggregate, where numbering the rows sorts
    # them all (at 10M rows 1.9 s against 11.8 s, and nearly every register has no repeat).
    repeats = con.execute(
        f"SELECT 1 FROM raw.register_commitment AS r JOIN {FILES} AS f "
        f"ON r.source_file_sha256 = f.sha WHERE {present} GROUP BY {values} "
        "HAVING count(*) > 1 LIMIT 1"
    ).fetchall()
    if not repeats:
        return CheckResult(check, kind, True, rows, 0)
    found = con.execute(
        f"SELECT * FROM (SELECT row_number() OVER (ORDER BY f.ord, r.line) - 1 AS i, {values}, "
        f"f.name, r.line, count(*) OVER (PARTITION BY {values}) AS n, {present} AS present "
        f"FROM raw.register_commitment AS r JOIN {FILES} AS f ON r.source_file_sha256 = f.sha) "
        "WHERE n > 1 AND present ORDER BY i"
    ).fetchall()
    names = [*cols, *PLACE]  # the sample's values, then the file and line it came from
    samples = tuple(located(dict(zip(names, row[1:-2], strict=True)), row[0]) for row in found)
    failing = tuple(int(row[0]) for row in found)
    return CheckResult(check, kind, not failing, rows, len(failing), failing, samples[:MAX_SAMPLES])


def _bounds(con: duckdb.DuckDBPyConnection, parts: int, rows: int) -> list[str]:
    """commitment_id values that split the landed rows (about `rows` of them) into about `parts`
    equal ranges.

    Ranges, not hashes: every row of a key falls in one part either way, but a range of a
    register kept in key order reads only its own row groups, where a hash filter decompresses
    every column of every row once per part (2.6 s a part at 10M rows, against 0.6-1.1 s)."""
    if parts == 1:
        return []
    # From a sample of about BOUNDS_SAMPLE keys: any bounds give right results, the sample only
    # has to make the parts about equal (±2% at 80 parts), and the exact quantiles sort every key
    # (13.8 s at 10M rows, against 0.9 s). The sample is the keys whose hash falls in one of
    # `every` buckets: the same keys every run and on any number of threads, and one filtered
    # scan, where a seeded reservoir sample took 0.42 s at 1M rows against 0.05 s.
    every = max(1, rows // BOUNDS_SAMPLE)
    [(bounds,)] = con.execute(
        f"SELECT quantile_disc({KEY}, [i / {parts} for i in range(1, {parts})]) FROM ("
        f"SELECT r.{KEY} FROM raw.register_commitment AS r JOIN {FILES} AS f "
        f"ON r.source_file_sha256 = f.sha WHERE hash(r.{KEY}) % {every} = 0)"
    ).fetchall()
    return sorted(set(bounds or []))


def _part(con: duckdb.DuckDBPyConnection, bounds: list[str], k: int, load_id: str) -> pl.DataFrame:
    """Part k of the landed register's rows (keys from bounds[k - 1] up to bounds[k]; null keys
    in the first), as text, in file and line order."""
    provenance = {"source_file": "f.name AS source_file", "load_id": "$load_id AS load_id"}
    select = ", ".join(provenance.get(c, f'r."{c}"') for c in contract(p.REGISTER).column_names)
    key, params = f"r.{KEY}", {"load_id": load_id}
    where = []
    if k > 0:
        where.append(f"{key} >= $lo")
        params["lo"] = bounds[k - 1]
    if k < len(bounds):
        where.append(f"({key} < $hi OR {key} IS NULL)" if k == 0 else f"{key} < $hi")
        params["hi"] = bounds[k]
    filters = f"WHERE {' AND '.join(where)}" if where else ""
    part: pl.DataFrame = con.sql(
        f"SELECT {select}, f.ord AS _ord FROM raw.register_commitment AS r JOIN {FILES} AS f "
        f"ON r.source_file_sha256 = f.sha {filters}",
        params=params,
    ).pl()
    # Sorted here, and only when out of order: an ORDER BY in the query sorted every column of
    # the part (0.07 s of 0.14 s to fetch a 125,000-row part), where this reads two integers.
    order = pl.col("_ord") * (1 << 40) + pl.col("line")  # a file's lines stay below 2**40
    if part.select(order.diff().lt(0).any()).item():
        part = part.sort("_ord", "line")
    return part.drop("_ord")


def view_staged(
    con: duckdb.DuckDBPyConnection, files: list[Path], held_back: str | None = None
) -> None:
    """stage_commitment: the staged parts' rows, with the md5 of each row's business content
    (held_back: the name of a table of keys the merge leaves as they are, left out).

    A view, read by the merge's three statements: copied into a temp table first, the 9.9M rows
    of a 10M-row register took 21 s to write and the cold merge 50 s in all, against 30 s.
    (Appended to a table part by part, between the parts' reads of raw, they took 66 s.)"""
    listed = ", ".join(sql_literal(str(f)) for f in files)  # a view cannot take parameters
    keep = f" WHERE {KEY} NOT IN (SELECT {KEY} FROM {held_back})" if held_back else ""
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {STAGED} AS SELECT * EXCLUDE (row_content), "
        f"md5(row_content) AS row_hash FROM read_parquet([{listed}]){keep}"
    )


def discard_staged(con: duckdb.DuckDBPyConnection, checked: Checked) -> None:
    """Drop what check_and_stage staged when the register is not merged this run."""
    drop_staged(con, checked)
    con.execute(f"DROP VIEW IF EXISTS {KEYS}")
    con.execute(f"DROP TABLE IF EXISTS {FILES}")


def drop_staged(con: duckdb.DuckDBPyConnection, checked: Checked) -> None:
    """Remove the staged view and the files under it."""
    con.execute(f"DROP VIEW IF EXISTS {STAGED}")
    for folder in (checked.staged_in, checked.shared_in):
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
