"""Functions made inside f and handed to a helper: a lambda or nested def that
closes over the differentiated parameter (`integrate(lambda y: -k * y, y0)`),
a functools.partial made from it, the right-hand side taking (t, y) as solvers
want it, a quadrature of a closure, an inner optimisation loop whose gradient
is a closure over the outer parameter."""
import math
from functools import partial

import numpy as np

from . import helpers3 as H
from .registry import Program


def euler(rhs, y0, dt, n):
    y = y0
    t = 0.0
    for _ in range(n):
        y = y + dt * rhs(t, y)
        t += dt
    return y


def decay_with_lambda(k, y0):
    y = euler(lambda t, y: -k * y, y0, 0.1, 10)
    return y * y


def forced_with_nested_def(k, amp, y0=0.5):
    def rhs(t, y):
        return -k * y + amp * math.sin(t)
    return euler(rhs, y0, 0.05, 30)


def logistic_with_partial(r, y0):
    rhs = partial(H.logistic_rhs, k=r)
    y = y0
    for _ in range(15):
        y = y + 0.1 * rhs(y)
    return y


def area_under_closure(a, b):
    return H.trapezoid(lambda x: a * x * x + b * math.sin(x), 0.0, 2.0)


def gaussian_normaliser(sigma, mu):
    density = lambda x: math.exp(-0.5 * ((x - mu) / sigma) ** 2)  # noqa: E731
    return H.trapezoid(density, mu - 4 * sigma, mu + 4 * sigma, n=40)


def inner_descent(lam, target):
    """Unrolled inner optimisation; the outer loss is differentiated in lam."""
    def grad_inner(w):
        return 2 * (w - target) + 2 * lam * w

    w = np.zeros_like(target)
    for _ in range(20):
        w = w - 0.1 * grad_inner(w)
    return np.sum((w - 0.5 * target) ** 2)


def vector_rk4(omega, gamma, x0):
    """A vector state; the right-hand side returns np.array([dx, dv])."""
    def rhs(s):
        return np.array([s[1], -omega ** 2 * s[0] - gamma * s[1]])

    s = np.array([x0, 0.0])
    dt = 0.05
    for _ in range(30):
        k1 = rhs(s)
        k2 = rhs(s + 0.5 * dt * k1)
        k3 = rhs(s + 0.5 * dt * k2)
        k4 = rhs(s + dt * k3)
        s = s + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return s[0] ** 2 + s[1] ** 2


def map_with_closure(w, xs):
    score = lambda x: np.tanh(w @ x)  # noqa: E731
    return sum(score(x) ** 2 for x in xs)


def sorted_by_key(scale, data):
    """sorted with a key closing over nothing differentiated; the values are."""
    vals = [scale * d for d in data]
    ordered = sorted(vals, key=abs)
    return ordered[-1] + 0.5 * ordered[0]


def max_over_list(a, xs):
    return max([a * x - x ** 2 for x in xs])


def newton_with_closure(a):
    """The root of x**3 + a*x - 1 by Newton, f and f' closures over a."""
    f = lambda x: x ** 3 + a * x - 1  # noqa: E731
    df = lambda x: 3 * x ** 2 + a  # noqa: E731
    x = 1.0
    for _ in range(8):
        x = x - f(x) / df(x)
    return x


def map_lambda_list(theta, xs):
    vals = list(map(lambda x: math.exp(-theta * x), xs))
    return sum(vals)


PROGRAMS = [
    Program(decay_with_lambda, lambda rng: (rng.uniform(0.2, 1.0), rng.uniform(0.5, 2.0)),
            ("k", "y0")),
    Program(forced_with_nested_def, lambda rng: (rng.uniform(0.2, 1.0), rng.uniform(0.5, 2.0)),
            ("k", "amp")),
    Program(logistic_with_partial, lambda rng: (rng.uniform(0.5, 1.5), rng.uniform(0.1, 0.3)),
            ("r", "y0")),
    Program(area_under_closure, lambda rng: (rng.standard_normal(), rng.standard_normal()),
            ("a", "b")),
    Program(gaussian_normaliser, lambda rng: (rng.uniform(0.5, 2.0), rng.standard_normal()),
            ("sigma", "mu")),
    Program(inner_descent, lambda rng: (rng.uniform(0.1, 1.0), rng.standard_normal(3)),
            ("lam", "target")),
    Program(vector_rk4, lambda rng: (rng.uniform(1, 2), rng.uniform(0.1, 0.4), rng.uniform(0.5, 1)),
            ("omega", "gamma", "x0")),
    Program(map_with_closure, lambda rng: (rng.standard_normal(3), rng.standard_normal((4, 3))),
            "w"),
    Program(sorted_by_key, lambda rng: (rng.uniform(0.5, 2.0), rng.standard_normal(5)), "scale"),
    Program(max_over_list, lambda rng: (rng.standard_normal(), rng.standard_normal(5)), "a"),
    Program(newton_with_closure, lambda rng: (rng.uniform(0.5, 2.0),), "a"),
    Program(map_lambda_list, lambda rng: (rng.uniform(0.1, 1.0), rng.uniform(0, 3, 5)), "theta"),
]
