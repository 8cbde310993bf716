"""Flag press releases that state investment, funding or jobs for advanced manufacturing.

A release is a candidate when one of its sentences holds both an amount or job figure (found
by ``flows.transforms.extract``) and a term that ties it to the drive: a park (Science Park,
InnoPark, Cyberport, the Loop), a scheme (NIAS, NIFS, RFS, ITF, OASES), an industry cluster
(semiconductors, new energy vehicles, life and health technology...), or a company that
invests, sets up or produces. Money in sentences without such a term (housing, welfare, tax,
road works) does not count. Pure Python and polars: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import polars as pl

from flows.frames import redo_where
from flows.transforms.extract import extract

__all__ = ["CLUSTERS", "OUTPUT_SCHEMA", "Candidate", "detect", "detect_frame"]

CLUSTERS = (
    "semiconductors_microelectronics",
    "nev_new_energy",
    "ai_robotics_automation",
    "life_health_tech",
    "advanced_materials_textiles",
    "smart_production_iot_3dprinting",
    "aerospace",
)
MULTIPLE = "multiple"

OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "release_id": pl.String(),
    "link_en": pl.String(),
    "link_zh": pl.String(),
    "published_date_hk": pl.Date(),
    "title_en": pl.String(),
    "title_zh": pl.String(),
    "evidence": pl.String(),
    "amounts_json": pl.String(),
    "jobs_json": pl.String(),
    "company_guess": pl.String(),
    "cluster_guess": pl.String(),
    "confidence": pl.Float64(),
}

# --------------------------------------------------------------------------- vocabulary
# Fragments are written to compile under both Python re and polars' Rust regex (no
# look-behind), because the frame-level prefilter runs them in Rust over whole columns.

_PARKS = [
    r"science\s+park", r"innopark", r"inno\s+park", r"industrial\s+estates?", r"cyberport",
    r"lok\s+ma\s+chau\s+loop", r"the\s+loop", r"hong\s+kong-shenzhen\s+(?:i&t|innovation)",
    r"hkstp", r"microelectronics\s+centre", r"advanced\s+manufacturing\s+centre",
    r"innohk", r"科學園", r"科学园", r"創新園", r"创新园", r"數碼港", r"数码港",
    r"河套", r"科技園", r"科技园", r"港深創新及科技園", r"微電子中心", r"微电子中心",
    r"先進製造業中心", r"先进制造业中心",
]  # fmt: skip
_SCHEMES = [
    r"\bnias\b", r"\bnifs\b", r"\brfs\b", r"\bitf\b", r"\boases\b",
    r"new\s+industriali[sz]ation\s+(?:acceleration|funding)\s+scheme",
    r"re-?industriali[sz]ation\s+funding\s+scheme", r"innovation\s+and\s+technology\s+fund",
    r"office\s+for\s+attracting\s+strategic\s+enterprises", r"strategic\s+enterprises?",
    r"i&t\s+industry-oriented\s+fund", r"co-investment\s+fund",
    r"新型工業加速計劃", r"新型工业加速计划", r"新型工業化資助計劃", r"新型工业化资助计划",
    r"再工業化資助計劃", r"再工业化资助计划", r"創新及科技基金", r"创新及科技基金",
    r"引進重點企業辦公室", r"引进重点企业办公室", r"重點企業", r"重点企业",
    r"加速計劃", r"加速计划", r"資助計劃", r"资助计划", r"創科產業引導基金",
]  # fmt: skip
_INDUSTRIES = [
    r"semiconductors?", r"microelectronics?", r"new\s+energy", r"electric\s+vehicles?",
    r"robotics?", r"life\s+and\s+health", r"biotech\w*", r"biopharma\w*",
    r"advanced\s+manufacturing", r"smart\s+production", r"new\s+industriali[sz]ation",
    r"artificial\s+intelligence", r"wafer\s+fab\w*", r"aerospace",
    r"半導體", r"半导体", r"微電子", r"微电子", r"新能源", r"機械人", r"机械人",
    r"機器人", r"机器人", r"生命健康", r"生物科技", r"先進製造", r"先进制造",
    r"智能生產", r"智能生产", r"新型工業化", r"新型工业化", r"人工智能", r"航天",
]  # fmt: skip
_COMPANY = [
    r"\bcompan(?:y|ies)\b", r"\benterprises?\b", r"\bfirms?\b", r"\bcorporations?\b",
    r"\blimited\b", r"\bltd\b", r"\bholdings\b",
    r"企業", r"企业", r"公司", r"集團", r"集团", r"廠商", r"厂商",
]  # fmt: skip
# A company sentence only counts when the company invests, builds or employs in it.
_INVEST_VERBS = [
    r"\binvest\w*", r"\bset(?:ting)?\s+up\b", r"\bestablish\w*", r"\bproduction\b",
    r"\bplant\b", r"\bfacilit(?:y|ies)\b", r"\bheadquarters\b", r"\bexpan\w*", r"\bhire\w*",
    r"\bjobs\b", r"投資", r"投资", r"設立", r"设立", r"落戶", r"落户", r"生產", r"生产",
    r"總部", r"总部", r"研發", r"研发", r"擴展", r"扩展", r"聘用", r"職位", r"职位",
]  # fmt: skip
# Titles of releases whose money is about something else: a hint, not a veto.
_OFF_TOPIC = [
    r"public\s+(?:rental\s+)?housing", r"\bprh\b", r"social\s+security", r"\bcssa\b",
    r"old\s+age", r"welfare", r"stamp\s+duty", r"rates\s+concession", r"salaries\s+tax",
    r"road\s+works", r"traffic", r"weather", r"\bcourt\b", r"appoint\w*",
    r"公屋", r"房屋", r"綜援", r"综援", r"長者", r"长者", r"福利", r"差餉", r"差饷",
    r"稅", r"税", r"道路工程", r"交通", r"天氣", r"天气", r"法庭", r"委任",
]  # fmt: skip

_CLUSTER_TERMS: dict[str, list[str]] = {
    "semiconductors_microelectronics": [
        r"semiconductors?",
        r"microelectronics?",
        r"\bchips?\b",
        r"wafers?",
        r"silicon\s+carbide",
        r"半導體",
        r"半导体",
        r"微電子",
        r"微电子",
        r"晶片",
        r"芯片",
        r"晶圓",
        r"晶圆",
    ],
    "nev_new_energy": [
        r"new\s+energy",
        r"electric\s+vehicles?",
        r"\bnevs?\b",
        r"batter(?:y|ies)",
        r"新能源",
        r"電動車",
        r"电动车",
        r"電池",
        r"电池",
    ],
    "ai_robotics_automation": [
        r"artificial\s+intelligence",
        r"\bai\b",
        r"robot\w*",
        r"automation",
        r"人工智能",
        r"機械人",
        r"机械人",
        r"機器人",
        r"机器人",
        r"自動化",
        r"自动化",
    ],
    "life_health_tech": [
        r"life\s+and\s+health",
        r"biotech\w*",
        r"pharma\w*",
        r"medic(?:al|ine)",
        r"radiopharmaceutical",
        r"生命健康",
        r"生物科技",
        r"醫藥",
        r"医药",
        r"藥品",
        r"药品",
        r"製藥",
        r"制药",
        r"藥物",
        r"药物",
    ],
    "advanced_materials_textiles": [
        r"advanced\s+materials?",
        r"new\s+materials?",
        r"textiles?",
        r"nanofib\w*",
        r"新材料",
        r"先進材料",
        r"先进材料",
        r"紡織",
        r"纺织",
        r"納米纖維",
        r"纳米纤维",
    ],
    "smart_production_iot_3dprinting": [
        r"smart\s+production",
        r"production\s+lines?",
        r"3d\s+printing",
        r"\biot\b",
        r"internet\s+of\s+things",
        r"智能生產",
        r"智能生产",
        r"生產線",
        r"生产线",
        r"3d打印",
    ],
    "aerospace": [r"aerospace", r"satellites?", r"\bspace\b", r"航天", r"衞星", r"卫星", r"太空"],
}


def _alternation(fragments: Iterable[str]) -> str:
    return "(?:" + "|".join(fragments) + ")"


_STRONG_SRC = _alternation([*_PARKS, *_SCHEMES, *_INDUSTRIES])
_COMPANY_SRC = _alternation(_COMPANY)
_INVEST_SRC = _alternation(_INVEST_VERBS)
# A figure needs a digit or Chinese numeral and a money or job word; sentences without both
# never reach the (slower) extractor.
_HINT_SRC = (
    r"(?:[$€£¥]|港元|港幣|美元|人民幣|人民币|億|亿|萬|万|元"
    r"|\b(?:billion|million|bn|mn|jobs?|posts|positions|employees|staff|talents?|researchers)\b"
    r"|職位|职位|崗位|岗位|人才|員工|员工|就業|就业|聘用)"
)
_NUMERAL_SRC = r"[0-9０-９〇零一二兩两三四五六七八九十百千]"


def _rust(source: str) -> str:
    """The same pattern for polars' Rust regex: ASCII word boundaries keep it on the fast DFA."""
    return source.replace(r"\b", r"(?-u:\b)").replace(r"\w", r"(?-u:\w)")


