"""One loopback archive server per module (127.0.0.1, a free port), serving tests/archive/site.py
pages with the archive's faults: 404 days, a Big5 page without a charset, a redirect, a 503
then success, a page revised between two backfills, an index page in an older layout."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler

import pytest

from tests.archive import site
from tests.helpers import serving

BIG5 = "P2023022200377"  # served as Big5 bytes, no charset anywhere
REDIRECTED = "P2023011800460"  # answers 301 to /moved/…
FLAKY = "P2023061400555"  # answers 503 once, then the page
REVISED = "P2024022800146"  # its title changes when the server is told to revise
OLDER_INDEX = (date(2023, 2, 28), "zh")
BROKEN_DAY = "/gia/general/202303/01.htm"  # answers 500 while the archive is told it is broken  # this day's index page is in the older layout
REVISION_MARK = " (revised in place: synthetic test change)"


@dataclass
class Archive:
    """The running server: its base URL, what it serves, and what it was asked."""

    base: str
    releases: list[site.Release]
    revised: bool = False
    hits: Counter[str] = field(default_factory=Counter)
    broken: bool = False
    flaky_left: int = 1

    def by_id(self, rid: str) -> site.Release:
        """A served release by P-number."""
        return next(r for r in self.releases if r.rid == rid)


def _index(archive: Archive, path: str) -> bytes | None:
    days: dict[tuple[str, str], list[site.Release]] = defaultdict(list)
    for r in archive.releases:
        suffix = "c" if r.lang == "zh" else ""
        days[(f"/gia/general/{r.day:%Y%m}/{r.day:%d}{suffix}.htm", r.lang)].append(r)
    for (where, lang), listed in days.items():
        if where == path:
            day = listed[0].day
            if (day, lang) == OLDER_INDEX:
                return site.older_index_page(day, listed).encode("utf-8")
            return site.index_page(day, listed).encode("utf-8")
    return None


def _page(archive: Archive, path: str) -> tuple[int, bytes, dict[str, str]]:
    if path == BROKEN_DAY and archive.broken:
        return 500, b"<html>Internal Server Error</html>", {}
    if path.startswith("/moved/"):
        path = "/gia/general/" + path.removeprefix("/moved/")
    elif REDIRECTED in path:
        return 301, b"", {"Location": "/moved/" + path.removeprefix("/gia/general/")}
    for r in archive.releases:
        if r.path != path:
            continue
        if r.rid == FLAKY and archive.flaky_left:
            archive.flaky_left -= 1
            return 503, b"busy", {"Retry-After": "0"}
        if r.rid == BIG5:
            return 200, site.release_page(r, charset=False).encode("big5hkscs"), {}
        mark = REVISION_MARK if r.rid == REVISED and archive.revised else ""
        return 200, site.release_page(r, title_suffix=mark).encode("utf-8"), {}
    index = _index(archive, path)
    if index is not None:
        return 200, index, {}
    return 404, b"<html>Not Found</html>", {}


def _handler(archive: Archive) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            return

        def do_GET(self) -> None:
            archive.hits[self.path] += 1
            status, body, headers = _page(archive, self.path)
            self.send_response(status)
            self.send_header("Content-Type", "text/html")  # never a charset, as the archive
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture(scope="module")
def archive() -> Iterator[Archive]:
    """The archive on 127.0.0.1 at a free port, stopped when the module ends."""
    state = Archive("", site.archive_releases())
    with serving(_handler(state)) as state.base:
        yield state
