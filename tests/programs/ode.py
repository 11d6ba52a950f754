"""ODE integrators: Euler, Heun, RK4 (with a right-hand side returning a tuple),
leapfrog, and fitting losses over trajectories."""
import math
from functools import partial

import numpy as np

from .registry import Program


def euler_decay(k, y0, dt=0.01, n=200):
    y = y0
    for _ in range(n):
        y = y + dt * (-k * y)
    return y


def lotka_volterra(x, y, a, b, c, d):
    dx = a * x - b * x * y
    dy = c * x * y - d * y
    return dx, dy


def rk4_lotka_volterra(a, b, x0=1.0, y0=0.5, dt=0.05, steps=40):
    c, d = 0.4, 0.6
    x, y = x0, y0
    for _ in range(steps):
        k1x, k1y = lotka_volterra(x, y, a, b, c, d)
        k2x, k2y = lotka_volterra(x + 0.5 * dt * k1x, y + 0.5 * dt * k1y, a, b, c, d)
        k3x, k3y = lotka_volterra(x + 0.5 * dt * k2x, y + 0.5 * dt * k2y, a, b, c, d)
        k4x, k4y = lotka_volterra(x + dt * k3x, y + dt * k3y, a, b, c, d)
        x += dt / 6 * (k1x + 2 * k2x + 2 * k3x + k4x)
        y += dt / 6 * (k1y + 2 * k2y + 2 * k3y + k4y)
    return x + y


def pendulum_rhs(t, state, theta):
    angle, velocity = state[0], state[1]
    return np.array([velocity, -theta[0] * np.sin(angle) - theta[1] * velocity])


def rk4_step(f, t, y, h, args):
    k1 = f(t, y, args)
    k2 = f(t + h / 2, y + h / 2 * k1, args)
    k3 = f(t + h / 2, y + h / 2 * k2, args)
    k4 = f(t + h, y + h * k3, args)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def damped_pendulum_fit(theta, y0, observed, dt=0.1):
    """Squared error between an RK4 trajectory and observations."""
    y = y0.copy()
    t = 0.0
    loss = 0.0
    for obs in observed:
        y = rk4_step(pendulum_rhs, t, y, dt, theta)
        t += dt
        loss += np.sum((y - obs) ** 2)
    return loss


def leapfrog_oscillator(q0, p0, k, dt=0.05, n_steps=50):
    """Kick-drift-kick for H = p^2/2 + k q^2/2 (arrays of independent oscillators)."""
    q = q0.copy()
    p = p0.copy()
    for _ in range(n_steps):
        p -= 0.5 * dt * k * q
        q += dt * p
        p -= 0.5 * dt * k * q
    energy = 0.5 * np.sum(p ** 2) + 0.5 * k * np.sum(q ** 2)
    return energy + np.sum(q)


def heun_times(r, y0, ts):
    """Improved Euler over an irregular time grid."""
    y = y0
    for t0, t1 in zip(ts[:-1], ts[1:]):
        h = t1 - t0
        slope = r * y * (1 - y)
        y_pred = y + h * slope
        y = y + 0.5 * h * (slope + r * y_pred * (1 - y_pred))
    return y


def logistic_growth(y, r, K):
    return r * y * (1 - y / K)


def euler_partial(r, K, y0=0.1, dt=0.1, n=30):
    f = partial(logistic_growth, r=r, K=K)
    y = y0
    for _ in range(n):
        y = y + dt * f(y)
    return y


def trajectory_loss(k, y0, data, dt=0.05):
    """Collect the trajectory in a list, then compare it with data as an array."""
    traj = []
    y = y0
    for _ in range(len(data)):
        y = y - dt * k * y + dt * np.sin(y)
        traj.append(y)
    traj = np.array(traj)
    return np.mean((traj - data) ** 2)


def adaptive_until(k, y0, t_end=1.0, dt=0.07):
    t = 0.0
    y = y0
    while t < t_end:
        h = min(dt, t_end - t)
        y = y + h * (-k * y + math.cos(t))
        t += h
    return y


def _two_body(state, mu):
    r = state[:2]
    v = state[2:]
    acc = -mu * r / np.linalg.norm(r) ** 3
    return np.concatenate([v, acc])


def orbit_euler(mu, state0, dt=0.01, n=100):
    state = state0
    for _ in range(n):
        state = state + dt * _two_body(state, mu)
    return state[0] ** 2 + state[1] ** 2


PROGRAMS = [
    Program(euler_decay, lambda rng: (rng.uniform(0.5, 2.0), rng.uniform(0.5, 1.5)),
            ("k", "y0")),
    Program(rk4_lotka_volterra, lambda rng: (rng.uniform(0.8, 1.2), rng.uniform(0.3, 0.6)),
            ("a", "b")),
    Program(damped_pendulum_fit,
            lambda rng: (np.array([9.81, 0.3]) * rng.uniform(0.8, 1.2, 2),
                         np.array([0.5, 0.0]), 0.3 * rng.standard_normal((8, 2))),
            ("theta", "y0")),
    Program(leapfrog_oscillator,
            lambda rng: (rng.standard_normal(4), rng.standard_normal(4), rng.uniform(1, 3)),
            ("q0", "p0", "k")),
    Program(heun_times,
            lambda rng: (rng.uniform(0.5, 1.5), rng.uniform(0.1, 0.3),
                         np.sort(rng.uniform(0, 3, 12))),
            ("r", "y0")),
    Program(euler_partial, lambda rng: (rng.uniform(0.5, 1.5), rng.uniform(1.0, 2.0)),
            ("r", "K")),
    Program(trajectory_loss,
            lambda rng: (rng.uniform(0.5, 1.5), rng.standard_normal(3),
                         rng.standard_normal((10, 3))),
            ("k", "y0")),
    Program(adaptive_until, lambda rng: (rng.uniform(0.5, 1.5), rng.uniform(0.5, 1.5)),
            ("k", "y0")),
    Program(orbit_euler,
            lambda rng: (rng.uniform(0.8, 1.2), np.array([1.0, 0.0, 0.0, 1.0])
                         + 0.05 * rng.standard_normal(4)),
            ("mu", "state0")),
]
