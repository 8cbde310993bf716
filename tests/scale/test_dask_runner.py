"""flows.dask_runner on the standing Dask cluster: each batch a Prefect task on a worker."""

from __future__ import annotations

import os
import sys

import cloudpickle
import pytest

from flows import dask_runner
from flows.dask_runner import ClusterError, run_batches

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
