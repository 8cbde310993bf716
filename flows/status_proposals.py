"""Status proposals: releases that report progress on registered commitments, into
core.status_candidate (run by the nightly flow after the register is loaded)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from flows.contracts import contract
from flows.transforms.status import Known, name_variants, propose

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
ARCHIVE = "gia_archive_page"  # raw.gia_archive_page, landed by `hkam backfill press` (issue 24)
# Column names the archive table may use for what a release needs, first found wins.
_ARCHIVE_COLUMNS = {
    "release_id": ("release_id",),
    "lang": ("lang", "language"),
    "title": ("title",),
    "text": ("text", "body_text", "text_content", "body"),
    "link": ("url", "link", "page_url"),
    "published_at": ("published_at", "issued_at"),
    "day": ("published_date_hk", "day", "index_day"),
    "fetched": ("fetched_at", "landed_at"),
}


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """Column names of a table; empty when there is no such table."""
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def known_commitments(con: duckdb.DuckDBPyConnection) -> list[Known]:
    """Project commitments in the register with every name their company or scheme goes by."""
    rows = con.execute(
        "SELECT c.commitment_id, c.company_name, c.status, co.name_en, co.name_zh, co.aliases "
        "FROM core.investment_commitment AS c LEFT JOIN core.company AS co USING (company_id) "
        "WHERE c.scope = 'project' ORDER BY c.commitment_id"
    ).fetchall()
    out = []
    for cid, company, status, name_en, name_zh, aliases in rows:
        names = name_variants([company, name_en, name_zh, *(aliases or [])])
        if names:
            out.append(Known(cid, company, status, tuple(names)))
    return out


def releases(con: duckdb.DuckDBPyConnection, load_id: str | None) -> pl.DataFrame:
    """Releases to read (those landed by load_id; every one when None): the archive's full
    text where it has the release, else the feed's opening paragraphs."""
    when = "" if load_id is None else "WHERE load_id = $id"
    params = {} if load_id is None else {"id": load_id}
    feed: pl.DataFrame = con.sql(
        "SELECT release_id, lang, title, description_text AS text, link, "
        "coalesce(published_at, published_date_hk::TIMESTAMP AT TIME ZONE 'Asia/Hong_Kong') "
        f"AS published_at FROM raw.gia_item {when} "
        "QUALIFY row_number() OVER (PARTITION BY release_id, lang ORDER BY link) = 1",
        params=params,
    ).pl()
    archive = _archive(con, when, params)
    if archive is None:
        return feed
    rest = feed.join(archive.select("release_id", "lang"), on=["release_id", "lang"], how="anti")
    both: pl.DataFrame = pl.concat([archive, rest], how="vertical_relaxed")
    return both


def _archive(
    con: duckdb.DuckDBPyConnection, when: str, params: dict[str, Any]
) -> pl.DataFrame | None:
    """Archive pages in the releases' shape (their latest revision); None without the table."""
    have = _columns(con, "raw", ARCHIVE)
    pick = {k: next((c for c in names if c in have), None) for k, names in _ARCHIVE_COLUMNS.items()}
    if not all(pick[k] for k in ("release_id", "text", "link")):
        return None
    if "load_id" not in have:
        when = ""
    published = pick["published_at"] or (
        f"{pick['day']}::TIMESTAMP AT TIME ZONE 'Asia/Hong_Kong'" if pick["day"] else "NULL"
    )
    lang = pick["lang"] or "CASE WHEN regexp_matches(text, '[一-龥]') THEN 'zh' ELSE 'en' END"
    order = f"{pick['fetched']} DESC" if pick["fetched"] else "1"
    frame: pl.DataFrame = con.sql(
        f"SELECT {pick['release_id']} AS release_id, {lang} AS lang, "
        f"{pick['title'] or 'NULL'} AS title, {pick['text']} AS text, {pick['link']} AS link, "
        f"({published})::TIMESTAMPTZ AS published_at FROM raw.{ARCHIVE} {when} "
        f"QUALIFY row_number() OVER (PARTITION BY release_id, lang ORDER BY {order}) = 1",
        params=params,
    ).pl()
    typed: pl.DataFrame = frame.with_columns(
        pl.col("title").cast(pl.String), pl.col("lang").cast(pl.String)
    )
    return typed


