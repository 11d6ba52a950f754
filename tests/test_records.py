"""Namedtuples and plain dataclasses built inside f (`State(x, v)`, `Layer(W, b)`):
kept field by field as the tuple or dict values srcdiff already differentiates, their
attributes read by name, their methods inlined as the user's code. Checked in both
modes against central differences; records srcdiff cannot see into are refused."""
from collections import namedtuple
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest

import srcdiff
from tests.helpers_numpy import assert_close, fd_vjp

Pair = namedtuple("Pair", "a b")


class State(NamedTuple):
    x: float
    v: float = 0.0


@dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray
    scale: float = 1.0

    def __call__(self, X):
        return np.tanh(X @ self.W + self.b) * self.scale

    def penalty(self):
        return np.sum(self.W ** 2)


@dataclass
class Checked:
    w: float

    def __post_init__(self):
        self.w = abs(self.w)  # the user's own code runs at construction: not a record


def pair_product(v):
    p = Pair(v[0], b=v[1])
    return p.a * p.b + p[0] ** 2


def _step(s, dt):
    return State(s.x + dt * s.v, s.v - dt * s.x)


def oscillator(x0):
    s = State(x0)
    s = State(s.x, 1.0)  # (a default, then replaced)
    for _ in range(10):
        s = _step(s, 0.1)
    return s.x ** 2 + s.v


def layer_loss(W, X):
    layer = Layer(W, np.ones(W.shape[1]), scale=2.0)
    return np.sum(layer(X) ** 2) + 0.1 * layer.penalty()


def method_of_a_temporary(W, X):
    return np.sum(Layer(W, np.zeros(W.shape[1])).__call__(X))


RNG = np.random.default_rng(3)
W0, X0 = RNG.standard_normal((3, 2)), RNG.standard_normal((4, 3))


@pytest.mark.parametrize("f, args", [(pair_product, (RNG.standard_normal(3),)),
                                     (oscillator, (0.7,)), (layer_loss, (W0, X0)),
                                     (method_of_a_temporary, (W0, X0))])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_records_built_in_f(f, args, mode):
    got = srcdiff.grad(f, mode=mode)(*args)
    assert_close(got, fd_vjp(f, list(args), 0, 1.0), what=f.__name__)


def test_a_records_fields_read_as_names():
    g = srcdiff.grad(layer_loss)
    g(W0, X0)
    body = g.source.split("\n", 1)[1]
    assert "layer." not in body and "X @ W" in body


def missing_field(v):
    return Pair(v[0]).a


def unknown_field(v):
    return Pair(v[0], v[1], c=v[2]).a


def post_init(w):
    return Checked(w).w * w


@pytest.mark.parametrize("f, what", [(missing_field, "no value for 'b'"),
                                     (unknown_field, "this call of Pair"),
                                     (post_init, "building an object of your class Checked")])
def test_records_srcdiff_cannot_build_are_located_errors(f, what):
    with pytest.raises(srcdiff.SrcDiffError, match=what) as e:
        srcdiff.grad(f)(np.ones(3) if f is not post_init else 1.5)
    assert "test_records.py" in str(e.value)
