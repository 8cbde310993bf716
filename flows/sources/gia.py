"""Hong Kong government press-release RSS (GIA general_en.xml / general_zh.xml): parse and pair."""

from __future__ import annotations

import gc
import hashlib
import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, fromstring, tostring
from xml.parsers import expat

import defusedxml
import defusedxml.ElementTree as SafeET
import httpx
import polars as pl

from flows.frames import redo_where
from flows.sources import http, textcodec, urls
from flows.sources.errors import SourceError

# The lead may move these into flows/sources/urls.py; they live here so this module stands alone.
GIA_RSS_EN = urls.GIA_RSS.format(lang="en")
GIA_RSS_ZH = urls.GIA_RSS.format(lang="zh")
FEED_URLS: dict[str, str] = {"en": GIA_RSS_EN, "zh": GIA_RSS_ZH}
LANGS = frozenset(FEED_URLS)

# Hong Kong has kept UTC+8 all year since 1979, so a fixed offset is exact and needs no tzdata.
HK_TZ = timezone(timedelta(hours=8), "Asia/Hong_Kong")

# Feeds with at least this many items are parsed a column at a time (see parse_feed).
COLUMNS_FROM = 1_000

SCHEMA: dict[str, pl.DataType] = {
    "release_id": pl.String(),
    "lang": pl.String(),
    "title": pl.String(),
    "link": pl.String(),
    "description_html": pl.String(),
    "description_text": pl.String(),
    "published_at": pl.Datetime("us", "UTC"),
    "published_date_hk": pl.Date(),
    "source_url": pl.String(),
}

PAIR_SCHEMA: dict[str, pl.DataType] = {
    "release_id": pl.String(),
    "title_en": pl.String(),
    "title_zh": pl.String(),
    "text_en": pl.String(),
    "text_zh": pl.String(),
    "link_en": pl.String(),
    "link_zh": pl.String(),
    "published_date_hk": pl.Date(),
}

# ".../gia/general/202310/04/P2023100400345.htm" (also "...p.htm", "..._print.htm", /gia/wr/);
# releases before about 2012 have four digits after the date (P201007070188).
_P_NUMBER_RE = re.compile(r"(?<![A-Za-z0-9])(P(\d{8})\d{4,5})(?=[p_.?#/]|$)")
_DROP_BLOCKS_RE = re.compile(r"(?is)<(script|style)\b[^>]*>.*?</\1\s*>")
_BREAK_TAGS_RE = re.compile(r"(?i)<\s*(?:br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>")
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")

# The same clean-up for whole columns in polars' Rust regex, which has no backreferences: the
# script/style pattern names its closing tag in each branch instead of using \1.
_DROP_BLOCKS_RUST = r"(?is)<script\b[^>]*>.*?</script\s*>|<style\b[^>]*>.*?</style\s*>"
_BREAK_TAGS_RUST = _BREAK_TAGS_RE.pattern
_TAG_RUST = _TAG_RE.pattern
# Python's \s also matches the separators \x1c-\x1f; Rust's does not. Only runs that are not
# already a single space are replaced (replacing every space with itself is most of the work).
_SPACE = r"[\s\x1c-\x1f]"
_SPACE_RUST = rf"{_SPACE}{{2,}}|[{_SPACE}--[ ]]"
# Inside a tag the engines can differ on non-ASCII text (Python folds "ı" to "i" and its \b
# has another idea of a letter), so markup with any non-ASCII character in a tag, or with a
# separator, goes through html_to_text itself.
_ODD_MARKUP_RUST = r"<[^>]*[^\x00-\x7f]|[\x1c-\x1f]"
# The P-number without look-around: the character before and after are matched instead.
_P_NUMBER_RUST = r"(?:^|[^A-Za-z0-9])(P[0-9]{8}[0-9]{4,5})(?:[p_.?#/]|$)"
# The one pubDate shape GIA writes ("Wed, 04 Oct 2023 12:30:00 +0800"), read in polars by
# position; any other (other years, zones or spellings, and "-0000", which means local time)
# goes to parse_pubdate.
_RFC822_RUST = (
    r"^[A-Za-z]{3}, (?:0[1-9]|[12][0-9]|3[01])"
    r" (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?:19|20)[0-9]{2}"
    r" (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] [+-](?:[01][0-9]|2[0-3])[0-5][0-9]$"
)


def release_id(link: str | None, title: str | None = None) -> str:
    """The P-number in the link (P2023100400345); otherwise a stable hash of link and title."""
    found = _P_NUMBER_RE.search(link or "")
    if found:
        return found.group(1)
    digest = hashlib.sha256(f"{link or ''}\x1f{title or ''}".encode()).hexdigest()
    return f"H{digest[:16]}"


