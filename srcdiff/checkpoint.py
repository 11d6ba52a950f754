"""Checkpointing: a reverse loop's memory traded for recomputation.

A reverse-mode loop tapes what its adjoint reads on every trip, so its memory
grows with the trips. A checkpointed loop instead keeps snapshots of its
carried state (its `x, t`) and, in the reverse sweep, runs each stretch of trips
again from a snapshot, taping only that stretch, then reverses it:

- `every(k)`: the forward sweep snapshots the state every k trips (an outer loop
  over segments of k trips, or `if trips % k == 0` for a `while` loop or one
  that may break); the reverse sweep, segment by segment from the last, restores
  the snapshot, runs the segment again pushing its tape, and reverses it.
  Memory: trips / k snapshots plus one segment's tape; time: about one more
  forward sweep.
- `revolve(s)`: Griewank's binomial checkpointing, at most `s` snapshots held at
  once (the loop's initial state one of them), for a schedule (`_revolve`, run
  when the trip count is known: after the forward sweep) that runs each trip
  again at most t times, t the least with C(s + t, t) >= trips.

The policy comes from `grad(f, checkpoint=...)` (for the outermost loops of
`f`; `checkpoint=k` is `every(k)`) or from the marker `srcdiff.checkpoint` the
user puts on one loop: `for t in srcdiff.checkpoint(range(n), every=10):`,
`while srcdiff.checkpoint(t < T, revolve=8):` (plain Python: it returns its
first argument). Forward mode needs no tape: there a policy changes nothing.

Hooks: lower.py peels the marker off a loop header (`peel`) into
`ir.Loop.checkpoint`; reverse.py asks `chosen` and writes the loop's reverse
with `reverse`; tape.py's forward sweep writes a checkpointed loop with
`forward`. The snapshots are copies when the loop body updates an array in
place (the snapshot must keep the state it was taken of).
"""
from __future__ import annotations

import ast
import contextlib
import contextvars
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import emit, exprs, ir, syntax
from .errors import SrcDiffError, UnsupportedSyntaxError
from .exprs import Ref, assign, name, pv
from .kinds import SCALAR
from .primal import Primal, loop_statement
from .rules.table import lookup
from .runtime import helper
from .tape import TapedPrimal, reads


# ----- the policies (public) -----
@dataclass(frozen=True)
class Every:
    """Snapshot the loop state every `k` trips."""

    k: Any  # an int, or (a policy from a marker) an IR atom

    def __repr__(self) -> str:
        return f"srcdiff.every({self.k!r})"


@dataclass(frozen=True)
class Revolve:
    """Binomial checkpointing holding at most `snapshots` states at once."""

    snapshots: Any

    def __repr__(self) -> str:
        return f"srcdiff.revolve({self.snapshots!r})"


