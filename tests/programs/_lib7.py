"""A project's own helpers (layers, integrators, distributions), imported by realistic7
the way a user's `utils.py` / `layers.py` is."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

LOG_2PI = math.log(2.0 * math.pi)


def logsumexp(a, axis=None):
    """Stable log(sum(exp(a))) along an axis."""
    a_max = np.max(a, axis=axis, keepdims=True)
    s = np.log(np.sum(np.exp(a - a_max), axis=axis, keepdims=True)) + a_max
    if axis is None:
        return s.reshape(())
    return np.squeeze(s, axis=axis)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def get_activation(name):
    if name == "relu":
        return lambda z: np.maximum(z, 0.0)
    elif name == "tanh":
        return np.tanh
    elif name == "sigmoid":
        return sigmoid
    elif name == "gelu":
        return gelu
    raise ValueError("unknown activation " + name)


def norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def pairwise_sq_dists(X, Y):
    """||x_i - y_j||^2 for every pair, via broadcasting."""
    diff = X[:, None, :] - Y[None, :, :]
    return np.sum(diff ** 2, axis=-1)


def rbf_kernel(X, Y, lengthscale=1.0, variance=1.0):
    return variance * np.exp(-0.5 * pairwise_sq_dists(X, Y) / lengthscale ** 2)


def gaussian_logpdf(x, mean, var):
    return -0.5 * (LOG_2PI + np.log(var) + (x - mean) ** 2 / var)


def moments(x):
    """Mean and variance, as a tuple."""
    m = np.mean(x)
    return m, np.mean((x - m) ** 2)


def summary_stats(x):
    """A dict of statistics the caller picks from."""
    return {"mean": np.mean(x), "std": np.std(x), "max": np.max(x), "l2": np.sqrt(np.sum(x ** 2))}


def euler_step(f, y, t, dt, *args):
    return y + dt * f(y, t, *args)


def rk4_step(f, y, t, dt, *args):
    k1 = f(y, t, *args)
    k2 = f(y + 0.5 * dt * k1, t + 0.5 * dt, *args)
    k3 = f(y + 0.5 * dt * k2, t + 0.5 * dt, *args)
    k4 = f(y + dt * k3, t + dt, *args)
    return y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


STEPPERS = {"euler": euler_step, "rk4": rk4_step}


def integrate(f, y0, t0, t1, n_steps=50, method="rk4", args=()):
    step = STEPPERS[method]
    dt = (t1 - t0) / n_steps
    y, t = y0, t0
    for _ in range(n_steps):
        y = step(f, y, t, dt, *args)
        t = t + dt
    return y


class Layer:
    """Base layer: subclasses implement forward; calling the layer runs it."""

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError


class DenseLayer(Layer):
    def __init__(self, W, b, activation="tanh"):
        self.params = {"W": W, "b": b}
        self.activation = activation

    def forward(self, x):
        z = x @ self.params["W"] + self.params["b"]
        return get_activation(self.activation)(z)

    def penalty(self):
        return np.sum(self.params["W"] ** 2)


class ScaledLayer(DenseLayer):
    """A dense layer whose output is scaled; reuses the parent's forward."""

    def __init__(self, W, b, scale, activation="tanh"):
        super().__init__(W, b, activation)
        self.scale = scale

    def forward(self, x):
        return self.scale * super().forward(x)


class Normal:
    """A normal distribution parameterised by log-scale, with properties."""

    def __init__(self, loc, log_scale):
        self.loc = loc
        self.log_scale = log_scale

    @property
    def scale(self):
        return np.exp(self.log_scale)

    @property
    def variance(self):
        return self.scale ** 2

    def log_prob(self, x):
        z = (x - self.loc) / self.scale
        return -0.5 * z ** 2 - self.log_scale - 0.5 * LOG_2PI


class OscParams(NamedTuple):
    omega: float
    zeta: float
    forcing: float = 0.0


@dataclass
class SpringSystem:
    k: np.ndarray
    masses: np.ndarray
    damping: float = 0.1
    rest: list = field(default_factory=lambda: [1.0, 1.0])

    def forces(self, x, v):
        stretch = np.diff(x) - np.asarray(self.rest)
        f_spring = self.k * stretch
        f = np.zeros_like(x)
        f[:-1] += f_spring
        f[1:] -= f_spring
        return f - self.damping * v

    def energy(self, x, v):
        stretch = np.diff(x) - np.asarray(self.rest)
        return 0.5 * np.sum(self.k * stretch ** 2) + 0.5 * np.sum(self.masses * v ** 2)


def l2_penalty(*arrays, weight=1e-2):
    total = 0.0
    for a in arrays:
        total += np.sum(a ** 2)
    return weight * total


def discount_factors(rate, times, compounding="continuous"):
    if compounding == "continuous":
        return np.exp(-rate * times)
    return (1.0 + rate) ** (-times)
