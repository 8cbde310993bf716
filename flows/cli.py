"""hkam: the command line. Thin: parses flags, checks paths, calls flows. Starts fast."""

from __future__ import annotations

import argparse
import contextlib
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

    sql = verb("sql", "run a read-only SQL query against the published warehouse")
    sql.add_argument("query", help="SQL text; `describe schema.table` also shows column comments")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")

    report = verb("report", "rebuild the investment report and its exports from the warehouse")
    folders(report, "reports")

    review = verb("review", "list press-release candidates, or accept, reject or undo")
    review.add_argument(
        "action", nargs="?", choices=("accept", "reject", "undo"), help="decision to record"
    )
    review.add_argument("release_id", nargs="?", help="candidate id (the release's P-number)")
    review.add_argument("--company", help="accept: the company (default: the guessed one)")
    review.add_argument(
        "--scope", choices=("project", "aggregate"), help="accept (default project)"
    )
    review.add_argument(
        "--party", choices=("company", "government"), help="accept (default: from the evidence)"
    )
    review.add_argument("--amount", type=int, metavar="N", help="accept: the Nth amount found")
    review.add_argument("--reason", help="reject: why it is not a commitment")
    folders(review, "data")

    verb("serve", "serve the nightly schedule (02:00 Hong Kong time) from this process")
    restore = verb("restore", "bring back a kept published version (default: the newest)")
    restore.add_argument("version", nargs="?", help="version name or prefix (see hkam status)")
    # The reports it rebuilds, and the inputs it compares to say what the next run will do.
    folders(restore, "reports", "snapshot", "data")

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
    import time
    from datetime import UTC, datetime

    started = time.monotonic()
    _prepare_prefect(settings, verbose=args.verbose)
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


def _prepare_prefect(settings: Any, verbose: bool) -> None:
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
    from flows.terminal import print_rows

    print_rows(names, rows, fmt)


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
    if not runs and not settings.warehouse.exists():
        # Most likely a mistyped path: saying "no runs yet" with exit 0 would hide that.
        raise UsageError(
            f"no warehouse at {settings.warehouse} and no run log beside it; check --warehouse "
            "(or $HKAM_WAREHOUSE), or start one with `hkam run`"
        )
    if runs:
        from flows.publishing import last_run_id

        current = last_run_id(settings.warehouse) if settings.warehouse.exists() else None
        _print_runs(runs, args.limit, current)
    else:
        print(f"no runs yet for {settings.warehouse}; start one with `hkam run`")
    _print_versions(settings.warehouse)
    return EXIT_OK


def _print_runs(runs: dict[str, dict[str, Any]], limit: int, current: str | None) -> None:
    names = ["run_id", "started_at", "duration_s", "status", "rows_in", "rows_loaded",
             "rows_quarantined", "rows_unchanged", "note"]  # fmt: skip
    ordered = sorted(runs.values(), key=lambda r: str(r["started_at"]), reverse=True)[:limit]
    for r in ordered:
        r["note"] = _run_note(r, current)
    _print_rows(names, [tuple(r.get(n) for n in names) for r in ordered], "table")


def _run_note(run: dict[str, Any], current: str | None) -> str | None:
    """Which run the published file holds, and what a restore or an unchanged run refers to."""
    if run["run_id"] == current:
        return "current: the published file holds this run"
    if run.get("status") == "restored":
        return f"restored run {run.get('same_as') or '(none recorded)'}"
    if run.get("status") == "unchanged" and run.get("same_as"):
        return f"same inputs as {run['same_as']}"
    return None


