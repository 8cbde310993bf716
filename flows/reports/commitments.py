"""The commitment sections of the investment report: headline tiles, investment and jobs by
cluster and year, the largest commitments and investors, and the pipeline.

Company pledges and government funding are told apart by `funder` (decided in
marts.largest_commitments): they answer different questions and are never added up together.
An amount with no HK$ (or US$) figure is left out of bar lengths and totals, and the page says so
with its reason; it is never drawn as 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from flows.reports import charts as ch
from flows.reports.charts import PALETTE, Legend, Series, esc
from flows.reports.html import (
    Col,
    Row,
    badge,
    card,
    integer,
    link,
    missing,
    money,
    money_or_missing,
    table,
    when,
    year_cell,
    year_text,
)
from flows.reports.unconverted import left_out, stated, total

STATUS_ORDER = ("announced", "mou", "construction", "operational", "withdrawn")
STATUS_COLOR = {
    "announced": "#7fa7d1",
    "mou": "#1f6fb4",
    "construction": "#e07b19",
    "operational": "#2c9a5a",
    "withdrawn": "#b42318",
}
# funder -> how the page names it; company pledges first, as the page's main question.
FUNDERS = {"company": "Company pledges", "government": "Government funding"}
Cell = Callable[[Any, Row], str]


def cluster_names() -> dict[str, str]:
    """Cluster code -> display name from the sector taxonomy."""
    from flows.resources import taxonomy_dir

    data = yaml.safe_load((taxonomy_dir() / "sectors.yml").read_text(encoding="utf-8"))
    names = {k: v["name"] for k, v in (data.get("clusters") or {}).items()}
    names.setdefault("unmapped", "Unmapped sector label")
    return names


def _years(rows: list[Row], key: str = "year") -> list[str]:
    known = sorted({r[key] for r in rows if r[key] is not None})
    unknown = ["year unknown"] if any(r[key] is None for r in rows) else []
    return [year_text(y) for y in known] + unknown


def _year_key(value: Any) -> str:
    return "year unknown" if value is None else year_text(value)


def _by_cluster_chart(
    title: str,
    rows: list[Row],
    parts: tuple[str, str],
    fmt: ch.Fmt,
    unit: str,
    names: dict[str, str],
) -> str:
    """Stacked by cluster; two bars per year: project rows and aggregate statements. Unknown
    figures add nothing to a bar (the caller says what they leave out)."""
    years = _years(rows)
    colors = {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(names)}
    clusters = [c for c in names if any(r["cluster"] == c for r in rows)]
    clusters += sorted({r["cluster"] for r in rows} - set(clusters), key=str)
    series = []
    for group, key in (("projects", parts[0]), ("aggregates", parts[1])):
        for c in clusters:
            values = [
                sum(r[key] or 0 for r in rows if r["cluster"] == c and _year_key(r["year"]) == y)
                for y in years
            ]
            if any(values):
                series.append(Series(names.get(c, str(c)), values, colors.get(c, "#999999"), group))
    # The axis names its unit once above it (HK$), so its ticks stay short: 10 bn, 20 bn.
    return ch.bar_chart(title, years, series, fmt=fmt, unit=unit, tick_fmt=ch.compact)


def _cluster(names: dict[str, str]) -> Cell:
    return lambda v, _r: esc(names.get(v, v or ""))


def _group_cols(names: dict[str, str]) -> list[Col]:
    """The grain of the by-year marts: cluster, year, who funds it and who stated it."""
    return [
        Col("cluster", "cluster", _cluster(names)),
        Col("year", "year", year_cell),
        Col("funder", "funder"),
        Col("party", "stated by"),
    ]


def _int(v: Any, _r: Row) -> str:
    return esc(integer(v))


def _count_or_missing(reason: str) -> Cell:
    return lambda v, _r: missing(reason) if v is None else esc(integer(v))


def _group_money(prefix: str, unconverted: str, said: bool = True) -> Cell:
    """A sum over a group: the amount, or "—" and why; `said` adds how many commitments the
    known sum leaves out for want of a rate (the group's `unconverted` column)."""

    def show(v: Any, r: Row) -> str:
        n = r.get(unconverted) or 0
        note = f"{n} not converted: no HKMA rate" if n else ""
        if v is None:
            return missing(note or "no amount stated")
        extra = f' <span class="why">+ {esc(note)}</span>' if n and said else ""
        return esc(money(v, prefix)) + extra

    return show


def _row_money(prefix: str) -> Cell:
    """One commitment's amount, or why it is unknown (no HKMA rate, no amount, withdrawn)."""

    def show(v: Any, r: Row) -> str:
        if v is not None:
            return esc(money(v, prefix))
        if r.get("status") == "withdrawn":
            return missing("withdrawn: counts nothing")
        if r.get("amount") is None and not r.get("fx_missing_reason"):
            return missing("no amount stated")
        return missing(str(r.get("fx_missing_reason") or "no HKMA rate"))

    return show


def _tile(key: str, value: str, label: str) -> str:
    return (
        f'<div class="kpi" data-tile="{esc(key)}"><div class="v">{esc(value)}</div>'
        f'<div class="k">{esc(label)}</div></div>'
    )


def headline_html(
    inv: list[Row], jobs: list[Row], unconverted: list[Row], counts: dict[str, int]
) -> str:
    """The headline tiles: company pledges and government funding apart, never added together."""
    tiles = []
    for funder, name in FUNDERS.items():
        rows = [r for r in inv if r["funder"] == funder]
        hkd = total(r["total_hkd"] for r in rows)
        sums = [
            (total(r[k] for r in rows), what)
            for k, what in (
                ("from_projects_hkd", "single projects"),
                ("from_aggregates_hkd", "aggregate statements"),
            )
        ]
        # A true 0 (no row of that scope) is not worth a word; an unknown part is said.
        parts = [f"{money(v) if v is not None else '—'} from {what}" for v, what in sums if v != 0]
        label = (
            "pledged by companies (no double counting)"
            if funder == "company"
            else "government funds and schemes (fund sizes)"
        )
        tiles.append(
            _tile(f"{funder}_hkd", money(hkd) or "—", f"{name}: {label}; {', '.join(parts)}")
        )
        out = [r for r in unconverted if r["missing"] == "HK$" and r["funder"] == funder]
        if out:
            amounts = ", ".join(stated(r["amount"], r["currency"]) for r in out)
            tiles.append(
                _tile(
                    f"{funder}_unconverted",
                    amounts,
                    f"{name} not in the HK$ figure: no HKMA rate for those months",
                )
            )
        n_jobs = total(r["total_jobs"] for r in jobs if r["funder"] == funder)
        if n_jobs is not None:
            tiles.append(_tile(f"{funder}_jobs", integer(n_jobs), f"jobs: {name.lower()}"))
    tiles.append(
        _tile("commitments", integer(counts["largest_commitments"]), "commitments in the register")
    )
    tiles.append(_tile("companies", integer(counts["largest_investors"]), "companies"))
    return f'<div class="kpis">{"".join(tiles)}</div>'


def _per_funder(
    rows: list[Row],
    chart: Callable[[str, list[Row]], str],
    note: Callable[[str], str],
    empty: str,
) -> str:
    """One chart per funder, each with what it leaves out beneath its heading."""
    out = []
    for funder, name in FUNDERS.items():
        mine = [r for r in rows if r["funder"] == funder]
        said = note(funder)
        body = (
            f'<div class="chart-wrap">{chart(name, mine)}</div>'
            if mine
            else f'<p class="note">{esc(empty)}</p>'
        )
        out.append(
            f'<h3 data-funder="{funder}">{esc(name)}</h3>'
            + (f'<p class="note left-out">{esc(said)}</p>' if said else "")
            + body
        )
    return "".join(out)


def investment_section(inv: list[Row], unconverted: list[Row], names: dict[str, str]) -> str:
    """Investment by cluster and year, company pledges and government funding apart."""
    hkd, usd = "hkd_unconverted", "usd_unconverted"
    cols = [
        *_group_cols(names),
        Col("commitments", "commitments", _int, num=True),
        Col("total_hkd", "total HK$", _group_money("HK$", "hkd_unconverted"), num=True),
        Col("from_projects_hkd", "from projects HK$", _group_money("HK$", hkd, False), True),
        Col("from_aggregates_hkd", "from aggregates HK$", _group_money("HK$", hkd, False), True),
        Col("total_usd", "total US$", _group_money("US$", "usd_unconverted"), num=True),
        Col("from_projects_usd", "from projects US$", _group_money("US$", usd, False), True),
        Col("from_aggregates_usd", "from aggregates US$", _group_money("US$", usd, False), True),
    ]

    def charts(prefix: str, keys: tuple[str, str]) -> str:
        return _per_funder(
            inv,
            lambda name, rows: _by_cluster_chart(
                f"{name} by cluster and year, {prefix}: project rows and aggregate statements",
                rows,
                keys,
                lambda v: money(v, prefix),
                prefix,
                names,
            ),
            lambda funder: left_out(unconverted, funder, prefix),
            "No commitments.",
        )

    return card(
        "investment",
        "Investment committed by cluster and year",
        "<b>Company pledges</b> (what companies pledge, alone or in aggregates a government body "
        "announces) and <b>government funding</b> (the size of government funds and schemes) "
        "answer different questions and are never added together. Each year has two bars: what "
        "single <b>project</b> rows add, and what <b>aggregate</b> statements add beyond the "
        "projects they cover (cumulative series by their increase only). Withdrawn commitments "
        "count nothing. An amount without a HK$ (US$) figure, for want of an HKMA rate, is left "
        "out of the bars and said beside them; rows without an amount add nothing.",
        "<h3>HK$</h3>"
        + charts("HK$", ("from_projects_hkd", "from_aggregates_hkd"))
        + '<h3>US$</h3><p class="note">US$ where the source states US$ or an HKMA month-end rate '
        "converts the stated amount (fx_method in core.investment_commitment).</p>"
        + charts("US$", ("from_projects_usd", "from_aggregates_usd"))
        + table(cols, inv, "marts.investment_by_sector_year"),
        chart=True,
    )


def jobs_section(jobs: list[Row], names: dict[str, str]) -> str:
    """Jobs by cluster and year, company pledges and government funding apart."""
    cols = [
        *_group_cols(names),
        Col("commitments_with_jobs", "commitments stating jobs", _int, num=True),
        Col("total_jobs", "jobs", _count_or_missing("no job figure stated"), num=True),
        Col(
            "from_projects_jobs",
            "from projects",
            _count_or_missing("no job figure stated"),
            num=True,
        ),
        Col(
            "from_aggregates_jobs",
            "from aggregates",
            _count_or_missing("no job figure stated"),
            num=True,
        ),
    ]
    with_jobs = [r for r in jobs if r["total_jobs"] is not None]
    charts = _per_funder(
        with_jobs,
        lambda name, rows: _by_cluster_chart(
            f"Jobs: {name.lower()} by cluster and year, project rows and aggregate statements",
            rows,
            ("from_projects_jobs", "from_aggregates_jobs"),
            lambda v: f"{ch.compact(v)} jobs",
            "jobs",
            names,
        ),
        lambda _f: "",
        "No job figure stated.",
    )
    return card(
        "jobs",
        "Jobs committed by cluster and year",
        "Job definitions differ by source (first-year jobs, within two years, R&amp;D staff): "
        "see each commitment's notes in core.investment_commitment.",
        charts + table(cols, jobs, "marts.jobs_by_sector_year"),
        chart=True,
    )


def largest_section(
    largest: list[Row], investors: list[Row], unconverted: list[Row], names: dict[str, str]
) -> str:
    """The largest commitments and company investors, with their sources."""
    top = [r for r in largest if r["amount_hkd"]][:15]
    not_drawn = " ".join(
        f"{name}: {said}"
        for f, name in FUNDERS.items()
        if (said := left_out(unconverted, f, "HK$"))
    )
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
            f"{r['funder']} · {r['scope']} · {r['status']}"
            + (f" · counts {money(r['counted_hkd'])}" if r["scope"] == "aggregate" else "")
            for r in top
        ],
        legend=legend,
    )
    big_cols = [
        Col("rank", "#", _int, num=True),
        Col("company_name", "committer"),
        Col("funder", "funder"),
        Col("cluster", "cluster", _cluster(names)),
        Col(
            "announced_on",
            "announced",
            lambda v, _r: esc(when(v)) if v else missing("date unknown"),
        ),
        Col("scope", "scope"),
        Col("status", "status", lambda v, _r: badge(v)),
        Col("amount_text", "as stated"),
        Col("amount_hkd", "HK$", _row_money("HK$"), num=True),
        Col("amount_usd", "US$", _row_money("US$"), num=True),
        Col("counted_hkd", "counts HK$", _row_money("HK$"), num=True),
        Col("jobs", "jobs", _count_or_missing("no job figure stated"), num=True),
        Col("source_url", "source", lambda v, _r: link(v)),
    ]
    counted = [r for r in investors if r["counted_hkd"] or r["counted_usd"] or r["counted_jobs"]]
    charted = [r for r in counted if r["counted_hkd"] is not None]
    charted = sorted(charted, key=lambda r: -(r["counted_hkd"] or 0))[:12]
    investor_chart = ch.hbar_chart(
        "Largest company investors, HK$ counted",
        [str(r["company_name"]) for r in charted],
        [r["counted_hkd"] for r in charted],
        [PALETTE[0]] * len(charted),
        fmt=lambda v: money(v),
        notes=[
            " · ".join(
                x
                for x in (
                    money(r["counted_usd"], "US$"),
                    f"{integer(r['counted_jobs'])} jobs" if r["counted_jobs"] else "",
                    str(r["statuses"] or ""),
                )
                if x
            )
            for r in charted
        ],
    )
    no_hkd = [r for r in counted if r["counted_hkd"] is None and r["counted_usd"] is not None]
    no_hkd_note = (
        '<p class="note left-out">Not drawn (no HK$ figure): '
        + esc(
            "; ".join(
                f"{r['company_name']} {money(r['counted_usd'], 'US$')} "
                f"({r['fx_missing_reason'] or 'no HKMA rate'})"
                for r in no_hkd
            )
        )
        + ".</p>"
        if no_hkd
        else ""
    )
    investor_cols = [
        Col("company_name", "company"),
        Col("hq_region", "HQ"),
        Col("commitments", "commitments", _int, num=True),
        Col("counted_hkd", "HK$ counted", _investor_hkd, num=True),
        Col(
            "counted_usd",
            "US$ counted",
            lambda v, r: money_or_missing(
                v, "US$", str(r.get("fx_missing_reason") or "no amount stated")
            ),
            num=True,
        ),
        Col("counted_jobs", "jobs", _count_or_missing("no job figure stated"), num=True),
        Col("first_year", "first", year_cell, num=True),
        Col("latest_year", "latest", year_cell, num=True),
        Col("statuses", "statuses"),
        Col("source_url", "source of largest", lambda v, _r: link(v)),
    ]
    return card(
        "largest",
        "Largest commitments and investors",
        "Commitments ranked by the amount as stated (aggregate statements overlap the projects "
        "they cover, so these do not add up; <i>counts</i> is what each adds to totals). "
        "Every row links to its source. The tables show the first 100; "
        "the downloads below hold them all.",
        (f'<p class="note left-out">{esc(not_drawn)}</p>' if not_drawn else "")
        + f'<div class="chart-wrap">{top_chart}</div>'
        + table(big_cols, largest, "marts.largest_commitments")
        + f'<h3>Company investors</h3>{no_hkd_note}<div class="chart-wrap">{investor_chart}</div>'
        + table(investor_cols, investors, "marts.largest_investors"),
        chart=True,
    )


