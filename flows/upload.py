"""Upload the published version after a run or on `hkam publish`, and remember how it went.

The status file `.<warehouse stem>.upload.json` beside the warehouse holds the last attempt (and,
after a failure, the last complete upload): `hkam status` shows it, and an unchanged run uploads
again only when the last attempt did not put the published run in place (issue 23).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.publishing import last_run_id
from flows.remote import Uploaded, UploadError, upload
from flows.settings import Settings

FAILED = "published locally; upload failed: "


def status_path(warehouse: Path) -> Path:
    """The status file of the last upload, beside the warehouse (hidden: not an input)."""
    return warehouse.with_name(f".{warehouse.stem}.upload.json")


def read_status(warehouse: Path) -> dict[str, Any] | None:
    """The last upload attempt (None when there was none or the file is unreadable)."""
    try:
        return dict(json.loads(status_path(warehouse).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _write_status(warehouse: Path, record: dict[str, Any]) -> None:
    """Replace the status file atomically (a reader never sees half of it)."""
    path = status_path(warehouse)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def publish(
    settings: Settings, url: str | None = None, say: Callable[[str], None] = lambda _: None
) -> Uploaded:
    """Upload the published warehouse to `url` (default: the settings' publish URL); the status
    file records the outcome either way. Raises UploadError."""
    target = url or settings.publish_url
    if not target:
        raise UploadError("no publish URL: set HKAM_PUBLISH_URL or pass one")
    before = read_status(settings.warehouse) or {}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        done = upload(settings.warehouse, target, settings.aws, settings.keep_versions, say)
    except Exception as exc:
        error = str(exc) if isinstance(exc, UploadError) else f"{type(exc).__name__}: {exc}"
        last_ok = before if before.get("ok") else before.get("last_ok")
        _write_status(
            settings.warehouse,
            {"ok": False, "url": target, "at": now, "error": error, "last_ok": last_ok},
        )
        raise UploadError(error) from None
    _write_status(settings.warehouse, {"ok": True, "at": now, **asdict(done)})
    return done


def after_run(
    settings: Settings, status: str, say: Callable[[str], None]
) -> tuple[str | None, str | None]:
    """The nightly hook, under the writer lock: (what was uploaded, why the upload failed).

    A published run uploads; an unchanged run uploads only when the last attempt did not put
    the published run at the publish URL (an outage caught up). Never raises: the local
    publish stands whatever happens to the upload."""
    if not settings.publish_url or status not in ("published", "unchanged"):
        return None, None
    if status == "unchanged":
        last = read_status(settings.warehouse) or {}
        done = last.get("ok") and last.get("url") == settings.publish_url
        if done and last.get("run_id") == last_run_id(settings.warehouse):
            return None, None
    try:
        up = publish(settings, say=say)
    except UploadError as exc:
        say(f"upload: FAILED: {exc}")
        return None, str(exc)
    return f"{up.url}: {up.duckdb} and {len(up.delta)} Delta tables; LATEST.json moved", None


def status_line(warehouse: Path) -> str | None:
    """One line for `hkam status`: the last upload, or why it failed and what is up there."""
    last = read_status(warehouse)
    if last is None:
        return None
    if last.get("ok"):
        return f"Upload: run {last['run_id']} uploaded to {last['url']} at {last['at']}"
    ok = last.get("last_ok") or {}
    there = f"; {ok['url']} still has run {ok['run_id']}" if ok.get("run_id") else ""
    return (
        f"Upload: {FAILED}{last.get('error')} (at {last.get('at')}){there}; the next run or "
        "`hkam publish` uploads again"
    )
