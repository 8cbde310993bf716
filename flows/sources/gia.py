"""Hong Kong government press-release RSS (GIA general_en.xml / general_zh.xml): parse and pair."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, tostring

import defusedxml
import defusedxml.ElementTree as SafeET
import httpx
import polars as pl

from flows.sources import http, urls
from flows.sources.errors import SourceError

# The lead may move these into flows/sources/urls.py; they live here so this module stands alone.
GIA_RSS_EN = urls.GIA_RSS.format(lang="en")
GIA_RSS_ZH = urls.GIA_RSS.format(lang="zh")
FEED_URLS: dict[str, str] = {"en": GIA_RSS_EN, "zh": GIA_RSS_ZH}
LANGS = frozenset(FEED_URLS)

# Hong Kong has kept UTC+8 all year since 1979, so a fixed offset is exact and needs no tzdata.
HK_TZ = timezone(timedelta(hours=8), "Asia/Hong_Kong")

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
    text = _TAG_RE.sub(" ", text)
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


def _load_root(raw: bytes, source_url: str) -> Element:
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


def parse_feed(raw: bytes, *, lang: str, source_url: str) -> pl.DataFrame:
    """Parse one GIA RSS 2.0 feed into one row per release (deduplicated by link)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {sorted(LANGS)}, not {lang!r}")
    root = _load_root(raw, source_url)
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise SourceError(
            f"GIA feed {source_url}: not RSS 2.0 (root <{root.tag}>, expected <rss><channel>)"
        )
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in channel.findall("item"):
        row = _item_row(item, lang, source_url)
        key = row["link"] or row["release_id"]
        if key in seen:
            continue
        seen.add(key)
        rows.append(row)
    if not rows:
        return pl.DataFrame(schema=SCHEMA)
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


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
    extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
    landed = http.fetch(
        url or FEED_URLS[lang],
        landing_dir=landing_dir,
        client=client,
        timeout=timeout,
        retries=retries,
        **extra,
    )
    return parse_feed(landed.path.read_bytes(), lang=lang, source_url=landed.url), landed
