"""The NumPy rule table (srcdiff/rules/numpy_rules.py) against finite differences.

`CASES` is a table like JAX's grad_test_spec: a function (defined here, so
srcdiff can read its source), the shapes of its inputs, and their domain.
Every case runs in reverse mode (vjp with a random cotangent) and forward mode
(jvp with a random tangent), and the gradients must have their parameter's
type and shape and be fresh arrays.
"""
import numpy as np
import pytest

import srcdiff
from helpers_numpy import Case, cases, check_mode

M34, V4, C31, R14, T234 = (3, 4), (4,), (3, 1), (1, 4), (2, 3, 4)
# binary broadcasting both ways: equal, row, column, scalar, smaller first, outer, 3-D
BROADCAST = ([M34, M34], [M34, V4], [M34, C31], [M34, "f"], [V4, M34], ["f", M34],
             [C31, R14], [T234, C31], [(), M34])


# ----- elementwise: unary -----
def sin(x): return np.sin(x)
def cos(x): return np.cos(x)
def tan(x): return np.tan(x)
def arcsin(x): return np.arcsin(x)
def arccos(x): return np.arccos(x)
def arctan(x): return np.arctan(x)
def sinh(x): return np.sinh(x)
def cosh(x): return np.cosh(x)
def tanh(x): return np.tanh(x)
def arcsinh(x): return np.arcsinh(x)
def arccosh(x): return np.arccosh(x)
def arctanh(x): return np.arctanh(x)
def exp(x): return np.exp(x)
def exp2(x): return np.exp2(x)
def expm1(x): return np.expm1(x)
def log(x): return np.log(x)
def log2(x): return np.log2(x)
def log10(x): return np.log10(x)
def log1p(x): return np.log1p(x)
def sqrt(x): return np.sqrt(x)
def cbrt(x): return np.cbrt(x)
def square(x): return np.square(x)
def reciprocal(x): return np.reciprocal(x)
def abs_(x): return np.abs(x)
def absolute(x): return np.absolute(x)
def builtin_abs(x): return abs(x)
def fabs(x): return np.fabs(x)
def negative(x): return np.negative(x) - x
def deg2rad(x): return np.deg2rad(x) + np.rad2deg(x) + np.radians(x) + np.degrees(x)
def int_power(x): return x ** 3 + x ** 2 + 1 / x
def sign_times(x): return np.sign(x) * x + np.floor(x) + np.round(x)


UNARY = {"real": [sin, cos, arctan, sinh, cosh, tanh, arcsinh, exp, exp2, expm1, cbrt, square,
                  abs_, absolute, builtin_abs, fabs, negative, deg2rad, int_power, sign_times],
         "unit": [tan, arcsin, arccos, arctanh],
         "pos": [log, log2, log10, log1p, sqrt, reciprocal],
         "gt1": [arccosh]}
CASES = [c for dom, fns in UNARY.items() for f in fns
         for c in cases(f, [M34], ["f"], [()], domain=dom)]


# ----- elementwise: binary, with broadcasting both ways -----
def add(x, y): return x + y - np.add(x, y) * 2 + np.subtract(y, x)
def mul(x, y): return x * y + np.multiply(x, y)
def div(x, y): return x / y + np.divide(y, x)
def power(x, y): return x ** y + np.power(y, x)
def scalar_base(x, y): return 2.0 ** x * y ** 2.5
def maximum(x, y): return np.maximum(x, y) * np.minimum(x, y) + np.fmax(x, y) - np.fmin(x, y)
def arctan2(x, y): return np.arctan2(x, y) + np.hypot(x, y)
def logaddexp(x, y): return np.logaddexp(x, y) + np.logaddexp2(x, y)
def where(x, y): return np.where(x > y, x * y, np.sin(y))
def where_const(x): return np.where(x > 0, x, 0.1 * x)
def clip(x, lo, hi): return np.clip(x, -np.abs(lo), np.abs(hi))
def clip_const(x): return np.clip(x, -0.5, 1.0) + x.clip(-1.0, 0.5) + x.clip(min=0.1)
def clip_one_sided(x): return np.clip(x, None, 0.5) + np.clip(x, -0.4, None) + x.clip(max=0.1)


