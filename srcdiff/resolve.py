"""Name resolution: what a name or dotted name in a function refers to.

Takes a function object (its globals, closure cells and code); gives, for a
callee or attribute node, the object it names (`Resolver.callee`), and for a
name the function does not bind, the value to read (`Resolver.outer`: a closure
constant, or the name read live). Resolution is by object, so an alias
(`from math import sin as s`) finds the rule and a shadowed builtin never picks
the wrong one; a name an import inside the function binds (imports.py) is resolved
like a global. Every global or builtin it relied on is recorded in `guards` as
(namespace, name, object, or MISSING for "must stay unbound"): a cached lowering
is reused only while `guards_hold`. A name an inlined helper of another module
reads is written as the root's code can read it (spelling.py).
"""
from __future__ import annotations

import ast
import builtins
import functools
import os
import sysconfig
import types

from . import ir
from .imports import scope_imports
from .rules.table import lookup
from .runtime import is_written_helper
from .source import unsupported
from .spelling import MISSING, Spelling
from .structs import FuncVal
HELPER_FILE = "<srcdiff: helpers>"  # where srcdiff's generated runtime helpers live


def guards_hold(guards) -> bool:
    """Whether every name a lowering resolved still refers to the same object."""
    for ns, key, obj in guards:
        if ns.get(key, MISSING) is not obj:
            return False
    return True


def method_guards(obj, name: str) -> list:
    """The guards that `obj.name` still finds the same method: nothing of that name
    set on the object itself or on a class of its MRO before the one defining it,
    and that class's attribute the same function (a method replaced on the instance
    or the class, a notebook cell run again, transforms again)."""
    out = []
    own = getattr(obj, "__dict__", None)
    if isinstance(own, dict):
        out.append((own, name, MISSING))
    for cls in (obj if isinstance(obj, type) else type(obj)).__mro__:  # (a class: its own)
        ns = vars(cls)
        if name in ns:
            out.append((ns, name, ns[name]))
            break
        out.append((ns, name, MISSING))
    return out


class CellView:
    """A closure cell read like a namespace (`view[name]`, `view.get(name, default)`),
    so that a closure constant the lowering baked in is guarded like a global: a
    `nonlocal` rebinding transforms again."""

    def __init__(self, cell):
        self.cell = cell

    def get(self, key, default=None):
        try:
            return self.cell.cell_contents
        except ValueError:
            return default

    def __getitem__(self, key):
        try:
            return self.cell.cell_contents
        except ValueError:
            raise KeyError(key) from None


class SeqView:
    """A list or tuple read like a namespace by index (`view[i]`, `view.get(i,
    default)`, `i in view`), so that the objects of a list the lowering called
    (`self.layers`) are guarded like globals: an item replaced, appended or removed
    transforms again."""

    def __init__(self, seq):
        self.seq = seq

    def get(self, key, default=None):
        return self.seq[key] if key < len(self.seq) else default

    def __getitem__(self, key):
        if key >= len(self.seq):
            raise KeyError(key)
        return self.seq[key]

    def __contains__(self, key):
        return key < len(self.seq)


LIBRARIES = ("numpy", "sympy", "srcdiff", "scipy")  # never inlined: their rules apply


def is_user_function(obj) -> bool:
    """A Python function of the user's with no rule, from any module of theirs:
    the lowering inlines it. A library's (one above, the standard library, an
    installed package) is a primitive: a rule or a located error."""
    if not isinstance(obj, types.FunctionType) or lookup(obj) is not None:
        return False
    mod = getattr(obj, "__module__", "") or ""
    return mod.split(".")[0] not in LIBRARIES and not installed(obj.__code__.co_filename)


