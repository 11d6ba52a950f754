"""Library-style numerical routines that take the user's function as their
first argument, called the way their docstrings suggest: Adam and momentum
optimisers over a gradient function, Gauss-Legendre quadrature, Richardson
extrapolation of a derivative, a Monte Carlo pricer over a payoff function, a
shooting method for a boundary value problem, Heun and midpoint integrators
over rhs(t, y), and a Picard iteration. The function passed is a module
function, a lambda, or a NumPy ufunc (bound methods: see
repros/harness_false_positives.py)."""
import math

import numpy as np

from . import helpers3 as H
from .registry import Program


def adam(grad_fn, x0, lr, steps=15, b1=0.9, b2=0.999, eps=1e-8):
    x = x0
    m = np.zeros_like(x0)
    v = np.zeros_like(x0)
    for t in range(1, steps + 1):
        g = grad_fn(x)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1 ** t)
        vhat = v / (1 - b2 ** t)
        x = x - lr * mhat / (np.sqrt(vhat) + eps)
    return np.sum((x - 1.0) ** 2)


def gauss_legendre(fn, a, b, nodes, weights):
    mid, half = 0.5 * (a + b), 0.5 * (b - a)
    total = 0.0
    for x, w in zip(nodes, weights):
        total += w * fn(mid + half * x)
    return half * total


def richardson_slope(fn, x, h=0.1):
    """A derivative estimate by Richardson extrapolation, as a smooth function of x."""
    d1 = (fn(x + h) - fn(x - h)) / (2 * h)
    d2 = (fn(x + h / 2) - fn(x - h / 2)) / h
    return (4 * d2 - d1) / 3


def mc_price(payoff, S0, sigma, Z, r=0.01, T=1.0):
    ST = S0 * np.exp((r - 0.5 * sigma ** 2) * T + sigma * math.sqrt(T) * Z)
    return math.exp(-r * T) * np.mean(payoff(ST))


def shooting(rhs, slope, y0=0.0, t1=1.0, n=40):
    """Integrate y'' = rhs(t, y, y') from (y0, slope); the miss at t1 is the loss."""
    dt = t1 / n
    y, yp, t = y0, slope, 0.0
    for _ in range(n):
        ypp = rhs(t, y, yp)
        y, yp = y + dt * yp, yp + dt * ypp
        t += dt
    return (y - 1.0) ** 2


def heun(rhs, y0, t0, t1, n=20):
    dt = (t1 - t0) / n
    t, y = t0, y0
    for _ in range(n):
        k1 = rhs(t, y)
        k2 = rhs(t + dt, y + dt * k1)
        y = y + 0.5 * dt * (k1 + k2)
        t = t + dt
    return y


def midpoint_vector(rhs, y0, dt=0.05, n=20):
    y = y0
    for i in range(n):
        y = y + dt * rhs(i * dt + 0.5 * dt, y + 0.5 * dt * rhs(i * dt, y))
    return np.sum(y ** 2)


def picard(fn, x0, lam, n=30):
    """x = lam * fn(x) + 1, iterated to its fixed point."""
    x = x0
    for _ in range(n):
        x = lam * fn(x) + 1.0
    return x


def _call_payoff(ST):
    return np.maximum(ST - 100.0, 0.0)


def _projectile_rhs(t, y, yp):
    return -9.81 * 0.1 - 0.2 * yp


def _logistic_t(t, y):
    return 1.5 * y * (1 - y) + 0.1 * math.sin(t)


def _rotation(t, y):
    return np.array([-y[1], y[0]]) - 0.1 * y


_GL = np.polynomial.legendre.leggauss(6)


PROGRAMS = [
    Program(adam, lambda rng: (H.quadratic_grad, rng.standard_normal(3), rng.uniform(0.05, 0.2)),
            ("x0", "lr"), name="adam[quadratic_grad]"),
    Program(gauss_legendre, lambda rng: (np.exp, rng.uniform(-1, 0), rng.uniform(0.5, 2)) + _GL,
            ("a", "b"), name="gauss_legendre[np.exp]"),
    Program(gauss_legendre, lambda rng: (lambda x: 1 / (1 + x * x), rng.uniform(-1, 0),
                                         rng.uniform(0.5, 2)) + _GL, ("a", "b"),
            name="gauss_legendre[lambda]"),
    Program(richardson_slope, lambda rng: (np.sin, rng.uniform(-1, 1)), "x"),
    Program(mc_price, lambda rng: (_call_payoff, rng.uniform(90, 110), rng.uniform(0.1, 0.3),
                                   rng.standard_normal(200)), ("S0", "sigma")),
    Program(shooting, lambda rng: (_projectile_rhs, rng.uniform(0.5, 2.0)), "slope"),
    Program(heun, lambda rng: (_logistic_t, rng.uniform(0.1, 0.4), 0.0, rng.uniform(1, 2)),
            ("y0", "t1")),
    Program(midpoint_vector, lambda rng: (_rotation, rng.standard_normal(2)), "y0"),
    Program(picard, lambda rng: (np.cos, rng.uniform(0, 1), rng.uniform(0.2, 0.6)), ("x0", "lam")),
]
