"""hkam status, restore and review: the verbs that look after published versions and decisions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flows.cli_common import UsageError, print_rows, settings_of
from flows.runs import EXIT_BLOCKED, EXIT_OK


def status(args: argparse.Namespace) -> int:
    import duckdb

    from flows.runs import read_run_log

    settings = settings_of(args)
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
    from flows.upload import status_line

    if line := status_line(settings.warehouse):
        print(line)
    return EXIT_OK


def _print_runs(runs: dict[str, dict[str, Any]], limit: int, current: str | None) -> None:
    names = ["run_id", "started_at", "duration_s", "status", "rows_in", "rows_loaded",
             "rows_quarantined", "rows_unchanged", "note"]  # fmt: skip
    ordered = sorted(runs.values(), key=lambda r: str(r["started_at"]), reverse=True)[:limit]
    for r in ordered:
        r["note"] = _run_note(r, current)
    print_rows(names, [tuple(r.get(n) for n in names) for r in ordered], "table")


def _run_note(run: dict[str, Any], current: str | None) -> str | None:
    """Which run the published file holds, and what a restore or an unchanged run refers to."""
    if run["run_id"] == current:
        return "current: the published file holds this run"
    if run.get("status") == "restored":
        return f"restored run {run.get('same_as') or '(none recorded)'}"
    if run.get("status") == "unchanged" and run.get("same_as"):
        return f"same inputs as {run['same_as']}"
    return None


def review(args: argparse.Namespace) -> int:
    import duckdb

    from flows import review
    from flows.review_status import read_proposals

    settings = settings_of(args)
    if args.web or args.port is not None or args.host:
        return _desk(args, settings)
    if args.action == "undo":
        _only_for(args, "undo", ())
        try:
            undone = review.undo(settings.data_dir)
        except review.ReviewError as exc:
            raise UsageError(str(exc)) from exc
        where = review.REVIEWED_REGISTER
        if undone.release_id.startswith(review.STATUS_PREFIX):
            where = review.STATUS_REGISTER
        what = f" ({undone.commitment_id} left {where})" * bool(
            undone.commitment_id and undone.decision == "accepted"
        )
        print(f"took back: {undone.release_id} {undone.decision}{what}; it is open again")
        return EXIT_OK
    if not settings.warehouse.exists():
        raise UsageError(f"no warehouse at {settings.warehouse}; run `hkam run` first")
    if args.release_id and args.release_id.startswith(review.STATUS_PREFIX):
        return _review_status(args, settings)
    decided = review.read_decisions(settings.data_dir)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows, companies = review.read_candidates(con)
        proposals = read_proposals(con, settings.data_dir)
    open_rows = [r for r in rows if r["release_id"] not in decided]
    if args.action is None:
        _only_for(args, "the list", ())
        cols = ["release_id", "published_date_hk", "title_en", "title_zh", "company_guess",
                "cluster_guess", "confidence"]  # fmt: skip
        print_rows(cols, [tuple(r[c] for c in cols) for r in open_rows], "table")
        _print_proposals(proposals)
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
        try:
            review.reject(settings.data_dir, args.release_id, args.reason)
        except review.ReviewError as exc:  # decided meanwhile, by the desk or another review
            raise UsageError(str(exc)) from exc
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


def _desk(args: argparse.Namespace, settings: Any) -> int:
    """`hkam review --web`: the desk over the published file, until Ctrl-C."""
    from flows.desk import serve

    if not args.web:
        raise UsageError("--port and --host apply to --web")
    if args.action or args.release_id:
        raise UsageError(
            f"--web does not take {args.action or args.release_id}: decide in the desk"
        )
    _only_for(args, "--web", ())
    if not settings.warehouse.exists():
        raise UsageError(f"no warehouse at {settings.warehouse}; run `hkam run` first")
    host = args.host or serve.DEFAULT_HOST
    port = serve.DEFAULT_PORT if args.port is None else args.port
    try:
        serve.serve(settings, host, port)
    except OSError as exc:
        message = f"cannot serve on {host}:{port} ({exc}); try --port 0 for a free port"
        raise UsageError(message) from exc
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _print_proposals(proposals: list[dict[str, Any]]) -> None:
    """The open status proposals (issue 24), after the release candidates."""
    if not proposals:
        return
    print(f"\nStatus changes proposed ({len(proposals)}; accept or reject them by their st- id):")
    cols = ["proposal_id", "published_at", "company", "from_status", "to_status", "confidence",
            "release_id"]  # fmt: skip
    from zoneinfo import ZoneInfo

    hk = ZoneInfo("Asia/Hong_Kong")  # the release's Hong Kong day, as the candidates show it
    rows = [
        tuple(p[c].astimezone(hk).date() if c == "published_at" and p[c] else p[c] for c in cols)
        for p in proposals
    ]
    print_rows(cols, rows, "table")


def _review_status(args: argparse.Namespace, settings: Any) -> int:
    """accept or reject a status proposal (st-…): a new register row version, or a reason."""
    from flows.review import ReviewError
    from flows.review_status import accept_status, reject_status

    if args.action == "reject":
        _only_for(args, "reject", ("reason",))
        if not args.reason:
            raise UsageError("reject needs --reason TEXT")
        try:
            reject_status(settings, args.release_id, args.reason)
        except ReviewError as exc:
            raise UsageError(str(exc)) from exc
        print(f"rejected {args.release_id}; it will not be proposed again")
        return EXIT_OK
    _only_for(args, "accept of a status proposal", ("note",))
    try:
        row = accept_status(settings, args.release_id, note=args.note)
    except ReviewError as exc:
        raise UsageError(str(exc)) from exc
    from flows.review import STATUS_REGISTER

    print(
        f"accepted {args.release_id}: {row['commitment_id']} ({row['company']}) is now "
        f"{row['status']} in {settings.data_dir / STATUS_REGISTER}; the next `hkam run` records "
        "the new version"
    )
    return EXIT_OK


def _only_for(args: argparse.Namespace, action: str, allowed: Sequence[str]) -> None:
    """A flag that does not apply to the action is an error, never silently ignored."""
    flags = ("company", "scope", "party", "amount", "reason", "note")
    given = [f for f in flags if getattr(args, f, None)]
    extra = [f"--{f}" for f in given if f not in allowed]
    if extra or (action == "undo" and args.release_id):
        what = ", ".join(extra) or args.release_id
        raise UsageError(f"{what} does not apply to {action}")


def restore(args: argparse.Namespace) -> int:
    from flows import publishing
    from flows.runs import append_restore
    from flows.warehouse import WarehouseBusy, Workspace

    settings = settings_of(args)
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


def _print_versions(warehouse: Path) -> None:
    from flows.publishing import list_versions
    from flows.warehouse import Workspace

    versions = list_versions(Workspace(warehouse))
    if versions:
        print(f"Kept versions ({len(versions)}; restore with `hkam restore VERSION`):")
        rows = [(v.name, v.published_at.isoformat(timespec="seconds"), v.size) for v in versions]
        print_rows(["version", "published_at", "size"], rows, "table")


def publish(args: argparse.Namespace) -> int:
    """Upload the published version now, under the writer lock (catching up after an outage)."""
    from flows.remote import UploadError
    from flows.upload import publish
    from flows.warehouse import WarehouseBusy, Workspace, writer_lock

    settings = settings_of(args)
    url = args.to or settings.publish_url
    if not url:
        raise UsageError("no publish URL: pass --to s3://BUCKET/PREFIX (or file:///DIR) or set "
                         "HKAM_PUBLISH_URL")  # fmt: skip
    if not settings.warehouse.exists():
        raise UsageError(f"no warehouse at {settings.warehouse}; run `hkam run` first")
    try:
        with writer_lock(Workspace(settings.warehouse), wait=settings.lock_wait):
            done = publish(settings, url, say=print)
    except (UploadError, WarehouseBusy) as exc:
        print(f"hkam publish: {exc}", file=sys.stderr)
        print(f"The published warehouse {settings.warehouse} is as it was.", file=sys.stderr)
        return EXIT_BLOCKED
    print(
        f"Uploaded run {done.run_id} to {done.url}: {done.duckdb} ({done.bytes / 1e6:.1f} MB) and "
        f"{len(done.delta)} Delta tables in {done.seconds:.1f} s; LATEST.json names it"
    )
    return EXIT_OK
