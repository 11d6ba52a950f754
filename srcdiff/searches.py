"""Refuse the derivative of a search.

A loop that narrows a bracket by comparisons (bisection, golden-section or ternary
search) moves values that carry no derivative (`lo`, `hi`, `mid`) by tests that read
`x`. The primal's result is a staircase whose steps, after a few dozen halvings, are
finer than a float's spacing: the value moves smoothly with `x`, but the derivative of
the program as written is zero through every comparison. Returning that zero would be
silently wrong, so this pass finds the pattern and raises a located error.

The pattern, inside a loop: an `if` whose test depends on a differentiated value
and, within the same iteration, on carried values that carry no derivative; both of
its arms move such carried values to newly computed numbers (a bracket moves on either
side); and the result depends on them. A bounce (`if x < 0: v = -v`, one arm) or a
switch between constants moves no bracket and is differentiated as written.

Takes the IR and the ids of the values that depend on `wrt` through any use (tests
included); gives nothing, or raises NotDifferentiableError.
"""
from __future__ import annotations

from . import ir
from .errors import NotDifferentiableError


def _deps(fn: ir.Function) -> dict[int, list[ir.Var]]:
    """Every value's reads, control tests of phis included."""
    out: dict[int, list[ir.Var]] = {}

    def visit(block):
        for s in block:
            if isinstance(s, ir.Assign):
                out[s.var.id] = ir.expr_uses(s.expr)
            elif isinstance(s, ir.If):
                visit(s.body)
                visit(s.orelse)
                test = ir.expr_uses(s.cond)
                for p in s.outs:
                    out[p.var.id] = [a for a in (p.then, p.orelse)
                                     if isinstance(a, ir.Var)] + test
            elif isinstance(s, ir.Loop):
                visit(s.body)
                for c in s.carried:
                    out[c.phi.id] = [a for a in (c.init, c.next) if isinstance(a, ir.Var)]
    visit(fn.body)
    return out


def _closure(start: list[ir.Var], deps, stop=frozenset()) -> set[int]:
    """Ids of the values `start` reads, transitively, not looking past `stop`."""
    seen: set[int] = set()
    todo = [v for v in start]
    while todo:
        v = todo.pop()
        if v.id in seen:
            continue
        seen.add(v.id)
        if v.id not in stop:
            todo.extend(deps.get(v.id, ()))
    return seen


def depends_on(deps, wrt: list[ir.Var]) -> set[int]:
    """Ids of the values that read `wrt` through any use (`deps`: _deps's), tests
    included."""
    readers: dict[int, list[int]] = {}
    for tgt, srcs in deps.items():
        for s in srcs:
            readers.setdefault(s.id, []).append(tgt)
    out, todo = set(), [v.id for v in wrt]
    while todo:
        i = todo.pop()
        if i not in out:
            out.add(i)
            todo.extend(readers.get(i, ()))
    return out


def refuse(fn: ir.Function, wrt: list[ir.Var], varied_from) -> None:
    """`varied_from(vars)`: the ids of the values that depend differentiably on `vars`."""
    if not any(isinstance(s, ir.If) for lp in ir.walk(fn.body) if isinstance(lp, ir.Loop)
               for s in ir.walk(lp.body)):
        return  # (no test inside a loop: nothing to search with)
    deps = _deps(fn)
    var_of = {v.id: v for vs in deps.values() for v in vs}
    reached = depends_on(deps, wrt)
    result = [fn.result] if isinstance(fn.result, ir.Var) else []
    needed = _closure(result, deps)
    arms = {p.var.id: (p.then, p.orelse) for s in ir.walk(fn.body) if isinstance(s, ir.If)
            for p in s.outs}
    for loop in (s for s in ir.walk(fn.body) if isinstance(s, ir.Loop)):
        phis = {c.phi.id: c for c in loop.carried}
        selects = {c.phi.id: _selected(c.next, arms) for c in loop.carried}
        inside = {v.id for s in ir.walk(loop.body) for v in ir.stmt_defs(s)}
        for s in ir.walk(loop.body):
            moved = isinstance(s, ir.If) and _bracket(s, phis, selects, inside, deps,
                                                      reached, needed, var_of, varied_from)
            if moved:
                names = sorted({phis[i].key for i in moved if phis[i].key})
                raise NotDifferentiableError(
                    f"this test moves {', '.join(f'`{n}`' for n in names) or 'values'} in a "
                    "loop by comparisons with a differentiated value (a search, such as "
                    "bisection): the result moves with that value, but the derivative of "
                    "the comparisons is zero, so srcdiff refuses rather than return zero. "
                    "Differentiate the equation the search solves instead (for a root r "
                    "of g(r, c) = 0, dr/dc = -(dg/dc) / (dg/dr)), or give the search "
                    "function a rule with srcdiff.register", s.loc)


def _selected(a, arms) -> set[int]:
    """Ids of the phis whose value `a` may be: `a` itself, and through the arms of
    the `if`s that choose it."""
    out, todo = set(), [a]
    while todo:
        a = todo.pop()
        if isinstance(a, ir.Var) and a.id not in out:
            out.add(a.id)
            todo.extend(arms.get(a.id, ()))
    return out


def _bracket(s: ir.If, phis, selects, inside, deps, reached, needed, var_of,
             varied_from) -> set[int]:
    """Ids of the carried values that the test `s` moves on either side to points of
    the bracket, reads back, and the result needs; empty if `s` is not such a test."""
    tested = _closure(ir.expr_uses(s.cond), deps, set(phis))  # within one iteration
    # what the test compares with: values from outside the loop that move with x (not
    # the state the loop carries, as a simulation's test reads its own state)
    direct = [var_of[i] for i in tested - inside - set(phis) if i in reached and i in var_of]
    if not direct:
        return set()
    moving = varied_from(direct)

    def point(a) -> bool:
        """A number computed in this iteration from two or more carried values with no
        derivative from what the test compares with (`0.5 * (lo + hi)`): a point of
        the bracket, which moves with that only through the comparisons. Or a carried
        value each trip sets to such a point (golden-section search's `c` and `d`,
        computed at the end of one trip and compared in the next: `hi = d`)."""
        if isinstance(a, ir.Var) and a.id in phis and a.id not in moving:
            a = phis[a.id].next
        if not (isinstance(a, ir.Var) and a.id in inside and a.id not in phis):
            return False
        ends = _closure([a], deps, set(phis)) & set(phis)
        return len(ends) >= 2 and a.id not in moving
    chosen: set[int] = set()
    arms = [False, False]
    for p in s.outs:
        into = {i for i, sel in selects.items() if p.var.id in sel}
        if not into:
            continue
        sides = (p.then, p.orelse)
        for i, a in enumerate(sides):  # to a point on this side, kept (or swapped) on the other
            other = sides[1 - i]
            if point(a) and isinstance(other, ir.Var) and other.id in phis:
                arms[i] = True
        chosen |= into
    if not all(arms):
        return set()
    # the test reads the bracket, or points each trip computes from it (`c`, `d`)
    read = tested | {i for c in tested & set(phis) if isinstance(phis[c].next, ir.Var)
                     for i in _closure([phis[c].next], deps, set(phis)) & set(phis)}
    return chosen & read & needed
