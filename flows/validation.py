"""Great Expectations validation of landed rows against their contract, and the quarantine split."""

from __future__ import annotations

import functools
import importlib
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from flows.contracts import TEXT_CHECK, Check, Contract

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

ROW_ID = "__row"  # internal row number: which rows fail; never shown where a row has a line
# Where a failing sample is shown to come from: the columns meta.quarantine names a row by.
PLACE = ("source_file", "line")
MAX_SAMPLES = 20


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one contract check over one frame."""

    check: Check
    expectation: str
    success: bool
    element_count: int
    unexpected_count: int
    failing_rows: tuple[int, ...] = ()
    samples: tuple[dict[str, Any], ...] = ()

    @property
    def blocks(self) -> bool:
        """A failing block check stops the run."""
        return not self.success and self.check.severity == "block"


@dataclass
class Outcome:
    """Validation results, and which rows pass."""

    results: list[CheckResult]
    reasons: dict[int, list[tuple[CheckResult, str]]] = field(default_factory=dict)
    suite_name: str = ""
    _gx: Any = None

    @property
    def gx_result(self) -> Any:
        """The results as a GX ExpectationSuiteValidationResult (for Data Docs), built on demand."""
        if self._gx is None:
            self._gx = to_gx_result(self)
        return self._gx

    @property
    def blocked(self) -> list[CheckResult]:
        """Failing block checks."""
        return [r for r in self.results if r.blocks]

    def quarantined_rows(self) -> set[int]:
        """Row ids failing at least one warn check."""
        return set(self.reasons)


def _expectation(check: Check) -> Any:
    """The GX expectation object for one check."""
    gxe: Any = importlib.import_module("great_expectations.expectations")
    meta = {"check": check.name, "severity": check.severity}
    col = check.column or ""
    if check.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=col, meta=meta)
    if check.kind == "unique" and check.args.get("columns"):
        cols = check.args["columns"]
        if len(cols) == 1:
            return gxe.ExpectColumnValuesToBeUnique(column=cols[0], meta=meta)
        return gxe.ExpectCompoundColumnsToBeUnique(column_list=cols, meta=meta)
    if check.kind == "unique":
        return gxe.ExpectColumnValuesToBeUnique(column=col, meta=meta)
    if check.kind == "accepted_values":
        return gxe.ExpectColumnValuesToBeInSet(
            column=col, value_set=check.args["values"], meta=meta
        )
    if check.kind == "between":
        return gxe.ExpectColumnValuesToBeBetween(
            column=col, min_value=check.args["min"], max_value=check.args["max"], meta=meta
        )
    if check.kind == "regex":
        return gxe.ExpectColumnValuesToMatchRegex(
            column=col, regex=check.args["pattern"], meta=meta
        )
    if check.kind == TEXT_CHECK:
        return gxe.ExpectColumnValuesToNotMatchRegex(
            column=col, regex=check.args["pattern"], meta=meta
        )
    if check.kind == "row_count":
        return gxe.ExpectTableRowCountToBeBetween(
            min_value=check.args["min"], max_value=check.args["max"], meta=meta
        )
    raise ValueError(f"no expectation for check kind {check.kind!r}")


def build_suite(contract: Contract) -> ExpectationSuite:
    """The GX ExpectationSuite derived from a contract, one expectation per check."""
    return build_suite_for(contract.table, list(contract.checks))


@functools.cache
def _context() -> Any:
    """The process's ephemeral GX context for building suites and results (made once: ~1 s)."""
    return _new_context()


