"""What a total leaves out: amounts counted that have no HK$ (or US$) figure for want of an HKMA
rate, by funder and currency, in words for the report. An unknown figure is never a 0."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flows.reports.html import Row, integer, money

CURRENCY = {"HKD": "HK$", "USD": "US$"}

# Amounts counted that have no figure in the other currency, by funder and stated currency: what
# the HK$ (US$) bars and totals leave out. The amount is the counted one in the currency it is
# known in (an aggregate's remainder, a series' increase), else the stated amount.
UNCONVERTED_SQL = """
SELECT 'HK$' AS missing, funder, coalesce(CASE WHEN counted_usd IS NOT NULL THEN 'USD' END,
       currency) AS currency, count(*) AS commitments, sum(coalesce(counted_usd, amount)) AS amount,
       string_agg(DISTINCT fx_missing_reason, '; ' ORDER BY fx_missing_reason) AS reasons
FROM marts.commitment_counted WHERE amount IS NOT NULL AND counted_hkd IS NULL GROUP BY ALL
UNION ALL
SELECT 'US$', funder, coalesce(CASE WHEN counted_hkd IS NOT NULL THEN 'HKD' END, currency),
       count(*), sum(coalesce(counted_hkd, amount)),
       string_agg(DISTINCT fx_missing_reason, '; ' ORDER BY fx_missing_reason)
FROM marts.commitment_counted WHERE amount IS NOT NULL AND counted_usd IS NULL GROUP BY ALL
ORDER BY 1, 2, 3
"""


def total(values: Iterable[Any]) -> float | None:
    """Sum of the known values; None when none is known (a sum of unknowns is unknown, not 0)."""
    known = [float(v) for v in values if v is not None]
    return sum(known) if known else None


def stated(value: float | None, currency: str | None) -> str:
    """An amount in the currency it is stated in: US$ 100 m, CNY 2 bn."""
    cur = str(currency or "")
    return money(value, CURRENCY.get(cur, cur))


def left_out(rows: list[Row], funder: str, side: str) -> str:
    """What the `side` ('HK$' or 'US$') figures of `funder` leave out, in words; '' when nothing."""
    mine = [r for r in rows if r["missing"] == side and r["funder"] == funder]
    if not mine:
        return ""
    parts = [
        f"{stated(r['amount'], r['currency'])} ({integer(r['commitments'])} "
        f"commitment{'s' if r['commitments'] != 1 else ''})"
        for r in mine
    ]
    reasons = sorted({x for r in mine for x in str(r["reasons"] or "").split("; ") if x})
    if len(reasons) > 6:  # a long list of months: the first and last few say enough
        reasons = [*reasons[:3], f"{len(reasons) - 4} more", reasons[-1]]
    return (
        f"Not in these {side} figures: {', '.join(parts)} with no {side} figure"
        + (f" ({'; '.join(reasons)})" if reasons else "")
        + "."
    )
