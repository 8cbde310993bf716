"""Review decisions: no company from a title, the amount picked, the party from the evidence, undo.

The candidates here are made for the tests (shaped like core.announcement_candidate rows)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from flows import review


def candidate(**over: object) -> dict[str, object]:
    amounts = [
        {"text": "$3 billion", "value": 3e9, "currency": "HKD", "qualifier": "exact"},
        {"text": "$10 billion", "value": 1e10, "currency": "HKD", "qualifier": "exact"},
    ]
    row: dict[str, object] = {
        "release_id": "P2024022800146",
        "title_en": "Budget Speech by the Financial Secretary (5)",
        "title_zh": None,
        "evidence": "We will allocate $3 billion to Cyberport for an AI Subsidy Scheme.",
        "amounts_json": json.dumps(amounts),
        "jobs_json": "[]",
        "company_guess": None,
        "cluster_guess": "ai_robotics_automation",
        "published_date_hk": "2024-02-28",
        "link_en": "https://www.info.gov.hk/gia/general/202402/28/P2024022800146.htm",
        "link_zh": None,
    }
    row.update(over)
    return row


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_title_is_never_taken_as_the_company(tmp_path: Path) -> None:
    # It wrote "Budget Speech by the Financial Secretary (5)" as a company.
    companies = [{"name_en": "Cyberport", "name_zh": "數碼港", "aliases": []}]
    with pytest.raises(review.ReviewError, match="no company guessed; pass --company") as err:
        review.accept(tmp_path, candidate(), None, "project", None, 1, companies)
    assert "Cyberport" in str(err.value)
    assert not (tmp_path / review.REVIEWED_REGISTER).exists()
    assert review.read_decisions(tmp_path) == {}


def test_several_amounts_need_a_choice(tmp_path: Path) -> None:
    with pytest.raises(review.ReviewError, match=r"1: \$3 billion; 2: \$10 billion"):
        review.accept(tmp_path, candidate(), "Cyberport", "project", None)
    with pytest.raises(review.ReviewError, match="has no amount 3"):
        review.accept(tmp_path, candidate(), "Cyberport", "project", None, 3)
    row = review.accept(tmp_path, candidate(), "Cyberport", "project", None, 2)
    assert (row["amount"], row["amount_text"]) == ("10000000000", "$10 billion")


def test_the_party_follows_the_evidence() -> None:
    assert review.guess_party(candidate()) == "government"  # a budget speech
    lcq = candidate(title_en="LCQ8: Promoting development of new industrialisation")
    assert review.guess_party(lcq) == "government"
    company = candidate(title_en="J2 opens its fab", evidence="J2 invests", company_guess="J2")
    assert review.guess_party(company) == "company"
    plain = candidate(title_en="Black Sesame opens R&D centre", evidence="It will invest $1 bn.")
    assert review.guess_party(plain) == "company"


def test_undo_takes_back_the_last_decision(tmp_path: Path) -> None:
    review.reject(tmp_path, "P1", "not a commitment")
    row = review.accept(tmp_path, candidate(), "Cyberport", "project", None, 1)
    register = tmp_path / review.REVIEWED_REGISTER
    assert [r["commitment_id"] for r in rows(register)] == [row["commitment_id"]]

    undone = review.undo(tmp_path)
    assert (undone.release_id, undone.decision) == ("P2024022800146", "accepted")
    assert rows(register) == [] and set(review.read_decisions(tmp_path)) == {"P1"}
    assert review.undo(tmp_path).release_id == "P1"  # then the one before it
    assert review.read_decisions(tmp_path) == {}
    with pytest.raises(review.ReviewError, match="no decision to undo"):
        review.undo(tmp_path)
    # The audit trail keeps every decision and every undo.
    assert [r["decision"] for r in rows(tmp_path / review.DECISIONS)] == [
        "rejected", "accepted", "undone", "undone",
    ]  # fmt: skip
    # Decided again after an undo: in force again.
    review.reject(tmp_path, "P1", "still not")
    assert review.read_decisions(tmp_path)["P1"].reason == "still not"
