"""Measuring one command for the benchmark: wall seconds, peak RSS (GNU time) and the process
tree's peak RSS (psutil)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
GNU_TIME = "/usr/bin/time"


def find_gnu_time() -> str | None:
    """GNU time with -v, if installed (Debian package `time`)."""
    if not Path(GNU_TIME).exists():
        return None
    probe = subprocess.run([GNU_TIME, "-v", "true"], capture_output=True, text=True)
    return GNU_TIME if "Maximum resident set size" in probe.stderr else None


def _parse_time_v(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in text.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key == "Maximum resident set size (kbytes)":
            out["peak_rss_mb"] = int(value) / 1024
        elif key == "User time (seconds)":
            out["user_s"] = float(value)
        elif key == "System time (seconds)":
            out["sys_s"] = float(value)
        elif key == "Percent of CPU this job got":
            out["cpu_pct"] = float(value.rstrip("%") or 0)
    return out


class TreePoller:
    """Samples the summed RSS of a process and its descendants."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


def stop_group(proc: subprocess.Popen[Any], grace: float) -> None:
    """SIGTERM to the process's group (it was started in a session of its own), SIGKILL to what
    is left after `grace` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def measure(
    name: str,
    cmd: list[str],
    *,
    env: dict[str, str],
    timeout: float,
    logs: Path,
    gnu_time: str | None,
    cwd: Path = ROOT,
) -> dict[str, Any]:
    """Run cmd once; wall seconds, peak RSS (GNU time) and process-tree peak RSS (psutil)."""
    logs.mkdir(parents=True, exist_ok=True)
    stamp = f"{name.replace(' ', '_')}-{time.time_ns()}"
    stats = logs / f"{stamp}.time"
    full = [gnu_time, "-v", "-o", str(stats), *cmd] if gnu_time else cmd
    with (logs / f"{stamp}.out").open("wb") as out, (logs / f"{stamp}.err").open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            full, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True
        )
        poller = TreePoller(proc.pid)
        status = "ok"
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            status = "timeout"
            stop_group(proc, grace=15)
        wall = time.perf_counter() - start
        tree_peak = poller.stop()
    result: dict[str, Any] = {
        "name": name,
        "status": status,
        "returncode": proc.returncode,
        "wall_s": None if status == "timeout" else round(wall, 3),
        "tree_peak_rss_mb": round(tree_peak, 1),
        "log": str(logs / f"{stamp}.err"),
    }
    if status == "timeout":
        result["timeout_s"] = timeout
    elif proc.returncode != 0:  # hkam: 1 = blocked, 2 = usage error; both are failures here
        result["status"] = "failed"
        tail = (logs / f"{stamp}.err").read_text(errors="replace")[-1500:]
        result["stderr_tail"] = tail
    if stats.exists():
        result.update({k: round(v, 2) for k, v in _parse_time_v(stats.read_text()).items()})
    if "peak_rss_mb" not in result:
        result["peak_rss_mb"] = result["tree_peak_rss_mb"]
    print(
        f"  {name:<16} {result['status']:<8} wall {result['wall_s']} s, "
        f"peak RSS {result['peak_rss_mb']:.0f} MB (tree {tree_peak:.0f} MB)",
        file=sys.stderr,
        flush=True,
    )
    return result
