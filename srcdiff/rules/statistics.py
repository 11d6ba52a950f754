"""Rules for NumPy's statistics and signal functions, and ufunc methods (issue 18).

Conventions at kinks, as in JAX:
- `nanmax`/`nanmin`, `ptp`, `np.maximum.reduce`/`np.minimum.reduce` split
  the cotangent equally among tied extreme entries (as `max`/`min` do).
- `median`, `percentile`, `quantile` differentiate through the sort, as JAX's
  sort-based quantile does: the result is a fixed combination of sorted
  entries, and each sorted position belongs to the entry a stable sort puts
  there (tied entries are told apart by their order). Every `method=` works.
  The derivative in `q` is not taken (refused when `q` is active), nor with
  `weights=` or `overwrite_input=True` (the input is then reordered in place).
- `interp` follows `jnp.interp`: at a knot the segment to its right is used
  (at the last knot, the last segment); outside `[xp[0], xp[-1]]` the result is
  `left`/`right` (or `fp[0]`/`fp[-1]`) and its derivative in x is 0.
  `period=` is refused.
- `sinc`' is its limit 0 at 0; `copysign(a, b)`' in a is
  `sign(a) * copysign(1, b)` (0 at a == 0, JAX's `abs`' at 0), in b zero;
  `nan_to_num` passes the cotangent where x is finite, and its `nan`/`posinf`/
  `neginf` values get it where they were put.
- `real`/`imag`/`conj`/`angle` of real inputs: real and conj the identity, imag and
  angle constants; of complex ones see complex_rules.py.
- `np.maximum.accumulate`/`np.minimum.accumulate` (a running extreme) give each
  result's cotangent to the entry it equals, at ties the latest entry that reached
  the running extreme. `nan_to_num(..., copy=False)` is refused (it changes its
  argument in place).
- `bincount` differentiates in `weights` (each bin's sum); `polyder` in `p`;
  np.polynomial's `polyval`/`chebval`/`legval`/`hermval`/`hermeval`/`lagval` in
  `x` and `c` with `tensor=True` (the default; `tensor=False` is refused).
- `np.fft`: fft, ifft, fft2, ifft2, fftn, ifftn (their transposes are themselves,
  same axes and norm) and rfft, without n=/s=; the others are refused where their
  input is active. So is `np.piecewise` (its pieces are Python functions:
  `np.where`/`np.select` do the same).
"""
import numpy as np

from .. import ir
from ..errors import NotDifferentiableError
from .numpy_rules import (A, M, R, _call, _const, _mean_vjp, _passed, _reduce, _spread)
from .shaping import refuse
from .table import ELEMENTWISE, REDUCE, SCALAR, Rule, add, defelementwise, defzero, lookup


# ----- nan-ignoring reductions -----
def _counts(b):
    return "np.sum(~np.isnan(a)" + (", axis=axis, keepdims=True)" if _passed(b, "axis") else ")")


_NAN = "a axis=None dtype=None out=None keepdims=False"
R(np.nansum, _NAN, lambda b: f"np.where(np.isnan(a), 0.0, {_spread('g', b)})",
  lambda b: _reduce("np.sum", "np.where(np.isnan(a), 0.0, t)", b), out_kind=REDUCE)
R(np.nanmean, _NAN, lambda b: f"np.where(np.isnan(a), 0.0, {_spread('g', b)} / {_counts(b)})",
  lambda b: _call("np.nanmean", "np.where(np.isnan(a), np.nan, t)", b, "axis", "keepdims"),
  out_kind=REDUCE)
R([np.nanmax, np.nanmin], "a axis=None out=None keepdims=False",
  lambda b: f"{_spread('g', b)} * _ties(a, ans, axis, keepdims)",
  lambda b: _reduce("np.sum", "t * _ties(a, ans, axis, keepdims)", b), out_kind=REDUCE)
R(np.nanprod, _NAN,
  lambda b: f"{_spread('g', b)} * _nanprod_partials(a, axis)",
  lambda b: _reduce("np.sum", "np.where(np.isnan(a), 0.0, t) * _nanprod_partials(a, axis)", b),
  out_kind=REDUCE)
