"""The team set-up of prefect.yaml on a Prefect server backed by PostgreSQL: a process work pool,
two workers (one per "host", each on its own work queue), a deployment run of the nightly flow on
each, one writer at a time through the hkam-writer global concurrency limit; both publish."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, cast

import duckdb

from flows.resources import snapshot_dir
from tests.ops.conftest import BIN, PrefectServer, stop_group
from tests.ops.test_deploy import prefect, wait_for

from .conftest import DaskCluster


def test_two_workers_each_run_a_deployment_run_and_both_publish(
    prefect_pg: PrefectServer, dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    assert "postgresql+asyncpg://" in prefect_pg.env["PREFECT_SERVER_DATABASE_CONNECTION_URL"]
    prefect(prefect_pg, "work-pool", "create", "hkam", "--type", "process", "--overwrite")
    hosts = ("host-a", "host-b")
    for host in hosts:
        prefect(prefect_pg, "work-queue", "create", host, "--pool", "hkam")
    prefect(prefect_pg, "global-concurrency-limit", "create", "hkam-writer", "--limit", "1")
    prefect(prefect_pg, "deploy", "--name", "nightly")
    deployment = cast(dict[str, Any], prefect_pg.get("/deployments/name/nightly/nightly"))
    runs, workers = {}, []
    for host in hosts:
        params = {
            "snapshot_dir": str(snapshot_dir()),
            "warehouse": str(tmp_path / host / "hkam.duckdb"),
            "reports_dir": str(tmp_path / host / "reports"),
            "data_dir": str(tmp_path / host / "data"),
            # host-b's run sends its heavy steps to the standing Dask cluster
            "dask": dask_cluster.address if host == "host-b" else None,
        }
        runs[host] = cast(
            dict[str, Any],
            prefect_pg.post(
                f"/deployments/{deployment['id']}/create_flow_run",
                {"parameters": params, "work_queue_name": host},
            ),
        )
    env = {
        **prefect_pg.env,
        "HKAM_WRITER_LIMIT": "hkam-writer",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
    }
    try:
        for host in hosts:
            log = (tmp_path / f"{host}.log").open("wb")
            workers.append(
                subprocess.Popen(
                    [
                        str(BIN / "prefect"),
                        "worker",
                        "start",
                        "--pool",
                        "hkam",
                        "--work-queue",
                        host,
                        "--name",
                        host,
                    ],
                    cwd=tmp_path,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        done = {host: wait_for(prefect_pg, runs[host]["id"], timeout=480) for host in hosts}
    finally:
        for worker in workers:
            stop_group(worker, wait=30)
    logs = {host: (tmp_path / f"{host}.log").read_text(errors="replace") for host in hosts}
    for host in hosts:
        assert done[host]["state_type"] == "COMPLETED", logs[host]
        # Each queue is polled by its own host's worker only, so that worker ran the run.
        assert done[host]["work_queue_name"] == host
        assert f"Worker {host!r} started" in logs[host]
        with duckdb.connect(str(tmp_path / host / "hkam.duckdb"), read_only=True) as con:
            [(status,)] = con.execute("SELECT status FROM meta.run").fetchall()
        assert status == "published"
    # One writer at a time: the limit is there and no slot is left taken.
    limit = cast(dict[str, Any], prefect_pg.get("/v2/concurrency_limits/hkam-writer"))
    assert limit["limit"] == 1 and limit["active_slots"] == 0
