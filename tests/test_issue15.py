"""Regression tests for issue 15: each class of silent wrong derivative or raw crash.

References are hand-derived formulas or central finite differences, never srcdiff
itself; each derivative is checked in reverse mode (`grad`) and forward mode
(`grad(mode="forward")` and `jvp`).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import srcdiff
from programs.numpy_style import dft_complex
from source_text import code
from srcdiff import SrcDiffError

EPS = np.finfo(float).eps


def fd_grad(f, x, *rest):
    """Central differences of scalar f with respect to its first argument."""
    if not isinstance(x, np.ndarray):
        h = EPS ** (1 / 3) * max(1.0, abs(x))
        return (f(x + h, *rest) - f(x - h, *rest)) / (2 * h)
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        h = EPS ** (1 / 3) * max(1.0, abs(x[k]))
        hi, lo = x.copy(), x.copy()
        hi[k] += h
        lo[k] -= h
        out[k] = (f(hi, *rest) - f(lo, *rest)) / (2 * h)
    return out


def jvp_grad(f, x, *rest):
    """The gradient through `jvp`, one tangent per entry of x."""
    if not isinstance(x, np.ndarray):
        return srcdiff.jvp(f, (x, *rest), (1.0, *[0.0 * np.asarray(r) for r in rest]))[1]
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[k] = 1.0
        out[k] = srcdiff.jvp(f, (x, *rest), (e, *[np.zeros(np.shape(r)) for r in rest]))[1]
    return out


def assert_all_modes(f, x, want, *rest, rtol=1e-6, atol=1e-9):
    """grad (both modes) and jvp of f at x agree with the reference `want`."""
    for mode in ("reverse", "forward"):
        got = srcdiff.grad(f, mode=mode)(x, *rest)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=mode)
    np.testing.assert_allclose(jvp_grad(f, x, *rest), want, rtol=rtol, atol=atol,
                               err_msg="jvp")


# ----- 3: transpose with negative axes -----
W3 = np.random.default_rng(3).normal(size=(4, 2, 3))
W2 = np.random.default_rng(4).normal(size=(2, 2, 2))


def transpose_negative(x):
    return np.sum(np.transpose(x, (-1, 0, 1)) * W3)


def transpose_negative_equal(x):  # equal dimensions: the old rule was silently wrong
    return np.sum(np.transpose(x, (0, -1, 1)) * W2)


def method_transpose_negative(x):
    return np.sum(x.transpose(0, -1, -2) * W2)


def method_transpose_negative_tuple(x):
    return np.sum(x.transpose((-1, 0, 1)) * W3)


@pytest.mark.parametrize("f, shape", [
    (transpose_negative, (2, 3, 4)), (transpose_negative_equal, (2, 2, 2)),
    (method_transpose_negative, (2, 2, 2)), (method_transpose_negative_tuple, (2, 3, 4))])
def test_transpose_negative_axes(f, shape):
    x = np.random.default_rng(0).normal(size=shape)
    assert_all_modes(f, x, fd_grad(f, x))


# ----- 4: duplicate indices in item assignment: NumPy keeps the last write -----
C4 = np.array([1.0, 2.0, 3.0, 5.0])


def set_duplicates(x):
    y = np.zeros(4)
    y[[0, 0, 2]] = x  # y[0] = x[1] (the last write), y[2] = x[2]
    return np.sum(y * C4)


def add_duplicates(x):
    y = np.ones(4)
    y[[1, 3, 1]] += x  # y[1] = 1 + x[2], y[3] = 1 + x[1]
    return np.sum(y * y * C4)


def set_duplicates_broadcast(x):
    y = np.zeros((3, 2))
    y[[2, 0, 2]] = x * np.array([[1.0], [2.0], [3.0]])  # rows 2 and 0 kept
    return np.sum(y * np.arange(6.0).reshape(3, 2))


def set_duplicates_2d(x):
    y = np.zeros((2, 2))
    y[[0, 1, 0], [1, 1, 1]] = x  # y[0, 1] = x[2], y[1, 1] = x[1]
    return np.sum(y * np.array([[1.0, 2.0], [3.0, 4.0]]))


def test_duplicate_set_hand_formula():
    x = np.array([0.7, -1.3, 2.1])
    assert_all_modes(set_duplicates, x, np.array([0.0, C4[0], C4[2]]))
    y1, y3 = 1 + x[2], 1 + x[1]
    assert_all_modes(add_duplicates, x, np.array([0.0, 2 * y3 * C4[3], 2 * y1 * C4[1]]))
    assert_all_modes(set_duplicates_2d, x, np.array([0.0, 4.0, 2.0]))


@pytest.mark.parametrize("f, x", [
    (set_duplicates, np.array([0.7, -1.3, 2.1])), (add_duplicates, np.array([0.7, -1.3, 2.1])),
    (set_duplicates_broadcast, np.array([0.4, -0.9])), (set_duplicates_2d, np.array([1., 2, 3]))])
def test_duplicate_indices_against_differences(f, x):
    assert_all_modes(f, x, fd_grad(f, x))


def test_duplicate_indices_second_order():
    """hessian differentiates the generated adjoint (with its last-write rule) again."""
    def f(x):
        y = np.zeros(3)
        y[[0, 0, 2]] = x * x  # f = x1**4 + 3 * x2**4
        return np.sum(y * y * np.array([1.0, 2.0, 3.0]))

    x = np.array([0.5, 1.5, 2.0])
    want = np.diag([0.0, 12 * x[1] ** 2, 36 * x[2] ** 2])
    np.testing.assert_allclose(srcdiff.hessian(f)(x), want, rtol=1e-12)


# ----- 5: complex inputs, in JAX's convention (grad df/dx - 1j df/dy); what JAX
# refuses without holomorphic=True is refused, naming the argument -----
def scaled_abs2(x, c):
    return np.abs(x * c) ** 2  # real-valued; d/dx = 2 x |c|**2, not what real rules give


ENTRY_POINTS = {
    "grad": lambda f, *a: srcdiff.grad(f)(*a),
    "grad_forward": lambda f, *a: srcdiff.grad(f, mode="forward")(*a),
    "value_and_grad": lambda f, *a: srcdiff.value_and_grad(f)(*a),
    "vjp": lambda f, *a: srcdiff.vjp(f, *a, wrt=0)[1](1.0),
    "jvp": lambda f, *a: srcdiff.jvp(f, a, (np.ones_like(a[0], dtype=float) if np.ndim(a[0])
                                            else 1.0,) + tuple(0.0 * np.asarray(v)
                                                              for v in a[1:])),
    "jacobian": lambda f, *a: srcdiff.jacobian(f)(*a),
    "jacobian_forward": lambda f, *a: srcdiff.jacobian(f, mode="forward")(*a),
    "hessian": lambda f, *a: srcdiff.hessian(f)(*a),
}


COMPLEX_ARGS = [(1.5 + 0.5j, 2.0), (1.5, 1.0 + 1.0j), (np.array([1.0 + 2j, 3.0]), 2.0),
                (1.5, np.array([1j, 2.0])), (1.5, np.complex64(1 + 1j))]


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize("args", COMPLEX_ARGS)
def test_complex_arguments(entry, args):
    from test_complex import directional, vjp_reference
    x, c = args
    out = scaled_abs2(*args)
    c64 = np.asarray(c, dtype=np.result_type(c, np.float64))  # (references in double)
    complex_wrt = np.iscomplexobj(x)
    if entry.startswith("jacobian") or entry == "hessian":
        if complex_wrt:
            with pytest.raises(SrcDiffError, match="argument 0 is .*complex.*holomorphic"):
                ENTRY_POINTS[entry](scaled_abs2, *args)
        elif entry == "hessian" and np.ndim(out):
            with pytest.raises(SrcDiffError, match="scalar"):
                ENTRY_POINTS[entry](scaled_abs2, *args)
        elif entry == "hessian":  # (forward mode over the gradient's code for complex c)
            np.testing.assert_allclose(ENTRY_POINTS[entry](scaled_abs2, *args),
                                       2 * np.abs(c64) ** 2, rtol=1e-6)
        else:
            want = 2 * x * np.abs(c) ** 2
            np.testing.assert_allclose(ENTRY_POINTS[entry](scaled_abs2, *args),
                                       np.diag(want) if np.ndim(x) else want, rtol=1e-6)
        return
    if entry == "jvp":
        v = np.ones_like(x, dtype=float) if np.ndim(x) else 1.0
        got = ENTRY_POINTS[entry](scaled_abs2, *args)[1]
        np.testing.assert_allclose(got, directional(lambda z: scaled_abs2(z, c64), x, v),
                                   rtol=1e-5)
        return
    if entry == "grad_forward" and complex_wrt:
        with pytest.raises(SrcDiffError, match="forward-mode grad of the complex parameter"):
            ENTRY_POINTS[entry](scaled_abs2, *args)
        return
    if np.ndim(out) and entry != "vjp":
        with pytest.raises(SrcDiffError, match="scalar"):
            ENTRY_POINTS[entry](scaled_abs2, *args)
        return
    ct = np.ones(np.shape(out))
    if entry == "vjp":
        got = srcdiff.vjp(scaled_abs2, *args, wrt=0)[1](ct if np.ndim(out) else 1.0)[0]
    else:
        got = ENTRY_POINTS[entry](scaled_abs2, *args)
        got = got[1] if entry == "value_and_grad" else got
    want = vjp_reference(lambda z: scaled_abs2(z, c64), x, ct)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    np.testing.assert_allclose(got, np.sum(2 * np.conj(x) * np.abs(c) ** 2 * ct) if np.ndim(
        out) > np.ndim(x) else 2 * np.conj(x) * np.abs(c) ** 2, rtol=1e-6)


def test_complex_specialised_after_a_real_call():
    """A derivative cached for float arrays is specialised again for a complex array of
    the same shape: the code for real values never runs on complex ones."""
    g = srcdiff.grad(lambda x: np.sum(x * x))
    np.testing.assert_allclose(g(np.array([1.0, 2.0])), [2.0, 4.0])
    with pytest.raises(SrcDiffError, match="grad of a result that may be complex"):
        g(np.array([1.0 + 1j, 2.0]))
    g = srcdiff.grad(lambda x: np.sum(np.abs(x) ** 2))
    np.testing.assert_allclose(g(np.array([1.0, 2.0])), [2.0, 4.0])
    np.testing.assert_allclose(g(np.array([1.0 + 1j, 2.0])), [2.0 - 2j, 4.0])
    _, pull = srcdiff.vjp(lambda x: x * 2.0, np.array([1.0, 2.0]))
    with pytest.raises(SrcDiffError, match="cotangent is complex"):
        pull(np.array([1j, 1.0]))


def test_real_inputs_still_differentiate():
    x, c = 1.5, -0.7
    assert_all_modes(lambda x, c: np.abs(x * c) ** 2, x, 2 * x * c * c, c)



def weighted_abs2(x, cs):
    return sum(abs(c * x) ** 2 for c in cs)


def test_complex_items_of_a_list_argument_are_refused():
    """Also on the cached call path: a list argument is checked at every call."""
    for mode in ("reverse", "forward"):
        g = srcdiff.grad(weighted_abs2, mode=mode)
        assert g(1.5, [1.0, -2.0]) == pytest.approx(2 * 1.5 * 5.0, rel=1e-14)
        with pytest.raises(SrcDiffError, match="argument 'cs' is a list with complex items"):
            g(1.5, [1.0, 2j])

# ----- 9: containers as differentiated parameters: pytrees (tests/test_pytrees.py) -----
def dict_param(p):
    return p["a"] * p["b"]


def pair_param(p):
    return np.sum(p[0]) * np.sum(p[1])


def _pair_grad(p):
    return type(p)([np.sum(p[1]) * np.ones_like(p[0]), np.sum(p[0]) * np.ones_like(p[1])])


@pytest.mark.parametrize("entry", [e for e in ENTRY_POINTS if e not in ("hessian", "jvp")])
@pytest.mark.parametrize("f, arg, expected", [
    (dict_param, {"a": 1.0, "b": 2.0}, {"a": 2.0, "b": 1.0}),
    (pair_param, [np.ones(2), np.ones(3)], _pair_grad([np.ones(2), np.ones(3)])),
    (pair_param, (np.ones(2), np.ones((2, 2))), _pair_grad((np.ones(2), np.ones((2, 2)))))])
def test_container_parameters_are_differentiated(entry, f, arg, expected):
    """Once refused ("not supported yet"), now a gradient of the parameter's structure."""
    got = ENTRY_POINTS[entry](f, arg)
    got = got[1] if entry == "value_and_grad" else got[0] if entry == "vjp" else got
    assert type(got) is type(expected)
    for g, e in zip(got.values() if isinstance(got, dict) else got,
                    expected.values() if isinstance(expected, dict) else expected):
        np.testing.assert_allclose(g, e, rtol=1e-14)


