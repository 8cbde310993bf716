"""C&SD web-table API (api/get.php): parse a table payload into a long, typed frame."""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from flows.sources import http, urls
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


def _industry_prefix(record: dict[str, Any]) -> str:
    """Industry tables name their series by industry ("manufacturing_persons_engaged")."""
    label = str(record.get("INDDesc") or "").strip()
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
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
    codes = sorted(k for k in record if k not in RECORD_FIELDS and not k.endswith("Desc"))
    dims = {k: {"code": str(record[k]), "label": str(record.get(f"{k}Desc", ""))} for k in codes}
    return json.dumps(dims, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _load(raw: bytes, table_id: str, url: str) -> dict[str, Any]:
    try:
        payload = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(
            f"C&SD table {table_id}: the body from {url} is not complete JSON "
            f"({len(raw)} bytes; {exc}). It is probably truncated: fetch it again, and if it "
            "keeps failing keep the landed file for the report and use the last good snapshot."
        ) from exc
    if not isinstance(payload, dict):
        raise SourceError(f"C&SD table {table_id}: {url} returned JSON that is not an object")
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


def parse(raw: bytes, *, table_id: str, source_url: str, vintage: datetime) -> pl.DataFrame:
    """Parse a C&SD get.php body into one row per (series, dimension values, period)."""
    if vintage.tzinfo is None:
        raise ValueError("vintage must be timezone-aware")
    payload = _load(raw, table_id, source_url)
    _check_header(payload, table_id, source_url)
    records = payload.get("dataSet")
    if not isinstance(records, list):
        raise SourceError(f"C&SD table {table_id}: {source_url} has no dataSet list")
    # A full series is a million records of a few hundred distinct series and periods:
    # everything derived from those is computed once per distinct value, not per record.
    bounds: dict[tuple[str, str], tuple[date, date]] = {}
    series: dict[tuple[str, str, str], tuple[str, str]] = {}
    dims_json: dict[tuple[tuple[str, str, str], ...], str] = {}
    cols: dict[str, list[Any]] = {name: [] for name in _PER_RECORD}
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise SourceError(f"C&SD table {table_id}: dataSet[{i}] is not an object")
        if not record.keys() >= REQUIRED_FIELDS:
            # A renamed or dropped field would otherwise load as empty values or a new dimension.
            missing = ", ".join(sorted(REQUIRED_FIELDS - record.keys()))
            raise SourceError(
                f"C&SD table {table_id}: {source_url}: dataSet[{i}] has no field {missing}; "
                f"the format changed (fields: {', '.join(record)})"
            )
        freq, period = str(record.get("freq", "")), str(record.get("period", ""))
        span = bounds.get((freq, period))
        if span is None:
            try:
                span = bounds[(freq, period)] = period_bounds(freq, period)
            except ValueError as exc:
                raise SourceError(f"C&SD table {table_id}: dataSet[{i}]: {exc}") from exc
        sv, sv_label = str(record.get("sv", "")), str(record.get("svDesc", ""))
        industry = str(record.get("INDDesc") or "")
        named = series.get((sv, sv_label, industry))
        if named is None:
            unit = unit_of(sv_label)
            prefix = _industry_prefix(record)
            named = series[(sv, sv_label, industry)] = (
                prefix + indicator_of(table_id, sv, unit),
                unit,
            )
        key = tuple(
            sorted(
                (k, str(v), str(record.get(f"{k}Desc", "")))
                for k, v in record.items()
                if k not in RECORD_FIELDS and not k.endswith("Desc")
            )
        )
        dims = dims_json.get(key)
        if dims is None:
            dims = dims_json[key] = _dims(record)
        marker = str(record.get("sd_value") or "").strip()
        try:
            figure = _figure(record["figure"])
        except ValueError as exc:
            raise SourceError(f"C&SD table {table_id}: {source_url}: dataSet[{i}]: {exc}") from exc
        for name, value in zip(
            _PER_RECORD,
            (named[0], dims, freq, period, span[0], span[1], figure,
             named[1], sv, sv_label, marker),
            strict=True,
        ):  # fmt: skip
            cols[name].append(value)
    if not cols["indicator"]:
        return pl.DataFrame(schema=SCHEMA)
    marker_lower = pl.col("sd_value").str.to_lowercase()
    return (
        pl.DataFrame(cols, schema={k: SCHEMA[k] for k in _PER_RECORD})
        .with_columns(
            pl.lit(table_id).alias("table_id"),
            # C&SD marks provisional figures "p" and revised ones "r".
            marker_lower.str.contains("p", literal=True).alias("is_provisional"),
            marker_lower.str.contains("r", literal=True).alias("is_revised"),
            pl.lit(vintage.astimezone(UTC), dtype=SCHEMA["vintage"]).alias("vintage"),
            pl.lit(source_url).alias("source_url"),
        )
        .select(list(SCHEMA))
    )


_PER_RECORD = (
    "indicator", "dims", "freq", "period", "period_start", "period_end", "value", "unit", "sv",
    "sv_label", "sd_value",
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
    extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
    landed = http.fetch(
        base_url,
        params,
        landing_dir=landing_dir,
        client=client,
        timeout=timeout,
        retries=retries,
        **extra,
    )
    frame = parse(
        landed.path.read_bytes(),
        table_id=table_id,
        source_url=landed.url,
        vintage=landed.retrieved_at,
    )
    return frame, landed
