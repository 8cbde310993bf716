"""The investment and jobs report (reports/latest/index.html) and the mart exports beside it.

`load_report_data` reads the published warehouse (read-only); `render_investment` turns those
rows into one self-contained HTML page (inline CSS and SVG, no script, no external request).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows import progress
from flows.reports import commitments as cm
from flows.reports.charts import esc
from flows.reports.commitments import cluster_names
from flows.reports.context import context_section
from flows.reports.freshness import FRESH_COLS, freshness_rows, freshness_state, lag_notes
from flows.reports.freshness import LEAD as FRESH_LEAD
from flows.reports.html import (
    Row,
    card,
    page,
    table,
    when,
)
from flows.reports.notes import NOTES_SUFFIX, TOTALS, write_notes
from flows.reports.unconverted import UNCONVERTED_SQL

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
EXPORT_ORDER = {
    "largest_commitments": "rank",
    "largest_investors": "rank",
    "commitment_counted": "commitment_id",
}
# Columns that change with every run (landing times): left out of golden-file comparisons.
RUN_DEPENDENT = {"source_freshness": ("first_landed_at", "last_landed_at")}


# What the page reads of each mart (the exports hold every mart whole): long lists only their
# top rows, the macro table only the series the page charts.
PAGE_QUERIES = {
    "investment_by_sector_year": "SELECT * FROM marts.investment_by_sector_year",
    "jobs_by_sector_year": "SELECT * FROM marts.jobs_by_sector_year",
    "largest_commitments": "SELECT * FROM marts.largest_commitments ORDER BY rank LIMIT {limit}",
    "largest_investors": "SELECT * FROM marts.largest_investors ORDER BY rank LIMIT {limit}",
    "commitment_pipeline": "SELECT * FROM marts.commitment_pipeline",
    "manufacturing_share_gdp": "SELECT * FROM marts.manufacturing_share_gdp",
    "manufacturing_employment_by_division": "SELECT * FROM "
    "marts.manufacturing_employment_by_division",
    "macro_first_and_latest": "SELECT * FROM marts.macro_first_and_latest "
    "WHERE indicator = 'real_gdp_growth' AND freq = 'Y'",
    "funding_by_programme_year": "SELECT * FROM marts.funding_by_programme_year",
    "source_freshness": "SELECT * FROM marts.source_freshness",
    # Not an export: what the HK$ and US$ figures leave out, for want of an HKMA rate.
    "unconverted": UNCONVERTED_SQL,
}


def load_report_data(con: Any) -> dict[str, Any]:
    """What the page shows of each mart as polars frames, row counts, and the latest run."""
    frames = {name: con.sql(sql.format(limit=PAGE_ROWS)).pl() for name, sql in PAGE_QUERIES.items()}
    counts = {
        name: con.execute(f"SELECT count(*) FROM marts.{name}").fetchall()[0][0] for name in EXPORTS
    }
    columns = dict(
        con.execute(
            "SELECT table_name, count(*) FROM information_schema.columns "
            "WHERE table_schema = 'marts' GROUP BY ALL"
        ).fetchall()
    )
    run = con.sql(
        "SELECT run_id, started_at, finished_at, status FROM meta.run "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchall()
    run_info = dict(zip(("run_id", "started_at", "finished_at", "status"), run[0], strict=True))
    widths = {name: int(columns.get(name, 0)) for name in EXPORTS}
    return {"frames": frames, "counts": counts, "widths": widths, "run": run_info if run else {}}


PAGE_ROWS = 100


def _rows(data: dict[str, Any], name: str, limit: int | None = None) -> list[Row]:
    frame = data["frames"][name]
    rows: list[Row] = (frame if limit is None else frame.head(limit)).to_dicts()
    return rows


def header_html(title: str, run: dict[str, Any], fresh: list[Row], links: str) -> str:
    """The dark page header: title, run id and time, and one line of landing and data status."""
    state = freshness_state(fresh)
    return (
        f"<h1>{esc(title)}</h1>"
        f'<div class="sub">Run <code>{esc(run.get("run_id", "—"))}</code> · '
        f"{esc(run.get('status', ''))} {esc(when(run.get('finished_at')))} · {esc(state)}</div>"
        f'<nav class="toc">{links}</nav>'
    )


def render_investment(data: dict[str, Any], now: datetime | None = None) -> str:
    """The investment and jobs report as one HTML page."""
    now = now or datetime.now(UTC)
    names = cluster_names()
    inv = _rows(data, "investment_by_sector_year")
    jobs = _rows(data, "jobs_by_sector_year")
    # The page shows the top of long lists; the CSV and Parquet exports beside it hold them whole.
    largest = _rows(data, "largest_commitments", limit=PAGE_ROWS)
    investors = _rows(data, "largest_investors", limit=PAGE_ROWS)
    unconverted = _rows(data, "unconverted")
    pipeline = _rows(data, "commitment_pipeline")
    fresh = freshness_rows(_rows(data, "source_freshness"), now)
    run = data.get("run") or {}

    sections = []
    # Freshness and headline figures.
    kpi_html = cm.headline_html(inv, jobs, unconverted, data["counts"])
    sections.append(
        card(
            "freshness",
            "Data freshness",
            FRESH_LEAD,
            table(FRESH_COLS, fresh) + lag_notes(fresh) + kpi_html,
        )
    )
    sections.append(cm.investment_section(inv, unconverted, names))
    sections.append(cm.jobs_section(jobs, names))
    sections.append(cm.largest_section(largest, investors, unconverted, names))
    sections.append(cm.pipeline_section(pipeline))
    sections.append(context_section(data))
    sections.append(_exports_section(data["counts"], data["widths"]))

    links = "".join(
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
    ) + ('<a href="dq.html">Data quality</a>' if data.get("dq_link", True) else "")
    title = "Hong Kong advanced manufacturing: investment and jobs committed"
    return page(title, header_html(title, run, fresh, links), "".join(sections))


def _exports_section(counts: dict[str, int], widths: dict[str, int]) -> str:
    from flows.reports.exports import SPREADSHEET_CELLS, SPREADSHEET_ROWS, fits_spreadsheet

    def item(n: str) -> str:
        parquet = f'<a href="{esc(n)}.parquet">Parquet</a>'
        notes = (
            f' · <a href="{esc(n)}{NOTES_SUFFIX}">what its totals leave out</a>'
            if n in TOTALS
            else ""
        )
        if fits_spreadsheet(counts[n], widths[n]):
            return (
                f'<li><code>marts.{esc(n)}</code>: <a href="{esc(n)}.csv">CSV</a> · {parquet}'
                f"{notes}</li>"
            )
        return (
            f"<li><code>marts.{esc(n)}</code>: {parquet} only ({counts[n]:,} rows of "
            f"{widths[n]} columns, more than a spreadsheet opens){notes}</li>"
        )

    return card(
        "exports",
        "Downloads",
        "Every mart on this page, as CSV (text cells that a spreadsheet would run as a formula "
        f"start with ') and as Parquet (typed). A mart over {SPREADSHEET_ROWS:,} rows or "
        f"{SPREADSHEET_CELLS:,} cells is Parquet only: Excel and LibreOffice Calc drop the rows "
        "past their limit and Google Sheets refuses the file. Beside each mart with HK$ and US$ "
        f"totals, <mart>{NOTES_SUFFIX} says what its sums leave out (amounts with no HKMA rate).",
        f"<ul>{''.join(item(n) for n in EXPORTS)}</ul>",
    )


def write_exports_and_page(
    con: Any, data: dict[str, Any], folder: Path, now: datetime | None = None
) -> Path:
    """index.html and every mart of EXPORTS as Parquet, and as CSV where a spreadsheet holds it,
    with <mart>.notes.txt beside each mart whose HK$ and US$ totals can leave amounts out."""
    from flows.reports.exports import fits_spreadsheet, write_exports
    from flows.warehouse import mart_contents

    folder.mkdir(parents=True, exist_ok=True)
    contents = mart_contents(con)
    for name in EXPORTS:
        csv = fits_spreadsheet(data["counts"][name], data["widths"][name])
        order = EXPORT_ORDER.get(name) if csv else None
        content = contents.get(f"marts.{name}")
        with progress.step(f"export {name}", quiet_under=1.0) as shown:
            write_exports(con, f"marts.{name}", folder, name, csv=csv, order=order, content=content)
            shown.advance(data["counts"][name])
    write_notes(con, folder, (data.get("run") or {}).get("run_id"))
    path = folder / "index.html"
    path.write_text(render_investment(data, now), encoding="utf-8")
    return path
