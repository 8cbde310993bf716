"""The benchmark's one Prefect server, and where a flow run's time went by its task runs."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from measure import stop_group

PY = sys.executable
OFFICIAL = ("censtatd", "hkma", "itf", "gia")  # flows.sources.catalog.SOURCES order


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def prefect_server(home: Path) -> Iterator[tuple[str, float]]:
    """A Prefect server for the whole benchmark (temporary PREFECT_HOME); yields (api, start_s)."""
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
    }
    home.mkdir(parents=True, exist_ok=True)
    log = (home / "server.log").open("wb")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [
            str(Path(PY).parent / "prefect"),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-ui",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited; see {home / 'server.log'}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("prefect server did not become healthy in 120 s")
            time.sleep(0.25)
        yield api, time.perf_counter() - start
    finally:
        stop_group(proc, grace=20)
        log.close()


def prefect_stages(api: str) -> dict[str, Any]:
    """Task durations of the latest flow run, from the Prefect API (where hkam's time goes)."""
    try:
        runs = httpx.post(
            f"{api}/flow_runs/filter", json={"sort": "START_TIME_DESC", "limit": 1}, timeout=10
        ).json()
        if not runs:
            return {}
        run = runs[0]
        tasks = httpx.post(
            f"{api}/task_runs/filter",
            json={"flow_runs": {"id": {"any_": [run["id"]]}}, "sort": "EXPECTED_START_TIME_ASC"},
            timeout=10,
        ).json()
    except (httpx.HTTPError, ValueError):
        return {}
    official = iter(OFFICIAL)
    out = []
    for t in tasks:
        name = t["name"].rsplit("-", 1)[0]
        if name == "load official source":  # one task per source, in catalog order
            name = f"{name}: {next(official, '?')}"
        out.append({"name": name, "seconds": round(t.get("total_run_time", 0), 2)})
    return {"flow_run_s": run.get("total_run_time"), "tasks": out}