@pytest.mark.parametrize("entry", [e for e in ENTRY_POINTS if e not in ("hessian", "jvp")])
def test_a_dict_used_as_a_whole_is_a_located_error(entry):
    with pytest.raises(SrcDiffError, match="p\\[0\\] .a structured parameter. used as a "
                                           "whole") as info:
        ENTRY_POINTS[entry](pair_param, [{"w": 1.0}, 2.0])
    assert "line" in str(info.value)


def test_container_parameter_after_a_list_call():
    """A list of one shape, then a ragged one: each gets code of its own (not cached past)."""
    g = srcdiff.grad(pair_param)
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    got = g([a, b])
    np.testing.assert_allclose(got[0], np.sum(b) * np.ones(2))
    np.testing.assert_allclose(got[1], np.sum(a) * np.ones(2))
    got = g([a, np.ones(3)])
    np.testing.assert_allclose(got[0], 3.0 * np.ones(2))
    np.testing.assert_allclose(got[1], 3.0 * np.ones(3))


def test_dict_is_fine_when_not_differentiated():
    def f(x, opts):
        return x * x * opts["scale"]

    for mode in ("reverse", "forward"):
        assert srcdiff.grad(f, mode=mode)(1.5, {"scale": 3.0}) == pytest.approx(9.0, rel=1e-14)


