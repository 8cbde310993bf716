"""Shared HTML building blocks: page shell with inline CSS, tables, formats for people (years as
years, amounts with their unit, a missing value as "—" with its reason).

Pure functions over plain rows (list of dicts). Every value from data passes through `esc`; links
are only made from http(s) URLs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flows.reports.charts import esc

Row = dict[str, Any]

CSS = """
:root { --ink:#1d2733; --muted:#5b6775; --line:#e3e7ec; --bg:#f5f7fa; --card:#fff;
  --ok:#2c7a4b; --warn:#a86300; --bad:#b42318; --accent:#1f6fb4; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--ink); background:var(--bg); }
header.top { background:#14324f; color:#fff; padding:18px 28px 14px; }
header.top h1 { margin:0 0 4px; font-size:22px; font-weight:650; }
header.top .sub { color:#c9d6e3; font-size:13px; }
header.top a { color:#fff; }
main { max-width:1180px; margin:0 auto; padding:18px 24px 48px; }
section.card { background:var(--card); border:1px solid var(--line); border-radius:8px;
  padding:16px 20px 18px; margin:16px 0; }
section.card > h2 { margin:0 0 2px; font-size:18px; }
section.card > p.lead, p.note { color:var(--muted); margin:2px 0 10px; }
h3 { font-size:15px; margin:16px 0 6px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit,minmax(175px,1fr)); gap:10px;
  margin:12px 0 4px; }
.kpi { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
.kpi .v { font-size:20px; font-weight:650; white-space:nowrap; }
.kpi .k { color:var(--muted); font-size:12px; }
.chart-wrap { margin:6px 0 8px; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:18px; }
@media (max-width: 900px) { .grid2 { grid-template-columns:1fr; } }
.tablewrap { overflow-x:auto; max-height:460px; overflow-y:auto; border:1px solid var(--line);
  border-radius:6px; }
table.data { border-collapse:collapse; width:100%; font-size:12.5px; }
table.data th, table.data td { padding:4px 8px; border-bottom:1px solid var(--line);
  vertical-align:top; text-align:left; }
table.data th { background:#eef2f6; position:sticky; top:0; font-weight:600; white-space:nowrap; }
table.data td.num, table.data th.num { text-align:right; font-variant-numeric:tabular-nums;
  white-space:nowrap; }
table.data tr:hover td { background:#f8fafc; }
.caption { color:var(--muted); font-size:12px; margin:4px 0 0; }
.badge { display:inline-block; padding:0 7px; border-radius:10px; font-size:11.5px; font-weight:600;
  line-height:18px; white-space:nowrap; }
.b-ok { background:#e3f4ea; color:var(--ok); } .b-warn { background:#fdf0dc; color:var(--warn); }
.b-bad { background:#fde6e4; color:var(--bad); }
.b-info { background:#e6eef8; color:var(--accent); }
.b-muted { background:#eef0f3; color:var(--muted); }
.callout { border-left:4px solid var(--warn); background:#fffaf0; padding:8px 12px; margin:8px 0;
  border-radius:0 6px 6px 0; }
.callout.bad { border-color:var(--bad); background:#fff5f4; }
code, pre { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12px; }
pre.sample { margin:0; white-space:pre-wrap; word-break:break-word; max-width:640px; }
nav.toc { font-size:13px; margin:4px 0 0; } nav.toc a { color:#dbe7f3; margin-right:12px; }
details > summary { cursor:pointer; color:var(--accent); margin:6px 0; }
.missing { color:var(--muted); }
.why { color:var(--muted); font-size:11.5px; white-space:normal; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:18px; }
"""


def page(title: str, header: str, body: str) -> str:
    """A complete, self-contained HTML document (inline CSS, no scripts, no external requests)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # Nothing on the page may fetch anything: forbid every network load outright.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f'<header class="top">{header}</header><main>{body}</main>'
        "<footer>hkam — generated from the published warehouse; figures keep their source "
        "links.</footer></body></html>\n"
    )


def safe_url(url: object) -> str | None:
    """The URL when it is http(s), else None (never a javascript: or data: link)."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def link(url: object, text: str = "source") -> str:
    """An escaped external link, or the escaped text when the URL is not http(s)."""
    href = safe_url(url)
    if href is None:
        return esc(url or "")
    return f'<a href="{esc(href)}" rel="noopener noreferrer" target="_blank">{esc(text)}</a>'


# Shown for a value that is unknown (never a 0): with the reason beside it where one is known.
MISSING = "—"


def year_text(value: object) -> str:
    """A year as a year: 2023, never 2,023 (an int, a float such as 2023.0, or text); empty when
    unknown."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def money(value: object, prefix: str = "HK$") -> str:
    """An amount with its unit for people: HK$ 6.9 bn, HK$ 250 m, US$ 100 m, HK$ 80,000; empty
    when unknown (show `missing` then, never 0)."""
    if value is None:
        return ""
    v = float(value)  # type: ignore[arg-type]
    unit = f"{prefix} " if prefix else ""
    for size, suffix in ((1e9, " bn"), (1e6, " m")):
        if abs(v) >= size:
            return f"{unit}{v / size:,.2f}".rstrip("0").rstrip(".") + suffix
    return f"{unit}{v:,.0f}"


def missing(reason: str = "") -> str:
    """Markup for an unknown value: "—" with the reason beside it (e.g. "no HKMA rate for
    2023-11")."""
    why = f' <span class="why">{esc(reason)}</span>' if reason else ""
    return f'<span class="missing">{MISSING}</span>{why}'


def money_or_missing(value: object, prefix: str = "HK$", reason: str = "") -> str:
    """Markup: the amount with its unit, or "—" and why it is unknown."""
    return missing(reason) if value is None else esc(money(value, prefix))


def year_cell(value: Any, _row: Row) -> str:
    """Table cell: the year as a year, or "—" with "year unknown"."""
    return missing("year unknown") if value is None else esc(year_text(value))


def integer(value: object) -> str:
    """12,345; empty when unknown."""
    return "" if value is None else f"{int(value):,}"  # type: ignore[call-overload]


def number(value: object, digits: int = 1) -> str:
    """A decimal figure; empty when unknown."""
    return "" if value is None else f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def when(value: object) -> str:
    """Date or time for a table cell (UTC times as YYYY-MM-DD HH:MM UTC)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return text


STATUS_BADGE = {
    "announced": "b-info",
    "mou": "b-info",
    "construction": "b-warn",
    "operational": "b-ok",
    "withdrawn": "b-bad",
    "published": "b-ok",
    "ok": "b-ok",
    "pass": "b-ok",
    "fresh": "b-ok",
    "unchanged": "b-muted",
    "blocked": "b-bad",
    "failed": "b-bad",
    "FAIL": "b-bad",
    "stale": "b-warn",
    "warn": "b-warn",
    "block": "b-bad",
}


def badge(text: object) -> str:
    """A coloured status label."""
    label = "" if text is None else str(text)
    return f'<span class="badge {STATUS_BADGE.get(label, "b-muted")}">{esc(label)}</span>'


@dataclass(frozen=True)
class Col:
    """A table column: key in the row, header, how to show the value, numeric alignment."""

    key: str
    label: str
    show: Callable[[Any, Row], str] | None = None
    num: bool = False


def text(value: Any, _row: Row) -> str:
    """Escaped text cell."""
    return esc("" if value is None else value)


def table(cols: Sequence[Col], rows: Sequence[Row], caption: str = "", cls: str = "") -> str:
    """An HTML table; `show` functions return markup and must escape what they show."""
    head = "".join(
        f'<th class="num">{esc(c.label)}</th>' if c.num else f"<th>{esc(c.label)}</th>"
        for c in cols
    )
    body = []
    for row in rows:
        cells = []
        for c in cols:
            shown = (c.show or text)(row.get(c.key), row)
            cells.append(f'<td class="num">{shown}</td>' if c.num else f"<td>{shown}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not rows:
        body.append(f'<tr><td colspan="{len(cols)}"><em>no rows</em></td></tr>')
    cap = f'<p class="caption">{esc(caption)}</p>' if caption else ""
    return (
        f'<div class="tablewrap {cls}"><table class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{cap}"
    )


def card(anchor: str, title: str, lead: str, body: str, chart: bool = False) -> str:
    """A report section; `chart=True` marks it as holding a chart (the browser test counts them)."""
    mark = ' data-chart="1"' if chart else ""
    lead_html = f'<p class="lead">{lead}</p>' if lead else ""
    return (
        f'<section class="card" id="{esc(anchor)}"{mark}><h2>{esc(title)}</h2>{lead_html}'
        f"{body}</section>"
    )
