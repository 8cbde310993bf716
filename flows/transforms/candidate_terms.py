"""The candidate detector's vocabulary: park, scheme, industry, company, investing and off-topic
terms, each cluster's terms, and the patterns built from them, for Python's re and for polars'
Rust regex alike (flows.transforms.candidates decides with both and must decide the same),
and the cluster and company guesses made with them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# --------------------------------------------------------------------------- vocabulary
# Fragments are written to compile under both Python re and polars' Rust regex (no
# look-behind), because the frame-level prefilter runs them in Rust over whole columns.
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


# --------------------------------------------------------------------------- guesses


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
