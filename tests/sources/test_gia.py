"""GIA press-release RSS: parsing, hostile XML, pairing, and the bundled snapshot feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flows.sources import gia
from flows.sources.errors import SourceError

SNAPSHOT = Path(__file__).resolve().parents[2] / "flows" / "snapshot" / "gia"
URL = "https://www.info.gov.hk/gia/rss/general_en.xml"

# TEST VALUES, not real releases: hand-written feeds that exercise the parser's edge cases.
LINK_A = "https://www.info.gov.hk/gia/general/203001/02/P2030010200111.htm"
LINK_B = "https://www.info.gov.hk/gia/general/203001/02/P2030010200222.htm"


def feed(items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>test</title><link>https://example.org/</link>{items}</channel></rss>"
    ).encode()


def item(title: str, link: str | None, description: str = "", pub: str | None = None) -> str:
    parts = [f"<title>{title}</title>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    parts.append(f"<description>{description}</description>")
    if pub is not None:
        parts.append(f"<pubDate>{pub}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def test_parses_items_with_utc_time_and_hong_kong_date() -> None:
    raw = feed(item("Test A", LINK_A, "plain", "Wed, 02 Jan 2030 00:30:00 +0800"))
    df = gia.parse_feed(raw, lang="en", source_url=URL)
    assert df.schema == gia.SCHEMA
    row = df.row(0, named=True)
    assert row["release_id"] == "P2030010200111"
    assert row["published_at"] == datetime(2030, 1, 1, 16, 30, tzinfo=UTC)
    # 00:30 in Hong Kong is still the previous day in UTC: the HK date must not follow UTC.
    assert row["published_date_hk"] == date(2030, 1, 2)
    assert row["lang"] == "en" and row["source_url"] == URL


def test_item_without_pubdate_has_null_time_and_date_from_the_p_number() -> None:
    raw = feed(item("No date", LINK_A) + item("Bad date", LINK_B, "", "sometime soon"))
    df = gia.parse_feed(raw, lang="en", source_url=URL)
    assert df["published_at"].null_count() == 2
    assert df["published_date_hk"].to_list() == [date(2030, 1, 2), date(2030, 1, 2)]


def test_html_inside_description_is_kept_and_stripped() -> None:
    escaped = "&lt;p&gt;Funding of &lt;b&gt;$2.8&amp;nbsp;million&lt;/b&gt;&lt;/p&gt;&lt;p&gt;B&amp;amp;C&lt;/p&gt;"
    cdata = "<![CDATA[<div>One<br/>two &amp; three</div><script>x()</script>]]>"
    raw_markup = "<p>Raw <i>child</i> markup</p>"
    raw = feed(
        item("A", LINK_A, escaped) + item("B", LINK_B, cdata) + item("C", "x.htm", raw_markup)
    )
    df = gia.parse_feed(raw, lang="en", source_url=URL)
    assert df["description_text"].to_list() == [
        "Funding of $2.8 million B&C",
        "One two & three",
        "Raw child markup",
    ]
    assert df["description_html"][0].startswith("<p>Funding")
    assert "<script>" in df["description_html"][1]


def test_duplicate_links_are_dropped_and_links_without_p_number_get_a_stable_id() -> None:
    raw = feed(item("A", LINK_A) + item("A again", LINK_A) + item("X", "https://example.org/x"))
    first = gia.parse_feed(raw, lang="en", source_url=URL)
    again = gia.parse_feed(raw, lang="en", source_url=URL)
    assert first.height == 2
    assert first["title"].to_list() == ["A", "X"]
    hashed = first["release_id"][1]
    assert hashed.startswith("H") and hashed == again["release_id"][1]


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://www.info.gov.hk/gia/general/202212/14/P2022121400217p.htm", "P2022121400217"),
        ("https://www.info.gov.hk/gia/general/201007/07/P201007070188_print.htm", "P201007070188"),
        ("https://www.info.gov.hk/gia/wr/201612/27/P2016122700955.htm", "P2016122700955"),
        (
            "https://www.info.gov.hk/gia/general/202402/28/P2024022800146.htm?fontSize=1",
            "P2024022800146",
        ),
    ],
)
def test_release_id_variants(link: str, expected: str) -> None:
    assert gia.release_id(link) == expected


def test_empty_channel_gives_an_empty_frame_with_the_schema() -> None:
    df = gia.parse_feed(feed(""), lang="zh", source_url=URL)
    assert df.height == 0 and df.schema == gia.SCHEMA


@pytest.mark.parametrize(
    "raw",
    [
        b"<rss><channel><item><title>unclosed</channel></rss>",
        b"",
        b"not xml at all",
    ],
)
def test_malformed_xml_is_a_source_error_naming_the_feed(raw: bytes) -> None:
    with pytest.raises(SourceError, match=r"GIA feed .*general_en\.xml: malformed XML"):
        gia.parse_feed(raw, lang="en", source_url=URL)


def test_wrong_root_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"not RSS 2\.0"):
        gia.parse_feed(b"<feed><entry/></feed>", lang="en", source_url=URL)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><item><title>&lol9;</title></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe;</title></item></channel></rss>"""


