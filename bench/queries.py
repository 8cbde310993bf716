"""Analysts' queries on a loaded warehouse, timed: each mart's example query (the p95 target),
its full fetch, and the scans of the commitment-grain marts (reported only)."""

from __future__ import annotations

import math
import re
import statistics
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MART_REPEATS = 50
MART_BUDGET_S = 30.0  # per view: a slow view stops early (runs says how many)
# Questions answered by scanning a commitment-grain mart, reported beside the examples (not the
# p95 target): what an analyst pays who asks the detail mart instead of the aggregate one.
SCAN_QUERIES = {
    "cluster × year over marts.commitment_counted (marts.investment_by_sector_year has it)": (
        "SELECT cluster, announced_year, sum(counted_hkd) AS hkd "
        "FROM marts.commitment_counted GROUP BY ALL ORDER BY ALL"
    ),
    "by year over marts.investment_phased (marts.investment_phased_by_year has it)": (
        "SELECT year, sum(hkd) AS hkd FROM marts.investment_phased GROUP BY year ORDER BY year"
    ),
}


def mart_views() -> list[tuple[str, str | None]]:
    """Every marts.* contract in schemas/marts/*.yml, with its example query (None if none)."""
    out = []
    for path in sorted((ROOT / "schemas" / "marts").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = str(data["table"])
        if not re.fullmatch(r"marts\.[a-z_][a-z0-9_]*", name):  # an identifier, quoted by shape
            raise ValueError(f"{path}: unexpected view name {name!r}")
        example = data.get("example") or {}
        out.append((name, example.get("sql")))
    return out


def _latency(con: Any, sql: str, repeats: int) -> dict[str, Any]:
    """p50/p95/max ms of one query fetched as Arrow, `repeats` times or until its budget ends."""
    times, rows = [], 0
    budget = time.perf_counter() + MART_BUDGET_S
    for _ in range(repeats):
        t0 = time.perf_counter()
        # Arrow, as BI tools and notebooks fetch: fetchall() would time Python tuples.
        rows = con.sql(sql).to_arrow_table().num_rows
        times.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() > budget:
            break
    times.sort()
    return {
        "rows": rows,
        "p50_ms": round(statistics.median(times), 2),
        # Nearest rank: the 19th of 20 runs, the 48th of 50 (not the slowest).
        "p95_ms": round(times[math.ceil(0.95 * len(times)) - 1], 2),
        "max_ms": round(times[-1], 2),
        "runs": len(times),
        "fetch": "arrow",
    }


def mart_queries(warehouse: Path, repeats: int = MART_REPEATS) -> dict[str, Any]:
    """Per mart: its contract's example query (the analyst's question; the p95 target) and a
    full `SELECT *` fetch (a dump of every row, reported beside it), read-only connection."""
    import duckdb

    out: dict[str, Any] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for view, example in mart_views():
            full = _latency(con, f"SELECT * FROM {view}", repeats)
            if example:
                out[view] = {**_latency(con, example, repeats), "sql": example, "select_all": full}
            else:
                out[view] = {**full, "sql": f"SELECT * FROM {view}"}
    finally:
        con.close()
    return out


def scan_queries(warehouse: Path, repeats: int = MART_REPEATS) -> dict[str, Any]:
    """SCAN_QUERIES' latency on the loaded warehouse, read-only (reported, not a target)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {q: {**_latency(con, sql, repeats), "sql": sql} for q, sql in SCAN_QUERIES.items()}
    finally:
        con.close()


def run_summary(warehouse: Path) -> dict[str, Any]:
    """What hkam says its last run did (sanity check of the measurement): the run log's last
    entry, since a no-change run publishes nothing and so is not in meta.run."""
    import duckdb

    from flows.runs import read_run_log

    last = (read_run_log(warehouse, limit=1) or [{}])[0]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in (
                "core.investment_commitment_history",
                "meta.quarantine",
                "core.macro_indicator",
                "core.company",
            )
        }
    finally:
        con.close()
    keep = ("run_id", "status", "same_as", "duration_s", "rows_in", "rows_loaded",
            "rows_quarantined", "rows_unchanged", "rows_duplicate")  # fmt: skip
    return {"meta_run": {k: last.get(k) for k in keep if k in last}, "table_rows": counts}
