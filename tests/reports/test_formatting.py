"""Formats for people (flows/reports/html.py and the commitment sections): years as years,
amounts with their unit, an unknown value as "—" with its reason, never 0."""

from __future__ import annotations

import pytest

from flows.reports.html import MISSING, missing, money, money_or_missing, year_cell, year_text
from flows.reports.unconverted import left_out, left_out_sentence, reasons_text, stated, total


@pytest.mark.parametrize(
    ("value", "shown"),
    [(2023, "2023"), (2023.0, "2023"), ("2024", "2024"), (None, ""), (1999, "1999")],
)
def test_year_text_has_no_thousands_separator(value: object, shown: str) -> None:
    assert year_text(value) == shown


def test_year_cell_says_when_the_year_is_unknown() -> None:
    assert year_cell(2023, {}) == "2023"
    assert (
        year_cell(None, {})
        == f'<span class="missing">{MISSING}</span> <span class="why">year unknown</span>'
    )


@pytest.mark.parametrize(
    ("value", "prefix", "shown"),
    [
        (6.9e9, "HK$", "HK$ 6.9 bn"),
        (250e6, "HK$", "HK$ 250 m"),
        (100e6, "US$", "US$ 100 m"),
        (883.5e6, "US$", "US$ 883.5 m"),
        (1.132e9, "US$", "US$ 1.13 bn"),
        (80_000, "HK$", "HK$ 80,000"),
        (0, "HK$", "HK$ 0"),
        (-2.5e9, "HK$", "HK$ -2.5 bn"),
        (None, "HK$", ""),
    ],
)
def test_money_carries_its_unit(value: float | None, prefix: str, shown: str) -> None:
    assert money(value, prefix) == shown


def test_missing_is_a_dash_with_the_reason_escaped() -> None:
    assert missing() == '<span class="missing">—</span>'
    assert missing("no HKMA rate for 2023-11") == (
        '<span class="missing">—</span> <span class="why">no HKMA rate for 2023-11</span>'
    )
    assert "<b>" not in missing("<b>x</b>")


def test_money_or_missing_never_shows_zero_for_unknown() -> None:
    assert money_or_missing(None, "HK$", "no HKMA rate for 2023-11").startswith(
        '<span class="missing">—</span>'
    )
    assert "HK$ 0" not in money_or_missing(None, "HK$", "no HKMA rate for 2023-11")
    assert money_or_missing(6.9e9) == "HK$ 6.9 bn"


def test_total_of_only_unknowns_is_unknown() -> None:
    assert total([None, None]) is None
    assert total([]) is None
    assert total([None, 2.0, 3.0]) == 5.0
    assert total([0.0, None]) == 0.0


def test_stated_names_the_currency() -> None:
    assert stated(100e6, "USD") == "US$ 100 m"
    assert stated(2e9, "CNY") == "CNY 2 bn"


def test_left_out_says_how_much_and_why() -> None:
    # TEST VALUES shaped like the bundled Joyoung and Black Sesame rows.
    rows = [
        {"missing": "HK$", "funder": "company", "currency": "USD", "commitments": 2,
         "amount": 300e6, "reasons": "no HKMA rate for 2023-11; no announcement date"},
        {"missing": "US$", "funder": "government", "currency": "HKD", "commitments": 1,
         "amount": 10e9, "reasons": "no HKMA rate for 2023-10"},
    ]  # fmt: skip
    assert left_out(rows, "company", "HK$") == (
        "Not in these HK$ figures: US$ 300 m (2 commitments) with no HK$ figure "
        "(no HKMA rate for 2023-11; no announcement date)."
    )
    assert left_out(rows, "government", "HK$") == ""
    assert left_out(rows, "government", "US$").startswith("Not in these US$ figures: HK$ 10 bn")


def test_left_out_shortens_a_long_list_of_months() -> None:
    months = "; ".join(f"no HKMA rate for 2023-{m:02d}" for m in range(1, 11))
    rows = [{"missing": "HK$", "funder": "company", "currency": "USD", "commitments": 10,
             "amount": 1e9, "reasons": months}]  # fmt: skip
    said = left_out(rows, "company", "HK$")
    assert (
        "(no HKMA rate for 2023-01, 2023-02, 2023-03, 2023-04, 2023-05, 4 more, 2023-10)." in said
    )


def test_left_out_sentence_says_how_much_in_how_many_and_why() -> None:
    # TEST VALUES shaped like the bundled run's left_out_rows (US$832m, US$200m, US$100m).
    rows = [{"missing": "HK$", "currency": "USD", "commitments": 3, "amount": 1.132e9,
             "reasons": "no HKMA rate for 2023-11; no HKMA rate for 2024-05; no announcement "
             "date to choose an HKMA rate"},
            {"missing": "HK$", "currency": "CNY", "commitments": 1, "amount": 2e9,
             "reasons": "no HKMA rate for 2024-06"}]  # fmt: skip
    assert left_out_sentence(rows, "HK$") == (
        "US$ 1.13 bn in 3 commitments and CNY 2 bn in 1 commitment have no HK$ figure: "
        "no HKMA rate for 2023-11, 2024-05, 2024-06; no announcement date to choose an HKMA rate."
    )
    assert left_out_sentence(rows, "US$") == ""
    assert reasons_text([]) == ""