def _review(args: argparse.Namespace) -> int:
    import duckdb

    from flows import review

    settings = _settings(args)
    if args.action == "undo":
        _only_for(args, "undo", ())
        try:
            undone = review.undo(settings.data_dir)
        except review.ReviewError as exc:
            raise UsageError(str(exc)) from exc
        what = f" ({undone.commitment_id} left {review.REVIEWED_REGISTER})" * bool(
            undone.commitment_id
        )
        print(f"took back: {undone.release_id} {undone.decision}{what}; it is open again")
        return EXIT_OK
    if not settings.warehouse.exists():
        raise UsageError(f"no warehouse at {settings.warehouse}; run `hkam run` first")
    decided = review.read_decisions(settings.data_dir)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        cur = con.execute(
            "SELECT * FROM core.announcement_candidate ORDER BY published_date_hk DESC, release_id"
        )
        names = [d[0] for d in cur.description or []]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        companies = [
            {"name_en": n, "name_zh": z, "aliases": a}
            for n, z, a in con.execute(
                "SELECT name_en, name_zh, aliases FROM core.company"
            ).fetchall()
        ]
    open_rows = [r for r in rows if r["release_id"] not in decided]
    if args.action is None:
        _only_for(args, "the list", ())
        cols = ["release_id", "published_date_hk", "title_en", "title_zh", "company_guess",
                "cluster_guess", "confidence"]  # fmt: skip
        _print_rows(cols, [tuple(r[c] for c in cols) for r in open_rows], "table")
        return EXIT_OK
    if not args.release_id:
        raise UsageError(f"{args.action} needs a release id; `hkam review` lists the open ones")
    match = next((r for r in rows if r["release_id"] == args.release_id), None)
    if match is None:
        raise UsageError(f"no candidate {args.release_id!r}; `hkam review` lists them")
    if args.release_id in decided:
        raise UsageError(
            f"{args.release_id} was already {decided[args.release_id].decision}; "
            f"`hkam review undo` takes back the last decision (see "
            f"{settings.data_dir / review.DECISIONS})"
        )
    if args.action == "reject":
        _only_for(args, "reject", ("reason",))
        if not args.reason:
            raise UsageError("reject needs --reason TEXT")
        review.reject(settings.data_dir, args.release_id, args.reason)
        print(f"rejected {args.release_id}; it will not be proposed again")
        return EXIT_OK
    _only_for(args, "accept", ("company", "scope", "party", "amount"))
    try:
        row = review.accept(
            settings.data_dir, match, args.company, args.scope or "project", args.party,
            args.amount, companies,
        )  # fmt: skip
    except review.ReviewError as exc:
        raise UsageError(str(exc)) from exc
    path = settings.data_dir / review.REVIEWED_REGISTER
    amount = row["amount_text"] or "no amount"
    print(
        f"accepted {args.release_id} as {row['commitment_id']} ({row['company']}, {row['party']}, "
        f"{row['scope']}, {amount}) in {path}; the next `hkam run` loads it"
    )
    return EXIT_OK


def _only_for(args: argparse.Namespace, action: str, allowed: Sequence[str]) -> None:
    """A flag that does not apply to the action is an error, never silently ignored."""
    given = [f for f in ("company", "scope", "party", "amount", "reason") if getattr(args, f)]
    extra = [f"--{f}" for f in given if f not in allowed]
    if extra or (action == "undo" and args.release_id):
        what = ", ".join(extra) or args.release_id
        raise UsageError(f"{what} does not apply to {action}")


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
    from flows.runs import append_restore
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
    run_id = publishing.last_run_id(settings.warehouse)
    append_restore(settings.warehouse, version.name, run_id)
    print(
        f"Restored {version.name} as {settings.warehouse}; the replaced file is kept as a version "
        "(`hkam restore` with no name brings it back)"
    )
    print(_restored_reports(settings, run_id))
    print(_next_run_after_restore(settings))
    return EXIT_OK


def _restored_reports(settings: Any, run_id: str | None) -> str:
    """Rebuild reports/latest from the restored file, so the page shows what analysts query."""
    from flows.reports.site import show_run_in_latest, write_investment_report

    try:
        write_investment_report(settings.warehouse, settings.reports_dir, settings.duckdb_memory)
        dq = run_id is not None and show_run_in_latest(settings.reports_dir, run_id)
    except Exception as exc:  # the restore itself is done; the page can be rebuilt later
        latest = settings.reports_dir / "latest"
        return f"Reports: {latest} NOT rebuilt ({exc}); run `hkam report`"
    what = "its report and data-quality report" if dq else "its report (its DQ report is gone)"
    return f"Reports: {(settings.reports_dir / 'latest').resolve()} now shows {what}"


def _next_run_after_restore(settings: Any) -> str:
    """What the next `hkam run` will do to the restored file: nothing, or load today's inputs."""
    from flows.inputs import snapshot_inputs, unchanged_since

    # hash_new: a file rewritten with the same bytes counts as the same input here.
    if unchanged_since(settings.warehouse, snapshot_inputs(settings, None, hash_new=True)):
        return "The next `hkam run` finds its inputs unchanged and leaves this version as it is."
    return (
        f"The next `hkam run` loads the inputs as they are now ({settings.snapshot_dir} and "
        f"{settings.data_dir}, rows accepted in review included), so what the replaced version "
        "held comes back unless those inputs change first."
    )


def _report(args: argparse.Namespace) -> int:
    from flows.reports.site import write_investment_report

    settings = _settings(args)
    if not settings.warehouse.exists():
        raise UsageError(
            f"no warehouse at {settings.warehouse}; run `hkam run` first or pass --warehouse"
        )
    _check_writable(settings.reports_dir, "reports")
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
