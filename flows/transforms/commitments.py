"""Register rows (validated text) to typed commitment versions, ready to merge."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from flows.transforms.dates import UNKNOWN, parse_hk_date
from flows.transforms.entities import COMPANY_SCHEMA, CompanyBook, company_ids, match_companies
from flows.transforms.money import to_hkd_usd
from flows.transforms.sectors import Taxonomy, map_sectors

# Columns whose change makes a new version (provenance and derived FX are not business content).
BUSINESS_COLUMNS = [
    "party", "company_name", "announced_on", "amount_text", "amount", "currency", "qualifier",
    "also_stated_amount", "also_stated_currency",
    "jobs", "jobs_qualifier", "sector_label", "location", "scope", "is_cumulative", "series_id",
    "covered_by", "phasing_years", "status", "source_url", "confidence", "notes",
]  # fmt: skip

# Yes/no as spreadsheets and people write them (the contract's is_cumulative check lists them);
# anything else is quarantined before this reads it.
TRUE_WORDS = ("true", "yes", "y", "1")

REJECT_KEY = ["source_file_sha256", "line"]
_MONTH_FIRST = "\x00m/d\x00"  # prefix of a month-first file's date texts in type_rows' lookup


@dataclass(frozen=True)
class Staged:
    """Typed commitments, the company table, and rows set aside by the transform."""

    commitments: pl.DataFrame
    companies: pl.DataFrame
    rejects: pl.DataFrame  # source_file_sha256, line, check_name, reason
    duplicates: int
    overridden: int = 0  # rows whose commitment_id a later register file restates


def row_content(columns: list[str]) -> pl.Expr:
    """The business content of a row as one string; the warehouse keeps its md5 as row_hash.

    Hashing happens in DuckDB (vectorised md5); a Python hash per row costs seconds per
    million rows, and polars' own hash is not stable across versions.
    """
    return pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("\x00") for c in columns], separator="\x1f"
    )


def type_rows(raw: pl.DataFrame, month_first: Collection[str] = ()) -> pl.DataFrame:
    """Cast validated register text (blank cells already null) to typed columns.

    `month_first`: the source_file_sha256 of files whose numeral dates are month/day/year (as
    their unambiguous rows show; the register reader decides it per file)."""
    # Hong Kong dates in every form the register meets (flows.transforms.dates): each distinct
    # text is parsed once, then mapped onto the rows; a month-first file's texts are their own.
    key = pl.col("announced_on")
    if month_first:
        mf = pl.col("source_file_sha256").is_in(list(month_first))
        key = pl.when(mf).then(pl.lit(_MONTH_FIRST) + key).otherwise(key)
    df = raw.with_columns(key.alias("_date_key"))
    texts = df.get_column("_date_key").drop_nulls().unique().to_list()
    parsed = {
        t: parse_hk_date(t.removeprefix(_MONTH_FIRST), t.startswith(_MONTH_FIRST)) for t in texts
    }
    days = {text: day for text, (day, _) in parsed.items() if day is not None}
    precisions = {text: precision for text, (_, precision) in parsed.items()}
    text = pl.col("_date_key")
    return df.with_columns(
        text.replace_strict(days, default=None, return_dtype=pl.Date).alias("announced_on_date"),
        text.replace_strict(precisions, default=UNKNOWN, return_dtype=pl.String)
        .fill_null(UNKNOWN)
        .alias("announced_precision"),
        pl.col("amount").cast(pl.Float64, strict=False),
        pl.col("also_stated_amount").cast(pl.Float64, strict=False),
        pl.col("jobs").cast(pl.Int64, strict=False),
        pl.col("phasing_years").cast(pl.Int32, strict=False),
        pl.col("is_cumulative")
        .str.strip_chars()
        .str.to_lowercase()
        .is_in(TRUE_WORDS)
        .fill_null(False)
        .alias("is_cumulative"),
        pl.col("company").alias("company_name"),
    ).drop("_date_key")


def stage(
    raw: pl.DataFrame,
    fx: pl.DataFrame,
    taxonomy: Taxonomy,
    book: CompanyBook,
    *,
    company_rows: bool = True,
    month_first: Collection[str] = (),
) -> Staged:
    """Type, dedupe, convert money, map sectors and companies; pure (no I/O).

    Without `company_rows` the core.company frame is left empty: a caller staging a register in
    parts builds it once from every part's names (entities.company_table). `month_first`: see
    type_rows."""
    # Rows are identified by (file, line): several register files are read together.
    typed = type_rows(raw, month_first).with_row_index("_ord")
    bad_date = typed.filter(
        pl.col("announced_on").is_not_null() & pl.col("announced_on_date").is_null()
    )
    rejects = bad_date.select(
        *REJECT_KEY,
        pl.lit("announced_on parses as a date").alias("check_name"),
        pl.format("announced_on {} is not a calendar date", pl.col("announced_on")).alias("reason"),
    )
    typed = typed.filter(~pl.col("_ord").is_in(bad_date.get_column("_ord").implode()))
    typed = typed.drop("announced_on").rename({"announced_on_date": "announced_on"})
    typed = typed.with_columns(row_content(BUSINESS_COLUMNS).alias("row_content"))
    if typed.get_column("commitment_id").n_unique() == typed.height:
        # Every key once, as in most registers and parts: nothing to drop or set aside, and the
        # search for repeats is skipped (0.07 s of 0.30 s of CPU a 125,000-row part).
        typed, duplicates, overridden = typed.drop("_ord"), 0, 0
    else:
        typed, superseded, duplicates, overridden = _keep_last(typed)
        rejects = pl.concat([rejects, superseded])
    typed = typed.with_columns(
        pl.col("announced_on").dt.year().cast(pl.Int32).alias("announced_year")
    )
    typed = to_hkd_usd(typed, fx)
    typed = map_sectors(typed, taxonomy)
    if company_rows:
        typed, companies = match_companies(typed, book)
    else:
        companies = pl.DataFrame(schema=COMPANY_SCHEMA)
        typed = company_ids(typed, book)
    return Staged(typed, companies, rejects.sort(REJECT_KEY), duplicates, overridden)


def _keep_last(typed: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, int, int]:
    """stage's rows (numbered by _ord) with each repeated key's last row only; the rejects for
    the rows set aside, and how many were exact duplicates and later files' overrides."""
    # Exact repeats of a row are duplicates, not news; a conflicting repeat of a key keeps the
    # last row (the analyst's latest edit) and sets the earlier ones aside, so nothing is lost.
    before = typed.height
    typed = typed.unique(subset=["commitment_id", "row_content"], keep="last", maintain_order=True)
    duplicates = before - typed.height
    is_last = pl.col("_ord") == pl.col("_ord").max().over("commitment_id")
    kept = typed.filter(is_last).select(
        "commitment_id", pl.col("source_file").alias("_kept_file"), pl.col("line").alias("_kept")
    )
    superseded = typed.filter(~is_last).join(kept, on="commitment_id")
    # A later file restating a key (the analyst's folder updating a bundled commitment) is an
    # override, counted, not a conflict to quarantine every night; a repeat within one file is.
    overrides = superseded.filter(pl.col("source_file") != pl.col("_kept_file"))
    superseded = superseded.filter(pl.col("source_file") == pl.col("_kept_file"))
    kept_note = pl.format(
        "commitment_id {} appears again in {} line {}, which is kept",
        "commitment_id",
        "_kept_file",
        "_kept",
    )
    rejects = superseded.select(
        *REJECT_KEY,
        pl.lit("commitment_id unique in the register").alias("check_name"),
        kept_note.alias("reason"),
    )
    return typed.filter(is_last).drop("_ord"), rejects, duplicates, overrides.height


