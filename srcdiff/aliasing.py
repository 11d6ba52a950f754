"""Aliasing: in-place updates the IR's value semantics would get wrong.

Takes the IR (`ir.Function`) and the kinds of its values; gives the findings
(`analyze`): each in-place update (`z += v`, `x[i] = v`, `acc.append(v)`, marked
by the lowering as `ir.Assign.update`) of a non-scalar value that something else
shares. In the IR each of those is a new value; in the primal as written it
changes the object itself, so whatever shares that object changes too and the
derivative would be computed from stale values. Shared means one of:

- another name or a list held the old value at the update (`Update.shared`: only
  the lowering sees Python's names, the IR does not), or
- the old value is a view of another array: it was computed by a primitive whose
  rule says `view=True` (`y = x.T`, `x[1:]`, `np.reshape(x, ...)`), or
- a view of the old value is read after the update (`row = X[0]; X -= d; row`).

A scalar never aliases (`+=` on a float makes a new float).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from . import ir
from .errors import Loc, UnsupportedSyntaxError
from .rules.table import LIST, bind_args, lookup

ARRAYS = ("array", "vector", "matrix", "array3")  # the kinds of NumPy arrays

# views without a rule of their own (no derivative either, so only this fact lives here)
VIEWS_WITHOUT_RULE = frozenset({("method", "view")})


@dataclass
class Finding:
    """An in-place update of a shared value, and why it is shared."""

    site: ir.Assign
    view: bool  # the old value is a view of another array (else: another name holds it)
    loc: Loc | None
    viewed: bool = False  # a view or another name of the old value is read after it

    @property
    def error(self) -> UnsupportedSyntaxError:
        what = "is a view of another array" if self.view else (
            "another name or a view of it (`head = y[:2]`), read after the update, refers to"
            if self.viewed else "another name or a list refers to")
        return UnsupportedSyntaxError(
            f"srcdiff does not support an in-place update of a value that {what} "
            "(for a NumPy array `+=` changes the shared array too); write "
            "`z = z + v` to make a new value", self.loc)


def is_view(fn) -> bool:
    """Whether the primitive `fn` (a rule key) may return a view of its argument."""
    rule = lookup(fn)
    if rule is not None:
        return rule.view
    return isinstance(fn, tuple) and fn in VIEWS_WITHOUT_RULE


def _makes_view(call: ir.Call, kinds) -> bool:
    """Whether the call may return a view of its first argument: indexing or slicing a
    Python list gives its item or a new list."""
    base = call.args[0] if call.args else None
    return is_view(call.fn) and not (isinstance(base, ir.Var) and kinds.kind(base) == LIST)


def analyze(fn: ir.Function, kinds) -> list[Finding]:
    """The unsafe in-place updates of `fn`, in program order (`kinds.kind(atom)`
    is "scalar" for a value that cannot alias)."""
    defs = {s.var.id: s for s in ir.walk(fn.body) if isinstance(s, ir.Assign)}
    found = []
    sources: dict[int, list] = {}  # a loop's carried value or an if's output -> its inputs
    for st in ir.walk(fn.body):
        if isinstance(st, ir.Loop):
            for c in st.carried:
                sources.setdefault(c.phi.id, []).extend([c.init, c.next])
        elif isinstance(st, ir.If):
            for o in st.outs:
                sources.setdefault(o.var.id, []).extend([o.then, o.orelse])
    order = {id(st): i for i, st in enumerate(ir.walk(fn.body))}
    # loop -> (where it starts, the statements of its body)
    loops = {id(lp): (order[id(lp)], {id(st) for st in ir.walk(lp.body)})
             for lp in ir.walk(fn.body) if isinstance(lp, ir.Loop)}
    in_loop = set().union(*(b for _, b in loops.values()))
    # array -> (view or other name, where made, made in a loop, is a view): `row = X[0]`,
    # or `x2 = x0` carried out of a loop or an if
    views: dict[int, list] = {}
    read_at: dict[int, list] = {}  # value -> where it is read (program order)
    for st in ir.walk(fn.body):
        here = (order[id(st)], id(st) in in_loop, id(st))
        if isinstance(st, ir.Assign) and isinstance(st.expr, ir.Call):
            base = st.expr.args[0] if st.expr.args else None
            if (_makes_view(st.expr, kinds) and isinstance(base, ir.Var)
                    and kinds.kind(st.var) != "scalar"):
                views.setdefault(base.id, []).append((st.var, here[0], here[1], True, here[2]))
        # another name for the same object: `x2 = x0` carried out of a loop or a branch
        elif isinstance(st, (ir.Loop, ir.If)):
            pairs = ([(c.phi, a) for c in st.carried for a in (c.init, c.next)]
                     if isinstance(st, ir.Loop) else
                     [(o.var, a) for o in st.outs for a in (o.then, o.orelse)])
            made = _joined(st, order) if isinstance(st, ir.If) else here[0]
            for var, a in pairs:
                if isinstance(a, ir.Var) and a is not var and kinds.kind(var) != "scalar":
                    views.setdefault(a.id, []).append((var, made, here[1], False, here[2]))
        for u in _reads(st):
            read_at.setdefault(u.id, []).append(order[id(st)])
    escaping = _escaping(fn, kinds)
    aliases = _carried_aliases(fn, kinds)
    phis = {c.phi.id for lp in ir.walk(fn.body) if isinstance(lp, ir.Loop) for c in lp.carried}
    joined_at = {o.var.id: _joined(st, order) for st in ir.walk(fn.body)
                 if isinstance(st, ir.If) for o in st.outs}
    for s in ir.walk(fn.body):
        if not isinstance(s, ir.Assign) or s.update is None:
            continue
        old = s.update.old
        if kinds.kind(old) == "scalar":
            continue
        if s.update.container is not None:  # `L[k] += v`: an item changed in place
            if kinds.kind(s.update.container) in ARRAYS:
                continue  # `X[i] += v` of an array: the row is written back into X
            if s.update.shared or _item_of_list(old, defs, sources, kinds) or (
                    _alias_read_after(old, s, aliases, read_at, order, loops, fn.result, defs,
                                      phis, joined_at)):
                found.append(Finding(s, False, s.loc))
            continue
        view = any(isinstance(d.expr, ir.Call) and _makes_view(d.expr, kinds)
                   for d in _definitions(old, defs, sources))
        if s.update.shared or view:
            found.append(Finding(s, view and not s.update.shared, s.loc))
        elif _view_read_after(old, s, views, read_at, order, loops, escaping, aliases):
            found.append(Finding(s, False, s.loc, viewed=True))
        elif _item_of_list(old, defs, sources, kinds) or _alias_read_after(
                old, s, aliases, read_at, order, loops, fn.result, defs, phis, joined_at):
            found.append(Finding(s, False, s.loc))
    return found


def _joined(st: ir.If, order) -> float:
    """Where an if's outputs are made: after its arms (which walk after the if)."""
    return max((order[id(b)] for b in ir.walk(st.body + st.orelse)),
               default=order[id(st)]) + 0.5


