"""Scale-out benchmark (issue 22): hkam run embedded against --dask local:N, N in WORKERS.

    python bench/scale.py --rows 100000 --workers 1,2 [--repeat 1] [--note TEXT]

Two generated snapshots (bench/generate.py): the register-only one (the register path: its parts
checked and staged on the workers) and the full one, whose 100,000-item press-release feed is
detected on the workers in batches and whose 1,000,000-point C&SD payload is parsed on one.
Each run is a fresh `hkam run` subprocess against one Prefect server started for the benchmark;
each --dask run starts its own LocalCluster, whose start-up is part of the time measured.

From the embedded run's Prefect task times: the share that can spread (the register's
"validate and transform" step and candidate detection) and the serial share (everything else:
landing, the DuckDB writer's loads and merge, marts, reports), then Amdahl's law for 10 hosts.
Writes bench/results/scale_<rows>.json; bench/report.py puts it in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from generate import generate, register_snapshot  # noqa: E402
from prefect_server import prefect_server, prefect_stages  # noqa: E402
from report import write_benchmarks  # noqa: E402
from run import hkam_run  # noqa: E402

SPREAD = ("validate and transform register", "propose candidates")  # the steps Dask takes
HOSTS = 10  # the Amdahl estimate's cluster size


def one_run(snapshot: Path, work: Path, api: str, dask: str | None) -> dict[str, Any]:
    """One `hkam run` (embedded, or --dask ADDRESS); wall and task seconds."""
    work.mkdir(parents=True)
    args = hkam_run(snapshot, work / "hkam.duckdb", work / "reports")
    args += ["--dask", dask] if dask else []
    env = {**os.environ, "PREFECT_API_URL": api, "HKAM_DATA_DIR": str(work / "data")}
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"hkam run {dask or 'embedded'} failed:\n{done.stdout}{done.stderr}")
    stages = prefect_stages(api)
    tasks: dict[str, float] = {}
    for t in stages.get("tasks", []):
        name = str(t["name"]).split(":")[0]
        tasks[name] = tasks.get(name, 0.0) + float(t["seconds"])
    flow = float(stages.get("flow_run_s") or wall)
    return {"wall_s": round(wall, 2), "flow_s": round(flow, 2), "tasks": tasks}


def amdahl(serial: float, n: int) -> float:
    """Speed-up on n workers when `serial` of the time cannot spread."""
    return 1 / (serial + (1 - serial) / n)


def measure(rows: int, workers: list[int], repeat: int) -> dict[str, Any]:
    """Embedded and local:N runs on both snapshots, `repeat` times each, alternating."""
    snapshots = {"register": register_snapshot(rows), "full": generate(rows)}
    configs: list[str | None] = [None, *(f"local:{n}" for n in workers)]
    out: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="hkam-scale-") as tmp,
        prefect_server(Path(tmp) / "prefect") as (api, _),
    ):
        for kind, snap in snapshots.items():
            runs: dict[str, list[dict[str, Any]]] = {str(c or "embedded"): [] for c in configs}
            for r in range(repeat):
                for c in configs:
                    name = str(c or "embedded")
                    work = Path(tmp) / f"{kind}-{name.replace(':', '')}-{r}"
                    runs[name].append(one_run(snap, work, api, c))
                    print(kind, name, runs[name][-1]["flow_s"], flush=True)
            out[kind] = summarise(runs)
    return out


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Medians per configuration, the embedded run's spreadable share, speed-ups, Amdahl."""
    med = {
        name: {
            "flow_s": statistics.median(r["flow_s"] for r in rs),
            "wall_s": statistics.median(r["wall_s"] for r in rs),
            "spread_s": statistics.median(sum(r["tasks"].get(s, 0.0) for s in SPREAD) for r in rs),
        }
        for name, rs in runs.items()
    }
    base = med["embedded"]
    serial = 1 - base["spread_s"] / base["flow_s"] if base["flow_s"] else 1.0
    for m in med.values():
        m["speedup"] = round(base["flow_s"] / m["flow_s"], 2) if m["flow_s"] else None
        m["spread_speedup"] = round(base["spread_s"] / m["spread_s"], 2) if m["spread_s"] else None
    return {
        "configs": med,
        "serial_share": round(serial, 3),
        f"amdahl_{HOSTS}_hosts": round(amdahl(serial, HOSTS), 2),
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2", help="comma-separated LocalCluster sizes")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--note", help="said with the results (e.g. a busy machine)")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    started = datetime.now(UTC)
    result = {
        "rows": args.rows,
        "workers": workers,
        "repeat": args.repeat,
        "started": started.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg(), "host": platform.node()},
        "note": args.note,
        **measure(args.rows, workers, args.repeat),
    }
    out = BENCH / "results" / f"scale_{args.rows}.json"
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(out)
    print(write_benchmarks(BENCH / "results", BENCH.parent / "BENCHMARKS.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
