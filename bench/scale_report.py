"""The scale-out section of BENCHMARKS.md, from bench/results/scale_<rows>.json (bench/scale.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HOSTS = 10

INTRO = (
    "`make bench ROWS=N WORKERS=1,2` (`bench/scale.py`): `hkam run` embedded against "
    "`hkam run --dask local:N`, each a fresh subprocess against one Prefect server; a --dask run "
    "starts its own LocalCluster (its start-up is in the time). **register** is the snapshot whose "
    "only large input is the register (its parts are checked and staged on the workers); "
    "**full** adds the 100,000-item press-release feed (candidate detection in batches of "
    "10,000 on the workers) and the 1,000,000-point C&SD payload (parsed on a worker). *spread "
    "s* is the time of the steps Dask takes (the register's validate-and-transform step, which "
    "also fetches the parts from DuckDB, and candidate detection); the **serial share** is the "
    "rest of the embedded run (landing, the DuckDB writer's loads and merge, marts, reports, "
    "Prefect's own overhead), which stays in the flow's process whatever the cluster. Amdahl's "
    f"law for {HOSTS} hosts: 1 / (serial + (1 − serial) / {HOSTS}), an upper bound that ignores "
    "shipping parts to the workers, which the measured runs include."
)


def _n(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{float(value):,.{digits}f}"


def scale_section(results: Path) -> list[str]:
    """The scale-out tables, one per measured size (none: the section is left out)."""
    found = sorted(results.glob("scale_*.json"), key=lambda p: int(p.stem.split("_")[1]))
    if not found:
        return []
    lines = ["## Scale-out on Dask (issue 22)", "", INTRO, ""]
    for path in found:
        res = json.loads(path.read_text(encoding="utf-8"))
        load = ", ".join(f"{x:.1f}" for x in res["machine"]["load_avg"])
        lines += [
            f"### {res['rows']:,} rows ({res['started']}, {res['machine']['cpus']} cores, "
            f"load average {load} at the start, repeat {res['repeat']})",
            "",
        ]
        if res.get("note"):
            lines += [str(res["note"]), ""]
        lines += [
            "| snapshot | run | flow s | wall s | spread s | speed-up (flow) | speed-up (spread) |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for kind in ("register", "full"):
            part = res.get(kind)
            if not part:
                continue
            for name, m in part["configs"].items():
                lines.append(
                    f"| {kind} | {name} | {_n(m['flow_s'])} | {_n(m['wall_s'])} | "
                    f"{_n(m['spread_s'])} | {_n(m['speedup'])} | {_n(m['spread_speedup'])} |"
                )
        lines += [
            "",
            "| snapshot | serial share (embedded) | Amdahl, 10 hosts |",
            "| --- | ---: | ---: |",
        ]
        for kind in ("register", "full"):
            part = res.get(kind)
            if part:
                amdahl = _n(part[f"amdahl_{HOSTS}_hosts"])
                lines.append(f"| {kind} | {part['serial_share']:.0%} | x{amdahl} |")
        lines.append("")
    return lines
