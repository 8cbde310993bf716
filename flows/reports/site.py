"""The report site of a run: dq.html/dq.json, GX Data Docs, the investment report and exports.

    reports/runs/<run_id>/dq.json, dq.md, dq.html, gx/index.html, gx/<source>.html
    reports/latest/dq.json, dq.md, dq.html, index.html, <mart>.csv, <mart>.parquet

Reads only the *published* warehouse, read-only. Nothing here may fail a run: each part that
cannot be built is skipped and named in the report (`report_errors`).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.reports.dq import write_dq
from flows.reports.dqhtml import render_dq
from flows.reports.freshness import freshness_rows
from flows.reports.notes import NOTES_SUFFIX, TOTALS
from flows.reports.schema import register_contract, schema_changes, snapshot_columns
from flows.settings import WRITER_MEMORY_LIMIT
from flows.warehouse import connect

if TYPE_CHECKING:
    from flows.reports.gxdocs import DocsWorker

TREND_RUNS = 20
QUARANTINE_ROWS = 500


def _dicts(con: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON-ready rows (times as ISO text)."""
    return [
        {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()} for row in rows
    ]


def _previous_schema(reports_dir: Path, run_id: str) -> tuple[str | None, dict[str, Any] | None]:
    """Columns recorded by the latest earlier run's dq.json."""
    runs = sorted((p for p in (reports_dir / "runs").glob("*") if p.name < run_id), reverse=True)
    for run_dir in runs:
        path = run_dir / "dq.json"
        if not path.exists():
            continue
        try:
            columns = json.loads(path.read_text(encoding="utf-8")).get("schema", {}).get("columns")
        except (OSError, ValueError):
            continue
        if columns:
            return run_dir.name, columns
    return None, None


def _trend(
    warehouse: Path, published: list[dict[str, Any]], payload: dict[str, Any]
) -> list[dict[str, Any]]:
    """The last runs, newest first: meta.run, the run log (blocked runs too) and this run."""
    from flows.runs import read_run_log

    runs: dict[str, dict[str, Any]] = {}
    for row in _plain(published):
        runs[str(row["run_id"])] = row
    for row in read_run_log(warehouse, limit=TREND_RUNS):
        runs[str(row["run_id"])] = {**runs.get(str(row["run_id"]), {}), **row}
    runs[str(payload["run_id"])] = {
        k: v for k, v in payload.items() if not isinstance(v, dict | list)
    }
    keep = (
        "run_id",
        "started_at",
        "status",
        "rows_in",
        "rows_loaded",
        "rows_quarantined",
        "rows_unchanged",
        "rows_duplicate",
        "duration_s",
    )
    ordered = sorted(runs.values(), key=lambda r: str(r.get("started_at")), reverse=True)
    return [{k: r.get(k) for k in keep} for r in ordered[:TREND_RUNS]]


def write_investment_report(
    warehouse: Path,
    reports_dir: Path,
    memory_limit: str = WRITER_MEMORY_LIMIT,
    now: datetime | None = None,
    dq_link: bool = True,
) -> Path:
    """Rebuild reports/latest/index.html and the mart exports from the published warehouse.

    `now` is when freshness is judged (default: the current time); `dq_link`: whether
    latest/dq.html is there (or about to be) for the page to link."""
    from flows.reports.investment import load_report_data, write_exports_and_page

    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}; run `hkam run` first")
    with connect(warehouse, read_only=True, memory_limit=memory_limit) as con:
        data = {**load_report_data(con), "dq_link": dq_link}
        return write_exports_and_page(con, data, reports_dir / "latest", now)


def show_run_in_latest(reports_dir: Path, run_id: str) -> bool:
    """Point latest/dq.* at a kept run's data-quality report (after a restore); False if the
    run's reports are gone."""
    run_dir = reports_dir / "runs" / run_id
    if not (run_dir / "dq.json").exists():
        return False
    full = json.loads((run_dir / "dq.json").read_text(encoding="utf-8"))
    write_dq(reports_dir, full)
    gx = (run_dir / "gx" / "index.html").exists()
    links = {"gx_docs": f"../runs/{run_id}/gx/index.html" if gx else "", "report": "index.html"}
    (reports_dir / "latest" / "dq.html").write_text(render_dq(full, links), encoding="utf-8")
    return True


