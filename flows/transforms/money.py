"""Money: HK$ and US$ beside every stated amount, at the HKMA month-end rate."""

from __future__ import annotations

import polars as pl

FX_SCHEMA = {"month": pl.Date(), "currency": pl.String(), "hkd_per_unit": pl.Float64()}


def _rate_asof(rows: pl.DataFrame, fx: pl.DataFrame, currency: pl.Expr, name: str) -> pl.DataFrame:
    """Join the rate of `currency` for the announcement month, or the latest earlier month.

    The as-of join runs on the distinct (currency, month) pairs only, a few hundred however many
    rows there are, and a plain join carries the rates back to the rows in their order.
    """
    keyed = rows.with_columns(
        currency.alias("_cur"), pl.col("announced_on").dt.truncate("1mo").alias("_month")
    )
    rates = fx.select(
        pl.col("month").alias("_month"),
        pl.col("currency").alias("_cur"),
        pl.col("hkd_per_unit").alias(name),
        pl.col("month").alias(f"{name}_month"),
    ).sort("_month")
    pairs = (
        keyed.select("_cur", "_month")
        .unique()
        .drop_nulls()
        .sort("_month")
        .join_asof(rates, on="_month", by="_cur", strategy="backward", check_sortedness=False)
    )
    return keyed.join(pairs, on=["_cur", "_month"], how="left", maintain_order="left").drop(
        "_cur", "_month"
    )


def _stated(currency: str) -> pl.Expr:
    """The amount as the source states it in `currency`, first or second figure, else null."""
    return (
        pl.when(pl.col("currency") == currency)
        .then(pl.col("amount"))
        .when(pl.col("also_stated_currency") == currency)
        .then(pl.col("also_stated_amount"))
    )


def to_hkd_usd(rows: pl.DataFrame, fx: pl.DataFrame) -> pl.DataFrame:
    """Add amount_hkd, amount_usd, fx_rate_month, fx_method and implied_hkd_per_usd.

    A figure the source states is kept as stated; only a missing one is converted at the HKMA
    month-end rate of the announcement month (or the latest earlier month).
    """
    fx = fx.select(list(FX_SCHEMA)).cast(FX_SCHEMA)  # type: ignore[arg-type]
    for col, dtype in (("also_stated_amount", pl.Float64), ("also_stated_currency", pl.String)):
        if col not in rows.columns:
            rows = rows.with_columns(pl.lit(None, dtype).alias(col))
    rows = rows.with_row_index("_idx")
    rows = _rate_asof(rows, fx, pl.col("currency"), "_own")
    rows = _rate_asof(rows, fx, pl.lit("USD"), "_usd")
    amount, cur = pl.col("amount"), pl.col("currency")
    own_rate = pl.when(cur == "HKD").then(pl.lit(1.0)).otherwise(pl.col("_own"))
    converted_hkd = amount * own_rate
    stated_hkd, stated_usd = _stated("HKD"), _stated("USD")
    hkd = pl.coalesce(stated_hkd, converted_hkd)
    usd = pl.coalesce(stated_usd, hkd / pl.col("_usd"))
    # The older of the months used: for CNY or EUR both a CNY and a USD rate are involved.
    rate_month = (
        pl.when(stated_hkd.is_not_null() & stated_usd.is_not_null())
        .then(None)
        .when(cur == "HKD")
        .then(pl.col("_usd_month"))
        .when(cur == "USD")
        .then(pl.col("_own_month"))
        .when(pl.col("_own_month").is_not_null() & pl.col("_usd_month").is_not_null())
        .then(pl.min_horizontal("_own_month", "_usd_month"))
    )
    method = (
        pl.when(amount.is_null())
        .then(pl.lit("none"))
        .when(stated_hkd.is_not_null() & stated_usd.is_not_null())
        .then(pl.lit("stated"))
        .when(hkd.is_null() | usd.is_null())
        .then(pl.lit("missing_rate"))
        .otherwise(pl.lit("hkma_month_end"))
    )
    return rows.with_columns(
        hkd.alias("amount_hkd"),
        usd.alias("amount_usd"),
        pl.when(amount.is_null()).then(None).otherwise(rate_month).alias("fx_rate_month"),
        method.alias("fx_method"),
        (stated_hkd / stated_usd).alias("implied_hkd_per_usd"),
    ).drop("_idx", "_own", "_own_month", "_usd", "_usd_month")
