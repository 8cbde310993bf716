"""ITF annual approved-projects CSV (annuallist_<YYYY>_e.csv): decode and parse."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from flows.sources import http, textcodec, urls
from flows.sources.errors import SourceError

URL_TEMPLATE = urls.ITF_ANNUAL_LIST

COLUMNS = {
    "no.": "no",
    "programme": "programme",
    "reference no.": "reference_no",
    "project title": "project_title",
    "lead applicant": "lead_applicant",
    "funds approved": "funds_approved",
    "revised funds approved": "revised_funds_approved",
    "remarks": "remarks",
}
REQUIRED = ("no", "programme", "project_title", "lead_applicant", "funds_approved")
PLACEHOLDERS = frozenset({"", "-", "--", "0", "n/a", "na", "nil"})
# Bare numbers at or above this are already whole HK$: no single project approves
# HK$10 billion, and no absolute grant is below HK$10,000.
ABSOLUTE_THRESHOLD = 10_000.0

SCHEMA: dict[str, pl.DataType] = {
    "year": pl.Int32(),
    "programme": pl.String(),
    "reference_no": pl.String(),
    "project_title": pl.String(),
    "lead_applicant": pl.String(),
    "funds_approved_hkd": pl.Float64(),
    "revised_funds_approved_hkd": pl.Float64(),
    "remarks": pl.String(),
    "source_url": pl.String(),
}


def decode(raw: bytes, source_url: str = "ITF CSV") -> str:
    """Decode an ITF CSV by evidence (flows/sources/textcodec.py); a doubtful file is refused."""
    try:
        return textcodec.decode(raw, name=f"ITF {source_url}", candidates=textcodec.ENGLISH).text
    except textcodec.DecodeError as exc:
        raise SourceError(str(exc)) from exc


# Header names as the lists print them, for messages.
SHOWN = {
    "no": "No.", "programme": "Programme", "reference_no": "Reference No.",
    "project_title": "Project Title", "lead_applicant": "Lead Applicant",
    "funds_approved": "Funds Approved ($M)",
    "revised_funds_approved": "Revised Funds Approved ($M)", "remarks": "Remarks",
}  # fmt: skip
MAX_FIELD = 1 << 30


def _canonical(header: str) -> str | None:
    # NFKC: a full-width header (Ｐｒｏｇｒａｍｍｅ) names the same column.
    header = unicodedata.normalize("NFKC", header)
    key = re.sub(r"\s+", " ", header.replace("*", "").replace("\ufeff", "")).strip().lower()
    key = re.sub(r"\s*\((hk)?\$\s*m\)$", "", key)
    return COLUMNS.get(key)


def money_hkd(text: str | None, *, placeholder_is_null: bool = True) -> float | None:
    """'2.799' ($M) -> 2799000.0; 'HK$12,345,678' -> 12345678.0; placeholders -> None."""
    if text is None:
        return None
    raw = text.strip()
    if placeholder_is_null and raw.lower() in PLACEHOLDERS:
        return None
    absolute = "$" in raw
    number = re.sub(r"(?i)hk\$|\$|,|\s", "", raw)
    try:
        value = float(number)
    except ValueError as exc:
        raise SourceError(
            f"ITF amount {text!r} is not a number; a funds column holds $M or HK$ figures"
        ) from exc
    if not absolute and abs(value) < ABSOLUTE_THRESHOLD:
        value *= 1_000_000
    return float(round(value))


def _approved(text: str | None) -> float | None:
    # An approved amount of 0 is a value; only a blank or dash means "not stated".
    if (text or "").strip() in ("", "-", "--"):
        return None
    return money_hkd(text, placeholder_is_null=False)


def _blank_to_none(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def parse(raw: bytes, *, year: int, source_url: str) -> pl.DataFrame:
    """Parse one year's list into one row per approved project, amounts in whole HK$."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, MAX_FIELD))  # a pasted remark may be megabytes long
    try:
        return _parse(decode(raw, source_url), year, source_url)
    except csv.Error as exc:
        raise SourceError(f"ITF {source_url}: not valid CSV ({exc})") from exc


def _parse(text: str, year: int, source_url: str) -> pl.DataFrame:
    # strict: an unterminated quote is an error, not a field that swallows the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        raise SourceError(f"ITF {source_url}: line 1: empty file, no header")
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        canonical = _canonical(name)
        if canonical and canonical not in index:
            index[canonical] = i
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        hint = ""
        if len(header) == 1 and header[0].count(";") >= 2:
            hint = "; the file is separated by semicolons, not commas"
        raise SourceError(
            f"ITF {source_url}: line 1: missing column(s) "
            f"{', '.join(repr(SHOWN[c]) for c in missing)}{hint}; header was {header}"
        )
    width = len(header)

    def cell(row: list[str], name: str) -> str | None:
        i = index.get(name)
        return row[i] if i is not None and i < len(row) else None

    rows: list[dict[str, Any]] = []
    last = reader.line_num
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            _add_row(rows, row, start, width, year, source_url, cell)
    except csv.Error as exc:
        # The broken record starts after the last good one, not where the reader gave up.
        raise SourceError(
            f"ITF {source_url}: line {last + 1}: not valid CSV ({exc}); check the quoting"
        ) from exc
    return pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)


def _add_row(
    rows: list[dict[str, Any]],
    row: list[str],
    start: int,
    width: int,
    year: int,
    source_url: str,
    cell: Callable[[list[str], str], str | None],
) -> None:
    """One CSV record: a numbered row becomes a project, anything else is a footnote."""
    # Footnotes follow the table; only numbered rows are projects.
    if not re.fullmatch(r"\d+\.?", (cell(row, "no") or "").strip()):
        return
    if len(row) < width or any(c.strip() for c in row[width:]):
        raise SourceError(
            f"ITF {source_url}: line {start}: {len(row)} fields where the header has "
            f"{width}; check the quoting and commas on that line"
        )
    try:
        approved = _approved(cell(row, "funds_approved"))
        revised = money_hkd(cell(row, "revised_funds_approved"))
    except SourceError as exc:
        raise SourceError(f"ITF {source_url}: line {start}: {exc}") from exc
    rows.append(
        {
            "year": year,
            "programme": _blank_to_none(cell(row, "programme")),
            "reference_no": _blank_to_none(cell(row, "reference_no")),
            "project_title": _blank_to_none(cell(row, "project_title")),
            "lead_applicant": _blank_to_none(cell(row, "lead_applicant")),
            "funds_approved_hkd": approved,
            "revised_funds_approved_hkd": revised,
            "remarks": _blank_to_none(cell(row, "remarks")),
            "source_url": source_url,
        }
    )


def fetch(
    year: int,
    *,
    landing_dir: Path,
    client: httpx.Client | None = None,
    url: str | None = None,
    sleep: Callable[[float], None] | None = None,
    timeout: tuple[float, float] = (5.0, 30.0),
    retries: int = 4,
) -> tuple[pl.DataFrame, http.Landed]:
    """Fetch one year's list live, land it, then parse it."""
    landed = http.fetch(
        url or URL_TEMPLATE.format(year=year),
        landing_dir=landing_dir,
        client=client,
        timeout=timeout,
        retries=retries,
        sleep=sleep,
    )
    return parse(landed.path.read_bytes(), year=year, source_url=landed.url), landed
