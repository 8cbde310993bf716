"""Tests for the amount and jobs extractor (flows.transforms.extract)."""

from __future__ import annotations

import csv
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.transforms import extract as extract_module
from flows.transforms import extract_patterns as patterns
from flows.transforms.extract import CURRENCIES, QUALIFIERS, Amount, Extraction, Jobs, extract

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "extract_phrasings.csv"
AMOUNT_KEYS = ("currency", "value", "low", "high", "qualifier", "also_stated", "period_years")
JOB_KEYS = ("value", "low", "high", "qualifier")

PROPERTY = settings(
    max_examples=10_000,
    deadline=None,
    database=None,  # keep .hypothesis/ out of the repo
    suppress_health_check=[HealthCheck.too_slow],
)


# --------------------------------------------------------------------------- acceptance


def test_acceptance_case() -> None:
    result = extract(
        "J2 Semiconductor will invest HK$6.9 billion (US$883.5 million) "
        "and create more than 700 jobs"
    )
    assert len(result.amounts) == 1
    amount = result.amounts[0]
    assert (amount.currency, amount.value, amount.qualifier) == ("HKD", 6_900_000_000, "exact")
    assert [(s.currency, s.value) for s in amount.also_stated] == [("USD", 883_500_000)]
    assert amount.text == "HK$6.9 billion (US$883.5 million)"
    assert len(result.jobs) == 1
    assert (result.jobs[0].value, result.jobs[0].qualifier) == (700, "over")
    assert result.jobs[0].text == "more than 700 jobs"


def test_json_shape() -> None:
    data = extract("invest about HK$3 billion over the next five years, creating 100 jobs")
    payload = json.loads(json.dumps(data.to_json_dict()))
    assert list(payload) == ["amounts", "jobs"]
    assert list(payload["amounts"][0]) == [
        "text", "start", "end", "currency", "value", "low", "high", "qualifier",
        "also_stated", "period_years",
    ]  # fmt: skip
    assert list(payload["jobs"][0]) == ["text", "start", "end", "value", "low", "high", "qualifier"]
    assert payload["amounts"][0]["period_years"] == 5
    assert payload["amounts"][0]["qualifier"] == "about"


def test_dollar_argument() -> None:
    assert extract("$5 million").amounts[0].currency == "HKD"
    assert extract("$5 million", dollar="USD").amounts[0].currency == "USD"
    assert extract("投資5億元", dollar="CNY").amounts[0].currency == "CNY"
    with pytest.raises(ValueError):
        extract("$5 million", dollar="XYZ")
    with pytest.raises(ValueError):
        extract("", dollar="NTD")


def test_offsets_survive_length_changing_characters() -> None:
    # "ﬁ" and "㍿" expand under NFKC; offsets must still point into the original text.
    text = "ﬁ㍿ 約５００億港元，創造４，０００多個職位"
    result = extract(text)
    assert [a.text for a in result.amounts] == ["約５００億港元"]
    assert result.amounts[0].value == 50_000_000_000
    assert [j.text for j in result.jobs] == ["４，０００多個職位"]
    spans: list[Amount | Jobs] = [*result.amounts, *result.jobs]
    for span in spans:
        assert text[span.start : span.end] == span.text


# --------------------------------------------------------------------------- real phrasings


@dataclass(frozen=True)
class Phrasing:
    kind: str
    lang: str
    text: str
    expected: dict[str, Any]
    source_url: str


def _load_phrasings() -> list[Phrasing]:
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        return [
            Phrasing(
                r["kind"], r["lang"], r["text"], json.loads(r["expected_json"]), r["source_url"]
            )
            for r in csv.DictReader(handle)
        ]


PHRASINGS = _load_phrasings()


def _project(result: Extraction) -> dict[str, Any]:
    """The parts of the JSON the fixture pins down (offsets are checked separately)."""
    data = result.to_json_dict()
    return {
        "amounts": [{k: a[k] for k in AMOUNT_KEYS} for a in data["amounts"]],
        "jobs": [{k: j[k] for k in JOB_KEYS} for j in data["jobs"]],
    }


def test_fixture_has_enough_real_phrasings() -> None:
    real = [p for p in PHRASINGS if p.kind == "real"]
    assert len(real) >= 60
    assert sum(p.lang.startswith("zh") for p in real) >= 20
    assert all(p.source_url.startswith("http") for p in real)
    assert any(not p.expected["amounts"] and not p.expected["jobs"] for p in real)  # negatives


