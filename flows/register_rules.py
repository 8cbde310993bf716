"""Register rules that look across a file's rows: the day/month order of its dates, and the
share of its rows that fail their checks."""

from __future__ import annotations

import duckdb

from flows import pipeline as p
from flows import warehouse as wh
from flows.transforms.dates import NUMERAL_DATE


def date_orders(con: duckdb.DuckDBPyConnection) -> tuple[frozenset[str], list[str]]:
    """The files whose numeral dates are month first, and what to tell the analyst; a file
    with rows of both orders is refused (p.InputError) naming a line of each."""
    query = wh.sql_file("load/register_date_order.sql")
    cur = con.execute(query, {"pattern": NUMERAL_DATE})
    names = [d[0] for d in cur.description or []]
    month_first, warnings = set(), []
    for row in (dict(zip(names, r, strict=True)) for r in cur.fetchall()):
        day = f"line {row['day_first_line']}: {row['day_first_text']}"
        month = f"line {row['month_first_line']}: {row['month_first_text']}"
        if row["day_first"] and row["month_first"]:
            raise p.InputError(
                f"{row['name']}: dates in both day/month orders ({day} is day first, {month} "
                "is month first); write every date as YYYY-MM-DD (or one order) and run again"
            )
        if row["month_first"]:
            month_first.add(str(row["sha"]))
            warnings.append(
                f"{row['name']}: dates read month first (m/d/yyyy), as {row['month_first']} "
                f"row(s) show ({month}); a spreadsheet saved it in a US locale"
            )
        elif row["either"] and not row["day_first"]:
            warnings.append(
                f"{row['name']}: {row['either']} date(s) such as line {row['either_line']}: "
                f"{row['either_text']} fit either day/month order and no row decides it; read day "
                "first (Hong Kong usage): write YYYY-MM-DD to be sure"
            )
    return frozenset(month_first), warnings


def failed_share(
    con: duckdb.DuckDBPyConnection, quarantined: int, rows: int, limit: float, load_id: str
) -> str | None:
    """Why the register is not loaded this run when more than `limit` of its rows failed their
    checks (the check that failed most, with its first line); None otherwise."""
    if not rows or quarantined <= limit * rows:
        return None
    cur = con.execute(
        "SELECT check_name, count(*) AS n, arg_min(source_file, line) AS source_file, "
        "min(line) AS line, arg_min(reason, line) AS reason FROM meta.quarantine "
        "WHERE load_id = ? AND source = 'register' GROUP BY check_name "
        "ORDER BY n DESC, check_name LIMIT 1",
        [load_id],
    )
    names = [d[0] for d in cur.description or []]
    worst = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return p.failed_share_message(quarantined, rows, limit, worst[0] if worst else None)
