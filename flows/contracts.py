"""Table contracts: one YAML per table, from which DDL, polars schema and GX suite derive."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from flows.resources import schemas_dir
from flows.sources.textcodec import TEXT_FAULT

SEVERITIES = ("warn", "block")
CHECK_KINDS = ("not_null", "unique", "accepted_values", "between", "regex")
# Derived for every text column, never declared: see Contract.text_checks.
TEXT_CHECK = "clean_text"
# An accepted-values rule lists its values in the check's name up to this many characters.
_LISTED = 60
# Columns the loader writes (hashes, run ids, file names): not text a source decoded.
_PROVENANCE = frozenset({"source_file", "source_file_sha256", "load_id"})

# DuckDB type -> polars dtype. Only these types are allowed in contracts, so the mapping is total.
_POLARS_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "BIGINT": pl.Int64(),
    "INTEGER": pl.Int32(),
    "DOUBLE": pl.Float64(),
    "BOOLEAN": pl.Boolean(),
    "DATE": pl.Date(),
    "TIMESTAMPTZ": pl.Datetime("us", "UTC"),
    "VARCHAR[]": pl.List(pl.String()),
}


class ContractError(ValueError):
    """A contract file is malformed."""


@dataclass(frozen=True)
class Check:
    """One declared check on a column (or the table when column is None).

    Its name is what the DQ report, meta.dq_result and meta.quarantine show: the contract's
    `name:` if it sets one, else the column and the rule in words (`source_url is a web address
    (http/https)`), never the pattern behind it (that stays in the GX expectation)."""

    kind: str
    column: str | None
    severity: str
    args: dict[str, Any] = field(default_factory=dict)
    title: str | None = None  # the contract's `name:`
    words: str | None = None  # the contract's `rule:`

    @property
    def name(self) -> str:
        """Stable, readable name used in quarantine rows and DQ results."""
        if self.title:
            return self.title
        return f"{self.column} {self.rule}" if self.column else self.rule

    @property
    def rule(self) -> str:
        """The rule in words, without the column: `is one of company, government`."""
        if self.words:
            return self.words
        if self.kind == "not_null":
            return "is required"
        if self.kind == "unique":
            cols = self.args.get("columns") or []
            if len(cols) > 1:
                return f"one row per {', '.join(cols)}"
            return f"{cols[0]} is unique" if cols and not self.column else "is unique"
        if self.kind == "accepted_values":
            values = ", ".join(map(str, self.args["values"]))
            if len(values) <= _LISTED:
                return f"is one of {values}"
            return f"is one of the {len(self.args['values'])} accepted values"
        if self.kind == "between":
            return "is " + _bounds(self.args.get("min"), self.args.get("max"))
        if self.kind == "row_count":
            lo, hi = self.args.get("min"), self.args.get("max")
            if lo == 1 and hi is None:
                return "at least one row"
            return _bounds(lo, hi) + " rows"
        if self.kind == TEXT_CHECK:
            return "has no U+FFFD, C1 control or CJK inside a Latin word"
        if self.kind == "regex":
            return "matches its pattern"  # contracts say which in words (`rule:`)
        return self.kind


def _bounds(lo: Any, hi: Any) -> str:
    """`between 0 and 1`, `at least 0`, `at most 9`."""
    if lo is not None and hi is not None:
        return f"between {lo} and {hi}"
    return f"at least {lo}" if lo is not None else f"at most {hi}"


@dataclass(frozen=True)
class Column:
    """A column: name, DuckDB type, unit, description and checks."""

    name: str
    type: str
    description: str
    unit: str | None = None
    required: bool = True
    origin: str = "source"
    checks: tuple[Check, ...] = ()

    @property
    def polars_type(self) -> pl.DataType:
        """The polars dtype this column reads and casts to."""
        return _POLARS_TYPES[self.type]


@dataclass(frozen=True)
class Contract:
    """A table or view declared once."""

    table: str
    kind: str
    description: str
    grain: tuple[str, ...]
    columns: tuple[Column, ...]
    table_checks: tuple[Check, ...] = ()
    path: Path | None = None
    # "primary": DuckDB enforces the grain (a PRIMARY KEY). "checked": no index; the loader
    # keeps the grain (files land once, rows are anti-joined on it) and tests assert it. Big
    # append-only tables use "checked": an ART index costs ~10x a load's time and lives in memory.
    key: str = "primary"
    # A mart's typical analyst question and the SQL that answers it (README, benchmark).
    example: tuple[str, str] | None = None

    @property
    def schema(self) -> str:
        """DuckDB schema (layer) name."""
        return self.table.split(".", 1)[0]

    @property
    def name(self) -> str:
        """Table name without the schema."""
        return self.table.split(".", 1)[1]

    @property
    def column_names(self) -> list[str]:
        """Column names in declared order."""
        return [c.name for c in self.columns]

    @property
    def source_columns(self) -> list[Column]:
        """Columns a source file carries (the loader adds the others)."""
        return [c for c in self.columns if c.origin == "source"]

    def column(self, name: str) -> Column:
        """The column called name."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.table} has no column {name!r}")

    @property
    def checks(self) -> tuple[Check, ...]:
        """Every check: the grain's uniqueness, column checks, then table checks."""
        grain: tuple[Check, ...] = ()
        if self.grain and self.kind == "table":
            grain = (Check("unique", None, "block", {"columns": list(self.grain)}),)
        col_checks = tuple(ch for col in self.columns for ch in col.checks)
        return grain + col_checks + self.table_checks + self.text_checks

    @property
    def text_checks(self) -> tuple[Check, ...]:
        """One check per text column of a table for the signs of text decoded wrongly (U+FFFD,
        C1 controls, CJK inside a Latin word): warn, and it flags rows without quarantining."""
        if self.kind != "table":
            return ()
        return tuple(
            Check(TEXT_CHECK, c.name, "warn", {"pattern": TEXT_FAULT})
            for c in self.columns
            if c.type == "VARCHAR" and c.origin == "source" and c.name not in _PROVENANCE
        )

    def polars_schema(self) -> dict[str, pl.DataType]:
        """Column name -> polars dtype."""
        return {c.name: c.polars_type for c in self.columns}

    def create_table(self) -> str:
        """CREATE TABLE IF NOT EXISTS with the grain as primary key (tables only)."""
        if self.kind != "table":
            raise ValueError(f"{self.table} is a {self.kind}; its SQL lives in warehouse/")
        cols = ",\n  ".join(f"{_ident(c.name)} {c.type}" for c in self.columns)
        key = ""
        if self.grain and self.key == "primary":
            key = f",\n  PRIMARY KEY ({', '.join(map(_ident, self.grain))})"
        return f"CREATE TABLE IF NOT EXISTS {self.qualified} (\n  {cols}{key}\n)"

    def ddl(self) -> list[str]:
        """CREATE TABLE plus COMMENT ON statements (views: comments only; their SQL is in files)."""
        create = [self.create_table()] if self.kind == "table" else []
        return create + self.comments()

    def comments(self, view: bool | None = None) -> list[str]:
        """COMMENT ON statements carrying the description, grain and units (`view`: whether the
        object is a view; by default a view-kind contract is, and a mart is a table unless its
        SQL builds a view)."""
        if view is None:
            view = self.kind == "view"
        kind = "VIEW" if view else "TABLE"
        grain = f" Grain: one row per {', '.join(self.grain)}." if self.grain else ""
        stmts = [f"COMMENT ON {kind} {self.qualified} IS {sql_literal(self.description + grain)}"]
        for c in self.columns:
            text = c.description + (f" [unit: {c.unit}]" if c.unit else "")
            column = f"{self.qualified}.{_ident(c.name)}"
            stmts.append(f"COMMENT ON COLUMN {column} IS {sql_literal(text)}")
        return stmts

    @property
    def qualified(self) -> str:
        """Quoted schema.table identifier."""
        return f"{_ident(self.schema)}.{_ident(self.name)}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _parse_check(raw: Any, column: str | None, where: str) -> Check:
    """Parse `not_null`, `{regex: ..., severity: block}` and the like."""
    if isinstance(raw, str):
        kind, spec = raw, {}
    elif isinstance(raw, dict):
        kinds = [k for k in raw if k in CHECK_KINDS]
        if len(kinds) != 1:
            raise ContractError(f"{where}: a check needs exactly one of {CHECK_KINDS}, got {raw}")
        kind, spec = kinds[0], dict(raw)
    else:
        raise ContractError(f"{where}: cannot read check {raw!r}")
    if kind not in CHECK_KINDS:
        raise ContractError(f"{where}: unknown check {kind!r}; use one of {CHECK_KINDS}")
    severity = spec.pop("severity", "warn")
    if severity not in SEVERITIES:
        raise ContractError(f"{where}: severity must be warn or block, got {severity!r}")
    value = spec.pop(kind, None)
    args: dict[str, Any] = {}
    if kind == "accepted_values":
        args = {"values": list(value)}
    elif kind == "between":
        lo, hi = value
        args = {"min": lo, "max": hi}
    elif kind == "regex":
        args = {"pattern": str(value)}
    if spec.get("message"):
        args["message"] = spec.pop("message")
    return Check(kind, column, severity, args, *_naming(spec, where))


