"""Scale-out tests: a real PostgreSQL, a Prefect server on it, a standing Dask cluster.

All on 127.0.0.1 and free ports; each is started once for the session and stopped by its pid.
PostgreSQL comes from Debian's package (`make postgres`) and refuses to run as root: as root it
runs as the `postgres` user (runuser), in a folder of its own outside pytest's private tmp.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ops.conftest import BIN, PrefectServer, base_env, free_port, serve_prefect, stop_group

# Under load Prefect's temporary server can take long to start (a known flake).
SLOW_START = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90"}


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@dataclass(frozen=True)
class Postgres:
    """A running PostgreSQL with a `prefect` database (trust auth on 127.0.0.1)."""

    port: int

    @property
    def prefect_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/prefect"


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """initdb into a fresh folder, pg_ctl start (fsync off), the prefect database with pg_trgm."""
    pg = _pg_bin()
    if pg is None:
        pytest.skip("PostgreSQL is not installed: run `make postgres` (Debian's postgresql)")
    root = os.geteuid() == 0
    as_pg = ["runuser", "-u", "postgres", "--"] if root else []
    folder = Path(tempfile.mkdtemp(prefix="hkam-pg-"))
    if root:
        shutil.chown(folder, "postgres")
    port = free_port()
    data = folder / "data"

    def pg_run(*args: str) -> None:
        subprocess.run([*as_pg, *args], check=True, capture_output=True, timeout=120)

    try:
        pg_run(str(pg / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
        pg_run(str(pg / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o", options,
               "start")  # fmt: skip
        pid = int((data / "postmaster.pid").read_text().split()[0])
        try:
            where = ["-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
            pg_run(str(pg / "createdb"), *where, "prefect")
            pg_run(str(pg / "psql"), *where, "-d", "prefect", "-c", "CREATE EXTENSION pg_trgm")
            yield Postgres(port)
        finally:
            os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown, by the postmaster's pid
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                time.sleep(0.2)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_pg(
    postgres: Postgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrefectServer]:
    """`prefect server start` whose database is the PostgreSQL above."""
    extra = {
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres.prefect_url,
        # A deployment run waiting for its deployment's slot is offered again after 1 s, not 30.
        "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "1",
        **SLOW_START,
    }
    with serve_prefect(tmp_path_factory.mktemp("prefect-pg-home"), extra) as server:
        yield server


@dataclass(frozen=True)
class DaskCluster:
    """A standing `dask scheduler` and one `dask worker --nworkers 2` on 127.0.0.1."""

    address: str


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    """The scheduler and its two worker processes (a nanny each), stopped by process group."""
    from distributed import Client

    home = tmp_path_factory.mktemp("dask")
    env = {**base_env(home), **SLOW_START}
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name, args in (
            ("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"]),
            ("worker", ["worker", address, "--nworkers", "2", "--nthreads", "1",
                        "--host", "127.0.0.1", "--no-dashboard"]),
        ):  # fmt: skip
            log = (home / f"{name}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    [str(BIN / "dask"), *args],
                    env=env,
                    cwd=home,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield DaskCluster(address)
    finally:
        for proc in reversed(procs):
            stop_group(proc)
