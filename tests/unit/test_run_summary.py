"""The run summary: one line of outcome and counts, then one line per warning, blocked reason and
failed source; the terminal caps the list, dq.md and dq.json hold it whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows import webhook
from flows.reports.dq import dq_markdown, dq_payload, write_dq
from flows.runs import TERMINAL_ITEMS, RunSummary, SourceCounts, summary_text

START = datetime(2026, 3, 1, 18, tzinfo=UTC)


def _run(warnings: dict[str, list[str]], **kw: object) -> RunSummary:
    """A finished run with the given warnings per source (test values, not data)."""
    run = RunSummary(
        run_id="20260301T180000Z-abc123",
        started_at=START,
        warehouse=Path("/w/hkam.duckdb"),
        reports_dir=Path("/r"),
        snapshot_dir="/s",
        finished_at=START + timedelta(seconds=4.2),
        status="published",
        **kw,  # type: ignore[arg-type]
    )
    run.sources = [
        SourceCounts(source=s, rows_in=10, loaded=9, quarantined=1, warnings=list(w))
        for s, w in warnings.items()
    ]
    return run


WARNINGS = {
    "register": ["amount_text '$30 billion' reads as HKD 3e10, row says 3e9", "2 rows dated 2031"],
    "itf": ["column 'Remarks' is new"],
}


def test_several_warnings_print_one_summary_line_then_one_line_each() -> None:
    lines = _run(WARNINGS).paragraph().splitlines()
    head = lines[0]
    assert head.startswith("Run 20260301T180000Z-abc123 published /w/hkam.duckdb in 4.2 s: ")
    assert "20 rows in, 18 loaded, 2 quarantined" in head and head.endswith("; 3 warnings.")
    assert "amount_text" not in head  # the warnings are not in the headline
    assert lines[1:4] == [
        "  - register: amount_text '$30 billion' reads as HKD 3e10, row says 3e9",
        "  - register: 2 rows dated 2031",
        "  - itf: column 'Remarks' is new",
    ]
    assert lines[4].startswith("Quarantined rows are in meta.quarantine") and "/r/runs/" in lines[4]
    assert len(lines) == 5


def test_blocked_reasons_and_failed_sources_are_items_too() -> None:
    run = _run({"register": []}, blocked_reasons=["register is empty"])
    run.status = "blocked"
    run.sources.append(SourceCounts(source="hkma", status="failed", message="HTTP 500"))
    lines = run.paragraph().splitlines()
    assert "was BLOCKED" in lines[0] and lines[0].endswith("; 1 failed source.")
    assert lines[1:3] == ["  - blocked: register is empty", "  - hkma: failed: HTTP 500"]


def test_dq_md_and_the_prefect_artifact_have_the_same_list() -> None:
    run = _run(WARNINGS)
    md = dq_markdown(dq_payload(run, {}))
    assert f"Status: **published**. {run.headline()}\n\n" in md
    items = [line.removeprefix("  ") for line in run.paragraph().splitlines()[1:4]]
    assert "\n".join(items) in md  # `- source: warning`, one per line, a Markdown list


def test_a_long_list_is_capped_in_the_terminal_and_whole_in_dq_md_and_json(tmp_path: Path) -> None:
    many = {"register": [f"row {i}: amount_text disagrees" for i in range(1, 31)]}
    run = _run(many)
    lines = run.paragraph().splitlines()
    shown = [line for line in lines if line.startswith("  - ")]
    assert len(shown) == TERMINAL_ITEMS + 1
    assert shown[-1] == f"  - and {30 - TERMINAL_ITEMS} more (see dq.md)"
    assert "; 30 warnings." in lines[0]
    write_dq(tmp_path, dq_payload(run, {}))
    run_dir = tmp_path / "runs" / run.run_id
    md = (run_dir / "dq.md").read_text(encoding="utf-8")
    assert all(f"- register: row {i}: amount_text disagrees\n" in md for i in range(1, 31))
    assert "more (see dq.md)" not in md
    dq = json.loads((run_dir / "dq.json").read_text(encoding="utf-8"))
    assert dq["summary"] == lines[0] and "\n" not in dq["summary"]
    assert len(dq["warnings"]) == 30
    assert dq["warnings"][29] == "register: row 30: amount_text disagrees"


def test_the_cli_prints_the_same_text_from_the_run_log_record() -> None:
    run = _run(WARNINGS)
    record = json.loads(json.dumps(run.to_json(), default=str))  # as the run log stores it
    assert summary_text(record) == run.paragraph()
    assert summary_text(record, limit=None).count("\n  - ") == 3


def test_a_warning_about_the_data_as_a_whole_follows_the_source_warnings() -> None:
    run = _run(WARNINGS)
    run.data_warnings.append("totals: the HK$ totals leave out US$ 100 m in 1 commitment")
    lines = run.paragraph().splitlines()
    assert lines[0].endswith("; 4 warnings.")
    assert lines[4] == "  - totals: the HK$ totals leave out US$ 100 m in 1 commitment"
    md = dq_markdown(dq_payload(run, {}))
    assert "- totals: the HK$ totals leave out US$ 100 m in 1 commitment\n" in md
    # A standing caveat of the data, not news of this run: no webhook message of its own.
    clean = _run({"register": []})
    clean.sources[0].quarantined = 0
    clean.data_warnings.append("totals: the HK$ totals leave out US$ 100 m in 1 commitment")
    assert webhook.reason(clean.to_json()) is None
