"""Archive pages into the warehouse: parse and detect in batches, land the pages, propose
candidates exactly as the feed's are proposed (a release seen in both is one candidate)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from flows import progress
from flows import warehouse as wh
from flows.archive_crawl import PageRef
from flows.contracts import contract
from flows.dask_runner import cluster, run_batches
from flows.pipeline import insert_candidates
from flows.sources import gia_archive
from flows.sources.errors import SourceError
from flows.sources.gia import PAIR_SCHEMA
from flows.transforms.candidates import OUTPUT_SCHEMA, agreed, detect_frame
from flows.transforms.pairing import pair_languages
from flows.validation import Outcome, validate

TABLE = "raw.gia_archive_page"
# Pages per parse-and-detect batch: a few hundred milliseconds of work, so that a Dask run
# schedules hundreds of tasks for a year, not tens of thousands (prefect#12877 hung on those).
BATCH_PAGES = 100
TASK = "archive parse and detect"  # the Prefect task's name on Dask workers


def parse_and_detect_batch(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parse release pages (url, lang, raw, sha256, day, fetched_at) and run the candidate
    detector on each: one row per page, its candidate (or None) under "candidate" and a
    parse failure under "error". Module-level and plain data in and out, for Dask workers."""
    rows: list[dict[str, Any]] = []
    for page in pages:
        base = {
            "url": page["url"],
            "sha256": page["sha256"],
            "index_day": date.fromisoformat(page["day"]),
            "fetched_at": datetime.fromisoformat(page["fetched_at"]),
            "candidate": None,
            "error": None,
        }
        try:
            release = gia_archive.parse_release(page["raw"], url=page["url"], lang=page["lang"])
        except SourceError as exc:
            rows.append({**base, "lang": page["lang"], "error": str(exc)})
            continue
        rows.append({**release.row(), **base})
    parsed = [r for r in rows if r["error"] is None]
    if parsed:
        found = detect_frame(_pairs_frame(parsed))
        by_id = {c["release_id"]: c for c in found.iter_rows(named=True)}
        for row in parsed:
            row["candidate"] = by_id.get(row["release_id"])
    return rows


def _pairs_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Each page as its own release in pair_releases' layout (one language filled)."""
    out = []
    for r in rows:
        lang = r["lang"]
        out.append(
            {
                "release_id": r["release_id"],
                f"title_{lang}": r["title"],
                f"text_{lang}": r["text"],
                f"link_{lang}": r["url"],
                "published_date_hk": r["published_date_hk"],
            }
        )
    return pl.DataFrame(out, schema=PAIR_SCHEMA)


@dataclass
class Loaded:
    """What loading the archive's pages did."""

    pages_in: int = 0  # pages of the range
    already: int = 0  # already in the warehouse with the same content
    loaded: int = 0
    revisions: int = 0  # pages whose content changed since they were landed
    failed: list[str] = field(default_factory=list)  # pages that could not be parsed
    quarantined: int = 0
    candidates: int = 0
    outcome: Outcome | None = None


def _new_pages(con: duckdb.DuckDBPyConnection, refs: Iterable[PageRef]) -> list[PageRef]:
    """The pages whose (url, sha256) the warehouse does not hold yet, each once."""
    have = set(con.execute(f"SELECT url, sha256 FROM {TABLE}").fetchall())
    seen: dict[tuple[str, str], PageRef] = {}
    for ref in refs:
        key = (ref.url, ref.sha256)
        if key not in have:
            seen.setdefault(key, ref)
    return list(seen.values())


def _batches(refs: list[PageRef]) -> list[list[dict[str, Any]]]:
    """Pages with their bytes, in batches (the bytes travel: workers need no shared disk)."""
    pages = [
        {
            "url": r.url,
            "lang": r.lang,
            "raw": Path(r.path).read_bytes(),
            "sha256": r.sha256,
            "day": r.day,
            "fetched_at": r.fetched_at,
        }
        for r in refs
    ]
    return [pages[i : i + BATCH_PAGES] for i in range(0, len(pages), BATCH_PAGES)]


def load_pages(
    con: duckdb.DuckDBPyConnection,
    refs: list[PageRef],
    load_id: str,
    decided: set[str],
    address: str | None = None,
) -> Loaded:
    """Parse, detect and load the pages not yet held, a chunk at a time (a year of pages does
    not fit in memory at once); revisions kept beside the first version and their undecided
    candidates evaluated again; candidates proposed like the feed's."""
    result = Loaded(pages_in=len(refs))
    new = _new_pages(con, refs)
    result.already = len(refs) - len(new)
    light: list[dict[str, Any]] = []  # what proposing needs of each page: no text, no bytes
    revised: set[str] = set()
    outcomes: list[Outcome] = []
    with (
        cluster(address) as scheduler,  # a local:N cluster starts once for every chunk
        progress.step("archive: pages parsed and detected", total_rows=len(new)) as step,
    ):
        if scheduler is not None and new:
            progress.emit(f"archive: parse and detect on Dask at {scheduler} ({address})")
        for start in range(0, len(new), CHUNK_PAGES):
            chunk = new[start : start + CHUNK_PAGES]
            batches = run_batches(parse_and_detect_batch, _batches(chunk), scheduler, name=TASK)
            rows = [row for batch in batches for row in batch]
            result.failed += [f"{r['url']}: {r['error']}" for r in rows if r["error"]]
            parsed = [r for r in rows if r["error"] is None]
            kept = _insert(con, parsed, load_id, result, outcomes, revised)
            light += [{k: r[k] for k in _LIGHT} for r in parsed if r["url"] in kept]
            step.advance(len(chunk))
            found = sum(r["candidate"] is not None for r in light)
            progress.emit(
                f"archive: {start + len(chunk)}/{len(new)} new pages parsed and loaded, "
                f"{found} with a candidate"
            )
    result.revisions = len(revised)
    result.outcome = _run_outcome(con, outcomes, load_id)
    if light:
        result.candidates = _propose(con, light, revised, decided, load_id)
    return result


