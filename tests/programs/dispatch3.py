"""Configuration-driven code: an activation picked by name from a module-level
dict of functions, `getattr(np, name)`, a loss chosen by a string argument,
a config dict of settings, progress printed with an f-string of the loss,
sanity checks with np.isfinite, branches on a string argument."""
import math

import numpy as np

from . import helpers3 as H
from .registry import Program

ACTIVATIONS = {"tanh": np.tanh, "relu": H.relu, "softplus": H.softplus,
               "swish": lambda z: z / (1 + np.exp(-z))}

LOSSES = {"mse": lambda r: np.mean(r ** 2), "huber": lambda r: np.mean(H.huber(r))}


def net_by_name(params, x, y, activation="tanh"):
    act = ACTIVATIONS[activation]
    h = act(x @ params["W1"] + params["b1"])
    return np.sum((h @ params["W2"] + params["b2"] - y) ** 2)


def numpy_function_by_name(x, name="sin"):
    fn = getattr(np, name)
    return np.sum(fn(x) ** 2)


def loss_by_name(w, X, y, loss="huber"):
    return LOSSES[loss](X @ w - y)


def config_dict(w, X, y, config=None):
    config = config or {"l2": 0.1, "power": 2, "normalise": True}
    r = X @ w - y
    if config["normalise"]:
        r = r / len(y)
    return np.sum(np.abs(r) ** config["power"]) + config["l2"] * w @ w


def printed_progress(w, X, y, steps=3):
    loss = 0.0
    for step in range(steps):
        loss = np.mean((X @ (w * (step + 1)) - y) ** 2)
        print(f"step {step}: loss {loss:.4f}")
    return loss


def checked_finite(theta, data):
    ll = np.sum(H.gaussian_logpdf(data, theta[0], np.exp(theta[1])))
    if not np.isfinite(ll):
        raise FloatingPointError("log-likelihood is not finite")
    assert math.isfinite(float(ll))
    return -ll


def string_branches(x, kind="cubic"):
    if kind == "cubic":
        return np.sum(x ** 3)
    elif kind.startswith("quad"):
        return np.sum(x ** 2)
    return np.sum(x)


def _mlp_params(rng):
    return {"W1": 0.5 * rng.standard_normal((3, 4)), "b1": 0.1 * rng.standard_normal(4),
            "W2": 0.5 * rng.standard_normal((4, 1)), "b2": 0.1 * rng.standard_normal(1)}


def _net(name):
    return lambda rng: (_mlp_params(rng), rng.standard_normal((5, 3)),
                        rng.standard_normal((5, 1)), name)


PROGRAMS = [
    Program(net_by_name, _net("tanh"), "params", name="net_by_name[tanh]"),
    Program(net_by_name, _net("swish"), "params", name="net_by_name[swish]"),
    Program(net_by_name, _net("softplus"), "params", name="net_by_name[softplus]"),
    Program(numpy_function_by_name, lambda rng: (rng.standard_normal(4), "sin"),
            name="numpy_function_by_name[sin]"),
    Program(numpy_function_by_name, lambda rng: (rng.standard_normal(4), "tanh"),
            name="numpy_function_by_name[tanh]"),
    Program(loss_by_name, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                       rng.standard_normal(6), "huber"),
            name="loss_by_name[huber]"),
    Program(loss_by_name, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                       rng.standard_normal(6), "mse"),
            name="loss_by_name[mse]"),
    Program(config_dict, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                      rng.standard_normal(6))),
    Program(printed_progress, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                           rng.standard_normal(6))),
    Program(checked_finite, lambda rng: (np.array([rng.standard_normal(), 0.2]),
                                         rng.standard_normal(6))),
    Program(string_branches, lambda rng: (rng.standard_normal(3), "quadratic"),
            name="string_branches[quadratic]"),
]
