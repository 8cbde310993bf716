"""The desk in a real headless Chromium (DevTools protocol, tests/reports/browser.py): open the
queue, filter, accept one by keyboard, reject one, accept and undo; the analyst's files then equal
what `hkam review accept/reject/undo` writes; no console error, no request off 127.0.0.1, release
text shown as text. The screenshot is saved; HKAM_UPDATE_SCREENSHOT=1 (or none yet) writes it to
docs/review-desk.png, the README's."""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.cli import main
from flows.review import DECISIONS, REVIEWED_REGISTER, STATUS_ACCEPTED, STATUS_REGISTER
from tests.desk.conftest import HOSTILE_TITLE, Desk
from tests.reports.browser import Browser, PageReport, chromium_path

DOCS_SHOT = Path(__file__).resolve().parents[2] / "docs" / "review-desk.png"
REASON = "not advanced manufacturing"
STATUS_REASON = "not progress on this commitment (status)"
NOTE = "synthetic note: <b>not bold</b>"
A1, B2 = "st-00000000000000a1", "st-00000000000000b2"  # the synthetic status proposals
ITEMS = "[...document.querySelectorAll('article.item')].map(a => a.dataset.id)"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    exe = chromium_path()
    if exe is None:
        pytest.skip("no chromium: `make browser` installs it")
    b = Browser(exe, tmp_path_factory.mktemp("desk-chromium"), offline=False)
    try:
        yield b
    finally:
        b.close()


def clean(report: PageReport, desk: Desk) -> PageReport:
    """No console error and no request anywhere but the desk."""
    assert report.errors == [], report.errors
    # data: URLs are Chromium's own (the date fields' icons), never a fetch.
    outside = [u for u in report.requests if not u.startswith((desk.url + "/", "data:"))]
    assert outside == [], outside
    return report