# ----- 12: jacobian has .source and .primal -----
def vector_fn(x, a=2.0):
    return np.sin(x) * a


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_has_source_and_primal(mode):
    jac = srcdiff.jacobian(vector_fn, mode=mode)
    assert jac.primal is vector_fn
    assert "def vector_fn_" in jac.source and "np.cos" in jac.source
    compile(jac.source, "<jacobian source>", "exec")
    x = np.array([0.3, -1.2])
    np.testing.assert_allclose(jac(x), np.diag(2.0 * np.cos(x)), rtol=1e-14)
    assert "np.cos" in jac.source  # after a call: the code of that call


# ----- 13: hessian and forward jacobian take f's defaults and keywords -----
def with_default(x, a=2.0, b=0.5):
    return a * x * x * x + b * x


@pytest.mark.parametrize("call, want", [
    (lambda d: d(1.5), 6 * 1.5 * 1.5 + 0.5),
    (lambda d: d(1.5, 3.0), 9 * 1.5 * 1.5 + 0.5),
    (lambda d: d(1.5, b=1.0), 6 * 1.5 * 1.5 + 1.0),
    (lambda d: d(x=1.5), 6 * 1.5 * 1.5 + 0.5)])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_uses_defaults(call, want, mode):
    assert call(srcdiff.jacobian(with_default, mode=mode)) == pytest.approx(want, rel=1e-14)
    assert call(srcdiff.grad(with_default, mode=mode)) == pytest.approx(want, rel=1e-14)


