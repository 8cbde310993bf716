"""The register's amount_text is read by the extractor and must agree with amount/currency."""

from __future__ import annotations

import polars as pl

from flows.contracts import contract
from flows.resources import snapshot_dir
from flows.sources.register import read_register
from flows.transforms.commitments import (
    CROSS_CHECK_LIMIT,
    amount_sample,
    stated_text_mismatches,
    type_rows,
)


def test_bundled_register_text_agrees_with_its_figures() -> None:
    raw = read_register(
        snapshot_dir() / "register" / "commitments.csv", contract("raw.register_commitment")
    )
    assert stated_text_mismatches(*amount_sample(type_rows(raw), CROSS_CHECK_LIMIT)) == []


def test_a_typo_in_the_amount_is_reported() -> None:
    # TEST VALUES: a zero dropped from a real figure, and a wrong currency.
    rows = pl.DataFrame(
        {
            "commitment_id": ["j2", "x", "y"],
            "amount_text": ["HK$6.9 billion total project investment", "US$100 million", None],
            "amount": [690_000_000.0, 100_000_000.0, 5.0],
            "currency": ["HKD", "HKD", "HKD"],
        }
    )
    found = stated_text_mismatches(*amount_sample(rows, CROSS_CHECK_LIMIT))
    assert len(found) == 2
    assert found[0].startswith("j2: amount_text") and "HKD 6900000000" in found[0]
    assert "USD" in found[1]
