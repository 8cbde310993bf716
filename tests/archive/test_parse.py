"""Archive pages parsed: the real reference pages, index links, footers, and the detector's
precision and recall on the labelled releases read through release pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from flows.archive_load import parse_and_detect_batch
from flows.sources import gia_archive
from flows.sources.errors import SourceError
from flows.transforms.candidates import OUTPUT_SCHEMA, agreed
from flows.transforms.pairing import pair_languages
from tests.archive import site

# Two real release pages as the shared reference quotes them (verbatim excerpts, "[...]" marks
# elisions; each file starts with where it was read).
REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "gia_archive"
RAW_2019 = "07_release_page_en_P2019123100667_raw.html"
RAW_2022 = "01_release_page_en_P2022062100598.html"


def _reference(name: str) -> bytes:
    text = (REFERENCE / name).read_text(encoding="utf-8")
    return text[text.index("<!DOCTYPE") :].encode("utf-8")


def test_the_real_2019_page_title_text_footer_and_chinese_version() -> None:
    url = "http://www.info.gov.hk/gia/general/201912/31/P2019123100667.htm"
    release = gia_archive.parse_release(_reference(RAW_2019), url=url, lang="en")
    assert release.title == "CHP closely monitors cluster of pneumonia cases on Mainland"
    assert release.text.startswith("The Centre for Health Protection (CHP)")
    assert "Ends/" not in release.text and "NNNN" not in release.text
    assert release.issued_at == datetime(2019, 12, 31, 11, 6, tzinfo=UTC)  # HKT 19:06
    assert release.other_release_id == "P2019123100562"
    assert release.other_url == "http://www.info.gov.hk/gia/general/201912/31/P2019123100562.htm"


def test_the_real_2022_page_has_no_chinese_version() -> None:
    url = "https://www.info.gov.hk/gia/general/202206/21/P2022062100598.htm"
    release = gia_archive.parse_release(_reference(RAW_2022), url=url, lang="en")
    assert release.title.startswith("Speech by CE at HKEX 22nd Anniversary Celebrations")
    assert release.text.endswith("Thank you very much.")
    assert release.other_url is None and release.published_date_hk == date(2022, 6, 21)
    assert release.issued_at == datetime(2022, 6, 21, 12, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "day", "clock"),
    [
        (
            "Body. Ends/Monday, October 9, 2023 Issued at HKT 11:41 NNNN",
            date(2023, 10, 9),
            (11, 41),
        ),
        ("Body. Ends/Saturday, November 13, 2010 Issued at HKT 9:05", date(2010, 11, 13), (9, 5)),
        ("正文。 完 2023年10月9日（星期一） 香港時間11時41分 NNNN", date(2023, 10, 9), (11, 41)),
        ("正文。 2014年9月16日(星期二) 香港時間11時06分", date(2014, 9, 16), (11, 6)),
    ],
)
def test_footers_of_every_template_are_cut_and_read(
    text: str, day: date, clock: tuple[int, int]
) -> None:
    body, found_day, found_clock = gia_archive._footer(text)
    assert body in ("Body.", "正文。") and found_day == day and found_clock == clock


def test_index_links_by_href_pattern_in_any_layout() -> None:
    releases = [r for r in site.archive_releases() if r.day == date(2023, 4, 14)]
    page = "https://www.info.gov.hk/gia/general/202304/14.htm"
    links = gia_archive.index_links(site.index_page(date(2023, 4, 14), releases), page)
    assert links == [f"https://www.info.gov.hk{r.path}" for r in releases]
    older = gia_archive.index_links(
        site.older_index_page(date(2023, 4, 14), releases), page.replace(".htm", "c.htm")
    )
    assert older == links  # month-relative links resolve to the same pages
    markup = (
        '<a href="/gia/general/202304/14/P2023041400699p.htm">print</a>'
        '<a href="/gia/general/202304/14/P2023041400699_print.htm">print</a>'
        '<a href="http://sc.isd.gov.hk/TuniS/www.info.gov.hk/gia/general/202304/14/P2023041400699.htm">sc</a>'
        '<a href="/gia/general/202304/13.htm">yesterday</a>'
        '<a href="/gia/general/199804/01/0331105.htm">1998</a>'
    )
    assert gia_archive.index_links(markup, page) == [
        "https://www.info.gov.hk/gia/general/199804/01/0331105.htm"
    ]


def test_undecodable_bytes_are_refused_not_mojibake() -> None:
    url = "https://www.info.gov.hk/gia/general/201109/23/P201109230137.htm"
    with pytest.raises(SourceError, match="encoding doubtful"):
        gia_archive.parse_release(b"<html>\x81\xff\x80\xfe</html>", url=url, lang="zh")


def _labelled_pages() -> list[dict[str, Any]]:
    """Each labelled release (excerpts and full texts) as a synthetic page in the real layout,
    at the URL it was read from (the detector sees the text through the page parser, as a
    backfill does)."""
    pages = []
    for item in [*site.labelled(), *site.full_texts()]:
        day = date(2020, 1, 1)  # only the footer uses it; labelled items carry no day
        release = site.Release(
            item["id"], item["lang"], item["title"], item["text"], day, item["source_url"], None
        )
        pages.append(
            {
                "url": item["source_url"],
                "lang": item["lang"],
                "raw": site.release_page(release).encode("utf-8"),
                "sha256": "0" * 64,
                "day": day.isoformat(),
                "fetched_at": "2026-12-05T00:00:00+00:00",
                "label": item["label"],
                "full_text": item["full_text"],
                "id": item["id"],
            }
        )
    return pages


def _scores(pages: list[dict[str, Any]], rows: list[dict[str, Any]]) -> tuple[float, float, str]:
    """Precision, recall and a one-line summary (with the mistakes) of the detector's calls."""
    tp = fp = fn = 0
    mistakes = []
    for page, row in zip(pages, rows, strict=True):
        predicted = row["candidate"] is not None
        tp += predicted and page["label"]
        fp += predicted and not page["label"]
        fn += (not predicted) and page["label"]
        if predicted != page["label"]:
            mistakes.append(f"{page['id']} ({page['url']})")
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    zh = sum(p["lang"] == "zh" for p in pages)
    return (
        precision,
        recall,
        (
            f"{len(pages)} pages ({zh} Chinese, {tp + fn} positive): precision={precision:.3f} "
            f"recall={recall:.3f} mistakes={mistakes}"
        ),
    )