@functools.lru_cache(maxsize=None)
def installed(filename: str) -> bool:
    """Whether a file is in the standard library or an installed package."""
    paths = sysconfig.get_paths()
    roots = {os.path.realpath(paths[k]) + os.sep
             for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    return os.path.realpath(filename).startswith(tuple(roots))


def _literal(value) -> bool:
    if isinstance(value, tuple):
        return all(_literal(v) for v in value)
    return type(value) in (int, float, complex, bool, str, type(None))


class Resolver:
    """Resolves the names of one function; collects the guards it relied on."""

    def __init__(self, fn, filename: str, spelling: Spelling | None = None):
        self.fn = fn
        self.spelling = spelling or Spelling(fn)  # the root's: how names are written there
        self.filename = filename
        self.globals = fn.__globals__
        self.closure = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
        # the function's own names (cellvars: those its comprehensions also read)
        self.locals = set(fn.__code__.co_varnames) | set(fn.__code__.co_cellvars)
        self.helpers: dict = {}  # srcdiff runtime helpers defined in the body
        self.guards: list = []
        self.views: dict = {}  # closure name -> its CellView (one per cell: guards dedupe)
        self.imported: dict = {}  # name -> imports.Imported: bound by an import in the body

    def bind_imports(self, node) -> None:
        """The names the imports in `node`'s body bind (imports.py) are read like
        globals (a nested def's, after those of the function it reads)."""
        self.imported.update(scope_imports(node, self.globals, self.filename))
        self.locals -= set(self.imported)

    def define_helper(self, name: str) -> None:
        """A runtime helper `def`ined in the body (generated code does this)."""
        self.helpers[name] = ("helper", name)

    def callee(self, node, env=()) -> tuple[bool, object]:
        """(True, object) when `node` names something outside the function; `env`
        holds names bound so far (besides the function's own locals)."""
        if isinstance(node, ast.Name):
            if node.id in self.helpers:
                return True, self.helpers[node.id]
            if node.id in self.imported:
                imp = self.imported[node.id]
                if imp.home is not None:  # `from m import g`: m.g rebound re-transforms
                    self.guards.append((vars(imp.home), imp.attr, imp.value))
                return True, imp.value
            if node.id in env or node.id in self.locals:
                return False, None
            if node.id in self.closure:
                try:
                    obj = self.closure[node.id].cell_contents
                except ValueError:
                    return False, None
                code = getattr(obj, "__code__", None)
                if code is not None and code.co_filename == HELPER_FILE:
                    return True, ("helper", node.id)  # generated code's own helper
                return True, obj
            if node.id in self.globals:
                self.guards.append((self.globals, node.id, self.globals[node.id]))
                if is_written_helper(node.id, self.globals[node.id]):
                    return True, ("helper", node.id)  # a written module's own helper
                return True, self.globals[node.id]
            if hasattr(builtins, node.id):
                self.guards.append((self.globals, node.id, MISSING))
                return True, getattr(builtins, node.id)
            raise unsupported(f"the undefined name {node.id!r}", self.filename, node)
        if isinstance(node, ast.Attribute):
            found, base = self.callee(node.value, env)
            if found:
                if isinstance(base, (types.ModuleType, type)):
                    try:
                        obj = getattr(base, node.attr)
                    except AttributeError:
                        raise unsupported(f"the missing attribute {ast.unparse(node)!r}",
                                          self.filename, node) from None
                    if isinstance(base, types.ModuleType) and is_user_function(obj):
                        # inlined: `utils.softplus` rebound must transform again
                        self.guards.append((vars(base), node.attr, obj))
                    elif isinstance(base, type) and callable(obj):
                        self.guards += method_guards(base, node.attr)  # `Kernels.gram`
                    return True, obj
                if callable(getattr(base, node.attr, None)):
                    got = getattr(base, node.attr)
                    if isinstance(got, types.MethodType) and got.__self__ is base:
                        self.guards += method_guards(base, node.attr)  # `model.energy`
                    return True, got
        return False, None

    def user_call(self, node, env=()) -> bool:
        """Whether `node` calls one of the user's own functions (by name), or a
        function the function defines (`f = lambda x: ...`, a nested def), which
        is inlined where called: `if f(c) < f(d):` lowers both calls (kept as
        written, the test would spell the lambda out: `(lambda x: ...)(c)`)."""
        if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))):
            return False
        if isinstance(node.func, ast.Name) and isinstance(env, dict) and isinstance(
                env.get(node.func.id), FuncVal):
            return True
        return is_user_function(self.callee(node.func, env)[1])

    def outer(self, node: ast.Name):
        """The value of a name the function reads but does not bind: a closure
        constant as a constant, anything else read live as written."""
        name = node.id
        if name in self.imported:
            return ir.Opaque(ast.copy_location(self.spelling.name(self, name), node), {})
        if name in self.locals:
            raise unsupported(f"reading {name!r} before it is assigned", self.filename, node)
        if name in self.closure:
            try:
                value = self.closure[name].cell_contents
            except ValueError:
                raise unsupported(f"reading the unassigned closure variable {name!r}",
                                  self.filename, node) from None
            if _literal(value):
                if name not in self.views:
                    self.views[name] = CellView(self.closure[name])
                self.guards.append((self.views[name], name, value))
                return ir.Const(value)
        if name in self.closure or name in self.globals or hasattr(builtins, name):
            return ir.Opaque(ast.copy_location(self.spelling.name(self, name), node), {})
        raise unsupported(f"the undefined name {name!r}", self.filename, node)

    def written(self, node) -> ast.expr:
        """A callee or attribute chain the function reads (`np.exp`, `L.dense`), as
        the generated code of the root writes it."""
        return self.spelling.node(self, node)
