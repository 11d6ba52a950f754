"""srcdiff's modules import each other without a cycle, counting the imports inside
functions too: a function-level import that only hides a cycle is a cycle.

The graph is read from the source with `ast` (no module is imported): an edge for
every `import`/`from ... import` of a srcdiff module, top level or nested, relative
or absolute. Importing `srcdiff.rules.table` from outside `srcdiff.rules` runs that
package's `__init__` first, so it counts as an edge to the package too. Each import
inside a function must carry a comment saying why it is lazy.
"""
from __future__ import annotations

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "srcdiff"


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imported(module: str, path: pathlib.Path, node: ast.AST) -> set[str]:
    """The srcdiff modules `node` (an import statement in `module`) imports."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name.split(".")[0] == "srcdiff"}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if node.level:
        base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                        + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    if base.split(".")[0] != "srcdiff":
        return set()
    return {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}


def _with_packages(module: str, targets: set[str]) -> set[str]:
    """`targets` and the packages whose `__init__` importing them runs (those that
    do not contain `module`: its own packages are already being imported)."""
    out = set(targets)
    for t in targets:
        parts = t.split(".")
        for i in range(2, len(parts)):
            parent = ".".join(parts[:i])
            if module != parent and not module.startswith(parent + "."):
                out.add(parent)
    out.discard(module)
    return out


def _function_imports(tree: ast.Module):
    """Import statements not at a module's top level (in a def, class or if)."""
    top = set(map(id, tree.body))
    return [n for n in ast.walk(tree)
            if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in top]


def graph() -> dict[str, set[str]]:
    edges = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found |= _imported(module, path, node)
        edges[module] = _with_packages(module, found)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `edges` as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(v):
        state[v] = 1
        path.append(v)
        for w in sorted(edges.get(v, ())):
            if state.get(w) == 1:
                return path[path.index(w):] + [w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        path.pop()
        state[v] = 2
        return None

    for v in sorted(edges):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def test_the_graph_is_read():
    edges = graph()
    assert "srcdiff.transform" in edges["srcdiff.api"]  # top level, `from . import`
    assert "srcdiff.graph" in edges["srcdiff.cli"]  # inside a function
    assert "srcdiff.rules.table" in edges["srcdiff.rules.scalar"]  # `from .table import`
    assert "srcdiff.rules" in edges["srcdiff.shapes"]  # (its __init__ runs first)
    assert "srcdiff.rules" not in edges["srcdiff.rules.scalar"]  # (already running)


def test_the_cycle_finder():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_each_function_level_import_says_why_it_is_lazy():
    """An import inside a function is there for import time (an optional or heavy
    module loaded only when asked for): the comment on its line, or the line above,
    says so."""
    silent = []
    for path in MODULES.values():
        lines = path.read_text().splitlines()
        for node in _function_imports(ast.parse("\n".join(lines))):
            here, above = lines[node.lineno - 1], lines[node.lineno - 2].strip()
            if "#" not in here and not above.startswith("#"):
                silent.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: "
                              f"{here.strip()}")
    assert not silent, "function-level imports without a comment saying why:\n" + "\n".join(
        silent)
