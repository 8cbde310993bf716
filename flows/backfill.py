"""hkam backfill press: the press-release archive over a range of days, as a run of its own.

The crawl (flows/archive_crawl.py) lands pages and records each day read in full before the
warehouse is touched, so a stopped backfill resumes and a long one does not hold the writer
lock; then, like the nightly run, a working copy, the pages and candidates, meta rows, the
atomic publish and the DQ report. The nightly run keeps reading the feeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from prefect import flow, get_run_logger

from flows import progress, publishing
from flows import warehouse as wh
from flows.archive_crawl import Crawler, PageRef
from flows.archive_load import load_pages
from flows.dask_runner import ClusterError
from flows.nightly import attempt, record_run, report_run
from flows.review import read_decisions
from flows.runs import RunSummary, SourceCounts, new_run_id
from flows.settings import Settings, load
from flows.sources import gia_archive
from flows.sources.errors import SourceError
from flows.status_proposals import propose_status
from flows.validation import Outcome

SOURCE = "gia_archive"


def archive_base(settings: Settings) -> str:
    """The archive's {base}: the scheme and host of $HKAM_GIA_URL (www.info.gov.hk)."""
    parts = urlsplit(settings.endpoints.gia)
    return f"{parts.scheme}://{parts.netloc}"


def execute_backfill(
    settings: Settings,
    start: date,
    end: date,
    langs: Sequence[str] = gia_archive.LANGS,
    *,
    refresh: bool = False,
    address: str | None = None,
    run_id: str | None = None,
) -> RunSummary:
    """Crawl the days, then load what was landed into a working copy and publish it."""
    now = datetime.now(UTC)
    run = RunSummary(
        run_id=run_id or new_run_id(now),
        started_at=now,
        warehouse=settings.warehouse,
        reports_dir=settings.reports_dir,
        snapshot_dir=f"press-release archive {start} to {end} ({', '.join(langs)})",
        live=True,
    )
    counts = SourceCounts(SOURCE)
    run.sources.append(counts)
    ws = wh.Workspace(settings.warehouse)
    checks: dict[str, Outcome] = {}
    crawler = Crawler(archive_base(settings), ws.landing / SOURCE, delay=settings.gia_delay)
    refs, stats = crawler.crawl(gia_archive.days(start, end), langs, refresh=refresh)
    counts.warnings += [f"not read, run again to resume: {why}" for why in stats.failed]
    blocking = (SourceError, ClusterError)
    try:
        with (
            wh.writer_slot(settings.writer_limit),
            wh.writer_lock(ws, wait=settings.lock_wait),
            attempt(ws, run, blocking, lambda: report_run(settings, run, checks)),
        ):
            _publish(settings, run, counts, checks, refs, address)
    except wh.WarehouseBusy as exc:
        run.status = "blocked"
        run.blocked_reasons.append(str(exc))
    report_run(settings, run, checks)
    return run


def _publish(
    settings: Settings,
    run: RunSummary,
    counts: SourceCounts,
    checks: dict[str, Outcome],
    refs: list[PageRef],
    address: str | None,
) -> None:
    ws = wh.Workspace(settings.warehouse)
    with wh.connect(wh.start_work_copy(ws), memory_limit=settings.duckdb_memory) as con:
        wh.migrate(con)
        decided = set(read_decisions(settings.data_dir))
        loaded = load_pages(con, refs, run.run_id, decided, address)
        counts.files = counts.rows_in = loaded.pages_in
        counts.files_unchanged = counts.unchanged = loaded.already
        counts.loaded, counts.quarantined = loaded.loaded, loaded.quarantined
        counts.warnings += [f"page not parsed: {why}" for why in loaded.failed]
        if loaded.revisions:
            counts.warnings.append(
                f"{loaded.revisions} page(s) revised in place since first landed: both "
                "versions kept (raw.gia_archive_page.revision), candidates evaluated again"
            )
        if loaded.outcome is not None:
            checks[SOURCE] = loaded.outcome
        run.new_candidates = loaded.candidates
        # Part 2 of issue 24: the pages' progress reports on registered commitments.
        statuses = run.new_status_proposals = propose_status(con, run.run_id, decided)
        progress.emit(
            f"archive: {loaded.loaded} pages loaded, {loaded.already} held before, "
            f"{loaded.candidates} new candidates, {statuses} status proposals"
        )
        run.status = "published"
        run.finished_at = datetime.now(UTC)
        record_run(con, run, checks)
    publishing.publish(ws, keep=settings.keep_versions)


@flow(name="backfill press")
def backfill_press(
    start: str,
    end: str,
    langs: list[str] | None = None,
    refresh: bool = False,
    dask: str | None = None,
    warehouse: str | None = None,
    reports_dir: str | None = None,
    data_dir: str | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """The press-release archive from `start` to `end` (ISO days) into the warehouse."""
    settings = load(warehouse, None, reports_dir, data_dir, dask=dask)  # else $HKAM_DASK_ADDRESS
    run = execute_backfill(
        settings,
        date.fromisoformat(start),
        date.fromisoformat(end),
        langs or list(gia_archive.LANGS),
        refresh=refresh,
        address=settings.dask_address,
        run_id=run_id,
    )
    get_run_logger().info(run.paragraph())
    return run.to_json()
