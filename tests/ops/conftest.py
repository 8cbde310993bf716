"""Operations tests: one real Prefect server (prefect server start) for the whole ops session.

Subprocesses (`python -m flows.cli run`, `prefect deploy`, workers, `hkam serve`) talk to it
through PREFECT_API_URL, so none of them pays for a temporary server of its own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import business_dump, rewrite_register  # noqa: F401  (used by the ops tests)

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class PrefectServer:
    """A running `prefect server start` on 127.0.0.1."""

    url: str  # .../api
    home: Path
    env: dict[str, str]

    def get(self, path: str) -> object:
        return self._call("GET", path)

    def post(self, path: str, body: object) -> object:
        return self._call("POST", path, body)

    def _call(self, method: str, path: str, body: object = None) -> object:
        """One API call, retried as Prefect's own client does when the server answers 503 or
        429 (its SQLite database was busy, e.g. with a worker's writes); the request did
        nothing then."""
        for wait in (0.5, 1.0, 2.0, 4.0, None):
            response = httpx.request(method, self.url + path, json=body, timeout=30)
            if response.status_code not in (429, 503) or wait is None:
                break
            after = response.headers.get("Retry-After", "")
            time.sleep(float(after) if after.replace(".", "", 1).isdigit() else wait)
        response.raise_for_status()
        return response.json()


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "HKAM_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        GX_ANALYTICS_ENABLED="False",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """`prefect server start --host 127.0.0.1 --port <free>` with a temporary PREFECT_HOME."""
    with serve_prefect(tmp_path_factory.mktemp("prefect-home")) as server:
        yield server


@contextlib.contextmanager
def serve_prefect(home: Path, extra: dict[str, str] | None = None) -> Iterator[PrefectServer]:
    """A `prefect server start` on a free loopback port (its database: SQLite in `home`, or
    what `extra` names), stopped by its process group id at the end."""
    port = free_port()
    env = {**base_env(home), **(extra or {})}
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole, by its id
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited: {(home / 'server.log').read_text()}")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("prefect server did not answer /api/health within 120 s")
            time.sleep(0.3)
        yield PrefectServer(url, home, {**env, "PREFECT_API_URL": url})
    finally:
        stop_group(proc)
        log.close()


def stop_group(proc: subprocess.Popen[Any], wait: float = 20) -> None:
    """SIGTERM to the process group a `start_new_session` child leads, SIGKILL after `wait` s."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def hkam_args(snapshot: Path, warehouse: Path, reports: Path) -> list[str]:
    """`python -m flows.cli run` on a snapshot into a warehouse."""
    return [
        sys.executable, "-m", "flows.cli", "run", "--snapshot-dir", str(snapshot),
        "--warehouse", str(warehouse), "--reports-dir", str(reports),
    ]  # fmt: skip


def hkam_run(
    server: PrefectServer,
    snapshot: Path,
    warehouse: Path,
    reports: Path,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """One uninterrupted run in a subprocess against the session's Prefect server."""
    return subprocess.run(
        hkam_args(snapshot, warehouse, reports),
        cwd=REPO,
        env={**server.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_in_process(snapshot: Path, warehouse: Path, reports: Path) -> int:
    """`hkam run` in this process (the session's prefect_harness serves the flow)."""
    from flows.cli import main

    return main(hkam_args(snapshot, warehouse, reports)[3:])
