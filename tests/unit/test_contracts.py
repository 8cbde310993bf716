"""The contract agreement test: every contract, the DuckDB DDL/views, polars and GX agree.

Each YAML under schemas/ is the single declaration of a table or view. These tests check that
what flows.warehouse.migrate builds in DuckDB (tables from the contracts, views from
warehouse/views/*.sql), the polars schema and the Great Expectations suite all say the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from flows import warehouse as wh
from flows.contracts import CHECK_KINDS, Contract, ContractError, load_contracts, parse_contract
from flows.validation import build_suite
from flows.warehouse import connect, migrate

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = load_contracts()
TABLES = sorted(CONTRACTS)

# DuckDB spells some types differently in duckdb_columns() than the contracts do.
_DUCK_SPELLING = {"TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}

# Known disagreements (bugs in flows/ or warehouse/, reported, not fixed here). strict=True: the
# mark must be removed once fixed.
_XFAIL_TYPES: dict[str, pytest.MarkDecorator] = {}


def _params(xfails: dict[str, pytest.MarkDecorator] | None = None) -> list[Any]:
    xfails = xfails or {}
    return [pytest.param(t, id=t, marks=[xfails[t]] if t in xfails else []) for t in TABLES]


def _duck_type(name: str) -> str:
    return _DUCK_SPELLING.get(name, name)


def _expected_comment(col: Any) -> str:
    return col.description + (f" [unit: {col.unit}]" if col.unit else "")


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    # TIMESTAMPTZ reads back in the session time zone; contracts say UTC.
    connection.execute("SET TimeZone = 'UTC'")
    migrate(connection)
    yield connection
    connection.close()


def _columns(con: duckdb.DuckDBPyConnection, c: Contract) -> list[tuple[str, str, str | None]]:
    return con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [c.schema, c.name],
    ).fetchall()


def test_there_are_contracts_of_every_layer_and_kind() -> None:
    assert {c.schema for c in CONTRACTS.values()} == {"raw", "core", "marts", "meta"}
    assert {c.kind for c in CONTRACTS.values()} == {"table", "view", "mart"}
    for name, c in CONTRACTS.items():
        assert name == c.table
        assert c.path is not None and c.path.parent.name == c.schema
        assert c.path.stem == c.name


# (a) DuckDB columns, types and comments ----------------------------------------------------------


@pytest.mark.parametrize("table", _params())
def test_duckdb_column_names_in_order(con: duckdb.DuckDBPyConnection, table: str) -> None:
    c = CONTRACTS[table]
    assert [name for name, _, _ in _columns(con, c)] == c.column_names


@pytest.mark.parametrize("table", _params(_XFAIL_TYPES))
def test_duckdb_column_types(con: duckdb.DuckDBPyConnection, table: str) -> None:
    c = CONTRACTS[table]
    got = {name: _duck_type(dtype) for name, dtype, _ in _columns(con, c)}
    assert got == {col.name: col.type for col in c.columns}


@pytest.mark.parametrize("table", _params())
def test_duckdb_column_comments(con: duckdb.DuckDBPyConnection, table: str) -> None:
    c = CONTRACTS[table]
    got = {name: comment for name, _, comment in _columns(con, c)}
    assert got == {col.name: _expected_comment(col) for col in c.columns}


@pytest.mark.parametrize("table", _params())
def test_duckdb_table_comment(con: duckdb.DuckDBPyConnection, table: str) -> None:
    c = CONTRACTS[table]
    catalog, name_col = ("duckdb_tables()", "table_name")
    views = {wh.mart_name(p) for p in wh.mart_files() if wh.builds_view(p)}  # marts as views
    if c.kind == "view" or table in views:
        catalog, name_col = ("duckdb_views()", "view_name")
    rows = con.execute(
        f"SELECT comment FROM {catalog} WHERE schema_name = ? AND {name_col} = ?",
        [c.schema, c.name],
    ).fetchall()
    assert len(rows) == 1, f"{table} is not a {c.kind} in DuckDB"
    comment = rows[0][0]
    assert comment and comment.startswith(c.description)
    if c.grain:
        assert f"Grain: one row per {', '.join(c.grain)}." in comment


def test_tables_have_their_grain_as_primary_key_unless_checked(
    con: duckdb.DuckDBPyConnection,
) -> None:
    checked = set()
    for c in CONTRACTS.values():
        if c.kind != "table" or not c.grain:
            continue
        keys = con.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() "
            "WHERE schema_name = ? AND table_name = ? AND constraint_type = 'PRIMARY KEY'",
            [c.schema, c.name],
        ).fetchall()
        assert keys == ([] if c.key == "checked" else [(list(c.grain),)]), c.table
        if c.key == "checked":
            checked.add(c.table)
    # The big append-only tables carry no index; the loader keeps their grain.
    assert checked == {
        "raw.register_commitment",
        "raw.gia_item",
        "raw.published_figure",
        "core.macro_indicator",
        "core.investment_commitment_history",
    }


def test_insert_new_keeps_a_checked_grain_like_a_primary_key(
    con: duckdb.DuckDBPyConnection,
) -> None:
    from flows.pipeline import insert_new

    spec = CONTRACTS["core.macro_indicator"]
    row = {c.name: None for c in spec.columns} | {
        "indicator": "x", "table_id": "t", "dims": "{}", "period": "2024", "value": 1.0,
    }  # fmt: skip
    frame = pl.DataFrame([row, row | {"period": "2025"}], schema=spec.polars_schema())
    again = pl.DataFrame([row | {"value": 2.0}], schema=spec.polars_schema())
    for rows in (frame, frame, again):
        con.register("rows", rows)
        con.execute(insert_new(spec, "rows"))
        con.unregister("rows")
    held = con.execute(f"SELECT period, value FROM {spec.qualified} ORDER BY period").fetchall()
    assert held == [("2024", 1.0), ("2025", 1.0)]  # the first row on a grain stays, as OR IGNORE


def test_no_undeclared_tables_or_views(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
        "WHERE schema_name IN ('raw', 'core', 'marts', 'meta') "
        "UNION ALL SELECT schema_name || '.' || view_name FROM duckdb_views() "
        "WHERE schema_name IN ('raw', 'core', 'marts', 'meta')"
    ).fetchall()
    assert sorted(r[0] for r in rows) == TABLES


# (b) polars schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize("table", _params(_XFAIL_TYPES))
def test_polars_schema_matches_duckdb(con: duckdb.DuckDBPyConnection, table: str) -> None:
    c = CONTRACTS[table]
    schema = c.polars_schema()
    assert list(schema) == c.column_names
    got = con.sql(f"SELECT * FROM {c.qualified} LIMIT 0").pl().schema
    assert list(got.items()) == list(schema.items())


@pytest.mark.parametrize("table", [t for t in TABLES if CONTRACTS[t].kind == "table"])
def test_polars_frame_of_contract_schema_inserts_by_name(
    con: duckdb.DuckDBPyConnection, table: str
) -> None:
    c = CONTRACTS[table]
    empty = pl.DataFrame(schema=c.polars_schema())  # noqa: F841 (read by DuckDB by name)
    con.execute(f"INSERT INTO {c.qualified} BY NAME SELECT * FROM empty")


# (c) GX suites ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gx_context() -> Any:
    """GX suites need an active data context (see test_gx_suite_without_a_context)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    return gx.get_context(mode="ephemeral")


