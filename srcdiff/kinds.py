"""Kind inference: which values are certainly scalars, which have the same shape.

Shapes are only known at run time, so an operand that may have been broadcast
must have its adjoint summed back to its shape. Two facts let most code skip
that: (1) values of one *shape class* (an elementwise op of `x` with constants
or scalars has `x`'s shape) never broadcast against each other; (2) a value
passed to a `math` function on every path is a scalar, and so is everything in
its class. A call whose arguments are known scalars (the per-call
specialisation) makes all of scalar code reach hand-written speed.

Takes the IR and the kinds (and abstract shapes) of the parameters; gives a
`Kinds` (`infer`): per value its kind ("scalar", an array's, or None: unknown),
its shape class and abstract shape. Also here: which values are certainly a
Python float or int (`python_numbers`), and which values may be complex
(`complex_values`, refusing a differentiated call whose rule is not right for
them). A kind is never guessed: unknown
is None, and the code written for None is right for every kind.
"""
from __future__ import annotations

import ast
import builtins
import numbers
import operator
import types

import numpy as np

from . import arrays, ir, shapes, syntax
from .errors import NotDifferentiableError
from .exprs import INT_MATH
from .unionfind import UnionFind
from .rules.table import (ELEMENTWISE, LIST, REDUCE, SCALAR, UNKNOWN, bind_args,
                          complex_refusal, lookup)

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
    if isinstance(x, (int, float, complex)) or isinstance(x, np.number):
        return SCALAR
    if isinstance(x, np.ndarray) or arrays.is_array(x):  # (Dask's, CuPy's: their ndim)
        return OF_NDIM.get(x.ndim, ARRAY)
    if isinstance(x, (list, tuple)):  # `+` concatenates it, `[1:]` slices it (a LIST)
        return LIST
    if isinstance(x, numbers.Number):
        return None
    return None


def items_kind_of_value(x) -> str | None:
    """The one kind of the items of a list or tuple (`x, y = x0` of `x0=(0.0, 0.0)`
    are scalars, so `x += v` makes a new float), or None."""
    if not isinstance(x, (list, tuple)) or not x:
        return None
    ks = {kind_of_value(v) for v in x}
    return ks.pop() if len(ks) == 1 else None


TABLE_ITEMS = 256  # a longer module table is not checked at every call: its items unknown


class ItemTypes(frozenset):
    """The types of the items of a module table (`WEIGHTS = (0.1, 0.2)`, `FRICTION =
    {"steel": 0.12}`), as the kinds assumed them: a list or dict can change in place,
    so a call checks them again (`guard_holds`), not only the table's own type."""

    @classmethod
    def of(cls, x):
        if isinstance(x, dict):
            return cls(map(type, x.values()))
        return cls(map(type, x)) if isinstance(x, (list, tuple)) else None


class ArrayKey(tuple):
    """What the kinds assumed of a module-level NumPy array (data read by the function:
    `X`, `targets`): its dtype, number of dimensions and which have size 1
    (`shapes.key`), so that its unbroadcasts are decided when code is written. A call
    checks it again: the array may be rebound to one of another shape."""

    @classmethod
    def of(cls, x):
        return cls(shapes.key(x)) if type(x) is np.ndarray else None


def guard_holds(value, expected) -> bool:
    """Whether a global the kinds read still is what they assumed: its type, for a
    table its items' types, for an array its shape key."""
    if isinstance(expected, ItemTypes):
        return ItemTypes.of(value) == expected
    if isinstance(expected, ArrayKey):
        return ArrayKey.of(value) == expected
    return type(value) is expected


def table_items_kind(x) -> str | None:
    """SCALAR when every item (a dict's values) of a small module table is a Python
    or NumPy number, not a bool; else None."""
    if not isinstance(x, (list, tuple, dict)) or not x or len(x) > TABLE_ITEMS:
        return None
    vals = x.values() if isinstance(x, dict) else x
    return SCALAR if all(type(v) in (int, float) or isinstance(v, np.number)
                         for v in vals) else None