CROSS_CHECK_LIMIT = 20_000  # distinct amount texts read per run; beyond it the check is sampled


def stated_text_mismatches(sample: pl.DataFrame, distinct: int) -> list[str]:
    """Rows whose amount_text, read by the extractor, disagrees with amount and currency.

    `sample` is amount_sample's frame (or several parts' frames stacked in row order) and
    `distinct` how many distinct texts it was drawn from. The extractor reads each distinct
    (text, amount, currency) once; a register with more than CROSS_CHECK_LIMIT of them is checked
    on an evenly spread sample, and the first message says so; at most 20 mismatches are listed.
    """
    sampled = distinct > sample.height
    sample = sample.unique(subset=AMOUNT_TEXT, keep="first", maintain_order=True)
    out = check_amounts(sample)
    note = []
    if sampled:
        note = [f"amount_text cross-check sampled {sample.height} of {distinct} distinct texts"]
    shown = note + out[:20]
    if len(out) > 20:
        shown.append(f"... and {len(out) - 20} more amount_text mismatches")
    return shown


def amount_sample(
    rows: pl.DataFrame, limit: int, keep: tuple[str, ...] = ()
) -> tuple[pl.DataFrame, int]:
    """Distinct (amount_text, amount, currency) with the commitment_id (and `keep` columns) of
    the first row of each, evenly thinned to at most `limit`; and how many distinct there were."""
    distinct = (
        rows.filter(pl.col("amount_text").is_not_null() & pl.col("amount").is_not_null())
        .unique(subset=AMOUNT_TEXT, keep="first", maintain_order=True)
        .select(*keep, "commitment_id", *AMOUNT_TEXT)
    )
    if distinct.height <= limit:
        return distinct, distinct.height
    return distinct.gather_every(distinct.height // max(limit, 1) + 1), distinct.height


AMOUNT_TEXT = ["amount_text", "amount", "currency"]


def check_amounts(distinct: pl.DataFrame) -> list[str]:
    """A message for each (commitment_id, amount_text, amount, currency) that disagrees."""
    from flows.transforms.extract import extract

    out = []
    for cid, text, amount, currency in distinct.select("commitment_id", *AMOUNT_TEXT).iter_rows():
        found = extract(text).amounts
        if not found:
            out.append(f"{cid}: no amount found in amount_text {text!r}")
            continue
        first = found[0]
        if first.currency != currency or first.value is None or abs(first.value - amount) > 0.5:
            got = f"{first.currency} {first.value}"
            out.append(f"{cid}: amount_text {text!r} reads as {got}, not {currency} {amount:.0f}")
    return out
