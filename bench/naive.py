"""The reference pipeline most users write first: pandas read_csv -> GX (pandas) -> DuckDB.

    python bench/naive.py REGISTER.csv OUT.duckdb

Same contract suite as hkam (built from schemas/raw/register_commitment.yml), failing rows set
aside into a quarantine table, passing rows inserted. No landing, no SCD-2, no marts.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from flows.contracts import contract
from flows.validation import build_suite

ROW = "__row"


def run(csv_path: Path, out: Path) -> dict[str, int]:
    """Load csv_path into out; returns counts."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    spec = contract("raw.register_commitment")
    frame = pd.read_csv(csv_path, dtype=str, encoding="utf-8")
    frame[ROW] = range(len(frame))
    ctx: Any = gx.get_context(mode="ephemeral")
    suite = ctx.suites.add(build_suite(spec))
    batch_def = (
        ctx.data_sources.add_pandas("naive")
        .add_dataframe_asset("register")
        .add_batch_definition_whole_dataframe("all")
    )
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]},
    )
    bad: set[int] = set()
    for res in result.results:
        for item in (res.result or {}).get("unexpected_index_list") or []:
            bad.add(int(item[ROW]) if isinstance(item, dict) else int(item))
    failing = frame[ROW].isin(bad)
    good, quarantined = frame[~failing], frame[failing]
    con = duckdb.connect(str(out))
    con.execute("BEGIN TRANSACTION")
    con.execute("CREATE TABLE register AS SELECT * FROM good")
    con.execute("CREATE TABLE quarantine AS SELECT * FROM quarantined")
    con.execute("COMMIT")
    con.close()
    return {"rows": len(frame), "loaded": len(good), "quarantined": len(quarantined)}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: naive.py REGISTER.csv OUT.duckdb", file=sys.stderr)
        return 2
    counts = run(Path(argv[0]), Path(argv[1]))
    print(counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
