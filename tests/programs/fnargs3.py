"""Functions passed to f itself: integrators `integrate(rhs, y0, k, dt, n)`,
`rk4` over a right-hand side returning a tuple, quadrature `trapezoid(fn, a, b)`,
optimisers `descend(grad_fn, x0, lr, steps)`, a loss or activation chosen by
the caller. The function passed is a module function, a NumPy ufunc, a lambda,
a bound method, a functools.partial or a callable object; `wrt` names the
numeric parameters."""
import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from . import helpers3 as H
from .registry import Program


def integrate(rhs, y0, k, dt, n):
    y = y0
    for _ in range(n):
        y = y + dt * rhs(y, k)
    return y


def integrate_final_loss(rhs, y0, k, target, dt=0.1, n=20):
    y = integrate(rhs, y0, k, dt, n)
    return (y - target) ** 2


def oscillator_rk4(rhs, x0, v0, omega, dt=0.05, n=40):
    state = (x0, v0)
    for _ in range(n):
        state = H.rk4_step(rhs, state, dt, omega)
    x, v = state
    return 0.5 * v ** 2 + 0.5 * omega ** 2 * x ** 2 + x


def quad(fn, a, b):
    return H.trapezoid(fn, a, b, n=20)


def simpson(fn, a, b, n=10):
    h = (b - a) / n
    s = fn(a) + fn(b)
    for i in range(1, n):
        w = 4 if i % 2 else 2
        s += w * fn(a + i * h)
    return s * h / 3


def descend(grad_fn, x0, lr, steps=10):
    x = x0
    for _ in range(steps):
        x = x - lr * grad_fn(x)
    return np.sum(x ** 2)


def heavy_ball(grad_fn, x0, lr, beta=0.8, steps=12):
    x = x0
    v = np.zeros_like(x0)
    for _ in range(steps):
        v = beta * v - lr * grad_fn(x)
        x = x + v
    return np.sum((x - 1.0) ** 2)


def newton_sqrt(fn, dfn, a, x0=1.0, iters=6):
    """Newton on fn(x, a) = 0; the root depends on a."""
    x = x0
    for _ in range(iters):
        x = x - fn(x, a) / dfn(x, a)
    return x


def fixed_point(g, x0, c, n=25):
    x = x0
    for _ in range(n):
        x = g(x, c)
    return x


def fit_with_loss(loss_fn, w, X, y):
    r = X @ w - y
    return np.sum(loss_fn(r))


def mlp_with_activation(act, params, x, y):
    h = act(x @ params["W1"] + params["b1"])
    return np.sum((h @ params["W2"] + params["b2"] - y) ** 2)


def gauss_hermite_expectation(fn, mu, sigma, nodes, weights):
    """E[fn(X)] for X ~ N(mu, sigma^2) by Gauss-Hermite quadrature."""
    total = 0.0
    for x, w in zip(nodes, weights):
        total += w * fn(mu + math.sqrt(2.0) * sigma * x)
    return total / math.sqrt(math.pi)


def verlet(force, x0, v0, dt=0.05, n=30):
    x, v = x0, v0
    a = force(x)
    for _ in range(n):
        x = x + v * dt + 0.5 * a * dt * dt
        a_new = force(x)
        v = v + 0.5 * (a + a_new) * dt
        a = a_new
    return 0.5 * v * v + x * x


def apply_twice(f, x):
    return np.sum(f(f(x)))


def compose_sum(fns, x):
    """A tuple of functions, each applied in turn."""
    for fn in fns:
        x = fn(x)
    return np.sum(x)


def orbit_energy(accel, x0, y0, vx0, vy0, gm, dt=0.01, n=50):
    """Leapfrog with an acceleration function returning (ax, ay)."""
    x, y, vx, vy = x0, y0, vx0, vy0
    ax, ay = accel(x, y, gm)
    for _ in range(n):
        vx += 0.5 * dt * ax
        vy += 0.5 * dt * ay
        x += dt * vx
        y += dt * vy
        ax, ay = accel(x, y, gm)
        vx += 0.5 * dt * ax
        vy += 0.5 * dt * ay
    return 0.5 * (vx ** 2 + vy ** 2) - gm / math.sqrt(x * x + y * y)


@dataclass
class Spring:
    k: float
    c: float

    def force(self, x):
        return -self.k * x - self.c * x ** 3


class GaussianBump:
    def __init__(self, center, width):
        self.center = center
        self.width = width

    def __call__(self, x):
        return math.exp(-((x - self.center) / self.width) ** 2)


def _square_root_f(x, a):
    return x * x - a


