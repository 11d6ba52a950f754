"""NumPy as people write it day to day: defensive conversions at the top of a
function, positional axes, `ddof`, norms with `ord`, periodic `np.roll`,
`np.bincount`/`np.add.at`, complex intermediates, top-k by sorting, time grids
from parameters, conversions of the result with `float()`/`.item()`."""
import math

import numpy as np

from .registry import Program


def sanitize_then_norm(x, p=1.5):
    x = np.asarray(x, dtype=float)
    x = np.atleast_1d(x)
    return np.sum(np.abs(x) ** p)


def unbiased_std_ratio(x):
    return np.std(x, ddof=1) / np.std(x)


def column_variance(X):
    return np.sum(np.var(X, axis=0, ddof=1))


def l1_and_max_norm(x):
    return np.linalg.norm(x, 1) + np.linalg.norm(x, np.inf) + np.linalg.norm(x)


def frobenius(A):
    return np.linalg.norm(A, "fro") ** 2 + np.linalg.norm(A, axis=1).sum()


def positional_axis(X):
    row_means = np.mean(X, 1)
    col_sums = X.sum(0)
    return np.sum(row_means ** 2) + np.sum(col_sums ** 3)


def periodic_laplacian(u, c=0.1, steps=10):
    for _ in range(steps):
        u = u + c * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
    return np.sum(u ** 2)


def weighted_histogram(values, bins):
    h = np.bincount(bins, weights=values, minlength=4)
    return np.sum(h ** 2)


def add_at_histogram(values, bins):
    h = np.zeros(4)
    np.add.at(h, bins, values)
    return np.sum(h ** 2)


def dft_complex(x, k=3):
    n = len(x)
    t = np.arange(n)
    X = np.sum(x * np.exp(-2j * np.pi * k * t / n))
    return np.abs(X) ** 2


def fft_power(x):
    spectrum = np.fft.rfft(x)
    return np.sum(np.abs(spectrum) ** 2)


def top_k_sum(x, k=3):
    return np.sort(x)[::-1][:k].sum()


def time_grid_integral(T, a, n=50):
    t = np.linspace(0.0, T, n)
    y = np.exp(-a * t) * np.cos(t)
    dt = t[1] - t[0]
    return dt * (np.sum(y) - 0.5 * (y[0] + y[-1]))


def full_like_offset(x, b):
    bias = np.full(x.shape, b)
    return np.sum((x + bias) ** 2)


def result_as_float(w, X):
    loss = np.sum(np.tanh(X @ w) ** 2)
    return float(loss)


def result_item(w, X):
    loss = np.mean((X @ w) ** 2)
    return loss.item()


def builtin_sum_over_array(x):
    return sum(x ** 2) + sum(abs(x))


def sum_map_exp(xs):
    return math.log(sum(map(math.exp, xs)))


def take_along_axis_ce(logits, labels):
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    picked = np.take_along_axis(logp, labels[:, None], axis=1)
    return -picked.mean()


def upper_triangle_energy(x):
    D = np.abs(x[:, None] - x[None, :])
    iu = np.triu_indices(len(x), 1)
    return np.sum(1.0 / D[iu])


def matrix_power_trace(A):
    return np.trace(np.linalg.matrix_power(A, 3))


def cumulative_returns(r):
    wealth = np.cumprod(1 + r)
    return wealth[-1] - np.mean(wealth)


def max_drawdown_loop(prices):
    peak = prices[0]
    worst = 0.0
    for p in prices:
        peak = max(peak, p)
        worst = max(worst, (peak - p) / peak)
    return worst


def interp_table(fp, x):
    xp = np.linspace(0, 1, len(fp))
    return np.sum(np.interp(x, xp, fp) ** 2)


def reversed_slice_dot(x):
    return np.dot(x, x[::-1]) + x[-1] * x[0] + np.sum(x[::2])


def expand_and_squeeze(x):
    y = np.expand_dims(x, 0)
    z = np.squeeze(y @ y.T)
    return z + np.sum(np.ravel(np.outer(x, x)))


def float64_scalar_param(s, x):
    return np.sum(np.exp(-s * x))


def int_array_param(x):
    return np.sum(x ** 2) / len(x)


def seeded_dropout(W, x, p=0.5):
    rng = np.random.default_rng(0)
    mask = rng.uniform(size=W.shape[0]) > p
    h = np.tanh(W @ x) * mask / (1 - p)
    return np.sum(h ** 2)


def debug_print(x):
    y = np.sin(x)
    print("intermediate:", y.sum())
    return np.sum(y ** 2)


def shape_branch(x):
    if x.ndim == 1:
        x = x[None, :]
    return np.sum(x.mean(axis=0) ** 2)


