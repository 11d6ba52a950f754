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

from dataclasses import dataclass

from . import ir
from .errors import Loc, UnsupportedSyntaxError
from .rules.table import LIST, lookup

# views without a rule of their own (no derivative either, so only this fact lives here)
VIEWS_WITHOUT_RULE = frozenset({("method", "view")})


@dataclass
class Finding:
    """An in-place update of a shared value, and why it is shared."""

    site: ir.Assign
    view: bool  # the old value is a view of another array (else: another name holds it)
    loc: Loc | None

    @property
    def error(self) -> UnsupportedSyntaxError:
        what = "is a view of another array" if self.view else (
            "another name or a list refers to")
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
    in_loop = {id(st) for lp in ir.walk(fn.body) if isinstance(lp, ir.Loop)
               for st in ir.walk(lp.body)}
    # array -> (view or other name, where made, made in a loop, is a view): `row = X[0]`,
    # or `x2 = x0` carried out of a loop or an if
    views: dict[int, list] = {}
    read_at: dict[int, list] = {}  # value -> where it is read (program order)
    for st in ir.walk(fn.body):
        here = (order[id(st)], id(st) in in_loop)
        if isinstance(st, ir.Assign) and isinstance(st.expr, ir.Call):
            base = st.expr.args[0] if st.expr.args else None
            if (is_view(st.expr.fn) and isinstance(base, ir.Var)
                    and kinds.kind(st.var) != "scalar" and kinds.kind(base) != LIST):
                # (indexing or slicing a Python list gives its item or a new list)
                views.setdefault(base.id, []).append((st.var, *here, True))
        # another name for the same object: `x2 = x0` carried out of a loop or a branch
        elif isinstance(st, (ir.Loop, ir.If)):
            pairs = ([(c.phi, a) for c in st.carried for a in (c.init, c.next)]
                     if isinstance(st, ir.Loop) else
                     [(o.var, a) for o in st.outs for a in (o.then, o.orelse)])
            for var, a in pairs:
                if isinstance(a, ir.Var) and a is not var and kinds.kind(var) != "scalar":
                    views.setdefault(a.id, []).append((var, *here, False))
        for u in _reads(st):
            read_at.setdefault(u.id, []).append(order[id(st)])
    for s in ir.walk(fn.body):
        if not isinstance(s, ir.Assign) or s.update is None:
            continue
        old = s.update.old
        if kinds.kind(old) == "scalar":
            continue
        view = any(isinstance(d.expr, ir.Call) and is_view(d.expr.fn)
                   for d in _definitions(old, defs, sources))
        if s.update.shared or view or _view_read_after(old, s, views, read_at, order, in_loop):
            found.append(Finding(s, view and not s.update.shared, s.loc))
    return found


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


def _view_read_after(old, s, views, read_at, order, in_loop) -> bool:
    """Whether a view of `old` (`row = X[0]`, or a view of that) is read after `s`
    changes `old` in place (the view sees the change; the IR's value would not),
    or at all when `s` is in a loop (a later trip may read it)."""
    if not isinstance(old, ir.Var):
        return False
    here, looped = order[id(s)], id(s) in in_loop
    todo, seen = list(views.get(old.id, [])), set()
    while todo:
        v, made, made_in_loop, view = todo.pop()
        if v.id in seen or made > here and not (looped and made_in_loop and view):
            continue  # (a view taken after the update sees the new value, as the IR does)
        if not view and (looped or made > here):
            continue  # another name from a loop or branch: followed for updates after it
        seen.add(v.id)
        todo += views.get(v.id, [])
        at = read_at.get(v.id, [])
        if any(i > here for i in at) or (at and looped and view):
            return True
    return False