_NANVAR = "a axis=None dtype=None out=None ddof=0 keepdims=False"
R(np.nanvar, _NANVAR, "_nanvar_adjoint(g, a, axis, ddof, keepdims)",
  lambda b: _reduce("np.sum", "np.where(np.isnan(a), 0.0, t) * "
                              "_nanvar_adjoint(1.0, a, axis, ddof, keepdims)", b),
  out_kind=REDUCE)
R(np.nanstd, _NANVAR, "_std_adjoint(g, a, ans, axis, ddof, keepdims, True)",
  lambda b: _reduce("np.sum", "np.where(np.isnan(a), 0.0, t) * "
                              "_std_adjoint(1.0, a, ans, axis, ddof, keepdims, True)", b),
  out_kind=REDUCE)


# ----- order statistics: median, percentile, quantile -----
def _order_checks(name, b):
    for p, why in (("weights", "weights="), ("interpolation", "interpolation= (use method=)")):
        if _passed(b, p):
            raise NotDifferentiableError(f"{name}: srcdiff has no derivative rule with {why}")
    ow = b.get("overwrite_input")
    if ow is not None and not (_const(ow) and not ow.value):
        raise NotDifferentiableError(f"{name}: overwrite_input=True reorders the input in "
                                     "place, so its derivative cannot be taken afterwards")


def _quantile(name, q, mode):
    def template(b):
        _order_checks(name, b)
        qs = q(b) if callable(q) else q
        v = "g" if mode == "vjp" else "t"
        method = "method" if _passed(b, "method") else "'linear'"
        keep = "keepdims" if _passed(b, "keepdims") else "False"
        fn = "_quantile_adjoint" if mode == "vjp" else "_quantile_tangent"
        return f"{fn}({v}, a, {qs}, axis, {method}, {keep})"
    return template


def _q_kind(b, kind):
    axis = b.get("axis")
    return SCALAR if (axis is None or _const(axis) and axis.value is None) and kind(
        b["q"]) == SCALAR else None


_NO_Q = refuse("np.quantile/np.percentile", "the derivative in q is not taken")
_NO_WEIGHTS = refuse("np.quantile/np.percentile", "weights= is not differentiated")
_ORDER = ("a q axis=None out=None overwrite_input=False method=None keepdims=False "
          "weights=None interpolation=None")
R(np.median, "a axis=None out=None overwrite_input=False keepdims=False",
  _quantile("np.median", "0.5", "vjp"), _quantile("np.median", "0.5", "jvp"), out_kind=REDUCE)
def _percent(b):  # q / 100, for a list of percentiles too
    return "q / 100" if b.kind("q") == SCALAR else "np.divide(q, 100)"


for _f, _q in ((np.quantile, "q"), (np.percentile, _percent)):
    R(_f, _ORDER, {"a": _quantile(f"np.{_f.__name__}", _q, "vjp"), "q": _NO_Q,
                   "weights": _NO_WEIGHTS},
      {"a": _quantile(f"np.{_f.__name__}", _q, "jvp"), "q": _NO_Q, "weights": _NO_WEIGHTS},
      out_kind=_q_kind)


# ----- average, ptp -----
def _average(param, mode):
    def template(b):
        if _passed(b, "returned") and not (_const(b["returned"]) and not b["returned"].value):
            raise NotDifferentiableError("np.average: returned=True gives a tuple; srcdiff "
                                         "differentiates the average only")
        keep = "keepdims" if _passed(b, "keepdims") else "False"
        if not _passed(b, "weights"):
            return _mean_vjp(b) if mode == "vjp" else _reduce("np.mean", "t", b)
        if mode == "vjp":
            return f"_average_adjoint(g, a, weights, axis, {keep}, {param == 'weights'})"
        if param == "a":
            return _call("np.average", "t", b, "axis", "weights", "keepdims")
        return f"_average_tangent(t, a, weights, axis, {keep})"
    return template


R(np.average, "a axis=None weights=None returned=False keepdims=False",
  {p: _average(p, "vjp") for p in ("a", "weights")},
  {p: _average(p, "jvp") for p in ("a", "weights")}, out_kind=REDUCE)
R(np.ptp, "a axis=None out=None keepdims=False",
  lambda b: f"{_spread('g', b)} * _ptp_weights(a, axis)",
  lambda b: _reduce("np.sum", "t * _ptp_weights(a, axis)", b), out_kind=REDUCE)


