"""The DQ text check: U+FFFD, C1 controls and CJK inside a Latin word are flagged in every text
column (warn; the row still loads), and reach meta.dq_result and dq.json like the other checks.

TEST VALUES: the applicant names below are made for these tests; the faulty ones are what a
wrong decoding produces (the third is cp1252 "Réseau" really decoded as Big5-HKSCS).
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from flows.contracts import contract
from flows.validation import validate, validate_with_gx
from tests.faults.conftest import REGISTER, dq, hkam, query, read_csv_rows

FUNDING = contract("core.funding_approval")
MOJIBAKE = b"R\xe9seau Lab".decode("big5hkscs")  # "R" + one CJK character + "eau Lab"
NAMES = {
    "clean": "Société Générale (Hong Kong) Limitée",
    "replacement": "Soci\ufffdt\ufffd G\ufffdn\ufffdrale",
    "c1 control": "\u0093Smart\u0094 Robotics Limited",
    "cjk in a latin word": MOJIBAKE,
    "chinese": "香港K歌Studio有限公司",  # Chinese usage, not a fault
    "chinese name": "香港生產力促進局",
}


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "approval_id": [f"a{i}" for i in range(len(NAMES))],
            "year": [2019] * len(NAMES),
            "programme": ["RFS"] * len(NAMES),
            "lead_applicant": list(NAMES.values()),
        },
        schema_overrides={"year": pl.Int32},
    )


@pytest.mark.parametrize("engine", [validate, validate_with_gx], ids=["polars", "gx"])
def test_text_check_flags_each_fault_and_quarantines_nothing(engine: object) -> None:
    outcome = engine(_frame(), FUNDING)  # type: ignore[operator]
    result = next(
        r for r in outcome.results
        if r.check.kind == "clean_text" and r.check.column == "lead_applicant"
    )  # fmt: skip
    assert result.check.severity == "warn"
    assert result.expectation == "expect_column_values_to_not_match_regex"
    assert not result.success and result.unexpected_count == 3
    assert sorted(result.failing_rows) == [1, 2, 3]
    assert not outcome.quarantined_rows()  # flagged, not withheld: the text may still be true
    # every text column has the check, the provenance columns do not
    checked = {r.check.column for r in outcome.results if r.check.kind == "clean_text"}
    assert checked == {"approval_id", "programme", "lead_applicant"}


@pytest.mark.usefixtures("prefect_harness")
def test_text_faults_reach_meta_dq_result_and_dq_json(snap: Path, where: tuple[Path, Path]) -> None:
    warehouse, reports = where
    fields, rows = read_csv_rows(snap / REGISTER)
    rows[0]["company"] = NAMES["replacement"]
    rows[1]["notes"] = NAMES["c1 control"]
    rows[2]["company"] = NAMES["cjk in a latin word"]
    with (snap / REGISTER).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    assert hkam(snap, warehouse, reports) == 0
    checks = {c["check"]: c for c in dq(reports)["checks"]["register"]}
    company = checks["company has no U+FFFD, C1 control or CJK inside a Latin word"]
    notes = checks["notes has no U+FFFD, C1 control or CJK inside a Latin word"]
    assert (company["success"], company["unexpected_count"], company["severity"]) == (
        False, 2, "warn",
    )  # fmt: skip
    assert (notes["success"], notes["unexpected_count"]) == (False, 1)
    assert {s["company"] for s in company["failing_samples"]} == {
        NAMES["replacement"], NAMES["cjk in a latin word"],
    }  # fmt: skip
    stored = query(
        warehouse,
        "SELECT check_name, unexpected_count FROM meta.dq_result WHERE NOT success "
        "AND check_name LIKE '% has no U+FFFD%' ORDER BY check_name",
    )
    assert stored == [
        ("company has no U+FFFD, C1 control or CJK inside a Latin word", 2),
        ("notes has no U+FFFD, C1 control or CJK inside a Latin word", 1),
    ]
    # the rows themselves load
    [(loaded,)] = query(
        warehouse,
        "SELECT count(*) FROM raw.register_commitment WHERE company IN (?, ?)",
        [NAMES["replacement"], NAMES["cjk in a latin word"]],
    )
    assert loaded == 2
