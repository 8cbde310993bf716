"""English and Chinese versions of one release as one candidate (TEST VALUES: made-up rows)."""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from flows.transforms.candidates import OUTPUT_SCHEMA, agreed
from flows.transforms.pairing import PAIRED, agree, figures, pair_languages


def row(rid: str, lang: str, values: list[float], day: int = 14) -> dict[str, object]:
    amounts = [{"currency": "HKD", "value": v} for v in values]
    return {
        "release_id": rid,
        "link_en": f"https://example.org/{rid}.htm" if lang == "en" else None,
        "link_zh": f"https://example.org/{rid}c.htm" if lang == "zh" else None,
        "published_date_hk": date(2023, 4, day),
        "title_en": f"title {rid}" if lang == "en" else None,
        "title_zh": f"標題 {rid}" if lang == "zh" else None,
        "evidence": f"evidence {rid}",
        "amounts_json": json.dumps(amounts),
        "jobs_json": "[]",
        "company_guess": None,
        "cluster_guess": "multiple",
        "confidence": 0.75,
    }


def frame(*rows: dict[str, object]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=OUTPUT_SCHEMA)


def test_figures_agree_when_the_fewer_are_all_in_the_more() -> None:
    en = figures(json.dumps([{"currency": "HKD", "value": v} for v in (5e7, 6e9, 1e10, 3e9)]))
    zh = figures(json.dumps([{"currency": "HKD", "value": v} for v in (1e10, 6e9, 3e9)]))
    assert agree(en, zh)
    assert not agree(en, figures(json.dumps([{"currency": "HKD", "value": 6e9}])))  # one of many
    assert agree(frozenset({("HKD", 3e9)}), frozenset({("HKD", 3e9)}))  # one each, equal
    assert not agree(frozenset(), frozenset())


def test_a_speech_in_both_languages_is_one_candidate() -> None:
    # The English and Chinese versions of one speech were two candidates.
    got = pair_languages(
        frame(row("P1", "en", [5e7, 6e9, 1e10, 3e9]), row("P2", "zh", [1e10, 6e9, 3e9])), agreed
    )
    assert got.height == 1
    [one] = got.to_dicts()
    assert (one["release_id"], one[PAIRED]) == ("P1", "P2")
    assert one["title_en"] == "title P1" and one["title_zh"] == "標題 P2"
    assert one["link_zh"] == "https://example.org/P2c.htm" and "evidence P2" in one["evidence"]
    assert one["confidence"] == agreed(0.75)


def test_no_pair_on_another_day_or_when_two_could_match() -> None:
    other_day = frame(row("P1", "en", [6e9, 3e9]), row("P2", "zh", [6e9, 3e9], day=15))
    assert pair_languages(other_day, agreed).height == 2
    two = frame(
        row("P1", "en", [6e9, 3e9]), row("P2", "zh", [6e9, 3e9]), row("P3", "zh", [6e9, 3e9])
    )
    got = pair_languages(two, agreed)
    assert got.height == 3 and got.get_column(PAIRED).null_count() == 3
