"""Adjoint-state bookkeeping for the reverse sweep.

Each active value's adjoint is, at any point of the sweep, absent (zero), a
pending expression not yet written (so a single contribution read once is
inlined), or named (held in its adjoint variable). This module decides when a
contribution is written, accumulated (`+=` only into a buffer srcdiff owns) or
scatter-added, and keeps pending sums correct when a name they read is about
to be overwritten. It writes no primal code.
"""
from __future__ import annotations

import ast

import numpy as np

from . import exprs, ir, shapes, spread, syntax
from .coalesce import Groups
from .exprs import Ref, assign, pv
from .kinds import SCALAR
from .rules.table import LIST, lookup, returns_tuple


def is_fresh(expr) -> bool:
    """Whether an expression certainly makes a new array nothing else refers to:
    arithmetic does, a ufunc, and a function whose rule says `new_array`; so does a helper
    whose rule says it keeps its argument's freshness (`_unbroadcast` returns it
    or a new sum)."""
    if isinstance(expr, (ast.BinOp, ast.UnaryOp)):
        return True
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and (
            isinstance(expr.func.value, ast.Name) and not any(
                k.arg == "out" for k in expr.keywords)):
        fn = getattr(np, expr.func.attr, None)  # a module function the rules write
        rule = lookup(fn) if fn is not None else None
        return isinstance(fn, np.ufunc) or rule is not None and rule.new_array
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.args:
        rule = lookup(("helper", expr.func.id))
        return rule is not None and rule.keeps_fresh and is_fresh(expr.args[0])
    return False



def _items_made(fn) -> set:
    """Values of generated code differentiated again that are `_items` arrays: a list's
    zero adjoint `_zero_items(x)` and `_setitem` of one (`d_items[0] += ...`); their own
    adjoint holds one item per array too (np.zeros of its shape (n,) cannot hold them)."""
    made: set = set()
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign) and isinstance(s.expr, ir.Call) and (
                s.expr.fn == ("helper", "_zero_items") or s.expr.fn == ("helper", "_setitem")
                and s.expr.args and isinstance(s.expr.args[0], ir.Var)
                and s.expr.args[0].id in made):
            made.add(s.var.id)
    return made

