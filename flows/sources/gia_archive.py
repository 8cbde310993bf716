"""The government press-release archive: daily index pages and release pages, parsed."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from flows.sources import textcodec
from flows.sources.errors import SourceError
from flows.sources.gia import HK_TZ, html_to_text, release_id

LANGS = ("en", "zh")
# A release: /gia/general/YYYYMM/DD/P<YYYYMMDD><4 or 5 digits>.htm, or before about 2005 seven
# digits and no P (0331105.htm). Print variants (…p.htm, …_print.htm) do not match.
_RELEASE_PATH = re.compile(r"^/gia/general/(\d{6})/(\d{2})/(P\d{12,13}|\d{7})\.htm$")
# The footer the body span carries: "Ends/Tuesday, June 21, 2022 Issued at HKT 20:16 NNNN"
# (the hour may have one digit), or "完 2023年10月9日（星期一） 香港時間11時41分 NNNN".
_FOOTER_EN = re.compile(
    r"\s*Ends/\s*[A-Za-z]+day,\s*([A-Za-z]+ \d{1,2},\s*\d{4})"
    r"(?:\s*Issued at HKT (\d{1,2}):(\d{2}))?\s*(?:NNNN)?\s*$"
)
_FOOTER_ZH = re.compile(
    r"\s*(?:完\s*)?(\d{4})年(\d{1,2})月(\d{1,2})日\s*[（(]星期.[）)]"
    r"(?:\s*香港時間\s*(\d{1,2})時(\d{1,2})分)?\s*(?:即日新聞\s*)?(?:NNNN)?\s*$"
)
_NNNN = re.compile(r"\s*NNNN\s*$")
# Other-language links: the 2010s templates' header image (hdrTCLnk on English pages; the
# mirror on Chinese pages), or older text links ("Traditional Chinese", "英文版").
_OTHER_IMG = re.compile(r"^hdr(?:TC|EN|Eng|En)Lnk$", re.IGNORECASE)
_OTHER_TEXT = re.compile(r"^\s*(?:Traditional Chinese|繁體版|English|英文版)\s*$")


@dataclass(frozen=True)
class Release:
    """One release page, parsed: what the archive's table and the detector need."""

    url: str
    release_id: str
    lang: str
    title: str
    text: str
    published_date_hk: date | None
    issued_at: datetime | None  # the footer's HKT date and time, in UTC
    other_url: str | None
    other_release_id: str | None
    encoding: str

    def row(self) -> dict[str, Any]:
        """The release as a plain dict (picklable, for batches on Dask workers)."""
        return asdict(self)


def index_url(base: str, day: date, lang: str) -> str:
    """The day's index page: {base}/gia/general/YYYYMM/DD.htm (English) or DDc.htm (Chinese)."""
    suffix = "c" if lang == "zh" else ""
    return f"{base.rstrip('/')}/gia/general/{day:%Y%m}/{day:%d}{suffix}.htm"


def is_release_url(url: str) -> bool:
    """True for a release page of the general tree (not an index, print variant or proxy)."""
    return _RELEASE_PATH.match(urlsplit(url).path) is not None


def decode(raw: bytes, *, lang: str, url: str, content_type: str | None = None) -> tuple[str, str]:
    """A page's text and codec by evidence (issue 10's rule): older Chinese pages are Big5
    served without a usable charset, so a declared charset is only one piece of evidence."""
    declared = textcodec.declared_charset(raw, content_type)
    candidates = textcodec.CHINESE if lang == "zh" else textcodec.ENGLISH
    try:
        found = textcodec.decode(raw, name=url, candidates=candidates, declared=declared)
    except textcodec.DecodeError as exc:
        raise SourceError(str(exc)) from exc
    return found.text, found.encoding


def index_links(markup: str, page_url: str) -> list[str]:
    """Release links of a daily index page, in page order, found by their href pattern (the
    markup around them changed over the years), resolved against the page's own URL."""
    tree = HTMLParser(markup)
    seen: dict[str, None] = {}
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        url = urljoin(page_url, href).split("#", 1)[0]
        if href and is_release_url(url):
            seen.setdefault(url, None)
    return list(seen)


