"""Import statements inside a function: what each name they bind refers to.

Takes a `def` (or lambda) node and its function's globals; gives, for the imports
of that scope (the top level of its body: a nested def has its own), each bound
name -> `Imported` (`scope_imports`). The imports run when the function is
transformed, as Python's own statement runs them (`__import__` with the
function's globals, so `from .utils import softplus` resolves against its
package): a name then means the object it is bound to, like a global (resolve.py),
and the derivative reads it without the statement, through its module
(spelling.py: `math.pi`, `np`, `utils.softplus`).

That is exact only where the name means that object wherever it is read, so these
are located errors: a name an import binds that the function also assigns or
takes as a parameter, two imports binding one name to different objects, a read
before the import (and, from the fence, an import inside an `if` or a loop, and
`import *`). An import that fails raises `ImportFailedError` (an ImportError, at
the statement's line).
"""
from __future__ import annotations

import ast
import builtins
import types
from dataclasses import dataclass

from . import syntax
from .errors import ImportFailedError
from .source import loc_of, unsupported


@dataclass(frozen=True)
class Imported:
    """A name an import binds: `value`; for `from home import attr`, where from."""

    value: object
    home: types.ModuleType | None = None
    attr: str | None = None


def scope_imports(node, globals_: dict, filename: str) -> dict[str, Imported]:
    """The names the imports of `node`'s own scope bind (see the module docstring)."""
    if isinstance(node, ast.Lambda):
        return {}
    out: dict[str, Imported] = {}
    first: dict[str, ast.stmt] = {}  # name -> the import that binds it first
    for s in node.body:  # (one elsewhere, or `import *`, the fence refuses)
        if not isinstance(s, (ast.Import, ast.ImportFrom)) or any(
                a.name == "*" for a in s.names):
            continue
        for alias, got in _run(s, globals_, filename):
            name = alias.asname or alias.name.split(".")[0]
            if name in out and out[name].value is not got.value:
                raise unsupported(f"two imports binding {name!r} to different objects",
                                  filename, s)
            out.setdefault(name, got)
            first.setdefault(name, s)
    if out:
        _check_uses(node, out, first, filename)
    return out


def _run(s, globals_: dict, filename: str):
    """(alias, Imported) for each name the statement `s` binds, imported now."""
    try:
        if isinstance(s, ast.Import):
            for alias in s.names:
                top = builtins.__import__(alias.name, globals_, None, None, 0)
                if alias.asname is None:  # `import a.b` binds `a`
                    yield alias, Imported(top)
                    continue
                value = top
                for part in alias.name.split(".")[1:]:  # `import a.b as c`: c is a.b
                    value = getattr(value, part)
                yield alias, Imported(value)
            return
        fromlist = tuple(a.name for a in s.names)
        home = builtins.__import__(s.module or "", globals_, None, fromlist, s.level)
        for alias in s.names:
            try:
                value = getattr(home, alias.name)
            except AttributeError:
                raise ImportError(f"cannot import name {alias.name!r} from "
                                  f"{home.__name__!r}", name=home.__name__) from None
            yield alias, (Imported(value) if isinstance(value, types.ModuleType)
                          else Imported(value, home, alias.name))
    except ImportError as e:
        raise ImportFailedError(f"{type(e).__name__}: {e}", loc_of(filename, s),
                                name=e.name) from e


def _scope_nodes(node):
    """The nodes of `node`'s body in its own scope (not inside a nested def or lambda)."""
    todo = list(node.body)
    while todo:
        n = todo.pop()
        yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(n))


def _check_uses(node, names: dict, first: dict, filename: str) -> None:
    """Each imported name is bound only by imports, and read only after the first."""
    a = node.args
    params = [p for p in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if p]
    for p in params:
        if p.arg in names:
            raise unsupported(f"the parameter {p.arg!r} rebound by an import", filename,
                              first[p.arg])
    for n in syntax.walk(node):
        bound = None
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            bound = n.id
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
                n is not node):
            bound = n.name
        elif isinstance(n, ast.arg) and n not in params:
            bound = n.arg
        if bound in names:
            raise unsupported(f"the name {bound!r}, which an import binds, bound again here",
                              filename, n, "give one of them another name")
    for n in _scope_nodes(node):
        if isinstance(n, ast.Name) and n.id in names and _before(n, first[n.id]):
            raise unsupported(f"reading {n.id!r} before the import that binds it", filename, n)


def _before(n, stmt) -> bool:
    at = (getattr(n, "lineno", None), getattr(n, "col_offset", 0))
    return at[0] is not None and at < (stmt.end_lineno, stmt.end_col_offset)
