"""The data-quality report of a run as one self-contained HTML page (dq.html).

`render_dq(payload)` is pure: the payload is dq_payload() plus what site.py adds (freshness,
schema, trend, quarantine, gx_docs). Every value from sources is escaped.
"""

from __future__ import annotations

import json
from typing import Any

from flows.reports import charts as ch
from flows.reports.charts import Series, esc
from flows.reports.freshness import FRESH_COLS, lag_notes
from flows.reports.freshness import LEAD as FRESH_LEAD
from flows.reports.html import Col, Row, badge, card, integer, number, page, table, when

COUNT_COLS = [
    Col("source", "source"),
    Col("status", "status", lambda v, _r: badge(v)),
    Col("files", "files", lambda v, _r: esc(integer(v)), num=True),
    Col("files_unchanged", "unchanged files", lambda v, _r: esc(integer(v)), num=True),
    Col("rows_in", "rows in", lambda v, _r: esc(integer(v)), num=True),
    Col("loaded", "loaded", lambda v, _r: esc(integer(v)), num=True),
    Col("quarantined", "quarantined", lambda v, _r: esc(integer(v)), num=True),
    Col("duplicates", "duplicates", lambda v, _r: esc(integer(v)), num=True),
    Col("overridden", "overridden", lambda v, _r: esc(integer(v)), num=True),
    Col("removed", "left the register", lambda v, _r: esc(integer(v)), num=True),
    Col("unchanged", "unchanged", lambda v, _r: esc(integer(v)), num=True),
    Col(
        "message",
        "message / warnings",
        lambda v, r: esc("; ".join(([v] if v else []) + list(r.get("warnings") or []))),
    ),
]

TREND_COLS = [
    Col("run_id", "run", lambda v, _r: f"<code>{esc(v)}</code>"),
    Col("started_at", "started", lambda v, _r: esc(when(v))),
    Col("status", "status", lambda v, _r: badge(v)),
    Col("rows_in", "rows in", lambda v, _r: esc(integer(v)), num=True),
    Col("rows_loaded", "loaded", lambda v, _r: esc(integer(v)), num=True),
    Col("rows_quarantined", "quarantined", lambda v, _r: esc(integer(v)), num=True),
    Col("rows_duplicate", "duplicates", lambda v, _r: esc(integer(v)), num=True),
    Col("rows_unchanged", "unchanged", lambda v, _r: esc(integer(v)), num=True),
    Col("duration_s", "seconds", lambda v, _r: esc(number(v, 1)), num=True),
]

QUARANTINE_COLS = [
    Col("source", "source"),
    Col("source_file", "file"),
    Col("line", "line", lambda v, _r: esc(integer(v)), num=True),
    Col("check_name", "check"),
    Col("reason", "reason"),
    Col("raw", "raw row", lambda v, _r: f'<pre class="sample">{esc(v)}</pre>'),
]


def _samples(samples: list[Any]) -> str:
    if not samples:
        return ""
    lines = "\n".join(json.dumps(s, ensure_ascii=False, default=str) for s in samples[:20])
    return (
        f"<details open><summary>{len(samples[:20])} failing row(s)</summary>"
        f'<pre class="sample">{esc(lines)}</pre></details>'
    )


CHECK_COLS = [
    Col("check", "check"),
    Col("expectation", "expectation", lambda v, _r: f"<code>{esc(v)}</code>"),
    Col("severity", "severity", lambda v, _r: badge(v)),
    Col("success", "result", lambda v, _r: badge("pass" if v else "FAIL")),
    Col("element_count", "rows checked", lambda v, _r: esc(integer(v)), num=True),
    Col("unexpected_count", "failing", lambda v, _r: esc(integer(v)), num=True),
    Col("failing_samples", "failing rows (up to 20)", lambda v, _r: _samples(v or [])),
]

SCHEMA_COLS = [
    Col("source", "source"),
    Col("file", "file"),
    Col("change", "change", lambda v, _r: badge("warn") + " " + esc(v)),
    Col("column", "column", lambda v, _r: f"<code>{esc(v)}</code>"),
]


def _trend_chart(trend: list[Row]) -> str:
    runs = list(reversed(trend[:15]))  # oldest first
    labels = [
        f"{str(r.get('run_id', ''))[4:13]}{' ✕' if r.get('status') == 'blocked' else ''}"
        for r in runs
    ]
    series = [
        Series("loaded", [r.get("rows_loaded") or 0 for r in runs], "#2c9a5a"),
        Series("unchanged", [r.get("rows_unchanged") or 0 for r in runs], "#9db9d8"),
        Series("quarantined", [r.get("rows_quarantined") or 0 for r in runs], "#e07b19"),
        Series("duplicates", [r.get("rows_duplicate") or 0 for r in runs], "#c63d3d"),
    ]
    return ch.bar_chart(
        "Rows per run: loaded, unchanged, quarantined, duplicates",
        labels,
        series,
        unit="rows",
        height=240,
    )


