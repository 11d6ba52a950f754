"""Forward mode: structured SSA IR -> the primal interleaved with tangents (AST).

Every active value `v` gets a tangent `v_dot` computed right beside it from
the rules' jvp templates (the sum over its arguments' contributions, or the
rule's joint template where the result is built from them, as a list is);
branches and loops keep their structure and need no tape. A tangent is written
before its primal when it reads only the operands, after it when it reads the
result (`exp`: `t * ans`); the one pair that could then read an overwritten
name is never given a shared name (`coalesce.forward_groups`).
"""
from __future__ import annotations

import ast

from . import exprs, ir, primal
from .activity import diff_args, rule_of
from .exprs import G, Ref, assign, name
from .kinds import SCALAR
from .primal import Primal
from .rules.table import bind_args
from .template import missing_rule


def tangent_ref(v: ir.Var, store: bool = False) -> Ref:
    return exprs.ref("t", v, store)


class Forward(Primal):
    def __init__(self, fn: ir.Function, active: set, ctx):
        self.fn = fn
        self.active = active
        self.ctx = ctx
        ctx.seen = set()  # (shapes come from values computed so far: template.Context)
        self.tan: dict[int, ast.expr | None] = {}  # var id -> its tangent (None: zero)
        self._saved: dict = {}

    def tangent_of(self, a):
        if isinstance(a, ir.Var) and a.id in self.active:
            return self.tan.get(a.id)
        return None

    def zero_like(self, a) -> ast.expr:
        if self.ctx.kind(a) == SCALAR:
            return ast.Constant(0.0)
        self.ctx.helpers.add("_zero")
        return ast.Call(name("_zero"), [exprs.atom(a)], [])

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
        if rule.jvp_joint is not None:
            return self.joint(rule, bound)
        total = None
        for p, a in diff_args(e, s.loc):
            t = self.tangent_of(a)
            if t is None:
                continue
            missing_rule(rule, "jvp", p, s)
            tree = self.ctx.template(rule, "jvp", p, bound, s.var)
            if tree is None:
                continue
            tree = exprs.simplify(exprs.substitute(tree, {G.id: t}))
            if rule.broadcast and self.ctx.may_broadcast(a, bound):
                self.ctx.helpers.add("_broadcast")  # from an operand NumPy broadcast
                tree = ast.Call(name("_broadcast"), [tree, exprs.pv(s.var)], [])
            if total is not None and rule.returns_tuple(bound):  # lstsq(a, b): item by item
                self.ctx.helpers.add("_add_items")
                total = ast.Call(name("_add_items"), [total, tree], [])
            else:
                total = tree if total is None else exprs.simplify(
                    ast.BinOp(total, ast.Add(), tree))
        return total

    def joint(self, rule, bound) -> ast.expr:
        """The rule's one template over every argument's tangent."""
        subs = {f"t_{p}": self.tangent_of(a) or self.zero_like(a) for p, a in bound.items()}
        subs.update({p: exprs.atom(a) for p, a in bound.items()})
        return exprs.substitute(rule.joint_template(bound), subs)

    def assign_(self, s: ir.Assign, out: list) -> None:
        try:
            self._assign(s, out)
        finally:
            self.ctx.seen.add(s.var.id)

    def _assign(self, s: ir.Assign, out: list) -> None:
        stmt = primal.statement(s)
        if s.var.id not in self.active:
            out.append(stmt)
            return
        t = self.tangent_expr(s)
        if t is None or isinstance(t, ast.Constant):  # a name could be rebound later
            self.tan[s.var.id] = t
            out.append(stmt)
            return
        tangent = assign(tangent_ref(s.var), t)
        if {exprs.pv(s.var).id, Ref("s", s.var.id).id} & exprs.names_in(t):  # reads ans
            out += [stmt, tangent]
        else:
            out += [tangent, stmt]
        self.tan[s.var.id] = tangent_ref(s.var)

    def set_tangent(self, v: ir.Var, src, out: list) -> None:
        """Bind `v`'s tangent (a phi, a loop value) to `src`'s, in `v`'s own name."""
        t = self.tangent_of(src) if src is not None else None
        if t is None:  # (a loop value that starts as None: zero of its own kind)
            unset = src is None or isinstance(src, ir.Const) and src.value is None
            t = self.zero_like(v if unset else src)
        out.append(assign(tangent_ref(v), t))

    def if_(self, s: ir.If, out: list, loop) -> None:
        self._saved[id(s)] = dict(self.tan)
        super().if_(s, out, loop)
        self.tan = self._saved.pop(id(s))
        for p in s.outs:
            if p.var.id in self.active:
                self.tan[p.var.id] = tangent_ref(p.var)

    def branch_start(self, s: ir.If, pick: str) -> None:
        self.tan = dict(self._saved[id(s)])

    def branch_end(self, s, body, pick, code, loop) -> None:
        super().branch_end(s, body, pick, code, loop)
        for p in s.outs:
            if p.var.id in self.active:
                self.set_tangent(p.var, getattr(p, pick), code)

    def loop_start(self, s: ir.Loop, out: list) -> list:
        for c in s.carried:
            if c.phi.id in self.active:
                self.set_tangent(c.phi, c.init, out)
                self.tan[c.phi.id] = tangent_ref(c.phi)
        return []

    def loop_end(self, s: ir.Loop, body: list, out: list) -> None:
        super().loop_end(s, body, out)
        for c in s.carried:
            if c.phi.id in self.active:
                self.set_tangent(c.phi, c.next, body)
