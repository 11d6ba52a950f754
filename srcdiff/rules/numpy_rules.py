"""Rules for NumPy: ufuncs, reductions, linear algebra, shape ops, constructors.

One line per function, as in autograd's numpy_vjps.py. Templates spell NumPy
`np` (renamed to the user's alias); `_name(...)` calls are helpers emitted from
`srcdiff/runtime.py`. A template may be a function of the call's bound
arguments (parameter -> IR atom, None when defaulted), so that optional
arguments appear in the generated code only when the user passed them.
A parameter a rule cannot handle (`out=`, `where=`, `initial=`) is an error, never a
silently wrong derivative.

Conventions at kinks, as in JAX:
- `maximum`/`minimum` (and `fmax`/`fmin`) split the cotangent 0.5/0.5 between
  tied operands; `max`/`min`/`amax`/`amin` reductions split it equally among
  all tied maximal entries.
- `abs`' is `sign`, so 0 at 0.
- `clip(x, lo, hi)` is `minimum(maximum(x, lo), hi)` as in `jnp.clip`: the
  gradient to x is 1 strictly inside (lo, hi), 0.5 at x == lo or x == hi, 0
  outside; lo and hi receive the rest.
- `where(c, x, y)` sends the cotangent only to the branch it selected (the
  other operand gets exact zeros, whatever its values, inf and nan included).
- `sort` sends the cotangent back through the stable argsort permutation.
- Linear algebra (norms, decompositions): see rules/linalg.py.
- `prod` uses the product of the other entries, so it is exact at zeros.
- Integer results (`astype(int)`, `sign`, `floor`, comparisons, `argmax`)
  have zero derivative.
"""
import ast
import functools
import operator

import numpy as np

from .. import ir, shapes
from ..errors import NotDifferentiableError
from .scalar import pow_rule
from .table import (
    ELEMENTWISE, REDUCE, RULES, UNKNOWN, Rule, add, defelementwise, defzero,
    lookup)

E = defelementwise


def M(name):
    return ("method", name)


def A(name):
    return ("attr", name)


def R(keys, spec, vjp=None, jvp=None, *, out_kind=UNKNOWN, broadcast=False, name=None,
      shape=None, same_shape=None, shape_expr=None):
    """Add one rule under each key. `spec` lists the parameters, `name=default`
    for optional ones; a bare template (not a dict) is for the first parameter.
    A parameter named `out` is accepted only when not passed."""
    params, defaults = [], {}
    for item in spec.split():
        p, _, d = item.partition("=")
        params.append(p)
        if d:
            defaults[p] = ast.literal_eval(d)
    vjp = vjp if isinstance(vjp, dict) else ({params[0]: vjp} if vjp else {})
    jvp = jvp if isinstance(jvp, dict) else ({params[0]: jvp} if jvp else {})
    if "out" in params:
        vjp = {p: _no_out(t) for p, t in vjp.items()}
        jvp = {p: _no_out(t) for p, t in jvp.items()}
    for key in keys if isinstance(keys, list) else [keys]:
        label = name or _label(key)
        add(key, Rule(label, tuple(params), dict(defaults), vjp, jvp, broadcast=broadcast,
                      out_kind=out_kind, shape=shape, same_shape=same_shape,
                      shape_expr=shape_expr))


def Z(*keys):
    for key in keys:
        defzero(key, _label(key))


def _label(key) -> str:
    if isinstance(key, tuple):
        return f".{key[1]}()" if key[0] == "method" else f".{key[1]}"
    if key is operator.matmul:
        return "@"
    mod = getattr(key, "__module__", None) or "numpy"
    prefix = "np.linalg." if "linalg" in mod else "np."
    return prefix + getattr(key, "__name__", repr(key))


def _no_out(template):
    def checked(b):
        if _passed(b, "out"):
            raise NotDifferentiableError("srcdiff has no derivative rule for NumPy calls with "
                                         "out=; assign the result instead")
        return template(b) if callable(template) else template
    return checked


