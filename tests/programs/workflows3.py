"""Whole small workflows, written as a script would be: the validation loss
after hand-written SGD training (differentiated in the learning rate and the
initial weights), a Gaussian process whose kernel function is passed in, an
HMC trajectory's energy error, a scipy-style objective `fun(theta, *args)`, a
denoiser with a smoothed total-variation penalty, and a calibration of a
pricing model to quotes held in a list of dicts."""
import math

import numpy as np

from . import helpers3 as H
from .registry import Program


def _forward(params, X):
    h = np.tanh(X @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"], h


def _grads(params, X, y):
    """Backpropagation written by hand, as in a course exercise."""
    out, h = _forward(params, X)
    d_out = 2 * (out - y) / len(y)
    d_h = d_out @ params["W2"].T * (1 - h ** 2)
    return {"W1": X.T @ d_h, "b1": np.sum(d_h, axis=0),
            "W2": h.T @ d_out, "b2": np.sum(d_out, axis=0)}


def validation_after_training(lr, W1, X, y, Xv, yv, steps=5):
    params = {"W1": W1, "b1": np.zeros(W1.shape[1]),
              "W2": np.full((W1.shape[1], 1), 0.3), "b2": np.zeros(1)}
    for _ in range(steps):
        g = _grads(params, X, y)
        params = {"W1": params["W1"] - lr * g["W1"], "b1": params["b1"] - lr * g["b1"],
                  "W2": params["W2"] - lr * g["W2"], "b2": params["b2"] - lr * g["b2"]}
    pred, _ = _forward(params, Xv)
    return np.mean((pred - yv) ** 2)


def _rbf(a, b, ell):
    return np.exp(-0.5 * np.sum((a - b) ** 2) / ell ** 2)


def _matern32(a, b, ell):
    r = math.sqrt(3.0) * np.sqrt(np.sum((a - b) ** 2) + 1e-12) / ell
    return (1 + r) * np.exp(-r)


def gp_nll(kernel, ell, noise, X, y):
    n = len(X)
    K = np.array([[kernel(X[i], X[j], ell) for j in range(n)] for i in range(n)])
    K = K + noise ** 2 * np.eye(n)
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L, y)
    return 0.5 * alpha @ alpha + np.sum(np.log(np.diag(L)))


def _log_density_grad(q):
    return -q / np.array([1.0, 4.0])


def hmc_energy_error(q0, p0, step, n=10):
    q, p = q0, p0
    p = p + 0.5 * step * _log_density_grad(q)
    for _ in range(n - 1):
        q = q + step * p
        p = p + step * _log_density_grad(q)
    q = q + step * p
    p = p + 0.5 * step * _log_density_grad(q)

    def energy(q, p):
        return 0.5 * np.sum(q ** 2 / np.array([1.0, 4.0])) + 0.5 * np.sum(p ** 2)
    return (energy(q, p) - energy(q0, p0)) ** 2


def scipy_style_objective(theta, X, y, lam):
    """fun(theta, X, y, lam), as passed to scipy.optimize.minimize(args=(X, y, lam))."""
    z = X @ theta
    nll = np.sum(np.logaddexp(0.0, z) - y * z)
    return nll + 0.5 * lam * theta @ theta


def tv_denoise(u, noisy, lam=0.3, eps=1e-3):
    tv = np.sum(np.sqrt(np.diff(u) ** 2 + eps))
    return 0.5 * np.sum((u - noisy) ** 2) + lam * tv


def calibrate_bs(sigma, quotes, S=100.0, r=0.01):
    err = 0.0
    for q in quotes:
        d1, d2 = H.bs_d(S, q["strike"], r, sigma, q["expiry"])
        model = S * H.norm_cdf(d1) - q["strike"] * math.exp(-r * q["expiry"]) * H.norm_cdf(d2)
        err += (model - q["price"]) ** 2
    return err


def _training(rng):
    X, Xv = rng.standard_normal((8, 2)), rng.standard_normal((5, 2))
    return (rng.uniform(0.05, 0.2), 0.5 * rng.standard_normal((2, 3)), X,
            np.sin(X[:, :1]), Xv, np.sin(Xv[:, :1]))


def _gp(kernel):
    def make(rng):
        X = rng.standard_normal((5, 2))
        return kernel, rng.uniform(0.7, 1.5), rng.uniform(0.2, 0.5), X, np.cos(X[:, 0])
    return make


def _quotes(rng):
    return [{"strike": k, "expiry": t, "price": p} for k, t, p in
            ((90.0, 0.5, 11.9), (100.0, 0.5, 5.9), (110.0, 1.0, 4.1))]


PROGRAMS = [
    Program(validation_after_training, _training, ("lr", "W1")),
    Program(gp_nll, _gp(_rbf), ("ell", "noise"), name="gp_nll[rbf]"),
    Program(gp_nll, _gp(_matern32), ("ell", "noise"), name="gp_nll[matern32]"),
    Program(hmc_energy_error, lambda rng: (rng.standard_normal(2), rng.standard_normal(2),
                                           rng.uniform(0.1, 0.3)), ("q0", "p0", "step")),
    Program(scipy_style_objective,
            lambda rng: (rng.standard_normal(3), rng.standard_normal((10, 3)),
                         (rng.random(10) < 0.5).astype(float), 0.1)),
    Program(tv_denoise, lambda rng: (rng.standard_normal(12), rng.standard_normal(12))),
    Program(calibrate_bs, lambda rng: (rng.uniform(0.15, 0.3), _quotes(rng))),
]
