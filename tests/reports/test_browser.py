"""The pages in a real headless Chromium, network off: every chart renders as SVG, the console is
clean, no request leaves file://, and a screenshot is saved (in the test's tmp dir)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
