"""Rules for Python operators, builtins and the `math` module.

One line per function. `_m` in a template means `math` in scalar code and
`np` in array code; a pair `(scalar, array)` gives both spellings.
Conventions at kinks follow JAX: d|x|/dx = sign(x) (0 at 0); max/min split
the cotangent equally between tied arguments.
"""
import ast
import builtins
import math
import operator

from ..sym import facts as sp

from .. import ir, shapes
from ..errors import NotDifferentiableError
from ..ops import BINOP_AST, UNOP_AST
from .symbolic import flat
from .table import (ELEMENTWISE, LIST, SCALAR, Rule, _scale, add, deffacts,
                    defelementwise, defzero, lookup)

E = defelementwise


def binop(fn):
    """The form `a <op> b` of an operator's function (its AST operator from ops.py)."""
    op = BINOP_AST[fn]
    return lambda args, kws: ast.BinOp(args[0], op(), args[1])


def unop(fn):
    op = UNOP_AST[fn]
    return lambda args, kws: ast.UnaryOp(op(), args[0])


def _const(atom, test) -> bool:
    return isinstance(atom, ir.Const) and isinstance(atom.value, (int, float)) and test(atom.value)


def pow_rule(name, power="a ** (b - 1)", log="_m.log", out_kind=ELEMENTWISE, **facts) -> Rule:
    """The rule for a ** b (`power` spells a ** (b - 1)). Where the function is constant,
    its partial is 0, as in JAX: a ** 0 is 1 for every a, 0 ** b is 0 for every b > 0
    (the textbook formulas give 0 * inf and 0 * log(0) there). A constant exponent or
    base keeps the plain formula."""
    def da(b):
        if _const(b["b"], lambda v: v == 0):
            return None
        if _const(b["b"], lambda v: v != 0):
            return f"b * {power}"
        return (f"(b * {power} if b != 0 else 0.0)", f"np.where(b == 0, 0.0, b * {power})")

    def db(b):
        if _const(b["a"], lambda v: v == 0):
            return None
        if _const(b["a"], lambda v: v != 0):
            return f"ans * {log}(a)"
        return (f"(ans * {log}(a) if a != 0 else 0.0)", "ans * np.log(np.where(a == 0, 1.0, a))")

    def scaled(g, d):
        return lambda b: None if d(b) is None else _scale(g, d(b))
    return Rule(name, ("a", "b"), vjp={"a": scaled("g", da), "b": scaled("g", db)},
                jvp={"a": scaled("t", da), "b": scaled("t", db)}, broadcast=True,
                out_kind=out_kind, sympy=lambda a, b: a ** b, **facts)


# ----- operators -----
_ARRAYS = ("vector", "matrix", "array3", "array")  # (kinds.py's array kinds)


def _sequences(b) -> bool:
    """Whether `+` or `*` acts on lists or tuples: `[a] + [b]` concatenates, `[a] * 2`
    repeats; with an array NumPy adds and multiplies item by item."""
    ka, kb = b.kind("a"), b.kind("b")
    return LIST in (ka, kb) and ka not in _ARRAYS and kb not in _ARRAYS


def _concatenation(b) -> bool:
    ka, kb = b.kind("a"), b.kind("b")
    if _sequences(b) and (ka, kb) != (LIST, LIST):
        raise NotDifferentiableError(
            "+ of a list or tuple and a value that may be a list or an array: srcdiff cannot "
            "tell whether it concatenates or adds; convert it with list(...) or "
            "np.asarray(...)")
    return _sequences(b)


def _on_sequences(numeric: Rule, vjp: dict, jvp: dict, test) -> Rule:
    """`numeric` with the templates `vjp`/`jvp` (str, or refuse) where `test` says an
    operand is a sequence; the result of a sequence operation is a LIST."""
    for table, seq in ((numeric.vjp, vjp), (numeric.jvp, jvp)):
        for p in ("a", "b"):
            table[p] = (lambda plain, alt: lambda b: (
                (alt(b) if callable(alt) else alt) if test(b) else plain))(table[p], seq[p])
    numeric.sequences = True  # (its kind: kinds.py)
    return numeric


