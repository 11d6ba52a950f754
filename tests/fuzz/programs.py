"""Random valid Python programs for differential testing of srcdiff, as hypothesis strategies.

`programs(numpy=False)` draws a `Program`: the text of a module defining helper
functions and a main function `f` of 1-4 float (or small array) inputs, plus an
evaluation point. Every program is valid by construction:

- math functions see only arguments inside their domains (`math.log(1 + v * v)`,
  `math.sqrt(2 + math.sin(v))`, division by `1.5 + v * v`, `math.asin(0.9 *
  math.tanh(v))`, non-integer powers only of positive bases, ...), except in the
  rarer `domain` expressions (`math.log(v)`) and `assert`s, where the primal may
  raise at the point: the oracle then requires the derivative to raise the same error;
- loops run over small constant ranges, while loops over bounded integer counters
  (incremented first, so `continue` cannot spin);
- a variable is read only where it is defined on every path.

Branch conditions, `abs`, `max` and `min` may depend on any value. The module is
rendered twice: `source` is the program as a user would write it, `probe_source` is
the same arithmetic with every branch decision recorded (`_br(cond)`, `_abs(v)`,
...), so that the oracle (`judge`) can reject a finite-difference stencil that
crosses a branch boundary instead of calling it a wrong derivative.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import math
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

S, V, M, W = (), (3,), (2, 3), (2,)
SUBSHAPES = {S: [S], V: [S, V], M: [S, V, M], W: [S, W]}


# ----- expression trees, rendered plain or with probes -----
class Node:
    """An expression: `fmt(probe, *children)` renders it; `atomic` says it needs no
    parentheses as an operand."""

    def __init__(self, fmt, children=(), atomic=True, shape=S):
        self.fmt, self.children, self.atomic, self.shape = fmt, tuple(children), atomic, shape

    def render(self, probe: bool) -> str:
        return self.fmt(probe, *[_Rendered(c.render(probe), c.atomic) for c in self.children])


class _Rendered(str):
    """A rendered child: `str(c)` raw, `c.p` parenthesised unless atomic."""

    def __new__(cls, text, atomic):
        obj = super().__new__(cls, text)
        obj.p = text if atomic else f"({text})"
        return obj


def leaf(text, shape=S):
    return Node(lambda probe: text, (), True, shape)


def call(template, *children, shape=S, probe_template=None):
    """`template` uses {0}, {1} (raw) and {p0}, {p1} (parenthesised) for the children."""
    def fmt(probe, *cs):
        t = probe_template if (probe and probe_template) else template
        return t.format(*cs, **{f"p{i}": c.p for i, c in enumerate(cs)})
    return Node(fmt, children, True, shape)


def binop(op, a, b, shape):
    return Node(lambda probe, x, y: f"{x.p} {op} {y.p}", (a, b), False, shape)


def neg(a):
    return Node(lambda probe, x: f"-{x.p}", (a,), False, a.shape)


# Unary templates valid on all of R. `dup` ones read their argument twice, so they take a leaf.
SCALAR_UNARY = [
    ("math.sin({0})", False), ("math.cos({0})", False), ("math.tanh({0})", False),
    ("math.atan({0})", False), ("math.exp(math.sin({0}))", False),
    ("math.exp(-{p0} * {p0})", True), ("math.log(1 + {p0} * {p0})", True),
    ("math.sqrt(2 + math.sin({0}))", False), ("math.sqrt(1 + {p0} * {p0})", True),
    ("math.log1p({p0} * {p0})", True), ("math.asin(0.9 * math.tanh({0}))", False),
    ("math.acos(0.5 * math.sin({0}))", False), ("math.sinh(math.sin({0}))", False),
    ("math.cosh(math.tanh({0}))", False), ("math.erf({0})", False),
    ("math.exp(math.tanh({0}))", False), ("math.log(2 + math.cos({0}))", False),
    ("math.hypot({0}, 1.5)", False), ("{p0} ** 2", False), ("{p0} ** 3", False),
    ("{p0} ** 2.0", False), ("(1.5 + {p0} * {p0}) ** 0.5", True),
    ("(1 + {p0} * {p0}) ** -1.5", True), ("2.0 ** math.sin({0})", False),
    ("pow({0}, 2)", False), ("math.pow(1 + {p0} * {p0}, 1.5)", True),
    ("{p0} / (2 + math.cos({0}))", True), ("{p0} / 3.0", False),
    ("math.atan2({0}, 2.5)", False), ("math.expm1(math.sin({0}))", False),
    ("math.log2(3 + math.sin({0}))", False), ("math.atanh(0.5 * math.tanh({0}))", False),
]
ARRAY_UNARY = [
    ("np.sin({0})", False), ("np.cos({0})", False), ("np.tanh({0})", False),
    ("np.arctan({0})", False), ("np.exp(np.sin({0}))", False),
    ("np.log(1 + {p0} * {p0})", True), ("np.sqrt(2 + np.sin({0}))", False),
    ("{p0} ** 2", False), ("np.exp(-{p0} * {p0})", True), ("np.square({0})", False),
    ("{p0} / (1.5 + {p0} * {p0})", True), ("np.log1p({p0} * {p0})", True),
]
# Binary templates (both arguments leaves where read twice).
SCALAR_BINARY = [
    ("{p0} / (1.5 + {p1} * {p1})", True), ("(1.5 + {p0} * {p0}) ** math.sin({1})", True),
    ("math.atan2({0}, 2 + math.cos({1}))", False), ("math.hypot({0}, 1 + {p1} * {p1})", True),
]


@dataclass
class Program:
    source: str  # the module as a user writes it; the function under test is `f`
    probe_source: str  # the same module with branch decisions recorded in `_TRACE`
    params: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    point: tuple  # floats, or ndarrays for the array parameters
    features: frozenset = field(default_factory=frozenset)

    @property
    def straight_line(self) -> bool:
        return not (self.features & {"if", "for", "while", "ifexp", "helper", "return"})

    def __repr__(self) -> str:
        pts = ", ".join(_fmt_value(v) for v in self.point)
        return f"Program(at=({pts}),\n{self.source})"


def _fmt_value(v) -> str:
    if isinstance(v, np.ndarray):
        return f"np.array({v.tolist()!r})"
    return repr(v)


# Module globals named like srcdiff's internal names and like adjoints (issue 15.6),
# and objects srcdiff cannot see into (15.2): both renders define them.
GLOBALS = '''\
__v0 = 1.5
__d1 = 0.5
d_x0 = 0.25
_t1 = 2.0


class Table:
    def __init__(self, s):
        self.s = s

    def __getitem__(self, key):
        return key[0] * self.s + key[1]


class Square:
    def __call__(self, v):
        return v * v


T = Table(2.0)
square = Square()
'''
GLOBAL_NAMES = ["__v0", "__d1", "d_x0", "_t1"]

PROBE_HEADER = '''\
import math
import numpy as np

_TRACE = []


def _br(c):
    _TRACE.append(bool(c))
    return c


def _sgn(v):
    _TRACE.append(np.sign(np.asarray(v, dtype=float)).tobytes())


def _abs(v):
    _sgn(v)
    return abs(v)


def _max(a, b):
    _sgn(a - b)
    return max(a, b)


def _min(a, b):
    _sgn(a - b)
    return min(a, b)


def _nabs(v):
    _sgn(v)
    return np.abs(v)


def _maximum(a, b):
    _sgn(np.asarray(a) - np.asarray(b))
    return np.maximum(a, b)


def _minimum(a, b):
    _sgn(np.asarray(a) - np.asarray(b))
    return np.minimum(a, b)

'''


# ----- statements -----
class Stmt:
    def lines(self, probe: bool, indent: int) -> list[str]:
        raise NotImplementedError


class Simple(Stmt):
    def __init__(self, fmt, node=None):
        self.fmt, self.node = fmt, node

    def lines(self, probe, indent):
        text = self.fmt.format(self.node.render(probe)) if self.node is not None else self.fmt
        return ["    " * indent + text]


class Cond:
    def __init__(self, node):
        self.node = node

    def render(self, probe):
        text = self.node.render(probe)
        return f"_br({text})" if probe else text


class If(Stmt):
    def __init__(self, cond, body, orelse):
        self.cond, self.body, self.orelse = cond, body, orelse

    def lines(self, probe, indent):
        pad = "    " * indent
        out = [f"{pad}if {self.cond.render(probe)}:"]
        out += _block_lines(self.body, probe, indent + 1)
        if self.orelse:
            out.append(f"{pad}else:")
            out += _block_lines(self.orelse, probe, indent + 1)
        return out


class Assert(Stmt):
    def __init__(self, cond):
        self.cond = cond

    def lines(self, probe, indent):
        return ["    " * indent + f"assert {self.cond.render(probe)}"]


class TupleFor(Stmt):
    """`for w in (e1, e2): acc += <w>`, over values of different shapes."""

    def __init__(self, var, items, display, body):
        self.var, self.items, self.display, self.body = var, items, display, body

    def lines(self, probe, indent):
        pad = "    " * indent
        items = self.display.format(", ".join(i.render(probe) for i in self.items))
        return [f"{pad}for {self.var} in {items}:", f"{pad}    {self.body}"]


class Multi(Stmt):
    """`fmt` with one `{}` per node: `return {}, {}`, `p, q = h0({}, {})`."""

    def __init__(self, fmt, *nodes):
        self.fmt, self.nodes = fmt, nodes

    def lines(self, probe, indent):
        return ["    " * indent + self.fmt.format(*(n.render(probe) for n in self.nodes))]


class Block(Stmt):
    """Plain statements in a row (an array built by fancy-index writes)."""

    def __init__(self, stmts):
        self.stmts = stmts

    def lines(self, probe, indent):
        return _block_lines(self.stmts, probe, indent)


class IterLoop(Stmt):
    """`for ... in <nodes>:` over rendered sequences."""

    def __init__(self, header, nodes, body):
        self.header, self.nodes, self.body = header, nodes, body

    def lines(self, probe, indent):
        head = self.header.format(*(n.render(probe) for n in self.nodes))
        return ["    " * indent + head] + _block_lines(self.body, probe, indent + 1)


class Loop(Stmt):
    def __init__(self, header, body, pre=(), first=None):
        self.header, self.body, self.pre, self.first = header, body, list(pre), first

    def lines(self, probe, indent):
        pad = "    " * indent
        out = [pad + p for p in self.pre] + [pad + self.header]
        if self.first:
            out.append(pad + "    " + self.first)
        return out + _block_lines(self.body, probe, indent + 1)


def _block_lines(stmts, probe, indent):
    out = []
    for s in stmts:
        out += s.lines(probe, indent)
    return out or ["    " * indent + "pass"]


class Helper:
    """A helper function; `out_shape` is a shape, or a tuple of two for a helper that
    returns a pair (`pair`)."""

    def __init__(self, name, params, shapes, out_shape, pair=False):
        self.name, self.params, self.shapes, self.out_shape = name, params, shapes, out_shape
        self.pair = pair
        self.body: list[Stmt] = []


class Gen:
    """One program's drawing state: `draw` from hypothesis, the features used, names."""

    def __init__(self, draw, numpy: bool, max_depth: int):
        self.draw, self.numpy, self.max_depth = draw, numpy, max_depth
        self.features: set[str] = set()
        self.counter = 0
        self.helpers: list[Helper] = []
        self.callable_helpers: list[Helper] = []
        self.pair_helpers: list[Helper] = []

    # -- small draws --
    def int(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def pick(self, items):
        return items[self.int(0, len(items) - 1)]

    def chance(self, k):
        """True with probability about 1/k (False when shrunk)."""
        return self.int(0, k - 1) == k - 1

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def const(self):
        return self.pick(["0.5", "2.0", "1.5", "3.0", "0.25", "1.0", "0.1", "2"])

    # -- expressions --
    def expr(self, env, shape, depth):
        if depth <= 0 or self.int(0, 4) == 0:
            return self.leaf(env, shape)
        choices = ["binop", "unary", "binop", "neg", "const_op"]
        if shape == S:
            choices += ["binary", "kink", "ifexp", "listcat"]
            if self.chance(8):  # rarer: each is refused or makes the point invalid
                choices += ["complex", "domain", "object"]
            if self.numpy:
                choices += ["reduce", "reduce"]
            if self.callable_helpers:
                choices += ["helper", "helper"]
        else:
            choices += ["kink", "reshape"]
            if self.callable_helpers:
                choices += ["helper"]
        kind = self.pick(choices)
        d = depth - 1
        if kind == "binop":
            op = self.pick(["+", "*", "-", "+", "*"])
            a = self.expr(env, shape, d)
            b = self.expr(env, self.pick(SUBSHAPES[shape]), d)
            if self.chance(2):
                a, b = b, a
            return binop(op, a, b, shape)
        if kind == "const_op":
            op = self.pick(["*", "+", "-", "/"])
            a = self.expr(env, shape, d)
            c = leaf(self.const())
            return binop(op, a, c, shape) if op == "/" or self.chance(2) else binop(op, c, a, shape)
        if kind == "neg":
            return neg(self.expr(env, shape, d))
        if kind == "unary":
            table = SCALAR_UNARY if (shape == S and not self.numpy_scalar_np()) else ARRAY_UNARY
            tmpl, dup = self.pick(table)
            arg = self.leaf(env, shape) if dup else self.expr(env, shape, d)
            return call(tmpl, arg, shape=shape)
        if kind == "binary":
            tmpl, dup = self.pick(SCALAR_BINARY)
            a = self.expr(env, S, d)
            b = self.leaf(env, S) if dup else self.expr(env, S, d)
            return call(tmpl, a, b)
        if kind == "kink":
            self.features.add("kink")
            which = self.int(0, 2)
            a = self.expr(env, shape, d)
            if shape != S:
                if which == 0:
                    return call("np.abs({0})", a, shape=shape, probe_template="_nabs({0})")
                b = self.expr(env, self.pick(SUBSHAPES[shape]), d)
                fn = ["np.maximum", "np.minimum"][which - 1]
                return call(fn + "({0}, {1})", a, b, shape=shape,
                            probe_template="_" + fn[3:] + "({0}, {1})")
            if which == 0:
                return call("abs({0})", a, probe_template="_abs({0})")
            b = self.expr(env, S, d)
            fn = ["max", "min"][which - 1]
            return call(fn + "({0}, {1})", a, b, probe_template="_" + fn + "({0}, {1})")
        if kind == "ifexp":
            self.features.add("ifexp")
            cond = self.cond(env)
            a, b = self.expr(env, S, d), self.expr(env, S, d)
            return Node(lambda probe, x, y: f"({x} if {cond.render(probe)} else {y})",
                        (a, b), True, S)
        if kind == "listcat":  # `+` of lists concatenates; `*` repeats (refused)
            self.features.add("listcat")
            a, b, c = (self.expr(env, S, d) for _ in range(3))
            k = self.int(0, 3)
            if k == 3:
                return call("sum([{0}, {1}] + [{2}])", a, b, c)
            if self.chance(6):
                return call("([{0}] * 2 + [{1}, {2}])[%d]" % self.int(0, 3), a, b, c)
            return call("([{0}] + [{1}, {2}])[%d]" % k, a, b, c)
        if kind == "complex":  # a complex intermediate meeting a differentiated value
            self.features.add("complex")
            tmpl = self.pick(["abs({p0} * (0.6 + 0.8j))", "abs(complex({0}, 1.0) * 1j)",
                              "(({0}) * (1 + 2j)).real"])
            return call(tmpl, self.expr(env, S, d))
        if kind == "domain":  # off its domain at some points: f raises there, so must g
            self.features.add("domain")
            tmpl = self.pick(["math.log({0})", "math.sqrt({p0} - 0.3)",
                              "math.asin(0.3 * {p0})", "math.log({p0} - 1) * 0.0",
                              "math.acos({p0} * 0.7)", "math.sqrt({0})",
                              "math.log1p({0})"])  # (infinite derivatives at edge points)
            return call(tmpl, self.expr(env, S, d))
        if kind == "object":  # an object srcdiff cannot see into, given an active value
            self.features.add("object")
            return call(self.pick(["T[{0}, 1.0]", "square({0})", "T[1.0, {0}] * {p0}"]),
                        self.expr(env, S, d))
        if kind == "reduce":
            return self.reduce(env, d)
        if kind == "reshape":
            return self.reshape(env, shape, d)
        if kind == "helper":
            h = self.pick(self.callable_helpers)
            if h.out_shape != shape:
                return self.leaf(env, shape)
            args = [self.expr(env, s, d) for s in h.shapes]
            self.features.add("helper")
            return call(h.name + "(" + ", ".join("{%d}" % i for i in range(len(args))) + ")",
                        *args, shape=shape)
        raise AssertionError(kind)

    def numpy_scalar_np(self):
        return False

    def reduce(self, env, d):
        """A scalar from an array expression."""
        src = self.pick([V, M, W])
        a = self.expr(env, src, d)
        k = self.int(0, 3)
        if k == 0:
            return call("np.sum({0})", a)
        if k == 1:
            return call("np.mean({0})", a)
        if k == 2 and src in (V, W):
            idx = self.int(0, src[0] - 1)
            return call("{p0}[%d]" % idx, a)
        if src in (V, W) and self.chance(6):  # index tricks (issue 15.1)
            self.features.add("index_trick")
            b = self.expr(env, src, d)
            return call(self.pick(["np.sum(np.r_[{0}, {1}] * np.r_[{1}, {0}])",
                                   "np.r_[{0}, 2.0, {1}][%d]" % self.int(0, 2 * src[0]),
                                   "np.sum(np.c_[{0}, {1}] ** 2)", "np.c_[{0}, {1}][1, 0]"]),
                        a, b)
        if src == V:
            b = self.expr(env, V, d)
            return call("np.dot({0}, {1})", a, b)
        return call("np.sum({0})", a)

    def reshape(self, env, shape, d):
        """An array of `shape` from one of another shape."""
        if shape == V:
            k = self.int(0, 4)
            if k == 4:  # transposes, with negative axes (issue 15.3)
                self.features.add("transpose")
                return call(self.pick(["(np.transpose({0}, (-1, -2)) @ {p1})",
                                       "({p0}.T @ {p1})", "({p0}.transpose(-1, 0) @ {p1})",
                                       "(np.transpose({0}, axes=(1, -2)) @ {p1})"]),
                            self.expr(env, M, d), self.expr(env, W, d), shape=V)
            if k == 3:
                return call("np.dot({0}, {1})", self.expr(env, W, d), self.expr(env, M, d),
                            shape=V)
            if k == 2:
                return call("{p0}[%d]" % self.int(0, 1), self.expr(env, M, d), shape=V)
            return call(["np.sum({0}, axis=0)", "np.mean({0}, axis=0)"][k],
                        self.expr(env, M, d), shape=V)
        if shape == W:
            if self.chance(2):
                return call("np.dot({0}, {1})", self.expr(env, M, d), self.expr(env, V, d),
                            shape=W)
            return call("np.sum({0}, axis=1)", self.expr(env, M, d), shape=W)
        if shape == M:
            if self.chance(4):
                self.features.add("transpose")
                return call(self.pick(["np.transpose(np.outer({0}, {1}), (-1, -2))",
                                       "np.outer({0}, {1}).T",
                                       "np.swapaxes(np.outer({0}, {1}), -1, 0)"]),
                            self.expr(env, V, d), self.expr(env, W, d), shape=M)
            return call("np.outer({0}, {1})", self.expr(env, W, d), self.expr(env, V, d),
                        shape=M)
        return self.leaf(env, shape)

    def leaf(self, env, shape):
        names = [n for n, s in env.items() if s == shape]
        if shape == S:
            # an element of an indexed array, with the loop variable as index
            for n, s in env.items():
                if s == "loopvar" and self.numpy and self.chance(3):
                    arrays = [a for a, sa in env.items() if sa == V]
                    if arrays and env.get("__bound_" + n, 9) <= 3:
                        return leaf(f"{self.pick(arrays)}[{n}]")
            counters = [n for n, s in env.items() if s in ("loopvar", "counter")]
            if counters and self.chance(4):
                return leaf(self.pick(counters))
        if names and not self.chance(10):
            return leaf(self.pick(names), shape)
        others = [(n, s) for n, s in env.items() if isinstance(s, tuple) and s != shape]
        if others and not self.chance(5):  # an active value of another shape, converted
            n, s = self.pick(others)
            if shape == S:
                return leaf(f"np.sum({n})" if s == M or self.chance(2) else f"{n}[1]")
            if shape == V and s == M:
                return leaf(f"{n}[{self.int(0, 1)}]", V)
            if shape == W and s == M:
                return leaf(f"np.sum({n}, axis=1)", W)
            if s == S:
                full = f"np.full({shape}, {float(self.const())!r})"
                return binop("*", leaf(n), leaf(full, shape), shape)
        if shape == S:
            if self.chance(12):  # a user global named like an internal or an adjoint
                self.features.add("globals")
                return leaf(self.pick(GLOBAL_NAMES))
            return leaf(self.const())
        return leaf(f"np.full({shape}, {float(self.const())!r})", shape)

    def cond(self, env):
        scalars = [n for n, s in env.items() if s == S]
        counters = [n for n, s in env.items() if s in ("loopvar", "counter")]
        k = self.int(0, 3)
        if k == 3 and counters:
            c = self.pick(counters)
            return Cond(leaf(self.pick([f"{c} == 1", f"{c} % 2 == 0", f"{c} >= 2", f"{c} < 1"])))
        op = self.pick([">", "<", ">=", "<="])
        if k == 2 and len(scalars) >= 2:
            a, b = self.pick(scalars), self.pick(scalars)
            if a != b:
                return Cond(leaf(f"{a} {op} {b}"))
        thr = self.pick(["0.5", "0.0", "-0.5", "1.0", "0.25", "-1.0"])
        if k == 1:
            e = self.expr(env, S, 1)
            return Cond(Node(lambda probe, x: f"{x} {op} {thr}", (e,), False))
        if scalars:
            return Cond(leaf(f"{self.pick(scalars)} {op} {thr}"))
        e = self.expr(env, S, 1)
        return Cond(Node(lambda probe, x: f"{x} {op} {thr}", (e,), False))

    # -- statements --
    def block(self, env, nstmts, depth, loop=None, allow_return=True):
        """Statements; `env` (name -> shape) is updated with what is defined on every path."""
        out = []
        for _ in range(nstmts):
            out.append(self.stmt(env, depth, loop, allow_return))
        return out

    def value_vars(self, env):
        return [n for n, s in env.items() if isinstance(s, tuple)]

    def stmt(self, env, depth, loop, allow_return):
        kinds = ["assign", "assign", "reassign", "aug"]
        if depth > 0:
            kinds += ["if", "for", "while"]
        if loop is not None:
            kinds += ["jump"]
        if self.chance(4):
            kinds += ["assert"]
        if self.numpy and depth > 0 and self.chance(3) and any(
                s == S for n, s in env.items() if not n.startswith("x")):
            kinds += ["tuple_for"]
        if allow_return and depth > 0:
            kinds += ["return"]
        if depth > 0 and self.chance(3):
            kinds += ["iter_for"]
        if self.chance(6):
            kinds += ["raise"]
        if self.numpy and self.chance(4):
            kinds += ["fancy"]
        if self.pair_helpers and self.chance(2):
            kinds += ["unpack"]
        kind = self.pick(kinds)
        existing = [n for n in self.value_vars(env) if not n.startswith("x") or self.chance(3)]
        if kind in ("reassign", "aug") and not existing:
            kind = "assign"
        ed = self.int(1, self.max_depth)
        if kind == "assign":
            shape = S if not self.numpy else self.pick([S, V, M, S])
            name = self.fresh("v")
            e = self.expr(env, shape, ed)
            env[name] = shape
            return Simple(f"{name} = {{}}", e)
        if kind == "reassign":
            self.features.add("reassign")
            name = self.pick(existing)
            e = self.expr(env, env[name], ed)
            return Simple(f"{name} = {{}}", e)
        if kind == "aug":
            self.features.add("augassign")
            name = self.pick(existing)
            op = self.pick(["+=", "-=", "*=", "/="])
            shape = env[name]
            if op in ("*=", "/="):
                # a factor kept away from 0 and from large values
                inner = self.expr(env, self.pick(SUBSHAPES[shape]), ed - 1)
                fn = "np.sin" if inner.shape != S else "math.sin"
                e = call("(1.5 + 0.5 * " + fn + "({0}))", inner, shape=inner.shape)
            else:
                e = self.expr(env, self.pick(SUBSHAPES[shape]), ed)
            return Simple(f"{name} {op} {{}}", e)
        if kind == "if":
            self.features.add("if")
            cond = self.cond(env)
            e1, e2 = dict(env), dict(env)
            body = self.block(e1, self.int(1, 3), depth - 1, loop, allow_return)
            orelse = self.block(e2, self.int(0, 2), depth - 1, loop, allow_return)
            for n in set(e1) & set(e2):
                if n not in env and e1[n] == e2[n]:
                    env[n] = e1[n]
            return If(cond, body, orelse)
        if kind == "for":
            self.features.add("for")
            var = self.fresh("i")
            n = self.int(1, 4) if not self.numpy else self.int(1, 3)
            inner = dict(env)
            inner[var] = "loopvar"
            start = "1, " if self.chance(4) else ""
            inner["__bound_" + var] = n + (1 if start else 0)
            body = self.block(inner, self.int(1, 3), depth - 1, var, allow_return=False)
            return Loop(f"for {var} in range({start}{n + (1 if start else 0)}):", body)
        if kind == "while":
            self.features.add("while")
            var = self.fresh("k")
            n = self.int(1, 4)
            inner = dict(env)
            inner[var] = "counter"
            body = self.block(inner, self.int(1, 3), depth - 1, var, allow_return=False)
            return Loop(f"while {var} < {n}:", body, pre=[f"{var} = 0"], first=f"{var} += 1")
        if kind == "assert":  # may fail at the point: then the derivative must raise too
            self.features.add("assert")
            return Assert(self.cond(env))
        if kind == "tuple_for":  # items of different shapes (issue 15.9)
            self.features.add("tuple_for")
            acc = self.pick([n for n, s in env.items() if s == S and not n.startswith("x")])
            var = self.fresh("w")
            items = [self.expr(env, sh, ed - 1) for sh in (V, M, S)[:self.int(2, 3)]]
            if self.chance(2):
                items.reverse()
            tmpl = self.pick(["np.sum({0} * {0})", "np.sum(np.sin({0}))",
                              "np.mean(np.tanh({0}) * {0})"]).format(var)
            display = self.pick(["({},)", "[{}]"])
            return TupleFor(var, items, display, f"{acc} += {tmpl}")
        if kind == "iter_for":
            return self.iter_for(env, depth, ed)
        if kind == "raise":  # the derivative raises where f does (issue 17.5)
            self.features.add("raise")
            return If(self.cond(env), [Simple('raise ValueError("out of range")')], [])
        if kind == "fancy":  # repeated fancy indices: the last write wins (issue 15.4)
            self.features.add("fancy")
            name = self.fresh("v")
            idx = self.pick(["[0, 2, 0]", "[1, 1, 2]", "[2, 2, 2]", "np.array([2, 0, 2])"])
            body = [Simple(f"{name} = np.zeros(3)"),
                    Simple(f"{name}[{idx}] = {{}}", self.expr(env, V, ed - 1))]
            if self.chance(2):
                body.append(Simple(f"{name}[{self.pick(['[1, 1]', '[0, 0]', '[2, 0]'])}] += {{}}",
                                   self.expr(env, W, ed - 1)))
            env[name] = V
            return Block(body)
        if kind == "unpack":  # a helper that returns a pair (issue 17.2)
            self.features.add("pair_helper")
            h = self.pick(self.pair_helpers)
            names = [self.fresh("v"), self.fresh("v")]
            args = [self.expr(env, sh, ed - 1) for sh in h.shapes]
            holes = ", ".join("{}" for _ in args)
            env.update(zip(names, h.out_shape))
            if self.chance(3):
                r = self.fresh("r")
                return Block([Multi(f"{r} = {h.name}({holes})", *args),
                              Simple(f"{names[0]}, {names[1]} = {r}[0], {r}[1]")])
            return Multi(f"{names[0]}, {names[1]} = {h.name}({holes})", *args)
        if kind == "jump":
            self.features.add("break/continue")
            word = self.pick(["break", "continue"])
            return If(self.cond(env), [Simple(word)], [])
        if kind == "return":
            self.features.add("return")
            return If(self.cond(env), [Simple("return {}", self.expr(env, S, ed))], [])
        raise AssertionError(kind)

    def iter_for(self, env, depth, ed):
        """`for` over `enumerate`, `zip`, `reversed` of arrays or list displays (issue
        15.10); the items are scalars in the body."""
        self.features.add("iter_for")
        arrays = [n for n, s in env.items() if s == V] if self.numpy else []
        if arrays and self.chance(2):
            seqs = [leaf(self.pick(arrays), V) for _ in range(2)]
        else:
            seqs = [call("[{0}, {1}, 0.5]", self.expr(env, S, ed - 1), self.expr(env, S, ed - 1))
                    for _ in range(2)]
        inner = dict(env)
        a, b, j = self.fresh("e"), self.fresh("e"), self.fresh("i")
        way = self.int(0, 4)
        if way == 0:
            head, holes, nodes = f"for {j}, {a} in enumerate({{}}):", [a], seqs[:1]
            inner[j], inner["__bound_" + j] = "loopvar", 3
        elif way == 1:
            head, holes, nodes = f"for {a}, {b} in zip({{}}, {{}}):", [a, b], seqs
        elif way == 2:
            head, holes, nodes = f"for {a} in reversed({{}}):", [a], seqs[:1]
        elif way == 3:
            head, holes, nodes = f"for {j}, ({a}, {b}) in enumerate(zip({{}}, {{}})):", [a, b], seqs
            inner[j], inner["__bound_" + j] = "loopvar", 3
        else:
            head, holes, nodes = f"for {a} in {{}}:", [a], seqs[:1]
        for n in holes:
            inner[n] = S
        body = self.block(inner, self.int(1, 3), depth - 1, j if j in inner else a,
                          allow_return=False)
        return IterLoop(head, nodes, body)

    def final_return(self, env, shape):
        vars_ = [n for n, s in env.items() if s == shape]
        e = self.expr(env, shape, self.int(1, self.max_depth))
        if vars_:  # make the result depend on the latest value of that shape
            last = leaf(vars_[-1], shape)
            e = binop(self.pick(["+", "*", "-"]), e, last, shape)
        if shape == S and self.numpy and self.chance(2):
            e = binop("+", e, self.reduce(env, 1), S)
        return Simple("return {}", e)


def _render_module(gen: Gen, main_params, main_body, probe: bool) -> str:
    out = [PROBE_HEADER.rstrip("\n")] if probe else ["import math", "import numpy as np"]
    if gen.features & {"globals", "object"}:
        out += ["", GLOBALS.rstrip("\n")]
    for h in gen.helpers:
        out += ["", "", f"def {h.name}({', '.join(h.params)}):"]
        out += _block_lines(h.body, probe, 1)
    out += ["", "", f"def f({', '.join(main_params)}):"]
    out += _block_lines(main_body, probe, 1)
    return "\n".join(out) + "\n"


@st.composite
def programs(draw, numpy: bool = False, max_depth: int = 3):
    """A `Program`: helpers, a main function `f` and a point to evaluate it at."""
    gen = Gen(draw, numpy, max_depth)
    for hi in range(gen.int(0, 2) if gen.chance(2) else 0):
        nparams = gen.int(1, 2)
        shapes = [S if not numpy else gen.pick([S, V, S]) for _ in range(nparams)]
        pair = gen.chance(3)
        if pair:  # returns two values, unpacked by the caller
            out_shape = (S, S) if not numpy else (gen.pick([S, V]), S)
        else:
            out_shape = S if not numpy else gen.pick([S, S, V])
        h = Helper(f"h{hi}", [f"a{j}" for j in range(nparams)], shapes, out_shape, pair)
        env = dict(zip(h.params, shapes))
        h.body = gen.block(env, gen.int(0, 3), 1, allow_return=(out_shape == S))
        if pair:
            first = gen.expr(env, out_shape[0], gen.int(1, max_depth))
            h.body.append(Multi("return {}, {}", first, gen.final_return(env, S).node))
        else:
            h.body.append(gen.final_return(env, out_shape))
        gen.helpers.append(h)
        (gen.pair_helpers if pair else gen.callable_helpers).append(h)
    nparams = gen.int(1, 4)
    params = [f"x{j}" for j in range(nparams)]
    if numpy:
        shapes = [gen.pick([V, S, M]) for _ in params]
        if all(s == S for s in shapes):
            shapes[0] = V
    else:
        shapes = [S] * nparams
    env = dict(zip(params, shapes))
    body = gen.block(env, gen.int(1, 5), 2)
    body.append(gen.final_return(env, S))
    point = []
    for s in shapes:
        if s == S:
            point.append(draw(st.integers(-200, 200)) / 100 + 0.003)
            if gen.chance(12):  # a domain edge (issue 15.11): 0, 1 or -1 exactly
                gen.features.add("edge")
                point[-1] = gen.pick([0.0, 1.0, -1.0])
        else:
            n = int(np.prod(s))
            vals = draw(st.lists(st.integers(-200, 200), min_size=n, max_size=n))
            point.append(np.array(vals, dtype=float).reshape(s) / 100 + 0.003)
            if gen.chance(12):
                gen.features.add("edge")
                point[-1].flat[gen.int(0, n - 1)] = 0.0
    if numpy and gen.chance(8):  # float32 inputs keep their type (issue 15.17)
        gen.features.add("float32")
        point = [np.float32(a) if s == S else a.astype(np.float32)
                 for a, s in zip(point, shapes)]
    elif gen.chance(40):  # a complex input is refused, never given a real gradient
        gen.features.add("complex_input")
        i = gen.int(0, len(point) - 1)
        point[i] = point[i] + 0.5j
    features = set(gen.features)
    if numpy:
        features.add("numpy")
    return Program(_render_module(gen, params, body, False),
                   _render_module(gen, params, body, True), tuple(params), tuple(shapes),
                   tuple(point), frozenset(features))


# ============================================================================
# The oracle: load a program, differentiate it both ways, compare.
# ============================================================================
class Loader:
    """Writes module text to real files under `root` (srcdiff reads source with
    inspect) and imports them under fresh names."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def load(self, text: str):
        digest = hashlib.sha1(text.encode()).hexdigest()[:16]
        path = self.root / f"fz_{digest}.py"
        if not path.exists():
            path.write_text(text)
        self.n += 1
        name = f"fz_{digest}_{self.n}"
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        return mod

    @staticmethod
    def unload(mod):
        sys.modules.pop(mod.__name__, None)


@dataclass
class Outcome:
    """`status`: ok, unsupported (a SrcDiffError, `reason`), rejected (`reason`: the
    point or the stencil is unusable), or failure (`reason` and `detail`)."""

    status: str
    reason: str = ""
    detail: str = ""
    modes: dict = field(default_factory=dict)  # mode -> "ok" / "unsupported: ..." / "failure"
    sympy: str = ""  # "", "ok", "fallback", "mismatch"


FD_H = 1e-6
RICH_H = 1e-3
RTOL = 1e-5
ATOL = 1e-7


class _TraceChanged(Exception):
    pass


def _copy(point):
    """Fresh arguments for one call: a program may update an array argument in place."""
    return [a.copy() if isinstance(a, np.ndarray) else a for a in point]


def _evaluate(probe_mod, args):
    probe_mod._TRACE.clear()
    y = probe_mod.f(*_copy(args))
    return float(np.asarray(y, dtype=float)), tuple(probe_mod._TRACE)


def _perturbed(point, i, k, delta):
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in point]
    if isinstance(args[i], np.ndarray):
        args[i][k] += delta
    else:
        args[i] = args[i] + delta
    return args


def _entries(point):
    for i, a in enumerate(point):
        if isinstance(a, np.ndarray):
            for k in np.ndindex(a.shape):
                yield i, k, float(a[k])
        else:
            yield i, (), float(a)


def _diff(probe_mod, point, trace0, i, k, x, h):
    """Central difference along entry (i, k) with step h*max(1,|x|), and whether the
    whole stencil stayed on the base point's branches."""
    step = h * max(1.0, abs(x))
    try:
        fp, tp = _evaluate(probe_mod, _perturbed(point, i, k, step))
        fm, tm = _evaluate(probe_mod, _perturbed(point, i, k, -step))
    except (AssertionError, ValueError, ArithmeticError):  # off an assert or a domain
        raise _TraceChanged from None
    if tp != trace0 or tm != trace0:
        raise _TraceChanged
    return (fp - fm) / (2 * step)


def _richardson(probe_mod, point, trace0, i, k, x):
    d1 = _diff(probe_mod, point, trace0, i, k, x, RICH_H)
    d2 = _diff(probe_mod, point, trace0, i, k, x, RICH_H / 2)
    return (4 * d2 - d1) / 3


def _close(got, want, f0):
    return abs(got - want) <= RTOL * max(abs(want), 1e-2) + ATOL * max(1.0, abs(f0))


def _flat(grads, point):
    out = []
    for g, p in zip(grads, point):
        out += list(np.asarray(g, dtype=float).ravel()) if isinstance(p, np.ndarray) else [g]
    return out


def _shape_problem(grads, params, point):
    if not isinstance(grads, tuple) or len(grads) != len(params):
        return f"expected a tuple of {len(params)} gradients, got {grads!r}"
    for name, g, p in zip(params, grads, point):
        if isinstance(p, np.ndarray):
            if not isinstance(g, np.ndarray) or g.shape != p.shape or g.dtype != p.dtype:
                return (f"gradient of {name} is {type(g).__name__} {np.shape(g)} "
                        f"{getattr(g, 'dtype', '')}, want {p.shape} {p.dtype}")
        elif type(g) is not type(p) if isinstance(p, (float, np.floating)) else (
                not isinstance(g, float)):  # its parameter's type (issue 15.17)
            return f"gradient of {name} is {type(g).__name__} {g!r}, want {type(p).__name__}"
    return None


def reason_of(e: BaseException) -> str:
    """A short, program-independent reason for a SrcDiffError (for the histogram)."""
    first = str(e).splitlines()[0] if str(e) else ""
    import re

    first = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "'…'", first)
    first = re.sub(r"\b(fz_\w+|[vxika]\d+|h\d+)\b", "NAME", first)
    first = re.sub(r"\d+", "N", first)
    return f"{type(e).__name__}: {first[:110]}"


