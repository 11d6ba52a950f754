"""The tape: what the forward sweep of reverse mode saves for the adjoint.

`TapePlan` holds, per block of a loop body, the values pushed at its end; per
loop, the carried values pushed at the start of each iteration; and the loops
whose trip count is kept. A value the adjoint reads only for its shape
(`_unbroadcast(g, v)`, `np.zeros(np.shape(v))`) is never taped: a stand-in of
its shape that holds no data is (`shapes`); values cheaper to recompute are
recomputed (reverse.recompute).
`TapedPrimal` writes the primal (through the shared primal emitter) with exactly
those pushes, so every pop of the reverse sweep meets its push.

Each value has a list of its own (`tape_x`), and the reverse sweep reads it in
reverse order, not with `tape_x.pop()`: `for x in reversed(tape_x):` where a loop
no loop encloses reads its record at the start of each reversed trip, `tape_x[i]`
at its index `i` where it reads that, and otherwise by index at a cursor stepping
down from its length (`top_x -= 1`, `x = tape_x[top_x]`: a nested loop's list
holds the records of every run of it). A list of values of one shape read
backwards or by index is something srcdiff differentiates, so the derivative it
writes can be differentiated again (issue 20.1), at no cost in speed.
"""
from __future__ import annotations

import ast

from . import ir, syntax
from .exprs import Ref, assign, pv
from .primal import Primal


def reads(code, role: str = "v") -> set[int]:
    """Ids of the primal values a piece of generated code reads (role "s": reads
    only for their shape)."""
    out = set()
    for stmt in code:
        for n in syntax.walk(stmt):
            if isinstance(n, Ref) and n.role == role and isinstance(n.ctx, ast.Load):
                out.add(n.vid)
    return out


def invariants(fn: ir.Function, rule_of) -> set[int]:
    """Values computed in a loop from values no loop changes (`t = 0.5 * dt` in an
    RK4 step): every trip computes the same value into the same name, so the
    reverse sweep reads the name as the forward sweep left it, and nothing is
    taped; so are values computed from those. Only a pure rule's result
    (`rule_of`), never a value whose name a loop or branch shares (a carried value,
    a branch's value)."""
    looped: set[int] = set()  # values defined inside a loop (and indices, phis)
    shared: set[int] = set()
    for st in ir.walk(fn.body):
        if isinstance(st, ir.Loop):
            for inner in ir.walk(st.body):
                looped.update(v.id for v in ir.stmt_defs(inner))
            looped.update(c.phi.id for c in st.carried)
            shared.update(x.id for c in st.carried for x in (c.init, c.next)
                          if isinstance(x, ir.Var))
            if st.index is not None:
                looped.add(st.index.id)
        elif isinstance(st, ir.If):
            shared.update(x.id for p in st.outs for x in (p.then, p.orelse)
                          if isinstance(x, ir.Var))
    candidates = []
    for st in ir.walk(fn.body):
        if not (isinstance(st, ir.Assign) and st.var.id in looped and st.var.id not in shared
                and isinstance(st.expr, ir.Call)):
            continue
        rule = rule_of(st.expr)
        if rule is None or rule.effect_free or rule.iterator or rule.keeps:
            continue
        candidates.append(st)
    out: set[int] = set()

    def fixed(v) -> bool:  # the same on every trip: made outside loops, or invariant
        return v.id not in looped or v.id in out

    grew = True
    while grew:  # (an invariant of invariants is one: `t_1 = -t` of `t = g / L`)
        grew = False
        for st in candidates:
            if st.var.id in out:
                continue
            atoms = list(st.expr.args) + list(st.expr.kwargs.values())
            if all(isinstance(a, ir.Const) or isinstance(a, ir.Var) and fixed(a)
                   or isinstance(a, ir.Opaque) and all(fixed(u) for u in a.uses.values())
                   for a in atoms):
                out.add(st.var.id)
                grew = True
    return out


def shape_refs(code) -> None:
    """Resolve the shape references `Ref("s", v)` in `code`, in place, to `v`: where
    the tape restored `v` for its shape only, `v` is then a stand-in of that shape."""

    class Sub(ast.NodeTransformer):
        def visit_Ref(self, n):
            return Ref("v", n.vid, n.ctx) if n.role == "s" else n

    for i, stmt in enumerate(code):
        code[i] = Sub().visit(stmt)


