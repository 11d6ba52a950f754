"""Helpers that call helpers of a third module (utils), by attribute and by a
relative import under another name."""
import numpy as np

from . import utils
from .utils import softplus as sp

BIAS = 0.5


def dense(W, x):
    return np.tanh(W @ x + BIAS)


def act(x):
    return utils.swish(x) + sp(x)


def mixed(x):
    return utils.scaled(x) * BIAS


def _make_weigher(k):
    w = np.array([1.0, -2.0, 0.5])

    def weigh(x):
        return np.sum(w * x) * k  # `w` and `k` from the closure

    return weigh


weigh = _make_weigher(3)


def calls_broken(x):
    return utils.broken(x) + 1.0
