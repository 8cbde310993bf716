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
from flows.runs import SourceCounts
from flows.sources.register import empty_table, insert_register
from flows.transforms.commitments import (
    BUSINESS_COLUMNS,
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
SWAPS = "register_date_swaps"  # temp table: staged rows that only swap a held date's day/month
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
    con.register("register_files_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {FILES} AS SELECT * FROM register_files_frame")
    finally:
        con.unregister("register_files_frame")
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
    bounds = _bounds(con, max(1, math.ceil(rows / part_rows)))
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
        _drop_staged(con, checked)
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
        _view_staged(con, staged_files)
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


def _bounds(con: duckdb.DuckDBPyConnection, parts: int) -> list[str]:
    """commitment_id values that split the landed rows into about `parts` equal ranges.

    Ranges, not hashes: every row of a key falls in one part either way, but a range of a
    register kept in key order reads only its own row groups, where a hash filter decompresses
    every column of every row once per part (2.6 s a part at 10M rows, against 0.6-1.1 s)."""
    if parts == 1:
        return []
    # From a fixed sample of the keys: any bounds give right results, the sample only has to make
    # the parts about equal (±2% at 80 parts), and the exact quantiles sort every key (13.8 s at
    # 10M rows, against 0.9 s).
    [(bounds,)] = con.execute(
        f"SELECT quantile_disc({KEY}, [i / {parts} for i in range(1, {parts})]) FROM ("
        f"SELECT r.{KEY} FROM raw.register_commitment AS r JOIN {FILES} AS f "
        f"ON r.source_file_sha256 = f.sha USING SAMPLE reservoir({BOUNDS_SAMPLE} ROWS) "
        "REPEATABLE (42))"
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
        f"SELECT {select} FROM raw.register_commitment AS r JOIN {FILES} AS f "
        f"ON r.source_file_sha256 = f.sha {filters} ORDER BY f.ord, r.line",
        params=params,
    ).pl()
    return part


def _view_staged(
    con: duckdb.DuckDBPyConnection, files: list[Path], held_back: bool = False
) -> None:
    """stage_commitment: the staged parts' rows, with the md5 of each row's business content
    (held_back: without the keys in SWAPS, which the merge leaves as they are).

    A view, read by the merge's three statements: copied into a temp table first, the 9.9M rows
    of a 10M-row register took 21 s to write and the cold merge 50 s in all, against 30 s.
    (Appended to a table part by part, between the parts' reads of raw, they took 66 s.)"""
    listed = ", ".join(sql_literal(str(f)) for f in files)  # a view cannot take parameters
    keep = f" WHERE {KEY} NOT IN (SELECT {KEY} FROM {SWAPS})" if held_back else ""
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {STAGED} AS SELECT * EXCLUDE (row_content), "
        f"md5(row_content) AS row_hash FROM read_parquet([{listed}]){keep}"
    )


def _hold_back_date_swaps(
    con: duckdb.DuckDBPyConnection, checked: Checked, load_id: str, now: datetime
) -> int:
    """Staged rows of held commitments whose only change is announced_on with day and month
    swapped go to meta.quarantine, and the merge leaves those commitments as they are: a
    spreadsheet re-saved in another locale, never an edit. Returns how many."""
    same = " AND ".join(
        f"s.{c} IS NOT DISTINCT FROM h.{c}" for c in BUSINESS_COLUMNS if c != "announced_on"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SWAPS} AS "
        f"SELECT s.{KEY}, s.source_file_sha256, s.announced_on AS read_as, h.announced_on AS held "
        f"FROM {STAGED} AS s JOIN core.investment_commitment_history AS h "
        f"ON h.{KEY} = s.{KEY} AND h.valid_to IS NULL AND h.row_hash <> s.row_hash "
        "WHERE s.announced_on <> h.announced_on AND day(h.announced_on) <= 12 "
        "AND s.announced_on = make_date(year(h.announced_on), day(h.announced_on), "
        f"month(h.announced_on)) AND {same}"
    )
    [(n,)] = con.execute(f"SELECT count(*) FROM {SWAPS}").fetchall()
    if not n:
        return 0
    cols = ", ".join(f"{c.name} := r.{c.name}" for c in contract(p.REGISTER).source_columns)
    con.execute(
        "INSERT OR IGNORE INTO meta.quarantine BY NAME "
        "SELECT $load_id AS load_id, 'register' AS source, r.source_file, r.source_file_sha256, "
        "r.line, 'announced_on not a day/month swap of the held date' AS check_name, "
        "'transform' AS expectation, "
        "format('announced_on {} reads as {}: the held {} with day and month swapped and "
        "nothing else changed (a spreadsheet saved in another locale?); the held date stays', "
        "r.announced_on, d.read_as, d.held) AS reason, "
        f"to_json(struct_pack({cols}))::VARCHAR AS raw, $now AS quarantined_at "
        f"FROM {SWAPS} AS d JOIN raw.register_commitment AS r "
        f"ON r.{KEY} = d.{KEY} AND r.source_file_sha256 = d.source_file_sha256 "
        f"QUALIFY row_number() OVER (PARTITION BY r.{KEY} ORDER BY r.line DESC) = 1",
        {"load_id": load_id, "now": now},
    )
    _view_staged(con, checked.staged_files, held_back=True)
    return int(n)


