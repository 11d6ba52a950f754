"""Derivatives inside the function being differentiated, the way meta-learning
and physics code uses them: a MAML step `w - lr * grad(loss)(w, ...)`, a
gradient-norm penalty, forces from `grad(potential)` inside an integrator, a
Newton step with `hessian`, and a derivative passed to an optimiser helper."""
import numpy as np

import srcdiff

from . import helpers3 as H
from .registry import Program


def _mse(w, X, y):
    return np.mean((X @ w - y) ** 2)


_MSE_GRAD = srcdiff.grad(_mse)


def maml_one_step(w0, X, y, Xq, yq, lr=0.1):
    w = w0 - lr * _MSE_GRAD(w0, X, y)
    return _mse(w, Xq, yq)


def gradient_penalty(w, X, y, lam=0.5):
    g = srcdiff.grad(_mse)(w, X, y)
    return _mse(w, X, y) + lam * np.sum(g ** 2)


def _potential(q, k):
    return 0.5 * k * np.sum(q ** 2) + 0.25 * np.sum(q ** 4)


_FORCE = srcdiff.grad(_potential)


def leapfrog_with_autodiff_force(q0, k, dt=0.05, n=20):
    q, p = q0, np.zeros_like(q0)
    for _ in range(n):
        p = p - 0.5 * dt * _FORCE(q, k)
        q = q + dt * p
        p = p - 0.5 * dt * _FORCE(q, k)
    return 0.5 * np.sum(p ** 2) + _potential(q, k)


def _descend(grad_fn, x, lr, steps):
    for _ in range(steps):
        x = x - lr * grad_fn(x)
    return x


def unrolled_rosenbrock(x0, lr=0.001):
    x = _descend(srcdiff.grad(H.rosenbrock), x0, lr, 5)
    return H.rosenbrock(x)


PROGRAMS = [
    Program(maml_one_step, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                        rng.standard_normal(6), rng.standard_normal((4, 3)),
                                        rng.standard_normal(4)), "w0"),
    Program(gradient_penalty, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                           rng.standard_normal(6))),
    Program(leapfrog_with_autodiff_force, lambda rng: (rng.standard_normal(2), rng.uniform(1, 2)),
            ("q0", "k")),
    Program(unrolled_rosenbrock, lambda rng: (0.3 * rng.standard_normal(3),)),
]
