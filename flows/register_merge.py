"""The register's SCD-2 load: the staged rows (register_steps.check_and_stage) merged into the
history by content hash, with the run's source files and companies, in one transaction."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from flows import pipeline as p
from flows import warehouse as wh
from flows.contracts import contract
from flows.register_steps import FILES, KEY, KEYS, STAGED, Checked, drop_staged, view_staged
from flows.runs import SourceCounts
from flows.transforms.commitments import BUSINESS_COLUMNS

SWAPS = "register_date_swaps"  # temp table: staged rows that only swap a held date's day/month


def _hold_back_date_swaps(
    con: duckdb.DuckDBPyConnection, checked: Checked, load_id: str, now: datetime
) -> int:
    """Staged rows of held commitments whose only change is announced_on with day and month
    swapped go to meta.quarantine, and the merge leaves those commitments as they are: a
    spreadsheet re-saved in another locale, never an edit. Returns how many."""
    same = " AND ".join(
        f"s.{c} IS NOT DISTINCT FROM h.{c}" for c in BUSINESS_COLUMNS if c != "announced_on"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SWAPS} AS "
        f"SELECT s.{KEY}, s.source_file_sha256, s.announced_on AS read_as, h.announced_on AS held "
        f"FROM {STAGED} AS s JOIN core.investment_commitment_history AS h "
        f"ON h.{KEY} = s.{KEY} AND h.valid_to IS NULL AND h.row_hash <> s.row_hash "
        "WHERE s.announced_on <> h.announced_on AND day(h.announced_on) <= 12 "
        "AND s.announced_on = make_date(year(h.announced_on), day(h.announced_on), "
        f"month(h.announced_on)) AND {same}"
    )
    [(n,)] = con.execute(f"SELECT count(*) FROM {SWAPS}").fetchall()
    if not n:
        return 0
    cols = ", ".join(f"{c.name} := r.{c.name}" for c in contract(p.REGISTER).source_columns)
    con.execute(
        "INSERT OR IGNORE INTO meta.quarantine BY NAME "
        "SELECT $load_id AS load_id, 'register' AS source, r.source_file, r.source_file_sha256, "
        "r.line, 'announced_on not a day/month swap of the held date' AS check_name, "
        "'transform' AS expectation, "
        "format('announced_on {} reads as {}: the held {} with day and month swapped and "
        "nothing else changed (a spreadsheet saved in another locale?); the held date stays', "
        "r.announced_on, d.read_as, d.held) AS reason, "
        f"to_json(struct_pack({cols}))::VARCHAR AS raw, $now AS quarantined_at "
        f"FROM {SWAPS} AS d JOIN raw.register_commitment AS r "
        f"ON r.{KEY} = d.{KEY} AND r.source_file_sha256 = d.source_file_sha256 "
        f"QUALIFY row_number() OVER (PARTITION BY r.{KEY} ORDER BY r.line DESC) = 1",
        {"load_id": load_id, "now": now},
    )
    view_staged(con, checked.staged_files, held_back=SWAPS)
    return int(n)


def merge(
    con: duckdb.DuckDBPyConnection,
    landed: list[p.LandedFile],
    per_file: dict[str, int],
    checked: Checked,
    counts: SourceCounts,
    load_id: str,
    now: datetime,
) -> None:
    """Source files (with read_new_files' rows per file), companies and the SCD-2 merge of the
    staged rows, in one transaction."""
    files = p.source_file_frame(landed, per_file, load_id, now)
    companies = checked.companies.with_columns(pl.lit(load_id).alias("load_id"))
    try:
        with wh.transaction(con, landed_files=files, landed_companies=companies):
            [(current,)] = con.execute(
                "SELECT count(*) FROM core.investment_commitment_history WHERE valid_to IS NULL"
            ).fetchall()
            swapped = unchanged = removed = 0
            # A first load has nothing to hold back, match or close: the join read 10M staged
            # rows again, and the landed keys' set took 0.23 s at 1M rows to find that nothing
            # was removed.
            if current:
                swapped = _hold_back_date_swaps(con, checked, load_id, now)
                [(unchanged,)] = con.execute(
                    f"SELECT count(*) FROM {STAGED} AS s "
                    "JOIN core.investment_commitment_history AS h "
                    "ON h.commitment_id = s.commitment_id AND h.valid_to IS NULL "
                    "AND h.row_hash = s.row_hash"
                ).fetchall()
                # Commitments that left the register: the merge closes them; the summary says so.
                [(removed,)] = con.execute(
                    "SELECT count(*) FROM core.investment_commitment_history "
                    f"WHERE valid_to IS NULL AND commitment_id NOT IN (SELECT {KEY} FROM {KEYS})"
                ).fetchall()
            con.execute("INSERT OR IGNORE INTO meta.source_file BY NAME SELECT * FROM landed_files")
            con.execute(
                "INSERT OR REPLACE INTO core.company BY NAME SELECT * FROM landed_companies"
            )
            # History is read by key and version, never by position.
            with wh.insertion_order(con, keep=False):
                wh.run_sql(con, "load/merge_investment_commitment.sql", {"now": now})
    finally:
        con.execute(f"DROP VIEW IF EXISTS {KEYS}")
        drop_staged(con, checked)
        con.execute(f"DROP TABLE IF EXISTS {FILES}")
        con.execute(f"DROP TABLE IF EXISTS {SWAPS}")
    counts.unchanged = int(unchanged)
    counts.removed = int(removed)
    counts.loaded = checked.staged - counts.unchanged - swapped
    counts.quarantined = checked.quarantined + swapped
    counts.duplicates = checked.duplicates
    counts.overridden = checked.overridden
    counts.warnings += checked.warnings
