"""A press-release archive in the real layout, for tests: SYNTHETIC pages around REAL text.

Every page is built here: the markup follows the real release page P2019123100667 and the daily
index pages described in /work/shared/reference/gia_archive (the layout only), and each page
says in a comment that it is synthetic. Titles and texts are those of real releases: the
labelled set (tests/fixtures/gia_labelled.jsonl, each with the URL it was read from) and the
two versions of P2023100900453/P2023100900454 quoted in the reference. The texts are what those
sources hold (mostly the opening paragraphs, not the full release). Times of issue are given
only where the source states them; the rest of the footer (Ends/<the folder's day>) follows
the URL. Index pages list only the releases held here.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "gia_labelled.jsonl"
# Full texts of real releases (issue 24): labelled like FIXTURE, scored beside it, not served.
FULL_TEXTS = FIXTURE.with_name("gia_fulltext.jsonl")
_GENERAL = re.compile(r"/gia/general/(\d{6})/(\d{2})/(P\d{12,13})")
_WEEKDAY_ZH = "一二三四五六日"
# Issue times the labelled notes quote from the pages themselves.
ISSUED = {"P2025063000273": "16:30", "P2019012800572": "15:50"}
# The one English/Chinese pair of the labelled set (different P-numbers, one release).
PAIRS = {"P2023041400699": "P2023041400610"}


@dataclass(frozen=True)
class Release:
    """A release held by the test archive."""

    rid: str
    lang: str
    title: str
    text: str
    day: date
    source_url: str  # where its text was read
    label: bool | None  # the labelled set's label (None: not in the set)
    other: str | None = None  # the other language's P-number, linked from the page

    @property
    def path(self) -> str:
        """Its path in the archive: /gia/general/YYYYMM/DD/P….htm."""
        return f"/gia/general/{self.day:%Y%m}/{self.day:%d}/{self.rid}.htm"


def labelled(path: Path = FIXTURE) -> list[dict[str, Any]]:
    """The labelled releases (real text, with URLs)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def full_texts() -> list[dict[str, Any]]:
    """The labelled full texts (`full_text` true), read whole from a public scraper's copy."""
    return labelled(FULL_TEXTS)


def archive_releases() -> list[Release]:
    """The labelled releases whose URL is an info.gov.hk general release, at that path, and
    the reference's Trade and Industry Department pair (the two versions link each other)."""
    out: list[Release] = []
    linked = PAIRS | {zh: en for en, zh in PAIRS.items()}
    for item in labelled():
        found = _GENERAL.search(item["source_url"])
        if not found:
            continue
        month, day, rid = found.groups()
        out.append(
            Release(
                rid=rid,
                lang=item["lang"],
                title=item["title"],
                text=item["text"],
                day=date(int(month[:4]), int(month[4:]), int(day)),
                source_url=item["source_url"],
                label=item["label"],
                other=linked.get(rid),
            )
        )
    ref = "/work/shared/reference/gia_archive/03_release_pair_zh_en_20231009.txt"
    tid = date(2023, 10, 9)
    out.append(
        Release(
            "P2023100900453",
            "zh",
            "工業貿易署公共服務恢復正常",
            "電台及電視台當值廣播員注意:\n\n請盡快播出下列特別報告,並相隔適當時間重播:\n\n"
            "工業貿易署宣布,由於天文台經已於上午十一時四十分取消八號熱帶氣旋警告信號,"
            "該署各項公共服務將於兩小時內逐步回復正常。",
            tid,
            f"https://www.info.gov.hk/gia/general/202310/09/P2023100900453.htm ({ref})",
            None,
            "P2023100900454",
        )
    )
    out.append(
        Release(
            "P2023100900454",
            "en",
            "Trade and Industry Department services to resume",
            "Attention duty announcers, radio and TV stations:\n\nPlease broadcast the "
            "following special announcement immediately, and repeat it at frequent intervals:"
            "\n\nThe Trade and Industry Department announces that as the Tropical Cyclone "
            "Warning Signal No. 8 has been cancelled at 11.40am, its public services will "
            "resume in two hours.",
            tid,
            f"https://www.info.gov.hk/gia/general/202310/09/P2023100900454p.htm ({ref})",
            None,
            "P2023100900453",
        )
    )
    return out