CASES += [c for f in (add, mul, maximum, where) for c in cases(f, *BROADCAST)]
CASES += cases(div, *BROADCAST[:4]) + cases(arctan2, *BROADCAST[:4])
CASES += cases(logaddexp, *BROADCAST[:4])
CASES += cases(power, [M34, M34], [M34, V4], ["f", M34], domain="pos")
CASES += cases(scalar_base, [M34, M34], ["f", "f"], domain="pos")
CASES += cases(where_const, [M34], ["f"], [()])
CASES += cases(clip, [M34, M34, M34], [M34, V4, C31], [M34, "f", "f"], [(5,), (), ()])
CASES += cases(clip_const, [M34], [(7,)]) + cases(clip_one_sided, [M34], [()])


# ----- reductions -----
def sum_(x): return np.sum(x) * 2
def sum_axis(x): return np.sum(x, axis=0) * np.sum(x, axis=-1, keepdims=True)
def sum_axes(x): return np.sum(x, axis=(0, 2)) * np.sum(x, (0, 2), keepdims=True)[0, :, 0]
def sum_method(x): return x.sum(axis=1) + x.sum(0).sum() + x.sum(keepdims=True)[0]
def mean(x): return np.mean(x) + np.mean(x, axis=0) + x.mean(axis=-1, keepdims=True)
def prod(x): return np.prod(x) + np.prod(x, axis=1) + x.prod(0, keepdims=True).sum()
def max_(x): return np.max(x) + np.max(x, axis=0) + np.amax(x, axis=-1, keepdims=True)
def min_(x): return np.min(x) + np.min(x, axis=1)[:, None] + np.amin(x, axis=0, keepdims=True)
def max_method(x): return x.max() * x.min(axis=0) + x.max(axis=-1, keepdims=True)
def var(x): return np.var(x) + np.var(x, axis=0) + np.var(x, axis=1, ddof=1, keepdims=True)
def std(x): return np.std(x) + np.std(x, axis=0) + x.std(axis=1, ddof=1, keepdims=True)
def var_method(x): return x.var(axis=(0, 1)) + x.std()
def cumsum(x): return np.cumsum(x) + np.cumsum(x, axis=0).ravel() + x.cumsum(axis=-1).ravel()


CASES += [c for f in (sum_axis, sum_method, mean, prod, max_, min_, max_method, var, std)
          for c in cases(f, [M34])]
CASES += cases(sum_, [M34], ["f"], [()], [T234]) + cases(sum_axes, [T234])
CASES += cases(var_method, [T234]) + cases(cumsum, [M34])


# ----- linear algebra -----
def dot(x, y): return np.dot(x, y)
def dot_method(x, y): return x.dot(y)
def matmul(x, y): return x @ y
def np_matmul(x, y): return np.matmul(x, y)
def vdot(x, y): return np.vdot(x, y)
def inner(x, y): return np.inner(x, y)
def outer(x, y): return np.outer(x, y)
def tensordot(x, y): return np.tensordot(x, y)
def tensordot1(x, y): return np.tensordot(x, y, axes=1)
def tensordot_pairs(x, y): return np.tensordot(x, y, axes=([1, 0], [0, 2]))
def trace(x): return np.trace(x) + np.trace(x, 1) + x.trace()
def diag(x): return np.diag(x, 1) + np.diag(np.diag(x))
def diag_build(v): return np.diag(v) + np.diag(v, -1)[1:, :-1]
def inv(x): return np.linalg.inv(x + 4 * np.eye(3))
def det(x): return np.linalg.det(x + 4 * np.eye(3))
def norm(x): return np.linalg.norm(x)
def norm_fro(x): return np.linalg.norm(x, "fro") + np.linalg.norm(x, axis=1)
def norm_axis(x): return np.linalg.norm(x, axis=0, keepdims=True) * np.linalg.norm(x, 2, 1)[:, None]
def norm_2(x): return np.linalg.norm(x, 2) + np.linalg.norm(x, "nuc") * np.linalg.norm(x[0], 2)
def norm_2_axes(x): return np.linalg.norm(x, 2, axis=(2, 0)) * np.linalg.norm(x, "nuc", (0, 2))


