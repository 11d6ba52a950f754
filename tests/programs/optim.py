"""Optimisation: test functions, Newton steps, unrolled gradient descent,
line searches with `while`."""
import math

import numpy as np

from .registry import Program


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_2d(x, y, a=1.0, b=100.0):
    return (a - x) ** 2 + b * (y - x * x) ** 2


def himmelblau(p):
    x, y = p
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def newton_sqrt(a, n_iter=6):
    x = a if a > 1 else 1.0
    for _ in range(n_iter):
        x = 0.5 * (x + a / x)
    return x


def unrolled_gd(lr, b, A, steps=15):
    """Loss after `steps` of gradient descent on 0.5 x'Ax - b'x (meta-gradient)."""
    x = np.zeros_like(b)
    for _ in range(steps):
        g = A @ x - b
        x = x - lr * g
    return 0.5 * x @ A @ x - b @ x


def _quad(x, A):
    return 0.5 * x @ A @ x + np.sum(np.cos(x))


def backtracking_step(x, A, beta=0.5, c=1e-4):
    g = A @ x - np.sin(x)
    t = 1.0
    fx = _quad(x, A)
    while _quad(x - t * g, A) > fx - c * t * (g @ g):
        t *= beta
    return _quad(x - t * g, A)


def newton_step_loss(x, A):
    """One Newton step on f(x) = sum(exp(x)) + 0.5 x'Ax; the loss after it."""
    g = np.exp(x) + A @ x
    H = np.diag(np.exp(x)) + A
    x_new = x - np.linalg.solve(H, g)
    return np.sum(np.exp(x_new)) + 0.5 * x_new @ A @ x_new


def solve_kepler(M, e):
    E = M if e < 0.8 else math.pi
    while True:
        dE = (E - e * math.sin(E) - M) / (1 - e * math.cos(E))
        E -= dE
        if abs(dE) < 1e-13:
            break
    return E


def momentum_descent(x0, lr=0.1, mu=0.9, steps=20):
    x = x0
    v = 0.0
    for _ in range(steps):
        grad = 4 * x ** 3 - 3 * x + 1
        v = mu * v - lr * grad
        x = x + v
    return x


def huber(residuals, delta=1.0):
    a = np.abs(residuals)
    return np.sum(np.where(a <= delta, 0.5 * residuals ** 2, delta * (a - 0.5 * delta)))


def ridge_closed_form(lam, X, y):
    d = X.shape[1]
    w = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)
    return np.sum((X @ w - y) ** 2)


def _spd(rng, n):
    B = rng.standard_normal((n, n))
    return B @ B.T / n + np.eye(n)


PROGRAMS = [
    Program(rosenbrock, lambda rng: (rng.uniform(-1.5, 1.5, 5),), "x"),
    Program(rosenbrock_2d, lambda rng: tuple(rng.uniform(-1.5, 1.5, 2)), ("x", "y")),
    Program(himmelblau, lambda rng: (rng.uniform(-3, 3, 2),), "p"),
    Program(newton_sqrt, lambda rng: (rng.uniform(0.5, 20),), "a"),
    Program(unrolled_gd,
            lambda rng: (rng.uniform(0.05, 0.2), rng.standard_normal(3), _spd(rng, 3)),
            ("lr", "b")),
    Program(backtracking_step,
            lambda rng: (rng.standard_normal(3), 2 * _spd(rng, 3)), "x"),
    Program(newton_step_loss,
            lambda rng: (0.5 * rng.standard_normal(3), _spd(rng, 3)), ("x", "A")),
    Program(solve_kepler, lambda rng: (rng.uniform(0.2, 3.0), rng.uniform(0.1, 0.7)),
            ("M", "e")),
    Program(momentum_descent, lambda rng: (rng.uniform(-0.5, 0.5),), "x0"),
    Program(huber, lambda rng: (rng.standard_normal(10) * 1.5,), "residuals"),
    Program(ridge_closed_form,
            lambda rng: (rng.uniform(0.1, 1), rng.standard_normal((10, 3)),
                         rng.standard_normal(10)),
            ("lam", "y")),
]