def _targets(expectation: Any) -> list[str]:
    if getattr(expectation, "column", None):
        return [expectation.column]
    return list(getattr(expectation, "column_list", None) or [])


@pytest.mark.parametrize("table", _params())
def test_gx_suite_one_expectation_per_check(gx_context: Any, table: str) -> None:
    c = CONTRACTS[table]
    suite = build_suite(c)
    assert suite.name == c.table
    expectations = list(suite.expectations)
    assert len(expectations) == len(c.checks)
    names = [e.meta["check"] for e in expectations]
    assert len(set(names)) == len(names), f"duplicate check names in {table}: {names}"
    assert set(names) == {ch.name for ch in c.checks}
    by_name = {ch.name: ch for ch in c.checks}
    for e in expectations:
        check = by_name[e.meta["check"]]
        assert e.meta["severity"] == check.severity
        targets = _targets(e)
        assert set(targets) <= set(c.column_names), (table, check.name, targets)
        if check.kind == "row_count":
            assert targets == []
        else:
            assert targets, f"{table}: {check.name} has no column"
        if check.column:
            assert targets == [check.column]


def test_gx_suite_covers_the_register_checks(gx_context: Any) -> None:
    c = CONTRACTS["raw.register_commitment"]
    kinds = {type(e).__name__ for e in build_suite(c).expectations}
    assert kinds == {
        "ExpectCompoundColumnsToBeUnique",
        "ExpectColumnValuesToNotBeNull",
        "ExpectColumnValuesToMatchRegex",
        "ExpectColumnValuesToNotMatchRegex",  # the derived text check on every text column
        "ExpectColumnValuesToBeInSet",
        "ExpectTableRowCountToBeBetween",
    }


