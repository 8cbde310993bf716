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
                "--amount",
                "1",
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


def test_review_says_what_to_pass(
    paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    wh = ["--warehouse", str(paths["warehouse"])]
    assert run(paths) == 0
    capsys.readouterr()
    # It said "no candidate None".
    assert main(["review", "accept", *wh]) == 2
    assert "accept needs a release id" in capsys.readouterr().err
    # It wrote the speech's title as a company: now the company must be named.
    assert main(["review", "accept", "P2024022800146", *wh]) == 2
    assert "no company guessed; pass --company" in capsys.readouterr().err
    # --company on a reject was silently ignored.
    assert main(["review", "reject", "P2024022800146", "--reason", "x", "--company", "C", *wh]) == 2
    assert "--company does not apply to reject" in capsys.readouterr().err
    # Several amounts: the analyst picks one.
    assert main(["review", "accept", "P2023041400699", "--company", "Test Fund", *wh]) == 2
    assert "--amount N" in capsys.readouterr().err
    accept = ["review", "accept", "P2023041400699", "--company", "Test Fund", "--amount", "2"]
    assert main([*accept, *wh]) == 0
    said = capsys.readouterr().out
    assert "government" in said and "$6 billion" in said  # a LegCo speech: government's money

    # Undo: the release is open again and its row leaves the analyst's register.
    assert main(["review", "undo"]) == 0
    assert "took back: P2023041400699 accepted" in capsys.readouterr().out
    assert main(["review", *wh]) == 0
    assert "P2023041400699" in capsys.readouterr().out
    reviewed = Path(os.environ["HKAM_DATA_DIR"]) / "register" / "reviewed.csv"
    assert "gia-p2023041400699" not in reviewed.read_text(encoding="utf-8")
    assert main(["review", "undo"]) == 2
