"""Status changes in press releases: sentences that name a registered company or scheme and
report progress (an MoU signed, construction started, operation commenced, withdrawn)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from flows.transforms.candidates import split_sentences
from flows.transforms.entities import fold

# The register's status vocabulary (raw.register_commitment.status) in the order a commitment
# moves through it; withdrawn can follow any of them.
ORDER = ("announced", "mou", "construction", "operational")
WITHDRAWN = "withdrawn"
STATUSES = (*ORDER, WITHDRAWN)

_EN = {
    "mou": [
        r"\b(?:signed|signs|sign|inked|entered into|concluded)\b[^.;]{0,90}?"
        r"\b(?:memorand(?:um|a) of understanding|mous?|agreements?|pact|partnership)\b",
        r"\b(?:memorand(?:um|a) of understanding|mous?|agreements?)\b[^.;]{0,40}?"
        r"\b(?:was|were|has been|have been|being) signed\b",
        r"\bsigning (?:ceremony )?(?:of|for) (?:the |an? )?[^.;]{0,40}?"
        r"\b(?:memorand(?:um|a) of understanding|mous?|agreements?)\b",
        r"\b(?:signed|signs) (?:up )?(?:as|with)\b",
        r"\b(?:held|holds|hold|at) (?:the |a )?[^.;]{0,60}?\bsigning ceremony\b",
    ],
    "construction": [
        r"\b(?:ground-?breaking|broke ground|topping[- ]out|topped out)\b",
        r"\b(?:commenced|started|began|begun|commences|starts)\b[^.;]{0,30}?"
        r"\b(?:construction|building works?|foundation works?)\b",
        r"\b(?:construction|building works?|foundation works?)\b[^.;]{0,40}?"
        r"\b(?:commenced|started|began|begun|(?:is|are) under ?way|(?:is|are) in progress)\b",
        r"\bunder construction\b",
    ],
    "operational": [
        r"\b(?:commenced|started|began|begun|commences|starts|starting)\b[^.;]{0,30}?"
        r"\b(?:production|operations?|operating|manufacturing|business)\b",
        r"\b(?:put|came|come|went|brought|been put) into (?:full )?(?:operation|production|"
        r"service|use)\b",
        r"\b(?:officially )?(?:opened|inaugurated|commissioned)\b",
        r"\b(?:opening|inauguration|commissioning) ceremony\b",
        r"\b(?:is|are|has been|have been|became|becomes) (?:now |fully )?operational\b",
        r"\b(?:expanded|has expanded|have expanded)\b",
        r"\b(?:launched|rolled out|open for applications?|(?:began|started) (?:accepting|"
        r"receiving) applications)\b",
        r"\b(?:launch|launching) ceremony\b",
        r"\b(?:has|have)(?: also| now| already| recently| \w+ly)? (?:set up|established|opened)\b",
        r"\b(?:announced|marked|celebrated) the (?:official )?launch of\b",
        r"\bapplications?\b[^.;]{0,120}?\b(?:are|is) now open\b",
        r"\b(?:was|were|has been|have been) (?:set up|established)\b",
        r"\bcommenced (?:its|their) work\b",
    ],
    WITHDRAWN: [
        r"\b(?:withdr[ae]w|withdrawn|terminated|terminates|termination of|cancell?ed|scrapped|"
        r"pulled out|abandoned|ceased (?:operations?|production|business))\b",
    ],
}

_ZH = {
    "mou": [
        r"簽(?:署|訂|定)了?[^。；]{0,30}?(?:備忘錄|協議|協定|合約|合同|框架|意向)",
        r"(?:備忘錄|協議|協定)[^。；]{0,8}?(?:已|正式)?簽(?:署|訂)",
        r"簽約|簽署儀式|簽約儀式|進行簽署|簽署了",
    ],
    "construction": [
        r"動工|開工|奠基|破土|平頂|封頂",
        r"(?:展開|開始|啟動|啓動)[^。；]{0,6}?(?:建造|興建|建設|施工)",
        r"(?:建造|興建|施工|建設)工程[^。；]{0,6}?(?:展開|開始|啟動|啓動)",
        r"(?:興建|建造|施工)中",
        r"工程[^。；,;]{0,4}?(?:已經|已)?(?:開展|展開)",
        r"(?:工程|擴建計劃|建造|興建)[^。；,;]{0,12}?正在進行",
    ],
    "operational": [
        r"投產|投入(?:營運|運作|運營|使用|服務|生產)",
        r"開幕|開業|開園|啟用|啓用|落成|揭幕|啟幕|啓幕",
        r"開設[^。；,;]{0,12}?(?:辦事處|辦公室|總部|廠房|工廠|生產線|中心|分公司)",
        r"(?:開始|正式)(?:營運|運作|運營|生產)",
        r"擴充|擴展",
        r"接受申請|開放申請|推出",
        r"(?:已|已經|早前|日前)成立|已(?:於|在)[^。；,;將會擬]{0,8}成立|成立了|(?:已|已經)設立|設立了|(?:去|前|今)年[^。；,;將會擬預計]{0,6}成立",
        r"(?:已有[^。；,;]{0,12}?|已|已經)進駐|進駐了",
    ],
    WITHDRAWN: [r"撤回|撤出|撤離|終止|取消|退出|放棄"],
}

# Words just before the progress phrase that make it a plan, a question or a denial, not news.
_BLOCK_EN = re.compile(
    r"\b(?:will|would|shall|plans?|planning|planned|expected|expects?|aims?|intends?|"
    r"scheduled|set to|going to|targets?|targeting|hopes?|may|might|could|can|once|if|"
    r"whether|prepares?|preparing|proposed|proposes|not|yet|before|until|to be)\s"
    r"(?:[^.;,]{0,40})$"
)
_BLOCK_ZH = re.compile(
    r"(?:將|計劃|計畫|預計|預期|擬|(?<![委議社學協公])會|即將|有望|希望|目標|爭取|準備|籌備|打算|如|若|是否|"
    r"尚未|未|沒有|不)[^。；，,;]{0,8}$"
)
_WINDOW_EN, _WINDOW_ZH = 60, 12
_QUOTE_SLACK = 40  # a quote cut by the window's start would hide a plan word before it
_CLAUSE = re.compile(r"[，,。；;：:]")
# 將 governing the clause's verb from afar (北京國際仲裁院將與…在今日稍後的活動簽署): a plan.
_FUTURE_CLAUSE_ZH = re.compile(r"將(?:與|就|於|會|在|把|向|同|為|联|聯)")
_QUOTED = re.compile(r"「[^」]*」|《[^》]*》")


@lru_cache(maxsize=1)
def _compiled() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """Pattern lists per language, compiled once."""
    return {
        lang: [(status, re.compile(p)) for status, pats in table.items() for p in pats]
        for lang, table in (("en", _EN), ("zh", _ZH))
    }


@lru_cache(maxsize=1)
def any_patterns() -> dict[str, str]:
    """Per language, one pattern matching where any of its status patterns does: most sentences
    of a release report no progress, and one search rules them out. Per language, since the
    Chinese alternatives slow every search of English text (30,000 real sentences: 0.12 s with
    each language's own pattern in polars, 1.8 s with both languages' in one)."""
    return {
        lang: "|".join(f"(?:{p.pattern})" for _, p in pats) for lang, pats in _compiled().items()
    }


@lru_cache(maxsize=1)
def _s2t() -> object:
    """OpenCC simplified -> traditional converter (names and text are matched traditional)."""
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=1)
def _t2s() -> object:
    """OpenCC traditional -> simplified converter (for the register's look-up hints)."""
    import opencc

    return opencc.OpenCC("t2s")


def variants(text: str) -> list[str]:
    """A text as written, as traditional and as simplified Chinese (one item when Latin)."""
    if not _CJK.search(text):
        return [text]
    converted = [str(c.convert(text)) for c in (_s2t(), _t2s())]  # type: ignore[attr-defined]
    return list(dict.fromkeys([text, *converted]))


_WORD = re.compile(r"[a-z0-9]+")


def hints(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Latin words and Chinese characters of texts (in both scripts): a name the texts hold has
    its first word or first Chinese character among them (flows/status_proposals.py asks the
    register only for those names)."""
    words: set[str] = set()
    chars: set[str] = set()
    for text in texts:
        for form in variants(unicodedata.normalize("NFKC", text).casefold()):
            words.update(_WORD.findall(form))
            chars.update(_CJK.findall(form))
    return sorted(words), sorted(chars)


def progress_sentences_of(releases: Iterable[tuple[str, str]]) -> list[str]:
    """The titles and sentences of (title, text) releases that report progress, in order: each
    sentence's matching form is searched for its language's any_patterns by polars, all at once
    (30,000 real sentences: 0.12 s, against 1.4 s read one by one by progress), and only the
    sentences found are read by progress."""
    sentences = [s for title, text in releases for s in [title, *split_sentences(text)]]
    if not sentences:
        return []
    forms = [normal(s) for s in sentences]
    text, patterns = pl.col("text"), any_patterns()
    found = (
        pl.DataFrame({"text": forms, "lang": [language(f) for f in forms]})
        .select(
            pl.when(pl.col("lang") == "zh")
            .then(text.str.contains(patterns["zh"]))
            .otherwise(text.str.contains(patterns["en"]))
        )
        .to_series()
    )
    return [s for s, hit in zip(sentences, found, strict=True) if hit and progress(s)]


def name_keys(known: Sequence[Known]) -> list[str]:
    """Plain substrings one of which a text naming a known commitment holds (lower case, either
    script): the longest word of each Latin name, the first two characters of a Chinese one."""
    out: set[str] = set()
    for k in known:
        for name in k.names:
            if _CJK.search(name):
                out.update(v[:2] for v in variants(name))
            elif words := name.split():
                out.add(max(words, key=len))
    return sorted(out)


def normal(text: str) -> str:
    """Matching form: NFKC, case-folded, simplified Chinese as traditional."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if _CJK.search(text):
        text = str(_s2t().convert(text))  # type: ignore[attr-defined]
    return text


_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_KEY = re.compile(r"[^\w]+")


def _latin_key(text: str) -> str:
    """Latin names and text compared as words: punctuation and spaces as single spaces."""
    return " " + " ".join(_LATIN_KEY.sub(" ", text).split()) + " "


def language(text: str) -> str:
    """The pattern language of a sentence's matching form: zh when it is Chinese, with no two
    Latin words in a row (an English sentence quoting a Chinese name stays en)."""
    return "zh" if _CJK.search(text) and not re.search(r"[a-z]{4,}\s[a-z]{4,}", text) else "en"


def progress(sentence: str) -> list[str]:
    """Statuses a sentence reports as having happened (plans, questions and denials left out)."""
    text = normal(sentence)
    lang = language(text)
    block, window = (_BLOCK_ZH, _WINDOW_ZH) if lang == "zh" else (_BLOCK_EN, _WINDOW_EN)
    found: list[str] = []
    for status, pattern in _compiled()[lang]:
        for m in pattern.finditer(text):
            # A quoted name (「新型工業加速計劃」) is not a plan word: drop whole quotes, then look
            # at the window before the phrase (and, in Chinese, at its clause for 將與/將就…).
            start = max(0, m.start() - window - _QUOTE_SLACK)
            before = _QUOTED.sub("", text[start : m.start()])[-window:]
            clause = _CLAUSE.split(text[: m.start()])[-1] if lang == "zh" else ""
            if not block.search(before) and not _FUTURE_CLAUSE_ZH.search(clause):
                found.append(status)
                break
    return sorted(set(found), key=STATUSES.index)


def furthest(statuses: Iterable[str]) -> str | None:
    """The status a set of reported ones amounts to: withdrawn wins, else the furthest step."""
    given = set(statuses)
    if WITHDRAWN in given:
        return WITHDRAWN
    steps = [s for s in ORDER if s in given]
    return steps[-1] if steps else None


def is_step(from_status: str | None, to_status: str) -> bool:
    """A proposal only moves a commitment forward, or withdraws it."""
    if from_status in (to_status, WITHDRAWN):
        return False
    if to_status == WITHDRAWN or from_status not in ORDER:
        return True
    return ORDER.index(to_status) > ORDER.index(from_status)


_GOV_PREFIX = re.compile(r"^\s*(?:HKSAR Government|Government|HKSARG)\s*[-–:]\s*", re.I)
_ACRONYM = re.compile(r"[(（]([A-Z][A-Z&]{2,})[)）]")
_GENERIC = {"government", "hksar government", "hong kong", "hkstp", "the government"}


def name_variants(names: Iterable[str | None]) -> list[str]:
    """Matching forms of a company's or scheme's names (without legal suffixes, too short
    or generic ones dropped)."""
    out: set[str] = set()
    for raw in names:
        if not raw or not raw.strip():
            continue
        name = _GOV_PREFIX.sub("", raw.strip())
        # "Office for Attracting Strategic Enterprises (OASES)": releases often say just OASES.
        short = _ACRONYM.findall(name)
        for variant in (name, fold(name), *short):
            key = normal(variant)
            if _CJK.search(key):
                key = key.replace(" ", "")
                if len(key) >= 2:
                    out.add(key)
                continue
            key = _latin_key(key)
            if len(key.strip()) >= 4 and key.strip() not in _GENERIC:
                out.add(key)
    return sorted(out)


@dataclass(frozen=True)
class Known:
    """A registered commitment that a release may report on."""

    commitment_id: str
    company: str
    status: str
    names: tuple[str, ...]


def text_forms(sentence: str) -> tuple[str, str]:
    """The forms names are looked for in: Latin words spaced, Chinese without spaces."""
    text = normal(sentence)
    return _latin_key(text), text.replace(" ", "")


def names_in(names: Sequence[str], forms: tuple[str, str]) -> bool:
    """Whether a text (its text_forms) holds one of the names (name_variants)."""
    latin, cjk = forms
    return any(n in (cjk if _CJK.search(n) else latin) for n in names)


def named(sentence: str, known: Sequence[Known]) -> list[Known]:
    """Registered commitments whose company or scheme the sentence names."""
    forms = text_forms(sentence)
    return [k for k in known if names_in(k.names, forms)]


@dataclass(frozen=True)
class Finding:
    """One release's evidence that a commitment moved to a status."""

    commitment_id: str
    to_status: str
    evidence: tuple[str, ...]
    confidence: float


def findings(title: str, text: str, known: Sequence[Known]) -> list[Finding]:
    """Per commitment a release names, the status its progress sentences report."""
    hits: dict[str, list[tuple[str, list[str], int]]] = {}
    for sentence in [title, *split_sentences(text)]:
        statuses = progress(sentence)
        if not statuses:
            continue
        who = named(sentence, known)
        for k in who:
            hits.setdefault(k.commitment_id, []).append((sentence, statuses, len(who)))
    out = []
    for cid, items in hits.items():
        to = furthest(s for _, statuses, _ in items for s in statuses)
        if to is None:
            continue
        crowded = min(n for *_, n in items) > 1
        mixed = len({s for _, statuses, _ in items for s in statuses}) > 1
        score = 0.85 - 0.15 * crowded - 0.1 * mixed + 0.05 * (len(items) > 1)
        evidence = tuple(dict.fromkeys(s for s, _, _ in items))
        out.append(Finding(cid, to, evidence, round(min(max(score, 0.3), 0.95), 2)))
    return out


def proposal_id(commitment_id: str, release_id: str, to_status: str) -> str:
    """st- and 16 hex digits: the same proposal gets the same id in every run."""
    digest = hashlib.sha256(f"{commitment_id}\x1f{release_id}\x1f{to_status}".encode())
    return "st-" + digest.hexdigest()[:16]


def propose(releases: pl.DataFrame, known: Sequence[Known]) -> pl.DataFrame:
    """Proposal rows (without register_row and load_id) for releases with columns release_id,
    lang, title, text, link, published_at; only steps forward or withdrawals."""
    by_id = {k.commitment_id: k for k in known}
    rows = []
    for r in releases.iter_rows(named=True):
        for f in findings(r["title"] or "", r["text"] or "", known):
            k = by_id[f.commitment_id]
            if not is_step(k.status, f.to_status):
                continue
            rows.append(
                {
                    "proposal_id": proposal_id(k.commitment_id, r["release_id"], f.to_status),
                    "commitment_id": k.commitment_id,
                    "company": k.company,
                    "from_status": k.status,
                    "to_status": f.to_status,
                    "evidence": " … ".join(f.evidence),
                    "release_id": r["release_id"],
                    "release_url": r["link"],
                    "title": r["title"],
                    "published_at": r["published_at"],
                    "confidence": f.confidence,
                    "language": r["lang"],
                }
            )
    return pl.DataFrame(rows, schema=_SCHEMA)


_SCHEMA: dict[str, pl.DataType] = {
    "proposal_id": pl.String(),
    "commitment_id": pl.String(),
    "company": pl.String(),
    "from_status": pl.String(),
    "to_status": pl.String(),
    "evidence": pl.String(),
    "release_id": pl.String(),
    "release_url": pl.String(),
    "title": pl.String(),
    "published_at": pl.Datetime("us", "UTC"),
    "confidence": pl.Float64(),
    "language": pl.String(),
}
