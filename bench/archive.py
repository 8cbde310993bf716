"""Archive bench: release pages parsed and detected per second, in-process and on Dask.

    python bench/archive.py [--pages 600] [--batch 100]

The pages are the test archive's (tests/archive/site.py: SYNTHETIC pages in the real layout
around the labelled releases' real text), cycled to --pages. Each configuration runs the same
batches through flows.dask_runner.run_batches: in-process, then on a LocalCluster of 1 and of 2
single-threaded workers (started before the clock, warmed with one batch). Pages per second per
core divides by the workers (1 in-process). Results: bench/results/archive.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.archive_load import parse_and_detect_batch  # noqa: E402
from flows.dask_runner import cluster, run_batches  # noqa: E402
from tests.archive import site  # noqa: E402


def pages(count: int) -> list[dict[str, Any]]:
    """`count` pages, the labelled releases' pages over and over."""
    releases = [
        site.Release(i["id"], i["lang"], i["title"], i["text"], site.date(2023, 1, 2),
                     i["source_url"], i["label"])
        for i in site.labelled()
    ]  # fmt: skip
    out = []
    for n in range(count):
        release = releases[n % len(releases)]
        out.append(
            {
                "url": f"{release.source_url}#{n}",
                "lang": release.lang,
                "raw": site.release_page(release).encode("utf-8"),
                "sha256": f"{n:064d}",
                "day": "2023-01-02",
                "fetched_at": "2026-12-05T00:00:00+00:00",
            }
        )
    return out


def measure(batches: list[list[dict[str, Any]]], address: str | None) -> float:
    """Seconds to parse and detect every batch at `address` (None: in-process)."""
    with cluster(address) as scheduler:
        if scheduler is not None:  # the cluster's start and the workers' imports: not measured
            run_batches(parse_and_detect_batch, batches[:1], scheduler, name="warm up")
        started = time.perf_counter()
        results = run_batches(parse_and_detect_batch, batches, scheduler, name="archive bench")
        took = time.perf_counter() - started
    assert sum(len(r) for r in results) == sum(len(b) for b in batches)
    return took


def main() -> None:
    """Run the three configurations and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The workers report to a temporary Prefect server; on a busy host it needs more than 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    data = pages(args.pages)
    batches = [data[i : i + args.batch] for i in range(0, len(data), args.batch)]
    results: dict[str, Any] = {
        "pages": args.pages,
        "batch": args.batch,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_average": os.getloadavg()[0],
        "runs": [],
    }
    for label, address, workers in (("in-process", None, 1), ("1 worker", "local:1", 1),
                                    ("2 workers", "local:2", 2)):  # fmt: skip
        took = measure(batches, address)
        rate = args.pages / took
        results["runs"].append(
            {"config": label, "seconds": round(took, 3), "pages_per_s": round(rate, 1),
             "pages_per_s_per_core": round(rate / workers, 1)}
        )  # fmt: skip
        print(f"{label}: {args.pages} pages in {took:.2f} s, {rate:.0f} pages/s, "
              f"{rate / workers:.0f} per core")  # fmt: skip
    out = ROOT / "bench" / "results" / "archive.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
