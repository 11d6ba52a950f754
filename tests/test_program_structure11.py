"""Program structure, round 11 (found by the realistic11 corpus): a lambda's
parameters are its own names (`functools.reduce(lambda h, layer: layer.W, ...)`
was refused as 'the undefined name layer'); a list display of namedtuples built
in the function keeps them record by record, so `layer.W` reads the field (the
list was packed as an array and `.W` refused as a function without a rule), and
where the fields are lost the refusal says so. Each against central
differences, in both modes."""
import functools
from typing import NamedTuple

import numpy as np
import pytest

import srcdiff
from helpers_numpy import central
from srcdiff.errors import NotDifferentiableError

MODES = ["reverse", "forward"]
RNG = np.random.default_rng(11)
W0 = RNG.standard_normal((3, 2))
X0 = RNG.standard_normal(3)


class Layer(NamedTuple):
    W: np.ndarray
    b: np.ndarray


def reduce_over_layers(W1, x):
    layers = [Layer(W1, np.zeros(2)), Layer(2.0 * W1.T, np.ones(3))]
    out = functools.reduce(lambda h, layer: np.tanh(h @ layer.W + layer.b), layers, x)
    return np.sum(out ** 2)


def loop_over_layers(W1, x):
    layers = [Layer(W1, np.zeros(2)), Layer(2.0 * W1.T, np.ones(3))]
    out = x
    for layer in layers:
        out = np.tanh(out @ layer.W + layer.b)
    return np.sum(out ** 2)


def indexed_layers(W1, x):
    layers = [Layer(W1, np.zeros(2)), Layer(2.0 * W1.T, np.ones(3))]
    h = np.sin(x @ layers[0].W)
    return np.sum(h @ layers[-1].W + layers[1].b)


def records_in_tuples(W1, x):
    pairs = [(Layer(W1[0], 1.0), 2.0), (Layer(W1[2], 0.5), 3.0)]
    return sum(c * np.sum(p.W * x[:2]) + p.b for p, c in pairs)


def lambda_param_shadows_a_global(W1, x):
    return functools.reduce(lambda acc, np: acc + np * np, [1.0, 2.0], 0.0) * W1.sum() + x[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", [reduce_over_layers, loop_over_layers, indexed_layers,
                                records_in_tuples, lambda_param_shadows_a_global])
def test_namedtuples_listed_in_the_function_against_central_differences(fn, mode):
    g = srcdiff.grad(fn, wrt=(0, 1), mode=mode)
    gW, gx = g(W0, X0)
    assert np.allclose(gW, central(lambda w: fn(w, X0), W0), rtol=1e-7, atol=1e-8)
    assert np.allclose(gx, central(lambda v: fn(W0, v), X0), rtol=1e-7, atol=1e-8)


def appended_layers(W1, x):
    layers = []
    layers.append(Layer(W1, np.zeros(2)))
    out = x
    for i in range(len(layers)):
        out = np.tanh(out @ layers[i].W + layers[i].b)
    return np.sum(out)


@pytest.mark.parametrize("mode", MODES)
def test_a_field_read_where_the_record_was_packed_says_so(mode):
    with pytest.raises(NotDifferentiableError) as e:
        srcdiff.grad(appended_layers, mode=mode)(W0, X0)
    text = str(e.value)
    assert "reading .W of a differentiated value (layers[i].W)" in text
    assert "namedtuple" in text and "register" not in text
    assert "test_program_structure11.py" in text
