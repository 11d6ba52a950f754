"""How a name an inlined helper reads is written in the derivative of the root.

The derivative of `f` (the root) is compiled against `f`'s module and closure
(emit.compile_function); a helper inlined into it may come from another module,
whose `np`, constants and helpers are not names there. `Spelling.name` takes a
name as a helper reads it and gives an expression meaning the same thing in the
root's scope:

- the name itself, when the root resolves it to the same binding (a helper of
  the root's own module reading a global the root does not shadow);
- for a module (`numpy_`, `math`): a name the root's module binds to the same
  module (`np`), else the module injected under the helper's name for it;
- for another global of the helper's module: an attribute of that module
  (`utils.SCALE`, `utils.softplus`), so it is read live at call time, as the
  root's own globals are; the module is the root's name for it (`L`) or is
  injected under its last dotted name (`utils`);
- for a cell of the helper's closure: the cell itself, injected (live too);
- for a name an import inside the function binds (imports.py): a module as
  above, `from m import g` as the root's own `g` if it is the same object, else
  `m.g` (`math.pi`, `special.gammaln`, `utils.softplus`).

Injected names arrive in the generated code as closure cells (`injected`), never
written into the user's module, and are chosen free of every name the root
reads or binds. Every binding relied on is recorded in `guards`, like the
resolver's: a rebound module alias re-transforms.
"""
from __future__ import annotations

import ast
import builtins
import sys
import types

from . import runtime, syntax

MISSING = object()  # a guard's object for "this name must stay unbound"
_PREFERRED = {"numpy": ("np", "numpy"), "math": ("math",)}  # as transform.module_names


