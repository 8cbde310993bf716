"""Hong Kong dates as analysts and sources write them, read without guessing wrong.

`parse_hk_date(text)` returns `(date, "day")`, `(date, "month")` (first of the month) or
`(None, "unknown")`; it never raises. Accepted, after NFKC folding (full-width digits and
punctuation become ASCII):

- ISO: `2024-03-10`, `2024/03/10`, month only `2024-03`, `2024/03`;
- Chinese: `2024年3月10日`, `2024年3月` (spaces allowed between the parts);
- Hong Kong day-first numerals: `10/3/2024`, `10-3-2024`, `10.3.2024` (10 March, never 3 October);
  month only `3/2024`;
- English: `10 March 2024`, `10 Mar 2024`, `March 10, 2024`, `March 2024`;
- ISO date-times: `2024-03-10T08:00`, `2024-03-09T23:30:00-05:00`, `…Z`. A time with an offset is
  converted to Hong Kong time (UTC+8 all year since 1979) before its date is taken, so
  `2024-03-09T23:30:00-05:00` is 10 March; a time without an offset is Hong Kong local time.

Anything else, and any impossible calendar date (`2024-02-30`, `31/4/2024`), is `(None, "unknown")`.
Pure Python: vectorised callers parse each distinct value once.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

HK_TZ = timezone(timedelta(hours=8), "Asia/Hong_Kong")
DAY, MONTH, UNKNOWN = "day", "month", "unknown"
MAX_LEN = 64  # no date is longer; longer text is not parsed at all

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH_WORD = "(?P<mname>[A-Za-z]{3,9})\\.?"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.ASCII), precision)
    for p, precision in (
        (r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})", DAY),
        (r"(?P<y>\d{4})[-/](?P<m>\d{1,2})", MONTH),
        (r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日號号]?", DAY),
        (r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:份)?", MONTH),
        (r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})", DAY),
        (r"(?P<m>\d{1,2})/(?P<y>\d{4})", MONTH),
        (r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_WORD + r",?\s+(?P<y>\d{4})", DAY),
        (_MONTH_WORD + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})", DAY),
        (_MONTH_WORD + r",?\s+(?P<y>\d{4})", MONTH),
    )
)
_DAY_FIRST_NUMERALS = _PATTERNS[4][0]  # 10/3/2024: the one pattern whose order is a convention
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)


def parse_hk_date(text: object, month_first: bool = False) -> tuple[date | None, str]:
    """The Hong Kong calendar date a text names, with its precision; never raises.

    `month_first`: numerals like 11/6/2023 are month/day/year (a file a spreadsheet saved in a
    US locale, as its unambiguous rows show: see numeral_order), not Hong Kong's day/month/year.
    """
    try:
        return _parse(text, month_first)
    except (ValueError, OverflowError, TypeError):
        return None, UNKNOWN


# A numeral date a/b/yyyy: which part is the day is decided by a part above 12, or not at all.
NUMERAL_DATE = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$"
DAY_FIRST, MONTH_FIRST = "day_first", "month_first"


def numeral_order(text: object) -> str | None:
    """day_first for 13/6/2023, month_first for 6/13/2023, None when either could be the day
    (6/11/2023), both parts are above 12, or the text is no a/b/yyyy numeral date."""
    if not isinstance(text, str):
        return None
    found = re.match(NUMERAL_DATE, unicodedata.normalize("NFKC", text))
    if found is None:
        return None
    a, b = int(found.group(1)), int(found.group(2))
    if a > 12 >= b:
        return DAY_FIRST
    if b > 12 >= a:
        return MONTH_FIRST
    return None


def _parse(text: object, month_first: bool = False) -> tuple[date | None, str]:
    if not isinstance(text, str) or len(text) > MAX_LEN:
        return None, UNKNOWN
    value = unicodedata.normalize("NFKC", text).strip()
    if _DATETIME.fullmatch(value):
        return _from_datetime(value), DAY
    for pattern, precision in _PATTERNS:
        found = pattern.fullmatch(value)
        if found is None:
            continue
        parts = found.groupdict()
        if parts.get("mname") is not None:
            month = _MONTHS.get(parts["mname"].lower())
            if month is None:
                return None, UNKNOWN
        else:
            month = int(parts["m"])
        day = int(parts["d"]) if parts.get("d") is not None else 1
        if month_first and pattern is _DAY_FIRST_NUMERALS:
            day, month = month, day
        year = int(parts["y"])
        if year < 1900:
            return None, UNKNOWN
        return date(year, month, day), precision  # ValueError for an impossible date
    return None, UNKNOWN


def _from_datetime(value: str) -> date:
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        return when.date()  # Hong Kong local time as written
    return when.astimezone(HK_TZ).date()


def hk_date_of(when: datetime) -> date:
    """Hong Kong calendar date of an aware instant (a naive one is taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(HK_TZ).date()
