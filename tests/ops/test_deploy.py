"""prefect.yaml end to end: a real server, a process work pool, `prefect deploy`, a worker run;
the nightly schedule resolves to 02:00 Hong Kong time; `serve` registers the same schedule."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

from flows.resources import snapshot_dir
from flows.schedule import next_run_time

from .conftest import BIN, REPO, PrefectServer

HK = ZoneInfo("Asia/Hong_Kong")


def prefect(server: PrefectServer, *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", *args],
        cwd=REPO,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def deployments() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    return {d["name"]: d for d in config["deployments"]}


def test_prefect_yaml_declares_the_three_deployments() -> None:
    found = deployments()
    assert set(found) == {"nightly", "backfill", "report"}
    assert found["nightly"]["entrypoint"] == "flows/nightly.py:nightly"
    for name in ("nightly", "backfill"):
        assert found[name]["concurrency_limit"]["limit"] == 1
        assert found[name]["work_pool"]["name"] == "hkam"
    assert set(found["backfill"]["parameters"]) == {"date_from", "date_to", "sources"}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 25, 12, 0, tzinfo=UTC), datetime(2026, 11, 26, 2, 0, tzinfo=HK)),
        # 01:59 in Hong Kong: the run of the same night
        (datetime(2026, 11, 24, 17, 59, tzinfo=UTC), datetime(2026, 11, 25, 2, 0, tzinfo=HK)),
        # 02:00:01 in Hong Kong: tomorrow
        (datetime(2026, 11, 24, 18, 0, 1, tzinfo=UTC), datetime(2026, 11, 26, 2, 0, tzinfo=HK)),
        # summer: Hong Kong has no daylight saving, still 18:00 UTC
        (datetime(2027, 7, 1, 0, 0, tzinfo=UTC), datetime(2027, 7, 2, 2, 0, tzinfo=HK)),
    ],
)
def test_nightly_schedule_resolves_to_two_am_hong_kong(now: datetime, expected: datetime) -> None:
    [schedule] = deployments()["nightly"]["schedules"]
    when = next_run_time(schedule["cron"], schedule["timezone"], now)
    assert when == expected
    assert (when.hour, when.minute, when.utcoffset()) == (2, 0, timedelta(hours=8))
    assert when.astimezone(UTC).hour == 18


def wait_for(server: PrefectServer, flow_run_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = cast(dict[str, Any], server.get(f"/flow_runs/{flow_run_id}"))
        if run["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        assert time.monotonic() < deadline, f"flow run still {run['state_type']}"
        time.sleep(0.5)


def test_deploy_and_run_nightly_through_a_worker(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    prefect(prefect_server, "work-pool", "create", "hkam", "--type", "process", "--overwrite")
    prefect(prefect_server, "deploy", "--all")
    deployment = cast(dict[str, Any], prefect_server.get("/deployments/name/nightly/nightly"))
    [schedule] = deployment["schedules"]
    assert schedule["schedule"]["cron"] == "0 2 * * *"
    assert schedule["schedule"]["timezone"] == "Asia/Hong_Kong"
    assert deployment["work_pool_name"] == "hkam"
    assert deployment["global_concurrency_limit"]["limit"] == 1
    for name in ("backfill/backfill", "report/report"):
        assert cast(dict[str, Any], prefect_server.get(f"/deployments/name/{name}"))["id"]

    warehouse, reports = tmp_path / "wh" / "hkam.duckdb", tmp_path / "reports"
    params = {
        "snapshot_dir": str(snapshot_dir()),
        "warehouse": str(warehouse),
        "reports_dir": str(reports),
    }
    flow_run = cast(
        dict[str, Any],
        prefect_server.post(
            f"/deployments/{deployment['id']}/create_flow_run", {"parameters": params}
        ),
    )
    worker = subprocess.run(
        [str(BIN / "prefect"), "worker", "start", "--pool", "hkam", "--run-once"],
        cwd=tmp_path,  # the deployment's pull step, not the worker's cwd, finds the code
        env=prefect_server.env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    run = wait_for(prefect_server, flow_run["id"], timeout=60)
    assert run["state_type"] == "COMPLETED", worker.stdout + worker.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(status, loaded)] = con.execute("SELECT status, rows_loaded FROM meta.run").fetchall()
        [(commitments,)] = con.execute("SELECT count(*) FROM core.investment_commitment").fetchall()
    assert status == "published" and loaded > 0 and commitments > 0
    assert (reports / "latest" / "dq.json").exists()


def test_serve_registers_the_nightly_schedule(
    prefect_server: PrefectServer, tmp_path: Path
) -> None:
    code = (
        "from flows.schedule import serve; from flows.settings import load; "
        f"serve(load({str(tmp_path / 'hkam.duckdb')!r}, None, {str(tmp_path / 'r')!r}))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=prefect_server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                deployment = cast(
                    dict[str, Any], prefect_server.get("/deployments/name/nightly/hkam-serve")
                )
                break
            except Exception:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    [schedule] = deployment["schedules"]
    assert schedule["schedule"] == {
        "cron": "0 2 * * *",
        "timezone": "Asia/Hong_Kong",
        "day_or": True,
    }
    assert deployment["parameters"]["warehouse"] == str(tmp_path / "hkam.duckdb")
    assert "next run: " in out and " 02:00 HKT (Asia/Hong_Kong)" in out