# ----- elementwise: unary -----
E(np.negative, "np.negative", "x", "-1")
E(np.positive, "np.positive", "x", "1")
E(np.sin, "np.sin", "x", "np.cos(x)")
E(np.cos, "np.cos", "x", "-np.sin(x)")
E(np.tan, "np.tan", "x", "1 + ans * ans")
E(np.arcsin, "np.arcsin", "x", "1 / np.sqrt(1 - x * x)")
E(np.arccos, "np.arccos", "x", "-1 / np.sqrt(1 - x * x)")
E(np.arctan, "np.arctan", "x", "1 / (1 + x * x)")
E(np.sinh, "np.sinh", "x", "np.cosh(x)")
E(np.cosh, "np.cosh", "x", "np.sinh(x)")
E(np.tanh, "np.tanh", "x", "1 - ans * ans")
E(np.arcsinh, "np.arcsinh", "x", "1 / np.sqrt(x * x + 1)")
E(np.arccosh, "np.arccosh", "x", "1 / np.sqrt(x * x - 1)")
E(np.arctanh, "np.arctanh", "x", "1 / (1 - x * x)")
E(np.exp, "np.exp", "x", "ans")
E(np.exp2, "np.exp2", "x", "ans * np.log(2)")
E(np.expm1, "np.expm1", "x", "ans + 1")
E(np.log, "np.log", "x", "1 / x")
E(np.log2, "np.log2", "x", "1 / (x * np.log(2))")
E(np.log10, "np.log10", "x", "1 / (x * np.log(10))")
E(np.log1p, "np.log1p", "x", "1 / (1 + x)")
# (a tangent exactly 0 where ans is 0, as through np.sqrt(np.maximum(v, 0.0)) at v < 0,
# gives 0, not 0 / 0: the partial is infinite only where the input moves)
E(np.sqrt, "np.sqrt", "x", "0.5 / ans", tangents={"x": (
    "t * 0.5 / (ans if t != 0 else 1.0)", "t * 0.5 / np.where(t == 0, 1.0, ans)")})
E(np.cbrt, "np.cbrt", "x", "1 / (3 * ans * ans)")
E(np.square, "np.square", "x", "2 * x")
E(np.reciprocal, "np.reciprocal", "x", "-ans * ans")
E(np.abs, "np.abs", "x", "np.sign(x)")
E(np.fabs, "np.fabs", "x", "np.sign(x)")
E(np.deg2rad, "np.deg2rad", "x", "np.pi / 180")
E(np.radians, "np.radians", "x", "np.pi / 180")
E(np.rad2deg, "np.rad2deg", "x", "180 / np.pi")
E(np.degrees, "np.degrees", "x", "180 / np.pi")

# ----- elementwise: binary (contributions are summed back over broadcast axes) -----
E(np.add, "np.add", "a b", "1", "1")
E(np.subtract, "np.subtract", "a b", "1", "-1")
E(np.multiply, "np.multiply", "a b", "b", "a")
E(np.divide, "np.divide", "a b", "1 / b", "-ans / b")
add(np.power, pow_rule("np.power"))
add(np.float_power, pow_rule("np.float_power"))
E(np.mod, "np.mod", "a b", "1", "-np.floor(a / b)")
E(np.fmod, "np.fmod", "a b", "1", "-np.trunc(a / b)")
E(np.arctan2, "np.arctan2", "y x", "x / (x * x + y * y)", "-y / (x * x + y * y)")
E(np.hypot, "np.hypot", "x y", "x / ans", "y / ans")
E(np.logaddexp, "np.logaddexp", "a b", "np.exp(a - ans)", "np.exp(b - ans)")
E(np.logaddexp2, "np.logaddexp2", "a b", "np.exp2(a - ans)", "np.exp2(b - ans)")


def _select(g: str, wins: str, tie: str) -> str:
    """g where the operand wins, half of it at a tie, else an exact 0: a selection, not
    a product with a 0/1 mask, so that the operand not selected gets 0 even where g is
    inf (`np.sqrt(np.maximum(v, 0.0))` at v < 0: inf * 0 would be nan)."""
    return f"np.where({wins}, {g}, np.where({tie}, 0.5 * {g}, 0.0))"


def _selected(wins: str):
    """maximum's (minimum's) vjp and jvp, by `_select`."""
    other = {">": "<", "<": ">"}[wins]
    return ({"a": _select("g", f"a {wins} b", "a == b"),
             "b": _select("g", f"a {other} b", "a == b")},
            {"a": _select("t", f"a {wins} b", "a == b"),
             "b": _select("t", f"a {other} b", "a == b")})


