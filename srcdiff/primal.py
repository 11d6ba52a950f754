"""The primal emitter: structured SSA IR -> the primal computation as AST.

One emitter writes the primal for both modes: forward mode interleaves
tangents with it, the reverse mode's forward sweep adds tape pushes. Both
subclass `Primal` and override its hooks; the primal statements themselves are
written here only. Values are Refs (`exprs.Ref`); a call prints as its rule's
`form` (an operator, a subscript, a list) or as the call the user wrote, and a
call whose rule has an in-place `update` form is tagged with it, for codegen to
use when nothing else sees the old value.
"""
from __future__ import annotations

import ast

from . import exprs, ir, provenance, syntax
from .exprs import assign, name, pv
from .rules.table import lookup


def expr(e) -> ast.expr:
    """The primal expression of an IR expression."""
    return exprs.call(e) if isinstance(e, ir.Call) else exprs.atom(e)


def statement(s: ir.Assign) -> ast.stmt:
    """`v = <expr>`, or the bare call for one kept for its effect."""
    value = expr(s.expr)
    if s.raises:
        return ast.Raise(value, None)
    if s.effect:
        return value if isinstance(value, ast.stmt) else ast.Expr(value)  # (an assert)
    out = assign(pv(s.var), value)
    if isinstance(s.expr, ir.Call):
        rule = lookup(s.expr.fn)
        if rule is not None and rule.update is not None:
            out.update = rule.update  # see emit.in_place_updates
        # a call srcdiff knows nothing of may act in place (`y.fill(3)`); one whose rule
        # says it raises (math.log(-1.0)) is kept: where f raises, so must its derivative
        if rule is None or rule.raises:
            out.keep_call = True  # see emit.tidy: never dropped as a dead store
            out.pure_check = rule is not None  # (kept only for where it raises)
    elif isinstance(s.expr, ir.Opaque) and any(
            isinstance(n, ast.Call) for n in syntax.walk(s.expr.node)):
        out.keep_call = True  # a condition kept as written may raise: `math.log(i) < 0.5`
        out.pure_check = True
        out.test_only = True  # (it may still move into the `if` reading it: emit.tidy)
    return out


def exit_if_broken(s: ir.Loop) -> ast.stmt:
    """`if broke: break`, after the iteration's carried values are stored."""
    return ast.If(exprs.atom(s.brk), [ast.Break()], [])


def loop_statement(s: ir.Loop, body: list) -> ast.stmt:
    """The primal loop header around `body` (which ends with the carried updates),
    stopping after an iteration that broke out."""
    if s.brk is not None:
        body = body + [exit_if_broken(s)]
    if s.kind == "range":
        return ast.For(exprs.ref("v", s.index, store=True),
                       ast.Call(name("range"), [exprs.atom(b) for b in s.bounds], []),
                       body or [ast.Pass()], [], lineno=0)
    return ast.While(exprs.opaque(s.cond), body or [ast.Pass()], [])


class Primal:
    """Walks the IR in program order writing the primal; subclasses add to it
    through the hooks `assign_`, `branch_start`, `branch_end`, `loop_start`,
    `loop_end`."""

    def block(self, stmts: list, loop: ir.Loop | None = None) -> list:
        out: list = []
        for s in stmts:
            start = len(out)
            if isinstance(s, ir.Assign):
                self.assign_(s, out)
            elif isinstance(s, ir.If):
                self.if_(s, out, loop)
            else:
                self.loop_(s, out)
            provenance.tag(out, start, s.loc, provenance.PRIMAL)
        return out

    def assign_(self, s: ir.Assign, out: list) -> None:
        out.append(statement(s))

    def if_(self, s: ir.If, out: list, loop) -> None:
        branches = []
        for body, pick in ((s.body, "then"), (s.orelse, "orelse")):
            self.branch_start(s, pick)
            code = self.block(body, loop)
            self.branch_end(s, body, pick, code, loop)
            branches.append(code)
        out.append(ast.If(exprs.atom(s.cond), branches[0] or [ast.Pass()], branches[1]))

    def branch_start(self, s: ir.If, pick: str) -> None:
        """Before each branch."""

    def branch_end(self, s: ir.If, body: list, pick: str, code: list, loop) -> None:
        """End of a branch: each output takes the value this branch chose."""
        for p in s.outs:
            code.append(assign(pv(p.var), exprs.atom(getattr(p, pick))))

    def loop_(self, s: ir.Loop, out: list) -> None:
        for c in s.carried:
            out.append(assign(pv(c.phi), exprs.atom(c.init)))
            provenance.tag_initial(out[-1], s.loc, c.key)  # `total = 0.0` before it
        body = self.loop_start(s, out)
        body += self.block(s.body, s)
        self.loop_end(s, body, out)
        out.append(loop_statement(s, body))

    def loop_start(self, s: ir.Loop, out: list) -> list:
        """Code before the loop (in `out`) and the start of its body (returned)."""
        return []

    def loop_end(self, s: ir.Loop, body: list, out: list) -> None:
        """The end of an iteration: the carried values take their next values."""
        for c in s.carried:
            body.append(assign(pv(c.phi), exprs.atom(c.next)))
