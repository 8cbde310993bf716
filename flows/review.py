"""Review of press-release candidates; decisions and accepted rows stay in the analyst's folder."""

from __future__ import annotations

import csv
import fcntl
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.contracts import contract

if TYPE_CHECKING:
    import duckdb

DECISIONS = "review_decisions.csv"
DECISION_FIELDS = ["release_id", "decision", "reason", "commitment_id", "decided_at"]
REVIEWED_REGISTER = Path("register") / "reviewed.csv"
UNDONE = "undone"  # a decision taken back: the release is open again
# Accepted status proposals (issue 24): their new register row versions, one row per commitment
# (a key twice in one file is a conflict), named to sort after reviewed.csv so it wins over it.
STATUS_REGISTER = Path("register") / "status.csv"
# Every accepted proposal's row, kept outside register/ so undo can bring an earlier one back.
STATUS_ACCEPTED = "status_accepted.jsonl"
STATUS_PREFIX = "st-"
# One writer of the decision files at a time, whoever it is (the CLI, the desk's threads): issue 25.
LOCK = ".review.lock"
_held = threading.local()  # the data folders this thread holds the lock of, with their depth


@dataclass(frozen=True)
class Decision:
    """An analyst's decision on one candidate release."""

    release_id: str
    decision: str  # accepted | rejected | undone
    reason: str
    commitment_id: str
    decided_at: str


class ReviewError(ValueError):
    """A decision that cannot be written as asked; the message says what to pass instead."""


class AlreadyDecided(ReviewError):
    """Another writer decided this release first (a decision in force is never overwritten)."""


@contextmanager
def writing(data_dir: Path) -> Iterator[None]:
    """Hold the analyst's folder for one decision: an exclusive flock on `data_dir/.review.lock`
    that every writer takes (`hkam review` and the desk, across processes and threads), so a
    check and its write are one step and no append or rewrite interleaves with another.
    Re-entrant within a thread."""
    held: dict[Path, int] = _held.__dict__.setdefault("dirs", {})
    key = data_dir.resolve()
    if held.get(key):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / LOCK).open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # waits for the writer before; released on close too
        held[key] = 1
        try:
            yield
        finally:
            held[key] = 0


def _still_open(data_dir: Path, release_id: str) -> None:
    """Raise AlreadyDecided when a decision on the release is in force (checked under the lock)."""
    done = read_decisions(data_dir).get(release_id)
    if done is not None:
        raise AlreadyDecided(
            f"{release_id} was already {done.decision}; `hkam review undo` takes back the last "
            "decision"
        )


