"""Status proposals end to end: proposed by a run, listed, accepted into a new register row
version (SCD-2 on the next run), never proposed again; undo and reject (issue 24)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from flows.contracts import contract
from flows.review import STATUS_REGISTER, ReviewError, undo
from flows.review_status import accept_status, read_proposals, reject_status
from flows.settings import load

pytestmark = pytest.mark.usefixtures("prefect_harness")

# SYNTHETIC register row (not a real commitment): the OASES office as a project with status
# announced, so that a real sentence of the bundled feed (P2023061400555, "OASES commenced full
# operation on December 23 last year.") reports progress on it.
SYNTHETIC = {
    "commitment_id": "oases-office-test",
    "party": "government",
    "company": "Office for Attracting Strategic Enterprises (OASES)",
    "announced_on": "2022-10",
    "location": "Hong Kong",
    "scope": "project",
    "is_cumulative": "false",
    "status": "announced",
    "source_url": "https://www.info.gov.hk/gia/general/202306/14/P2023061400555.htm",
    "confidence": "low",
    "notes": "SYNTHETIC test row, not a real register entry",
}


def _run(paths: dict[str, Path]) -> None:
    args = ["run", "--warehouse", str(paths["warehouse"]), "--reports-dir", str(paths["reports"])]
    assert main(args) == 0


def _history(warehouse: Path) -> list[tuple[int, str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT version, status, change_reason FROM core.investment_commitment_history "
            "WHERE commitment_id = 'oases-office-test' ORDER BY version"
        ).fetchall()


def test_status_proposal_cycle(paths: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    data = Path(os.environ["HKAM_DATA_DIR"])
    fields = [c.name for c in contract("raw.register_commitment").source_columns]
    (data / "register").mkdir(parents=True)
    with (data / "register" / "extra.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerow(SYNTHETIC)
    _run(paths)
    with duckdb.connect(str(paths["warehouse"]), read_only=True) as con:
        open_ = read_proposals(con)
    mine = {p["release_id"]: p for p in open_ if p["commitment_id"] == "oases-office-test"}
    # The LegCo reply and the CE's speech at the OASES Partnership's launching ceremony.
    assert set(mine) == {"P2023061400555", "P2023100400567"}
    assert {(p["from_status"], p["to_status"]) for p in mine.values()} == {
        ("announced", "operational")
    }
    pid = mine["P2023061400555"]["proposal_id"]
    assert "OASES commenced full operation" in mine["P2023061400555"]["evidence"]
    assert "2 new status proposal(s)" in capsys.readouterr().out
    assert main(["review", "--warehouse", str(paths["warehouse"])]) == 0
    assert pid in capsys.readouterr().out

    settings = load(paths["warehouse"])
    row = accept_status(settings, pid, note="read the LegCo reply")
    assert row["status"] == "operational" and "Analyst: read the LegCo reply" in row["notes"]
    assert (data / STATUS_REGISTER).exists()
    with pytest.raises(ReviewError, match="not open"):
        accept_status(settings, pid)
    with pytest.raises(ReviewError, match="no status proposal"):
        reject_status(settings, "st-0000000000000000", "no such proposal")

    _run(paths)
    assert _history(paths["warehouse"]) == [
        (1, "announced", "new"),
        (2, "operational", "status changed"),
    ]
    with duckdb.connect(str(paths["warehouse"]), read_only=True) as con:
        again = con.execute(
            "SELECT count(*) FROM core.status_candidate WHERE commitment_id = 'oases-office-test'"
        ).fetchone()
        listed = [p["commitment_id"] for p in read_proposals(con)]
    assert again == (2,), "a decided proposal is not proposed again"
    assert "oases-office-test" not in listed, "the other release's is no longer a step forward"

    assert undo(data).release_id == pid
    assert not (data / STATUS_REGISTER).exists(), "undo takes the new row version back"
    reject_status(settings, pid, "synthetic row")
    with pytest.raises(ReviewError, match="already rejected"):
        reject_status(settings, pid, "twice")
