"""Companion notes beside the exports: what each mart's HK$ and US$ totals leave out, in words,
for a spreadsheet user who never opens the page (reports/latest/<mart>.notes.txt).

Plain text, one file beside each export it speaks of: `<mart>.notes.txt` sorts between the
mart's .csv and .parquet, and opens with a double click on any system (a .md file asks for an
application on Windows).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.reports.html import Row
from flows.reports.unconverted import left_out_rows, left_out_sentence

NOTES_SUFFIX = ".notes.txt"


@dataclass(frozen=True)
class Totals:
    """What a mart adds up in HK$ and US$, and where its rows say what the sums leave out."""

    hkd: str  # the HK$ columns whose sums leave amounts out
    usd: str
    where_said: str  # which columns of the mart count or explain the amounts left out
    rows: str = "TRUE"  # the counted commitments the mart adds up (SQL over party, funder)
    extra: str = ""


_DETAIL = " Each is a row of commitment_counted.csv, with fx_missing_reason saying why."
_PER_ROW = "hkd_unconverted and usd_unconverted count them in each row." + _DETAIL
_IN_ROWS = "Those rows have counted_hkd (or counted_usd) empty and fx_missing_reason says why."
# Every exported mart holding HK$ or US$ totals of commitments (funding_by_programme_year is
# the ITF's HK$ approvals, never converted; jobs are counts).
TOTALS = {
    "investment_by_sector_year": Totals(
        "total_hkd, from_projects_hkd, from_aggregates_hkd",
        "total_usd, from_projects_usd, from_aggregates_usd",
        _PER_ROW,
    ),
    "commitment_pipeline": Totals("counted_hkd", "counted_usd", _PER_ROW),
    "largest_investors": Totals(
        "counted_hkd",
        "counted_usd",
        "hkd_unconverted counts them in each row (companies' commitments only)." + _DETAIL,
        rows="party = 'company'",
    ),
    "commitment_counted": Totals("counted_hkd", "counted_usd", _IN_ROWS),
    "largest_commitments": Totals(
        "counted_hkd",
        "counted_usd",
        _IN_ROWS,
        extra="Order (rank): commitments with a HK$ figure come first, largest first; then those "
        "stating an amount with no HK$ figure, by currency and within it by stated amount (where "
        "they fall among the HK$ figures is unknown without a rate); then those with no amount.",
    ),
}


def notes_text(
    con: Any, mart: str, run_id: str | None = None, rows: list[Row] | None = None
) -> str:
    """The notes for one mart of TOTALS, from the warehouse `con` (or `rows`, its left_out_rows)."""
    spec = TOTALS[mart]
    rows = left_out_rows(con, spec.rows) if rows is None else rows
    lines = [f"marts.{mart}: what its HK$ and US$ totals leave out"]
    if run_id:
        lines.append(f"(run {run_id}; the same figures as index.html beside this file)")
    lines.append("")
    for side, columns in (("HK$", spec.hkd), ("US$", spec.usd)):
        said = left_out_sentence(rows, side)
        lines += [
            f"Sums of {columns}:",
            f"  left out: {said}"
            if said
            else f"  nothing left out: every amount has a {side} figure.",
        ]
    if rows:
        lines += [
            "",
            "These amounts are left out of the sums, never counted as 0 and never converted at "
            f"another month's rate. {spec.where_said}",
        ]
    if spec.extra:
        lines += ["", spec.extra]
    return "\n".join(lines) + "\n"


def write_notes(con: Any, folder: Path, run_id: str | None = None) -> list[Path]:
    """folder/<mart>.notes.txt for every mart of TOTALS (written whole, then moved into place)."""
    paths = []
    # One scan of commitment_counted per set of rows (at 10M commitments each is a full scan).
    found = {spec.rows: left_out_rows(con, spec.rows) for spec in TOTALS.values()}
    for mart, spec in TOTALS.items():
        path = folder / f"{mart}{NOTES_SUFFIX}"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(notes_text(con, mart, run_id, found[spec.rows]), encoding="utf-8")
        tmp.replace(path)
        paths.append(path)
    return paths