@pytest.mark.parametrize(
    "phrasing", PHRASINGS, ids=[f"{p.kind}-{i:02d}" for i, p in enumerate(PHRASINGS)]
)
def test_phrasing(phrasing: Phrasing) -> None:
    result = extract(phrasing.text)
    assert _project(result) == phrasing.expected, phrasing.source_url
    spans: list[Amount | Jobs] = [*result.amounts, *result.jobs]
    for span in spans:
        assert phrasing.text[span.start : span.end] == span.text


# --------------------------------------------------------------------------- generated phrasings

EN_QUALIFIERS = [
    ("", "exact"), ("over ", "over"), ("more than ", "over"), ("above ", "over"),
    ("exceeding ", "over"), ("about ", "about"), ("around ", "about"),
    ("approximately ", "about"), ("some ", "about"), ("at least ", "at_least"),
    ("no less than ", "at_least"), ("not less than ", "at_least"), ("up to ", "up_to"),
    ("nearly ", "nearly"), ("almost ", "nearly"), ("close to ", "nearly"),
]  # fmt: skip
EN_SCALES = [
    ("", 1), (" thousand", 10**3), (" million", 10**6), ("m", 10**6), (" mn", 10**6),
    ("mn", 10**6), (" billion", 10**9), ("bn", 10**9), (" bn", 10**9), ("b", 10**9),
]  # fmt: skip
EN_PREFIXES = [
    ("HK$", "HKD"), ("US$", "USD"), ("$", "HKD"), ("HKD ", "HKD"), ("HKD", "HKD"),
    ("USD ", "USD"), ("RMB ", "CNY"), ("RMB", "CNY"), ("€", "EUR"), ("£", "GBP"),
    ("EUR ", "EUR"), ("ＨＫ＄", "HKD"),
]  # fmt: skip
EN_SUFFIXES = [
    (" yuan", "CNY"), (" euros", "EUR"), (" US dollars", "USD"), (" Hong Kong dollars", "HKD"),
    (" HKD", "HKD"), (" yen", "JPY"), (" GBP", "GBP"),
]  # fmt: skip
EN_PERIODS = [
    ("", None), (" over the next five years", 5), (" over five years", 5),
    (" in the coming three years", 3), (" within 10 years", 10), (" over the next decade", 10),
]  # fmt: skip
ZH_QUALIFIERS = [
    ("", "exact"), ("超過", "over"), ("超过", "over"), ("逾", "over"), ("多於", "over"),
    ("約", "about"), ("约", "about"), ("至少", "at_least"), ("不少於", "at_least"),
    ("不少于", "at_least"), ("近", "nearly"), ("接近", "nearly"), ("最多", "up_to"),
]  # fmt: skip
ZH_POSTFIXES = [("以上", "over"), ("左右", "about")]
ZH_SCALES = [
    ("", 1), ("萬", 10**4), ("万", 10**4), ("億", 10**8), ("亿", 10**8), ("百萬", 10**6),
    ("百万", 10**6), ("千萬", 10**7), ("千万", 10**7),
]  # fmt: skip
ZH_CURRENCIES = [
    ("", "港元", "HKD"), ("", "港幣", "HKD"), ("", "港币", "HKD"), ("", "美元", "USD"),
    ("", "人民幣", "CNY"), ("", "人民币", "CNY"), ("", "元", "HKD"), ("", "元人民幣", "CNY"),
    ("", "歐元", "EUR"), ("", "英鎊", "GBP"), ("", "日圓", "JPY"), ("", "日元", "JPY"),
    ("港幣", "元", "HKD"), ("人民幣", "元", "CNY"), ("美元", "", "USD"),
]  # fmt: skip
ZH_PERIODS = [("", None), ("未來五年", 5), ("未来3年", 3), ("於十年內", 10)]
EN_JOB_NOUNS = [
    "jobs", "posts", "positions", "employees", "job opportunities", "R&D staff",
    "research talents", "R&D personnel", "new jobs", "high-quality jobs",
]  # fmt: skip
ZH_JOB_NOUNS = ["職位", "职位", "就業機會", "工作崗位", "工作岗位", "研發人員", "研发人员", "員工"]
ZH_CLASSIFIERS = ["個", "个", "名", ""]