# Every flag pattern runs on lower-cased text, in Python with re.ASCII and in Rust with ASCII
# classes, so detect() and detect_frame() decide identically.
_FLAG_SOURCES = {
    "numeral": _NUMERAL_SRC,
    "hint": _HINT_SRC,
    "strong": _STRONG_SRC,
    "company": _COMPANY_SRC,
    "invest": _INVEST_SRC,
}
_FLAG_RES = {name: re.compile(src, re.ASCII) for name, src in _FLAG_SOURCES.items()}
_FLAG_RUST = {name: _rust(src) for name, src in _FLAG_SOURCES.items()}
_CONTEXT_SRC = _alternation([_STRONG_SRC, _COMPANY_SRC])
_CONTEXT_RE = re.compile(_CONTEXT_SRC, re.ASCII)
# Polars prefilter over whole lower-cased releases: some context term and some figure word.
PREFILTER_PATTERN = _rust(_CONTEXT_SRC)
_HINT_RUST = _rust(_HINT_SRC)
_STRONG_RE = _FLAG_RES["strong"]
_OFF_TOPIC_RE = re.compile(_alternation(_OFF_TOPIC), re.IGNORECASE)
_CLUSTER_RE = re.compile(
    "|".join(f"(?P<c{i}>{_alternation(_CLUSTER_TERMS[name])})" for i, name in enumerate(CLUSTERS)),
    re.ASCII,  # run on lower-cased text: a case-insensitive Unicode scan is several times slower
)
# Each cluster's terms alone, in Rust with every class ASCII (\s too), so that polars finds a
# term exactly where Python's _CLUSTER_RE could.
_CLUSTER_RUST = {
    name: _rust(_alternation(terms)).replace(r"\s", r"(?-u:\s)")
    for name, terms in _CLUSTER_TERMS.items()
}
# Every off-topic fragment starts with a literal word (after an optional \b), so a title whose
# lower-cased text holds none of these words cannot match _OFF_TOPIC_RE, unless it has one of
# the letters a case-insensitive pattern takes for a-z besides A-Z (İ ı ſ K).
_LEADING_WORD_RE = re.compile(r"(?:\\b)?([a-z]+|[^\x00-\x7f]+)")
_OFF_TOPIC_WORDS = tuple(
    found.group(1) for found in map(_LEADING_WORD_RE.match, _OFF_TOPIC) if found is not None
)
_FOLDS_TO_ASCII = "[\u0130\u0131\u017f\u212a]"
# Full stops end sentences; "6.9" and "Co. Ltd" do not (a full stop must precede a space and
# a capital or CJK character).
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[。；！？!?;])|\n+|(?<=\.)\s+(?=[A-Z(\"“\u4e00-\u9fff])")
# Its last branch for polars (no look-around): the full stop, the spaces and the capital.
# Python's \s also matches \x1c-\x1f, Rust's does not.
_STOP_SPACE_CAPITAL_RUST = r"(\.)([\s\x1c-\x1f]+)([A-Z(\"“\x{4e00}-\x{9fff}])"
# What str.strip() strips (str.isspace), written out: Rust's whitespace lacks \x1c-\x1f.
_PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_CUT = "\x00"  # marks sentence ends in polars (see _sentences)

_COMPANY_NAME_EN_RE = re.compile(
    r"\b((?:[A-Z][A-Za-z0-9&'’.-]*\s+){0,5}?[A-Z][A-Za-z0-9&'’-]*\s*"
    r"(?:\([A-Za-z ]+\)\s*)?(?:Co\.,?\s*Ltd\.?|Limited|Ltd\.?|Inc\.?|Group|Holdings|Corporation))"
)
_COMPANY_NAME_ZH_RE = re.compile(r"([\u4e00-\u9fff（）()]{2,24}?(?:有限公司|集團|集团))")
_ZH_LEADING_FUNCTION_RE = re.compile(r"^(?:.*?[由與与和及的向以在為为即])(?=[\u4e00-\u9fff]{2})")
# Public bodies are not the investing company.
_NOT_A_COMPANY_RE = re.compile(
    r"(?i)science\s+and\s+technology\s+parks\s+corporation|cyberport\s+management|"
    r"科技園公司|科技园公司|數碼港管理|数码港管理|the\s+group$"
)
_COMPANY_SUFFIXES = (
    "ltd", "limited", "inc", "group", "holdings", "corporation", "有限公司", "集團", "集团",
)  # fmt: skip
_EVIDENCE_SEPARATOR = " … "
_EVIDENCE_JOIN = "\n"  # how _assemble joins the title and evidence it scans
_MAX_EVIDENCE = 4


@dataclass(frozen=True)
class Candidate:
    """Why one language version of a release looks like an investment announcement."""

    lang: str
    evidence: tuple[str, ...]
    amounts: tuple[dict[str, Any], ...]
    jobs: tuple[dict[str, Any], ...]
    company_guess: str | None
    cluster_hits: tuple[str, ...]
    cluster_guess: str | None
    confidence: float


def split_sentences(text: str) -> list[str]:
    """Sentences of an English or Chinese text, stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_SPLIT_RE.split(text) if s and s.strip()]


Flags = tuple[bool, bool]  # (strong term, company that invests) for one sentence


def _sentence_flags(sentence: str) -> Flags | None:
    """Context flags of a sentence that may hold a figure; None when it cannot be evidence."""
    low = sentence.lower()
    if not (_FLAG_RES["numeral"].search(low) and _FLAG_RES["hint"].search(low)):
        return None
    strong = _FLAG_RES["strong"].search(low) is not None
    company = bool(_FLAG_RES["company"].search(low) and _FLAG_RES["invest"].search(low))
    return (strong, company) if strong or company else None


@lru_cache(maxsize=65_536)
def _figures(sentence: str) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    """Amounts and jobs in one sentence (cached: boilerplate sentences recur across releases)."""
    found = extract(sentence).to_json_dict()
    return tuple(found["amounts"]), tuple(found["jobs"])


def _clusters(texts: Sequence[str]) -> tuple[str, ...]:
    found = {m.lastgroup for m in _CLUSTER_RE.finditer("\n".join(texts).lower())}
    return tuple(name for i, name in enumerate(CLUSTERS) if f"c{i}" in found)


def cluster_of(hits: Sequence[str]) -> str | None:
    """The single cluster named, 'multiple' for several, None for none."""
    if not hits:
        return None
    return hits[0] if len(hits) == 1 else MULTIPLE


def guess_company(texts: Sequence[str], lang: str) -> str | None:
    """First company-looking name in the texts (a guess for the analyst, not an entity match)."""
    pattern = _COMPANY_NAME_ZH_RE if lang == "zh" else _COMPANY_NAME_EN_RE
    fallback = _COMPANY_NAME_EN_RE if lang == "zh" else _COMPANY_NAME_ZH_RE
    low = "\n".join(texts).lower()
    # The name patterns are slow; most texts hold no company suffix at all.
    if not any(suffix in low for suffix in _COMPANY_SUFFIXES):
        return None
    for regex in (pattern, fallback):
        for text in texts:
            for found in regex.finditer(text):
                name = found.group(1).strip(" ,.;:")
                if regex is _COMPANY_NAME_ZH_RE:
                    name = _ZH_LEADING_FUNCTION_RE.sub("", name)
                if len(name) >= 4 and not _NOT_A_COMPANY_RE.search(name):
                    return name
    return None


def _biggest(amounts: Iterable[dict[str, Any]]) -> float:
    """The largest amount stated (a range counts as its top), 0.0 for none."""
    return max((a["value"] or a["high"] or 0.0 for a in amounts), default=0.0)


def _confidence(strong: int, company: int, biggest: float, jobs: int, off_topic: bool) -> float:
    score = 0.45
    score += 0.2 if strong else 0.0
    score += 0.1 if company else 0.0
    score += 0.1 if biggest >= 1e8 else 0.0
    score += 0.1 if jobs else 0.0
    score += 0.05 * min(strong + company - 1, 2)
    score -= 0.25 if off_topic else 0.0
    return round(min(max(score, 0.05), 0.99), 2)


def agreed(confidence: float) -> float:
    """Both language versions agreeing is itself evidence."""
    return round(min(confidence + 0.05, 0.99), 2)


class _Evidence(NamedTuple):
    """The flagged sentences of one text in which the extractor finds figures."""

    sentences: tuple[str, ...]
    amounts: tuple[dict[str, Any], ...]  # each with "sentence": its index in sentences
    jobs: tuple[dict[str, Any], ...]
    strong: int  # sentences with a strong term
    company: int  # sentences with only an investing company


def _gather(flagged: Iterable[tuple[str, Flags]]) -> _Evidence | None:
    """Run the extractor on the flagged sentences; None when none of them holds a figure."""
    sentences: list[str] = []
    amounts: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    strong_n = company_n = 0
    for sentence, (strong, company) in flagged:
        found_amounts, found_jobs = _figures(sentence)
        if not found_amounts and not found_jobs:
            continue
        index = len(sentences)
        sentences.append(sentence)
        amounts.extend({**a, "sentence": index} for a in found_amounts)
        jobs.extend({**j, "sentence": index} for j in found_jobs)
        strong_n += int(strong)
        company_n += int(company and not strong)
    if not sentences:
        return None
    return _Evidence(tuple(sentences), tuple(amounts), tuple(jobs), strong_n, company_n)


def _off_topic(title: str) -> bool:
    """Whether the title is about housing, welfare, tax, roads... and names no strong term."""
    return bool(_OFF_TOPIC_RE.search(title)) and not _STRONG_RE.search(title.lower())


def _false_alarm(evidence: _Evidence, off_topic: bool) -> bool:
    """An off-topic title with a single, company-only sentence is the classic false alarm."""
    return off_topic and evidence.strong == 0 and len(evidence.sentences) < 2


def _candidate(
    lang: str,
    evidence: _Evidence,
    off_topic: bool,
    hits: tuple[str, ...],
    company_guess: str | None,
) -> Candidate:
    return Candidate(
        lang=lang,
        evidence=evidence.sentences,
        amounts=evidence.amounts,
        jobs=evidence.jobs,
        company_guess=company_guess,
        cluster_hits=hits,
        cluster_guess=cluster_of(hits),
        confidence=_confidence(
            evidence.strong,
            evidence.company,
            _biggest(evidence.amounts),
            len(evidence.jobs),
            off_topic,
        ),
    )


def _assemble(
    title: str, text: str, lang: str, flagged: Iterable[tuple[str, Flags]]
) -> Candidate | None:
    """Run the extractor on the flagged sentences and build the Candidate, if any."""
    evidence = _gather(flagged)
    if evidence is None:
        return None
    off_topic = _off_topic(title)
    if _false_alarm(evidence, off_topic):
        return None
    # Evidence sentences name the cluster and company best; the rest of the text is a fallback.
    hits = _clusters([title, *evidence.sentences]) or _clusters([text])
    company = guess_company([title, *evidence.sentences], lang) or guess_company([text], lang)
    return _candidate(lang, evidence, off_topic, hits, company)


def detect(title: str, text: str, lang: str) -> Candidate | None:
    """A Candidate if a sentence ties an amount or job figure to the drive; else None."""
    title, text = title or "", text or ""
    whole = f"{title}\n{text}".lower()
    if not (_CONTEXT_RE.search(whole) and _FLAG_RES["hint"].search(whole)):
        return None
    flagged: list[tuple[str, Flags]] = []
    for sentence in [title, *split_sentences(text)]:
        flags = _sentence_flags(sentence) if sentence else None
        if flags is not None:
            flagged.append((sentence, flags))
    return _assemble(title, text, lang, flagged)


# --------------------------------------------------------------------------- whole frames
# detect_frame gives for each release what detect gives for each of its language versions,
# merged, but the per-release work runs in polars: Python runs only the extractor (once per
# distinct sentence) and the few checks polars cannot settle exactly (see _candidate_rows).

_RELEASE_COLUMNS = (
    "release_id", "link_en", "link_zh", "published_date_hk", "title_en", "title_zh",
)  # fmt: skip
_JSON = json.JSONEncoder(ensure_ascii=False)  # what json.dumps(..., ensure_ascii=False) uses
_HOLE = "\x00"  # where a figure's sentence index goes in its JSON (JSON escapes a real \x00)


def _documents(pairs: pl.DataFrame) -> pl.DataFrame:
    """Long frame: one row per (release, language) with a non-empty title or text."""
    parts = []
    for lang in ("en", "zh"):
        title, text = f"title_{lang}", f"text_{lang}"
        parts.append(
            pairs.select(
                pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
                pl.lit(lang).alias("lang"),
                (pl.col(title) if title in pairs.columns else pl.lit(None))
                .cast(pl.String)
                .fill_null("")
                .alias("title"),
                (pl.col(text) if text in pairs.columns else pl.lit(None))
                .cast(pl.String)
                .fill_null("")
                .alias("text"),
            )
        )
    docs = pl.concat(parts)
    # Lower-cased once: an eager select would lower-case again for every expression using it.
    whole = pl.concat_str(["title", "text"], separator="\n").str.to_lowercase()
    low = pl.col("low")
    # Vectorised prefilter (Rust regex, linear time) before any Python per row; the figure
    # words first, as they rule out most releases and the context pattern is the slower one.
    kept = (
        docs.with_columns(whole.alias("low"))
        .filter(low.str.contains(_HINT_RUST))
        .filter(low.str.contains(PREFILTER_PATTERN))
        .with_columns(pl.col("text").str.to_lowercase().alias("low"))
    )
    # Cluster words over the whole text, for releases whose evidence names no cluster.
    return kept.with_columns(
        low.str.contains(_rust(_alternation(_CLUSTER_TERMS[name]))).alias(name) for name in CLUSTERS
    ).drop("low")


def _sentences(docs: pl.DataFrame) -> pl.DataFrame:
    """One row per document title and per sentence of its text (as split_sentences splits)."""
    # split_sentences in polars: mark each place its pattern cuts with \x00 (after a stop, on
    # both sides of newlines and of the spaces between a full stop and a capital), split
    # there, strip and drop the empty pieces. Texts already holding \x00 are split in Python.
    text = pl.col("text")
    marked = (
        text.str.replace_all(r"[。；！？!?;]", "${0}" + _CUT)
        .str.replace_all(r"\n+", _CUT + "${0}" + _CUT)
        .str.replace_all(_STOP_SPACE_CAPITAL_RUST, "${1}" + _CUT + "${2}" + _CUT + "${3}")
    )
    pieces = marked.str.split(_CUT).list.eval(
        pl.element().str.strip_chars(_PY_WHITESPACE).filter(pl.element() != "")
    )
    frame = docs.select("title", "text", pieces.alias("pieces"))
    odd = frame.get_column("text").str.contains(_CUT, literal=True)
    if odd.any():
        fixed = [
            split_sentences(t) if o else p
            for t, o, p in zip(frame["text"], odd, frame["pieces"].to_list(), strict=True)
        ]
        frame = frame.with_columns(pieces=pl.Series(fixed, dtype=pl.List(pl.String)))
    return (
        frame.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("doc"),
            # The title is a sentence as it stands (not stripped).
            pl.concat_list(pl.col("title"), "pieces").alias("sentence"),
        )
        .explode("sentence")
        .filter(pl.col("sentence") != "")
    )


def _flag_sentences(docs: pl.DataFrame) -> pl.DataFrame:
    """One row per sentence that can be evidence, with its context flags, in document order."""
    low = pl.col("low")
    flags = {name: low.str.contains(src) for name, src in _FLAG_RUST.items()}
    return (
        _sentences(docs)
        .with_columns(pl.col("sentence").str.to_lowercase().alias("low"))
        .with_columns(strong=flags["strong"], company=flags["company"] & flags["invest"])
        .filter(flags["numeral"] & flags["hint"] & (pl.col("strong") | pl.col("company")))
        .drop("low")
    )


def _figure_json(items: Iterable[dict[str, Any]]) -> str:
    """The items as json.dumps writes them in a list, each with "sentence" still a hole."""
    # {**item, "sentence": 0} ends in ', "sentence": 0}': the 0 becomes the hole.
    return ", ".join(_JSON.encode({**item, "sentence": 0})[:-2] + _HOLE + "}" for item in items)


def _figure_table(sentences: pl.Series) -> pl.DataFrame:
    """Each distinct sentence in which the extractor finds figures, with what the frame needs."""
    rows = []
    for sentence in sentences.unique().to_list():
        amounts, jobs = _figures(sentence)
        if amounts or jobs:
            rows.append(
                (sentence, _figure_json(amounts), _figure_json(jobs), _biggest(amounts), len(jobs))
            )
    schema = {
        "sentence": pl.String(),
        "amounts": pl.String(),
        "jobs": pl.String(),
        "biggest": pl.Float64(),
        "job_count": pl.Int64(),
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _evidence(sentences: pl.DataFrame) -> pl.DataFrame:
    """One row per document with evidence: what _gather returns, amounts and jobs as JSON."""
    evidence = sentences.join(
        _figure_table(sentences.get_column("sentence")), on="sentence", maintain_order="left"
    )
    index = pl.int_range(pl.len()).over("doc").cast(pl.String)  # position among the evidence
    figures = pl.col("amounts", "jobs").str.replace_all(_HOLE, index, literal=True)
    listed = {
        name: pl.format("[{}]", pl.col(name).filter(pl.col(name) != "").str.join(", "))
        for name in ("amounts", "jobs")
    }
    return (
        evidence.with_columns(figures)
        .group_by("doc", maintain_order=True)
        .agg(
            pl.col("sentence").alias("evidence"),
            pl.col("strong").sum().alias("strong_n"),
            (pl.col("company") & ~pl.col("strong")).sum().alias("company_n"),
            pl.col("biggest").max(),
            pl.col("job_count").sum(),
            listed["amounts"].alias("amounts_json"),
            listed["jobs"].alias("jobs_json"),
        )
    )


def _names(flags: dict[str, pl.Expr]) -> pl.Expr:
    """The names whose flag is true, comma-separated, in order."""
    named = [pl.when(flag).then(pl.lit(name)) for name, flag in flags.items()]
    return pl.concat_str(named, separator=",", ignore_nulls=True)


def _hints(docs: pl.DataFrame, evidence: pl.DataFrame) -> pl.DataFrame:
    """The documents with evidence, and what polars can tell of their titles and texts."""
    docs = docs.with_row_index("doc").cast({"doc": pl.Int64})
    frame = evidence.join(docs, on="doc", maintain_order="left")
    # The text _assemble scans for clusters and companies, lower-cased as it does: polars'
    # lower-casing differs from Python's only outside ASCII and CJK, where no term lies.
    named = pl.concat_str(
        "title", pl.col("evidence").list.join(_EVIDENCE_JOIN), separator=_EVIDENCE_JOIN
    )
    frame = frame.with_columns(named.str.to_lowercase().alias("named"))  # once, not per use
    title, low = pl.col("title"), pl.col("named")
    return frame.with_columns(
        (
            title.str.to_lowercase().str.contains_any(list(_OFF_TOPIC_WORDS))
            | title.str.contains(_FOLDS_TO_ASCII)
        ).alias("off_topic"),
        # guess_company returns None at once for texts without a company suffix.
        low.str.contains_any(list(_COMPANY_SUFFIXES)).alias("company_named"),
        pl.col("text")
        .str.to_lowercase()
        .str.contains_any(list(_COMPANY_SUFFIXES))
        .alias("company_in_text"),
        _names({name: low.str.contains(_CLUSTER_RUST[name]) for name in CLUSTERS}).alias("hits"),
        _names({name: pl.col(name) for name in CLUSTERS}).alias("text_hits"),
    ).drop("named", *CLUSTERS)


def _named_hits(title: str, evidence: list[str]) -> str:
    """_clusters of the title and evidence, comma-separated."""
    return ",".join(_clusters([title, *evidence]))


def _company(title: str, evidence: list[str], text: str, lang: str, named: bool) -> str | None:
    """_assemble's company guess (the first is skipped where polars found no suffix)."""
    return (guess_company([title, *evidence], lang) if named else None) or guess_company(
        [text], lang
    )


def _candidate_rows(docs: pl.DataFrame, evidence: pl.DataFrame) -> pl.DataFrame:
    """One row per candidate document: _assemble's decisions, made for whole columns."""
    frame = _hints(docs, evidence)
    # The polars tests above are exact where they say no; Python settles the rest: whether an
    # off-topic word really makes the title off-topic, which of several clusters the scan
    # takes where their terms overlap, and the company name itself.
    frame = redo_where(frame, "off_topic", pl.col("off_topic"), _off_topic, "title")
    several = pl.col("hits").str.contains(",")
    frame = redo_where(frame, "hits", several, _named_hits, "title", "evidence")
    frame = frame.with_columns(company_guess=pl.lit(None, pl.String()))
    guess = pl.col("company_named") | pl.col("company_in_text")
    args = ("title", "evidence", "text", "lang", "company_named")
    frame = redo_where(frame, "company_guess", guess, _company, *args)
    # An off-topic title with a single, company-only sentence is the classic false alarm.
    single = pl.col("evidence").list.len() < 2
    false_alarm = pl.col("off_topic") & (pl.col("strong_n") == 0) & single
    frame = frame.filter(~false_alarm).with_columns(
        pl.when(pl.col("hits") != "").then("hits").otherwise("text_hits").alias("hits")
    )
    scored = ("strong_n", "company_n", "biggest", "job_count", "off_topic")
    return _map_unique(frame, "confidence", _confidence, *scored)


def _map_unique(
    frame: pl.DataFrame, column: str, function: Callable[..., Any], *args: str
) -> pl.DataFrame:
    """``frame`` with ``column`` = ``function(*args)``, called once per distinct argument row."""
    keys = frame.select(args).unique()
    table = keys.with_columns(pl.Series(column, [function(*row) for row in keys.iter_rows()]))
    return frame.join(table, on=list(args), how="left", maintain_order="left", nulls_equal=True)


def _release_rows(pairs: pl.DataFrame, candidates: pl.DataFrame) -> pl.DataFrame:
    """One output row per release: its candidate versions (English first) merged."""
    merged = (
        candidates.group_by("row", maintain_order=True)
        .agg(
            pl.col("evidence").explode().head(_MAX_EVIDENCE).str.join(_EVIDENCE_SEPARATOR),
            # Amounts and jobs from one version only: the two versions state the same figures.
            pl.col("amounts_json", "jobs_json").first(),
            pl.col("company_guess").drop_nulls().first(),
            # The clusters the versions name, in order ("" where a version names none).
            pl.col("hits").str.split(",").explode().unique(maintain_order=True),
            pl.col("confidence").max(),
            pl.len().alias("versions"),
        )
        .sort("row")
    )
    named = pl.col("hits").list.eval(pl.element().filter(pl.element() != ""))
    merged = _map_unique(merged, "agreed", agreed, "confidence").with_columns(
        pl.when(pl.col("versions") == 2).then("agreed").otherwise("confidence").alias("confidence"),
        # cluster_of: the one cluster named, "multiple" for several, null for none.
        pl.when(named.list.len() > 1)
        .then(pl.lit(MULTIPLE))
        .otherwise(named.list.first())
        .alias("cluster_guess"),
    )
    releases = pairs.select(
        (pl.col(name) if name in pairs.columns else pl.lit(None))
        .cast(OUTPUT_SCHEMA[name])
        .alias(name)
        for name in _RELEASE_COLUMNS
    )[merged.get_column("row").to_list()]
    return pl.concat([releases, merged.drop("row")], how="horizontal").select(
        pl.col(name).cast(dtype) for name, dtype in OUTPUT_SCHEMA.items()
    )


def detect_frame(pairs: pl.DataFrame) -> pl.DataFrame:
    """One row per candidate release from ``pair_releases`` output (see OUTPUT_SCHEMA)."""
    if pairs.height == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    docs = _documents(pairs)
    evidence = _evidence(_flag_sentences(docs))
    candidates = _candidate_rows(docs, evidence) if evidence.height else evidence
    if candidates.height == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    return _release_rows(pairs, candidates)
