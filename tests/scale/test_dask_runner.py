"""flows.dask_runner on a real LocalCluster: each batch a Prefect task on another process."""

from __future__ import annotations

import os
import sys

import cloudpickle
import pytest

from flows import dask_runner
from flows.dask_runner import ClusterError, cluster, run_batches

# The workers cannot import this test module: its functions travel by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def test_local_cluster_runs_batches_elsewhere_in_input_order(prefect_harness: None) -> None:
    with cluster("local:2") as address:
        assert address is not None and address.startswith("tcp://127.0.0.1:")
        got = run_batches(_square_and_pid, [5, 4, 3, 2, 1], "local:2", name="square")
        again = run_batches(_square_and_pid, [7], "local:2", name="square")
    assert [v for v, _ in got] == [25, 16, 9, 4, 1]
    pids = {pid for _, pid in got} | {pid for _, pid in again}
    assert os.getpid() not in pids
    assert len(pids) <= 2  # one cluster held for both calls: its two workers


def test_unreachable_scheduler_is_a_cluster_error_naming_it(
    prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dask_runner, "CONNECT_TIMEOUT_S", 2)
    with pytest.raises(ClusterError, match=r"tcp://127.0.0.1:9 could not be reached"):
        run_batches(_square_and_pid, [1], "tcp://127.0.0.1:9", name="square")
