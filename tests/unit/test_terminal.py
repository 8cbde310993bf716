"""hkam sql's printing: values literally, numbers as numbers, lists as lists, a grid that fits."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from flows.terminal import number, plain, print_rows


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (54_000_000_000.0, "54000000000"),
        (1e-7, "0.0000001"),
        (2.5, "2.5"),
        (-0.0, "0"),
        (Decimal("1.50"), "1.5"),
        (Decimal("1E+3"), "1000"),
        (1e22, "10000000000000000000000"),
        (float("nan"), "nan"),
    ],
)
def test_numbers_print_without_point_zero_or_exponent(value: float | Decimal, text: str) -> None:
    assert number(value) == text


def test_values_print_literally() -> None:
    assert plain(None) == "NULL"
    assert plain(["a", "b"]) == "[a, b]"
    assert plain({"x": 1.0}) == "{x: 1}"
    assert plain(date(2023, 10, 13)) == "2023-10-13"
    assert plain(True) == "true"


def _table(names: list[str], rows: list[tuple[object, ...]], width: int | None) -> str:
    out = io.StringIO()
    print_rows(names, rows, "table", out=out, width=width)
    return out.getvalue()


def test_markup_in_values_is_printed_as_text() -> None:
    # Values (and names) were read as rich markup: '[red]' vanished, '[/.-]' raised MarkupError.
    text = _table(["t[/b]"], [("HK$6.9bn [sic] [red]alert",), ("[/.-]",)], width=100)
    assert "HK$6.9bn [sic] [red]alert" in text and "[/.-]" in text and "t[/b]" in text


def test_a_wide_result_prints_one_record_per_block_at_80_columns() -> None:
    names = [f"column_{i}" for i in range(12)]
    rows = [tuple(f"value {i} of row {k}" for i in range(12)) for k in range(2)]
    text = _table(names, rows, width=80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines if not line.startswith("column_"))
    assert "-[ RECORD 2 ]" in text and "column_11 | value 11 of row 1" in text
    assert lines[-1] == "2 row(s)"


def test_a_narrow_result_is_a_grid_with_numbers_right_aligned() -> None:
    text = _table(["name", "amount"], [("j2", 6.9e9), ("bs", None)], width=80)
    assert "6900000000" in text and "NULL" in text and "RECORD" not in text
    amount_col = next(line for line in text.splitlines() if "NULL" in line)
    assert amount_col.index("NULL") > amount_col.index("bs") + 10  # right-aligned


def test_piped_output_is_never_squeezed() -> None:
    names = [f"c{i}" for i in range(30)]
    text = _table(names, [tuple("x" * 20 for _ in names)], width=None)
    assert "x" * 20 in text and "RECORD" not in text


def test_csv_and_json_keep_lists_as_lists() -> None:
    out = io.StringIO()
    print_rows(["l", "n", "d"], [(["a", "b"], None, Decimal("2.50"))], "csv", out=out)
    row = list(csv.reader(io.StringIO(out.getvalue())))[1]
    assert json.loads(row[0]) == ["a", "b"] and row[1] == "" and row[2] == "2.5"
    out = io.StringIO()
    print_rows(["l", "d"], [(["a"], Decimal("2.50"))], "json", out=out)
    assert json.loads(out.getvalue()) == [{"l": ["a"], "d": 2.5}]
