"""Reruns and repeats, a full or unwritable disk during a run, and secrets kept out of outputs."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.runs import read_run_log, run_log
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
)  # fmt: skip

pytestmark = pytest.mark.usefixtures("prefect_harness")

HISTORY = "SELECT * EXCLUDE (load_id) FROM core.investment_commitment_history ORDER BY ALL"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_inputs_three_times_change_nothing(snap: Path, where: tuple[Path, Path]) -> None:
    warehouse, reports = where
    dumps, histories = [], []
    for _ in range(3):
        assert hkam(snap, warehouse, reports) == 0
        dumps.append(business_dump(warehouse))
        histories.append(query(warehouse, HISTORY))
    assert dumps[0] == dumps[1] == dumps[2]
    assert histories[0] == histories[1] == histories[2]
    # The first run published; the others found the same inputs and published nothing.
    keys = ("status", "rows_in", "rows_loaded", "rows_unchanged", "rows_duplicate")
    runs = [tuple(r[k] for k in keys) for r in reversed(read_run_log(warehouse))]
    total = runs[0][1]
    assert runs == [("published", total, total, 0, 0)] + [("unchanged", total, 0, total, 0)] * 2
    assert query(warehouse, "SELECT count(*) FROM meta.run") == [(1,)]
    assert query(
        warehouse, "SELECT count(*), count(DISTINCT commitment_id) FROM core.investment_commitment"
    )[0] == (27, 27)


def test_repeated_announcement_in_one_file_and_on_a_later_day(
    snap: Path, where: tuple[Path, Path]
) -> None:
    warehouse, reports = where
    path = snap / REGISTER
    fields, rows = read_csv_rows(path)
    repeat = dict(rows[5])
    path.write_bytes(csv_bytes(fields, [*rows, repeat]))  # the same announcement twice
    assert hkam(snap, warehouse, reports) == 0
    register = source(dq(reports), "register")
    assert (register["rows_in"], register["loaded"], register["duplicates"]) == (
        len(rows) + 1,
        len(rows),
        1,
    )
    assert balanced(register)
    before = query(warehouse, HISTORY)
    # A later day: a second register file (the analyst's review) carries it again.
    (snap / "register" / "later.csv").write_bytes(csv_bytes(fields, [repeat]))
    assert hkam(snap, warehouse, reports) == 0
    register = source(dq(reports), "register")
    assert (register["loaded"], register["duplicates"], register["quarantined"]) == (0, 2, 0)
    assert balanced(register)
    assert query(warehouse, HISTORY) == before  # a pure repeat is no new version
    assert query(
        warehouse,
        "SELECT count(*) FROM core.investment_commitment WHERE commitment_id = ?",
        [repeat["commitment_id"]],
    ) == [(1,)]
    assert query(
        warehouse, "SELECT count(*) = count(DISTINCT commitment_id) FROM core.investment_commitment"
    ) == [(True,)]


def _first_run(snap: Path, where: tuple[Path, Path]) -> tuple[Path, Path, str]:
    warehouse, reports = where
    assert hkam(snap, warehouse, reports) == 0
    # Something new to write, so the second run really works.
    fields, rows = read_csv_rows(snap / REGISTER)
    rows[0]["status"] = "construction"
    (snap / REGISTER).write_bytes(csv_bytes(fields, rows))
    return warehouse, reports, sha(warehouse)


def _no_leftovers(warehouse: Path) -> None:
    assert not list(warehouse.parent.glob(".*.work.duckdb*"))


@pytest.mark.parametrize(
    "where_it_fails",
    ["work copy", "landing a file", "last database write"],
)
def test_disk_full_during_a_run_exits_1_and_keeps_the_published_file(
    snap: Path, where: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], where_it_fails: str,
) -> None:  # fmt: skip
    """OSError(ENOSPC) injected in-process (no tiny filesystem: that needs a mount)."""
    import flows.nightly
    import flows.pipeline
    import flows.warehouse

    warehouse, reports, published = _first_run(snap, where)

    def full(*_: Any, **__: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    target: dict[str, tuple[Any, str]] = {
        "work copy": (flows.warehouse.shutil, "copy2"),
        "landing a file": (flows.pipeline.shutil, "copyfile"),
        "last database write": (flows.nightly, "record_run"),
    }
    obj, name = target[where_it_fails]
    monkeypatch.setattr(obj, name, full)
    capsys.readouterr()
    assert hkam(snap, warehouse, reports) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "No space left on device" in text and "unchanged" in text
    assert sha(warehouse) == published
    _no_leftovers(warehouse)
    monkeypatch.undo()
    assert hkam(snap, warehouse, reports) == 0  # space again: the next night catches up
    assert query(
        warehouse, "SELECT count(*) FROM core.investment_commitment_history WHERE version = 2"
    ) == [(1,)]


def test_unwritable_warehouse_folder_during_a_run(
    snap: Path, where: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """The folder turns read-only after the start-up check: the work copy cannot be written."""
    import flows.cli_common
    import flows.warehouse

    warehouse, reports, published = _first_run(snap, where)
    monkeypatch.setattr(flows.cli_common, "check_writable", lambda *_: None)
    if os.geteuid() == 0:  # root ignores permission bits: inject what the kernel would say

        def denied(src: Any, dst: Any, **_: Any) -> None:
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))

        monkeypatch.setattr(flows.warehouse.shutil, "copy2", denied)
    else:
        warehouse.parent.chmod(0o555)
    try:
        capsys.readouterr()
        assert hkam(snap, warehouse, reports) == 1
    finally:
        warehouse.parent.chmod(0o755)
    out = capsys.readouterr()
    assert "Permission denied" in out.out + out.err
    assert sha(warehouse) == published
    _no_leftovers(warehouse)


def test_startup_check_refuses_a_read_only_warehouse_folder_with_exit_2(
    snap: Path, where: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    warehouse, reports = where
    warehouse.parent.mkdir(parents=True)
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != warehouse.parent)
    assert hkam(snap, warehouse, reports) == 2
    assert "not writable" in capsys.readouterr().err


SECRET = "secret-token-xyz"


def test_secrets_never_reach_reports_logs_or_meta_tables(
    snap: Path, where: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    warehouse, reports = where
    monkeypatch.setenv("HKAM_WEBHOOK_URL", f"http://127.0.0.1:9/{SECRET}")
    monkeypatch.setenv("HKAM_API_KEY", f"key-{SECRET}")
    # A quarantined row and a failing source make the webhook fire (and it cannot connect).
    fields, rows = read_csv_rows(snap / REGISTER)
    rows[0]["currency"] = "XYZ"
    (snap / REGISTER).write_bytes(csv_bytes(fields, rows))
    (snap / "hkma" / "er-eeri-endperiod.json").write_bytes(b"{")
    caplog.set_level("DEBUG")
    assert hkam(snap, warehouse, reports) == 0
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err
    assert SECRET not in caplog.text
    for path in [*reports.rglob("*"), run_log(warehouse)]:
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('meta', 'raw', 'core')"
        ).fetchall()
        for schema, table in tables:
            hits = con.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" AS t WHERE CAST(t AS VARCHAR) LIKE ?',
                [f"%{SECRET}%"],
            ).fetchall()
            assert hits == [(0,)], f"{schema}.{table}"
    assert not any(
        SECRET.encode() in p.read_bytes()
        for p in warehouse.parent.rglob("*")
        if p.is_file() and p.suffix != ".duckdb"
    )
