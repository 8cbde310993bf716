"""Candidate detection: precision and recall over real labelled releases, frame output, speed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from flows.sources import gia
from flows.transforms import candidates
from flows.transforms.candidates import detect, detect_frame

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "gia_labelled.jsonl"
SNAPSHOT = Path(__file__).resolve().parents[2] / "flows" / "snapshot" / "gia"


def labelled() -> list[dict[str, Any]]:
    with FIXTURE.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_labelled_set_shape() -> None:
    rows = labelled()
    assert len(rows) >= 40
    assert sum(r["lang"] == "zh" for r in rows) >= 10
    assert sum(not r["label"] for r in rows) * 2 >= len(rows)
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["source_url"].startswith(("http://", "https://")), r["id"]
        assert r["lang"] in {"en", "zh"} and isinstance(r["label"], bool), r["id"]
        assert r["title"] and r["text"] and r["note"], r["id"]


def test_precision_and_recall_on_the_labelled_set() -> None:
    rows = labelled()
    tp = fp = fn = 0
    mistakes: list[str] = []
    for r in rows:
        predicted = detect(r["title"], r["text"], r["lang"]) is not None
        tp += predicted and r["label"]
        fp += predicted and not r["label"]
        fn += (not predicted) and r["label"]
        if predicted != r["label"]:
            mistakes.append(f"{r['id']} (label {r['label']})")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    summary = (
        f"n={len(rows)} positives={tp + fn} precision={precision:.3f} recall={recall:.3f} "
        f"tp={tp} fp={fp} fn={fn} mistakes={mistakes}"
    )
    print(f"\ncandidate detection on the labelled set: {summary}")
    assert precision >= 0.9 and recall >= 0.9, summary


def test_detect_reports_evidence_figures_and_guesses() -> None:
    found = detect(
        "「新型工業加速計劃」第二個項目獲評審委員會支持",
        next(r["text"] for r in labelled() if r["id"] == "nias-second-project-20250407-zh"),
        "zh",
    )
    assert found is not None
    assert any("四億元" in s for s in found.evidence)
    assert any(a["currency"] == "HKD" and a["qualifier"] == "over" for a in found.amounts)
    assert found.company_guess == "亞洲先進同位素技術有限公司"
    assert found.cluster_guess in (*candidates.CLUSTERS, candidates.MULTIPLE)
    assert 0.0 < found.confidence <= 1.0


@pytest.mark.parametrize(
    ("title", "text"),
    [
        # TEST VALUES: unrelated money must not make a candidate.
        ("LCQ1: Public housing", "The Government will spend $20 billion on public housing."),
        ("Road works", "Works costing $300 million will close Nathan Road for 2 years."),
        ("Science Park open day", "Hong Kong Science Park welcomes visitors on Saturday."),
    ],
)
def test_unrelated_money_or_no_money_is_not_a_candidate(title: str, text: str) -> None:
    assert detect(title, text, "en") is None


def test_job_figure_with_a_company_is_a_candidate() -> None:
    # TEST VALUES: a company setting up a plant with a job figure and no amount.
    found = detect("Plant opens", "The company will set up a plant and create 300 jobs.", "en")
    assert found is not None and found.jobs and not found.amounts


def test_detect_frame_on_the_snapshot_feeds() -> None:
    en = gia.parse_feed((SNAPSHOT / "general_en.xml").read_bytes(), lang="en", source_url="en")
    zh = gia.parse_feed((SNAPSHOT / "general_zh.xml").read_bytes(), lang="zh", source_url="zh")
    out = detect_frame(gia.pair_releases(en, zh))
    assert out.schema == candidates.OUTPUT_SCHEMA
    assert set(out["release_id"]) == {
        "P2025073000208",
        "P2023041400699",
        "P2024022800146",
        "P2019022700202",
        "P2023022200377",
        "P2025020500193",
        "P2023041400610",
    }
    for row in out.iter_rows(named=True):
        assert row["evidence"]
        assert json.loads(row["amounts_json"]) or json.loads(row["jobs_json"])
        assert row["cluster_guess"] is None or row["cluster_guess"] in (
            *candidates.CLUSTERS,
            candidates.MULTIPLE,
        )
        assert 0.0 <= row["confidence"] <= 1.0


def test_detect_frame_empty_and_no_candidates() -> None:
    assert detect_frame(pl.DataFrame(schema=gia.PAIR_SCHEMA)).schema == candidates.OUTPUT_SCHEMA
    pairs = pl.DataFrame(
        {"release_id": ["P1"], "title_en": ["Weather"], "text_en": ["Fine, 30 degrees."]},
    )
    assert detect_frame(pairs).height == 0


def synthetic_pairs(n: int) -> pl.DataFrame:
    """TEST VALUES: n releases cycling through the labelled texts (about 30% candidates)."""
    rows = labelled()
    ids, te, tz, xe, xz = [], [], [], [], []
    for i in range(n):
        r = rows[i % len(rows)]
        ids.append(f"P2030010{i:06d}")
        en, zh = r["lang"] == "en", r["lang"] == "zh"
        te.append(r["title"] if en else None)
        xe.append(r["text"] if en else None)
        tz.append(r["title"] if zh else None)
        xz.append(r["text"] if zh else None)
    return pl.DataFrame(
        {"release_id": ids, "title_en": te, "text_en": xe, "title_zh": tz, "text_zh": xz},
        schema_overrides={k: pl.String for k in ("title_en", "text_en", "title_zh", "text_zh")},
    )


def test_throughput_on_10000_items() -> None:
    pairs = synthetic_pairs(10_000)
    start = time.perf_counter()
    out = detect_frame(pairs)
    elapsed = time.perf_counter() - start
    print(
        f"\ndetect_frame: {pairs.height} items in {elapsed:.2f}s ({pairs.height / elapsed:,.0f}/s)"
    )
    assert out.height > 0
    # 100,000 items must take well under a minute; this mix is ~30% candidates, far denser than
    # a real feed, and the machine may be shared, hence the margin.
    assert elapsed < 8.0, elapsed