def _count(value, what: str, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise SrcDiffError(f"checkpoint: {what} must be an int >= {least}, not {value!r}")
    return value


def every(k: int) -> Every:
    """`grad(f, checkpoint=srcdiff.every(k))`: snapshot the state every k trips."""
    return Every(_count(k, "every"))


def revolve(snapshots: int) -> Revolve:
    """`grad(f, checkpoint=srcdiff.revolve(s))`: Griewank's binomial checkpointing
    with at most s snapshots of the loop state held at once (s >= 1)."""
    return Revolve(_count(snapshots, "revolve"))


def checkpoint(loop_over, *, every: int | None = None, revolve: int | None = None):
    """Mark one loop for checkpointing in reverse mode (`jax.checkpoint`'s name):
    `for t in srcdiff.checkpoint(range(n), every=10):` or `while
    srcdiff.checkpoint(t < T, revolve=8):`. Returns `loop_over` itself, so `f`
    runs unchanged as plain Python."""
    if (every is None) == (revolve is None):
        raise SrcDiffError("srcdiff.checkpoint takes one of every=k or revolve=s")
    _count(every if revolve is None else revolve, "every" if revolve is None else "revolve")
    return loop_over


remat = checkpoint  # JAX's other name for it


def policy_of(value):
    """The policy `grad(..., checkpoint=value)` names: None, an int k (every k
    trips), `every(k)` or `revolve(s)`."""
    if value is None or isinstance(value, (Every, Revolve)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return every(value)
    raise SrcDiffError(f"checkpoint must be an int k, srcdiff.every(k) or srcdiff.revolve(s), "
                       f"not {value!r}")


_CURRENT: contextvars.ContextVar = contextvars.ContextVar("srcdiff_checkpoint", default=None)


@contextlib.contextmanager
def using(policy):
    """Builds inside apply `policy` to the outermost loops (the API's option)."""
    token = _CURRENT.set(policy)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current():
    return _CURRENT.get()


# ----- lowering: the marker -----
def peel(lw, node, header: ast.expr):
    """(the loop header without the marker, its policy or None): `header` is a
    `for`'s iterable or a `while`'s condition."""
    if not (isinstance(header, ast.Call) and lw.callee(header.func)[1] is checkpoint):
        return header, None
    kw = {k.arg: k.value for k in header.keywords}
    if len(header.args) != 1 or len(kw) != 1 or not set(kw) <= {"every", "revolve"}:
        raise lw.error("this use of srcdiff.checkpoint", header,
                       "write srcdiff.checkpoint(range(n), every=k) (or revolve=s) around the "
                       "loop's iterable or condition")
    (key, value), = kw.items()
    size = lw.atom(value, "k")
    if isinstance(size, ir.Const) and (isinstance(size.value, bool) or not isinstance(
            size.value, int) or size.value < 1):
        raise lw.error(f"srcdiff.checkpoint's {key}={size.value!r}", value,
                       f"{key} must be an int >= 1")
    if not isinstance(size, (ir.Const, ir.Var)):
        raise lw.error(f"srcdiff.checkpoint's {key}", value,
                       "give an int, or a name of the function holding one")
    return header.args[0], Every(size) if key == "every" else Revolve(size)


def misplaced(lw, node):
    """srcdiff.checkpoint anywhere but around a loop's iterable or condition."""
    return lw.error("srcdiff.checkpoint here", node,
                    "it marks a loop: `for t in srcdiff.checkpoint(range(n), every=k):` or "
                    "`while srcdiff.checkpoint(cond, every=k):`")


# ----- the reverse sweep -----
def chosen(rev, s: ir.Loop):
    """The policy of loop `s`: its marker's, else the API's for an outermost loop."""
    if s.checkpoint is not None:
        return s.checkpoint
    return current() if not rev.loop_stack else None


@dataclass
class Plan:
    """What the forward sweep writes for a checkpointed loop (tape.TapedPrimal)."""

    policy: Any
    state: list  # the carried values a snapshot holds
    copies: dict  # id -> known array: those copied (the body updates arrays in place)
    snapshots: ir.Var  # the list of snapshots
    start: ir.Var  # the first trip of a segment

    def forward(self, s: ir.Loop, out: list) -> None:
        """`forward` of `s` under this plan: tape.TapedPrimal calls it through the
        tape plan (tape.py cannot import this module, which builds on it)."""
        forward(s, self, out)


def _atom(size) -> ast.expr:
    return exprs.atom(size) if isinstance(size, (ir.Var, ir.Const, ir.Opaque)) else (
        ast.Constant(size))


def _counted(s: ir.Loop) -> bool:
    """The trip count is counted as the loop runs (it may stop early)."""
    return s.kind == "while" or s.brk is not None


def _trips(s: ir.Loop) -> ast.expr:
    if _counted(s):
        return pv(s.trips)
    if len(s.bounds) == 1:
        return exprs.atom(s.bounds[0])
    return ast.Call(name("len"), [_range(s)], [])


def _range(s: ir.Loop) -> ast.expr:
    return ast.Call(name("range"), [exprs.atom(b) for b in s.bounds], [])


def _segment(s: ir.Loop, start: ast.expr, end: ast.expr) -> ast.expr:
    """The trips `start` up to `end` of `s`: `range(start, end)`, or a slice of
    its range when its index is not the trip number."""
    if s.kind == "range" and len(s.bounds) != 1:
        return ast.Subscript(_range(s), ast.Slice(start, end, None), ast.Load())
    return ast.Call(name("range"), [start, end], [])


def _index(s: ir.Loop):
    if s.kind == "range":
        return Ref("v", s.index.id, ast.Store())
    return ast.Name("_", ast.Store())


def _slice(s: ir.Loop, roots: set[int]) -> tuple[set[int], set[int]]:
    """(statements, values) by id: what running trips of `s` again must compute for
    the values `roots` on every trip — the values they read, the carried values
    those need from the trip before, the conditions of the branches holding them;
    a nested loop holding any of it runs whole. The rest (a sum the adjoint never
    reads, `print`, an `assert` that held the first time) does not run again."""
    need, live = set(roots), set()

    def whole(st) -> None:
        for inner in [st, *ir.walk(st.body)]:
            if isinstance(inner, ir.Assign) and (inner.effect or inner.raises):
                continue
            live.add(id(inner))
            need.update(v.id for v in _uses(inner))
            need.update(v.id for v in ir.stmt_defs(inner))

    def block(stmts) -> None:
        for st in reversed(stmts):
            if isinstance(st, ir.Assign):
                if st.var.id in need and not st.effect and not st.raises:
                    live.add(id(st))
                    need.update(v.id for v in ir.expr_uses(st.expr))
            elif isinstance(st, ir.If):
                for p in st.outs:
                    if p.var.id in need:
                        need.update(a.id for a in (p.then, p.orelse) if isinstance(a, ir.Var))
                block(st.body)
                block(st.orelse)
                if any(id(t) in live for t in ir.walk(st.body + st.orelse)) or any(
                        p.var.id in need for p in st.outs):
                    live.add(id(st))
                    need.update(v.id for v in _uses(st))
            elif id(st) not in live and any(
                    v.id in need for t in [st, *ir.walk(st.body)] for v in ir.stmt_defs(t)):
                whole(st)

    size = None
    while size != (len(need), len(live)):
        size = (len(need), len(live))
        block(s.body)
        need.update(c.next.id for c in s.carried
                    if c.phi.id in need and isinstance(c.next, ir.Var))
    return live, need


_PURE = {"len", "abs", "min", "max", "int", "float", "bool", "round", "isinstance", "range",
         "sum", "divmod", "pow"}


def _refuse_impure(rev, s: ir.Loop, live: set) -> None:
    """Running trips again must give the values they gave: a call srcdiff knows
    nothing of (`rng.normal()`, `buf.fill(0)`) among them is refused, located."""
    modules = set(rev.ctx.modules.values())
    for st in ir.walk(s.body):
        # (a call kept for its effect does not run again: unless it is a print, it
        # might have changed a value the trips run again read)
        effect = isinstance(st, ir.Assign) and st.effect and isinstance(st.expr, ir.Call) and (
            st.expr.fn is not print)
        if id(st) not in live and not effect:
            continue
        e = st.expr if isinstance(st, ir.Assign) else st.cond if isinstance(st, ir.Loop) else None
        what = None
        if isinstance(e, ir.Call) and lookup(e.fn) is None and not (
                isinstance(e.fn, tuple) and e.fn[0] == "attr"):
            what = e.spelling or getattr(e.fn, "__name__", "this call")
        elif isinstance(e, ir.Opaque):
            for n in syntax.walk(e.node):
                if isinstance(n, ast.Call) and not _pure(n.func, modules):
                    what = ast.unparse(n.func)
        if what:
            raise UnsupportedSyntaxError(
                f"a call of {what} in a checkpointed loop: checkpointing runs the loop's "
                "trips again in the reverse sweep, and srcdiff cannot tell that running this "
                "call again does what it did (a random draw would not); compute it before "
                "the loop, or do not checkpoint this loop", st.loc)


def _pure(func, modules) -> bool:
    if isinstance(func, ast.Name):
        return func.id in _PURE
    path = []
    while isinstance(func, ast.Attribute):
        path.append(func.attr)
        func = func.value
    return isinstance(func, ast.Name) and func.id in modules and "random" not in path


def _uses(st) -> list:
    """The values a statement reads itself (not those its nested blocks read)."""
    if isinstance(st, ir.Assign):
        return ir.expr_uses(st.expr)
    if isinstance(st, ir.If):
        return ir.expr_uses(st.cond) if isinstance(st.cond, (ir.Opaque, ir.Call)) else (
            [st.cond] if isinstance(st.cond, ir.Var) else [])
    out = [b for b in st.bounds if isinstance(b, ir.Var)]
    out += [c.init for c in st.carried if isinstance(c.init, ir.Var)]
    out += [c.next for c in st.carried if isinstance(c.next, ir.Var)]
    return out + (ir.expr_uses(st.cond) if st.cond is not None else [])


class _Sliced:
    """An emitter of a loop's trips run again: only the statements of `live`, the
    branch outputs and carried values of `need`."""

    def __init__(self, live: set, need: set, *args):
        super().__init__(*args)
        self.live, self.need = live, need

    def assign_(self, s, out):
        if id(s) in self.live:
            super().assign_(s, out)

    def if_(self, s, out, loop):
        if id(s) in self.live:
            super().if_(s, out, loop)

    def loop_(self, s, out):
        if id(s) in self.live:
            super().loop_(s, out)

    def branch_end(self, s, body, pick, code, loop):
        if isinstance(self, TapedPrimal):
            self.record(body, loop, code)
        for p in s.outs:
            if p.var.id in self.need:
                code.append(assign(pv(p.var), exprs.atom(getattr(p, pick))))

    def carried_updates(self, s: ir.Loop, body: list) -> None:
        for c in s.carried:
            if c.phi.id in self.need:
                body.append(assign(pv(c.phi), exprs.atom(c.next)))


class _Again(_Sliced, TapedPrimal):
    pass


class _Advance(_Sliced, Primal):
    pass


def _plain_body(s: ir.Loop) -> list:
    """One trip of `s` as the primal, nothing taped (nested loops neither)."""
    p = Primal()
    body = p.block(s.body, s)
    p.loop_end(s, body, [])
    return body


def _taped_body(tp: _Again, s: ir.Loop) -> list:
    """One trip of `s` again, pushing what its adjoint pops (without counting trips)."""
    body = tp.loop_start(s, [])
    body += tp.block(s.body, s)
    tp.record(s.body, s, body)
    tp.carried_updates(s, body)
    return body


def _advanced(s: ir.Loop, live: set, need: set) -> list:
    """One trip of `s` again, nothing taped, for the carried values `need` holds."""
    p = _Advance(live, need)
    body = p.block(s.body, s)
    p.carried_updates(s, body)
    return body


def _pushed(plan, s: ir.Loop) -> set[int]:
    """The values a trip of `s` pushes on its tapes (nested loops: theirs too)."""
    out = set()
    for st in [s, *ir.walk(s.body)]:
        if isinstance(st, ir.Loop):
            out.update(v.id for v in plan.phi_records.get(id(st), []))
            blocks = [st.body]
        elif isinstance(st, ir.If):
            blocks = [st.body, st.orelse]
        else:
            continue
        for b in blocks:
            out.update(v.id for v in plan.records.get(id(b), []))
    return out


def _copied(value: ast.expr, known: bool) -> ast.expr:
    """`x.copy()` of an array or list; `_snapshot(x)` of a value of unknown kind."""
    if known:
        return ast.Call(ast.Attribute(value, "copy", ast.Load()), [], [])
    return ast.Call(name("_snapshot"), [value], [])


def _state(values: list, copies: dict) -> ast.expr:
    def item(v):
        return _copied(pv(v), copies[v.id]) if v.id in copies else pv(v)

    return item(values[0]) if len(values) == 1 else ast.Tuple([item(v) for v in values],
                                                              ast.Load())


def _push(plan: Plan) -> ast.stmt:
    return ast.Expr(ast.Call(ast.Attribute(pv(plan.snapshots), "append", ast.Load()),
                             [_state(plan.state, plan.copies)], []))


def _restore_top(plan: Plan) -> ast.stmt:
    """The state back from the latest snapshot, which stays."""
    top = ast.Subscript(pv(plan.snapshots), ast.UnaryOp(ast.USub(), ast.Constant(1)),
                        ast.Load())
    if plan.copies:
        if len(plan.state) == 1:
            top = _copied(top, plan.copies[plan.state[0].id])
        else:  # (the snapshot's own arrays must not change: copy them out)
            parts = []
            for i, v in enumerate(plan.state):
                part = ast.Subscript(top, ast.Constant(i), ast.Load())
                parts.append(_copied(part, plan.copies[v.id]) if v.id in plan.copies else part)
            top = ast.Tuple(parts, ast.Load())
    tgt = (Ref("v", plan.state[0].id, ast.Store()) if len(plan.state) == 1 else
           ast.Tuple([Ref("v", v.id, ast.Store()) for v in plan.state], ast.Store()))
    return ast.Assign([tgt], top, lineno=0)


def _copies(rev, s: ir.Loop, state: list) -> dict:
    """The snapshotted values to copy: those the loop body updates in place (`x +=
    v`, `x[i] = v`, through a nested loop or a branch carrying them) — id -> whether
    it is certainly an array or list (else of unknown kind: `_snapshot`)."""
    olds = {st.update.old.id for st in ir.walk(s.body) if isinstance(st, ir.Assign)
            and st.update is not None and isinstance(st.update.old, ir.Var)}
    size = None
    while size != len(olds):
        size = len(olds)
        for st in ir.walk(s.body):
            pairs = [(c.phi, c.init) for c in st.carried] if isinstance(st, ir.Loop) else (
                [(p.var, a) for p in st.outs for a in (p.then, p.orelse)]
                if isinstance(st, ir.If) else [(st.var, st.expr)])
            olds.update(a.id for v, a in pairs if v.id in olds and isinstance(a, ir.Var))
    return {v.id: rev.ctx.kind(v) is not None for v in state
            if v.id in olds and rev.ctx.kind(v) != SCALAR}


def reverse(rev, s: ir.Loop, body: list, policy) -> list:
    """The reverse of checkpointed loop `s` whose reversed trip is `body`; records
    in `rev.plan.checkpoints` what its forward sweep writes."""
    plan = rev.plan
    live, need = _slice(s, _pushed(plan, s))
    _refuse_impure(rev, s, live)
    taped = _taped_body(_Again(live, need, plan), s)
    used = reads(taped)
    state = [c.phi for c in s.carried if c.phi.id in used]
    start = ir.Var(next(plan.counter), "start")
    end = ir.Var(next(plan.counter), "end")
    rev.saved += [start, end]
    key = (id(s), "snapshots")
    if key not in plan.tapes:
        plan.tapes[key] = ir.Var(next(plan.counter), "snapshots")
    if isinstance(policy, Revolve) and not state:
        policy = Every(1)  # nothing to restore: each trip again on its own
    info = Plan(policy, state, _copies(rev, s, state), plan.tapes[key], start)
    plan.checkpoints[id(s)] = info
    trips = _trips(s)
    if isinstance(policy, Every):
        k = _atom(policy.k)
        stop = ast.Call(name("min"), [ast.BinOp(pv(start), ast.Add(), k), trips], [])
        segment = _segment(s, pv(start), stop)
    else:
        segment = _segment(s, pv(start), pv(end))
    again = _renewed(plan, s, _copy(ast.For(_index(s), segment, taped, [], lineno=0), s))
    back_over = segment
    if s.kind == "range" and s.index.id in reads(body):
        back_over = ast.Call(name("reversed"), [segment], [])
        back = ast.For(_index(s), back_over, body, [], lineno=0)
    else:
        back = ast.For(ast.Name("_", ast.Store()), back_over, body, [], lineno=0)
    if isinstance(policy, Every):
        seg = (plan.read(info.snapshots, state) if state else []) + again + [back]
        starts = ast.Call(name("range"), [ast.Constant(0), trips, _atom(policy.k)], [])
        return [ast.For(Ref("v", start.id, ast.Store()), ast.Call(name("reversed"), [starts],
                                                                  []), seg, [], lineno=0)]
    action = ir.Var(next(plan.counter), "action")
    rev.saved.append(action)

    def when(what, then, orelse):
        test = ast.Compare(pv(action), [ast.Eq()], [ast.Constant(what)])
        return [ast.If(test, then, orelse)]

    # (a stack of at most s snapshots: `snapshots[:-1]` costs next to nothing)
    drop = assign(pv(info.snapshots), ast.Subscript(pv(info.snapshots), ast.Slice(
        None, ast.UnaryOp(ast.USub(), ast.Constant(1)), None), ast.Load()))
    live, need = _slice(s, {v.id for v in state})
    advance = _copy(ast.For(_index(s), segment, _advanced(s, live, need), [], lineno=0), s)
    steps = when("advance", [advance],
                 when("snapshot", [_push(info)],
                      when("restore", [_restore_top(info)],
                           when("drop", [drop], again + [back]))))
    target = ast.Tuple([Ref("v", v.id, ast.Store()) for v in (action, start, end)],
                       ast.Store())
    schedule = ast.Call(name("_revolve"), [trips, _atom(policy.snapshots)], [])
    return [ast.For(target, schedule, steps, [], lineno=0)]


def _renewed(plan, s: ir.Loop, again: ast.For) -> list:
    """`again`, the trips of a segment run again pushing their tapes, between the
    tapes emptied (each segment tapes only its own trips) and their cursors set."""
    loops = [s, *(st for st in ir.walk(s.body) if isinstance(st, ir.Loop))]
    tapes = [t for (loop, kind, *_), t in plan.tapes.items()
             if loop in {id(x) for x in loops} and (kind != "snapshots" or loop != id(s))]
    plan.segment.update(t.id for t in tapes)
    empty = [assign(pv(t), ast.List([], ast.Load())) for t in tapes]
    return empty + [again] + plan.cursors(tapes)


# ----- the forward sweep -----
def forward(s: ir.Loop, info: Plan, out: list) -> None:
    """The primal loop `s`, nothing of it taped, with its snapshots: every k trips
    (`every`), or of its initial state only (`revolve`: its schedule runs in the
    reverse sweep, once the trip count is known)."""
    size = info.policy.k if isinstance(info.policy, Every) else info.policy.snapshots
    if isinstance(size, ir.Var):  # (a value of f: checked where f's marker checks it)
        bad = ast.UnaryOp(ast.Not(), ast.BoolOp(ast.And(), [
            ast.Call(name("isinstance"), [pv(size), name("int")], []),
            ast.Compare(pv(size), [ast.GtE()], [ast.Constant(1)])]))
        message = ast.Constant("checkpoint: the number of trips or snapshots must be an "
                               "int >= 1")
        out.append(ast.If(bad, [ast.Raise(ast.Call(name("ValueError"), [message], []),
                                          None)], []))
    for c in s.carried:
        out.append(assign(pv(c.phi), exprs.atom(c.init)))
    body = _plain_body(s)
    push = [_push(info)] if info.state else []
    counted = _counted(s)
    if isinstance(info.policy, Every) and not counted:
        k = _atom(info.policy.k)
        stop = ast.Call(name("min"), [ast.BinOp(pv(info.start), ast.Add(), k), _trips(s)], [])
        inner = _copy(ast.For(_index(s), _segment(s, pv(info.start), stop), body, [],
                              lineno=0), s)
        starts = ast.Call(name("range"), [ast.Constant(0), _trips(s), k], [])
        out.append(ast.For(Ref("v", info.start.id, ast.Store()), starts, push + [inner], [],
                           lineno=0))
        return
    if counted:
        out.append(assign(pv(s.trips), ast.Constant(0)))
        body.append(ast.AugAssign(Ref("v", s.trips.id, ast.Store()), ast.Add(),
                                  ast.Constant(1)))
    if isinstance(info.policy, Every) and push:
        due = ast.Compare(ast.BinOp(pv(s.trips), ast.Mod(), _atom(info.policy.k)),
                          [ast.Eq()], [ast.Constant(0)])
        body.insert(0, ast.If(due, push, []))
    else:
        out += push
    out.append(_copy(loop_statement(s, body), s))


# ----- runtime helpers (generated code defines them) -----
@helper
def _snapshot(x):
    """x, or a copy of it if it is an array or a list (a later update in place must
    not change a snapshot)."""
    return x.copy() if isinstance(x, (np.ndarray, list)) else x



@helper
def _revolve(trips, snapshots):
    """Griewank's binomial schedule reversing `trips` loop trips with at most
    `snapshots` states held at once, the one at trip 0 already held: yields
    ("advance", a, b): run trips a..b-1; ("snapshot", a, a): hold the state;
    ("restore", a, a): the latest held state back; ("drop", a, a): let it go;
    ("reverse", a, a + 1): run trip a taped, then its adjoint. Each trip runs again
    at most t times, t the least with C(snapshots + t, t) >= trips, and in all
    t * trips - C(snapshots + t, t - 1) trips run again: the least there is.
    A generator: it holds O(snapshots) steps to come, where a list of the schedule
    would hold one per trip; its own stack of them makes each step O(1)."""

    def split(a, b, held):  # where to take the next snapshot (revolve.c's rule)
        t, most = 0, 1  # the least runs again t: most = C(held + t, t) >= b - a
        while most < b - a:
            t += 1
            most = most * (held + t) // t
        b1 = most * t // (held + t)
        b2 = b1 * held // (held + t - 1)
        b3 = b2 * (held - 1) // (held + t - 2) if held > 2 else held - 1
        b5 = b3 * (held - 2) // t if held > 2 else 1
        if b - a <= b1 + b3:
            return a + b2 * (t - 1) // held
        if b - a >= most - b5:
            return a + b1
        return b - b2 - b3

    # what is left to do, the next on top: reverse trips a..b-1 from the state held at
    # a with `held` states at most, or drop the state held at a. (The state at trip 0
    # stays held to the end: the list of states is never empty, so the derivative of
    # this sweep, whose list cotangent then keeps its items' shape, is one too.)
    todo = [("reverse", 0, trips, snapshots)]
    while todo:
        what, a, b, held = todo.pop()
        if what == "drop":
            yield "drop", a, a
        elif b > a:
            yield "restore", a, a
            if b - a == 1:
                yield "reverse", a, b
            elif held == 1:
                yield "advance", a, b - 1
                yield "reverse", b - 1, b
                todo.append(("reverse", a, b - 1, held))
            else:
                m = max(split(a, b, held), a + 1)
                yield "advance", a, m
                yield "snapshot", m, m
                todo += [("reverse", a, m, held), ("drop", m, m, 0),
                         ("reverse", m, b, held - 1)]


__all__ = ["Every", "Revolve", "checkpoint", "every", "revolve", "remat", "policy_of",
           "using"]


# ----- what the rest of the pipeline reads of the copies of a loop's body -----
def _copy(node: ast.For, s: ir.Loop) -> ast.For:
    """Mark `node` as a copy of `s`'s trips: the values it defines are local to it."""
    local = {v.id for st in ir.walk(s.body) for v in ir.stmt_defs(st)}
    local |= {st.index.id for st in ir.walk(s.body) if isinstance(st, ir.Loop) and st.index}
    node.srcdiff_copy = frozenset(local)
    node.srcdiff_state = frozenset(c.phi.id for c in s.carried)
    return node


def needed(code: list) -> set[int]:
    """The primal values the reverse sweep reads, as `tape.reads`, except what a
    run of a loop's trips again reads of its own values and state: that code is a
    forward computation, whose values may share names as the forward sweep's do."""
    out: set[int] = set()

    def visit(node, local):
        mine = getattr(node, "srcdiff_copy", None)
        if mine is not None:
            local = local | mine | _phis(node)
        if isinstance(node, Ref) and node.role == "v" and isinstance(node.ctx, ast.Load):
            if node.vid not in local:
                out.add(node.vid)
        for child in ast.iter_child_nodes(node):
            visit(child, local)

    for stmt in code:
        visit(stmt, frozenset())
    return out


def _phis(node) -> frozenset:
    return getattr(node, "srcdiff_state", frozenset())


def fold_copies(func: ast.FunctionDef, temps: set[str], groups, vars_by_id: dict) -> None:
    """Fold single-use temporaries inside each copy of a loop's trips, as tidying does
    for code written once (emit.tidy counts a name's uses over the whole function,
    and a checkpointed loop's trips are written two or three times): a temporary
    whose values are all defined inside the loop is written and read there only."""
    members: dict[int, list] = {}
    for v in vars_by_id.values():
        members.setdefault(groups.leader(v), []).append(v.id)
    for node in syntax.walk(func):
        local = getattr(node, "srcdiff_copy", None)
        if local is None:
            continue
        mine = {Ref("v", lead).id for lead, ids in members.items()
                if all(i in local for i in ids)} & temps
        while mine and emit._inline_temps(node, mine):
            pass
