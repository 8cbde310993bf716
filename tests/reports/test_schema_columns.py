"""Source columns for the schema-drift table: header-only CSV reads, JSON keys cached by hash."""

from __future__ import annotations

import json
from pathlib import Path

from flows.reports import schema


def _snapshot(tmp_path: Path) -> Path:
    snap = tmp_path / "snap"
    (snap / "register").mkdir(parents=True)
    (snap / "censtatd").mkdir()
    header = "commitment_id,company_name,Amount \n"
    # A body far past the header window, with a multi-byte character across the 1 MiB mark.
    body = "x,晶片公司,1\n" * (schema.HEADER_BYTES // 10)
    (snap / "register" / "commitments.csv").write_text(header + body, encoding="utf-8")
    payload = {"header": {}, "dataSet": [{"freq": "Q", "period": "202303"}, {"IND": "C"}]}
    (snap / "censtatd" / "215-16001.json").write_text(json.dumps(payload), encoding="utf-8")
    return snap


def test_csv_header_is_read_from_the_first_lines_only(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path)
    cols = schema.file_columns(snap / "register" / "commitments.csv")
    assert cols == ["commitment_id", "company_name", "Amount"]  # folded as the reader folds


def test_json_keys_are_cached_by_content_and_refreshed_when_the_file_changes(
    tmp_path: Path,
) -> None:
    snap = _snapshot(tmp_path)
    cache = tmp_path / "reports" / ".columns-cache.json"
    first = schema.snapshot_columns(snap, cache)
    assert first["censtatd"] == {"215-16001.json": ["freq", "period", "IND"]}
    [(sha, cols)] = json.loads(cache.read_text(encoding="utf-8")).items()
    assert cols == ["freq", "period", "IND"]
    # A cached entry is used as it is (the file is not parsed again)...
    cache.write_text(json.dumps({sha: ["from-cache"]}), encoding="utf-8")
    assert schema.snapshot_columns(snap, cache)["censtatd"] == {"215-16001.json": ["from-cache"]}
    # ...and a changed file has a new hash, so it is read again and the stale entry dropped.
    path = snap / "censtatd" / "215-16001.json"
    path.write_text(json.dumps({"dataSet": [{"sv": "PE"}]}), encoding="utf-8")
    assert schema.snapshot_columns(snap, cache)["censtatd"] == {"215-16001.json": ["sv"]}
    assert list(json.loads(cache.read_text(encoding="utf-8")).values()) == [["sv"]]


def test_register_header_is_read_as_the_loader_reads_it(tmp_path: Path) -> None:
    """RELIABILITY.md's open item: a full-width header loads, so it is no schema change."""
    from flows.contracts import contract
    from flows.sources import register

    spec = contract("raw.register_commitment")
    names = [c.name for c in spec.source_columns]
    shown = [n.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}) for n in names]  # full-width
    shown[1] = "\u3000" + shown[1] + "\u00a0"  # ideographic and no-break spaces around a name
    snap = tmp_path / "snap"
    (snap / "register").mkdir(parents=True)
    path = snap / "register" / "commitments.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (",".join(shown) + "\n").encode("utf-8"))
    assert schema.file_columns(path) == register.header(path) == names
    columns = schema.snapshot_columns(snap)
    assert schema.schema_changes(columns, None, schema.register_contract()) == []
