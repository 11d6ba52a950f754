"""Rules for srcdiff's own runtime helpers, so that generated code is differentiated
again: `hessian(f)` (forward over reverse) needs their tangents, `jacobian(grad(f))`
and `grad(grad(f))` (reverse over reverse) their adjoints.

Most of these helpers are adjoints, so linear in the cotangent they take (here
`g_`: in a template `g` is the helper's own incoming cotangent, `t` its tangent,
`ans` its result, so a parameter is never named like them) and often in another
operand too; their tangent is then the helper with that argument replaced by `t`,
and their adjoint the function they are the adjoint of (the transpose of a
transpose). An operand a helper reads only for its shape gets no template: zero.
Each template below names the helpers of srcdiff/runtime.py it calls; the rule
liveness plugin (tests/liveness.py) requires a test for each one.
"""
from __future__ import annotations

from ..errors import NotDifferentiableError
from .numpy_rules import R, _const, _passed
from .table import RULES, Rule, add, defelementwise


def H(name, spec, vjp=None, jvp=None, **facts):
    """The rule of runtime helper `name` (parameters as for R: `p=default`), with `facts`."""
    R(("helper", name), spec, vjp or {}, jvp or {}, name=name)
    for fact, value in facts.items():
        setattr(RULES[("helper", name)], fact, value)


def _flag(b, p):
    """The value of a constant flag argument (wrt_b), or None when it is a variable."""
    a = b.get(p)
    return bool(a.value) if a is not None and _const(a) else None


def _either(p, yes, no):
    """A template that is `yes` when the flag `p` is set, `no` when not (None: nothing),
    and a conditional expression when the flag is only known at run time."""
    def template(b):
        flag = _flag(b, p)
        if flag is not None:
            return yes if flag else no
        return f"({yes or '0.0'} if {p} else {no or '0.0'})"
    return template


# ----- products: adjoints linear in g and in the other operand; the transpose of
# the adjoint with respect to g is the product itself -----
for _fn, _np in (("dot", "np.dot"), ("matmul", "np.matmul"), ("inner", "np.inner")):
    H(f"_{_fn}_adjoint_a", "g_ a b",
      {"g_": f"{_np}(g, b)", "b": f"_{_fn}_adjoint_b(g_, g, b)"},
      {"g_": f"_{_fn}_adjoint_a(t, a, b)", "b": f"_{_fn}_adjoint_a(g_, a, t)"})
    H(f"_{_fn}_adjoint_b", "g_ a b",
      {"g_": f"{_np}(a, g)", "a": f"_{_fn}_adjoint_a(g_, a, g)"},
      {"g_": f"_{_fn}_adjoint_b(t, a, b)", "a": f"_{_fn}_adjoint_b(g_, t, b)"})

def _bilinear(name, product, extra=""):
    """`name(g_, a, b{extra}, wrt_b)`, the adjoint of `product(a, b{extra})` with respect
    to a (b when wrt_b): linear in g_ and in the other operand, free of its own."""
    def call(g, a, b, flag="wrt_b"):
        return f"{name}({g}, {a}, {b}{extra}, {flag})"
    H(name, f"g_ a b{extra.replace(',', '')} wrt_b",
      {"g_": _either("wrt_b", f"{product}(a, g{extra})", f"{product}(g, b{extra})"),
       "a": _either("wrt_b", call("g_", "a", "g", "False"), None),
       "b": _either("wrt_b", None, call("g_", "g", "b", "True"))},
      {"g_": call("t", "a", "b"), "a": _either("wrt_b", call("g_", "t", "b"), None),
       "b": _either("wrt_b", None, call("g_", "a", "t"))})


_bilinear("_tensordot_adjoint", "np.tensordot", ", axes")
_bilinear("_kron_adjoint", "np.kron")


