"""The pages in a real headless Chromium, network off: every chart renders as SVG, the console is
clean, no request leaves file://, and a screenshot is saved (in the test's tmp dir)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.reports.html import money
from tests.reports.browser import Browser, chromium_path
from tests.reports.conftest import Run

CHARTS = """
[...document.querySelectorAll('[data-chart]')].map(s => ({
  id: s.id,
  svgs: s.querySelectorAll('svg.chart').length,
  marks: s.querySelectorAll('svg.chart rect, svg.chart path, svg.chart circle').length,
  width: Math.round(s.querySelector('svg.chart')?.getBoundingClientRect().width || 0),
}))
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    exe = chromium_path()
    if exe is None:
        pytest.skip("no chromium: `make browser` installs it")
    b = Browser(exe, tmp_path_factory.mktemp("chromium"))
    try:
        yield b
    finally:
        b.close()


def _load(browser: Browser, page: Path, shot: Path) -> list[dict[str, object]]:
    report = browser.open(page.resolve().as_uri())
    assert report.errors == [], report.errors
    outside = [u for u in report.requests if not u.startswith(("file://", "data:", "about:"))]
    assert outside == [], outside
    charts: list[dict[str, object]] = browser.evaluate(CHARTS)
    browser.screenshot(shot)
    assert shot.stat().st_size > 20_000
    return charts


def test_investment_report_renders(bundled_run: Run, browser: Browser, tmp_path: Path) -> None:
    charts = _load(browser, bundled_run.latest / "index.html", tmp_path / "index.png")
    assert {c["id"] for c in charts} == {"investment", "jobs", "largest", "pipeline", "context"}
    for c in charts:
        assert c["svgs"] and c["marks"] and c["width"] > 300, c
    assert browser.evaluate("document.querySelectorAll('script').length") == 0
    print(f"screenshot: {tmp_path / 'index.png'}")


def test_dq_report_renders(bundled_run: Run, browser: Browser, tmp_path: Path) -> None:
    charts = _load(browser, bundled_run.latest / "dq.html", tmp_path / "dq.png")
    assert [c["id"] for c in charts] == ["trend"] and charts[0]["marks"]
    text = browser.evaluate("document.body.innerText")
    assert "register" in text and "Schema changes" in text


def test_hostile_names_render_as_text(hostile_run: Run, browser: Browser, tmp_path: Path) -> None:
    for name in ("index.html", "dq.html"):
        _load(browser, hostile_run.latest / name, tmp_path / f"hostile-{name}.png")
        assert browser.evaluate("document.querySelectorAll('script, img').length") == 0
    text = browser.evaluate("document.body.innerText")
    assert "<script>alert(1)</script>" in text


# Every table cell under a header, as the reader sees it: {header: [cell text, ...]} per table.
CELLS = """
[...document.querySelectorAll('table.data')].map(t => {
  const heads = [...t.querySelectorAll('thead th')].map(h => h.innerText.trim());
  const rows = [...t.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()));
  return {heads, rows};
})
"""
YEAR_HEADS = {"year", "first", "latest"}
AMOUNT = re.compile(r"^(HK|US)\$ \d[\d,]*(\.\d+)?( bn| m)?( \+ .+)?$")
MISSING_WITH_REASON = re.compile(r"^— \S.*")


def _svg_texts(browser: Browser, section: str) -> list[str]:
    return list(
        browser.evaluate(
            f"[...document.querySelectorAll('#{section} svg text, #{section} svg title')]"
            ".map(t => t.textContent)"
        )
    )


@pytest.fixture(scope="module")
def index_page(bundled_run: Run, browser: Browser) -> dict[str, Any]:
    """The report loaded once: its text and its tables' cells by header."""
    report = browser.open((bundled_run.latest / "index.html").resolve().as_uri())
    assert report.errors == []
    return {"text": browser.evaluate("document.body.innerText"), "tables": browser.evaluate(CELLS)}


