"""The no-double-counting rule of the marts, on the OASES series, the "over 25 companies"
statement, J2 Semiconductor and Horizon Robotics (figures as in the bundled register)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import duckdb
import pytest

from flows.warehouse import migrate, refresh_marts

BN = 1_000_000_000
# commitment_id, party, announced_on, amount_hkd, jobs, scope, is_cumulative, series, covered_by, phasing
ROWS = [
    ("oases-2023-10", "government", date(2023, 10, 4), 30 * BN, 10_000, "aggregate", True, "oases", None, None),
    ("oases-2024-03", "government", date(2024, 3, 20), 40 * BN, 13_000, "aggregate", True, "oases", None, None),
    ("oases-2024-11", "government", date(2024, 11, 11), 42 * BN, 17_000, "aggregate", True, "oases", None, None),
    ("oases-2025-04", "government", date(2025, 4, 1), 50 * BN, 20_000, "aggregate", True, "oases", None, None),
    ("fs-25-companies-2023-08", "government", date(2023, 8, 6), 17 * BN, 4_000, "aggregate", False, None, None, None),
    ("horizon-robotics-2023-12", "company", date(2023, 12, 5), 3 * BN, None, "project", False, None, "fs-25-companies-2023-08", 5),
    ("j2-semiconductor-2023-10", "company", date(2023, 10, 13), 6.9 * BN, 700, "project", False, None, None, None),
]  # fmt: skip


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(":memory:") as c:
        migrate(c)
        now = datetime(2026, 1, 1, tzinfo=UTC)
        for cid, party, day, hkd, jobs, scope, cumulative, series, covered, phasing in ROWS:
            c.execute(
                "INSERT INTO core.investment_commitment_history (commitment_id, version, party, "
                "announced_on, announced_year, amount_hkd, jobs, scope, is_cumulative, series_id, "
                "covered_by, phasing_years, status, cluster, valid_from) "
                "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'announced', 'multiple', ?)",
                [
                    cid,
                    party,
                    day,
                    day.year,
                    hkd,
                    jobs,
                    scope,
                    cumulative,
                    series,
                    covered,
                    phasing,
                    now,
                ],
            )
        refresh_marts(c, "test")  # marts are tables: built from the rows above, as a run does
        yield c


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    return float(con.execute(sql).fetchall()[0][0])


def test_naive_sum_double_counts(con: duckdb.DuckDBPyConnection) -> None:
    naive = scalar(con, "SELECT sum(amount_hkd) FROM core.investment_commitment")
    assert naive == pytest.approx((30 + 40 + 42 + 50 + 17 + 3 + 6.9) * BN)


def test_total_counts_each_dollar_once(con: duckdb.DuckDBPyConnection) -> None:
    # OASES adds up to its latest statement (50); "over 25" adds only what Horizon does not explain
    # (17 - 3); Horizon and J2 count in full.
    total = scalar(con, "SELECT sum(total_hkd) FROM marts.investment_by_sector_year")
    assert total == pytest.approx((50 + 14 + 3 + 6.9) * BN)


def test_split_by_year_and_by_projects_versus_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT year, from_projects_hkd, from_aggregates_hkd, total_hkd "
        "FROM marts.investment_by_sector_year WHERE party IS NOT NULL ORDER BY year, party"
    ).fetchall()
    by_year: dict[int, list[float]] = {}
    for year, projects, aggregates, total in rows:
        acc = by_year.setdefault(year, [0.0, 0.0, 0.0])
        acc[0] += projects
        acc[1] += aggregates
        acc[2] += total
    assert by_year[2023] == pytest.approx([9.9 * BN, 44 * BN, 53.9 * BN])  # 30 + (17 - 3)
    assert by_year[2024] == pytest.approx([0, 12 * BN, 12 * BN])  # 40 - 30, 42 - 40
    assert by_year[2025] == pytest.approx([0, 8 * BN, 8 * BN])  # 50 - 42


def test_counted_as_explains_each_row(con: duckdb.DuckDBPyConnection) -> None:
    got = dict(
        con.execute("SELECT commitment_id, counted_as FROM marts.commitment_counted").fetchall()
    )
    assert got["oases-2024-03"] == "cumulative_increment"
    assert got["fs-25-companies-2023-08"] == "aggregate_remainder"
    assert got["j2-semiconductor-2023-10"] == "project"


def test_jobs_follow_the_same_rule(con: duckdb.DuckDBPyConnection) -> None:
    total = scalar(con, "SELECT sum(total_jobs) FROM marts.jobs_by_sector_year")
    assert total == 20_000 + 4_000 + 700  # Horizon states no jobs, so "over 25" keeps its 4,000


def test_withdrawn_counts_nothing(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "UPDATE core.investment_commitment_history SET status = 'withdrawn' WHERE commitment_id = 'j2-semiconductor-2023-10'"
    )
    refresh_marts(con, "test")
    total = scalar(con, "SELECT sum(total_hkd) FROM marts.investment_by_sector_year")
    assert total == pytest.approx((50 + 14 + 3) * BN)


def test_phasing_spreads_evenly(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT year, hkd FROM marts.investment_phased WHERE commitment_id = 'horizon-robotics-2023-12' ORDER BY year"
    ).fetchall()
    assert [r[0] for r in rows] == [2023, 2024, 2025, 2026, 2027]
    assert all(r[1] == pytest.approx(0.6 * BN) for r in rows)
    total = scalar(con, "SELECT sum(hkd) FROM marts.investment_phased")
    assert total == pytest.approx((50 + 14 + 3 + 6.9) * BN), (
        "phasing moves money in time, never adds"
    )


def test_phased_by_year_adds_up_the_phased_rows(con: duckdb.DuckDBPyConnection) -> None:
    by_year = con.execute(
        "SELECT year, sum(hkd), sum(commitments) FROM marts.investment_phased_by_year "
        "GROUP BY year ORDER BY year"
    ).fetchall()
    phased = con.execute(
        "SELECT year, sum(hkd), count(*) FROM marts.investment_phased GROUP BY year ORDER BY year"
    ).fetchall()
    assert [(y, n) for y, _, n in by_year] == [(y, n) for y, _, n in phased]
    assert [h for _, h, _ in by_year] == pytest.approx([h for _, h, _ in phased])
    # Horizon's HK$600 million a year reaches 2027, when nothing else is counted.
    assert by_year[-1][:2] == (2027, pytest.approx(0.6 * BN))


def _add(
    con: duckdb.DuckDBPyConnection, cid: str, party: str, scope: str, **values: object
) -> None:
    """One more current commitment (TEST VALUES shaped like the bundled register rows)."""
    cols = {"commitment_id": cid, "version": 1, "party": party, "scope": scope,
            "is_cumulative": False, "status": "announced", "cluster": "multiple",
            "valid_from": datetime(2026, 1, 1, tzinfo=UTC), **values}  # fmt: skip
    marks = ", ".join("?" for _ in cols)
    con.execute(
        f"INSERT INTO core.investment_commitment_history ({', '.join(cols)}) VALUES ({marks})",
        list(cols.values()),
    )


def test_company_pledges_and_government_funding_apart(con: duckdb.DuckDBPyConnection) -> None:
    # A government fund (a government project row, like NIAS) is government funding; aggregates a
    # government body announces of companies' pledges (OASES, "over 25") are company pledges.
    _add(con, "nias-2023-10", "government", "project", announced_on=date(2023, 10, 25),
         announced_year=2023, amount=10 * BN, currency="HKD", amount_hkd=10 * BN)  # fmt: skip
    refresh_marts(con, "test")
    by_funder = dict(
        con.execute(
            "SELECT funder, sum(total_hkd) FROM marts.investment_by_sector_year GROUP BY 1"
        ).fetchall()
    )
    # Within company pledges the rule holds as before: OASES 50, "over 25" 17 - Horizon 3, J2.
    assert by_funder == {
        "company": pytest.approx((50 + 14 + 3 + 6.9) * BN),
        "government": pytest.approx(10 * BN),
    }
    phased = dict(
        con.execute(
            "SELECT funder, sum(hkd) FROM marts.investment_phased_by_year GROUP BY 1"
        ).fetchall()
    )
    assert phased == pytest.approx(by_funder)
    jobs = dict(
        con.execute(
            "SELECT funder, sum(total_jobs) FROM marts.jobs_by_sector_year GROUP BY 1"
        ).fetchall()
    )
    assert jobs == {"company": 20_000 + 4_000 + 700, "government": None}  # NIAS states no jobs


def test_an_unknown_conversion_is_null_and_counted_as_left_out(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # US$100 million with no HKMA rate for its month (Black Sesame, 2023-11): no HK$ figure.
    _add(con, "black-sesame-2023-11", "company", "project", announced_on=date(2023, 11, 6),
         announced_year=2023, amount=100e6, currency="USD", amount_usd=100e6,
         fx_method="missing_rate", cluster="semiconductors")  # fmt: skip
    refresh_marts(con, "test")
    row = con.execute(
        "SELECT total_hkd, from_projects_hkd, from_aggregates_hkd, hkd_unconverted, total_usd "
        "FROM marts.investment_by_sector_year WHERE cluster = 'semiconductors'"
    ).fetchall()
    assert row == [(None, None, 0.0, 1, 100e6)]  # a sum of only unknowns is NULL, never 0
    reason = con.execute(
        "SELECT fx_missing_reason FROM marts.commitment_counted "
        "WHERE commitment_id = 'black-sesame-2023-11'"
    ).fetchall()
    assert reason == [("no HKMA rate for 2023-11",)]
    total = scalar(con, "SELECT sum(total_hkd) FROM marts.investment_by_sector_year")
    assert total == pytest.approx((50 + 14 + 3 + 6.9) * BN)  # the known figures, unchanged


def test_rank_places_an_amount_with_no_hkd_figure_by_its_stated_amount(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # TEST VALUES shaped like the bundled register: US$832m (life science, 2024-05) and US$100m
    # (Black Sesame, 2023-11) with no HKMA rate for their month, a CNY amount with none either,
    # and a commitment with no amount whose id sorts before them all.
    no_rate = {"fx_method": "missing_rate", "announced_year": 2024}
    _add(con, "life-science-firms-2024-05", "government", "aggregate", amount=832e6,
         currency="USD", amount_usd=832e6, announced_on=date(2024, 5, 8), **no_rate)  # fmt: skip
    _add(con, "black-sesame-2023-11", "company", "project", amount=100e6, currency="USD",
         amount_usd=100e6, announced_on=date(2023, 11, 6), **no_rate)  # fmt: skip
    _add(con, "cny-firm-2024-06", "company", "project", amount=2 * BN, currency="CNY",
         announced_on=date(2024, 6, 1), **no_rate)  # fmt: skip
    _add(con, "adaspace-2024-06", "company", "project", announced_on=date(2024, 6, 28))
    refresh_marts(con, "test")
    ranked = [
        r[0]
        for r in con.execute(
            "SELECT commitment_id FROM marts.largest_commitments ORDER BY rank"
        ).fetchall()
    ]
    converted = [r[0] for r in sorted(ROWS, key=lambda r: -float(r[3]))]
    # HK$ figures first by size; then the amounts with no HK$ figure by currency and within it
    # by stated amount (never placed among the HK$ figures: that needs a rate); no amount last.
    assert ranked == [
        *converted,
        "cny-firm-2024-06",
        "life-science-firms-2024-05",
        "black-sesame-2023-11",
        "adaspace-2024-06",
    ]


def test_an_investors_largest_commitment_follows_the_rank(con: duckdb.DuckDBPyConnection) -> None:
    # TEST VALUES: one company, a commitment with no amount and one of US$200m with no HK$ figure.
    _add(con, "acme-a-2024-06", "company", "project", company_id="acme",
         announced_on=date(2024, 6, 28))  # fmt: skip
    _add(con, "acme-b-2024-07", "company", "project", company_id="acme", amount=200e6,
         currency="USD", amount_usd=200e6, fx_method="missing_rate",
         announced_on=date(2024, 7, 2))  # fmt: skip
    refresh_marts(con, "test")
    largest = con.execute(
        "SELECT largest_commitment_id FROM marts.largest_investors WHERE company_id = 'acme'"
    ).fetchall()
    assert largest == [("acme-b-2024-07",)]


def test_investors_rank_an_amount_with_no_hkd_figure_before_no_amount(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # TEST VALUES: a company with US$100m and no HK$ figure, one with no amount but jobs (which
    # the old order, by HK$ then jobs, put first), and one with neither.
    _add(con, "usd-co-2023-11", "company", "project", company_id="usd-co", amount=100e6,
         currency="USD", amount_usd=100e6, fx_method="missing_rate",
         announced_on=date(2023, 11, 6))  # fmt: skip
    _add(con, "jobs-co-2024-06", "company", "project", company_id="jobs-co", jobs=500,
         announced_on=date(2024, 6, 28))  # fmt: skip
    _add(con, "bare-co-2024-06", "company", "project", company_id="bare-co",
         announced_on=date(2024, 6, 28))  # fmt: skip
    refresh_marts(con, "test")
    ranked = con.execute(
        "SELECT company_id FROM marts.largest_investors WHERE company_id LIKE '%-co' ORDER BY rank"
    ).fetchall()
    assert ranked == [("usd-co",), ("jobs-co",), ("bare-co",)]
