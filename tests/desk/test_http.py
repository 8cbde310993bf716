"""The desk over HTTP, served by `hkam review --web` on 127.0.0.1: escaping, CSRF and Origin,
Host, ids that are not open, and what a refused accept says. Data: tests/desk/conftest.py."""

from __future__ import annotations

import csv
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import httpx
import pytest

from flows.cli import main
from flows.review import DECISIONS, LOCK, REVIEWED_REGISTER, read_decisions
from tests.desk.conftest import Desk, start_desk


@pytest.fixture(scope="module")
def served(desk_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    # Its own copy: the last test publishes a new file over it.
    base = tmp_path_factory.mktemp("http")
    shutil.copyfile(desk_warehouse, base / "hkam.duckdb")
    running = start_desk(base / "hkam.duckdb", base / "data")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def client(served: Desk) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, trust_env=False, timeout=20) as c:
        yield c


def token(client: httpx.Client) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert found
    return found.group(1)


def test_release_text_is_escaped_and_the_page_is_locked_down(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#34;desk&#34;)&lt;/script&gt;" in page.text
    assert "&lt;img src=x onerror=alert(2)&gt;" in page.text
    assert "javascript:" not in page.text, "a feed's link is shown only when it is http(s)"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    # Figures are highlighted in their sentence, the Chinese version beside the English one.
    assert "invest <mark>over HK$2 billion</mark> and create <mark>300 jobs</mark>" in page.text
    assert "投資<mark>5億港元</mark>，創造<mark>80個職位</mark>" in page.text


def test_a_decision_needs_the_token_and_the_desks_origin(
    client: httpx.Client, served: Desk
) -> None:
    form = {"reason": "not advanced manufacturing"}
    assert client.post("/reject/P2025120500002", data=form).status_code == 403
    good = {**form, "csrf": token(client)}
    elsewhere = {"origin": "http://example.invalid"}
    assert client.post("/reject/P2025120500002", data=good, headers=elsewhere).status_code == 403
    cross = {"sec-fetch-site": "cross-site"}
    assert client.post("/reject/P2025120500002", data=good, headers=cross).status_code == 403
    assert read_decisions(served.data_dir) == {}
    # A name that points at 127.0.0.1 from another site (DNS rebinding) is not served.
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400


def test_an_id_that_is_not_open_gets_a_clear_error(client: httpx.Client, served: Desk) -> None:
    missing = client.get("/release/P1999010100000")
    assert missing.status_code == 404 and "no candidate &#39;P1999010100000&#39;" in missing.text
    unknown = client.get("/release/st-0000000000000000")
    assert unknown.status_code == 404 and "no status proposal" in unknown.text
    csrf = token(client)
    posted = client.post("/accept/P1999010100000", data={"csrf": csrf, "party": "company"})
    assert posted.status_code == 404
    done = client.post("/reject/P2026010100001", data={"csrf": csrf, "reason": "a duplicate"})
    assert done.status_code == 303
    again = client.post("/reject/P2026010100001", data={"csrf": csrf, "reason": "again"})
    assert again.status_code == 409 and "already rejected" in again.text
    assert client.get("/release/P2026010100001").status_code == 409
    undone = client.post("/undo", data={"csrf": csrf})
    assert undone.status_code == 303 and read_decisions(served.data_dir) == {}
    assert len((served.data_dir / DECISIONS).read_text(encoding="utf-8").splitlines()) == 3


def test_a_refused_accept_says_what_to_give(client: httpx.Client, served: Desk) -> None:
    csrf = token(client)
    form = {"csrf": csrf, "scope": "project", "party": "government", "amount": "1"}
    nameless = client.post("/accept/P2025110300003", data=form)
    assert nameless.status_code == 400
    assert "no company guessed" in nameless.text and "Synthetic Park Corporation" in nameless.text
    unpicked = client.post("/accept/P2025110300003", data={**form, "company": "X", "amount": ""})
    assert unpicked.status_code == 400 and "1: $3 billion; 2: $10 billion" in unpicked.text
    assert client.post("/accept/P2025110300003", data={**form, "party": "x"}).status_code == 400
    assert read_decisions(served.data_dir) == {}


def test_web_flags_are_checked(desk_warehouse: Path, tmp_path: Path) -> None:
    wh = ["--warehouse", str(desk_warehouse)]
    assert main(["review", "--port", "0", *wh]) == 2, "--port without --web"
    assert main(["review", "--web", "accept", "P2026010100001", *wh]) == 2
    assert main(["review", "--web", "--warehouse", str(tmp_path / "none.duckdb")]) == 2


def waiting_on(lock: Path, writers: int) -> None:
    """Until `writers` processes or threads wait for the flock on `lock` (the kernel's own list,
    /proc/locks: a waiter's line reads `N: -> FLOCK ... <dev>:<inode> ...`)."""
    inode = f":{lock.stat().st_ino} "
    deadline = time.monotonic() + 60
    while True:
        text = Path("/proc/locks").read_text(encoding="utf-8")
        waiting = [line for line in text.splitlines() if "->" in line and inode in line]
        if len(waiting) >= writers:
            return
        assert time.monotonic() < deadline, f"{len(waiting)} of {writers} writers wait: {text}"
        time.sleep(0.05)


def test_the_desk_and_the_cli_deciding_at_once_lose_no_decision(
    client: httpx.Client, served: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 25: two writers decide together. The test holds the writers' lock (as a writer in
    the middle of a decision would), lines up the desk (two POSTs) and `hkam review` (two
    commands, in this process) behind it, then lets them all go at once."""
    csrf, data = token(client), served.data_dir
    files = [data / name for name in (DECISIONS, REVIEWED_REGISTER, LOCK)]
    for path in files:  # an empty folder: the earlier tests' decisions are undone, not gone
        path.unlink(missing_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    flags = ["--warehouse", str(served.warehouse), "--data-dir", str(data)]
    same, rejected = "P2026010100001", "not advanced manufacturing"

    def post(path: str, form: dict[str, str]) -> int:
        with httpx.Client(base_url=served.url, trust_env=False, timeout=60) as own:
            return own.post(path, data={**form, "csrf": csrf}).status_code

    try:
        with (data / LOCK).open("a") as held, ThreadPoolExecutor(4) as pool:
            fcntl.flock(held, fcntl.LOCK_EX)
            desk_same = pool.submit(post, f"/reject/{same}", {"reason": rejected})
            desk_other = pool.submit(post, "/reject/P2025120500002", {"reason": rejected})
            cli_same = pool.submit(main, ["review", "accept", same, *flags])
            cli_other = pool.submit(main, ["review", "accept", "P2025100100004", *flags])
            waiting_on(data / LOCK, 4)  # all four at the door
            fcntl.flock(held, fcntl.LOCK_UN)
            results = [f.result(timeout=60) for f in (desk_same, desk_other, cli_same, cli_other)]
        # The same release: one writer wins, the other is told it was decided, never overwrites.
        assert results[1:] in ([303, 0, 0], [303, 2, 0]) and results[0] in (303, 409), results
        assert (results[0] == 303) == (results[2] == 2), results
        decided = read_decisions(data)
        assert set(decided) == {same, "P2025120500002", "P2025100100004"}
        assert decided[same].decision == ("rejected" if results[0] == 303 else "accepted")
        assert "was already" in capsys.readouterr().err or results[0] == 409
        # The files are well formed: one header each, every row whole, the register as decided.
        with (data / DECISIONS).open(encoding="utf-8", newline="") as fh:
            lines = fh.read().splitlines()
        assert lines[0].startswith("release_id,decision") and lines.count(lines[0]) == 1
        assert len(lines) == 4
        with (data / REVIEWED_REGISTER).open(encoding="utf-8", newline="") as fh:
            accepted = [r["commitment_id"] for r in csv.DictReader(fh)]
        assert sorted(accepted) == sorted(
            d.commitment_id for d in decided.values() if d.decision == "accepted"
        )
    finally:  # the next test starts from an empty folder too
        for path in files:
            path.unlink(missing_ok=True)


def test_a_publish_under_the_running_desk_shows_at_the_next_page(
    client: httpx.Client, served: Desk
) -> None:
    """Last in this module: it changes the served file."""
    assert 'data-left="6"' in client.get("/").text
    # A run builds a work copy and publishes it by rename while the desk is serving.
    work = served.warehouse.with_name("work.duckdb")
    shutil.copyfile(served.warehouse, work)
    with duckdb.connect(str(work)) as con:
        con.execute(
            "INSERT INTO core.announcement_candidate (release_id, title_en, published_date_hk, "
            "confidence) VALUES ('P2026030300007', 'Synthetic release published meanwhile', "
            "DATE '2026-03-03', 0.5)"
        )
    os.replace(work, served.warehouse)
    page = client.get("/").text
    assert 'data-left="7"' in page and "Synthetic release published meanwhile" in page