def test_gx_suite_without_a_context() -> None:
    code = (
        "from flows.contracts import contract\n"
        "from flows.validation import build_suite\n"
        "suite = build_suite(contract('core.fx_rate'))\n"
        "assert len(suite.expectations) == 7  # 5 declared + 2 text checks\n"
    )
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "False"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


# parse_contract ---------------------------------------------------------------------------------


def _doc(**column: Any) -> dict[str, Any]:
    """A minimal contract mapping. TEST VALUES: a made-up table."""
    col = {"name": "a", "type": "VARCHAR", "description": "A column.", **column}
    return {"table": "raw.test_table", "description": "A test table.", "columns": [col]}


def test_parse_minimal_contract() -> None:
    c = parse_contract(
        _doc(
            type="bigint",
            unit="rows",
            checks=["not_null", {"between": [0, 9], "severity": "block"}],
        )
    )
    assert c.kind == "table" and c.schema == "raw" and c.name == "test_table"
    col = c.column("a")
    assert col.type == "BIGINT" and col.polars_type == pl.Int64() and col.unit == "rows"
    assert [(ch.kind, ch.severity, ch.args) for ch in c.checks] == [
        ("not_null", "warn", {}),
        ("between", "block", {"min": 0, "max": 9}),
    ]


@pytest.mark.parametrize(
    "checks",
    [["frobnicate"], [{"frobnicate": 1}], [{"not_null": None, "unique": None}], [42]],
    ids=["unknown-string", "unknown-mapping", "two-kinds", "not-a-check"],
)
def test_unknown_check_kind_raises(checks: list[Any]) -> None:
    with pytest.raises(ContractError, match="check"):
        parse_contract(_doc(checks=checks))


@pytest.mark.parametrize("severity", ["fatal", "error", "WARN", None])
def test_bad_severity_raises(severity: Any) -> None:
    with pytest.raises(ContractError, match="severity"):
        parse_contract(_doc(checks=[{"regex": "^x$", "severity": severity}]))


@pytest.mark.parametrize("ctype", ["TEXT", "JSON", "DECIMAL(18,2)", "INTEGER[]", "TIMESTAMP"])
def test_unsupported_type_raises(ctype: str) -> None:
    with pytest.raises(ContractError, match="unsupported type"):
        parse_contract(_doc(type=ctype))


def test_table_check_other_than_row_count_raises() -> None:
    doc = {**_doc(), "checks": [{"freshness": 1}]}
    with pytest.raises(ContractError, match="row_count"):
        parse_contract(doc)


def test_missing_table_key_raises() -> None:
    doc = _doc()
    del doc["description"]
    with pytest.raises(ContractError, match="description"):
        parse_contract(doc)


def test_column_without_description_raises_contract_error() -> None:
    doc = _doc()
    del doc["columns"][0]["description"]
    with pytest.raises(ContractError):
        parse_contract(doc)


def test_every_check_kind_is_parsed() -> None:
    checks = [
        "not_null",
        "unique",
        {"accepted_values": ["x", "y"]},
        {"between": [1, None]},
        {"regex": "^x$", "message": "a must be x"},
    ]
    c = parse_contract(_doc(checks=checks))
    # then the text check every VARCHAR column of a table gets (Contract.text_checks)
    assert [ch.kind for ch in c.checks] == [*CHECK_KINDS, "clean_text"]
    assert c.checks[-1].args["pattern"]
    assert c.checks[-2].args == {"pattern": "^x$", "message": "a must be x"}