# ----- covariance and correlation -----
def _cov(param, mode):
    def template(b):
        wrt_y = param == "y"
        opts = "rowvar, bias, ddof"
        if mode == "vjp":
            return f"_cov_adjoint(g, m, y, {opts}, {wrt_y})"
        tm, ty = ("None", "t") if wrt_y else ("t", "None")
        return f"_cov_tangent({tm}, {ty}, m, y, {opts}, ans)"
    return template


R(np.cov, "m y=None rowvar=True bias=False ddof=None dtype=None",
  {p: _cov(p, "vjp") for p in ("m", "y")}, {p: _cov(p, "jvp") for p in ("m", "y")})
R(np.corrcoef, "x y=None rowvar=True dtype=None",
  {"x": "_corrcoef_adjoint(g, x, y, rowvar, ans, False)",
   "y": "_corrcoef_adjoint(g, x, y, rowvar, ans, True)"},
  {"x": "_corrcoef_tangent(t, None, x, y, rowvar, ans)",
   "y": "_corrcoef_tangent(None, t, x, y, rowvar, ans)"})


# ----- integration and interpolation -----
def _trapezoid_y(mode):
    def template(b):
        if mode == "jvp":
            return _call("np.trapezoid", "t", b, "x", "dx", "axis")
        return "np.expand_dims(g, axis) * _trapezoid_weights(y, x, dx, axis)"
    return template


def _trapezoid_dx(mode):
    def template(b):
        if _passed(b, "x"):
            return None  # dx is not used when x is given
        area = _call("np.trapezoid", "y", b, "axis")
        return f"np.sum(g * {area})" if mode == "vjp" else f"t * {area}"
    return template


for _f in [getattr(np, n) for n in ("trapezoid", "trapz") if hasattr(np, n)]:
    R(_f, "y x=None dx=1.0 axis=-1",
      {"y": _trapezoid_y("vjp"), "x": "_trapezoid_x_adjoint(g, y, x, axis)",
       "dx": _trapezoid_dx("vjp")},
      {"y": _trapezoid_y("jvp"), "x": "_trapezoid_x_tangent(t, y, axis)",
       "dx": _trapezoid_dx("jvp")})


def _interp(param, mode):
    def template(b):
        if _passed(b, "period"):
            raise NotDifferentiableError("np.interp: srcdiff has no derivative rule with period=")
        fn = "_interp_adjoint(g" if mode == "vjp" else "_interp_tangent(t"
        return f"{fn}, x, xp, fp, left, right, {param!r})"
    return template


_INTERP = ("x", "xp", "fp", "left", "right", "period")
R(np.interp, "x xp fp left=None right=None period=None",
  {p: _interp(p, "vjp") for p in _INTERP}, {p: _interp(p, "jvp") for p in _INTERP},
  out_kind=lambda b, kind: kind(b["x"]))


# ----- signals: convolve, correlate -----
R(np.convolve, "a v mode='full'",
  {"a": "_convolve_adjoint(g, a, v, mode)", "v": "_convolve_adjoint(g, v, a, mode)"},
  {"a": lambda b: _call("np.convolve", "t, v", b, pos=("mode",)),
   "v": lambda b: _call("np.convolve", "a, t", b, pos=("mode",))})
R(np.correlate, "a v mode='valid'",
  {"a": "_convolve_adjoint(g, a, np.flip(v), mode, np.size(a) < np.size(v))",
   "v": "np.flip(_convolve_adjoint(g, np.flip(v), a, mode, np.size(a) < np.size(v)))"},
  {"a": lambda b: _call("np.correlate", "t, v", b, pos=("mode",)),
   "v": lambda b: _call("np.correlate", "a, t", b, pos=("mode",))})

# ----- polynomials -----
R(np.polyval, "p x",
  {"p": "np.ravel(g) @ np.vander(np.ravel(x), len(p))",
   "x": "g * np.polyval(np.polyder(p), x)"},
  {"p": "np.polyval(t, x)", "x": "t * np.polyval(np.polyder(p), x)"})