class Spelling:
    """The names of one root function's derivative: what helpers read, spelled there."""

    def __init__(self, root):
        self.root = root
        self.globals = root.__globals__
        code = root.__code__
        self.cells = dict(zip(code.co_freevars, root.__closure__ or ()))
        self.locals = set(code.co_varnames) | set(code.co_cellvars)
        self.taken = (set(self.globals) | set(self.cells) | self.locals | set(dir(builtins))
                      | set(code.co_names) | set(runtime.HELPERS))
        self.injected: dict[str, object] = {}  # name -> value (a cell: passed as that cell)
        self.guards: list = []
        self._memo: dict = {}
        self.own: dict = {}  # name -> module: the root's imports inside it (unbind)

    def name(self, resolver, name: str) -> ast.expr:
        """`name`, read by `resolver`'s function (not bound in it), for the root."""
        if name in resolver.imported:
            return self.imported(resolver.imported[name], name)
        if resolver.fn is self.root:
            return ast.Name(name, ast.Load())
        if name in resolver.closure:
            cell = resolver.closure[name]
            if self.cells.get(name) is cell:
                return ast.Name(name, ast.Load())
            value = cell.cell_contents
            if isinstance(value, types.ModuleType):
                return ast.Name(self.module(value, name), ast.Load())
            return ast.Name(self.inject(name, cell, ("cell", id(cell))), ast.Load())
        if name in resolver.globals:
            value = resolver.globals[name]
            if resolver.globals is self.globals and self._plain(name):
                return ast.Name(name, ast.Load())
            if isinstance(value, types.ModuleType):
                self.guards.append((resolver.globals, name, value))
                return ast.Name(self.module(value, name), ast.Load())
            home = module_of(resolver.globals)
            if home is not None:
                return ast.Attribute(ast.Name(self.module(home), ast.Load()), name, ast.Load())
            # globals of no module (exec'd code): the value, re-transformed when rebound
            self.guards.append((resolver.globals, name, value))
            key = ("value", id(resolver.globals), name)
            return ast.Name(self.inject(name, value, key), ast.Load())
        if self._plain(name) and name not in self.globals:  # a builtin the root sees too
            self.guards.append((self.globals, name, MISSING))
            return ast.Name(name, ast.Load())
        return ast.Name(self.inject(name, getattr(builtins, name), ("builtin", name)),
                        ast.Load())

    def node(self, resolver, node: ast.expr) -> ast.expr:
        """A copy of a callee or attribute chain (`np.exp`, `L.dense`) with its root
        name spelled for the root (names the function binds are left as written)."""
        node = syntax.copy(node)
        parent, base = None, node
        while isinstance(base, ast.Attribute):
            parent, base = base, base.value
        if not isinstance(base, ast.Name) or base.id in resolver.helpers or (
                base.id in resolver.locals) or (
                resolver.fn is self.root and base.id not in resolver.imported):
            return node
        spelled = ast.copy_location(self.name(resolver, base.id), base)
        if parent is None:
            return spelled
        parent.value = spelled
        return node

    def imported(self, imp, name: str) -> ast.expr:
        """A name an import inside the function binds (imports.Imported), as the
        derivative, which has no import statement, reads it: a module as the root's
        name for it; `from m import g`, the root's own global `g` when it is the
        same object, else `m.g` (read live, like the root's globals)."""
        if isinstance(imp.value, types.ModuleType):
            return ast.Name(self.module(imp.value, name), ast.Load())
        if self._plain(name) and self.globals.get(name, MISSING) is imp.value:
            self.guards.append((self.globals, name, imp.value))
            return ast.Name(name, ast.Load())
        if imp.home is not None and getattr(imp.home, imp.attr, MISSING) is imp.value:
            return ast.Attribute(ast.Name(self.module(imp.home), ast.Load()), imp.attr,
                                 ast.Load())
        return ast.Name(self.inject(name, imp.value, ("value", id(imp.value))), ast.Load())

    def unbind(self, node, imported: dict) -> None:
        """The root's names that only its imports (in `node`, its def) bind: the
        derivative has no such local, and no module name an import spells
        (`co_names` holds `math` for `import math as m`) is read: they are free
        for what it reads from modules."""
        names = set(imported)
        self.locals -= names
        self.own = {n: imp.value for n, imp in imported.items()
                    if isinstance(imp.value, types.ModuleType)}
        words = {w for n in syntax.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))
                 for m in [a.name for a in n.names] + [getattr(n, "module", None) or ""]
                 for w in m.split(".")}
        read = {n.id for n in syntax.walk(node) if isinstance(n, ast.Name)}
        self.taken -= {n for n in names | (words - read) if n not in self.globals
                       and n not in self.cells and not hasattr(builtins, n)
                       and not _helper_def(n)}

    def module(self, mod: types.ModuleType, hint: str = "") -> str:
        """The root's name for `mod`, or the name it is injected under."""
        names = sorted(k for k, v in self.globals.items() if v is mod and self._plain(k))
        if names:
            prefer = _PREFERRED.get(mod.__name__, ()) + (hint,)
            pick = next((k for k in prefer if k in names), names[0])
            self.guards.append((self.globals, pick, mod))
            return pick
        own = [k for k, v in sorted(self.own.items()) if v is mod]  # the root imports it
        if own:
            hint = next((k for k in _PREFERRED.get(mod.__name__, ()) if k in own), own[0])
        return self.inject(hint or mod.__name__.rsplit(".", 1)[-1], mod, ("module", id(mod)))

    def value(self, obj, hint: str) -> ast.expr:
        """A function srcdiff found by value (a helper's default, an entry of a
        dict of functions) as the derivative reads it: its module's attribute
        when it is one (`np.tanh`, `utils.softplus`), else injected."""
        mod = sys.modules.get(getattr(obj, "__module__", None) or "")
        name = getattr(obj, "__name__", None)
        if mod is not None and isinstance(name, str) and name.isidentifier() and (
                getattr(mod, name, None) is obj):
            return ast.Attribute(ast.Name(self.module(mod), ast.Load()), name, ast.Load())
        base = name if isinstance(name, str) and name.isidentifier() else hint
        return ast.Name(self.inject(base, obj, ("value", id(obj))), ast.Load())

    def inject(self, base: str, value, key) -> str:
        """A fresh name (`base` itself when free) for `value` in the generated code."""
        if key in self._memo:
            return self._memo[key]
        name, i = base, 1
        while name in self.taken:
            name, i = f"{base}_{i}", i + 1
        self.taken.add(name)
        self.injected[name] = value
        self._memo[key] = name
        return name

    def _plain(self, name: str) -> bool:
        """Whether the root reads `name` from its globals (no local or cell hides it)."""
        return name not in self.cells and name not in self.locals


def _helper_def(name: str) -> bool:
    """Whether generated code may define a runtime helper `name` (one that is an
    import, `_special`, binds the module a derivative's own import of it does)."""
    return name in runtime.HELPERS and not runtime.HELPERS[name].startswith(("from ", "import "))


def module_of(namespace: dict):
    """The module whose globals `namespace` is, or None."""
    mod = sys.modules.get(namespace.get("__name__"))
    return mod if mod is not None and getattr(mod, "__dict__", None) is namespace else None


def values(injected: dict) -> dict:
    """What each injected name holds now (a cell: its contents)."""
    out = {}
    for k, v in injected.items():
        if isinstance(v, types.CellType):
            try:
                v = v.cell_contents
            except ValueError:
                continue
        out[k] = v
    return out
