"""Programs organised the way people organise them: right-hand sides and
statistics helpers returning tuples, dicts of settings built inside the
function, a result assigned only inside a loop, guard clauses that raise,
boolean masks, `*args` in calls, a seeded generator for fixed noise."""
import math

import numpy as np

from .registry import Program


def pendulum_rhs(theta, omega, g_over_l, damping):
    return omega, -g_over_l * math.sin(theta) - damping * omega


def rk4_step(theta, omega, h, g_over_l, damping):
    k1t, k1w = pendulum_rhs(theta, omega, g_over_l, damping)
    k2t, k2w = pendulum_rhs(theta + h / 2 * k1t, omega + h / 2 * k1w, g_over_l, damping)
    k3t, k3w = pendulum_rhs(theta + h / 2 * k2t, omega + h / 2 * k2w, g_over_l, damping)
    k4t, k4w = pendulum_rhs(theta + h * k3t, omega + h * k3w, g_over_l, damping)
    return (theta + h / 6 * (k1t + 2 * k2t + 2 * k3t + k4t),
            omega + h / 6 * (k1w + 2 * k2w + 2 * k3w + k4w))


def pendulum_rk4_fit(g_over_l, damping, observed, h=0.1):
    """Squared error of an RK4 trajectory whose right-hand side returns a tuple."""
    theta, omega = 0.8, 0.0
    loss = 0.0
    for obs in observed:
        theta, omega = rk4_step(theta, omega, h, g_over_l, damping)
        loss += (theta - obs) ** 2
    return loss


def lotka_volterra(state, alpha, beta):
    prey, pred = state
    return alpha * prey - beta * prey * pred, 0.5 * beta * prey * pred - 0.4 * pred


def lotka_volterra_euler(alpha, beta, counts, dt=0.05):
    """The state is a tuple the loop carries; the fit compares prey counts."""
    state = (1.0, 0.5)
    err = 0.0
    for c in counts:
        dprey, dpred = lotka_volterra(state, alpha, beta)
        state = (state[0] + dt * dprey, state[1] + dt * dpred)
        err += (math.log(state[0]) - math.log(c)) ** 2
    return err


def _moments(v):
    m = np.mean(v)
    return m, np.sqrt(np.mean((v - m) ** 2))


def zscore_loss(v, target):
    mean, std = _moments(v)
    z = (v - mean) / std
    return np.sum((z - target) ** 2)


def _settings(w):
    return {"scale": np.sum(w ** 2), "shift": 0.5, "power": 2}


def ridge_with_settings(w, X, y):
    cfg = _settings(w)
    cfg["scale"] *= 0.1
    r = X @ w - y + cfg["shift"]
    return np.mean(r ** cfg["power"]) + cfg["scale"]


def implicit_euler(k, y0, dt=0.2, steps=5):
    """Each step solves y_new = y + dt * (-k * y_new ** 3) by Newton; y_new is
    assigned only inside the loops."""
    y = y0
    for _ in range(steps):
        guess = y
        change = 1.0
        while change > 1e-12:
            y_new = guess - (guess - y + dt * k * guess ** 3) / (1 + 3 * dt * k * guess ** 2)
            change = abs(y_new - guess)
            guess = y_new
        y = y_new
    return y


def first_crossing(rate, level=2.0):
    """for/else: the time the growth first crosses `level`, else the end value."""
    v = 1.0
    for t in range(20):
        v = v * (1 + rate)
        if v > level:
            hit = t + (v - level) / (v * rate)
            break
    else:
        hit = 20 + v
    return hit


def checked_log_likelihood(mu, sigma, data):
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    r = (data - mu) / sigma
    return -np.sum(0.5 * r ** 2) - data.size * math.log(sigma)


def masked_huber(w, X, y, delta=1.0):
    r = X @ w - y
    small = np.abs(r) <= delta
    return np.sum(np.where(small, 0.5 * r ** 2, 0.0)) + np.sum(
        np.where(~small, delta * (np.abs(r) - 0.5 * delta), 0.0))


def noisy_objective(w, shape=(4,)):
    rng = np.random.default_rng(0)
    noise = rng.normal(size=shape)
    base = np.zeros(*shape)
    return np.sum((w - noise) ** 2 + base)


PROGRAMS = [
    Program(pendulum_rk4_fit,
            lambda rng: (rng.uniform(8.0, 11.0), rng.uniform(0.1, 0.5),
                         0.8 * np.cos(np.arange(1, 9) * 0.3) + 0.05 * rng.standard_normal(8)),
            ("g_over_l", "damping")),
    Program(lotka_volterra_euler,
            lambda rng: (rng.uniform(0.8, 1.2), rng.uniform(0.3, 0.6),
                         rng.uniform(0.8, 1.5, 12)),
            ("alpha", "beta")),
    Program(zscore_loss, lambda rng: (rng.standard_normal(6), rng.standard_normal(6))),
    Program(ridge_with_settings,
            lambda rng: (rng.standard_normal(3), rng.standard_normal((5, 3)),
                         rng.standard_normal(5))),
    Program(implicit_euler, lambda rng: (rng.uniform(0.5, 1.5), rng.uniform(0.5, 1.0)),
            ("k", "y0")),
    Program(first_crossing, lambda rng: (rng.uniform(0.05, 0.3),)),
    Program(checked_log_likelihood,
            lambda rng: (rng.standard_normal(), rng.uniform(0.5, 2.0), rng.standard_normal(7)),
            ("mu", "sigma")),
    Program(masked_huber,
            lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                         2 * rng.standard_normal(6))),
    Program(noisy_objective, lambda rng: (rng.standard_normal(4),)),
]
