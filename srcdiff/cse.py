"""Common-subexpression elimination on the SSA, before either sweep.

Guarantee: exact. Two assignments merge only when they are calls of the same
primitive, spelled the same, on the same SSA operands (constants equal in type
and value), so the merged program computes bit for bit what the primal does:
nothing is reassociated, reordered or refolded. What merges:
- only pure rule calls (no effect, no in-place update, no `raise`, not an
  iterator, not a list or a view) whose result and operands are all scalars by
  kind (kinds.py): an array is left alone, since two arrays sharing one buffer
  could later be changed in place together; a value any `Update` changes (or a
  copy of one) is left alone too;
- within structured control flow: a value computed in an `if` arm or a loop
  body is available only inside it (and its nested blocks), so a merged value
  always dominates its uses; loop-carried values are distinct SSA values per
  trip and never equal a value outside the loop.
The first computation is kept, the later ones read it. Deterministic: program
order decides which is kept, so `.source` stays byte-identical.
"""
from __future__ import annotations

import ast
import dataclasses

from . import ir
from .kinds import SCALAR
from .rules.table import lookup


def eliminate(fn: ir.Function, vk=None) -> ir.Function:
    """`fn` with repeated scalar computations merged into their first one (`fn`
    itself when nothing merges). `vk`: the kinds of `fn`'s values; None: merge
    nothing but report whether anything could (`candidates`)."""
    touched = _touched(fn)
    p = _Pass(vk, touched)
    body = p.block(fn.body, {})
    if not p.sub:
        return fn
    return ir.Function(fn.name, fn.params, body, p.atom(fn.result), fn.loc, fn.result_leaves)


def candidates(fn: ir.Function) -> bool:
    """Whether two statements of `fn` have one key at all (kinds not yet asked):
    the cheap test before the kinds are inferred."""
    p = _Pass(None, _touched(fn))
    p.block(fn.body, {})
    return p.found


def _touched(fn: ir.Function) -> set[int]:
    """Values an `Update` changes in place, and the values they copy."""
    out: set[int] = set()
    copies: list[tuple[int, int]] = []
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign):
            if s.update is not None:
                for a in (s.update.old, s.update.container):
                    if isinstance(a, ir.Var):
                        out.add(a.id)
            if isinstance(s.expr, ir.Var):
                copies.append((s.var.id, s.expr.id))
    changed = True
    while changed:
        changed = False
        for dst, src in copies:
            if dst in out and src not in out:
                out.add(src)
                changed = True
    return out


def _const_key(value):
    return ("c", type(value).__name__, repr(value))  # (1 == 1.0 == True, 0.0 == -0.0)


class _Pass:
    def __init__(self, vk, touched: set[int]):
        self.vk = vk
        self.touched = touched
        self.sub: dict[int, ir.Var] = {}  # dropped value -> the value kept for it
        self.found = False

    def atom(self, a):
        if isinstance(a, ir.Var):
            return self.sub.get(a.id, a)
        return a

    def arg(self, a):
        if isinstance(a, ir.Opaque):
            if not any(v.id in self.sub for v in a.uses.values()):
                return a
            return dataclasses.replace(a, uses={k: self.atom(v) for k, v in a.uses.items()})
        return self.atom(a)

    def expr(self, e):
        if isinstance(e, ir.Call):
            args = [self.arg(a) for a in e.args]
            kwargs = {k: self.arg(a) for k, a in e.kwargs.items()}
            if all(x is y for x, y in zip(args, e.args)) and all(
                    kwargs[k] is e.kwargs[k] for k in kwargs):
                return e
            return dataclasses.replace(e, args=args, kwargs=kwargs)
        return self.arg(e)

    def key(self, s: ir.Assign):
        """The key two merged statements share, or None if `s` never merges."""
        e = s.expr
        if (not isinstance(e, ir.Call) or s.effect or s.raises or s.update is not None
                or s.var.id in self.touched or isinstance(e.callee, ir.Opaque)):
            return None
        rule = lookup(e.fn)
        if (rule is None or rule.effect_free or rule.iterator or rule.keeps or rule.view
                or rule.tuple_out or rule.new_array or rule.update is not None):
            return None
        parts = []
        operands = list(e.args) + [e.kwargs[k] for k in sorted(e.kwargs)]
        if not any(isinstance(a, ir.Var) for a in operands):
            return None
        for a in operands:
            if isinstance(a, ir.Var):
                parts.append(("v", a.id))
            elif isinstance(a, ir.Const) and isinstance(a.value, (int, float)):
                parts.append(_const_key(a.value))
            else:
                return None
        spelled = ast.dump(e.callee) if isinstance(e.callee, ast.AST) else ""
        return (id(e.fn), spelled, e.spelling, tuple(sorted(e.kwargs)), tuple(parts))

    def scalar(self, s: ir.Assign) -> bool:
        vk = self.vk
        return vk.kind(s.var) == SCALAR and all(
            vk.kind(a) == SCALAR for a in list(s.expr.args) + list(s.expr.kwargs.values()))

    def block(self, block: list, avail: dict) -> list:
        out = []
        for s in block:
            if isinstance(s, ir.Assign):
                e = self.expr(s.expr)
                s = s if e is s.expr else dataclasses.replace(s, expr=e)
                if s.update is not None:
                    u = s.update
                    s = dataclasses.replace(s, update=dataclasses.replace(
                        u, old=self.atom(u.old), container=self.atom(u.container)))
                k = self.key(s)
                if k is not None:
                    if k in avail:
                        self.found = True
                        if self.vk is not None and self.scalar(s):
                            self.sub[s.var.id] = avail[k]
                            continue
                    elif self.vk is None or self.scalar(s):
                        avail[k] = s.var
                out.append(s)
            elif isinstance(s, ir.If):
                body = self.block(s.body, dict(avail))
                orelse = self.block(s.orelse, dict(avail))
                outs = [ir.Phi(p.var, self.atom(p.then), self.atom(p.orelse)) for p in s.outs]
                out.append(dataclasses.replace(s, cond=self.arg(s.cond), body=body,
                                               orelse=orelse, outs=outs))
            else:
                carried = [dataclasses.replace(c, init=self.atom(c.init)) for c in s.carried]
                bounds = [self.atom(b) for b in s.bounds]
                body = self.block(s.body, dict(avail))
                carried = [dataclasses.replace(c, next=self.atom(c.next)) for c in carried]
                cond = None if s.cond is None else self.arg(s.cond)
                out.append(dataclasses.replace(s, carried=carried, bounds=bounds, body=body,
                                               cond=cond))
        return out
