"""C&SD web-table API (api/get.php): parse a table payload into a long, typed frame."""

from __future__ import annotations

import calendar
import codecs
import functools
import json
import operator
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pydantic_core

from flows.frames import gc_paused
from flows.sources import http, textcodec, urls
from flows.sources.errors import SourceError

API_URL = urls.CENSTATD_API
RECORD_FIELDS = frozenset({"freq", "period", "sv", "svDesc", "figure", "sd_value"})
REQUIRED_FIELDS = frozenset({"freq", "period", "sv", "figure"})
MISSING_FIGURES = frozenset({"", "-", "N.A.", "NA", "N/A", "§", "*"})

SCHEMA: dict[str, pl.DataType] = {
    "indicator": pl.String(),
    "table_id": pl.String(),
    "dims": pl.String(),
    "freq": pl.String(),
    "period": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "value": pl.Float64(),
    "unit": pl.String(),
    "sv": pl.String(),
    "sv_label": pl.String(),
    "sd_value": pl.String(),
    "is_provisional": pl.Boolean(),
    "is_revised": pl.Boolean(),
    "vintage": pl.Datetime("us", "UTC"),
    "source_url": pl.String(),
}

# (table id, sv, unit) -> stable indicator name; anything unlisted gets a derived name.
INDICATORS: dict[tuple[str, str, str], str] = {
    ("310-30001", "CON", "pct_yoy"): "real_gdp_growth",
    ("310-30001", "SA1", "pct_qoq"): "real_gdp_growth_qoq_sa",
    ("310-31001", "CUR", "hkd_million"): "gdp_current_prices",
    ("310-31001", "CUR", "pct_yoy"): "gdp_current_prices_growth",
    ("310-31001", "CON", "hkd_million"): "gdp_chained_dollars",
    ("310-31001", "CON", "pct_yoy"): "real_gdp_growth",
    ("310-31001", "CURPGDP", "hkd"): "gdp_per_capita_current_prices",
    ("310-31001", "CONPGDP", "hkd"): "gdp_per_capita_chained_dollars",
    ("310-31001", "DEF", "index"): "gdp_deflator",
    ("215-16001", "PE", "count"): "persons_engaged",
    ("215-16001", "PE", "pct_yoy"): "persons_engaged_growth",
    ("215-16001", "VAC", "count"): "vacancies",
    ("215-16001", "VAC", "pct_yoy"): "vacancies_growth",
}

# svDesc wording -> unit code; checked in order, first match wins.
UNIT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"year-on-year", re.I), "pct_yoy"),
    (re.compile(r"quarter-to-quarter|qoq", re.I), "pct_qoq"),
    (re.compile(r"month-to-month", re.I), "pct_mom"),
    (re.compile(r"hk\$\s*million", re.I), "hkd_million"),
    (re.compile(r"^hk\$$", re.I), "hkd"),
    (re.compile(r"^no\.?$", re.I), "count"),
    (re.compile(r"index", re.I), "index"),
    (re.compile(r"%"), "pct"),
)


@dataclass(frozen=True)
class Snapshot:
    """A bundled C&SD payload: its table id and, for dated files, the release it captures."""

    table_id: str
    vintage: datetime | None


def source_url(table_id: str) -> str:
    """The API URL a table is fetched from (full series, English)."""
    return f"{API_URL}?id={table_id}&lang=en&full_series=1"


def snapshot_info(path: Path) -> Snapshot:
    """Read `<table-id>.json` or `<table-id>@YYYY-MM-DD.json` (a dated earlier vintage)."""
    table_id, _, release = path.stem.partition("@")
    if not re.fullmatch(r"\d{3}-\d{5}[A-Z]?", table_id):
        raise SourceError(f"{path.name}: not a C&SD snapshot name (<table-id>[@YYYY-MM-DD].json)")
    if not release:
        return Snapshot(table_id, None)
    try:
        day = date.fromisoformat(release)
    except ValueError as exc:
        raise SourceError(f"{path.name}: vintage {release!r} is not YYYY-MM-DD") from exc
    return Snapshot(table_id, datetime(day.year, day.month, day.day, tzinfo=UTC))


def unit_of(sv_desc: str) -> str:
    """Unit code for an svDesc label; unknown wording becomes its own snake_case code."""
    text = sv_desc.strip()
    for pattern, unit in UNIT_PATTERNS:
        if pattern.search(text):
            return unit
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "unknown"


def indicator_of(table_id: str, sv: str, unit: str) -> str:
    """Stable snake_case indicator name for a (table, sv, unit) series."""
    known = INDICATORS.get((table_id, sv, unit))
    if known:
        return known
    sv_part = re.sub(r"\W+", "_", sv.lower())
    return f"t{table_id.replace('-', '_').lower()}_{sv_part}_{unit}"


