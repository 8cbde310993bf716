"""A plain DuckDB SQL pipeline over the register, as a dbt-duckdb user writes it.

python bench/sql_peer.py REGISTER.csv OUT.duckdb [--runs N]

Runs bench/sql_peer/*.sql in name order on one connection, like `dbt seed && dbt run`: seeds
(HKMA rates, sector map), raw CTAS from read_csv, the contract's checks as one scan into a
quarantine table, a typed staged table, an SCD-2 history by content hash and two aggregate marts.
The peer hkam's register path is measured against (bench/run.py, `sql_peer_s`); dbt's own
start-up (a second or two) is not paid here, which favours the peer.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SQL = BENCH / "sql_peer"
SECTORS = ROOT / "flows" / "transforms" / "reference" / "sectors.yml"
HKMA = sorted(
    str(p) for p in (ROOT / "flows" / "snapshot" / "hkma").glob("er-eeri-endperiod*.json")
)
COUNTS = (
    "raw_register",
    "quarantine",
    "staged_commitment",
    "commitment_history",
    "commitment_current",
    "investment_by_sector_year",
    "jobs_by_sector_year",
)


def sector_map() -> list[tuple[str, str]]:
    """(source label, cluster) pairs of the project's sector taxonomy: the peer's seed."""
    data = yaml.safe_load(SECTORS.read_text(encoding="utf-8"))
    return [(str(label), str(cluster)) for label, cluster in data["labels"].items()]


def run(register: Path, out: Path) -> dict[str, int]:
    """One run of every model into `out`; row counts of what it built."""
    con = duckdb.connect(str(out))
    try:
        con.execute("SET VARIABLE register = ?", [str(register)])
        con.execute("SET VARIABLE hkma_files = ?", [HKMA])
        con.execute("SET VARIABLE run_ts = ?", [datetime.now(UTC)])
        con.execute("CREATE OR REPLACE TABLE sector_map (label VARCHAR, cluster VARCHAR)")
        con.executemany("INSERT INTO sector_map VALUES (?, ?)", sector_map())
        for path in sorted(SQL.glob("*.sql")):
            con.execute(path.read_text(encoding="utf-8"))
        counts = {}
        for table in COUNTS:
            got = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(got[0]) if got else 0
        return counts
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("register", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--runs", type=int, default=1, help="run N times on the same file")
    args = parser.parse_args(argv)
    for _ in range(args.runs):
        counts = run(args.register, args.out)
        print(", ".join(f"{k} {v}" for k, v in counts.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