@pytest.mark.parametrize("call, want", [
    (lambda h: h(1.5), 6 * 2.0 * 1.5), (lambda h: h(1.5, 3.0), 6 * 3.0 * 1.5),
    (lambda h: h(1.5, b=7.0), 6 * 2.0 * 1.5), (lambda h: h(x=1.5, a=1.0), 6 * 1.5)])
def test_hessian_uses_defaults(call, want):
    assert call(srcdiff.hessian(with_default)) == pytest.approx(want, rel=1e-14)


W13 = np.array([1.0, 2.0])


def test_hessian_of_array_with_default():
    def f(x, w=W13):
        return np.sum(w * x ** 3)

    x = np.array([0.5, -1.5])
    np.testing.assert_allclose(srcdiff.hessian(f)(x), np.diag(6 * np.array([1.0, 2.0]) * x),
                               rtol=1e-14)



def keyword_only(x, *, a=2.0):
    return a * x * x * x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_and_hessian_keep_keyword_only_defaults(mode):
    assert srcdiff.jacobian(keyword_only, mode=mode)(1.5) == pytest.approx(13.5, rel=1e-14)
    assert srcdiff.hessian(keyword_only)(1.5) == pytest.approx(18.0, rel=1e-14)
    with pytest.raises(SrcDiffError, match="positional parameters only"):
        srcdiff.jacobian(keyword_only, mode=mode)(1.5, a=3.0)

# ----- 8: a function constant in its input has derivative 0, not nan -----
def std_all(x):
    return np.std(x)


def std_rows(x):
    return np.sum(np.std(x, axis=1) * np.array([1.0, 2.0, 3.0]))


def std_method_keepdims(x):
    return np.sum(x.std(axis=0, keepdims=True))


@pytest.mark.parametrize("f, x", [
    (std_all, 2.5), (std_all, np.array([2.5])), (std_rows, np.array([[1.0], [2.0], [4.0]])),
    (std_method_keepdims, np.array([[1.0, -2.0]]))])
def test_std_of_one_entry_is_constant(f, x):
    assert_all_modes(f, x, 0.0 * np.asarray(x) if isinstance(x, np.ndarray) else 0.0,
                     atol=0.0)


def nanstd_all(x):
    return np.nanstd(x)


def nanstd_rows(x):
    return np.sum(np.nanstd(x, axis=1) * np.array([1.0, 2.0]))


@pytest.mark.parametrize("f, x, want", [
    (nanstd_all, np.array([2.5]), np.zeros(1)),
    (nanstd_all, np.array([2.5, np.nan]), np.zeros(2)),  # one number among nans
    (nanstd_rows, np.array([[1.0, np.nan, np.nan], [3.0, np.nan, -1.0]]),
     np.array([[0.0, 0.0, 0.0], [1.0, 0.0, -1.0]])),  # row 2: std of (3, -1) is |3 - -1| / 2
])
def test_nanstd_of_one_number_is_constant(f, x, want):
    assert_all_modes(f, x, want, atol=1e-15)


def test_std_elsewhere_unchanged():
    x = np.random.default_rng(8).normal(size=(3, 4))
    assert_all_modes(std_rows, x, fd_grad(std_rows, x))


def pow_operator(a, b):
    return a ** b


def pow_builtin(a, b):
    return pow(a, b)


def pow_math(a, b):
    return math.pow(a, b)


def pow_numpy(a, b):
    return np.sum(np.power(a, b))


def pow_float_numpy(a, b):
    return np.sum(np.float_power(a, b))


def zero_base(y):
    return 0.0 ** y  # autograd's test_power_arg1_zero


def zero_exponent(x):
    return x ** 0.0


SCALAR_POWS = [pow_operator, pow_builtin, pow_math]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy evaluates both np.where arms
@pytest.mark.parametrize("f", SCALAR_POWS + [pow_numpy, pow_float_numpy])
def test_power_where_constant(f):
    """0 ** b is 0 for every b > 0 and a ** 0 is 1 for every a: both partials are 0 there."""
    arr = f in (pow_numpy, pow_float_numpy)
    z = np.zeros(2) if arr else 0.0
    b = np.array([2.0, 3.0]) if arr else 2.0
    assert_all_modes(lambda y, a: f(a, y), b, z, z, atol=0.0)  # d/db at a = 0
    a = np.array([1.5, 0.0]) if arr else 1.5
    assert_all_modes(f, a, z, z, atol=0.0)  # d/da at b = 0
    assert_all_modes(f, z, z, z, atol=0.0)  # d/da at a = b = 0: 0 ** 0 = 1 = a ** 0


@pytest.mark.parametrize("f", SCALAR_POWS)
def test_power_elsewhere_hand_formula(f):
    a, b = 1.7, -0.6
    assert_all_modes(f, a, b * a ** (b - 1), b, rtol=1e-13)
    assert_all_modes(lambda y, x: f(x, y), b, a ** b * math.log(a), a, rtol=1e-13)


