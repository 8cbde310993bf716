"""What a total leaves out: amounts counted that have no HK$ (or US$) figure for want of an HKMA
rate, by funder and currency, in words for the report. An unknown figure is never a 0."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flows.reports.html import Row, integer, money

CURRENCY = {"HKD": "HK$", "USD": "US$"}

# Each counted commitment that states an amount with no figure in the other currency, once per
# side it is missing from: what the HK$ (US$) totals leave out. The amount is the counted one in
# the currency it is known in (an aggregate's remainder, a series' increase), else the stated one.
LEFT_OUT_ROWS = """
SELECT 'HK$' AS missing, funder, party,
       coalesce(CASE WHEN counted_usd IS NOT NULL THEN 'USD' END, currency) AS currency,
       coalesce(counted_usd, amount) AS amount, fx_missing_reason
FROM marts.commitment_counted WHERE amount IS NOT NULL AND counted_hkd IS NULL
UNION ALL
SELECT 'US$', funder, party, coalesce(CASE WHEN counted_hkd IS NOT NULL THEN 'HKD' END, currency),
       coalesce(counted_hkd, amount), fx_missing_reason
FROM marts.commitment_counted WHERE amount IS NOT NULL AND counted_usd IS NULL
"""
_AGGREGATES = """count(*) AS commitments, sum(amount) AS amount,
       string_agg(DISTINCT fx_missing_reason, '; ' ORDER BY fx_missing_reason) AS reasons"""
# By funder and currency: what the page's HK$ (US$) bars and totals of each funder leave out.
UNCONVERTED_SQL = f"""
SELECT missing, funder, currency, {_AGGREGATES}
FROM ({LEFT_OUT_ROWS}) GROUP BY ALL ORDER BY 1, 2, 3
"""
# By currency alone, for the rows `where` keeps: what a whole mart's totals leave out.
LEFT_OUT_SQL = """
SELECT missing, currency, {aggregates}
FROM ({rows}) WHERE {where} GROUP BY ALL ORDER BY 1, 2
"""
RATE_REASON = "no HKMA rate for "


def left_out_rows(con: Any, where: str = "TRUE") -> list[Row]:
    """What the HK$ and US$ totals over the counted rows `where` keeps (SQL over party, funder)
    leave out: one row per side and currency, with the count, amount and reasons."""
    sql = LEFT_OUT_SQL.format(aggregates=_AGGREGATES, rows=LEFT_OUT_ROWS, where=where)
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def reasons_text(reasons: Iterable[str], limit: int | None = None) -> str:
    """Why, in one phrase: "no HKMA rate for 2023-11, 2024-05; no announcement date ..."; with
    `limit`, a longer list of months keeps its first and last ones and says how many between."""
    months = sorted({r.removeprefix(RATE_REASON) for r in reasons if r.startswith(RATE_REASON)})
    others = sorted({r for r in reasons if r and not r.startswith(RATE_REASON)})
    if limit is not None and len(months) > limit:
        months = [*months[: limit - 1], f"{len(months) - limit} more", months[-1]]
    parts = ([RATE_REASON + ", ".join(months)] if months else []) + others
    return "; ".join(parts)


def left_out_parts(rows: list[Row], side: str, limit: int | None = None) -> tuple[str, str]:
    """What `side` ('HK$' or 'US$') totals leave out, from left_out_rows: how much in how many
    ("US$ 1.13 bn in 3 commitments") and why ("no HKMA rate for 2023-11, ..."); ('', '') when
    nothing."""
    mine = [r for r in rows if r["missing"] == side]
    amounts = " and ".join(
        f"{stated(r['amount'], r['currency'])} in {integer(r['commitments'])} "
        f"commitment{'s' if r['commitments'] != 1 else ''}"
        for r in mine
    )
    why = reasons_text([x for r in mine for x in str(r["reasons"] or "").split("; ")], limit)
    return amounts, why


def left_out_sentence(rows: list[Row], side: str, limit: int | None = None) -> str:
    """What `side` totals leave out, as a sentence; '' when nothing: "US$ 1.13 bn in 3
    commitments has no HK$ figure: no HKMA rate for 2023-11, 2024-05; ..."."""
    amounts, why = left_out_parts(rows, side, limit)
    if not amounts:
        return ""
    verb = "have" if " and " in amounts else "has"
    return f"{amounts} {verb} no {side} figure" + (f": {why}" if why else "") + "."


def left_out_warning(rows: list[Row], limit: int = 6) -> str:
    """One DQ warning for a run whose totals leave out amounts with no rate; '' when none."""
    said = []
    for side in ("HK$", "US$"):
        amounts, why = left_out_parts(rows, side, limit)
        if amounts:
            said.append(
                f"the {side} totals leave out {amounts} with no {side} figure"
                + (f" ({why})" if why else "")
            )
    if not said:
        return ""
    return "; ".join(said) + "; each export's <mart>.notes.txt says what it leaves out"


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
    # A long list of months: the first and last few say enough.
    why = reasons_text([x for r in mine for x in str(r["reasons"] or "").split("; ")], limit=6)
    return (
        f"Not in these {side} figures: {', '.join(parts)} with no {side} figure"
        + (f" ({why})" if why else "")
        + "."
    )
