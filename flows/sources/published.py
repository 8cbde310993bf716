"""Published figures: the analyst-owned published/*.csv (figures read from publications)."""

from __future__ import annotations

import io
import json
from datetime import datetime

import polars as pl

from flows.contracts import contract
from flows.sources.errors import SourceError
from flows.sources.register import close_headers

RAW = "raw.published_figure"
TABLE_ID = "published"  # core.macro_indicator.table_id of every row from these files


def parse(raw: bytes, where: str) -> pl.DataFrame:
    """The file's rows as text, one column per contract column; refused unless UTF-8 with the
    contract's required columns (an analyst's file is declared UTF-8: no guessing)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{where}: not UTF-8 (byte {exc.start}); save the file as UTF-8") from exc
    source = contract(RAW).source_columns
    frame = pl.read_csv(io.StringIO(text), infer_schema=False)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    missing = [c.name for c in source if c.required and c.name not in frame.columns]
    if missing:
        close = close_headers(missing, frame.columns, [c.name for c in source])
        raise SourceError(f"{where}: missing column(s) {', '.join(missing)}{close}")
    return frame.select(
        pl.col(c.name) if c.name in frame.columns else pl.lit(None, pl.String).alias(c.name)
        for c in source
    )


def to_core(rows: pl.DataFrame, vintage: dict[str, datetime]) -> pl.DataFrame:
    """Checked raw rows as core.macro_indicator rows; vintage: retrieval time by file sha256."""
    year = pl.col("period").cast(pl.Int32)
    dims = pl.struct("industry_code", "industry_name").map_elements(_dims, pl.String)
    schema = contract("core.macro_indicator").polars_schema()
    return rows.select(
        "indicator",
        pl.lit(TABLE_ID).alias("table_id"),
        dims.alias("dims"),
        pl.lit("Y").alias("freq"),
        "period",
        pl.date(year, 1, 1).alias("period_start"),
        pl.date(year, 12, 31).alias("period_end"),
        pl.col("value").cast(pl.Float64),
        "unit",
        pl.col("source_file_sha256").replace_strict(vintage, return_dtype=schema["vintage"])
        .alias("vintage"),
        "kind",
        "basis",
        pl.col("vintage").alias("edition"),
        "confidence",
        "publication",
        "quote",
        "source_url",
        "source_file_sha256",
        "load_id",
    ).cast({k: v for k, v in schema.items() if k in ("period_start", "period_end")})  # fmt: skip


def _dims(row: dict[str, str | None]) -> str:
    """Same shape as C&SD's dims: {"IND": {"code": ..., "label": ...}}, or {}."""
    if not row["industry_code"]:
        return "{}"
    named = {"IND": {"code": row["industry_code"], "label": row["industry_name"] or ""}}
    return json.dumps(named, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