def _industry_prefix(label: str) -> str:
    """Industry tables name their series by industry ("manufacturing_persons_engaged")."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")
    return f"{slug}_" if slug else ""


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_start(year: int, month: int, back: int = 0) -> date:
    index = year * 12 + (month - 1) - back
    return date(index // 12, index % 12 + 1, 1)


def period_bounds(freq: str, period: str) -> tuple[date, date]:
    """First and last day covered by a C&SD (freq, period) pair."""
    p = period.strip()
    f = freq.strip().upper()
    year = int(p[:4]) if p[:4].isdigit() else None
    if year is None:
        raise ValueError(f"period {period!r} does not start with a year")
    if f == "Y" and len(p) == 4:
        return date(year, 1, 1), date(year, 12, 31)
    quarter = re.fullmatch(r"\d{4}-?Q([1-4])", p, re.I)
    if f == "Q" and quarter:
        q = int(quarter.group(1))
        return date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
    if len(p) == 6 and p[4:].isdigit() and 1 <= int(p[4:]) <= 12:
        month = int(p[4:])
        if f == "Q":
            # C&SD codes a quarter by a month of it (its last, e.g. 202212 = Q4 2022).
            end_month = 3 * ((month + 2) // 3)
            return _month_start(year, end_month, back=2), _month_end(year, end_month)
        if f == "M":
            return date(year, month, 1), _month_end(year, month)
        if f == "M3M":
            return _month_start(year, month, back=2), _month_end(year, month)
        if f == "YTM":
            return date(year, 1, 1), _month_end(year, month)
    raise ValueError(f"freq {freq!r} with period {period!r} is not a known C&SD period")


def _figure(raw: Any) -> float | None:
    """A figure as a number; C&SD's missing markers ("N/A", "-", "§"…) are None; anything else
    (a list, an object, a word) is not a figure: ValueError."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    if not isinstance(raw, str):
        raise ValueError(f"figure is a JSON {type(raw).__name__}, not a number")
    text = raw.strip().replace(",", "")
    if text in MISSING_FIGURES:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"figure {raw!r} is not a number nor a C&SD missing marker") from None


def _dims(record: dict[str, Any]) -> str:
    """The dims column: every field that is not a RECORD_FIELD nor a label, with its label."""
    codes = sorted(k for k in record if k not in RECORD_FIELDS and not k.endswith("Desc"))
    return _dims_json(tuple((k, str(record[k]), str(record.get(f"{k}Desc", ""))) for k in codes))