def _item_of_list(old, defs, sources, kinds) -> bool:
    """Whether `old` may be an item read out of a Python list or tuple (`for v in L:
    v *= 3`, `v = L[0]`): the list holds that very array, which the update changes."""
    for d in _definitions(old, defs, sources):
        e = d.expr
        rule = lookup(e.fn) if isinstance(e, ir.Call) else None
        if rule is not None and rule.scatter is not None and e.args and isinstance(
                e.args[0], ir.Var) and kinds.kind(e.args[0]) == LIST and not (
                isinstance(e.args[1], ir.Const) and isinstance(e.args[1].value, slice)
                or isinstance(e.args[1], ir.Opaque) and isinstance(e.args[1].node, ast.Slice)):
            return True
    return False


def _alias_read_after(old, s, aliases, read_at, order, loops, result, defs, phis,
                      joined_at) -> bool:
    """Whether another value that may be the same array as `old` (a branch's value
    joined into it, `y = z if flag else w2`, or a loop's start) is read after the
    update, which changes it too in Python but not in the IR: a read later in the
    function, or anywhere in a loop around the update (the next trip), or returned.
    A value a call makes after the update (`hist = hist[-2:]`, the next trip's list)
    is a new object when it is read (a view of `old` is _view_read_after's); a loop's
    carried value is the array as the loop has changed it so far, in the IR too, and
    so is an if's output joined after the update (`if c: u[0] = 0`, then `u` read)."""
    here = order[id(s)]
    loop = max((lp for lp in loops if id(s) in loops[lp][1]), key=lambda lp: loops[lp][0],
               default=None)
    start = loops[loop][0] if loop is not None else None
    for a in aliases(old) - {old.id, s.var.id}:
        if a in phis or a in defs and order[id(defs[a])] > here or joined_at.get(a, -1) > here:
            continue
        at = read_at.get(a, [])
        if any(i > here for i in at) or (start is not None and any(i >= start for i in at)) or (
                isinstance(result, ir.Var) and result.id == a):
            return True
    return False


