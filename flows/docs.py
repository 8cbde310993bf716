"""The table glossary (GLOSSARY.md), generated from the contracts (`python -m flows.docs`)."""

from __future__ import annotations

import sys
from pathlib import Path

from flows.contracts import load_contracts

GLOSSARY = Path(__file__).resolve().parents[1] / "GLOSSARY.md"
HEAD = """# hkam table glossary

Every table, view and mart of the warehouse with its grain and every column with its type, unit
and description; each mart with the question it answers and its SQL. Generated from the contracts
(`schemas/<layer>/<table>.yml`) by `python -m flows.docs`: do not edit by hand; after changing a
contract, run `.venv/bin/python -m flows.docs` (a test fails while this file is stale). The same
descriptions are the warehouse's table and column comments (`select * from duckdb_columns()`).
Back to the [README](README.md).
"""


def glossary() -> str:
    """Markdown: one section per table or view, its grain and every column with unit."""
    parts = []
    for c in sorted(load_contracts().values(), key=lambda c: c.table):
        grain = f" Grain: {', '.join(c.grain)}." if c.grain else ""
        parts += [f"## `{c.table}` ({c.kind})", "", c.description + grain, ""]
        if c.example:
            parts += [f"{c.example[0]}", "", "```sql", c.example[1], "```", ""]
        parts += ["| column | type | unit | description |", "| --- | --- | --- | --- |"]
        for col in c.columns:
            desc = col.description.replace("|", "\\|")
            parts.append(f"| `{col.name}` | {col.type} | {col.unit or ''} | {desc} |")
        parts.append("")
    return "\n".join(parts)


def render() -> str:
    """The whole text of GLOSSARY.md as the contracts describe the tables now."""
    return f"{HEAD}\n{glossary()}"


def main(path: str = str(GLOSSARY)) -> int:
    """Write the glossary file (GLOSSARY.md beside the README unless a path is given)."""
    Path(path).write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
