"""Tests for company name folding and matching (flows.transforms.entities)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.transforms.entities import CompanyBook, fold, match_companies, slug

ROWS_SCHEMA = {"party": pl.String, "company_name": pl.String, "company_zh": pl.String}
COMPANY_SCHEMA = {
    "company_id": pl.String,
    "name_en": pl.String,
    "name_zh": pl.String,
    "aliases": pl.List(pl.String),
    "hq_region": pl.String,
}


@pytest.fixture(scope="module")
def book() -> CompanyBook:
    return CompanyBook.load()


@pytest.mark.parametrize(
    "name",
    [
        "J2 Semiconductor",
        "J2 Semiconductor (Shanghai) Co. Ltd.",
        "Ｊ２ Semiconductor",  # full-width letter and digit
        "Ｊ２　Ｓｅｍｉｃｏｎｄｕｃｔｏｒ",  # full-width throughout, ideographic space
        "j2 SEMICONDUCTOR",
        "J2-Semiconductor",
        "J2 Semiconductor!",
        "  J2   Semiconductor  ",
        "J2 Semiconductor Limited",
        "J2 Semiconductor Co., Ltd.",
        "J2 Semiconductor (Hong Kong)",
        "J2 Semiconductor HK",
        "J2 Semiconductor Hong Kong Limited",
        "J2 Semiconductor Inc.",
        "J2 Semiconductor（上海）",  # full-width parentheses
    ],
)
def test_fold_spellings_to_one_key(name: str) -> None:
    assert fold(name) == "j2 semiconductor"
    assert slug(name) == "j2-semiconductor"


def test_fold_keeps_words_that_are_the_whole_name() -> None:
    # A suffix word is only removed after another word: the name is never folded away.
    assert fold("Limited") == "limited"
    assert fold("Hong Kong") == "hong kong"
    assert fold("HK Electric") == "hk electric"


def test_fold_keeps_chinese_names() -> None:
    assert fold("黑芝麻智能") == "黑芝麻智能"
    assert slug("黑芝麻智能") == "黑芝麻智能"


def test_slug_of_an_empty_fold_is_unknown() -> None:
    assert slug("(  )") == "unknown"
    assert slug("...") == "unknown"


def test_book_loads_the_reviewed_alias_file(book: CompanyBook) -> None:
    assert book.canonical[fold("J2 Semiconductor (Shanghai) Co. Ltd.")] == "J2 Semiconductor"
    assert book.canonical[fold("NETA Auto")] == "Hozon New Energy Auto"
    assert book.canonical["黑芝麻智能"] == "Black Sesame Technologies"
    assert book.name_zh["Horizon Robotics"] == "地平線"
    assert book.hq_region["J2 Semiconductor"] == "Mainland China"
    # Every canonical name resolves to itself.
    for canonical in set(book.canonical.values()):
        assert book.resolve(canonical) == canonical


def test_book_resolves_alias_and_chinese_name(book: CompanyBook) -> None:
    assert book.resolve("Ｊ２ SEMICONDUCTOR co., ltd.") == "J2 Semiconductor"
    assert book.resolve("NETA Auto") == "Hozon New Energy Auto"
    assert book.resolve("黑芝麻智能") == "Black Sesame Technologies"
    assert book.resolve("Unknown Widgets (Asia)") == "Unknown Widgets"


def test_identify_gives_the_canonical_name_and_its_slug_whether_seen_or_not(
    book: CompanyBook,
) -> None:
    names = ["Ｊ２ SEMICONDUCTOR co., ltd.", "NETA Auto", "Unknown Widgets (Asia)", "黑芝麻智能"]
    first = [book.identify(n) for n in names]
    assert first == [(book.resolve(n), slug(book.resolve(n))) for n in names]
    assert first[0] == ("J2 Semiconductor", "j2-semiconductor")
    assert [book.identify(n) for n in names] == first  # the second time from memory


def test_book_load_from_a_tmp_file(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yml"
    # TEST VALUES: a made-up company.
    path.write_text(
        "companies:\n  Acme Robotics:\n    name_zh: 愛克米\n    aliases: [ACME Robot Works]\n"
        "  Bare Co:\n",
        encoding="utf-8",
    )
    book = CompanyBook.load(path)
    assert book.resolve("acme robot works ltd") == "Acme Robotics"
    assert book.resolve("愛克米") == "Acme Robotics"
    assert book.resolve("Bare Co") == "Bare Co"
    assert book.hq_region == {}


def test_match_companies_one_company_for_all_spellings(book: CompanyBook) -> None:
    rows = pl.DataFrame(
        [
            ("company", "J2 Semiconductor", None),
            ("company", "J2 Semiconductor (Shanghai) Co. Ltd.", None),
            ("government", "Over 25 I&T companies", None),
            ("company", "Ｊ２ Semiconductor", None),
            ("company", "Black Sesame Technologies Limited", None),
            ("company", "j2 semiconductor (hong kong)", None),
        ],
        schema=ROWS_SCHEMA,
        orient="row",
    )
    got_rows, companies = match_companies(rows, book)
    assert_frame_equal(
        got_rows,
        rows.with_columns(
            pl.Series(
                "company_id",
                [
                    "j2-semiconductor",
                    "j2-semiconductor",
                    None,
                    "j2-semiconductor",
                    "black-sesame-technologies",
                    "j2-semiconductor",
                ],
                dtype=pl.String,
            )
        ),
    )
    expected = pl.DataFrame(
        [
            (
                "black-sesame-technologies",
                "Black Sesame Technologies",
                "黑芝麻智能",  # from the alias file: the source row gives no Chinese name
                ["Black Sesame Technologies Limited"],
                "Mainland China",
            ),
            (
                "j2-semiconductor",
                "J2 Semiconductor",
                None,
                [
                    "J2 Semiconductor (Shanghai) Co. Ltd.",
                    "j2 semiconductor (hong kong)",
                    "Ｊ２ Semiconductor",
                ],
                "Mainland China",
            ),
        ],
        schema=COMPANY_SCHEMA,
        orient="row",
    )
    assert_frame_equal(companies, expected)


def test_government_rows_get_no_company_id_even_with_a_company_like_name(
    book: CompanyBook,
) -> None:
    rows = pl.DataFrame(
        [
            ("government", "Horizon Robotics", None),
            ("government", "Innovation and Technology Commission", None),
        ],
        schema=ROWS_SCHEMA,
        orient="row",
    )
    got_rows, companies = match_companies(rows, book)
    assert got_rows.get_column("company_id").to_list() == [None, None]
    assert_frame_equal(companies, pl.DataFrame(schema=COMPANY_SCHEMA))


def test_source_chinese_name_used_when_the_book_has_none(book: CompanyBook) -> None:
    # TEST VALUES: a made-up company and Chinese name.
    rows = pl.DataFrame(
        [("company", "Acme Robotics Ltd", None), ("company", "ACME ROBOTICS", "愛克米")],
        schema=ROWS_SCHEMA,
        orient="row",
    )
    got_rows, companies = match_companies(rows, book)
    assert got_rows.get_column("company_id").to_list() == ["acme-robotics", "acme-robotics"]
    assert companies.select("company_id", "name_en", "name_zh", "hq_region").rows() == [
        ("acme-robotics", "Acme Robotics Ltd", "愛克米", None)
    ]


def test_unknown_company_other_spellings_are_kept_as_aliases(book: CompanyBook) -> None:
    # TEST VALUES: a made-up company spelled two ways.
    rows = pl.DataFrame(
        [("company", "Acme Robotics Ltd", None), ("company", "ACME ROBOTICS", None)],
        schema=ROWS_SCHEMA,
        orient="row",
    )
    _, companies = match_companies(rows, book)
    assert companies.get_column("aliases").to_list() == [["ACME ROBOTICS"]]


def test_book_chinese_name_wins_over_the_source(book: CompanyBook) -> None:
    rows = pl.DataFrame(
        [("company", "Horizon Robotics", "地平线")], schema=ROWS_SCHEMA, orient="row"
    )
    _, companies = match_companies(rows, book)
    assert companies.get_column("name_zh").to_list() == ["地平線"]