# Filler never holds digits, numerals, currency or qualifier words; a separator keeps it
# from touching the phrase, so the phrase alone decides the expected result.
EN_WORDS = ["the", "company", "said", "it", "will", "build", "a", "new", "plant", "at", "Science",
            "Park", "for", "research"]  # fmt: skip
ZH_WORDS = ["公司", "在香港", "發展業務", "研究中心", "計劃", "政府", "創科企業", "落戶", "科學園"]
EN_FILLERS = ["", *(" ".join(EN_WORDS[i : i + n]) for n in (1, 3, 6) for i in range(0, 8))]
ZH_FILLERS = ["", *("".join(ZH_WORDS[i : i + n]) for n in (1, 2, 4) for i in range(0, 5))]
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
# (decimals, thousands separator, full-width digits)
NUMBER_FORMS = list(itertools.product(["", "5", "25", "9"], [True, False], [False, True]))
WHOLE = st.integers(min_value=1, max_value=999_999)


def pick_one_of_each(*options: Sequence[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    """One draw choosing an element of every list (decoded from an index into the product).

    A single draw per example keeps 10,000 examples fast; shrinking goes towards the first
    element of every list, which holds the simplest form.
    """
    total = math.prod(len(o) for o in options)

    def decode(index: int) -> tuple[Any, ...]:
        picked = []
        for choices in options:
            index, i = divmod(index, len(choices))
            picked.append(choices[i])
        return tuple(picked)

    return st.integers(min_value=0, max_value=total - 1).map(decode)


def write_number(whole: int, form: tuple[str, bool, bool]) -> tuple[str, Decimal]:
    """A positive number as written ("4,000", "6.9", "１２，５００") and its value."""
    frac, separators, full_width = form
    text = f"{whole:,}" if separators else str(whole)
    value = Decimal(whole)
    if frac:
        text, value = f"{text}.{frac}", Decimal(f"{whole}.{frac}")
    return (text.translate(FULL_WIDTH) if full_width else text), value


@dataclass(frozen=True)
class Case:
    text: str
    currency: str | None
    value: Decimal
    qualifier: str
    period: int | None = None


EN_CURRENCIES = [("prefix", *c) for c in EN_PREFIXES] + [("suffix", *c) for c in EN_SUFFIXES]


def _english_amount(args: tuple[tuple[Any, ...], int]) -> Case:
    """Assemble an English amount phrase inside filler."""
    (qualifier, scale, currency, period, before, after, form), whole = args
    (qual, code), (scale_text, factor), (side, cur_text, cur_code) = qualifier, scale, currency
    number, value = write_number(whole, form)
    if side == "prefix":
        phrase = f"{qual}{cur_text}{number}{scale_text}"
    else:
        phrase = f"{qual}{number}{scale_text}{cur_text}"
    text = f"{before}; will commit {phrase}{period[0]} in Hong Kong. {after}"
    return Case(text, cur_code, value * factor, code, period[1])


def _chinese_amount(args: tuple[tuple[Any, ...], int]) -> Case:
    """Assemble a Chinese amount phrase, with prefix or postfix qualifiers, inside filler."""
    (qualifier, postfix, scale, currency, period, before, after, form), whole = args
    (qual, code), (scale_text, factor), (prefix, suffix, cur_code) = qualifier, scale, currency
    number, value = write_number(whole, form)
    mid = post = ""
    if not qual and postfix[0] == "多":  # "4000多萬元"
        mid, code = postfix
    elif not qual and postfix[0]:  # "30億元以上", "5億元左右"
        post, code = postfix
    phrase = f"{period[0]}{qual}{prefix}{number}{mid}{scale_text}{suffix}{post}"
    text = f"{before}，將投資{phrase}，用於研發。{after}"
    return Case(text, cur_code, value * factor, code, period[1])


def _english_job(args: tuple[tuple[Any, ...], int]) -> Case:
    """Assemble an English jobs phrase inside filler."""
    ((qual, code), noun, verb, before, after, form), whole = args
    number, value = write_number(whole, ("", *form))
    return Case(f"{before}. {verb}{qual}{number} {noun} in Hong Kong. {after}", None, value, code)


def _chinese_job(args: tuple[tuple[Any, ...], int]) -> Case:
    """Assemble a Chinese jobs phrase inside filler."""
    ((qual, code), (scale, factor), many, classifier, noun, before, after, form), whole = args
    number, value = write_number(whole, ("", *form))
    mid = ""
    if not qual and many:  # "4,000多個職位"
        mid, code = "多", "over"
    text = f"{before}，創造{qual}{number}{scale}{mid}{classifier}{noun}，用於研發。{after}"
    return Case(text, None, value * factor, code)


NO_DECIMALS = list(itertools.product([True, False], [False, True]))
english_amounts = st.tuples(
    pick_one_of_each(
        EN_QUALIFIERS, EN_SCALES, EN_CURRENCIES, EN_PERIODS, EN_FILLERS, EN_FILLERS, NUMBER_FORMS
    ),
    WHOLE,
).map(_english_amount)
chinese_amounts = st.tuples(
    pick_one_of_each(
        ZH_QUALIFIERS,
        [("", ""), ("多", "over"), *ZH_POSTFIXES],
        ZH_SCALES,
        ZH_CURRENCIES,
        ZH_PERIODS,
        ZH_FILLERS,
        ZH_FILLERS,
        NUMBER_FORMS,
    ),
    WHOLE,
).map(_chinese_amount)
english_jobs = st.tuples(
    pick_one_of_each(
        EN_QUALIFIERS, EN_JOB_NOUNS, ["", "create ", "hire "], EN_FILLERS, EN_FILLERS, NO_DECIMALS
    ),
    WHOLE,
).map(_english_job)
chinese_jobs = st.tuples(
    pick_one_of_each(
        ZH_QUALIFIERS,
        [("", 1), ("萬", 10_000), ("万", 10_000)],
        [False, True],
        ZH_CLASSIFIERS,
        ZH_JOB_NOUNS,
        ZH_FILLERS,
        ZH_FILLERS,
        NO_DECIMALS,
    ),
    st.integers(min_value=1, max_value=99_999),  # x 萬 stays below the 10**9 sanity cap
).map(_chinese_job)


@PROPERTY
@given(st.one_of(english_amounts, chinese_amounts))
def test_generated_amounts_round_trip(case: Case) -> None:
    result = extract(case.text)
    assert len(result.amounts) == 1, case.text
    amount = result.amounts[0]
    assert amount.currency == case.currency, case.text
    assert amount.value == float(case.value), case.text
    assert amount.qualifier == case.qualifier, case.text
    assert amount.period_years == case.period, case.text
    assert case.text[amount.start : amount.end] == amount.text
    assert result.jobs == ()


@PROPERTY
@given(st.one_of(english_jobs, chinese_jobs))
def test_generated_jobs_round_trip(case: Case) -> None:
    result = extract(case.text)
    assert result.amounts == (), case.text
    assert [(j.value, j.qualifier) for j in result.jobs] == [(int(case.value), case.qualifier)]
    job = result.jobs[0]
    assert case.text[job.start : job.end] == job.text


# Characters that make the patterns work hard: digits in both widths, separators, currency,
# scale and qualifier characters, brackets and dashes.
TRICKY_TOKENS = [
    *"0123456789０１２９,，.．$＄€£¥ -–~()（）至到多餘以上約逾近萬億千百十一二兩元港美",
    "HK$", "US$", "billion", "m", "bn", " jobs", "個職位", "名研發人員", "人民幣", "over ",
    "between ", " and ", " to ", "未來五年", "ﬁ", "㍿", "\n", "人", "聘用",
]  # fmt: skip
TRICKY = st.lists(st.sampled_from(TRICKY_TOKENS), max_size=40).map("".join)


@PROPERTY
@given(st.one_of(st.text(), TRICKY))
def test_arbitrary_text_never_raises_and_spans_hold(text: str) -> None:
    result = extract(text)
    for amount in result.amounts:
        assert text[amount.start : amount.end] == amount.text
        assert amount.currency in CURRENCIES
        assert amount.qualifier in QUALIFIERS
        if amount.qualifier == "range":
            assert amount.value is None
            assert amount.low is not None and amount.high is not None
            assert amount.low < amount.high
        else:
            assert amount.value is not None and math.isfinite(amount.value)
        for other in amount.also_stated:
            assert other.currency in CURRENCIES and other.currency != amount.currency
    for job in result.jobs:
        assert text[job.start : job.end] == job.text
        assert job.qualifier in QUALIFIERS
        assert (job.value or 0) >= 0
    spans = sorted(
        [(a.start, a.end) for a in result.amounts] + [(j.start, j.end) for j in result.jobs]
    )
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))


