"""One real run per scenario (bundled snapshot; a register with hostile text), shared by the
report tests. Set HKAM_UPDATE_GOLDEN=1 to rewrite tests/golden/ from the bundled run."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.cli import main
from flows.resources import snapshot_dir

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
    "formula": '=HYPERLINK("http://example.invalid/x","click")',
}


@dataclass(frozen=True)
class Run:
    """A finished `hkam run` into a temporary warehouse and reports folder."""

    warehouse: Path
    reports: Path
    run_id: str
    wired: bool  # the flow itself wrote the HTML reports (write_run_reports called by nightly)

    @property
    def latest(self) -> Path:
        return self.reports / "latest"


def _run(base: Path, snapshot: Path | None = None) -> Run:
    warehouse, reports = base / "wh" / "hkam.duckdb", base / "reports"
    args = ["run", "--warehouse", str(warehouse), "--reports-dir", str(reports)]
    if snapshot is not None:
        args += ["--snapshot-dir", str(snapshot)]
    assert main(args) == 0
    payload = json.loads((reports / "latest" / "dq.json").read_text(encoding="utf-8"))
    run_id = payload["run_id"]
    wired = (reports / "runs" / run_id / "dq.html").exists()
    if not wired:  # until nightly calls write_run_reports itself
        from flows.reports.site import write_run_reports

        write_run_reports(warehouse, reports, payload, {})
    return Run(warehouse, reports, run_id, wired)


@pytest.fixture(scope="session")
def bundled_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The nightly run on the bundled snapshot."""
    return _run(tmp_path_factory.mktemp("bundled"))


def _poison_register(snapshot: Path) -> None:
    """Hostile text in loaded rows (names, amount text, notes) and in a quarantined row."""
    path = snapshot / "register" / "commitments.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    rows[0]["company"] = HOSTILE["script"]
    rows[0]["amount_text"] = HOSTILE["formula"]
    rows[0]["location"] = "-1 text"
    rows[1]["company"] = HOSTILE["img"]
    rows[1]["notes"] = "+1"
    rows[2]["company"] = "@SUM(A1:A9)"
    bad = dict(rows[3], commitment_id="hostile-quarantined", party=HOSTILE["script"])
    rows.append(bad)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="session")
def hostile_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The nightly run on a snapshot whose register holds script, img and formula text."""
    base = tmp_path_factory.mktemp("hostile")
    snapshot = base / "snapshot"
    shutil.copytree(snapshot_dir(), snapshot)
    _poison_register(snapshot)
    return _run(base, snapshot)


@pytest.fixture(scope="session")
def read_csv() -> Callable[[Path], list[dict[str, str]]]:
    def read(path: Path) -> list[dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    return read