def _carried_aliases(fn: ir.Function, kinds):
    """`aliases(v)`: the values that may be the same array as `v` because a loop
    carries one into another (its start, its value in the trip, its next value) or an
    if gives one out: an in-place update in a loop changes all of them."""
    links: dict[int, set] = {}
    for st in ir.walk(fn.body):
        pairs = ([(c.phi, a) for c in st.carried for a in (c.init, c.next)]
                 if isinstance(st, ir.Loop) else
                 [(o.var, a) for o in st.outs for a in (o.then, o.orelse)]
                 if isinstance(st, ir.If) else [])
        for var, a in pairs:
            if isinstance(a, ir.Var) and kinds.kind(var) != "scalar":
                links.setdefault(var.id, set()).add(a.id)
                links.setdefault(a.id, set()).add(var.id)

    def aliases(v: ir.Var) -> set:
        out, todo = set(), [v.id]
        while todo:
            i = todo.pop()
            if i not in out:
                out.add(i)
                todo += links.get(i, ())
        return out
    return aliases


def _definitions(v, defs, sources) -> list:
    """The statements that may have made the object `v` holds: its own, or through a
    loop's carried value or an if's output, those of what flows into it (`v2 = v1[0]`
    before a loop whose body does `v2 -= d`)."""
    out, todo, seen = [], [v], set()
    while todo:
        a = todo.pop()
        if not isinstance(a, ir.Var) or a.id in seen:
            continue
        seen.add(a.id)
        if a.id in defs:
            out.append(defs[a.id])
        todo += sources.get(a.id, [])
    return out


def _reads(st) -> list:
    if isinstance(st, ir.Assign):
        return list(ir.expr_uses(st.expr))
    if isinstance(st, ir.If):
        return [st.cond] if isinstance(st.cond, ir.Var) else []
    return []


def _escaping(fn: ir.Function, kinds) -> set[int]:
    """Values that may be read after the statement that reads them: carried by a
    loop, out of an if, returned, kept in a list or tuple, or read by code srcdiff
    does not know (an Opaque expression, a method). A value written into an array
    (`y[1] = y[0]`, `y[:] = y[::-1]`) is copied into it, not kept."""
    out = {fn.result.id} if isinstance(fn.result, ir.Var) else set()
    for st in ir.walk(fn.body):
        if isinstance(st, ir.Loop):
            out |= {a.id for c in st.carried for a in (c.init, c.next) if isinstance(a, ir.Var)}
        elif isinstance(st, ir.If):
            out |= {a.id for o in st.outs for a in (o.then, o.orelse) if isinstance(a, ir.Var)}
        elif isinstance(st, ir.Assign):
            e = st.expr
            if isinstance(e, ir.Opaque) or isinstance(e, ir.Call) and isinstance(
                    e.fn, tuple) and e.fn[0] in ("method", "opaque"):
                out |= {u.id for u in ir.expr_uses(e)}  # (what it does is not known)
            elif isinstance(e, ir.Call) and (rule := lookup(e.fn)) is not None and rule.keeps \
                    and not (rule.update is not None and e.args and kinds.kind(e.args[0]) in
                             ARRAYS):
                try:
                    kept = [a for p, a in bind_args(rule, e.args, e.kwargs).items()
                            if p in rule.keeps or "*" in rule.keeps]
                except TypeError:  # (a call the rule does not fit: all it reads)
                    kept = ir.expr_uses(e)
                out |= {a.id for a in kept if isinstance(a, ir.Var)}
    return out


def _view_read_after(old, s, views, read_at, order, loops, escaping, aliases) -> bool:
    """Whether a view of `old` (`row = X[0]`, or a view of that) may show the change
    `s` makes to `old` where the IR's value would not: read after `s`, or kept past
    `s` (carried, kept in a list, returned). In a loop, `old` is also the array of
    the trips before and after (what the loop carries into and out of it), so a
    view made outside the loop and read in it, or one that outlives its trip, is
    one too; a view made and read within one trip before `s` is not (a stencil,
    `u[1:-1] = u[1:-1] + u[2:]`)."""
    if not isinstance(old, ir.Var):
        return False
    here = order[id(s)]
    loop = max((lp for lp in loops if id(s) in loops[lp][1]), key=lambda lp: loops[lp][0],
               default=None)
    start, body = loops[loop] if loop is not None else (None, set())
    todo = [e for a in aliases(old) for e in views.get(a, [])]
    seen: set = set()
    while todo:
        v, made, made_in_loop, view, stmt = todo.pop()
        if v.id in seen:
            continue
        if not view:  # another name from a loop or branch: followed for updates after it
            if loop is not None or made > here:
                continue
        elif loop is None or stmt in body:  # made in the trip (or no loop): before s
            if made > here:
                continue  # (a view taken after the update sees the new value, as the IR does)
        elif made > here:
            continue  # made after the loop: it sees the loop's last value
        seen.add(v.id)
        todo += views.get(v.id, [])
        at = read_at.get(v.id, [])
        if view and loop is not None and stmt not in body and (
                any(i >= start for i in at) or v.id in escaping):
            return True
        if any(i > here for i in at) or (view and v.id in escaping and made < here):
            return True
    return False
