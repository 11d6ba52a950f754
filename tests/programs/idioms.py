"""Everyday program structure around numerical code: closures, partial,
methods, dict/dataclass/tuple parameters, asserts, early returns, keyword-only
parameters, functions passed as arguments."""
import math
from collections import namedtuple
from dataclasses import dataclass
from functools import partial

import numpy as np

from .registry import Program
from .utils import clamp, sigmoid, squared_norm


def make_ridge_loss(X, y, lam):
    def loss(w):
        r = X @ w - y
        return r @ r + lam * w @ w
    return loss


def make_scaled(scale):
    offset = 0.5

    def f(x):
        return scale * math.sin(x) + offset * x * x
    return f


def ridge_loss(w, X, y, lam=0.1):
    return np.sum((X @ w - y) ** 2) + lam * np.sum(w ** 2)


def spring_params(params, x):
    """Parameters in a dict of floats."""
    k = params["k"]
    c = params["c"]
    return 0.5 * k * x ** 2 + c * x ** 4


@dataclass
class Oscillator:
    mass: float
    stiffness: float


def oscillator_frequency(osc, amplitude):
    omega = math.sqrt(osc.stiffness / osc.mass)
    return 0.5 * osc.mass * (omega * amplitude) ** 2


def tuple_param(theta, x):
    a, b = theta
    return a * math.exp(-b * x)


Gaussian = namedtuple("Gaussian", ["mu", "log_sigma"])


def namedtuple_nll(g, data):
    sigma = np.exp(g.log_sigma)
    return np.sum(0.5 * ((data - g.mu) / sigma) ** 2 + g.log_sigma)


def checked_norm(x, p=2):
    assert x.ndim == 1, "expected a vector"
    assert p >= 1
    return np.sum(np.abs(x) ** p) ** (1.0 / p)


def piecewise(x, threshold=1.0):
    if x < 0:
        return 0.0
    if x < threshold:
        return x * x
    return 2 * threshold * x - threshold ** 2


def keyword_only(x, *, scale=2.0, shift=0.0):
    return scale * np.sum(np.tanh(x + shift))


def trapezoid(fn, a, b, n=20):
    h = (b - a) / n
    total = 0.5 * (fn(a) + fn(b))
    for i in range(1, n):
        total += fn(a + i * h)
    return total * h


def integrand(t):
    return math.exp(-t * t)


def clamped_mix(x, lo=-1.0, hi=1.0):
    y = clamp(x, lo, hi)
    return y * y + sigmoid(x)


def list_of_floats(weights, values):
    total = 0.0
    for i, (w, v) in enumerate(zip(weights, values)):
        total += (i + 1) * w * v
    return total


def early_exit_loop(x, limit=10.0):
    y = x
    for _ in range(20):
        y = y * 1.3
        if y > limit:
            return y - limit
    return y


def accumulate_dict(x):
    stats = {}
    stats["sum"] = np.sum(x)
    stats["sq"] = squared_norm(x)
    return stats["sq"] - stats["sum"] ** 2 / len(x)


class Model:
    def __init__(self, lam):
        self.lam = lam

    def penalty(self, w):
        return self.lam * np.sum(w ** 2)

    def loss(self, w, X, y):
        return np.mean((X @ w - y) ** 2) + self.penalty(w)


class Quadratic:
    def __init__(self, A):
        self.A = A

    def __call__(self, x):
        return 0.5 * x @ self.A @ x


class Kinematics:
    @staticmethod
    def position(t, v0, a):
        return v0 * t + 0.5 * a * t ** 2


def _xy(rng, n=8, d=3):
    return rng.standard_normal((n, d)), rng.standard_normal(n)


def _ridge(rng):
    return make_ridge_loss(*_xy(np.random.default_rng(1)), 0.3)


PROGRAMS = [
    Program(_ridge(None), lambda rng: (rng.standard_normal(3),), "w", name="closure_ridge"),
    Program(make_scaled(1.7), lambda rng: (rng.uniform(-2, 2),), "x", name="closure_scaled"),
    Program(partial(ridge_loss, lam=0.2), lambda rng: (rng.standard_normal(3), *_xy(rng)), "w",
            name="partial_ridge"),
    Program(spring_params,
            lambda rng: ({"k": rng.uniform(1, 2), "c": rng.uniform(0.1, 0.5)},
                         rng.uniform(0.5, 1.5)),
            ("params", "x")),
    Program(oscillator_frequency,
            lambda rng: (Oscillator(rng.uniform(1, 2), rng.uniform(2, 4)), rng.uniform(0.5, 1)),
            ("osc", "amplitude")),
    Program(tuple_param,
            lambda rng: ((rng.uniform(1, 2), rng.uniform(0.1, 1)), rng.uniform(0, 2)), "theta"),
    Program(namedtuple_nll,
            lambda rng: (Gaussian(rng.standard_normal(), rng.uniform(-0.5, 0.5)),
                         rng.standard_normal(6)),
            "g"),
    Program(checked_norm, lambda rng: (rng.standard_normal(5) + 0.1, 3), "x"),
    Program(piecewise, lambda rng: (rng.choice([-0.7, 0.4, 2.3]) + 0.1 * rng.uniform(),), "x"),
    Program(keyword_only, lambda rng: (rng.standard_normal(4),), "x"),
    Program(trapezoid, lambda rng: (integrand, rng.uniform(-1, 0), rng.uniform(0.5, 2)),
            ("a", "b")),
    Program(clamped_mix, lambda rng: (rng.choice([-1.6, 0.3, 1.4]) + 0.1 * rng.uniform(),),
            "x"),
    Program(list_of_floats,
            lambda rng: (list(rng.standard_normal(4)), list(rng.standard_normal(4))),
            "weights"),
    Program(early_exit_loop, lambda rng: (rng.uniform(0.5, 3),), "x"),
    Program(accumulate_dict, lambda rng: (rng.standard_normal(6),), "x"),
    Program(Model(0.1).loss, lambda rng: (rng.standard_normal(3), *_xy(rng)), "w",
            name="Model.loss"),
    Program(Quadratic(np.diag([1.0, 2.0, 3.0])), lambda rng: (rng.standard_normal(3),), "x",
            name="Quadratic.__call__"),
    Program(Kinematics.position,
            lambda rng: (rng.uniform(0, 2), rng.uniform(1, 5), rng.uniform(-9.8, 0)),
            ("t", "v0", "a"), name="Kinematics.position"),
]
