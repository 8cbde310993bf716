"""Profile `hkam cold` with py-spy: where the time goes.

    python bench/profile.py [--rows 1000000] [--rate 50]

Runs one cold `python -m flows.cli run` on the generated snapshot under
`py-spy record --subprocesses --format raw` (against one Prefect server started beforehand,
excluded), then writes bench/results/profile_<size>.txt (collapsed stacks),
bench/results/profile_<size>.svg (an icicle graph of them) and bench/results/profile_<size>.json
(stages and functions with their share of samples) that BENCHMARKS.md shows.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from generate import generate, register_snapshot  # noqa: E402
from prefect_server import prefect_server  # noqa: E402
from run import PY, RESULTS, freeze_code  # noqa: E402

# Stage -> a frame prefix that marks it (function name and module path as py-spy prints them).
STAGES = [
    ("C&SD payload parse", "parse (flows/sources/censtatd.py"),
    ("press-release candidates (propose_candidates)", "propose_candidates (flows/pipeline.py"),
    ("reports (write_run_reports)", "write_run_reports (flows/reports/site.py"),
    ("official sources load (all of load_official)", "load_official (flows/pipeline.py"),
    ("register read (CSV into raw by DuckDB)", "read_new_files (flows/register_steps.py"),
    ("register check and stage (check_and_stage)", "check_and_stage (flows/register_steps.py"),
    ("register parts in their threads (_Parts.check)", "_Parts.check (flows/register_steps.py"),
    ("register part read from raw (_part)", "_part (flows/register_steps.py"),
    ("register validation (validate)", "validate (flows/validation.py"),
    ("register transform (stage)", "stage (flows/transforms/commitments.py"),
    ("amount_text cross-check (extract per distinct text)", "check_amounts (flows/transforms/"),
    ("quarantine rows (quarantine_frame)", "quarantine_frame (flows/pipeline.py"),
    ("register merge (SCD-2, companies, files)", "merge (flows/register_merge.py"),
    ("marts (refresh_marts)", "refresh_marts (flows/warehouse.py"),
    ("exports (write_exports)", "write_exports (flows/reports/exports.py"),
    ("land (sha256 + copy)", "land (flows/pipeline.py"),
    ("migrate (DDL, views)", "migrate (flows/warehouse.py"),
    ("publish (CHECKPOINT, fsync, rename)", "publish (flows/warehouse.py"),
    ("imports (any module import)", "_find_and_load (<frozen importlib._bootstrap>"),
]  # fmt: skip
_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def record(rows: int, rate: int, out: Path, register_only: bool = False) -> None:
    """One cold hkam run under py-spy, collapsed stacks to `out` (register_only: on the
    snapshot whose only large input is the register, as "hkam register cold" measures)."""
    snap = register_snapshot(rows) if register_only else generate(rows)
    work = Path(tempfile.mkdtemp(prefix="hkam-profile-"))
    try:
        code = freeze_code(work / "code")
        with prefect_server(work / "prefect-home") as (api, _):
            env = {
                **os.environ,
                "PYTHONPATH": str(code),
                "PREFECT_HOME": str(work / "prefect-home"),
                "PREFECT_API_URL": api,
                "GX_ANALYTICS_ENABLED": "False",
            }
            spy = str(Path(PY).parent / "py-spy")
            cmd = [spy, "record", "--format", "raw", "--subprocesses", "--rate", str(rate),
                   "-o", str(out), "--", PY, "-m", "flows.cli", "run", "--snapshot-dir",
                   str(snap), "--warehouse", str(work / "wh" / "hkam.duckdb"),
                   "--reports-dir", str(work / "reports")]  # fmt: skip
            (work / "wh").mkdir()
            subprocess.run(cmd, env=env, cwd=code, check=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def read_stacks(path: Path) -> Counter[tuple[str, ...]]:
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            frames = tuple(f for f in stack.split(";") if not f.startswith("process "))
            stacks[frames] += int(count)
    return stacks


def _short(frame: str) -> str:
    """'func (path/to/site-packages/pkg/mod.py:12)' -> 'func (pkg/mod.py)'."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    file = m["file"].split("site-packages/")[-1].split("/work/main/")[-1]
    return f"{m['func']} ({file})"