def _no_repeat(b):
    if b.kind("a") == LIST and b.kind("b") == LIST:  # (Python's TypeError, not a repeat)
        raise NotDifferentiableError(
            "`*` of two lists or tuples, which Python refuses (TypeError: can't multiply "
            "sequence by non-int): for arithmetic item by item pass NumPy arrays "
            "(np.asarray(w)) or convert them in the function")
    raise NotDifferentiableError(
        "`*` of a list or tuple: Python repeats it by an int, which is not differentiated "
        "(build it with np.tile or np.repeat, or a list display), and refuses a float "
        "(TypeError); for arithmetic item by item pass a NumPy array (np.asarray(w))")


_on_sequences(E(operator.add, "+", "a b", "1", "1", sympy=lambda a, b: a + b,
                form=binop(operator.add)),  # concatenation: each part's cotangent is a slice
              {"a": "g[:len(a)]", "b": "g[len(a):]"},
              {"a": "np.concatenate((np.asarray(t, dtype=float), np.zeros(np.shape(b))))",
               "b": "np.concatenate((np.zeros(np.shape(a)), np.asarray(t, dtype=float)))"},
              _concatenation)
E(operator.sub, "-", "a b", "1", "-1", sympy=lambda a, b: a - b, form=binop(operator.sub))
_on_sequences(E(operator.mul, "*", "a b", "b", "a", sympy=lambda a, b: a * b,
                form=binop(operator.mul)),
              {"a": _no_repeat, "b": _no_repeat}, {"a": _no_repeat, "b": _no_repeat},
              _sequences)
E(operator.truediv, "/", "a b", "1 / b", "-ans / b", sympy=lambda a, b: a / b,
  form=binop(operator.truediv))
add(operator.pow, pow_rule("**", form=binop(operator.pow)))
E(operator.mod, "%", "a b", "1", "-(a // b)", sympy=lambda a, b: sp.Mod(a, b),
  form=binop(operator.mod))
E(operator.neg, "-", "a", "-1", sympy=lambda a: -a, form=unop(operator.neg))
E(operator.pos, "+", "a", "1", sympy=lambda a: a, form=unop(operator.pos))
defzero(operator.floordiv, "//", sympy=lambda a, b: sp.floor(a / b), form=binop(operator.floordiv))

# ----- builtins -----
E(builtins.abs, "abs", "x", ("float(x > 0) - float(x < 0)", "np.sign(x)"), sympy=sp.Abs)
add(builtins.pow, pow_rule("pow"))
E(builtins.max, "max", "a b", "(a > b) + 0.5 * (a == b)", "(b > a) + 0.5 * (a == b)",
  sympy=sp.Max)
E(builtins.min, "min", "a b", "(a < b) + 0.5 * (a == b)", "(b < a) + 0.5 * (a == b)",
  sympy=sp.Min)
E(builtins.float, "float", "x", "1", out_kind=SCALAR, sympy=lambda x: x)
add(builtins.sum, Rule("sum", ("x", "start"), {"start": 0},
                       vjp={"x": "g * np.ones(np.shape(x))", "start": "g"},
                       jvp={"x": "np.sum(t, axis=0)", "start": "t"},
                       sympy=lambda x, start=0: sum(x, start)))
add(builtins.list, Rule("list", ("iterable",), vjp={"iterable": "g"},  # (its items, as they are)
                        jvp={"iterable": "list(t)"}, out_kind=LIST))
add(builtins.tuple, Rule("tuple", ("iterable",), vjp={"iterable": "g"},
                         jvp={"iterable": "tuple(t)"}, out_kind=LIST))
add(math.fsum, Rule("math.fsum", ("x",), vjp={"x": "g * np.ones(np.shape(x))"},
                    jvp={"x": "np.sum(t, axis=0)"}, out_kind=SCALAR, sympy=lambda x: sum(x)))
add(math.prod, Rule("math.prod", ("x",), vjp={
    "x": "g * _prod_others(np.asarray(x, dtype=float), None)"}, jvp={
    "x": "np.sum(t * _prod_others(np.asarray(x, dtype=float), None))"}, out_kind=SCALAR,
    sympy=lambda x: sp.prod(x)))
for _name in ("max", "min"):  # max(iterable): ties share the cotangent equally
    add(("reduce", _name), Rule(_name, ("x",), vjp={
        "x": "g * (np.asarray(x) == ans) / np.sum(np.asarray(x) == ans)"}, jvp={
        "x": "np.sum(t * (np.asarray(x) == ans)) / np.sum(np.asarray(x) == ans)"}))
for _fn in (builtins.int, builtins.round, builtins.len):
    defzero(_fn, _fn.__name__, out_kind=SCALAR)
