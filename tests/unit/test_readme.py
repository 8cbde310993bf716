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
