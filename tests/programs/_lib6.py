"""A project's own utilities (layers, integrators, losses), imported by realistic6."""
import math
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

EPS = 1e-8

Gaussian = namedtuple("Gaussian", ["mu", "log_sigma"])


def softplus(z):
    return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)


def relu(z):
    return np.maximum(z, 0.0)


def mse(pred, target):
    return np.mean((pred - target) ** 2)


def safe_log(x):
    """log with a floor, as projects write to keep NaNs out of a loss."""
    return np.log(np.maximum(x, EPS))


class Dense:
    """A fully connected layer holding its weights."""

    def __init__(self, W, b, act=np.tanh):
        self.W = W
        self.b = b
        self.act = act

    def __call__(self, x):
        return self.act(x @ self.W + self.b)

    def l2(self):
        return np.sum(self.W ** 2)


class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return x @ self.W + self.b


@dataclass
class Spring:
    k: float
    rest: float

    def force(self, dx):
        return -self.k * (dx - self.rest)


def rk4(rhs, state, dt, *args):
    """One RK4 step of a right-hand side over a tuple state."""
    k1 = rhs(state, *args)
    k2 = rhs(tuple(s + 0.5 * dt * k for s, k in zip(state, k1)), *args)
    k3 = rhs(tuple(s + 0.5 * dt * k for s, k in zip(state, k2)), *args)
    k4 = rhs(tuple(s + dt * k for s, k in zip(state, k3)), *args)
    return tuple(s + dt / 6.0 * (a + 2 * b + 2 * c + d)
                 for s, a, b, c, d in zip(state, k1, k2, k3, k4))


def gaussian_nll(g, x):
    sigma = math.exp(g.log_sigma) if isinstance(g.log_sigma, float) else np.exp(g.log_sigma)
    return np.sum(0.5 * ((x - g.mu) / sigma) ** 2 + g.log_sigma + 0.5 * math.log(2 * math.pi))
