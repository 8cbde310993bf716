"""Find money amounts and job figures in English and Chinese announcement text.

``extract(text)`` returns every amount ("HK$6.9 billion (US$883.5 million)", "約500億港元",
"US$1-2 billion") and every job figure ("more than 700 jobs", "4,000多個職位") with character
offsets into the original text, the ISO currency, the value in whole units, the qualifier
(over, about, at least, ...) or the range, a second currency stated in the same phrase, and a
phasing period ("over the next five years", "未來五年").

Pure standard library; regexes are compiled once. Matching runs on a per-character NFKC copy of
the text (full-width digits and commas become ASCII) whose offsets equal the original's, so
every span can be sliced straight out of the input.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flows.transforms.extract_patterns import (
    _BARE,
    _CONVERSION_OPEN_RE,
    _CURRENCY_SIGN_RE,
    _CURRENCY_WORD_RE,
    _FOLDS_TO_ASCII_RE,
    _FROM_BEFORE_RE,
    _HIRING_WORDS,
    _JOB_HINT_CN_RE,
    _JOB_HINT_EN_RE,
    _JOBS_CN_ROUND_RE,
    _JOBS_CN_SCAN,
    _JOBS_CN_VERB_RE,
    _JOBS_EN_SCAN,
    _JOBS_EN_VERB_RE,
    _LOOKBACK,
    _MONEY_RE,
    _MONEY_SCAN,
    _NUMBER_START_RE,
    _PAREN_CLOSE_RE,
    _PERIOD_AFTER,
    _PERIOD_BEFORE,
    _PERIOD_HINT_RE,
    _PERIOD_RE,
    _QUALIFIER_OF,
    _ROUND_CN,
    _SENTENCE_END_RE,
    _SPACES_RE,
    _UNSUPPORTED,
    _WORD_NUM,
    _as_float,
    _cn_int,
    _currency_token,
    _finditer,
    _normalise,
    _number,
    _plausible,
    _resolve,
    _scale,
    _search,
)

__all__ = ["AlsoStated", "Amount", "Extraction", "Jobs", "extract"]

CURRENCIES = frozenset({"HKD", "USD", "CNY", "EUR", "JPY", "GBP"})
QUALIFIERS = ("exact", "over", "about", "at_least", "up_to", "nearly", "range")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class AlsoStated:
    """The same amount given in a second currency, e.g. the "(US$883.5 million)"."""

    currency: str
    value: float | None


@dataclass(frozen=True)
class Amount:
    """A money amount; ``value`` is None for a range, which sets ``low`` and ``high``."""

    text: str
    start: int
    end: int
    currency: str
    value: float | None
    low: float | None
    high: float | None
    qualifier: str
    also_stated: tuple[AlsoStated, ...]
    period_years: int | None


@dataclass(frozen=True)
class Jobs:
    """A count of jobs, posts or research staff; ``value`` is None for a range."""

    text: str
    start: int
    end: int
    value: int | None
    low: int | None
    high: int | None
    qualifier: str


@dataclass(frozen=True)
class Extraction:
    """Everything found in one text, in order of appearance."""

    amounts: tuple[Amount, ...]
    jobs: tuple[Jobs, ...]

    def to_json_dict(self) -> dict[str, Any]:
        """Plain dict for ``json.dumps`` (the shape ``hkam extract --json`` prints)."""
        return {
            "amounts": [
                {
                    "text": a.text,
                    "start": a.start,
                    "end": a.end,
                    "currency": a.currency,
                    "value": a.value,
                    "low": a.low,
                    "high": a.high,
                    "qualifier": a.qualifier,
                    "also_stated": [
                        {"currency": s.currency, "value": s.value} for s in a.also_stated
                    ],
                    "period_years": a.period_years,
                }
                for a in self.amounts
            ],
            "jobs": [
                {
                    "text": j.text,
                    "start": j.start,
                    "end": j.end,
                    "value": j.value,
                    "low": j.low,
                    "high": j.high,
                    "qualifier": j.qualifier,
                }
                for j in self.jobs
            ],
        }


# --------------------------------------------------------------------------- amounts


@dataclass(frozen=True)
class _Part:
    """One side of a matched amount, before ranges are decided."""

    value: Decimal
    scaled: bool
    currency: str | None
    bare_dollar: bool
    mid: str | None
    end: int


def _part(m: re.Match[str], i: str) -> _Part | None:
    """Read side ``i`` ("1" or "2") of a money match."""
    if m.group(f"n{i}") is None:
        return None
    try:
        number = _number(m.group(f"n{i}"))
    except (InvalidOperation, KeyError, ValueError):
        return None
    scale_text = m.group(f"s{i}")
    value = number * _scale(scale_text)
    if remainder := m.group(f"r{i}"):
        digits = remainder.rstrip("千百萬万")
        value += Decimal(digits) * _scale(remainder[len(digits) :])
    token = _currency_token(m.group(f"cp{i}"), m.group(f"cs{i}"))
    groups = ("n", "m", "s", "r", "cs")
    end = max(m.end(f"{g}{i}") for g in groups if m.group(f"{g}{i}") is not None)
    return _Part(
        value=value,
        scaled=bool(scale_text),
        currency=token,
        bare_dollar=token == _BARE,
        mid=m.group(f"m{i}"),
        end=end,
    )


def _qualifier(m: re.Match[str], mid: str | None, post: str | None) -> str:
    """Qualifier code from the words before, inside ("4000多") or after ("以上") the number."""
    for word in (m.group("q"), mid, post):
        if word:
            return _QUALIFIER_OF.get(_SPACES_RE.sub(" ", word.strip()).lower(), "exact")
    return "exact"


def _is_change_not_range(norm: str, start: int) -> bool:
    """True for "rose from X to Y" (two amounts) rather than "ranging from X to Y"."""
    found = _FROM_BEFORE_RE.search(norm, max(0, start - 30), start)
    return found is not None and found.group("rng") is None


def _range_parts(m: re.Match[str], norm: str) -> tuple[_Part, _Part | None]:
    """Both sides when they form a valid range, else the first side alone."""
    first = _part(m, "1")
    second = _part(m, "2")
    assert first is not None  # n1 is not optional in the pattern
    if second is None:
        return first, None
    if first.scaled and not second.scaled and second.currency is None:
        return first, None  # "HK$5 billion to 2027": the second number is something else
    if not first.scaled and second.scaled:  # "US$1-2 billion", "10至20億港元"
        scale = _scale(m.group("s2"))
        first = dataclasses.replace(first, value=first.value * scale, scaled=True)
    currencies = {c for c in (first.currency, second.currency) if c is not None}
    if len(currencies) > 1 or first.value >= second.value:
        return first, None
    if m.group("sep").strip() == "to" and _is_change_not_range(norm, m.start()):
        return first, None
    return first, second


@dataclass(frozen=True)
class _Parsed:
    """A money match read into numbers; ``token`` may still be ``_BARE`` or ``_UNSUPPORTED``."""

    token: str
    value: Decimal | None
    low: Decimal | None
    high: Decimal | None
    qualifier: str


def _amount_at(m: re.Match[str], norm: str) -> tuple[int, _Parsed | None]:
    """Where the amount ends and what it says; None when the number carries no currency."""
    first, second = _range_parts(m, norm)
    if second is None:
        end = first.end
        post = None
        if m.group("post") and m.group("n2") is None:  # a "post" after a dropped range is not ours
            end, post = m.end("post"), m.group("post")
        if first.currency is None:
            return m.end("n1"), None
        qualifier = "exact" if m.group("btw") else _qualifier(m, first.mid, post)
        return end, _Parsed(first.currency, first.value, None, None, qualifier)
    token = first.currency or second.currency
    end = max(second.end, m.end("post"))
    if token is None:
        return m.end("n1"), None
    return end, _Parsed(token, None, first.value, second.value, "range")


def _also_stated(
    norm: str, pos: int, currency: str, dollar: str
) -> tuple[int, tuple[AlsoStated, ...]]:
    """A conversion right after an amount: "(US$883.5 million)", ", or about US$883 million"."""
    opened = _CONVERSION_OPEN_RE.match(norm, pos)
    inner = _MONEY_RE.match(norm, opened.end()) if opened else None
    if opened is None or inner is None:
        return pos, ()
    end, parsed = _amount_at(inner, norm)
    if parsed is None:
        return pos, ()
    bare = parsed.token == _BARE
    if opened.group("paren") is not None:
        closed = _PAREN_CLOSE_RE.match(norm, end)
        if closed is None:
            return pos, ()
        end = closed.end()
    elif bare or parsed.token == currency:
        return pos, ()  # "HK$1 billion or HK$2 billion" are two amounts, not a conversion
    # China Daily style "HK$6.9 billion ($882 million)": a bare $ converting HK$ means US$.
    other = "USD" if bare and currency != "USD" else _resolve(parsed.token, dollar)
    if other is None or other in (_UNSUPPORTED, currency) or not _plausible(parsed.value):
        return end, ()  # consumed, so "(約1958億元新台幣)" is not read as a second amount
    value = None if parsed.value is None else _as_float(parsed.value)
    return end, (AlsoStated(other, value),)


def _sentence_window(norm: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the text around [start, end) that stays within the same sentence."""
    lo = max(0, start - _PERIOD_BEFORE)
    for found in _SENTENCE_END_RE.finditer(norm, lo, start):
        lo = found.end()
    hi = min(len(norm), end + _PERIOD_AFTER)
    stop = _SENTENCE_END_RE.search(norm, end, hi)
    return lo, stop.start() if stop else hi


