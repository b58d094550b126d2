"""The layers of ``idp`` (docs/architecture.md, "Layers"), checked on the source: every import
between modules of the package points down, packages of one layer do not import each other,
no two modules import each other even indirectly, and a module never imports the package
inside a function except where the app and the command line are wired together.

Imports under ``if TYPE_CHECKING:`` are left out: they exist for the type checker only, so
they create no dependency when the code runs (``runtime.py`` names the services it holds).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "idp"

# Top first. A module belongs to the layer of the longest prefix naming it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("application", (
        "idp", "idp.main", "idp.cli", "idp.serve", "idp.web.error_pages", "idp.web.health",
        "idp.web.unit_of_work",
    )),
    ("administration", ("idp.admin",)),
    ("pages and protocol", ("idp.oidc", "idp.login", "idp.selfservice")),
    ("interaction", ("idp.interaction",)),
    ("sign-out", ("idp.logout",)),
    ("domain", ("idp.accounts", "idp.tokens", "idp.sso")),
    ("throttling", ("idp.throttling",)),
    ("services", ("idp.notifications", "idp.clients", "idp.authenticators", "idp.outbound")),
    ("web toolkit", ("idp.web",)),
    ("foundation", (
        "idp.runtime", "idp.audit", "idp.kv", "idp.encryption", "idp.config",
        "idp.outbound.addresses", "idp.db", "idp.models", "idp.clock", "idp.outages",
        "idp.errors", "idp.logs", "idp.migrate", "idp.migrations", "idp.text", "idp.link_tokens",
    )),
)  # fmt: skip
# Layers whose packages must not import each other (the others are one unit each).
INDEPENDENT = frozenset({"pages and protocol", "domain", "services"})
# Where importing inside a function is the point: the app factory registers every part, and
# each command of ``idp`` loads only what it runs.
LAZY_IMPORTS_ALLOWED = ("idp", "idp.cli")


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    in_function: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    found: list[Import] = []

    def resolve(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other, in_function)
                continue
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            targets: list[str] = []
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                assert child.level == 0, f"{name}:{child.lineno}: relative import"
                base = child.module or ""
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in child.names
                ]
            for target in targets:
                resolved = resolve(target) if target.startswith("idp") else None
                if resolved is not None and resolved != name:
                    found.append(Import(name, resolved, child.lineno, inner))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def _layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer index)
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            named = module == prefix or module.startswith(prefix + ".")
            if named and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return best[1] if best is not None else None


def _package(module: str) -> str:
    """The unit of a layer: the top-level package (``idp.login``) or the module itself."""
    return ".".join(module.split(".")[:2])


@pytest.fixture(scope="module")
def graph() -> list[Import]:
    modules = _modules()
    return [imp for name, path in modules.items() for imp in _imports(name, path, modules)]


def test_every_module_has_a_layer():
    unplaced = [m for m in _modules() if _layer_of(m) is None]
    assert unplaced == [], f"give these modules a layer in LAYERS: {unplaced}"


def test_imports_point_down_and_packages_of_a_layer_are_independent(graph):
    wrong = []
    for imp in graph:
        source, target = _layer_of(imp.source), _layer_of(imp.target)
        assert source is not None and target is not None
        if target < source:
            wrong.append(f"{imp.source}:{imp.line} imports {imp.target}, a layer above it "
                         f"({LAYERS[target][0]} over {LAYERS[source][0]})")  # fmt: skip
        elif (
            target == source
            and LAYERS[source][0] in INDEPENDENT
            and _package(imp.source) != _package(imp.target)
        ):
            wrong.append(f"{imp.source}:{imp.line} imports {imp.target}, beside it in "
                         f"{LAYERS[source][0]}")  # fmt: skip
    assert wrong == [], "\n".join(wrong)


def test_no_import_cycles(graph):
    edges: dict[str, set[str]] = {}
    for imp in graph:
        edges.setdefault(imp.source, set()).add(imp.target)
    cycles = _cycles(edges)
    assert cycles == [], "modules importing each other: " + "; ".join(
        " → ".join(cycle) for cycle in cycles
    )


def test_imports_inside_functions_only_where_parts_are_wired(graph):
    lazy = [
        f"{imp.source}:{imp.line} imports {imp.target} inside a function"
        for imp in graph
        if imp.in_function and imp.source not in LAZY_IMPORTS_ALLOWED
    ]
    assert lazy == [], "\n".join(lazy)


def test_the_checks_see_a_wrong_import(tmp_path):
    """What the rules above read: an upward import, one inside a function, one for the type
    checker only (ignored), and a cycle."""
    source = tmp_path / "keys.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from idp.oidc import server\n"
        "if TYPE_CHECKING:\n"
        "    from idp.admin import api\n"
        "def load():\n"
        "    from idp.clients.registry import find_client\n",
        encoding="utf-8",
    )
    modules = dict.fromkeys(
        ("idp.tokens.keys", "idp.oidc.server", "idp.admin.api", "idp.clients.registry"), source
    )
    found = _imports("idp.tokens.keys", source, modules)
    assert [(i.target, i.line, i.in_function) for i in found] == [
        ("idp.oidc.server", 2, False), ("idp.clients.registry", 6, True),
    ]  # fmt: skip
    source_layer, target_layer = _layer_of("idp.tokens.keys"), _layer_of("idp.oidc.server")
    assert source_layer is not None and target_layer is not None and target_layer < source_layer
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return [_one_cycle(component, edges) for component in components]


def _one_cycle(component: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A path from the component's first module back to itself, for the message."""
    start, members = component[0], set(component)
    path, seen = [start], {start}
    while True:
        here = path[-1]
        nexts = sorted(n for n in edges.get(here, ()) if n in members)
        if start in nexts and len(path) > 1:
            return [*path, start]
        step = next((n for n in nexts if n not in seen), None)
        if step is None:
            return [*path, start]
        path.append(step)
        seen.add(step)
