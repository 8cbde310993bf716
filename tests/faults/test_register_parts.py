"""The register checked in parts gives exactly what it gives checked whole.

The rows below are made for this test (copies of the bundled register with edits), not data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import (
    REGISTER,
    balanced,
    business_dump,
    csv_bytes,
    dq,
    hkam,
    query,
    read_csv_rows,
    source,
)

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _edited_register(snap: Path) -> None:
    """Two register files with every case that looks across rows: a key repeated with new
    content in the later file (the last row wins), exact repeats, quarantined rows, a date that
    is no calendar date, one company under two spellings, a label the taxonomy lacks."""
    fields, rows = read_csv_rows(snap / REGISTER)
    first = [dict(r) for r in rows]
    first.append(dict(rows[0]))  # exact repeat: a duplicate
    first.append(dict(rows[1], commitment_id="bad-amount-1", amount="N/A"))  # quarantined
    first.append(dict(rows[2], commitment_id="bad-party-1", party="nobody"))  # quarantined
    first.append(dict(rows[3], commitment_id="bad-date-1", announced_on="2023-02-30"))  # reject
    first.append(dict(rows[4], commitment_id="odd-label-1", sector_label="Widgets"))
    company = next(r for r in rows if r["party"] == "company")
    first.append(dict(company, commitment_id="alias-1", company=company["company"].upper()))
    second = [
        dict(rows[5], status="construction"),  # the same key again, revised: this row wins
        dict(rows[6]),  # an exact repeat across files
        dict(rows[7], commitment_id="second-file-1"),
    ]
    (snap / REGISTER).write_bytes(csv_bytes(fields, first))
    (snap / "register" / "more.csv").write_bytes(csv_bytes(fields, second))


def _values(check: dict[str, Any]) -> list[str]:
    """A check's failing samples (values, file and line), sorted."""
    return sorted(str(x) for x in check["failing_samples"])


def _run(
    snap: Path, where: Path, part_rows: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """One run with the given part size; the DQ payload's register entry and check results."""
    monkeypatch.setenv("HKAM_PART_ROWS", part_rows)
    warehouse, reports = where / "wh" / "hkam.duckdb", where / "reports"
    assert hkam(snap, warehouse, reports) == 0
    payload = dq(reports)
    register = source(payload, "register")
    # Failing samples by value, file and line: the same whether validated whole or in parts.
    checks = [
        (c["check"], c["success"], c["element_count"], c["unexpected_count"], _values(c))
        for c in payload["checks"].get("register", [])  # none when the register is unchanged
    ]
    quarantine = query(
        warehouse,
        "SELECT source_file, line, check_name, reason, raw FROM meta.quarantine "
        "WHERE source = 'register' ORDER BY ALL",
    )
    keep = ("loaded", "quarantined", "duplicates", "overridden", "unchanged", "rows_in", "warnings")
    return {
        "counts": {k: register[k] for k in keep},
        "balanced": balanced(register),
        "checks": checks,
        "quarantine": quarantine,
        "tables": business_dump(warehouse),
    }


def test_parts_of_three_rows_equal_the_whole(
    snap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edited_register(snap)
    whole = _run(snap, tmp_path / "whole", "1000000", monkeypatch)
    parts = _run(snap, tmp_path / "parts", "3", monkeypatch)
    assert whole["balanced"] and parts["balanced"]
    counts = whole["counts"]
    # Two bad rows and a bad date; two repeats; the first row of the key the later file revises
    # is overridden (counted, not quarantined).
    assert (counts["quarantined"], counts["duplicates"], counts["overridden"]) == (3, 2, 1), counts
    assert any("Widgets" in w for w in counts["warnings"]), counts["warnings"]
    assert [c for c in whole["checks"] if not c[1]], "the edited rows fail checks"
    for key in ("counts", "checks", "quarantine"):
        assert parts[key] == whole[key], key
    assert parts["tables"].keys() == whole["tables"].keys()
    for table, rows in whole["tables"].items():
        assert parts["tables"][table] == rows, table
    # The staged parts' scratch folder beside the working copy is gone after the run.
    assert not list((tmp_path / "parts" / "wh").glob("*.stage-*"))


def test_parts_carry_a_revision_and_a_rerun(
    snap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second run in parts after an edit adds one version; a third changes nothing."""
    _edited_register(snap)
    _run(snap, tmp_path / "w", "4", monkeypatch)
    fields, rows = read_csv_rows(snap / REGISTER)
    rows[8]["status"] = "operational"
    (snap / REGISTER).write_bytes(csv_bytes(fields, rows))
    second = _run(snap, tmp_path / "w", "4", monkeypatch)
    assert second["counts"]["loaded"] == 1, second["counts"]
    assert second["balanced"]
    third = _run(snap, tmp_path / "w", "4", monkeypatch)
    assert third["counts"]["loaded"] == 0
    warehouse = tmp_path / "w" / "wh" / "hkam.duckdb"
    [(versions,)] = query(
        warehouse,
        "SELECT max(version) FROM core.investment_commitment_history WHERE commitment_id = ?",
        [rows[8]["commitment_id"]],
    )
    assert versions == 2


def test_part_size_must_be_positive(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.cli import main

    monkeypatch.setenv("HKAM_PART_ROWS", "0")
    assert main(["run", "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "hkam run: HKAM_PART_ROWS must be a positive whole number of rows, not '0'" in err
    assert not (tmp_path / "w.duckdb").exists()


def test_duckdb_memory_must_be_a_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.settings import load

    monkeypatch.setenv("HKAM_DUCKDB_MEMORY", "1500MB")
    assert load().duckdb_memory == "1500MB"
    monkeypatch.setenv("HKAM_DUCKDB_MEMORY", "lots")
    with pytest.raises(ValueError, match="HKAM_DUCKDB_MEMORY must be a size such as 2GB"):
        load()


def test_readers_keep_the_run_memory_cap(tmp_path: Path) -> None:
    """Report and export connections are capped like the writer (uncapped: 80% of the machine)."""
    from flows import warehouse as wh

    path = tmp_path / "w.duckdb"
    with wh.connect(path, memory_limit="300MB") as con:
        [(writer,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    with wh.connect(path, read_only=True, memory_limit="300MB") as con:
        [(reader,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    with wh.connect(path, read_only=True, memory_limit="1GB") as con:
        [(bigger,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    assert reader == writer
    assert bigger != reader


def test_a_capped_reader_shares_a_file_this_process_already_has_open(tmp_path: Path) -> None:
    """DuckDB refuses a second configuration of an open file; the reader joins the open one."""
    import duckdb

    from flows import warehouse as wh

    path = tmp_path / "w.duckdb"
    with wh.connect(path) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    with duckdb.connect(str(path), read_only=True) as analyst:
        with wh.connect(path, read_only=True, memory_limit="300MB") as con:
            assert con.execute("SELECT x FROM t").fetchall() == [(1,)]
        assert analyst.execute("SELECT count(*) FROM t").fetchall() == [(1,)]
