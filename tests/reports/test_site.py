"""The report site of a run: files, DQ contents, first-run-blocked behaviour."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows.reports.dqhtml import render_dq
from flows.reports.exports import write_exports
from flows.reports.freshness import freshness_rows
from flows.reports.schema import schema_changes
from flows.reports.site import write_run_reports
from flows.sources.cadence import Schedule
from tests.reports.conftest import Run


def test_run_writes_every_report(bundled_run: Run) -> None:
    run_dir = bundled_run.reports / "runs" / bundled_run.run_id
    for path in (
        run_dir / "dq.html",
        run_dir / "dq.json",
        bundled_run.latest / "dq.html",
        bundled_run.latest / "index.html",
    ):
        assert path.exists(), path
    dq = json.loads((run_dir / "dq.json").read_text(encoding="utf-8"))
    assert {f["source"] for f in dq["freshness"]} == {
        "register",
        "censtatd",
        "hkma",
        "itf",
        "gia",
        "published",
    }
    assert all(f["landing_status"] == "fresh" for f in dq["freshness"])
    assert dq["trend"][0]["run_id"] == bundled_run.run_id
    assert dq["schema"]["changes"] == []  # the bundled register matches its contract
    html = (bundled_run.latest / "index.html").read_text(encoding="utf-8")
    assert "published at basic prices" in html and "1680966-20221222" in html
    assert bundled_run.run_id in html


def test_flow_builds_gx_data_docs(bundled_run: Run) -> None:
    assert bundled_run.wired, "nightly must call flows.reports.site.write_run_reports"
    gx = bundled_run.reports / "runs" / bundled_run.run_id / "gx"
    assert (gx / "index.html").exists() and (gx / "register.html").exists()
    assert 'href="gx/index.html"' in (gx.parent / "dq.html").read_text(encoding="utf-8")


def test_first_run_blocked_still_reports(tmp_path: Path) -> None:
    payload = {
        "run_id": "20260101T000000Z-abcdef",
        "status": "blocked",
        "sources": [],
        "checks": {},
        "summary": "blocked",
        "blocked_reasons": ["register is empty"],
        "snapshot_dir": str(tmp_path / "nowhere"),
        "started_at": "2026-01-01T00:00:00+00:00",
    }
    run_dir = write_run_reports(tmp_path / "wh" / "hkam.duckdb", tmp_path / "r", payload, {})
    html = (run_dir / "dq.html").read_text(encoding="utf-8")
    assert "register is empty" in html and "no published warehouse" in html
    assert not (tmp_path / "r" / "latest" / "index.html").exists()


def test_register_header_against_contract_and_previous_run() -> None:
    now = {"register": {"c.csv": ["commitment_id", "party", "surprise"]}}
    before = {"register": {"c.csv": ["commitment_id", "party", "company"]}}
    rows = schema_changes(now, before, (["commitment_id", "party", "company"], ["notes"]))
    seen = {(r["change"], r["column"]) for r in rows}
    assert ("added since previous run", "surprise") in seen
    assert ("gone since previous run", "company") in seen
    assert ("missing (required by contract)", "company") in seen
    assert ("missing (optional in contract)", "notes") in seen
    assert ("extra (not in contract)", "surprise") in seen


def test_freshness_against_cadence() -> None:
    now = datetime(2026, 3, 10, tzinfo=UTC)
    rows = freshness_rows(
        [
            {
                "source": "hkma",
                "files": 1,
                "last_landed_at": "2026-01-01T00:00:00+00:00",
                "latest_period_end": "2025-12-31",
            }
        ],
        now,
        {"hkma": Schedule(31, 14, "test", 31), "register": Schedule(120, 30, "test", 1)},
    )
    by = {r["source"]: r for r in rows}
    assert by["hkma"]["landing_status"] == "stale" and by["hkma"]["data_age_days"] == 69
    assert by["register"]["landing_status"] == "missing"


def test_dq_html_shows_failing_rows_escaped() -> None:
    payload = {
        "run_id": "r1",
        "status": "published",
        "sources": [],
        "summary": "",
        "checks": {
            "register": [
                {
                    "check": "party in set",
                    "expectation": "expect_x",
                    "severity": "warn",
                    "success": False,
                    "element_count": 3,
                    "unexpected_count": 1,
                    "failing_samples": [{"party": "<b>x</b>"}],
                }
            ]
        },
    }
    html = render_dq(payload)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html and "FAIL" in html


def test_csv_formula_cells_are_neutralised_numbers_kept(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "name": ['=HYPERLINK("http://x","y")', "+1", "-1 text", "@SUM(A1)", "plain", None],
            "amount": [-1.5, 2.0, -3.0, 4.0, 5.0, None],
            "n": [-1, 2, 3, 4, 5, 6],
            "tags": [["=x", "b"], [], None, ["c"], ["d"], ["e"]],
        }
    )
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM frame")
    csv_path, parquet_path = write_exports(con, "t", tmp_path, "t", csv=True)
    out = pl.read_csv(csv_path)
    assert out["name"].to_list() == [
        '\'=HYPERLINK("http://x","y")',
        "'+1",
        "'-1 text",
        "'@SUM(A1)",
        "plain",
        None,
    ]
    assert out["amount"].to_list() == frame["amount"].to_list()
    assert out["n"].to_list() == frame["n"].to_list()
    assert out["tags"].to_list()[:3] == ["'=x; b", "", None]  # joined, then neutralised
    assert pl.read_parquet(parquet_path).equals(frame)  # Parquet keeps the values as typed


def test_an_export_in_order_sorts_both_files(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (3, 'c'), (1, 'a'), (2, 'b')) v(rank, x)")
    csv_path, parquet_path = write_exports(con, "t", tmp_path, "t", csv=True, order="rank")
    assert pl.read_csv(csv_path)["rank"].to_list() == [1, 2, 3]
    assert pl.read_parquet(parquet_path)["x"].to_list() == ["a", "b", "c"]


def test_the_largest_commitments_export_is_in_rank_order(bundled_run: Run) -> None:
    """The mart is stored in no order; its spreadsheet export is sorted by rank."""
    ranks = pl.read_csv(bundled_run.latest / "largest_commitments.csv")["rank"].to_list()
    assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) > 1


def test_marts_longer_than_a_spreadsheet_are_parquet_only(
    bundled_run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the spreadsheet limit a mart gets no CSV (a stale one goes) and the page says why."""
    from flows.reports import exports
    from flows.reports.investment import EXPORTS, load_report_data, write_exports_and_page
    from flows.warehouse import connect

    monkeypatch.setattr(exports, "SPREADSHEET_ROWS", 5)  # test value: the bundled marts are small
    (tmp_path / "largest_commitments.csv").write_text("stale\n", encoding="utf-8")
    with connect(bundled_run.warehouse, read_only=True) as con:
        data = load_report_data(con)
        page = write_exports_and_page(con, data, tmp_path).read_text(encoding="utf-8")
    long = {n for n in EXPORTS if data["counts"][n] > 5}
    assert "largest_commitments" in long and long != set(EXPORTS)
    for name in EXPORTS:
        assert (tmp_path / f"{name}.parquet").exists(), name
        assert (tmp_path / f"{name}.csv").exists() == (name not in long), name
        link = f'href="{name}.csv"'
        assert (link in page) == (name not in long), name
    rows = data["counts"]["largest_commitments"]
    assert f"{rows:,} rows of {data['widths']['largest_commitments']} columns, more than" in page
