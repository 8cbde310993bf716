"""Marts are tables (commitment_counted a view of largest_commitments) rebuilt by a run that landed
new data (or changed a mart's SQL), and they hold exactly what their SQL computes from the core
tables at that point."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from flows import warehouse as wh
from flows.contracts import load_contracts
from tests.helpers import rewrite_register
from tests.integration.test_nightly import query, run

pytestmark = pytest.mark.usefixtures("prefect_harness")

MARTS = sorted(c.table for c in load_contracts().values() if c.kind == "mart")
VIEWS = sorted(wh.mart_name(p) for p in wh.mart_files() if wh.builds_view(p))


def _refreshed(path: Path) -> dict[str, object]:
    return dict(query(path, "SELECT mart, refreshed_at FROM meta.mart_refresh"))  # type: ignore[arg-type]


def _select(path: Path) -> Iterator[tuple[str, str]]:
    """Each mart's SQL as a query: the CREATE ... AS prefix removed."""
    for mart in wh.mart_files():
        text = mart.read_text(encoding="utf-8")
        yield wh.mart_name(mart), text.split(" AS\n", 1)[1].rstrip().rstrip(";")


def test_marts_are_tables_that_match_their_sql_and_rebuild_only_on_new_data(
    paths: dict[str, Path], snapshot_copy: Path
) -> None:
    assert run(paths, snapshot_copy) == 0
    warehouse = paths["warehouse"]
    tables = query(warehouse, "SELECT 'marts.' || table_name FROM duckdb_tables() "
                   "WHERE schema_name = 'marts' ORDER BY 1")  # fmt: skip
    views = query(warehouse, "SELECT 'marts.' || view_name FROM duckdb_views() "
                  "WHERE schema_name = 'marts' ORDER BY 1")  # fmt: skip
    assert VIEWS == ["marts.commitment_counted"]  # its rows are largest_commitments' counted ones
    assert [t[0] for t in tables] == [m for m in MARTS if m not in VIEWS]
    assert [v[0] for v in views] == VIEWS
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, sql in _select(warehouse):
            stored = con.execute(f"SELECT * FROM {name}").fetchall()
            assert stored == con.execute(sql).fetchall(), name
            assert stored, f"{name} is empty on the bundled snapshot"
    first = _refreshed(warehouse)
    assert sorted(first) == MARTS

    assert run(paths, snapshot_copy) == 0  # nothing new: the marts stay as built
    assert _refreshed(warehouse) == first

    rewrite_register(snapshot_copy, {"horizon-robotics-2023-12": {"status": "construction"}})
    assert run(paths, snapshot_copy) == 0
    second = _refreshed(warehouse)
    assert all(second[m] > first[m] for m in MARTS)  # type: ignore[operator]
    [(status,)] = query(
        warehouse,
        "SELECT status FROM marts.largest_commitments WHERE commitment_id = 'horizon-robotics-2023-12'",
    )
    assert status == "construction"


def test_a_warehouse_whose_marts_are_views_gets_tables(paths: dict[str, Path]) -> None:
    warehouse = paths["warehouse"]
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with wh.connect(warehouse) as con:
        wh.migrate(con)
        # As an older hkam left it, with no record of a build: the mart a view, and
        # largest_commitments, which that mart's SQL reads now, without the counted columns.
        con.execute("DROP TABLE marts.commitment_pipeline")
        con.execute("DELETE FROM meta.mart_refresh")
        con.execute("CREATE VIEW marts.commitment_pipeline AS SELECT 1 AS status")
        con.execute(
            "CREATE OR REPLACE TABLE marts.largest_commitments AS "
            "SELECT 1::BIGINT AS rank, 'x' AS commitment_id, 'mou' AS status"
        )
        wh.migrate(con)
        kinds = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
            "AND table_name = 'commitment_pipeline'"
        ).fetchall()
        views = con.execute(
            "SELECT 'marts.' || view_name FROM duckdb_views() WHERE schema_name = 'marts'"
        )
        assert kinds == [("commitment_pipeline",)]
        assert [v[0] for v in views.fetchall()] == VIEWS  # only what a mart's SQL builds
        [(columns,)] = con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' "
            "AND table_name = 'largest_commitments'"
        ).fetchall()
        assert columns == len(load_contracts()["marts.largest_commitments"].columns)
        # Marts with no record of their SQL were rebuilt once, by migrate; then a changed SQL
        # file rebuilds that mart (and the marts built after it) even when no data changed.
        built = con.execute("SELECT mart FROM meta.mart_refresh WHERE load_id = 'migrate'")
        assert sorted(r[0] for r in built.fetchall()) == MARTS
        assert wh.refresh_marts(con, "t", data_changed=False) == []
        con.execute(
            "UPDATE meta.mart_refresh SET sql_sha256 = 'old' WHERE mart = 'marts.source_freshness'"
        )
        assert wh.refresh_marts(con, "t", data_changed=False) == ["marts.source_freshness"]
        assert wh.refresh_marts(con, "t", data_changed=False) == []


def test_a_warehouse_from_before_commitment_counted_was_a_view_gets_the_view(
    paths: dict[str, Path],
) -> None:
    warehouse = paths["warehouse"]
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with wh.connect(warehouse) as con:
        wh.migrate(con)
        # As the previous hkam left it: a stored copy of largest_commitments' counted rows.
        con.execute("DROP VIEW marts.commitment_counted")
        con.execute(
            "CREATE TABLE marts.commitment_counted AS SELECT * FROM marts.largest_commitments "
            "WHERE counted_as IS NOT NULL"
        )
        wh.migrate(con)
        [(kind,)] = con.execute(
            "SELECT 'view' FROM duckdb_views() WHERE schema_name = 'marts' "
            "AND view_name = 'commitment_counted' UNION ALL SELECT 'table' FROM duckdb_tables() "
            "WHERE schema_name = 'marts' AND table_name = 'commitment_counted'"
        ).fetchall()
        assert kind == "view"
        [(comment,)] = con.execute(
            "SELECT comment FROM duckdb_views() WHERE view_name = 'commitment_counted'"
        ).fetchall()
        assert comment.startswith("Each current, not withdrawn commitment")