class TapePlan:
    def __init__(self, counter):
        self.counter = counter
        self.records: dict[int, list] = {}  # id(block) -> values pushed at its end
        self.phi_records: dict[int, list] = {}  # id(loop) -> phis pushed per iteration
        self.tapes: dict[tuple, ir.Var] = {}
        self.trips: set[int] = set()  # ids of the loops whose trip count is kept
        # id(block) or id(loop) -> the values its record tapes as stand-ins of their
        # shape (per record: a value may be read only for its shape in one block and
        # for its value in another)
        self.shapes: dict[int, set[int]] = {}
        self.checkpoints: dict[int, object] = {}  # id(loop) -> checkpoint.Plan
        # a cursor's key (a tape's id, or ("trip", id(loop)) for the two records every
        # trip of a loop pushes once: its carried values and its body's) -> the cursor
        self.tops: dict = {}
        self.cursor_of: dict = {}  # a cursor's key -> the tape whose length starts it
        self.steps: dict = {}  # a cursor's key -> the `top -= 1` statements written for it
        # ids of the tapes pushed again in a checkpointed loop's segments, in the reverse
        # sweep: their cursors are set there (checkpoint.py), not where it starts
        self.segment: set[int] = set()

    def tape(self, loop: ir.Loop, kind: str) -> tuple:
        """The tapes of `loop`'s body values (kind "body") or carried values ("phi"):
        one list per value, `tape_x` for x (a list of tuples of arrays and floats
        would be no array srcdiff could differentiate again)."""
        return (id(loop), kind)

    def lists(self, tapes: tuple, vs: list) -> list:
        """The list each of the values `vs` is pushed on, of `tapes`."""
        out = []
        for v in vs:
            key = tapes + (v.id,)
            if key not in self.tapes:
                self.tapes[key] = ir.Var(next(self.counter), "tape_" + v.hint)
            out.append(self.tapes[key])
        return out

    def inits(self) -> list:
        """`tape = []` for each tape (those of segments are emptied where they begin)."""
        return [assign(pv(t), ast.List([], ast.Load())) for t in self.tapes.values()
                if t.id not in self.segment]

    def top(self, tape: ir.Var, hint: str, key=None) -> ir.Var:
        """The cursor of `tape` (and of the lists pushed with it, or sharing `key`)."""
        key = tape.id if key is None else key
        if key not in self.tops:
            self.tops[key] = ir.Var(next(self.counter), hint)
            self.cursor_of[key] = tape
        return self.tops[key]

    def push(self, tapes: tuple, vs: list, shapes: set = frozenset()) -> list:
        """`tape_v.append(v)` for each value of `vs`; one the adjoint reads only for its
        shape (its id in `shapes`) is pushed as `_shape_stub(v)`, which holds no data."""

        def item(v):
            if v.id in shapes:
                return ast.Call(ast.Name("_shape_stub", ast.Load()), [pv(v)], [])
            return pv(v)

        return [ast.Expr(ast.Call(ast.Attribute(pv(t), "append", ast.Load()), [item(v)], []))
                for t, v in zip(self.lists(tapes, vs), vs)]

    def pop(self, tapes: tuple, vs: list, per_trip: bool = False) -> list:
        """The values `vs` back from the top of their lists, at one cursor stepping
        down (`top_x` for a loop's carried x, `top` for the values of its body).
        `per_trip`: the record is pushed once every trip (a loop's carried values,
        its body's own values), so it shares the loop's one cursor `top`; the
        caller keeps one of the steps (`steps`)."""
        lists = self.lists(tapes, vs)
        key = ("trip", tapes[0]) if per_trip else None
        hint = "top" if tapes[1] == "body" else "_".join(["top"] + [v.hint for v in vs])
        top = self.top(lists[0], hint, key)
        step = ast.AugAssign(Ref("v", top.id, ast.Store()), ast.Sub(), ast.Constant(1))
        self.steps.setdefault(key, []).append(step)
        return [step] + [ast.Assign([Ref("v", v.id, ast.Store())], ast.Subscript(
            pv(t), pv(top), ast.Load()), lineno=0) for t, v in zip(lists, vs)]

    def read(self, tape: ir.Var, vs: list) -> list:
        """The values `vs` back from the top of `tape`, one list of tuples of them (a
        loop's snapshots: `x, t = snapshots[top_snapshots]`), at its cursor."""
        top = self.top(tape, "top_" + tape.hint)
        step = ast.AugAssign(Ref("v", top.id, ast.Store()), ast.Sub(), ast.Constant(1))
        get = ast.Subscript(pv(tape), pv(top), ast.Load())
        tgt = Ref("v", vs[0].id, ast.Store()) if len(vs) == 1 else ast.Tuple(
            [Ref("v", v.id, ast.Store()) for v in vs], ast.Store())
        return [step, ast.Assign([tgt], get, lineno=0)]

    def cursors(self, tapes=None) -> list:
        """`top = len(tape)` for the tapes read by cursor, where their pushes end: by
        default, at the start of the reverse sweep, for all but segments' tapes."""
        if tapes is None:
            tapes = [t for t in self.tapes.values() if t.id not in self.segment]
        ids = {t.id for t in tapes}
        return [assign(pv(top), ast.Call(ast.Name("len", ast.Load()), [
            pv(self.cursor_of[key])], [])) for key, top in self.tops.items()
            if self.cursor_of[key].id in ids]