def judge(prog: Program, loader: Loader, modes=("reverse", "forward"), use_sympy=True):
    """Run srcdiff on `prog` in each mode and compare; never raises for srcdiff's faults."""
    import srcdiff

    try:
        compile(prog.source, "<program>", "exec")
    except SyntaxError as e:
        return Outcome("failure", "generator: invalid program", str(e))
    mod, probe = loader.load(prog.source), loader.load(prog.probe_source)
    try:
        return _judge(prog, loader, mod, probe, modes, use_sympy, srcdiff)
    finally:
        for m in (mod, probe):
            loader.unload(m)


def _judge(prog, loader, mod, probe, modes, use_sympy, srcdiff):
    if "complex_input" in prog.features:
        return _complex_refused(prog, mod, modes, srcdiff)
    # a float32 program is judged at the same point in float64, then run in float32
    point = ([float(a) if np.ndim(a) == 0 else a.astype(np.float64) for a in prog.point]
             if "float32" in prog.features else prog.point)
    try:
        with np.errstate(all="ignore"):
            mod.f(*_copy(point))
    except (AssertionError, ValueError) as e:  # a failing assert, a math domain error
        return _raises_too(prog, mod, type(e), modes, srcdiff)
    except Exception as e:  # noqa: BLE001 - an invalid program (e.g. while shrinking)
        return Outcome("rejected", f"primal raised {type(e).__name__}")
    try:
        with np.errstate(all="raise"):
            y0 = mod.f(*_copy(point))
            f0, trace0 = _evaluate(probe, point)
    except Exception as e:  # noqa: BLE001 - an invalid program (e.g. while shrinking)
        return Outcome("rejected", f"primal raised {type(e).__name__}")
    if not (np.ndim(y0) == 0 and math.isfinite(f0) and abs(f0) < 1e8):
        return Outcome("rejected", "primal result not a finite scalar below 1e8")
    if float(np.asarray(y0)) != f0:
        return Outcome("failure", "generator: probe module disagrees with program", "")
    wrt = prog.params
    results, out = {}, Outcome("ok")
    for mode in modes:
        try:
            g = srcdiff.grad(mod.f, wrt=wrt, mode=mode)
        except srcdiff.SrcDiffError as e:
            out.modes[mode] = "unsupported: " + reason_of(e)
            continue
        except Exception as e:  # noqa: BLE001 - any other exception is a bug
            return _fail(out, mode, f"{mode} build raised {type(e).__name__}", e)
        try:
            src = g.source  # the generic code, built when first read
        except srcdiff.SrcDiffError as e:
            out.modes[mode] = "unsupported: " + reason_of(e)
            continue
        try:
            compile(src, "<generated>", "exec")
        except SyntaxError as e:
            return _fail(out, mode, f"{mode} .source does not compile", e)
        mod2 = loader.load(prog.source)
        try:
            src2 = srcdiff.grad(mod2.f, wrt=wrt, mode=mode).source
        except Exception as e:  # noqa: BLE001
            return _fail(out, mode, f"{mode} second build raised {type(e).__name__}", e)
        finally:
            loader.unload(mod2)
        if src2 != src:
            return _fail(out, mode, f"{mode} .source differs between two builds", None,
                         src + "\n---\n" + src2)
        try:
            with np.errstate(all="ignore"):
                grads = g(*_copy(point))
        except srcdiff.SrcDiffError as e:
            out.modes[mode] = "unsupported: " + reason_of(e)
            continue
        except Exception as e:  # noqa: BLE001
            return _fail(out, mode, f"{mode} gradient call raised {type(e).__name__}", e,
                         src)
        problem = _shape_problem(grads, prog.params, point)
        if problem:
            return _fail(out, mode, f"{mode} gradient has the wrong type or shape", None,
                         problem + "\n" + src)
        results[mode] = _flat(grads, point)
        out.modes[mode] = "ok"
    if not results:
        reasons = sorted({m[len("unsupported: "):] for m in out.modes.values()})
        return Outcome("unsupported", reasons[0], modes=out.modes)
    # every mode that ran against finite differences, then against each other
    with np.errstate(all="ignore"):
        for idx, (i, k, x) in enumerate(_entries(point)):
            try:
                fd = _diff(probe, point, trace0, i, k, x, FD_H)
            except _TraceChanged:
                return Outcome("rejected", "finite-difference stencil crosses a branch",
                               modes=out.modes)
            for mode, flat in results.items():
                got = flat[idx]
                if not math.isfinite(got) or not _close(got, fd, f0):
                    try:
                        rich = _richardson(probe, point, trace0, i, k, x)
                    except _TraceChanged:
                        return Outcome("rejected", "Richardson stencil crosses a branch",
                                       modes=out.modes)
                    if not (math.isfinite(got) and _close(got, rich, f0)) and not _close(
                            fd, rich, f0):
                        # the differences themselves do not converge (|f'| far beyond
                        # what |f| suggests): no reference here, unless the modes disagree
                        continue
                    if not (math.isfinite(got) and _close(got, rich, f0)):
                        name = prog.params[i] + (str(list(k)) if k else "")
                        return _fail(out, mode, f"{mode} gradient differs from finite "
                                     "differences", None,
                                     f"d/d{name}: srcdiff {got!r}, central FD {fd!r}, "
                                     f"Richardson {rich!r}")
        if len(results) == 2:
            a, b = results["reverse"], results["forward"]
            for idx, (ra, fb) in enumerate(zip(a, b)):
                if not abs(ra - fb) <= 1e-8 * max(abs(ra), abs(fb), 1e-3) + 1e-12 * abs(f0):
                    return _fail(out, "forward", "forward disagrees with reverse", None,
                                 f"entry {idx}: reverse {ra!r}, forward {fb!r}")
    if "float32" in prog.features:
        bad = _float32_problem(prog, mod, probe, results, trace0, f0, srcdiff)
        if bad:
            return _fail(out, bad[0], bad[1], None, bad[2])
    if use_sympy and prog.straight_line and "numpy" not in prog.features \
            and "reverse" in results:
        try:
            rep = srcdiff.check(mod.f, *_copy(point), wrt=wrt)
        except srcdiff.SrcDiffError as e:
            out.sympy = "error: " + reason_of(e)
        except Exception as e:  # noqa: BLE001
            return _fail(out, "check", f"check raised {type(e).__name__}", e)
        else:
            if rep.method != "sympy":
                out.sympy = "fallback"
            elif not rep.ok:
                return _fail(out, "check", "SymPy disagrees", None, str(rep))
            else:
                out.sympy = "ok"
    return out