def _current_rows(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The register row now in force for each commitment, as written (dates as ISO text)."""
    fields = [c.name for c in contract("raw.register_commitment").source_columns]
    cols = ", ".join(f'r."{f}"' for f in fields)
    cur = con.execute(
        f"SELECT {cols}, c.announced_on AS _on, c.announced_precision AS _precision "
        "FROM core.investment_commitment AS c JOIN raw.register_commitment AS r "
        "ON r.commitment_id = c.commitment_id AND r.source_file_sha256 = c.source_file_sha256 "
        "WHERE list_contains($ids, c.commitment_id) "
        "QUALIFY row_number() OVER (PARTITION BY c.commitment_id ORDER BY r.line DESC) = 1",
        {"ids": list(ids)},
    )
    names = [d[0] for d in cur.description or []]
    out = {}
    for values in cur.fetchall():
        rec = dict(zip(names, values, strict=True))
        on, precision = rec.pop("_on"), rec.pop("_precision")
        rec["announced_on"] = _iso(on, precision)
        out[str(rec["commitment_id"])] = {k: "" if v is None else str(v) for k, v in rec.items()}
    return out


def _iso(day: date | None, precision: str | None) -> str:
    """A date as the register reads it unambiguously (YYYY-MM when only the month is known)."""
    if day is None or precision == "unknown":
        return ""
    return day.strftime("%Y-%m") if precision == "month" else day.isoformat()


def register_row(current: dict[str, str], proposal: dict[str, Any]) -> dict[str, str]:
    """The new register row version: the current row with the new status and a note that
    cites the release (its source_url stays the source of the figures)."""
    day = proposal["published_at"]
    when = f", {day.astimezone(HONG_KONG):%Y-%m-%d}" if day is not None else ""
    cite = (
        f"Status {proposal['from_status']} -> {proposal['to_status']} per press release "
        f"{proposal['release_id']} ({proposal['release_url']}{when}): {proposal['evidence']}"
    )
    notes = f"{current.get('notes') or ''} {cite}".strip()
    return {**current, "status": proposal["to_status"], "notes": notes[:4000]}


def _same_day() -> pl.Expr:
    """The Hong Kong day of a proposal's release (the English and Chinese versions share it)."""
    return pl.col("published_at").dt.convert_time_zone("Asia/Hong_Kong").dt.date()


def propose_status(
    con: duckdb.DuckDBPyConnection, load_id: str, decided: set[str], *, every: bool = False
) -> int:
    """Write new proposals to core.status_candidate; the number written.

    Reads the releases this run landed, or every release when `every` (the register changed,
    so known releases may name commitments new to it). A proposal already held or decided is
    not written again, nor a second language version's (same commitment, status and day)."""
    known = known_commitments(con)
    docs = releases(con, None if every else load_id)
    if not known or docs.height == 0:
        return 0
    found = propose(docs, known)
    held = con.sql(
        "SELECT proposal_id, commitment_id, to_status, published_at FROM core.status_candidate"
    ).pl()
    found = (
        found.filter(~pl.col("proposal_id").is_in(list(decided | set(held["proposal_id"]))))
        .with_columns(_same_day().alias("_day"))
        .join(
            held.with_columns(_same_day().alias("_day")).select(
                "commitment_id", "to_status", "_day"
            ),
            on=["commitment_id", "to_status", "_day"],
            how="anti",
            nulls_equal=True,
        )
        .sort("language", "confidence", descending=[False, True])
        .unique(["commitment_id", "to_status", "_day"], keep="first", maintain_order=True)
        .drop("_day")
    )
    if found.height == 0:
        return 0
    current = _current_rows(con, found["commitment_id"].unique().to_list())
    found = found.filter(pl.col("commitment_id").is_in(list(current)))
    rows = [
        json.dumps(register_row(current[p["commitment_id"]], p), ensure_ascii=False)
        for p in found.iter_rows(named=True)
    ]
    found = found.with_columns(
        pl.Series("register_row", rows, dtype=pl.String), pl.lit(load_id).alias("load_id")
    )
    con.register("found_status", found)
    try:
        con.execute(
            "INSERT OR IGNORE INTO core.status_candidate BY NAME SELECT * FROM found_status"
        )
    finally:
        con.unregister("found_status")
    return found.height
