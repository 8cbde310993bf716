"""The register's whole-register steps on a real DuckDB: the grain check over every landed row and
the part bounds. Rows are made for this test (keys and line numbers only), not data."""

from __future__ import annotations

import itertools
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows import pipeline as p
from flows import register_parts as rp
from flows import register_steps as rs
from flows.contracts import contract
from flows.warehouse import migrate

GRAIN = next(c for c in contract("raw.register_commitment").checks if c.kind == "unique")


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(":memory:") as c:
        migrate(c)
        c.execute(
            f"CREATE TEMP TABLE {rs.FILES} AS SELECT * FROM (VALUES ('sha-b', 'b.csv', 1), "
            "('sha-a', 'a.csv', 0)) AS t(sha, name, ord)"
        )
        yield c


def _land(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str | None, int]]) -> None:
    """(file sha, commitment_id, line) rows into raw.register_commitment."""
    con.executemany(
        "INSERT INTO raw.register_commitment (source_file_sha256, commitment_id, line) "
        "VALUES (?, ?, ?)",
        rows,
    )


def test_grain_passes_without_numbering_when_nothing_repeats(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _land(con, [("sha-a", f"k-{i}", i + 2) for i in range(50)] + [("sha-b", "k-0", 2)])
    result = rs._unique_over_all(con, GRAIN, 51)
    assert (result.success, result.unexpected_count, result.failing_rows) == (True, 0, ())
    assert result.element_count == 51


def test_grain_names_every_repeated_row_in_file_and_line_order(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # File a is read first (ord 0): its rows are numbered 0-2, then file b's 3-4.
    rows = [("sha-b", "x", 2), ("sha-b", "y", 3), ("sha-a", "p", 2), ("sha-a", "q", 5)]
    _land(con, [*rows, ("sha-a", "r", 5)])  # line 5 of file a twice: the grain breaks
    result = rs._unique_over_all(con, GRAIN, 5)
    assert not result.success and result.blocks
    assert result.failing_rows == (1, 2)
    assert {(s["source_file_sha256"], s["line"]) for s in result.samples} == {("sha-a", 5)}


@pytest.mark.parametrize("sample", [rs.BOUNDS_SAMPLE, 30_000])
def test_bounds_split_the_keys_into_about_equal_parts(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, sample: int
) -> None:
    """Every key sampled (300,000 rows), and one key in ten (a sample of 30,000)."""
    monkeypatch.setattr(rs, "BOUNDS_SAMPLE", sample)
    con.execute(
        "INSERT INTO raw.register_commitment (source_file_sha256, commitment_id, line) "
        "SELECT 'sha-a', printf('k-%06d', i), i + 2 FROM range(300000) AS t(i)"
    )
    bounds = rs._bounds(con, 4, 300_000)
    assert bounds == sorted(bounds) and len(bounds) == 3
    assert rs._bounds(con, 4, 300_000) == bounds, "the sample is fixed: the same bounds every run"
    edges = [None, *bounds, None]
    sizes = [
        con.execute(
            "SELECT count(*) FROM raw.register_commitment WHERE ($lo IS NULL OR commitment_id >= "
            "$lo) AND ($hi IS NULL OR commitment_id < $hi)",
            {"lo": lo, "hi": hi},
        ).fetchall()[0][0]
        for lo, hi in itertools.pairwise(edges)
    ]
    assert sum(sizes) == 300_000
    assert all(abs(n - 75_000) < 75_000 * 0.05 for n in sizes), sizes


def test_a_blocked_register_leaves_no_staged_parts(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grain breaks after every part was staged: the run stops and the parts' folder goes."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # an in-memory database's scratch
    # Line 5 of file a twice; the other columns are empty, so the rows are only quarantined.
    _land(con, [("sha-a", "p", 2), ("sha-a", "q", 5), ("sha-a", "r", 5), ("sha-b", "x", 2)])
    con.execute("UPDATE raw.register_commitment SET load_id = 'run-1'")
    with pytest.raises(p.Blocked, match="register failed block check"):
        rs.check_and_stage(con, 4, "run-1", datetime.now(UTC), part_rows=2)
    assert list(tmp_path.iterdir()) == []
    assert not con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [rs.STAGED]
    ).fetchall()[0][0]


def test_a_part_failing_in_its_thread_stops_the_step_and_leaves_no_parts(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts are checked two at a time in threads: a write failing in one (a full disk, say)
    comes out of check_and_stage as itself, after the other thread is done, and the parts
    already written are removed."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _land(con, [("sha-a", f"k-{i}", i + 2) for i in range(6)])
    con.execute("UPDATE raw.register_commitment SET load_id = 'run-1'")
    written: list[Path] = []
    park = rp.park
    turn = threading.Lock()  # the two part threads write at once: count under a lock

    def fail_third(frame: pl.DataFrame, path: Path) -> Path:
        with turn:  # every write after the first two fails, as on a full disk
            if len(written) >= 2:
                raise OSError(28, "No space left on device")
            written.append(park(frame, path))
            return written[-1]

    monkeypatch.setattr(rp, "park", fail_third)
    with pytest.raises(OSError, match="No space left"):
        rs.check_and_stage(con, 6, "run-1", datetime.now(UTC), part_rows=1)
    assert len(written) == 2 and not any(w.exists() for w in written)
    assert list(tmp_path.iterdir()) == []
