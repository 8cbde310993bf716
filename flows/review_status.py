"""Review of status proposals (core.status_candidate): read the open ones, accept, reject."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from flows import review
from flows.settings import Settings, load
from flows.transforms.status import is_step

TABLE = "core.status_candidate"


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has core.status_candidate (one from before issue 24 has not)."""
    rows = con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE schema_name = 'core' "
        "AND table_name = 'status_candidate'"
    ).fetchall()
    return bool(rows)


def _all_proposals(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every proposal, newest release first, with its commitment's current status and cluster."""
    if not _has_table(con):
        return []
    cur = con.execute(
        f"SELECT p.*, c.status AS current_status, c.cluster FROM {TABLE} AS p "
        "LEFT JOIN core.investment_commitment AS c USING (commitment_id) "
        "ORDER BY p.published_at DESC NULLS LAST, p.proposal_id"
    )
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def read_proposals(
    con: duckdb.DuckDBPyConnection, data_dir: Path | None = None
) -> list[dict[str, Any]]:
    """Open status proposals (not decided in the analyst's folder, still a step forward from
    the commitment's current status), newest release first.

    data_dir defaults to the settings' ($HKAM_DATA_DIR, else data/)."""
    decided = review.read_decisions(data_dir or load().data_dir)
    return [p for p in _all_proposals(con) if p["proposal_id"] not in decided and _still_a_step(p)]


def _still_a_step(proposal: dict[str, Any]) -> bool:
    """A proposal the register has caught up with (another release's status accepted, an
    edit) is no longer a step forward: it is not listed."""
    return is_step(proposal.get("current_status") or proposal["from_status"], proposal["to_status"])


def open_proposal(settings: Settings, proposal_id: str) -> dict[str, Any]:
    """The open proposal with this id, or a ReviewError saying why it is not open."""
    if not settings.warehouse.exists():
        raise review.ReviewError(f"no warehouse at {settings.warehouse}; run `hkam run` first")
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        proposals = _all_proposals(con)
    match = next((p for p in proposals if p["proposal_id"] == proposal_id), None)
    if match is None:
        raise review.ReviewError(
            f"no status proposal {proposal_id!r}; `hkam review` lists the open ones"
        )
    decided = review.read_decisions(settings.data_dir).get(proposal_id)
    if decided is not None:
        raise review.ReviewError(
            f"{proposal_id} is not open: it was already {decided.decision}; "
            "`hkam review undo` takes back the last decision"
        )
    return match


def new_row(proposal: dict[str, Any], note: str | None = None) -> dict[str, Any]:
    """The register row version an accepted proposal writes (the analyst's note appended)."""
    row: dict[str, Any] = json.loads(proposal["register_row"])
    if note and note.strip():
        row["notes"] = f"{row.get('notes') or ''} Analyst: {note.strip()}".strip()
    return row


def accept_status(
    settings: Settings, proposal_id: str, *, note: str | None = None
) -> dict[str, Any]:
    """Write the proposal's new register row version to data/register/status.csv (the next run
    records it by SCD-2 as `status changed`) and record the decision; the row back."""
    proposal = open_proposal(settings, proposal_id)
    row = new_row(proposal, note)
    review.accept_status_row(settings.data_dir, proposal_id, row, (note or "").strip())
    return row


def reject_status(settings: Settings, proposal_id: str, reason: str) -> None:
    """Record why the proposal is wrong; it is not proposed again."""
    if not reason or not reason.strip():
        raise review.ReviewError("a rejection needs a reason (--reason TEXT)")
    open_proposal(settings, proposal_id)
    review.reject(settings.data_dir, proposal_id, reason.strip())