def html_to_text(markup: str | None) -> str:
    """Strip tags, unescape entities (twice, as feeds often double-escape) and collapse spaces."""
    if not markup:
        return ""
    text = _DROP_BLOCKS_RE.sub(" ", markup)
    text = _BREAK_TAGS_RE.sub(" ", text)
    return _finish_text(_TAG_RE.sub(" ", text))


def _finish_text(text: str) -> str:
    """The rest of html_to_text once the tags are gone: entities, then spaces."""
    # "&amp;amp;" and "&lt;p&gt;" both occur: unescape, strip any tags that revealed, unescape.
    text = _TAG_RE.sub(" ", html.unescape(text))
    text = html.unescape(text).replace("\xa0", " ").replace("\u3000", " ")
    return _SPACE_RE.sub(" ", text).strip()


def parse_pubdate(value: str | None) -> datetime | None:
    """RFC 822 pubDate ("Wed, 04 Oct 2023 12:30:00 +0800") as aware UTC; None if unusable."""
    if value is None or not value.strip():
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # A pubDate without a zone comes from a Hong Kong feed: read it as Hong Kong time.
        when = when.replace(tzinfo=HK_TZ)
    return when.astimezone(UTC)


def _date_from_release(rid: str) -> date | None:
    found = _P_NUMBER_RE.fullmatch(rid)
    if not found:
        return None
    try:
        return datetime.strptime(found.group(2), "%Y%m%d").date()
    except ValueError:
        return None


def _child_text(item: Element, name: str) -> str | None:
    node = item.find(name)
    if node is None:
        return None
    return (node.text or "").strip()


def _inner_markup(node: Element | None) -> str:
    """Text plus serialised children: an un-escaped <p> inside description is still its HTML."""
    if node is None:
        return ""
    parts = [node.text or ""]
    for child in node:
        parts.append(tostring(child, encoding="unicode"))
    return "".join(parts).strip()


class _Stop(Exception):
    """Raised from an expat handler to end a scan early."""


def _plain_prolog(raw: bytes) -> bool:
    """True when expat reaches the root element with no DOCTYPE before it."""
    # Entities can only be declared, and external ones only referenced, through a DOCTYPE,
    # which must come before the root element: without one there is nothing for defusedxml to
    # refuse. The scan stops at the root's start tag, so it reads only the prolog.
    reached: list[bool] = []

    def doctype(*_: object) -> None:
        raise _Stop

    def root(*_: object) -> None:
        reached.append(True)
        raise _Stop

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    with suppress(_Stop, expat.ExpatError):
        parser.Parse(raw, True)
    return bool(reached)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector for a block that only allocates."""
    # A 100,000-item tree is half a million elements, none of them garbage; the collections
    # their allocation triggers would scan them again and again for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_root(raw: bytes, source_url: str) -> Element:
    if _plain_prolog(raw):
        # Nothing to defuse: the C parser builds the same tree several times faster than
        # defusedxml, which has to use the pure-Python parser to hook its entity handlers.
        try:
            with _gc_paused():
                return fromstring(raw)
        except ParseError:
            pass  # let defusedxml report it below, word for word as before
    try:
        root: Element = SafeET.fromstring(raw)
    except defusedxml.DefusedXmlException as exc:
        raise SourceError(
            f"GIA feed {source_url}: refused unsafe XML ({type(exc).__name__}: {exc}); "
            "entity declarations and external references are not allowed"
        ) from exc
    except ParseError as exc:
        raise SourceError(f"GIA feed {source_url}: malformed XML ({exc})") from exc
    return root


def _item_row(item: Element, lang: str, source_url: str) -> dict[str, Any]:
    title = html_to_text(_child_text(item, "title"))
    link = (_child_text(item, "link") or "").strip() or None
    description_html = _inner_markup(item.find("description"))
    rid = release_id(link, title)
    published_at = parse_pubdate(_child_text(item, "pubDate"))
    # Without a pubDate the P-number still dates the release (its digits are the HK date).
    published_date_hk = (
        published_at.astimezone(HK_TZ).date() if published_at else _date_from_release(rid)
    )
    return {
        "release_id": rid,
        "lang": lang,
        "title": title,
        "link": link,
        "description_html": description_html,
        "description_text": html_to_text(description_html),
        "published_at": published_at,
        "published_date_hk": published_date_hk,
        "source_url": source_url,
    }


def _parse_rows(items: list[Element], lang: str, source_url: str) -> pl.DataFrame:
    """The feed's frame built item by item in Python."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in items:
        row = _item_row(item, lang, source_url)
        key = row["link"] or row["release_id"]
        if key in seen:
            continue
        seen.add(key)
        rows.append(row)
    if not rows:
        return pl.DataFrame(schema=SCHEMA)
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _raw_items(items: list[Element]) -> pl.DataFrame:
    """_item_row's inputs for every item: title, link, description markup and pubDate."""
    descriptions = [item.find("description") for item in items]
    columns = {
        # findtext is _child_text before its strip: "" for an empty element, None for none.
        "title_html": [item.findtext("title") for item in items],
        "link": [item.findtext("link") for item in items],
        # Most descriptions are one text node (CDATA or escaped HTML): nothing to serialise.
        "description_html": [
            "" if node is None else _inner_markup(node) if len(node) else node.text or ""
            for node in descriptions
        ],
        "pubdate": [item.findtext("pubDate") for item in items],
    }
    # polars strips what str.strip() strips but \x1c-\x1f, which no XML document can hold.
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String()))
    frame = frame.with_columns(pl.all().str.strip_chars())
    return frame.with_columns(link=pl.when(pl.col("link") != "").then(pl.col("link")))


