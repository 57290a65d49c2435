"""The exporters' import edges, lazy ones included: no cycle, and nothing from the crawl side
but its database module.

Run as a script (``python -m tests.test_exporter_imports``) it prints every edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "exporters"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of the code (functions, ``TYPE_CHECKING``
    blocks), relative imports resolved; ``from a import b`` counts as ``a.b`` when that is a
    module of ours, else as ``a``."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if _is_ours(candidate) else base)
    return found


def _is_ours(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def edges() -> dict[str, set[str]]:
    """Module of ``exporters`` -> the project modules it imports."""
    graph: dict[str, set[str]] = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        graph[module_name(path)] = {m for m in imported(path) if _is_ours(m)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module, or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph.get(v, ()):
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_among_the_exporters() -> None:
    graph = edges()
    assert "exporters.tiles" in graph["exporters.cli"]  # the walk sees our imports at all
    assert cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == [["a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_exporters_take_only_the_database_module_from_the_crawl_side() -> None:
    outside = {
        target
        for targets in edges().values()
        for target in targets
        if not target.startswith(PACKAGE + ".") and target != PACKAGE
    }
    assert outside == {"imdb_spider.store"}


def test_the_validator_shares_no_code_with_the_writer() -> None:
    assert edges()["exporters.validate"] == set()


if __name__ == "__main__":
    for source, targets in edges().items():
        for target in sorted(targets):
            print(f"{source} -> {target}")
    print("cycles:", cycles(edges()) or "none")
