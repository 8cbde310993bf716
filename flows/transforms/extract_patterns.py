"""The words and regexes flows.transforms.extract matches with: qualifiers, currencies, numbers,
money, job and period patterns, the same-length NFKC copy the patterns run on, the anchored
scan that tries a pattern only where a match can begin, and how a matched number, scale and
currency read. Pure standard library, compiled once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

# --------------------------------------------------------------------------- vocabulary

# Qualifier words, longest first where one is a prefix of another at the same position.
_Q_EN = (
    r"(?i:more\s+than|over|above|exceed(?:s|ed|ing)?|in\s+excess\s+of|upwards\s+of"
    r"|about|around|approximately|approx\.|roughly|some"
    r"|at\s+least|no\s+less\s+than|not\s+less\s+than|no\s+fewer\s+than|not\s+fewer\s+than"
    r"|a\s+minimum\s+of|up\s+to|as\s+much\s+as|as\s+many\s+as|a\s+maximum\s+of"
    r"|no\s+more\s+than|not\s+more\s+than|less\s+than|fewer\s+than"
    r"|nearly|almost|close\s+to|just\s+under)"
)
_Q_CN = (
    r"(?:不超過|不超过|不多於|不多于|超過|超过|超出|逾|多於|多于|高於|高于|超"
    r"|大約|大约|約為|约为|約|约|大概|至少|最少|不少於|不少于|不低於|不低于"
    r"|最多|高達|高达|多達|多达|上限為|上限为|上限是|上限達|上限达|上限|最高|接近|將近|将近|近)"
)
_QUALIFIER_OF: dict[str, str] = {
    **dict.fromkeys(
        ["more than", "over", "above", "exceed", "exceeds", "exceeded", "exceeding"], "over"
    ),
    **dict.fromkeys(["in excess of", "upwards of"], "over"),
    **dict.fromkeys(["about", "around", "approximately", "approx.", "roughly", "some"], "about"),
    **dict.fromkeys(["at least", "no less than", "not less than", "a minimum of"], "at_least"),
    **dict.fromkeys(["no fewer than", "not fewer than"], "at_least"),
    **dict.fromkeys(["up to", "as much as", "as many as", "a maximum of"], "up_to"),
    # An upper bound stated as "less than" is closest to up_to among the fixed codes.
    **dict.fromkeys(["no more than", "not more than", "less than", "fewer than"], "up_to"),
    **dict.fromkeys(["nearly", "almost", "close to", "just under"], "nearly"),
    **dict.fromkeys(["超過", "超过", "超出", "逾", "多於", "多于", "高於", "高于", "超"], "over"),
    **dict.fromkeys(["大約", "大约", "約為", "约为", "約", "约", "大概"], "about"),
    **dict.fromkeys(["至少", "最少", "不少於", "不少于", "不低於", "不低于"], "at_least"),
    **dict.fromkeys(["不超過", "不超过", "不多於", "不多于", "最多", "高達", "高达"], "up_to"),
    **dict.fromkeys(["多達", "多达"], "up_to"),
    # "上限為2億港元": a ceiling ("the cap is HK$200 million"), not the amount itself.
    **dict.fromkeys(["上限為", "上限为", "上限是", "上限達", "上限达", "上限", "最高"], "up_to"),
    **dict.fromkeys(["過", "过"], "over"),  # only in "過千個職位" (_JOBS_CN_ROUND_RE)
    **dict.fromkeys(["接近", "將近", "将近", "近"], "nearly"),
    # Postfix forms: "4000多", "300餘億", "30億元以上", "10,000+", "或以上", "左右".
    **dict.fromkeys(["多", "餘", "余", "以上", "+", "plus"], "over"),
    **dict.fromkeys(["或以上", "or more"], "at_least"),
    "左右": "about",
}

_CN_DIGIT = {
    "〇": 0, "零": 0, "一": 1, "二": 2, "兩": 2, "两": 2, "三": 3,
    "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_UNIT = {"十": 10, "百": 100, "千": 1000, "萬": 10_000, "万": 10_000, "億": 10**8, "亿": 10**8}
_EN_SCALE = {
    "trillion": 10**12, "tn": 10**12, "billion": 10**9, "bn": 10**9, "b": 10**9,
    "million": 10**6, "mn": 10**6, "mln": 10**6, "m": 10**6, "thousand": 1000, "k": 1000,
}  # fmt: skip
_WORD_NUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip

# Currency words, matched on the normalised text; "$" and "元" alone mean the ``dollar``
# argument (a Hong Kong government release writes HK$ as "$" and "元").
_CURRENCY_OF: dict[str, str] = {
    **dict.fromkeys(["HK$", "HKD$", "HKD", "港元", "港幣", "港币", "港圓", "港圆"], "HKD"),
    **dict.fromkeys(["hong kong dollar", "hk dollar"], "HKD"),
    **dict.fromkeys(["US$", "U.S.$", "USD$", "USD", "美元", "美金"], "USD"),
    **dict.fromkeys(["us dollar", "u.s. dollar", "american dollar"], "USD"),
    **dict.fromkeys(["RMB", "Rmb", "CNY", "人民幣", "人民币", "yuan", "renminbi"], "CNY"),
    **dict.fromkeys(["EUR", "€", "歐元", "欧元", "euro"], "EUR"),
    **dict.fromkeys(["JPY", "日圓", "日元", "日圆", "yen"], "JPY"),
    **dict.fromkeys(["GBP", "£", "英鎊", "英镑", "pound", "pound sterling", "sterling"], "GBP"),
}
_UNSUPPORTED = "?"  # a currency we recognise (NT$, S$, ¥, 新台幣) but do not report
_BARE = "$"  # bare "$", "元" or "dollars": the caller's ``dollar``

# --------------------------------------------------------------------------- patterns

_NUM_AR = r"(?<![0-9.])(?<![0-9],)(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?![0-9])"
# A Chinese numeral must start with a digit or 十, and "數億"/"幾十萬" (vague) are not numbers.
_NUM_CN = (
    r"(?<![數数幾几上])[〇零一二兩两三四五六七八九十][〇零一二兩两三四五六七八九十百千萬万億亿]*"
)
_NUM = rf"(?:{_NUM_AR}|{_NUM_CN})"
_MID = r"[多餘余]"
_SCALE = (
    r"(?:[\s-]?(?i:trillion|billion|million|thousand)(?![A-Za-z])"
    r"|\s?(?i:tn|bn|mn|mln)(?![A-Za-z])"
    r"|(?i:[mbk])(?![A-Za-z0-9])"
    r"|[十百千]?[萬万億亿]{1,2}|千)"
)
_CP = (
    r"(?:(?<![A-Za-z])(?:[A-Z]{1,3}|U\.S\.)?\$"
    r"|(?<![A-Za-z])(?:HKD|USD|RMB|Rmb|CNY|EUR|JPY|GBP)(?=\s?[0-9])"
    r"|[€£¥]"
    r"|港幣|港币|港元|人民幣|人民币|美元|美金|歐元|欧元|英鎊|英镑|日圓|日元|日圆|新台幣|新臺幣)\s?"
)
_CS = (
    r"(?:\s?(?:HKD|USD|RMB|CNY|EUR|JPY|GBP)(?![A-Za-z])"
    r"|[\s-](?i:(?:hong\s+kong|hk|us|u\.s\.|american)[\s-]dollars?|dollars?|yuan|renminbi"
    r"|euros?|yen|pounds?\s+sterling|pounds?|sterling)(?![A-Za-z])"
    r"|\s?(?:港元|港幣|港币|港圓|港圆|美元|美金|人民幣|人民币|歐元|欧元|英鎊|英镑|日圓|日元|日圆"
    r"|新台幣|新臺幣|台幣|臺幣|澳門幣|澳门币"
    r"|元(?:人民幣|人民币|港幣|港币|美元|新台幣|新臺幣)?(?![朗素件宵旦化])))"
)
# The rest of a compound Chinese amount after 億: "1億5千萬元" is 150,000,000.
_REMAINDER = r"(?<=[億亿])[0-9]{1,4}(?:千萬|千万|百萬|百万|萬|万)"
_POST = r"(?:或以上|以上|左右|\+|\s+(?i:or\s+more|plus)(?![A-Za-z]))"


def _money_part(i: str) -> str:
    """Pattern for one side of an amount: currency, number, scale, currency."""
    return (
        rf"(?P<cp{i}>{_CP})?(?P<n{i}>{_NUM})(?P<m{i}>{_MID})?(?P<s{i}>{_SCALE})?"
        rf"(?P<r{i}>{_REMAINDER})?(?P<cs{i}>{_CS})?"
    )


_BETWEEN = r"(?P<btw>(?<![A-Za-z])(?i:between)\s+|介乎|介於|介于)"
_QUAL = rf"(?P<q>(?<![A-Za-z]){_Q_EN}\s+|{_Q_CN}\s?)"
# "and" only joins a range after "between"; "to" needs spaces so "HK$5 billion to 2027" is
# caught by the range checks rather than by the pattern.
_SEP = r"(?P<sep>(?(btw)\s*(?:and|to|至|與|与|和|-|–|—)\s*|(?:\s*(?:-|–|—|~|至|到)\s*|\s+to\s+)))"

_MONEY_RE = re.compile(
    rf"(?:{_BETWEEN}|{_QUAL})?{_money_part('1')}(?:{_SEP}{_money_part('2')})?(?P<post>{_POST})?"
)
# A conversion stated with the amount: "(US$883.5 million)", "（約合15.6億港元）",
# ", or about US$883 million", "/US$883 million".
_CONVERSION_WORD = r"(?:約合|约合|折合|相當於|相当于|(?i:equivalent\s+to|or)\s)"
_CONVERSION_OPEN_RE = re.compile(
    rf"\s?(?P<paren>[(（])\s?(?:{_CONVERSION_WORD}\s?)?"
    rf"|\s?[,，]?\s?(?i:or)\s+|\s?/\s?|\s?[,，]\s?{_CONVERSION_WORD}\s?"
)
_PAREN_CLOSE_RE = re.compile(r"\s?[)）]")
# "increased from $1 billion to $2 billion" is a change, not a range; "ranging from" is one.
_FROM_BEFORE_RE = re.compile(r"(?i)(?:(?P<rng>rang(?:e|es|ed|ing)|anywhere)\s+)?\bfrom\s+$")

_JOB_NOUN_EN = (
    r"(?i:job\s+opportunities|job\s+positions|job\s+openings|jobs"
    r"|employment\s+opportunities|posts|positions|employees|staff(?:\s+members)?|workers"
    r"|personnel|talents?|researchers|scientists|engineers|professionals|hires|vacancies)"
)
_JOB_MOD_EN = (
    r"(?i:new|additional|extra|local|direct|indirect|quality|high-quality|high|value"
    r"|high-value|high-paying|well-paid|skilled|high-skilled|highly-skilled|highly|full-time"
    r"|part-time|permanent|professional|technical|technology|tech|I&T|R&D|research"
    r"|research-related|scientific|engineering|management|managerial|senior|related"
    r"|innovation|and|development|technological|green)"
)
# LegCo replies group thousands with a space ("4 100 jobs"); next to a job noun that is safe.
_JOB_DIGITS = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?![0-9])"
# Not after a letter or hyphen: "COVID-19 staff" and "A320 engineers" are not counts.
_JOB_NUM_EN = rf"(?<![0-9.A-Za-z/-])(?<![0-9],){_JOB_DIGITS}"
_JOBS_EN_RE = re.compile(
    rf"(?:{_BETWEEN}|{_QUAL})?(?P<n1>{_JOB_NUM_EN})"
    rf"(?:(?P<sep>(?(btw)\s+(?:and|to)\s+|(?:\s*(?:-|–|—)\s*|\s+to\s+)))(?P<n2>{_JOB_DIGITS}))?"
    rf"(?P<s1>\s?(?i:thousand)(?![A-Za-z])|k(?![A-Za-z]))?(?P<post>\+)?"
    rf"(?:[\s-]+{_JOB_MOD_EN}){{0,3}}\s+{_JOB_NOUN_EN}(?![A-Za-z])"
)
# "hire 500 people", "employ over 700 people": "people" only counts after a hiring verb.
_JOBS_EN_VERB_RE = re.compile(
    rf"(?<![A-Za-z])(?i:hire[sd]?|hiring|employ(?:s|ed|ing)?|recruit(?:s|ed|ing)?)\s+"
    rf"(?P<body>(?:{_QUAL})?(?P<n1>{_JOB_NUM_EN})\s+(?i:people|persons|individuals))(?![A-Za-z])"
)

_JOB_NOUN_CN = (
    r"(?:職位|职位|職缺|职缺|就業機會|就业机会|就業崗位|就业岗位|工作崗位|工作岗位|工作機會|工作机会"
    r"|崗位|岗位|研發人員|研发人员|研發人才|研发人才|科研人員|科研人员|科研人才|研究人員|研究人员"
    r"|研究人才|技術人員|技术人员|專業人才|专业人才|員工|员工|僱員|雇员|人才)"
)
_JOB_MOD_CN = (
    r"(?:新增|新|本地|優質|优质|高質素|高质素|高質量|高质量|高端|高薪|全職|全职|直接|間接|间接"
    r"|相關|相关|就業|就业|研發|研发|科研|技術|技术|專業|专业|管理)"
)
# Chinese releases group thousands with a space or thin space ("6 009個就業職位", "82 600人"; the
# NFKC copy turns U+2009, U+202F and U+00A0 into a space). Only 1-3 digits then groups of exactly
# three join, and never right after another digit group: "2023 年 5 月" and "3 5 7" stay apart.
_SPACED = "[ \u00a0\u2009\u202f]"
_NUM_SPACED = rf"(?<![0-9.])(?<![0-9]{_SPACED})[0-9]{{1,3}}(?:{_SPACED}[0-9]{{3}})+(?![0-9])"
_NUM_CN_TEXT = rf"(?:{_NUM_SPACED}|{_NUM})"
_JOB_NUM_CN = rf"(?<![每第單单]){_NUM_CN_TEXT}"
_JOBS_CN_RE = re.compile(
    rf"(?:(?P<btw>介乎|介於|介于)|(?P<q>{_Q_CN})\s?)?"
    rf"(?P<n1>{_JOB_NUM_CN})(?P<m1>{_MID})?(?P<s1>[萬万])?"
    rf"(?:(?P<sep>\s?[至到~\-–]\s?)(?P<n2>{_JOB_NUM_CN})(?P<s2>[萬万])?)?"
    rf"(?P<post>{_MID}|\+)?\s?(?:個|个|名|位)?\s?(?P<post2>或以上|以上)?"
    rf"{_JOB_MOD_CN}{{0,3}}{_JOB_NOUN_CN}"
)
# "近千個職位" (nearly a thousand jobs), "逾百名研發人員", "過千個職位": a round hundred, thousand
# or ten thousand after 近 (nearly) or 逾/過 (over) is one figure. "數千" (several thousand) is a
# range with no single value and is left out; "最近"/"附近" (recently, nearby) are not "nearly".
_ROUND_CN = {"百": 100, "千": 1000, "萬": 10_000, "万": 10_000}
_JOBS_CN_ROUND_RE = re.compile(
    rf"(?P<q>(?<![最附])近|逾|過|过)(?P<n1>[百千萬万])(?![百千萬万億亿])\s?(?:個|个|名|位)?\s?"
    rf"{_JOB_MOD_CN}{{0,3}}{_JOB_NOUN_CN}"
)
# "聘用超過500人", "招聘200人從事科研工作": "人" only counts after a hiring verb.
_JOBS_CN_VERB_RE = re.compile(
    rf"(?:招聘|聘請|聘请|聘用|僱用|雇用|招募|聘)\s?"
    rf"(?P<body>(?:(?P<q>{_Q_CN})\s?)?(?P<n1>{_NUM_CN_TEXT})(?P<m1>{_MID})?(?P<s1>[萬万])?"
    rf"(?P<post>{_MID})?(?:名|位)?(?P<post2>以上)?人)(?![民才員员])"
)

_PERIOD_N = (
    r"(?P<n>(?<![0-9])[0-9]{1,2}"
    r"|(?<![〇零一二兩两三四五六七八九十])[一二兩两三四五六七八九十]{1,3}"
    r"|(?i:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty))"
)
_PERIOD_RE = re.compile(
    rf"(?<![A-Za-z])(?i:over|in|within|during|for|across)\s+(?i:the\s+|a\s+)?"
    rf"(?:(?i:next|coming|following|first)\s+)?{_PERIOD_N}[\s-]+(?i:years?)(?![A-Za-z])"
    rf"|(?<![A-Za-z])(?P<decade>(?i:over|in|within|during)\s+the\s+(?:next|coming)\s+decade)"
    rf"|(?:未來|未来|今後|今后|往後|往后)\s?{_PERIOD_N.replace('?P<n>', '?P<n2>')}\s?(?:個|个)?年"
    rf"|{_PERIOD_N.replace('?P<n>', '?P<n3>')}\s?年(?:內|内|間|间)"
)
# Sentence ends: CJK full stops anywhere, an ASCII full stop only before a space (not "6.9").
_SENTENCE_END_RE = re.compile(r"[。；;!?！？\n]|\.(?=\s|$)")
_SPACES_RE = re.compile(r"\s+")
_MAX_VALUE = Decimal(10) ** 18  # far above any real announcement
_PERIOD_AFTER = 80
_PERIOD_BEFORE = 40
# Every amount holds a number, at most this many characters after the match start ("not
# fewer than U.S.$ "), so the money pattern is only run from just before each number.
_NUMBER_START_RE = re.compile(r"[0-9〇零一二兩两三四五六七八九十]")
_LOOKBACK = 40
# Cheap pre-filters: the job and period patterns only run where their keywords occur. The
# English words are looked for in lower-cased text, which is faster than a case-insensitive
# pattern; the only other letters a case-insensitive pattern takes for a-z are these four.
_FOLDS_TO_ASCII_RE = re.compile("[\u0130\u0131\u017f\u212a]")  # İ ı ſ K (Kelvin)
_JOB_HINT_EN_RE = re.compile(
    r"job|post|position|employ|staff|worker|personnel|talent|researcher|scientist|engineer"
    r"|professional|hire|hiring|recruit|vacanc"
)
# Each verb of _JOBS_EN_VERB_RE holds one of these.
_HIRING_WORDS = ("hir", "employ", "recruit")
_JOB_HINT_CN_RE = re.compile(r"[職职崗岗員员人]|就業|就业|機會|机会")
_PERIOD_HINT_RE = re.compile(r"(?i:year|decade)|年")
# An amount needs a currency sign, code or word (each alternative of _CP and _CS holds one of
# these), so text without any holds no amount and the money pattern need not run at all.
_CURRENCY_SIGN_RE = re.compile(r"[$€£¥元幣币圓圆金鎊镑]")
_CURRENCY_WORD_RE = re.compile(
    r"hkd|usd|rmb|cny|eur|jpy|gbp|dollar|yuan|renminbi|yen|pound|sterling"
)


# --------------------------------------------------------------------------- normalisation


class _NfkcTable(dict[int, str]):
    """``str.translate`` table that NFKC-normalises a character only when its length stays 1."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        # Keeping length-changing characters as they are keeps offsets identical.
        result = folded if len(folded) == 1 else char
        self[code] = result
        return result


