"""kill -9 at 20 points of a run (seeded, spread from start-up to just after the rename): the published file stays exactly as it was (or is the complete
new state when the kill came after the rename); the next run starts clean and converges to the
same tables as an uninterrupted run."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from .conftest import REPO, PrefectServer, business_dump, hkam_args, hkam_run, rewrite_register

KILLS = 20
SEED = 20261125


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_ids(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT run_id FROM meta.run ORDER BY run_id").fetchall()]


@pytest.mark.slow
def test_sigkill_at_twenty_points_never_damages_the_published_file(
    prefect_server: PrefectServer, snapshot_copy: Path, tmp_path: Path
) -> None:
    wh = tmp_path / "wh" / "hkam.duckdb"
    reports = tmp_path / "reports"
    assert hkam_run(prefect_server, snapshot_copy, wh, reports).returncode == 0
    base = tmp_path / "base.duckdb"
    shutil.copy2(wh, base)
    before = sha(base)
    before_runs = run_ids(base)

    # The night's change: two register edits, so the run validates, merges and publishes.
    rewrite_register(
        snapshot_copy,
        {
            "horizon-robotics-2023-12": {"status": "construction"},
            "j2-semiconductor-2023-10": {"notes": "edited for the kill test"},
        },
    )
    # Reference: the same run, uninterrupted, on a copy of the same starting state.
    ref = tmp_path / "ref" / "hkam.duckdb"
    ref.parent.mkdir()
    shutil.copy2(base, ref)
    # ... timing when it publishes (the rename), to spread the kills over the run up to there.
    proc = subprocess.Popen(
        hkam_args(snapshot_copy, ref, tmp_path / "ref-reports"),
        cwd=REPO,
        env=prefect_server.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started, inode, published_after = time.monotonic(), ref.stat().st_ino, None
    while proc.poll() is None:
        if published_after is None and ref.stat().st_ino != inode:
            published_after = time.monotonic() - started
        time.sleep(0.01)
    assert proc.returncode == 0 and published_after is not None
    window = published_after * 1.1  # up to just after the rename; the tail writes reports only
    expected = business_dump(ref)
    assert expected != business_dump(base), "the run under test must change the warehouse"

    rng = random.Random(SEED)
    outcomes = {"unchanged": 0, "complete": 0}
    killed = 0
    for i in range(KILLS):
        # every attempt starts from the published state before the run; debris of the previous
        # killed run (working copy, WAL, versions, landing) stays for this one to clean up
        tmp = wh.with_name(".reset")
        shutil.copy2(base, tmp)
        os.replace(tmp, wh)
        delay = rng.uniform(0.03, 1.0) * window
        proc = subprocess.Popen(
            hkam_args(snapshot_copy, wh, reports),
            cwd=REPO,
            env=prefect_server.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if proc.poll() is None:
            proc.kill()  # SIGKILL
            killed += 1
        proc.wait(timeout=60)
        state = sha(wh)
        if state == before:
            outcomes["unchanged"] += 1
            assert run_ids(wh) == before_runs
        else:
            # killed after the atomic rename: the complete new state, never a mix
            outcomes["complete"] += 1
            assert business_dump(wh) == expected, f"kill {i} at {delay:.2f} s left a mixed file"
            assert len(run_ids(wh)) == len(before_runs) + 1
    assert killed >= KILLS * 3 // 4, f"only {killed} of {KILLS} runs were killed mid-run"
    assert outcomes["unchanged"] >= KILLS // 4, outcomes

    # The next uninterrupted run starts clean and ends where a clean run ends.
    shutil.copy2(base, wh)
    done = hkam_run(prefect_server, snapshot_copy, wh, reports)
    assert done.returncode == 0, done.stdout + done.stderr
    assert business_dump(wh) == expected
    assert (
        run_ids(wh)[: len(before_runs)] == before_runs and len(run_ids(wh)) == len(before_runs) + 1
    )
    assert not list(wh.parent.glob(".*.work.duckdb*")), "stale working copy left behind"
