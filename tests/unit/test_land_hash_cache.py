"""Landing hashes a file once per (path, size, mtime): a multi-GB register is not re-read nightly."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flows import warehouse as wh
from flows.pipeline import land


def _land(tmp_path: Path, file: Path) -> str:
    with wh.connect(tmp_path / "w.duckdb") as con:
        wh.migrate(con)
        [landed] = land(con, "register", [file], tmp_path / "landing")
    return landed.sha256


def test_unchanged_file_is_not_hashed_again_and_a_changed_one_is(tmp_path: Path) -> None:
    file = tmp_path / "commitments.csv"
    file.write_text("a,b\n1,2\n", encoding="utf-8")
    first = _land(tmp_path, file)
    assert first == wh.sha256_of(file)
    cache = tmp_path / "landing" / ".sha256-cache.json"
    entries = json.loads(cache.read_text(encoding="utf-8"))
    # Prove the cache is what answers: a planted hash for the same size and mtime comes back.
    entries[str(file.resolve())][2] = "f" * 64
    cache.write_text(json.dumps(entries), encoding="utf-8")
    assert _land(tmp_path, file) == "f" * 64
    # Any change of size or mtime hashes the file again.
    file.write_text("a,b\n1,3\n", encoding="utf-8")
    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert _land(tmp_path, file) == wh.sha256_of(file) != first
    # A cache that is not JSON is ignored, not fatal.
    cache.write_text("{not json", encoding="utf-8")
    assert _land(tmp_path, file) == wh.sha256_of(file)


def test_a_new_file_is_copied_while_hashed_and_no_scratch_copy_is_left(tmp_path: Path) -> None:
    """The copy made beside the hash lands under the content hash; a file whose content is
    already landed (the same bytes touched, so hashed again) leaves nothing behind."""
    file = tmp_path / "commitments.csv"
    file.write_bytes(b"a,b\n" + b"1,2\n" * 300_000)
    sha = _land(tmp_path, file)
    folder = tmp_path / "landing" / "register"
    assert [p.name for p in folder.iterdir()] == [f"{sha[:16]}-commitments.csv"]
    assert (folder / f"{sha[:16]}-commitments.csv").read_bytes() == file.read_bytes()
    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert _land(tmp_path, file) == sha
    assert [p.name for p in folder.iterdir()] == [f"{sha[:16]}-commitments.csv"]


def test_a_killed_runs_partial_copy_is_overwritten_not_kept(tmp_path: Path) -> None:
    """A run killed while copying leaves its partial copy under one fixed name per file; the
    next run writes over it and lands the whole file."""
    file = tmp_path / "commitments.csv"
    file.write_bytes(b"a,b\n" + b"1,2\n" * 1000)
    folder = tmp_path / "landing" / "register"
    folder.mkdir(parents=True)
    (folder / ".commitments.csv.landing").write_bytes(b"a,b\n1,")  # what a kill left behind
    sha = _land(tmp_path, file)
    assert [p.name for p in folder.iterdir()] == [f"{sha[:16]}-commitments.csv"]
    assert (folder / f"{sha[:16]}-commitments.csv").read_bytes() == file.read_bytes()