class Kinds:
    """`kind(atom)` is SCALAR, ARRAY or None; `same_shape(a, b)` is certain."""

    def __init__(self, fn: ir.Function, param_kinds: dict[int, str | None], namespace=None,
                 param_shapes=None, cells=None, param_items=None):
        self.classes = UnionFind()
        self.ckind: dict[int, str | None] = {}
        self.cshape: dict[int, tuple] = {}  # class root -> abstract shape (shapes.py)
        self.described: dict[int, tuple] = {}  # a shape's or size's var id -> what it describes
        self.unstable: set[int] = set()  # carried values whose shape may change (_unstable)
        # a list or tuple made by a call (a display, a slice, `+`) -> its items' one kind;
        # by value, not class: a loop-carried list's items may change kind from trip to trip
        self.items: dict[int, str] = {k: v for k, v in (param_items or {}).items() if v}
        self.calls: dict[int, tuple] = {}  # a call's result -> (its rule, bound arguments)
        for pid, sh in (param_shapes or {}).items():
            if sh is not None:
                self.cshape[pid] = sh
        self.namespace = namespace  # f's globals: a global's kind is read at build time
        # what f's closure cells hold (`self` of a bound method): an attribute's kind too
        self.cells = dict(cells or {})
        # global name (or (module, attribute)) -> the type the kinds assumed
        self.guards: dict = {}
        for pid, k in param_kinds.items():
            self.ckind[pid] = k
        self.complex: set[int] = set()  # the values that may be complex (complex_values)
        self._fn = fn
        self.var_of = {p.id: p for p in fn.params}
        for st in ir.walk(fn.body):
            for v in ir.stmt_defs(st):
                self.var_of[v.id] = v
        inits = {c.init.id for st in ir.walk(fn.body) if isinstance(st, ir.Loop)
                 for c in st.carried if isinstance(c.init, ir.Var)}
        self._nones = {c.phi.id for st in ir.walk(fn.body) if isinstance(st, ir.Loop)
                       for c in st.carried if isinstance(c.init, ir.Const) and c.init.value is None}
        self._reps = [p for p in fn.params if p.id not in inits]  # names never reused
        self._params = {p.id for p in fn.params}
        # then values of the top-level block (defined on every path, never in a loop)
        self._reps += [v for st in fn.body if isinstance(st, ir.Assign)
                       for v in ir.stmt_defs(st) if v.user and v.id not in inits]
        # then the other values computed there that another one reads (so computed
        # anyway): `np.size(t)`, not `np.size(t ** 2)`
        operands = {u.id for st in ir.walk(fn.body) if isinstance(st, ir.Assign)
                    for u in ir.expr_uses(st.expr)}
        self._reps += [v for st in fn.body if isinstance(st, ir.Assign)
                       for v in ir.stmt_defs(st)
                       if not v.user and v.id not in inits and v.id in operands]
        for _ in range(3):
            before = dict(self.ckind)
            self._block(fn.body, top=True)
            if before == self.ckind:
                break

    def find(self, i: int) -> int:
        return self.classes.find(i)

    def union(self, a: int, b: int) -> None:
        """One shape class; its kind is the kind both agree on (or the known one),
        and so is its abstract shape."""
        if a in self.unstable or b in self.unstable:
            return
        ra, rb = self.find(a), self.find(b)
        ka, kb = self.ckind.get(ra), self.ckind.get(rb)
        sa, sb = self.cshape.get(ra), self.cshape.get(rb)
        root = self.classes.link(a, b)
        if root is not None:
            self.ckind[root] = ka if ka == kb else (ka or kb if None in (ka, kb) else None)
            self.cshape.pop(ra, None)
            self.cshape.pop(rb, None)
            merged = sa if sa == sb or sb is None else (sb if sa is None else None)
            if merged is not None:
                self.cshape[root] = merged

    def set_shape(self, vid: int, sh) -> None:
        r = self.find(vid)
        if sh is not None and r not in self.cshape:
            self.cshape[r] = sh

    def shape(self, a, described: bool = False):
        """The abstract shape of an atom (shapes.py), or None; with `described`, the
        shape a shape value or a size describes (Rule.describes; an int constant n
        describes (n,))."""
        if described:
            if isinstance(a, ir.Const) and type(a.value) is int:
                return (1,) if a.value == 1 else (shapes.N,) if a.value > 1 else None
            return self.described.get(a.id) if isinstance(a, ir.Var) else None
        if self.kind(a) == SCALAR:
            return ()
        if isinstance(a, ir.Var):
            return self.cshape.get(self.find(a.id))
        if isinstance(a, ir.Opaque) and not a.uses and self.namespace is not None:
            return self.global_shape(a.node)
        return None

    def set_kind(self, vid: int, k) -> None:
        r = self.find(vid)
        if self.ckind.get(r) is None and k is not None:
            self.ckind[r] = k

    def is_complex(self, a) -> bool:
        """Whether the atom may be complex (`complex_values`)."""
        if isinstance(a, ir.Var):
            return a.id in self.complex
        return isinstance(a, ir.Const) and is_complex_value(a.value)

    def kind(self, a, item: bool = False):
        """a's kind; with `item`, the kind of each item of the list or tuple a."""
        if item:
            if isinstance(a, ir.Opaque) and not a.uses and self.namespace is not None:
                return self.table_kind(a.node)
            return self.items.get(a.id) if isinstance(a, ir.Var) else None
        if isinstance(a, ir.Var):
            return self.ckind.get(self.find(a.id))
        if isinstance(a, ir.Const):
            return SCALAR if isinstance(a.value, (int, float, complex)) and not isinstance(
                a.value, bool) else None
        if isinstance(a, ir.Opaque) and not a.uses:
            value = _literal(a.node)  # a literal kept as written: `-1` of xs[-1]
            if type(value) in (int, float):
                return SCALAR
            if self.namespace is not None:
                return self.global_kind(a.node)
        return None

    def global_kind(self, node):
        """The kind of a module constant (`SCALE`, `math.pi`) as it is now; the
        caller re-specialises if its type changes."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            mod = self.namespace.get(node.value.id, self.cells.get(node.value.id))
            if isinstance(mod, types.ModuleType):
                value = getattr(mod, node.attr, None)
                if kind_of_value(value) is not None:
                    self.guards[(mod, node.attr)] = type(value)
                return kind_of_value(value)
            own = getattr(mod, "__dict__", None)
            if isinstance(own, dict) and node.attr in own and not isinstance(mod, type):
                value = own[node.attr]  # `self.lam` of the user's object, read live
                k = kind_of_value(value)
                if k is not None:
                    self.guards[(mod, node.attr)] = type(value)
                return ARRAY if k in (VECTOR, MATRIX, ARRAY3) else k
            return None
        if isinstance(node, ast.Name) and node.id in self.namespace:
            value = self.namespace[node.id]
            k = kind_of_value(value)
            if type(value) is np.ndarray:  # its rank and unit dimensions, guarded
                self.guards[node.id] = ArrayKey.of(value)
                return k
            if k is not None:
                self.guards[node.id] = type(value)
            return ARRAY if k in (VECTOR, MATRIX, ARRAY3) else k
        return None

    def global_shape(self, node):
        """The abstract shape of a module-level NumPy array read by name (guarded by
        global_kind), or None."""
        if isinstance(node, ast.Name) and isinstance(self.guards.get(node.id), ArrayKey):
            return shapes.of_value(self.namespace[node.id])
        return None

    def table_kind(self, node):
        """The one kind of the items of a module table (a global tuple, list or dict of
        numbers: coefficients, weights, material constants), guarded by their types."""
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return None
        value = _global_value(node, self.namespace)
        k = table_items_kind(value)
        if k is not None:
            key = node.id if isinstance(node, ast.Name) else None
            if key is None:  # `consts.TABLE`: a module's attribute
                mod = _global_value(node.value, self.namespace)
                key = (mod, node.attr)
            self.guards[key] = ItemTypes.of(value)
        return k

    def representative(self, v: ir.Var, seen: set | None = None):
        """A parameter (or a top-level value, one of `seen` when given) certainly of
        `v`'s shape, or None."""
        if self.kind(v) == SCALAR:
            return None
        for p in self._reps:
            if self.find(p.id) == self.find(v.id) and (
                    seen is None or p.id in seen or p.id in self._params):
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
        self.calls[s.var.id] = (rule, bound)
        sh = shapes.of_call(rule, bound, self.shape)
        self.set_shape(s.var.id, sh)
        if sh:  # an array of known rank (`np.outer(u, v)`, `x.sum(axis=0)` of a matrix)
            self.set_kind(s.var.id, OF_NDIM.get(len(sh), ARRAY))
        self._rule_kind(s, rule, bound, top)

    def _rule_kind(self, s: ir.Assign, rule, bound, top: bool) -> None:
        c = s.expr
        d = rule.describes(bound, self.shape) if rule.describes is not None else None
        if d is not None:
            self.described[s.var.id] = d
        else:
            self.described.pop(s.var.id, None)
        if rule.scalar_args and top:  # e.g. math.sin(x) on every path: x is a scalar
            for a in c.args:
                if isinstance(a, ir.Var):
                    self.set_kind(a.id, SCALAR)
        like = bound.get(rule.same_shape) if rule.same_shape else None
        if isinstance(like, ir.Var) and "shape" not in c.kwargs:
            self.union(like.id, s.var.id)  # np.zeros_like(x) has x's shape
            self._items(s.var, rule, bound)  # (`xs[i] = v` of a list: its items' kind)
            return
        if rule.out_kind not in (ELEMENTWISE, REDUCE, UNKNOWN) and not callable(rule.out_kind):
            self.set_kind(s.var.id, rule.out_kind)  # a kind: "scalar", "shape", ...
            self._items(s.var, rule, bound)
            return
        if rule.out_kind == REDUCE:
            axis = bound.get("axis")
            if axis is None or isinstance(axis, ir.Const) and axis.value is None:
                self.set_kind(s.var.id, SCALAR)
            return
        if callable(rule.out_kind):
            k = rule.out_kind(bound, self.kind)
            if isinstance(k, tuple):  # (LIST, the kind of its items)
                k, items = k
                if items is not None:
                    self.items[s.var.id] = items
            self.set_kind(s.var.id, k)
            return
        if rule.out_kind != ELEMENTWISE:
            return
        vals = [a for a in bound.values() if a is not None and not _none(a)]
        ks = [self.kind(a) for a in vals]
        if rule.sequences and LIST in ks and not set(ks) & {ARRAY, VECTOR, MATRIX, ARRAY3}:
            self.set_kind(s.var.id, LIST)  # `[a] + [b]` concatenates: a list
            self._items(s.var, rule, bound)
            return
        self._broadcast(s, vals)

    def _broadcast(self, s: ir.Assign, vals: list) -> None:
        """The kind of an elementwise result of the operands `vals`: a scalar of
        scalars, else the shape class of the one operand (or the dominant one) that
        all the others broadcast against."""
        shaped = [a for a in vals if self.kind(a) != SCALAR]
        if not shaped:
            self.set_kind(s.var.id, SCALAR)
            return
        if any(not isinstance(a, ir.Var) for a in shaped):
            if any(self.kind(a) in (ARRAY, VECTOR, MATRIX, ARRAY3) for a in shaped):
                self.set_kind(s.var.id, ARRAY)
            return
        dominant = self.dominant(shaped)
        if all(self.same_shape(shaped[0], a) for a in shaped[1:]):
            self.union(shaped[0].id, s.var.id)
        elif dominant is not None:
            self.union(dominant.id, s.var.id)
        elif any(self.kind(a) in (ARRAY, VECTOR, MATRIX, ARRAY3) for a in shaped):
            ks = [self.kind(a) for a in shaped]
            nd = max(NDIM[k] for k in ks) if all(k in NDIM for k in ks) else None
            self.set_kind(s.var.id, OF_NDIM.get(nd, ARRAY))

    def _items(self, v: ir.Var, rule, bound: dict) -> None:
        """The one kind of the items of the list v, if known: those of the arguments
        the result holds (`keeps`: a display's, append's `v`) and the items of the
        lists it is made from (`acc` of append, `a + b`). (A rule whose `out_kind` is
        a function says it itself: `(LIST, items)`.)"""
        if self.kind(v) != LIST:
            return
        ks = set()
        for name, a in bound.items():
            held = name in rule.keeps or ("*" in rule.keeps and name.startswith("_"))
            if held:
                ks.add(self.kind(a))
            elif self.kind(a) == LIST:
                ks.add(self.kind(a, item=True))
        if len(ks) == 1 and None not in ks:
            self.items[v.id] = ks.pop()

    def dominant(self, vals):
        """The operand whose shape an elementwise result certainly has, because
        broadcasting the others stretches none of its dimensions (`X - mu`, X of
        abstract shape (n, n) and mu (n,), has X's shape); None if no operand is
        known to be it."""
        shs = [self.shape(a) for a in vals]
        if any(sh is None for sh in shs):
            return None
        for a, sa in zip(vals, shs):
            if a.id in self.unstable:
                continue
            if all(len(sb) <= len(sa) and all(
                    db == 1 or da == shapes.N for da, db in zip(sa[len(sa) - len(sb):], sb))
                   for sb in shs):
                return a
        return None

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
                elif isinstance(e, ir.Opaque):
                    self._opaque(s, e)
            elif isinstance(s, ir.If):
                self._block(s.body, False)
                self._block(s.orelse, False)
                for p in s.outs:
                    a, b = self.kind(p.then), self.kind(p.orelse)
                    # a name assigned only in a loop (None until then) takes the other kind
                    a = b if a is None and self._unassigned(p.then) else a
                    b = a if b is None and self._unassigned(p.orelse) else b
                    if a == b and a is not None:
                        self.set_kind(p.var.id, a)
                    if self.same_shape(p.then, p.orelse):
                        self.union(p.then.id, p.var.id)
                    sa, sb = self.shape(p.then), self.shape(p.orelse)
                    sa = sb if self._unassigned(p.then) else sa
                    sb = sa if self._unassigned(p.orelse) else sb
                    if sa == sb:
                        self.set_shape(p.var.id, sa)
            elif isinstance(s, ir.Loop):
                self._loop(s)

    def _opaque(self, s: ir.Assign, e: ir.Opaque) -> None:
        """A comparison or a logical operator kept as written (`x > 0`, `m & (y < 1)`,
        `~m`) is elementwise in its operands: a mask of their broadcast shape (so
        `np.where(x > 0, a, 0.0)` keeps x's shape class)."""
        vals = _elementwise_operands(e)
        if vals is None:
            return
        self.set_shape(s.var.id, shapes.broadcast(*(self.shape(a) for a in vals)))
        self._broadcast(s, vals)

    def _unassigned(self, a) -> bool:
        """Whether `a` is None standing for a name not yet assigned: a loop-carried
        value that starts as None (lower.py carries a name assigned only inside the
        loop that way) or the None side of a phi of a name one branch assigns
        (read only where it is bound: a read elsewhere raises, as in Python)."""
        return (isinstance(a, ir.Var) and a.id in self._nones
                or isinstance(a, ir.Const) and a.value is None)

    def _loop(self, s: ir.Loop) -> None:
        """Assume each carried value keeps its initial kind and shape; keep what
        the body confirms (kind and shape, else kind only, else nothing). With
        kind only, an abstract shape is still kept where the body maps it to
        itself (widened to what two trips agree on: `h = np.tanh(h @ W + b)`)."""
        if s.index is not None:
            self.set_kind(s.index.id, SCALAR)
        saved = (dict(self.classes.parent), dict(self.ckind), dict(self.cshape),
                 dict(self.described))
        # a name the loop assigns before reading (it starts as None): its assigned kind
        guesses = [(c, self.kind(c.next if isinstance(c.init, ir.Const) and c.init.value is None
                                 and c.next is not None else c.init)) for c in s.carried]
        for same_shape in (True, False):
            assumed = {c.phi.id: None if same_shape else self.shape(c.init)
                       for c in s.carried}
            for _round in range(3 + len(guesses)):
                for c, k in guesses:
                    if k is not None:
                        self.set_kind(c.phi.id, k)
                    if same_shape and isinstance(c.init, ir.Var):
                        self.union(c.init.id, c.phi.id)
                    self.set_shape(c.phi.id, assumed[c.phi.id])
                self._block(s.body, False)
                unconfirmed = {c.phi.id for c, k in guesses
                               if k is not None and self.kind(c.next) != k}
                ok = not unconfirmed and all(
                    not same_shape or not isinstance(c.init, ir.Var) or c.next is c.phi
                    or isinstance(c.next, ir.Var)
                    and self.find(c.next.id) == self.find(c.phi.id) for c, k in guesses)
                wider = {c.phi.id: shapes.join(assumed[c.phi.id], self.shape(c.next))
                         for c in s.carried}
                if ok and wider == assumed:
                    if not same_shape:
                        self._unstable(s)
                    return
                self.classes.parent, self.ckind, self.cshape, self.described = (
                    dict(saved[0]), dict(saved[1]), dict(saved[2]), dict(saved[3]))
                if unconfirmed:  # drop the kinds a trip changes; the others are tried again
                    guesses = [(c, None if c.phi.id in unconfirmed else k) for c, k in guesses]
                    continue
                if not ok or same_shape:
                    break
                assumed = wider
        self._unstable(s)
        self._block(s.body, False)

    def _unstable(self, s: ir.Loop) -> None:
        """The carried values of a loop whose shape may change from trip to trip
        (`h` of shape (1, n) broadcast to (b, n)) join no shape class: one is
        never read for the shape of another (`h * h` after the loop)."""
        self.unstable |= {c.phi.id for c in s.carried
                          if self.find(c.phi.id) != self.find(getattr(c.init, "id", -1))}