# --------------------------------------------------------------------------- scanning
# The amount and job patterns are only tried near numbers (extract._search); that must find
# exactly what Python's own scan finds, wherever the lead-in words and spaces fall.

SCAN_TOKENS = [
    *TRICKY_TOKENS, "no fewer than ", "not  less\tthan  ", "in excess of\n", "a maximum of ",
    "approx. ", "U.S.$", "HKD ", "€", "約", "超過 ", "介乎", "至", "-", "1,234", "4 100", "A320 ",
    "x5", "between\u3000", "ſome ", "ıN EXCESS OF ", "  ", "high-quality ", "R&D ", "staff",
    "hire ", "employing ", "recruit\u00a0", "people", "6 009", "82\u2009600", " 500", "個職位",
    "聘用", "人",
]  # fmt: skip
SCAN_TEXTS = st.lists(st.sampled_from(SCAN_TOKENS), max_size=30).map("".join)
SCANS = [patterns._MONEY_SCAN, patterns._JOBS_EN_SCAN, patterns._JOBS_CN_SCAN]


def spans(matches: Any) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
    return [(m.span(), m.groupdict()) for m in matches]


@settings(max_examples=1_500, deadline=None, database=None)
@given(st.one_of(SCAN_TEXTS, st.sampled_from([p.text for p in PHRASINGS])))
def test_scans_find_what_the_patterns_find(text: str) -> None:
    norm = patterns._normalise(text)
    # The keyword pre-filters only skip patterns that cannot match.
    money, english, hiring = extract_module._keywords(norm)
    assert money or not extract_module._find_amounts(text, norm, "HKD")
    assert english or not patterns._JOBS_EN_RE.search(norm)
    assert hiring or not patterns._JOBS_EN_VERB_RE.search(norm)
    for scan in SCANS:
        assert spans(patterns._finditer(scan, norm)) == spans(scan.pattern.finditer(norm))
        for start in range(0, len(norm) + 1, 3):
            expected = scan.pattern.search(norm, start)
            found = patterns._search(scan, norm, start)
            assert spans([found] if found else []) == spans([expected] if expected else [])


