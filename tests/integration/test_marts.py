"""Marts are tables rebuilt by a run that landed new data (or changed a mart's SQL), and they hold
exactly what their SQL computes from the core tables at that point; a mart whose contract says
stored: false is a view."""

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
VIEWS = sorted(c.table for c in load_contracts().values() if c.kind == "mart" and c.is_view)


def _refreshed(path: Path) -> dict[str, object]:
    return dict(query(path, "SELECT mart, refreshed_at FROM meta.mart_refresh"))  # type: ignore[arg-type]


def _select(path: Path) -> Iterator[tuple[str, str]]:
    """Each mart's SQL as a query: the CREATE ... AS prefix removed."""
    for mart in wh.mart_files():
        text = mart.read_text(encoding="utf-8")
        yield mart.stem.split("_", 1)[1], text.split(" AS\n", 1)[1].rstrip().rstrip(";")


def test_marts_are_tables_that_match_their_sql_and_rebuild_only_on_new_data(
    paths: dict[str, Path], snapshot_copy: Path
) -> None:
    assert run(paths, snapshot_copy) == 0
    warehouse = paths["warehouse"]
    tables = query(warehouse, "SELECT 'marts.' || table_name FROM duckdb_tables() "
                   "WHERE schema_name = 'marts' ORDER BY 1")  # fmt: skip
    views = query(warehouse, "SELECT 'marts.' || view_name FROM duckdb_views() "
                  "WHERE schema_name = 'marts' ORDER BY 1")  # fmt: skip
    assert VIEWS == ["marts.commitment_counted"]
    assert [t[0] for t in tables] == sorted(set(MARTS) - set(VIEWS))
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


def test_a_warehouse_whose_marts_are_the_other_kind_gets_them_as_declared(
    paths: dict[str, Path],
) -> None:
    warehouse = paths["warehouse"]
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with wh.connect(warehouse) as con:
        wh.migrate(con)
        # As older hkam releases left them, with no record of a build: a mart that is a table
        # now was a view, and commitment_counted, a view now, was a table.
        con.execute("DROP TABLE marts.commitment_pipeline")
        con.execute("DROP VIEW marts.commitment_counted")
        con.execute("DELETE FROM meta.mart_refresh")
        con.execute("CREATE VIEW marts.commitment_pipeline AS SELECT 1 AS status")
        con.execute("CREATE TABLE marts.commitment_counted AS SELECT 1 AS status")
        wh.migrate(con)
        kinds = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
            "AND table_name IN ('commitment_pipeline', 'commitment_counted')"
        ).fetchall()
        views = con.execute(
            "SELECT 'marts.' || view_name FROM duckdb_views() WHERE schema_name = 'marts'"
        )
        assert kinds == [("commitment_pipeline",)]
        assert [v[0] for v in views.fetchall()] == VIEWS
        [(columns,)] = con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' "
            "AND table_name = 'commitment_counted'"
        ).fetchall()
        assert columns == len(load_contracts()["marts.commitment_counted"].columns)
        # Marts with no record of their SQL are rebuilt once; then a changed SQL file rebuilds
        # that mart (and the marts built after it) even when no data changed.
        assert len(wh.refresh_marts(con, "t", data_changed=False)) == len(MARTS)
        con.execute(
            "UPDATE meta.mart_refresh SET sql_sha256 = 'old' WHERE mart = 'marts.source_freshness'"
        )
        assert wh.refresh_marts(con, "t", data_changed=False) == ["marts.source_freshness"]
        assert wh.refresh_marts(con, "t", data_changed=False) == []
