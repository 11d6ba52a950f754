"""Helpers for tests of single passes: a function's IR, its values by hint, and
subject functions more than one pass test reads."""
from __future__ import annotations

import ast
import copy

from srcdiff import ir, transform


def ir_of(f) -> ir.Function:
    return transform.lowered(f).fn


def all_vars(fn: ir.Function) -> dict[int, ir.Var]:
    out = {p.id: p for p in fn.params}
    for s in ir.walk(fn.body):
        for v in ir.stmt_defs(s):
            out[v.id] = v
        if isinstance(s, ir.Loop) and s.index is not None:
            out[s.index.id] = s.index
    return out


def hints(fn: ir.Function, ids) -> set[str]:
    """The name hints of the values with these ids."""
    vs = all_vars(fn)
    return {vs[i].hint for i in ids}


def named(fn: ir.Function, hint: str) -> list[ir.Var]:
    """The values with this hint, in order of id (definition order)."""
    return sorted((v for v in all_vars(fn).values() if v.hint == hint), key=lambda v: v.id)


def assigns(fn: ir.Function) -> list[ir.Assign]:
    return [s for s in ir.walk(fn.body) if isinstance(s, ir.Assign)]


def readable(tree, fn: ir.Function) -> str:
    """Generated AST as text, each Ref printed by its value's hint: `x`, `d_x`,
    `x_dot`; a template's incoming cotangent or tangent is `g`."""
    vs = all_vars(fn)

    class Plain(ast.NodeTransformer):
        def visit_Ref(self, n):
            if n.role == "g":
                return ast.Name("g", n.ctx)
            h = vs[n.vid].hint if n.vid in vs else f"?{n.vid}"
            return ast.Name({"v": h, "d": "d_" + h, "t": h + "_dot"}[n.role], n.ctx)

    if isinstance(tree, list):
        return "\n".join(readable(s, fn) for s in tree)
    return ast.unparse(Plain().visit(copy.deepcopy(tree)))


def accumulate(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    return s
