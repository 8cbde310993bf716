"""The report's official-context section: manufacturing's share of GDP as published beside the
government's statement and targets, jobs by manufacturing division, GDP vintages, ITF approvals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.reports import charts as ch
from flows.reports.charts import PALETTE, Point, PointSeries, Series, esc
from flows.reports.html import Col, Row, card, integer, link, money, number, table, when

PUBLISHED_COLOR, STATED_COLOR, TARGET_COLOR = "#14324f", "#6b7785", "#c63d3d"
PUBLISHED_NAME = "published, basic prices (Year Book, medium confidence)"
NOT_SUMMABLE = (
    "Divisions are not summable: the processed copy dropped divisions under 3,000 persons at their "
    "peak, so these lines do not add up to manufacturing's employment."
)


def context_section(data: dict[str, Any]) -> str:
    """The section, from the marts the report read (data['frames'])."""
    frames = data["frames"]
    share: list[Row] = frames["manufacturing_share_gdp"].to_dicts()
    jobs: list[Row] = frames["manufacturing_employment_by_division"].to_dicts()
    macro: list[Row] = frames["macro_first_and_latest"].to_dicts()
    funds: list[Row] = frames["funding_by_programme_year"].to_dicts()
    body = _share_html(share) + _jobs_html(jobs) + _gdp_html(macro) + _funds_html(funds)
    return card(
        "context",
        "Official context",
        "Official and published statistics beside the commitments: does manufacturing grow?",
        body,
        chart=True,
    )


def _cell_int(v: Any, _r: Row) -> str:
    return esc(integer(v))


def _cell_pct(v: Any, _r: Row) -> str:
    return esc(number(v, 1))


def _cell_text(v: Any, _r: Row) -> str:
    return esc("" if v is None else v)


def _cell_link(v: Any, _r: Row) -> str:
    return link(v)


def runs(points: Sequence[Point]) -> list[list[Point]]:
    """Points split where a year is missing: a line joins consecutive years only (a gap in the
    published series stays a gap, never an estimate)."""
    out: list[list[Point]] = []
    for pt in sorted(points, key=lambda q: q.x):
        if out and pt.x - out[-1][-1].x == 1:
            out[-1].append(pt)
        else:
            out.append([pt])
    return out


def _share_html(share: list[Row]) -> str:
    """Chart and table of marts.manufacturing_share_gdp."""
    published = [r for r in share if r["kind"] == "published" and r["value_pct"] is not None]
    stated = [r for r in share if r["kind"] == "stated"]
    targets = [r for r in share if r["kind"] == "target"]
    years = [int(r["year"]) for r in share] or [2022, 2032]
    series = [
        PointSeries(PUBLISHED_NAME, run, PUBLISHED_COLOR)
        for run in runs(
            [Point(r["year"], r["value_pct"], f"{r['publication']}") for r in published]
        )
    ]
    series.append(
        PointSeries(
            "stated level (about)",
            [Point(r["year"], r["value_pct"], r["publication"]) for r in stated],
            STATED_COLOR,
            line=False,
        )
    )
    series.append(
        PointSeries(
            "government target",
            [Point(r["year"], r["value_pct"], r["publication"]) for r in targets],
            TARGET_COLOR,
            line=False,
            marker="diamond",
        )
    )
    chart = ch.xy_chart(
        "Manufacturing share of GDP: published at basic prices, the 2022 statement and the "
        "targets, % of GDP",
        series,
        (min(years) - 0.5, max(years) + 0.5),
        max([r["value_pct"] or 0 for r in share] + [1.0]),
        fmt=lambda v: f"{v:g}%",
        unit="% of GDP",
        note="" if published else "No published share-of-GDP figures in the warehouse",
    )
    span = (
        f"{min(r['year'] for r in published)}–{max(r['year'] for r in published)}"
        if published
        else "none held"
    )
    missing = sorted(
        set(range(min(r["year"] for r in published), max(r["year"] for r in published) + 1))
        - {r["year"] for r in published}
    ) if published else []  # fmt: skip
    gaps = f" ({', '.join(map(str, missing))} not found: a gap, not a line)" if missing else ""
    lead = (
        f'<p class="note"><b>Published series:</b> share of GDP at <b>basic prices</b>, {span}'
        f"{esc(gaps)}, from HK Year Book appendix tables (source C&amp;SD) read through a "
        "third-party scan: <b>medium confidence</b>, the latest edition of each year. The line "
        "stops at the last published year; the 2022 level is a statement (“around one percent”, "
        "no statistical basis stated) and the targets are goals, drawn as points, never joined "
        "to the series. The older share at factor cost (2004–2008) is another basis and is not "
        "drawn.</p>"
    )
    cols = [
        Col("year", "year", _cell_text),
        Col("kind", "kind", _cell_text),
        Col("basis", "basis", _cell_text),
        Col("value_pct", "% of GDP", _cell_pct, num=True),
        Col("vintage", "vintage", _cell_text),
        Col("publication", "read in", _cell_text),
        Col("confidence", "confidence", _cell_text),
        Col("source_url", "source", _cell_link),
    ]
    return (
        "<h3>Manufacturing's share of GDP and the targets</h3>"
        + lead
        + f'<div class="chart-wrap" id="share-chart">{chart}</div>'
        + table(cols, share, "marts.manufacturing_share_gdp")
    )


def _jobs_html(jobs: list[Row]) -> str:
    """Small multiples of persons engaged per division (each with its own scale), and the table."""
    names: dict[str, str] = {}
    for r in jobs:
        names.setdefault(r["industry_code"], r["industry_name"])
    charts = []
    for i, (code, name) in enumerate(sorted(names.items())):
        rows = [r for r in jobs if r["industry_code"] == code]
        pts = [Point(r["year"], r["persons_engaged"]) for r in rows]
        color = PALETTE[i % len(PALETTE)]
        charts.append(
            f'<div class="division"><p class="note"><b>{esc(name)}</b> ({esc(code)})</p>'
            + ch.xy_chart(
                f"{name} ({code}): persons engaged",
                [PointSeries("persons engaged", run, color) for run in runs(pts)],
                (min(p.x for p in pts) - 0.5, max(p.x for p in pts) + 0.5),
                max(p.y for p in pts),
                fmt=lambda v: integer(v),
                unit="persons",
                width=420,
                height=150,
            )
            + "</div>"
        )
    grid = (
        '<div class="chart-wrap" id="jobs-chart" style="display:grid;'
        'grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:8px">'
        + "".join(charts)
        + "</div>"
        if charts
        else ch.empty_chart("Persons engaged by manufacturing division", "No figures held")
    )
    cols = [
        Col("industry_code", "code", _cell_text),
        Col("industry_name", "division", _cell_text),
        Col("year", "year", _cell_text),
        Col("persons_engaged", "persons engaged", _cell_int, num=True),
        Col("confidence", "confidence", _cell_text),
        Col("source_url", "source", _cell_link),
    ]
    return (
        "<h3>Jobs context: persons engaged by manufacturing division</h3>"
        '<p class="note">Annual persons engaged per division, 2015–2024: C&amp;SD table '
        "215-16008 as read from a third-party processed copy (<b>medium confidence</b>). Each "
        f"division has its own scale. <b>{esc(NOT_SUMMABLE)}</b></p>"
        + grid
        + table(cols, jobs, "marts.manufacturing_employment_by_division")
    )


def _gdp_html(macro: list[Row]) -> str:
    """Real GDP growth at first release and latest (marts.macro_first_and_latest)."""
    gdp = [r for r in macro if r["indicator"] == "real_gdp_growth" and r["freq"] == "Y"]
    gdp_years = sorted({str(r["period"]) for r in gdp})
    first = {str(r["period"]): r["first_value"] for r in gdp}
    latest = {str(r["period"]): r["latest_value"] for r in gdp}
    chart = ch.signed_bars(
        "Real GDP growth, % year on year: first release and latest",
        gdp_years,
        [
            Series("first release", [first.get(y) for y in gdp_years], "#9db9d8"),
            Series("latest", [latest.get(y) for y in gdp_years], "#1f6fb4"),
        ],
        unit="% yoy",
    )
    cols = [
        Col("period", "year"),
        Col("table_id", "C&SD table"),
        Col("first_value", "first release %", _cell_pct, num=True),
        Col("first_vintage", "released", lambda v, _r: esc(when(v)[:10])),
        Col("latest_value", "latest %", _cell_pct, num=True),
        Col("latest_vintage", "latest vintage", lambda v, _r: esc(when(v)[:10])),
        Col("vintages", "vintages", _cell_int, num=True),
        Col("revised", "revised", lambda v, _r: "revised" if v else ""),
    ]
    return (
        '<h3>Real GDP growth: first release and latest</h3><div class="chart-wrap">'
        + chart
        + "</div>"
        + table(cols, gdp, "marts.macro_first_and_latest (real_gdp_growth, annual)")
    )


def _funds_html(funds: list[Row]) -> str:
    """ITF approvals by programme and year (marts.funding_by_programme_year)."""
    programmes = sorted({str(r["programme"]) for r in funds})
    fund_years = sorted({str(r["year"]) for r in funds})
    chart = ch.bar_chart(
        "Innovation and Technology Fund approvals by programme and year, HK$",
        fund_years,
        [
            Series(
                p,
                [
                    sum(
                        r["funds_current_hkd"] or 0
                        for r in funds
                        if str(r["programme"]) == p and str(r["year"]) == y
                    )
                    for y in fund_years
                ],
                PALETTE[i % len(PALETTE)],
            )
            for i, p in enumerate(programmes)
        ],
        fmt=lambda v: money(v),
        height=240,
    )
    hkd = lambda v, _r: esc(money(v))  # noqa: E731
    cols = [
        Col("programme", "programme"),
        Col("year", "year", _cell_text),
        Col("projects", "projects", _cell_int, num=True),
        Col("funds_approved_hkd", "approved", hkd, num=True),
        Col("revised_funds_approved_hkd", "revised", hkd, num=True),
        Col("funds_current_hkd", "current", hkd, num=True),
    ]
    return (
        '<h3>Fund approvals by programme and year</h3><div class="chart-wrap">'
        + chart
        + "</div>"
        + table(cols, funds, "marts.funding_by_programme_year")
    )