def _einsum_adjoint(mode):
    """_einsum_adjoint(g_, subscripts, k, *operands) is the gradient of <g_, einsum(...)>
    with respect to operand k: linear in g_ and in every other operand, free of operand
    k. Its adjoint in g_ is the einsum with operand k replaced by the cotangent; in
    operand j, the gradient with respect to operand j with operand k replaced by it."""
    def template(b, param):
        ops = sorted((p for p in b if p.startswith("_") and int(p[1:]) >= 3),
                     key=lambda p: int(p[1:]))
        k = b["_2"]
        if not _const(k):
            raise NotDifferentiableError("srcdiff differentiates _einsum_adjoint again only "
                                         "with a constant operand position")
        mine = ops[k.value]
        if param in ("_1", "_2") or param == mine:
            return None
        def operands(swap, v):
            return ", ".join(v if o == swap else o for o in ops)

        if param == "_0":
            if mode == "jvp":
                return f"_einsum_adjoint(t, _1, _2, {', '.join(ops)})"
            return f"_unbroadcast(np.einsum(_1, {operands(mine, 'g')}), _0)"
        if mode == "jvp":
            return f"_einsum_adjoint(_0, _1, _2, {operands(param, 't')})"
        return f"_einsum_adjoint(_0, _1, {ops.index(param)}, {operands(mine, 'g')})"
    return template


add(("helper", "_einsum_adjoint"), Rule("_einsum_adjoint", (), varargs=True,
                                        vjp={"*": _einsum_adjoint("vjp")},
                                        jvp={"*": _einsum_adjoint("jvp")}))

# ----- reductions: spreading back, products of the others, variances -----
H("_expand", "g_ x axis keepdims",
  {"g_": "_unbroadcast(np.sum(g, axis=axis, keepdims=keepdims), g_)"},
  {"g_": "_expand(t, x, axis, keepdims)"})
# a running max/min gathers from its source entries, whose positions are piecewise constant
H("_running_adjoint", "g_ x ans_ axis", {"g_": "_running_tangent(g, x, ans_, axis)"},
  {"g_": "_running_adjoint(t, x, ans_, axis)"})
H("_running_tangent", "t_ x ans_ axis", {"t_": "_running_adjoint(g, x, ans_, axis)"},
  {"t_": "_running_tangent(t, x, ans_, axis)"})
H("_running_source", "x ans_ axis", zero=True)
H("_prod_others", "x axis", {"x": "_prod_pairs(g, x, axis)"}, {"x": "_prod_pairs(t, x, axis)"})
# (_prod_pairs has no rule: a third derivative through a product is refused)
_NAN = "np.where(np.isnan(x), {}, {})"  # nanprod's partials: prod's, of x with 1 for nan
_NANPROD = "np.where(np.isnan(x), 0.0, _prod_pairs({}, np.where(np.isnan(x), 1.0, x), axis))"
H("_nanprod_partials", "x axis", {"x": _NANPROD.format(_NAN.format("0.0", "g"))},
  {"x": _NANPROD.format(_NAN.format("0.0", "t"))})


def _reduced(inner, g_="g_"):
    """The adjoint of a reduction's cotangent argument: g times `inner` summed over
    the reduced axes, back to that argument's shape."""
    return f"_unbroadcast(np.sum(g * {inner}, axis=axis, keepdims=keepdims), {g_})"


# _var_adjoint is linear in g_ and in x (the centred x); the ans it reads only for
# its size. On each slice it scales by one number and centres, a symmetric map: its
# adjoint in x is itself.
_VARARGS = "ans_, axis, ddof, keepdims"
H("_var_adjoint", "g_ x ans_ axis ddof keepdims",
  {"g_": _reduced(f"_var_adjoint(1.0, x, {_VARARGS})"),
   "x": f"_var_adjoint(g_, g, {_VARARGS})"},
  {"g_": f"_var_adjoint(t, x, {_VARARGS})", "x": f"_var_adjoint(g_, t, {_VARARGS})"})


def _nan_where(v):
    """`v` with nan where x has one, for helpers that skip x's nan entries: so the
    entries they skip are the same."""
    return lambda b: v if not _passed(b, "skipnan") or _flag(b, "skipnan") is False else (
        f"np.where(np.isnan(x), np.nan, {v})")


