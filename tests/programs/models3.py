"""More of how parameter containers get used: a dataclass model whose own methods
make the prediction, `zip(weights, biases)`, `params.get(...)`, `for k in params`,
`sorted(params)`, flattening into one vector for a penalty, a list of layer dicts
indexed inside a nested dict, `_replace` on a namedtuple, unrolled training steps
that rebuild the parameter dict, a model object keeping its parameters."""
import dataclasses
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from . import helpers3 as H
from .registry import Program


@dataclass
class Affine:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return x @ self.W + self.b

    def penalty(self):
        return np.sum(self.W ** 2)


def dataclass_methods_loss(layer, x, y):
    return np.mean((layer(x) - y) ** 2) + 0.01 * layer.penalty()


def zip_weights_biases(weights, biases, x):
    h = x
    for W, b in zip(weights, biases):
        h = np.tanh(h @ W + b)
    return np.sum(h ** 2)


def optional_bias(params, x):
    z = x @ params["W"] + params.get("b", 0.0)
    return np.sum(H.softplus(z))


def iterate_keys(params):
    total = 0.0
    for k in params:
        total = total + np.sum(np.sin(params[k]))
    return total


def sorted_keys(params, x):
    h = x
    for name in sorted(params):
        h = np.tanh(h * params[name])
    return np.sum(h)


def flattened_penalty(params, x, y):
    flat = np.concatenate([p.ravel() for p in params.values()])
    return np.sum((H.mlp(params, x) - y) ** 2) + 0.1 * flat @ flat


def nested_layer_list(params, x):
    h = x
    for i in range(len(params["layers"])):
        h = np.tanh(h @ params["layers"][i]["W"] + params["layers"][i]["b"])
    return np.sum((h * params["scale"]) ** 2)


Prior = namedtuple("Prior", "mu sigma")


def namedtuple_replace(prior, data):
    wider = prior._replace(sigma=2 * prior.sigma)
    return -np.sum(H.gaussian_logpdf(data, wider.mu, wider.sigma))


def dataclass_replace(layer, x):
    shifted = dataclasses.replace(layer, b=layer.b + 1.0)
    return np.sum(shifted(x) ** 2)


def unrolled_training(params, X, y, lr=0.05, steps=4):
    """Meta-learning style: a few hand-written SGD steps, then the loss."""
    for _ in range(steps):
        r = X @ params["w"] + params["b"] - y
        params = {"w": params["w"] - lr * X.T @ r / len(y), "b": params["b"] - lr * np.mean(r)}
    r = X @ params["w"] + params["b"] - y
    return np.mean(r ** 2)


def multihead_attention(heads, x):
    outs = [H.attention(h, x) for h in heads]
    return np.sum(np.concatenate(outs, axis=1) ** 2)


def tuple_unpack_theta(theta, t, y):
    a, b, c = theta
    pred = a * np.exp(-b * t) + c
    return np.sum((pred - y) ** 2)


class Model:
    def __init__(self, params):
        self.params = params

    def loss(self, params, x, y):
        return np.sum((H.mlp(params, x) - y) ** 2)


def _affine(rng):
    return Affine(rng.standard_normal((3, 2)), rng.standard_normal(2))


def _mlp(rng):
    return {"W1": 0.5 * rng.standard_normal((3, 4)), "b1": 0.1 * rng.standard_normal(4),
            "W2": 0.5 * rng.standard_normal((4, 2)), "b2": 0.1 * rng.standard_normal(2)}


def _nested(rng):
    layers = [{"W": 0.5 * rng.standard_normal((3, 3)), "b": 0.1 * rng.standard_normal(3)}
              for _ in range(3)]
    return {"layers": layers, "scale": 1.3}, rng.standard_normal((2, 3))


def _heads(rng):
    return [{k: 0.5 * rng.standard_normal((3, 2)) for k in ("Wq", "Wk", "Wv")}
            for _ in range(2)], rng.standard_normal((4, 3))


_MODEL = Model(_mlp(np.random.default_rng(9)))


PROGRAMS = [
    Program(dataclass_methods_loss,
            lambda rng: (_affine(rng), rng.standard_normal((5, 3)), rng.standard_normal((5, 2))),
            "layer"),
    Program(zip_weights_biases,
            lambda rng: ([0.5 * rng.standard_normal((3, 3)) for _ in range(3)],
                         [0.1 * rng.standard_normal(3) for _ in range(3)],
                         rng.standard_normal((2, 3))), ("weights", "biases")),
    Program(optional_bias, lambda rng: ({"W": rng.standard_normal((3, 2))},
                                        rng.standard_normal((4, 3))), "params",
            name="optional_bias[missing]"),
    Program(optional_bias, lambda rng: ({"W": rng.standard_normal((3, 2)),
                                         "b": rng.standard_normal(2)},
                                        rng.standard_normal((4, 3))), "params",
            name="optional_bias[present]"),
    Program(iterate_keys, lambda rng: ({"a": rng.standard_normal(3), "b": rng.standard_normal(),
                                        "c": rng.standard_normal((2, 2))},)),
    Program(sorted_keys, lambda rng: ({"w2": rng.standard_normal(3), "w1": rng.standard_normal(3)},
                                      rng.standard_normal(3))),
    Program(flattened_penalty,
            lambda rng: (_mlp(rng), rng.standard_normal((5, 3)), rng.standard_normal((5, 2)))),
    Program(nested_layer_list, _nested),
    Program(namedtuple_replace, lambda rng: (Prior(rng.standard_normal(), rng.uniform(0.5, 1.5)),
                                             rng.standard_normal(6))),
    Program(dataclass_replace, lambda rng: (_affine(rng), rng.standard_normal((4, 3)))),
    Program(unrolled_training,
            lambda rng: ({"w": rng.standard_normal(3), "b": 0.5}, rng.standard_normal((10, 3)),
                         rng.standard_normal(10))),
    Program(multihead_attention, _heads, "heads"),
    Program(tuple_unpack_theta,
            lambda rng: ((rng.uniform(1, 2), rng.uniform(0.2, 0.8), rng.uniform(-0.5, 0.5)),
                         np.linspace(0, 4, 8), rng.standard_normal(8))),
    Program(_MODEL.loss, lambda rng: (_MODEL.params, rng.standard_normal((5, 3)),
                                      rng.standard_normal((5, 2))), "params", name="Model.loss"),
]
