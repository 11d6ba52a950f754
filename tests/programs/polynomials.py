"""Polynomial evaluation and fitting."""
import numpy as np

from .registry import Program


def horner(coeffs, x):
    result = 0.0
    for c in coeffs:
        result = result * x + c
    return result


def horner_reversed(coeffs, x):
    """Coefficients in increasing order of power."""
    result = 0.0
    for c in reversed(coeffs):
        result = result * x + c
    return result


def polyval_residuals(p, x, y):
    return np.sum((np.polyval(p, x) - y) ** 2)


def chebyshev_series(x, coeffs):
    T_prev, T_curr = 1.0, x
    total = coeffs[0] * T_prev + coeffs[1] * T_curr
    for c in coeffs[2:]:
        T_prev, T_curr = T_curr, 2 * x * T_curr - T_prev
        total += c * T_curr
    return total


def vander_fit_residual(y, x, deg=2):
    V = np.vander(x, deg + 1)
    coef, *_ = np.linalg.lstsq(V, y, rcond=None)
    return np.sum((V @ coef - y) ** 2) + np.sum(coef ** 2)


def poly_derivative_value(coeffs, x):
    return sum(i * c * x ** (i - 1) for i, c in enumerate(coeffs) if i > 0)


def polyder_at(p, x):
    return np.polyval(np.polyder(p), x) ** 2


def legendre_p3(x):
    return 0.5 * (5 * x ** 3 - 3 * x)


def rational_fit(a, b, x, y):
    num = np.polyval(a, x)
    den = 1.0 + x * np.polyval(b, x) ** 2
    return np.mean((num / den - y) ** 2)


PROGRAMS = [
    Program(horner, lambda rng: (rng.standard_normal(5), rng.uniform(-2, 2)),
            ("coeffs", "x")),
    Program(horner_reversed, lambda rng: (list(rng.standard_normal(5)), rng.uniform(-2, 2)),
            "x"),
    Program(polyval_residuals,
            lambda rng: (rng.standard_normal(4), np.linspace(-1, 1, 9), rng.standard_normal(9)),
            "p"),
    Program(chebyshev_series, lambda rng: (rng.uniform(-1, 1), rng.standard_normal(6)),
            ("x", "coeffs")),
    Program(vander_fit_residual,
            lambda rng: (rng.standard_normal(8), np.linspace(0, 2, 8)), "y"),
    Program(poly_derivative_value,
            lambda rng: (list(rng.standard_normal(5)), rng.uniform(-2, 2)), "x"),
    Program(polyder_at, lambda rng: (rng.standard_normal(4), rng.uniform(-2, 2)), ("p", "x")),
    Program(legendre_p3, lambda rng: (rng.uniform(-1, 1),), "x"),
    Program(rational_fit,
            lambda rng: (rng.standard_normal(3), 0.5 * rng.standard_normal(2),
                         np.linspace(0, 1, 8), rng.standard_normal(8)),
            ("a", "b")),
]
