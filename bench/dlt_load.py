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


def batches(csv_path: Path) -> Iterator[Any]:
    """The register as Arrow batches of BATCH rows, every cell text (as the CSV holds it)."""
    lazy = pl.scan_csv(csv_path, infer_schema=False)
    for batch in lazy.collect_batches(chunk_size=BATCH):
        yield batch.to_arrow()


def pipeline(out: Path, pipelines_dir: Path, name: str) -> Any:
    """A dlt pipeline writing to the DuckDB file `out`, dataset raw."""
    import dlt

    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(out)),
        dataset_name="raw",
        pipelines_dir=str(pipelines_dir),
    )


def run(csv_path: Path, out: Path, pipelines_dir: Path) -> Any:
    """One dlt pipeline run; returns its load info."""
    import dlt

    @dlt.resource(name="register_commitment", write_disposition="replace")
    def register() -> Iterator[Any]:
        yield from batches(csv_path)

    return pipeline(out, pipelines_dir, "bench_register").run(register())


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: dlt_load.py REGISTER.csv OUT.duckdb PIPELINES_DIR", file=sys.stderr)
        return 2
    info = run(Path(argv[0]), Path(argv[1]), Path(argv[2]))
    print(info)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
