"""Who may import whom: the layering rules of the tree, and no import cycles between modules.

Every module of the project is read as an AST (never imported), and every ``import`` in it
counts, wherever it sits: at the top, inside a function (a lazy import), or under
``if TYPE_CHECKING:`` (a dependency all the same, and the type checker follows it). Relative
imports are resolved against the importing module's package.

The rules (README, "The pipeline"):

* ``imdb_spider`` (the crawl) imports nothing from ``exporters``, ``sandbox``, ``devtools``,
  ``benchmarks`` or ``tests``;
* ``exporters`` imports from the crawl side only ``imdb_spider.store``, and nothing from the
  dev tools, benchmarks or tests;
* ``sandbox`` and ``devtools`` may use the product, never ``tests`` or ``benchmarks``;
* ``benchmarks`` import no ``tests`` module (shared helpers live in ``devtools``).
"""

from __future__ import annotations

import ast
import itertools
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from .conftest import ROOT

PACKAGES = ("imdb_spider", "exporters", "sandbox", "devtools", "benchmarks", "tests")


@dataclass(frozen=True)
class Import:
    """One import statement's target, as a dotted name, and where it was written."""

    module: str  # the importing module
    target: str  # the project module it reaches (a submodule when ``from pkg import sub``)
    line: int
    kind: str  # "top", "lazy" (inside a function or class) or "type-checking"

    def __str__(self) -> str:
        return f"{self.module} -> {self.target} (line {self.line}, {self.kind})"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the given top-level packages."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def _base_package(module: str, path: Path, level: int) -> str:
    """The package a relative import of ``level`` dots starts from."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    parts = package.split(".")
    if level - 1 >= len(parts):
        raise ValueError(f"{module}: relative import beyond the top-level package")
    return ".".join(parts[: len(parts) - (level - 1)])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.Module) -> list[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import node with its kind, at any depth."""
    out: list[tuple[ast.Import | ast.ImportFrom, str]] = []

    def visit(node: ast.AST, kind: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                out.append((child, kind))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, "lazy")
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for part in child.body:
                    visit(ast.Module(body=[part], type_ignores=[]), "type-checking")
                for part in child.orelse:
                    visit(ast.Module(body=[part], type_ignores=[]), kind)
            else:
                visit(child, kind)

    visit(tree, "top")
    return out


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """The imports of one module that reach a project package, resolved to dotted names.

    ``from pkg import name`` reaches ``pkg.name`` when that is a module of the project (a
    submodule), else ``pkg`` itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node, kind in _import_nodes(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                start = _base_package(module, path, node.level)
                base = f"{start}.{base}" if base else start
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in known else base)
        for target in targets:
            if _top(target) in PACKAGES:
                found.append(Import(module, target, node.lineno, kind))
    return found


def all_imports(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> list[Import]:
    modules = project_modules(root, packages)
    known = set(modules)
    return [imp for name, path in modules.items() for imp in imports_of(name, path, known)]


# --- the layering rules ---------------------------------------------------------------------


def _top(name: str) -> str:
    return name.partition(".")[0]


def _within(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def rule_breaks(imports: list[Import]) -> list[str]:
    """One line per import that breaks a layering rule, naming the module and the import."""
    forbidden = {
        "imdb_spider": {"exporters", "sandbox", "devtools", "benchmarks", "tests"},
        "exporters": {"sandbox", "devtools", "benchmarks", "tests"},
        "sandbox": {"benchmarks", "tests"},
        "devtools": {"benchmarks", "tests"},
        "benchmarks": {"tests"},
    }
    out = []
    for imp in imports:
        source, target = _top(imp.module), _top(imp.target)
        if target in forbidden.get(source, set()):
            out.append(f"{imp}: {source} must not import from {target}")
        elif (source, target) == ("exporters", "imdb_spider") and not _within(
            imp.target, "imdb_spider.store"
        ):
            out.append(f"{imp}: exporters may take only imdb_spider.store from the crawl")
    return out


# --- cycles ---------------------------------------------------------------------------------


def import_graph(imports: list[Import]) -> dict[str, dict[str, Import]]:
    """module -> {imported project module: the first import that made the edge}."""
    graph: dict[str, dict[str, Import]] = {}
    for imp in imports:
        if imp.target != imp.module:
            graph.setdefault(imp.module, {}).setdefault(imp.target, imp)
            graph.setdefault(imp.target, {})
    return graph


def _strongly_connected(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit to meet on a long chain)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:  # node is the root of a component: pop it
                components.append(_pop_component(stack, on_stack, node))
    return components


def _pop_component(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    """The members of ``root``'s component, off the top of Tarjan's stack down to ``root``."""
    component = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        component.append(member)
        if member == root:
            return sorted(component)


def _shortest_cycle(graph: dict[str, dict[str, Import]], start: str, inside: set[str]):
    """The shortest path of edges from ``start`` back to itself, within one component."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child not in inside:
                continue
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                order = [start, *reversed(path[:-1]), start]
                return [graph[a][b] for a, b in itertools.pairwise(order)]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return []


