"""dlt merging the register into DuckDB with the scd2 strategy, rows versioned by content hash.

python bench/dlt_scd2.py REGISTER.csv OUT.duckdb PIPELINES_DIR [--loads N]

The peer a user would pick for "keep every version of each row": dlt 1.31's merge disposition
with strategy scd2 (valid_from / valid_to columns, rows absent from a load retired). Arrow
batches carry no `_dlt_id` content hash, so dlt's `add_row_hash_to_table` adds one and
`row_version_column_name` points scd2 at it: a second identical load adds no versions
(`--loads 2` shows it; the benchmark times one load into an empty file, as hkam cold is).
No validation, no typing, no marts: what dlt does, it does on every row.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dlt_load import batches, pipeline

ROW_HASH = "row_hash"
TABLE = "register_commitment"


def resource(csv_path: Path) -> Any:
    """The register as a dlt resource: merge / scd2, content hash as the row version."""
    import dlt
    from dlt.sources.helpers.transform import add_row_hash_to_table

    @dlt.resource(
        name=TABLE,
        write_disposition={
            "disposition": "merge",
            "strategy": "scd2",
            "row_version_column_name": ROW_HASH,
        },
    )
    def register() -> Iterator[Any]:
        yield from batches(csv_path)

    return register().add_map(add_row_hash_to_table(ROW_HASH))


def run(csv_path: Path, out: Path, pipelines_dir: Path) -> Any:
    """One scd2 load of the register; returns dlt's load info."""
    return pipeline(out, pipelines_dir, "bench_register_scd2").run(resource(csv_path))


def versions(out: Path) -> tuple[int, int]:
    """(row versions held, current versions) in the loaded table."""
    import duckdb

    con = duckdb.connect(str(out), read_only=True)
    try:
        got = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE _dlt_valid_to IS NULL) FROM raw.{TABLE}"
        ).fetchone()
    finally:
        con.close()
    assert got is not None
    return int(got[0]), int(got[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("register", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("pipelines_dir", type=Path)
    parser.add_argument("--loads", type=int, default=1, help="load the same file N times")
    args = parser.parse_args(argv)
    for _ in range(args.loads):
        run(args.register, args.out, args.pipelines_dir)
        held, current = versions(args.out)
        print(f"{TABLE}: {held} row versions, {current} current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
