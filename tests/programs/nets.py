"""Small neural networks: MLPs with parameters in a dict / list / dataclass,
layer norm, attention, an RNN, a hand-written convolution, a GRU-like cell."""
from dataclasses import dataclass

import numpy as np

from . import utils
from .registry import Program
from .utils import relu, sigmoid, softmax


def mlp_dict(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    pred = h @ params["W2"] + params["b2"]
    return np.mean((pred - y) ** 2)


def mlp_layers(layers, X, y):
    h = X
    for W, b in layers[:-1]:
        h = relu(h @ W + b)
    W_out, b_out = layers[-1]
    out = h @ W_out + b_out
    return 0.5 * np.sum((out - y) ** 2)


def mlp_weights(W1, b1, W2, b2, X, y):
    hidden = relu(X.dot(W1) + b1)
    scores = hidden.dot(W2) + b2
    return np.mean((scores.ravel() - y) ** 2)


@dataclass
class MLPParams:
    W: np.ndarray
    b: np.ndarray
    v: np.ndarray


def mlp_dataclass(p, X, y):
    h = np.tanh(X @ p.W + p.b)
    return np.mean((h @ p.v - y) ** 2)


def layer_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    out = gamma * xhat + beta
    return np.sum(out * np.cos(out))


def attention(Q, K, V):
    d = Q.shape[-1]
    scores = Q @ K.T / np.sqrt(d)
    weights = softmax(scores, axis=-1)
    out = weights @ V
    return np.sum(out ** 2)


def rnn_loss(Wx, Wh, xs, targets):
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for x, target in zip(xs, targets):
        h = np.tanh(Wx @ x + Wh @ h)
        loss += np.sum((h - target) ** 2)
    return loss / len(xs)


def conv1d_loop(w, x, target):
    k = len(w)
    n_out = len(x) - k + 1
    out = np.zeros(n_out)
    for i in range(n_out):
        out[i] = np.dot(x[i:i + k], w)
    return np.sum((out - target) ** 2)


def gru_like(Wz, Wc, xs):
    n = Wz.shape[0]
    h = np.zeros(n)
    for t in range(xs.shape[0]):
        inp = np.concatenate([xs[t], h])
        z = sigmoid(Wz @ inp)
        cand = np.tanh(Wc @ inp)
        h = (1 - z) * h + z * cand
    return h.sum()


def gelu_mlp(W, x):
    a = W @ x
    g = 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a ** 3)))
    return np.sum(utils.softplus(g))


class Dense:
    """A layer object holding its weights; `loss` differentiates w.r.t. inputs."""

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return np.tanh(self.W @ x + self.b)

    def loss(self, x, target):
        out = self.forward(x)
        return float(np.sum((out - target) ** 2))


def _dense_loss():
    rng = np.random.default_rng(7)
    return Dense(rng.standard_normal((3, 4)), rng.standard_normal(3)).loss


def _mlp_data(rng):
    return rng.standard_normal((6, 3)), rng.standard_normal((6, 2))


PROGRAMS = [
    Program(mlp_dict,
            lambda rng: ({"W1": 0.5 * rng.standard_normal((3, 5)), "b1": np.zeros(5),
                          "W2": 0.5 * rng.standard_normal((5, 2)), "b2": np.zeros(2)},
                         *_mlp_data(rng)),
            "params"),
    Program(mlp_layers,
            lambda rng: ([(rng.standard_normal((3, 5)), 0.1 * rng.standard_normal(5)),
                          (rng.standard_normal((5, 4)), 0.1 * rng.standard_normal(4)),
                          (rng.standard_normal((4, 2)), 0.1 * rng.standard_normal(2))],
                         *_mlp_data(rng)),
            "layers"),
    Program(mlp_weights,
            lambda rng: (rng.standard_normal((3, 5)), 0.1 * rng.standard_normal(5),
                         rng.standard_normal((5, 1)), 0.1 * rng.standard_normal(1),
                         rng.standard_normal((6, 3)), rng.standard_normal(6)),
            ("W1", "b1", "W2", "b2")),
    Program(mlp_dataclass,
            lambda rng: (MLPParams(rng.standard_normal((3, 4)), rng.standard_normal(4),
                                   rng.standard_normal(4)),
                         rng.standard_normal((6, 3)), rng.standard_normal(6)),
            "p"),
    Program(layer_norm,
            lambda rng: (rng.standard_normal((4, 5)), 1 + 0.1 * rng.standard_normal(5),
                         0.1 * rng.standard_normal(5)),
            ("x", "gamma", "beta")),
    Program(attention,
            lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((5, 3)),
                         rng.standard_normal((5, 2))),
            ("Q", "K", "V")),
    Program(rnn_loss,
            lambda rng: (0.5 * rng.standard_normal((4, 3)), 0.5 * rng.standard_normal((4, 4)),
                         rng.standard_normal((5, 3)), 0.5 * rng.standard_normal((5, 4))),
            ("Wx", "Wh")),
    Program(conv1d_loop,
            lambda rng: (rng.standard_normal(3), rng.standard_normal(10),
                         rng.standard_normal(8)),
            "w"),
    Program(gru_like,
            lambda rng: (0.5 * rng.standard_normal((3, 5)), 0.5 * rng.standard_normal((3, 5)),
                         rng.standard_normal((4, 2))),
            ("Wz", "Wc")),
    Program(gelu_mlp, lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal(3)), "W"),
    Program(_dense_loss(), lambda rng: (rng.standard_normal(4), rng.standard_normal(3)), "x",
            name="Dense.loss"),
]


def mlp_tuple(params, X, y):
    W1, b1, W2, b2 = params
    h = np.tanh(X @ W1 + b1)
    return np.mean((h @ W2 + b2 - y) ** 2)


def weight_decay(weights, lam=1e-2):
    return lam * sum(np.sum(W ** 2) for W in weights)


def weight_decay_loop(W1, W2, lam=1e-2):
    total = 0.0
    for W in (W1, W2):
        total += np.sum(W * W)
    return lam * total


def leaky_relu_masked(x, alpha=0.1):
    y = x.copy()
    y[y < 0] *= alpha
    return np.sum(y ** 2)


def relu_by_mask(W, x):
    z = W @ x
    z[z < 0] = 0.0
    return np.sum(z ** 2)


def channels_first(x, w):
    y = np.moveaxis(x, -1, 0)
    return np.sum(y[0] * w) + np.sum(np.transpose(x, (1, 0, 2))[0] ** 2)


PROGRAMS += [
    Program(mlp_tuple,
            lambda rng: ((rng.standard_normal((3, 4)), rng.standard_normal(4),
                          rng.standard_normal((4, 2)), rng.standard_normal(2)),
                         *_mlp_data(rng)),
            "params"),
    Program(weight_decay,
            lambda rng: ([rng.standard_normal((3, 4)), rng.standard_normal((4, 2))],), "weights"),
    Program(weight_decay_loop,
            lambda rng: (rng.standard_normal((3, 4)), rng.standard_normal((4, 2))), ("W1", "W2")),
    Program(leaky_relu_masked, lambda rng: (rng.standard_normal(8),), "x"),
    Program(relu_by_mask, lambda rng: (rng.standard_normal((5, 3)), rng.standard_normal(3)), "W"),
    Program(channels_first,
            lambda rng: (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3))),
            ("x", "w")),
]