# Pages read, parsed and loaded at a time: about 150 MB of pages and their text.
CHUNK_PAGES = 5_000
_LIGHT = ("url", "release_id", "lang", "title", "other_release_id", "issued_at", "candidate")


def _insert(
    con: duckdb.DuckDBPyConnection,
    parsed: list[dict[str, Any]],
    load_id: str,
    result: Loaded,
    outcomes: list[Outcome],
    revised: set[str],
) -> set[str]:
    """Validate a chunk's pages against the contract and insert those that pass; their URLs."""
    if not parsed:
        return set()
    frame = _page_frame(con, parsed, load_id)
    outcome = validate(frame, contract(TABLE))
    if outcome.blocked:
        names = "; ".join(r.check.name for r in outcome.blocked)
        raise SourceError(f"gia_archive failed block check(s): {names}")
    outcomes.append(outcome)
    bad = outcome.quarantined_rows()
    result.quarantined += len(bad)
    keep = frame.with_row_index("_r").filter(~pl.col("_r").is_in(list(bad))).drop("_r")
    result.loaded += keep.height
    revised |= set(keep.filter(pl.col("revision") > 1)["release_id"].to_list())
    with wh.registered(con, archive_pages=keep):
        con.execute(f"INSERT INTO {TABLE} BY NAME SELECT * FROM archive_pages")
    return set(keep["url"].to_list())


def _run_outcome(
    con: duckdb.DuckDBPyConnection, outcomes: list[Outcome], load_id: str
) -> Outcome | None:
    """The checks' results for the DQ report: the one chunk's, or, over several chunks, the
    contract's checks on every page this run loaded but their text (too large to hold)."""
    if len(outcomes) <= 1:
        return outcomes[0] if outcomes else None
    frame = con.sql(
        f"SELECT * EXCLUDE (text) FROM {TABLE} WHERE load_id = $id", params={"id": load_id}
    ).pl()
    return validate(frame, contract(TABLE))


def _page_frame(
    con: duckdb.DuckDBPyConnection, parsed: list[dict[str, Any]], load_id: str
) -> pl.DataFrame:
    """The table's rows, each numbered as the revision it is of its URL."""
    held = Counter(dict(con.execute(f"SELECT url, count(*) FROM {TABLE} GROUP BY url").fetchall()))
    schema = contract(TABLE).polars_schema()
    records = []
    for row in sorted(parsed, key=lambda r: r["fetched_at"]):
        held[row["url"]] += 1
        records.append(
            {**{k: row.get(k) for k in schema}, "revision": held[row["url"]], "load_id": load_id}
        )
    return pl.DataFrame(records, schema=schema)


def _linked(parsed: list[dict[str, Any]]) -> dict[str, str]:
    """English release id -> Chinese release id, as the pages link each other."""
    out: dict[str, str] = {}
    for r in parsed:
        other = r.get("other_release_id")
        if other:
            en, zh = (r["release_id"], other) if r["lang"] == "en" else (other, r["release_id"])
            out.setdefault(en, zh)
    return out


def _propose(
    con: duckdb.DuckDBPyConnection,
    parsed: list[dict[str, Any]],
    revised: set[str],
    decided: set[str],
    load_id: str,
) -> int:
    """Insert the new candidates: none for a release (or its other version) already a
    candidate or decided, except a revised release's undecided one, which is replaced."""
    again = sorted(revised - decided)
    if again:
        con.execute(
            "DELETE FROM core.announcement_candidate WHERE list_contains($ids, release_id) "
            "OR list_contains($ids, paired_release_id)",
            {"ids": again},
        )
    known = {
        row[0]
        for row in con.execute(
            "SELECT release_id FROM core.announcement_candidate UNION "
            "SELECT paired_release_id FROM core.announcement_candidate "
            "WHERE paired_release_id IS NOT NULL"
        ).fetchall()
    } | decided
    linked = _linked(parsed)
    _join_known(con, parsed, linked, known)
    other = dict(linked) | {zh: en for en, zh in linked.items()}
    cands = [
        r["candidate"]
        for r in parsed
        if r["candidate"] is not None
        and r["release_id"] not in known
        and other.get(r["release_id"]) not in known
    ]
    if not cands:
        return 0
    found = pl.DataFrame(cands, schema=OUTPUT_SCHEMA).unique("release_id", keep="last")
    issued = {r["release_id"]: r["issued_at"] for r in parsed if r["issued_at"] is not None}
    rows = pair_languages(found, agreed, linked, issued).with_columns(
        pl.lit(load_id).alias("load_id")
    )
    return insert_candidates(con, rows)


def _join_known(
    con: duckdb.DuckDBPyConnection,
    parsed: list[dict[str, Any]],
    linked: dict[str, str],
    known: set[str],
) -> None:
    """A Chinese page whose English version is already an unpaired candidate (the feed's)
    joins it: one release, one candidate, with both titles and links."""
    pages = {r["release_id"]: r for r in parsed if r["lang"] == "zh"}
    for en, zh in linked.items():
        page = pages.get(zh)
        if page is None or en not in known or zh in known:
            continue
        con.execute(
            "UPDATE core.announcement_candidate SET paired_release_id = $zh, link_zh = $link, "
            "title_zh = $title WHERE release_id = $en AND paired_release_id IS NULL "
            "AND link_zh IS NULL",
            {"zh": zh, "link": page["url"], "title": page["title"], "en": en},
        )
