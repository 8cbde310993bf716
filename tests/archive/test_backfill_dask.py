"""hkam backfill press on Dask (a LocalCluster of one worker process) against the loopback
archive: the same pages and candidates as the backfill in this process; $HKAM_DASK_ADDRESS is
the default address, as for `hkam run`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.archive_load import TASK
from flows.backfill import execute_backfill
from flows.cli import main
from flows.settings import Endpoints, load
from tests.archive.conftest import BIG5, Archive
from tests.ops.conftest import free_port

# A Big5 page, a linked English/Chinese pair and an older index layout, among 404 days.
START, END = date(2023, 2, 22), date(2023, 4, 14)
DAYS = ["--from", START.isoformat(), "--to", END.isoformat()]
PAGES = "SELECT release_id, lang, title, text, sha256 FROM raw.gia_archive_page ORDER BY ALL"
CANDIDATES = "SELECT * EXCLUDE (load_id) FROM core.announcement_candidate ORDER BY ALL"


def _rows(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _dask_tasks() -> int:
    """Task runs of the parse-and-detect batches the Prefect server recorded (Dask runs only:
    in this process the batches are plain calls)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    name = TaskRunFilter(name=TaskRunFilterName(like_=TASK))  # named "<TASK>-<suffix>"
    with get_client(sync_client=True) as client:
        return len(client.read_task_runs(task_run_filter=name))


def _backfill(tmp: Path, *flags: str) -> tuple[int, Path]:
    warehouse = tmp / "wh" / "hkam.duckdb"
    where = ["--warehouse", str(warehouse), "--reports-dir", str(tmp / "reports")]
    code = main(["backfill", "press", *DAYS, *where, "--data-dir", str(tmp / "data"), *flags])
    return code, warehouse


@pytest.fixture(autouse=True)
def _archive_env(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HKAM_GIA_URL", archive.base + "/gia/rss/general_{lang}.xml")
    monkeypatch.setenv("HKAM_GIA_DELAY", "0")
    monkeypatch.delenv("HKAM_DASK_ADDRESS", raising=False)


def test_backfill_on_dask_local_1_lands_and_proposes_what_in_process_does(
    archive: Archive, prefect_harness: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _dask_tasks()
    here = tmp_path / "here" / "hkam.duckdb"
    settings = replace(
        load(here, None, tmp_path / "here" / "reports", tmp_path / "here" / "data"),
        endpoints=Endpoints(gia=archive.base + "/gia/rss/general_{lang}.xml"),
        gia_delay=0.0,
    )
    assert execute_backfill(settings, START, END).status == "published"  # in this process
    assert _dask_tasks() == before
    dask_code, spread = _backfill(tmp_path / "dask", "--dask", "local:1")
    assert dask_code == 0, capsys.readouterr().out
    assert _dask_tasks() > before  # the batches ran as Prefect tasks on the Dask worker
    pages = _rows(spread, PAGES)
    assert BIG5 in {p[0] for p in pages} and len(pages) >= 4
    assert pages == _rows(here, PAGES)
    candidates = _rows(spread, CANDIDATES)
    assert len(candidates) >= 2  # the Big5 release and the English/Chinese pair
    assert candidates == _rows(here, CANDIDATES)


def test_hkam_dask_address_is_the_default_address(
    prefect_harness: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    closed = f"tcp://127.0.0.1:{free_port()}"  # nothing listens: the run stops at the probe
    monkeypatch.setenv("HKAM_DASK_ADDRESS", closed)
    code, warehouse = _backfill(tmp_path)
    out = capsys.readouterr().out
    assert code == 1, out
    assert f"the Dask scheduler at {closed} could not be reached" in out
    assert not warehouse.exists()  # nothing published
    monkeypatch.setenv("HKAM_DASK_ADDRESS", "somewhere:8786")
    assert _backfill(tmp_path)[0] == 2
    assert "HKAM_DASK_ADDRESS" in capsys.readouterr().err
