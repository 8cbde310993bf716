"""Robust HTTP GET: retries with backoff, Retry-After, timeouts, raw body landed first."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from flows.sources.errors import FetchError

Params = Mapping[str, str | int | float | None]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 60.0  # a server asking for longer than this gets the cap, not a stalled run
USER_AGENT = "hkam/0.1 (+https://github.com/hkam; Hong Kong advanced-manufacturing warehouse)"


@dataclass(frozen=True)
class Landed:
    """A raw response body kept on disk, with where and when it came from."""

    path: Path
    sha256: str
    url: str
    status: int
    retrieved_at: datetime


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), else None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _slug(url: str) -> str:
    bare = re.sub(r"^[a-z]+://", "", url)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", bare).strip("_")[:80] or "response"


def _suffix(content_type: str) -> str:
    if "json" in content_type:
        return ".json"
    if "csv" in content_type:
        return ".csv"
    if "xml" in content_type:
        return ".xml"
    return ".bin"


def land(body: bytes, url: str, landing_dir: Path, content_type: str = "") -> tuple[Path, str]:
    """Write body atomically under landing_dir; return its path and sha256."""
    digest = hashlib.sha256(body).hexdigest()
    landing_dir.mkdir(parents=True, exist_ok=True)
    target = landing_dir / f"{_slug(url)}_{digest}{_suffix(content_type)}"
    fd, tmp = tempfile.mkstemp(dir=landing_dir, prefix=".landing-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        # Same directory, so the rename is atomic: a reader never sees half a file.
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target, digest


def fetch(
    url: str,
    params: Params | None = None,
    *,
    landing_dir: Path,
    client: httpx.Client | None = None,
    retries: int = 4,
    backoff: float = 0.5,
    timeout: tuple[float, float] = (5.0, 30.0),
    max_retry_after: float = MAX_RETRY_AFTER_S,
    sleep: Callable[[float], None] | None = None,
) -> Landed:
    """GET url, retrying 429/5xx/transport errors, and land the body before anyone parses it
    (`sleep`: how to wait between tries; None is time.sleep)."""
    pause = sleep or time.sleep
    connect_s, read_s = timeout
    limits = httpx.Timeout(connect=connect_s, read=read_s, write=read_s, pool=connect_s)
    query = {k: v for k, v in (params or {}).items() if v is not None}
    owned = client is None
    http = client or httpx.Client(headers={"User-Agent": USER_AGENT}, follow_redirects=True)
    last_status: int | None = None
    detail = "no attempt made"
    try:
        for attempt in range(retries + 1):
            wait = backoff * (2**attempt)
            try:
                response = http.get(url, params=query, timeout=limits)
            except httpx.TimeoutException as exc:
                last_status, detail = None, f"timed out ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last_status, detail = None, f"transport error ({type(exc).__name__}: {exc})"
            else:
                last_status = response.status_code
                if response.is_success:
                    path, digest = land(
                        response.content,
                        str(response.url),
                        landing_dir,
                        response.headers.get("content-type", ""),
                    )
                    return Landed(
                        path=path,
                        sha256=digest,
                        url=str(response.url),
                        status=response.status_code,
                        retrieved_at=datetime.now(UTC),
                    )
                if response.status_code not in RETRY_STATUSES:
                    # A 4xx other than 429 will not get better by asking again.
                    raise FetchError(url, last_status, "not retryable")
                detail = f"retryable status after {attempt + 1} attempt(s)"
                asked = retry_after_seconds(response.headers.get("retry-after"))
                if asked is not None:
                    wait = min(asked, max_retry_after)
            if attempt < retries:
                pause(wait)
        raise FetchError(url, last_status, f"gave up after {retries + 1} attempts; {detail}")
    finally:
        if owned:
            http.close()