# _std_adjoint(g_, x, ans_, ...) is _var_adjoint's with g_ / (2 ans_) (0 where a slice
# holds one number); nanstd's (skipnan) skips the nan entries of x
_STD = "ans_, axis, ddof, keepdims, skipnan"
H("_std_adjoint", "g_ x ans_ axis ddof keepdims skipnan=False",
  {"g_": _reduced(f"_std_adjoint(1.0, x, {_STD})"),
   "x": lambda b: f"_std_adjoint(g_, {_nan_where('g')(b)}, {_STD})",
   "ans_": _reduced(f"_std_adjoint(-g_ / ans_, x, {_STD})", "ans_")},
  {"g_": f"_std_adjoint(t, x, {_STD})",
   "x": lambda b: f"_std_adjoint(g_, {_nan_where('t')(b)}, {_STD})",
   "ans_": f"_std_adjoint(-g_ * t / ans_, x, {_STD})"})
H("_nanvar_adjoint", "g_ x axis ddof keepdims",
  {"g_": _reduced("_nanvar_adjoint(1.0, x, axis, ddof, keepdims)"),
   "x": "_nanvar_adjoint(g_, np.where(np.isnan(x), np.nan, g), axis, ddof, keepdims)"},
  {"g_": "_nanvar_adjoint(t, x, axis, ddof, keepdims)",
   "x": "_nanvar_adjoint(g_, np.where(np.isnan(x), np.nan, t), axis, ddof, keepdims)"})


# ----- norms: the partials' tangent in x is the norm's Hessian times t (symmetric:
# the adjoint too); in ans, a factor spread over the reduced axes -----
def _norm_helper(name, spec, args, vector):
    flag = ", True" if vector else ""
    H(name, spec,
      {"x": f"_norm_tangent(g, x, {args}{flag})",
       "ans_": _reduced(f"_norm_slope(x, {args}{flag})", "ans_")},
      {"x": f"_norm_tangent(t, x, {args}{flag})",
       "ans_": f"_expand(t, x, axis, keepdims) * _norm_slope(x, {args}{flag})"})


_norm_helper("_norm_partial", "x ans_ ord axis keepdims", "ans_, ord, axis, keepdims", False)
_norm_helper("_vector_norm_partial", "x ans_ ord axis keepdims", "ans_, ord, axis, keepdims",
             True)
_norm_helper("_matrix_norm_partial", "x ans_ ord axis keepdims", "ans_, ord, axis, keepdims",
             False)

# ----- gathers, scatters and joins: linear in g, each the other's transpose -----
H("_gathered", "g_ ids x", {"g_": "_unbroadcast(_ungathered(g, ids), g_)"},
  {"g_": "_gathered(t, ids, x)"})
H("_ungathered", "g_ ids", {"g_": "_gathered(g, ids, g_)"}, {"g_": "_ungathered(t, ids)"})
H("_unconcatenate", "g_ arrays axis ndmin=1", {"g_": "_reconcatenate(g, arrays, axis, ndmin)"},
  {"g_": "_unconcatenate(t, arrays, axis, ndmin)"}, tuple_out=True)  # (an _items array:
# its adjoint holds one zero per item, which may differ in shape)
H("_reconcatenate", "g_ arrays axis ndmin=1", {"g_": "_unconcatenate(g, arrays, axis, ndmin)"},
  {"g_": "_reconcatenate(t, arrays, axis, ndmin)"})

H("_unblock", "g_ arrays", {"g_": "_reblock(g, arrays)"}, {"g_": "_unblock(t, arrays)"},
  tuple_out=True)
H("_reblock", "g_ arrays", {"g_": "_unblock(g, arrays)"}, {"g_": "_reblock(t, arrays)"})

# _convolve_adjoint(g_, a, v, mode, later): correlates g_ (placed in the full output)
# with v; a only sets sizes
H("_convolve_adjoint", "g_ a v mode later=False",
  {"g_": "_convolve_transpose(g, g_, a, v, mode, later)",
   "v": "np.correlate(_convolve_full(g_, a, v, mode, later), g, 'valid')"},
  {"g_": "_convolve_adjoint(t, a, v, mode, later)",
   "v": "_convolve_adjoint(g_, a, t, mode, later)"})

