"""dlt loading the register CSV into DuckDB in polars batches (Arrow), no validation.

python bench/dlt_load.py REGISTER.csv OUT.duckdb PIPELINES_DIR
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

BATCH = 250_000


def run(csv_path: Path, out: Path, pipelines_dir: Path) -> Any:
    """One dlt pipeline run; returns its load info."""
    import dlt

    @dlt.resource(name="register_commitment", write_disposition="replace")
    def register() -> Iterator[Any]:
        lazy = pl.scan_csv(csv_path, infer_schema=False)
        for batch in lazy.collect_batches(chunk_size=BATCH):
            yield batch.to_arrow()

    pipeline = dlt.pipeline(
        pipeline_name="bench_register",
        destination=dlt.destinations.duckdb(str(out)),
        dataset_name="raw",
        pipelines_dir=str(pipelines_dir),
    )
    return pipeline.run(register())


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: dlt_load.py REGISTER.csv OUT.duckdb PIPELINES_DIR", file=sys.stderr)
        return 2
    info = run(Path(argv[0]), Path(argv[1]), Path(argv[2]))
    print(info)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
