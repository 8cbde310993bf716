"""hkam backfill press end to end against the loopback archive: one set of backfills per module."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows import archive_load, publishing
from flows import pipeline as p
from flows import warehouse as wh
from flows.archive_crawl import Crawler, Manifest, Polite
from flows.backfill import execute_backfill
from flows.cli import main
from flows.resources import snapshot_dir
from flows.runs import RunSummary, SourceCounts
from flows.settings import Endpoints, SettingError, Settings, load
from flows.sources.catalog import SOURCES
from flows.sources.catalog import Manifest as SnapshotManifest
from tests.archive import site
from tests.archive.conftest import BIG5, FLAKY, REDIRECTED, REVISED, REVISION_MARK, Archive

FIRST = (date(2023, 1, 18), date(2024, 2, 28))


@dataclass(frozen=True)
class Backfilled:
    """The module's backfills and what the server saw after each."""

    settings: Settings
    first: RunSummary
    again: RunSummary
    revised: RunSummary
    hits_first: Counter[str]
    hits_again: Counter[str]

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows from the published warehouse."""
        with duckdb.connect(str(self.settings.warehouse), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()


def _feed_first(settings: Settings) -> None:
    """The English feed loaded and proposed by the nightly's own steps, as a nightly run would
    have before the backfill: P2023041400699 and P2024022800146 are already candidates."""
    ws = wh.Workspace(settings.warehouse)
    spec = next(s for s in SOURCES if s.name == "gia")
    feed = snapshot_dir() / "gia" / "general_en.xml"
    with wh.writer_lock(ws), wh.connect(wh.start_work_copy(ws)) as con:
        wh.migrate(con)
        now = datetime.now(UTC)
        manifest = SnapshotManifest.read(snapshot_dir())
        p.load_official(con, spec, [feed], ws.landing, manifest, SourceCounts("gia"), "feed", now)
        p.propose_candidates(con, "feed", set())
    publishing.publish(ws)


@pytest.fixture(scope="module")
def done(archive: Archive, tmp_path_factory: pytest.TempPathFactory) -> Backfilled:
    root = tmp_path_factory.mktemp("backfill")
    settings = replace(
        load(root / "wh" / "hkam.duckdb", None, root / "reports", root / "data"),
        endpoints=Endpoints(gia=archive.base + "/gia/rss/general_{lang}.xml"),
        gia_delay=0.0,
    )
    _feed_first(settings)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(archive_load, "CHUNK_PAGES", 4)  # several chunks, as a long backfill has
        first = execute_backfill(settings, *FIRST)
    hits_first = Counter(archive.hits)
    again = execute_backfill(settings, date(2023, 1, 18), date(2023, 2, 28))
    hits_again = Counter(archive.hits)
    archive.revised = True
    revised = execute_backfill(settings, date(2024, 2, 28), date(2024, 2, 28), refresh=True)
    return Backfilled(settings, first, again, revised, hits_first, hits_again)


def test_every_release_of_the_range_is_landed_with_its_url_time_and_hash(
    done: Backfilled, archive: Archive
) -> None:
    assert done.first.status == "published", done.first.blocked_reasons
    served = [r for r in archive.releases if FIRST[0] <= r.day <= FIRST[1]]
    rows = done.rows(
        "SELECT url, sha256, fetched_at, release_id, revision FROM raw.gia_archive_page"
    )
    assert {r[3] for r in rows} == {r.rid for r in served}
    assert all(len(r[1]) == 64 and r[2] is not None for r in rows)
    counts = done.first.sources[0]
    assert counts.source == "gia_archive" and counts.loaded == len(served)
    landing = wh.Workspace(done.settings.warehouse).landing / "gia_archive"
    manifest = Manifest(landing / "days.jsonl").days
    days = (FIRST[1] - FIRST[0]).days + 1
    assert len(manifest) == 2 * days  # every day in both languages, read in full
    assert sum(entry["index_status"] == 404 for entry in manifest.values()) > days  # no releases
    # The checks ran on every page loaded (over several chunks: all but the text).
    [checked] = done.rows(
        "SELECT max(element_count) FROM meta.dq_result WHERE load_id = ?", done.first.run_id
    )
    assert checked == (len(served),)


def test_a_503_is_retried_and_a_redirect_followed(done: Backfilled, archive: Archive) -> None:
    flaky = archive.by_id(FLAKY).path
    assert done.hits_first[flaky] == 2  # 503, then the page
    moved = archive.by_id(REDIRECTED).path
    assert done.hits_first[moved] == 1
    assert done.hits_first["/moved/" + moved.removeprefix("/gia/general/")] == 1
    urls = {r[0] for r in done.rows("SELECT url FROM raw.gia_archive_page")}
    assert archive.base + flaky in urls and archive.base + moved in urls


def test_a_big5_page_without_a_charset_is_decoded_by_evidence(
    done: Backfilled, archive: Archive
) -> None:
    [(encoding, title, text)] = done.rows(
        "SELECT encoding, title, text FROM raw.gia_archive_page WHERE release_id = ?", BIG5
    )
    release = archive.by_id(BIG5)
    assert encoding == "big5hkscs"
    assert title == release.title
    assert "".join(release.text.split())[:40] in "".join(text.split())


def test_an_index_page_in_an_older_layout_is_read(done: Backfilled) -> None:
    # 2023-02-28's Chinese index is a table with month-relative links and no charset.
    rows = done.rows(
        "SELECT lang, index_day FROM raw.gia_archive_page WHERE release_id = 'P2023022800651'"
    )
    assert rows == [("zh", date(2023, 2, 28))]


def test_text_is_without_footer_and_the_footer_dates_the_release(done: Backfilled) -> None:
    rows = done.rows("SELECT release_id, text, published_date_hk FROM raw.gia_archive_page")
    for rid, text, day in rows:
        assert "NNNN" not in text and "Ends/" not in text and "香港時間" not in text, rid
        assert day.strftime("%Y%m%d") == rid[1:9], rid


def test_linked_versions_are_recorded_and_a_release_seen_in_both_is_one_candidate(
    done: Backfilled,
) -> None:
    links = dict(
        done.rows(
            "SELECT release_id, other_release_id FROM raw.gia_archive_page WHERE other_release_id IS NOT NULL"
        )
    )
    assert links["P2023100900454"] == "P2023100900453"
    assert links["P2023041400610"] == "P2023041400699"
    # The feed proposed the English version; the archive's Chinese version joins it.
    rows = done.rows(
        "SELECT release_id, paired_release_id, title_zh FROM core.announcement_candidate "
        "WHERE 'P2023041400699' IN (release_id, paired_release_id) "
        "OR 'P2023041400610' IN (release_id, paired_release_id)"
    )
    assert len(rows) == 1 and rows[0][:2] == ("P2023041400699", "P2023041400610"), rows
    assert rows[0][2]


def test_new_candidates_come_from_the_archive_pages(done: Backfilled) -> None:
    rows = done.rows(
        "SELECT release_id, link_zh, load_id FROM core.announcement_candidate WHERE release_id = ?",
        BIG5,
    )
    assert rows and rows[0][1].endswith(f"{BIG5}.htm") and rows[0][2] == done.first.run_id
    assert done.first.new_candidates >= 1


def test_a_day_read_in_full_is_not_read_again(done: Backfilled) -> None:
    assert done.again.status == "published"
    assert done.hits_again == done.hits_first  # no request at all
    counts = done.again.sources[0]
    assert counts.files > 0 and counts.files_unchanged == counts.files and counts.loaded == 0


def test_a_page_revised_in_place_is_kept_beside_the_first_and_reevaluated(
    done: Backfilled, archive: Archive
) -> None:
    assert done.revised.status == "published"
    url = archive.base + archive.by_id(REVISED).path
    versions = done.rows(
        "SELECT revision, title FROM raw.gia_archive_page WHERE url = ? ORDER BY revision", url
    )
    assert [v[0] for v in versions] == [1, 2]
    assert not versions[0][1].endswith(REVISION_MARK) and versions[1][1].endswith(REVISION_MARK)
    [(title,)] = done.rows(
        "SELECT title_en FROM core.announcement_candidate WHERE release_id = ?", REVISED
    )
    assert title.endswith(REVISION_MARK)  # the feed's candidate, evaluated again on the revision
    assert any("revised in place" in w for w in done.revised.sources[0].warnings)


def test_review_and_status_list_the_backfill(
    done: Backfilled, capsys: pytest.CaptureFixture[str]
) -> None:
    wh_path = str(done.settings.warehouse)
    data = str(done.settings.data_dir)
    assert main(["review", "--warehouse", wh_path, "--data-dir", data]) == 0
    assert BIG5 in capsys.readouterr().out
    assert main(["status", "--warehouse", wh_path]) == 0
    assert done.revised.run_id in capsys.readouterr().out


def test_backfill_flags_are_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    where = ["--warehouse", str(tmp_path / "w.duckdb")]
    assert main(["backfill", "press", "--from", "2023-13-01", "--to", "2023-12-31", *where]) == 2
    assert "--from '2023-13-01'" in capsys.readouterr().err
    assert main(["backfill", "press", "--from", "2023-02-01", "--to", "2023-01-01", *where]) == 2
    assert "before" in capsys.readouterr().err
    args = ["backfill", "press", "--from", "2023-01-01", "--to", "2023-01-01", "--lang", "fr"]
    assert main([*args, *where]) == 2


def test_gia_delay_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load().gia_delay == 1.0
    monkeypatch.setenv("HKAM_GIA_DELAY", "0")
    assert load().gia_delay == 0.0
    monkeypatch.setenv("HKAM_GIA_DELAY", "-1")
    with pytest.raises(SettingError, match="HKAM_GIA_DELAY"):
        load()


def test_polite_waits_the_delay_between_requests_to_one_host() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    polite = Polite(1.0, sleep=sleep, clock=lambda: now[0])
    polite.wait("https://www.info.gov.hk/gia/general/202310/09.htm")
    now[0] += 0.25
    polite.wait("https://www.info.gov.hk/gia/general/202310/09c.htm")
    polite.wait("https://other.example/x")  # another host does not wait
    assert slept == [0.75]


def test_site_pages_say_they_are_synthetic() -> None:
    release = site.archive_releases()[0]
    assert "SYNTHETIC" in site.release_page(release) and release.source_url.startswith("http")


def test_hkam_backfill_press_runs_the_flow_and_prints_its_summary(
    archive: Archive,
    prefect_harness: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HKAM_GIA_URL", archive.base + "/gia/rss/general_{lang}.xml")
    monkeypatch.setenv("HKAM_GIA_DELAY", "0")
    where = tmp_path / "w.duckdb"
    argv = ["backfill", "press", "--from", "2023-10-09", "--to", "2023-10-09", "--warehouse"]
    assert main([*argv, str(where), "--reports-dir", str(tmp_path / "reports")]) == 0
    out = capsys.readouterr().out
    assert "published" in out and "Reports:" in out
    with duckdb.connect(str(where), read_only=True) as con:
        rows = con.execute("SELECT release_id FROM raw.gia_archive_page ORDER BY 1").fetchall()
    assert rows == [("P2023100900453",), ("P2023100900454",)]
    assert main([*argv, str(where), "--dask", "somewhere:8786"]) == 2
    assert "local:N" in capsys.readouterr().err


def test_a_day_not_read_in_full_is_read_on_the_next_run(archive: Archive, tmp_path: Path) -> None:
    days = [date(2023, 3, 1), date(2023, 4, 14)]  # the first fails, the second has a release
    crawler = Crawler(archive.base, tmp_path / "landing", delay=0, retries=1, backoff=0)
    archive.broken = True
    try:
        _, stats = crawler.crawl(days, ["en"])
    finally:
        archive.broken = False
    assert len(stats.failed) == 1 and "2023-03-01 en" in stats.failed[0]
    assert "HTTP 500" in stats.failed[0] and stats.days_read == 1
    again = Crawler(archive.base, tmp_path / "landing", delay=0)
    _, stats = again.crawl(days, ["en"])
    assert stats.days_read == 1 and stats.days_skipped == 1 and stats.days_empty == 1
    # A day not over in Hong Kong (here one far ahead) is read but not recorded as read.
    ahead = date(2099, 1, 1)
    again.crawl([ahead], ["en"])
    assert not again.manifest.done(ahead, "en") and again.manifest.done(days[0], "en")


def test_a_wrong_address_records_no_day_as_empty(archive: Archive, tmp_path: Path) -> None:
    crawler = Crawler(archive.base + "/nothing-here", tmp_path / "landing", delay=0)
    _, stats = crawler.crawl([date(2023, 4, 14)], ["en", "zh"])
    assert stats.days_empty == 2 and not crawler.manifest.days
    assert "no daily index page was found" in stats.failed[-1]
