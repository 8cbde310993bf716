"""Polite, resumable crawl of the press-release archive: days, their index and release pages."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from flows import progress
from flows.sources import gia_archive, http
from flows.sources.errors import FetchError, SourceError
from flows.sources.gia import HK_TZ


@dataclass(frozen=True)
class PageRef:
    """A landed page: its URL, where it was landed, when, and its sha256."""

    url: str
    lang: str
    day: str  # the index day that listed it (ISO date)
    sha256: str
    path: str
    fetched_at: str  # ISO, UTC


class Manifest:
    """Days fully read, with their pages: a JSON Lines file beside the landed pages, one line
    appended per day (the last line of a day wins), so a stopped backfill resumes where it
    stopped and a day read in full is not read again unless asked to refresh."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.days: dict[str, dict[str, Any]] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:  # a line cut by a crash: that day is read again
                    continue
                self.days[entry["day"]] = entry

    @staticmethod
    def key(day: date, lang: str) -> str:
        """The manifest's key of one day in one language."""
        return f"{day.isoformat()}/{lang}"

    def done(self, day: date, lang: str) -> bool:
        """True when the day has been read in full in that language."""
        return self.key(day, lang) in self.days

    def pages(self, day: date, lang: str) -> list[PageRef]:
        """The pages landed for a day read in full (none for a day not read)."""
        entry = self.days.get(self.key(day, lang)) or {}
        return [PageRef(**ref) for ref in entry.get("pages", [])]

    def record(self, day: date, lang: str, pages: list[PageRef], index_status: int) -> None:
        """Record a day read in full: one line appended at once (a line lost in a crash only
        means that day is read again)."""
        key = self.key(day, lang)
        entry: dict[str, Any] = {
            "day": key,
            "read_at": datetime.now(UTC).isoformat(),
            "index_status": index_status,  # 404: the archive has no index: no releases that day
            "pages": [asdict(p) for p in pages],
        }
        self.days[key] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


