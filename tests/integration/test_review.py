"""Press releases end to end: candidates proposed, rejected ones never again, accepted ones loaded."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import pytest

from flows.cli import main

pytestmark = pytest.mark.usefixtures("prefect_harness")


def run(paths: dict[str, Path]) -> int:
    return main(
        ["run", "--warehouse", str(paths["warehouse"]), "--reports-dir", str(paths["reports"])]
    )


def candidates(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [
            r[0]
            for r in con.execute("SELECT release_id FROM core.announcement_candidate").fetchall()
        ]


def test_review_cycle(paths: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    wh = str(paths["warehouse"])
    assert run(paths) == 0
    proposed = candidates(paths["warehouse"])
    assert len(proposed) >= 3, "the bundled feeds hold investment releases"
    assert "new press-release candidate(s)" in capsys.readouterr().out

    assert main(["review", "--warehouse", wh]) == 0
    listed = capsys.readouterr().out
    assert all(rid in listed for rid in proposed)

    rejected, accepted = proposed[0], proposed[1]
    assert main(["review", "reject", rejected, "--warehouse", wh]) == 2, "a reason is required"
    assert (
        main(
            [
                "review",
                "reject",
                rejected,
                "--reason",
                "policy speech, no commitment",
                "--warehouse",
                wh,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "review",
                "accept",
                accepted,
                "--company",
                "Synthetic Test Co",
                "--scope",
                "aggregate",
                "--party",
                "government",
                "--warehouse",
                wh,
            ]
        )
        == 0
    )
    assert main(["review", "reject", rejected, "--reason", "again", "--warehouse", wh]) == 2, (
        "decided once"
    )
    capsys.readouterr()

    assert main(["review", "--warehouse", wh]) == 0
    still_open = capsys.readouterr().out
    assert rejected not in still_open and accepted not in still_open

    data = Path(os.environ["HKAM_DATA_DIR"])
    with (data / "review_decisions.csv").open(encoding="utf-8") as fh:
        decisions = {r["release_id"]: r["decision"] for r in csv.DictReader(fh)}
    assert decisions == {rejected: "rejected", accepted: "accepted"}

    # The next run loads the accepted row from the analyst's folder, with the release as source.
    assert run(paths) == 0
    with duckdb.connect(wh, read_only=True) as con:
        rows = con.execute(
            "SELECT company_name, scope, source_url FROM core.investment_commitment "
            "WHERE commitment_id = ?",
            [f"gia-{accepted.lower()}"],
        ).fetchall()
    assert len(rows) == 1 and rows[0][0] == "Synthetic Test Co" and rows[0][1] == "aggregate"
    assert rows[0][2].startswith("https://www.info.gov.hk/gia/")
    assert sorted(candidates(paths["warehouse"])) == sorted(proposed), "nothing proposed twice"