def _float32_problem(prog, mod, probe, results, trace0, f0, srcdiff):
    """(mode, reason, detail) when a float32 gradient has the wrong type, or differs from
    the float64 gradient (already checked against differences) by more than float32
    rounding explains; None when it is right. Ill-conditioned points (the primal in float32
    far from float64, or on other branches) check types only."""
    try:
        with np.errstate(all="ignore"):
            f32, trace32 = _evaluate(probe, prog.point)
    except Exception:  # noqa: BLE001 - float32 rounding left a domain: nothing to compare
        return None
    comparable = trace32 == trace0 and abs(f32 - f0) <= 1e-4 * max(1.0, abs(f0))
    for mode, flat64 in results.items():
        g = srcdiff.grad(mod.f, wrt=prog.params, mode=mode)
        try:
            with np.errstate(all="ignore"):
                grads = g(*_copy(prog.point))
        except Exception as e:  # noqa: BLE001
            return mode, f"{mode} float32 gradient raised {type(e).__name__}", repr(e)
        problem = _shape_problem(grads, prog.params, prog.point)
        if problem:
            return mode, f"{mode} float32 gradient has the wrong type", problem
        scale = max([abs(v) for v in flat64] + [1.0])
        for idx, (a, b) in enumerate(zip(_flat(grads, prog.point), flat64)):
            if comparable and math.isfinite(b) and not abs(a - b) <= 2e-3 * scale:
                return mode, f"{mode} float32 gradient differs from float64", (
                    f"entry {idx}: float32 {a!r}, float64 {b!r}")
    return None


