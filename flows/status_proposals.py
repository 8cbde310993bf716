"""Status proposals: releases that report progress on registered commitments, into
core.status_candidate (run by the nightly flow after the register is loaded)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from flows.contracts import contract
from flows.transforms.status import (
    Known,
    hints,
    name_keys,
    name_variants,
    names_in,
    progress_sentences_of,
    propose,
    text_forms,
)
from flows.warehouse import registered

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
ARCHIVE = "gia_archive_page"  # raw.gia_archive_page, landed by `hkam backfill press` (issue 24)


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """Column names of a table; empty when there is no such table."""
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def known_commitments(
    con: duckdb.DuckDBPyConnection,
    texts: Sequence[str] | None = None,
    written_by: str | None = None,
) -> list[Known]:
    """Project commitments in the register with every name their company or scheme goes by.

    texts keeps those whose company the texts name: the register's distinct companies are
    narrowed in SQL (first word, acronym or first Chinese character among the texts' words),
    then matched exactly, then their commitments read (a 10M-row register is not read into
    Python for a dozen sentences). written_by keeps those that run added or changed."""
    where, params = ["scope = 'project'"], dict[str, Any]()
    if written_by is not None:
        where.append("load_id = $run")
        params["run"] = written_by
    outer = ""
    if texts is not None:
        outer = f"WHERE {_HINTED}"
        params["words"], params["chars"] = hints(texts)
    cond = " AND ".join(where)
    groups = _groups(con, cond, outer, params)
    forms = [text_forms(t) for t in texts or []]
    keep: dict[tuple[str, str | None], tuple[str, ...]] = {}
    for company, company_id, names in groups:
        keys = _variants(tuple(names))
        if keys and (texts is None or any(names_in(keys, f) for f in forms)):
            keep[(company, company_id)] = keys
    if not keep:
        return []
    params["names"] = sorted({c for c, _ in keep})
    rows = con.execute(
        "SELECT commitment_id, company_name, company_id, status FROM "
        f"core.investment_commitment WHERE {cond} AND list_contains($names, company_name) "
        "ORDER BY commitment_id",
        {k: v for k, v in params.items() if k in ("run", "names")},
    ).fetchall()
    return [
        Known(cid, company, status, keep[(company, company_id)])
        for cid, company, company_id, status in rows
        if (company, company_id) in keep
    ]


def _groups(
    con: duckdb.DuckDBPyConnection, cond: str, outer: str, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """The distinct (company_name, company_id) of the commitments `cond` keeps, with every
    name the company goes by; `outer` filters them (the texts' hints)."""
    return con.execute(
        "WITH g AS (SELECT DISTINCT company_name, company_id FROM core.investment_commitment "
        f"WHERE {cond}), n AS (SELECT g.company_name, g.company_id, list_filter("
        "[g.company_name, co.name_en, co.name_zh] || coalesce(co.aliases, []::VARCHAR[]), "
        "lambda x: x IS NOT NULL AND trim(x) <> '') AS names "
        f"FROM g LEFT JOIN core.company AS co USING (company_id)) SELECT * FROM n {outer}",
        params,
    ).fetchall()


def written_keys(con: duckdb.DuckDBPyConnection, written_by: str, docs: pl.DataFrame) -> list[str]:
    """name_keys of the companies a run added or changed that the docs may name: the run's
    distinct companies narrowed in SQL by the docs' words and Chinese characters (polars), so
    the Python work follows the names the releases hold, not the register's rows."""
    words, chars = _doc_hints(docs)
    params: dict[str, Any] = {"run": written_by, "words": words, "chars": chars}
    cond = "scope = 'project' AND load_id = $run"
    groups = _groups(con, cond, f"WHERE {_HINTED}", params)
    return name_keys([Known("", c, "", _variants(tuple(names))) for c, _, names in groups])


def _doc_hints(docs: pl.DataFrame) -> tuple[list[str], list[str]]:
    """status.hints of the docs' titles and texts, their words and characters found by polars
    (only the distinct Chinese characters go through the script conversion)."""
    text = (
        (pl.col("title").fill_null("") + " " + pl.col("text").fill_null(""))
        .str.normalize("NFKC")
        .str.to_lowercase()
    )
    found = docs.select(
        text.str.extract_all("[a-z0-9]+").alias("w"),
        text.str.extract_all("[\u3400-\u9fff]").alias("c"),
    )
    words = found["w"].explode().drop_nulls().unique().to_list()
    chars = "".join(found["c"].explode().drop_nulls().unique().to_list())
    more_words, more_chars = hints([chars]) if chars else ([], [])
    return sorted(set(words) | set(more_words)), more_chars


# A name's first word (after a "HKSAR Government - " prefix), acronyms in brackets, first Chinese
# character: one of them is in any text that holds the name (status.name_variants).
_HINTED = (
    "(list_has_any(list_transform(names, lambda x: lower(regexp_extract(regexp_replace(x, "
    "'^\\s*(?:HKSAR Government|Government|HKSARG)\\s*[-–:]\\s*', '', 'i'), "
    "'[A-Za-z0-9]+'))), $words) "
    "OR list_has_any(flatten(list_transform(names, lambda x: list_transform(regexp_extract_all(x, "
    "'[(（]([A-Z][A-Z&]{2,})[)）]', 1), lambda a: lower(a)))), $words) "
    "OR list_has_any(list_transform(names, lambda x: regexp_extract(x, '[㐀-鿿]')), $chars))"
)


@lru_cache(maxsize=65_536)
def _variants(names: tuple[str, ...]) -> tuple[str, ...]:
    """name_variants, remembered: the same company's names come for each of its commitments."""
    return tuple(name_variants(names))


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
    """Archive pages in the releases' shape, each at its latest revision (columns as in
    schemas/raw/gia_archive_page.yml); None in a warehouse from before the table existed."""
    if not _columns(con, "raw", ARCHIVE):
        return None
    frame: pl.DataFrame = con.sql(
        "SELECT release_id, lang, title, text, url AS link, "
        "coalesce(issued_at, published_date_hk::TIMESTAMP AT TIME ZONE 'Asia/Hong_Kong') "
        f"AS published_at FROM raw.{ARCHIVE} {when} "
        "QUALIFY row_number() OVER (PARTITION BY release_id, lang ORDER BY revision DESC) = 1",
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


def _find(
    docs: pl.DataFrame, con: duckdb.DuckDBPyConnection, written_by: str | None
) -> pl.DataFrame:
    """Proposals from docs for the register's commitments (those written_by a run, if given)."""
    if docs.height == 0:
        return propose(docs.clear(), [])
    if written_by is not None:
        # Only the releases that may name one of them are read sentence by sentence; the keys
        # come from the run's distinct companies, so the cost follows releases and companies.
        keys = written_keys(con, written_by, docs)
        if not keys:
            return propose(docs.clear(), [])
        docs = docs.filter(
            (pl.col("title").fill_null("") + " " + pl.col("text").fill_null(""))
            .str.to_lowercase()
            .str.contains_any(keys)
        )
    texts = progress_sentences_of(
        (title or "", text or "") for title, text in docs.select("title", "text").iter_rows()
    )
    if not texts:
        return propose(docs.clear(), [])
    # The commitments whose company the texts name: narrowed in SQL on distinct names first.
    return propose(docs, known_commitments(con, texts, written_by))


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
    new = releases(con, load_id)
    found = _find(new, con, None)
    if every:
        # Releases read before: only the commitments this run added or changed are new to them.
        old = releases(con, None).join(
            new.select("release_id", "lang"), on=["release_id", "lang"], how="anti"
        )
        found = pl.concat([found, _find(old, con, load_id)])
    if found.height == 0:
        return 0
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
    with registered(con, found_status=found):
        con.execute(
            "INSERT OR IGNORE INTO core.status_candidate BY NAME SELECT * FROM found_status"
        )
    return found.height