def _footer(release: Release) -> str:
    day, time = release.day, ISSUED.get(release.rid)
    if release.lang == "zh":
        stamp = f"{day.year}年{day.month}月{day.day}日（星期{_WEEKDAY_ZH[day.weekday()]}）"
        if time:
            hour, minute = time.split(":")
            stamp += f"<br/>\n 香港時間{int(hour)}時{minute}分"
        return stamp
    stamp = f"Ends/{day:%A}, {day:%B} {day.day}, {day.year}"
    return stamp + (f"<br/>\n Issued at HKT {time}" if time else "")


def release_page(release: Release, *, charset: bool = True, title_suffix: str = "") -> str:
    """The release page in the 2019 layout (reference file 07)."""
    title = html.escape(release.title + title_suffix)
    body = "<br />\n&nbsp;<br />\n".join(
        "&nbsp;&nbsp;&nbsp;&nbsp; " + html.escape(part) for part in release.text.split("\n\n")
    )
    meta = (
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />' if charset else ""
    )
    other = ""
    if release.other:
        img, alt = (
            ("hdrTCLnk", "Traditional Chinese") if release.lang == "en" else ("hdrENLnk", "English")
        )
        other = (
            f'<a href="/gia/general/{release.day:%Y%m}/{release.day:%d}/{release.other}.htm">'
            f'<img src="/gia/images/lang.png" class="hdrLnk b0" id="{img}" alt="{alt}"></a>'
        )
    return f"""<!DOCTYPE html>
<!-- SYNTHETIC page for hkam's tests: the layout of the real page P2019123100667; title and
     text of the real release read at {html.escape(release.source_url)} -->
<html>
<head>
\t{meta}
\t<title>{title}</title>
</head>
<body>
<div class="left responsivegov engGov">
\t<a href="http://www.gov.hk/en/residents/" class="homePageURL"><img src="/gia/images/govLink.png" id="hdrGovLnk" alt="GovHK"></a>
\t{other}
</div>
<div id="contentBody" class="row">
\t<div class="colLeft resLeftContent">
\t<a href="{release.rid}p.htm" class="icon_print" title="Print"></a>
\t<div class="rel">
\t\t<div class="fontSize1" id="PRHeadline"><span id="PRHeadlineSpan">{title}</span></div>
\t\t<div id="starBar" class="fontSize1">***************************************</div>
\t</div>
\t<span id="pressrelease" class="fontSize1">
{body}<br />
\t\t<div class="controlDisplay2 resRightContent"></div>
\t\t<div>&nbsp;</div>
\t\t<div class="mB15 f15">{_footer(release)}
\t\t</div>
\t\t<div style="margin-top:10px;">
\t\t NNNN
\t\t</div>
\t</span>
\t<div class="btm_btn">
\t\t<a href="/gia/ISD_public_Calendar_en.html" class="newAch">Archives</a>
\t\t<a href="/gia/general/{release.day:%Y%m}/{release.day:%d}.htm" class="newAch">Back to Index Page</a>
\t</div>
\t</div>
</div>
</body>
</html>
"""


def index_page(day: date, releases: list[Release]) -> str:
    """A daily index page in the 2020s layout: root-based links in div.leftBody."""
    items = "\n".join(
        f'\t\t<li><a href="{r.path}">{html.escape(r.title)}</a></li>' for r in releases
    )
    return f"""<!DOCTYPE html>
<!-- SYNTHETIC index page for hkam's tests (the text rendering of real index pages shows one
     list item per release; scrapers find the links in div.leftBody) -->
<html><head><meta charset="utf-8"><title>Press Releases</title></head>
<body><a href="#content">Go to main content</a>
<div class="leftBody"><ul>
{items}
</ul></div>
<a href="/gia/general/{day:%Y%m}/{day.day - 1 if day.day > 1 else 1:02d}.htm">Yesterday's Press Releases</a>
<a href="/gia/general/today.htm">Today's Press Releases</a>
</body></html>
"""


def older_index_page(day: date, releases: list[Release]) -> str:
    """A daily index page in an older layout: a table, links relative to the month folder,
    no charset declared."""
    rows = "\n".join(
        f'<tr><td class="NormalText"><a href="{day:%d}/{r.rid}.htm">{html.escape(r.title)}</a>'
        "</td></tr>"
        for r in releases
    )
    return f"""<html><head><title>Press Releases</title></head>
<!-- SYNTHETIC index page for hkam's tests, in an older table layout -->
<body><table width="100%" border="0">
{rows}
</table><a href="../{day:%Y%m}/{day:%d}.htm">English</a></body></html>
"""