def test_detector_precision_and_recall_on_labelled_release_pages() -> None:
    pages = _labelled_pages()
    rows = parse_and_detect_batch(pages)
    full = [i for i, p in enumerate(pages) if p["full_text"]]
    assert len(rows) == len(pages) and not any(r["error"] for r in rows)
    assert len(full) >= 40 and {pages[i]["lang"] for i in full} == {"en", "zh"}
    p_full, r_full, on_full = _scores([pages[i] for i in full], [rows[i] for i in full])
    p_all, r_all, on_all = _scores(pages, rows)
    print(f"\narchive detector on full texts: {on_full}\n  on all labelled: {on_all}")
    assert min(p_full, r_full, p_all, r_all) >= 0.9, (on_full, on_all)


def test_linked_versions_pair_into_one_candidate() -> None:
    by_id = {r.rid: r for r in site.archive_releases()}
    pages = [
        {
            "url": "https://www.info.gov.hk" + by_id[rid].path,
            "lang": by_id[rid].lang,
            "raw": site.release_page(by_id[rid]).encode("utf-8"),
            "sha256": "0" * 64,
            "day": by_id[rid].day.isoformat(),
            "fetched_at": "2026-12-05T00:00:00+00:00",
        }
        for rid in ("P2023041400699", "P2023041400610")
    ]
    rows = parse_and_detect_batch(pages)
    found = pl.DataFrame([r["candidate"] for r in rows], schema=OUTPUT_SCHEMA)
    assert found.height == 2
    paired = pair_languages(found, agreed, {"P2023041400699": "P2023041400610"})
    assert paired.height == 1
    assert paired.row(0, named=True)["paired_release_id"] == "P2023041400610"
    # Without the link: the same day and figures pair them, unless they were issued apart.
    assert pair_languages(found, agreed).height == 1
    noon, later = datetime(2023, 4, 14, 4, tzinfo=UTC), datetime(2023, 4, 14, 9, tzinfo=UTC)
    same = {"P2023041400699": noon, "P2023041400610": noon}
    assert pair_languages(found, agreed, issued=same).height == 1
    apart = {"P2023041400699": noon, "P2023041400610": later}
    assert pair_languages(found, agreed, issued=apart).height == 2
