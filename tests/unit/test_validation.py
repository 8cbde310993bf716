"""Tests for GX validation of register rows against their contract (flows.validation.validate)."""

from __future__ import annotations

import polars as pl
import pytest

from flows.contracts import contract
from flows.validation import Outcome, validate
from tests.helpers import raw_frame as frame
from tests.helpers import raw_row

REGISTER = contract("raw.register_commitment")


ROWS = frame(
    raw_row(2),  # 0 valid
    raw_row(3, amount="-5"),  # 1
    raw_row(4, currency="XYZ"),  # 2
    raw_row(5, source_url=None),  # 3
    raw_row(6, announced_on="13/2024"),  # 4
    raw_row(7, announced_on="2024-02", jobs="120", phasing_years="5"),  # 5 valid, month only
    raw_row(8, announced_on=None, amount=None, currency=None, qualifier=None),  # 6 valid, sparse
)
BAD = {1: ("amount", "-5"), 2: ("currency", "XYZ"), 3: ("source_url", None), 4: ("announced_on", "13/2024")}  # fmt: skip


@pytest.fixture(scope="module")
def outcome() -> Outcome:
    return validate(ROWS, REGISTER)


def test_only_bad_rows_have_reasons(outcome: Outcome) -> None:
    assert set(outcome.reasons) == set(BAD)
    assert outcome.quarantined_rows() == set(BAD)
    assert outcome.blocked == []


@pytest.mark.parametrize("row", sorted(BAD))
def test_reason_names_column_and_value(outcome: Outcome, row: int) -> None:
    column, value = BAD[row]
    reasons = outcome.reasons[row]
    assert len(reasons) == 1
    result, reason = reasons[0]
    assert result.check.column == column
    assert result.check.severity == "warn"
    assert not result.success
    assert row in result.failing_rows
    assert column in reason
    if value is None:
        assert "empty" in reason
    else:
        assert f'"{value}"' in reason


def test_reason_texts(outcome: Outcome) -> None:
    texts = {row: [r for _, r in reasons] for row, reasons in outcome.reasons.items()}
    assert texts[1] == ['amount must be a non-negative number (got "-5")']
    assert texts[2] == ['currency "XYZ" is not one of HKD, USD, CNY, EUR, JPY, GBP']
    assert texts[3] == ["source_url is required but empty"]
    assert texts[4] == [
        "announced_on must be a date with its year, such as 2024-03-10, 2024-03, 2024年3月10日 "
        'or 10/3/2024 (day first) (got "13/2024")'
    ]


def test_results_follow_the_contract_check_order(outcome: Outcome) -> None:
    assert [r.check.name for r in outcome.results] == [c.name for c in REGISTER.checks]
    failing = {r.check.name: r.unexpected_count for r in outcome.results if not r.success}
    assert failing == {
        REGISTER.column("announced_on").checks[0].name: 1,
        REGISTER.column("amount").checks[0].name: 1,
        REGISTER.column("currency").checks[0].name: 1,
        REGISTER.column("source_url").checks[0].name: 1,
    }
    for r in outcome.results:
        assert r.element_count == ROWS.height


def test_empty_frame_fails_the_row_count_block_check() -> None:
    outcome = validate(ROWS.clear(), REGISTER)
    assert [r.check.kind for r in outcome.blocked] == ["row_count"]
    assert outcome.blocked[0].check.severity == "block"
    assert outcome.reasons == {}


def test_duplicate_grain_fails_the_unique_block_check() -> None:
    # Two rows on the same line of the same file: the (source_file_sha256, line) grain breaks.
    outcome = validate(frame(raw_row(2), raw_row(2, commitment_id="acme-x")), REGISTER)
    assert [(r.check.kind, r.check.args["columns"]) for r in outcome.blocked] == [
        ("unique", ["source_file_sha256", "line"])
    ]
    assert outcome.reasons == {}  # block checks stop the run; they quarantine nothing


def test_check_names_are_the_rule_in_words_not_the_pattern(outcome: Outcome) -> None:
    # A regex check was named by its regex: 900 characters for announced_on.
    names = {r.check.name for r in outcome.results if not r.success}
    assert names == {
        "announced_on is a date with its year",
        "amount is a non-negative number",
        "currency is one of HKD, USD, CNY, EUR, JPY, GBP",
        "source_url is required",
    }
    for r in outcome.results:
        pattern = r.check.args.get("pattern")
        assert not pattern or pattern not in r.check.name
    # The pattern stays in the GX expectation behind the check.
    [dated] = [r for r in outcome.results if r.check.name == "announced_on is a date with its year"]
    expectation = outcome.gx_result.results[outcome.results.index(dated)].expectation_config
    assert expectation.kwargs["regex"] == dated.check.args["pattern"]
    assert expectation.meta["check"] == "announced_on is a date with its year"


def test_failing_samples_name_their_file_and_line(outcome: Outcome) -> None:
    # Samples showed "__row": 1 (an internal row number) where meta.quarantine said line 3.
    failing = [r for r in outcome.results if not r.success]
    samples = {r.check.name: list(r.samples) for r in failing}
    assert samples["amount is a non-negative number"] == [
        {"amount": "-5", "source_file": "commitments.csv", "line": 3}
    ]
    assert samples["source_url is required"] == [
        {"source_url": None, "source_file": "commitments.csv", "line": 5}
    ]
    assert all("__row" not in s for r in failing for s in r.samples)
    assert sorted(r.failing_rows[0] for r in failing) == [1, 2, 3, 4]  # still the row numbers


def test_a_frame_without_lines_keeps_row_numbers_in_its_samples() -> None:
    fx = contract("core.fx_rate")
    rates = pl.DataFrame(
        {"month": [None], "currency": ["USD"], "hkd_per_unit": [7.8]},
        schema={"month": pl.Date, "currency": pl.String, "hkd_per_unit": pl.Float64},
    )  # TEST VALUES
    [failing] = [r for r in validate(rates, fx).results if not r.success]
    assert failing.samples == ({"month": None, "__row": 0},)


def test_a_regex_reason_says_the_rule_not_the_pattern() -> None:
    result = validate(frame(raw_row(2, source_url="ftp://example.org/x")), REGISTER)
    [[(_, reason)]] = result.reasons.values()
    assert reason == 'source_url "ftp://example.org/x" is not a web address (http/https)'
