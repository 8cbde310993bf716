"""The report's official context: the share-of-GDP chart draws the published basic-prices points
(2008-2017, a gap where a year is missing and between 2017 and the 2022 statement), and the jobs
context has one small chart per division with the not-summable note."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flows.reports.charts import Point
from flows.reports.context import NOT_SUMMABLE, PUBLISHED_COLOR, PUBLISHED_NAME, runs
from tests.reports.conftest import Run


class _Block(HTMLParser):
    """The SVG tooltips (<title>) and paths inside the element with a given id."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth = element_id, 0
        self.titles: list[str] = []
        self.paths: list[dict[str, str | None]] = []
        self.divisions = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self.depth:
            self.depth += tag != "path"  # void-like SVG elements are closed by the parser too
            if tag == "path":
                self.paths.append(found)
            self._in_title = tag == "title"
            self.divisions += found.get("class") == "division"
        elif found.get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag != "path":
            self.depth -= 1
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self.depth and self._in_title:
            self.titles.append(data)


def _block(run: Run, element_id: str) -> _Block:
    parser = _Block(element_id)
    parser.feed((run.latest / "index.html").read_text(encoding="utf-8"))
    return parser


def test_the_share_chart_draws_the_published_years(bundled_run: Run) -> None:
    chart = _block(bundled_run, "share-chart")
    points = {
        int(m.group(1)): m.group(2)
        for t in chart.titles
        if (m := re.match(re.escape(PUBLISHED_NAME) + r" (\d{4}): ([\d.]+)%", t))
    }
    assert points == {
        2008: "1.9", 2009: "1.8", 2010: "1.8", 2011: "1.6", 2012: "1.5", 2013: "1.4",
        2014: "1.3", 2016: "1.1", 2017: "1.1",
    }  # fmt: skip
    assert any(t.startswith("stated level (about) 2022: 1%") for t in chart.titles)
    assert any(t.startswith("government target 2032: 5%") for t in chart.titles)
    # Two line pieces (2008-2014, 2016-2017): never a line across 2015 or on to 2022.
    lines = [p for p in chart.paths if p.get("stroke") == PUBLISHED_COLOR]
    assert len(lines) == 2
    html = (bundled_run.latest / "index.html").read_text(encoding="utf-8")
    assert "basic prices" in html and "medium confidence" in html


def test_the_jobs_context_has_a_chart_per_division_and_says_not_summable(
    bundled_run: Run,
) -> None:
    jobs = _block(bundled_run, "jobs-chart")
    assert jobs.divisions == 14
    assert any(t.startswith("persons engaged 2024: 25,020") for t in jobs.titles)  # food
    html = (bundled_run.latest / "index.html").read_text(encoding="utf-8")
    assert NOT_SUMMABLE.replace("'", "&#x27;") in html or NOT_SUMMABLE in html


def test_a_line_joins_consecutive_years_only() -> None:
    pts = [Point(y, 1.0) for y in (2008, 2009, 2011, 2017, 2022)]
    assert [[p.x for p in run] for run in runs(pts)] == [[2008, 2009], [2011], [2017], [2022]]