class Polite:
    """One request at a time per host, at least `delay` seconds between the start of one and
    the next (retries included): the archive is a public server, not ours."""

    def __init__(
        self,
        delay: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.delay = delay
        self._sleep = sleep
        self._clock = clock
        self._last: dict[str, float] = {}

    def wait(self, url: str) -> None:
        """Sleep until the host may be asked again, then mark it asked."""
        host = urlsplit(url).netloc
        last = self._last.get(host)
        if last is not None:
            left = last + self.delay - self._clock()
            if left > 0:
                self._sleep(left)
        self._last[host] = self._clock()


@dataclass
class CrawlStats:
    """What a crawl did: for progress lines and the run's counts."""

    days: int = 0  # days in the range (per language)
    days_read: int = 0  # read now
    days_skipped: int = 0  # already read in full (the manifest), not read again
    days_empty: int = 0  # a 404 index: no releases that day
    pages: int = 0  # release pages fetched
    failed: list[str] = field(default_factory=list)  # days left unread, with why
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        """One progress line: days, pages and rate."""
        took = max(time.monotonic() - self.started, 1e-9)
        done = self.days_read + self.days_skipped
        return (
            f"archive: {done}/{self.days} daily index pages ({self.days_skipped} read before, "
            f"{self.days_empty} without releases), {self.pages} release pages, "
            f"{self.pages / took:.1f} pages/s"
        )


class Crawler:
    """Reads the archive's days into the landing folder, politely; see Manifest and Polite."""

    def __init__(
        self,
        base: str,
        landing: Path,
        *,
        delay: float = 1.0,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 4,
        backoff: float = 0.5,
    ) -> None:
        self.base = base
        self.landing = landing
        self.manifest = Manifest(landing / "days.jsonl")
        self.polite = Polite(delay, sleep)
        self.client = client
        self.sleep = sleep
        self.retries = retries
        self.backoff = backoff
        self._found_index = any(d.get("index_status") != 404 for d in self.manifest.days.values())
        self._missing: list[tuple[date, str]] = []  # 404 days waiting for one index found

    def _get(self, url: str) -> http.Landed:
        """One polite GET, landed; retries (429, 5xx, timeouts) keep the per-host delay too."""
        self.polite.wait(url)

        def pause(seconds: float) -> None:
            self.sleep(max(seconds, self.polite.delay))
            self.polite.wait(url)

        return http.fetch(
            url,
            landing_dir=self.landing / "pages",
            client=self.client,
            retries=self.retries,
            backoff=self.backoff,
            sleep=pause,
        )

    def _record(self, day: date, lang: str, pages: list[PageRef], status: int) -> None:
        """Record a day read in full, unless it is today or later in Hong Kong (its index can
        still grow, or not be up yet). A day without an index waits until some day's index was
        found: if none ever is, the address is wrong, and days recorded empty would never be
        read again."""
        if day >= datetime.now(HK_TZ).date():
            return
        if status == 404 and not self._found_index:
            self._missing.append((day, lang))
            return
        if status != 404 and not self._found_index:
            self._found_index = True
            for waiting in self._missing:
                self.manifest.record(*waiting, [], 404)
            self._missing.clear()
        self.manifest.record(day, lang, pages, status)

    def read_day(self, day: date, lang: str, stats: CrawlStats) -> list[PageRef] | None:
        """The day's release pages, landed and recorded; None when the day could not be read
        in full (it is tried again next time)."""
        url = gia_archive.index_url(self.base, day, lang)
        try:
            index = self._get(url)
        except FetchError as exc:
            if exc.last_status == 404:
                stats.days_empty += 1
                self._record(day, lang, [], 404)
                return []
            stats.failed.append(f"{day} {lang}: {exc}")
            return None
        try:
            markup, _ = gia_archive.decode(index.path.read_bytes(), lang=lang, url=index.url)
        except SourceError as exc:
            stats.failed.append(f"{day} {lang}: {exc}")
            return None
        pages: list[PageRef] = []
        for link in gia_archive.index_links(markup, index.url):
            try:
                landed = self._get(link)
            except FetchError as exc:
                if exc.last_status == 404:  # listed but gone: nothing to read
                    continue
                stats.failed.append(f"{day} {lang}: {exc}")
                return None
            stats.pages += 1
            pages.append(
                PageRef(
                    url=link,
                    lang=lang,
                    day=day.isoformat(),
                    sha256=landed.sha256,
                    path=str(landed.path),
                    fetched_at=landed.retrieved_at.isoformat(),
                )
            )
        self._record(day, lang, pages, index.status)
        return pages

    def crawl(
        self, days: Iterable[date], langs: Iterable[str], *, refresh: bool = False
    ) -> tuple[list[PageRef], CrawlStats]:
        """Every page of the days, in the languages: read now, or from the manifest for a day
        read in full before (unless refresh)."""
        todo = [(day, lang) for day in days for lang in langs]
        stats = CrawlStats(days=len(todo))
        refs: list[PageRef] = []
        owned = self.client is None
        if owned:  # one connection for the whole crawl (the host is asked one at a time)
            headers = {"User-Agent": http.USER_AGENT}
            self.client = httpx.Client(headers=headers, follow_redirects=True)
        try:
            # Its rows are a day in a language (one index page): rate and a heartbeat.
            with progress.step("archive: daily index pages", total_rows=len(todo)) as step:
                self._crawl(todo, stats, refs, refresh, step)
            if self._missing:
                stats.failed.append(
                    f"no daily index page was found at {self.base} ({len(self._missing)} "
                    "missing, HTTP 404): those days are not recorded as read; is $HKAM_GIA_URL "
                    "the archive's host?"
                )
        finally:
            if owned and self.client is not None:
                self.client.close()
                self.client = None
        return refs, stats

    def _crawl(
        self,
        todo: list[tuple[date, str]],
        stats: CrawlStats,
        refs: list[PageRef],
        refresh: bool,
        step: progress.Step,
    ) -> None:
        for n, (day, lang) in enumerate(todo, 1):
            step.advance(1)
            fetched = not (self.manifest.done(day, lang) and not refresh)
            if not fetched:
                stats.days_skipped += 1
                refs.extend(self.manifest.pages(day, lang))
            else:
                got = self.read_day(day, lang, stats)
                if got is not None:
                    stats.days_read += 1
                    refs.extend(got)
            # A line per day read (at 1 s a request a day takes minutes); skipped days go fast.
            if (fetched and self.polite.delay) or n % 100 == 0 or n == len(todo):
                progress.emit(stats.line())
