"""Kind inference: which values are certainly scalars, which have the same shape.

Shapes are only known at run time, so an operand that may have been broadcast
must have its adjoint summed back to its shape. Two facts let most code skip
that: (1) values of one *shape class* (an elementwise op of `x` with constants
or scalars has `x`'s shape) never broadcast against each other; (2) a value
passed to a `math` function on every path is a scalar, and so is everything in
its class. A call whose arguments are known scalars (the per-call
specialisation) makes all of scalar code reach hand-written speed.
"""
from __future__ import annotations

import ast
import numbers
import types

import numpy as np

from . import ir
from .unionfind import UnionFind
from .rules.table import ELEMENTWISE, REDUCE, SCALAR, UNKNOWN, bind_args, lookup

ARRAY = "array"
VECTOR = "vector"  # a 1-d array: indexing it with an int gives a scalar
MATRIX = "matrix"  # a 2-d array
ARRAY3 = "array3"  # a 3-d array (a batch of matrices: indexing it gives a matrix)
NDIM = {SCALAR: 0, VECTOR: 1, MATRIX: 2, ARRAY3: 3}
OF_NDIM = {1: VECTOR, 2: MATRIX, 3: ARRAY3}
SHAPE = "shape"  # a shape tuple (`x.shape`): indexing it with an int gives a scalar


def kind_of_value(x) -> str | None:
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)) or isinstance(x, np.number):
        return SCALAR
    if isinstance(x, np.ndarray):
        return OF_NDIM.get(x.ndim, ARRAY)
    if isinstance(x, numbers.Number):
        return None
    return None


