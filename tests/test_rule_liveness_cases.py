"""Cases for rule-table entries no other test reached (see tests/liveness.py), each
against central differences: options of methods, second operands, and the
tangents of srcdiff's own adjoint helpers (reached by hessian, forward mode over
the generic gradient, whose code calls them)."""
import numpy as np
import pytest

import srcdiff
from helpers_numpy import cases, check_forward, check_reverse


def clip_method(x, lo, hi):
    return x.clip(min=lo, max=hi) * x


def float_power(a, b):
    return np.float_power(a, b)


def mod_b(a, b):
    return np.mod(a, b) + np.fmod(a, b)


FIRST = (cases(clip_method, [(5,), (5,), (5,)])
         + cases(float_power, [(3,), (3,)], domain="pos")
         + cases(mod_b, [(4,), (4,)], domain="pos"))


def _spread(case, seed):
    """clip's bounds below and above x, so no entry sits on a tie."""
    args = case.draw(seed)
    if case.fn is clip_method:
        x = args[0]
        args = [x, x - 0.5 + 0.3 * (np.arange(5) % 2), x + 0.5 - 0.7 * (np.arange(5) % 3 == 0)]
    return args


@pytest.mark.parametrize("case", FIRST, ids=lambda c: c.id)
def test_first_order(case):
    check_reverse(case)
    check_forward(case)


def test_clip_bounds_receive_the_cotangent_outside(mode):
    x = np.array([-2.0, 0.1, 3.0])
    lo, hi = np.full(3, -1.0), np.full(3, 1.0)
    g_lo = srcdiff.grad(lambda x, lo, hi: np.sum(x.clip(min=lo, max=hi)), wrt=1, mode=mode)
    g_hi = srcdiff.grad(lambda x, lo, hi: np.sum(x.clip(min=lo, max=hi)), wrt=2, mode=mode)
    np.testing.assert_allclose(g_lo(x, lo, hi), [1.0, 0.0, 0.0])  # by hand: x < lo
    np.testing.assert_allclose(g_hi(x, lo, hi), [0.0, 0.0, 1.0])  # x > hi


# ----- second order through the adjoint helpers of generic code -----
def dot_quad(x, A):
    return np.dot(np.dot(x, A), x) + np.inner(x, np.tanh(x))


def matmul_quad(x, A):
    return np.sum(np.sin(A @ x) * (x @ A))


def diag_sum(x):
    return np.sum(np.diag(x) @ np.cos(x))


def sort_weighted(x):
    return np.sum(np.sort(x) ** 3 * np.arange(1.0, 5.0))


def concat_square(x):
    return np.sum(np.concatenate([x, x * x]) ** 2)


def mean_axis(x):
    return np.sum(np.mean(x * x, axis=0) ** 2)


def cast_sum(x):
    return np.sum(np.full_like(x, 2.0) * x ** 3)


def numeric_hessian(f, x, h=1e-4):
    """Second central differences of f itself (independent of srcdiff)."""
    n = x.size

    def at(i, j, di, dj):
        y = x.copy().ravel()
        y[i] += di
        y[j] += dj
        return f(y.reshape(x.shape))

    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            out[i, j] = (at(i, j, h, h) - at(i, j, h, -h) - at(i, j, -h, h)
                         + at(i, j, -h, -h)) / (4 * h * h)
    return out


A33 = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.4], [-0.6, 0.2, 0.9]])


@pytest.mark.parametrize("fn, x", [
    (lambda x: dot_quad(x, A33), np.array([0.3, -0.7, 1.1])),
    (lambda x: matmul_quad(x, A33), np.array([0.3, -0.7, 1.1])),
    (diag_sum, np.array([0.3, -0.7, 1.1])),
    (sort_weighted, np.array([0.3, -0.7, 1.1, 0.05])),
    (concat_square, np.array([0.3, -0.7, 1.1])),
    (mean_axis, np.array([[0.3, -0.7], [1.1, 0.4]])),
    (cast_sum, np.array([0.3, -0.7, 1.1])),
], ids=["dot-inner", "matmul", "diag", "sort", "concatenate", "mean-axis", "full_like"])
def test_hessian_through_adjoint_helpers(fn, x):
    got = np.asarray(srcdiff.hessian(fn)(x)).reshape(x.size, x.size)
    np.testing.assert_allclose(got, numeric_hessian(fn, x), rtol=1e-5, atol=1e-6)


def test_norm_with_respect_to_its_ord_is_refused(mode):
    def f(x, p):
        return np.linalg.norm(x, p)
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(f, wrt=1, mode=mode)(np.array([1.0, 2.0]), 3.0)


def test_a_named_field_of_slogdet_is_refused_with_how_to_unpack(mode):
    def f(A):
        return np.linalg.slogdet(A).logabsdet
    with pytest.raises(srcdiff.SrcDiffError, match="unpack"):
        srcdiff.grad(f, mode=mode)(np.eye(2) * 2.0)


# ----- second order through the shaping and statistics helpers -----
def diff_prepend(x):
    return np.sum(np.diff(x * x, prepend=x[0]) ** 2) + np.sum(np.diff(x, n=2) ** 2)


def gradient_sq(x):
    return np.sum(np.gradient(x * x) ** 2)


def pad_values(x):
    return np.sum(np.pad(x, 1, constant_values=x[0] * x[1]) ** 2)


def select_sq(x):
    return np.sum(np.select([x > 0.5, x <= 0.5], [x * x, np.sin(x)]) ** 2)


def trapezoid_xy(x):
    return np.trapezoid(np.sin(x) * x, x=np.cumsum(x * x))