# migrate ----------------------------------------------------------------------------------------


def _catalog(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT schema_name, table_name, column_index, column_name, data_type, comment "
        "FROM duckdb_columns() WHERE schema_name IN ('raw', 'core', 'marts', 'meta') "
        "ORDER BY ALL"
    ).fetchall()


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with connect(path) as first:
        migrate(first)
        before = _catalog(first)
        migrate(first)
        assert _catalog(first) == before
    with connect(path) as reopened:  # and again on the stored file
        migrate(reopened)
        assert _catalog(reopened) == before
    assert before  # not vacuous


def test_migrate_adds_a_new_contract_column_to_an_older_table() -> None:
    c = CONTRACTS["raw.register_commitment"]
    new = c.column("notes")  # pretend notes was added to the contract after the table was made
    older = [col for col in c.columns if col.name != new.name]
    con = duckdb.connect(":memory:")
    con.execute("CREATE SCHEMA raw")
    cols = ", ".join(f'"{col.name}" {col.type}' for col in older)
    con.execute(f"CREATE TABLE {c.qualified} ({cols})")
    con.execute(f"INSERT INTO {c.qualified} (commitment_id, line) VALUES ('kept-row', 2)")
    migrate(con)
    got = {name: (dtype, comment) for name, dtype, comment in _columns(con, c)}
    assert set(got) == set(c.column_names)
    assert got[new.name] == (new.type, _expected_comment(new))
    assert con.execute(f"SELECT commitment_id, notes FROM {c.qualified}").fetchall() == [
        ("kept-row", None)
    ]


@pytest.mark.parametrize("mart", [t for t in TABLES if CONTRACTS[t].kind == "mart"])
def test_every_mart_has_an_example_query_that_runs(
    con: duckdb.DuckDBPyConnection, mart: str
) -> None:
    example = CONTRACTS[mart].example
    assert example is not None, f"{mart}: add example: {{question, sql}} to its contract"
    question, sql = example
    assert question.endswith("?")
    assert mart in sql
    con.execute(sql).fetchall()  # runs on the (empty) migrated warehouse: names and types hold


@pytest.mark.parametrize("table", _params())
def test_check_names_are_short_words_never_a_pattern(table: str) -> None:
    # A regex check was named "X matches <pattern>": 900 characters for the register's dates.
    for check in CONTRACTS[table].checks:
        assert len(check.name) <= 100, check.name
        pattern = check.args.get("pattern")
        assert pattern is None or pattern not in check.name, check.name
        if check.kind == "regex":
            assert check.words, f"{table}: {check.column}'s regex check needs a rule in words"
            assert check.name == f"{check.column} {check.rule}"


def test_a_check_may_name_itself_and_say_its_rule() -> None:
    c = parse_contract(
        _doc(checks=[{"regex": "^[0-9]+$", "name": "a_is_a_number", "rule": "is digits"}])
    )
    [check] = [ch for ch in c.checks if ch.kind == "regex"]
    assert (check.name, check.rule, check.args["pattern"]) == (
        "a_is_a_number",
        "is digits",
        "^[0-9]+$",
    )
    derived = parse_contract(_doc(checks=[{"regex": "^[0-9]+$", "rule": "is digits"}]))
    assert [ch.name for ch in derived.checks if ch.kind == "regex"] == ["a is digits"]


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("not_null", "a is required"),
        ({"accepted_values": ["x", "y"]}, "a is one of x, y"),
        ({"accepted_values": [f"value_{i:02d}" for i in range(9)]}, "a is one of the 9 accepted values"),
        ({"between": [0, None]}, "a is at least 0"),
        ({"between": [0, 1]}, "a is between 0 and 1"),
        ({"regex": "^x$"}, "a matches its pattern"),
    ],
)  # fmt: skip
def test_derived_check_names(spec: Any, name: str) -> None:
    c = parse_contract(_doc(checks=[spec]))
    assert [ch.name for ch in c.checks if ch.kind != "clean_text"] == [name]


def test_two_checks_of_one_name_are_refused() -> None:
    with pytest.raises(ContractError, match="unique in a table"):
        parse_contract(_doc(checks=[{"regex": "^x$", "name": "n"}, {"regex": "^y$", "name": "n"}]))
