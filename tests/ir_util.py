"""Helpers for tests of single passes: a function's IR, its values by hint, and
subject functions more than one pass test reads."""
from __future__ import annotations

import ast
import copy

from srcdiff import coalesce, ir, transform
from srcdiff.reverse import Reverse


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


def reverse_sweeps(f, args, wrt=(0,)):
    """(IR, the Reverse that ran, forward sweep, adjoint sweep) of `f`, specialised
    to the kinds of `args` (None: any kinds), as `transform.build_reverse` runs it."""
    su = transform.setup(f, wrt, args)
    adj = coalesce.Groups()
    for a, b, _ in coalesce.candidates(su.fn):
        adj.union(a, b)
    rev = Reverse(su.fn, su.active, su.ctx, adj, su.lw.counter)
    fwd, back = rev.run(ast.Constant(1.0))
    return su.fn, rev, fwd, back


def readable(tree, fn: ir.Function, extra=()) -> str:
    """Generated AST as text, each Ref printed by its value's hint: `x`, `d_x`,
    `x_dot`; a template's incoming cotangent or tangent is `g`. `extra`: values
    the sweeps made (tapes, saved adjoints)."""
    vs = all_vars(fn) | {v.id: v for v in extra}

    class Plain(ast.NodeTransformer):
        def visit_Ref(self, n):
            if n.role == "g":
                return ast.Name("g", n.ctx)
            h = vs[n.vid].hint if n.vid in vs else f"?{n.vid}"
            return ast.Name({"v": h, "s": h, "d": "d_" + h, "t": h + "_dot"}[n.role], n.ctx)

    if isinstance(tree, list):
        return "\n".join(readable(s, fn, extra) for s in tree)
    return ast.unparse(Plain().visit(copy.deepcopy(tree)))


def accumulate(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    return s
