"""The code's layout rules: no import cycles among hkam's modules (lazy imports included), small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def _module(path: Path) -> str:
    parts = path.relative_to(FLOWS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """hkam modules a file imports anywhere in it (a lazy import inside a function still ties
    the two modules together: it only hides the cycle from the interpreter)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            pytest.fail(f"{path}: relative import; hkam imports by absolute name")
    return found & known


def import_graph() -> dict[str, set[str]]:
    """Module → the hkam modules it imports."""
    paths = {_module(p): p for p in FLOWS.rglob("*.py")}
    known = set(paths)
    return {m: _imports(p, known) - {m} for m, p in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                found.append(sorted([v, *group]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert "flows.warehouse" in graph and graph["flows.publishing"]
    assert cycles(graph) == []


MAX_LINES = 520  # ~500: a module past it is split along its seams, not grown


def test_modules_stay_small() -> None:
    sizes = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in FLOWS.rglob("*.py")}
    assert len(sizes) > 50
    assert {str(p.relative_to(FLOWS)): n for p, n in sizes.items() if n > MAX_LINES} == {}
