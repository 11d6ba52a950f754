"""Penalties and architectures that walk a parameter container in the ways
people do: weight decay over a literal tuple of key names, a tied-weight
autoencoder whose decoder runs the encoder's layers in reverse, an elastic-net
penalty over `params.values()`, a group lasso over rows, spectral
normalisation by power iteration, a scipy-style `fun(theta, *args)`, and
orthogonality and smoothness penalties."""
import numpy as np

from . import helpers3 as H
from .registry import Program


def decay_named_weights(params, x, y, lam=0.01):
    reg = 0.0
    for name in ("W1", "W2"):
        reg = reg + np.sum(params[name] ** 2)
    return np.mean((H.mlp(params, x) - y) ** 2) + lam * reg


def tied_autoencoder(params, x):
    h = x
    for layer in params["layers"]:
        h = np.tanh(h @ layer["W"] + layer["b"])
    for layer in reversed(params["layers"]):
        h = np.tanh(h @ np.transpose(layer["W"]))
    return np.mean((h - x) ** 2)


def elastic_net(params, x, y, l1=0.01, l2=0.01, eps=1e-6):
    reg = 0.0
    for p in params.values():
        reg = reg + l1 * np.sum(np.sqrt(p ** 2 + eps)) + l2 * np.sum(p ** 2)
    return np.mean((H.mlp(params, x) - y) ** 2) + reg


def group_lasso(W, X, Y, lam=0.1):
    resid = X @ W - Y
    return 0.5 * np.sum(resid ** 2) + lam * np.sum(np.sqrt(np.sum(W ** 2, axis=1) + 1e-8))


def spectral_normalised(W, x, iters=5):
    u = np.ones(W.shape[0]) / np.sqrt(W.shape[0])
    for _ in range(iters):
        v = W.T @ u
        v = v / np.linalg.norm(v)
        u = W @ v
        u = u / np.linalg.norm(u)
    sigma = u @ W @ v
    return np.sum(np.tanh(W @ x / sigma))


def scipy_args_objective(theta, *args):
    X, y, lam = args
    return np.sum((X @ theta - y) ** 2) + lam * theta @ theta


def orthogonality_penalty(W):
    G = W.T @ W
    return np.sum((G - np.eye(G.shape[0])) ** 2)


def smooth_coefficients(coefs, basis, y, lam=0.5):
    fit = basis @ coefs
    return np.sum((fit - y) ** 2) + lam * np.sum(np.diff(coefs, n=2) ** 2)


def _mlp(rng):
    return {"W1": 0.5 * rng.standard_normal((3, 4)), "b1": 0.1 * rng.standard_normal(4),
            "W2": 0.5 * rng.standard_normal((4, 2)), "b2": 0.1 * rng.standard_normal(2)}


def _xy(rng):
    return rng.standard_normal((6, 3)), rng.standard_normal((6, 2))


def _ae(rng):
    layers = [{"W": 0.5 * rng.standard_normal((4, 3)), "b": 0.1 * rng.standard_normal(3)},
              {"W": 0.5 * rng.standard_normal((3, 2)), "b": 0.1 * rng.standard_normal(2)}]
    return {"layers": layers}, rng.standard_normal((5, 4))


def _basis(rng):
    t = np.linspace(0, 1, 15)
    return rng.standard_normal(6), np.stack([t ** k for k in range(6)], axis=1), np.sin(3 * t)


PROGRAMS = [
    Program(decay_named_weights, lambda rng: (_mlp(rng),) + _xy(rng)),
    Program(tied_autoencoder, _ae),
    Program(elastic_net, lambda rng: (_mlp(rng),) + _xy(rng)),
    Program(group_lasso, lambda rng: (rng.standard_normal((4, 2)), rng.standard_normal((7, 4)),
                                      rng.standard_normal((7, 2)))),
    Program(spectral_normalised, lambda rng: (rng.standard_normal((3, 3)), rng.standard_normal(3))),
    Program(scipy_args_objective, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                               rng.standard_normal(6), 0.1)),
    Program(orthogonality_penalty, lambda rng: (rng.standard_normal((4, 3)),)),
    Program(smooth_coefficients, _basis),
]