def _period_number(m: re.Match[str]) -> int | None:
    """Years from a period match ("five", "5", "五", "decade")."""
    if m.group("decade"):
        return 10
    token = m.group("n") or m.group("n2") or m.group("n3")
    if token is None:
        return None
    if token.lower() in _WORD_NUM:
        return _WORD_NUM[token.lower()]
    years = int(token) if token.isdigit() else _cn_int(token)
    return years if 0 < years <= 50 else None


def _period_years(norm: str, start: int, end: int) -> int | None:
    """Phasing period stated next to an amount: after it first, else before it."""
    lo, hi = _sentence_window(norm, start, end)
    if _PERIOD_HINT_RE.search(norm, lo, hi) is None:
        return None
    after = _PERIOD_RE.search(norm, end, hi)
    if after is not None:
        return _period_number(after)
    before = [p for p in _PERIOD_RE.finditer(norm, lo, start) if p.end() <= start]
    return _period_number(before[-1]) if before else None


def _find_amounts(text: str, norm: str, dollar: str) -> list[Amount]:
    """Every money amount in ``norm``, left to right, none overlapping."""
    found: list[Amount] = []
    pos = 0
    for number in _NUMBER_START_RE.finditer(norm):
        if number.start() < pos:
            continue
        m = _search(_MONEY_SCAN, norm, max(pos, number.start() - _LOOKBACK))
        if m is None:
            break
        end, parsed = _amount_at(m, norm)
        pos = max(end, m.start() + 1)
        if parsed is None:
            continue
        currency = _resolve(parsed.token, dollar) or _UNSUPPORTED
        end, also = _also_stated(norm, end, currency, dollar)
        pos = max(pos, end)
        if currency == _UNSUPPORTED or not _plausible(parsed.value, parsed.low, parsed.high):
            continue
        start = m.start()
        found.append(
            Amount(
                text=text[start:end],
                start=start,
                end=end,
                currency=currency,
                value=None if parsed.value is None else _as_float(parsed.value),
                low=None if parsed.low is None else _as_float(parsed.low),
                high=None if parsed.high is None else _as_float(parsed.high),
                qualifier=parsed.qualifier,
                also_stated=also,
                period_years=_period_years(norm, start, end),
            )
        )
    return found


