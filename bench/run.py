"""The hkam benchmark: floor, hkam cold/no-change/register cold, the peers, mart queries.

    python bench/run.py --rows 1000000 [--repeat 3] [--seed 42] [--timeout 900]

Each measured command runs as a fresh subprocess under `/usr/bin/time -v` (peak RSS from the
OS) while a psutil poller records the peak RSS summed over the process tree. Measurements
alternate (floor, cold, no-change, register cold, naive, dlt, dlt scd2, sql peer, import; floor,
cold, ...) and medians are reported. "hkam register cold" runs on the snapshot whose only large
input is the register (bench/generate.py `register_snapshot`), like for like with the peers that
do the same job on the register alone: dlt's scd2 merge (bench/dlt_scd2.py) and a plain DuckDB
SQL pipeline (bench/sql_peer.py). One Prefect server is started for the whole benchmark (its
start-up is excluded).
Results: bench/results/<rows>.json and bench/results/latest.json; BENCHMARKS.md is rebuilt
from every results file.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import importlib.metadata as md
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from generate import generate, register_snapshot  # noqa: E402
from measure import find_gnu_time, measure  # noqa: E402
from prefect_server import prefect_server, prefect_stages  # noqa: E402
from queries import mart_queries, run_summary, scan_queries  # noqa: E402
from report import ORDER, write_benchmarks  # noqa: E402

RESULTS = BENCH / "results"
PY = sys.executable
FLOOR_CODE = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[2])\n"
    "con.execute('CREATE TABLE t AS SELECT * FROM read_csv(?)', [sys.argv[1]])\n"
    "print(con.execute('SELECT count(*) FROM t').fetchone()[0])\n"
)
IMPORT_CODE = "import prefect, great_expectations, polars, duckdb"


# ---------------------------------------------------------------- press-release path

GIA_CODE = """
import sys, time, json
from pathlib import Path
import polars as pl
from flows.sources.gia import SCHEMA, pair_releases, parse_feed
from flows.transforms.candidates import detect_frame
raw = Path(sys.argv[1]).read_bytes()
t0 = time.perf_counter()
en = parse_feed(raw, lang="en", source_url="https://example.invalid/gia/general_en.xml")
pairs = pair_releases(en, pl.DataFrame(schema=SCHEMA))
t1 = time.perf_counter()
found = detect_frame(pairs)
t2 = time.perf_counter()
print(json.dumps({"items": en.height, "candidates": found.height,
                  "parse_s": t1 - t0, "detect_s": t2 - t1}))
"""


def gia_available(code: Path = ROOT) -> bool:
    """Both halves of the press-release path exist in the measured code."""
    return all(
        (code / f).exists() for f in ("flows/sources/gia.py", "flows/transforms/candidates.py")
    )


# ---------------------------------------------------------------- the benchmark


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_avg_start": [round(x, 2) for x in os.getloadavg()],
    }


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for pkg in ("duckdb", "polars", "prefect", "great-expectations", "pandas", "dlt", "pyarrow"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


def code_version() -> dict[str, Any]:
    """The commit measured and how many files differed from it (others edit concurrently)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "flows", "schemas", "warehouse"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"commit": head, "uncommitted_files_in_flows_schemas_warehouse": len(dirty)}


