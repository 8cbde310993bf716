"""The README stays true: glossary current with the contracts, every verb documented."""

from __future__ import annotations

from pathlib import Path

from flows.cli import VERBS
from flows.contracts import load_contracts
from flows.docs import render

README = Path(__file__).resolve().parents[2] / "README.md"


def test_glossary_matches_contracts() -> None:
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "README glossary is stale: run .venv/bin/python -m flows.docs"
    for c in load_contracts().values():
        assert f"`{c.table}`" in text
        for col in c.columns:
            assert f"`{col.name}`" in text


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