def infer(fn: ir.Function, param_kinds: dict[int, str | None], namespace=None,
          param_shapes=None, cells=None, param_items=None) -> Kinds:
    return Kinds(fn, param_kinds, namespace, param_shapes, cells, param_items)


# ----- complex values: which values may be complex (from a complex argument, a complex
# constant such as 1j, a complex global or dtype, `complex(...)`, np.fft, cmath); a
# differentiated call meeting one is refused unless its rule is right for complex operands
# (Rule.complex), never differentiated with real formulas (abs(z) as sign(z)) -----
_COMPLEX_MODULES = ("numpy.fft", "cmath", "numpy.lib.scimath", "numpy.emath")
# functions whose result is real whatever their operands
_REAL_OF_COMPLEX = {abs, np.abs, np.real, np.imag, np.angle, np.iscomplex, np.isreal,
                    ("attr", "real"), ("attr", "imag"), ("method", "__abs__"),
                    len, np.shape, np.size, np.ndim, ("attr", "shape"), ("attr", "size"),
                    ("attr", "ndim"), operator.eq, operator.ne, np.isfinite, np.isnan}
_SHIFTS = {np.fft.fftshift, np.fft.ifftshift}  # (of np.fft, but real for a real operand)


def is_complex_value(x) -> bool:
    """A complex number or array, or a complex dtype (`dtype=complex`)."""
    if isinstance(x, (complex, np.complexfloating)):
        return True
    if isinstance(x, np.ndarray) or arrays.is_array(x):
        return x.dtype.kind == "c"
    if isinstance(x, type):
        return issubclass(x, (complex, np.complexfloating))
    if isinstance(x, np.dtype):
        return x.kind == "c"
    if isinstance(x, (list, tuple)):
        return any(is_complex_value(v) for v in x[:64])
    if isinstance(x, str):  # a dtype by name ("F" is also order="F": not read as one)
        return x.startswith("complex") or x.lstrip("<>=") in ("c8", "c16", "c32")
    return False


