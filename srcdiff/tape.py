"""The tape: what the forward sweep of reverse mode saves for the adjoint.

`TapePlan` holds, per block of a loop body, the values pushed at its end; per
loop, the carried values pushed at the start of each iteration; and the loops
whose trip count is kept. `TapedPrimal` writes the primal (through the shared
primal emitter) with exactly those pushes, so every pop of the reverse sweep
meets its push.
"""
from __future__ import annotations

import ast

from . import ir
from .exprs import Ref, assign, pv
from .primal import Primal


def reads(code) -> set[int]:
    """Ids of the primal values a piece of generated code reads."""
    out = set()
    for stmt in code:
        for n in ast.walk(stmt):
            if isinstance(n, Ref) and n.role == "v" and isinstance(n.ctx, ast.Load):
                out.add(n.vid)
    return out


class TapePlan:
    def __init__(self, counter):
        self.counter = counter
        self.records: dict[int, list] = {}  # id(block) -> values pushed at its end
        self.phi_records: dict[int, list] = {}  # id(loop) -> phis pushed per iteration
        self.tapes: dict[tuple, ir.Var] = {}
        self.trips: set[int] = set()  # ids of the loops whose trip count is kept

    def tape(self, loop: ir.Loop, kind: str) -> ir.Var:
        """The tape of `loop`'s body values (kind "body") or carried values ("phi")."""
        key = (id(loop), kind)
        if key not in self.tapes:
            hint = "tape" if kind == "body" else "tape_" + "_".join(
                v.hint for v in self.phi_records[id(loop)])
            self.tapes[key] = ir.Var(next(self.counter), hint)
        return self.tapes[key]

    def inits(self) -> list:
        return [assign(pv(t), ast.List([], ast.Load())) for t in self.tapes.values()]


def push(tape: ir.Var, vs: list) -> ast.stmt:
    val = pv(vs[0]) if len(vs) == 1 else ast.Tuple([pv(v) for v in vs], ast.Load())
    return ast.Expr(ast.Call(ast.Attribute(pv(tape), "append", ast.Load()), [val], []))


def pop(tape: ir.Var, vs: list) -> ast.stmt:
    get = ast.Call(ast.Attribute(pv(tape), "pop", ast.Load()), [], [])
    if len(vs) == 1:
        return ast.Assign([Ref("v", vs[0].id, ast.Store())], get, lineno=0)
    tgt = ast.Tuple([Ref("v", v.id, ast.Store()) for v in vs], ast.Store())
    return ast.Assign([tgt], get, lineno=0)


class TapedPrimal(Primal):
    """The primal with the plan's pushes (and trip counters)."""

    def __init__(self, plan: TapePlan):
        self.plan = plan

    def record(self, block, loop, code) -> None:
        vs = self.plan.records.get(id(block))
        if loop is not None and vs:
            code.append(push(self.plan.tape(loop, "body"), vs))

    def branch_end(self, s, body, pick, code, loop) -> None:
        self.record(body, loop, code)
        super().branch_end(s, body, pick, code, loop)

    def loop_start(self, s: ir.Loop, out: list) -> list:
        if id(s) in self.plan.trips:
            out.append(assign(pv(s.trips), ast.Constant(0)))
        phis = self.plan.phi_records.get(id(s))
        return [push(self.plan.tape(s, "phi"), phis)] if phis else []

    def loop_end(self, s: ir.Loop, body: list, out: list) -> None:
        self.record(s.body, s, body)
        super().loop_end(s, body, out)
        if id(s) in self.plan.trips:
            body.append(ast.AugAssign(Ref("v", s.trips.id, ast.Store()), ast.Add(),
                                      ast.Constant(1)))
