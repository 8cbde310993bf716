"""The polars engine computes exactly what GX computes for the same suite (GX is the reference)."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.contracts import contract, parse_contract
from flows.validation import Outcome, to_gx_result, validate, validate_with_gx

REGISTER = contract("raw.register_commitment")

# TEST VALUES: a contract exercising every check kind on small columns.
KINDS = parse_contract(
    {
        "table": "raw.engine_test",
        "description": "engine comparison",
        "grain": ["k"],
        "columns": [
            {"name": "k", "type": "VARCHAR", "description": "key", "checks": ["not_null"]},
            {
                "name": "cur",
                "type": "VARCHAR",
                "description": "c",
                "checks": [{"accepted_values": ["HKD", "USD"]}],
            },
            {
                "name": "amt",
                "type": "DOUBLE",
                "description": "a",
                "checks": [{"between": [0, 100]}],
            },
            {
                "name": "url",
                "type": "VARCHAR",
                "description": "u",
                "checks": [{"regex": "^https?://[^ ]+$"}],
            },
            {"name": "v", "type": "VARCHAR", "description": "v", "checks": ["unique"]},
        ],
        "checks": [{"row_count": [1, None], "severity": "block"}],
    }
)


def summary(outcome: Outcome) -> list[tuple[str, bool, int, list[int]]]:
    return sorted(
        (r.check.name, r.success, r.unexpected_count, sorted(r.failing_rows))
        for r in outcome.results
    )


def test_engines_agree_on_every_check_kind() -> None:
    frame = pl.DataFrame(
        {
            "k": ["a", None, "b", "b", "c"],
            "cur": ["HKD", "XYZ", None, "USD", "usd"],
            "amt": [1.0, -5.0, 101.0, None, 100.0],
            "url": ["https://x", "ftp://y", None, "http://a b", "http://z"],
            "v": ["1", "2", "2", None, None],
        }
    )
    assert summary(validate(frame, KINDS)) == summary(validate_with_gx(frame, KINDS))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["HKD", "USD", "CNY", "", None, "hkd"]),
            st.one_of(st.none(), st.sampled_from(["1", "-2", "3.5", "x", "1e9", " 4"])),
            st.one_of(st.none(), st.sampled_from(["https://a", "http://b c", "ftp://x", ""])),
            st.sampled_from(["2023-10-13", "2023-13", "2024-02", "13/2024", None]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_engines_agree_on_register_rows(rows: list[tuple[str | None, ...]]) -> None:
    base = dict.fromkeys(REGISTER.column_names)
    records = [
        {**base, "commitment_id": f"c{i}", "party": "company", "company": "Synthetic Co",
         "scope": "project", "status": "mou", "currency": cur, "amount": amt,
         "source_url": url, "announced_on": day, "source_file_sha256": "s", "line": i + 2}
        for i, (cur, amt, url, day) in enumerate(rows)
    ]  # fmt: skip
    frame = pl.DataFrame(records, schema=REGISTER.polars_schema())
    assert summary(validate(frame, REGISTER)) == summary(validate_with_gx(frame, REGISTER))


def test_results_are_gx_validation_results() -> None:
    frame = pl.DataFrame(
        {
            "k": ["a", None],
            "cur": ["HKD", "XYZ"],
            "amt": [1.0, 2.0],
            "url": ["https://x", "https://y"],
            "v": ["1", "2"],
        }
    )
    gx = to_gx_result(validate(frame, KINDS))
    assert type(gx).__name__ == "ExpectationSuiteValidationResult"
    assert gx.success is False and gx.statistics["unsuccessful_expectations"] == 2
    by_type = {r.expectation_config.type: r for r in gx.results}
    assert by_type["expect_column_values_to_be_in_set"].result["unexpected_count"] == 1
    assert by_type["expect_column_values_to_be_in_set"].result["partial_unexpected_list"] == ["XYZ"]
