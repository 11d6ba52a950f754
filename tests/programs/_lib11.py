"""A project's own helpers imported by realistic11: a Butcher tableau and an
embedded Runge–Kutta step, quadrature nodes, a natural cubic spline, distance
and distribution helpers with keyword-only arguments, a class used as a
namespace of static methods, a NamedTuple configuration and lookup tables."""
from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence

import numpy as np

SQRT2 = math.sqrt(2.0)
LOG_2PI = np.float64(math.log(2.0 * math.pi))

# Bogacki–Shampine 3(2) tableau
BS_A = ((0.0, 0.0, 0.0), (0.5, 0.0, 0.0), (0.0, 0.75, 0.0))
BS_B = (2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0)
BS_E = (-5.0 / 72.0, 1.0 / 12.0, 1.0 / 9.0, -1.0 / 8.0)

# day-count conventions: fraction of a year per period for each payment frequency
FREQ_PER_YEAR = {"annual": 1, "semiannual": 2, "quarterly": 4, "monthly": 12}


class TrainConfig(NamedTuple):
    lr: float = 0.1
    steps: int = 5
    weight_decay: float = 1e-3
    clip: float = 5.0


def bs3_step(f: Callable, t: float, y, h: float):
    """One Bogacki–Shampine step: the new y and an error estimate."""
    k1 = f(t, y)
    k2 = f(t + 0.5 * h, y + h * 0.5 * k1)
    k3 = f(t + 0.75 * h, y + h * 0.75 * k2)
    y_new = y + h * (BS_B[0] * k1 + BS_B[1] * k2 + BS_B[2] * k3)
    k4 = f(t + h, y_new)
    err = h * (BS_E[0] * k1 + BS_E[1] * k2 + BS_E[2] * k3 + BS_E[3] * k4)
    return y_new, err


def gauss_legendre(fn: Callable, a: float, b: float, n: int = 8) -> float:
    x, w = np.polynomial.legendre.leggauss(n)
    mid, half = 0.5 * (a + b), 0.5 * (b - a)
    return half * np.sum(w * fn(mid + half * x))


def natural_spline_second_derivs(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Second derivatives M of the natural cubic spline through (x, y)."""
    n = len(x)
    h = np.diff(x)
    A = np.zeros((n, n))
    rhs = np.zeros(n)
    A[0, 0] = A[-1, -1] = 1.0
    for i in range(1, n - 1):
        A[i, i - 1] = h[i - 1]
        A[i, i] = 2.0 * (h[i - 1] + h[i])
        A[i, i + 1] = h[i]
        rhs[i] = 6.0 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1])
    return np.linalg.solve(A, rhs)


def spline_eval(x: np.ndarray, y: np.ndarray, M: np.ndarray, xq: np.ndarray) -> np.ndarray:
    i = np.clip(np.searchsorted(x, xq) - 1, 0, len(x) - 2)
    h = x[i + 1] - x[i]
    a = (x[i + 1] - xq) / h
    b = (xq - x[i]) / h
    return (a * y[i] + b * y[i + 1]
            + ((a ** 3 - a) * M[i] + (b ** 3 - b) * M[i + 1]) * h ** 2 / 6.0)


def pairwise_dist(X: np.ndarray, *, eps: float = 0.0) -> np.ndarray:
    diff = X[:, None, :] - X[None, :, :]
    return np.sqrt(np.sum(diff ** 2, axis=-1) + eps)


def hand_logsumexp(a, axis=None):
    m = np.max(a, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis) if axis is not None else out.item()


def phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / SQRT2))


def student_t_logpdf(x, nu: float, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return (math.lgamma(0.5 * (nu + 1)) - math.lgamma(0.5 * nu)
            - 0.5 * math.log(nu * math.pi) - np.log(scale)
            - 0.5 * (nu + 1) * np.log1p(z ** 2 / nu))


class Losses:
    """Loss functions grouped in a class, the way some codebases namespace them."""

    @staticmethod
    def huber(r, delta=1.0):
        a = np.abs(r)
        return np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta))

    @staticmethod
    def pinball(r, tau=0.5):
        return np.maximum(tau * r, (tau - 1.0) * r)

    @staticmethod
    def log_cosh(r):
        return r + np.logaddexp(-2.0 * r, 0.0) - math.log(2.0)


def discount_factors(rates: Sequence[float], times: Sequence[float]) -> list:
    return [math.exp(-r * t) for r, t in zip(rates, times)]


def clip_by_norm(g: np.ndarray, max_norm: float) -> np.ndarray:
    n = np.linalg.norm(g)
    if n > max_norm:
        return g * (max_norm / n)
    return g
