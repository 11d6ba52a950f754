"""Codegen: placeholder AST -> named, tidied Python source -> a compiled function.

Names come from one allocator that knows every name `f` uses, so a user
variable called `d_x` or `tape` never collides with a generated one. Dead
stores are dropped and single-use temporaries folded back into the expression
that reads them, so the forward sweep reads like the user's own code. The same
input always gives the same text.
"""
from __future__ import annotations

import ast
import builtins
import linecache
import types

import astor

from .coalesce import Groups


class Namer:
    def __init__(self, reserved: set[str]):
        self.taken = set(reserved)
        self.map: dict[str, str] = {}

    def fresh(self, base: str) -> str:
        base = base if base.isidentifier() else "t"
        if base not in self.taken:
            self.taken.add(base)
            return base
        i = 1
        while f"{base}_{i}" in self.taken:
            i += 1
        self.taken.add(f"{base}_{i}")
        return f"{base}_{i}"


def merge_groups(func: ast.FunctionDef, vars_by_id: dict, primal: Groups) -> set[str]:
    """Rewrite `__v<id>` to `__v<group leader>`; returns the temps: placeholders
    of groups no user variable belongs to (they may be folded away)."""
    users = {primal.leader(v) for v in vars_by_id.values() if v.user}
    temps = {f"__v{primal.leader(v)}" for v in vars_by_id.values()
             if primal.leader(v) not in users}
    temps |= {"__t" + t[3:] for t in temps}
    for n in ast.walk(func):
        if isinstance(n, ast.Name) and n.id[:3] in ("__v", "__t"):
            n.id = f"{n.id[:3]}{primal.leader(vars_by_id[int(n.id[3:])])}"
        elif isinstance(n, ast.arg) and n.arg.startswith("__t"):
            n.arg = f"__t{primal.leader(vars_by_id[int(n.arg[3:])])}"
    return temps


def rename(func: ast.FunctionDef, vars_by_id: dict, primal: Groups, params: list,
           reserved: set[str]) -> ast.FunctionDef:
    """Give every placeholder its final name, in order of first appearance."""
    namer = Namer(reserved - {p.hint for p in params})
    final: dict[str, str] = {}
    group_name: dict[int, str] = {}
    for p in params:
        namer.taken.add(p.hint)
        group_name[primal.leader(p)] = p.hint
    members: dict[int, list] = {}
    for _vid, v in vars_by_id.items():
        members.setdefault(primal.leader(v), []).append(v)

    def primal_name(vid: int) -> str:
        lead = primal.leader(vars_by_id[vid])
        if lead not in group_name:
            group = members.get(lead, [vars_by_id[vid]])
            users = [m for m in group if m.user]
            group_name[lead] = namer.fresh((users or group)[0].hint)
        return group_name[lead]

    class Sub(ast.NodeTransformer):
        def visit_arg(self, n):
            if n.arg.startswith("__t"):
                n.arg = tangent(n.arg)
            return n

        def visit_Name(self, n):
            if n.id.startswith("__v"):
                n.id = primal_name(int(n.id[3:]))
            elif n.id.startswith("__d"):
                key = n.id
                if key not in final:
                    final[key] = namer.fresh("d_" + primal_name(int(key[3:])))
                n.id = final[key]
            elif n.id.startswith("__t"):
                n.id = tangent(n.id)
            return n

    def tangent(key: str) -> str:
        if key not in final:
            final[key] = namer.fresh(primal_name(int(key[3:])) + "_dot")
        return final[key]

    return Sub().visit(func)


def _loads(tree) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            counts[n.id] = counts.get(n.id, 0) + 1
        elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
            counts[n.target.id] = counts.get(n.target.id, 0)
    return counts


def _stores(tree) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            counts[n.id] = counts.get(n.id, 0) + 1
        elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
            counts[n.target.id] = counts.get(n.target.id, 0) + 1
    return counts


