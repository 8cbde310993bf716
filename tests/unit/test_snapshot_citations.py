"""Every citation in the bundled snapshot names a public place a reader can open."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from flows.resources import snapshot_dir

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# An id from a private search index, or a source that could not be named, is no citation.
OPAQUE = re.compile(
    r"find_string|read_file|\bids? \d{9,}|repository not identified|repo not identified", re.I
)
# A GitHub file is cited at a commit, so the text read cannot move under the link.
GITHUB = re.compile(r"https://github\.com/[^\s/]+/[^\s/]+/blob/[0-9a-f]{40}/\S+")


def _texts() -> list[tuple[str, str]]:
    """(where, text) for every citation field in the snapshot's notes and the labelled fixture."""
    out: list[tuple[str, str]] = []
    with (snapshot_dir() / "MANIFEST").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out += [(f"MANIFEST {row['path']}", row["source_url"] + " " + row["notes"])]
    with (snapshot_dir() / "hkma" / "SOURCES.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out += [(f"SOURCES {row['end_of_month']} {row['currency']}", row["source_url"])]
    with (snapshot_dir() / "register" / "commitments.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out += [(f"register {row['commitment_id']}", row["source_url"] + " " + row["notes"])]
    for name in ("gia_labelled", "gia_fulltext"):
        for line in (FIXTURES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            out += [(f"{name} {item['id']}", item["source_url"] + " " + item["note"])]
    return out


def test_no_citation_is_an_opaque_id() -> None:
    bad = [where for where, text in _texts() if OPAQUE.search(text)]
    assert not bad, f"cite the public repository and path or page URL instead: {bad}"


def test_hkma_figures_cite_an_address() -> None:
    with (snapshot_dir() / "hkma" / "SOURCES.csv").open(encoding="utf-8") as fh:
        urls = {row["source_url"] for row in csv.DictReader(fh)}
    assert urls and all(u.startswith("https://") for u in urls), urls


def test_github_files_are_cited_at_a_commit() -> None:
    for where, text in _texts():
        for url in re.findall(r"https://github\.com/\S+", text):
            assert GITHUB.fullmatch(url.rstrip(").,;")), (where, url)