def render_dq(payload: dict[str, Any], links: dict[str, str] | None = None) -> str:
    """dq.html for one run; `links` gives relative hrefs for gx_docs and the investment report."""
    links = links or {}
    status = str(payload.get("status", ""))
    head = (
        f"<h1>Data quality — run <code>{esc(payload.get('run_id'))}</code></h1>"
        f'<div class="sub">{badge(status)} · started {esc(when(payload.get("started_at")))} · '
        f"{esc(number(payload.get('duration_s'), 1))} s</div>"
        '<nav class="toc"><a href="#counts">Counts</a><a href="#freshness">Freshness</a>'
        '<a href="#schema">Schema</a><a href="#checks">Checks</a><a href="#trend">Trend</a>'
        + (f'<a href="{esc(links["gx_docs"])}">GX Data Docs</a>' if links.get("gx_docs") else "")
        + (f'<a href="{esc(links["report"])}">Investment report</a>' if links.get("report") else "")
        + "</nav>"
    )
    parts = []
    summary = f"<p>{esc(payload.get('summary', ''))}</p>"
    for reason in payload.get("blocked_reasons") or []:
        summary += f'<p class="callout bad"><b>Blocked:</b> {esc(reason)}</p>'
    for err in payload.get("report_errors") or []:
        summary += f'<p class="callout">Report note: {esc(err)}</p>'
    gx = links.get("gx_docs")
    gx_line = (
        f'<p>Great Expectations Data Docs for this run: <a href="{esc(gx)}">validation results</a>.'
        "</p>"
        if gx
        else '<p class="note">No Great Expectations results in this run (nothing validated).</p>'
    )
    parts.append(
        card(
            "counts",
            "Rows per source",
            "",
            summary + gx_line + table(COUNT_COLS, payload.get("sources") or []),
        )
    )
    fresh = payload.get("freshness") or []
    parts.append(
        card(
            "freshness",
            "Freshness: files landed and data up to date",
            FRESH_LEAD + " File age = now − when the latest file landed (meta.source_file).",
            table(FRESH_COLS, fresh) + lag_notes(fresh),
        )
    )
    schema = payload.get("schema") or {}
    changes = schema.get("changes") or []
    cols_rows = [
        {
            "source": s,
            "files": len(files),
            "columns": ", ".join(dict.fromkeys(c for cols in files.values() for c in cols)),
        }
        for s, files in sorted((schema.get("columns") or {}).items())
    ]
    compared = schema.get("previous_run")
    schema_lead = (
        f"Columns of each source's files compared with the previous run (<code>{esc(compared)}"
        "</code>) and the register header with its contract."
        if compared
        else "Columns of each source's files (no earlier run to compare with) and the register "
        "header against its contract."
    )
    no_change = '<p><span class="badge b-ok">no schema changes</span></p>' if not changes else ""
    parts.append(
        card(
            "schema",
            "Schema changes",
            schema_lead,
            no_change
            + (table(SCHEMA_COLS, changes) if changes else "")
            + "<details><summary>Columns seen per source</summary>"
            + table(
                [
                    Col("source", "source"),
                    Col("files", "files", num=True),
                    Col("columns", "columns"),
                ],
                cols_rows,
            )
            + "</details>",
        )
    )
    checks_html = []
    for source, results in (payload.get("checks") or {}).items():
        failed = sum(1 for r in results if not r.get("success"))
        checks_html.append(
            f"<h3>{esc(source)} — {len(results)} expectations, {failed} failing</h3>"
            + table(CHECK_COLS, results)
        )
    quarantine = payload.get("quarantine") or []
    if quarantine:
        checks_html.append(
            f"<h3>Rows set aside in meta.quarantine by this run ({len(quarantine)})</h3>"
            + table(QUARANTINE_COLS, quarantine)
        )
    parts.append(
        card(
            "checks",
            "Expectations",
            "Every check of every validated source, pass or fail, with up to 20 failing rows each.",
            "".join(checks_html) or "<p>No checks ran.</p>",
        )
    )
    trend = payload.get("trend") or []
    parts.append(
        card(
            "trend",
            "Trend over the last runs",
            "From meta.run and the run log (blocked runs publish nothing, so only the log has "
            "them; ✕ marks a blocked run).",
            f'<div class="chart-wrap">{_trend_chart(trend)}</div>' + table(TREND_COLS, trend),
            chart=True,
        )
    )
    return page(f"Data quality — {payload.get('run_id')}", head, "".join(parts))