def _complex_refused(prog, mod, modes, srcdiff) -> Outcome:
    """A complex input gets a SrcDiffError (issue 15.5), never a real gradient."""
    try:
        with np.errstate(all="ignore"):
            mod.f(*_copy(prog.point))
    except Exception as e:  # noqa: BLE001 - the program is not valid on complex numbers
        return Outcome("rejected", f"primal raised {type(e).__name__} on a complex input")
    out = Outcome("unsupported", "complex input refused")
    for mode in modes:
        try:
            with np.errstate(all="ignore"):
                got = srcdiff.grad(mod.f, wrt=prog.params, mode=mode)(*_copy(prog.point))
        except srcdiff.SrcDiffError as e:
            out.modes[mode] = "unsupported: " + reason_of(e)
            continue
        except Exception as e:  # noqa: BLE001
            return _fail(out, mode, f"{mode} raised {type(e).__name__} on a complex input", e)
        return _fail(out, mode, f"{mode} returned a gradient for a complex input", None,
                     repr(got))
    return out


def _raises_too(prog, mod, etype, modes, srcdiff) -> Outcome:
    """Where f raises (issue 15.7), its derivative raises the same error in every mode."""
    out = Outcome("ok", "primal raises: so does the derivative")
    for mode in modes:
        try:
            g = srcdiff.grad(mod.f, wrt=prog.params, mode=mode)
        except srcdiff.SrcDiffError as e:
            out.modes[mode] = "unsupported: " + reason_of(e)
            continue
        except Exception as e:  # noqa: BLE001
            return _fail(out, mode, f"{mode} build raised {type(e).__name__}", e)
        try:
            with np.errstate(all="ignore"):
                got = g(*_copy(prog.point))
        except etype:
            out.modes[mode] = "ok"
            continue
        except srcdiff.SrcDiffError as e:
            out.modes[mode] = "unsupported: " + reason_of(e)
            continue
        except Exception as e:  # noqa: BLE001
            return _fail(out, mode, f"{mode} gradient raised {type(e).__name__} where f "
                         f"raises {etype.__name__}", e, g.source)
        return _fail(out, mode, f"{mode} gradient returned where f raises {etype.__name__}",
                     None, f"{got!r}\n{g.source}")
    if all(m != "ok" for m in out.modes.values()):
        reasons = sorted({m[len("unsupported: "):] for m in out.modes.values()})
        return Outcome("unsupported", reasons[0], modes=out.modes)
    return out


