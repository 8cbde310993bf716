"""Run bookkeeping: ids, per-source counts, the run summary and the run log."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE = 0, 1, 2
TERMINAL_ITEMS = 10  # the terminal lists this many items; dq.md and dq.json hold them all


def new_run_id(now: datetime) -> str:
    """Sortable, unique run id: UTC start time plus a short random suffix."""
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass
class SourceCounts:
    """What happened to one source's rows in a run."""

    source: str
    files: int = 0
    files_unchanged: int = 0
    rows_in: int = 0
    loaded: int = 0
    quarantined: int = 0
    unchanged: int = 0
    duplicates: int = 0
    removed: int = 0  # register: commitments that left it, closed by this run
    overridden: int = 0  # register: rows a later file (the analyst's folder) restates
    status: str = "ok"
    message: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    """Outcome of a run: counts per source, status and where things are."""

    run_id: str
    started_at: datetime
    warehouse: Path
    reports_dir: Path
    snapshot_dir: str
    live: bool = False
    finished_at: datetime | None = None
    status: str = "running"
    sources: list[SourceCounts] = field(default_factory=list)
    blocked_reasons: list[str] = field(default_factory=list)
    new_candidates: int = 0
    new_status_proposals: int = 0  # issue 24: progress on known commitments (st- proposals)
    # Warnings about the published data as a whole, `topic: text` (e.g. what totals leave out):
    # listed with the others, but not a webhook event (flows/webhook.py reason says why).
    data_warnings: list[str] = field(default_factory=list)
    inputs_sha256: str | None = None  # what it read (flows/inputs.py); published runs only
    same_as: str | None = None  # an unchanged run: the run whose inputs it found again
    # issue 23: the upload to $HKAM_PUBLISH_URL after the run (what went up, or why it failed)
    uploaded: str | None = None
    upload_error: str | None = None

    def total(self, name: str) -> int:
        """Sum of one count over sources."""
        return sum(int(getattr(s, name)) for s in self.sources)

    @property
    def exit_code(self) -> int:
        """0 published or unchanged (nothing new to publish), 1 blocked or failed."""
        return EXIT_OK if self.status in ("published", "unchanged") else EXIT_BLOCKED

    @property
    def duration_s(self) -> float:
        """Wall time so far."""
        end = self.finished_at or datetime.now(UTC)
        return (end - self.started_at).total_seconds()

    @property
    def landed_new(self) -> bool:
        """New files landed: the marts are rebuilt, and so is the page (a commitment that left
        the register changes the data with nothing loaded)."""
        return any(s.files > s.files_unchanged for s in self.sources)

    @property
    def warnings(self) -> list[str]:
        """Every warning from every source, then those about the published data as a whole."""
        return [f"{s.source}: {w}" for s in self.sources for w in s.warnings] + self.data_warnings

    def headline(self) -> str:
        """One line: outcome, counts, and how many warnings and failed sources follow."""
        head = {
            "published": f"Run {self.run_id} published {self.warehouse}",
            "blocked": f"Run {self.run_id} was BLOCKED; {self.warehouse} is unchanged",
            "failed": f"Run {self.run_id} FAILED; {self.warehouse} is unchanged",
            "unchanged": f"Run {self.run_id} found nothing new since run {self.same_as}",
        }.get(self.status, f"Run {self.run_id} is {self.status}")
        counts = (
            f"{self.total('rows_in')} rows in, {self.total('loaded')} loaded, "
            f"{self.total('quarantined')} quarantined, {self.total('unchanged')} unchanged, "
            f"{self.total('duplicates')} duplicates"
        )
        if self.total("overridden"):
            counts += f", {self.total('overridden')} overridden by a later file"
        if self.total("removed"):
            counts += f", {self.total('removed')} left the register (closed)"
        failed = sum(1 for s in self.sources if s.status == "failed")
        extra = [
            _count(len(self.warnings), "warning"),
            _count(failed, "failed source"),
        ]
        tail = "; " + ", ".join(e for e in extra if e) if any(extra) else ""
        # The summary, dq.md, dq.html and the webhook all carry the headline.
        upload = f" Upload: published locally; upload failed: {self.upload_error}" * bool(
            self.upload_error
        )
        return f"{head} in {self.duration_s:.1f} s: {counts}{tail}.{upload}"

    def notes(self) -> list[str]:
        """What to do next and where to look, after the list."""
        notes = []
        if self.status == "unchanged":
            notes.append(f"{self.warehouse} is left as that run published it.")
        if self.total("quarantined"):
            notes.append("Quarantined rows are in meta.quarantine with their reasons.")
        if self.new_candidates:
            notes.append(
                f"{self.new_candidates} new press-release candidate(s) to review: hkam review."
            )
        if self.new_status_proposals:
            notes.append(
                f"{self.new_status_proposals} new status proposal(s) for commitments in the "
                "register: hkam review."
            )
        if self.uploaded:
            notes.append(f"Uploaded to {self.uploaded}.")
        if self.upload_error:
            notes.append("The next run, or `hkam publish`, uploads again.")
        notes.append(f"Reports: {self.reports_dir / 'runs' / self.run_id}.")
        return notes

    def paragraph(self, limit: int | None = TERMINAL_ITEMS) -> str:
        """The summary printed at the end of a run: the headline, then one line per item."""
        return summary_text(self.to_json(), limit)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict of the summary."""
        data = asdict(self)
        data.update(
            warehouse=str(self.warehouse),
            reports_dir=str(self.reports_dir),
            started_at=self.started_at.isoformat(),
            finished_at=self.finished_at.isoformat() if self.finished_at else None,
            duration_s=round(self.duration_s, 3),
            exit_code=self.exit_code,
            rows_in=self.total("rows_in"),
            rows_loaded=self.total("loaded"),
            rows_quarantined=self.total("quarantined"),
            rows_unchanged=self.total("unchanged"),
            rows_duplicate=self.total("duplicates"),
            rows_removed=self.total("removed"),
            rows_overridden=self.total("overridden"),
            landed_new=self.landed_new,
            summary=self.headline(),
            warnings=self.warnings,
            notes=self.notes(),
        )
        return data


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}" if n else ""


def summary_items(record: dict[str, Any]) -> list[str]:
    """Blocked reasons, failed sources and warnings of a run, one `source: text` each.

    `record` is RunSummary.to_json() (the run log, the webhook payload, dq.json).
    """
    items = [f"blocked: {r}" for r in record.get("blocked_reasons") or []]
    items += [
        f"{s['source']}: failed: {s.get('message', '')}"
        for s in record.get("sources") or []
        if s.get("status") == "failed"
    ]
    return items + list(record.get("warnings") or [])


def summary_text(record: dict[str, Any], limit: int | None = TERMINAL_ITEMS) -> str:
    """The headline, then `  - item` lines (at most `limit`, then how many more), then the notes."""
    items = summary_items(record)
    shown = items if limit is None or len(items) <= limit else items[:limit]
    lines = [str(record.get("summary", ""))] + [f"  - {i}" for i in shown]
    if len(shown) < len(items):
        lines.append(f"  - and {len(items) - len(shown)} more (see dq.md)")
    notes = " ".join(record.get("notes") or [])
    return "\n".join(lines + ([notes] if notes else []))


def run_log(warehouse: Path) -> Path:
    """Append-only log of every run, blocked ones included (they publish nothing)."""
    return warehouse.with_name(f".{warehouse.stem}.runs.jsonl")


def append_run_log(summary: RunSummary) -> None:
    """Record a finished run in the run log."""
    _append(summary.warehouse, summary.to_json())


def append_restore(warehouse: Path, version: str, restored_run: str | None) -> None:
    """Record a restore in the run log: `hkam status` then shows which run is current."""
    now = datetime.now(UTC)
    shown = f"run {restored_run}" if restored_run else "a file with no recorded run"
    record = {
        "run_id": new_run_id(now),
        "started_at": now.isoformat(),
        "finished_at": now.isoformat(),
        "duration_s": 0.0,
        "status": "restored",
        "same_as": restored_run,
        "summary": f"restored version {version} ({shown}) as {warehouse}",
    }
    _append(warehouse, record)


def _append(warehouse: Path, record: dict[str, Any]) -> None:
    path = run_log(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def read_run_log(warehouse: Path, limit: int = 20) -> list[dict[str, Any]]:
    """The last runs from the run log, newest first."""
    path = run_log(warehouse)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(line) for line in reversed(lines) if line.strip()]
