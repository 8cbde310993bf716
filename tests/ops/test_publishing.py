"""Safe publishing: versions kept and pruned, restore, the writer lock that waits."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import duckdb
import pytest

from flows import publishing
from flows import warehouse as wh


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fake_run(ws: wh.Workspace, run_id: str, keep: int = 7) -> str:
    """What a run does to the files: work copy, one change, publish. Returns the new sha."""
    ws.published.parent.mkdir(parents=True, exist_ok=True)
    work = wh.start_work_copy(ws)
    with wh.connect(work) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS meta")
        con.execute(
            "CREATE TABLE IF NOT EXISTS meta.run (run_id VARCHAR, status VARCHAR, started_at TIMESTAMP)"
        )
        con.execute("INSERT INTO meta.run VALUES (?, 'published', now())", [run_id])
    publishing.publish(ws, keep=keep)
    return sha(ws.published)


def runs_in(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT run_id FROM meta.run ORDER BY run_id").fetchall()]


@pytest.fixture
def ws(tmp_path: Path) -> wh.Workspace:
    return wh.Workspace(tmp_path / "wh" / "hkam.duckdb")


def test_each_publish_keeps_the_file_it_replaces_and_prunes_beyond_n(ws: wh.Workspace) -> None:
    shas = [fake_run(ws, f"2026112{i}T020000Z-aaaaa{i}", keep=3) for i in range(6)]
    versions = publishing.list_versions(ws)
    # the first publish had nothing to keep; then 5 kept, pruned to the newest 3
    assert [v.name for v in versions] == [f"2026112{i}T020000Z-aaaaa{i}" for i in (4, 3, 2)]
    assert [sha(v.path) for v in versions] == [shas[4], shas[3], shas[2]]
    assert sha(ws.published) == shas[5]
    assert versions[0].path == ws.versions / "hkam.20261124T020000Z-aaaaa4.duckdb"


def test_a_new_work_copy_clears_a_killed_runs_staged_parts(ws: wh.Workspace) -> None:
    fake_run(ws, "r1")
    stale = ws.work.parent / f"{ws.work.name}{wh.STAGE_SUFFIX}abc123"
    stale.mkdir()
    (stale / "00000.parquet").write_bytes(b"left by a killed run")
    other = ws.work.parent / "notes.stage-keep"
    other.mkdir()
    wh.start_work_copy(ws)
    assert not stale.exists()
    assert other.exists()  # only the work copy's own scratch folders go


def test_keep_zero_keeps_no_versions(ws: wh.Workspace) -> None:
    fake_run(ws, "r1", keep=0)
    fake_run(ws, "r2", keep=0)
    assert publishing.list_versions(ws) == []


def test_restore_brings_a_version_back_and_keeps_the_current_one(ws: wh.Workspace) -> None:
    shas = [fake_run(ws, f"r{i}") for i in range(1, 4)]
    assert [v.name for v in publishing.list_versions(ws)] == ["r2", "r1"]
    with duckdb.connect(str(ws.published), read_only=True) as reader:
        restored = publishing.restore(ws, "r1")
        assert restored.name == "r1"
        # a reader holding the old file keeps seeing it
        assert reader.execute("SELECT count(*) FROM meta.run").fetchone() == (3,)
    assert sha(ws.published) == shas[0] and runs_in(ws.published) == ["r1"]
    assert [v.name for v in publishing.list_versions(ws)] == ["r3", "r2", "r1"]
    # no name: the newest version, i.e. undo the restore
    assert publishing.restore(ws).name == "r3"
    assert sha(ws.published) == shas[2]
    assert not ws.work.exists()
    # the next run publishes on top of the restored file as usual
    fake_run(ws, "r4")
    assert runs_in(ws.published) == ["r1", "r2", "r3", "r4"]


def test_restore_names_what_it_knows(ws: wh.Workspace) -> None:
    with pytest.raises(LookupError, match="no kept versions"):
        publishing.restore(ws)
    fake_run(ws, "20261124T020000Z-abc")
    fake_run(ws, "20261125T020000Z-def")
    fake_run(ws, "20261126T020000Z-123")
    assert publishing.find_version(ws, "20261124").name == "20261124T020000Z-abc"
    assert publishing.find_version(ws, "hkam.20261125T020000Z-def.duckdb").name.endswith("def")
    with pytest.raises(LookupError, match="matches several"):
        publishing.find_version(ws, "2026112")
    with pytest.raises(LookupError, match=r"is not a kept version.*20261125T020000Z-def"):
        publishing.find_version(ws, "nope")


def test_the_same_content_is_kept_once(ws: wh.Workspace) -> None:
    fake_run(ws, "r1")
    publishing.keep_version(ws, 7)  # e.g. a run killed between keeping and the rename
    publishing.keep_version(ws, 7)
    assert [v.name for v in publishing.list_versions(ws)] == ["r1"]


def test_a_file_without_runs_is_kept_under_its_time(ws: wh.Workspace) -> None:
    ws.published.parent.mkdir(parents=True)
    duckdb.connect(str(ws.published)).close()
    fake_run(ws, "r1")
    [kept] = publishing.list_versions(ws)
    assert kept.name.endswith("-unrecorded")


def test_writer_lock_waits_then_gives_up(ws: wh.Workspace) -> None:
    with wh.writer_lock(ws):
        started = time.monotonic()
        with (
            pytest.raises(wh.WarehouseBusy, match=r"after waiting 0.5 s.*HKAM_LOCK_WAIT"),
            wh.writer_lock(ws, wait=0.5),
        ):
            pass
        assert time.monotonic() - started >= 0.5
        with (
            pytest.raises(wh.WarehouseBusy, match="another hkam run is writing"),
            wh.writer_lock(ws),
        ):
            pass


def test_writer_lock_waits_for_the_first_writer(ws: wh.Workspace) -> None:
    order: list[str] = []
    held = threading.Event()

    def first() -> None:
        with wh.writer_lock(ws):
            held.set()
            time.sleep(0.6)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(5)
    with wh.writer_lock(ws, wait=10):
        order.append("second in")
    thread.join()
    assert order == ["first done", "second in"]


def test_lock_of_a_killed_holder_is_free(ws: wh.Workspace) -> None:
    pid = os.fork()
    if pid == 0:  # child: take the lock and die without releasing it
        with wh.writer_lock(ws):
            os.kill(os.getpid(), 9)
    os.waitpid(pid, 0)
    with wh.writer_lock(ws):
        pass
