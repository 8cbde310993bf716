"""Text decoded by evidence, never by luck: the real-world encodings of the ITF lists and feeds.

TEST VALUES: the lists below are made for these tests (the applicant names are shapes seen in
real ITF lists: accented French names, curly quotes, Chinese names); no figure is real.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from flows.sources import censtatd, gia, hkma, itf, textcodec
from flows.sources.errors import SourceError

URL = "https://www.itf.gov.hk/datagovhk/annuallist_2019_e.csv"
HEADER = (
    "No.,Programme,Reference No.,Project Title,Lead Applicant,Funds Approved ($M),"
    "Revised Funds Approved ($M),Remarks\n"
)


def _list(*rows: str) -> str:
    return HEADER + "".join(f"{n},RFS,,{row},1.500,-,\n" for n, row in enumerate(rows, 1))


def _applicants(raw: bytes) -> list[str]:
    return itf.parse(raw, year=2019, source_url=URL).get_column("lead_applicant").to_list()


def test_cp1252_list_whose_only_accent_forms_a_big5_pair() -> None:
    # The case: "Limitée" ends in 0xE9 0x65, a valid Big5 pair: read as "Limit嶪" today.
    assert _applicants(_list("Robot cell,Acme Limitée").encode("cp1252")) == ["Acme Limitée"]


def test_cp1252_list_with_a_french_name_and_curly_quotes() -> None:
    text = _list(
        "\u201cSmart\u201d coating line,Société Générale (Hong Kong) Limitée",
        "Robot cell,Acme Limitée",
    )
    assert _applicants(text.encode("cp1252")) == [
        "Société Générale (Hong Kong) Limitée",
        "Acme Limitée",
    ]


def test_latin1_list() -> None:
    text = _list("Capteurs,Boulangerie Frisée")
    assert _applicants(text.encode("iso-8859-1")) == ["Boulangerie Frisée"]


def test_big5_hkscs_list_with_chinese_applicants() -> None:
    # "K歌Studio": one Chinese character between Latin letters is Chinese usage, not mojibake
    # (today's rule took it for Latin-1 and returned "­»´ä..." for every name).
    text = _list("智能生產線,香港生產力促進局", "納米纖維,香港大學", "錄音室,香港K歌Studio有限公司")
    assert _applicants(text.encode("big5hkscs")) == [
        "香港生產力促進局", "香港大學", "香港K歌Studio有限公司",
    ]  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_list_with_a_byte_order_mark(encoding: str) -> None:
    # UTF-8 with BOM loads today; UTF-16 with BOM was read as cp1252 ("ÿþN\x00o\x00...").
    text = _list("智能生產線,Société Générale (Hong Kong) Limitée")
    assert _applicants(text.encode(encoding)) == ["Société Générale (Hong Kong) Limitée"]


def test_a_doubtful_file_is_refused_naming_the_file_the_codecs_and_why() -> None:
    # Two bytes that read as two Latin letters or as one Chinese character, with nothing
    # around them to tell which: refused, not guessed.
    raw = _list("Robot cell,X").encode("ascii").replace(b",X,", b",\xc4\xe3,")
    with pytest.raises(SourceError) as err:
        itf.parse(raw, year=2019, source_url=URL)
    message = str(err.value)
    for words in (URL, "encoding doubtful", "UTF-8", "cp1252", "Big5-HKSCS", "Äã"):
        assert words in message, message


def test_each_rejected_codec_says_why() -> None:
    # A curly quote (0x93), "Limitée" and Big5 中 (0xA4 0xA4): no codec fits them all.
    raw = _list("\u201cxy,Acme Limitée").encode("cp1252").replace(b"1.500", b"\xa4\xa4")
    with pytest.raises(textcodec.DecodeError) as err:
        textcodec.decode(raw, name="list.csv", candidates=textcodec.ENGLISH)
    message = str(err.value)
    assert message.startswith("list.csv: encoding doubtful"), message
    assert "Chinese read as Latin" in message  # cp1252: the symbol run ¤¤
    assert "C1 control character U+0093" in message  # Latin-1: the curly quote byte
    assert "inside a Latin word" in message and "'ée'" in message  # Big5: Limit嶪


def test_a_chinese_feed_declared_big5_is_read_as_big5_hkscs() -> None:
    body = (
        '<?xml version="1.0" encoding="Big5"?><rss version="2.0"><channel><item>'
        "<title>新聞公報</title><link>https://www.info.gov.hk/gia/general/202403/10/"
        "P2024031000345.htm</link><description>香港</description></item></channel></rss>"
    ).encode("big5hkscs")
    frame = gia.parse_feed(body, lang="zh", source_url="gia/general_zh.xml")
    assert frame.get_column("title").to_list() == ["新聞公報"]


def test_a_feed_declaring_utf8_but_written_in_cp1252_is_read_by_evidence() -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><item>'
        "<title>Société Générale Limitée invests</title><link>https://www.info.gov.hk/gia/"
        "general/202403/10/P2024031000345.htm</link><description>x</description></item>"
        "</channel></rss>"
    ).encode("cp1252")
    frame = gia.parse_feed(body, lang="en", source_url="gia/general_en.xml")
    assert frame.get_column("title").to_list() == ["Société Générale Limitée invests"]


def test_json_in_utf16_with_bom_is_read() -> None:
    payload = {"header": {"status": {"name": "Success", "code": 0}}, "dataSet": []}
    raw = json.dumps(payload).encode("utf-16")
    assert censtatd._load(raw, "215-16001", "u") == payload


def test_json_that_is_not_utf8_is_refused_by_its_encoding_not_called_truncated() -> None:
    raw = '{"header": {}, "dataSet": [{"svDesc": "Société"}]}'.encode("cp1252")
    with pytest.raises(SourceError) as err:
        censtatd._load(raw, "215-16001", "u")
    assert "encoding doubtful" in str(err.value) and "truncated" not in str(err.value)


VINTAGE = datetime(2026, 12, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b'{"header": {"status"', "the body is not complete JSON (20 bytes;"),
        (b"[1, 2]", "the JSON is not an object"),
    ],
)
def test_both_json_sources_name_themselves_for_a_cut_body_or_a_body_not_an_object(
    body: bytes, said: str
) -> None:
    # One helper reads the C&SD and HKMA bodies; each error names its source and what to do.
    with pytest.raises(SourceError) as csd:
        censtatd.parse(body, table_id="215-16001", source_url="http://c/u", vintage=VINTAGE)
    with pytest.raises(SourceError) as fx:
        hkma.parse_page(body, where="http://h/p")
    assert str(csd.value).startswith("C&SD table 215-16001 (http://c/u): " + said)
    assert str(fx.value).startswith("HKMA http://h/p: " + said)
    if "complete" in said:
        assert "use the last good snapshot" in str(csd.value)
        assert str(fx.value).endswith("It is probably truncated: fetch the page again.")
