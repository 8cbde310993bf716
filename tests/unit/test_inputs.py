"""The run fingerprint (flows/inputs.py): what makes two runs' inputs the same or not."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from flows import inputs
from flows.inputs import run_inputs
from flows.resources import sql_dir


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "snapshot"
    (folder / "register").mkdir(parents=True)
    (folder / "register" / "a.csv").write_text("made,for\ntests,only\n", encoding="utf-8")
    (folder / "MANIFEST").write_text("m\n", encoding="utf-8")
    return folder


def test_before_a_file_is_hashed_there_is_no_fingerprint_and_after_it_is_stable(
    tmp_path: Path,
) -> None:
    folder, landing = _folder(tmp_path), tmp_path / "landing"
    first = run_inputs([folder], landing, None, hash_new=False)
    assert first.sha256 is None and set(first.stamps) == {"0/MANIFEST", "0/register/a.csv"}
    hashed = run_inputs([folder], landing, None, hash_new=True)
    again = run_inputs([folder], landing, None, hash_new=False)  # from the cache now
    assert hashed.sha256 is not None and again.sha256 == hashed.sha256
    assert again.stamps == first.stamps


def test_content_names_folders_and_sources_all_count(tmp_path: Path) -> None:
    folder, landing = _folder(tmp_path), tmp_path / "landing"
    base = run_inputs([folder], landing, None, hash_new=True).sha256
    other = tmp_path / "data"
    other.mkdir()
    assert run_inputs([folder, other], landing, None, hash_new=True).sha256 == base  # empty
    assert run_inputs([folder], landing, ["hkma"], hash_new=True).sha256 != base
    csv = folder / "register" / "a.csv"
    was = csv.stat().st_mtime_ns
    csv.write_text("made,for\ntests,ONLY\n", encoding="utf-8")  # same size, new content
    os.utime(csv, ns=(was + 10**9, was + 10**9))  # a later mtime even on a coarse clock
    assert run_inputs([folder], landing, None, hash_new=False).sha256 is None
    changed = run_inputs([folder], landing, None, hash_new=True).sha256
    assert changed not in (None, base)
    csv.rename(folder / "register" / "b.csv")
    assert run_inputs([folder], landing, None, hash_new=True).sha256 not in (None, changed)


def test_a_file_touched_keeps_its_hash_but_not_its_stamp(tmp_path: Path) -> None:
    """Same content, new mtime: the same fingerprint (rehashed), but a different stamp, which is
    what tells a run that a file changed under it."""
    folder, landing = _folder(tmp_path), tmp_path / "landing"
    before = run_inputs([folder], landing, None, hash_new=True)
    os.utime(folder / "MANIFEST", ns=(1, 1))
    after = run_inputs([folder], landing, None, hash_new=True)
    assert after.sha256 == before.sha256 and after.stamps != before.stamps


def test_the_warehouse_files_in_an_input_folder_are_not_inputs(tmp_path: Path) -> None:
    """A data folder that also holds the warehouse (HKAM_DATA_DIR=. say): the published file,
    its versions, landing area, run log and reports change every run and are left out."""
    from flows.warehouse import Workspace

    folder, reports = _folder(tmp_path), tmp_path / "snapshot" / "reports"
    ws = Workspace(folder / "wh" / "hkam.duckdb")
    skip = [*ws.own_paths(), reports]
    base = run_inputs([folder], ws.landing, None, hash_new=True, skip=skip)
    for made in (ws.published, ws.versions / "hkam.x.duckdb", reports / "latest" / "dq.md"):
        made.parent.mkdir(parents=True, exist_ok=True)
        made.write_text("written by a run\n", encoding="utf-8")
    (ws.published.parent / ".hkam.runs.jsonl").write_text("{}\n", encoding="utf-8")
    skip = [*ws.own_paths(), reports]
    after = run_inputs([folder], ws.landing, None, hash_new=True, skip=skip)
    assert after.sha256 == base.sha256 and after.stamps == base.stamps
    (ws.published.parent / "notes.txt").write_text("an analyst's file\n", encoding="utf-8")
    assert run_inputs([folder], ws.landing, None, hash_new=True, skip=skip).sha256 != base.sha256


def test_the_code_fingerprint_reads_code_not_the_warehouse_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default warehouse (warehouse/hkam.duckdb, its landing area, versions and run log)
    sits in the SQL folder: none of it is code, or no second `make run` would find its inputs
    unchanged. A new SQL file is code."""
    sql = tmp_path / "warehouse"
    for path in sql_dir().rglob("*.sql"):  # the SQL alone: a checkout's own warehouse stays put
        (sql / path.relative_to(sql_dir())).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, sql / path.relative_to(sql_dir()))
    monkeypatch.setattr(inputs, "sql_dir", lambda: sql)
    base = inputs.code_sha256.__wrapped__()
    (sql / "hkam.duckdb").write_bytes(b"a warehouse file, made for this test")
    (sql / ".hkam.runs.jsonl").write_text("{}\n", encoding="utf-8")
    (sql / "landing" / "register").mkdir(parents=True)
    (sql / "landing" / "register" / "0123-commitments.csv").write_text("a,b\n", encoding="utf-8")
    assert inputs.code_sha256.__wrapped__() == base
    (sql / "marts" / "99_marts.made_for_this_test.sql").write_text("SELECT 1;\n", encoding="utf-8")
    assert inputs.code_sha256.__wrapped__() != base


def test_failed_share_message_names_the_worst_check() -> None:
    import polars as pl

    from flows.pipeline import failed_share_message, worst_check

    # TEST VALUES: quarantine rows made for this test.
    q = pl.DataFrame(
        {
            "check_name": ["a", "b", "b"],
            "source_file": ["f.csv"] * 3,
            "line": [4, 3, 2],
            "reason": ["ra", "rb3", "rb2"],
        }
    )
    assert failed_share_message(2, 4, 0.5, worst_check(q)) is None  # 50% is not over 50%
    said = failed_share_message(3, 4, 0.5, worst_check(q))
    assert said is not None and said.startswith("3 of 4 rows (75%) failed their checks")
    assert said.endswith("most failed: b (2 rows), e.g. f.csv line 2: rb2")