def write_run_reports(
    warehouse: Path,
    reports_dir: Path,
    payload: dict[str, Any],
    gx_results: dict[str, Any],
    memory_limit: str = WRITER_MEMORY_LIMIT,
    now: datetime | None = None,
    docs_worker: DocsWorker | None = None,
) -> Path:
    """Every report of a finished run (published or blocked); returns reports/runs/<run_id>/.

    `now` is when freshness is judged (default: the current time); `docs_worker` renders the GX
    Data Docs if given (else a thread here does)."""
    now = now or datetime.now(UTC)
    run_id = str(payload["run_id"])
    run_dir = reports_dir / "runs" / run_id
    latest = reports_dir / "latest"
    run_dir.mkdir(parents=True, exist_ok=True)
    latest.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    extra: dict[str, Any] = {}

    from flows.reports.gxdocs import write_data_docs

    # GX Data Docs beside the investment report, by the run's DocsWorker (GX imported by then)
    # or else in a thread: importing and running GX's renderers is Python (2.7 s of a 1M-row cold
    # run, most of it the import) while the exports are DuckDB writing files, which releases
    # the GIL.
    docs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx-docs")
    render = write_data_docs if docs_worker is None else docs_worker.render
    gx_docs = docs.submit(render, gx_results, run_dir / "gx")
    docs.shutdown(wait=False)

    published: list[dict[str, Any]] = []
    landed: list[dict[str, Any]] = []
    report_built = False
    if warehouse.exists():
        try:
            with connect(warehouse, read_only=True, memory_limit=memory_limit) as con:
                landed = _dicts(con, "SELECT * FROM marts.source_freshness")
                published = _dicts(
                    con, "SELECT * FROM meta.run ORDER BY started_at DESC LIMIT ?", [TREND_RUNS]
                )
                extra["quarantine"] = _plain(
                    _dicts(
                        con,
                        "SELECT source, source_file, line, check_name, reason, raw "
                        "FROM meta.quarantine WHERE load_id = ? ORDER BY source, line LIMIT ?",
                        [run_id, QUARANTINE_ROWS],
                    )
                )
        except Exception as exc:
            errors.append(f"could not read the published warehouse {warehouse}: {exc}")
        # A run that changed nothing leaves the page and exports as they are: they describe the
        # same data, and rebuilding them is most of a no-change run's time on a large warehouse.
        # A folder missing any of them (one written before the notes files) is rebuilt.
        unchanged = not payload.get("landed_new", True) and all(
            (latest / name).exists()
            for name in ("index.html", *(f"{m}{NOTES_SUFFIX}" for m in TOTALS))
        )
        try:
            if not unchanged:
                write_investment_report(warehouse, reports_dir, memory_limit, now)
                report_built = True
        except Exception as exc:
            errors.append(f"investment report not rebuilt: {exc}")
    else:
        errors.append(f"no published warehouse at {warehouse} yet: investment report not built")
    extra["freshness"] = freshness_rows(landed, now)
    gx_index = None
    try:
        gx_index = gx_docs.result()
    except Exception as exc:  # a report problem never fails the run
        errors.insert(0, f"GX Data Docs not built: {exc}")

    try:
        snapshot = Path(str(payload.get("snapshot_dir") or ""))
        columns = (
            snapshot_columns(snapshot, reports_dir / ".columns-cache.json")
            if snapshot.is_dir()
            else {}
        )
        previous_run, previous = _previous_schema(reports_dir, run_id)
        extra["schema"] = {
            "columns": columns,
            "previous_run": previous_run,
            "changes": schema_changes(columns, previous, register_contract()),
        }
    except Exception as exc:
        errors.append(f"schema comparison skipped: {exc}")
    try:
        extra["trend"] = _trend(warehouse, published, payload)
    except Exception as exc:
        errors.append(f"run trend skipped: {exc}")

    full = {
        **payload,
        **extra,
        "gx_docs": "gx/index.html" if gx_index else None,
        "report_errors": errors,
    }
    write_dq(reports_dir, full)
    report_link = (
        "../../latest/index.html" if report_built or (latest / "index.html").exists() else ""
    )
    (run_dir / "dq.html").write_text(
        render_dq(full, {"gx_docs": "gx/index.html" if gx_index else "", "report": report_link}),
        encoding="utf-8",
    )
    (latest / "dq.html").write_text(
        render_dq(
            full,
            {
                "gx_docs": f"../runs/{run_id}/gx/index.html" if gx_index else "",
                "report": "index.html" if report_link else "",
            },
        ),
        encoding="utf-8",
    )
    return run_dir
