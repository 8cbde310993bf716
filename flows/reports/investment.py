"""The investment and jobs report (reports/latest/index.html) and the mart exports beside it.

`load_report_data` reads the published warehouse (read-only); `render_investment` turns those
rows into one self-contained HTML page (inline CSS and SVG, no script, no external request).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from flows.reports import charts as ch
from flows.reports.charts import PALETTE, Legend, Series, esc
from flows.reports.context import context_section
from flows.reports.freshness import cadence_words, freshness_rows
from flows.reports.html import (
    Col,
    Row,
    badge,
    card,
    integer,
    link,
    money,
    number,
    page,
    table,
    when,
)

# Every mart the page uses; each is exported as <name>.csv and <name>.parquet beside index.html.
EXPORTS = (
    "investment_by_sector_year",
    "jobs_by_sector_year",
    "commitment_counted",
    "largest_commitments",
    "largest_investors",
    "commitment_pipeline",
    "manufacturing_share_gdp",
    "manufacturing_employment_by_division",
    "macro_first_and_latest",
    "funding_by_programme_year",
    "source_freshness",
)
# Marts stored in no useful order (sorting 10M wide rows costs more than building them), sorted
# for an export a spreadsheet opens; a longer one is Parquet in stored order, for typed readers.
EXPORT_ORDER = {"largest_commitments": "rank", "commitment_counted": "commitment_id"}
# Columns that change with every run (landing times): left out of golden-file comparisons.
RUN_DEPENDENT = {"source_freshness": ("first_landed_at", "last_landed_at")}

STATUS_ORDER = ("announced", "mou", "construction", "operational", "withdrawn")
STATUS_COLOR = {
    "announced": "#7fa7d1",
    "mou": "#1f6fb4",
    "construction": "#e07b19",
    "operational": "#2c9a5a",
    "withdrawn": "#b42318",
}


def cluster_names() -> dict[str, str]:
    """Cluster code -> display name from the sector taxonomy."""
    from flows.resources import taxonomy_dir

    data = yaml.safe_load((taxonomy_dir() / "sectors.yml").read_text(encoding="utf-8"))
    names = {k: v["name"] for k, v in (data.get("clusters") or {}).items()}
    names.setdefault("unmapped", "Unmapped sector label")
    return names


# What the page reads of each mart (the exports hold every mart whole): long lists only their
# top rows, the macro table only the series the page charts.
PAGE_QUERIES = {
    "investment_by_sector_year": "SELECT * FROM marts.investment_by_sector_year",
    "jobs_by_sector_year": "SELECT * FROM marts.jobs_by_sector_year",
    "largest_commitments": "SELECT * FROM marts.largest_commitments ORDER BY rank LIMIT {limit}",
    "largest_investors": "SELECT * FROM marts.largest_investors ORDER BY counted_hkd DESC "
    "NULLS LAST, counted_jobs DESC NULLS LAST, company_id LIMIT {limit}",
    "commitment_pipeline": "SELECT * FROM marts.commitment_pipeline",
    "manufacturing_share_gdp": "SELECT * FROM marts.manufacturing_share_gdp",
    "manufacturing_employment_by_division": "SELECT * FROM "
    "marts.manufacturing_employment_by_division",
    "macro_first_and_latest": "SELECT * FROM marts.macro_first_and_latest "
    "WHERE indicator = 'real_gdp_growth' AND freq = 'Y'",
    "funding_by_programme_year": "SELECT * FROM marts.funding_by_programme_year",
    "source_freshness": "SELECT * FROM marts.source_freshness",
}


def load_report_data(con: Any) -> dict[str, Any]:
    """What the page shows of each mart as polars frames, row counts, and the latest run."""
    frames = {name: con.sql(sql.format(limit=PAGE_ROWS)).pl() for name, sql in PAGE_QUERIES.items()}
    counts = {
        name: con.execute(f"SELECT count(*) FROM marts.{name}").fetchall()[0][0] for name in EXPORTS
    }
    run = con.sql(
        "SELECT run_id, started_at, finished_at, status FROM meta.run "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchall()
    run_info = dict(zip(("run_id", "started_at", "finished_at", "status"), run[0], strict=True))
    return {"frames": frames, "counts": counts, "run": run_info if run else {}}


PAGE_ROWS = 100


def _rows(data: dict[str, Any], name: str, limit: int | None = None) -> list[Row]:
    frame = data["frames"][name]
    rows: list[Row] = (frame if limit is None else frame.head(limit)).to_dicts()
    return rows


def _year(value: Any) -> str:
    return "year unknown" if value is None else str(value)


def _years(rows: list[Row], key: str = "year") -> list[str]:
    known = sorted({r[key] for r in rows if r[key] is not None})
    return [str(y) for y in known] + (["year unknown"] if any(r[key] is None for r in rows) else [])


def _cluster_colors(names: dict[str, str]) -> dict[str, str]:
    return {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(names)}


def _by_cluster_chart(
    title: str,
    rows: list[Row],
    parts: tuple[str, str],
    fmt: ch.Fmt,
    unit: str,
    names: dict[str, str],
) -> str:
    """Stacked by cluster; two bars per year: project rows and aggregate statements."""
    years = _years(rows)
    colors = _cluster_colors(names)
    clusters = [c for c in names if any(r["cluster"] == c for r in rows)]
    clusters += sorted({r["cluster"] for r in rows} - set(clusters), key=str)
    series = []
    for group, key in (("projects", parts[0]), ("aggregates", parts[1])):
        for c in clusters:
            values = [
                sum(r[key] or 0 for r in rows if r["cluster"] == c and _year(r["year"]) == y)
                for y in years
            ]
            if any(values):
                color = colors.get(c, "#999999")
                series.append(Series(names.get(c, str(c)), values, color, group))
    return ch.bar_chart(title, years, series, fmt=fmt, unit=unit)


def _cluster(names: dict[str, str]) -> Any:
    return lambda v, _r: esc(names.get(v, v or ""))


def _money(prefix: str = "HK$") -> Any:
    return lambda v, _r: esc(money(v, prefix))


def _int(v: Any, _r: Row) -> str:
    return esc(integer(v))


def _year_cell(v: Any, _r: Row) -> str:
    return esc(_year(v))


def _badge(v: Any, _r: Row) -> str:
    return badge(v)


def _hkd_bn(v: float) -> str:
    return f"{v / 1e9:,.1f}".removesuffix(".0")


def header_html(title: str, run: dict[str, Any], fresh: list[Row], links: str) -> str:
    """The dark page header: title, run id and time, and a one-line freshness summary."""
    stale = [f["source"] for f in fresh if f["status"] != "fresh"]
    state = "all sources fresh" if not stale else "not fresh: " + ", ".join(stale)
    return (
        f"<h1>{esc(title)}</h1>"
        f'<div class="sub">Run <code>{esc(run.get("run_id", "—"))}</code> · '
        f"{esc(run.get('status', ''))} {esc(when(run.get('finished_at')))} · {esc(state)}</div>"
        f'<nav class="toc">{links}</nav>'
    )


FRESH_COLS = [
    Col("source", "source"),
    Col("cadence_days", "expected", lambda v, _r: esc(cadence_words(v))),
    Col("files", "files", _int, num=True),
    Col("last_landed_at", "latest file landed", lambda v, _r: esc(when(v))),
    Col("landed_age_days", "age (days)", lambda v, _r: esc(number(v, 1)), num=True),
    Col("status", "status", _badge),
    Col("latest_period_end", "data up to", lambda v, _r: esc(v or "")),
    Col("data_age_days", "data age (days)", _int, num=True),
]


def render_investment(data: dict[str, Any], now: datetime | None = None) -> str:
    """The investment and jobs report as one HTML page."""
    now = now or datetime.now(UTC)
    names = cluster_names()
    inv = _rows(data, "investment_by_sector_year")
    jobs = _rows(data, "jobs_by_sector_year")
    # The page shows the top of long lists; the CSV and Parquet exports beside it hold them whole.
    largest = _rows(data, "largest_commitments", limit=PAGE_ROWS)
    investors = _rows(data, "largest_investors", limit=PAGE_ROWS)
    n_commitments = data["counts"]["largest_commitments"]
    n_investors = data["counts"]["largest_investors"]
    pipeline = _rows(data, "commitment_pipeline")
    fresh = freshness_rows(_rows(data, "source_freshness"), now)
    run = data.get("run") or {}

    sections = []
    # Freshness and headline figures.
    total_hkd = sum(r["total_hkd"] or 0 for r in inv)
    proj_hkd = sum(r["from_projects_hkd"] or 0 for r in inv)
    agg_hkd = sum(r["from_aggregates_hkd"] or 0 for r in inv)
    total_jobs = sum(r["total_jobs"] or 0 for r in jobs)
    kpis = [
        (money(total_hkd), "investment committed (no double counting)"),
        (money(proj_hkd), "of which from single projects"),
        (money(agg_hkd), "of which from aggregate statements"),
        (integer(total_jobs), "jobs committed"),
        (integer(n_commitments), "commitments in the register"),
        (integer(n_investors), "companies"),
    ]
    kpi_html = (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
            for v, k in kpis
        )
        + "</div>"
    )
    sections.append(
        card(
            "freshness",
            "Data freshness",
            "When each source last landed against its expected cadence, and the latest period its "
            "data covers. Times are UTC.",
            table(FRESH_COLS, fresh) + kpi_html,
        )
    )

    # Investment by cluster and year.
    inv_cols = [
        Col("cluster", "cluster", _cluster(names)),
        Col("year", "year", _year_cell),
        Col("party", "party"),
        Col("commitments", "commitments", _int, num=True),
        Col("total_hkd", "total HK$", _money(), num=True),
        Col("from_projects_hkd", "from projects HK$", _money(), num=True),
        Col("from_aggregates_hkd", "from aggregates HK$", _money(), num=True),
        Col("total_usd", "total US$", _money("US$"), num=True),
        Col("from_projects_usd", "from projects US$", _money("US$"), num=True),
        Col("from_aggregates_usd", "from aggregates US$", _money("US$"), num=True),
    ]
    hkd_chart = _by_cluster_chart(
        "Investment committed by cluster and year, HK$ billion: project rows and aggregate "
        "statements",
        inv,
        ("from_projects_hkd", "from_aggregates_hkd"),
        _hkd_bn,
        "HK$ bn",
        names,
    )
    usd_chart = _by_cluster_chart(
        "Investment committed by cluster and year, US$ billion",
        inv,
        ("from_projects_usd", "from_aggregates_usd"),
        _hkd_bn,
        "US$ bn",
        names,
    )
    sections.append(
        card(
            "investment",
            "Investment committed by cluster and year",
            "Each year has two bars: what single <b>project</b> rows add, and what "
            "<b>aggregate</b> "
            "statements add beyond the projects they cover (cumulative series by their increase "
            "only). Withdrawn commitments count nothing. Rows without an amount add nothing.",
            f'<h3>HK$</h3><div class="chart-wrap">{hkd_chart}</div>'
            f'<h3>US$</h3><p class="note">US$ where the source states US$ or an HKMA '
            "month-end rate converts the stated amount (fx_method in core.investment_commitment)."
            f'</p><div class="chart-wrap">{usd_chart}</div>'
            + table(inv_cols, inv, "marts.investment_by_sector_year"),
            chart=True,
        )
    )

    # Jobs.
    jobs_cols = [
        Col("cluster", "cluster", _cluster(names)),
        Col("year", "year", _year_cell),
        Col("party", "party"),
        Col("commitments_with_jobs", "commitments stating jobs", _int, num=True),
        Col("total_jobs", "jobs", _int, num=True),
        Col("from_projects_jobs", "from projects", _int, num=True),
        Col("from_aggregates_jobs", "from aggregates", _int, num=True),
    ]
    jobs_chart = _by_cluster_chart(
        "Jobs committed by cluster and year: project rows and aggregate statements",
        jobs,
        ("from_projects_jobs", "from_aggregates_jobs"),
        ch.compact,
        "jobs",
        names,
    )
    sections.append(
        card(
            "jobs",
            "Jobs committed by cluster and year",
            "Job definitions differ by source (first-year jobs, within two years, R&amp;D staff): "
            "see each commitment's notes in core.investment_commitment.",
            f'<div class="chart-wrap">{jobs_chart}</div>'
            + table(jobs_cols, jobs, "marts.jobs_by_sector_year"),
            chart=True,
        )
    )

    # Largest commitments and investors.
    top = [r for r in largest if r["amount_hkd"]][:15]
    legend = Legend()
    for s in STATUS_ORDER:
        if any(r["status"] == s for r in top):
            legend.add(s, STATUS_COLOR[s])
    top_chart = ch.hbar_chart(
        "Largest commitments by stated amount, HK$",
        [str(r["company_name"]) for r in top],
        [r["amount_hkd"] for r in top],
        [STATUS_COLOR.get(r["status"], "#999999") for r in top],
        fmt=lambda v: money(v),
        notes=[
            f"{r['scope']} · {r['status']}"
            + (f" · counts {money(r['counted_hkd'])}" if r["scope"] == "aggregate" else "")
            for r in top
        ],
        legend=legend,
    )
    big_cols = [
        Col("rank", "#", _int, num=True),
        Col("company_name", "committer"),
        Col("cluster", "cluster", _cluster(names)),
        Col("announced_on", "announced", lambda v, _r: esc(when(v))),
        Col("scope", "scope"),
        Col("status", "status", _badge),
        Col("amount_text", "as stated"),
        Col("amount_hkd", "HK$", _money(), num=True),
        Col("amount_usd", "US$", _money("US$"), num=True),
        Col("counted_hkd", "counts HK$", _money(), num=True),
        Col("jobs", "jobs", _int, num=True),
        Col("source_url", "source", lambda v, _r: link(v)),
    ]
    inv_top = [r for r in investors if r["counted_hkd"] or r["counted_usd"] or r["counted_jobs"]]
    inv_top = sorted(inv_top, key=lambda r: -(r["counted_hkd"] or 0))[:12]
    investor_chart = ch.hbar_chart(
        "Largest company investors, HK$ counted",
        [str(r["company_name"]) for r in inv_top],
        [r["counted_hkd"] for r in inv_top],
        [PALETTE[0]] * len(inv_top),
        fmt=lambda v: money(v),
        notes=[
            " · ".join(
                x
                for x in (
                    f"US$ {money(r['counted_usd'], '')}" if r["counted_usd"] else "",
                    f"{integer(r['counted_jobs'])} jobs" if r["counted_jobs"] else "",
                    str(r["statuses"] or ""),
                )
                if x
            )
            for r in inv_top
        ],
    )
    investor_cols = [
        Col("company_name", "company"),
        Col("hq_region", "HQ"),
        Col("commitments", "commitments", _int, num=True),
        Col("counted_hkd", "HK$ counted", _money(), num=True),
        Col("counted_usd", "US$ counted", _money("US$"), num=True),
        Col("counted_jobs", "jobs", _int, num=True),
        Col("first_year", "first", _int, num=True),
        Col("latest_year", "latest", _int, num=True),
        Col("statuses", "statuses"),
        Col("source_url", "source of largest", lambda v, _r: link(v)),
    ]
    sections.append(
        card(
            "largest",
            "Largest commitments and investors",
            "Commitments ranked by the amount as stated (aggregate statements overlap the projects "
            "they cover, so these do not add up; <i>counts</i> is what each adds to totals). "
            "Every row links to its source. The tables show the first 100; "
            "the downloads below hold them all.",
            f'<div class="chart-wrap">{top_chart}</div>'
            + table(big_cols, largest, "marts.largest_commitments")
            + f'<h3>Company investors</h3><div class="chart-wrap">{investor_chart}</div>'
            + table(investor_cols, investors, "marts.largest_investors"),
            chart=True,
        )
    )

    # Pipeline.
    pipe_chart = ch.hbar_chart(
        "Commitments by status (pipeline order)",
        [str(r["status"]) for r in pipeline],
        [float(r["commitments"] or 0) for r in pipeline],
        [STATUS_COLOR.get(r["status"], "#999999") for r in pipeline],
        fmt=lambda v: f"{v:,.0f} commitments",
        notes=[f"{money(r['counted_hkd'])} counted" if r["counted_hkd"] else "" for r in pipeline],
        label_w=140,
    )
    if not any(r["commitments"] for r in pipeline):
        pipe_chart = ch.empty_chart("Commitments by status", "No commitments yet")
    pipe_cols = [
        Col("stage", "stage", _int, num=True),
        Col("status", "status", _badge),
        Col("commitments", "commitments", _int, num=True),
        Col("projects", "projects", _int, num=True),
        Col("aggregates", "aggregates", _int, num=True),
        Col("project_hkd", "project HK$ (stated)", _money(), num=True),
        Col("counted_hkd", "HK$ counted", _money(), num=True),
        Col("counted_usd", "US$ counted", _money("US$"), num=True),
        Col("counted_jobs", "jobs counted", _int, num=True),
    ]
    sections.append(
        card(
            "pipeline",
            "Commitment pipeline by status",
            "announced → MoU → construction → operational → withdrawn (current version of each "
            "commitment).",
            f'<div class="chart-wrap">{pipe_chart}</div>'
            + table(pipe_cols, pipeline, "marts.commitment_pipeline"),
            chart=True,
        )
    )

    sections.append(context_section(data))
    sections.append(_exports_section(data["counts"]))

    links = (
        "".join(
            f'<a href="#{a}">{esc(t)}</a>'
            for a, t in (
                ("freshness", "Freshness"),
                ("investment", "Investment"),
                ("jobs", "Jobs"),
                ("largest", "Largest"),
                ("pipeline", "Pipeline"),
                ("context", "Official context"),
                ("exports", "Downloads"),
            )
        )
        + '<a href="dq.html">Data quality</a>'
    )
    title = "Hong Kong advanced manufacturing: investment and jobs committed"
    return page(title, header_html(title, run, fresh, links), "".join(sections))


def _exports_section(counts: dict[str, int]) -> str:
    from flows.reports.exports import SPREADSHEET_ROWS, fits_spreadsheet

    def item(n: str) -> str:
        parquet = f'<a href="{esc(n)}.parquet">Parquet</a>'
        if fits_spreadsheet(counts[n]):
            return (
                f'<li><code>marts.{esc(n)}</code>: <a href="{esc(n)}.csv">CSV</a> · {parquet}</li>'
            )
        return (
            f"<li><code>marts.{esc(n)}</code>: {parquet} only ({counts[n]:,} rows, more than a "
            "spreadsheet opens)</li>"
        )

    return card(
        "exports",
        "Downloads",
        "Every mart on this page, as CSV (text cells that a spreadsheet would run as a formula "
        f"start with ') and as Parquet (typed). A mart over {SPREADSHEET_ROWS:,} rows is Parquet "
        "only: a spreadsheet would drop the rows past its limit.",
        f"<ul>{''.join(item(n) for n in EXPORTS)}</ul>",
    )


def write_exports_and_page(
    con: Any, data: dict[str, Any], folder: Path, now: datetime | None = None
) -> Path:
    """index.html and every mart of EXPORTS as Parquet, and as CSV where a spreadsheet holds it."""
    from flows.reports.exports import fits_spreadsheet, write_exports

    folder.mkdir(parents=True, exist_ok=True)
    for name in EXPORTS:
        csv = fits_spreadsheet(data["counts"][name])
        order = EXPORT_ORDER.get(name) if csv else None
        write_exports(con, f"marts.{name}", folder, name, csv=csv, order=order)
    path = folder / "index.html"
    path.write_text(render_investment(data, now), encoding="utf-8")
    return path
