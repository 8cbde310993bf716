"""Tests for staging register rows into typed commitments (flows.transforms.commitments.stage)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.contracts import contract
from flows.transforms.commitments import Staged, stage, type_rows
from flows.transforms.entities import CompanyBook
from flows.transforms.money import FX_SCHEMA
from flows.transforms.sectors import Taxonomy
from tests.helpers import RAW_COLUMNS, raw_frame, raw_row

pytestmark = pytest.mark.filterwarnings("ignore:Sortedness of columns cannot be checked")

REJECT_SCHEMA = {
    "source_file_sha256": pl.String,
    "line": pl.Int64,
    "check_name": pl.String,
    "reason": pl.String,
}
SHA = "0" * 64

# TEST VALUES, not real HKMA rates.
FX = pl.DataFrame(
    {"month": [date(2024, 1, 1)], "currency": ["USD"], "hkd_per_unit": [8.0]}, schema=FX_SCHEMA
)


@pytest.fixture(scope="module")
def ref() -> tuple[Taxonomy, CompanyBook]:
    return Taxonomy.load(), CompanyBook.load()


def run(raw: pl.DataFrame, ref: tuple[Taxonomy, CompanyBook]) -> Staged:
    return stage(raw, FX, *ref)


def test_raw_frame_matches_the_raw_contract() -> None:
    frame = raw_frame(raw_row(2))
    assert frame.columns == RAW_COLUMNS
    assert frame.schema["line"] == pl.Int64


def test_typing(ref: tuple[Taxonomy, CompanyBook]) -> None:
    raw = raw_frame(
        raw_row(2, announced_on="2024-01-15"),
        raw_row(3, announced_on="2024-02", is_cumulative="true", jobs=" ", phasing_years=None),
        raw_row(4, announced_on=None, amount=None, currency=None, notes=None),
    )
    got = run(raw, ref).commitments
    assert got.schema["announced_on"] == pl.Date
    assert got.schema["amount"] == pl.Float64
    assert got.schema["jobs"] == pl.Int64
    assert got.schema["phasing_years"] == pl.Int32
    assert got.schema["is_cumulative"] == pl.Boolean
    assert got.schema["announced_year"] == pl.Int32
    expected = pl.DataFrame(
        {
            "line": [2, 3, 4],
            "announced_on": [date(2024, 1, 15), date(2024, 2, 1), None],
            "announced_precision": ["day", "month", "unknown"],
            "announced_year": [2024, 2024, None],
            "amount": [80_000_000.0, 80_000_000.0, None],
            "jobs": [50, None, 50],
            "phasing_years": [3, None, 3],
            "is_cumulative": [False, True, False],
            "company_name": ["Acme Robotics Ltd"] * 3,
            "notes": [None, None, None],
            "fx_method": ["hkma_month_end", "hkma_month_end", "none"],
            "cluster": ["ai_robotics_automation"] * 3,
            "company_id": ["acme-robotics"] * 3,
        },
        schema_overrides={
            "announced_year": pl.Int32,
            "phasing_years": pl.Int32,
            "notes": pl.String,
        },
    )
    assert_frame_equal(got.select(expected.columns), expected)


def test_impossible_date_is_rejected_with_a_reason(ref: tuple[Taxonomy, CompanyBook]) -> None:
    raw = raw_frame(raw_row(2), raw_row(3, announced_on="2023-02-30"), raw_row(4))
    staged = run(raw, ref)
    assert staged.commitments.get_column("line").to_list() == [2, 4]
    expected = pl.DataFrame(
        [
            (
                SHA,
                3,
                "announced_on parses as a date",
                "announced_on 2023-02-30 is not a calendar date",
            )
        ],
        schema=REJECT_SCHEMA,
        orient="row",
    )
    assert_frame_equal(staged.rejects, expected)
    assert staged.duplicates == 0


def test_exact_duplicate_rows_count_once(ref: tuple[Taxonomy, CompanyBook]) -> None:
    raw = raw_frame(
        raw_row(2, commitment_id="acme-a"),
        raw_row(3, commitment_id="acme-b"),
        raw_row(4, commitment_id="acme-a"),  # same content as line 2, another line
    )
    staged = run(raw, ref)
    assert staged.duplicates == 1
    assert staged.commitments.get_column("commitment_id").sort().to_list() == ["acme-a", "acme-b"]
    assert_frame_equal(staged.rejects, pl.DataFrame(schema=REJECT_SCHEMA))


def test_unique_keys_stage_as_the_repeats_search_would(ref: tuple[Taxonomy, CompanyBook]) -> None:
    """Every key once takes a shorter path; a repeat of the first row (dropped as a duplicate)
    sends the same rows down the full one, and both must give the same commitments."""
    rows = [
        raw_row(2, commitment_id="acme-a"),
        raw_row(3, commitment_id="acme-b", announced_on="2024-02-31"),  # rejected, not staged
        raw_row(4, commitment_id="acme-c", amount="7", currency="USD", company="Beta Ltd"),
        raw_row(5, commitment_id="acme-d", amount=None, amount_text=None),
    ]
    short = run(raw_frame(*rows), ref)
    full = run(raw_frame(*rows, raw_row(6, commitment_id="acme-a")), ref)
    assert (short.duplicates, full.duplicates) == (0, 1)
    # The full path keeps a repeated key where its last row was: the rows, not their order, agree.
    assert short.commitments.get_column("line").to_list() == [2, 4, 5]
    by_key = ["commitment_id"]
    assert_frame_equal(
        short.commitments.sort(by_key),
        full.commitments.sort(by_key).with_columns(line=pl.Series([2, 4, 5])),
    )
    assert_frame_equal(short.rejects, full.rejects)
    assert short.rejects.get_column("line").to_list() == [3]


def test_conflicting_rows_keep_the_last_and_reject_the_earlier(
    ref: tuple[Taxonomy, CompanyBook],
) -> None:
    raw = raw_frame(
        raw_row(2, commitment_id="acme-a", amount="1"),
        raw_row(3, commitment_id="acme-b"),
        raw_row(4, commitment_id="acme-a", amount="2"),
        raw_row(5, commitment_id="acme-a", amount="3"),
    )
    staged = run(raw, ref)
    kept = staged.commitments.filter(pl.col("commitment_id") == "acme-a")
    assert kept.select("line", "amount").rows() == [(5, 3.0)]
    expected = pl.DataFrame(
        [
            (SHA, 2, "commitment_id unique in the register",
             "commitment_id acme-a appears again in commitments.csv line 5, which is kept"),
            (SHA, 4, "commitment_id unique in the register",
             "commitment_id acme-a appears again in commitments.csv line 5, which is kept"),
        ],
        schema=REJECT_SCHEMA,
        orient="row",
    )  # fmt: skip
    assert_frame_equal(staged.rejects, expected)
    assert staged.duplicates == 0


def test_row_content_is_stable_and_tracks_business_content(
    ref: tuple[Taxonomy, CompanyBook],
) -> None:
    raw = raw_frame(raw_row(2), raw_row(3, commitment_id="acme-b"))
    first = run(raw, ref).commitments.select("commitment_id", "row_content")
    second = run(raw, ref).commitments.select("commitment_id", "row_content")
    assert_frame_equal(first, second)

    def hash_of(line: int = 2, **values: Any) -> str:
        staged = run(raw_frame(raw_row(line, **values)), ref)
        return str(staged.commitments.get_column("row_content").item())

    base = hash_of()
    assert hash_of(amount="80000001") != base
    assert hash_of(status="construction") != base
    assert hash_of(notes="a new note") != base
    # Provenance is not business content: another line, file or run keeps the hash.
    assert hash_of(line=9, load_id="other-run", source_file_sha256="f" * 64) == base
    # (Blank cells arrive as null: the register reader turns them into no value.)


def test_companies_come_from_staged_rows(ref: tuple[Taxonomy, CompanyBook]) -> None:
    raw = raw_frame(
        raw_row(2, company="J2 Semiconductor (Shanghai) Co. Ltd."),
        raw_row(3, commitment_id="gov-1", party="government", company="Over 25 companies"),
    )
    staged = run(raw, ref)
    assert staged.commitments.get_column("company_id").to_list() == ["j2-semiconductor", None]
    assert staged.companies.select("company_id", "name_en").rows() == [
        ("j2-semiconductor", "J2 Semiconductor")
    ]


def test_bad_line_in_one_file_does_not_drop_the_same_line_of_another_file(
    ref: tuple[Taxonomy, CompanyBook],
) -> None:
    raw = raw_frame(
        raw_row(2, commitment_id="a-2", source_file="a.csv", source_file_sha256="a" * 64),
        raw_row(3, commitment_id="a-3", source_file="a.csv", source_file_sha256="a" * 64,
                announced_on="2023-02-30"),
        raw_row(2, commitment_id="b-2", source_file="b.csv", source_file_sha256="b" * 64),
        raw_row(3, commitment_id="b-3", source_file="b.csv", source_file_sha256="b" * 64),
    )  # fmt: skip
    staged = run(raw, ref)
    assert sorted(staged.commitments.get_column("commitment_id").to_list()) == [
        "a-2",
        "b-2",
        "b-3",
    ]


def test_same_id_on_the_same_line_of_two_files_keeps_one_row(
    ref: tuple[Taxonomy, CompanyBook],
) -> None:
    raw = raw_frame(
        raw_row(3, commitment_id="acme", amount="5", source_file="a.csv", source_file_sha256="a" * 64),
        raw_row(3, commitment_id="acme", amount="7", source_file="b.csv", source_file_sha256="b" * 64),
    )  # fmt: skip
    staged = run(raw, ref)
    assert staged.commitments.height == 1
    # The later file restates the key: an override, counted, not a quarantined conflict.
    assert staged.commitments.get_column("amount").to_list() == [7.0]
    assert (staged.rejects.height, staged.overridden) == (0, 1)


def test_yes_no_as_spreadsheets_write_it() -> None:
    # Excel saves TRUE/FALSE; the lowercase-only check quarantined every row of such a register.
    from flows.validation import validate

    words = ["TRUE", "FALSE", "True", "yes", "No", "Y", "n", "1", "0", "true", "false"]
    raw = raw_frame(*(raw_row(i + 2, is_cumulative=w) for i, w in enumerate(words)))
    outcome = validate(raw, contract("raw.register_commitment"))
    assert not outcome.quarantined_rows()
    got = type_rows(raw).get_column("is_cumulative").to_list()
    assert got == [True, False, True, True, False, True, False, True, False, True, False]
    bad = raw_frame(raw_row(2, is_cumulative="maybe"))
    assert validate(bad, contract("raw.register_commitment")).quarantined_rows()