def lambda_inside(x, y):
    sq = lambda v: v @ v  # noqa: E731
    return sq(x) + sq(x - y)


def nested_helper(x):
    def bump(t):
        return np.exp(-t ** 2)
    return np.sum(bump(x) * x)


def legendre_recursive(n, x):
    if n == 0:
        return 1.0
    if n == 1:
        return x
    return ((2 * n - 1) * x * legendre_recursive(n - 1, x)
            - (n - 1) * legendre_recursive(n - 2, x)) / n


def safe_log(x):
    try:
        return math.log(x)
    except ValueError:
        return -math.inf


def errstate_ratio(x, y):
    with np.errstate(divide="ignore"):
        r = x / y
    return np.sum(r ** 2)


PROGRAMS = [
    Program(sanitize_then_norm, lambda rng: (rng.standard_normal(5),), "x"),
    Program(unbiased_std_ratio, lambda rng: (rng.standard_normal(6),), "x"),
    Program(column_variance, lambda rng: (rng.standard_normal((5, 3)),), "X"),
    Program(l1_and_max_norm, lambda rng: (rng.standard_normal(5),), "x"),
    Program(frobenius, lambda rng: (rng.standard_normal((3, 4)),), "A"),
    Program(positional_axis, lambda rng: (rng.standard_normal((3, 4)),), "X"),
    Program(periodic_laplacian, lambda rng: (rng.standard_normal(8),), "u"),
    Program(weighted_histogram,
            lambda rng: (rng.standard_normal(6), np.array([0, 1, 1, 3, 0, 2])), "values"),
    Program(add_at_histogram,
            lambda rng: (rng.standard_normal(6), np.array([0, 1, 1, 3, 0, 2])), "values"),
    Program(dft_complex, lambda rng: (rng.standard_normal(8),), "x"),
    Program(fft_power, lambda rng: (rng.standard_normal(8),), "x"),
    Program(top_k_sum, lambda rng: (rng.standard_normal(7),), "x"),
    Program(time_grid_integral, lambda rng: (rng.uniform(1, 3), rng.uniform(0.2, 1)),
            ("T", "a")),
    Program(full_like_offset, lambda rng: (rng.standard_normal(4), rng.standard_normal()),
            ("x", "b")),
    Program(result_as_float, lambda rng: (rng.standard_normal(3), rng.standard_normal((5, 3))),
            "w"),
    Program(result_item, lambda rng: (rng.standard_normal(3), rng.standard_normal((5, 3))),
            "w"),
    Program(builtin_sum_over_array, lambda rng: (rng.standard_normal(5),), "x"),
    Program(sum_map_exp, lambda rng: (list(rng.standard_normal(4)),), "xs"),
    Program(take_along_axis_ce,
            lambda rng: (rng.standard_normal((5, 3)), rng.integers(0, 3, 5)), "logits"),
    Program(upper_triangle_energy, lambda rng: (np.arange(5.0) + 0.2 * rng.standard_normal(5),),
            "x"),
    Program(matrix_power_trace, lambda rng: (rng.standard_normal((3, 3)),), "A"),
    Program(cumulative_returns, lambda rng: (0.02 * rng.standard_normal(12),), "r"),
    Program(max_drawdown_loop,
            lambda rng: (100 * np.exp(np.cumsum(0.05 * rng.standard_normal(10))),), "prices"),
    Program(interp_table, lambda rng: (rng.standard_normal(5), rng.uniform(0.05, 0.95, 6)), "fp"),
    Program(reversed_slice_dot, lambda rng: (rng.standard_normal(6),), "x"),
    Program(expand_and_squeeze, lambda rng: (rng.standard_normal(3),), "x"),
    Program(float64_scalar_param,
            lambda rng: (np.float64(rng.uniform(0.5, 2)), rng.uniform(0, 2, 5)), ("s", "x")),
    Program(int_array_param, lambda rng: (rng.integers(-5, 6, 6),), "x"),
    Program(seeded_dropout, lambda rng: (rng.standard_normal((6, 3)), rng.standard_normal(3)),
            "W"),
    Program(debug_print, lambda rng: (rng.standard_normal(4),), "x"),
    Program(shape_branch, lambda rng: (rng.standard_normal(4),), "x"),
    Program(lambda_inside, lambda rng: (rng.standard_normal(3), rng.standard_normal(3)),
            ("x", "y")),
    Program(nested_helper, lambda rng: (rng.standard_normal(4),), "x"),
    Program(legendre_recursive, lambda rng: (4, rng.uniform(-1, 1)), "x"),
    Program(safe_log, lambda rng: (rng.uniform(0.5, 3),), "x"),
    Program(errstate_ratio, lambda rng: (rng.standard_normal(4), rng.uniform(1, 2, 4)),
            ("x", "y")),
]