def _square_root_df(x, a):
    return 2 * x


def _cos_map(x, c):
    return c * math.cos(x)


def _gh(rng):
    nodes, weights = np.polynomial.hermite.hermgauss(10)
    return nodes, weights


PROGRAMS = [
    Program(integrate, lambda rng: (H.logistic_rhs, rng.uniform(0.1, 0.3), rng.uniform(0.5, 1.5),
                                    0.1, 15), ("y0", "k"), name="integrate[logistic_rhs]"),
    Program(integrate, lambda rng: (lambda y, k: -k * y ** 3, rng.uniform(0.5, 1.0),
                                    rng.uniform(0.5, 1.5), 0.05, 20), ("y0", "k"),
            name="integrate[lambda]"),
    Program(integrate_final_loss,
            lambda rng: (H.decay_rhs, rng.uniform(1.0, 2.0), rng.uniform(0.2, 0.8),
                         rng.uniform(0.1, 0.5)), ("y0", "k")),
    Program(oscillator_rk4,
            lambda rng: (H.oscillator_rhs, rng.uniform(0.5, 1.0), rng.uniform(-0.5, 0.5),
                         rng.uniform(1.0, 2.0)), ("x0", "v0", "omega")),
    Program(quad, lambda rng: (np.sin, rng.uniform(0.0, 0.5), rng.uniform(1.0, 2.0)), ("a", "b"),
            name="quad[np.sin]"),
    Program(quad, lambda rng: (lambda x: np.exp(-x * x), rng.uniform(-1.0, 0.0),
                               rng.uniform(0.5, 1.5)), ("a", "b"), name="quad[lambda]"),
    Program(quad, lambda rng: (GaussianBump(0.3, 0.7), rng.uniform(-1.0, 0.0),
                               rng.uniform(0.5, 1.5)), ("a", "b"), name="quad[callable]"),
    Program(simpson, lambda rng: (math.log1p, rng.uniform(0.0, 0.5), rng.uniform(1.0, 2.0)),
            ("a", "b")),
    Program(descend, lambda rng: (H.quadratic_grad, rng.standard_normal(4), rng.uniform(0.05, 0.2)),
            ("x0", "lr"), name="descend[quadratic_grad]"),
    Program(heavy_ball, lambda rng: (lambda x: 2 * (x - 1.0) + 0.1 * x ** 3,
                                     rng.standard_normal(3), rng.uniform(0.05, 0.1)),
            ("x0", "lr")),
    Program(newton_sqrt, lambda rng: (_square_root_f, _square_root_df, rng.uniform(1.0, 4.0)),
            "a"),
    Program(fixed_point, lambda rng: (_cos_map, rng.uniform(0.0, 1.0), rng.uniform(0.5, 0.9)),
            ("x0", "c")),
    Program(fit_with_loss, lambda rng: (H.huber, rng.standard_normal(3),
                                        rng.standard_normal((8, 3)), 2 * rng.standard_normal(8)),
            "w", name="fit_with_loss[huber]"),
    Program(fit_with_loss, lambda rng: (partial(H.huber, delta=0.5), rng.standard_normal(3),
                                        rng.standard_normal((8, 3)), 2 * rng.standard_normal(8)),
            "w", name="fit_with_loss[partial]"),
    Program(mlp_with_activation,
            lambda rng: (H.softplus, {"W1": rng.standard_normal((3, 4)),
                                      "b1": rng.standard_normal(4),
                                      "W2": rng.standard_normal((4, 1)),
                                      "b2": rng.standard_normal(1)},
                         rng.standard_normal((5, 3)), rng.standard_normal((5, 1))), "params"),
    Program(gauss_hermite_expectation,
            lambda rng: (np.cos, rng.uniform(-1, 1), rng.uniform(0.5, 1.5)) + _gh(rng),
            ("mu", "sigma")),
    Program(verlet, lambda rng: (partial(H.decay_rhs, k=2.0), rng.uniform(0.5, 1.0),
                                 rng.uniform(-0.3, 0.3)), ("x0", "v0"), name="verlet[partial]"),
    Program(apply_twice, lambda rng: (np.tanh, rng.standard_normal(3)), "x",
            name="apply_twice[np.tanh]"),
    Program(compose_sum, lambda rng: ((np.sin, H.softplus, lambda z: z * z),
                                      rng.standard_normal(4)), "x"),
    Program(orbit_energy, lambda rng: (H.gravity, 1.0, 0.0, 0.0, rng.uniform(0.8, 1.1),
                                       rng.uniform(0.9, 1.1)), ("vy0", "gm")),
]
