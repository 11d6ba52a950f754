"""Integrators as people write them when they keep the whole trajectory: a list
they append states to and turn into an array, a preallocated array filled row by
row, a state array updated in place (`y[0] += dt * y[1]`), `**params` handed
through to the right-hand side, `*args` forwarded, and losses over the whole path."""
import math

import numpy as np

from . import helpers3 as H
from .registry import Program


def odeint_euler(rhs, y0, ts, **params):
    ys = [y0]
    y = y0
    for i in range(len(ts) - 1):
        y = y + (ts[i + 1] - ts[i]) * rhs(y, ts[i], **params)
        ys.append(y)
    return np.array(ys)


def _sir(y, t, beta, gamma):
    s, i, r = y
    return np.array([-beta * s * i, beta * s * i - gamma * i, gamma * i])


def sir_fit(beta, gamma, observed):
    ts = np.linspace(0.0, 10.0, len(observed))
    traj = odeint_euler(_sir, np.array([0.99, 0.01, 0.0]), ts, beta=beta, gamma=gamma)
    return np.sum((traj[:, 1] - observed) ** 2)


def preallocated_trajectory(k, x0, n=25, dt=0.1):
    xs = np.zeros(n)
    xs[0] = x0
    for i in range(1, n):
        xs[i] = xs[i - 1] - dt * k * math.sin(xs[i - 1])
    return np.sum(xs ** 2) * dt


def inplace_state(omega, x0, v0, dt=0.05, n=40):
    y = np.array([x0, v0])
    for _ in range(n):
        y[1] -= dt * omega ** 2 * y[0]
        y[0] += dt * y[1]
    return y[0] ** 2 + y[1] ** 2


def inplace_copy_of_input(state, k, dt=0.1, n=10):
    y = state.copy()
    for _ in range(n):
        y[:2] += dt * y[2:]
        y[2:] -= dt * k * y[:2]
    return np.sum(y ** 2)


def forwarded_args_rk4(omega, x0):
    state = (x0, 0.0)
    for _ in range(30):
        k1 = H.oscillator_rhs(state, omega)
        mid = (state[0] + 0.025 * k1[0], state[1] + 0.025 * k1[1])
        k2 = H.oscillator_rhs(mid, omega)
        state = (state[0] + 0.05 * k2[0], state[1] + 0.05 * k2[1])
    return state[0] - state[1]


def trajectory_from_helper(alpha, beta, counts):
    ts = np.arange(len(counts)) * 0.1
    traj = odeint_euler(_lv_rhs, np.array([1.0, 0.5]), ts, alpha=alpha, beta=beta)
    return np.sum((np.log(traj[:, 0]) - np.log(counts)) ** 2)


def _lv_rhs(y, t, alpha, beta):
    return np.array([alpha * y[0] - beta * y[0] * y[1], 0.5 * beta * y[0] * y[1] - 0.4 * y[1]])


def column_stack_path(a, n=12):
    xs, ys = [], []
    x, y = 1.0, 0.0
    for _ in range(n):
        x, y = x - 0.1 * a * y, y + 0.1 * a * x
        xs.append(x)
        ys.append(y)
    path = np.column_stack([xs, ys])
    return np.sum(np.diff(path, axis=0) ** 2)


PROGRAMS = [
    Program(sir_fit, lambda rng: (rng.uniform(1.0, 2.0), rng.uniform(0.2, 0.5),
                                  rng.uniform(0.0, 0.2, 15)), ("beta", "gamma")),
    Program(preallocated_trajectory, lambda rng: (rng.uniform(0.5, 2.0), rng.uniform(0.5, 1.5)),
            ("k", "x0")),
    Program(inplace_state, lambda rng: (rng.uniform(1, 2), rng.uniform(0.5, 1), rng.uniform(-1, 1)),
            ("omega", "x0", "v0")),
    Program(inplace_copy_of_input, lambda rng: (rng.standard_normal(4), rng.uniform(0.5, 2.0)),
            ("state", "k")),
    Program(forwarded_args_rk4, lambda rng: (rng.uniform(1, 2), rng.uniform(0.5, 1)),
            ("omega", "x0")),
    Program(trajectory_from_helper, lambda rng: (rng.uniform(0.8, 1.2), rng.uniform(0.3, 0.6),
                                                 rng.uniform(0.8, 1.5, 10)), ("alpha", "beta")),
    Program(column_stack_path, lambda rng: (rng.uniform(0.5, 2.0),), "a"),
]