# ----- the adjoints of linear maps (the other arguments set shapes, permutations or
# piecewise-constant weights): the adjoint of each is the map itself -----
H("_cast_adjoint", "g_ ans_", {"g_": "_cast_adjoint(g, ans_)"}, {"g_": "_cast_adjoint(t, ans_)"})
H("_diag_adjoint", "g_ v k", {"g_": "np.diag(g, k)"}, {"g_": "_diag_adjoint(t, v, k)"})
H("_sort_adjoint", "g_ x axis",
  {"g_": "np.take_along_axis(g, np.argsort(x, axis=axis, kind='stable'), axis)"},
  {"g_": "_sort_adjoint(t, x, axis)"})
H("_unrollaxis", "g_ a axis start", {"g_": "np.rollaxis(g, axis, start)"},
  {"g_": "_unrollaxis(t, a, axis, start)"})
H("_diff_adjoint", "g_ n axis", {"g_": "np.diff(g, n, axis)"}, {"g_": "_diff_adjoint(t, n, axis)"})
H("_trace_adjoint", "g_ a offset axis1 axis2", {"g_": "np.trace(g, offset, axis1, axis2)"},
  {"g_": "_trace_adjoint(t, a, offset, axis1, axis2)"})
H("_pad_values_adjoint", "g_ x pad_width values",
  {"g_": "np.pad(np.zeros(np.shape(x)), pad_width, constant_values=g)"},
  {"g_": "_pad_values_adjoint(t, x, pad_width, values)"})
_QUANTILE = "x, q, axis, method, keepdims"
H("_quantile_adjoint", "g_ x q axis method keepdims", {"g_": f"_quantile_tangent(g, {_QUANTILE})"},
  {"g_": f"_quantile_adjoint(t, {_QUANTILE})"})
H("_quantile_tangent", "t_ x q axis method keepdims", {"t_": f"_quantile_adjoint(g, {_QUANTILE})"},
  {"t_": f"_quantile_tangent(t, {_QUANTILE})"})
H("_select_adjoint", "g_ condlist choicelist",
  {"g_": "_select_transpose(g, g_, condlist)"},
  {"g_": "_select_adjoint(t, condlist, choicelist)"}, tuple_out=True)  # (one per choice)
H("_trapezoid_x_adjoint", "g_ y x axis",  # (x sets shapes only)
  {"g_": "_trapezoid_x_tangent(g, y, axis)", "y": "_trapezoid_y_of_x(g, g_, y, axis)"},
  {"g_": "_trapezoid_x_adjoint(t, y, x, axis)", "y": "_trapezoid_x_adjoint(g_, t, x, axis)"})
H("_gradient_adjoint", "g_ f spacing axis edge_order",
  {"g_": "_gradient_transpose(g, spacing, axis, edge_order)"},
  {"g_": "_gradient_adjoint(t, f, spacing, axis, edge_order)"})
H("_unstack", "g_ tup axis stack", {"g_": "_restack(g, tup, axis, stack)"},
  {"g_": "_unstack(t, tup, axis, stack)"}, tuple_out=True)
defelementwise(("helper", "_dsinc"), "_dsinc", "x", "_d2sinc(x)")  # (d sinc / dx)

# ----- linear algebra -----
# _solve_adjoint(g_, a, b, x_, wrt_b): gb = solve(a^T, g_), returned (for b) or as
# -gb x_^T (for a); b sets only shapes
_SOLVE = "g_, a, b, x_, wrt_b"
H("_solve_adjoint", "g_ a b x_ wrt_b",
  {"g_": f"_solve_adjoint_vjp(g, {_SOLVE}, 'g')", "a": f"_solve_adjoint_vjp(g, {_SOLVE}, 'a')",
   "x_": _either("wrt_b", None, f"_solve_adjoint_vjp(g, {_SOLVE}, 'x')")},
  {"g_": "_solve_adjoint(t, a, b, x_, wrt_b)", "a": "_solve_adjoint_da(t, g_, a, b, x_, wrt_b)",
   "x_": _either("wrt_b", None, "_solve_adjoint(g_, a, b, t, wrt_b)")})

add(("helper", "_zeros_of"), Rule("_zeros_of", (), zero=True, varargs=True))
add(("helper", "_einsum_sublists"), Rule("_einsum_sublists", (), zero=True, varargs=True))