# --------------------------------------------------------------------------- jobs


def _job_count(number: str, scale: str | None) -> int | None:
    """Whole count from "4,000", "1.7" + "萬", "一萬"; None when it is not a sane count."""
    try:
        value = _number(number) * _scale(scale)
    except (InvalidOperation, KeyError, ValueError):
        return None
    # A whole, positive count below a billion; anything else is not a job figure.
    return int(value) if value == value.to_integral_value() and 0 < value < 10**9 else None


def _jobs_from(m: re.Match[str], text: str, span: tuple[int, int]) -> Jobs | None:
    """Build a Jobs record from any of the job patterns."""
    start, end = span
    group = m.groupdict().get  # None for a group the pattern lacks, as for one that missed
    scale = group("s1")
    n1 = m.group("n1")
    low = _ROUND_CN[n1] if n1 in _ROUND_CN else _job_count(n1, scale)
    n2 = group("n2")
    if n2 is not None:
        high = _job_count(n2, group("s2") or scale)
        if low is None or high is None or low >= high:
            return None
        return Jobs(text[start:end], start, end, None, low, high, "range")
    if low is None:
        return None
    post = group("post2") or group("post")
    qualifier = _qualifier(m, group("m1"), post) if not group("btw") else "exact"
    return Jobs(text[start:end], start, end, low, None, None, qualifier)