def _new_context() -> Any:
    """A fresh ephemeral GX context, quiet (no progress bars, no analytics)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


def validate(frame: pl.DataFrame, contract: Contract) -> Outcome:
    """Evaluate the contract's suite over frame with polars (vectorised, no row leaves Arrow).

    GX executes the same suite only through pandas, which takes minutes and gigabytes at ten
    million rows; each check here computes exactly what its GX expectation computes (a test
    compares both engines), and the results are handed to GX as validation results.
    """
    checkable = [ch for ch in contract.checks if _applies(ch, frame)]
    failing = _failing_rows(checkable, frame)
    results = [
        _row_count(ch, frame.height) if ch.kind == "row_count" else _evaluate(ch, frame, failing[i])
        for i, ch in enumerate(checkable)
    ]
    outcome = Outcome(results=results, suite_name=contract.table)
    _add_reasons(outcome, frame)
    return outcome


def _failing(check: Check) -> pl.Expr:
    """Mask of rows that fail a column check; nulls pass every check but not_null, as in GX."""
    col = pl.col(check.column or "")
    present = col.is_not_null()
    if check.kind == "not_null":
        return col.is_null()
    if check.kind == "accepted_values":
        return present & ~col.is_in(check.args["values"])
    if check.kind == "regex":
        return present & ~col.str.contains(check.args["pattern"])
    if check.kind == TEXT_CHECK:
        return present & col.str.contains(check.args["pattern"])
    if check.kind == "between":
        lo, hi = check.args["min"], check.args["max"]
        out = pl.lit(False)
        if lo is not None:
            out = out | (col < lo)
        if hi is not None:
            out = out | (col > hi)
        return present & out
    if check.kind == "unique":
        cols = check.args.get("columns") or [check.column or ""]
        return (
            pl.all_horizontal(pl.col(c).is_not_null() for c in cols)
            & pl.struct(cols).is_duplicated()
        )
    raise ValueError(f"no row mask for check kind {check.kind!r}")


def _failing_rows(checks: list[Check], frame: pl.DataFrame) -> dict[int, list[int]]:
    """Failing row ids of every column check, by the check's place in `checks`: one select,
    so polars evaluates the checks side by side in one pass instead of one frame pass each."""
    column = [i for i, ch in enumerate(checks) if ch.kind != "row_count"]
    if not column:
        return {}
    found = frame.select(_failing(checks[i]).arg_true().implode().alias(f"c{i}") for i in column)
    return {i: found[f"c{i}"][0].to_list() for i in column}


def _evaluate(check: Check, frame: pl.DataFrame, rows: list[int]) -> CheckResult:
    """One column check's result from its failing row ids: success, counts and up to 20
    samples."""
    expectation = expectation_type(check)
    cols = check.args.get("columns") or [check.column or ""]
    place = [c for c in PLACE if c in frame.columns]
    samples = tuple(
        located({c: _plain(frame[r, c]) for c in [*cols, *place]}, r) for r in rows[:MAX_SAMPLES]
    )
    return CheckResult(check, expectation, not rows, frame.height, len(rows), tuple(rows), samples)


def located(sample: dict[str, Any], row: int) -> dict[str, Any]:
    """A failing sample as the reports show it: its values, with the file and line it came
    from when the frame has them (as meta.quarantine does), else its row number."""
    if all(c in sample for c in PLACE):
        return {k: v for k, v in sample.items() if k != ROW_ID}
    return {**sample, ROW_ID: row}


def expectation_type(check: Check) -> str:
    """The GX expectation type a check is recorded as."""
    if check.kind == "unique" and len(check.args.get("columns") or [None]) > 1:
        return "expect_compound_columns_to_be_unique"
    return _EXPECTATION_TYPES[check.kind]


def _row_count(check: Check, height: int) -> CheckResult:
    """The table row-count check over `height` rows."""
    lo, hi = check.args["min"], check.args["max"]
    ok = (lo is None or height >= lo) and (hi is None or height <= hi)
    return CheckResult(check, _EXPECTATION_TYPES["row_count"], ok, height, 0 if ok else 1)


def combine(
    parts: list[tuple[Outcome, int]],
    contract: Contract,
    key: str,
    whole: dict[str, CheckResult] | None = None,
) -> Outcome:
    """One outcome for a table validated in parts (each outcome with its row count); failing
    rows are numbered across the parts in the order they were validated (meta.quarantine keeps
    each row's file and line).

    Exact when the parts split the rows by `key`: a uniqueness check must include that column,
    since duplicates in different parts are never compared, or come checked over the whole table
    in `whole` (by check name); row counts are over the total.
    """
    whole = whole or {}
    for check in contract.checks:
        cols = check.args.get("columns") or [check.column]
        if check.kind == "unique" and key not in cols and check.name not in whole:
            raise ValueError(f"{contract.table}: {check.name} cannot be checked in parts by {key}")
    if not parts:
        raise ValueError(f"{contract.table}: no parts to combine")
    total = sum(height for _, height in parts)
    merged: list[CheckResult] = []
    for i, first in enumerate(parts[0][0].results):
        if first.check.name in whole:
            merged.append(whole[first.check.name])
            continue
        if first.check.kind == "row_count":
            merged.append(_row_count(first.check, total))
            continue
        rows: list[int] = []
        samples: list[dict[str, Any]] = []
        offset = 0
        for outcome, height in parts:
            result = outcome.results[i]
            rows += [offset + r for r in result.failing_rows]
            for sample in result.samples[: MAX_SAMPLES - len(samples)]:
                if ROW_ID in sample:  # a row number counts across the parts; a line does not
                    sample = {**sample, ROW_ID: offset + sample[ROW_ID]}
                samples.append(sample)
            offset += height
        merged.append(
            CheckResult(
                first.check, first.expectation, not rows, total, len(rows), tuple(rows),
                tuple(samples),
            )
        )  # fmt: skip
    return Outcome(results=merged, suite_name=contract.table)


_EXPECTATION_TYPES = {
    "not_null": "expect_column_values_to_not_be_null",
    "unique": "expect_column_values_to_be_unique",
    "accepted_values": "expect_column_values_to_be_in_set",
    "between": "expect_column_values_to_be_between",
    "regex": "expect_column_values_to_match_regex",
    TEXT_CHECK: "expect_column_values_to_not_match_regex",
    "row_count": "expect_table_row_count_to_be_between",
}


def _add_reasons(outcome: Outcome, frame: pl.DataFrame) -> None:
    """Rows failing warn checks, each with the words for why."""
    for cr in outcome.results:
        if cr.success or cr.check.severity != "warn" or cr.check.column is None:
            continue
        if cr.check.kind == TEXT_CHECK:
            continue  # flagged in the DQ results; the row still loads (the text may be true)
        values = frame.get_column(cr.check.column).gather(list(cr.failing_rows)).to_list()
        for row, value in zip(cr.failing_rows, values, strict=True):
            outcome.reasons.setdefault(row, []).append((cr, _reason(cr.check, value)))


def to_gx_result(outcome: Outcome) -> Any:
    """The outcome as GX's ExpectationSuiteValidationResult, one result per expectation."""
    from great_expectations.core import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

    _context()
    results = []
    for cr in outcome.results:
        pct = 100.0 * cr.unexpected_count / cr.element_count if cr.element_count else 0.0
        detail: dict[str, Any] = {"observed_value": cr.element_count}
        if cr.check.kind != "row_count":
            detail = {
                "element_count": cr.element_count,
                "unexpected_count": cr.unexpected_count,
                "unexpected_percent": pct,
                "partial_unexpected_list": [
                    next(v for k, v in s.items() if k not in (ROW_ID, *PLACE)) for s in cr.samples
                ],
            }
        results.append(
            ExpectationValidationResult(
                success=cr.success,
                expectation_config=_expectation(cr.check).configuration,
                result=detail,
            )
        )
    passed = sum(r.success for r in outcome.results)
    return ExpectationSuiteValidationResult(
        success=all(r.success for r in outcome.results),
        results=results,
        suite_name=outcome.suite_name,
        statistics={
            "evaluated_expectations": len(results),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": 100.0 * passed / len(results) if results else 100.0,
        },
    )


def validate_with_gx(frame: pl.DataFrame, contract: Contract) -> Outcome:
    """The same suite executed by GX itself (pandas path): the reference the tests compare to."""
    checkable = [ch for ch in contract.checks if _applies(ch, frame)]
    ctx = _new_context()  # its own: data sources and suites are named per contract
    source = ctx.data_sources.add_pandas(f"hkam_{contract.name}")
    batch_def = source.add_dataframe_asset(contract.name).add_batch_definition_whole_dataframe(
        "all"
    )
    suite = ctx.suites.add(build_suite_for(contract.table, checkable))
    pdf = frame.with_row_index(ROW_ID).to_pandas()
    batch = batch_def.get_batch(batch_parameters={"dataframe": pdf})
    place = [c for c in PLACE if c in frame.columns]
    result = batch.validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": [ROW_ID, *place],
            "return_unexpected_index_query": False,
        },
    )
    # GX does not keep suite order in its results: match them back by the check name in meta.
    by_name = {check.name: check for check in checkable}
    outcome = Outcome(results=[], suite_name=contract.table, _gx=result)
    for res in result.results:
        check = by_name[res.expectation_config.meta["check"]]
        outcome.results.append(_check_result(check, res, frame.height))
    order = {name: i for i, name in enumerate(by_name)}
    outcome.results.sort(key=lambda r: order[r.check.name])
    _add_reasons(outcome, frame)
    return outcome


