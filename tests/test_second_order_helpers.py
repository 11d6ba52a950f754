"""Second derivatives through srcdiff's own runtime helpers (srcdiff/rules/helpers.py).

The generic gradient of a function using np.einsum, np.tensordot, np.prod, np.var,
np.linalg.norm, np.concatenate, np.take, np.convolve, ... calls runtime helpers
(`_einsum_adjoint`, `_prod_others`, `_gathered`, ...); differentiating it again runs
through their rules. Each case is a scalar function of one array whose operands all
depend on it (so every argument of a helper is active), checked in both modes of the
second derivative, `hessian` (forward over reverse) and `jacobian(grad)` (reverse
over reverse), against central differences of the first-order gradient. The
third-order cases differentiate the helpers those rules call once more
(`grad(grad(grad(f)))` of a float).
"""
import numpy as np
import pytest

import srcdiff
from helpers_numpy import assert_close

KEEP, P = True, 3  # module globals: the gradient reads them at run time (`_expand`, ord)
IDX = np.array([2, 0, 2, 5])
S3 = np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.7], [0.4, 0.1, 1.2]])


def sq(v):
    return np.sum(v * v)


# ----- products: both operands depend on x -----
def dot(x): return sq(np.dot(x, np.sin(x).T))
def dot_vec(x): return sq(np.dot(np.cos(x[0]), x.T))
def matmul(x): return sq(x @ np.cos(x).T)
def matmul_vec(x): return sq(np.matmul(x[0], np.sin(x).T))
def inner(x): return sq(np.inner(x, np.sin(x)))
def tensordot(x): return sq(np.tensordot(x, np.sin(x), axes=([1], [1])))
def tensordot_int(x): return sq(np.tensordot(np.sin(x), x, 2))
def einsum_trace(x): return np.einsum("ii", x @ x) ** 2
def einsum_diag(x): return sq(np.einsum("ii,ij->j", x, np.sin(x)))
def einsum_ellipsis(x): return sq(np.einsum("...ij,...jk->...ik", x, np.cos(x)))
def einsum_three(x): return sq(np.einsum("ij,jj,jk->ik", x, np.sin(x), x.T @ x))


# ----- reductions -----
def prod(x): return sq(np.prod(x, axis=0)) + np.prod(x) ** 2
def prod_keep(x): return sq(x.prod(axis=1, keepdims=True) * x)
def var(x): return sq(np.var(x, axis=1) * x[:, 0]) + np.var(x) ** 3
def var_ddof(x): return sq(np.var(x, axis=0, ddof=1, keepdims=True) * x)
def std(x): return sq(np.std(x, axis=1) * x[:, 0]) + np.std(x) ** 3
def std_ddof(x): return sq(np.std(x, axis=0, ddof=1, keepdims=True) * x)
def nanprod(x): return sq(np.nanprod(np.where(x > 1.5, np.nan, x), axis=0) * x[0])
def nanvar(x): return sq(np.nanvar(np.where(x > 1.5, np.nan, x), axis=1) * x[:, 1])
def nanstd(x): return sq(np.nanstd(np.where(x > 1.5, np.nan, x), axis=0) * x[0])
def expand(x): return sq(np.sum(np.exp(x), axis=1, keepdims=KEEP) * x)


# ----- norms -----
def norm_p(x): return sq(np.linalg.norm(x, 3, axis=1) * x[:, 0])
def norm_2(x): return sq(np.linalg.norm(x, axis=0) * x)
def norm_fro(x): return np.linalg.norm(x, "fro") ** 3
def norm_nuc(x): return np.linalg.norm(x @ S3, "nuc") ** 2
def norm_spectral(x): return np.linalg.norm(x + S3, 2) ** 2 + np.linalg.norm(x + S3, -2) ** 2
def norm_inf(x): return sq(np.linalg.norm(x, np.inf, axis=1) * x[:, 0])
def norm_axes(x): return sq(np.linalg.norm(x * x[:, :, None], axis=(0, 2)) * x)
def vector_norm(x): return sq(np.linalg.vector_norm(x, ord=P, axis=(0, 1)) * x)
def matrix_norm(x): return sq(np.linalg.matrix_norm(x + S3, ord="fro") * x)