def discard_staged(con: duckdb.DuckDBPyConnection, checked: Checked) -> None:
    """Drop what check_and_stage staged when the register is not merged this run."""
    _drop_staged(con, checked)
    con.execute(f"DROP VIEW IF EXISTS {KEYS}")
    con.execute(f"DROP TABLE IF EXISTS {FILES}")


def _drop_staged(con: duckdb.DuckDBPyConnection, checked: Checked) -> None:
    """Remove the staged view and the files under it."""
    con.execute(f"DROP VIEW IF EXISTS {STAGED}")
    for folder in (checked.staged_in, checked.shared_in):
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def merge(
    con: duckdb.DuckDBPyConnection,
    landed: list[p.LandedFile],
    per_file: dict[str, int],
    checked: Checked,
    counts: SourceCounts,
    load_id: str,
    now: datetime,
) -> None:
    """Source files (with read_new_files' rows per file), companies and the SCD-2 merge of the
    staged rows, in one transaction."""
    files = p.source_file_frame(landed, per_file, load_id, now)
    companies = checked.companies.with_columns(pl.lit(load_id).alias("load_id"))
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("landed_files", files)
        con.register("landed_companies", companies)
        [(current,)] = con.execute(
            "SELECT count(*) FROM core.investment_commitment_history WHERE valid_to IS NULL"
        ).fetchall()
        swapped = _hold_back_date_swaps(con, checked, load_id, now) if current else 0
        unchanged = 0
        if current:  # a first load has nothing to match: the join read 10M staged rows again
            [(unchanged,)] = con.execute(
                f"SELECT count(*) FROM {STAGED} AS s "
                "JOIN core.investment_commitment_history AS h "
                "ON h.commitment_id = s.commitment_id AND h.valid_to IS NULL "
                "AND h.row_hash = s.row_hash"
            ).fetchall()
        # Commitments that left the register: the merge closes them; the summary says so.
        [(removed,)] = con.execute(
            "SELECT count(*) FROM core.investment_commitment_history WHERE valid_to IS NULL "
            f"AND commitment_id NOT IN (SELECT {KEY} FROM {KEYS})"
        ).fetchall()
        con.execute("INSERT OR IGNORE INTO meta.source_file BY NAME SELECT * FROM landed_files")
        con.execute("INSERT OR REPLACE INTO core.company BY NAME SELECT * FROM landed_companies")
        # History is read by key and version, never by position.
        with wh.insertion_order(con, keep=False):
            wh.run_sql(con, "load/merge_investment_commitment.sql", {"now": now})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("landed_files")
        con.unregister("landed_companies")
        con.execute(f"DROP VIEW IF EXISTS {KEYS}")
        _drop_staged(con, checked)
        con.execute(f"DROP TABLE IF EXISTS {FILES}")
        con.execute(f"DROP TABLE IF EXISTS {SWAPS}")
    counts.unchanged = int(unchanged)
    counts.removed = int(removed)
    counts.loaded = checked.staged - counts.unchanged - swapped
    counts.quarantined = checked.quarantined + swapped
    counts.duplicates = checked.duplicates
    counts.overridden = checked.overridden
    counts.warnings += checked.warnings