# np.polynomial's series, c[0] + c[1] B_1(x) + ...: linear in the coefficients c (the
# Vandermonde matrix of the basis B), and in x the series of the differentiated
# coefficients. A c of more than one axis (tensor=True) is a series per column:
# its derivative in x sums over those columns.
for _mod, _kind in ((np.polynomial.polynomial, "poly"), (np.polynomial.chebyshev, "cheb"),
                    (np.polynomial.legendre, "leg"), (np.polynomial.hermite, "herm"),
                    (np.polynomial.hermite_e, "herme"), (np.polynomial.laguerre, "lag")):
    _ns = f"np.polynomial.{_mod.__name__.rsplit('.', 1)[1]}.{_kind}"
    _slope = f"{_ns}val(x, {_ns}der(c))"
    _tensor_only = refuse(f"{_ns}val", "srcdiff differentiates tensor=True (the default) only")

    def _series(template, guard=_tensor_only):
        tensor = lambda b: not _passed(b, "tensor") or _const(b["tensor"]) and (
            b["tensor"].value is True)
        return lambda b: template if tensor(b) else guard(b)

    R(getattr(_mod, f"{_kind}val"), "x c tensor=True",
      {"c": _series(f"np.moveaxis(np.tensordot(g, np.reshape({_ns}vander(x, len(c) - 1), "
                    "np.shape(x) + (len(c),)), np.ndim(x)), -1, 0)"),
       "x": _series(f"np.sum(g * {_slope}, axis=tuple(range(np.ndim(c) - 1)))")},
      {"c": _series(f"{_ns}val(x, t)"), "x": _series(f"t * {_slope}")}, name=f"{_ns}val")


def _polyder_vjp(b):
    """np.polyder is linear in p: entry i is scaled by the i-th entry of polyder(ones)."""
    if not _passed(b, "m"):
        return "np.append(g * np.arange(len(p) - 1, 0, -1), 0.0)"
    # m > len(p) differentiates everything away: the last len(p) entries are then zeros
    return "np.append(g * np.polyder(np.ones(len(p)), m), np.zeros(m))[-len(p):]"


R(np.polyder, "p m=1", _polyder_vjp, lambda b: _call("np.polyder", "t", b, pos=("m",)))
R(np.vander, "x N=None increasing=False", "np.sum(g * _vander_deriv(x, N, increasing), axis=1)",
  "t[:, None] * _vander_deriv(x, N, increasing)")

# ----- counting: the sums of weights per bin -----
R(np.bincount, "x weights=None minlength=0", {"weights": "g[x]"},
  {"weights": lambda b: _call("np.bincount", "x, t", b, "minlength")},
  out_kind=lambda b, kind: "vector")

# ----- choosing: select -----
R(np.select, "condlist choicelist default=0",
  {"choicelist": "_select_adjoint(g, condlist, choicelist)",
   "default": "_unbroadcast(np.select(condlist, [0.0] * len(condlist), g), default)"},
  {"choicelist": "_broadcast(np.select(condlist, t, 0.0), ans)",
   "default": "_broadcast(np.select(condlist, [0.0] * len(condlist), t), ans)"})

_PIECES = refuse("np.piecewise", "its pieces are functions srcdiff cannot see into; write "
                 "it with np.where or np.select of the pieces' values")
add(np.piecewise, Rule("np.piecewise", (), vjp={"*": _PIECES}, jvp={"*": _PIECES},
                       varargs=True))

# ----- elementwise -----
defelementwise(np.sinc, "np.sinc", "x", "_dsinc(x)")
defelementwise(np.copysign, "np.copysign", "a b", "np.sign(a) * np.copysign(1.0, b)", "0")
def _copied(template):
    """nan_to_num(x, copy=False) replaces x's entries in place: refused (x changes under us)."""
    def checked(b):
        c = b.get("copy")
        if c is not None and not (_const(c) and c.value):
            raise NotDifferentiableError("np.nan_to_num: copy=False changes x in place; "
                                         "srcdiff differentiates copy=True only")
        return template
    return checked


R(np.nan_to_num, "x copy=True nan=0.0 posinf=None neginf=None",
  {"x": _copied("g * np.isfinite(x)"), "nan": _copied("np.sum(g * np.isnan(x))"),
   "posinf": _copied("np.sum(g * np.isposinf(x))"),
   "neginf": _copied("np.sum(g * np.isneginf(x))")},
  {"x": _copied("t * np.isfinite(x)"), "nan": _copied("t * np.isnan(x)"),
   "posinf": _copied("t * np.isposinf(x)"), "neginf": _copied("t * np.isneginf(x)")},
  out_kind=ELEMENTWISE)