_NFKC = _NfkcTable()


def _normalise(text: str) -> str:
    """Same-length copy of ``text`` with full-width forms folded (＄４，０００ → $4,000)."""
    return text if text.isascii() else text.translate(_NFKC)


# --------------------------------------------------------------------------- scanning

# Python's regex engine tries a pattern at every position of the text, and the amount and job
# patterns are slow to fail (their qualifier alternatives are tried at each place). All of
# them have one shape, though: an optional lead-in (qualifier, "between", currency) and then a
# number. A match can therefore only begin on a number or a few words before it, where a
# lead-in can start; _search tries just those places, left to right, and so finds exactly the
# match ``pattern.search`` would.


@dataclass(frozen=True)
class _Scan:
    """A pattern and what bounds where its matches can begin (see _search)."""

    pattern: re.Pattern[str]
    # Where a match's number can start. No lead-in holds such a character, so a match's
    # number is the first one at or after the match's start.
    anchors: re.Pattern[str]
    # The most runs of whitespace a lead-in holds ("no fewer than HK$ " has four).
    spaces: int


# A number never starts right after a digit; Chinese numerals can start anywhere.
_DIGITS_RE = re.compile(r"[0-9]+")
_NUMBERS_RE = re.compile(r"[0-9]+|[〇零一二兩两三四五六七八九十]")
# English lead-ins start where no ASCII letter precedes (each has a (?<![A-Za-z])); all the
# others start with a non-ASCII character (CJK words, €, £, ¥, or a folded letter like "ı").
_LEAD_IN_START_RE = re.compile(r"(?<![A-Za-z])\S|[^\x00-\x7f]")
# Lead-ins: _BETWEEN or _QUAL (at most three runs: "no fewer than "), then for money _CP (one:
# "HK$ "). The hiring-verb patterns are cheap to run everywhere and are not scanned this way.
_MONEY_SCAN = _Scan(_MONEY_RE, _NUMBERS_RE, spaces=4)
_JOBS_EN_SCAN = _Scan(_JOBS_EN_RE, _DIGITS_RE, spaces=3)
_JOBS_CN_SCAN = _Scan(_JOBS_CN_RE, _NUMBERS_RE, spaces=1)


