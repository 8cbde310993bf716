"""Tests for reading the analyst's register CSV (flows.sources.register.read_register)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.contracts import contract
from flows.sources.register import InputError, read_register

REGISTER = contract("raw.register_commitment")
SOURCE = [c.name for c in REGISTER.source_columns]
OPTIONAL = [c.name for c in REGISTER.source_columns if not c.required]


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None, eol: str = "\n") -> str:
    """CSV text with the given header (default: every source column). Missing cells are blank."""
    header = header or SOURCE
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=eol)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue()


def row(cid: str, **values: str) -> dict[str, str]:
    """TEST VALUES: a made-up commitment."""
    return {"commitment_id": cid, "party": "company", "company": "Acme Robotics Ltd", **values}


def write(tmp_path: Path, data: str | bytes, name: str = "commitments.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def expected_frame(records: list[dict[str, str | None]], lines: list[int]) -> pl.DataFrame:
    data = {name: [r.get(name) for r in records] for name in SOURCE}
    return pl.DataFrame(data, schema=dict.fromkeys(SOURCE, pl.String)).with_columns(
        pl.Series("line", lines, dtype=pl.Int64)
    )


def test_reads_rows_with_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text([row("a-1", amount="100"), row("a-2", company_zh="愛克米")]))
    got = read_register(path, REGISTER)
    expected = expected_frame(
        [
            {"commitment_id": "a-1", "party": "company", "company": "Acme Robotics Ltd", "amount": "100"},
            {"commitment_id": "a-2", "party": "company", "company": "Acme Robotics Ltd", "company_zh": "愛克米"},
        ],
        [2, 3],
    )  # fmt: skip
    assert_frame_equal(got, expected)


def test_bom_is_handled(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + csv_text([row("a-1")]).encode("utf-8"))
    got = read_register(path, REGISTER)
    assert got.columns == [*SOURCE, "line"]
    assert got.get_column("commitment_id").to_list() == ["a-1"]


def test_blank_cells_are_null_and_values_are_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text([row("a-1", amount="", currency="   ", status="  mou ")]))
    got = read_register(path, REGISTER)
    assert got.select("amount", "currency", "status", "notes").row(0) == (None, None, "mou", None)


def test_header_cells_are_stripped_and_extra_columns_ignored(tmp_path: Path) -> None:
    header = [f" {h} " for h in SOURCE] + ["analyst_scratch"]
    text = ",".join(header) + "\n" + ",".join(["a-1", "company", "Acme"] + [""] * (len(SOURCE) - 3) + ["x"]) + "\n"  # fmt: skip
    got = read_register(write(tmp_path, text), REGISTER)
    assert got.columns == [*SOURCE, "line"]
    assert got.select("commitment_id", "company").row(0) == ("a-1", "Acme")


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    header = [h for h in SOURCE if h != "currency"]
    path = write(tmp_path, csv_text([row("a-1")], header=header))
    with pytest.raises(InputError) as info:
        read_register(path, REGISTER)
    message = str(info.value)
    assert str(path) in message
    assert "currency" in message
    assert "line 1" in message


@pytest.mark.parametrize(
    ("written", "meant"),
    [("Status", "status"), ("commitment id", "commitment_id"), ("Amount ", "amount"),
     ("stauts", "status"), ("Source-URL", "source_url")],
)  # fmt: skip
def test_a_close_header_gets_did_you_mean(tmp_path: Path, written: str, meant: str) -> None:
    # A header `Status` blocked the run naming the missing column only, not the close one.
    header = [written if c == meant else c for c in SOURCE]
    path = write(tmp_path, csv_text([row("a-1")], header=header))
    with pytest.raises(InputError) as err:
        read_register(path, REGISTER)
    message = str(err.value)
    assert f"missing required column(s) {meant}; " in message
    assert f'the header has "{written.strip()}" (did you mean {meant}?)' in message


def test_a_missing_column_without_a_close_header_gets_no_guess(tmp_path: Path) -> None:
    header = [c if c != "status" else "analyst_scratch" for c in SOURCE]
    path = write(tmp_path, csv_text([row("a-1")], header=header))
    with pytest.raises(InputError, match="missing required column") as err:
        read_register(path, REGISTER)
    assert "did you mean" not in str(err.value)


def test_optional_columns_absent_are_null(tmp_path: Path) -> None:
    assert OPTIONAL == ["company_zh", "also_stated_amount", "also_stated_currency", "notes"]
    header = [h for h in SOURCE if h not in OPTIONAL]
    path = write(tmp_path, csv_text([row("a-1"), row("a-2")], header=header))
    got = read_register(path, REGISTER)
    assert got.columns == [*SOURCE, "line"]
    for name in OPTIONAL:
        assert got.schema[name] == pl.String
        assert got.get_column(name).to_list() == [None, None]


def test_ragged_row_names_the_line(tmp_path: Path) -> None:
    text = csv_text([row("a-1"), row("a-2")])
    lines = text.splitlines()
    lines[2] += ",one too many"
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        read_register(path, REGISTER)
    message = str(info.value)
    assert str(path) in message
    assert "line 3:" in message
    assert f"{len(SOURCE) + 1} fields" in message


def test_short_row_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, csv_text([row("a-1")]) + "a-2,company,Acme\n")
    with pytest.raises(InputError, match=r"line 3: 3 fields"):
        read_register(path, REGISTER)


def test_unterminated_quote_is_an_input_error(tmp_path: Path) -> None:
    text = csv_text([row("a-1")]) + 'a-2,company,"Acme Robotics' + "," * (len(SOURCE) - 3) + "\n"
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_register(path, REGISTER)
    assert str(path) in str(info.value)
    assert "not valid CSV" in str(info.value)


def test_unterminated_quote_names_the_line_where_it_opens(tmp_path: Path) -> None:
    text = (
        csv_text([row("a-1")])
        + 'a-2,company,"Acme Robotics'
        + "," * (len(SOURCE) - 3)
        + "\n"
        + "".join(csv_text([row(f"a-{i}")]).splitlines(keepends=True)[1] for i in range(3, 9))
    )
    with pytest.raises(InputError, match=r"line 3:"):
        read_register(write(tmp_path, text), REGISTER)


def test_non_utf8_is_an_input_error(tmp_path: Path) -> None:
    data = csv_text([row("a-1", company="Café Robotics")]).encode("latin-1")
    path = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_register(path, REGISTER)
    assert str(path) in str(info.value)
    assert "UTF-8" in str(info.value)


def test_messages_name_the_shown_path(tmp_path: Path) -> None:
    landed = write(tmp_path, b"\xff\xfe", name="landed-copy.csv")
    shown = Path("register/commitments.csv")
    with pytest.raises(InputError, match=re.escape("register/commitments.csv")):
        read_register(landed, REGISTER, shown_as=shown)


def test_empty_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty file"):
        read_register(write(tmp_path, ""), REGISTER)


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    got = read_register(write(tmp_path, csv_text([])), REGISTER)
    assert_frame_equal(got, expected_frame([], []))


@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_multiline_field_keeps_line_numbers_of_later_records(tmp_path: Path, eol: str) -> None:
    rows = [
        row("a-1"),
        row("a-2", notes=f"first line{eol}second line{eol}third line"),  # file lines 3-5
        row("a-3"),  # file line 6
    ]
    path = write(tmp_path, csv_text(rows, eol=eol) + eol + csv_text([row("a-4")], eol=eol).split(eol, 1)[1])  # fmt: skip
    got = read_register(path, REGISTER)
    # Line 7 is blank (skipped); a-4 is on line 8.
    assert got.select("commitment_id", "line").rows() == [("a-1", 2), ("a-2", 3), ("a-3", 6), ("a-4", 8)]  # fmt: skip
    notes = got.get_column("notes").to_list()[1]
    assert notes == f"first line{eol}second line{eol}third line"


def test_ragged_row_after_multiline_field_names_its_own_line(tmp_path: Path) -> None:
    text = csv_text([row("a-1", notes="one\ntwo\nthree")]) + "a-2,company\n"
    with pytest.raises(InputError, match=r"line 5: 2 fields"):
        read_register(write(tmp_path, text), REGISTER)


def test_insert_register_numbers_each_files_rows_in_a_table_that_holds_others(
    tmp_path: Path,
) -> None:
    """Files appended to a warehouse table one after another: each file's records carry their
    own lines (rowid-based numbering, quoted line breaks, rows of empty cells dropped), even
    when the caller's connection lets DuckDB reorder rows."""
    from flows import warehouse as wh
    from flows.sources.register import insert_register

    con = wh.connect(tmp_path / "w.duckdb")
    wh.migrate(con)
    con.execute("SET preserve_insertion_order = false")
    first = write(
        tmp_path,
        csv_text([row("a-1", notes="two\nlines"), {}, row("a-2")]),
        "first.csv",
    )
    many = [row(f"b-{i:06d}", amount=str(i)) for i in range(50_000)]
    second = write(tmp_path, csv_text(many), "second.csv")
    for path in (first, second):
        got = insert_register(
            con, path, REGISTER, REGISTER.qualified,
            {"source_file": path.name, "source_file_sha256": path.stem, "load_id": "t"},
        )  # fmt: skip
        assert got == (2 if path == first else 50_000)
    rows = con.execute(
        "SELECT source_file_sha256, line, commitment_id FROM raw.register_commitment "
        "ORDER BY source_file_sha256, line"
    ).fetchall()
    assert rows[:2] == [("first", 2, "a-1"), ("first", 5, "a-2")]
    assert rows[2:] == [("second", i + 2, f"b-{i:06d}") for i in range(50_000)]
    [(order,)] = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
    assert order is False  # the caller's setting is back