class Adjoints:
    """`state[vid]` is None (zero), ("pending", expr) or "named"; `owned` holds
    the adjoint groups whose buffer no other name shares (safe for `+=`)."""

    def __init__(self, fn: ir.Function, active: set, ctx, adj: Groups, counter):
        self.active = active
        self.ctx = ctx
        self.adj = adj
        self.counter = counter
        self.state: dict[int, object] = {}
        self.owned: set[int] = set()
        self.saved: list[ir.Var] = []  # copies of adjoints taken before overwriting them
        # names certainly holding a Python float (True) or int ("int"): adjoints, and
        # the primal values kinds.python_numbers knows
        self.floats: dict[str, object] = {
            Ref("v", key).id if isinstance(key, int) else key: k
            for key, k in getattr(ctx.kinds, "numbers", {}).items()}
        self.ashapes: dict[str, tuple | None] = {}  # adjoint name -> abstract shape held
        self.scatter_bases: set[int] = set()  # values whose adjoint is scattered into
        self.tuples = {s.var.id for s in ir.walk(fn.body) if isinstance(s, ir.Assign)
                       and isinstance(s.expr, ir.Call) and returns_tuple(s.expr)}
        self.tuples |= _items_made(fn)
        self.vars = {p.id: p for p in fn.params}
        for s in ir.walk(fn.body):
            for v in ir.stmt_defs(s):
                self.vars[v.id] = v
            if isinstance(s, ir.Loop) and s.index is not None:
                self.vars[s.index.id] = s.index

    def zeros(self, v: ir.Var) -> ast.expr:
        """A zero adjoint shaped like v: one zero per item for a tuple result
        (`w, V = eigh(A)`) or a list of arrays (`np.split`), whose items differ in shape.
        Both are `_items` arrays, the form rules give the adjoint of a tuple argument
        (`cho_solve`'s `(c, lower)`), so that the two add item by item."""
        if self.items(v):
            self.ctx.helpers.add("_zero_items")
            return ast.Call(exprs.name("_zero_items"), [pv(v)], [])
        return self.ctx.zeros_like(v)

    def items(self, v: ir.Var) -> bool:
        """Whether v's adjoint is an `_items` array (a tuple result or a list)."""
        return v.id in self.tuples or self.ctx.kind(v) == LIST

    def adjref(self, v: ir.Var) -> Ref:
        return Ref("d", self.adj.leader(v))

    def adjkey(self, v: ir.Var) -> str:
        return self.adjref(v).id

    def value(self, v: ir.Var, out: list, uses: int):
        """v's adjoint as an expression to read `uses` times (named if needed)."""
        st = self.state.get(v.id)
        if st is None:
            return None
        if st == "named":
            return self.adjref(v)
        expr = st[1]
        if uses > 1 and not (exprs.is_simple(expr) or spread.is_cheap(
                expr, self.ctx.modules["np"])):
            self.write(v, expr, out, first=True)
            self.state[v.id] = "named"
            return self.adjref(v)
        return expr

    def contrib(self, u, expr, out: list) -> None:
        """Add `expr` to u's adjoint."""
        if not isinstance(u, ir.Var) or u.id not in self.active:
            return
        st = self.state.get(u.id)
        if st is None:
            self.state[u.id] = ("pending", expr)
        elif st == "named":
            self.write(u, expr, out, first=False)
        else:
            total = spread.simplify(self.ctx, exprs.simplify(
                ast.BinOp(st[1], ast.Add(), expr)), self.ashapes)
            if len(exprs.text(total)) <= 64:
                self.state[u.id] = ("pending", total)
                return
            self.write(u, total, out, first=True)  # one statement: reads before it writes
            self.state[u.id] = "named"

    def write(self, u: ir.Var, expr, out: list, first: bool) -> None:
        key, ref = self.adjkey(u), self.adjref(u)
        if first and isinstance(expr, Ref) and expr.id == key:
            return  # `d = d`: it already holds this value
        self.flush_refs(ref, out, u)
        self.note_shape(key, expr, first, u)
        if first:  # `d += v` keeps d's type (a 0-d array stays one): only the first counts
            self.floats[key] = exprs.is_float(expr, self.floats, self.ctx.modules["math"])
            out.append(assign(ref, expr))
            fresh = is_fresh(expr) or self.ctx.kind(u) == SCALAR
            (self.owned.add if fresh else self.owned.discard)(self.adj.leader(u))
        elif self.ctx.kind(u) == SCALAR or self.adj.leader(u) in self.owned:
            negated = isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub)
            out.append(ast.AugAssign(exprs.store(ref), ast.Sub() if negated else ast.Add(),
                                     expr.operand if negated else expr))  # (`d -= e`)
        else:
            out.append(assign(ref, exprs.simplify(ast.BinOp(self.adjref(u), ast.Add(), expr))))
            self.owned.add(self.adj.leader(u))
        if not first:  # a float plus a NumPy scalar is a NumPy scalar
            self.floats[key] = bool(self.floats.get(key)) and exprs.number_type(
                expr, self.floats, self.ctx.modules["math"]) is not None

    def note_shape(self, key: str, expr, first: bool, u: ir.Var) -> None:
        """The abstract shape adjoint `key` holds after `key = expr` (first) or
        `key += expr` (NumPy broadcasts the sum); None where not known. Where the
        expression says nothing (a helper's result), the contribution has `u`'s
        shape: that is the contract of every rule's vjp."""
        if self.ctx.kind(u) == SCALAR:
            self.ashapes[key] = ()
            return
        new = self.ctx.shape_of_expr(expr, self.ashapes)
        if new is None:
            new = self.ctx.kinds.shape(u)
        if not first:
            new = shapes.broadcast(self.ashapes.get(key), new)
        self.ashapes[key] = new

    def save(self, ref, out: list) -> Ref:
        """A copy of adjoint `ref` (or the value of an expression reading adjoints)
        taken before it is overwritten."""
        saved = ir.Var(next(self.counter), "saved")
        self.saved.append(saved)
        out.append(assign(pv(saved), Ref(ref.role, ref.vid) if isinstance(ref, Ref) else ref))
        return pv(saved)

    def flush_refs(self, ref: Ref, out: list, skip: ir.Var) -> None:
        """Before adjoint `ref` is overwritten, pending sums that read it read a
        saved copy instead (this also breaks cycles such as `a, b = b, a`)."""
        refs = [vid for vid, st in self.state.items()
                if isinstance(st, tuple) and vid != skip.id and ref.id in exprs.names_in(st[1])]
        if not refs:
            return
        copy = self.save(ref, out)
        for vid in refs:
            self.state[vid] = ("pending",
                               exprs.substitute(self.state[vid][1], {ref.id: copy}))

    def flush_all(self, out: list) -> None:
        for vid in list(self.state):
            st = self.state.get(vid)  # read now: an earlier write may have rewritten it
            if isinstance(st, tuple):
                self.write(self.vars[vid], st[1], out, first=True)
                self.state[vid] = "named"

    def init_zero(self, v: ir.Var, out: list) -> None:
        """A zero adjoint before a region that accumulates into it; an owned
        zeros buffer for an indexed value (its adjoint is scattered into). Pending
        sums that read the old adjoint read a copy (it is overwritten here)."""
        self.flush_refs(self.adjref(v), out, v)
        self.ashapes[self.adjkey(v)] = self.ctx.kinds.shape(v)
        if v.id in self.scatter_bases and self.ctx.kind(v) != SCALAR:
            out.append(assign(self.adjref(v), self.zeros(v)))
            self.floats[self.adjkey(v)] = False
            self.state[v.id] = "named"
            self.owned.add(self.adj.leader(v))
            return
        zero = ast.Constant(0.0) if self.ctx.kind(v) == SCALAR else self.zeros(v)
        out.append(assign(self.adjref(v), zero))  # shaped: products need the shape
        self.floats[self.adjkey(v)] = isinstance(zero, ast.Constant)
        self.state[v.id] = "named"
        (self.owned.discard if isinstance(zero, ast.Constant) else self.owned.add)(
            self.adj.leader(v))

    def own(self, base: ir.Var, out: list) -> None:
        """Make base's adjoint a buffer srcdiff owns (before scattering into it)."""
        st = self.state.get(base.id)
        ref = self.adjref(base)
        base_shape = self.ctx.kinds.shape(base)
        if st is None:
            self.ashapes[ref.id] = base_shape
        elif isinstance(st, tuple):
            self.ashapes[ref.id] = shapes.broadcast(
                self.ctx.shape_of_expr(st[1], self.ashapes), base_shape)
        elif self.adj.leader(base) not in self.owned:
            self.ashapes[ref.id] = shapes.broadcast(self.ashapes.get(ref.id), base_shape)
        # an adjoint of items (a list's) has one per item already: `+ 0.0` copies it and
        # its items, where `+ _zero_items(x)` fails for an empty x (its items' shape unknown)
        pad = ast.Constant(0.0) if self.items(base) else self.zeros(base)
        if st is None:
            out.append(assign(ref, self.zeros(base)))
        elif isinstance(st, tuple):
            out.append(assign(ref, ast.BinOp(st[1], ast.Add(), pad)))
        elif self.adj.leader(base) not in self.owned:
            out.append(assign(ref, ast.BinOp(self.adjref(base), ast.Add(), pad)))
        self.state[base.id] = "named"
        self.owned.add(self.adj.leader(base))
        self.floats[self.adjkey(base)] = False

    def scatter(self, base: ir.Var, idx, g: ast.expr, out: list) -> None:
        """Scatter-add `g` at `idx` into base's adjoint (an owned buffer), in place."""
        ref = self.adjref(base)
        self.flush_refs(ref, out, base)
        if ref.id in exprs.names_in(g):  # g reads the buffer about to change: read a copy
            g = exprs.substitute(g, {ref.id: self.save(ref, out)})
        self.own(base, out)
        index = exprs.atom(idx)
        if self.basic_index(idx):
            target = ast.Subscript(self.adjref(base), index, ast.Store())
            out.append(ast.AugAssign(target, ast.Add(), g))
        else:
            np_ = exprs.name(self.ctx.modules["np"])
            add_at = ast.Attribute(ast.Attribute(np_, "add", ast.Load()), "at", ast.Load())
            out.append(ast.Expr(ast.Call(add_at, [self.adjref(base), exprs.as_value(index), g],
                                         [])))

    def basic_index(self, idx) -> bool:
        """An index of ints and slices only: `d[idx] += g` is then exact."""
        if isinstance(idx, ir.Const):
            return isinstance(idx.value, (int, slice)) and not isinstance(idx.value, bool)
        if isinstance(idx, ir.Var):
            return self.ctx.kind(idx) == SCALAR
        if isinstance(idx, ir.Opaque):
            ok = (ast.Constant, ast.Slice, ast.Tuple, ast.UnaryOp, ast.BinOp, ast.Name,
                  ast.Load, ast.USub, ast.UAdd, ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)
            for n in syntax.walk(idx.node):
                if not isinstance(n, ok):
                    return False
                if isinstance(n, ast.Constant) and (
                        isinstance(n.value, bool) or not (n.value is None
                                                          or isinstance(n.value, int))):
                    return False
                if isinstance(n, ast.Name):
                    v = idx.uses.get(n.id)
                    if v is None or self.ctx.kind(v) != SCALAR:
                        return False
            return True
        return False