def _text_columns(markup: str, name: str, tags: bool) -> list[pl.Expr]:
    """html_to_text in polars: ``name``, its tag-stripped form, and rows Python must redo."""
    source = pl.col(markup).fill_null("")
    stripped = source
    if tags:  # the tag patterns all start with "<": without one they change nothing
        stripped = (
            source.str.replace_all(_DROP_BLOCKS_RUST, " ")
            .str.replace_all(_BREAK_TAGS_RUST, " ")
            .str.replace_all(_TAG_RUST, " ")
        )
    return [
        stripped.alias(f"{name}_stripped"),
        # Without an "&" both unescapes are no-ops, and \xa0 and \u3000 are whitespace to the
        # collapse anyway, so the rest of html_to_text is the collapse.
        stripped.str.replace_all(_SPACE_RUST, " ").str.strip_chars(" ").alias(name),
        stripped.str.contains("&", literal=True).alias(f"{name}_unescape"),
        source.str.contains(_ODD_MARKUP_RUST).alias(f"{name}_odd"),
    ]


def _pubdate_column() -> pl.Expr:
    """parse_pubdate in polars for GIA's own format; null for every other value."""
    value = pl.col("pubdate")
    usual = value.str.contains(_RFC822_RUST) & ~value.str.ends_with("-0000")
    # The weekday is ignored, as parse_pubdate does; an impossible day (31 Feb) gives null.
    wall = value.str.slice(5, 20).str.strptime(pl.Datetime("us"), "%d %b %Y %H:%M:%S", strict=False)
    sign = pl.when(value.str.slice(26, 1) == "-").then(-1).otherwise(1)
    hours, minutes = (value.str.slice(at, 2).cast(pl.Int32, strict=False) for at in (27, 29))
    utc = wall - pl.duration(minutes=sign * (hours * 60 + minutes))
    return pl.when(usual).then(utc).dt.replace_time_zone("UTC").alias("published_at")


_XML_DECL = re.compile(rb"<\?xml[^>]*\?>")


def _as_utf8(raw: bytes, lang: str, source_url: str) -> bytes:
    """The feed as UTF-8 XML, its encoding decided by evidence (flows/sources/textcodec.py)."""
    declared = textcodec.declared_charset(raw)
    plain = declared is None or declared.lower().replace("_", "-") in ("utf-8", "utf8")
    if plain and not raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00")):
        try:
            raw.decode("utf-8")  # the usual case: the bytes go to the parser as they are
            return raw
        except UnicodeDecodeError:
            pass
    candidates = textcodec.CHINESE if lang == "zh" else textcodec.ENGLISH
    try:
        decoded = textcodec.decode(
            raw, name=f"GIA feed {source_url}", candidates=candidates, declared=declared
        )
    except textcodec.DecodeError as exc:
        raise SourceError(str(exc)) from exc
    # The text is UTF-8 now: its declaration must say so, or the parser would decode it again.
    utf8 = decoded.text.encode("utf-8")
    return _XML_DECL.sub(b'<?xml version="1.0" encoding="UTF-8"?>', utf8, count=1)


