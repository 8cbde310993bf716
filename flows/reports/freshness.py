"""Freshness of each source, two questions: did its file land on time, is its data up to date?

Landing status (fresh / stale / missing) ages the latest landed file against how often a file is
expected; data status (current / late / no data) compares the latest period the data covers with
the source's cadence and usual publication lag (flows/sources/cadence.py, the one table of both).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flows.reports.charts import esc
from flows.reports.html import Col, Row, badge, integer, number, when
from flows.sources.cadence import SCHEDULES, Schedule

STATUS_CLASS = {"current": "b-ok", "late": "b-warn", "no data": "b-bad"}

LEAD = (
    "Two questions per source. Landing: did its latest file arrive within the expected interval "
    "(fresh; stale when older; missing when none landed)? Data: does the warehouse hold the "
    "latest period the publisher should have out by now (current; late once today is past the "
    "latest period end + the source's cadence + its usual publication lag; no data when nothing "
    "is loaded)? Times are UTC."
)


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def _landing_status(last: datetime | None, age: float | None, every: int | None) -> str:
    if last is None:
        return "missing"
    return "stale" if every is not None and age is not None and age > every else "fresh"


def _data_status(period: date | None, today: date, schedule: Schedule | None) -> str | None:
    if period is None:
        return "no data"
    if schedule is None:
        return None
    return "late" if today > schedule.expected_by(period) else "current"


def freshness_rows(
    landed: list[dict[str, Any]], now: datetime, schedules: dict[str, Schedule] | None = None
) -> list[dict[str, Any]]:
    """One row per source: landing status of its latest file and data status of its latest period.

    `landed` rows are marts.source_freshness rows (source, files, last_landed_at,
    latest_period_end); `now` is the moment the statuses are judged at.
    """
    schedules = SCHEDULES if schedules is None else schedules
    by_source = {str(r["source"]): r for r in landed}
    out = []
    for source in sorted(set(schedules) | set(by_source)):
        row = by_source.get(source, {})
        plan = schedules.get(source)
        last = _as_datetime(row.get("last_landed_at"))
        period = _as_date(row.get("latest_period_end"))
        age = (now - last).total_seconds() / 86400 if last else None
        every = plan.landing_days if plan else None
        due = plan.expected_by(period) if plan and period else None
        out.append(
            {
                "source": source,
                "files": row.get("files"),
                "last_landed_at": last.isoformat() if last else None,
                "landed_age_days": round(age, 2) if age is not None else None,
                "landing_every_days": every,
                "landing_status": _landing_status(last, age, every),
                "latest_period_end": period.isoformat() if period else None,
                "data_age_days": (now.date() - period).days if period else None,
                "data_cadence_days": plan.cadence_days if plan else None,
                "publication_lag_days": plan.lag_days if plan else None,
                "data_expected_by": due.isoformat() if due else None,
                "data_status": _data_status(period, now.date(), plan),
                "lag_basis": plan.lag_basis if plan else None,
            }
        )
    return out


def cadence_words(days: int | None) -> str:
    """daily, monthly, quarterly, yearly or N days."""
    if days is None:
        return ""
    return {1: "daily", 7: "weekly", 31: "monthly", 92: "quarterly", 366: "yearly"}.get(
        days, f"every {days} days"
    )


def data_badge(status: Any) -> str:
    """A coloured data-status label (current / late / no data)."""
    label = "" if status is None else str(status)
    return f'<span class="badge {STATUS_CLASS.get(label, "b-muted")}">{esc(label)}</span>'


def _days(v: Any, _r: Row) -> str:
    return esc(integer(v))


FRESH_COLS = [  # the two statuses first: the table is wider than a page
    Col("source", "source"),
    Col("landing_status", "landing status", lambda v, _r: badge(v)),
    Col("last_landed_at", "latest file landed", lambda v, _r: esc(when(v))),
    Col("landing_every_days", "file expected", lambda v, _r: esc(cadence_words(v))),
    Col("data_status", "data status", lambda v, _r: data_badge(v)),
    Col("latest_period_end", "data up to", lambda v, _r: esc(v or "")),
    Col("data_expected_by", "next period due by", lambda v, _r: esc(v or "")),
    Col("data_cadence_days", "new period", lambda v, _r: esc(cadence_words(v))),
    Col("publication_lag_days", "lag (days)", _days, num=True),
    Col("landed_age_days", "file age (days)", lambda v, _r: esc(number(v, 1)), num=True),
    Col("data_age_days", "data age (days)", _days, num=True),
    Col("files", "files", _days, num=True),
]


def lag_notes(rows: list[Row]) -> str:
    """Where each source's publication lag comes from, as a collapsible list."""
    items = "".join(
        f"<li><b>{esc(r['source'])}</b>: {esc(r['lag_basis'])}</li>"
        for r in rows
        if r.get("lag_basis")
    )
    return f"<details><summary>Where each lag comes from</summary><ul>{items}</ul></details>"


def freshness_state(rows: list[Row]) -> str:
    """One line for a page header: whose files are not fresh and whose data is not current."""
    off: dict[str, list[str]] = {}
    for r in rows:
        if r.get("landing_status") != "fresh":
            off.setdefault(f"files {r.get('landing_status')}", []).append(str(r["source"]))
        if r.get("data_status") != "current":
            status = str(r.get("data_status"))
            off.setdefault(status if status == "no data" else f"data {status}", []).append(
                str(r["source"])
            )
    files = [f"{k}: {', '.join(v)}" for k, v in off.items() if k.startswith("files")]
    data = [f"{k}: {', '.join(v)}" for k, v in off.items() if not k.startswith("files")]
    return " · ".join(
        ["; ".join(files) or "all files fresh", "; ".join(data) or "all data current"]
    )
