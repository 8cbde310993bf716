"""BENCHMARKS.md's section on publishing for readers on other machines (issue 23)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The night's budget for the estimate: a 10 GB warehouse file.
TEN_GB = 10e9
# S3 Standard's us-east-1 list prices the estimate uses (check your provider's): storage per
# GB-month, and PUT/LIST requests per 1,000. Uploads into S3 carry no transfer charge.
STORAGE_PER_GB_MONTH = 0.023
PUT_PER_1000 = 0.005


def publish_results(results_dir: Path, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every publish measurement: a full bench's `publish` (labelled with the bench's size) and
    each standalone publish_<rows>.json, by size."""
    found = [
        {**r["publish"], "rows": int(r["rows"]), "source": f"make bench ({r['date'][:10]})"}
        for r in results
        if "file" in (r.get("publish") or {})
    ]
    for path in sorted(results_dir.glob("publish_*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append({**data, "source": f"bench/publish.py ({path.name})"})
    return sorted(found, key=lambda m: int(m["rows"]))


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f}"


def publish_section(results_dir: Path, results: list[dict[str, Any]]) -> list[str]:
    """The measured uploads and what a 10 GB warehouse would take and cost each night."""
    measured = publish_results(results_dir, results)
    out = ["## Publishing for readers on other machines (issue 23)", ""]
    if not measured:
        return [*out, "Not measured yet: `python bench/publish.py WAREHOUSE --s3`.", ""]
    out += [
        "`bench/publish.py` (and `make bench`, on its last warehouse) uploads the published file "
        "with flows/remote.py into an empty target: a `file://` folder on the same disk, and "
        "SeaweedFS (`weed mini`) on 127.0.0.1, a real S3 server over loopback. **file** is the "
        "DuckDB file's multipart upload; **delta_publish_s** is the Delta write of every "
        "published `core` and `marts` table (views included) plus LATEST.json and the prune.",
        "",
        "| register rows | measured by | target | file MB | file s | file MB/s | Delta MB "
        "| delta_publish_s | load avg |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in measured:
        delta_mb = _mb(m["file"].get("delta_bytes", 0))
        for kind in ("file", "s3"):
            r = m.get(kind)
            if not r:
                continue
            out.append(
                f"| {m['rows']:,} | {m['source']} | {kind}:// | {_mb(r['file_bytes'])} | "
                f"{r['file_s']:.2f} | "
                f"{r['file_mb_per_s']:.0f} | {delta_mb} | {r['delta_publish_s']:.2f} | "
                f"{m.get('load_avg_start', 0):.1f} |"
            )
    notes = [f"{m['rows']:,} rows: {m['note']}" for m in measured if m.get("note")]
    out += ["", *(f"Note ({n})." for n in notes), *([""] if notes else [])]
    # The estimate: the largest size, its quietest measurement (the machine is shared).
    largest = [m for m in measured if m["rows"] == measured[-1]["rows"]]
    out += [*_estimate(min(largest, key=lambda m: m.get("load_avg_start", 0))), ""]
    return out


def _estimate(m: dict[str, Any]) -> list[str]:
    """10 GB a night, scaled linearly from the largest measurement (an estimate, not a run)."""
    r = m.get("s3") or m["file"]
    scale = TEN_GB / r["file_bytes"]
    file_s = TEN_GB / 1e6 / r["file_mb_per_s"]
    delta_s = r["delta_publish_s"] * scale
    delta_gb = m["file"].get("delta_bytes", 0) * scale / 1e9
    # Kept: 7 DuckDB versions, and Delta files for the 7-day vacuum retention (8 nights' worth).
    stored_gb = 7 * TEN_GB / 1e9 + 8 * delta_gb
    # A night's PUTs: the file's 16 MiB parts, Delta's ~100 MB data files, a commit per table.
    requests = (TEN_GB / (16 * 1024 * 1024) + delta_gb * 10 + r["tables"] * 2) * 30
    ten_m = 10_000_000 / m["rows"]
    return [
        f"From the quietest {m['rows']:,}-row measurement ({m['source']}, load average "
        f"{m.get('load_avg_start', 0):.1f}).",
        "",
        f"**At 10M register rows** (not measured: a 10M bench is not run on this shared machine; "
        f"`make bench ROWS=10000000` records delta_publish_s) a linear extrapolation from "
        f"{m['rows']:,} rows gives a ~{r['file_bytes'] * ten_m / 1e9:.1f} GB file uploaded in "
        f"~{r['file_s'] * ten_m / 60:.0f} min and a Delta write of ~"
        f"{r['delta_publish_s'] * ten_m / 60:.0f} min at the rates above.",
        "",
        f"**A 10 GB warehouse each night** (scaled linearly from the {m['rows']:,}-row "
        f"measurement: {_mb(r['file_bytes'])} MB file; an estimate, not a 10 GB run): the file "
        f"at the measured loopback rate ({r['file_mb_per_s']:.0f} MB/s) takes "
        f"~{file_s:.0f} s, and the Delta write ~{delta_s / 60:.0f} min for ~{delta_gb:.1f} GB "
        f"of Delta files (the bench's Delta write time grows with the rows it writes: the 10M-"
        "row warehouse is not re-measured here). Over a network link the file takes size / "
        f"bandwidth instead: ~{TEN_GB * 8 / 1e9 / 60:.1f} min at 1 Gbit/s. Kept at the store: "
        f"7 DuckDB versions and 8 nights of Delta files, ~{stored_gb:.0f} GB, about "
        f"US${stored_gb * STORAGE_PER_GB_MONTH:.2f} a month at US${STORAGE_PER_GB_MONTH} per "
        f"GB-month, plus ~{requests:,.0f} PUT requests a month (US$"
        f"{requests / 1000 * PUT_PER_1000:.2f}); uploads carry no transfer charge. List prices "
        "of S3 Standard in us-east-1; a provider's own prices apply.",
    ]
