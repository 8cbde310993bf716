"""Source text is data, never markup or a formula: a register with hostile names, end to end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.reports.conftest import HOSTILE, Run


def test_html_shows_hostile_names_as_text(hostile_run: Run) -> None:
    for page in (hostile_run.latest / "index.html", hostile_run.latest / "dq.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower(), page
        assert "<img" not in html.lower(), page
    index = (hostile_run.latest / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "&lt;img src=x onerror=alert(1)&gt;" in index
    dq = (hostile_run.latest / "dq.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dq  # the quarantined row's party


def test_csv_exports_neutralise_formulas(
    hostile_run: Run, read_csv: Callable[[Path], list[dict[str, str]]]
) -> None:
    rows = read_csv(hostile_run.latest / "largest_commitments.csv")
    texts = {r["amount_text"] for r in rows} | {r["company_name"] for r in rows}
    assert "'" + HOSTILE["formula"] in texts and HOSTILE["formula"] not in texts
    assert "'@SUM(A1:A9)" in texts
    assert HOSTILE["script"] in texts  # not a formula: kept as written
    for r in rows:
        for key in ("amount_text", "company_name", "currency", "status", "source_url"):
            assert not r[key].startswith(("=", "+", "-", "@")), (key, r[key])
        if r["amount_hkd"]:
            float(r["amount_hkd"])  # numbers stay numbers
        int(r["rank"])