def _naming(spec: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """A check's explicit `name:` and `rule:` (words), if the contract gives them."""
    named = [spec.get(k) for k in ("name", "rule")]
    for value in named:
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ContractError(f"{where}: a check's name and rule are words, got {value!r}")
    return named[0], named[1]


def parse_contract(data: dict[str, Any], path: Path | None = None) -> Contract:
    """Build a Contract from the parsed YAML mapping."""
    where = str(path or data.get("table", "contract"))
    try:
        table, description = data["table"], data["description"]
        raw_columns = data.get("columns") or _inherited_columns(data)
    except KeyError as exc:
        raise ContractError(f"{where}: missing key {exc}") from exc
    columns = []
    for raw in raw_columns:
        missing = [k for k in ("name", "type", "description") if k not in raw]
        if missing:
            raise ContractError(f"{where}: column {raw.get('name', '?')} lacks {missing}")
        ctype = str(raw["type"]).upper()
        if ctype not in _POLARS_TYPES:
            raise ContractError(f"{where}: column {raw['name']}: unsupported type {ctype}")
        checks = tuple(_parse_check(ch, raw["name"], where) for ch in raw.get("checks", []))
        columns.append(
            Column(
                name=raw["name"],
                type=ctype,
                description=raw["description"],
                unit=raw.get("unit"),
                required=bool(raw.get("required", True)),
                origin=str(raw.get("origin", "source")),
                checks=checks,
            )
        )
    table_checks = tuple(_parse_table_check(ch, where) for ch in data.get("checks", []))
    kind = str(data.get("kind", "table"))
    if kind not in ("table", "view", "mart"):
        raise ContractError(f"{where}: kind must be table, view or mart, not {kind!r}")
    key = str(data.get("key", "primary"))
    if key not in ("primary", "checked"):
        raise ContractError(f"{where}: key must be primary or checked, not {key!r}")
    example = data.get("example")
    if example is not None and not (
        isinstance(example, dict) and {"question", "sql"} <= example.keys()
    ):
        raise ContractError(f"{where}: example needs a question and its sql")
    built = Contract(
        table=table,
        kind=kind,
        description=description.strip(),
        grain=tuple(data.get("grain", [])),
        columns=tuple(columns),
        table_checks=table_checks,
        path=path,
        key=key,
        example=(str(example["question"]), str(example["sql"])) if example else None,
    )
    named = [ch.name for ch in built.checks]
    repeated = sorted({n for n in named if named.count(n) > 1})
    if repeated:  # results, quarantine rows and GX meta are matched by name
        raise ContractError(f"{where}: check names must be unique in a table: {repeated}")
    return built


def _inherited_columns(data: dict[str, Any]) -> list[dict[str, Any]]:
    """A view may take its columns from the table it shows (`columns_from`), declared once there."""
    base = _raw_contract(data["columns_from"])
    skip = set(data.get("exclude_columns", []))
    return [
        {k: v for k, v in col.items() if k != "checks"}
        for col in base["columns"]
        if col["name"] not in skip
    ]


def _raw_contract(table: str) -> dict[str, Any]:
    """The YAML mapping of a table's contract, found by its schema.table name."""
    schema, name = table.split(".", 1)
    path = schemas_dir() / schema / f"{name}.yml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _parse_table_check(raw: dict[str, Any], where: str) -> Check:
    """Table-level checks: row_count between [min, max]."""
    if "row_count" not in raw:
        raise ContractError(f"{where}: table checks support only row_count, got {raw}")
    lo, hi = raw["row_count"]
    severity = raw.get("severity", "block")
    return Check("row_count", None, severity, {"min": lo, "max": hi}, *_naming(raw, where))


@cache
def load_contracts() -> dict[str, Contract]:
    """Every contract under schemas/, keyed by schema.table."""
    contracts: dict[str, Contract] = {}
    for path in sorted(schemas_dir().rglob("*.yml")):
        contract = parse_contract(yaml.safe_load(path.read_text(encoding="utf-8")), path)
        contracts[contract.table] = contract
    return contracts


def contract(table: str) -> Contract:
    """The contract of one table."""
    return load_contracts()[table]
