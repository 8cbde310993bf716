"""hkam: the command line. Thin: parses flags, checks paths, calls flows. Starts fast."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flows.runs import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE
from flows.settings import SettingError

VERBS = ("run", "sql", "status", "report", "review", "extract", "snapshot", "serve", "restore")


class UsageError(Exception):
    """Bad flags or configuration: exit 2 with a message that says what to fix."""


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

    run = verb("run", "run the nightly job now (bundled snapshot unless --live)")
    run.add_argument(
        "--snapshot-dir", help="snapshot folder (default: $HKAM_SNAPSHOT_DIR, else bundled)"
    )
    run.add_argument(
        "--reports-dir", help="reports folder (default: $HKAM_REPORTS_DIR, else reports)"
    )
    run.add_argument("--live", action="store_true", help="fetch from the live sources")
    run.add_argument(
        "--data-dir",
        help="analyst's folder with reviewed rows (default: $HKAM_DATA_DIR, else data)",
    )

    sql = verb("sql", "run a read-only SQL query against the published warehouse")
    sql.add_argument("query", help="SQL text; `describe schema.table` also shows column comments")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")

    report = verb("report", "rebuild the investment report and its exports from the warehouse")
    report.add_argument(
        "--reports-dir", help="reports folder (default: $HKAM_REPORTS_DIR, else reports)"
    )

    review = verb("review", "list press-release candidates, or accept or reject one")
    review.add_argument(
        "action", nargs="?", choices=("accept", "reject"), help="decision to record"
    )
    review.add_argument("release_id", nargs="?", help="candidate id (the release's P-number)")
    review.add_argument("--company", help="accept: the company (default: the guessed one)")
    review.add_argument("--scope", choices=("project", "aggregate"), default="project")
    review.add_argument("--party", choices=("company", "government"), default="company")
    review.add_argument("--reason", help="reject: why it is not a commitment")
    review.add_argument("--data-dir", help="analyst's folder (default: $HKAM_DATA_DIR, else data)")

    verb("serve", "serve the nightly schedule (02:00 Hong Kong time) from this process")
    restore = verb("restore", "bring back a kept published version (default: the newest)")
    restore.add_argument("version", nargs="?", help="version name or prefix (see hkam status)")

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    # The temporary Prefect server would try to send telemetry and log an error offline.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    args = _parser().parse_args(argv)
    try:
        handler = {
            "run": _run,
            "sql": _sql,
            "status": _status,
            "extract": _extract,
            "snapshot": _snapshot,
            "report": _report,
            "review": _review,
            "serve": _serve,
            "restore": _restore,
        }[args.verb]
        return handler(args)
    except (UsageError, SettingError) as exc:
        print(f"hkam {args.verb}: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _settings(args: argparse.Namespace) -> Any:
    from flows.settings import load

    return load(
        getattr(args, "warehouse", None),
        getattr(args, "snapshot_dir", None),
        getattr(args, "reports_dir", None),
        getattr(args, "data_dir", None),
    )


def _check_writable(path: Path, what: str) -> None:
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


def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if not settings.snapshot_dir.is_dir():
        raise UsageError(
            f"snapshot folder {settings.snapshot_dir} does not exist; pass --snapshot-dir DIR "
            "(a folder with register/*.csv) or unset HKAM_SNAPSHOT_DIR to use the bundled snapshot"
        )
    _check_writable(settings.warehouse, "warehouse")
    _check_writable(settings.reports_dir, "reports")
    from datetime import UTC, datetime

    from flows.nightly import nightly  # Prefect and GX load only for verbs that run flows
    from flows.runs import new_run_id, read_run_log, summary_text

    run_id = new_run_id(datetime.now(UTC))
    crash: Exception | None = None
    try:
        nightly(
            snapshot_dir=str(settings.snapshot_dir),
            warehouse=str(settings.warehouse),
            reports_dir=str(settings.reports_dir),
            data_dir=str(settings.data_dir),
            run_id=run_id,
            live=args.live,
        )
    except Exception as exc:  # a failed run (disk full, unwritable folder…) is exit 1, not a trace
        crash = exc
    try:
        log = read_run_log(settings.warehouse)
    except (OSError, ValueError):
        log = []
    record = next((r for r in log if r["run_id"] == run_id), None)
    if record is None:
        why = f": {type(crash).__name__}: {crash}" if crash else "; see the Prefect log above"
        print(f"hkam run: run {run_id} failed and left no record{why}", file=sys.stderr)
        print(f"The published warehouse {settings.warehouse} is unchanged.", file=sys.stderr)
        return EXIT_BLOCKED
    print(summary_text(record))  # the headline, then one line per warning (capped; dq.md: all)
    print(f"Warehouse: {settings.warehouse.resolve()}")
    print(f"Reports:   {(settings.reports_dir / 'latest').resolve()}")
    return int(record["exit_code"])


def _sql(args: argparse.Namespace) -> int:
    import duckdb

    settings = _settings(args)
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
    _print_rows(names, rows, args.format)
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


def _print_rows(names: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
    elif fmt == "json":
        print(
            json.dumps(
                [dict(zip(names, r, strict=True)) for r in rows], ensure_ascii=False, default=str
            )
        )
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*names, show_lines=False)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        Console(width=max(120, Console().width)).print(table)
        print(f"{len(rows)} row(s)")


def _status(args: argparse.Namespace) -> int:
    import duckdb

    from flows.runs import read_run_log

    settings = _settings(args)
    runs = {r["run_id"]: r for r in read_run_log(settings.warehouse, limit=args.limit)}
    if settings.warehouse.exists():
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            cur = con.execute(
                "SELECT run_id, started_at, duration_s, status, rows_in, rows_loaded, "
                "rows_quarantined, "
                "rows_unchanged FROM meta.run ORDER BY started_at DESC LIMIT ?",
                [args.limit],
            )
            cols = [d[0] for d in cur.description or []]
            for row in cur.fetchall():
                rec = dict(zip(cols, row, strict=True))
                runs.setdefault(rec["run_id"], {**rec, "started_at": str(rec["started_at"])})
    if runs:
        _print_runs(runs, args.limit)
    else:
        print(f"no runs yet for {settings.warehouse}; start one with `hkam run`")
    _print_versions(settings.warehouse)
    return EXIT_OK


def _print_runs(runs: dict[str, dict[str, Any]], limit: int) -> None:
    names = ["run_id", "started_at", "duration_s", "status", "rows_in", "rows_loaded",
             "rows_quarantined", "rows_unchanged"]  # fmt: skip
    ordered = sorted(runs.values(), key=lambda r: str(r["started_at"]), reverse=True)[:limit]
    _print_rows(names, [tuple(r.get(n) for n in names) for r in ordered], "table")


def _review(args: argparse.Namespace) -> int:
    import duckdb

    from flows import review

    settings = _settings(args)
    if not settings.warehouse.exists():
        raise UsageError(f"no warehouse at {settings.warehouse}; run `hkam run` first")
    decided = review.read_decisions(settings.data_dir)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        cur = con.execute(
            "SELECT * FROM core.announcement_candidate ORDER BY published_date_hk DESC, release_id"
        )
        names = [d[0] for d in cur.description or []]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    open_rows = [r for r in rows if r["release_id"] not in decided]
    if args.action is None:
        cols = ["release_id", "published_date_hk", "title_en", "title_zh", "company_guess",
                "cluster_guess", "confidence"]  # fmt: skip
        _print_rows(cols, [tuple(r[c] for c in cols) for r in open_rows], "table")
        return EXIT_OK
    match = next((r for r in rows if r["release_id"] == args.release_id), None)
    if match is None:
        raise UsageError(f"no candidate {args.release_id!r}; `hkam review` lists them")
    if args.release_id in decided:
        raise UsageError(
            f"{args.release_id} was already {decided[args.release_id].decision}; "
            f"see {settings.data_dir / review.DECISIONS}"
        )
    if args.action == "reject":
        if not args.reason:
            raise UsageError("reject needs --reason TEXT")
        review.reject(settings.data_dir, args.release_id, args.reason)
        print(f"rejected {args.release_id}; it will not be proposed again")
        return EXIT_OK
    cid = review.accept(settings.data_dir, match, args.company, args.scope, args.party)
    path = settings.data_dir / review.REVIEWED_REGISTER
    print(f"accepted {args.release_id} as {cid} in {path}; the next `hkam run` loads it")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from flows.schedule import serve

    settings = _settings(args)
    _check_writable(settings.warehouse, "warehouse")
    _check_writable(settings.reports_dir, "reports")
    with contextlib.suppress(KeyboardInterrupt):
        serve(settings)
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    from flows import publishing
    from flows.warehouse import WarehouseBusy, Workspace

    settings = _settings(args)
    try:
        version = publishing.restore(
            Workspace(settings.warehouse),
            args.version,
            keep=settings.keep_versions,
            wait=settings.lock_wait,
        )
    except LookupError as exc:
        raise UsageError(str(exc).strip("'\"")) from exc
    except WarehouseBusy as exc:
        print(f"hkam restore: {exc}", file=sys.stderr)
        return EXIT_BLOCKED
    print(
        f"Restored {version.name} as {settings.warehouse}; the replaced file is kept as a version"
    )
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from flows.reports.site import write_investment_report

    settings = _settings(args)
    if not settings.warehouse.exists():
        raise UsageError(
            f"no warehouse at {settings.warehouse}; run `hkam run` first or pass --warehouse"
        )
    _check_writable(settings.reports_dir, "reports")
    page = write_investment_report(settings.warehouse, settings.reports_dir, settings.duckdb_memory)
    print(f"Report: {page.resolve()}")
    return EXIT_OK


def _snapshot(args: argparse.Namespace) -> int:
    from flows.settings import load
    from flows.sources.live import fetch_snapshot

    out = Path(args.out)
    _check_writable(out, "snapshot")
    result = fetch_snapshot(out, endpoints=load().endpoints, only=args.source)
    for path in result.files:
        print(f"wrote {path}")
    for source, error in result.errors.items():
        print(f"hkam snapshot: {source} failed: {error}", file=sys.stderr)
    print(f"{len(result.files)} file(s) in {out}; copy register/*.csv in to run on it")
    return EXIT_BLOCKED if result.errors else EXIT_OK


def _print_versions(warehouse: Path) -> None:
    from flows.publishing import list_versions
    from flows.warehouse import Workspace

    versions = list_versions(Workspace(warehouse))
    if versions:
        print(f"Kept versions ({len(versions)}; restore with `hkam restore VERSION`):")
        rows = [(v.name, v.published_at.isoformat(timespec="seconds"), v.size) for v in versions]
        _print_rows(["version", "published_at", "size"], rows, "table")


def _extract(args: argparse.Namespace) -> int:
    from flows.transforms.extract import extract

    print(json.dumps(extract(args.text, dollar=args.dollar).to_json_dict(), ensure_ascii=False))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
