"""GIA press-release RSS: parsing, hostile XML, pairing, and the bundled snapshot feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def test_a_channel_without_items_fails_the_source() -> None:
    # A GIA feed always lists the latest releases: an empty one is a changed format, not ok.
    with pytest.raises(SourceError, match="no <item> elements") as err:
        gia.parse_feed(feed(""), lang="zh", source_url=URL)
    assert URL in str(err.value) and "format has probably changed" in str(err.value)


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
    pairs = gia.pair_releases(en, pl.DataFrame(schema=gia.SCHEMA))
    assert pairs.height == 1 and pairs["link_zh"][0] is None


@pytest.mark.parametrize(("name", "lang"), [("general_en.xml", "en"), ("general_zh.xml", "zh")])
def test_snapshot_feeds_parse(name: str, lang: str) -> None:
    df = gia.parse_feed((SNAPSHOT / name).read_bytes(), lang=lang, source_url=gia.FEED_URLS[lang])
    assert df.height >= 10
    assert df["release_id"].str.starts_with("P").all()
    assert df["link"].str.starts_with("https://www.info.gov.hk/gia/").all()
    assert df["published_date_hk"].null_count() == 0
    assert (df["description_text"].str.len_chars() > 0).all()


# --------------------------------------------------------------------------- both parse paths
# Feeds of COLUMNS_FROM items or more are parsed column by column in polars, smaller ones item
# by item: every feed must give the same frame either way.

# TEST VALUES: items for the corners where polars' regex or date parsing differs from Python's.
ODD_ITEMS = [
    item("T &amp;amp; U", f"  {LINK_A}  ", "&lt;p&gt;x&lt;/p&gt;&amp;lt;b&amp;gt;", "Wed, 02 Jan 2030 12:30:00 -0000"),
    item("lower-case month", LINK_B, "a\u00a0b\u3000c  d", "Wed, 02 jan 2030 12:30:00 +0800"),
    item("no weekday", "https://x/P2030010200333/", "", "02 Jan 2030 12:30:00 +0800"),
    item("named zone", "https://x/aP2030010200444.htm", "", "Wed, 02 Jan 2030 12:30:00 GMT"),
    item("two-digit year", "https://x/P20300102004441.htm", "", "Wed, 02 Jan 30 12:30:00 +0800"),
    item("leap second", "https://x/P2030010200555#x", "", "Wed, 02 Jan 2030 12:30:60 +0800"),
    item("31 February", "https://x/P2030023100555", "", "Thu, 31 Feb 2030 12:30:00 +0800"),
    item("full-width digits", "https://x/P２０３００１０２００６６６.htm", "", "Wed, 02 Jan 2030 12:30:00 +0099"),
    item("zone out of range", "https://x/P2030010200777.htm?P2030010200778.htm", "", "Wed, 02 Jan 2030 12:30:00 +2400"),
    item("far zone", "P2030010200888", "", "Fri, 31 Dec 1999 23:59:59 -2359"),
    item("year 99", "x", "", "Fri, 31 Dec 0099 23:59:59 +0800"),
    item("blocks", "https://x/P2030010200999.htm", "<![CDATA[<SCRIPT type='x'>bad</script > ok <Style>s</STYLE><br/>a<BR>b</p>c< br>d</h7>e]]>"),
    item("odd tags", "https://x/P2030010201000.htm", "<![CDATA[<scrıpt>x</scrıpt> <brä>y <style>a<script>b</style>c</script> d <p 中>e</p> f < g 中 ]]>"),
    item("escaped script", "", "&amp;lt;script&amp;gt;evil()&amp;lt;/script&amp;gt; &amp;#133; &amp;nbsp;x", "Wed, 02 Jan 2030 12:30:00 +08:00"),
    item("", "https://x/P2030010201001.htm", "<![CDATA[\u0085x\u2028y\u200bz\ufeff]]>", ""),
    item("<![CDATA[<b>bold</b> title]]>", "https://x/P2030010201002.htm", "<p>para <b>b</b></p>tail", "Mon, 01 Jan 2024 00:00:00 +0000"),
    item("no link", None, "", "Mon, 01 Jan 2024 07:59:59 +0800"),
    item("no link", None, "", "Mon, 01 Jan 2024 08:00:00 +0800"),
    item("same link again", "https://x/P2030010201001.htm", "dup"),
    "<item><title>A<b>B</b>C</title><link>https://x/<i>P2030010201003</i>.htm</link>"
    "<description>d<x a='1' b=\"&amp;\">in</x>t<y/></description>"
    "<pubDate>Wed, 02 Jan 2030 12:30:00 +0800</pubDate><pubDate>ignored</pubDate></item>",
    "<item></item>",
    "<item><title/><link/><description/><pubDate/></item>",
]  # fmt: skip


def both_paths(raw: bytes, lang: str = "en") -> tuple[pl.DataFrame, pl.DataFrame]:
    """The frame parse_feed makes item by item, and the one it makes column by column."""
    channel = gia._load_root(raw, URL).find("channel")
    assert channel is not None
    items = channel.findall("item")
    return gia._parse_rows(items, lang, URL), gia._parse_columns(items, lang, URL)


@pytest.mark.parametrize(
    "raw",
    [
        feed(""),
        feed("".join(ODD_ITEMS)),
        *(feed(odd) for odd in ODD_ITEMS),
        (SNAPSHOT / "general_en.xml").read_bytes(),
        (SNAPSHOT / "general_zh.xml").read_bytes(),
    ],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_column_path_gives_the_item_path_frame(raw: bytes, lang: str) -> None:
    by_item, by_column = both_paths(raw, lang)
    assert by_column.schema == by_item.schema == gia.SCHEMA
    assert by_column.equals(by_item)


def test_big_feeds_take_the_column_path(monkeypatch: pytest.MonkeyPatch) -> None:
    items = "".join(
        ODD_ITEMS[i % len(ODD_ITEMS)].replace("2030", f"2{i % 10:03d}") for i in range(1_200)
    )
    raw = feed(items)
    columns = gia.parse_feed(raw, lang="en", source_url=URL)
    monkeypatch.setattr(gia, "COLUMNS_FROM", 10**9)
    assert columns.equals(gia.parse_feed(raw, lang="en", source_url=URL))


FIELD_PIECES = [
    "a", " ", "&amp;", "&lt;p&gt;", "&lt;/p&gt;", "<![CDATA[<br>]]>", "中", "\u3000", "&amp;amp;",
    "&#160;", "P2024031000345", "https://x/", ".htm", "p", "_", "?", "Sun, 10 Mar 2024 00:30:00 +0800",
    "Mon", ", ", "10 Mar 2024", "12:00:00", "+0800", "-0000", "ı", "<![CDATA[<script>x</script>]]>",
    "<![CDATA[<style>]]>", "<![CDATA[<p 中>]]>",
]  # fmt: skip
FIELDS = st.lists(st.sampled_from(FIELD_PIECES), max_size=6).map("".join)
ITEMS = st.builds(item, FIELDS, st.one_of(st.none(), FIELDS), FIELDS, st.one_of(st.none(), FIELDS))


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(ITEMS, min_size=1, max_size=6))
def test_both_paths_agree_on_generated_items(items: list[str]) -> None:
    by_item, by_column = both_paths(feed("".join(items)))
    assert by_column.equals(by_item)


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        (feed(""), True),
        (b'<?xml version="1.0"?><!-- note --><rss/>', True),
        (b'<?xml version="1.0"?><!DOCTYPE rss><rss/>', False),
        (BILLION_LAUGHS, False),
        (b"not xml", False),
        (b"", False),
    ],
)
def test_only_documents_without_a_doctype_skip_defusedxml(raw: bytes, plain: bool) -> None:
    assert gia._plain_prolog(raw) is plain


def test_a_doctype_without_entities_still_parses() -> None:
    raw = feed(item("A", LINK_A)).replace(b"<rss", b"<!DOCTYPE rss>\n<rss", 1)
    assert gia.parse_feed(raw, lang="en", source_url=URL)["release_id"].to_list() == [
        "P2030010200111"
    ]