def _fail(out, mode, reason, exc, extra=""):
    out.status, out.reason = "failure", reason
    out.modes[mode] = "failure"
    tb = "".join(traceback.format_exception(exc)) if exc is not None else ""
    out.detail = (extra[-3000:] + "\n" + tb[-3000:]).strip()
    return out



class _Probe(ast.NodeTransformer):
    CALLS = {"abs": "_abs", "max": "_max", "min": "_min"}
    NP = {"abs": "_nabs", "maximum": "_maximum", "minimum": "_minimum"}

    def visit_If(self, node):
        self.generic_visit(node)
        node.test = ast.Call(ast.Name("_br", ast.Load()), [node.test], [])
        return node

    visit_IfExp = visit_If

    def visit_Call(self, node):
        self.generic_visit(node)
        fn = node.func
        if isinstance(fn, ast.Name) and fn.id in self.CALLS and len(node.args) <= 2:
            node.func = ast.Name(self.CALLS[fn.id], ast.Load())
        elif (isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name)
              and fn.value.id == "np" and fn.attr in self.NP):
            node.func = ast.Name(self.NP[fn.attr], ast.Load())
        return node


def probe_of(source: str) -> str:
    """The probe module of a program's source (as `programs` renders it)."""
    tree = _Probe().visit(ast.parse(source))
    body = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
    return PROBE_HEADER + "\n" + ast.unparse(ast.Module(body, [])) + "\n"


