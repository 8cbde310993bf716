"""hkam: the command line. Thin: parses flags, checks paths, calls flows. Starts fast."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from flows import cli_backfill
from flows import cli_manage as manage
from flows.cli_common import (
    UsageError,
    check_folders,
    check_writable,
    print_rows,
    run_flow,
    settings_of,
)
from flows.runs import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE
from flows.settings import SettingError

__all__ = ["VERBS", "UsageError", "main"]

VERBS = (
    "run", "sql", "status", "report", "review", "extract", "snapshot", "serve", "restore",
    "backfill", "publish",
)  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hkam",
        description="Hong Kong advanced-manufacturing warehouse: commitments and statistics.",
    )
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name: str, help_text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument(
            "--warehouse",
            help="warehouse file (default: $HKAM_WAREHOUSE, else warehouse/hkam.duckdb)",
        )
        return cmd

    def folders(cmd: argparse.ArgumentParser, *which: str) -> None:
        helps = {
            "snapshot": "snapshot folder (default: $HKAM_SNAPSHOT_DIR, else bundled)",
            "reports": "reports folder (default: $HKAM_REPORTS_DIR, else reports)",
            "data": "analyst's folder with reviewed rows (default: $HKAM_DATA_DIR, else data)",
        }
        for name in which:
            cmd.add_argument(f"--{name}-dir", help=helps[name])

    run = verb("run", "run the nightly job now (bundled snapshot unless --live)")
    folders(run, "snapshot", "reports")
    run.add_argument("--live", action="store_true", help="fetch from the live sources")
    folders(run, "data")
    run.add_argument(
        "--verbose", action="store_true", help="show Prefect's own log lines on a terminal too"
    )
    run.add_argument(
        "--publish-url",
        help="upload each published version to s3://BUCKET/PREFIX or file:///DIR "
        "(default: $HKAM_PUBLISH_URL; credentials from the AWS_* variables)",
    )
    run.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="heavy steps on Dask: local:N (N worker processes here) or a scheduler's "
        "tcp://host:port (default: $HKAM_DASK_ADDRESS, else in this process)",
    )

    sql = verb("sql", "run a read-only SQL query against the published warehouse")
    sql.add_argument("query", help="SQL text; `describe schema.table` also shows column comments")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")

    report = verb("report", "rebuild the investment report and its exports from the warehouse")
    folders(report, "reports")

    review = verb("review", "list press-release candidates, or accept, reject or undo")
    review.add_argument(
        "action", nargs="?", choices=("accept", "reject", "undo"), help="decision to record"
    )
    review.add_argument(
        "release_id", nargs="?", help="candidate id (the release's P-number, or st-… for a status)"
    )
    review.add_argument("--company", help="accept: the company (default: the guessed one)")
    review.add_argument(
        "--scope", choices=("project", "aggregate"), help="accept (default project)"
    )
    review.add_argument(
        "--party", choices=("company", "government"), help="accept (default: from the evidence)"
    )
    review.add_argument("--amount", type=int, metavar="N", help="accept: the Nth amount found")
    review.add_argument("--reason", help="reject: why it is not a commitment")
    review.add_argument("--note", help="accept a status proposal (st-…): a note for the row")
    folders(review, "data")
    # issue 25: the review desk in a browser
    review.add_argument("--web", action="store_true", help="open the review desk (a local web app)")
    review.add_argument("--port", type=int, help="--web: port (default 8765; 0 = a free one)")
    review.add_argument("--host", help="--web: address to bind (default 127.0.0.1)")

    verb("serve", "serve the nightly schedule (02:00 Hong Kong time) from this process")
    restore = verb("restore", "bring back a kept published version (default: the newest)")
    restore.add_argument("version", nargs="?", help="version name or prefix (see hkam status)")
    # The reports it rebuilds, and the inputs it compares to say what the next run will do.
    folders(restore, "reports", "snapshot", "data")

    publish = verb("publish", "upload the current published version (default: $HKAM_PUBLISH_URL)")
    publish.add_argument("--to", metavar="URL", help="s3://BUCKET/PREFIX or file:///DIR")

    status = verb("status", "list the last runs and their counts")
    status.add_argument("--limit", type=int, default=10)

    snap = sub.add_parser(
        "snapshot",
        help="fetch the live official sources into a folder in the snapshot layout",
        description="Fetch C&SD, HKMA and ITF live into DIR (censtatd/, hkma/, itf/, MANIFEST).",
    )
    snap.add_argument("--out", required=True, help="folder to write (created if missing)")
    snap.add_argument(
        "--source", action="append", choices=("censtatd", "hkma", "itf", "gia"), help="only these"
    )

    extract = verb("extract", "extract amounts and job figures from text")
    extract.add_argument("text")
    extract.add_argument("--json", action="store_true", help="print one JSON object (the default)")
    extract.add_argument(
        "--dollar", choices=("HKD", "USD"), default="HKD", help="currency of a bare $"
    )
    cli_backfill.add(verb, folders)  # issue 24
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    # The temporary Prefect server would try to send telemetry and log an error offline.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Its default 20 s to start that server fails a nightly on a busy host (seen under load).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    args = _parser().parse_args(argv)
    try:
        handler = {
            "run": _run,
            "sql": _sql,
            "status": manage.status,
            "extract": _extract,
            "snapshot": _snapshot,
            "report": _report,
            "review": manage.review,
            "serve": _serve,
            "restore": manage.restore,
            "backfill": cli_backfill.backfill,
            "publish": manage.publish,
        }[args.verb]
        return handler(args)
    except BrokenPipeError:
        # The reader went away (`hkam status | head`): what it wanted was printed; end quietly.
        _silence_stdout()
        return EXIT_OK
    except (UsageError, SettingError) as exc:
        print(f"hkam {args.verb}: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if not settings.snapshot_dir.is_dir():
        raise UsageError(
            f"snapshot folder {settings.snapshot_dir} does not exist; pass --snapshot-dir DIR "
            "(a folder with register/*.csv) or unset HKAM_SNAPSHOT_DIR to use the bundled snapshot"
        )

    def go(run_id: str) -> None:
        from flows.nightly import nightly

        nightly(
            snapshot_dir=str(settings.snapshot_dir),
            warehouse=str(settings.warehouse),
            reports_dir=str(settings.reports_dir),
            data_dir=str(settings.data_dir),
            run_id=run_id,
            live=args.live,
            publish_url=args.publish_url,
            dask=settings.dask_address,
        )

    return run_flow(settings, args.verbose, "run", go)


def _sql(args: argparse.Namespace) -> int:
    import duckdb

    settings = settings_of(args)
    if not settings.warehouse.exists():
        raise UsageError(
            f"no warehouse at {settings.warehouse}; run `hkam run` first or pass --warehouse"
        )
    query = _describe_with_comments(args.query)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        try:
            cursor = con.execute(query)
        except duckdb.Error as exc:
            text = str(exc)
            if "read-only" in text.lower() or "read only" in text.lower():
                text = (
                    f"the warehouse connection is read-only; hkam sql cannot change data ({text})"
                )
            print(f"hkam sql: {text}", file=sys.stderr)
            return EXIT_USAGE
        names = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    print_rows(names, rows, args.format)
    return EXIT_OK


def _describe_with_comments(query: str) -> str:
    """`describe s.t` also shows each column's comment (DuckDB's describe leaves them out)."""
    words = query.strip().rstrip(";").split()
    if len(words) == 2 and words[0].lower() == "describe" and "." in words[1]:
        schema, table = words[1].split(".", 1)
        return (
            "SELECT column_name, data_type AS column_type, is_nullable AS null, comment "
            f"FROM duckdb_columns() WHERE schema_name = {lit(schema)} "
            f"AND table_name = {lit(table)} "
            "ORDER BY column_index"
        )
    return query


def lit(text: str) -> str:
    """SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _serve(args: argparse.Namespace) -> int:
    from flows.schedule import serve

    settings = settings_of(args)
    check_folders(settings)
    with contextlib.suppress(KeyboardInterrupt):
        serve(settings)
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from flows.reports.site import write_investment_report

    settings = settings_of(args)
    if not settings.warehouse.exists():
        raise UsageError(
            f"no warehouse at {settings.warehouse}; run `hkam run` first or pass --warehouse"
        )
    check_writable(settings.reports_dir, "reports")
    from flows.publishing import last_run_id
    from flows.reports.site import show_run_in_latest

    # The page links dq.html: bring the published run's DQ report along, or leave the link out.
    run_id = last_run_id(settings.warehouse)
    dq = (settings.reports_dir / "latest" / "dq.html").exists() or bool(
        run_id and show_run_in_latest(settings.reports_dir, run_id)
    )
    page = write_investment_report(
        settings.warehouse, settings.reports_dir, settings.duckdb_memory, dq_link=dq
    )
    print(f"Report: {page.resolve()}" + ("" if dq else " (no data-quality report for this run)"))
    return EXIT_OK


def _snapshot(args: argparse.Namespace) -> int:
    from flows.settings import load
    from flows.sources.live import fetch_snapshot

    out = Path(args.out)
    check_writable(out, "snapshot")
    result = fetch_snapshot(out, endpoints=load().endpoints, only=args.source)
    for path in result.files:
        print(f"wrote {path}")
    for source, error in result.errors.items():
        print(f"hkam snapshot: {source} failed: {error}", file=sys.stderr)
    print(f"{len(result.files)} file(s) in {out}; copy register/*.csv in to run on it")
    return EXIT_BLOCKED if result.errors else EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    from flows.transforms.extract import extract

    print(json.dumps(extract(args.text, dollar=args.dollar).to_json_dict(), ensure_ascii=False))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