MATMUL = ([(3,), (3,)], [(2, 3), (3,)], [(3,), (3, 2)], [(2, 3), (3, 4)], [(5, 2, 3), (3, 4)],
          [(2, 3), (5, 3, 4)], [(5, 2, 3), (5, 3, 4)], [(3,), (5, 3, 2)], [(5, 1, 2, 3), (4, 3, 2)])
CASES += cases(matmul, *MATMUL) + cases(np_matmul, [(2, 3), (3, 4)], [(5, 2, 3), (3,)])
CASES += cases(dot, [(3,), (3,)], [(2, 3), (3,)], [(3,), (3, 2)], [(2, 3), (3, 4)],
               [(2, 2, 3), (3, 4)], [(2, 3), (2, 3, 4)], ["f", (3,)], [(3,), "f"], ["f", "f"])
CASES += cases(dot_method, [(2, 3), (3, 4)], [(3,), (3,)])
CASES += cases(vdot, [(2, 3), (6,)], [(3,), (3,)])
CASES += cases(inner, [(3,), (3,)], [(2, 3), (4, 3)], [(2, 3), (3,)], ["f", (2, 3)],
               [(2, 2, 3), (3,)])
CASES += cases(outer, [(3,), (4,)], [(2, 2), (3,)])
CASES += cases(tensordot, [(2, 3, 4), (3, 4, 5)], [(3, 4), (3, 4)])
CASES += cases(tensordot1, [(2, 3), (3, 4)]) + cases(tensordot_pairs, [(3, 2, 4), (2, 5, 3)])
CASES += cases(trace, [(3, 4)], [(3, 3)]) + cases(diag, [(3, 4)]) + cases(diag_build, [(3,)])
CASES += cases(inv, [(3, 3)]) + cases(det, [(3, 3)])
CASES += cases(norm, [(5,)], [M34], [T234]) + cases(norm_fro, [M34]) + cases(norm_axis, [M34])
CASES += cases(norm_2, [M34], [(4, 3)]) + cases(norm_2_axes, [T234])


# ----- shape ops -----
def reshape(x): return np.reshape(x, (4, 3)) * np.reshape(x, (4, 3), order="F")
def reshape_method(x): return x.reshape(2, 6)[1] + x.reshape((6, 2))[:, 0] + x.reshape(-1)[:6]
def transpose(x): return np.transpose(x) + x.T
def transpose_axes(x): return np.transpose(x, (1, 2, 0)) + x.transpose(1, 2, 0)
def transpose_method(x): return x.transpose((2, 0, 1)) * x.transpose().transpose(0, 2, 1)
def swapaxes(x): return np.swapaxes(x, 0, 2) + x.swapaxes(0, 2) + np.moveaxis(x, [0, 2], [2, 0])
def squeeze(x): return np.squeeze(x) + x.squeeze(axis=1) + np.expand_dims(x, 0)[0, :, 0]
def ravel(x): return np.ravel(x) + x.ravel() + x.flatten() + np.ravel(x, order="F")
def atleast(x): return np.atleast_2d(x) + np.atleast_1d(x)
def broadcast_to(x): return np.broadcast_to(x, (2, 3, 4)) * 2
def flip(x): return np.flip(x) + np.flip(x, 0) + np.fliplr(x) + np.flipud(x)
def roll(x): return np.roll(x, 1) + np.roll(x, -2, axis=1) + np.roll(x, (1, 2), axis=(0, 1))
def tril(x): return np.tril(x) + np.triu(x, 1) + np.tril(x, -1) * np.triu(x)
def shifts(x):
    return (np.fft.fftshift(x) * np.fft.ifftshift(x, axes=1) + np.fft.fftshift(x ** 2, axes=(0,))
            + np.real_if_close(x) * x + np.fft.ifftshift(np.sin(x)))