# ----- gathers, joins, convolutions -----
def take(x): return sq(np.take(x, IDX) * x[0, 0])
def tile(x): return sq(np.tile(x, 2) * np.tile(x[0], 2))
def concatenate(x): return sq(np.concatenate([x[0], np.sin(x[1, :2])]) ** 2)
def concatenate_none(x): return sq(np.concatenate([x, np.sin(x[:1])], axis=None) ** 2)
def hstack(x): return sq(np.hstack([x, np.cos(x[:, :1])]) ** 2)
def vstack(x): return sq(np.vstack([x[0], np.cos(x[1])]) ** 2)
def convolve(x): return sq(np.convolve(x[0], np.sin(x[1, :2])) ** 2)
def convolve_same(x): return sq(np.convolve(x[0, :2], np.sin(x[1]), "same") ** 2)
def correlate(x): return sq(np.correlate(x[0], np.sin(x[1, :2]), "valid") ** 2)
def correlate_same(x): return sq(np.correlate(x[0, :2], np.cos(x[1]), "same") ** 2)
def gradient(x): return sq(np.gradient(x[0] * x[1], 0.5, edge_order=2) ** 2)
def gradient_2d(x):
    gy, gx = np.gradient(x * x)
    return sq(gy * gx + np.gradient(x, 2.0, axis=1) * x)
def gradient_coords(x): return sq(np.gradient(x[0] * x[1], np.array([0.0, 0.5, 1.5])) ** 2)
def select(x): return sq(np.select([x > 0, x < -1], [x * x, np.sin(x[0])], default=x) * x)
def sinc(x): return sq(np.sinc(x) * x)
def maximum_outer(x): return sq(np.maximum.outer(x[0], np.sin(x[1])) * np.minimum.outer(
    x[1], x[2]))
def kron(x): return sq(np.kron(x[:2], np.sin(x[1:])) ** 2)
def trace(x): return sq(np.trace(np.stack([x, np.cos(x)]), axis1=1, axis2=2) * x[0, :2])


# ----- adjoints of linear maps: casts, diagonals, sorts, axes, differences, pads -----
def cast(x): return sq(x.astype(float) * x)
def diag(x): return sq(np.diag(x * x)) + sq(np.diag(np.sin(x[0]), 1) * x[0, 0])
def sort(x): return sq(np.sort(x * x[0], axis=0) * x)
def rollaxis(x): return sq(np.rollaxis(np.stack([x, x * x]), 2, 0) * x[0, 0])
def diff(x): return sq(np.diff(x * x, 2, axis=1) * x[0, 0])
def pad_values(x): return sq(np.pad(x, 1, constant_values=np.sin(x[0, 0])) ** 2)
def median(x): return sq(np.median(x * x[0], axis=0) * x[1])
def quantile(x): return sq(np.quantile(x * x[0], 0.3, axis=1, method="weibull") * x[1])
def quantiles(x): return sum(np.quantile(x * x, 0.37, axis=1, method=m) for m in (
    "linear", "hazen")).sum() ** 2
def running_max(x): return sq(np.maximum.accumulate(x * x[0], axis=1) * np.sin(x))
def running_min(x): return sq(np.minimum.accumulate(np.sin(x) * x[1]) * x)
def logaddexp_reduce(x): return np.logaddexp.reduce(x * x[0], axis=1) @ np.sin(x[1])
def column_stack(x): return sq(np.column_stack([x[0], np.sin(x[1])]) ** 2)
def dstack(x): return sq(np.dstack([x, np.sin(x)]) ** 2)



# ----- linear algebra -----
def solve(x): return sq(np.linalg.solve(x + 4 * np.eye(3), np.sin(x[0])))
def solve_mat(x): return sq(np.linalg.solve(x + 4 * np.eye(3), np.cos(x[:, :2])))
def solve_stack(x): return sq(np.linalg.solve(np.stack([x, x.T]) + 4 * np.eye(3), np.sin(x[0])))


CASES = [(f, (3, 3)) for f in (
    dot, dot_vec, matmul, matmul_vec, inner, tensordot, tensordot_int, einsum_trace,
    einsum_diag, einsum_three, prod, prod_keep, var, var_ddof, std, std_ddof, nanvar, nanstd,
    expand, norm_p, norm_2, norm_fro, norm_nuc, norm_spectral, norm_inf, norm_axes,
    vector_norm, matrix_norm, take, tile, concatenate, concatenate_none, hstack, vstack,
    convolve, convolve_same, correlate, correlate_same, kron, trace, cast, diag, sort,
    rollaxis, diff, pad_values, median, quantile, quantiles, column_stack, dstack, solve,
    solve_mat, solve_stack, maximum_outer, nanprod, sinc, gradient, gradient_2d,
    gradient_coords, select, running_max, running_min, logaddexp_reduce)]