# Read backwards from a number: the token touching it, then up to N runs of whitespace each
# followed by a token; the match stops before the run a lead-in cannot reach.
_BACKWARDS_RE = {spaces: re.compile(rf"\S*(?:\s+\S*){{0,{spaces}}}") for spaces in range(5)}


def _lead_in_floor(norm: str, floor: int, number: int, spaces: int) -> int:
    """Leftmost start, not before ``floor``, of a lead-in ending at ``number``."""
    # A lead-in does not start with whitespace and holds at most ``spaces`` runs of it.
    found = _BACKWARDS_RE[spaces].match(norm[floor:number][::-1])
    assert found is not None  # every part of the pattern is optional
    return number - found.end()


def _search(scan: _Scan, norm: str, start: int) -> re.Match[str] | None:
    """``scan.pattern.search(norm, start)``, trying only where a match can begin."""
    floor = start
    match = scan.pattern.match
    for anchor in scan.anchors.finditer(norm, start):
        number = anchor.start()
        lowest = _lead_in_floor(norm, floor, number, scan.spaces)
        for lead in _LEAD_IN_START_RE.finditer(norm, lowest, number):
            if (found := match(norm, lead.start())) is not None:
                return found
        if (found := match(norm, number)) is not None:
            return found
        floor = anchor.end()  # a later match's lead-in cannot hold these digits
    return None