def sort(x): return np.sort(x) + np.sort(x, axis=0) + np.sort(x, axis=None).reshape(3, 4)


CASES += cases(reshape, [M34]) + cases(reshape_method, [M34]) + cases(transpose, [M34], [T234])
CASES += cases(transpose_axes, [T234]) + cases(transpose_method, [T234])
CASES += cases(swapaxes, [T234]) + cases(squeeze, [(3, 1, 4)]) + cases(ravel, [M34])
CASES += cases(atleast, [V4]) + cases(broadcast_to, [C31], [V4], [()]) + cases(flip, [M34])
CASES += cases(roll, [M34]) + cases(tril, [M34]) + cases(sort, [M34])
CASES += cases(shifts, [M34], [(5, 3)])


# ----- lists of arrays: concatenate, stack, array -----
def concatenate(x, y): return np.concatenate([x, y, x])
def concatenate_axis(x, y): return np.concatenate((x, y), axis=1) * np.concatenate([y, x], 1)
def concatenate_none(x, y): return np.concatenate([x, y], axis=None)
def concatenate_array(x): return np.concatenate(x * 2, axis=0)
def stack(x, y): return np.stack([x, y]) + np.stack([y, x])
def stack_axis(x, y): return np.stack([x, y, x * y], 1) + np.stack((x, y, y), -1).swapaxes(1, 2)
def stack_array(x): return np.stack(np.sin(x), axis=1)
def hstack(x, y): return np.hstack([x, y, x])
def vstack(x, y): return np.vstack([x, y])
def array(x, y): return np.array([x, y, x * y])
def array_nested(x, y): return np.array([[x, y], [y * y, x]]) @ np.array([x, 1.0])
def array_of(x): return np.array(x) + np.asarray(x) + np.asarray(x, dtype=float) + np.copy(x)
def copy(x): return x.copy() * x.astype(float) + x.astype(np.float64) + x.astype(int)
def full(x): return np.full((2, 3), x) + np.full_like(np.ones((2, 3)), x)
def full_array(x): return np.full((2, 3), x)
def arange(x, s): return np.arange(x, x + 3.5 * np.abs(s), np.abs(s))
def arange_dtype(x, s):  # a float dtype keeps the derivative; an integer one has none
    return (np.arange(x, x + 4, dtype=float) * s
            + np.arange(x, x + 3.5 * np.abs(s), np.abs(s), dtype=np.float64)
            + np.sum(np.arange(1, 5, dtype=float)) * x + np.arange(x, x + 4, dtype=int) * s)


CASES += cases(concatenate, [(2, 3), (4, 3)], [(3,), (5,)])
CASES += cases(concatenate_axis, [(2, 3), (2, 3)]) + cases(concatenate_none, [(2, 3), (4,)])
CASES += cases(concatenate_array, [M34]) + cases(stack, [M34, M34], ["f", "f"])
CASES += cases(stack_axis, [M34, M34]) + cases(stack_array, [M34])
CASES += cases(hstack, [(3,), (2,)], [(2, 3), (2, 1)], ["f", "f"])
CASES += cases(vstack, [(3,), (3,)], [(2, 3), (1, 3)])
CASES += cases(array, ["f", "f"], [V4, V4]) + cases(array_nested, ["f", "f"])
CASES += cases(array_of, [M34], ["f"]) + cases(copy, [M34]) + cases(full, ["f"])
CASES += cases(full_array, [(3,)]) + cases(arange, ["f", "f"])
CASES += cases(arange_dtype, ["f", "f"])