# ----- the fft family (complex values: JAX's convention, complex_rules.py). The DFT
# matrix is symmetric, so the transpose of fft (ifft, fft2, ...) is the same transform
# with the same axes and norm; rfft's is the real part of fft of g zero-padded to the
# input's length. With n= or s= (the input cut or padded first) and for the other
# transforms the rules refuse -----
def _complex_refused(b, param):
    raise NotDifferentiableError(
        "srcdiff has no derivative of this np.fft function (of fft, ifft, fft2, ifft2, "
        "fftn, ifftn and rfft it has, without n= or s=); register a rule")


_complex_refused.refuses = "complex values"


def _unresized(template, size):
    """A transform's template, refused where the call resizes its input (n=, s=)."""
    def checked(b):
        if _passed(b, size):
            raise NotDifferentiableError(
                f"np.fft with {size}= (its input cut or zero-padded first): srcdiff "
                f"differentiates the transforms of the input's own size; pad or slice the "
                f"input explicitly")
        return template(b) if callable(template) else template
    return checked


def _transform(name, size, axes, first):
    """A linear transform's vjp or jvp: itself, of `first` (g or t), same axes and norm."""
    return _unresized(lambda b: _call(f"np.fft.{name}", first, b, axes, "norm"), size)


def _rfft_vjp(b):
    axis = "axis" if _passed(b, "axis") else "-1"
    return _call("np.real(np.fft.fft", f"g, np.shape(a)[{axis}]", b, "axis", "norm") + ")"


for _name, _size, _axes in (("fft", "n", "axis"), ("ifft", "n", "axis"),
                            ("fft2", "s", "axes"), ("ifft2", "s", "axes"),
                            ("fftn", "s", "axes"), ("ifftn", "s", "axes")):
    R(getattr(np.fft, _name), f"a {_size}=None {_axes}=None norm=None",
      _transform(_name, _size, _axes, "g"), _transform(_name, _size, _axes, "t"),
      name=f"np.fft.{_name}", same_shape="a")
R(np.fft.rfft, "a n=None axis=None norm=None", _unresized(_rfft_vjp, "n"),
  _transform("rfft", "n", "axis", "t"), name="np.fft.rfft")
for _name in ("irfft", "rfft2", "irfft2", "rfftn", "irfftn", "hfft", "ihfft"):
    add(getattr(np.fft, _name), Rule(f"np.fft.{_name}", (), vjp={"*": _complex_refused},
                                     jvp={"*": _complex_refused}, varargs=True))

# ----- complex parts, for real inputs -----
R([np.real, np.conj, np.conjugate, M("conj"), M("conjugate"), A("real")], "val", "g", "t",
  out_kind=ELEMENTWISE)
for _key in (np.real, A("real")):  # the real part of a real array is a view of it
    lookup(_key).view = True
# (of a real value: a constant; of a complex one: complex_rules.py)
R([np.imag, A("imag")], "val", lambda b: None, lambda b: None, out_kind=ELEMENTWISE)
R(np.angle, "z deg=False", lambda b: None, lambda b: None, out_kind=ELEMENTWISE)


# ----- ufunc methods: reduce, accumulate, outer -----
def _axis0(template):
    """A template over the bound arguments with ufunc.reduce's default axis 0 made explicit
    (an explicit axis=None still reduces over every axis)."""
    def wrapped(b):
        if b.get("axis") is None:
            b = {**b, "axis": ir.Const(0)}
        return template(b)
    return wrapped


_UREDUCE = "a axis=0 dtype=None out=None keepdims=False"
R(np.add.reduce, _UREDUCE, _axis0(lambda b: _spread("g", b)),
  _axis0(lambda b: _reduce("np.sum", "t", b)), name="np.add.reduce")
R(np.multiply.reduce, _UREDUCE, _axis0(lambda b: f"{_spread('g', b)} * _prod_others(a, axis)"),
  _axis0(lambda b: _reduce("np.sum", "t * _prod_others(a, axis)", b)),
  name="np.multiply.reduce")
