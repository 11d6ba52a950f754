"""Parameters kept in containers and passed whole to helpers in another module:
a dict of arrays into `H.mlp(params, x)`, a list of (W, b) tuples into
`H.forward(layers, x)`, nested dicts, dataclasses and namedtuples, with
penalties that loop over `params.values()` or `params.items()`."""
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from . import helpers3 as H
from .helpers3 import dense, l2, mlp
from .registry import Program


def mlp_dict_loss(params, x, y):
    pred = mlp(params, x)
    return np.mean((pred - y) ** 2) + 1e-3 * l2(params)


def layers_relu_loss(layers, x, y):
    pred = H.forward(layers, x, act=H.relu)
    return np.sum((pred - y) ** 2)


def layers_weight_decay(layers, x, y, lam=0.01):
    pred = H.forward(layers, x)
    penalty = 0.0
    for W, _ in layers:
        penalty += np.sum(W ** 2)
    return np.mean((pred - y) ** 2) + lam * penalty


def rnn_nested_loss(params, xs, target):
    h = H.rnn_final(params["cell"], xs, np.zeros(params["cell"]["b"].shape))
    out = dense(params["readout"], h)
    return np.sum((out - target) ** 2)


@dataclass
class LinearModel:
    w: np.ndarray
    b: float


def dataclass_regression(model, X, y):
    r = H.predict(model, X) - y
    return 0.5 * np.mean(r ** 2) + 0.1 * np.sum(model.w ** 2)


Mixture = namedtuple("Mixture", ["logits", "means", "log_sigmas"])


def mixture_nll(mix, data):
    log_w = mix.logits - np.logaddexp.reduce(mix.logits)
    sig = np.exp(mix.log_sigmas)
    comp = H.gaussian_logpdf(data[:, None], mix.means[None, :], sig[None, :]) + log_w[None, :]
    m = np.max(comp, axis=1)
    return -np.sum(m + np.log(np.sum(np.exp(comp - m[:, None]), axis=1)))


def attention_loss(params, x):
    out = H.attention(params, x)
    return np.sum(out ** 2) / out.size


def pk_one_compartment(params, times, conc, dose=100.0):
    """Oral-dose pharmacokinetics; the rates live in a dict of floats."""
    ka, ke, V = params["ka"], params["ke"], params["V"]
    err = 0.0
    for t, c in zip(times, conc):
        pred = dose * ka / (V * (ka - ke)) * (np.exp(-ke * t) - np.exp(-ka * t))
        err += (np.log(pred) - np.log(c)) ** 2
    return err


def list_of_dicts_net(layers, x, y):
    h = x
    for layer in layers[:-1]:
        h = np.tanh(dense(layer, h))
    out = dense(layers[-1], h)
    return np.sum((out - y) ** 2)


def tuple_params_logistic(params, X, y):
    w, b = params
    z = X @ w + b
    return -np.sum(y * H.log_sigmoid(z) + (1 - y) * H.log_sigmoid(-z))


def generator_penalty(params, x, y):
    reg = sum(np.sum(p ** 2) for p in params.values())
    return np.sum((mlp(params, x) - y) ** 2) + 0.05 * reg


def scaled_copy_loss(params, x, y):
    half = {k: 0.5 * v for k, v in params.items()}
    return np.sum((mlp(half, x) - y) ** 2)


@dataclass
class Net:
    layers: list
    scale: float


def dataclass_with_layers(net, x, y):
    out = net.scale * H.forward(net.layers, x)
    return np.sum((out - y) ** 2)


Spring = namedtuple("Spring", "k rest")


def spring_chain_energy(springs, positions):
    """A list of namedtuples, one per spring between consecutive masses."""
    e = 0.0
    for i, s in enumerate(springs):
        stretch = positions[i + 1] - positions[i] - s.rest
        e += 0.5 * s.k * stretch ** 2
    return e


