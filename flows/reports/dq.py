"""Data-quality summary of a run: JSON and Markdown files, and the same Markdown for Prefect."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from flows.runs import RunSummary, summary_items
from flows.validation import CheckResult


def dq_payload(summary: RunSummary, checks: dict[str, list[CheckResult]]) -> dict[str, Any]:
    """The DQ report as plain data: run summary, per-source counts, every check."""
    return {
        **summary.to_json(),
        "checks": {
            source: [
                {
                    "check": r.check.name,
                    "expectation": r.expectation,
                    "severity": r.check.severity,
                    "success": r.success,
                    "element_count": r.element_count,
                    "unexpected_count": r.unexpected_count,
                    "failing_samples": list(r.samples),
                }
                for r in results
            ]
            for source, results in checks.items()
        },
    }


def dq_markdown(payload: dict[str, Any]) -> str:
    """Markdown rendering of the DQ payload (also the Prefect artifact)."""
    items = [f"- {i}" for i in summary_items(payload)]  # all of them: the terminal caps its list
    notes = " ".join(payload.get("notes") or [])
    lines = [
        f"# Data quality — run {payload['run_id']}",
        "",
        f"Status: **{payload['status']}**. {payload['summary']}",
        *(["", *items] if items else []),
        *(["", notes] if notes else []),
        "",
        "| source | status | files | unchanged files | rows in | loaded | quarantined"
        " | unchanged | duplicates | overridden | left the register |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in payload["sources"]:
        lines.append(
            f"| {s['source']} | {s['status']} | {s['files']} | {s['files_unchanged']} | "
            f"{s['rows_in']} | {s['loaded']} | {s['quarantined']} | {s['unchanged']} | "
            f"{s['duplicates']} | {s.get('overridden', 0)} | {s.get('removed', 0)} |"
        )
    for source, results in payload["checks"].items():
        lines += ["", f"## Checks: {source}", "", "| check | severity | result | failing |"]
        lines.append("| --- | --- | --- | ---: |")
        for r in results:
            mark = "pass" if r["success"] else "FAIL"
            name = r["check"].replace("|", "\\|")
            lines.append(f"| {name} | {r['severity']} | {mark} | {r['unexpected_count']} |")
    return "\n".join(lines) + "\n"


def write_dq(reports_dir: Path, payload: dict[str, Any]) -> Path:
    """Write runs/<run_id>/dq.json and dq.md, and copy them to latest/."""
    run_dir = reports_dir / "runs" / str(payload["run_id"])
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "dq.json").write_text(
        json.dumps(payload, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    (run_dir / "dq.md").write_text(dq_markdown(payload), encoding="utf-8")
    latest = reports_dir / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    for name in ("dq.json", "dq.md"):
        shutil.copyfile(run_dir / name, latest / name)
    return run_dir