def test_power_constant_operands():
    assert_all_modes(zero_base, 2.0, 0.0, atol=0.0)
    assert_all_modes(zero_exponent, 1.3, 0.0, atol=0.0)
    assert_all_modes(lambda x: 2.0 ** x + x ** 3, 0.7, 2.0 ** 0.7 * math.log(2.0) + 3 * 0.49,
                     rtol=1e-13)
    x = np.array([0.5, 2.0])
    assert_all_modes(lambda y: np.sum(np.power(0.0, y)), x, np.zeros(2), atol=0.0)
    assert_all_modes(lambda y: np.sum(np.power(x, y)), x, x ** x * np.log(x), rtol=1e-13)


# ----- 11: tril/triu of a 1-D array; derivatives that are infinite at a point -----
TRI_W = np.arange(9.0).reshape(3, 3) - 3.0


def tril_vector(x):
    return np.sum(np.tril(x) * TRI_W)


def triu_vector_k(x):
    return np.sum(np.triu(x, 1) * TRI_W)


def tril_vector_negative_k(x):
    return np.sum(np.tril(x, -1) * TRI_W)


def tril_matrix(x):
    return np.sum(np.tril(x) * TRI_W)


def test_tril_vector_hand_formula():
    """tril(x)[i, j] = x[j] for j <= i: d/dx[j] sums the weights at and below the diagonal."""
    x = np.array([0.5, -1.0, 2.0])
    want = np.array([sum(TRI_W[i, j] for i in range(3) if j <= i) for j in range(3)])
    assert_all_modes(tril_vector, x, want)


@pytest.mark.parametrize("f, shape", [(tril_vector, (3,)), (triu_vector_k, (3,)),
                                      (tril_vector_negative_k, (3,)), (tril_matrix, (3, 3))])
def test_triangles_against_differences(f, shape):
    x = np.random.default_rng(11).normal(size=shape)
    assert_all_modes(f, x, fd_grad(f, x))


def sqrt_plus(x):
    return math.sqrt(x) + x


def half_power(x):
    return x ** 0.5 * 3.0


def arcsine(x):
    return math.asin(x)


def log_at_zero(x):
    return math.log(x) * 2.0


UNDEFINED_ENTRY_POINTS = ["grad", "grad_forward", "value_and_grad", "vjp", "jvp", "jacobian",
                          "jacobian_forward", "hessian"]


@pytest.mark.parametrize("entry", UNDEFINED_ENTRY_POINTS)
@pytest.mark.parametrize("f, x", [(sqrt_plus, 0.0), (half_power, 0.0), (arcsine, 1.0)])
def test_infinite_derivative_is_a_clear_error(entry, f, x):
    """Python floats raise where NumPy gives inf: a SrcDiffError naming f, not a bare
    ZeroDivisionError or ValueError from generated code."""
    with pytest.raises(SrcDiffError, match="a derivative of .* is undefined at this point") as info:
        ENTRY_POINTS[entry](f, x)
    text = str(info.value)
    assert f.__name__ in text and "test_issue15.py" in text


