"""Numerical code in NumPy's method style and with the linear algebra people
reach for: `r.dot(r)`, `X.T.dot(...)`, `x.sum(axis=0)`, `.mean()`, `.clip()`,
`.max()`, `np.linalg.norm/solve/inv/det/cholesky`, `np.einsum`, `np.outer`,
`np.trace`, reversed slices and `np.roll`, and in-place arithmetic on copies."""
import numpy as np

from .registry import Program


def ridge_method_style(w, X, y, lam=0.3):
    r = X.dot(w) - y
    return r.dot(r) / len(y) + lam * w.dot(w)


def column_standardise(X, w):
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    return ((Z @ w) ** 2).sum()


def clipped_loss(w, X, y):
    p = (1 / (1 + np.exp(-X @ w))).clip(1e-6, 1 - 1e-6)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()


def softmax_max_trick(z):
    e = np.exp(z - z.max())
    p = e / e.sum()
    return (p * np.arange(z.size)).sum()


def gaussian_logdet_cholesky(L_diag, L_off, x):
    """Covariance from a Cholesky factor built from its parameters."""
    L = np.diag(np.exp(L_diag))
    L[1, 0] = L_off
    S = L @ L.T + 0.1 * np.eye(2)
    C = np.linalg.cholesky(S)
    z = np.linalg.solve(C, x)
    return 0.5 * z @ z + np.sum(np.log(np.diag(C)))


def inverse_and_det(A):
    return np.trace(np.linalg.inv(A)) + np.log(np.abs(np.linalg.det(A)))


def einsum_bilinear(W, x, y):
    return np.einsum("i,ij,j->", x, W, y) + np.einsum("ij,ij->", W, W)


def outer_product_energy(u, v):
    M = np.outer(u, v)
    return np.linalg.norm(M) + np.trace(M @ M.T)


def reversed_and_rolled(x):
    return np.sum(x * x[::-1]) + np.sum(x * np.roll(x, 1))


def inplace_on_copy(w, scale):
    v = w.copy()
    v *= scale
    v -= v.mean()
    v **= 2
    return v.sum()


def matrix_power_series(A, n=6):
    """exp(A) by its Taylor series, term by term."""
    term = np.eye(A.shape[0])
    total = term.copy()
    for k in range(1, n):
        term = term @ A / k
        total = total + term
    return np.sum(total ** 2)


def cumulative_returns(weights, returns):
    wealth = np.cumprod(1 + returns @ weights)
    peak = np.maximum.accumulate(wealth)
    return -np.log(wealth[-1]) + np.max(1 - wealth / peak)


def least_squares_via_lstsq(X, y):
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    return np.sum((X @ beta - y) ** 2)


def _spd(rng, n=3):
    A = rng.standard_normal((n, n))
    return A @ A.T + n * np.eye(n)


PROGRAMS = [
    Program(ridge_method_style, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                             rng.standard_normal(6))),
    Program(column_standardise, lambda rng: (rng.standard_normal((6, 3)), rng.standard_normal(3)),
            ("X", "w")),
    Program(clipped_loss, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)),
                                       (rng.random(8) < 0.5).astype(float))),
    Program(softmax_max_trick, lambda rng: (rng.standard_normal(5),)),
    Program(gaussian_logdet_cholesky,
            lambda rng: (0.3 * rng.standard_normal(2), rng.standard_normal(),
                         rng.standard_normal(2)),
            ("L_diag", "L_off", "x")),
    Program(inverse_and_det, lambda rng: (_spd(rng),)),
    Program(einsum_bilinear, lambda rng: (rng.standard_normal((3, 4)), rng.standard_normal(3),
                                          rng.standard_normal(4)), ("W", "x", "y")),
    Program(outer_product_energy, lambda rng: (rng.standard_normal(3), rng.standard_normal(2)),
            ("u", "v")),
    Program(reversed_and_rolled, lambda rng: (rng.standard_normal(6),)),
    Program(inplace_on_copy, lambda rng: (rng.standard_normal(5), rng.uniform(0.5, 2.0)),
            ("w", "scale")),
    Program(matrix_power_series, lambda rng: (0.5 * rng.standard_normal((3, 3)),)),
    Program(cumulative_returns, lambda rng: (rng.dirichlet(np.ones(3)),
                                             0.02 * rng.standard_normal((12, 3)))),
    Program(least_squares_via_lstsq, lambda rng: (rng.standard_normal((8, 3)),
                                                  rng.standard_normal(8)), ("X", "y")),
]