def rows(path: Path) -> list[dict[str, str]]:
    """A CSV's rows without the time of each decision (the one field that must differ)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: v for k, v in r.items() if k != "decided_at"} for r in csv.DictReader(fh)]


def test_review_in_the_browser(desk: Desk, browser: Browser, tmp_path: Path) -> None:
    clean(browser.open(desk.url + "/"), desk)
    assert browser.evaluate(ITEMS) == [
        "st-00000000000000a1", "P2026010100001", "P2025120500002", "P2025110300003",
        "P2025100100004", "st-00000000000000b2",
    ]  # fmt: skip
    assert browser.evaluate("document.querySelector('.count').dataset.left") == "6"
    # Untrusted release text is text: no element of the page came from it.
    titles = browser.evaluate("[...document.querySelectorAll('h2')].map(h => h.innerText)")
    assert HOSTILE_TITLE in titles
    assert browser.evaluate("document.querySelectorAll('script').length") == 1  # desk.js
    assert browser.evaluate("document.querySelectorAll('img, article script').length") == 0
    # Figures and companies are marked in either language: the paired release's Chinese figure
    # (its row holds the English text's), the Chinese proposal's company by its Chinese name.
    marked = "id => [...document.querySelectorAll(`#item-${id} mark`)].map(m => m.innerText)"
    assert browser.evaluate(f"({marked})('P2026010100001')") == [
        "over HK$2 billion", "300 jobs", "超過20億港元"
    ]  # fmt: skip
    assert browser.evaluate(f"({marked})('{B2}')") == ["合成機械人公司"]
    shot = browser.screenshot(tmp_path / "review-desk.png")
    assert shot.stat().st_size > 20_000
    if os.environ.get("HKAM_UPDATE_SCREENSHOT") or not DOCS_SHOT.exists():
        DOCS_SHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS_SHOT)

    # Filter by cluster (the list submits itself), then move down with j and accept with a.
    pick = "const s = document.querySelector('form.filters select[name=cluster]');"
    clean(
        browser.navigating(
            f"{pick} s.value = 'ai_robotics_automation'; s.dispatchEvent(new Event('change'))"
        ),
        desk,
    )
    # The robotics releases and the status proposal of a robotics commitment (issue 25: a
    # proposal has no cluster of its own, and any cluster hid them).
    assert browser.evaluate(ITEMS) == ["P2025120500002", "P2025100100004", B2]
    assert browser.evaluate(f"document.querySelector('#item-{B2} .cluster').innerText") == (
        "ai_robotics_automation"
    )
    browser.key("j")
    assert browser.evaluate("document.querySelector('article.current').dataset.id") == (
        "P2025100100004"
    )
    clean(browser.pressing("a"), desk)
    assert browser.evaluate("location.search") == "?cluster=ai_robotics_automation"
    assert browser.evaluate(ITEMS) == ["P2025120500002", B2]

    # Reject the hostile one with a reason from the list.
    form = "document.querySelector('#item-P2025120500002 form.reject')"
    clean(
        browser.navigating(
            f"{form}.reason.value = {json.dumps(REASON)}; {form}.querySelector('button').click()"
        ),
        desk,
    )
    clean(browser.open(desk.url + "/?kind=release&language=en"), desk)
    assert browser.evaluate(ITEMS) == ["P2025110300003"]

    # Accept the LegCo reply with the company typed, the second amount, as an aggregate...
    form = "document.querySelector('#item-P2025110300003 form.accept')"
    assert browser.evaluate(f"{form}.party.value") == "government"  # pre-filled from the text
    fill = (
        f"{form}.company.value = 'Synthetic Park Corporation'; {form}.amount.value = '2'; "
        f"{form}.scope.value = 'aggregate'; {form}.querySelector('button').click()"
    )
    clean(browser.navigating(fill), desk)
    assert browser.evaluate(ITEMS) == []
    # ... and take it back.
    undo = "document.querySelector('form.undo button')"
    assert browser.evaluate(f"{undo}.dataset.undo") == "P2025110300003"
    clean(browser.navigating(f"{undo}.click()"), desk)
    assert browser.evaluate(ITEMS) == ["P2025110300003"]
    assert browser.evaluate("document.querySelector('.count').dataset.left") == "4"

    # Status proposals (issue 24): accept one with a note, reject the other by keyboard.
    clean(browser.open(desk.url + "/?kind=status"), desk)
    assert browser.evaluate(ITEMS) == [A1, B2]
    change = f"document.querySelector('#item-{A1} .change').innerText"
    assert browser.evaluate(change) == "announced → construction"
    form = f"document.querySelector('#item-{A1} form.accept')"
    note = f"{form}.note.value = {json.dumps(NOTE)}; {form}.querySelector('button').click()"
    clean(browser.navigating(note), desk)
    assert browser.evaluate(ITEMS) == [B2]
    browser.key("r")
    assert browser.evaluate("document.activeElement.name") == "reason"
    browser.evaluate(f"document.activeElement.value = {json.dumps(STATUS_REASON)}")
    clean(browser.pressing("Enter"), desk)
    assert browser.evaluate(ITEMS) == []

    clean(browser.open(desk.url + "/decided"), desk)
    decided = "[...document.querySelectorAll('tr[data-release]')].map(r => r.dataset.release)"
    assert browser.evaluate(decided) == [B2, A1, "P2025120500002", "P2025100100004"]

    # The same decisions through the CLI, into another folder: the same files.
    cli = tmp_path / "cli-data"
    flags = ["--warehouse", str(desk.warehouse), "--data-dir", str(cli)]
    assert main(["review", "accept", "P2025100100004", *flags]) == 0
    assert main(["review", "reject", "P2025120500002", "--reason", REASON, *flags]) == 0
    accept = ["review", "accept", "P2025110300003", "--company", "Synthetic Park Corporation"]
    assert main([*accept, "--amount", "2", "--scope", "aggregate", *flags]) == 0
    assert main(["review", "undo", "--data-dir", str(cli)]) == 0
    assert main(["review", "accept", A1, "--note", NOTE, *flags]) == 0
    assert main(["review", "reject", B2, "--reason", STATUS_REASON, *flags]) == 0
    for name in (DECISIONS, REVIEWED_REGISTER, STATUS_REGISTER):
        assert rows(desk.data_dir / name) == rows(cli / name), name
    accepted = (desk.data_dir / STATUS_ACCEPTED).read_text(encoding="utf-8")
    assert accepted == (cli / STATUS_ACCEPTED).read_text(encoding="utf-8")
    assert NOTE in accepted
    assert (desk.data_dir / REVIEWED_REGISTER).read_bytes().count(b"\n") == 2  # header + 1