def _global_value(node, namespace):
    """The value of a global name or a module attribute (`W`, `np.complex128`), or None."""
    if isinstance(node, ast.Name):  # (a builtin too: `dtype=complex`)
        return namespace.get(node.id, getattr(builtins, node.id, None))
    if isinstance(node, ast.Attribute):
        base = _global_value(node.value, namespace)
        return getattr(base, node.attr, None) if isinstance(base, types.ModuleType) else None
    return None


# the files of derivative code written for any arguments (a generic build: real ones), which
# a function srcdiff transforms may inline (`grad(f)(z)` called inside it)
REAL_ONLY: set[str] = set()


def complex_values(fn: ir.Function, active: set, namespace, params=(), wrt=()) -> set[int]:
    """The ids of the values that may be complex, given the complex parameters `params`
    (ids); refuses, located, the first differentiated call (its result or an operand
    differentiated, or a zero-derivative one of a value varying with `wrt`, as np.sign,
    whose result activity never follows) that meets one and whose rule is not right
    for complex values."""
    tainted: set[int] = set(params)
    varied: set[int] = set(wrt)
    from_args: set[int] = set(params)  # complex because a complex argument is

    def complex_atom(a) -> bool:
        if isinstance(a, ir.Var):
            return a.id in tainted
        if isinstance(a, ir.Const):
            return is_complex_value(a.value)
        if isinstance(a, ir.Opaque):
            if a.nondiff:
                return False
            if any(v.id in tainted for v in a.uses.values()):
                return True
            for n in syntax.walk(a.node):
                if isinstance(n, ast.Constant) and isinstance(n.value, complex):
                    return True
            return not a.uses and is_complex_value(_global_value(a.node, namespace or {}))
        return False

    def operands(c: ir.Call) -> list:
        return list(c.args) + list(c.kwargs.values())

    def complex_result(c: ir.Call) -> bool:
        if _hashable(c.fn) and c.fn in _REAL_OF_COMPLEX:
            return False
        if c.fn is complex or getattr(c.fn, "__module__", None) in _COMPLEX_MODULES and (
                not _hashable(c.fn) or c.fn not in _SHIFTS):
            return True
        return any(map(complex_atom, operands(c)))

    def uses(c: ir.Call) -> set[int]:
        return {v.id for a in operands(c) for v in (
            [a] if isinstance(a, ir.Var) else a.uses.values() if isinstance(a, ir.Opaque)
            else [])}

    def real_only(s: ir.Assign) -> None:
        """Generic derivative code inlined here meeting a complex value: refused (its
        rules were chosen for real values: np.angle's derivative there is 0)."""
        if s.loc is None or s.loc.filename not in REAL_ONLY:
            return
        # (its own complex constants were taken into account when it was written; a
        # complex argument of f may reach it without any value it computes reading it:
        # grad(np.imag)'s code for real arguments is a constant 0)
        if params or s.var.id in from_args:
            raise NotDifferentiableError(
                "a derivative srcdiff wrote for real arguments, called inside this function, "
                "meets a complex value here: call the derivative outside the function "
                "being differentiated (jvp(grad(f)) and vjp(grad(f)) take complex "
                "arguments)", s.loc)

    def check(s: ir.Assign) -> None:
        c = s.expr
        rule = lookup(c.fn) if _hashable(c.fn) else None
        if not (s.var.id in active or uses(c) & active
                or rule is not None and rule.zero and uses(c) & varied):
            return
        if not (s.var.id in tainted or any(map(complex_atom, operands(c)))):
            return
        if rule is None or rule.complex is None:
            name = rule.name if rule is not None else c.spelling or "this call"
            raise NotDifferentiableError(complex_refusal(name), s.loc)

    def block(stmts) -> None:
        for s in stmts:
            if isinstance(s, ir.Assign):
                e = s.expr
                if complex_result(e) if isinstance(e, ir.Call) else complex_atom(e):
                    tainted.add(s.var.id)
                    if (uses(e) if isinstance(e, ir.Call) else {getattr(e, "id", None)}
                            ) & from_args:
                        from_args.add(s.var.id)
                real_only(s)
                if isinstance(e, ir.Call):
                    if uses(e) & varied:
                        varied.add(s.var.id)
                    check(s)
                elif isinstance(e, ir.Var) and e.id in varied:
                    varied.add(s.var.id)
            elif isinstance(s, ir.If):
                block(s.body)
                block(s.orelse)
                tainted.update(p.var.id for p in s.outs
                               if complex_atom(p.then) or complex_atom(p.orelse))
                varied.update(p.var.id for p in s.outs if {
                    getattr(p.then, "id", None), getattr(p.orelse, "id", None)} & varied)
                from_args.update(p.var.id for p in s.outs if {
                    getattr(p.then, "id", None), getattr(p.orelse, "id", None)} & from_args)
            elif isinstance(s, ir.Loop):
                for _ in range(2):  # a value made complex in one trip is carried to the next
                    tainted.update(c.phi.id for c in s.carried if complex_atom(c.init)
                                   or c.next is not None and complex_atom(c.next))
                    varied.update(c.phi.id for c in s.carried if {
                        getattr(c.init, "id", None), getattr(c.next, "id", None)} & varied)
                    from_args.update(c.phi.id for c in s.carried if {
                        getattr(c.init, "id", None), getattr(c.next, "id", None)} & from_args)
                    block(s.body)

    block(fn.body)
    return tainted