def from_source(source: str, point) -> Program:
    """A `Program` for hand-written or reported source (`f`'s parameters from the text)."""
    tree = ast.parse(source)
    f = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f")
    params = tuple(a.arg for a in f.args.args)
    shapes = tuple(np.shape(p) for p in point)
    return Program(source, probe_of(source), params, shapes, tuple(point))


def shrink(prog: Program, reason: str, loader: Loader, rounds: int = 4) -> Program:
    """Delete lines (with their indented blocks) while `judge` still fails for
    `reason`: a quick minimiser for the failures the long profile keeps."""
    src = prog.source.splitlines()

    def fails(lines):
        text = "\n".join(lines) + "\n"
        try:
            cand = from_source(text, prog.point)
        except (SyntaxError, StopIteration):
            return None
        out = judge(cand, loader, use_sympy=reason == "SymPy disagrees")
        return cand if out.status == "failure" and out.reason == reason else None

    best = prog
    for _ in range(rounds):
        changed = False
        j = len(src) - 1
        while j >= 0:
            line = src[j]
            if line.startswith(("def ", "import ")) or not line.strip() or j >= len(src):
                j -= 1
                continue
            ind = len(line) - len(line.lstrip())
            end = j + 1
            while end < len(src) and (len(src[end]) - len(src[end].lstrip()) > ind or (
                    src[end].strip() == "else:" and len(src[end]) - len(src[end].lstrip()) == ind)):
                end += 1
            got = fails(src[:j] + src[end:])
            if got is not None:
                src, best, changed = src[:j] + src[end:], got, True
            j = min(j, len(src)) - 1
        if not changed:
            break
    return best
