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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import polars as pl

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
# Full stops end sentences; "6.9" and "Co. Ltd" do not (a full stop must precede a space and
# a capital or CJK character).
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[。；！？!?;])|\n+|(?<=\.)\s+(?=[A-Z(\"“\u4e00-\u9fff])")

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


def _confidence(
    strong: int, company: int, amounts: list[dict[str, Any]], jobs: int, off_topic: bool
) -> float:
    score = 0.45
    score += 0.2 if strong else 0.0
    score += 0.1 if company else 0.0
    biggest = max((a["value"] or a["high"] or 0.0 for a in amounts), default=0.0)
    score += 0.1 if biggest >= 1e8 else 0.0
    score += 0.1 if jobs else 0.0
    score += 0.05 * min(strong + company - 1, 2)
    score -= 0.25 if off_topic else 0.0
    return round(min(max(score, 0.05), 0.99), 2)


def _assemble(
    title: str,
    text: str,
    lang: str,
    flagged: Iterable[tuple[str, Flags]],
    text_clusters: tuple[str, ...] | None = None,
) -> Candidate | None:
    """Run the extractor on the flagged sentences and build the Candidate, if any."""
    evidence: list[str] = []
    amounts: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    strong_n = company_n = 0
    for sentence, (strong, company) in flagged:
        found_amounts, found_jobs = _figures(sentence)
        if not found_amounts and not found_jobs:
            continue
        index = len(evidence)
        evidence.append(sentence)
        amounts.extend({**a, "sentence": index} for a in found_amounts)
        jobs.extend({**j, "sentence": index} for j in found_jobs)
        strong_n += int(strong)
        company_n += int(company and not strong)
    if not evidence:
        return None
    off_topic = bool(_OFF_TOPIC_RE.search(title)) and not _STRONG_RE.search(title.lower())
    # An off-topic title with a single, company-only sentence is the classic false alarm.
    if off_topic and strong_n == 0 and len(evidence) < 2:
        return None
    # Evidence sentences name the cluster and company best; the rest of the text is a fallback.
    hits = _clusters([title, *evidence]) or (
        _clusters([text]) if text_clusters is None else text_clusters
    )
    company_guess = guess_company([title, *evidence], lang) or guess_company([text], lang)
    return Candidate(
        lang=lang,
        evidence=tuple(evidence),
        amounts=tuple(amounts),
        jobs=tuple(jobs),
        company_guess=company_guess,
        cluster_hits=hits,
        cluster_guess=cluster_of(hits),
        confidence=_confidence(strong_n, company_n, amounts, len(jobs), off_topic),
    )


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


def _merge(release: dict[str, Any], found: list[Candidate]) -> dict[str, Any]:
    """One output row from the candidates found in the English and/or Chinese version."""
    primary = found[0]
    evidence = [s for c in found for s in c.evidence][:_MAX_EVIDENCE]
    hits = tuple(dict.fromkeys(h for c in found for h in c.cluster_hits))
    confidence = max(c.confidence for c in found)
    if len(found) == 2:
        # Both language versions agreeing is itself evidence.
        confidence = round(min(confidence + 0.05, 0.99), 2)
    return {
        "release_id": release["release_id"],
        "link_en": release.get("link_en"),
        "link_zh": release.get("link_zh"),
        "published_date_hk": release.get("published_date_hk"),
        "title_en": release.get("title_en"),
        "title_zh": release.get("title_zh"),
        "evidence": _EVIDENCE_SEPARATOR.join(evidence),
        # Amounts and jobs from one version only: the two versions state the same figures.
        "amounts_json": json.dumps(list(primary.amounts), ensure_ascii=False),
        "jobs_json": json.dumps(list(primary.jobs), ensure_ascii=False),
        "company_guess": next((c.company_guess for c in found if c.company_guess), None),
        "cluster_guess": cluster_of(hits),
        "confidence": confidence,
    }


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
    whole = pl.concat_str(["title", "text"], separator="\n").str.to_lowercase()
    # Vectorised prefilter (Rust regex, linear time) before any Python per row.
    kept = docs.filter(whole.str.contains(PREFILTER_PATTERN) & whole.str.contains(_HINT_RUST))
    # Cluster words over the whole text, for releases whose evidence names no cluster.
    low = pl.col("text").str.to_lowercase()
    return kept.with_columns(
        low.str.contains(_rust(_alternation(_CLUSTER_TERMS[name]))).alias(name) for name in CLUSTERS
    )


def _flag_sentences(docs: pl.DataFrame) -> pl.DataFrame:
    """One row per sentence that can be evidence, with its context flags, in document order."""
    doc_ids: list[int] = []
    sentences: list[str] = []
    for doc, (title, text) in enumerate(docs.select("title", "text").iter_rows()):
        for sentence in [title, *split_sentences(text)]:
            if sentence:
                doc_ids.append(doc)
                sentences.append(sentence)
    frame = pl.DataFrame(
        {"doc": doc_ids, "sentence": sentences},
        schema={
            "doc": pl.Int64,
            "sentence": pl.String,
        },
    )
    low = pl.col("sentence").str.to_lowercase()
    flags = {name: low.str.contains(src) for name, src in _FLAG_RUST.items()}
    return frame.with_columns(
        strong=flags["strong"], company=flags["company"] & flags["invest"]
    ).filter(flags["numeral"] & flags["hint"] & (pl.col("strong") | pl.col("company")))


def detect_frame(pairs: pl.DataFrame) -> pl.DataFrame:
    """One row per candidate release from ``pair_releases`` output (see OUTPUT_SCHEMA)."""
    if pairs.height == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    docs = _documents(pairs)
    flagged: dict[int, list[tuple[str, Flags]]] = {}
    for doc, sentence, strong, company in _flag_sentences(docs).iter_rows():
        flagged.setdefault(doc, []).append((sentence, (strong, company)))
    found: dict[int, list[Candidate]] = {}
    for doc, sentences in flagged.items():
        row, lang, title, text, *in_text = docs.row(doc)
        text_clusters = tuple(name for name, hit in zip(CLUSTERS, in_text, strict=True) if hit)
        candidate = _assemble(title, text, lang, sentences, text_clusters)
        if candidate is not None:
            found.setdefault(row, []).append(candidate)
    if not found:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    rows = [_merge(pairs.row(row, named=True), found[row]) for row in sorted(found)]
    return pl.DataFrame(rows, schema=OUTPUT_SCHEMA, orient="row")