def _hashable(x) -> bool:
    try:
        hash(x)
        return True
    except TypeError:
        return False


# ----- Python numbers: which scalars are certainly a Python float (or int), so that a
# gradient of a float parameter is returned as one without a float(...) call -----
FLOAT, INT = "float", "int"
_ARITH = {operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod}


def python_numbers(fn: ir.Function, types: dict, kinds: Kinds) -> dict:
    """Var id (or global name) -> FLOAT or INT for the values certainly a Python float or
    int, given the parameters' types (those it has) and the globals' values (their types
    then guarded, as `kinds.global_kind` does). Python's arithmetic of floats and ints
    gives floats and ints; a NumPy scalar anywhere gives a NumPy scalar (not known)."""
    out: dict = {}
    for p in fn.params:
        t = types.get(p.id)
        if t is float or t is int:
            out[p.id] = FLOAT if t is float else INT

    def num(a):
        if isinstance(a, ir.Var):
            return out.get(a.id)
        if isinstance(a, ir.Const) and type(a.value) in (int, float):
            return FLOAT if type(a.value) is float else INT
        if isinstance(a, ir.Opaque) and not a.uses and kinds.namespace is not None:
            value = _global_value(a.node, kinds.namespace)
            if type(value) in (int, float):
                k = FLOAT if type(value) is float else INT
                if isinstance(a.node, ast.Name):
                    kinds.guards[a.node.id] = type(value)
                    out[a.node.id] = k  # (keyed by its name: code reads it as written)
                return k
        return None

    def call(c: ir.Call):
        args = [num(a) for a in c.args]
        if c.fn is float or c.fn is int:  # (of anything)
            return FLOAT if c.fn is float else INT
        if c.fn is operator.getitem and isinstance(c.args[0], ir.Opaque) and kinds.kind(
                c.args[0], item=True) == SCALAR:
            held = ItemTypes.of(_global_value(c.args[0].node, kinds.namespace))
            if held in ({float}, {int}):  # a module table of Python floats (guarded)
                return FLOAT if held == {float} else INT
        if c.kwargs or None in args:
            return _math_result(c.fn) if not c.kwargs else None
        if c.fn in _ARITH and len(args) == 2:
            return FLOAT if FLOAT in args else INT
        if c.fn is operator.truediv and len(args) == 2:
            return FLOAT
        if c.fn is operator.pow and len(args) == 2:  # (-8.0) ** (1 / 3) is complex
            return FLOAT if args == [FLOAT, INT] else None
        if c.fn in (operator.neg, operator.pos, abs) and len(args) == 1:
            return args[0]
        if c.fn in (max, min) and len(set(args)) == 1 and len(args) > 1:
            return args[0]
        return _math_result(c.fn)

    def block(stmts) -> None:
        for s in stmts:
            if isinstance(s, ir.Assign):
                k = call(s.expr) if isinstance(s.expr, ir.Call) else num(s.expr)
                if k is not None:
                    out[s.var.id] = k
            elif isinstance(s, ir.If):
                block(s.body)
                block(s.orelse)
                for p in s.outs:
                    if num(p.then) is not None and num(p.then) == num(p.orelse):
                        out[p.var.id] = num(p.then)
            elif isinstance(s, ir.Loop):
                if s.index is not None and s.kind == "range" and all(
                        num(b) == INT for b in s.bounds):
                    out[s.index.id] = INT
                guess = {c.phi.id: num(c.init) for c in s.carried if num(c.init) is not None}
                while True:  # assume the initial types; keep those every trip confirms
                    saved = dict(out)
                    out.update(guess)
                    block(s.body)
                    kept = {i: k for i, k in guess.items()
                            if num(next(c.next for c in s.carried if c.phi.id == i)) == k}
                    if kept == guess:
                        break
                    out.clear()
                    out.update(saved)
                    guess = kept

    block(fn.body)
    return out