def import_cycles(imports: list[Import]) -> list[list[Import]]:
    """Import cycles between modules: for each group of modules that reach each other, the
    shortest cycle through each member (duplicates dropped), as the imports that close it."""
    graph = import_graph(imports)
    cycles, seen = [], set()
    for component in _strongly_connected(graph):
        if len(component) < 2:
            continue
        for member in component:
            cycle = _shortest_cycle(graph, member, set(component))
            key = frozenset((imp.module, imp.target) for imp in cycle)
            if cycle and key not in seen:
                seen.add(key)
                cycles.append(cycle)
    return cycles


def describe(cycles: list[list[Import]]) -> str:
    return "\n".join(
        " -> ".join([c[0].module, *(imp.target for imp in c)])
        + "\n    "
        + "\n    ".join(str(imp) for imp in c)
        for c in cycles
    )


# --- the tree as it is ----------------------------------------------------------------------


def test_every_package_is_read() -> None:
    modules = project_modules(ROOT)
    for package in PACKAGES:
        assert package in modules, f"{package}/__init__.py not found"
    assert "sandbox.server" in modules and "devtools.demo" in modules
    assert "imdb_spider.sandbox" not in modules, "the sandbox moved out of the crawl package"


def test_layering_rules_hold() -> None:
    breaks = rule_breaks(all_imports())
    assert not breaks, "imports that break the layering rules:\n" + "\n".join(breaks)


def test_exporters_reach_the_crawl_database_module() -> None:
    # The rule above would pass vacuously if the walker missed exporters' imports.
    reached = {i.target for i in all_imports() if i.module.startswith("exporters.")}
    assert "imdb_spider.store" in reached


def test_no_import_cycles() -> None:
    cycles = import_cycles(all_imports())
    assert not cycles, "import cycles between the project's modules:\n" + describe(cycles)


def test_the_tile_validator_shares_no_code_with_the_writer() -> None:
    # A wrong hash or padding rule in the writer must not be able to pass the validator too.
    reached = {i.target for i in all_imports() if i.module == "exporters.validate"}
    assert reached == set(), reached


# --- the checker itself, on small trees -----------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_lazy_relative_and_type_checking_imports_are_all_seen(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "imdb_spider/__init__.py": "",
            "imdb_spider/pages/__init__.py": "from . import nextjs\n",
            "imdb_spider/pages/nextjs.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from exporters.model import MapGraph\n"
                "def f():\n    from ..store import Store\n    from exporters import tiles\n"
            ),
            "exporters/__init__.py": "",
            "exporters/model.py": "",
            "exporters/tiles.py": "import imdb_spider.pages\nfrom imdb_spider.store import S\n",
            "benchmarks/__init__.py": (
                "class B:\n    def run(self):\n        import tests.helpers\n"
            ),
        },
    )
    imports = all_imports(root, ("imdb_spider", "exporters", "benchmarks"))
    assert {str(i) for i in imports} == {
        "imdb_spider.pages -> imdb_spider.pages.nextjs (line 1, top)",
        "imdb_spider.pages.nextjs -> exporters.model (line 3, type-checking)",
        "imdb_spider.pages.nextjs -> imdb_spider.store (line 5, lazy)",
        "imdb_spider.pages.nextjs -> exporters.tiles (line 6, lazy)",
        "exporters.tiles -> imdb_spider.pages (line 1, top)",
        "exporters.tiles -> imdb_spider.store (line 2, top)",
        "benchmarks -> tests.helpers (line 3, lazy)",
    }
    breaks = rule_breaks(imports)
    assert breaks == [
        "imdb_spider.pages.nextjs -> exporters.model (line 3, type-checking): "
        "imdb_spider must not import from exporters",
        "imdb_spider.pages.nextjs -> exporters.tiles (line 6, lazy): "
        "imdb_spider must not import from exporters",
        "exporters.tiles -> imdb_spider.pages (line 1, top): "
        "exporters may take only imdb_spider.store from the crawl",
        "benchmarks -> tests.helpers (line 3, lazy): benchmarks must not import from tests",
    ]


def test_cycles_are_found_and_listed(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "exporters/__init__.py": "",
            "exporters/tiles.py": "def f():\n    from . import legend\n",
            "exporters/legend.py": "from .bitmap import x\n",
            "exporters/bitmap.py": "from exporters.tiles import TileSet\n",
            "exporters/dot.py": "from .model import MapGraph\n",
            "exporters/model.py": "",
        },
    )
    cycles = import_cycles(all_imports(root, ("exporters",)))
    assert len(cycles) == 1
    text = describe(cycles)
    assert text.splitlines()[0] == (
        "exporters.bitmap -> exporters.tiles -> exporters.legend -> exporters.bitmap"
    )
    assert "exporters.tiles -> exporters.legend (line 2, lazy)" in text
    assert "dot" not in text
