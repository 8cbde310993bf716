"""BENCHMARKS.md's section on publishing for readers on other machines (issue 23)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The night's budget for the estimate: a 10 GB warehouse file.
TEN_GB = 10e9
# S3 Standard's us-east-1 list prices the estimate uses (check your provider's): storage per
# GB-month, and PUT/LIST requests per 1,000. Uploads into S3 carry no transfer charge.
STORAGE_PER_GB_MONTH = 0.023
PUT_PER_1000 = 0.005
# docs/readers.md's paragraph on what a night costs, rewritten by bench/report.py.
COST_BEGIN = "<!-- cost: written by python bench/report.py from bench/results -->"
COST_END = "<!-- /cost -->"


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
    out += [*_estimate(measured, _quietest(measured, measured[-1]["rows"])), ""]
    return out


@dataclass(frozen=True)
class Night:
    """A 10 GB warehouse's nightly upload, scaled linearly from one measurement (an estimate)."""

    m: dict[str, Any]  # the measurement: file:// and s3:// results, rows, source, load
    r: dict[str, Any]  # its s3:// result (file:// when there is none)
    file_s: float
    delta_s: float
    delta_gb: float
    stored_gb: float
    requests: float

    @classmethod
    def of(cls, m: dict[str, Any]) -> Night:
        r = m.get("s3") or m["file"]
        scale = TEN_GB / r["file_bytes"]
        delta_gb = m["file"].get("delta_bytes", 0) * scale / 1e9
        # Kept: 7 DuckDB versions, and Delta files for the 7-day vacuum retention (8 nights).
        stored_gb = 7 * TEN_GB / 1e9 + 8 * delta_gb
        # A night's PUTs: the file's 16 MiB parts, Delta's ~100 MB data files, a commit per table.
        requests = (TEN_GB / (16 * 1024 * 1024) + delta_gb * 10 + r["tables"] * 2) * 30
        file_s = TEN_GB / 1e6 / r["file_mb_per_s"]
        return cls(m, r, file_s, r["delta_publish_s"] * scale, delta_gb, stored_gb, requests)

    def storage(self) -> str:
        """What the store keeps and what that costs a month."""
        return (
            f"~{self.stored_gb:.0f} GB (7 DuckDB versions and 8 nights of Delta files), about "
            f"US${self.stored_gb * STORAGE_PER_GB_MONTH:.2f} a month at US$"
            f"{STORAGE_PER_GB_MONTH} per GB-month, plus ~{self.requests:,.0f} PUT requests a "
            f"month (US${self.requests / 1000 * PUT_PER_1000:.2f}); uploads carry no transfer "
            "charge. List prices of S3 Standard in us-east-1; a provider's own prices apply"
        )


