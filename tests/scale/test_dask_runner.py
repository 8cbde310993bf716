"""flows.dask_runner on the standing Dask cluster: each batch a Prefect task on a worker."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cloudpickle
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows import dask_runner, register_parts
from flows.dask_runner import ClusterError, run_batches
from tests.unit.test_register_parts import _bundled_part, _context

from .conftest import DaskCluster

# The workers cannot import this test module: its functions travel by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def test_batches_run_as_tasks_on_the_workers_in_input_order(
    prefect_harness: None, dask_cluster: DaskCluster
) -> None:
    got = run_batches(_square_and_pid, [5, 4, 3, 2, 1], dask_cluster.address, name="square")
    assert [v for v, _ in got] == [25, 16, 9, 4, 1]
    assert os.getpid() not in {pid for _, pid in got}


def test_unreachable_scheduler_is_a_cluster_error_naming_it(
    prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dask_runner, "CONNECT_TIMEOUT_S", 2)
    with pytest.raises(ClusterError, match=r"tcp://127.0.0.1:9 could not be reached"):
        run_batches(_square_and_pid, [1], "tcp://127.0.0.1:9", name="square")


def test_large_part_results_come_back_as_parquet_in_the_shared_folder(
    prefect_harness: None,
    dask_cluster: DaskCluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A part at least ARROW_ROWS staged rows long is written by the worker to the shared
    folder, named by its input's hash, and holds the rows the embedded path stages."""
    monkeypatch.setattr(register_parts, "ARROW_ROWS", 1)  # the bundled register is one small part
    raw = _bundled_part()
    shared = tmp_path / "shared"
    [found] = register_parts.on_cluster(
        lambda k: raw, 1, _context(tmp_path / "scratch"), dask_cluster.address, shared, print
    )
    assert found.staged == shared / f"{register_parts.input_hash(raw)}.parquet"
    embedded = register_parts.check_part(raw, _context(tmp_path))
    assert isinstance(embedded.staged, Path)
    assert_frame_equal(pl.read_parquet(found.staged), pl.read_parquet(embedded.staged))
    assert found.quarantined == embedded.quarantined