for _f, _wins in ((np.maximum, ">"), (np.fmax, ">"), (np.minimum, "<"), (np.fmin, "<")):
    R(_f, "a b", *_selected(_wins), out_kind=ELEMENTWISE, broadcast=True)


def _clip(lo, hi):
    """clip(a, lo, hi) = minimum(maximum(a, lo), hi), JAX's ties: each operand's
    contribution through the two selections (`_select`), as functions of (g, bound args)."""
    def above(u, v):  # through maximum(u, v), to u
        return lambda g: _select(g, f"{u} > {v}", f"{u} == {v}")

    def below(u, v):  # through minimum(u, v), to u
        return lambda g: _select(g, f"{u} < {v}", f"{u} == {v}")

    def chain(g, *steps):
        for step in reversed([s for s in steps if s]):
            g = step(g)
        return g

    def da(g, b):
        if _passed(b, lo) and _passed(b, hi):  # the two selections as one, to read
            return (f"np.where(({lo} <= a) & (a <= {hi}), {g} * (1 - 0.5 * (a == {lo})) "
                    f"* (1 - 0.5 * (a == {hi})), 0.0)")
        return chain(g, _passed(b, lo) and above("a", lo), _passed(b, hi) and below("a", hi))

    def dlo(g, b):
        return chain(g, above(lo, "a"), _passed(b, hi) and below(lo, hi)) if _passed(
            b, lo) else None

    def dhi(g, b):
        m = f"np.maximum(a, {lo})" if _passed(b, lo) else "a"
        return below(hi, m)(g) if _passed(b, hi) else None
    parts = {"a": da, lo: dlo, hi: dhi}
    return ({p: functools.partial(d, "g") for p, d in parts.items()},
            {p: functools.partial(d, "t") for p, d in parts.items()})


R(np.clip, "a a_min=None a_max=None", *_clip("a_min", "a_max"), out_kind=ELEMENTWISE,
  broadcast=True)
R(M("clip"), "a min=None max=None", *_clip("min", "max"), out_kind=ELEMENTWISE, broadcast=True)
R(np.where, "condition x=None y=None",
  {"x": "np.where(condition, g, 0.0)", "y": "np.where(condition, 0.0, g)"},
  {"x": "np.where(condition, t, 0.0)", "y": "np.where(condition, 0.0, t)"},
  out_kind=ELEMENTWISE, broadcast=True)


# ----- template pieces that depend on which optional arguments were passed -----
def _passed(b, p) -> bool:
    """Whether the call passed `p` (an explicit None counts as not passed)."""
    a = b.get(p)
    return a is not None and not (_const(a) and a.value is None)


def _call(fn, first, b, *opts, pos=()):
    """`fn(first, opt=opt, ...)` with only the options the user passed."""
    args = [first] + [o for o in pos if _passed(b, o)]
    args += [f"{o}={o}" for o in opts if _passed(b, o)]
    return f"{fn}({', '.join(args)})"


def _spread(g, b, x="a"):
    """`g`, the cotangent of a reduction of `x` over `axis`, spread back over x."""
    if not _passed(b, "axis"):
        return f"np.broadcast_to({g}, np.shape({x}))"
    keep = b.get("keepdims")
    if keep is None or _const(keep) and not keep.value:
        return f"np.broadcast_to(np.expand_dims({g}, axis), np.shape({x}))"
    if _const(keep):
        return f"np.broadcast_to({g}, np.shape({x}))"
    return f"_expand({g}, {x}, axis, keepdims)"


def _reduce(fn, t, b):
    return _call(fn, t, b, "axis", "keepdims")


def _mean_vjp(b):
    if not _passed(b, "axis"):
        return "np.broadcast_to(g / np.size(a), np.shape(a))"
    return f"{_spread('g', b)} * (np.size(ans) / np.size(a))"


_REDUCE = "a axis=None dtype=None out=None keepdims=False"
_CHOOSE = "a axis=None out=None keepdims=False"
_VAR = "a axis=None dtype=None out=None ddof=0 keepdims=False"

# ----- reductions -----
R([np.sum, M("sum")], _REDUCE, lambda b: _spread("g", b), lambda b: _reduce("np.sum", "t", b),
  out_kind=REDUCE)
R([np.mean, M("mean")], _REDUCE, _mean_vjp, lambda b: _reduce("np.mean", "t", b),
  out_kind=REDUCE)
