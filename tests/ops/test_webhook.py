"""The run webhook: failure and warnings payloads to a local HTTP server; never raises, never
logs the URL."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from flows import webhook
from flows.runs import read_run_log

from .conftest import free_port, rewrite_register, run_in_process


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(state.delay)
            state.bodies.append(json.loads(body))
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_port}/hook?token=SECRET-TOKEN"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


def summary(**overrides: Any) -> dict[str, Any]:
    base = {
        "status": "published",
        "rows_quarantined": 0,
        "sources": [{"status": "ok", "warnings": []}],
    }
    return {**base, **overrides}


def test_reason() -> None:
    assert webhook.reason(summary()) is None
    assert webhook.reason(summary(status="blocked")) == "blocked"
    assert webhook.reason(summary(status="failed")) == "failed"
    assert webhook.reason(summary(status="unchanged")) is None  # nothing new, nothing to say
    assert webhook.reason(summary(rows_quarantined=3)) == "warnings"
    assert webhook.reason(summary(sources=[{"status": "failed", "warnings": []}])) == "warnings"
    assert webhook.reason(summary(sources=[{"status": "ok", "warnings": ["x"]}])) == "warnings"


def test_nothing_is_sent_for_a_clean_run_or_without_url(receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    assert webhook.notify_run(url, summary()) is False
    assert webhook.notify_run(None, summary(status="blocked")) is False
    assert state.bodies == []


def test_failures_of_the_webhook_never_raise_nor_log_the_url(
    receiver: tuple[Receiver, str], caplog: pytest.LogCaptureFixture
) -> None:
    state, url = receiver
    caplog.set_level(logging.DEBUG)
    state.status = 500
    assert webhook.notify(url, {"a": 1}) is False
    state.status, state.delay = 200, 2.0
    started = time.monotonic()
    assert webhook.notify(url, {"a": 1}, timeout=0.3) is False
    assert time.monotonic() - started < 1.5
    assert webhook.notify(f"http://127.0.0.1:{free_port()}/x?token=SECRET-TOKEN", {}, 1) is False
    assert webhook.notify("not a url SECRET-TOKEN", {}) is False
    assert "SECRET-TOKEN" not in caplog.text and "127.0.0.1" not in caplog.text
    assert "HTTP 500" in caplog.text


def test_blocked_and_warning_runs_post_their_summary(
    prefect_harness: None,
    receiver: tuple[Receiver, str],
    snapshot_copy: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    state, url = receiver
    wh, reports = tmp_path / "wh" / "hkam.duckdb", tmp_path / "reports"
    # warnings: two rows quarantined, the run publishes
    rewrite_register(
        snapshot_copy,
        {"j2-semiconductor-2023-10": {"amount": "-1"}, "black-sesame-2023-11": {"currency": "XYZ"}},
    )
    assert run_in_process(snapshot_copy, wh, reports) == 0
    # failure: an empty register blocks the run
    register = snapshot_copy / "register" / "commitments.csv"
    register.write_text(
        register.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8"
    )
    assert run_in_process(snapshot_copy, wh, reports) == 1
    blocked, warned = read_run_log(wh)[:2]
    caplog.set_level(logging.DEBUG)
    assert webhook.notify_run(url, warned) is True
    assert webhook.notify_run(url, blocked) is True
    first, second = state.bodies
    assert first["event"] == "hkam.run.warnings" and first["reason"] == "warnings"
    assert first["run"]["status"] == "published" and first["run"]["rows_quarantined"] == 2
    assert second["event"] == "hkam.run.blocked"
    assert second["run"]["status"] == "blocked" and second["run"]["exit_code"] == 1
    assert "was BLOCKED" in second["run"]["summary"]  # one line; the reasons are listed apart
    assert any("failed block check" in r for r in second["run"]["blocked_reasons"])
    assert second["run"]["run_id"] == blocked["run_id"]
    assert "SECRET-TOKEN" not in caplog.text


def test_nightly_posts_when_hkam_webhook_url_is_set(
    prefect_harness: None,
    receiver: tuple[Receiver, str],
    snapshot_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state, url = receiver
    monkeypatch.setenv("HKAM_WEBHOOK_URL", url)
    wh, reports = tmp_path / "wh" / "hkam.duckdb", tmp_path / "reports"
    assert run_in_process(snapshot_copy, wh, reports) == 0
    assert state.bodies == []  # a clean run sends nothing
    register = snapshot_copy / "register" / "commitments.csv"
    register.write_text(
        register.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8"
    )
    assert run_in_process(snapshot_copy, wh, reports) == 1
    [body] = state.bodies
    assert body["event"] == "hkam.run.blocked" and body["run"]["status"] == "blocked"