def parse_feed(raw: bytes, *, lang: str, source_url: str) -> pl.DataFrame:
    """Parse one GIA RSS 2.0 feed into one row per release (deduplicated by link)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {sorted(LANGS)}, not {lang!r}")
    root = _load_root(_as_utf8(raw, lang, source_url), source_url)
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise SourceError(
            f"GIA feed {source_url}: not RSS 2.0 (root <{root.tag}>, expected <rss><channel>)"
        )
    items = channel.findall("item")
    if not items:
        # A GIA feed always lists the latest releases: none means the format changed (an
        # <item> renamed) or a broken export, never a quiet day; 0 rows must not pass as ok.
        children = sorted({child.tag for child in channel})
        raise SourceError(
            f"GIA feed {source_url}: <channel> has no <item> elements (its elements: "
            f"{', '.join(children) or 'none'}); a GIA press-release feed is never empty, so "
            "its format has probably changed"
        )
    # Item by item costs tens of microseconds each, whole columns a few milliseconds at all:
    # the live feeds (a few hundred items) go the first way, archives the second. Both give
    # the same frame (tests/sources/test_gia.py runs every feed through both).
    if len(items) < COLUMNS_FROM:
        return _parse_rows(items, lang, source_url)
    return _parse_columns(items, lang, source_url)


def _parse_columns(items: list[Element], lang: str, source_url: str) -> pl.DataFrame:
    """The feed's frame built column by column in polars, with Python for the odd rows."""
    raw = _raw_items(items)
    tags = {
        column: raw.get_column(column).str.contains("<", literal=True).any()
        for column in ("title_html", "description_html")
    }
    # Lazily, so that polars strips each column's tags once for the three uses of the result.
    frame = (
        raw.lazy()
        .with_columns(
            *_text_columns("title_html", "title", tags["title_html"]),
            *_text_columns("description_html", "description_text", tags["description_html"]),
            pl.col("link").str.extract(_P_NUMBER_RUST, 1).alias("release_id"),
            _pubdate_column(),
        )
        .collect()
    )
    # Rows whose result polars' regex or date parser could get otherwise are redone in Python
    # with the per-item functions.
    for name, markup in (("title", "title_html"), ("description_text", "description_html")):
        frame = redo_where(
            frame, name, pl.col(f"{name}_unescape"), _finish_text, f"{name}_stripped"
        )
        frame = redo_where(frame, name, pl.col(f"{name}_odd"), html_to_text, markup)
    # Links without a P-number get hash ids, and Python's \d also matches non-ASCII digits.
    link = pl.col("link")
    other_link = pl.col("release_id").is_null() | (link.str.len_bytes() != link.str.len_chars())
    frame = redo_where(frame, "release_id", other_link, release_id, "link", "title")
    odd_date = pl.col("published_at").is_null() & pl.col("pubdate").is_not_null()
    frame = redo_where(frame, "published_at", odd_date, parse_pubdate, "pubdate")
    # Hong Kong is UTC+8 all year (see HK_TZ), so shifting the UTC wall clock is exact; without
    # a pubDate the P-number still dates the release.
    published = pl.col("published_at").dt.replace_time_zone(None)
    frame = frame.with_columns(published.dt.offset_by("8h").dt.date().alias("published_date_hk"))
    frame = redo_where(
        frame, "published_date_hk", published.is_null(), _date_from_release, "release_id"
    )
    # Deduplicated by link (by release_id where there is none), the first item kept.
    return (
        frame.filter(pl.coalesce("link", "release_id").is_first_distinct())
        .with_columns(lang=pl.lit(lang), source_url=pl.lit(source_url))
        .select(list(SCHEMA))
        .cast(pl.Schema(SCHEMA))
    )


def _one_language(frame: pl.DataFrame, suffix: str) -> pl.DataFrame:
    return frame.unique(subset="release_id", keep="first", maintain_order=True).select(
        "release_id",
        pl.col("title").alias(f"title_{suffix}"),
        pl.col("description_text").alias(f"text_{suffix}"),
        pl.col("link").alias(f"link_{suffix}"),
        pl.col("published_date_hk").alias(f"date_{suffix}"),
    )


def pair_releases(en: pl.DataFrame, zh: pl.DataFrame) -> pl.DataFrame:
    """One row per release_id with both language versions side by side (missing side null)."""
    left = _one_language(en if en.height else pl.DataFrame(schema=SCHEMA), "en")
    right = _one_language(zh if zh.height else pl.DataFrame(schema=SCHEMA), "zh")
    joined = left.join(right, on="release_id", how="full", coalesce=True)
    return (
        joined.with_columns(
            pl.coalesce("date_en", "date_zh").alias("published_date_hk"),
        )
        .select(list(PAIR_SCHEMA))
        .cast(pl.Schema(PAIR_SCHEMA))
        .sort("release_id")
    )


def fetch(
    lang: str,
    *,
    landing_dir: Path,
    client: httpx.Client | None = None,
    url: str | None = None,
    sleep: Callable[[float], None] | None = None,
    timeout: tuple[float, float] = (5.0, 30.0),
    retries: int = 4,
) -> tuple[pl.DataFrame, http.Landed]:
    """Fetch one language's feed live, land it, then parse it."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {sorted(LANGS)}, not {lang!r}")
    landed = http.fetch(
        url or FEED_URLS[lang],
        landing_dir=landing_dir,
        client=client,
        timeout=timeout,
        retries=retries,
        sleep=sleep,
    )
    return parse_feed(landed.path.read_bytes(), lang=lang, source_url=landed.url), landed