@functools.lru_cache(maxsize=4096)
def _dims_json(dims: tuple[tuple[str, str, str], ...]) -> str:
    """(dimension, code, label) triples as compact, key-sorted JSON; cached like _name."""
    named = {k: {"code": code, "label": label} for k, code, label in dims}
    return json.dumps(named, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _series(record: dict[str, Any], table_id: str) -> tuple[str, str, str, str, str, str]:
    """(indicator, unit, sv, sv_label, sd_value, dims): what a record says besides its freq,
    period and figure, each field read as str() of its value."""
    sv, sv_label = str(record.get("sv", "")), str(record.get("svDesc", ""))
    indicator, unit = _name(table_id, sv, sv_label, str(record.get("INDDesc") or ""))
    marker = str(record.get("sd_value") or "").strip()
    return indicator, unit, sv, sv_label, marker, _dims(record)


@functools.lru_cache(maxsize=4096)
def _name(table_id: str, sv: str, sv_label: str, industry: str) -> tuple[str, str]:
    """(indicator, unit) of a series; cached, as records repeat a few series many times."""
    unit = unit_of(sv_label)
    return _industry_prefix(industry) + indicator_of(table_id, sv, unit), unit


# Columns of the per-series and per-(freq, period) tables the fast path gathers rows from.
_SERIES = ("indicator", "unit", "sv", "sv_label", "sd_value", "dims")
_SPAN = ("freq", "period", "period_start", "period_end")


def _with_flags(frame: pl.DataFrame) -> pl.DataFrame:
    """Add is_provisional and is_revised from sd_value."""
    marker = pl.col("sd_value").str.to_lowercase()
    return frame.with_columns(
        # C&SD marks provisional figures "p" and revised ones "r".
        marker.str.contains("p", literal=True).alias("is_provisional"),
        marker.str.contains("r", literal=True).alias("is_revised"),
    )


class _Irregular(Exception):
    """Records the fast path does not take; _per_record reads them (or reports the bad one)."""


def _load(raw: bytes, table_id: str, url: str) -> dict[str, Any]:
    return textcodec.json_object(
        raw,
        f"C&SD table {table_id} ({url})",
        "fetch it again, and if it keeps failing keep the landed file for the report and use "
        "the last good snapshot.",
    )


def _decode(raw: bytes, table_id: str, url: str) -> dict[str, Any]:
    """The body as JSON: read by jiter (pydantic-core), else by json for its exact error."""
    try:
        # jiter returns what json.loads returns (NaN, big integers and duplicate keys alike)
        # in a fraction of the time, and with cache_strings="all" a value repeated in every
        # record (a code, a label, a period) is one shared str, not a million copies.
        payload = pydantic_core.from_json(raw.removeprefix(codecs.BOM_UTF8), cache_strings="all")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        # Not JSON jiter reads (truncated, or with lone surrogates, which json accepts), or not
        # an object: json decides, and textcodec.json_object says what is wrong.
        return _load(raw, table_id, url)
    return payload


def _check_header(payload: dict[str, Any], table_id: str, url: str) -> None:
    header = payload.get("header")
    status = header.get("status") if isinstance(header, dict) else None
    if not isinstance(status, dict):
        raise SourceError(f"C&SD table {table_id}: {url} has no header.status; format changed?")
    name = str(status.get("name", ""))
    code = status.get("code")
    ok = name.lower() == "success" and code in (None, 0, "0")
    if not ok:
        raise SourceError(
            f"C&SD table {table_id}: {url} answered status {name!r} (code {code!r}), not "
            "Success. Check the table id on https://www.censtatd.gov.hk/en/web_table.html?id="
            f"{table_id}; the table may have been renamed or withdrawn."
        )


def _factorize(records: list[Any], fields: list[str]) -> tuple[pl.Series, list[tuple[Any, ...]]]:
    """Number the distinct values of `fields` in order of first appearance: a number per
    record, and the distinct values. A record without one of the fields is a KeyError."""
    numbers: defaultdict[Any, int] = defaultdict(count().__next__)  # a new value: next number
    try:
        # All in C, no Python code per record: itemgetter reads the fields, the dict numbers them.
        codes = list(map(numbers.__getitem__, map(operator.itemgetter(*fields), records)))
    except TypeError:  # a record that is not an object, or a list where text belongs
        raise _Irregular from None
    distinct = list(numbers) if len(fields) > 1 else [(value,) for value in numbers]
    # Strings and nulls only: 1, 1.0 and True are one dict key but three different texts.
    if not {type(v) for values in distinct for v in values} <= {str, type(None)}:
        raise _Irregular
    return pl.Series(codes, dtype=pl.UInt32), distinct


def _figures(records: list[Any]) -> pl.Series:
    """The figure of each record as a number (see _figure), or _Irregular."""
    values = list(map(operator.itemgetter("figure"), records))
    try:
        kinds = set(map(type, values))
        if kinds == {float}:  # the usual payload
            return pl.Series(values, dtype=pl.Float64)
        if kinds <= {float, int}:
            return pl.Series(list(map(float, values)), dtype=pl.Float64)
        return pl.Series([_figure(v) for v in values], dtype=pl.Float64)
    except (ValueError, OverflowError):
        raise _Irregular from None


def _shape(records: list[Any], keys: tuple[str, ...], table_id: str) -> pl.DataFrame:
    """The per-record columns of records that all have exactly `keys`: everything derived
    (names, dims, period bounds) once per distinct series and period, then gathered."""
    if not set(keys) >= REQUIRED_FIELDS:
        raise _Irregular
    named = [k for k in keys if k not in ("freq", "period", "figure")]
    series_code, series = _factorize(records, named)
    span_code, spans = _factorize(records, ["freq", "period"])
    values = _figures(records)
    texts = [(str(freq), str(period)) for freq, period in spans]
    try:
        span_rows = [(freq, period, *period_bounds(freq, period)) for freq, period in texts]
    except ValueError:  # an unknown period: _per_record names its record
        raise _Irregular from None
    series_rows = [_series(dict(zip(named, v, strict=True)), table_id) for v in series]
    span_table = pl.DataFrame(span_rows, schema={k: SCHEMA[k] for k in _SPAN}, orient="row")
    series_table = _with_flags(
        pl.DataFrame(series_rows, schema={k: SCHEMA[k] for k in _SERIES}, orient="row")
    )
    return pl.concat(
        [
            span_table.select(pl.all().gather(span_code)),
            series_table.select(pl.all().gather(series_code)),
            values.alias("value").to_frame(),
        ],
        how="horizontal",
    ).select(_PER_RECORD)


def _columns(records: list[Any], table_id: str) -> pl.DataFrame:
    """The per-record columns of a non-empty dataSet, in payload order, or _Irregular."""
    try:
        sizes = set(map(len, records))
    except TypeError:  # a record that is a number or null
        raise _Irregular from None
    first = records[0]
    if isinstance(first, dict) and sizes == {len(first)}:
        try:
            return _shape(records, tuple(first), table_id)
        except KeyError:  # the same number of fields, not the same fields
            pass
    if not all(isinstance(record, dict) for record in records):
        raise _Irregular
    # Records of several shapes (dims or optional fields that differ): build each shape on
    # its own, then restore the payload order.
    rows: dict[tuple[str, ...], list[int]] = {}
    for i, record in enumerate(records):
        rows.setdefault(tuple(record), []).append(i)
    parts = [
        _shape([records[i] for i in at], keys, table_id).with_columns(row=pl.Series(at))
        for keys, at in rows.items()
    ]
    return pl.concat(parts).sort("row").drop("row")


def _per_record(records: list[Any], table_id: str, url: str) -> pl.DataFrame:
    """The per-record columns read one record at a time, raising on the first bad record:
    slow on a full series, it reads what _columns refuses (a number where text belongs)."""
    rows = []
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise SourceError(f"C&SD table {table_id}: dataSet[{i}] is not an object")
        if not record.keys() >= REQUIRED_FIELDS:
            # A renamed or dropped field would otherwise load as empty values or a new dimension.
            missing = ", ".join(sorted(REQUIRED_FIELDS - record.keys()))
            raise SourceError(
                f"C&SD table {table_id}: {url}: dataSet[{i}] has no field {missing}; "
                f"the format changed (fields: {', '.join(record)})"
            )
        freq, period = str(record["freq"]), str(record["period"])
        try:
            span = period_bounds(freq, period)
        except ValueError as exc:
            raise SourceError(f"C&SD table {table_id}: dataSet[{i}]: {exc}") from exc
        try:
            value = _figure(record["figure"])
        except ValueError as exc:
            raise SourceError(f"C&SD table {table_id}: {url}: dataSet[{i}]: {exc}") from exc
        indicator, unit, sv, sv_label, marker, dims = _series(record, table_id)
        rows.append((indicator, dims, freq, period, *span, value, unit, sv, sv_label, marker))
    schema = {k: SCHEMA[k] for k in _PER_RECORD[:-2]}
    return _with_flags(pl.DataFrame(rows, schema=schema, orient="row"))


def parse(raw: bytes, *, table_id: str, source_url: str, vintage: datetime) -> pl.DataFrame:
    """Parse a C&SD get.php body into one row per (series, dimension values, period)."""
    if vintage.tzinfo is None:
        raise ValueError("vintage must be timezone-aware")
    # A million records are a million dicts: no cyclic collection while they are made and read
    # (1.43 s of CPU with, 1.20 s without, for the 145.7 MB payload).
    with gc_paused():
        payload = _decode(raw, table_id, source_url)
        _check_header(payload, table_id, source_url)
        records = payload.get("dataSet")
        if not isinstance(records, list):
            raise SourceError(f"C&SD table {table_id}: {source_url} has no dataSet list")
        if not records:
            return pl.DataFrame(schema=SCHEMA)
        # A full series is a million records: _columns reads them field by field and derives
        # names, dims and periods once per distinct value. It refuses a bad record, and a number
        # or list where text belongs; reading one record at a time then reports the first bad
        # record in the words the parser has always used, or reads the values as it always did.
        try:
            cols = _columns(records, table_id)
        except _Irregular:
            cols = _per_record(records, table_id, source_url)
    return cols.with_columns(
        pl.lit(table_id).alias("table_id"),
        pl.lit(vintage.astimezone(UTC), dtype=SCHEMA["vintage"]).alias("vintage"),
        pl.lit(source_url).alias("source_url"),
    ).select(list(SCHEMA))


_PER_RECORD = (
    "indicator", "dims", "freq", "period", "period_start", "period_end", "value", "unit", "sv",
    "sv_label", "sd_value", "is_provisional", "is_revised",
)  # fmt: skip


def fetch(
    table_id: str,
    *,
    landing_dir: Path,
    client: httpx.Client | None = None,
    base_url: str = API_URL,
    sleep: Callable[[float], None] | None = None,
    timeout: tuple[float, float] = (5.0, 30.0),
    retries: int = 4,
) -> tuple[pl.DataFrame, http.Landed]:
    """Fetch one table live, land the raw body, then parse it."""
    params: http.Params = {"id": table_id, "lang": "en", "full_series": 1}
    landed = http.fetch(
        base_url,
        params,
        landing_dir=landing_dir,
        client=client,
        timeout=timeout,
        retries=retries,
        sleep=sleep,
    )
    frame = parse(
        landed.path.read_bytes(),
        table_id=table_id,
        source_url=landed.url,
        vintage=landed.retrieved_at,
    )
    return frame, landed
