"""Exports are rewritten only when their mart's rows changed (reports/latest/exports.json), and a
sorted export keeps its order in the CSV read back from the Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from flows.reports.exports import EXPORT_INDEX, read_index, write_exports
from flows.reports.investment import EXPORTS
from flows.reports.site import write_investment_report
from flows.warehouse import connect, mart_contents
from tests.reports.conftest import Run


def _mark(paths: list[Path]) -> None:
    """A second name for each file (a hard link beside it): kept, the file has two names; a new
    export is written aside and renamed over it, and has one. (Inodes are reused: no test.)"""
    for p in paths:
        seen = p.with_name(p.name + ".seen")
        seen.unlink(missing_ok=True)
        seen.hardlink_to(p)


def _kept(paths: list[Path]) -> list[bool]:
    return [p.stat().st_nlink == 2 for p in paths]


def test_same_content_keeps_the_files_new_content_rewrites_them(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (2, 'b'), (1, 'a')) v(rank, x)")
    first = write_exports(con, "t", tmp_path, "t", csv=True, order="rank", content="2:17")
    _mark(first)
    again = write_exports(con, "t", tmp_path, "t", csv=True, order="rank", content="2:17")
    assert _kept(again) == [True, True]  # nothing written
    assert read_index(tmp_path)["t"]["content"] == "2:17"

    con.execute("INSERT INTO t VALUES (3, 'c')")
    changed = write_exports(con, "t", tmp_path, "t", csv=True, order="rank", content="3:99")
    assert _kept(changed) == [False, False]
    assert pl.read_csv(changed[0])["x"].to_list() == ["a", "b", "c"]

    # Without a content hash (a warehouse from before them) every export is written.
    _mark(changed)
    unknown = write_exports(con, "t", tmp_path, "t", csv=True, order="rank")
    assert _kept(unknown) == [False, False] and "t" not in read_index(tmp_path)

    # A file that is not the one written (removed, or edited to another size) is written again.
    write_exports(con, "t", tmp_path, "t", csv=True, order="rank", content="3:99")
    changed[0].write_text("rank,x\n", encoding="utf-8")
    redone = write_exports(con, "t", tmp_path, "t", csv=True, order="rank", content="3:99")
    assert pl.read_csv(redone[0]).height == 3


def test_a_long_sorted_export_is_in_order_in_both_files(tmp_path: Path) -> None:
    # DuckDB's CSV writer wrote its threads' chunks as they finished: a CSV read back from the
    # sorted Parquet lost the order past its first row groups without PRESERVE_ORDER.
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT i AS rank, 'row ' || i AS x, i * 1.5 AS amount "
        "FROM range(1, 400001) r(i) ORDER BY hash(i)"
    )
    csv_path, parquet_path = write_exports(con, "t", tmp_path, "t", csv=True, order="rank")
    want = list(range(1, 400001))
    assert pl.read_csv(csv_path)["rank"].to_list() == want
    assert pl.read_parquet(parquet_path)["rank"].to_list() == want


def test_a_run_indexes_its_exports_and_a_second_report_keeps_them(
    bundled_run: Run, tmp_path: Path
) -> None:
    with connect(bundled_run.warehouse, read_only=True) as con:
        contents = mart_contents(con)
    index = read_index(bundled_run.latest)
    assert (bundled_run.latest / EXPORT_INDEX).exists()
    assert {name: index[name]["content"] for name in EXPORTS} == {
        name: contents[f"marts.{name}"] for name in EXPORTS
    }
    reports = tmp_path / "reports"
    write_investment_report(bundled_run.warehouse, reports)
    files = sorted((reports / "latest").glob("*.parquet"))
    _mark(files)
    write_investment_report(bundled_run.warehouse, reports)
    assert _kept(files) == [True] * len(EXPORTS)


def test_a_csv_is_written_only_where_every_common_spreadsheet_opens_it_whole() -> None:
    """Excel and LibreOffice Calc stop at 1,048,576 rows, Google Sheets at 10 million cells
    (the header row counts in both)."""
    from flows.reports.exports import fits_spreadsheet

    assert fits_spreadsheet(1_048_575, 9)  # 9.4M cells: every limit holds
    assert not fits_spreadsheet(1_048_576, 1)  # one row past Excel's last, with the header
    # The 29-column commitment marts: 344,827 rows and the header are 10,000,012 cells.
    assert fits_spreadsheet(344_826, 29) and not fits_spreadsheet(344_827, 29)
