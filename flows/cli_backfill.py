"""hkam backfill press: read the government press-release archive over a range of days."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from flows.cli_common import (
    UsageError,
    run_flow,
    settings_of,
)

Verb = Callable[[str, str], argparse.ArgumentParser]
Folders = Callable[..., None]


def add(verb: Verb, folders: Folders) -> None:
    """The `backfill` verb and its `press` source, on the hkam parser."""
    cmd = verb("backfill", "read history the live feeds no longer show (the press-release archive)")
    cmd.add_argument("source", choices=("press",), help="press: the press-release archive")
    cmd.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    cmd.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    cmd.add_argument("--lang", default="en,zh", help="en, zh or en,zh (default both)")
    cmd.add_argument("--refresh", action="store_true", help="read again days already read in full")
    cmd.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="parse and detect on Dask: local:N worker processes, or a scheduler's tcp://host:port "
        "(default: $HKAM_DASK_ADDRESS, else in this process)",
    )
    cmd.add_argument(
        "--verbose", action="store_true", help="show Prefect's own log lines on a terminal too"
    )
    folders(cmd, "reports", "data")


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"{flag} {text!r}: give a day as YYYY-MM-DD, such as 2022-10-01") from exc


def _langs(text: str) -> list[str]:
    langs = [part.strip() for part in text.split(",") if part.strip()]
    wrong = [lang for lang in langs if lang not in ("en", "zh")]
    if not langs or wrong:
        raise UsageError(f"--lang {text!r}: give en, zh or en,zh")
    return list(dict.fromkeys(langs))


def backfill(args: argparse.Namespace) -> int:
    """Check the flags, then run the backfill flow and print its summary."""
    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    if end < start:
        raise UsageError(f"--to {end} is before --from {start}")
    langs = _langs(args.lang)
    settings = settings_of(args)  # --dask, else $HKAM_DASK_ADDRESS, as `hkam run` (checked there)

    def go(run_id: str) -> None:
        from flows.backfill import backfill_press

        backfill_press(
            start=start.isoformat(),
            end=end.isoformat(),
            langs=langs,
            refresh=args.refresh,
            dask=settings.dask_address,
            warehouse=str(settings.warehouse),
            reports_dir=str(settings.reports_dir),
            data_dir=str(settings.data_dir),
            run_id=run_id,
        )

    return run_flow(settings, args.verbose, "backfill", go)