# ----- indexing -----
def index_int(x): return x[1] * x[-1]
def index_slice(x): return x[1:3] + x[::-2][:2] + x[::-1][1:3]
def index_column(m): return m[:, 1] + m[1, :3] + m[1:, ::-1][0, :3] + m[-1, -2]
def index_mask(x): return x[x > 0]
def index_fancy(x): return x[[0, 0, 2]] * x[np.array([2, 0, 2])]
def index_pairs(m): return m[[0, 2, 2], [1, 1, 3]] + m[..., 0] + m[None, :, 1][0]
def index_argmax(x): return x[np.argmax(x)] + x[np.argsort(x)][-1] + x[np.argmin(x)]
def index_scalar(x): return x[2] * 3.0


CASES += cases(index_int, [(5,)], [M34]) + cases(index_slice, [(5,)], [(5, 2)])
CASES += cases(index_column, [M34]) + cases(index_mask, [(7,)], [M34])
CASES += cases(index_fancy, [(4,)], [(4, 2)]) + cases(index_pairs, [M34])
CASES += cases(index_argmax, [(6,)]) + cases(index_scalar, [(4,)])


# ----- zero derivatives: shapes, integer results, constructors -----
def shapes(x): return x * x.shape[0] + x.size + x.ndim + len(x) + np.shape(x)[1] + np.size(x)
def constructors(x): return x * np.ones(x.shape) + np.zeros_like(x) + np.ones_like(x) * x
def eye(x): return np.eye(3) @ x + np.arange(4.0) * x + np.full(x.shape, 2.0) * x


CASES += cases(shapes, [M34]) + cases(constructors, [M34]) + cases(eye, [M34])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case, mode):
    check_mode(case, mode)


# ----- the notes' cases, exactly -----
def twice_dot(x): return 2 * np.dot(x, x)
def total(x): return np.sum(x)
def total_square(x): return np.sum(x * x)
def total_sin(x): return np.sum(np.sin(x))


@pytest.mark.parametrize("f, want", [
    (twice_dot, lambda x: 4 * x), (total, np.ones_like), (total_square, lambda x: 2 * x),
    (total_sin, np.cos)], ids=["2dot", "sum", "sum_sq", "sum_sin"])
def test_notes_exact(f, want, mode):
    x = np.random.default_rng(3).standard_normal(5)
    g = srcdiff.grad(f, mode=mode)(x)
    assert isinstance(g, np.ndarray) and g.shape == x.shape and not np.shares_memory(g, x)
    np.testing.assert_allclose(g, want(x), rtol=1e-12, atol=1e-15)


# ----- conventions at kinks (JAX's) -----
def max_all(x): return np.max(x)
def max_rows(x): return np.sum(np.max(x, axis=1) * np.array([1.0, 10.0]))
def min_rows_kept(x): return np.sum(np.min(x, axis=1, keepdims=True) * np.array([[1.0], [10.0]]))
def maximum_sum(x, y): return np.sum(np.maximum(x, y) + 3 * np.minimum(x, y))
def abs_sum(x): return np.sum(np.abs(x))
def clip_sum(x): return np.sum(np.clip(x, -1.0, 1.0))
def where_inf(x, y): return np.sum(np.where(x > 0, x, y))
def prod_all(x): return np.prod(x)


def test_max_splits_ties_equally(mode):
    x = np.array([1.0, 3.0, 3.0, 2.0])
    np.testing.assert_array_equal(srcdiff.grad(max_all, mode=mode)(x), [0, 0.5, 0.5, 0])
    m = np.array([[2.0, 2.0, 2.0], [1.0, 5.0, 0.0]])
    np.testing.assert_allclose(srcdiff.grad(max_rows, mode=mode)(m),
                               [[1 / 3, 1 / 3, 1 / 3], [0, 10, 0]], rtol=1e-15)
    np.testing.assert_allclose(srcdiff.grad(min_rows_kept, mode=mode)(m),
                               [[1 / 3, 1 / 3, 1 / 3], [0, 0, 10]], rtol=1e-15)