def build_suite_for(name: str, checks: list[Check]) -> ExpectationSuite:
    """A suite of the given checks (those whose columns the frame has)."""
    import great_expectations as gx

    _context()  # GX builds expectations only inside a data context

    suite = gx.ExpectationSuite(name=name)
    for check in checks:
        suite.add_expectation(_expectation(check))
    return suite


def _applies(check: Check, frame: pl.DataFrame) -> bool:
    """A check applies when its columns are in the frame (missing columns are refused earlier)."""
    cols = check.args.get("columns") or ([check.column] if check.column else [])
    return all(c in frame.columns for c in cols)


def _check_result(check: Check, res: Any, height: int) -> CheckResult:
    """Translate one GX ExpectationValidationResult."""
    info = res.result or {}
    rows: list[int] = []
    samples: list[dict[str, Any]] = []
    for item in info.get("unexpected_index_list") or []:
        row = int(item[ROW_ID]) if isinstance(item, dict) else int(item)
        rows.append(row)
        if len(samples) < MAX_SAMPLES and isinstance(item, dict):
            samples.append(located({k: _plain(v) for k, v in item.items()}, row))
    unexpected = info.get("unexpected_count")
    if unexpected is None:
        unexpected = 0 if res.success else len(rows) or 1
    return CheckResult(
        check=check,
        expectation=res.expectation_config.type,
        success=bool(res.success),
        element_count=int(info.get("element_count") or height),
        unexpected_count=int(unexpected),
        failing_rows=tuple(rows),
        samples=tuple(samples),
    )


def _plain(value: Any) -> Any:
    """numpy scalars and NaN to plain JSON values."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _reason(check: Check, value: Any) -> str:
    """Words for why a value fails a check."""
    shown = json.dumps(value, ensure_ascii=False)
    if check.args.get("message"):
        return f"{check.args['message']} (got {shown})"
    if check.kind == "not_null":
        return f"{check.column} is required but empty"
    if check.kind == "accepted_values":
        return f"{check.column} {shown} is not one of {', '.join(map(str, check.args['values']))}"
    if check.kind == "regex" and check.rule.startswith("is "):
        return f"{check.column} {shown} is not {check.rule[3:]}"
    if check.kind == "regex":  # the rule in words, never the pattern (it may be 900 characters)
        return f"{check.column} {shown} fails the check: {check.name}"
    if check.kind == "between":
        return f"{check.column} {shown} is outside [{check.args['min']}, {check.args['max']}]"
    return f"{check.name} failed for {shown}"