def _columns(page: dict[str, Any], wanted: Callable[[str], bool]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for t in page["tables"]:
        for i, head in enumerate(t["heads"]):
            if wanted(head):
                out.setdefault(head, []).extend(r[i] for r in t["rows"] if len(r) > i)
    return out


def test_years_are_years(index_page: dict[str, Any]) -> None:
    """No year with a thousands separator (the investors table printed 2,023)."""
    assert not re.search(r"(?<![\d.])2,0[12]\d(?![\d,])", index_page["text"])
    for head, cells in _columns(index_page, lambda h: h in YEAR_HEADS).items():
        bad = [c for c in cells if not (re.fullmatch(r"\d{4}", c) or c.startswith("— "))]
        assert bad == [], (head, bad)


def test_amounts_carry_units(index_page: dict[str, Any]) -> None:
    """Every HK$ and US$ cell is an amount with its unit (HK$ 6.9 bn) or "—" with a reason."""
    columns = _columns(index_page, lambda h: "HK$" in h or "US$" in h)
    assert sum(len(c) for c in columns.values()) > 50
    for head, cells in columns.items():
        bad = [c for c in cells if not (AMOUNT.match(c) or MISSING_WITH_REASON.match(c))]
        assert bad == [], (head, bad)


def test_unconverted_is_missing_with_its_reason_not_zero(
    index_page: dict[str, Any], browser: Browser
) -> None:
    """Joyoung's US$200 m and Black Sesame's US$100 m have no HKMA rate: never drawn as HK$0."""
    investors = next(t for t in index_page["tables"] if {"HK$ counted", "HQ"} <= set(t["heads"]))
    col = investors["heads"].index("HK$ counted")
    by_name = {r[0]: r[col] for r in investors["rows"]}
    assert by_name["Black Sesame Technologies"] == "— no HKMA rate for 2023-11"
    assert by_name["Joyoung"].startswith("— ") and "HKMA rate" in by_name["Joyoung"]
    drawn = _svg_texts(browser, "largest") + _svg_texts(browser, "investment")
    assert not [t for t in drawn if re.search(r"HK\$ ?0(?![\d.,])", t)], "HK$0 drawn"
    assert not [t for t in drawn if "Joyoung" in t or "Black Sesame" in t]
    # What the HK$ figures leave out is said beside them.
    assert "Not drawn (no HK$ figure): Joyoung US$ 200 m" in index_page["text"]
    assert "Not in these HK$ figures: US$ 1.13 bn (3 commitments)" in index_page["text"]


def test_company_pledges_and_government_funding_apart(
    bundled_run: Run, index_page: dict[str, Any], browser: Browser
) -> None:
    """Separate headline tiles, each equal to its total in marts.investment_by_sector_year."""
    tiles = dict(
        browser.evaluate(
            "[...document.querySelectorAll('[data-tile]')]"
            ".map(t => [t.dataset.tile, t.querySelector('.v').innerText])"
        )
    )
    assert {"company_hkd", "government_hkd"} <= set(tiles), tiles
    with duckdb.connect(str(bundled_run.warehouse), read_only=True) as con:
        sums = dict(
            con.execute(
                "SELECT funder, sum(total_hkd) FROM marts.investment_by_sector_year GROUP BY 1"
            ).fetchall()
        )
    # By hand from the register: company = J2 6.9 + Horizon 3 + over-25 remainder 14 + OASES 50
    # + HKSTP-11 14 + HK-SZ partners 1; government = NIAS 10 + I&T fund 10 + RFS 2.
    assert tiles["company_hkd"] == money(sums["company"]) == "HK$ 88.9 bn"
    assert tiles["government_hkd"] == money(sums["government"]) == "HK$ 22 bn"
    assert "110.9" not in index_page["text"]
    headings = browser.evaluate(
        "[...document.querySelectorAll('#investment h3[data-funder], #jobs h3[data-funder]')]"
        ".map(h => h.dataset.funder)"
    )
    assert headings.count("company") == 3 and headings.count("government") == 3
