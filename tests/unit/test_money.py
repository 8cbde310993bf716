"""Tests for HK$/US$ conversion at the HKMA month-end rate (flows.transforms.money.to_hkd_usd)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.transforms.money import FX_SCHEMA, to_hkd_usd

# polars warns that join_asof cannot check sortedness with `by` groups; the code sorts first.
pytestmark = pytest.mark.filterwarnings("ignore:Sortedness of columns cannot be checked")

# TEST VALUES, not real HKMA rates: round numbers so the expected amounts are exact.
# January and March 2024 are known; February 2024 is deliberately missing; nothing before 2024.
FX = pl.DataFrame(
    {
        "month": [date(2024, 1, 1), date(2024, 1, 1), date(2024, 3, 1), date(2024, 3, 1)],
        "currency": ["USD", "CNY", "USD", "CNY"],
        "hkd_per_unit": [7.8, 1.56, 8.0, 1.6],
    },
    schema=FX_SCHEMA,
)

IN_SCHEMA = {"k": pl.String, "announced_on": pl.Date, "amount": pl.Float64, "currency": pl.String}
OUT_SCHEMA = {
    **IN_SCHEMA,
    "amount_hkd": pl.Float64,
    "amount_usd": pl.Float64,
    "fx_rate_month": pl.Date,
    "fx_method": pl.String,
}


def _rows(*rows: tuple[str, date | None, float | None, str | None]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=IN_SCHEMA, orient="row")


def _convert(rows: pl.DataFrame, fx: pl.DataFrame) -> pl.DataFrame:
    """Conversion of rows that state one currency (the stated-both columns are tested apart)."""
    return to_hkd_usd(rows, fx).select(list(OUT_SCHEMA))


def _expected(*rows: tuple[object, ...]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=OUT_SCHEMA, orient="row")


JAN, MAR = date(2024, 1, 1), date(2024, 3, 1)


def test_hkd_row_keeps_amount_and_converts_to_usd_at_the_usd_rate() -> None:
    got = _convert(_rows(("a", date(2024, 1, 15), 78.0, "HKD")), FX)
    expected = _expected(("a", date(2024, 1, 15), 78.0, "HKD", 78.0, 10.0, JAN, "hkma_month_end"))
    assert_frame_equal(got, expected)


def test_usd_row_keeps_amount_as_usd_and_converts_to_hkd() -> None:
    got = _convert(_rows(("b", date(2024, 1, 2), 10.0, "USD")), FX)
    expected = _expected(("b", date(2024, 1, 2), 10.0, "USD", 78.0, 10.0, JAN, "hkma_month_end"))
    assert_frame_equal(got, expected)


def test_cny_row_goes_through_the_cny_rate_then_the_usd_rate() -> None:
    # 100 CNY * 1.56 = 156 HKD; 156 HKD / 7.8 = 20 USD.
    got = _convert(_rows(("c", date(2024, 1, 31), 100.0, "CNY")), FX)
    expected = _expected(("c", date(2024, 1, 31), 100.0, "CNY", 156.0, 20.0, JAN, "hkma_month_end"))
    assert_frame_equal(got, expected)


def test_missing_announcement_month_uses_latest_earlier_month_and_records_it() -> None:
    # February has no rate: January is used, not March (which is later).
    got = _convert(
        _rows(
            ("feb-cny", date(2024, 2, 10), 100.0, "CNY"),
            ("feb-hkd", date(2024, 2, 29), 78.0, "HKD"),
            ("apr-usd", date(2024, 4, 1), 1.0, "USD"),
        ),
        FX,
    )
    expected = _expected(
        ("feb-cny", date(2024, 2, 10), 100.0, "CNY", 156.0, 20.0, JAN, "hkma_month_end"),
        ("feb-hkd", date(2024, 2, 29), 78.0, "HKD", 78.0, 10.0, JAN, "hkma_month_end"),
        ("apr-usd", date(2024, 4, 1), 1.0, "USD", 8.0, 1.0, MAR, "hkma_month_end"),
    )
    assert_frame_equal(got, expected)


def test_no_earlier_month_is_missing_rate() -> None:
    got = _convert(
        _rows(
            ("hkd", date(2023, 12, 1), 5.0, "HKD"),
            ("usd", date(2023, 12, 1), 5.0, "USD"),
            ("cny", date(2023, 12, 31), 5.0, "CNY"),
        ),
        FX,
    )
    # The stated side is kept (HK$ for HKD, US$ for USD); the other side needs a rate.
    expected = _expected(
        ("hkd", date(2023, 12, 1), 5.0, "HKD", 5.0, None, None, "missing_rate"),
        ("usd", date(2023, 12, 1), 5.0, "USD", None, 5.0, None, "missing_rate"),
        ("cny", date(2023, 12, 31), 5.0, "CNY", None, None, None, "missing_rate"),
    )
    assert_frame_equal(got, expected)


def test_currency_without_any_rate_is_missing_rate() -> None:
    got = _convert(_rows(("eur", date(2024, 3, 5), 5.0, "EUR")), FX)
    expected = _expected(("eur", date(2024, 3, 5), 5.0, "EUR", None, None, None, "missing_rate"))
    assert_frame_equal(got, expected)


def test_no_amount_is_method_none_without_rate_month() -> None:
    got = _convert(
        _rows(("x", date(2024, 1, 15), None, "HKD"), ("y", date(2024, 1, 15), None, None)), FX
    )
    expected = _expected(
        ("x", date(2024, 1, 15), None, "HKD", None, None, None, "none"),
        ("y", date(2024, 1, 15), None, None, None, None, None, "none"),
    )
    assert_frame_equal(got, expected)


def test_null_announced_on_has_no_rate() -> None:
    got = _convert(
        _rows(("h", None, 78.0, "HKD"), ("u", None, 10.0, "USD"), ("c", None, 10.0, "CNY")), FX
    )
    expected = _expected(
        ("h", None, 78.0, "HKD", 78.0, None, None, "missing_rate"),
        ("u", None, 10.0, "USD", None, 10.0, None, "missing_rate"),
        ("c", None, 10.0, "CNY", None, None, None, "missing_rate"),
    )
    assert_frame_equal(got, expected)


def test_row_order_and_extra_columns_are_preserved() -> None:
    # Deliberately not in date order, with null dates in the middle: the asof join sorts inside.
    rows = _rows(
        ("r0", date(2024, 3, 20), 16.0, "HKD"),
        ("r1", None, 1.0, "HKD"),
        ("r2", date(2024, 1, 5), 10.0, "USD"),
        ("r3", date(2023, 1, 1), 1.0, "CNY"),
        ("r4", date(2024, 2, 1), None, "CNY"),
        ("r5", date(2024, 1, 1), 78.0, "HKD"),
    ).with_columns(pl.Series("extra", [0, 1, 2, 3, 4, 5]))
    got = to_hkd_usd(rows, FX)
    assert got.get_column("k").to_list() == ["r0", "r1", "r2", "r3", "r4", "r5"]
    assert got.columns == [
        *IN_SCHEMA, "extra", "also_stated_amount", "also_stated_currency",
        *list(OUT_SCHEMA)[4:], "implied_hkd_per_usd",
    ]  # fmt: skip
    assert_frame_equal(got.select("k", "extra"), rows.select("k", "extra"))
    assert got.get_column("fx_method").to_list() == [
        "hkma_month_end",
        "missing_rate",
        "hkma_month_end",
        "missing_rate",
        "none",
        "hkma_month_end",
    ]
    assert got.get_column("amount_usd").to_list() == pytest.approx(
        [2.0, None, 10.0, None, None, 10.0]
    )


def test_empty_frame_gets_the_four_columns() -> None:
    got = _convert(_rows(), FX)
    assert_frame_equal(got, _expected())


def test_fx_frame_with_other_column_order_and_int_rates_is_cast() -> None:
    fx = pl.DataFrame(
        {"hkd_per_unit": [8], "currency": ["USD"], "month": [JAN], "ignored": ["x"]}
    )  # TEST VALUES: an integer rate only to exercise the cast
    got = _convert(_rows(("a", date(2024, 1, 9), 16.0, "HKD")), fx)
    expected = _expected(("a", date(2024, 1, 9), 16.0, "HKD", 16.0, 2.0, JAN, "hkma_month_end"))
    assert_frame_equal(got, expected)


def test_both_currencies_stated_are_kept_as_stated_with_the_implied_rate() -> None:
    # TEST VALUES shaped like J2 Semiconductor: HK$6.9 billion (US$883.5 million).
    rows = pl.DataFrame(
        {
            "k": ["j2", "u"],
            "announced_on": [date(2024, 3, 13), date(2024, 3, 13)],
            "amount": [6.9e9, 100.0],
            "currency": ["HKD", "USD"],
            "also_stated_amount": [883.5e6, 790.0],
            "also_stated_currency": ["USD", "HKD"],
        }
    )
    got = to_hkd_usd(rows, FX)
    assert got.get_column("amount_hkd").to_list() == [6.9e9, 790.0]
    assert got.get_column("amount_usd").to_list() == [883.5e6, 100.0]
    assert got.get_column("fx_method").to_list() == ["stated", "stated"]
    assert got.get_column("fx_rate_month").to_list() == [None, None]
    assert got.get_column("implied_hkd_per_usd").round(4).to_list() == [7.8098, 7.9]