for _fn in (builtins.bool, builtins.range, builtins.isinstance, builtins.str, builtins.type):
    defzero(_fn, _fn.__name__)

def _integer(fn):
    """`fn` (an integer-valued step function) as SymPy's function with derivative 0."""
    return flat(fn, fn.__name__)


# ----- math -----
S = SCALAR
E(math.sin, "math.sin", "x", "math.cos(x)", out_kind=S, sympy=sp.sin)
E(math.cos, "math.cos", "x", "-math.sin(x)", out_kind=S, sympy=sp.cos)
E(math.tan, "math.tan", "x", "1 + ans * ans", out_kind=S, sympy=sp.tan)
E(math.asin, "math.asin", "x", "1 / math.sqrt(1 - x * x)", out_kind=S, sympy=sp.asin)
E(math.acos, "math.acos", "x", "-1 / math.sqrt(1 - x * x)", out_kind=S, sympy=sp.acos)
E(math.atan, "math.atan", "x", "1 / (1 + x * x)", out_kind=S, sympy=sp.atan)
E(math.atan2, "math.atan2", "y x", "x / (x * x + y * y)", "-y / (x * x + y * y)",
  out_kind=S, sympy=sp.atan2)
E(math.sinh, "math.sinh", "x", "math.cosh(x)", out_kind=S, sympy=sp.sinh)
E(math.cosh, "math.cosh", "x", "math.sinh(x)", out_kind=S, sympy=sp.cosh)
E(math.tanh, "math.tanh", "x", "1 - ans * ans", out_kind=S, sympy=sp.tanh)
E(math.asinh, "math.asinh", "x", "1 / math.sqrt(x * x + 1)", out_kind=S, sympy=sp.asinh)
E(math.acosh, "math.acosh", "x", "1 / math.sqrt(x * x - 1)", out_kind=S, sympy=sp.acosh)
E(math.atanh, "math.atanh", "x", "1 / (1 - x * x)", out_kind=S, sympy=sp.atanh)
E(math.exp, "math.exp", "x", "ans", out_kind=S, sympy=sp.exp)
E(math.expm1, "math.expm1", "x", "ans + 1", out_kind=S, sympy=lambda x: sp.exp(x) - 1)
E(math.log1p, "math.log1p", "x", "1 / (1 + x)", out_kind=S, sympy=lambda x: sp.log(1 + x))
E(math.log2, "math.log2", "x", "1 / (x * math.log(2))", out_kind=S,
  sympy=lambda x: sp.log(x, 2))
E(math.log10, "math.log10", "x", "1 / (x * math.log(10))", out_kind=S,
  sympy=lambda x: sp.log(x, 10))
E(math.sqrt, "math.sqrt", "x", "0.5 / ans", out_kind=S, sympy=sp.sqrt,  # (as np.sqrt)
  tangents={"x": "t * 0.5 / (ans if t != 0 else 1.0)"})
add(math.pow, pow_rule("math.pow", "math.pow(a, b - 1)", "math.log", out_kind=S))
add(math.hypot, Rule("math.hypot", (), varargs=True, vjp={"*": "g * _{i} / ans"},
                     jvp={"*": "t * _{i} / ans"}, out_kind=S,
                     sympy=lambda *xs: sp.sqrt(sum(x * x for x in xs))))
add(math.dist, Rule("math.dist", ("p", "q"), vjp={"p": "g / ans * np.subtract(p, q)",
                                                  "q": "g / ans * np.subtract(q, p)"},
                    jvp={"p": "float(np.dot(np.subtract(p, q), t)) / ans",
                         "q": "float(np.dot(np.subtract(q, p), t)) / ans"}, out_kind=S,
                    sympy=lambda p, q: sp.sqrt(sum((a - b) ** 2 for a, b in zip(p, q)))))
if hasattr(math, "cbrt"):  # Python 3.11
    E(math.cbrt, "math.cbrt", "x", "1 / (3 * ans * ans)", out_kind=S,
      sympy=lambda x: sp.sign(x) * sp.Abs(x) ** sp.Rational(1, 3))
    E(math.exp2, "math.exp2", "x", "ans * math.log(2)", out_kind=S, sympy=lambda x: 2 ** x)
E(math.ldexp, "math.ldexp", "x i", "2.0 ** i", "0", out_kind=S, sympy=lambda x, i: x * 2 ** i)
# fmod and remainder are x - n * y for an integer n (truncated, nearest): n = (x - ans) / y
E(math.fmod, "math.fmod", "x y", "1", "-round((x - ans) / y)", out_kind=S,
  sympy=lambda x, y: x - y * _integer(math.trunc)(x / y))