def _init_mlp(rng, n_in=3, n_hidden=5, n_out=2):
    return {"W1": 0.5 * rng.standard_normal((n_in, n_hidden)),
            "b1": 0.1 * rng.standard_normal(n_hidden),
            "W2": 0.5 * rng.standard_normal((n_hidden, n_out)),
            "b2": 0.1 * rng.standard_normal(n_out)}


def _layers(rng, sizes=(3, 6, 4, 2)):
    return [(0.5 * rng.standard_normal((a, b)), 0.1 * rng.standard_normal(b))
            for a, b in zip(sizes[:-1], sizes[1:])]


def _xy(rng, n=7, n_in=3, n_out=2):
    return rng.standard_normal((n, n_in)), rng.standard_normal((n, n_out))


def _rnn(rng):
    d, hdim = 2, 4
    params = {"cell": {"Wx": 0.5 * rng.standard_normal((hdim, d)),
                       "Wh": 0.5 * rng.standard_normal((hdim, hdim)),
                       "b": 0.1 * rng.standard_normal(hdim)},
              "readout": {"W": 0.5 * rng.standard_normal((hdim, 1)),
                          "b": 0.1 * rng.standard_normal(1)}}
    return params, rng.standard_normal((5, d)), rng.standard_normal(1)


def _mixture(rng):
    return (Mixture(rng.standard_normal(3), rng.standard_normal(3) * 2,
                    0.2 * rng.standard_normal(3)), rng.standard_normal(10) * 2)


def _attn(rng):
    d = 3
    return {k: 0.6 * rng.standard_normal((d, d)) for k in ("Wq", "Wk", "Wv")}, \
        rng.standard_normal((4, d))


def _pk(rng):
    params = {"ka": rng.uniform(1.0, 1.5), "ke": rng.uniform(0.1, 0.3), "V": rng.uniform(8, 12)}
    times = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
    return params, times, rng.uniform(2.0, 8.0, 5)


def _dict_layers(rng):
    return ([{"W": 0.5 * rng.standard_normal(s), "b": 0.1 * rng.standard_normal(s[1])}
             for s in ((3, 4), (4, 4), (4, 2))],) + _xy(rng)


def _tuple_logistic(rng):
    X = rng.standard_normal((8, 3))
    return (rng.standard_normal(3), 0.3), X, (rng.random(8) < 0.5).astype(float)


def _springs(rng):
    springs = [Spring(rng.uniform(1, 3), rng.uniform(0.5, 1.5)) for _ in range(3)]
    return springs, np.cumsum(rng.uniform(0.5, 1.5, 4))


PROGRAMS = [
    Program(mlp_dict_loss, lambda rng: (_init_mlp(rng),) + _xy(rng), "params"),
    Program(layers_relu_loss, lambda rng: (_layers(rng),) + _xy(rng), "layers"),
    Program(layers_weight_decay, lambda rng: (_layers(rng),) + _xy(rng), "layers"),
    Program(rnn_nested_loss, _rnn, "params"),
    Program(dataclass_regression,
            lambda rng: (LinearModel(rng.standard_normal(3), 0.2), rng.standard_normal((6, 3)),
                         rng.standard_normal(6)), "model"),
    Program(mixture_nll, _mixture, "mix"),
    Program(attention_loss, _attn, "params"),
    Program(pk_one_compartment, _pk, "params"),
    Program(list_of_dicts_net, _dict_layers, "layers"),
    Program(tuple_params_logistic, _tuple_logistic, "params"),
    Program(generator_penalty, lambda rng: (_init_mlp(rng),) + _xy(rng), "params"),
    Program(scaled_copy_loss, lambda rng: (_init_mlp(rng),) + _xy(rng), "params"),
    Program(dataclass_with_layers,
            lambda rng: (Net(_layers(rng), 1.5),) + _xy(rng), "net"),
    Program(spring_chain_energy, _springs, ("springs", "positions")),
]
