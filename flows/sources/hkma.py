"""HKMA er-eeri-endperiod API: month-end HK$ exchange rates, paged."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from flows.sources import http, textcodec, urls
from flows.sources.errors import SourceError

API_URL = urls.HKMA_ER_EERI_ENDPERIOD
# Field names that are not a plain ISO code but still hold HK$ per unit.
SPECIAL_CURRENCIES = {"special_drawing_rights": "XDR"}
# The API documentation gives every currency field as "HK$ per unit of foreign currency",
# and a captured record shows jpy 0.049065 (per 1 yen, not per 100). Keep the hook in case
# HKMA ever changes a quote basis; today nothing is scaled.
QUOTE_UNITS: dict[str, float] = {}
MAX_PAGES = 1000

SCHEMA: dict[str, pl.DataType] = {
    "month": pl.Date(),
    "currency": pl.String(),
    "hkd_per_unit": pl.Float64(),
}


def _month(text: Any) -> date:
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(text).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise SourceError(f"HKMA end_of_month {text!r} is not YYYY-MM")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _load(raw: bytes, where: str) -> dict[str, Any]:
    return textcodec.json_object(raw, f"HKMA {where}", "fetch the page again.")


def parse_page(raw: bytes, *, where: str = API_URL) -> tuple[pl.DataFrame, int]:
    """One API page -> (long frame month/currency/hkd_per_unit, datasize of the whole query)."""
    payload = _load(raw, where)
    header = payload.get("header")
    if not isinstance(header, dict):
        raise SourceError(f"HKMA {where}: no header; format changed?")
    if header.get("success") is not True:
        # An error payload is an error, not an empty month.
        raise SourceError(
            f"HKMA {where}: header.success is {header.get('success')!r}; "
            f"err_code={header.get('err_code')!r} err_msg={header.get('err_msg')!r}"
        )
    result = payload.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("records"), list):
        raise SourceError(f"HKMA {where}: result.records missing")
    datasize = result.get("datasize")
    if not isinstance(datasize, int) or isinstance(datasize, bool) or datasize < 0:
        raise SourceError(f"HKMA {where}: result.datasize {datasize!r} is not a count")
    rows: list[dict[str, Any]] = []
    for record in result["records"]:
        if not isinstance(record, dict):
            raise SourceError(f"HKMA {where}: a record is not an object")
        month = _month(record.get("end_of_month"))
        for field, value in record.items():
            code = SPECIAL_CURRENCIES.get(field)
            if code is None and re.fullmatch(r"[a-z]{3}", field):
                code = field.upper()
            # Indices (neeri_*) and the date are not currencies; nulls are retired currencies.
            if code is None or value is None or value == "":
                continue
            try:
                rate = float(value)
            except (TypeError, ValueError) as exc:
                raise SourceError(f"HKMA {where}: {field}={value!r} is not a number") from exc
            rows.append(
                {"month": month, "currency": code, "hkd_per_unit": rate / QUOTE_UNITS.get(code, 1)}
            )
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)
    return frame, datasize


def fetch_all(
    from_month: str | None = None,
    to_month: str | None = None,
    *,
    landing_dir: Path,
    pagesize: int = 100,
    client: httpx.Client | None = None,
    base_url: str = API_URL,
    sleep: Callable[[float], None] | None = None,
    timeout: tuple[float, float] = (5.0, 30.0),
    retries: int = 4,
) -> tuple[pl.DataFrame, list[http.Landed]]:
    """Page through the endpoint with offset until datasize records have been read."""
    frames: list[pl.DataFrame] = []
    landed_pages: list[http.Landed] = []
    offset = 0
    for _ in range(MAX_PAGES):
        params: http.Params = {
            "offset": offset,
            "pagesize": pagesize,
            "sortby": "end_of_month",
            "sortorder": "asc",
        }
        if from_month or to_month:
            # The API filters on the field named in `choose`.
            params = {**params, "choose": "end_of_month", "from": from_month, "to": to_month}
        landed = http.fetch(
            base_url,
            params,
            landing_dir=landing_dir,
            client=client,
            timeout=timeout,
            retries=retries,
            sleep=sleep,
        )
        landed_pages.append(landed)
        raw = landed.path.read_bytes()
        page, datasize = parse_page(raw, where=landed.url)
        records = len(_load(raw, landed.url)["result"]["records"])
        frames.append(page)
        offset += records
        if offset >= datasize:
            break
        if records == 0:
            raise SourceError(
                f"HKMA {landed.url}: empty page at offset {offset} before datasize {datasize}"
            )
    else:
        raise SourceError(f"HKMA {base_url}: more than {MAX_PAGES} pages; refusing to loop")
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=SCHEMA)
    frame = frame.unique(["month", "currency"], keep="last").sort(["month", "currency"])
    return frame, landed_pages
