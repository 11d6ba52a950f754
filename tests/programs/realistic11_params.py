"""Round-11 corpus: parameters in dicts and lists, and *args/**kwargs, the way
programs pass them. Networks whose weight decay runs over `params.items()`
filtered by key name, parameters visited in `sorted(...)` key order with
`enumerate`, optimizer steps written as dict comprehensions or `{**params, ...}`
updates, tied autoencoders over `reversed(layers)` and residual stacks over
`layers[1:]`, `list(params.values())` concatenated, `*params.values()` spread into
a `*arrays` helper, `zip(params.keys(), params.values())`, objectives with
scipy.optimize's `fun(x, *args)` signature, `functools.partial` over `**kwargs`."""
# ruff: noqa: E501, B007, B008, E741, C416, C419  (written as users write them)
from __future__ import annotations

import functools
import operator

import numpy as np

from .registry import Program

# ================================================================ networks with dict params


def mlp_weight_decay(params, X, y, lam=1e-3):
    h = np.tanh(X @ params["W1"] + params["b1"])
    pred = h @ params["W2"] + params["b2"]
    weights = {k: v for k, v in params.items() if k.startswith("W")}
    decay = sum(np.sum(w ** 2) for w in weights.values())
    return np.mean((pred - y) ** 2) + lam * decay


def layer_norms_by_name(params):
    """Visit the layers in key order, deeper layers weighted more."""
    total = 0.0
    for depth, (name, W) in enumerate(sorted(params.items(), key=operator.itemgetter(0))):
        total += (depth + 1) * np.sqrt(np.sum(W ** 2) + 1e-8)
    return total


def per_key_schedule(params, X):
    loss = 0.0
    for i, key in enumerate(sorted(params)):
        z = X @ params[key]
        loss = loss + np.sum(np.log1p(np.exp(-z))) / (i + 1)
    return loss


def _l2(*arrays):
    return sum(np.sum(a * a) for a in arrays)


def spread_values_penalty(params, X, y):
    pred = X @ params["w"] + params["c"]
    return np.mean((pred - y) ** 2) + 0.01 * _l2(*params.values())


def flat_parameter_vector(params):
    theta = np.concatenate([np.ravel(v) for v in list(params.values())])
    return np.log(np.sum(np.exp(theta))) + 0.5 * theta @ theta


def named_scales(params, scales):
    """zip of the keys and values: each entry scaled by a setting named like it."""
    total = 0.0
    for name, value in zip(params.keys(), params.values()):
        total = total + scales[name] * np.sum(np.tanh(value) ** 2)
    return total


# ================================================================ optimizer steps


def sgd_lookahead(params, grads, X, y, lr=0.05):
    """The loss after one SGD step, as a function of the parameters and the step."""
    new = {k: v - lr * grads[k] for k, v in params.items()}
    pred = X @ new["w"] + new["b"]
    return np.mean((pred - y) ** 2)


def momentum_lookahead(params, velocity, X, y, mu=0.9):
    ahead = {**params, "w": params["w"] + mu * velocity}
    pred = np.tanh(X @ ahead["w"]) + ahead["b"]
    return np.sum((pred - y) ** 2)


# ================================================================ lists of layers


def tied_autoencoder_list(layers, x):
    h = x
    for layer in layers:
        h = np.tanh(h @ layer["W"] + layer["b"])
    for layer in reversed(layers):
        h = np.tanh(h @ layer["W"].T)
    return np.mean((h - x) ** 2)


def residual_stack(layers, x):
    """The first layer projects; the others are residual blocks."""
    h = np.tanh(x @ layers[0]["W"])
    for layer in layers[1:]:
        h = h + 0.5 * np.tanh(h @ layer["W"] + layer["b"])
    return np.sum(h ** 2) + np.sum(layers[1:][-1]["b"] ** 2)


# ================================================================ *args and **kwargs


def least_squares_args(theta, *args):
    """scipy.optimize.minimize(fun, x0, args=(X, y, lam))'s convention."""
    X, y, lam = args
    r = X @ theta - y
    return 0.5 * r @ r + 0.5 * lam * theta @ theta


def logistic_nll_args(w, *args):
    X, t = args[0], args[1]
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - t * z)


def _huberised(r, **opts):
    delta = opts.get("delta", 1.0)
    a = np.abs(r)
    return np.where(a < delta, 0.5 * r ** 2, delta * (a - 0.5 * delta))


def robust_fit(w, X, y, **opts):
    loss = np.sum(_huberised(X @ w - y, **opts))
    if "l2" in opts:
        loss = loss + opts["l2"] * np.sum(w ** 2)
    return loss


def _net_params(rng):
    return {"W1": 0.5 * rng.standard_normal((3, 4)), "b1": 0.1 * rng.standard_normal(4),
            "W2": 0.5 * rng.standard_normal(4), "b2": 0.1 * rng.standard_normal()}


def _layers(rng, n=3, d=3):
    return [{"W": 0.5 * rng.standard_normal((d, d)), "b": 0.1 * rng.standard_normal(d)}
            for _ in range(n)]


PROGRAMS = [
    Program(mlp_weight_decay, lambda rng: (_net_params(rng), rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(layer_norms_by_name, lambda rng: ({"layer2": rng.standard_normal((3, 2)), "layer1": rng.standard_normal(3), "layer3": rng.standard_normal((2, 2))},)),
    Program(per_key_schedule, lambda rng: ({"b": 0.5 * rng.standard_normal(3), "a": 0.5 * rng.standard_normal(3)}, rng.standard_normal((5, 3)))),
    Program(spread_values_penalty, lambda rng: ({"w": rng.standard_normal(3), "c": 0.3}, rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(flat_parameter_vector, lambda rng: ({"a": rng.standard_normal((2, 2)), "b": rng.standard_normal(3)},)),
    Program(named_scales, lambda rng: ({"enc": rng.standard_normal(3), "dec": rng.standard_normal((2, 2))}, {"enc": 0.5, "dec": 2.0})),
    Program(sgd_lookahead, lambda rng: ({"w": rng.standard_normal(3), "b": 0.1}, {"w": rng.standard_normal(3), "b": 0.2}, rng.standard_normal((6, 3)), rng.standard_normal(6)), ("params", "grads")),
    Program(momentum_lookahead, lambda rng: ({"w": rng.standard_normal(3), "b": 0.1 * rng.standard_normal(5)}, 0.1 * rng.standard_normal(3), rng.standard_normal((5, 3)), rng.standard_normal(5)), ("params", "velocity")),
    Program(tied_autoencoder_list, lambda rng: (_layers(rng), rng.standard_normal((4, 3))), ("layers", "x")),
    Program(residual_stack, lambda rng: (_layers(rng, 4), rng.standard_normal((2, 3)))),
    Program(least_squares_args, lambda rng: (rng.standard_normal(3), rng.standard_normal((7, 3)), rng.standard_normal(7), 0.3), (0, 3)),
    Program(logistic_nll_args, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)), rng.integers(0, 2, 8).astype(float))),
    Program(functools.partial(robust_fit, delta=0.5, l2=0.1), lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)), 2 * rng.standard_normal(8)), name="robust_fit_partial"),
]
