"""flows.warehouse.transaction and registered: frames readable by SQL for a block, all or nothing."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from flows import warehouse as wh


def _names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {n for (n,) in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}


def test_a_transaction_commits_what_its_frames_gave_and_unregisters_them() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (k INTEGER)")
    with wh.transaction(con, new_rows=pl.DataFrame({"k": [1, 2]})):
        con.execute("INSERT INTO t SELECT k FROM new_rows")
    assert con.execute("SELECT sum(k) FROM t").fetchall() == [(3,)]
    assert "new_rows" not in _names(con)
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT * FROM new_rows")


def test_an_error_inside_rolls_everything_back_and_leaves_no_frame_behind() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
    con.execute("INSERT INTO t VALUES (1)")
    frames = {"a": pl.DataFrame({"k": [2]}), "b": pl.DataFrame({"k": [1]})}
    with pytest.raises(duckdb.ConstraintException), wh.transaction(con, **frames):
        con.execute("INSERT INTO t SELECT k FROM a")  # applied, then undone
        con.execute("INSERT INTO t SELECT k FROM b")  # the key 1 is held already
    assert con.execute("SELECT k FROM t").fetchall() == [(1,)]
    assert not {"a", "b"} & _names(con)
    con.execute("INSERT INTO t VALUES (3)")  # no transaction is left open
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(2,)]
