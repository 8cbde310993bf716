"""Great Expectations validation of landed rows against their contract, and the quarantine split."""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from flows.contracts import Check, Contract

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

ROW_ID = "__row"
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
    gx_result: Any = None  # the GX ExpectationSuiteValidationResult, for Data Docs

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
    if check.kind == "row_count":
        return gxe.ExpectTableRowCountToBeBetween(
            min_value=check.args["min"], max_value=check.args["max"], meta=meta
        )
    raise ValueError(f"no expectation for check kind {check.kind!r}")


def build_suite(contract: Contract) -> ExpectationSuite:
    """The GX ExpectationSuite derived from a contract, one expectation per check."""
    return build_suite_for(contract.table, list(contract.checks))


def _context() -> Any:
    """An ephemeral GX context, quiet (no progress bars, no analytics)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


def validate(frame: pl.DataFrame, contract: Contract) -> Outcome:
    """Run the contract's GX suite over frame (pandas path); map failures to row ids."""
    checkable = [ch for ch in contract.checks if _applies(ch, frame)]
    ctx = _context()
    source = ctx.data_sources.add_pandas(f"hkam_{contract.name}")
    batch_def = source.add_dataframe_asset(contract.name).add_batch_definition_whole_dataframe(
        "all"
    )
    suite = ctx.suites.add(build_suite_for(contract.table, checkable))
    pdf = frame.with_row_index(ROW_ID).to_pandas()
    batch = batch_def.get_batch(batch_parameters={"dataframe": pdf})
    result = batch.validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": [ROW_ID],
            "return_unexpected_index_query": False,
        },
    )
    # GX does not keep suite order in its results: match them back by the check name in meta.
    by_name = {check.name: check for check in checkable}
    outcome = Outcome(results=[], gx_result=result)
    for res in result.results:
        check = by_name[res.expectation_config.meta["check"]]
        outcome.results.append(_check_result(check, res, frame.height))
    order = {name: i for i, name in enumerate(by_name)}
    outcome.results.sort(key=lambda r: order[r.check.name])
    for cr in outcome.results:
        if cr.success or cr.check.severity != "warn" or cr.check.column is None:
            continue
        values = frame.get_column(cr.check.column)
        for row in cr.failing_rows:
            outcome.reasons.setdefault(row, []).append((cr, _reason(cr.check, values[row])))
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
            samples.append({k: _plain(v) for k, v in item.items()})
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
    if check.kind == "regex":
        return f"{check.column} {shown} does not match {check.args['pattern']}"
    if check.kind == "between":
        return f"{check.column} {shown} is outside [{check.args['min']}, {check.args['max']}]"
    return f"{check.name} failed for {shown}"
