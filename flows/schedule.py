"""Scheduling: the nightly cron, `hkam serve`, and the backfill and report flows of prefect.yaml.

Two ways to run the schedule (README "Scheduling"):

- one machine: `hkam serve` -> `serve(settings)`, a foreground process that registers the nightly
  deployment with the Prefect API and runs it at 02:00 Hong Kong time;
- a team: `prefect deploy --all` from prefect.yaml (nightly, backfill, report on a process work
  pool) and `prefect worker start --pool hkam`.

Retries: network calls retry inside the fetchers (flows/sources/http.py: timeouts, backoff on
429/5xx honouring Retry-After); the served nightly flow retries a crashed run twice, 10 minutes
apart. A retry is safe: a run publishes all or nothing and the sha256 landing
loads only what the warehouse does not hold yet, exactly once, so a missed or failed night is
caught up by the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from flows.settings import Settings, load

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Hong_Kong"
RETRIES = 2
RETRY_DELAY_S = 600


def next_run_time(
    cron: str = NIGHTLY_CRON, tz: str = TIMEZONE, now: datetime | None = None
) -> datetime:
    """The first time at or after `now` that `cron` fires in timezone `tz`, as Prefect computes it.

    Uses Prefect's own CronSchedule, so this is the time the server will schedule. The result is
    timezone-aware in `tz`.
    """
    from zoneinfo import ZoneInfo

    from prefect.server.schemas.schedules import CronSchedule

    start = now or datetime.now(UTC)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    schedule = CronSchedule(cron=cron, timezone=tz)
    [first] = asyncio.run(schedule.get_dates(n=1, start=start))
    return datetime.fromtimestamp(first.timestamp(), ZoneInfo(tz))


def describe_next_run(
    cron: str = NIGHTLY_CRON, tz: str = TIMEZONE, now: datetime | None = None
) -> str:
    """'next run: 2026-11-26 02:00 HKT (Asia/Hong_Kong), in 1 h 37 min' for the console."""
    start = now or datetime.now(UTC)
    when = next_run_time(cron, tz, start)
    minutes = max(0, int((when - start).total_seconds() // 60))
    return (
        f"next run: {when:%Y-%m-%d %H:%M %Z} ({tz}), "
        f"in {minutes // 60} h {minutes % 60} min (cron {cron!r})"
    )


def _paths(settings: Settings) -> dict[str, str]:
    """Absolute paths as flow parameters (a served run must not depend on the cwd)."""
    return {
        "snapshot_dir": str(settings.snapshot_dir.resolve()),
        "warehouse": str(settings.warehouse.resolve()),
        "reports_dir": str(settings.reports_dir.resolve()),
    }


def serve(settings: Settings, cron: str = NIGHTLY_CRON, tz: str = TIMEZONE) -> None:
    """Serve the nightly schedule from this process until interrupted (Ctrl-C).

    Registers the deployment `nightly/hkam-serve` with the Prefect API and runs each scheduled
    run here, one at a time. The API is PREFECT_API_URL when set; otherwise a Prefect server on
    127.0.0.1 (started here as a child process when none answers on port 4200, stopped on exit):
    Prefect's temporary in-process server cannot schedule. Paths are fixed when serving starts.
    """
    from prefect.schedules import Cron
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.nightly import nightly

    print(f"hkam serve: nightly job for {settings.warehouse.resolve()}", flush=True)
    with contextlib.ExitStack() as stack:
        if not PREFECT_API_URL.value():
            url = stack.enter_context(_local_server(settings.warehouse.parent))
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: url}))
            print(f"hkam serve: Prefect API {url}", flush=True)
        print(f"hkam serve: {describe_next_run(cron, tz)}", flush=True)
        served = nightly.with_options(retries=RETRIES, retry_delay_seconds=RETRY_DELAY_S)
        served.serve(
            name="hkam-serve",
            schedules=[Cron(cron, timezone=tz)],
            parameters=_paths(settings),
            description="hkam nightly job served by `hkam serve` on this machine",
            tags=["hkam"],
            limit=1,
            pause_on_shutdown=True,
        )


def _healthy(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def _local_server(log_dir: Path, port: int = 4200, timeout_s: float = 120) -> Iterator[str]:
    """URL of a Prefect server on 127.0.0.1: the one on `port`, or one started here."""
    url = f"http://127.0.0.1:{port}/api"
    if _healthy(url):
        yield url
        return
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / ".prefect-server.log"
    print(f"hkam serve: starting a Prefect server on 127.0.0.1:{port} (log {log_path})", flush=True)
    prefect = Path(sys.executable).with_name("prefect")
    command = [str(prefect)] if prefect.exists() else [sys.executable, "-m", "prefect"]
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [*command, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout_s
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the Prefect server did not start on 127.0.0.1:{port}; see {log_path}, or "
                    "start one (`prefect server start`) and set PREFECT_API_URL"
                )
            time.sleep(0.5)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _month(value: str | None, what: str) -> str | None:
    """YYYY-MM or YYYY-MM-DD -> YYYY-MM (the HKMA API filters on month ends)."""
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value if len(value) > 7 else value + "-01")
    except ValueError as exc:
        raise ValueError(f"{what} {value!r} is not a date: use YYYY-MM or YYYY-MM-DD") from exc
    return f"{parsed:%Y-%m}"


def backfill_range(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """Validated (from_month, to_month) for the live HKMA pull."""
    start, end = _month(date_from, "date_from"), _month(date_to, "date_to")
    if start and end and start > end:
        raise ValueError(f"date_from {date_from} is after date_to {date_to}")
    return start, end


@flow(name="backfill", retries=RETRIES, retry_delay_seconds=RETRY_DELAY_S)
def backfill(
    date_from: str | None = None,
    date_to: str | None = None,
    sources: list[str] | None = None,
    live: bool = False,
    snapshot_dir: str | None = None,
    warehouse: str | None = None,
    reports_dir: str | None = None,
) -> dict[str, Any]:
    """Catch up: a nightly run limited to `sources` (censtatd, hkma, itf; the register always runs).

    The date range (YYYY-MM or YYYY-MM-DD) only narrows the live HKMA pull (its from/to month
    parameters). Snapshot runs ignore it: the snapshot path already loads every file the
    warehouse does not hold yet, exactly once, whatever its dates.
    """
    from flows.nightly import execute

    months = backfill_range(date_from, date_to)
    logger = get_run_logger()
    if any(months) and not live:
        logger.warning(
            "backfill: date range %s..%s applies to live HKMA pulls only; the snapshot loads "
            "every file not yet loaded",
            months[0] or "start",
            months[1] or "now",
        )
    settings = load(warehouse, snapshot_dir, reports_dir)
    run = execute(settings, live=live, sources=sources)
    logger.info(run.paragraph())
    return run.to_json()


def _site() -> Any:
    """flows.reports.site, imported only when the report flow runs."""
    try:
        return importlib.import_module("flows.reports.site")
    except ModuleNotFoundError as exc:
        if exc.name not in ("flows.reports.site", "flows.reports"):
            raise
        raise RuntimeError(
            "the report flow needs flows/reports/site.py (write_investment_report), which this "
            "checkout does not have yet; update the code, then run the report deployment again"
        ) from exc


@flow(name="report")
def report(warehouse: str | None = None, reports_dir: str | None = None) -> str:
    """Rebuild the reports from the published warehouse (no source is read, nothing is loaded)."""
    settings = load(warehouse, None, reports_dir)
    if not settings.warehouse.exists():
        raise FileNotFoundError(
            f"no warehouse at {settings.warehouse}; run the nightly deployment first"
        )
    out = _site().write_investment_report(
        settings.warehouse, settings.reports_dir, settings.duckdb_memory
    )
    get_run_logger().info("report: written to %s", out or settings.reports_dir)
    return str(out or settings.reports_dir)