def read_candidates(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every candidate of the warehouse, newest first, and core.company's names (for matches)."""
    cur = con.execute(
        "SELECT * FROM core.announcement_candidate ORDER BY published_date_hk DESC, release_id"
    )
    names = [d[0] for d in cur.description or []]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    companies = [
        {"name_en": n, "name_zh": z, "aliases": a}
        for n, z, a in con.execute(
            "SELECT name_en, name_zh, aliases FROM core.company ORDER BY name_en"
        ).fetchall()
    ]
    return rows, companies


def _all_decisions(data_dir: Path) -> list[Decision]:
    """Every row of the decisions file, oldest first (undone ones included)."""
    path = data_dir / DECISIONS
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [Decision(**row) for row in csv.DictReader(fh)]


def read_decisions(data_dir: Path) -> dict[str, Decision]:
    """The decision in force for each release (the latest row wins; an undone one is open)."""
    latest = {d.release_id: d for d in _all_decisions(data_dir)}
    return {rid: d for rid, d in latest.items() if d.decision != UNDONE}


def _append(path: Path, fields: list[str], row: dict[str, Any]) -> None:
    """Append a row to a CSV, writing the header for a new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        if new:
            writer.writeheader()
        writer.writerow(row)


def amounts(candidate: dict[str, Any]) -> list[dict[str, Any]]:
    """The amounts found in a candidate's evidence, in the order `--amount N` counts them."""
    return [a for a in json.loads(candidate.get("amounts_json") or "[]") if a.get("value")]


def _amount_list(found: list[dict[str, Any]]) -> str:
    return "; ".join(f"{k}: {a.get('text')}" for k, a in enumerate(found, start=1))


def choose_amount(candidate: dict[str, Any], number: int | None) -> dict[str, Any]:
    """The amount the analyst picked (1-based); the only one when there is one; else an error."""
    found = amounts(candidate)
    rid = candidate["release_id"]
    if number is None:
        if len({(a.get("value"), a.get("currency")) for a in found}) <= 1:
            return found[0] if found else {}
        raise ReviewError(
            f"{rid} states {len(found)} amounts ({_amount_list(found)}); pick the one the "
            "commitment is with --amount N"
        )
    if not 1 <= number <= len(found):
        listed = _amount_list(found) if found else "none"
        raise ReviewError(f"{rid} has no amount {number}; its amounts: {listed}")
    return found[number - 1]


def company_matches(candidate: dict[str, Any], companies: list[dict[str, Any]]) -> list[str]:
    """Names of companies already in core.company that the candidate's title or evidence names."""
    text = " ".join(
        str(candidate.get(k) or "") for k in ("title_en", "title_zh", "evidence")
    ).casefold()
    out = []
    for company in companies:
        names = [company.get("name_en"), company.get("name_zh"), *(company.get("aliases") or [])]
        if any(n and len(n) > 2 and n.casefold() in text for n in names):
            out.append(str(company["name_en"]))
    return out


def guess_party(candidate: dict[str, Any]) -> str:
    """government when the release is a speech, a LegCo reply, a scheme or a fund and names no
    company; company otherwise. A title is never taken as a company (it named a speech once)."""
    if candidate.get("company_guess"):
        return "company"
    text = " ".join(str(candidate.get(k) or "") for k in ("title_en", "title_zh", "evidence"))
    return "government" if _GOVERNMENT.search(text) else "company"


_GOVERNMENT = re.compile(
    r"(?i)\b(?:speech|policy address|budget|scheme|fund|LCQ\d*|Legislative Council|LegCo|"
    r"Secretary|Chief Executive|Government)\b|施政報告|施政报告|預算案|预算案|演辭|演辞|"
    r"計劃|计划|基金|立法會|立法会|局長|局长|政府"
)


def register_row(
    candidate: dict[str, Any],
    company: str,
    scope: str,
    party: str,
    amount: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The register row an accepted candidate becomes (its release is the source)."""
    jobs = json.loads(candidate.get("jobs_json") or "[]")
    first = amount or {}
    job = jobs[0] if jobs else {}
    rid = str(candidate["release_id"])
    day = candidate.get("published_date_hk")
    return {
        "commitment_id": f"gia-{rid.lower()}",
        "party": party,
        "company": company,
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
    data_dir: Path,
    candidate: dict[str, Any],
    company: str | None,
    scope: str,
    party: str | None,
    amount: int | None = None,
    companies: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Append the candidate to the analyst's register and record the decision; the row back.

    The company is the one given, else the detector's guess; never the release's title."""
    name = (company or "").strip() or candidate.get("company_guess")
    if not name:
        known = company_matches(candidate, companies or [])
        offer = (
            f"companies already in core.company named in it: {', '.join(known)}"
            if known
            else "no company in core.company is named in it"
        )
        raise ReviewError(
            f"{candidate['release_id']}: no company guessed; pass --company NAME ({offer})"
        )
    row = register_row(
        candidate,
        str(name),
        scope,
        party or guess_party(candidate),
        choose_amount(candidate, amount),
    )
    fields = [c.name for c in contract("raw.register_commitment").source_columns]
    with writing(data_dir):
        _still_open(data_dir, str(candidate["release_id"]))
        _append(data_dir / REVIEWED_REGISTER, fields, row)
        _decide(data_dir, str(candidate["release_id"]), "accepted", "", row["commitment_id"])
    return row


def reject(data_dir: Path, release_id: str, reason: str) -> None:
    """Record that a candidate (or status proposal) is not one; it is not proposed again."""
    with writing(data_dir):
        _still_open(data_dir, release_id)
        _decide(data_dir, release_id, "rejected", reason, "")


def decisions_newest_first(data_dir: Path) -> list[Decision]:
    """The decisions in force, the last one made first (the one `undo` takes back)."""
    in_force = read_decisions(data_dir)
    return [d for d in reversed(_all_decisions(data_dir)) if in_force.get(d.release_id) == d]


def undo(data_dir: Path) -> Decision:
    """Take back the last decision in force: the release is open again and an accepted row
    leaves the analyst's register (the next run closes it if a run loaded it)."""
    with writing(data_dir):
        last = next(iter(decisions_newest_first(data_dir)), None)
        if last is None:
            raise ReviewError("no decision to undo")
        status = last.release_id.startswith(STATUS_PREFIX)
        if last.decision == "accepted" and not status:
            _drop_register_row(data_dir / REVIEWED_REGISTER, last.commitment_id)
        _decide(data_dir, last.release_id, UNDONE, f"undid {last.decision}", last.commitment_id)
        if last.decision == "accepted" and status:
            write_status_register(data_dir)
    return last


def accept_status_row(data_dir: Path, proposal_id: str, row: dict[str, Any], note: str) -> Path:
    """Record an accepted status proposal and rewrite register/status.csv; its path back."""
    path = data_dir / STATUS_ACCEPTED
    with writing(data_dir):
        _still_open(data_dir, proposal_id)
        with path.open("a", encoding="utf-8") as fh:
            line = json.dumps({"proposal_id": proposal_id, "row": row}, ensure_ascii=False)
            fh.write(line + "\n")
        _decide(data_dir, proposal_id, "accepted", note, str(row["commitment_id"]))
        return write_status_register(data_dir)


def accepted_status_rows(data_dir: Path) -> dict[str, dict[str, Any]]:
    """proposal_id -> the register row its acceptance wrote (the latest one per id)."""
    path = data_dir / STATUS_ACCEPTED
    if not path.exists():
        return {}
    out: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            out[str(item["proposal_id"])] = dict(item["row"])
    return out


def write_status_register(data_dir: Path) -> Path:
    """Rewrite register/status.csv from the status decisions in force: for each commitment the
    row of its latest accepted proposal; no file when none is in force (atomic, like undo)."""
    in_force = read_decisions(data_dir)
    rows = accepted_status_rows(data_dir)
    latest: dict[str, dict[str, Any]] = {}
    for d in _all_decisions(data_dir):
        if d.release_id in rows and d.decision == "accepted" and in_force.get(d.release_id) == d:
            latest[d.commitment_id] = rows[d.release_id]
    path = data_dir / STATUS_REGISTER
    if not latest:
        path.unlink(missing_ok=True)
        return path
    fields = [c.name for c in contract("raw.register_commitment").source_columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.new")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(latest.values())
    os.replace(tmp, path)
    return path


def _drop_register_row(path: Path, commitment_id: str) -> None:
    """Rewrite the analyst's register without one commitment, atomically (a run reading it sees
    the file before or after, never half of it)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = [r for r in reader if r.get("commitment_id") != commitment_id]
    tmp = path.with_name(f".{path.name}.undo")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


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
