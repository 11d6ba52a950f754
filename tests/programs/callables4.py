"""Functions as values the way programs keep them: a layer with a default
activation, a loss registry indexed by a config string, an ODE integrator given
a functools.partial of the right-hand side, a penalty object with __call__, a
pipeline of transforms in a list, a model class whose classmethod builds the
design matrix, a robust loss picked with getattr on a module, a trimmed loss
that sorts residuals by size."""
from functools import partial

import numpy as np

from . import helpers3 as H
from .registry import Program


def dense(x, W, b, act=np.tanh):
    return act(x @ W + b)


def two_layer_default(params, x, y):
    """The hidden layer uses the default activation, the output none."""
    h = dense(x, params["W1"], params["b1"])
    out = dense(h, params["W2"], params["b2"], act=lambda z: z)
    return np.mean((out - y) ** 2)


def _log_cosh(r):
    return np.log(np.cosh(r))


LOSSES = {"mse": lambda r: r ** 2, "logcosh": _log_cosh, "huber": partial(H.huber, delta=0.7)}


def regress_with_config(w, X, y, config="logcosh"):
    loss = LOSSES[config]
    return np.mean(loss(X @ w - y))


def lotka_volterra(state, a, b, c, d):
    x, y = state
    return np.array([a * x - b * x * y, c * x * y - d * y])


def euler(rhs, y0, dt, n):
    y = y0
    for _ in range(n):
        y = y + dt * rhs(y)
    return y


def predator_prey_fit(theta, y0, target):
    rhs = partial(lotka_volterra, a=theta[0], b=theta[1], c=theta[2], d=theta[3])
    y = euler(rhs, y0, 0.05, 30)
    return np.sum((y - target) ** 2)


def integrate_given(rhs, y0, target):
    """The right-hand side arrives as a partial made by the caller."""
    return np.sum((euler(rhs, y0, 0.05, 30) - target) ** 2)


class Smoothness:
    def __init__(self, weight):
        self.weight = weight

    def __call__(self, w):
        return self.weight * np.sum(np.diff(w) ** 2)


def penalised(w, X, y, penalty):
    return np.sum((X @ w - y) ** 2) + penalty(w)


def pipeline(x, steps):
    """A list of transforms applied in turn, then a reduction."""
    for step in steps:
        x = step(x)
    return np.sum(x)


class Poly:
    @staticmethod
    def basis(t, k):
        return t ** k

    @classmethod
    def design(cls, t, degree):
        return np.stack([cls.basis(t, k) for k in range(degree + 1)], axis=1)


def poly_fit(coef, t, y):
    return np.sum((Poly.design(t, len(coef) - 1) @ coef - y) ** 2)


def robust_by_name(w, X, y, name="arctan"):
    rho = getattr(np, name)
    return np.sum(rho((X @ w - y) ** 2))


def trimmed_loss(scale, r, keep=4):
    """The `keep` smallest squared residuals: sorted by size."""
    sq = [(scale * v - 1.0) ** 2 for v in r]
    kept = sorted(sq)[:keep]
    return sum(kept)


def _two_layer(rng):
    return ({"W1": 0.5 * rng.standard_normal((3, 4)), "b1": 0.1 * rng.standard_normal(4),
             "W2": 0.5 * rng.standard_normal((4, 1)), "b2": 0.1 * rng.standard_normal(1)},
            rng.standard_normal((6, 3)), rng.standard_normal((6, 1)))


def _reg(config):
    return lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)),
                        rng.standard_normal(8), config)


PROGRAMS = [
    Program(two_layer_default, _two_layer, "params"),
    Program(regress_with_config, _reg("mse"), "w", name="regress_with_config[mse]"),
    Program(regress_with_config, _reg("logcosh"), "w", name="regress_with_config[logcosh]"),
    Program(regress_with_config, _reg("huber"), "w", name="regress_with_config[huber]"),
    Program(predator_prey_fit, lambda rng: (np.array([1.0, 0.4, 0.3, 0.8])
                                            + 0.05 * rng.standard_normal(4),
                                            np.array([1.2, 0.8]), np.array([1.0, 1.0]))),
    Program(integrate_given, lambda rng: (partial(lotka_volterra, a=1.0, b=0.4, c=0.3, d=0.8),
                                          rng.uniform(0.8, 1.2, 2), np.array([1.0, 1.0])),
            "y0"),
    Program(penalised, lambda rng: (rng.standard_normal(5), rng.standard_normal((8, 5)),
                                    rng.standard_normal(8), Smoothness(0.3)), "w"),
    Program(pipeline, lambda rng: (rng.standard_normal(4),
                                   [np.sin, H.softplus, partial(np.power, 2.0),
                                    lambda z: z / (1 + z * z)]), "x"),
    Program(poly_fit, lambda rng: (rng.standard_normal(3), np.linspace(-1, 1, 7),
                                   rng.standard_normal(7))),
    Program(robust_by_name, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                         rng.standard_normal(6), "arctan"), "w",
            name="robust_by_name[arctan]"),
    Program(robust_by_name, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                         rng.standard_normal(6), "log1p"), "w",
            name="robust_by_name[log1p]"),
    Program(trimmed_loss, lambda rng: (rng.uniform(0.5, 1.5), rng.standard_normal(7))),
]