def trapezoid_dx(x):
    return np.trapezoid(x * x, dx=x[0])


def rollaxis_sq(x):
    return np.sum(np.rollaxis(np.reshape(x * x, (2, 2)), 1) * np.array([[1.0, 2.0],
                                                                       [3.0, 4.0]]))


def stack_sq(x):
    return np.sum(np.column_stack([x, x * x]) ** 2) + np.sum(np.dstack([x, x]) ** 3)


def split_sq(x):
    a, b = np.split(x * x, 2)
    return np.sum(a * b * x[:2])


def max_axis(x):
    return np.sum(np.max(x * x, axis=0) * np.array([1.0, 2.0]))


def astype_sum(x):
    return np.sum(x.astype(float) ** 3)


def dot_second(x):
    return np.sin(np.dot(A33 @ x, x)) + np.sin(np.inner(np.tanh(x), x))


def sum_axis_nonlinear(x):
    keep = x.ndim > 1  # keepdims known only at run time
    return np.sum(np.sin(np.sum(x * x, axis=0, keepdims=keep)))


def split_nonlinear(x):
    a, b = np.split(x * x, 2)
    return np.sin(np.sum(a * b))


def trapezoid_nonlinear(x):
    return np.sin(np.trapezoid(np.sin(x) * x, x=np.cumsum(x * x)))


def rollaxis_nonlinear(x):
    return np.sum(np.sin(np.rollaxis(np.reshape(x * x, (2, 2)), 1)) @ np.array([1.0, 2.0]))


def quantile_sq(x):
    return np.quantile(x * x, 0.3) ** 2


SECOND = [
    (diff_prepend, np.array([0.3, -0.7, 1.1, 0.4])),
    (gradient_sq, np.array([0.3, -0.7, 1.1, 0.4])),
    (pad_values, np.array([0.3, -0.7, 1.1])),
    (select_sq, np.array([0.3, -0.7, 1.1])),
    (trapezoid_xy, np.array([0.3, 0.7, 1.1])),
    (trapezoid_dx, np.array([0.3, 0.7, 1.1])),
    (rollaxis_sq, np.array([0.3, -0.7, 1.1, 0.4])),
    (stack_sq, np.array([0.3, -0.7, 1.1])),
    (split_sq, np.array([0.3, -0.7, 1.1, 0.4])),
    (max_axis, np.array([[0.3, -0.7], [1.1, 0.4]])),
    (astype_sum, np.array([0.3, -0.7, 1.1])),
    (dot_second, np.array([0.3, -0.7, 1.1])),
    (quantile_sq, np.array([0.3, -0.7, 1.1, 0.45])),
    (sum_axis_nonlinear, np.array([[0.3, -0.7], [1.1, 0.4]])),
    (split_nonlinear, np.array([0.3, -0.7, 1.1, 0.4])),
    (trapezoid_nonlinear, np.array([0.3, 0.7, 1.1])),
    (rollaxis_nonlinear, np.array([0.3, -0.7, 1.1, 0.4])),
]


@pytest.mark.parametrize("fn, x", SECOND, ids=[f.__name__ for f, _ in SECOND])
def test_hessian_through_shaping_helpers(fn, x):
    got = np.asarray(srcdiff.hessian(fn)(x)).reshape(x.size, x.size)
    np.testing.assert_allclose(got, numeric_hessian(fn, x), rtol=1e-5, atol=1e-6)


# ----- arguments a rule does not differentiate: refused, never a silent zero -----
def active_q(x, q):
    return np.percentile(x, q)


def active_weights_q(x, w):
    return np.quantile(x, 0.5, weights=w, method="inverted_cdf")


def active_weights_p(x, w):
    return np.percentile(x, 50.0, weights=w, method="inverted_cdf")


def pad_by(x, w):
    return np.sum(np.pad(x, w))


def pad_stat(x, s):
    return np.sum(np.pad(x, 1, mode="constant", stat_length=s))


def active_stat_length(x, s):
    return np.sum(np.pad(x, 1, mode="constant", end_values=s))


def active_period(x, p):
    return np.sum(np.interp(x, np.array([0.0, 1.0]), np.array([0.0, 2.0]), period=p))


def active_neginf(x, v):
    return np.sum(np.nan_to_num(x, neginf=v))


@pytest.mark.parametrize("fn, args", [
    (active_q, (np.array([0.3, 0.7, 1.1]), 40.0)),
    (active_weights_q, (np.array([0.3, 0.7, 1.1]), np.array([1.0, 2.0, 1.0]))),
    (active_weights_p, (np.array([0.3, 0.7, 1.1]), np.array([1.0, 2.0, 1.0]))),
    (active_stat_length, (np.array([0.3, 0.7]), 2.0)),
    (active_period, (np.array([0.3, 0.7]), 1.5)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_undifferentiated_arguments_are_refused(fn, args, mode):
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(fn, wrt=1, mode=mode)(*args)


def test_neginf_replacement_is_differentiated(mode):
    x = np.array([0.5, -np.inf, 2.0])
    np.testing.assert_allclose(srcdiff.grad(active_neginf, wrt=1, mode=mode)(x, 3.0), 1.0)


@pytest.mark.parametrize("fn", [pad_by, pad_stat], ids=lambda f: f.__name__)
def test_pad_widths_are_not_differentiated(fn):
    """jvp differentiates every argument: an integer pad width gets a tangent too,
    and srcdiff refuses it rather than dropping it silently."""
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.jvp(fn, (np.array([0.3, 0.7]), 1), (np.ones(2), 0))
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.vjp(fn, np.array([0.3, 0.7]), 1)[1](1.0)
