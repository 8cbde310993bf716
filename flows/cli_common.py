"""What the hkam verbs share: the usage error, their settings, writable folders, row printing,
starting Prefect and the end of a run on the terminal."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class UsageError(Exception):
    """Bad flags or configuration: exit 2 with a message that says what to fix."""


def settings_of(args: argparse.Namespace) -> Any:
    """The settings a verb runs with: its flags over HKAM_* variables over the defaults."""
    from flows.settings import load

    return load(
        getattr(args, "warehouse", None),
        getattr(args, "snapshot_dir", None),
        getattr(args, "reports_dir", None),
        getattr(args, "data_dir", None),
        dask=getattr(args, "dask", None),
    )


def check_writable(path: Path, what: str) -> None:
    """The folder for path exists or can be made, and we can write there."""
    folder = path.parent if what == "warehouse" else path
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the {what} folder {folder}: {exc.strerror}; pick another path"
        ) from exc
    if not os.access(folder, os.W_OK):
        raise UsageError(
            f"the {what} folder {folder} is not writable; fix its permissions or pick another path"
        )
    if path.exists() and what == "warehouse" and not os.access(path, os.W_OK):
        raise UsageError(
            f"the warehouse file {path} is not writable; fix its permissions or use --warehouse"
        )


def print_rows(names: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    """Rows as a table, CSV or JSON on stdout (flows/terminal.py)."""
    from flows.terminal import print_rows

    print_rows(names, rows, fmt)


def prepare_prefect(settings: Any, verbose: bool) -> None:
    """Before Prefect loads: its files under the analyst's folder unless $PREFECT_HOME is set,
    and on a terminal hkam's progress lines instead of Prefect's INFO lines (--verbose: both).
    The Prefect server still receives every log line."""
    from flows import progress

    if "PREFECT_HOME" not in os.environ:
        settings.prefect_home.mkdir(parents=True, exist_ok=True)  # Prefect makes one level only
        os.environ["PREFECT_HOME"] = str(settings.prefect_home.resolve())
    # hkam runs offline: its temporary server's usage-data banner is noise on every run.
    os.environ.setdefault("DO_NOT_TRACK", "1")
    if sys.stderr.isatty() and not verbose:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
        progress.show_on(sys.stderr)
        if not os.environ.get("PREFECT_API_URL"):
            progress.emit(
                "starting Prefect's temporary server ($PREFECT_API_URL: use a running one)"
            )


def check_folders(settings: Any) -> None:
    """The warehouse's and the reports' folders can be written (before any flow starts)."""
    check_writable(settings.warehouse, "warehouse")
    check_writable(settings.reports_dir, "reports")


def run_flow(settings: Any, verbose: bool, verb: str, flow: Callable[[str], Any]) -> int:
    """`hkam run` and `hkam backfill`: check the folders, prepare Prefect, then `flow(run_id)`
    (which imports its flow: Prefect loads only for verbs that run flows); a flow that raises
    is exit 1 with its reason, not a traceback."""
    from datetime import UTC, datetime

    check_folders(settings)
    started = time.monotonic()
    prepare_prefect(settings, verbose=verbose)
    from flows.runs import new_run_id

    run_id = new_run_id(datetime.now(UTC))
    crash: Exception | None = None
    try:
        flow(run_id)
    except Exception as exc:  # a failed run (disk full, unwritable folder…) is exit 1
        crash = exc
    return finish_run(settings, run_id, crash, started, verb)


def finish_run(
    settings: Any, run_id: str, crash: Exception | None, started: float, verb: str
) -> int:
    """After a flow of `hkam run` or `hkam backfill`: its summary from the run log, the time
    beyond the run itself, where things are; the run's exit code (1 if it left no record)."""
    from flows.runs import EXIT_BLOCKED, read_run_log, summary_text

    try:
        log = read_run_log(settings.warehouse)
    except (OSError, ValueError):
        log = []
    record = next((r for r in log if r["run_id"] == run_id), None)
    if record is None:
        why = f": {type(crash).__name__}: {crash}" if crash else "; see the Prefect log above"
        print(f"hkam {verb}: run {run_id} failed and left no record{why}", file=sys.stderr)
        print(f"The published warehouse {settings.warehouse} is unchanged.", file=sys.stderr)
        return EXIT_BLOCKED
    print(summary_text(record))  # the headline, then one line per warning (capped; dq.md: all)
    took = time.monotonic() - started
    if took - float(record.get("duration_s") or 0) > 1:
        print(
            f"The command took {took:.1f} s: the run {float(record['duration_s']):.1f} s; the "
            "rest is starting Prefect (a temporary server unless $PREFECT_API_URL names one), "
            "loading the libraries and writing the reports"
        )
    print(f"Warehouse: {settings.warehouse.resolve()}")
    print(f"Reports:   {(settings.reports_dir / 'latest').resolve()}")
    return int(record["exit_code"])