R([np.prod, M("prod")], _REDUCE, lambda b: f"{_spread('g', b)} * _prod_others(a, axis)",
  lambda b: _reduce("np.sum", "t * _prod_others(a, axis)", b), out_kind=REDUCE)
def _choose_vjp(b):
    """The cotangent of a max/min shared equally among the entries equal to it: the
    cotangent divided by the number of ties first (a number, or one per reduced row),
    then spread over their mask, one full-size operation fewer than dividing the
    mask. Written out where `ans` broadcasts against `a` as it is (no axis, or
    keepdims=True); else the helper, which expands `ans`."""
    if not _passed(b, "axis"):  # (np.count_nonzero: np.sum of bools is slower)
        return "g / np.count_nonzero(a == ans) * (a == ans)"
    keep = b.get("keepdims")
    if keep is not None and _const(keep) and keep.value is True:
        return "g / np.count_nonzero(a == ans, axis=axis, keepdims=True) * (a == ans)"
    return f"{_spread('g', b)} * _ties(a, ans, axis, keepdims)"


R([np.max, np.amax, M("max"), np.min, np.amin, M("min")], _CHOOSE, _choose_vjp,
  lambda b: _reduce("np.sum", "t * _ties(a, ans, axis, keepdims)", b), out_kind=REDUCE)
R([np.var, M("var")], _VAR, "_var_adjoint(g, a, ans, axis, ddof, keepdims)",
  lambda b: _reduce("np.sum", "t * _var_adjoint(1.0, a, ans, axis, ddof, keepdims)", b),
  out_kind=REDUCE)
R([np.std, M("std")], _VAR, "_std_adjoint(g, a, ans, axis, ddof, keepdims)",
  lambda b: _reduce("np.sum", "t * _std_adjoint(1.0, a, ans, axis, ddof, keepdims)", b),
  out_kind=REDUCE)
R([np.cumsum, M("cumsum")], "a axis=None dtype=None out=None",
  lambda b: "np.flip(np.cumsum(np.flip(g, axis), axis), axis)" if _passed(b, "axis")
  else "np.reshape(np.cumsum(np.ravel(g)[::-1])[::-1], np.shape(a))",
  lambda b: _call("np.cumsum", "t", b, "axis"))


# ----- products (linear algebra proper is in rules/linalg.py) -----
def _const(a) -> bool:
    return isinstance(a, ir.Const)


def _node(a):
    return ast.Constant(a.value) if _const(a) else getattr(a, "node", ast.Name("?"))


# When both operands' dimensions are known (a call specialised to its arguments),
# the adjoint is the plain formula a person writes; otherwise a general helper.
_PRODUCT_ADJOINTS = {  # (kind of a, kind of b) -> (adjoint for a, adjoint for b)
    ("matrix", "matrix"): ("g @ b.T", "a.T @ g"),
    ("vector", "matrix"): ("b @ g", "np.outer(a, g)"),
    ("matrix", "vector"): ("np.outer(g, b)", "a.T @ g"),
    ("vector", "vector"): ("g * b", "g * a"),
}
_PRODUCT_KINDS = {("matrix", "matrix"): "matrix", ("vector", "matrix"): "vector",
                  ("matrix", "vector"): "vector", ("vector", "vector"): "scalar"}


def _product(which, helper):
    def template(b):
        pair = (b.kind("a"), b.kind("b"))
        if pair in _PRODUCT_ADJOINTS:
            return _PRODUCT_ADJOINTS[pair][which]
        return f"{helper}_{'ab'[which]}(g, a, b)"

    return template


def _product_kind(bound, kind):
    return _PRODUCT_KINDS.get((kind(bound["a"]), kind(bound["b"])))


def _product_shape(bound, shape_of):
    """`a @ b` (and `np.dot` of vectors and matrices, where it is the same)."""
    a, b = shape_of(bound["a"]), shape_of(bound["b"])
    if a is None or b is None or len(a) > 2 or len(b) > 2:
        return None
    return shapes.matmul(a, b)


def _product_shape_expr(b):
    """`a @ b`'s shape from its operands' (so a derivative reading only its shape does
    not compute the product): of matrices and vectors, where NumPy's rule is plain."""
    return {("matrix", "matrix"): "(np.shape(a)[0], np.shape(b)[1])",
            ("vector", "matrix"): "np.shape(b)[1:]",
            ("matrix", "vector"): "np.shape(a)[:1]"}.get((b.kind("a"), b.kind("b")))


