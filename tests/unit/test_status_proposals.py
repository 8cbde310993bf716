"""status_proposals against a real DuckDB warehouse: one proposal per commitment, status and
day across the two languages, none twice, the archive's pages read when the table exists."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from flows import warehouse as wh
from flows.status_proposals import propose_status

# SYNTHETIC register and feed rows around REAL sentences: the OASES office as a project of the
# register (not a real register entry), and two releases of one day made of sentences of
# P2023061400555 (English) and P2023022800651 (Chinese), whose real days differ.
EN = "OASES commenced full operation on December 23 last year."
ZH = "陈茂波说:「今届特区政府突破传统思维、主动出击,成立了引进重点企业办公室以及招商引才专组。"


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty warehouse file (migrating costs ~2 s: once per module, then copied)."""
    path = tmp_path_factory.mktemp("status") / "empty.duckdb"
    with duckdb.connect(str(path)) as db:
        wh.migrate(db)
    return path


@pytest.fixture
def con(empty: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    shutil.copy(empty, tmp_path / "wh.duckdb")
    db = duckdb.connect(str(tmp_path / "wh.duckdb"))
    db.execute(
        "INSERT INTO core.company (company_id, name_en, name_zh, aliases) VALUES "
        "('oases', 'Office for Attracting Strategic Enterprises (OASES)', '引進重點企業辦公室', [])"
    )
    db.execute(
        "INSERT INTO core.investment_commitment_history BY NAME SELECT 'oases-office' AS "
        "commitment_id, 1 AS version, 'government' AS party, 'oases' AS company_id, "
        "'Office for Attracting Strategic Enterprises (OASES)' AS company_name, 'project' AS scope,"
        " 'announced' AS status, DATE '2022-10-01' AS announced_on, 'month' AS "
        "announced_precision, 'f1' AS source_file_sha256, now() AS valid_from, 'run0' AS load_id"
    )
    db.execute(
        "INSERT INTO raw.register_commitment BY NAME SELECT 'oases-office' AS commitment_id, "
        "'government' AS party, 'Office for Attracting Strategic Enterprises (OASES)' AS company,"
        " '10/2022' AS announced_on, 'project' AS scope, 'announced' AS status, "
        "'https://example.org/synthetic' AS source_url, 'SYNTHETIC' AS notes, "
        "'f1' AS source_file_sha256, 2 AS line"
    )
    for rid, lang, text in (("P1", "en", EN), ("P2", "zh", ZH)):
        db.execute(
            "INSERT INTO raw.gia_item BY NAME SELECT ? AS release_id, ? AS lang, '' AS title, "
            "? AS description_text, 'https://example.org/' || ? AS link, "
            "TIMESTAMPTZ '2023-06-14 10:00:00+08' AS published_at, 'run1' AS load_id",
            [rid, lang, text, rid],
        )
    yield db
    db.close()


def _proposals(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        "SELECT release_id, language, to_status FROM core.status_candidate ORDER BY release_id"
    ).fetchall()


def test_one_proposal_per_day_in_either_language_and_never_twice(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert propose_status(con, "run1", set(), every=True) == 1
    assert _proposals(con) == [("P1", "en", "operational")]
    row = json.loads(con.execute("SELECT register_row FROM core.status_candidate").fetchall()[0][0])
    assert row["status"] == "operational" and row["announced_on"] == "2022-10"
    assert row["notes"].startswith("SYNTHETIC Status announced -> operational per press release P1")
    assert propose_status(con, "run2", set(), every=True) == 0
    assert propose_status(con, "run3", set(), every=False) == 0, "run3 landed no release"
    # A run that changes the commitment reads the releases landed before for it again.
    con.execute("UPDATE core.investment_commitment_history SET load_id = 'run4'")
    con.execute("DELETE FROM core.status_candidate")
    assert propose_status(con, "run4", set(), every=False) == 0
    assert propose_status(con, "run4", set(), every=True) == 1


def test_a_decided_proposal_is_not_proposed_again(con: duckdb.DuckDBPyConnection) -> None:
    assert propose_status(con, "run1", set(), every=True) == 1
    pid = con.execute("SELECT proposal_id FROM core.status_candidate").fetchall()[0][0]
    con.execute("DELETE FROM core.status_candidate")
    # Decided (in the analyst's folder): the English one is not written again; the Chinese
    # version of the same day is a proposal of its own (another release).
    assert propose_status(con, "run1", {pid}, every=True) == 1
    assert _proposals(con) == [("P2", "zh", "operational")]


def test_archive_pages_are_read_when_the_table_exists(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM raw.gia_item")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw.gia_archive_page (url VARCHAR, sha256 VARCHAR, "
        "release_id VARCHAR, lang VARCHAR, title VARCHAR, text VARCHAR, published_date_hk DATE, "
        "issued_at TIMESTAMPTZ, fetched_at TIMESTAMPTZ, load_id VARCHAR)"
    )
    con.execute(
        "INSERT INTO raw.gia_archive_page BY NAME SELECT 'https://example.org/P3' AS url, "
        "'s' AS sha256, 'P3' AS release_id, 'en' AS lang, 'LCQ6' AS title, ? AS text, "
        "DATE '2023-06-14' AS published_date_hk, now() AS fetched_at, 'run9' AS load_id",
        [EN],
    )
    assert propose_status(con, "run9", set()) == 1
    assert _proposals(con) == [("P3", "en", "operational")]


def test_the_hints_polars_finds_hold_every_hint_of_the_python_ones() -> None:
    """written_keys narrows the run's companies by the releases' words and characters found by
    polars: never fewer than status.hints finds in the same texts (it would drop a company)."""
    import polars as pl

    from flows.status_proposals import _doc_hints
    from flows.transforms.status import hints

    titles, texts = ["LCQ6: Ｏａｓｅｓ", None], [EN, ZH + " 简体字的引进办公室"]
    words, chars = _doc_hints(pl.DataFrame({"title": titles, "text": texts}))
    want_words, want_chars = hints(
        [f"{a or ''} {b or ''}" for a, b in zip(titles, texts, strict=True)]
    )
    assert set(want_words) <= set(words) and set(want_chars) <= set(chars)
    assert {"oases", "lcq6"} <= set(words) and {"簡", "简", "引"} <= set(chars)