CASES += [(einsum_ellipsis, (2, 2, 2))]


def point(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.3, 1.9, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def differences(g, x, h=1e-5):
    """d g / d x by central differences, shaped g.shape + x.shape."""
    cols = []
    for k in range(x.size):
        e = np.zeros(x.shape)
        e.flat[k] = h
        cols.append((np.asarray(g(x + e)) - np.asarray(g(x - e))) / (2 * h))
    return np.stack(cols, axis=-1).reshape(np.shape(g(x)) + x.shape)


@pytest.mark.parametrize("form", ["hessian", "jacobian(grad)"])
@pytest.mark.parametrize("fn,shape", CASES, ids=[c[0].__name__ for c in CASES])
def test_second_order(fn, shape, form):
    x = point(shape)
    if fn in (nanvar, nanstd, nanprod):  # one nan per slice, from x > 1.5
        x = np.abs(x)
        x.flat[[0, 4]] = 1.7
    if fn is sinc:
        x.flat[4] = 0.0  # its limits at 0
    g = srcdiff.grad(fn)
    want = differences(g, x)
    h = srcdiff.hessian(fn) if form == "hessian" else srcdiff.jacobian(g)
    assert_close(h(x), want, rtol=1e-6, what=f"{fn.__name__} {form}")


def test_prod_at_zeros():
    """The Hessian of a product is exact where entries are zero (one or two of them)."""
    for zeros in ([1], [1, 4]):
        x = point((2, 3))
        x.flat[zeros] = 0.0
        want = differences(srcdiff.grad(prod_keep), x)
        for h in (srcdiff.hessian(prod_keep), srcdiff.jacobian(srcdiff.grad(prod_keep))):
            assert_close(h(x), want, rtol=1e-6, what=f"zeros at {zeros}")


# ----- third order: the helpers the second-order rules call, differentiated again -----
B = np.array([[0.7, -1.2, 0.4], [1.1, 0.3, -0.8]])


def take3(x): return np.sum(np.take(np.sin(x * B), IDX) ** 4)
def median3(x): return np.sum(np.median(np.sin(x * B), axis=1) ** 4)
def concatenate3(x): return np.sum(np.concatenate([x * B[0], np.sin(x * B[1, :2])]) ** 4)
def running3(x): return np.sum(np.maximum.accumulate(np.sin(x * B), axis=1) ** 4)


@pytest.mark.parametrize("fn", [take3, median3, concatenate3, running3])
def test_third_order(fn):
    """grad(grad(grad(f))) against differences of grad(grad(f)), and jvp over it."""
    g2 = srcdiff.grad(srcdiff.grad(fn))
    want = (g2(0.9 + 1e-5) - g2(0.9 - 1e-5)) / 2e-5
    np.testing.assert_allclose(srcdiff.grad(g2)(0.9), want, rtol=1e-6)
    np.testing.assert_allclose(srcdiff.jvp(g2, (0.9,), (1.0,))[1], want, rtol=1e-6)


def prod3(x): return np.sum(np.prod(np.sin(x * B), axis=0) ** 2)


def test_third_order_through_a_product_is_refused():
    """_prod_pairs (the second derivative of np.prod) has no rule: a clear error, located
    in the generated code, never a derivative missing its term."""
    with pytest.raises(srcdiff.SrcDiffError, match="_prod_pairs"):
        srcdiff.grad(srcdiff.grad(srcdiff.grad(prod3)))(0.9)


def trapezoid(y, x): return sq(np.trapezoid(y * y, np.cumsum(x)))
def trapezoid_grid(y, x): return sq(np.trapezoid(np.sin(y), np.cumsum(x, axis=0), axis=0))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn,xshape", [(trapezoid, (3,)), (trapezoid_grid, (3, 3))])
def test_mixed_partials_of_a_trapezoid(fn, xshape, mode):
    """d/dy of the gradient in the sample points x (with x active too, the y-weights'
    derivative in x is refused in reverse mode: `_trapezoid_weights`)."""
    y, x = point((3, 3)), np.abs(point(xshape, seed=1))
    g = srcdiff.grad(fn, wrt=1)
    want = differences(lambda v: g(v, x), y)
    got = srcdiff.jacobian(g, wrt=0, mode=mode)(y, x)
    assert_close(got, want, rtol=1e-6, what=f"{fn.__name__} {mode}")
