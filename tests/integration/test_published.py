"""Published figures (snapshot published/figures.csv): loaded into core.macro_indicator with their
kind, checked like every source (a bad row is quarantined with its reason), and the marts built on
them: the share of GDP at basic prices only, persons engaged per division and never a total."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from flows.inputs import run_inputs
from flows.runs import read_run_log
from tests.integration.test_nightly import query, run

pytestmark = pytest.mark.usefixtures("prefect_harness")

FIGURES = Path("published") / "figures.csv"
# Sample rows made for these tests (not figures of any source): each breaks one rule.
BAD_ROWS = {
    "no-url": {"period": "2019", "value": "0.9", "source_url": ""},
    "bad-unit": {"period": "2020", "value": "0.9", "unit": "percent"},
}
# A figure on the factor-cost basis for a year the basic-prices series lacks, in a newer edition
# than any basic-prices figure: it must still never become a point of that series (test value).
FACTOR_COST_2015 = {"period": "2015", "value": "9.9", "basis": "factor_cost", "vintage": "2030"}


def _rewrite(snapshot: Path, extra: list[dict[str, str]]) -> None:
    path = snapshot / FIGURES
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    template = next(r for r in rows if r["basis"] == "basic_prices")
    rows += [dict(template, **change) for change in extra]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_the_share_mart_holds_the_published_years_with_their_sources(
    paths: dict[str, Path],
) -> None:
    assert run(paths) == 0
    rows = query(
        paths["warehouse"],
        "SELECT year, kind, basis, value_pct, vintage, source_url "
        "FROM marts.manufacturing_share_gdp ORDER BY year, kind",
    )
    published = {r[0]: r for r in rows if r[1] == "published"}
    assert sorted(published) == [2008, 2009, 2010, 2011, 2012, 2013, 2014, 2016, 2017]
    assert all(r[2] == "basic_prices" for r in published.values())
    assert all(
        str(r[5]).startswith("https://hkintexts.histsyn.com/series/histsyn-yearbook-engine/")
        for r in published.values()
    )
    # 2010 in two Year Books (1.7 in 2012, 1.8 in 2015): the latest vintage wins.
    assert published[2010][3:5] == (1.8, "2015")
    others = [(r[0], r[1], r[3]) for r in rows if r[1] != "published"]
    assert others == [(2022, "stated", 1.0), (2027, "target", 1.5), (2032, "target", 5.0)]
    # Analysts query one table: C&SD rows and published rows side by side, each with its kind.
    kinds = dict(query(paths["warehouse"], "SELECT kind, count(*) FROM core.macro_indicator "
                       "GROUP BY kind"))  # fmt: skip
    assert set(kinds) == {"official_api", "published", "stated", "target"}


def test_factor_cost_figures_are_held_but_never_on_the_basic_prices_series(
    paths: dict[str, Path], snapshot_copy: Path
) -> None:
    _rewrite(snapshot_copy, [FACTOR_COST_2015])
    assert run(paths, snapshot_copy) == 0
    held = query(
        paths["warehouse"],
        "SELECT period, value FROM core.macro_indicator WHERE basis = 'factor_cost' "
        "AND indicator = 'manufacturing_share_gdp' ORDER BY period",
    )
    assert [p for p, _ in held] == ["2004", "2005", "2006", "2007", "2008", "2015"]
    mart = dict(query(paths["warehouse"], "SELECT year, value_pct FROM "
                      "marts.manufacturing_share_gdp WHERE kind = 'published'"))  # fmt: skip
    assert 2015 not in mart and mart[2008] == 1.9  # not the factor-cost 2.5 nor the test 9.9
    [(bases,)] = query(paths["warehouse"],
                       "SELECT list(DISTINCT basis) FROM marts.manufacturing_share_gdp")  # fmt: skip
    assert "factor_cost" not in bases  # type: ignore[operator]


def test_a_bad_row_is_quarantined_with_its_reason(
    paths: dict[str, Path], snapshot_copy: Path
) -> None:
    _rewrite(snapshot_copy, list(BAD_ROWS.values()))
    assert run(paths, snapshot_copy) == 0
    quarantined = query(
        paths["warehouse"],
        "SELECT line, check_name, reason FROM meta.quarantine WHERE source = 'published' "
        "ORDER BY line, check_name",
    )
    checks = {check for _, check, _ in quarantined}
    assert "source_url is required" in checks, checks
    assert "unit is one of pct_gdp, persons" in checks, checks
    assert all(reason for _, _, reason in quarantined)
    assert len({line for line, _, _ in quarantined}) == 2
    loaded = query(paths["warehouse"], "SELECT period FROM core.macro_indicator "
                   "WHERE table_id = 'published' AND period IN ('2019', '2020') "
                   "AND indicator = 'manufacturing_share_gdp'")  # fmt: skip
    assert loaded == []
    [(count,)] = query(paths["warehouse"], "SELECT rows_quarantined FROM meta.run")
    assert count == 2  # the run summary counts them


def test_an_edited_file_replaces_the_published_rows_and_an_unchanged_one_is_skipped(
    paths: dict[str, Path], snapshot_copy: Path
) -> None:
    assert run(paths, snapshot_copy) == 0
    path = snapshot_copy / FIGURES
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    drop = next(i for i, line in enumerate(lines) if ",2017,," in line)
    path.write_text("".join(lines[:drop] + lines[drop + 1 :]), encoding="utf-8")
    assert run(paths, snapshot_copy) == 0
    years = [y for (y,) in query(paths["warehouse"], "SELECT year FROM "
             "marts.manufacturing_share_gdp WHERE kind = 'published'")]  # fmt: skip
    assert 2017 not in years and 2016 in years  # the deleted row is gone, not kept from before
    assert run(paths, snapshot_copy) == 0  # nothing new: an unchanged run, nothing republished
    [last] = read_run_log(paths["warehouse"], limit=1)
    assert last["status"] == "unchanged"


def test_the_employment_mart_holds_the_divisions_and_no_total(paths: dict[str, Path]) -> None:
    assert run(paths) == 0
    rows = query(
        paths["warehouse"],
        "SELECT industry_code, industry_name, year, persons_engaged "
        "FROM marts.manufacturing_employment_by_division",
    )
    codes = {r[0] for r in rows}
    assert len(codes) == 14 and len(rows) == 140
    assert all(c.startswith("ind_") and c[4:].isdigit() for c in codes)  # divisions (ind_10..33)
    assert "ind_C" not in codes  # manufacturing as a whole (section C) is no row
    assert not any("total" in str(r[1]).lower() for r in rows)
    assert {r[2] for r in rows} == set(range(2015, 2025))
    food_2015 = [r[3] for r in rows if r[0] == "ind_10" and r[2] == 2015]
    assert food_2015 == [25400]  # ../shared/reference/manufacturing_employment_by_division.csv


def test_the_published_folder_is_part_of_the_run_inputs(
    snapshot_copy: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    before = run_inputs([snapshot_copy], landing, None, hash_new=True)
    assert any(name.startswith("0/published/") for name in before.stamps)
    path = snapshot_copy / FIGURES
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert run_inputs([snapshot_copy], landing, None, hash_new=True).sha256 != before.sha256
