"""http.fetch against a real local server: retries, Retry-After, timeouts, landing."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from flows.sources import http
from flows.sources.errors import FetchError

from .conftest import Server


def test_lands_body_atomically_with_sha(server: Server, tmp_path: Path) -> None:
    landed = http.fetch(
        server.url("/censtatd/api/get.php"), {"id": "310-30001"}, landing_dir=tmp_path
    )
    body = landed.path.read_bytes()
    assert landed.status == 200
    assert landed.sha256 == hashlib.sha256(body).hexdigest()
    assert landed.sha256 in landed.path.name
    assert landed.path.suffix == ".json"
    assert "id=310-30001" in landed.url
    assert landed.retrieved_at.tzinfo is not None
    assert [p.name for p in tmp_path.iterdir()] == [landed.path.name]  # no temp files left


def test_429_honours_retry_after_one_second(server: Server, tmp_path: Path) -> None:
    started = time.monotonic()
    landed = http.fetch(server.url("/fault/429-once"), landing_dir=tmp_path, backoff=0.01)
    elapsed = time.monotonic() - started
    assert landed.status == 200
    assert server.hits["/fault/429-once"] == 2
    assert 0.9 <= elapsed < 5


def test_503_three_times_then_200(server: Server, tmp_path: Path, no_sleep: list[float]) -> None:
    landed = http.fetch(
        server.url("/fault/503-thrice"), landing_dir=tmp_path, backoff=0.5, sleep=no_sleep.append
    )
    assert landed.status == 200
    assert server.hits["/fault/503-thrice"] == 4
    assert no_sleep == [0.5, 1.0, 2.0]  # exponential backoff


def test_503_forever_names_url_and_status(
    server: Server, tmp_path: Path, no_sleep: list[float]
) -> None:
    url = server.url("/fault/503-always")
    with pytest.raises(FetchError) as err:
        http.fetch(url, landing_dir=tmp_path, retries=3, sleep=no_sleep.append)
    assert url in str(err.value) and "HTTP 503" in str(err.value)
    assert err.value.last_status == 503
    assert server.hits["/fault/503-always"] == 4
    assert not list(tmp_path.iterdir())  # nothing landed for a failure


def test_404_is_not_retried(server: Server, tmp_path: Path, no_sleep: list[float]) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        http.fetch(server.url("/fault/404"), landing_dir=tmp_path, sleep=no_sleep.append)
    assert server.hits["/fault/404"] == 1


def test_body_slower_than_read_timeout(
    server: Server, tmp_path: Path, no_sleep: list[float]
) -> None:
    url = server.url("/fault/slow-body")
    started = time.monotonic()
    with pytest.raises(FetchError) as err:
        http.fetch(url, landing_dir=tmp_path, retries=1, timeout=(1.0, 0.2), sleep=no_sleep.append)
    assert time.monotonic() - started < 1.5
    assert url in str(err.value) and "timed out" in str(err.value)
    assert server.hits["/fault/slow-body"] == 2


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert http.retry_after_seconds("3") == 3.0
    assert (
        http.retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now)
        == 30.0
    )
    assert http.retry_after_seconds("garbage") is None
    assert http.retry_after_seconds(None) is None


def test_retry_after_is_capped(server: Server, tmp_path: Path, no_sleep: list[float]) -> None:
    http.fetch(
        server.url("/fault/429-once"),
        landing_dir=tmp_path,
        max_retry_after=0.25,
        sleep=no_sleep.append,
    )
    assert no_sleep == [0.25]