E(math.remainder, "math.remainder", "x y", "1", "-round((x - ans) / y)", out_kind=S,
  sympy=lambda x, y: x - y * _integer(round)(x / y))
E(math.gamma, "math.gamma", "x", "ans * _digamma(x)", out_kind=S, sympy=sp.gamma)
E(math.lgamma, "math.lgamma", "x", "_digamma(x)", out_kind=S, sympy=lambda x: sp.loggamma(x))
E(math.nextafter, "math.nextafter", "x y", "1", "0", out_kind=S)
E(math.fabs, "math.fabs", "x", "float(x > 0) - float(x < 0)", out_kind=S, sympy=sp.Abs)
E(math.copysign, "math.copysign", "x y", "math.copysign(1.0, x) * math.copysign(1.0, y)",
  "0", out_kind=S, sympy=lambda x, y: sp.Abs(x) * sp.sign(y))
E(math.erf, "math.erf", "x", "2 / math.sqrt(math.pi) * math.exp(-x * x)", out_kind=S,
  sympy=sp.erf)
E(math.erfc, "math.erfc", "x", "-2 / math.sqrt(math.pi) * math.exp(-x * x)", out_kind=S,
  sympy=sp.erfc)
E(math.degrees, "math.degrees", "x", "180 / math.pi", out_kind=S, sympy=lambda x: x * 180 / sp.pi)
E(math.radians, "math.radians", "x", "math.pi / 180", out_kind=S, sympy=lambda x: x * sp.pi / 180)
for _fn, _sp in ((math.floor, sp.floor), (math.ceil, sp.ceiling), (math.trunc, None)):
    defzero(_fn, "math." + _fn.__name__, sympy=_sp, out_kind=SCALAR)
for _fn in (math.isnan, math.isinf, math.isfinite, math.isclose):
    defzero(_fn, "math." + _fn.__name__)
for _fn in (math.factorial, math.comb, math.perm, math.gcd, math.lcm, math.isqrt, math.ulp):
    defzero(_fn, "math." + _fn.__name__, out_kind=SCALAR)  # integer or step valued

# log(x) and log(x, base): the template depends on whether a base was passed.
add(math.log, Rule(
    "math.log", ("x", "base"), {"base": None},
    vjp={"x": lambda b: "g / x" if b["base"] is None else "g / (x * math.log(base))",
         "base": lambda b: None if b["base"] is None
         else "-g * ans / (base * math.log(base))"},
    jvp={"x": lambda b: "t / x" if b["base"] is None else "t / (x * math.log(base))",
         "base": lambda b: None if b["base"] is None
         else "-t * ans / (base * math.log(base))"},
    out_kind=S, sympy=lambda x, base=None: sp.log(x) if base is None else sp.log(x, base)))

# ----- packing: a list or tuple display; the adjoint of item i is g[i]. Its items may
# differ in shape (`for W in (W1, W2)`): a LIST, whose adjoint holds one per item -----
def _display(kind):
    return lambda args, kws: kind(args, ast.Load())


def _joint(open_, close):
    """The tangent of a display: the display of its items' tangents."""
    return lambda b: open_ + ", ".join(f"t_{k}" for k in b) + close


for _kind, _node, _ends in (("list", ast.List, "[]"), ("tuple", ast.Tuple, ("(", ",)"))):
    add(("pack", _kind), Rule("[...]" if _kind == "list" else "(...)", (), varargs=True,
                              vjp={"*": "g[{i}]"}, form=_display(_node),
                              jvp_joint=_joint(*_ends), out_kind=LIST, keeps=("*",)))


# ----- lists: `acc.append(v)` is the new list acc + [v]; a list's adjoint is an
# array of its items' adjoints; its tangent is the list of its items' tangents -----
def _append_update(target, value, np_name=None):
    """`acc = acc + [v]` as `acc.append(v)`."""
    if not (isinstance(value.left, ast.Name) and value.left.id == target.id):
        return None
    call = ast.Call(ast.Attribute(target, "append", ast.Load()), [value.right.elts[0]], [])
    return ast.Expr(call)