# TEST VALUES: phrasings made for these tests in the form of Hong Kong government Chinese
# releases, which group thousands with a space or thin space (the real quote "就業人數約82 600人"
# is in ../shared/reference/macro_more.csv).
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("項目預計創造6 009個就業職位。", 6009),
        ("項目預計創造6\u2009009個就業職位。", 6009),  # thin space
        ("項目預計創造6\u202f009個職位。", 6009),  # narrow no-break space
        ("項目預計創造6\u00a0009個職位。", 6009),  # no-break space
        ("公司將聘用約82 600人。", 82600),
        ("創造超過1 234 567個職位", 1234567),
        ("創造12 345個職位", 12345),
    ],
)
def test_chinese_numbers_with_a_space_between_thousands(text: str, value: int) -> None:
    [jobs] = extract(text).jobs
    assert jobs.value == value, jobs


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("2023 年 5 月創造300個職位", [300]),  # a year, a month, then the count: never 20235
        ("第3 5 7個職位", [7]),  # single digits are not thousands groups
        ("2023 500個職位", [500]),  # a four-digit first group never joins
        ("12 3456個職位", [3456]),  # nor a group of four after the space
    ],
)
def test_separate_numbers_with_spaces_stay_apart(text: str, values: list[int]) -> None:
    assert [j.value for j in extract(text).jobs] == values


def test_lead_ins_fit_the_scan_bounds() -> None:
    # _JOBS_EN_SCAN allows three runs of whitespace before the number: two inside the longest
    # qualifier and the one after it (money adds one for the currency).
    assert max(len(word.split()) for word in patterns._QUALIFIER_OF) <= 3
    assert patterns._JOBS_EN_SCAN.spaces == 3 and patterns._MONEY_SCAN.spaces == 4
