"""Optional run notification: POST the run summary as JSON to $HKAM_WEBHOOK_URL.

Best effort by design: a webhook that is down, slow or refuses the payload never fails or slows
a run beyond `timeout`, and the URL (which often carries a token) is never logged or printed.
The standard library client is used on purpose: httpx logs every request URL at INFO.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

log = logging.getLogger("hkam.webhook")

TIMEOUT_S = 10.0


def reason(summary: dict[str, Any]) -> str | None:
    """Why a run is worth a notification: failed, blocked, warnings; None when all is well.

    Source warnings notify; a run's data warnings (`data_warnings`, e.g. what totals leave out
    for want of an HKMA rate) do not: they stand run after run until the data changes, are in
    the summary, dq.md and dq.json, and a nightly message about them would teach people to
    ignore the webhook.

    `summary` is `RunSummary.to_json()` (also what the nightly flow returns).
    """
    status = summary.get("status")
    if summary.get("upload_error"):  # issue 23: published locally, not at the publish URL
        return "upload_failed"
    if status == "unchanged":  # nothing new: nothing to say
        return None
    if status != "published":
        return "blocked" if status == "blocked" else "failed"
    failed_sources = any(s.get("status") == "failed" for s in summary.get("sources", []))
    warned = any(s.get("warnings") for s in summary.get("sources", []))
    if failed_sources or warned or summary.get("rows_quarantined"):
        return "warnings"
    return None


def notify(url: str, payload: dict[str, Any], timeout: float = TIMEOUT_S) -> bool:
    """POST payload as JSON; True on a 2xx answer. Never raises, never logs the URL."""
    try:
        body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "hkam"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        log.warning("run webhook refused the notification (HTTP %s)", exc.code)
        return False
    except Exception as exc:  # a notification must never fail the run
        log.warning("run webhook could not be reached (%s)", type(exc).__name__)
        return False
    if not 200 <= status < 300:
        log.warning("run webhook answered HTTP %s", status)
        return False
    log.info("run webhook notified (HTTP %s)", status)
    return True


def notify_run(url: str | None, summary: dict[str, Any], timeout: float = TIMEOUT_S) -> bool:
    """Send `{"event": ..., "run": summary}` when the run failed, was blocked or has warnings.

    Returns True only when a notification was delivered; False when there is no URL, nothing to
    report, or the webhook failed.
    """
    why = reason(summary)
    if not url or why is None:
        return False
    payload = {"event": f"hkam.run.{why}", "reason": why, "run": summary}
    return notify(url, payload, timeout)