add(("list", "append"), Rule(
    "append", ("acc", "v"), vjp={"acc": "g[:-1]", "v": "g[-1]"},
    jvp_joint="list(t_acc) + [t_v]", out_kind=LIST, keeps=("v",),
    form=lambda args, kws: ast.BinOp(args[0], ast.Add(), ast.List([args[1]], ast.Load())),
    update=_append_update))


# ----- indexing: the adjoint of the base is g scattered at the index (into an owned
# zeros buffer, `d_x[i] += g`); x[i] is cheaper to recompute than to tape -----
def _is_slice(index) -> bool:
    if isinstance(index, ir.Const):
        return isinstance(index.value, slice)
    return isinstance(index, ir.Opaque) and isinstance(index.node, ast.Slice)


_INT_ARITHMETIC = (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Add, ast.Sub,
                   ast.Mult, ast.FloorDiv, ast.Mod, ast.USub, ast.Load)


def _integer_arithmetic(index: ir.Opaque, kind) -> bool:
    """Whether an index kept as written is integer arithmetic on scalars of the
    function and int constants (`i - 1`, `2 * k + 1`): one position, as a scalar index."""
    nodes = list(ast.walk(index.node))
    return all(isinstance(n, _INT_ARITHMETIC) for n in nodes) and all(
        type(n.value) is int for n in nodes if isinstance(n, ast.Constant)) and all(
        n.id in index.uses and kind(index.uses[n.id]) == SCALAR
        for n in nodes if isinstance(n, ast.Name))


def _index_kind(b, kind):
    """x[i] of a vector or of a shape is a scalar; of a matrix, a vector; of a list,
    the kind of its items where they have one."""
    index = b["index"]
    if kind(b["a"]) == LIST and _is_slice(index):
        return LIST, kind(b["a"], item=True)  # xs[1:] of a list is a list of its items
    if isinstance(index, ir.Const):
        int_index = type(index.value) is int
    elif isinstance(index, ir.Opaque):
        int_index = _integer_arithmetic(index, kind)
    else:
        int_index = kind(index) == SCALAR
    base = kind(b["a"])
    if base is None and isinstance(b["a"], ir.Opaque) and not _is_slice(index) and kind(
            b["a"], item=True) is not None:  # `FRICTION[material]`: a module dict's item
        return kind(b["a"], item=True)
    if not int_index:
        return None
    if base == LIST:
        return kind(b["a"], item=True)
    return {"vector": SCALAR, "shape": SCALAR, "matrix": "vector", "array3": "matrix"}.get(base)


add(operator.getitem, Rule(
    "[]", ("a", "index"), vjp={"a": "g"}, jvp={"a": "t[index]"}, sympy=lambda a, i: a[i],
    scatter="index", index="index", recompute=True, out_kind=_index_kind, view=True,
    shape=lambda b, shape_of: shapes.indexed(shape_of(b["a"]), b["index"],
                                             shape_of(b["index"])),
    describes=lambda b, shape_of: shapes.size_at(shape_of(b["a"], described=True), b["index"]),
    form=lambda args, kws: ast.Subscript(args[0], _as_index(args[1]), ast.Load())))

# ----- srcdiff's own runtime helpers, so generated code can be differentiated again -----
add(("helper", "_unbroadcast"), Rule("_unbroadcast", ("v", "x"), vjp={
    "v": "np.broadcast_to(g, np.shape(v))"}, jvp={"v": "_unbroadcast(t, x)"},
    keeps_fresh=True))
add(("helper", "_like"), Rule("_like", ("d", "x", "fresh"), {"fresh": False},
                              vjp={"d": "g"}, jvp={"d": "_like(t, x)"}, broadcast=True))
add(("helper", "_zero"), Rule("_zero", ("x",), zero=True))
add(("helper", "_shape_stub"), Rule("_shape_stub", ("x",), zero=True))  # (holds no data)
add(("helper", "_snapshot"), Rule("_snapshot", ("x",), vjp={"x": "g"},
                                  jvp={"x": "_snapshot(t)"}))  # (a copy: checkpoint.py)
add(("helper", "_revolve"), Rule("_revolve", ("trips", "snapshots"), zero=True,
                                 iterator=True))  # (revolve's schedule: checkpoint.py)
add(("helper", "_broadcast"), Rule("_broadcast", ("v", "like"), vjp={"v": "g"},
                                   jvp={"v": "_broadcast(t, like)"}, broadcast=True))