def _reversed_shape(bound, shape_of):
    a = shape_of(bound["a"])
    return None if a is None else a[::-1]


def _dot_shape(bound, shape_of):
    """`np.dot`: of a number and an array, that array's shape; else as `@`."""
    a, b = shape_of(bound["a"]), shape_of(bound["b"])
    if a == ():
        return b
    if b == ():
        return a
    return _product_shape(bound, shape_of)


def _extra_arg(b):
    """A method's arguments after the array (`x.reshape(2, 3)`, `x.transpose(1, 0)`)
    as one atom: the single one, or a constant tuple of them; None when there are
    none, and `shapes.constant`'s unknown when they are not all constants."""
    xs = _extras(b)
    if len(xs) == 1:
        return b[xs[0]]
    if not xs:
        return None
    if all(_const(b[x]) for x in xs):
        return ir.Const(tuple(b[x].value for x in xs))
    return ir.Opaque(ast.Name("?", ast.Load()), {})


def _outer_vjp(which, general):
    def template(b):
        if (b.kind("a"), b.kind("b")) == ("vector", "vector"):
            return ("g @ b", "a @ g")[which]
        return general
    return template


R([np.dot, M("dot")], "a b",
  {"a": _product(0, "_dot_adjoint"), "b": _product(1, "_dot_adjoint")},
  {"a": "np.dot(t, b)", "b": "np.dot(a, t)"}, out_kind=_product_kind, shape=_dot_shape,
  shape_expr=_product_shape_expr)
R([np.matmul, operator.matmul], "a b",
  {"a": _product(0, "_matmul_adjoint"), "b": _product(1, "_matmul_adjoint")},
  {"a": "t @ b", "b": "a @ t"}, out_kind=_product_kind, shape=_product_shape,
  shape_expr=_product_shape_expr)
lookup(operator.matmul).form = lambda args, kws: ast.BinOp(args[0], ast.MatMult(), args[1])  # a @ b
R(np.vdot, "a b", {"a": "g * np.reshape(b, np.shape(a))", "b": "g * np.reshape(a, np.shape(b))"},
  {"a": "np.vdot(t, b)", "b": "np.vdot(a, t)"})
R(np.inner, "a b", {"a": "_inner_adjoint_a(g, a, b)", "b": "_inner_adjoint_b(g, a, b)"},
  {"a": "np.inner(t, b)", "b": "np.inner(a, t)"})
R(np.outer, "a b",  # (of two vectors the plain formulas; else a and b flattened)
  {"a": _outer_vjp(0, "np.reshape(g @ np.ravel(b), np.shape(a))"),
   "b": _outer_vjp(1, "np.reshape(np.ravel(a) @ g, np.shape(b))")},
  {"a": "np.outer(t, b)", "b": "np.outer(a, t)"},
  shape=lambda b, shape_of: shapes.outer(shape_of(b["a"]), shape_of(b["b"])),
  shape_expr=lambda b: "(np.size(a), np.size(b))")
R(np.diag, "v k=0", "_diag_adjoint(g, v, k)", lambda b: _call("np.diag", "t", b, pos=("k",)))


# ----- shape ops -----
def _reshape_back(b, x="a"):
    return (f"np.reshape(g, np.shape({x}), order=order)" if _passed(b, "order")
            else f"np.reshape(g, np.shape({x}))")


def _extras(b):
    return [k for k in b if k.startswith("_") and k != "_0"]


def _shape_arg(b):
    xs = _extras(b)
    if not xs:
        return "shape"
    return xs[0] if len(xs) == 1 else f"({', '.join(xs)},)"


def _untranspose(axes, x):
    """The adjoint of np.transpose(x, axes): g by the inverse permutation. Axes may be
    negative (-1 is the last), so they are taken modulo x's dimension before argsort."""
    return f"np.transpose(g, np.argsort(np.mod({axes}, np.ndim({x}))))"


def _method_transpose(mode):
    def template(b):
        xs = _extras(b)
        v = "g" if mode == "vjp" else "t"
        if not xs or (len(xs) == 1 and _const(b[xs[0]]) and b[xs[0]].value is None):
            return f"np.transpose({v})"
        return _untranspose(_shape_arg(b), "_0") if mode == "vjp" else (
            f"np.transpose(t, {_shape_arg(b)})")
    return template