def test_infinite_derivative_after_a_cached_call():
    g = srcdiff.grad(sqrt_plus)
    assert g(4.0) == pytest.approx(1.25, rel=1e-15)
    for _ in range(2):  # the fast call path too
        with pytest.raises(SrcDiffError, match="sqrt_plus"):
            g(0.0)
    assert g(1.0) == pytest.approx(1.5, rel=1e-15)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_where_f_raises_the_derivative_raises_its_error(mode):
    with pytest.raises(ValueError, match="math domain error"):
        srcdiff.grad(log_at_zero, mode=mode)(0.0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_array_code_gives_numpy_inf():
    def f(x):
        return np.sum(np.sqrt(x))

    x = np.array([0.0, 4.0])
    np.testing.assert_array_equal(srcdiff.grad(f)(x), [np.inf, 0.25])
    # forward mode: the sweep for x[1] has an exact 0 tangent at x[0] = 0, which gives 0
    # there, not 0 * inf = nan (JAX's jacfwd gives nan): the same as reverse mode
    np.testing.assert_array_equal(srcdiff.grad(f, mode="forward")(x), [np.inf, 0.25])


# ----- 18: check's finite differences on a small, strongly curved parameter -----
def narrow_gaussian(x):
    return np.sum(np.exp(-x * x / 2e-6))


def fast_sine(x):
    return np.sum(np.sin(1000.0 * x))


def looped_narrow(x, n):
    s = 0.0
    for _ in range(n):
        s = s + math.exp(-x * x * 1e6)
    return s


def reciprocal(x):
    return np.sum(1.0 / x)


def log_near_zero(x):
    return np.sum(np.log(x))  # h0 = 0.1 leaves the domain at x = 1e-4


CURVED = [
    (narrow_gaussian, (np.array([1e-3]),), lambda x: -x / 1e-6 * np.exp(-x * x / 2e-6)),
    (fast_sine, (np.array([1e-3, 0.5]),), lambda x: 1000.0 * np.cos(1000.0 * x)),
    (looped_narrow, (1e-3, 2), lambda x: -4e6 * x * math.exp(-x * x * 1e6)),
    (reciprocal, (np.array([1e-3, -2e-3]),), lambda x: -1.0 / (x * x)),
    (log_near_zero, (np.array([1e-4, 3.0]),), lambda x: 1.0 / x)]


@pytest.mark.parametrize("f, args, exact", CURVED, ids=[c[0].__name__ for c in CURVED])
def test_check_passes_a_correct_derivative_of_a_curved_parameter(f, args, exact):
    r = srcdiff.check(f, *args)
    assert r.method == "finite-difference"
    assert r.ok, str(r)
    ref = r.entries[0].reference
    np.testing.assert_allclose(ref, exact(args[0]), rtol=1e-8)  # the reference itself


def bumped(x):
    return math.exp(-x * x * 1e6)


@pytest.fixture
def slightly_wrong_rule():
    srcdiff.register(bumped, vjp=("g * (-2e6 * x * ans) * (1 + 1e-4)",))  # off by 1e-4
    yield
    srcdiff.unregister(bumped)


def uses_bumped(x, n):
    s = 0.0
    for _ in range(n):
        s = s + bumped(x)
    return s


def test_check_still_fails_a_wrong_derivative_of_a_curved_parameter(slightly_wrong_rule):
    r = srcdiff.check(uses_bumped, 1e-3, 2)
    assert r.method == "finite-difference"
    assert not r.ok and "MISMATCH" in str(r)


def scaled_sine(x, k):
    return np.sum(np.sin(k * x) + np.exp(-k * x * x))


@pytest.mark.parametrize("k", [1.0, 30.0, 1e3, 1e4])
@pytest.mark.parametrize("x0", [1e-4, 3e-3, 0.7, 40.0])
def test_check_never_fails_a_correct_derivative_across_scales(k, x0):
    r = srcdiff.check(scaled_sine, np.array([x0, -x0 / 3]), k)
    assert r.ok, str(r)


# ----- 9 (loops): iterating over a tuple or list of arrays of different shapes -----
A9 = np.random.default_rng(9).normal(size=(3, 4))
B9 = np.random.default_rng(10).normal(size=(4, 2))


def decay_tuple(W1, W2):
    total = 0.0
    for W in (W1, W2):
        total += np.sum(W * W)
    return 0.5 * total


def decay_twice(W1, W2):
    pair = [W1, W2]
    total = 0.0
    for W in pair:  # two loops over one list: its adjoint is accumulated item by item
        total += np.sum(np.sin(W))
    for W in pair:
        total += np.sum(W ** 3)
    return total + np.sum(pair[1])


def decay_mixed(s, W):
    total = 0.0
    for v in (s, W, s * W):  # a scalar, an array and an array of W's shape
        total += np.sum(v * v)
    return total


def test_loop_over_arrays_of_different_shapes():
    assert_all_modes(decay_tuple, A9, A9, B9, rtol=1e-12)  # d/dW1 of 0.5 * sum(W1 ** 2)
    assert_all_modes(lambda W2, W1: decay_tuple(W1, W2), B9, B9, A9, rtol=1e-12)
    assert_all_modes(decay_twice, A9, np.cos(A9) + 3 * A9 ** 2, B9, rtol=1e-12)
    assert_all_modes(lambda W2, W1: decay_twice(W1, W2), B9, np.cos(B9) + 3 * B9 ** 2 + 1,
                     A9, rtol=1e-12)
    assert_all_modes(decay_twice, A9, fd_grad(decay_twice, A9, B9), B9)


def test_loop_over_a_scalar_and_arrays():
    s, W = 1.5, A9
    assert_all_modes(decay_mixed, s, 2 * s + 2 * s * np.sum(W * W), W, rtol=1e-12)
    assert_all_modes(lambda W, s: decay_mixed(s, W), W, 2 * W * (1 + s * s), s, rtol=1e-12)


# ----- list concatenation and repetition: `+` and `*` of lists are not arithmetic -----
def rotated_products(xs):
    ys = xs[1:] + xs[:1]  # a slice of a list parameter, concatenated
    return sum(a * b for a, b in zip(xs, ys))


def displays_joined(x):
    parts = [x] + [x * x, 3.0] + [2.0 * x]
    return parts[0] * parts[1] + parts[2] * parts[3]  # x ** 3 + 6 x


def perimeter(pts):
    total = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        total += math.hypot(x1 - x0, y1 - y0)
    return total


def test_list_concatenation_hand_formula():
    xs = [1.0, 2.0, -3.0]
    for mode in ("reverse", "forward"):
        got = srcdiff.grad(rotated_products, mode=mode)(xs)
        assert isinstance(got, list)
        np.testing.assert_allclose(got, [xs[1] + xs[2], xs[0] + xs[2], xs[1] + xs[0]],
                                   rtol=1e-14)
    assert_all_modes(displays_joined, 1.3, 3 * 1.3 ** 2 + 6, rtol=1e-14)


def test_concatenated_slices_of_points_against_differences():
    pts = [(1.0, 0.1), (0.2, 1.1), (-0.9, 0.3), (0.1, -1.2)]
    flat = np.array(pts)
    want = fd_grad(lambda p: perimeter([tuple(r) for r in p]), flat)
    for mode in ("reverse", "forward"):
        got = srcdiff.grad(perimeter, mode=mode)(pts)
        assert isinstance(got, list) and all(isinstance(p, tuple) for p in got)
        np.testing.assert_allclose(np.array(got), want, rtol=1e-6)


def repeated(x):
    return sum([x, 2.0 * x] * 2)


@pytest.mark.parametrize("entry", ["grad", "grad_forward", "jvp"])
def test_list_repetition_is_refused(entry):
    with pytest.raises(SrcDiffError, match="Python repeats it by an int") as info:
        ENTRY_POINTS[entry](repeated, 1.5)
    assert "test_issue15.py" in str(info.value)  # located


def squares_of_a_list(w):
    return np.sum(w * w)


def test_a_product_of_two_lists_is_not_called_a_repetition():
    """`w * w` of a list passed for an array: Python's TypeError, said as such."""
    with pytest.raises(SrcDiffError, match="`\\*` of two lists or tuples, which Python "
                       "refuses") as info:
        srcdiff.grad(squares_of_a_list)([1.0, 2.0])
    assert "np.asarray" in str(info.value) and "test_issue15.py" in str(info.value)


# ----- complex intermediates (once refused): differentiated in JAX's convention -----
Z5 = np.array([1.0 + 2.0j, -0.5j])
DATA5 = np.array([0.3, -1.0, 2.0, 0.5])


def complex_global(x):
    return np.sum(np.abs(x * Z5) ** 2)


def complex_buffer(x):
    y = np.zeros(2, dtype=complex)
    y[0] = x
    return np.abs(y[0] * (1 + 1j))


def complex_builtin(x):
    return abs(x * complex(1.0, 2.0))


def complex_in_loop(x, n):
    z = 1.0
    for _ in range(n):
        z = z * (0.5 + 0.5j)
    return abs(x * z)


def fft_spectrum(x):
    return np.sum(np.abs(x * np.fft.fft(DATA5)))


@pytest.mark.parametrize("entry", ["grad", "grad_forward", "jvp", "vjp", "hessian"])
@pytest.mark.parametrize("f, args", [
    (dft_complex, (DATA5,)), (complex_global, (np.array([0.5, 1.5]),)),
    (complex_buffer, (0.7,)), (complex_builtin, (0.7,)), (complex_in_loop, (0.7, 3)),
    (fft_spectrum, (1.5,))])
def test_complex_intermediates(entry, f, args):
    """Real inputs, complex values inside: central differences of f itself."""
    from test_complex import grad_reference
    from test_shaping_rules import fd_hessian
    x, rest = args[0], args[1:]
    if entry == "hessian":
        if f is complex_in_loop:
            return  # (hessian refuses loops first)
        x1 = np.atleast_1d(np.asarray(x, dtype=float))
        want = fd_hessian(lambda v: f(v if np.ndim(x) else v[0], *rest), x1)
        np.testing.assert_allclose(np.reshape(ENTRY_POINTS[entry](f, *args), want.shape), want,
                                   rtol=1e-5, atol=1e-5)
        return
    got = ENTRY_POINTS[entry](f, *args)
    got = got[0] if entry == "vjp" else got
    want = grad_reference(lambda v: f(v, *rest), x)
    if entry == "jvp":  # (the tangent along ones: the sum of the gradient)
        got, want = got[1], np.sum(want)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    assert np.isrealobj(got)


def real_of_complex_data(x):
    w = np.abs(np.fft.fft(DATA5)) + np.real(Z5[0])  # complex, but only inactive values
    return np.sum(x * x * w)


def test_complex_values_away_from_differentiated_ones_are_fine():
    w = np.abs(np.fft.fft(DATA5)) + 1.0
    assert_all_modes(real_of_complex_data, DATA5, 2 * DATA5 * w, rtol=1e-13)


# ----- 7: where f raises (a failing assert, a math domain error), so does its derivative -----
def asserted(x):
    assert x > 0, f"x must be positive, got {x}"
    return x * x * x


def asserted_in_loop(x, n):
    for _ in range(n):
        assert abs(x) < 100.0
        x = x * 3.0
    return x


def unused_log(x):
    t = math.log(x - 1)  # raises for x <= 1; its value never reaches the derivative
    return t * 0.0 + x * x


def unused_sqrt(x):
    math.sqrt(x - 1)
    return 2.0 * x


@pytest.mark.parametrize("entry", UNDEFINED_ENTRY_POINTS)
def test_failing_assert_raises_in_the_derivative(entry):
    with pytest.raises(AssertionError, match="x must be positive, got -1.5"):
        ENTRY_POINTS[entry](asserted, -1.5)
    with pytest.raises(AssertionError):
        ENTRY_POINTS[entry](lambda x: asserted_in_loop(x, 5), 2.0)  # 2 * 3 ** 5 > 100


def test_passing_assert_keeps_the_derivative():
    assert_all_modes(asserted, 1.5, 3 * 1.5 ** 2, rtol=1e-14)
    assert_all_modes(asserted_in_loop, 2.0, 27.0, 3, rtol=1e-14)
    assert srcdiff.hessian(asserted)(1.5) == pytest.approx(6 * 1.5, rel=1e-14)
    g = srcdiff.grad(asserted)
    g(1.5)
    assert "assert x > 0, f'x must be positive, got {x}'" in g.source


@pytest.mark.parametrize("entry", UNDEFINED_ENTRY_POINTS)
@pytest.mark.parametrize("f", [unused_log, unused_sqrt])
def test_domain_error_of_an_unused_value_raises_in_the_derivative(entry, f):
    with pytest.raises(ValueError, match="math domain error"):
        ENTRY_POINTS[entry](f, 0.5)


def gauss_constant(x):
    return -0.5 * x * x - 0.5 * math.log(2.0 * math.pi)  # a log that can never raise


def test_a_domain_check_of_constants_that_passes_is_not_kept():
    assert srcdiff.grad(gauss_constant, mode="forward")(0.5) == pytest.approx(-0.5, rel=1e-14)
    g = srcdiff.grad(gauss_constant)
    assert g(0.5) == pytest.approx(-0.5, rel=1e-14)
    assert "math.log" not in code(g.source)  # (the value, which reads it, is not computed)
    g = srcdiff.grad(unused_log)
    g(2.5)
    assert "math.log(x_minus_1)" in code(g.source)  # (it raises for x <= 1)


def test_domain_checks_keep_the_derivative_elsewhere():
    assert_all_modes(unused_log, 2.5, 5.0, rtol=1e-14)
    assert_all_modes(unused_sqrt, 2.5, 2.0, rtol=1e-14)


# ----- 17: a gradient has its parameter's type; a jvp tangent its result's -----
C17 = np.float64(3.0)  # a NumPy scalar global: 2.0 * C17 is np.float64, not a float
A17 = np.array([1.0, 2.0])


def with_numpy_scalar(x):
    return 2.0 * x * C17


def mixed_math(x, y):
    return math.sin(x) * y + x / y + np.sum(A17) * x


def array_loss(x):
    return np.sum(np.sin(x) * x) * 2.0


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("x, typ", [(1.5, float), (2, float), (np.int64(2), float),
                                    (np.float64(1.5), np.float64),
                                    (np.float32(1.5), np.float32)])
def test_scalar_gradient_has_the_parameters_type(mode, x, typ):
    for f, want in ((with_numpy_scalar, 6.0),
                    (lambda x: mixed_math(x, 0.5), math.cos(x) * 0.5 + 2.0 + 3.0)):
        got = srcdiff.grad(f, mode=mode)(x)
        assert type(got) is typ, (f, type(got))
        assert got == pytest.approx(want, rel=1e-6 if typ is np.float32 else 1e-14)
    value, got = srcdiff.value_and_grad(with_numpy_scalar, mode=mode)(x)
    assert type(got) is typ


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_array_gradient_keeps_float_precision(mode, dtype):
    x = np.array([0.5, -1.0, 2.0]).astype(dtype)
    got = srcdiff.grad(array_loss, mode=mode)(x)
    assert got.dtype == (np.float64 if dtype is np.int64 else dtype)
    xf = x.astype(float)
    np.testing.assert_allclose(got, 2 * (np.cos(xf) * xf + np.sin(xf)),
                               rtol=1e-6 if dtype is np.float32 else 1e-14)


def test_jvp_tangent_has_the_results_type():
    x = np.array([0.5, -1.0], dtype=np.float32)
    out, t = srcdiff.jvp(array_loss, (x,), (np.ones(2, dtype=np.float32),))
    assert type(out) is np.float32 and type(t) is np.float32
    xf = x.astype(float)
    assert t == pytest.approx(np.sum(2 * (np.cos(xf) * xf + np.sin(xf))), rel=1e-6)
    out, t = srcdiff.jvp(lambda x: math.sin(x) * x, (1.5,), (1.0,))
    assert type(out) is float and type(t) is float
    out, t = srcdiff.jvp(with_numpy_scalar, (1.5,), (1.0,))
    assert type(t) is type(out) is np.float64


def test_float32_hessian():
    h = srcdiff.hessian(lambda x: x * x * x)(np.float32(1.5))
    assert h == pytest.approx(9.0, rel=1e-6)


W_MIX = np.array([1.0, 2.0])


def list_plus_array(x, lst):
    return np.sum((lst + x) * W_MIX)  # NumPy adds a list and an array item by item


def array_plus_list(lst, x):
    return np.sum((x + lst) ** 2)


def test_list_and_array_add_item_by_item():
    x, lst = np.array([0.5, 1.5]), [1.0, 2.0]
    for mode in ("reverse", "forward"):
        gx, gl = srcdiff.grad(list_plus_array, wrt=(0, 1), mode=mode)(x, lst)
        np.testing.assert_allclose(gx, W_MIX, rtol=1e-14)
        assert isinstance(gl, list) and gl == pytest.approx([1.0, 2.0], rel=1e-14)
        gl, gx = srcdiff.grad(array_plus_list, wrt=(0, 1), mode=mode)(lst, x)
        np.testing.assert_allclose(gx, 2 * (x + np.array(lst)), rtol=1e-14)
        assert gl == pytest.approx(list(2 * (x + np.array(lst))), rel=1e-14)