class TapedPrimal(Primal):
    """The primal with the plan's pushes (and trip counters)."""

    def __init__(self, plan: TapePlan):
        self.plan = plan

    def record(self, block, loop, code) -> None:
        vs = self.plan.records.get(id(block))
        if loop is not None and vs:
            code += self.plan.push(self.plan.tape(loop, "body"), vs,
                                   self.plan.shapes.get(id(block), set()))

    def branch_end(self, s, body, pick, code, loop) -> None:
        self.record(body, loop, code)
        super().branch_end(s, body, pick, code, loop)

    def loop_(self, s: ir.Loop, out: list) -> None:
        ckpt = self.plan.checkpoints.get(id(s))
        if ckpt is None:
            return super().loop_(s, out)
        ckpt.forward(s, out)  # (checkpoint.Plan.forward)

    def loop_start(self, s: ir.Loop, out: list) -> list:
        if id(s) in self.plan.trips:
            out.append(assign(pv(s.trips), ast.Constant(0)))
        phis = self.plan.phi_records.get(id(s))
        stubs = self.plan.shapes.get(id(s), set())
        return self.plan.push(self.plan.tape(s, "phi"), phis, stubs) if phis else []

    def loop_end(self, s: ir.Loop, body: list, out: list) -> None:
        self.record(s.body, s, body)
        super().loop_end(s, body, out)
        if id(s) in self.plan.trips:
            body.append(ast.AugAssign(Ref("v", s.trips.id, ast.Store()), ast.Add(),
                                      ast.Constant(1)))



def read_in_order(plan: TapePlan, s: ir.Loop, body: list, nested: bool, index, index_read):
    """The reverse of the loop `s` (its reversed body `body`) without its cursor,
    where every trip's record is read at its start and nothing else reads the
    cursor: (target, iterable, body) for `for x in reversed(tape_x):` (one list;
    `zip(reversed(tape_a), reversed(tape_b))` for more), or, where the reverse reads
    the loop's index (`index_read`), (None, None, body) reading `tape_x[i]` at it
    (`index`: given for a range from 0 in steps of 1, whose items are the trips'
    numbers). None to keep the cursor.
    Only for a loop no loop encloses (`nested`) and that never breaks: its lists
    then hold one record per trip, pushed by this run of the loop alone. srcdiff
    differentiates both forms again (a list read backwards, or at a loop's index)."""
    key = ("trip", id(s))
    top = plan.tops.get(key)
    if top is None or nested or s.brk is not None or not body:
        return None
    first = body[0]
    if not (isinstance(first, ast.AugAssign) and isinstance(first.target, Ref)
            and first.target.vid == top.id):
        return None
    restored = []  # (target, tape) of the pops at the cursor
    for st in body[1:]:
        value = st.value if isinstance(st, ast.Assign) and len(st.targets) == 1 else None
        if not (isinstance(value, ast.Subscript) and isinstance(value.slice, Ref)
                and value.slice.vid == top.id and isinstance(value.value, Ref)):
            break
        restored.append((st.targets[0], value.value))
    rest = body[1 + len(restored):]
    if not restored or any(isinstance(n, Ref) and n.vid == top.id
                           for st in rest for n in syntax.walk(st)) or (
            index_read and index is None):
        return None
    del plan.tops[key], plan.cursor_of[key]  # (no `top = len(tape)` either)
    if index_read:
        return None, None, [ast.Assign([t], ast.Subscript(tape, Ref("v", index.id), ast.Load()),
                                       lineno=0) for t, tape in restored] + rest
    backwards = [ast.Call(ast.Name("reversed", ast.Load()), [tape], []) for _, tape in restored]
    if len(restored) == 1:
        return restored[0][0], backwards[0], rest or [ast.Pass()]
    target = ast.Tuple([t for t, _ in restored], ast.Store())
    return target, ast.Call(ast.Name("zip", ast.Load()), backwards, []), rest or [ast.Pass()]