R(np.reshape, "a shape order=None", _reshape_back,
  lambda b: _call("np.reshape", "t", b, "order", pos=("shape",)),
  shape=lambda b, shape_of: shapes.reshaped(shape_of(b["a"]), b["shape"]))
add(M("reshape"), Rule(".reshape()", ("_0",), {"order": None},
                       vjp={"_0": lambda b: _reshape_back(b, "_0")},
                       jvp={"_0": lambda b: _call("np.reshape", f"t, {_shape_arg(b)}", b,
                                                  "order")},
                       varargs=True, shape=lambda b, shape_of: shapes.reshaped(
                           shape_of(b["_0"]), _extra_arg(b))))
add(M("transpose"), Rule(".transpose()", ("_0",), vjp={"_0": _method_transpose("vjp")},
                         jvp={"_0": _method_transpose("jvp")}, varargs=True,
                         shape=lambda b, shape_of: shapes.transposed(
                             shape_of(b["_0"]), _extra_arg(b))))
R(np.transpose, "a axes=None",
  lambda b: _untranspose("axes", "a") if _passed(b, "axes") else "np.transpose(g)",
  lambda b: _call("np.transpose", "t", b, pos=("axes",)),
  shape=lambda b, shape_of: shapes.transposed(shape_of(b["a"]), b["axes"]))
R(A("T"), "a", "np.transpose(g)", "np.transpose(t)", shape=_reversed_shape,
  out_kind=lambda b, kind: kind(b["a"]) if kind(b["a"]) in ("vector", "matrix") else None)
R([np.swapaxes, M("swapaxes")], "a axis1 axis2", "np.swapaxes(g, axis1, axis2)",
  "np.swapaxes(t, axis1, axis2)")
R(np.moveaxis, "a source destination", "np.moveaxis(g, destination, source)",
  "np.moveaxis(t, source, destination)")
R(np.expand_dims, "a axis", "np.reshape(g, np.shape(a))", "np.expand_dims(t, axis)",
  shape=lambda b, shape_of: shapes.expanded(shape_of(b["a"]), b["axis"]))
R([np.squeeze, M("squeeze")], "a axis=None", "np.reshape(g, np.shape(a))",
  lambda b: _call("np.squeeze", "t", b, "axis"),
  shape=lambda b, shape_of: shapes.squeezed(shape_of(b["a"]), b["axis"]))
R([np.ravel, M("ravel"), M("flatten")], "a order=None", _reshape_back,
  lambda b: _call("np.ravel", "t", b, "order"),
  shape=lambda b, shape_of: None if shapes.flat(shape_of(b["a"])) is None
  else (shapes.flat(shape_of(b["a"])),))
for _n, _f in enumerate((np.atleast_1d, np.atleast_2d, np.atleast_3d), 1):
    R(_f, "a", "np.reshape(g, np.shape(a))", "np.reshape(t, np.shape(ans))",
      shape=lambda b, shape_of, n=_n: shapes.at_least(shape_of(b["a"]), n))
R(np.broadcast_to, "array shape", "_unbroadcast(g, array)", "np.broadcast_to(t, shape)")
R([np.concatenate], "arrays axis=0 out=None", "_unconcatenate(g, arrays, axis)",
  lambda b: "np.concatenate(t)" if b["axis"] is None else "np.concatenate(t, axis=axis)")
R(np.block, "arrays", "_unblock(g, arrays)", "np.block(t)")
R(np.stack, "arrays axis=0 out=None",
  lambda b: "np.moveaxis(g, axis, 0)" if _passed(b, "axis") else "g",
  lambda b: _call("np.stack", "t", b, "axis"))
R(np.hstack, "tup", "_unconcatenate(g, tup, int(np.ndim(tup[0]) > 1))", "np.hstack(t)")
R(np.vstack, "tup", "_unconcatenate(g, tup, 0, 2)", "np.vstack(t)")
R(np.flip, "m axis=None", lambda b: _call("np.flip", "g", b, pos=("axis",)),
  lambda b: _call("np.flip", "t", b, pos=("axis",)), same_shape="m")
