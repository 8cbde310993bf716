"""Publishing a warehouse for readers on other machines (issue 23): how long, how fast.

    python bench/publish.py WAREHOUSE [--s3] [--out FILE] [--rows N] [--note TEXT]

Uploads the published file WAREHOUSE with flows/remote.py to a `file://` folder and, with
--s3, to a SeaweedFS server on 127.0.0.1 (`weed mini`, the tests' server, started and stopped
here): the DuckDB file's upload time and rate, and `delta_publish_s`, the Delta write of every
published table. Prints one JSON object (and writes it to FILE).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.append(str(ROOT))  # after PYTHONPATH: make bench runs its frozen code copy

from flows import remote  # noqa: E402


def _rows(warehouse: Path) -> int:
    """Register rows behind the published tables (the benchmark's size)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(n,)] = con.execute("SELECT count(*) FROM core.investment_commitment_history").fetchall()
    return int(n)


def once(warehouse: Path, url: str, aws: dict[str, str]) -> dict[str, Any]:
    """One upload into an empty target: the file's seconds and rate, the Delta write's seconds."""
    started = time.perf_counter()
    done = remote.upload(warehouse, url, aws, keep=1)
    total = time.perf_counter() - started
    return {
        "url_kind": url.split(":", 1)[0],
        "file_bytes": done.bytes,
        "file_s": round(done.file_seconds, 3),
        "file_mb_per_s": round(done.bytes / 1e6 / max(done.file_seconds, 1e-9), 1),
        "delta_publish_s": round(done.seconds - done.file_seconds, 3),
        "tables": len(done.delta),
        "total_s": round(total, 3),
    }


def _delta_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in (folder / remote.DELTA_DIR).rglob("*") if p.is_file())


def measure(warehouse: Path, s3: bool) -> dict[str, Any]:
    """file:// always; SeaweedFS on loopback with s3."""
    work = Path(tempfile.mkdtemp(prefix="hkam-publish-bench-"))
    out: dict[str, Any] = {"rows": _rows(warehouse), "load_avg_start": os.getloadavg()[0]}
    try:
        local = work / "shared"
        out["file"] = once(warehouse, f"file://{local}", {})
        out["file"]["delta_bytes"] = _delta_bytes(local)
        if s3:
            from tests.remote.conftest import Seaweed

            server = Seaweed(work / "seaweed")
            server.start()
            try:
                out["s3"] = once(warehouse, "s3://hkam/bench", server.aws)
                out["s3"]["server"] = "SeaweedFS weed mini on 127.0.0.1 (loopback)"
            finally:
                server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["load_avg_end"] = os.getloadavg()[0]
    out["delta_publish_s"] = out.get("s3", out["file"])["delta_publish_s"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--s3", action="store_true", help="also to SeaweedFS on 127.0.0.1")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--rows", type=int, help="the bench size it was built at (for the label)")
    parser.add_argument("--note", help="said with the results (e.g. a busy machine)")
    args = parser.parse_args(argv)
    result = measure(args.warehouse, args.s3)
    if args.rows:
        result["rows"] = args.rows
    if args.note:
        result["note"] = args.note
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
