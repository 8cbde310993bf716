"""The README stays true: glossary current with the contracts, every verb documented."""

from __future__ import annotations

from pathlib import Path

from flows.cli import VERBS
from flows.contracts import load_contracts
from flows.docs import GLOSSARY, render

README = Path(__file__).resolve().parents[2] / "README.md"


def test_glossary_matches_contracts() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    assert render() == text, "GLOSSARY.md is stale: run .venv/bin/python -m flows.docs"
    for c in load_contracts().values():
        assert f"`{c.table}`" in text
        for col in c.columns:
            assert f"`{col.name}`" in text


def test_the_glossary_is_its_own_file_linked_from_the_readme() -> None:
    # The generated glossary was two thirds of the README, between the analyst and the manual.
    readme = README.read_text(encoding="utf-8")
    assert GLOSSARY.parent == README.parent
    assert "](GLOSSARY.md)" in readme and "glossary:begin" not in readme
    assert len(readme.splitlines()) < 600


def test_the_readme_opens_with_the_analysts_start() -> None:
    # Analysts met the engineering detail first; the start must come before it and hold the
    # run, the outputs, queries, the register, review and the bundled data's caveats.
    readme = README.read_text(encoding="utf-8")
    headings = [line for line in readme.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Start here (analysts)"
    start = readme.split("## Start here (analysts)", 1)[1].split("\n## ", 1)[0]
    for needle in (
        "make run", "reports/latest/index.html", "warehouse/hkam.duckdb",
        "marts.largest_commitments", "funder = 'company'", "funder = 'government'",
        "marts.manufacturing_share_gdp", "(#add-or-update-a-commitment)", "hkam review accept",
        "hkam review reject", "hkam review undo", "MANIFEST", "annuallist_2023_e.csv",
        "310-31001", "low confidence", "medium confidence",
    ):  # fmt: skip
        assert needle in start, needle
    assert readme.index("## Start here") < readme.index("## Sources")


def test_every_verb_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    for verb in VERBS:
        assert f"hkam {verb}" in text


def test_two_commands_open_the_readme() -> None:
    head = README.read_text(encoding="utf-8")[:400]
    assert "make run" in head and "make test" in head


def test_every_flag_of_every_verb_is_in_its_row_of_the_verb_table() -> None:
    # --data-dir and status --limit were missing, and "every verb takes --warehouse" was untrue.
    import argparse

    from flows.cli import _parser

    rows = {
        line.split("`")[1].split()[1]: line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `hkam ")
    }
    text = README.read_text(encoding="utf-8")
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for verb, parser in sub.choices.items():
        flags = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
        for flag in flags:
            if flag in ("--help", "--warehouse"):
                continue
            assert flag in rows[verb], f"hkam {verb} {flag} is not in the README's verb table"
        takes = "--warehouse" in flags
        assert takes == (verb != "snapshot"), f"hkam {verb}: the README says who takes --warehouse"
    assert "Every verb but `snapshot` takes `--warehouse PATH`" in text


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to -."""
    text = heading.lstrip("#").strip().lower()
    return "".join(ch for ch in text if ch.isalnum() or ch in " -_").replace(" ", "-")


def test_every_link_within_the_docs_lands_on_a_heading() -> None:
    import re

    docs = {p.name: p.read_text(encoding="utf-8") for p in (README, GLOSSARY)}
    anchors = {
        name: {_anchor(line) for line in text.splitlines() if line.startswith("#")}
        for name, text in docs.items()
    }
    for name, text in docs.items():
        for target, anchor in re.findall(r"\]\(([A-Z]+\.md)?#([^)]+)\)", text):
            assert anchor in anchors[target or name], f"{name}: link to {target}#{anchor}"