class Kinds:
    """`kind(atom)` is SCALAR, ARRAY or None; `same_shape(a, b)` is certain."""

    def __init__(self, fn: ir.Function, param_kinds: dict[int, str | None], namespace=None):
        self.classes = UnionFind()
        self.ckind: dict[int, str | None] = {}
        self.namespace = namespace  # f's globals: a global's kind is read at build time
        # global name (or (module, attribute)) -> the type the kinds assumed
        self.guards: dict = {}
        for pid, k in param_kinds.items():
            self.ckind[pid] = k
        self._fn = fn
        self.var_of = {p.id: p for p in fn.params}
        for st in ir.walk(fn.body):
            for v in ir.stmt_defs(st):
                self.var_of[v.id] = v
        inits = {c.init.id for st in ir.walk(fn.body) if isinstance(st, ir.Loop)
                 for c in st.carried if isinstance(c.init, ir.Var)}
        self._reps = [p for p in fn.params if p.id not in inits]  # names never reused
        # then values of the top-level block (defined on every path, never in a loop)
        self._reps += [v for st in fn.body if isinstance(st, ir.Assign)
                       for v in ir.stmt_defs(st) if v.user and v.id not in inits]
        for _ in range(3):
            before = dict(self.ckind)
            self._block(fn.body, top=True)
            if before == self.ckind:
                break

    def find(self, i: int) -> int:
        return self.classes.find(i)

    def union(self, a: int, b: int) -> None:
        """One shape class; its kind is the kind both agree on (or the known one)."""
        ka, kb = self.ckind.get(self.find(a)), self.ckind.get(self.find(b))
        root = self.classes.link(a, b)
        if root is not None:
            self.ckind[root] = ka if ka == kb else (ka or kb if None in (ka, kb) else None)

    def set_kind(self, vid: int, k) -> None:
        r = self.find(vid)
        if self.ckind.get(r) is None and k is not None:
            self.ckind[r] = k

    def kind(self, a):
        if isinstance(a, ir.Var):
            return self.ckind.get(self.find(a.id))
        if isinstance(a, ir.Const):
            return SCALAR if isinstance(a.value, (int, float)) and not isinstance(
                a.value, bool) else None
        if isinstance(a, ir.Opaque) and not a.uses and self.namespace is not None:
            return self.global_kind(a.node)
        return None

    def global_kind(self, node):
        """The kind of a module constant (`SCALE`, `math.pi`) as it is now; the
        caller re-specialises if its type changes."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            mod = self.namespace.get(node.value.id)
            if isinstance(mod, types.ModuleType):
                value = getattr(mod, node.attr, None)
                if kind_of_value(value) is not None:
                    self.guards[(mod, node.attr)] = type(value)
                return kind_of_value(value)
            return None
        if isinstance(node, ast.Name) and node.id in self.namespace:
            value = self.namespace[node.id]
            k = kind_of_value(value)
            if k is not None:
                self.guards[node.id] = type(value)
            return ARRAY if k in (VECTOR, MATRIX, ARRAY3) else k
        return None

    def representative(self, v: ir.Var):
        """A parameter (or a top-level value) certainly of `v`'s shape, or None."""
        if self.kind(v) == SCALAR:
            return None
        for p in self._reps:
            if self.find(p.id) == self.find(v.id):
                return p
        return None

    def same_shape(self, a, b) -> bool:
        return isinstance(a, ir.Var) and isinstance(b, ir.Var) and self.find(a.id) == self.find(
            b.id)

    def _call(self, s: ir.Assign, c: ir.Call, top: bool) -> None:
        """The result's kind from the rule's facts: its `out_kind`, the parameter
        whose shape it has, and whether its arguments are scalars."""
        rule = lookup(c.fn)
        if rule is None:
            return
        try:
            bound = bind_args(rule, c.args, c.kwargs)
        except TypeError:
            return
        if rule.scalar_args and top:  # e.g. math.sin(x) on every path: x is a scalar
            for a in c.args:
                if isinstance(a, ir.Var):
                    self.set_kind(a.id, SCALAR)
        like = bound.get(rule.same_shape) if rule.same_shape else None
        if isinstance(like, ir.Var) and "shape" not in c.kwargs:
            self.union(like.id, s.var.id)  # np.zeros_like(x) has x's shape
            return
        if rule.out_kind not in (ELEMENTWISE, REDUCE, UNKNOWN) and not callable(rule.out_kind):
            self.set_kind(s.var.id, rule.out_kind)  # a kind: "scalar", "shape", ...
            return
        if rule.out_kind == REDUCE:
            axis = bound.get("axis")
            if axis is None or isinstance(axis, ir.Const) and axis.value is None:
                self.set_kind(s.var.id, SCALAR)
            return
        if callable(rule.out_kind):
            self.set_kind(s.var.id, rule.out_kind(bound, self.kind))
            return
        if rule.out_kind != ELEMENTWISE:
            return
        vals = [a for a in bound.values() if a is not None]
        shaped = [a for a in vals if self.kind(a) != SCALAR]
        if not shaped:
            self.set_kind(s.var.id, SCALAR)
            return
        if any(not isinstance(a, ir.Var) for a in shaped):
            if any(self.kind(a) in (ARRAY, VECTOR, MATRIX, ARRAY3) for a in shaped):
                self.set_kind(s.var.id, ARRAY)
            return
        if all(self.same_shape(shaped[0], a) for a in shaped[1:]):
            self.union(shaped[0].id, s.var.id)
        elif any(self.kind(a) in (ARRAY, VECTOR, MATRIX, ARRAY3) for a in shaped):
            ks = [self.kind(a) for a in shaped]
            nd = max(NDIM[k] for k in ks) if all(k in NDIM for k in ks) else None
            self.set_kind(s.var.id, OF_NDIM.get(nd, ARRAY))

    def _block(self, stmts, top: bool) -> None:
        for s in stmts:
            if isinstance(s, ir.Assign):
                e = s.expr
                if isinstance(e, ir.Var):
                    self.union(e.id, s.var.id)
                elif isinstance(e, ir.Const):
                    self.set_kind(s.var.id, self.kind(e))
                elif isinstance(e, ir.Call):
                    self._call(s, e, top)
            elif isinstance(s, ir.If):
                self._block(s.body, False)
                self._block(s.orelse, False)
                for p in s.outs:
                    a, b = self.kind(p.then), self.kind(p.orelse)
                    if a == b and a is not None:
                        self.set_kind(p.var.id, a)
                    if self.same_shape(p.then, p.orelse):
                        self.union(p.then.id, p.var.id)
            elif isinstance(s, ir.Loop):
                self._loop(s)

    def _loop(self, s: ir.Loop) -> None:
        """Assume each carried value keeps its initial kind and shape; keep what
        the body confirms (kind and shape, else kind only, else nothing)."""
        if s.index is not None:
            self.set_kind(s.index.id, SCALAR)
        saved = (dict(self.classes.parent), dict(self.ckind))
        guesses = [(c, self.kind(c.init)) for c in s.carried]
        for same_shape in (True, False):
            for c, k in guesses:
                if k is not None:
                    self.set_kind(c.phi.id, k)
                if same_shape and isinstance(c.init, ir.Var):
                    self.union(c.init.id, c.phi.id)
            self._block(s.body, False)
            if all((k is None or self.kind(c.next) == k) and (
                    not same_shape or not isinstance(c.init, ir.Var) or c.next is c.phi
                    or isinstance(c.next, ir.Var)
                    and self.find(c.next.id) == self.find(c.phi.id)) for c, k in guesses):
                return
            self.classes.parent, self.ckind = dict(saved[0]), dict(saved[1])
        self._block(s.body, False)


def infer(fn: ir.Function, param_kinds: dict[int, str | None], namespace=None) -> Kinds:
    return Kinds(fn, param_kinds, namespace)