def _as_index(node):
    """`slice(1, None)` back to `1:` for a subscript."""

    class Sub(ast.NodeTransformer):
        def visit_Call(self, n):
            self.generic_visit(n)
            if isinstance(n.func, ast.Name) and n.func.id == "slice" and not n.keywords:
                parts = [None if isinstance(a, ast.Constant) and a.value is None else a
                         for a in n.args] + [None] * (3 - len(n.args))
                if len(n.args) == 1:
                    parts = [None, parts[0], None]
                return ast.Slice(*parts)
            return n

    return Sub().visit(node)


def _setitem_update(target, value, np_name=None):
    """`x = _setitem(x, i, v)` as `x[i] = v`."""
    x, index, v = value.args
    if not (isinstance(x, ast.Name) and x.id == target.id):
        return None
    return ast.Assign([ast.Subscript(target, _as_index(index), ast.Store())], v, lineno=0)


def _written_part(b):
    """The cotangent of v in x[index] = v: what it wrote. An integer index writes one
    entry; others may repeat one, and then only its last write counts (`_written`)."""
    if b.kind("index") == SCALAR:
        return "_unbroadcast(g[index], v)"
    return "_unbroadcast(_written(g, index), v)"


# the tangent of x[index] = v is x's tangent with v's written at index: one template
# over both (for a list of arrays, a list of tangents; a sum of two would add lists)
add(("helper", "_setitem"), Rule("_setitem", ("x", "index", "v"), vjp={
    "x": "_setitem(g, index, 0.0)", "v": _written_part},
    jvp_joint="_setitem(t_x, index, t_v)", same_shape="x",  # (a list stays a list)
    update=_setitem_update, index="index", keeps=("v",)))  # (an item of a list)
def _add_at_update(target, value, np_name=None):
    """`x = _add_at(x, i, v)` as `np.add.at(x, i, v)` (NumPy's name in the code given)."""
    x, index, v = value.args
    if np_name is None or not (isinstance(x, ast.Name) and x.id == target.id):
        return None
    add_at = ast.Attribute(ast.Attribute(ast.Name(np_name, ast.Load()), "add", ast.Load()),
                           "at", ast.Load())
    return ast.Expr(ast.Call(add_at, [target, index, v], []))


# np.add.at(x, i, v) is x = _add_at(x, i, v): each entry of v adds into x at its index
# (repeated ones too), so v's cotangent is g gathered at the index, x's is g
add(("helper", "_add_at"), Rule("_add_at", ("x", "index", "v"), vjp={
    "x": "g", "v": "_unbroadcast(g[index], v)"}, jvp_joint="_add_at(t_x, index, t_v)",
    same_shape="x", update=_add_at_update, index="index"))
add(("helper", "_ties"), Rule("_ties", ("x", "ans", "axis", "keepdims"), zero=True))


def _linear_helper(name, params, linear):
    """A helper linear in each of `linear` (the others set only shapes): its tangent
    is the helper itself with that argument replaced by its tangent. No reverse rule:
    second order runs forward over reverse."""
    names = [p.partition("=")[0] for p in params.split()]
    defaults = {p: ast.literal_eval(d) for p, _, d in (q.partition("=") for q in params.split())
                if d}
    jvp = {p: f"{name}({', '.join('t' if q == p else q for q in names)})" for p in linear}
    add(("helper", name), Rule(name, tuple(names), defaults, jvp=jvp))


_linear_helper("_written", "g_ index", ["g_"])  # (the others: rules/helpers.py)


# the math rules' own helpers, for second derivatives (forward over reverse)
add(("helper", "_digamma"), Rule("_digamma", ("x",), jvp={"x": "t * _trigamma(x)"}))

# ----- facts without derivatives -----
deffacts(builtins.print, "print", effect_free=True)  # printing changes no value
for _name in dir(math):  # every math function takes and returns floats
    _fn = getattr(math, _name)
    if not callable(_fn):
        continue
    if lookup(_fn) is None:
        deffacts(_fn, "math." + _name, out_kind=SCALAR)
    if _fn not in (math.fsum, math.prod, math.dist):  # those take iterables
        lookup(_fn).scalar_args = True
for _fn in (math.log, math.log2, math.log10, math.log1p, math.sqrt, math.asin, math.acos,
            math.acosh, math.atanh, math.pow, math.gamma, math.lgamma, math.fmod,
            math.remainder, math.exp, math.expm1, math.cosh, math.sinh, math.ldexp):
    lookup(_fn).raises = True  # off their domain (ValueError) or overflowing (OverflowError)