R(np.fliplr, "m", "np.fliplr(g)", "np.fliplr(t)", same_shape="m")
R(np.flipud, "m", "np.flipud(g)", "np.flipud(t)", same_shape="m")
R(np.roll, "a shift axis=None", lambda b: _call("np.roll", "g, np.negative(shift)", b, "axis"),
  lambda b: _call("np.roll", "t, shift", b, "axis"), same_shape="a")
# (rolls by half: each undoes the other)
R(np.fft.fftshift, "x axes=None", lambda b: _call("np.fft.ifftshift", "g", b, "axes"),
  lambda b: _call("np.fft.fftshift", "t", b, "axes"), same_shape="x")
R(np.fft.ifftshift, "x axes=None", lambda b: _call("np.fft.fftshift", "g", b, "axes"),
  lambda b: _call("np.fft.ifftshift", "t", b, "axes"), same_shape="x")
R(np.real_if_close, "a tol=100", "g", "t",  # (of a real array: itself; complex is refused)
  shape=lambda b, shape_of: shape_of(b["a"]))


def _triangle(fn):
    """tril/triu keep a triangle of m; a 1-D m is first broadcast to a square (each row
    a copy of m), so its adjoint also sums the kept part of g over those rows."""
    def vjp(b):
        kept = _call(fn, "g", b, pos=("k",))
        if b.kind("m") == "matrix":
            return kept
        return f"np.sum({kept}, axis=0)" if b.kind("m") == "vector" else (
            f"_unbroadcast({kept}, m)")
    return vjp, lambda b: _call(fn, "t", b, pos=("k",))


def _triangle_shape(b):
    kind = b.kind("m")
    return "np.shape(m) * 2" if kind == "vector" else "np.shape(m)" if kind == "matrix" else None


for _f in (np.tril, np.triu):  # (of a vector: a matrix, not its shape)
    R(_f, "m k=0", *_triangle(f"np.{_f.__name__}"), shape_expr=_triangle_shape,
      shape=lambda b, shape_of: shapes.triangle(shape_of(b["m"])))
R(np.sort, "a axis=-1 kind=None", "_sort_adjoint(g, a, axis)",
  "np.take_along_axis(t, np.argsort(a, axis, kind='stable'), axis)",  # (axis=None: flat)
  shape=lambda b, shape_of: shape_of(b["a"]) if b.get("axis") is None or (
      _const(b["axis"]) and type(b["axis"].value) is int) else None)


# ----- copies and conversions -----
_FLOAT_NAMES = {"float", "float64", "float32", "float16", "double", "longdouble", "f8", "f4",
                "d", "single", "half"}


def _is_float_dtype(a) -> bool:
    node = _node(a)
    if isinstance(node, ast.Constant):
        return node.value in _FLOAT_NAMES or node.value is None
    if isinstance(node, ast.Name):
        return node.id == "float"
    return isinstance(node, ast.Attribute) and node.attr in _FLOAT_NAMES


def _convert(x, shape_too=False):
    def template(b, v="g"):
        out = f"np.reshape({v}, np.shape({x}))" if shape_too and _passed(b, "ndmin") else v
        if _passed(b, "dtype") and not _is_float_dtype(b["dtype"]):
            out = f"_cast_adjoint({out}, ans)"
        return out
    return template, lambda b: (template(b, "np.reshape(t, np.shape(ans))")
                                if shape_too and _passed(b, "ndmin")
                                else template(b, "np.asarray(t)"))  # a list's tangent is one


def _kept(x):
    """The shape of a conversion or copy of an array `x` (of a list: not known here;
    `ndmin=` may add dimensions). An abstract shape only, not a shape class: a list
    and the array made of it are not one class."""
    return lambda b, shape_of: None if _passed(b, "ndmin") else shape_of(b[x])


R(np.array, "object dtype=None copy=True order='K' subok=False ndmin=0",
  *_convert("object", shape_too=True), shape=_kept("object"))
R([np.asarray, np.ascontiguousarray, np.asanyarray], "a dtype=None", *_convert("a"),
  shape=_kept("a"))
R(M("astype"), "a dtype order=None casting=None subok=None copy=None", *_convert("a"))
R(np.copy, "a order=None", "g", "t", shape=_kept("a"))
R(M("copy"), "a order=None", "g", "t",  # (of a list: a new list holding the same items)
  same_shape="a")