for _f in (np.maximum, np.minimum):
    R(_f.reduce, _UREDUCE, _axis0(lambda b: f"{_spread('g', b)} * _ties(a, ans, axis, keepdims)"),
      _axis0(lambda b: _reduce("np.sum", "t * _ties(a, ans, axis, keepdims)", b)),
      name=f"np.{_f.__name__}.reduce")
for _f in (np.maximum, np.minimum):
    R(_f.accumulate, "array axis=0 dtype=None out=None",
      "_running_adjoint(g, array, ans, axis)", "_running_tangent(t, array, ans, axis)",
      name=f"np.{_f.__name__}.accumulate")
for _f, _exp in ((np.logaddexp, "np.exp"), (np.logaddexp2, "np.exp2")):  # log-sum-exp
    R(_f.reduce, _UREDUCE,
      _axis0(lambda b, e=_exp: f"{_spread('g', b)} * {e}(a - _expand(ans, a, axis, keepdims))"),
      _axis0(lambda b, e=_exp: _reduce("np.sum", f"t * {e}(a - _expand(ans, a, axis, keepdims))",
                                       b)),
      name=f"np.{_f.__name__}.reduce")
R(np.add.accumulate, "array axis=0 dtype=None out=None",
  "np.flip(np.cumsum(np.flip(g, axis), axis), axis)", "np.cumsum(t, axis)",
  name="np.add.accumulate")
R(np.multiply.accumulate, "array axis=0 dtype=None out=None",
  "_cumprod_adjoint(g, array, axis)", "_cumprod_tangent(t, array, axis)",
  name="np.multiply.accumulate")
VECTOR = "vector"  # the kind of a 1-d array (kinds.VECTOR)


def _lead(b):
    """The axes of an outer product's cotangent that come from a (summed for b's adjoint)."""
    return "0" if b.kind("a") == VECTOR else "tuple(range(np.ndim(a)))"


def _tail(b):
    """The axes that come from b (summed for a's adjoint)."""
    return "-1" if b.kind("b") == VECTOR else "tuple(range(np.ndim(a), np.ndim(g)))"


R(np.add.outer, "a b",
  {"a": lambda b: f"np.sum(g, axis={_tail(b)})", "b": lambda b: f"np.sum(g, axis={_lead(b)})"},
  {"a": "np.add.outer(t, np.zeros(np.shape(b)))", "b": "np.add.outer(np.zeros(np.shape(a)), t)"},
  name="np.add.outer")
R(np.subtract.outer, "a b",
  {"a": lambda b: f"np.sum(g, axis={_tail(b)})", "b": lambda b: f"-np.sum(g, axis={_lead(b)})"},
  {"a": "np.subtract.outer(t, np.zeros(np.shape(b)))",
   "b": "np.subtract.outer(np.zeros(np.shape(a)), t)"}, name="np.subtract.outer")
R(np.multiply.outer, "a b",
  {"a": "np.tensordot(g, b, np.ndim(b))", "b": "np.tensordot(a, g, np.ndim(a))"},
  {"a": "np.multiply.outer(t, b)", "b": "np.multiply.outer(a, t)"}, name="np.multiply.outer")
_TIE = "0.5 * np.equal.outer(a, b)"  # ties split the cotangent half and half, as for maximum
for _f, _win, _lose in ((np.maximum, "greater", "less"), (np.minimum, "less", "greater")):
    R(_f.outer, "a b",
      {"a": lambda b, w=_win: f"np.sum(g * (np.{w}.outer(a, b) + {_TIE}), axis={_tail(b)})",
       "b": lambda b, w=_lose: f"np.sum(g * (np.{w}.outer(a, b) + {_TIE}), axis={_lead(b)})"},
      {"a": f"np.multiply.outer(t, np.ones(np.shape(b))) * (np.{_win}.outer(a, b) + {_TIE})",
       "b": f"np.multiply.outer(np.ones(np.shape(a)), t) * (np.{_lose}.outer(a, b) + {_TIE})"},
      name=f"np.{_f.__name__}.outer")
for _f in (np.greater, np.less, np.equal):  # (the comparisons those templates read)
    defzero(_f.outer, f"np.{_f.__name__}.outer")
