"""CSV faults in the register and the ITF lists: each loads correctly or is refused clearly."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from flows.contracts import contract
from flows.resources import snapshot_dir
from flows.sources import itf
from flows.sources.errors import SourceError
from flows.sources.register import InputError, read_register
from tests.faults.conftest import REGISTER, balanced, dq, hkam, query, source

SPEC = contract("raw.register_commitment")
BUNDLED = snapshot_dir() / REGISTER
ITF_FILE = snapshot_dir() / "itf" / "annuallist_2023_e.csv"
URL = "https://www.itf.gov.hk/datagovhk/annuallist_2023_e.csv"


def _register_rows() -> tuple[list[str], list[dict[str, str]]]:
    with BUNDLED.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


FIELDS, ROWS = _register_rows()


def _csv(rows: list[dict[str, str]], header: list[str] | None = None, eol: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=eol)
    writer.writerow(header or FIELDS)
    writer.writerows([[r.get(f, "") for f in FIELDS] for r in rows])
    return out.getvalue()


TEXT = _csv(ROWS)
HEADER = TEXT.split("\n", 1)[0]
ZH_ROW = dict(ROWS[1], commitment_id="hk-test-1", company="香港科技園公司", company_zh="香港科技園")

# name -> (bytes, rows expected or None, words the refusal must contain)
REGISTER_CASES: dict[str, tuple[bytes, int | None, tuple[str, ...]]] = {
    "ragged-row": (
        "\n".join([*TEXT.split("\n")[:4], TEXT.split("\n")[4] + ",extra", *TEXT.split("\n")[5:]]).encode(),
        None, ("line 5", "25 fields where the header has 24"),
    ),
    "semicolon-file": (TEXT.replace(",", ";").encode(), None, ("line 1", "semicolons", "comma")),
    "bom": (b"\xef\xbb\xbf" + TEXT.encode(), len(ROWS), ()),
    "crlf": (_csv(ROWS, eol="\r\n").encode(), len(ROWS), ()),
    "big5": (
        (HEADER + "\n").encode() + _csv([ZH_ROW]).split("\n", 1)[1].encode("big5"),
        None, ("line 2", "not UTF-8", "Big5", "must be UTF-8"),
    ),
    "big5-hkscs": (
        (HEADER + "\n").encode()
        + _csv([dict(ZH_ROW, company="香港大學")]).split("\n", 1)[1].encode("big5hkscs"),
        None, ("line 2", "not UTF-8", "Big5-HKSCS", "must be UTF-8"),
    ),
    "big5-in-header": (_csv(ROWS[:1], header=["公司", *FIELDS[1:]]).encode("big5"), None, ("line 1", "not UTF-8", "Big5")),
    "full-width-header": (
        TEXT.replace("commitment_id", "ｃｏｍｍｉｔｍｅｎｔ＿ｉｄ", 1).replace("amount_text", "ａｍｏｕｎｔ＿ｔｅｘｔ", 1).encode(),
        len(ROWS), (),
    ),
    "empty-file": (b"", None, ("line 1", "empty file")),
    "header-only": ((HEADER + "\n").encode(), 0, ()),  # the run blocks: see the flow test
    "10-MB-field": (_csv([dict(ROWS[0], notes="x" * 10_000_000), *ROWS[1:3]]).encode(), 3, ()),
    "10-MB-field-with-line-breaks": (
        _csv([dict(ROWS[0], notes=("y" * 999 + "\n") * 10_000), *ROWS[1:3]]).encode(), 3, (),
    ),
    "unterminated-quote": ((TEXT + '"unterminated,quote\n').encode(), None, (f"line {len(ROWS) + 2}", "not valid CSV")),
    # A quote inside an unquoted cell is text (RFC 4180 readers differ; DuckDB keeps it).
    "quote-in-unquoted-field": ((TEXT + 'x-1,company,Acme "Big" Co,' + "," * 21 + "\n").encode(), len(ROWS) + 1, ()),
    "nul-bytes": (TEXT.encode().replace(b"\n", b"\x00\n", 1), None, ("line 1",)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(REGISTER_CASES))
def test_register_csv_fault(tmp_path: Path, name: str) -> None:
    data, rows, words = REGISTER_CASES[name]
    path = tmp_path / "commitments.csv"
    path.write_bytes(data)
    if rows is None:
        with pytest.raises(InputError) as err:
            read_register(path, SPEC)
        message = str(err.value)
        assert message.startswith(f"{path}: line "), message  # the file and the line
        for word in words:
            assert word in message, message
        return
    frame = read_register(path, SPEC)
    assert frame.height == rows
    if rows:
        ids = frame.get_column("commitment_id").to_list()
        assert ids[: len(ROWS)] == [r["commitment_id"] for r in ROWS[:rows]]
    if name == "quote-in-unquoted-field":
        assert frame.get_column("company").to_list()[-1] == 'Acme "Big" Co'
        assert frame.get_column("line").is_unique().all()
    if name.startswith("10-MB"):
        assert frame.get_column("notes").str.len_chars().max() == 10_000_000
        assert frame.get_column("line").to_list()[1:] == (
            [3, 4] if name == "10-MB-field" else [10_003, 10_004]
        )


def test_register_record_over_the_line_limit_is_refused_with_its_line(tmp_path: Path) -> None:
    from flows.sources.register import MAX_LINE_BYTES

    path = tmp_path / "commitments.csv"
    path.write_text(_csv([ROWS[0], dict(ROWS[1], notes="z" * (MAX_LINE_BYTES + 1))]))
    with pytest.raises(InputError) as err:
        read_register(path, SPEC)
    assert str(err.value).startswith(f"{path}: line 3: not valid CSV"), str(err.value)


ITF_TEXT = ITF_FILE.read_bytes().decode("utf-8-sig")
ITF_HEADER = ITF_TEXT.split("\n", 1)[0].rstrip("\r")
ITF_ROW = "3,NIFS,,智能生產線,香港生產力促進局,1.500,-,\n"

ITF_CASES: dict[str, tuple[bytes, int | None, tuple[str, ...]]] = {
    "bom": (b"\xef\xbb\xbf" + ITF_TEXT.encode(), 2, ()),
    "big5": ((ITF_TEXT + ITF_ROW).encode("big5"), 3, ()),
    "big5-hkscs": ((ITF_TEXT + ITF_ROW.replace("香港生產力促進局", "香港大學")).encode("big5hkscs"), 3, ()),
    "latin-1": ((ITF_TEXT + "3,RFS,,Réseau,Café Ltd,1.5,-,\n").encode("iso-8859-1"), 3, ()),
    "full-width-header": (ITF_TEXT.replace("Lead Applicant", "Ｌｅａｄ Ａｐｐｌｉｃａｎｔ").encode(), 2, ()),
    "header-only": ((ITF_HEADER + "\n").encode(), 0, ()),
    "10-MB-field": ((ITF_TEXT.rstrip("\r\n") + '"' + "z" * 10_000_000 + '"\n').encode(), 2, ()),
    "empty-file": (b"", None, ("line 1", "empty file")),
    "semicolon-file": (ITF_TEXT.replace(",", ";").encode(), None, ("line 1", "semicolons")),
    "ragged-row": ((ITF_TEXT + "3,RFS,,Short row\n").encode(), None, ("line 4", "4 fields where the header has 8")),
    "unterminated-quote": ((ITF_TEXT + '3,RFS,,"unterminated,x,1.0,-,\n').encode(), None, ("line 4", "not valid CSV")),
    "amount-N/A": ((ITF_TEXT + "3,RFS,,T,L,N/A,-,\n").encode(), None, ("line 4", "'N/A' is not a number")),
}  # fmt: skip


@pytest.mark.parametrize("name", list(ITF_CASES))
def test_itf_csv_fault(name: str) -> None:
    data, rows, words = ITF_CASES[name]
    if rows is None:
        with pytest.raises(SourceError) as err:
            itf.parse(data, year=2023, source_url=URL)
        message = str(err.value)
        assert URL in message, message
        for word in words:
            assert word in message, message
        return
    frame = itf.parse(data, year=2023, source_url=URL)
    assert frame.height == rows
    assert "\ufffd" not in "".join(frame.get_column("lead_applicant").to_list())
    if name.startswith("big5"):
        assert frame.get_column("lead_applicant").to_list()[-1] in ("香港生產力促進局", "香港大學")
    if name == "10-MB-field":
        assert frame.get_column("remarks").str.len_chars().max() == 10_000_000


pytestmark_flow = pytest.mark.usefixtures("prefect_harness")


@pytestmark_flow
def test_loadable_faults_balance_and_refused_itf_leaves_others_published(
    snap: Path, where: tuple[Path, Path]
) -> None:
    """Register with a BOM, CRLF, a full-width header, a 10 MB note, an exact repeat and a bad
    row; ITF with an unterminated quote: the register balances, ITF fails alone with its line."""
    warehouse, reports = where
    rows = [dict(r) for r in ROWS]
    rows[0]["notes"] = "n" * 10_000_000
    rows.append(dict(rows[1]))  # exact repeat: a duplicate
    rows.append(dict(rows[2], commitment_id="bad-amount-1", amount="N/A"))  # quarantined
    text = _csv(rows, eol="\r\n").replace("commitment_id", "ｃｏｍｍｉｔｍｅｎｔ＿ｉｄ", 1)
    (snap / REGISTER).write_bytes(b"\xef\xbb\xbf" + text.encode())
    itf_file = snap / "itf" / "annuallist_2023_e.csv"
    itf_file.write_bytes((ITF_TEXT + '3,RFS,,"unterminated,x,1.0,-,\n').encode())
    assert hkam(snap, warehouse, reports) == 0
    payload = dq(reports)
    register = source(payload, "register")
    assert register["rows_in"] == len(rows)
    assert (register["quarantined"], register["duplicates"]) == (1, 1)
    assert register["loaded"] == len(ROWS)
    assert balanced(register)
    assert all(balanced(s) for s in payload["sources"] if s["status"] != "failed")
    failed = source(payload, "itf")
    assert failed["status"] == "failed" and failed["loaded"] == 0
    assert "annuallist_2023_e.csv" in failed["message"] and "line 4" in failed["message"]
    assert query(warehouse, "SELECT count(*) FROM core.funding_approval") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM core.investment_commitment") == [(len(ROWS),)]
    assert query(warehouse, "SELECT max(length(notes)) FROM core.investment_commitment") == [
        (10_000_000,)
    ]
    [(reason,)] = query(warehouse, "SELECT reason FROM meta.quarantine")
    assert "N/A" in reason and "non-negative number" in reason


@pytestmark_flow
@pytest.mark.parametrize(
    ("data", "words"),
    [
        ((HEADER + "\n").encode(), ("failed block check", "commitments.csv", "line 2")),
        ((TEXT.split("\n", 1)[0] + "\n").encode("utf-16"), ("commitments.csv", "not UTF-8")),
        (b"", ("commitments.csv", "line 1", "empty file")),
    ],
    ids=["header-only", "utf-16", "empty"],
)
def test_unreadable_register_blocks_with_file_and_line(
    snap: Path, where: tuple[Path, Path], capsys: pytest.CaptureFixture[str], data: bytes,
    words: tuple[str, ...],
) -> None:  # fmt: skip
    warehouse, reports = where
    (snap / REGISTER).write_bytes(data)
    assert hkam(snap, warehouse, reports) == 1
    out = capsys.readouterr().out
    for word in words:
        assert word in out, out
    assert not warehouse.exists()  # nothing published