def _title(tree: HTMLParser) -> str:
    for selector in ("#PRHeadlineSpan", "title"):
        node = tree.css_first(selector)
        if node is not None:
            text = html_to_text(node.text())
            if text:
                return text
    return ""


def _body(tree: HTMLParser) -> Node | None:
    node = tree.css_first("#pressrelease")
    if node is None:
        node = tree.body
    if node is None:
        return None
    # Inside the body span: the photo block's clone target, the footer and the NNNN line.
    for junk in node.css("script, style, .controlDisplay2, div.mB15, #PRHeadline, #starBar"):
        junk.decompose()
    return node


def _footer(text: str) -> tuple[str, date | None, tuple[int, int] | None]:
    """The text without its footer, and the footer's date and HKT time when it has them."""
    found = _FOOTER_EN.search(text)
    if found:
        when = datetime.strptime(re.sub(r"\s+", " ", found.group(1)), "%B %d, %Y").date()
        clock = (int(found.group(2)), int(found.group(3))) if found.group(2) else None
        return text[: found.start()].rstrip(), when, clock
    found = _FOOTER_ZH.search(text)
    if found:
        year, month, day = (int(found.group(i)) for i in (1, 2, 3))
        clock = (int(found.group(4)), int(found.group(5))) if found.group(4) else None
        return text[: found.start()].rstrip(), date(year, month, day), clock
    return _NNNN.sub("", text), None, None


def _other_link(tree: HTMLParser, page_url: str, own_id: str) -> str | None:
    for node in tree.css("a[href]"):
        img = node.css_first("img")
        by_img = img is not None and _OTHER_IMG.match(img.attributes.get("id") or "")
        if not (by_img or _OTHER_TEXT.match(node.text() or "")):
            continue
        url = urljoin(page_url, (node.attributes.get("href") or "").strip())
        if is_release_url(url) and release_id(url) != own_id:
            return url
    return None


def parse_release(raw: bytes, *, url: str, lang: str, content_type: str | None = None) -> Release:
    """A release page: title (#PRHeadlineSpan, else <title>), text (#pressrelease without its
    footer and NNNN), the HKT date and time of issue, and the other language's page."""
    markup, encoding = decode(raw, lang=lang, url=url, content_type=content_type)
    tree = HTMLParser(markup)
    rid = release_id(url)
    other = _other_link(tree, url, rid)
    title = _title(tree)
    footer_node = tree.css_first("#pressrelease div.mB15")
    footer = html_to_text(footer_node.html) if footer_node is not None else ""
    node = _body(tree)
    text = _NNNN.sub("", html_to_text(node.html) if node is not None else "")
    if footer:  # the 2019-2023 templates: the footer is its own block, taken out above
        _, day, clock = _footer(footer)
    else:  # older templates: the footer ends the text
        text, day, clock = _footer(text)
    if day is None:
        day = _day_from_url(url)
    issued = None
    if day is not None and clock is not None and clock[0] < 24 and clock[1] < 60:
        local = datetime(day.year, day.month, day.day, clock[0], clock[1], tzinfo=HK_TZ)
        issued = local.astimezone(UTC)
    return Release(
        url=url,
        release_id=rid,
        lang=lang,
        title=title,
        text=text,
        published_date_hk=day,
        issued_at=issued,
        other_url=other,
        other_release_id=release_id(other) if other else None,
        encoding=encoding,
    )


def _day_from_url(url: str) -> date | None:
    """The folder's day (/gia/general/YYYYMM/DD/): the P-number's date can differ from it."""
    found = _RELEASE_PATH.match(urlsplit(url).path)
    if not found:
        return None
    try:
        return datetime.strptime(found.group(1) + found.group(2), "%Y%m%d").date()
    except ValueError:
        return None


def days(start: date, end: date) -> list[date]:
    """Every day from start to end, both included."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]
