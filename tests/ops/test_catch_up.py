"""A missed night is caught up: the next run loads every change not yet loaded, exactly once."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from flows.runs import read_run_log

from .conftest import rewrite_register, run_in_process


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def add_register_file(snapshot: Path, commitment_id: str, like: str) -> None:
    """A second register file with one new commitment (a copy of a real row under a new key)."""
    source = snapshot / "register" / "commitments.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        row = next(r for r in reader if r["commitment_id"] == like)
    with (snapshot / "register" / "late_additions.csv").open(
        "w", encoding="utf-8", newline=""
    ) as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerow({**row, "commitment_id": commitment_id, "covered_by": ""})


def test_skipped_night_is_loaded_once_by_the_next_run(
    prefect_harness: None, snapshot_copy: Path, tmp_path: Path
) -> None:
    wh, reports = tmp_path / "wh" / "hkam.duckdb", tmp_path / "reports"
    # night 1
    assert run_in_process(snapshot_copy, wh, reports) == 0
    [(n,)] = query(wh, "SELECT count(*) FROM core.investment_commitment")
    # night 2 is missed (machine off); the snapshot changes anyway ...
    rewrite_register(snapshot_copy, {"horizon-robotics-2023-12": {"status": "construction"}})
    # ... and again before night 3
    add_register_file(snapshot_copy, "late-addition-2026-11", like="horizon-robotics-2023-12")
    # night 3 loads both changes
    assert run_in_process(snapshot_copy, wh, reports) == 0
    history = query(
        wh,
        "SELECT commitment_id, version, status, change_reason FROM core.investment_commitment_history "
        "WHERE commitment_id IN ('horizon-robotics-2023-12', 'late-addition-2026-11') "
        "ORDER BY commitment_id, version",
    )
    assert history == [
        ("horizon-robotics-2023-12", 1, "mou", "new"),
        ("horizon-robotics-2023-12", 2, "construction", "status changed"),
        ("late-addition-2026-11", 1, "construction", "new"),
    ]
    assert query(wh, "SELECT count(*) FROM core.investment_commitment") == [(n + 1,)]
    # night 4: nothing new, nothing loaded twice
    assert run_in_process(snapshot_copy, wh, reports) == 0
    runs = query(wh, "SELECT rows_loaded FROM meta.run ORDER BY started_at")
    assert [r[0] for r in runs][1:] == [2]
    night4 = read_run_log(wh)[0]  # published nothing, so only in the run log
    assert (night4["status"], night4["rows_loaded"]) == ("unchanged", 0)
    assert query(
        wh,
        "SELECT count(*), count(DISTINCT sha256) FROM meta.source_file WHERE source = 'register'",
    ) == [(3, 3)]
