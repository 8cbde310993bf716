"""The nightly Prefect flow: land -> validate -> transform -> load -> marts -> DQ -> publish."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import duckdb
import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from flows import dask_runner, progress, publishing, register_merge, upload, webhook
from flows import pipeline as p
from flows import published as pub
from flows import register_rules as rules
from flows import register_steps as reg
from flows import warehouse as wh
from flows.contracts import contract
from flows.dask_runner import ClusterError
from flows.inputs import Inputs, snapshot_inputs, unchanged_since
from flows.reports.dq import dq_markdown, dq_payload
from flows.reports.gxdocs import DocsWorker, docs_worker
from flows.reports.site import write_run_reports
from flows.reports.unconverted import left_out_rows, left_out_warning
from flows.review import read_decisions
from flows.runs import RunSummary, SourceCounts, append_run_log, new_run_id
from flows.settings import Settings, load
from flows.sources.catalog import SOURCES, Manifest
from flows.sources.errors import SourceError
from flows.sources.live import LiveResult, fetch_snapshot
from flows.status_proposals import propose_status
from flows.validation import Outcome

Params = ParamSpec("Params")
Result = TypeVar("Result")

# Outcomes a run expects and reports (a blocked register, a source that fails its checks): the
# summary and the DQ report say them; a traceback on the terminal would only hide them.
EXPECTED = (p.Blocked, p.InputError, SourceError, ClusterError)


@dataclass(frozen=True)
class _Stopped:
    """An expected outcome a step ended in, handed back through Prefect's task engine (which
    logs a raised exception as a crash, with its traceback) and raised again in the flow."""

    error: Exception


def _step(
    name: str, fn: Callable[Params, Result], rows: Callable[[Result], int] | None = None
) -> Callable[Params, Result]:
    """fn as a Prefect task whose expected outcomes (EXPECTED) reach the caller as exceptions
    without a task failure and its traceback in the log; anything else still fails the task.
    It runs as a flows.progress step (`rows`: the rows its result says it did)."""

    @functools.wraps(fn)
    def quiet(*args: Params.args, **kwargs: Params.kwargs) -> Result | _Stopped:
        try:
            with progress.step(name) as shown:
                result = fn(*args, **kwargs)
                if rows is not None:
                    shown.advance(rows(result))
                return result
        except EXPECTED as exc:
            return _Stopped(exc)

    run = task(name=name, cache_policy=NO_CACHE)(quiet)

    @functools.wraps(fn)
    def step(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        result = run(*args, **kwargs)
        if isinstance(result, _Stopped):
            raise result.error
        return result

    return step


land = _step("land", p.land)
read_register = _step("read register", reg.read_new_files, lambda per_file: sum(per_file.values()))
check_register = _step("validate and transform register", reg.check_and_stage)
load_register = _step("load register", register_merge.merge)
propose = _step("propose candidates", p.propose_candidates)
load_official = _step("load official source", p.load_official)
load_published = _step("load published figures", pub.load_published)
propose_statuses = _step("propose status changes", propose_status)
build_marts = _step("build marts", wh.refresh_marts)


TABLES = {spec.name: spec.checked_table for spec in SOURCES} | {
    "gia_archive": "raw.gia_archive_page"  # issue 24: hkam backfill press (flows/backfill.py)
}


def _say(message: str) -> None:
    """Progress line in the flow log, and on the terminal of an `hkam run` (flows.progress)."""
    get_run_logger().info(message)
    progress.emit(message)


def _official(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run: RunSummary,
    now: datetime,
    only: list[str] | None = None,
    live: bool = False,
    spread: str | None = None,
) -> dict[str, Outcome]:
    """C&SD, HKMA and ITF; a failing source is reported and skipped, never stops the others."""
    landing = wh.Workspace(settings.warehouse).landing
    folder, failed = settings.snapshot_dir, {}
    if live:
        folder = landing / "live" / run.run_id
        fetched = fetch_live(folder, settings, _next_hkma_month(con), only)
        failed = fetched.errors
    manifest, own = Manifest.read(folder), Manifest.read(settings.snapshot_dir)
    outcomes: dict[str, Outcome] = {}
    for spec in SOURCES:
        if only is not None and spec.name not in only:
            continue
        counts = SourceCounts(spec.name)
        run.sources.append(counts)
        if spec.name in failed:
            counts.status, counts.message = "failed", failed[spec.name]
            _say(f"{spec.name}: FAILED: {failed[spec.name]}")
            continue
        # Analyst-owned files live in the snapshot, live run or not.
        where, cited = (settings.snapshot_dir, own) if spec.owned else (folder, manifest)
        files = sorted(where.glob(spec.pattern))
        try:
            if spec.owned:
                outcome = load_published(
                    con, spec, files, landing, cited, counts, run.run_id, now,
                    max_failed_share=settings.max_failed_share,
                )  # fmt: skip
            else:
                outcome = load_official(
                    con, spec, files, landing, cited, counts, run.run_id, now,
                    max_failed_share=settings.max_failed_share, spread=spread,
                )  # fmt: skip
        except (SourceError, p.InputError) as exc:
            counts.status, counts.message = "failed", str(exc)
            counts.loaded = counts.quarantined = 0
            _say(f"{spec.name}: FAILED: {exc}")
            continue
        if outcome is not None:
            outcomes[spec.name] = outcome
        _say(f"{spec.name}: {counts.loaded} loaded, {counts.unchanged} unchanged")
    return outcomes


def _next_hkma_month(con: duckdb.DuckDBPyConnection) -> str | None:
    """HKMA pulls start after the latest month loaded (None: the whole series)."""
    rows = con.execute("SELECT max(month) FROM core.fx_rate").fetchall()
    latest = rows[0][0] if rows else None
    if latest is None:
        return None
    year, month = (latest.year + 1, 1) if latest.month == 12 else (latest.year, latest.month + 1)
    return f"{year:04d}-{month:02d}"


@task(name="fetch live sources", cache_policy=NO_CACHE)
def fetch_live(
    out: Path, settings: Settings, hkma_from: str | None, only: list[str] | None
) -> LiveResult:
    """Fetch the official sources into a snapshot-layout folder (the fetchers retry)."""
    return fetch_snapshot(out, endpoints=settings.endpoints, hkma_from=hkma_from, only=only)


def _register(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run: RunSummary,
    now: datetime,
    force: bool = False,
    spread: str | None = None,
) -> Outcome | None:
    """The register source end to end; returns its validation outcome (None when skipped)."""
    counts = SourceCounts("register")
    run.sources.append(counts)
    # The bundled or given snapshot's register, plus rows the analyst accepted in review.
    files = p.register_files(settings.snapshot_dir) + p.register_files(settings.data_dir)
    landed = land(con, "register", files, wh.Workspace(settings.warehouse).landing)
    counts.files = len(landed)
    counts.files_unchanged = sum(not f.is_new for f in landed)
    # New exchange rates change HK$/US$ figures: re-stage even an unchanged register then.
    if landed and counts.files_unchanged == len(landed) and not force:
        counts.rows_in = counts.unchanged = p.unchanged_rows(con, landed)
        counts.status = "unchanged"
        _say(f"register: {len(landed)} file(s) unchanged, skipped")
        return None
    per_file = read_register(con, landed, run.run_id)
    counts.rows_in = sum(per_file.values())
    _say(f"register: {counts.rows_in} rows from {len(landed)} file(s); validating")
    checked = check_register(
        con, counts.rows_in, run.run_id, now, settings.part_rows, _say,
        spread=spread, shared_dir=settings.shared_dir or ws_shared(settings),
    )  # fmt: skip
    too_many = rules.failed_share(
        con, checked.quarantined, counts.rows_in, settings.max_failed_share, run.run_id
    )
    if too_many:
        reg.discard_staged(con, checked)
        counts.status, counts.message = "failed", too_many
        counts.quarantined, counts.warnings = checked.quarantined, checked.warnings
        _say(f"register: FAILED: {too_many}")
        return checked.outcome
    load_register(con, landed, per_file, checked, counts, run.run_id, now)
    _say(f"register: {counts.loaded} loaded, {counts.unchanged} unchanged")
    return checked.outcome


def record_run(con: duckdb.DuckDBPyConnection, run: RunSummary, checks: dict[str, Outcome]) -> None:
    """meta.dq_result and meta.run rows for this run, in one transaction (`TABLES` names the
    table each source's checks ran on)."""
    dq = pl.DataFrame(
        [
            {
                "load_id": run.run_id,
                "source": source,
                "table_name": TABLES.get(source, p.REGISTER),
                "check_name": r.check.name,
                "expectation": r.expectation,
                "severity": r.check.severity,
                "success": r.success,
                "element_count": r.element_count,
                "unexpected_count": r.unexpected_count,
                "details": json.dumps(list(r.samples), ensure_ascii=False, default=str),
            }
            for source, outcome in checks.items()
            for r in outcome.results
        ],
        schema=contract("meta.dq_result").polars_schema(),
    )
    data = {**run.to_json(), "started_at": run.started_at, "finished_at": run.finished_at}
    meta_run = pl.DataFrame(
        [{k: data.get(k) for k in contract("meta.run").column_names}],
        schema=contract("meta.run").polars_schema(),
    )
    with wh.transaction(con, run_dq=dq, run_row=meta_run):
        con.execute("INSERT INTO meta.dq_result BY NAME SELECT * FROM run_dq")
        con.execute("INSERT INTO meta.run BY NAME SELECT * FROM run_row")


def _publish(
    settings: Settings,
    run: RunSummary,
    checks: dict[str, Outcome],
    live: bool,
    sources: list[str] | None,
    before: Inputs | None,
) -> None:
    """Every source into a working copy, marts, meta rows, then publish it (under the lock)."""
    ws = wh.Workspace(settings.warehouse)
    now = run.started_at
    with (
        dask_runner.cluster(settings.dask_address) as spread,
        wh.connect(wh.start_work_copy(ws), memory_limit=settings.duckdb_memory) as con,
    ):
        if spread is not None:
            _say(f"heavy steps on Dask at {spread}")
        wh.migrate(con)
        checks.update(_official(con, settings, run, now, sources, live, spread))
        decided = set(read_decisions(settings.data_dir))
        run.new_candidates = propose(con, run.run_id, decided, spread=spread)
        fx_changed = any(s.source == "hkma" and s.loaded for s in run.sources)
        register = _register(con, settings, run, now, force=fx_changed, spread=spread)
        if register is not None:
            checks["register"] = register
        # issue 24: after the register, so a proposal starts from the status it holds now.
        changed = register is not None
        run.new_status_proposals = propose_statuses(con, run.run_id, decided, every=changed)
        _say(f"status proposals: {run.new_status_proposals} new")
        built = build_marts(con, run.run_id, data_changed=run.landed_new)
        _say(f"marts: {len(built)} rebuilt" if built else "marts: unchanged")
        if left_out := left_out_warning(left_out_rows(con)):
            run.data_warnings.append(f"totals: {left_out}")
        run.status = "published"
        run.finished_at = datetime.now(UTC)
        if before is not None and not any(s.status == "failed" for s in run.sources):
            # Recorded only when no file changed while the run read it; a run with a failed
            # source records none, so the next run tries that source again.
            after = snapshot_inputs(settings, sources, hash_new=True)
            run.inputs_sha256 = after.sha256 if after.stamps == before.stamps else None
        record_run(con, run, checks)
    publishing.publish(ws, keep=settings.keep_versions)


def ws_shared(settings: Settings) -> Path:
    """The default shared folder: beside the warehouse, hidden like the run's other files."""
    published = wh.Workspace(settings.warehouse).published
    return published.with_name(f".{published.stem}.shared")


def execute(
    settings: Settings,
    run_id: str | None = None,
    live: bool = False,
    sources: list[str] | None = None,
) -> RunSummary:
    """One run into a working copy, published atomically at the end; never half a run. A run
    whose inputs are those the published file's last run read publishes nothing."""
    now = datetime.now(UTC)
    run = RunSummary(
        run_id=run_id or new_run_id(now),
        started_at=now,
        warehouse=settings.warehouse,
        reports_dir=settings.reports_dir,
        snapshot_dir=str(settings.snapshot_dir),
        live=live,
    )
    ws = wh.Workspace(settings.warehouse)
    checks: dict[str, Outcome] = {}
    with ExitStack() as cleanup:  # stops the run's DocsWorker however the run ends
        docs = _run(settings, run, checks, ws, live, sources, cleanup)
        report_run(settings, run, checks, docs)
    return run


def _run(
    settings: Settings,
    run: RunSummary,
    checks: dict[str, Outcome],
    ws: wh.Workspace,
    live: bool,
    sources: list[str] | None,
    cleanup: ExitStack,
) -> DocsWorker | None:
    """execute's run under the writer lock; the DocsWorker it started (closed by `cleanup`), if
    it loaded anything: it renders the run's GX Data Docs."""
    docs: DocsWorker | None = None
    try:
        with wh.writer_slot(settings.writer_limit), wh.writer_lock(ws, wait=settings.lock_wait):
            # Live runs fetch first and land what they fetched; they always go ahead.
            before = None if live else snapshot_inputs(settings, sources, hash_new=False)
            same = None if before is None else unchanged_since(ws.published, before)
            if same is not None:
                run.same_as, run.sources = same
                run.status = "unchanged"
                _say(f"nothing new since run {run.same_as}: {ws.published} is left as it is")
            else:
                docs = docs_worker()  # imports GX while the run works
                if docs is not None:
                    cleanup.callback(docs.close)

                def failed() -> None:
                    run.finished_at = datetime.now(UTC)
                    append_run_log(run)
                    webhook.notify_run(settings.webhook_url, run.to_json())

                with attempt(ws, run, (p.Blocked, p.InputError, ClusterError), failed):
                    _publish(settings, run, checks, live, sources, before)
            # issue 23: still under the lock, so the file cannot change while it uploads.
            run.uploaded, run.upload_error = upload.after_run(settings, run.status, _say)
    except wh.WarehouseBusy as exc:
        run.status = "blocked"
        run.blocked_reasons.append(str(exc))
    return docs


@contextmanager
def attempt(
    ws: wh.Workspace,
    run: RunSummary,
    blocking: tuple[type[BaseException], ...],
    failed: Callable[[], None],
) -> Iterator[None]:
    """One try at publishing. A `blocking` error discards the work copy and blocks the run with
    its reason; any other error discards it, fails the run, calls `failed` (which records it,
    since the caller's end is not reached) and goes on up."""
    try:
        yield
    except blocking as exc:
        wh.discard(ws)
        run.status = "blocked"
        run.blocked_reasons.append(str(exc))
    except BaseException as exc:
        wh.discard(ws)
        run.status = "failed"
        run.blocked_reasons.append(f"{type(exc).__name__}: {exc}")
        failed()
        raise


def report_run(
    settings: Settings,
    run: RunSummary,
    checks: dict[str, Outcome],
    docs: DocsWorker | None = None,
) -> None:
    """The end of every run, published or not: DQ report, Prefect artifact, run log, webhook."""
    run.finished_at = datetime.now(UTC)
    payload = dq_payload(run, {name: o.results for name, o in checks.items()})
    # The outcomes, not their GX results: those are built (GX imported) beside the exports, by
    # the run's DocsWorker if it started one.
    gx_results: dict[str, Any] = dict(checks)
    with progress.step("reports and exports"):
        write_run_reports(
            settings.warehouse,
            settings.reports_dir,
            payload,
            gx_results,
            settings.duckdb_memory,
            docs_worker=docs,
        )
    if FlowRunContext.get() is not None:  # a run called outside a flow (tests) has no server
        create_markdown_artifact(markdown=dq_markdown(payload), key="data-quality")
    append_run_log(run)
    webhook.notify_run(settings.webhook_url, run.to_json())


@flow(name="nightly")
def nightly(
    snapshot_dir: str | None = None,
    warehouse: str | None = None,
    reports_dir: str | None = None,
    live: bool = False,
    run_id: str | None = None,
    sources: list[str] | None = None,
    data_dir: str | None = None,
    publish_url: str | None = None,
    dask: str | None = None,
) -> dict[str, Any]:
    """Nightly job: every source into the warehouse, DQ report, atomic publish.

    `sources` limits the official sources (censtatd, hkma, itf); the register always runs.
    `publish_url` (else $HKAM_PUBLISH_URL) uploads each published version there (issue 23).
    `dask`: the heavy steps on a Dask cluster (local:N or tcp://host:port; flows/dask_runner.py).
    """
    settings = load(warehouse, snapshot_dir, reports_dir, data_dir, publish_url, dask)
    run = execute(settings, run_id=run_id, live=live, sources=sources)
    get_run_logger().info(run.paragraph())
    return run.to_json()