# ----- constructors: values that do not depend on the arguments' values -----
def _arange(param):
    def template(b):
        if not _passed(b, "stop"):  # np.arange(n): the only argument is the stop
            return None
        if _passed(b, "dtype") and not _is_float_dtype(b["dtype"]):
            return None  # an integer range is piecewise constant in its bounds
        if param == "start":
            return "np.sum(g)"
        return "np.sum(g * np.arange(np.size(ans)))" if _passed(b, "step") else None
    return template


R(np.arange, "start stop=None step=None dtype=None",
  {"start": _arange("start"), "step": _arange("step")},
  {"start": lambda b: _arange("start")(b) and "np.full(np.shape(ans), t)",
   "step": lambda b: _arange("step")(b) and "t * np.arange(np.size(ans))"},
  out_kind=lambda b, kind: "vector",  # np.arange(n): the n its only argument describes
  shape=lambda b, shape_of: None if _passed(b, "stop") else shape_of(b["start"], described=True))
R(np.full, "shape fill_value dtype=None", {"fill_value": "_unbroadcast(g, fill_value)"},
  {"fill_value": "np.broadcast_to(t, np.shape(ans))"},
  out_kind=lambda b, kind: "vector" if kind(b["shape"]) == "scalar" else None,
  shape=lambda b, shape_of: shape_of(b["shape"], described=True))
R(np.full_like, "a fill_value dtype=None",
  {"fill_value": "_unbroadcast(_cast_adjoint(g, ans), fill_value)"},
  {"fill_value": "np.broadcast_to(_cast_adjoint(t, ans), np.shape(ans))"}, same_shape="a")
for _f in (np.zeros, np.ones, np.empty):  # np.zeros(n) of a scalar n is a vector
    defzero(_f, _label(_f), out_kind=lambda b, kind: "vector" if kind(b.get("_0")) == "scalar"
            else None, shape=lambda b, shape_of: shape_of(b.get("_0"), described=True))
for _f in (np.zeros_like, np.ones_like, np.empty_like):
    defzero(_f, _label(_f), same_shape="_0")
Z(np.eye, np.identity, np.tri)

# ----- zero derivative: integer-valued, boolean and shape results -----
Z(np.sign, np.floor, np.ceil, np.trunc, np.rint, np.round, np.around, np.fix, np.floor_divide,
  np.heaviside, np.signbit, np.isnan, np.isinf, np.isfinite, np.isclose, np.allclose,
  np.array_equal, np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
  np.not_equal, np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.all, np.any,
  np.argmax, np.argmin, np.argsort, np.nonzero, np.flatnonzero, np.count_nonzero,
  np.argwhere, np.searchsorted, np.digitize, np.shape, np.size, np.ndim)
Z(M("argmax"), M("argmin"), M("argsort"), M("nonzero"), M("all"), M("any"), M("round"),
  A("dtype"))
for _key in (np.argmax, np.argmin, M("argmax"), M("argmin")):  # of no axis: an int index
    RULES[_key].out_kind = lambda b, kind: "scalar" if list(b) == ["_0"] and kind(
        b["_0"]) in ("vector", "matrix", "array3") else None
defzero(A("shape"), ".shape", out_kind="shape",  # x.shape describes x's shape
        describes=lambda b, shape_of: shape_of(b.get("_0")))
for _key in (A("size"), A("ndim")):
    defzero(_key, _label(_key), out_kind="scalar")


# ----- results that may share memory with their argument: an in-place update of one
# changes the other (aliasing.py) -----
for _key in (A("T"), M("reshape"), M("ravel"), M("transpose"), M("swapaxes"), M("squeeze"),
             np.reshape, np.ravel, np.transpose, np.swapaxes, np.squeeze, np.expand_dims,
             np.broadcast_to, np.moveaxis, np.atleast_1d, np.atleast_2d, np.atleast_3d,
             np.asarray, np.asanyarray, np.ascontiguousarray):
    RULES[_key].view = True

# ----- results that are always a new array (an adjoint written as one is fresh: it can be
# returned or updated in place without a copy; adjoints.is_fresh) -----
# (tensordot, einsum, kron: linalg.py; diff: shaping.py)
for _key in (np.sum, np.outer, np.dot, np.zeros, np.ones, np.full, np.cumsum, np.zeros_like,
             np.ones_like, np.where):
    RULES[_key].new_array = True