@pytest.mark.parametrize("raw", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"])
def test_entity_attacks_are_refused_with_a_clear_error(raw: bytes) -> None:
    with pytest.raises(SourceError) as info:
        gia.parse_feed(raw, lang="en", source_url=URL)
    message = str(info.value)
    assert URL in message and "refused unsafe XML" in message
    assert "root:" not in message  # nothing from /etc/passwd leaked into the error


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(ValueError, match="lang"):
        gia.parse_feed(feed(""), lang="fr", source_url=URL)


def test_pair_releases_joins_english_and_chinese_by_release_id() -> None:
    en = gia.parse_feed(
        feed(
            item("English A", LINK_A, "text a", "Wed, 02 Jan 2030 10:00:00 +0800")
            + item("English only", LINK_B)
        ),
        lang="en",
        source_url=URL,
    )
    zh_link_a = LINK_A.replace(".htm", "p.htm")
    zh_link_c = "https://www.info.gov.hk/gia/general/203001/03/P2030010300333.htm"
    zh = gia.parse_feed(
        feed(item("中文甲", zh_link_a, "文本甲") + item("只有中文", zh_link_c)),
        lang="zh",
        source_url=gia.GIA_RSS_ZH,
    )
    pairs = gia.pair_releases(en, zh)
    assert pairs.schema == gia.PAIR_SCHEMA
    assert pairs["release_id"].to_list() == ["P2030010200111", "P2030010200222", "P2030010300333"]
    a = pairs.row(0, named=True)
    assert (a["title_en"], a["title_zh"], a["text_en"], a["text_zh"]) == (
        "English A",
        "中文甲",
        "text a",
        "文本甲",
    )
    assert (a["link_en"], a["link_zh"]) == (LINK_A, zh_link_a)
    assert pairs["title_zh"][1] is None and pairs["title_en"][2] is None
    assert pairs["published_date_hk"].to_list() == [
        date(2030, 1, 2),
        date(2030, 1, 2),
        date(2030, 1, 3),
    ]


def test_pair_releases_with_an_empty_side() -> None:
    en = gia.parse_feed(feed(item("A", LINK_A)), lang="en", source_url=URL)
    pairs = gia.pair_releases(en, gia.parse_feed(feed(""), lang="zh", source_url=URL))
    assert pairs.height == 1 and pairs["link_zh"][0] is None


@pytest.mark.parametrize(("name", "lang"), [("general_en.xml", "en"), ("general_zh.xml", "zh")])
def test_snapshot_feeds_parse(name: str, lang: str) -> None:
    df = gia.parse_feed((SNAPSHOT / name).read_bytes(), lang=lang, source_url=gia.FEED_URLS[lang])
    assert df.height >= 10
    assert df["release_id"].str.starts_with("P").all()
    assert df["link"].str.starts_with("https://www.info.gov.hk/gia/").all()
    assert df["published_date_hk"].null_count() == 0
    assert (df["description_text"].str.len_chars() > 0).all()
