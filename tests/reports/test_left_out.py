"""Totals say what they leave out (issue 20, point 5): on the bundled run, the exports' companion
notes and the run's DQ warning state how many commitments and how much, in the stated currency,
have no HK$ (US$) figure, and for want of which HKMA months. The bundled HKMA file has no rate for
2020-2025, so US$832m (life science, 2024-05), US$200m (Joyoung, no date) and US$100m (Black
Sesame, 2023-11) have no HK$ figure."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from flows.reports.notes import NOTES_SUFFIX, TOTALS
from tests.reports.conftest import Run

HKD_LEFT_OUT = (
    "US$ 1.13 bn in 3 commitments has no HK$ figure: no HKMA rate for 2023-11, 2024-05; "
    "no announcement date to choose an HKMA rate."
)


def _rows(run: Run, mart: str) -> list[dict[str, str]]:
    with (run.latest / f"{mart}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_each_total_bearing_export_has_notes_saying_what_it_leaves_out(bundled_run: Run) -> None:
    for mart in TOTALS:
        notes = (bundled_run.latest / f"{mart}{NOTES_SUFFIX}").read_text(encoding="utf-8")
        assert notes.startswith(f"marts.{mart}: what its HK$ and US$ totals leave out\n")
        assert bundled_run.run_id in notes
    by_sector = (bundled_run.latest / f"investment_by_sector_year{NOTES_SUFFIX}").read_text(
        encoding="utf-8"
    )
    assert f"  left out: {HKD_LEFT_OUT}\n" in by_sector
    # The same count the mart's own rows carry (hkd_unconverted), and the companies' share only
    # where the mart holds companies only.
    rows = _rows(bundled_run, "investment_by_sector_year")
    assert sum(int(r["hkd_unconverted"]) for r in rows) == 3
    investors = (bundled_run.latest / f"largest_investors{NOTES_SUFFIX}").read_text(
        encoding="utf-8"
    )
    assert "left out: US$ 300 m in 2 commitments has no HK$ figure: no HKMA rate for 2023-11;" in (
        investors
    )
    assert "nothing left out: every amount has a US$ figure." in investors
    assert sum(int(r["hkd_unconverted"]) for r in _rows(bundled_run, "largest_investors")) == 2
    page = (bundled_run.latest / "index.html").read_text(encoding="utf-8")
    assert f'href="investment_by_sector_year{NOTES_SUFFIX}"' in page


def test_the_run_warns_when_totals_leave_amounts_out(bundled_run: Run) -> None:
    dq = json.loads((bundled_run.latest / "dq.json").read_text(encoding="utf-8"))
    [warning] = [w for w in dq["warnings"] if w.startswith("totals: ")]
    assert warning.startswith(
        "totals: the HK$ totals leave out US$ 1.13 bn in 3 commitments with no HK$ figure "
        "(no HKMA rate for 2023-11, 2024-05; no announcement date to choose an HKMA rate); "
        "the US$ totals leave out HK$ 101 bn in 10 commitments with no US$ figure (no HKMA rate "
        "for 2020-07, "
    )
    md = (bundled_run.latest / "dq.md").read_text(encoding="utf-8")
    assert f"- {warning}\n" in md


def test_an_amount_with_no_hkd_figure_ranks_by_its_stated_amount(bundled_run: Run) -> None:
    ranked = [
        (r["commitment_id"], r["amount_hkd"], r["amount"])
        for r in _rows(bundled_run, "largest_commitments")
    ]
    first_without_amount = next(k for k, (_, _, amount) in enumerate(ranked) if not amount)
    # US$832m, US$200m, US$100m: after every HK$ figure, before every row with no amount.
    assert [c for c, hkd, amount in ranked if amount and not hkd] == [
        "life-science-firms-2024-05",
        "joyoung-hkstp",
        "black-sesame-2023-11",
    ]
    assert all(amount for _, _, amount in ranked[:first_without_amount])
    assert not any(amount for _, _, amount in ranked[first_without_amount:])


def test_a_run_with_nothing_new_writes_notes_a_folder_lacks(
    bundled_run: Run, tmp_path: Path
) -> None:
    # A reports folder from before the notes files: its page stands, its notes are missing.
    from flows.reports.site import write_run_reports

    payload = json.loads((bundled_run.latest / "dq.json").read_text(encoding="utf-8"))
    payload["landed_new"] = False
    latest = tmp_path / "latest"
    latest.mkdir()
    (latest / "index.html").write_text("an older page", encoding="utf-8")
    write_run_reports(bundled_run.warehouse, tmp_path, payload, {})
    assert all((latest / f"{m}{NOTES_SUFFIX}").exists() for m in TOTALS)