def summarise(runs: list[dict[str, Any]], rows: int, floor_s: float | None) -> dict[str, Any]:
    ok = [r for r in runs if r["status"] == "ok"]
    summary: dict[str, Any] = {
        "runs": runs,
        "ok": len(ok),
        "timeouts": sum(r["status"] == "timeout" for r in runs),
        "failures": sum(r["status"] == "failed" for r in runs),
    }
    summary["skipped"] = sum(r["status"] == "skipped" for r in runs)
    if not ok or len(ok) < len(runs):
        summary["median_s"] = None  # a timeout or failure is never reported as a number
        measured = [r["peak_rss_mb"] for r in runs if r.get("peak_rss_mb") is not None]
        if measured:  # how far a failed run got (an out-of-memory kill shows here)
            summary["peak_rss_mb_max"] = round(max(measured), 1)
        # SIGKILL with nothing on stderr is the kernel's out-of-memory killer here (-9 from
        # Popen, 137 = 128 + 9 when GNU time reports its child's death).
        summary["killed"] = sum(r.get("returncode") in (-9, 137) for r in runs)
        if ok:
            summary["median_s_of_ok_runs"] = statistics.median(r["wall_s"] for r in ok)
        return summary
    med = statistics.median(r["wall_s"] for r in ok)
    summary.update(
        {
            "median_s": round(med, 3),
            "min_s": min(r["wall_s"] for r in ok),
            "max_s": max(r["wall_s"] for r in ok),
            "rows_per_s": round(rows / med) if med else None,
            "ratio_to_floor": round(med / floor_s, 2) if floor_s else None,
            "peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in ok), 1),
            "peak_rss_mb_max": round(max(r["peak_rss_mb"] for r in ok), 1),
            "tree_peak_rss_mb": round(max(r["tree_peak_rss_mb"] for r in ok), 1),
        }
    )
    return summary


def freeze_code(dest: Path) -> Path:
    """A copy of flows/, schemas/ and warehouse/*.sql: every run measures the same code.

    Other engineers edit the checkout while the benchmark runs; subprocesses run with this copy
    first on PYTHONPATH (before the editable install's path) and as their working directory.
    Its bytecode is compiled here, as an installed package's is: otherwise the first run of a
    benchmark (and every profiled run) compiled flows/ (~0.2 s), which a user's run does not.
    """
    skip = shutil.ignore_patterns(
        "__pycache__", "*.duckdb", "*.wal", "landing", "versions", "*.lock"
    )
    for name in ("flows", "schemas", "warehouse"):
        shutil.copytree(ROOT / name, dest / name, ignore=skip)
    compileall.compile_dir(dest / "flows", quiet=1)
    return dest


