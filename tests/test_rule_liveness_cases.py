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


def dot_b(x):  # the cotangent reaching _dot_adjoint_b / _inner_adjoint_* is active
    return np.sum(np.dot(A33, x) ** 2)


def inner_both(x):
    return np.sum(np.inner(x, A33) ** 2) + np.sum(np.inner(A33, x) ** 2)


def mean_keep(x, keep=False):  # keepdims not a constant: the _expand helper
    return np.sum(np.mean(x * x, axis=0, keepdims=keep) ** 2)


def cast_fill(y):  # an active cotangent through _cast_adjoint
    return np.sum(np.full_like(np.ones(3), y) ** 3)


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
    (dot_b, np.array([0.3, -0.7, 1.1])),
    (inner_both, np.array([0.3, -0.7, 1.1])),
    (mean_keep, np.array([[0.3, -0.7], [1.1, 0.4]])),
    (cast_fill, np.array([0.7])),
], ids=["dot-inner", "matmul", "diag", "sort", "concatenate", "mean-axis", "full_like",
        "dot-b", "inner", "mean-keepdims", "full_like-fill"])
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