def analyse(stacks: Counter[tuple[str, ...]]) -> dict[str, Any]:
    total = sum(stacks.values()) or 1
    short: Counter[tuple[str, ...]] = Counter()
    for s, c in stacks.items():
        short[tuple(_short(f) for f in s)] += c
    stages = []
    for label, prefix in STAGES:
        n = sum(c for s, c in short.items() if any(f.startswith(prefix) for f in s))
        stages.append({"name": label, "pct": round(100 * n / total, 1), "samples": n})
    own: Counter[str] = Counter()
    for s, c in stacks.items():
        if s:
            own[_short(s[-1])] += c
    top_self = [
        {"name": f"`{name}`", "pct": round(100 * n / total, 1), "samples": n}
        for name, n in own.most_common(10)
    ]
    return {"samples": total, "stages": stages, "self": top_self}


def icicle_svg(stacks: Counter[tuple[str, ...]], title: str, width: int = 1400) -> str:
    """A plain icicle graph (root on top) of collapsed stacks, one <title> per frame."""
    tree: dict[str, Any] = {"n": 0, "kids": {}}
    for s, c in stacks.items():
        node = tree
        node["n"] += c
        for f in s:
            node = node["kids"].setdefault(f, {"n": 0, "kids": {}})
            node["n"] += c
    total = tree["n"] or 1
    row, rects, depth_max = 16, [], 0
    palette = ["#f2a65a", "#eec170", "#f58549", "#e8d6a0", "#f7b267"]

    def walk(node: dict[str, Any], x: float, depth: int) -> None:
        nonlocal depth_max
        for i, (frame, kid) in enumerate(sorted(node["kids"].items())):
            w = kid["n"] / total * width
            if w >= 0.5:
                depth_max = max(depth_max, depth)
                pct = 100 * kid["n"] / total
                label = html.escape(_short(frame))
                text = label if len(label) * 6.5 < w else label[: max(0, int(w / 6.5) - 2)]
                rects.append(
                    f"<g><title>{label} ({kid['n']} samples, {pct:.1f}%)</title>"
                    f'<rect x="{x:.1f}" y="{20 + depth * row}" width="{w:.1f}" height="{row - 1}" '
                    f'fill="{palette[(depth + i) % len(palette)]}"/>'
                    f'<text x="{x + 2:.1f}" y="{20 + depth * row + 11}">{text}</text></g>'
                )
                walk(kid, x, depth + 1)
            x += w

    walk(tree, 0.0, 0)
    height = 30 + (depth_max + 1) * row
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="monospace" font-size="10">'
        f'<text x="4" y="13" font-size="12">{html.escape(title)}</text>'
        + "".join(rects)
        + "</svg>\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rate", type=int, default=50, help="py-spy samples per second")
    parser.add_argument(
        "--analyse-only",
        action="store_true",
        help="re-read the recorded stacks (give the --rate they were recorded at)",
    )
    parser.add_argument(
        "--register-only", action="store_true", help="the register-only snapshot (issue 21)"
    )
    args = parser.parse_args(argv)
    size = f"{args.rows // 1_000_000}m" if args.rows % 1_000_000 == 0 else str(args.rows)
    if args.register_only:
        size += "_register"
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / f"profile_{size}.txt"
    if not args.analyse_only:
        record(args.rows, args.rate, raw, args.register_only)
    stacks = read_stacks(raw)
    result = analyse(stacks)
    what = "register-only snapshot" if args.register_only else "snapshot"
    result["intro"] = (
        f"One cold run at {args.rows:,} rows ({what}) under `py-spy record --subprocesses --rate "
        f"{args.rate}` ({result['samples']:,} samples of busy threads; Prefect server started "
        f"beforehand). Stages are inclusive (a sample counts for every stage on its stack), "
        f"so they overlap; functions are self time. Flame data: bench/results/profile_{size}.txt "
        f"(collapsed stacks), bench/results/profile_{size}.svg."
    )
    run = "hkam register cold" if args.register_only else "hkam cold"
    title = f"{run}, {args.rows:,} rows, py-spy ({result['samples']} samples)"
    (RESULTS / f"profile_{size}.svg").write_text(icicle_svg(stacks, title), encoding="utf-8")
    (RESULTS / f"profile_{size}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