def publish_bench(
    warehouse: Path, rows: int, work: Path, env: dict[str, str], code: Path
) -> dict[str, Any]:
    """bench/publish.py on the last warehouse: file:// and SeaweedFS on loopback (issue 23)."""
    out = work / "publish.json"
    cmd = [PY, str(BENCH / "publish.py"), str(warehouse), "--s3", "--out", str(out)]
    cmd += ["--rows", str(rows)]
    done = subprocess.run(cmd, env=env, cwd=code, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not out.exists():
        return {"status": "failed", "stderr": done.stderr[-2000:]}
    return dict(json.loads(out.read_text(encoding="utf-8")))


def hkam_run(snapshot: Path, warehouse: Path, reports: Path) -> list[str]:
    """`hkam run` on a snapshot into a warehouse file, as the benchmark measures it."""
    return [
        PY,
        "-m",
        "flows.cli",
        "run",
        "--snapshot-dir",
        str(snapshot),
        "--warehouse",
        str(warehouse),
        "--reports-dir",
        str(reports),
    ]


def benchmark(rows: int, seed: int, repeat: int, timeout: float, keep: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    snap = generate(rows, seed)
    register_snap = register_snapshot(rows, seed)
    gen_s = time.perf_counter() - t0
    register = snap / "register" / "commitments.csv"
    gnu_time = find_gnu_time()
    if gnu_time is None:
        print("GNU time missing (apt-get install time); peak RSS from psutil only", file=sys.stderr)
    info = machine()
    work = Path(tempfile.mkdtemp(prefix=f"hkam-bench-{rows}-"))
    code = freeze_code(work / "code")
    code_info = code_version()
    names = list(ORDER)  # the measurements, in the order each repeat runs them
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    stages: list[dict[str, Any]] = []
    nochange_stages: list[dict[str, Any]] = []
    register_stages: list[dict[str, Any]] = []
    result: dict[str, Any] = {}
    try:
        with prefect_server(work / "prefect-home") as (api, server_s):
            print(f"prefect server up in {server_s:.1f} s (excluded): {api}", file=sys.stderr)
            env = {
                **os.environ,
                "PREFECT_HOME": str(work / "prefect-home"),
                "PREFECT_API_URL": api,
                "GX_ANALYTICS_ENABLED": "False",
                "PYTHONPATH": str(code),
            }
            env.pop("HKAM_WAREHOUSE", None)
            last_wh: Path | None = None
            for i in range(repeat):
                print(f"[{rows} rows] repeat {i + 1}/{repeat}", file=sys.stderr, flush=True)
                rep = work / f"r{i}"
                rep.mkdir()
                logs = work / "logs"
                go = {
                    "env": env,
                    "timeout": timeout,
                    "logs": logs,
                    "gnu_time": gnu_time,
                    "cwd": code,
                }
                runs["floor"].append(
                    measure(
                        "floor",
                        [PY, "-c", FLOOR_CODE, str(register), str(rep / "floor.duckdb")],
                        **go,
                    )
                )
                wh_path = rep / "wh" / "hkam.duckdb"
                wh_path.parent.mkdir()
                hkam = hkam_run(snap, wh_path, rep / "reports")
                cold = measure("hkam cold", hkam, **go)
                runs["hkam cold"].append(cold)
                stages.append(prefect_stages(api))
                if cold["status"] == "ok":
                    runs["hkam no-change"].append(measure("hkam no-change", hkam, **go))
                    nochange_stages.append(prefect_stages(api))
                else:  # nothing was published: a rerun would be another cold run
                    runs["hkam no-change"].append(
                        {"name": "hkam no-change", "status": "skipped", "wall_s": None,
                         "reason": f"hkam cold {cold['status']}: no warehouse to rerun on"}
                    )  # fmt: skip
                reg_wh = rep / "wh-register" / "hkam.duckdb"
                reg_wh.parent.mkdir()
                reg_cmd = hkam_run(register_snap, reg_wh, rep / "reports-register")
                runs["hkam register cold"].append(measure("hkam register cold", reg_cmd, **go))
                register_stages.append(prefect_stages(api))
                runs["naive"].append(
                    measure(
                        "naive",
                        [PY, str(BENCH / "naive.py"), str(register), str(rep / "naive.duckdb")],
                        **go,
                    )
                )
                runs["dlt"].append(
                    measure(
                        "dlt",
                        [
                            PY,
                            str(BENCH / "dlt_load.py"),
                            str(register),
                            str(rep / "dlt.duckdb"),
                            str(rep / "dlt-pipelines"),
                        ],
                        **go,
                    )
                )
                runs["dlt scd2"].append(
                    measure(
                        "dlt scd2",
                        [
                            PY,
                            str(BENCH / "dlt_scd2.py"),
                            str(register),
                            str(rep / "dlt-scd2.duckdb"),
                            str(rep / "dlt-scd2-pipelines"),
                        ],
                        **go,
                    )
                )
                runs["sql peer"].append(
                    measure(
                        "sql peer",
                        [PY, str(BENCH / "sql_peer.py"), str(register), str(rep / "sql.duckdb")],
                        **go,
                    )
                )
                runs["import floor"].append(measure("import floor", [PY, "-c", IMPORT_CODE], **go))
                for f in (
                    "floor.duckdb",
                    "naive.duckdb",
                    "dlt.duckdb",
                    "dlt-pipelines",
                    "dlt-scd2.duckdb",
                    "dlt-scd2-pipelines",
                    "sql.duckdb",
                    "wh-register",
                    "reports-register",
                ):
                    p = rep / f
                    if p.is_dir():
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        p.unlink(missing_ok=True)
                if cold["status"] == "ok" and wh_path.exists():
                    if last_wh is not None and not keep:
                        shutil.rmtree(last_wh.parent.parent, ignore_errors=True)
                    last_wh = wh_path
                else:
                    shutil.rmtree(rep, ignore_errors=True)
            marts = mart_queries(last_wh) if last_wh else {}
            scans = scan_queries(last_wh) if last_wh else {}
            summary = run_summary(last_wh) if last_wh else {}
            publish = publish_bench(last_wh, rows, work, env, code) if last_wh else {}
            gia: dict[str, Any] = {"status": "todo: flows/sources/gia.py or candidates.py absent"}
            if gia_available(code):
                gia_run = measure(
                    "gia parse+detect",
                    [PY, "-c", GIA_CODE, str(snap / "gia" / "general_en.xml")],
                    env=env,
                    timeout=timeout,
                    logs=work / "logs",
                    gnu_time=gnu_time,
                    cwd=code,
                )
                gia = {"status": gia_run["status"], "run": gia_run}
                if gia_run["status"] == "ok":
                    out = Path(gia_run["log"].removesuffix(".err") + ".out").read_text()
                    gia.update(json.loads(out.strip().splitlines()[-1]))
                    gia["items_per_s"] = round(gia["items"] / (gia["parse_s"] + gia["detect_s"]))
        floor = summarise(runs["floor"], rows, None)
        floor_s = floor.get("median_s")
        meas = {n: summarise(r, rows, floor_s) for n, r in runs.items()}
        info["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
        cold_s = meas["hkam cold"].get("median_s")
        p95 = max((m["p95_ms"] for m in marts.values()), default=None)
        result = {
            "rows": rows,
            "seed": seed,
            "repeat": repeat,
            "timeout_s": timeout,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": info,
            "versions": versions(),
            "inputs": {
                "snapshot": str(snap),
                "register_snapshot": str(register_snap),
                "register_bytes": register.stat().st_size,
                "censtatd_points": 1_000_000,
                "gia_items": 100_000,
                "generate_s": round(gen_s, 1),
            },
            "prefect_server": {"start_s": round(server_s, 2), "excluded": True},
            "floor_s": floor_s,
            "hkam_cold_s": cold_s,
            "hkam_nochange_s": meas["hkam no-change"].get("median_s"),
            "naive_s": meas["naive"].get("median_s"),
            "dlt_s": meas["dlt"].get("median_s"),
            "import_floor_s": meas["import floor"].get("median_s"),
            "hkam_register_cold_s": meas["hkam register cold"].get("median_s"),
            "dlt_scd2_s": meas["dlt scd2"].get("median_s"),
            "sql_peer_s": meas["sql peer"].get("median_s"),
            "hkam_peak_rss_mb": meas["hkam cold"].get("peak_rss_mb_max"),
            "hkam_register_peak_rss_mb": meas["hkam register cold"].get("peak_rss_mb_max"),
            "mart_query_p95_ms": p95,
            "delta_publish_s": publish.get("delta_publish_s"),  # issue 23 (bench/publish.py)
            "publish": publish,
            "measurements": meas,
            "hkam_stages": stages,
            "hkam_nochange_stages": nochange_stages,
            "hkam_register_stages": register_stages,
            "code": {**code_info, "frozen_copy": True},
            "hkam_run": summary,
            "mart_queries": marts,
            "mart_scan_queries": scans,
            "gia": gia,
        }
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900.0, help="per measurement, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument("--report-only", action="store_true", help="only rebuild BENCHMARKS.md")
    parser.add_argument("--note", help="said with the results (e.g. a check run on a busy machine)")
    args = parser.parse_args(argv)
    if not args.report_only:
        result = benchmark(args.rows, args.seed, args.repeat, args.timeout, args.keep)
        if args.note:
            result["note"] = args.note
        RESULTS.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result, indent=1, ensure_ascii=False, default=str)
        (RESULTS / f"{args.rows}.json").write_text(text + "\n", encoding="utf-8")
        (RESULTS / "latest.json").write_text(text + "\n", encoding="utf-8")
        print(f"wrote {RESULTS / f'{args.rows}.json'}", file=sys.stderr)
    print(write_benchmarks(RESULTS, ROOT / "BENCHMARKS.md"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