def test_maximum_minimum_split_ties_half(mode):
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 4.0])
    gx, gy = srcdiff.grad(maximum_sum, wrt=(0, 1), mode=mode)(x, y)
    np.testing.assert_array_equal(gx, [2.0, 1.0, 3.0])
    np.testing.assert_array_equal(gy, [2.0, 3.0, 1.0])


def test_abs_at_zero_is_zero(mode):
    g = srcdiff.grad(abs_sum, mode=mode)(np.array([-2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0])


def test_clip_inside_edges_outside(mode):
    g = srcdiff.grad(clip_sum, mode=mode)(np.array([-2.0, -1.0, 0.0, 1.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 1.0, 0.5, 0.0])


def test_where_sends_nothing_to_the_other_branch(mode):
    x, y = np.array([-1.0, 2.0, 3.0]), np.array([5.0, np.inf, np.nan])
    gx, gy = srcdiff.grad(where_inf, wrt=(0, 1), mode=mode)(x, y)
    np.testing.assert_array_equal(gx, [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(gy, [1.0, 0.0, 0.0])



def sqrt_truncated(v): return np.sum(np.sqrt(np.maximum(v, 0.0)) + np.sqrt(np.minimum(v, 0) + 1))
def sqrt_clipped(v): return np.sum(np.sqrt(np.clip(v, 0.0, 1.0)) + np.sqrt(v.clip(min=0.0)))


@pytest.mark.parametrize("f", [sqrt_truncated, sqrt_clipped])
def test_maximum_and_clip_send_exact_zeros_where_not_selected(f):
    """sqrt(maximum(v, 0)) at v < 0 (a Heston full-truncation scheme), and of clip: the
    cotangent reaching maximum is inf there, and inf times the 0 of a mask was nan (found by the
    corpus5 programs); against central differences. Forward mode still gives nan there
    (sqrt's tangent is 0 / 0 at 0, as in JAX's forward mode)."""
    v = np.array([-0.3, 0.4, -0.8, 2.0, 0.7])
    with np.errstate(divide="ignore"):  # sqrt's own adjoint is inf at 0
        got = srcdiff.grad(f, mode="reverse")(v)
    h = 1e-6
    want = [(f(v + h * e) - f(v - h * e)) / (2 * h) for e in np.eye(5)]
    np.testing.assert_allclose(got, want, rtol=1e-8)

def test_prod_exact_at_zeros(mode):
    x = np.array([2.0, 0.0, 3.0, 5.0])
    np.testing.assert_array_equal(srcdiff.grad(prod_all, mode=mode)(x), [0, 30, 0, 0])
    x = np.array([2.0, 0.0, 3.0, 0.0])
    np.testing.assert_array_equal(srcdiff.grad(prod_all, mode=mode)(x), [0, 0, 0, 0])


# ----- what has no rule must raise, never be silently wrong -----
def sum_out(x, p): return np.sum(x, out=np.zeros(()))
def sum_where(x): return np.sum(x, where=x > 0)


@pytest.mark.parametrize("f", [sum_out])  # norms of every ord: tests/test_linalg_rules.py
def test_unsupported_options_raise(f):
    with pytest.raises(srcdiff.NotDifferentiableError, match="out="):
        srcdiff.grad(f)(np.ones(3), 2)


def test_unknown_keyword_is_a_located_error():
    with pytest.raises(srcdiff.SrcDiffError, match="where"):
        srcdiff.grad(sum_where)(np.ones(3))


# ----- gradients are fresh, inputs untouched, results do not accumulate -----
def identity_sum(x, y): return np.sum(x @ y)


def test_gradient_of_a_product_is_a_fresh_copy():
    x, w = np.ones((2, 3)), np.arange(12.0).reshape(3, 4)
    d = srcdiff.grad(identity_sum, wrt=(0, 1))
    gx, gw = d(x, w)
    gx2, _ = d(x, w)
    np.testing.assert_array_equal(gx, gx2)
    np.testing.assert_array_equal(gx, np.tile(w.sum(1), (2, 1)))
    assert not np.shares_memory(gx, gx2) and not np.shares_memory(gw, x)