def _find_jobs(
    text: str, norm: str, taken: list[tuple[int, int]], english: bool, hiring: bool
) -> list[Jobs]:
    """Every job figure not inside a money span, left to right, none overlapping."""
    candidates: list[Jobs] = []
    chinese = not norm.isascii() and _JOB_HINT_CN_RE.search(norm) is not None
    for found, span in (
        (_finditer(_JOBS_EN_SCAN, norm) if english else (), 0),
        (_JOBS_EN_VERB_RE.finditer(norm) if hiring else (), "body"),
        (_finditer(_JOBS_CN_SCAN, norm) if chinese else (), 0),
        (_JOBS_CN_VERB_RE.finditer(norm) if chinese else (), "body"),
        (_JOBS_CN_ROUND_RE.finditer(norm) if chinese else (), 0),
    ):
        for m in found:
            job = _jobs_from(m, text, m.span(span))
            if job is not None:
                candidates.append(job)
    kept: list[Jobs] = []
    for job in sorted(candidates, key=lambda j: (j.start, -(j.end - j.start))):
        if any(job.start < e and s < job.end for s, e in taken):
            continue
        taken.append((job.start, job.end))
        kept.append(job)
    return kept


# --------------------------------------------------------------------------- entry point


def _keywords(norm: str) -> tuple[bool, bool, bool]:
    """Whether the text can hold an amount, an English job figure, a hiring verb."""
    low = norm.lower()
    folds = _FOLDS_TO_ASCII_RE.search(norm) is not None
    money = folds or bool(_CURRENCY_SIGN_RE.search(norm) or _CURRENCY_WORD_RE.search(low))
    english = folds or _JOB_HINT_EN_RE.search(low) is not None
    hiring = english and (folds or any(verb in low for verb in _HIRING_WORDS))
    return money, english, hiring


def extract(text: str, dollar: str = "HKD") -> Extraction:
    """Money amounts and job figures in ``text``; bare "$"/"元" mean ``dollar`` (default HKD)."""
    if not isinstance(dollar, str) or dollar.upper() not in CURRENCIES:
        raise ValueError(
            f"unknown dollar currency {dollar!r}; expected one of {sorted(CURRENCIES)}"
        )
    dollar = dollar.upper()
    if not isinstance(text, str) or not text:
        return Extraction((), ())
    norm = _normalise(text)
    if _NUMBER_START_RE.search(norm) is None and _JOBS_CN_ROUND_RE.search(norm) is None:
        return Extraction((), ())
    money, english, hiring = _keywords(norm)
    amounts = _find_amounts(text, norm, dollar) if money else []
    jobs = _find_jobs(text, norm, [(a.start, a.end) for a in amounts], english, hiring)
    return Extraction(tuple(amounts), tuple(jobs))