def _finditer(scan: _Scan, norm: str) -> Iterator[re.Match[str]]:
    """``scan.pattern.finditer(norm)`` (its matches are never empty: each holds a number)."""
    pos = 0
    while (found := _search(scan, norm, pos)) is not None:
        yield found
        pos = found.end()


# --------------------------------------------------------------------------- numbers


def _cn_int(numeral: str) -> int:
    """Value of a Chinese numeral such as 兩千, 十二萬, 一億五千萬 or 二〇二三."""
    if not any(c in _CN_UNIT for c in numeral):
        return int("".join(str(_CN_DIGIT[c]) for c in numeral))
    total, section, digit, last_big = 0, 0, 0, 0
    for char in numeral:
        if char in _CN_DIGIT:
            digit = _CN_DIGIT[char]
            continue
        unit = _CN_UNIT[char]
        if unit < 10_000:
            section += (digit or 1) * unit
        else:
            section += digit
            # "萬億": a bigger unit after a smaller one scales everything so far.
            total = (
                (total + section) * unit if unit > last_big and total else total + section * unit
            )
            last_big, section = unit, 0
        digit = 0
    return total + section + digit


def _number(token: str) -> Decimal:
    """Decimal value of an Arabic ("4,000", "6.9") or Chinese ("一萬") number token."""
    if token[0] in _CN_DIGIT or token[0] == "十":
        return Decimal(_cn_int(token))
    return Decimal(re.sub(r"[,\s]", "", token))


