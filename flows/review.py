"""Review of press-release candidates; decisions and accepted rows stay in the analyst's folder."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.contracts import contract

DECISIONS = "review_decisions.csv"
DECISION_FIELDS = ["release_id", "decision", "reason", "commitment_id", "decided_at"]
REVIEWED_REGISTER = Path("register") / "reviewed.csv"


@dataclass(frozen=True)
class Decision:
    """An analyst's decision on one candidate release."""

    release_id: str
    decision: str  # accepted | rejected
    reason: str
    commitment_id: str
    decided_at: str


def read_decisions(data_dir: Path) -> dict[str, Decision]:
    """Every decision so far, by release_id (the latest wins)."""
    path = data_dir / DECISIONS
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["release_id"]: Decision(**row) for row in csv.DictReader(fh)}


def _append(path: Path, fields: list[str], row: dict[str, Any]) -> None:
    """Append a row to a CSV, writing the header for a new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        if new:
            writer.writeheader()
        writer.writerow(row)


def register_row(
    candidate: dict[str, Any], company: str | None, scope: str, party: str
) -> dict[str, Any]:
    """The register row an accepted candidate becomes (its release is the source)."""
    amounts = json.loads(candidate.get("amounts_json") or "[]")
    jobs = json.loads(candidate.get("jobs_json") or "[]")
    first = amounts[0] if amounts else {}
    job = jobs[0] if jobs else {}
    rid = str(candidate["release_id"])
    day = candidate.get("published_date_hk")
    return {
        "commitment_id": f"gia-{rid.lower()}",
        "party": party,
        "company": company or candidate.get("company_guess") or candidate.get("title_en") or rid,
        "announced_on": str(day) if day else "",
        "amount_text": first.get("text", ""),
        "amount": "" if first.get("value") is None else f"{first['value']:.0f}",
        "currency": first.get("currency", "") if first.get("value") is not None else "",
        "qualifier": first.get("qualifier", "") if first.get("value") is not None else "",
        "jobs": "" if job.get("value") is None else str(job["value"]),
        "jobs_qualifier": job.get("qualifier", "") if job.get("value") is not None else "",
        "sector_label": candidate.get("cluster_guess") or "",
        "location": "",
        "scope": scope,
        "is_cumulative": "false",
        "status": "announced",
        "source_url": candidate.get("link_en") or candidate.get("link_zh") or "",
        "confidence": "medium",
        "notes": f"Accepted from press release {rid}: {candidate.get('evidence') or ''}"[:2000],
    }


def accept(
    data_dir: Path, candidate: dict[str, Any], company: str | None, scope: str, party: str
) -> str:
    """Append the candidate to the analyst's register and record the decision; its id back."""
    row = register_row(candidate, company, scope, party)
    fields = [c.name for c in contract("raw.register_commitment").source_columns]
    _append(data_dir / REVIEWED_REGISTER, fields, row)
    _decide(data_dir, str(candidate["release_id"]), "accepted", "", row["commitment_id"])
    return str(row["commitment_id"])


def reject(data_dir: Path, release_id: str, reason: str) -> None:
    """Record that a candidate is not a commitment; it is not proposed again."""
    _decide(data_dir, release_id, "rejected", reason, "")


def _decide(data_dir: Path, release_id: str, decision: str, reason: str, cid: str) -> None:
    _append(
        data_dir / DECISIONS,
        DECISION_FIELDS,
        {
            "release_id": release_id,
            "decision": decision,
            "reason": reason,
            "commitment_id": cid,
            "decided_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