def _investor_hkd(v: Any, r: Row) -> str:
    reason = str(r.get("fx_missing_reason") or "")
    if v is None:
        return missing(reason or "no amount stated")
    n = r.get("hkd_unconverted") or 0
    extra = f' <span class="why">+ {n} not converted: {esc(reason)}</span>' if n else ""
    return esc(money(v)) + extra


def pipeline_section(pipeline: list[Row]) -> str:
    """Commitments by status, in pipeline order."""
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
    cols = [
        Col("stage", "stage", _int, num=True),
        Col("status", "status", lambda v, _r: badge(v)),
        Col("commitments", "commitments", _int, num=True),
        Col("projects", "projects", _int, num=True),
        Col("aggregates", "aggregates", _int, num=True),
        Col("project_hkd", "project HK$ (stated)", _group_money("HK$", ""), num=True),
        Col("counted_hkd", "HK$ counted", _group_money("HK$", "hkd_unconverted"), num=True),
        Col("counted_usd", "US$ counted", _group_money("US$", "usd_unconverted"), num=True),
        Col("counted_jobs", "jobs counted", _count_or_missing("no job figure stated"), num=True),
    ]
    return card(
        "pipeline",
        "Commitment pipeline by status",
        "announced → MoU → construction → operational → withdrawn (current version of each "
        "commitment).",
        f'<div class="chart-wrap">{pipe_chart}</div>'
        + table(cols, pipeline, "marts.commitment_pipeline"),
        chart=True,
    )
