"""Freshness is two questions: did the file land (landing_status), is the data up to date
(data_status, from the latest period it covers against cadence + publication lag)?"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

from flows.reports.freshness import freshness_rows
from flows.sources.cadence import SCHEDULES
from flows.sources.catalog import SOURCES
from tests.reports.conftest import Run


class _SectionTable(HTMLParser):
    """Header and body cells (as text) of the first table inside <section id=anchor>."""

    def __init__(self, anchor: str) -> None:
        super().__init__()
        self.anchor, self.depth, self.in_table = anchor, 0, False
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section" and ("id", self.anchor) in attrs:
            self.depth = 1
        elif self.depth and tag == "section":
            self.depth += 1
        if not self.depth or self.done:
            return
        if tag == "table":
            self.in_table = True
        elif self.in_table and tag == "tr":
            self.rows.append([])
        elif self.in_table and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if not self.depth or self.done:
            return
        if tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table" and self.in_table:
            self.in_table, self.done = False, True
        elif tag == "section":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def section_rows(html: str, anchor: str) -> list[dict[str, str]]:
    """The first table of a page section as dicts keyed by column header."""
    parser = _SectionTable(anchor)
    parser.feed(html)
    head, *body = [r for r in parser.rows if r]
    return [dict(zip(head, r, strict=True)) for r in body]


def test_every_source_has_one_schedule_with_its_basis() -> None:
    assert set(SCHEDULES) == {"register"} | {s.name for s in SOURCES}
    for name, plan in SCHEDULES.items():
        assert plan.cadence_days > 0 and plan.lag_days >= 0 and plan.landing_days > 0, name
        assert len(plan.lag_basis) > 40, name  # says where the lag comes from


def test_bundled_itf_and_register_are_late_while_their_files_are_fresh(bundled_run: Run) -> None:
    dq = json.loads((bundled_run.latest / "dq.json").read_text(encoding="utf-8"))
    by = {f["source"]: f for f in dq["freshness"]}
    for source in ("itf", "register"):
        row = by[source]
        assert row["landing_status"] == "fresh", row  # the file landed in this run
        assert row["data_status"] == "late", row  # ITF ends 2023-12-31, the register 2025-04-01
        assert row["data_expected_by"] < datetime.now(UTC).date().isoformat(), row
        assert row["publication_lag_days"] == SCHEDULES[source].lag_days
        assert row["lag_basis"] == SCHEDULES[source].lag_basis
    assert by["itf"]["latest_period_end"] == "2023-12-31"
    assert by["itf"]["data_expected_by"] == "2025-04-02"  # 2024's list + 92 days
    assert by["register"]["latest_period_end"] == "2025-04-01"
    assert by["register"]["data_expected_by"] == "2025-08-29"  # + 120 + 30 days
    assert {f["data_status"] for f in dq["freshness"]} <= {"current", "late", "no data"}


def test_data_covering_last_month_is_current_an_old_year_late_nothing_loaded_no_data() -> None:
    now = datetime(2026, 5, 10, 3, tzinfo=UTC)
    landed = [
        {
            "source": "hkma",
            "files": 2,
            "last_landed_at": "2026-05-02T02:00:00+00:00",
            "latest_period_end": "2026-04-30",  # last month
        },
        {
            "source": "itf",
            "files": 1,
            "last_landed_at": datetime(2026, 5, 10, tzinfo=UTC),
            "latest_period_end": "2023-12-31",
        },
        {"source": "gia", "files": 1, "last_landed_at": "2026-05-01", "latest_period_end": None},
    ]
    by = {r["source"]: r for r in freshness_rows(landed, now)}
    assert by["hkma"]["landing_status"] == "fresh" and by["hkma"]["data_status"] == "current"
    assert by["hkma"]["data_expected_by"] == "2026-06-14"  # May's rate + 14 days
    assert by["hkma"]["data_age_days"] == 10
    assert by["itf"]["landing_status"] == "fresh" and by["itf"]["data_status"] == "late"
    assert by["gia"]["landing_status"] == "stale" and by["gia"]["data_status"] == "no data"
    assert by["register"]["landing_status"] == "missing"
    assert by["register"]["data_status"] == "no data"
    # the same data is late once the next month is past due
    later = {r["source"]: r for r in freshness_rows(landed, datetime(2026, 6, 15, tzinfo=UTC))}
    assert later["hkma"]["data_status"] == "late"


def test_dq_page_and_report_show_landing_and_data_status(bundled_run: Run) -> None:
    for name in ("dq.html", "index.html"):
        html = (bundled_run.latest / name).read_text(encoding="utf-8")
        rows = {r["source"]: r for r in section_rows(html, "freshness")}
        assert set(rows) == set(SCHEDULES), name
        for source in ("itf", "register"):
            assert rows[source]["landing status"] == "fresh", (name, rows[source])
            assert rows[source]["data status"] == "late", (name, rows[source])
        assert rows["itf"]["data up to"] == "2023-12-31"
        assert rows["itf"]["next period due by"] == "2025-04-02"
        assert rows["itf"]["lag (days)"] == "92"
        assert "Where each lag comes from" in html and "annual list" in html, name
    index = (bundled_run.latest / "index.html").read_text(encoding="utf-8")
    head = index[index.index('<div class="sub">') :].split("</div>", 1)[0]
    assert "all files fresh" in head and "data late: " in head and "itf" in head


def test_readme_states_each_sources_lag_as_the_code_does() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for name, plan in SCHEDULES.items():
        [row] = [line for line in readme.splitlines() if line.startswith(f"| `{name}` |")]
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2] == str(plan.lag_days), (name, row)
        assert f"{plan.cadence_days} day" in cells[1], (name, row)
