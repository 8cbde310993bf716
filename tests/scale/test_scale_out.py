"""`hkam run --dask` on a standing Dask cluster and on a LocalCluster leaves the warehouse an
embedded run leaves; a dead worker or a missing scheduler never publishes half a run.

Every run here reports to one Prefect server on PostgreSQL (tests/scale/conftest.py), and the
three compared runs go side by side to share the machine's wait.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from flows.resources import snapshot_dir
from tests.helpers import business_dump
from tests.ops.conftest import REPO, PrefectServer, free_port, hkam_args

from .conftest import SLOW_START, DaskCluster


@dataclass(frozen=True)
class Run:
    """One `hkam run` subprocess: where it wrote, its exit code and output."""

    warehouse: Path
    code: int
    out: str


def hkam(
    server: PrefectServer, folder: Path, *flags: str, env: dict[str, str] | None = None
) -> Run:
    """`hkam run` on the bundled snapshot into folder/, reporting to the server."""
    warehouse = folder / "hkam.duckdb"
    done = subprocess.run(
        [*hkam_args(snapshot_dir(), warehouse, folder / "reports"), *flags],
        cwd=REPO,
        env={**server.env, **SLOW_START, "HKAM_DATA_DIR": str(folder / "data"), **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Run(warehouse, done.returncode, done.stdout + done.stderr)


def rows(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every raw, core and marts table (tests.helpers.business_dump) and meta.quarantine."""
    found = business_dump(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        quarantine = con.execute(
            "SELECT * EXCLUDE (load_id, quarantined_at) FROM meta.quarantine"
        ).fetchall()
    found["meta.quarantine"] = sorted(quarantine, key=repr)
    return found


def status(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(value,)] = con.execute("SELECT status FROM meta.run").fetchall()
    return str(value)


@pytest.fixture(scope="module")
def runs(
    prefect_pg: PrefectServer, dask_cluster: DaskCluster, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Run]:
    """The embedded run, one on the standing cluster and one on a LocalCluster of 2."""
    base = tmp_path_factory.mktemp("runs")
    flags = {
        "embedded": (),
        "tcp": ("--dask", dask_cluster.address),
        "local": ("--dask", "local:2"),
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {
            name: pool.submit(hkam, prefect_pg, base / name, *args) for name, args in flags.items()
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", ["tcp", "local"])
def test_a_run_on_dask_leaves_the_rows_an_embedded_run_leaves(
    runs: dict[str, Run], name: str
) -> None:
    embedded, spread = runs["embedded"], runs[name]
    assert embedded.code == 0, embedded.out
    assert spread.code == 0, spread.out
    assert status(spread.warehouse) == "published"
    assert "heavy steps on Dask" not in embedded.out
    theirs, ours = rows(embedded.warehouse), rows(spread.warehouse)
    assert theirs["core.investment_commitment"] and theirs["meta.quarantine"] is not None
    assert ours.keys() == theirs.keys()
    for table in theirs:
        assert ours[table] == theirs[table], table


def test_an_unreachable_scheduler_ends_the_run_blocked_and_says_why(
    prefect_pg: PrefectServer, tmp_path: Path
) -> None:
    closed = f"tcp://127.0.0.1:{free_port()}"
    run = hkam(prefect_pg, tmp_path, "--dask", closed)
    assert run.code == 1, run.out
    assert f"the Dask scheduler at {closed} could not be reached" in run.out
    assert "without --dask" in run.out
    assert not run.warehouse.exists()  # nothing published
    assert "Traceback" not in run.out


def test_a_worker_killed_mid_run_completes_or_blocks_with_nothing_published(
    prefect_pg: PrefectServer, dask_cluster: DaskCluster, runs: dict[str, Run], tmp_path: Path
) -> None:
    """SIGKILL of the worker process running a register part: Dask reruns the part on the
    other worker (the run completes with the embedded rows), or the run ends blocked, saying
    the cluster lost the part, and publishes nothing."""
    from distributed import Client

    with Client(dask_cluster.address, timeout=30) as client:
        client.wait_for_workers(2, timeout=120)  # a worker killed earlier is back (its nanny)
        pids: dict[str, int] = client.run(os.getpid)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Parts of 4 rows: seven register tasks, so one is running when the kill lands.
            future = pool.submit(
                hkam, prefect_pg, tmp_path, "--dask", dask_cluster.address,
                env={"HKAM_PART_ROWS": "4"},
            )  # fmt: skip
            killed = None
            while killed is None and not future.done():
                busy = [w for w, keys in client.processing().items() if keys and w in pids]
                if busy:
                    killed = pids[busy[0]]
                    os.kill(killed, signal.SIGKILL)
                time.sleep(0.05)
            run = future.result()
    assert killed is not None, "no task ran on the cluster: " + run.out
    print(f"worker pid {killed} killed mid-run; the run ended with exit {run.code}")  # -s shows it
    if run.code == 0:
        assert status(run.warehouse) == "published"
        assert rows(run.warehouse) == rows(runs["embedded"].warehouse)
    else:
        assert run.code == 1, run.out
        assert "Dask" in run.out and "Traceback" not in run.out, run.out
        assert not run.warehouse.exists()
