"""The bundled snapshot: every file listed in MANIFEST with a source, and the register cited."""

from __future__ import annotations

import csv

from flows.resources import snapshot_dir


def manifest() -> dict[str, dict[str, str]]:
    with (snapshot_dir() / "MANIFEST").open(encoding="utf-8") as fh:
        return {row["path"]: row for row in csv.DictReader(fh)}


def test_every_snapshot_file_is_in_the_manifest() -> None:
    listed = manifest()
    files = {
        p.relative_to(snapshot_dir()).as_posix()
        for p in snapshot_dir().rglob("*")
        if p.is_file() and p.name != "MANIFEST"
    }
    assert files == set(listed), "MANIFEST must list exactly the snapshot's files"
    for path, row in listed.items():
        assert row["source_url"].startswith("http"), path
        assert row["notes"].strip(), path


def test_every_register_row_cites_a_public_source() -> None:
    with (snapshot_dir() / "register" / "commitments.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        assert row["source_url"].startswith(("http://", "https://")), row["commitment_id"]
        assert row["confidence"] in {"high", "medium", "low"}