def _blocks(tree):
    for n in ast.walk(tree):
        for field in ("body", "orelse"):
            block = getattr(n, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield n, field, block


def tidy(func: ast.FunctionDef, temps: set[str], keep: set[str]) -> ast.FunctionDef:
    """Drop dead stores and self-copies; fold single-use temps into their reader."""
    changed = True
    while changed:
        changed = False
        loads = _loads(func)
        for parent, field, block in list(_blocks(func)):
            new = []
            for s in block:
                if _dead(s, loads, keep):
                    changed = True
                    continue
                new.append(s)
            if len(new) != len(block):
                setattr(parent, field, new or [ast.Pass()])
        changed |= _inline_temps(func, temps)
    for n in ast.walk(func):
        if isinstance(n, ast.If):
            if all(isinstance(b, ast.Pass) for b in n.orelse):
                n.orelse = []
            if all(isinstance(b, ast.Pass) for b in n.body) and n.orelse:
                n.test = ast.UnaryOp(ast.Not(), n.test)
                n.body, n.orelse = n.orelse, []
    return func


def _dead(s, loads, keep) -> bool:
    if isinstance(s, ast.Assign) and len(s.targets) == 1:
        t = s.targets[0]
        if isinstance(t, ast.Name):
            if isinstance(s.value, ast.Name) and s.value.id == t.id:
                return True
            return loads.get(t.id, 0) == 0 and t.id not in keep
    if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
        return loads.get(s.target.id, 0) == 0 and s.target.id not in keep
    if isinstance(s, ast.If) and all(isinstance(b, ast.Pass) for b in s.body + s.orelse):
        return True
    return False


def _reads_in(node) -> list[ast.Name]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]


def _top_exprs(s) -> list:
    """The expressions of a statement evaluated once, where a temp may be folded in."""
    if isinstance(s, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)):
        return [s.value] if s.value is not None else []
    if isinstance(s, ast.If):
        return [s.test]
    if isinstance(s, ast.For):
        return [s.iter]
    return []


def _inline_temps(func, temps) -> bool:
    """Fold every single-use temporary into the later statement of its block that
    reads it, when nothing between writes what it reads. One pass over the tree
    (moving an expression changes no other name's counts)."""
    loads = _loads(func)
    stores = _stores(func)
    changed = False
    for _parent, _field, block in list(_blocks(func)):
        i = 0
        while i < len(block):
            s = block[i]
            if not (isinstance(s, ast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], ast.Name)):
                i += 1
                continue
            tname = s.targets[0].id
            if tname not in temps or loads.get(tname) != 1 or stores.get(tname) != 1:
                i += 1
                continue
            deps = {n.id for n in _reads_in(s.value)}
            moved = False
            for j in range(i + 1, len(block)):
                later = block[j]
                hit = [n for e in _top_exprs(later) for n in _reads_in(e) if n.id == tname]
                if hit:
                    _replace(later, tname, s.value)
                    del block[i]
                    moved = changed = True
                    break
                written = set(_stores(later))
                if tname in {n.id for n in _reads_in(later)} or deps & written:
                    break
            if not moved:
                i += 1
        if not block:
            block.append(ast.Pass())
    return changed


def _replace(stmt, tname, value) -> None:
    class Sub(ast.NodeTransformer):
        def visit_Name(self, n):
            if n.id == tname and isinstance(n.ctx, ast.Load):
                return value
            return n

    for e in _top_exprs(stmt):
        new = Sub().visit(e)
        if isinstance(stmt, ast.If):
            stmt.test = new
        elif isinstance(stmt, ast.For):
            stmt.iter = new
        else:
            stmt.value = new


def to_source(func: ast.FunctionDef) -> str:
    ast.fix_missing_locations(func)
    return astor.to_source(func)