def _ten_million(measured: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The quietest measurement at 10M register rows or more (a make bench ROWS=10000000)."""
    big = [m for m in measured if m.get("s3")]
    return _quietest(big, 9_000_000) if any(m["rows"] >= 9_000_000 for m in big) else None


def _quietest(measured: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    """Of the measurements at `rows` or more, the one at the lowest load (the machine is shared)."""
    return min((m for m in measured if m["rows"] >= rows), key=lambda m: m.get("load_avg_start", 0))


def _ten_million_line(measured: list[dict[str, Any]], m: dict[str, Any]) -> str:
    """The Delta write at 10M rows as measured, else extrapolated from `m` and said so."""
    big = _ten_million(measured)
    if big is not None:
        s3 = big["s3"]
        return (
            f"**At {big['rows']:,} register rows** (measured: {big['source']}, load average "
            f"{big.get('load_avg_start', 0):.1f}) the {s3['file_bytes'] / 1e9:.1f} GB file "
            f"uploaded to SeaweedFS in {s3['file_s']:.0f} s ({s3['file_mb_per_s']:.0f} MB/s) and "
            f"the Delta write took {s3['delta_publish_s']:.0f} s (delta_publish_s)."
        )
    r = m.get("s3") or m["file"]
    ten_m = 10_000_000 / m["rows"]
    return (
        f"**At 10M register rows** (not measured: a 10M bench is not run on this shared machine; "
        f"`make bench ROWS=10000000` records delta_publish_s) a linear extrapolation from "
        f"{m['rows']:,} rows gives a ~{r['file_bytes'] * ten_m / 1e9:.1f} GB file uploaded in "
        f"~{r['file_s'] * ten_m / 60:.0f} min and a Delta write of ~"
        f"{r['delta_publish_s'] * ten_m / 60:.0f} min at the rates above."
    )


def _estimate(measured: list[dict[str, Any]], m: dict[str, Any]) -> list[str]:
    """10 GB a night, scaled linearly from the largest measurement (an estimate, not a run)."""
    night = Night.of(m)
    r, file_s, delta_s, delta_gb = night.r, night.file_s, night.delta_s, night.delta_gb
    unmeasured = (
        " (the bench's Delta write time grows with the rows it writes: the 10M-row warehouse is "
        "not re-measured here)"
    ) * (_ten_million(measured) is None)
    return [
        f"From the quietest {m['rows']:,}-row measurement ({m['source']}, load average "
        f"{m.get('load_avg_start', 0):.1f}).",
        "",
        _ten_million_line(measured, m),
        "",
        f"**A 10 GB warehouse each night** (scaled linearly from the {m['rows']:,}-row "
        f"measurement: {_mb(r['file_bytes'])} MB file; an estimate, not a 10 GB run): the file "
        f"at the measured loopback rate ({r['file_mb_per_s']:.0f} MB/s) takes "
        f"~{file_s:.0f} s, and the Delta write ~{delta_s / 60:.0f} min for ~{delta_gb:.1f} GB "
        f"of Delta files{unmeasured}. Over a network link the file takes size / "
        f"bandwidth instead: ~{TEN_GB * 8 / 1e9 / 60:.1f} min at 1 Gbit/s. Kept at the store: "
        f"{night.storage()}.",
    ]


def cost_note(results_dir: Path, results: list[dict[str, Any]]) -> list[str]:
    """docs/readers.md's cost of a night: the measured upload rate on loopback, the Delta write
    at 10M rows from the bench, and a 10 GB warehouse scaled from the largest measurement."""
    measured = publish_results(results_dir, results)
    if not measured:
        return ["Not measured yet: `python bench/publish.py WAREHOUSE --s3`."]
    m = _quietest(measured, measured[-1]["rows"])  # the largest size
    night = Night.of(m)
    big = _ten_million(measured)
    at_10m = (
        f"the Delta write of every table took {big['s3']['delta_publish_s']:.0f} s at "
        f"{big['rows']:,} register rows ({big['source']})"
        if big is not None
        else "the Delta write at 10M register rows is not measured yet (`make bench "
        "ROWS=10000000` records it as delta_publish_s in bench/results/10000000.json); at "
        f"{m['rows']:,} rows it took {night.r['delta_publish_s']:.1f} s"
    )
    text = (
        f"**A 10 GB warehouse each night.** Measured on loopback ({m['source']}, load average "
        f"{m.get('load_avg_start', 0):.1f}): the DuckDB file uploads to SeaweedFS at "
        f"{night.r['file_mb_per_s']:.0f} MB/s; {at_10m}. Scaled linearly to a 10 GB file (an "
        f"estimate, not a 10 GB run): the file takes ~{night.file_s / 60:.1f} min at that rate "
        f"(~{TEN_GB * 8 / 1e9 / 60:.1f} min over 1 Gbit/s), the Delta write ~"
        f"{night.delta_s / 60:.0f} min for ~{night.delta_gb:.1f} GB of Delta files. Kept at the "
        f"store: {night.storage()}. Figures: BENCHMARKS.md, rewritten with this paragraph by "
        "`python bench/report.py`."
    )
    return [text]


def refresh_readers_doc(path: Path, note: list[str]) -> bool:
    """Put the cost note between docs/readers.md's markers; False when the markers are gone."""
    text = path.read_text(encoding="utf-8")
    if COST_BEGIN not in text or COST_END not in text:
        return False
    head, rest = text.split(COST_BEGIN, 1)
    tail = rest.split(COST_END, 1)[1]
    path.write_text("\n".join([head + COST_BEGIN, *note, COST_END]) + tail, encoding="utf-8")
    return True
