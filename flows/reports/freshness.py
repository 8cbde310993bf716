"""Freshness of each source against its expected cadence (register daily, HKMA monthly, ...)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

REGISTER_CADENCE_DAYS = 1  # the analysts edit the register every working day


def cadences() -> dict[str, int]:
    """Expected days between new files per source (official ones: flows/sources/catalog.py)."""
    from flows.sources.catalog import SOURCES

    return {"register": REGISTER_CADENCE_DAYS, **{s.name: s.cadence_days for s in SOURCES}}


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


def freshness_rows(
    landed: list[dict[str, Any]], now: datetime, cadence: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """One row per source: age of the latest landed file against its cadence, and data age.

    `landed` rows are marts.source_freshness rows (source, files, last_landed_at,
    latest_period_end). A source never landed is `missing`; one whose latest file is older than its
    cadence is `stale`. Data age (days since the latest period the data covers) is shown beside it.
    """
    cadence = cadence if cadence is not None else cadences()
    by_source = {str(r["source"]): r for r in landed}
    out = []
    for source in sorted(set(cadence) | set(by_source)):
        row = by_source.get(source, {})
        last = _as_datetime(row.get("last_landed_at"))
        period = row.get("latest_period_end")
        if isinstance(period, str):
            period = date.fromisoformat(period[:10])
        age = (now - last).total_seconds() / 86400 if last else None
        days = cadence.get(source)
        if last is None:
            status = "missing"
        elif days is not None and age is not None and age > days:
            status = "stale"
        else:
            status = "fresh"
        out.append(
            {
                "source": source,
                "cadence_days": days,
                "files": row.get("files"),
                "last_landed_at": last.isoformat() if last else None,
                "landed_age_days": round(age, 2) if age is not None else None,
                "status": status,
                "latest_period_end": period.isoformat() if isinstance(period, date) else None,
                "data_age_days": (now.date() - period).days if isinstance(period, date) else None,
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
