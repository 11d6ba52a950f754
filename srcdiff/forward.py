"""Forward mode: structured SSA IR -> the primal interleaved with tangents (AST).

Every active value `v` gets a tangent `v_dot` computed right beside it from
the rules' jvp templates; branches and loops keep their structure and need no
tape. A tangent is written before its primal when it reads only the
operands, after it when it reads the result (`exp`: `t * ans`); the one pair
that could then read an overwritten name is never given a shared name.
"""
from __future__ import annotations

import ast

from . import exprs, ir
from .activity import diff_args, rule_of
from .exprs import name
from .kinds import SCALAR
from .reverse import assign, loop_statement, missing_rule
from .rules.table import bind_args


def tangent_name(v: ir.Var) -> str:
    return f"__t{v.id}"


def reads_ans(tree) -> bool:
    return any(isinstance(n, ast.Name) and n.id.startswith("__v") for n in ast.walk(tree))


class Forward:
    def __init__(self, fn: ir.Function, active: set, ctx):
        self.fn = fn
        self.active = active
        self.ctx = ctx
        self.tan: dict[int, ast.expr | None] = {}  # var id -> its tangent (None: zero)

    def tangent_of(self, a):
        if isinstance(a, ir.Var) and a.id in self.active:
            return self.tan.get(a.id)
        return None

    def zero_like(self, a) -> ast.expr:
        if self.ctx.kind(a) == SCALAR:
            return ast.Constant(0.0)
        self.ctx.helpers.add("_zero")
        return ast.Call(name("_zero"), [exprs.atom(a)], [])

    def block(self, stmts: list) -> list:
        out: list = []
        for s in stmts:
            if isinstance(s, ir.Assign):
                self.assign_(s, out)
            elif isinstance(s, ir.If):
                self.if_(s, out)
            else:
                self.loop_(s, out)
        return out

    def primal(self, s: ir.Assign) -> ast.stmt:
        e = s.expr
        value = exprs.call(e, self.ctx.stop_fns) if isinstance(e, ir.Call) else exprs.atom(e)
        return ast.Expr(value) if s.effect else assign(f"__v{s.var.id}", value)

    def tangent_expr(self, s: ir.Assign):
        """The tangent of `s.var` as one expression (None: zero)."""
        e = s.expr
        if isinstance(e, ir.Var):
            return self.tangent_of(e)
        if not isinstance(e, ir.Call):
            return None
        rule = rule_of(e)
        if rule is None or rule.zero:
            return None
        bound = bind_args(rule, e.args, e.kwargs)
        if e.fn == ("list", "append"):  # the new list's tangent: the old one's, then v's
            acc, v = e.args
            t_acc = self.tangent_of(acc) or self.zero_like(acc)
            t_v = self.tangent_of(v) or self.zero_like(v)
            return ast.BinOp(ast.Call(name("list"), [t_acc], []), ast.Add(),
                             ast.List([t_v], ast.Load()))
        if isinstance(e.fn, tuple) and e.fn[0] == "pack":
            items = [self.tangent_of(a) or self.zero_like(a) for a in e.args]
            kind = ast.List if e.fn[1] == "list" else ast.Tuple
            return kind(items, ast.Load())
        total = None
        for p, a in diff_args(e, s.loc):
            t = self.tangent_of(a)
            if t is None:
                continue
            missing_rule(rule, "jvp", p, s)
            tree = self.ctx.template(rule, "jvp", p, bound, s.var, "t", s.var)
            if tree is None:
                continue
            tree = exprs.simplify(exprs.substitute(tree, {"__G": t}))
            if rule.broadcast and self.ctx.may_broadcast(a, bound):
                tree = self.broadcast(tree, s.var)
            if total is not None and rule.returns_tuple(bound):  # lstsq(a, b): item by item
                self.ctx.helpers.add("_add_items")
                total = ast.Call(name("_add_items"), [total, tree], [])
            else:
                total = tree if total is None else exprs.simplify(
                    ast.BinOp(total, ast.Add(), tree))
        return total

    def broadcast(self, tree, v: ir.Var) -> ast.expr:
        """A tangent from an operand NumPy broadcast has the result's shape."""
        self.ctx.helpers.add("_broadcast")
        return ast.Call(name("_broadcast"), [tree, exprs.pv(v)], [])

    def assign_(self, s: ir.Assign, out: list) -> None:
        primal = self.primal(s)
        if s.var.id not in self.active:
            out.append(primal)
            return
        t = self.tangent_expr(s)
        if t is None:
            self.tan[s.var.id] = None
            out.append(primal)
            return
        if isinstance(t, ast.Constant):  # a name could be rebound later (a loop's value)
            self.tan[s.var.id] = t
            out.append(primal)
            return
        stmt = assign(tangent_name(s.var), t)
        if self._reads(t, s.var):
            out += [primal, stmt]
        else:
            out += [stmt, primal]
        self.tan[s.var.id] = name(tangent_name(s.var))

    @staticmethod
    def _reads(tree, v: ir.Var) -> bool:
        return any(isinstance(n, ast.Name) and n.id == f"__v{v.id}" for n in ast.walk(tree))

    def set_tangent(self, v: ir.Var, src, out: list) -> None:
        """Bind `v`'s tangent (a phi, a loop value) to `src`'s, in `v`'s own name."""
        t = self.tangent_of(src) if src is not None else None
        if t is None:
            t = self.zero_like(src if src is not None else v)
        out.append(assign(tangent_name(v), t))

    def if_(self, s: ir.If, out: list) -> None:
        outs = [p for p in s.outs if p.var.id in self.active]
        branches = []
        saved = dict(self.tan)
        for body, pick in ((s.body, "then"), (s.orelse, "orelse")):
            self.tan = dict(saved)
            code = self.block(body)
            for p in s.outs:
                code.append(assign(f"__v{p.var.id}", exprs.atom(getattr(p, pick))))
            for p in outs:
                self.set_tangent(p.var, getattr(p, pick), code)
            branches.append(code)
        self.tan = saved
        for p in outs:
            self.tan[p.var.id] = name(tangent_name(p.var))
        out.append(ast.If(exprs.atom(s.cond), branches[0] or [ast.Pass()], branches[1]))

    def loop_(self, s: ir.Loop, out: list) -> None:
        carried = [c for c in s.carried if c.phi.id in self.active]
        for c in s.carried:
            out.append(assign(f"__v{c.phi.id}", exprs.atom(c.init)))
        for c in carried:
            self.set_tangent(c.phi, c.init, out)
            self.tan[c.phi.id] = name(tangent_name(c.phi))
        body = self.block(s.body)
        for c in s.carried:
            body.append(assign(f"__v{c.phi.id}", exprs.atom(c.next)))
        for c in carried:
            self.set_tangent(c.phi, c.next, body)
        out.append(loop_statement(s, body))


def unsafe_pairs(fn: ir.Function, pairs) -> set[tuple[int, int]]:
    """Loop pairs (phi, next) whose next is computed directly from the phi by a
    rule whose tangent reads the result: they keep separate names."""
    defs = {s.var.id: s for s in ir.walk(fn.body) if isinstance(s, ir.Assign)}
    bad = set()
    for a, b, why in pairs:
        if why != "next" or b.id not in defs:
            continue
        s = defs[b.id]
        if isinstance(s.expr, ir.Call) and any(u is a for u in ir.expr_uses(s.expr)):
            bad.add((a.id, b.id))
    return bad