def _scale(token: str | None) -> int:
    """Multiplier for a scale word: billion, bn, m, 億, 萬, 百萬, 千萬 ..."""
    if not token:
        return 1
    word = token.strip(" \t\n-").lower()
    if word in _EN_SCALE:
        return _EN_SCALE[word]
    factor = 1
    for char in word:
        factor *= _CN_UNIT.get(char, 1)
    return factor


def _plausible(*values: Decimal | None) -> bool:
    """False for absurd figures (a 400-digit number would overflow to inf as a float)."""
    return all(v is None or v <= _MAX_VALUE for v in values)


def _as_float(value: Decimal) -> float:
    """Whole-unit float (883.5 million → 883500000.0 exactly)."""
    return float(value)


# --------------------------------------------------------------------------- currency


def _currency_token(prefix: str | None, suffix: str | None) -> str | None:
    """Currency code, ``_BARE``, ``_UNSUPPORTED`` or None from the matched currency text."""
    for raw in (prefix, suffix):
        if raw is None:
            continue
        token = raw.strip(" \t\n-")
        if token in _CURRENCY_OF:
            return _CURRENCY_OF[token]
        if token.endswith("$"):
            return _BARE if token == "$" else _UNSUPPORTED
        if token.startswith("元"):
            rest = token[1:]
            if not rest:
                return _BARE
            return _CURRENCY_OF.get(rest, _UNSUPPORTED)
        word = re.sub(r"[\s-]+", " ", token.lower()).removesuffix("s")
        if word == "dollar":
            return _BARE
        return _CURRENCY_OF.get(word, _UNSUPPORTED)
    return None


def _resolve(token: str | None, dollar: str) -> str | None:
    """Replace ``_BARE`` with the caller's dollar currency."""
    return dollar if token == _BARE else token
