"""A project's own helpers imported by realistic8: integrators returning tuples,
rotation matrices, kernels, a Kalman state dataclass, an activation Enum, a small
vector class with operators, and *args/**kwargs plumbing."""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

GRAVITY = 9.81
EPS = 1e-12
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


# ---------------------------------------------------------------- integrators

def rk4_step(deriv, x, v, dt, *args):
    """One RK4 step of x' = v, v' = deriv(x, v); returns the new (x, v)."""
    k1x, k1v = v, deriv(x, v, *args)
    k2x, k2v = v + 0.5 * dt * k1v, deriv(x + 0.5 * dt * k1x, v + 0.5 * dt * k1v, *args)
    k3x, k3v = v + 0.5 * dt * k2v, deriv(x + 0.5 * dt * k2x, v + 0.5 * dt * k2v, *args)
    k4x, k4v = v + dt * k3v, deriv(x + dt * k3x, v + dt * k3v, *args)
    x_new = x + dt / 6.0 * (k1x + 2 * k2x + 2 * k3x + k4x)
    v_new = v + dt / 6.0 * (k1v + 2 * k2v + 2 * k3v + k4v)
    return x_new, v_new


def leapfrog(grad_u, q, p, dt, n_steps, mass=1.0):
    """Kick-drift-kick; returns (q, p) after n_steps."""
    p = p - 0.5 * dt * grad_u(q)
    for i in range(n_steps):
        q = q + dt * p / mass
        if i != n_steps - 1:
            p = p - dt * grad_u(q)
    p = p - 0.5 * dt * grad_u(q)
    return q, p


class Integrator:
    """Fixed-step integrators as static methods, picked by name with a classmethod."""

    @staticmethod
    def euler(f, y, dt):
        return y + dt * f(y)

    @staticmethod
    def midpoint(f, y, dt):
        return y + dt * f(y + 0.5 * dt * f(y))

    @classmethod
    def by_name(cls, name):
        return getattr(cls, name)


# ---------------------------------------------------------------- geometry

def rot2(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def rot_z(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def dh_transform(theta, d, a, alpha):
    """Denavit–Hartenberg homogeneous transform."""
    ct, st = np.cos(theta), np.sin(theta)
    ca, sa = np.cos(alpha), np.sin(alpha)
    return np.array([
        [ct, -st * ca, st * sa, a * ct],
        [st, ct * ca, -ct * sa, a * st],
        [0.0, sa, ca, d],
        [0.0, 0.0, 0.0, 1.0],
    ])


def quat_mul(q, r):
    w1, x1, y1, z1 = q
    w2, x2, y2, z2 = r
    return np.array([
        w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
        w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
        w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
    ])


def quat_conj(q):
    return q * np.array([1.0, -1.0, -1.0, -1.0])


class Vec2:
    """A 2-D vector with operators, as small physics codes write one."""

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vec2(self.x + other.x, self.y + other.y)

    def __sub__(self, other):
        return Vec2(self.x - other.x, self.y - other.y)

    def __mul__(self, k):
        return Vec2(self.x * k, self.y * k)

    __rmul__ = __mul__

    def dot(self, other):
        return self.x * other.x + self.y * other.y

    def norm(self):
        return math.sqrt(self.dot(self))


# ---------------------------------------------------------------- statistics / kernels

def logsumexp(a, axis=-1):
    m = np.max(a, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(a - m), axis=axis)) + np.squeeze(m, axis=axis)


def softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def relu(x):
    return np.maximum(0, x)


def sq_exp_kernel(A, B, lengthscale=1.0, amp=1.0):
    d2 = np.sum(A ** 2, 1)[:, None] + np.sum(B ** 2, 1)[None, :] - 2 * A @ B.T
    return amp ** 2 * np.exp(-0.5 * d2 / lengthscale ** 2)


def matern32(r, lengthscale):
    s = math.sqrt(3.0) * r / lengthscale
    return (1.0 + s) * np.exp(-s)


def norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def norm_pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


@dataclass
class KalmanState:
    mean: np.ndarray
    cov: np.ndarray


def kf_predict(state: KalmanState, F, Q) -> KalmanState:
    return KalmanState(F @ state.mean, F @ state.cov @ F.T + Q)


def kf_update(state: KalmanState, z, H, R):
    """Returns the updated state and the innovation's log-likelihood."""
    y = z - H @ state.mean
    S = H @ state.cov @ H.T + R
    K = state.cov @ H.T @ np.linalg.inv(S)
    mean = state.mean + K @ y
    cov = (np.eye(len(mean)) - K @ H) @ state.cov
    sign, logdet = np.linalg.slogdet(S)
    ll = -0.5 * (y @ np.linalg.solve(S, y) + logdet) - len(y) * HALF_LOG_2PI
    return KalmanState(mean, cov), ll


class Activation(enum.Enum):
    RELU = "relu"
    TANH = "tanh"
    SOFTPLUS = "softplus"


def activate(x, kind: Activation):
    if kind is Activation.RELU:
        return np.maximum(x, 0.0)
    if kind is Activation.TANH:
        return np.tanh(x)
    return np.log1p(np.exp(x))


# ---------------------------------------------------------------- plumbing

def weighted_sum(*terms, weights=None):
    if weights is None:
        weights = [1.0] * len(terms)
    total = 0.0
    for w, t in zip(weights, terms):
        total = total + w * t
    return total


def call_with(fn, *args, **kwargs):
    return fn(*args, **kwargs)


def mse(pred, target, **kwargs):
    reduction = kwargs.get("reduction", "mean")
    err = (pred - target) ** 2
    if reduction == "sum":
        return np.sum(err)
    return np.mean(err)