def compile_function(source: str, fname: str, f, injected: dict | None = None):
    """Compile `source` (one def) so its globals are `f`'s module dict (read live),
    `f`'s closure cells are shared, and `injected` names arrive as closure cells:
    nothing is written into the user's module."""
    injected = dict(injected or {})
    source, helpers = _hoist_helpers(source, f)
    injected.update(helpers)
    freevars = list(f.__code__.co_freevars)
    cells = dict(zip(freevars, f.__closure__ or ()))
    outer = sorted(set(freevars) | set(injected))
    body = "".join("    " + ln + "\n" if ln.strip() else "\n" for ln in source.splitlines())
    head = f"def __srcdiff_scope__({', '.join(outer)}):\n" if outer else (
        "def __srcdiff_scope__():\n")
    text = head + body + f"    return {fname}\n"
    filename = f"<srcdiff: {fname}>"
    code = compile(text, filename, "exec")
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    scope = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in scope.co_consts if isinstance(c, types.CodeType)
                 and c.co_name == fname)
    closure = []
    for name in inner.co_freevars:
        if name in injected:
            closure.append(types.CellType(injected[name]))
        else:
            closure.append(cells[name])
    fn = types.FunctionType(inner, f.__globals__, fname, f.__defaults__, tuple(closure) or None)
    fn.__kwdefaults__ = dict(f.__kwdefaults__) if f.__kwdefaults__ else None
    return fn


def builtin_names() -> set[str]:
    return set(dir(builtins))


def in_place_items(func: ast.FunctionDef, keep: set[str]) -> None:
    """`x = _setitem(x, i, v)` (the same name on both sides, so nothing reads the
    old value) becomes `x[i] = v`, unless `x` is in `keep` (a parameter: the
    caller's array is never changed; or a value a tape holds)."""
    for _parent, _field, block in list(_blocks(func)):
        for i, s in enumerate(block):
            if (isinstance(s, ast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.BinOp)
                    and isinstance(s.value.op, ast.Add) and isinstance(s.value.left, ast.Name)
                    and s.value.left.id == s.targets[0].id and isinstance(s.value.right, ast.List)
                    and len(s.value.right.elts) == 1 and s.targets[0].id not in keep
                    and s.targets[0].id.startswith("__v")):  # acc = acc + [v]
                call = ast.Call(ast.Attribute(ast.Name(s.targets[0].id, ast.Load()), "append",
                                              ast.Load()), [s.value.right.elts[0]], [])
                block[i] = ast.Expr(call)
                continue
            if not (isinstance(s, ast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.Call)
                    and isinstance(s.value.func, ast.Name) and s.value.func.id == "_setitem"
                    and len(s.value.args) == 3 and isinstance(s.value.args[0], ast.Name)):
                continue
            target = s.targets[0].id
            if s.value.args[0].id != target or target in keep or not target.startswith("__v"):
                continue  # adjoints may share buffers: only primal values are updated in place
            index = as_index(s.value.args[1])
            block[i] = ast.Assign([ast.Subscript(ast.Name(target, ast.Load()), index,
                                                 ast.Store())], s.value.args[2], lineno=0)


def as_index(node):
    """`slice(1, None)` back to `1:` for a subscript."""

    class Sub(ast.NodeTransformer):
        def visit_Call(self, n):
            self.generic_visit(n)
            if isinstance(n.func, ast.Name) and n.func.id == "slice" and not n.keywords:
                parts = [None if isinstance(a, ast.Constant) and a.value is None else a
                         for a in n.args] + [None] * (3 - len(n.args))
                if len(n.args) == 1:
                    parts = [None, parts[0], None]
                return ast.Slice(*parts)
            return n

    return Sub().visit(node)


def _hoist_helpers(source: str, f):
    """The runtime helpers `.source` defines inside the function, made once here
    instead of at every call; the code that runs is otherwise the same text."""
    from .runtime import HELPERS

    tree = ast.parse(source)
    func = tree.body[0]
    defs = [s for s in func.body if isinstance(s, ast.FunctionDef) and s.name in HELPERS]
    if not defs:
        return source, {}
    keep = [s for s in func.body if s not in defs]
    # the helpers read only NumPy (under the module's name for it) and each other
    scope = {k: v for k, v in f.__globals__.items() if isinstance(v, types.ModuleType)}
    scope["__builtins__"] = builtins
    imports = [s for s in func.body if isinstance(s, ast.Import)]  # `import numpy as np`
    exec(compile(ast.Module(body=imports + defs, type_ignores=[]), "<srcdiff: helpers>",
                 "exec"), scope)
    helpers = {d.name: scope[d.name] for d in defs}
    func.body = keep or [ast.Pass()]
    return ast.unparse(tree), helpers