def _math_result(f):
    """A `math` function's result: an int for floor, ceil, ..., else a float."""
    rule = lookup(f) if _hashable(f) else None
    if rule is None or not rule.scalar_args:
        return None
    return INT if getattr(f, "__name__", "") in INT_MATH else FLOAT


_MASK_OPS = (ast.BitAnd, ast.BitOr, ast.BitXor)


def _none(a) -> bool:
    """An argument passed as None (`np.clip(x, 0.0, None)`): not an operand."""
    return isinstance(a, ir.Const) and a.value is None


def _elementwise_operands(e: ir.Opaque) -> list | None:
    """The operands of an elementwise expression kept as written, as atoms (SSA
    values and number constants), or None when it is anything else."""
    def operands(n) -> list | None:
        if isinstance(n, ast.Compare):
            parts = [n.left, *n.comparators]
        elif isinstance(n, ast.BinOp) and isinstance(n.op, _MASK_OPS):
            parts = [n.left, n.right]
        elif isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Invert):
            parts = [n.operand]
        elif isinstance(n, ast.Name) and n.id in e.uses:
            return [e.uses[n.id]]
        elif isinstance(n, (ast.Constant, ast.UnaryOp)) and type(_literal(n)) in (int, float):
            return [ir.Const(_literal(n))]  # (`-1.0` too)
        else:
            return None
        out = []
        for p in parts:
            got = operands(p)
            if got is None:
                return None
            out += got
        return out
    if isinstance(e.node, ast.Compare) and any(
            isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in e.node.ops):
        return None
    return operands(e.node) if isinstance(e.node, (ast.Compare, ast.BinOp, ast.UnaryOp)) \
        else None


def _literal(n):
    try:
        return ast.literal_eval(n)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
