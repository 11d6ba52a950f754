"""A structured parameter passed whole to the user's own functions (issue 17.1):
`_mlp(params, x)` with `params` a dict, a list of (W, b) pairs, a nested dict, a
dataclass or a namedtuple. srcdiff writes it out as a display of its leaves, which
the helper reads entry by entry. Every gradient is checked against central
differences of the primal (test_pytrees.fd_grad), in both modes."""
import math
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import pytest

import srcdiff
from srcdiff import UnsupportedSyntaxError
from test_pytrees import assert_tree_close, fd_grad

MODES = ("reverse", "forward")
rng = np.random.default_rng(7)
X = rng.normal(size=(6, 3))
Y = rng.normal(size=(6, 2))


def _dense(layer, x):
    return x @ layer["W"] + layer["b"]


def _mlp(params, x):
    h = np.tanh(_dense(params["hidden"], x))
    return _dense(params["out"], h)


def _l2(params):
    total = 0.0
    for layer in params.values():
        for w in layer.values():
            total = total + np.sum(w * w)
    return total


def nested_dict_loss(params, x, y):
    """Nested dicts, passed down two levels, and iterated with .values()."""
    pred = _mlp(params, x)
    return np.mean((pred - y) ** 2) + 1e-2 * _l2(params)


def _forward(layers, x):
    for W, b in layers[:-1]:
        x = np.tanh(x @ W + b)
    W, b = layers[-1]
    return x @ W + b


def layers_loss(layers, x, y):
    """A list of (W, b) tuples of different shapes, sliced and unpacked in a helper."""
    return np.sum((_forward(layers, x) - y) ** 2)


def _forward_indexed(layers, x):
    for i in range(len(layers)):
        W, b = layers[i]
        x = np.tanh(x @ W + b)
    return x


def indexed_layers_loss(layers, x, y):
    """The helper indexes the list at a loop index, known only at run time."""
    return np.sum((_forward_indexed(layers, x) - y) ** 2)


@dataclass
class Linear:
    W: np.ndarray
    b: np.ndarray


def _predict(model, x):
    return x @ model.W + model.b


def dataclass_loss(model, x, y):
    return np.mean((_predict(model, x) - y) ** 2)


Layer = namedtuple("Layer", "W b")


def _apply(layer, x):
    W, b = layer
    return np.tanh(x @ W + layer.b) if b is not None else x @ W


def namedtuple_loss(layer, x, y):
    return np.sum((_apply(layer, x) - y) ** 2)


def _energy(p, x):
    return p["k"] * x ** 2 / 2 + p["c"] * np.cos(x)


def scalar_dict_loss(p, x):
    """A dict of floats passed to a helper, in a loop."""
    total = 0.0
    for i in range(4):
        total += _energy(p, x + 0.1 * i)
    return total


def _params(kind):
    W1, b1 = rng.normal(size=(3, 4)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(4, 2)), rng.normal(size=2)
    return {
        "nested": {"hidden": {"W": W1, "b": b1}, "out": {"W": W2, "b": b2}},
        "layers": [(W1, b1), (W2, b2)],
        "indexed": [(W1, b1), (W2, b2)],
        "dataclass": Linear(rng.normal(size=(3, 2)), b2),
        "namedtuple": Layer(rng.normal(size=(3, 2)), b2),
    }[kind]


CASES = {
    "nested": nested_dict_loss, "layers": layers_loss, "indexed": indexed_layers_loss,
    "dataclass": dataclass_loss, "namedtuple": namedtuple_loss,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_structured_parameter_passed_whole_to_a_helper(kind, mode):
    f = CASES[kind]
    p = _params(kind)
    y = Y[:, :2] if kind != "indexed" else Y[:, :2]
    got = srcdiff.grad(f, mode=mode)(p, X, y)
    assert_tree_close(got, fd_grad(f, (p, X, y), 0), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("mode", MODES)
def test_a_dict_of_floats_passed_to_a_helper_in_a_loop(mode):
    p = {"k": 1.7, "c": 0.4}
    x = 0.3
    got = srcdiff.grad(scalar_dict_loss, mode=mode)(p, x)
    xs = [x + 0.1 * i for i in range(4)]  # hand: d/dk = sum x^2/2, d/dc = sum cos x
    want = {"k": sum(t * t / 2 for t in xs), "c": sum(math.cos(t) for t in xs)}
    assert_tree_close(got, want, rtol=1e-12, atol=1e-12)


def test_the_helper_reads_leaves_by_the_user_names():
    """The gradient reads like hand code: the leaves are names, the result a dict."""
    g = srcdiff.grad(nested_dict_loss)
    g(_params("nested"), X, Y)
    src = g.source
    assert "params['hidden']['W']" in src and "{'hidden': {'W':" in src
    assert "_items" not in src and "_zero" not in src


@pytest.mark.parametrize("mode", MODES)
def test_value_and_grad_and_vjp_take_the_same_call(mode):
    p = _params("nested")
    value, g = srcdiff.value_and_grad(nested_dict_loss, mode=mode)(p, X, Y)
    assert value == pytest.approx(nested_dict_loss(p, X, Y), rel=1e-12)
    assert_tree_close(g, fd_grad(nested_dict_loss, (p, X, Y), 0), rtol=1e-5, atol=1e-7)


def _keys(p):
    return np.sum(np.array(list(p)))


def whole_to_numpy(p):
    return p["a"] + _keys(p)


def test_a_structure_used_whole_by_something_else_is_a_located_error():
    with pytest.raises(UnsupportedSyntaxError, match=r"p \(a structured parameter\) used "
                       r"as a whole") as info:
        srcdiff.grad(whole_to_numpy)({"a": 1.0})
    assert "np.array(list(p))" in str(info.value)


def list_of_pairs_loss(W1, b1, W2, b2, x, y):
    """A list of (W, b) pairs of different shapes built in `f`: a runtime list the
    helper loops over and indexes (reverse mode zeroed a pair's adjoint with
    np.zeros(np.shape(pair)), which NumPy refuses for a ragged pair)."""
    layers = [(W1, b1), (W2, b2)]
    return np.sum((_forward(layers, x) - y) ** 2) + np.sum(_forward_indexed(layers, x))


@pytest.mark.parametrize("mode", MODES)
def test_a_list_of_ragged_pairs_built_in_f(mode):
    W1, b1 = rng.normal(size=(3, 4)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(4, 2)), rng.normal(size=2)
    args = (W1, b1, W2, b2, X, Y)
    got = srcdiff.grad(list_of_pairs_loss, wrt=(0, 1, 2, 3), mode=mode)(*args)
    for i, g in enumerate(got):
        np.testing.assert_allclose(g, fd_grad(list_of_pairs_loss, args, i), rtol=1e-5,
                                   atol=1e-7)


# ----- structured results of plain array code (issue 17.1) -----
def two_results(x):
    a = x ** 2
    b = np.cos(x)
    return a, b  # two arrays of one shape: two results, not one (2, n) array


def dict_built_before(x):
    out = {"a": x * 2.0, "b": np.sin(x)}
    out["c"] = np.sum(x) * x
    return out


def tuple_built_before(x):
    r = (x * 2.0, np.sin(x))
    return r


def test_jacobian_and_vjp_of_a_tuple_of_same_shape_results():
    x = np.array([0.1, -0.4, 0.7])
    ja, jb = srcdiff.jacobian(two_results)(x)
    np.testing.assert_allclose(ja, np.diag(2 * x), rtol=1e-14)
    np.testing.assert_allclose(jb, np.diag(-np.sin(x)), rtol=1e-14)
    out, pull = srcdiff.vjp(two_results, x)
    (g,) = pull((np.ones(3), 2 * np.ones(3)))
    np.testing.assert_allclose(g, 2 * x - 2 * np.sin(x), rtol=1e-14)
    with pytest.raises(srcdiff.ShapeMismatchError, match="structure"):
        pull(np.ones((2, 3)))  # one (2, 3) array is not the two results


def test_jacobian_of_a_dict_or_tuple_built_before_the_return():
    x = np.array([0.3, -0.2])
    J = srcdiff.jacobian(dict_built_before)(x)
    np.testing.assert_allclose(J["a"], 2 * np.eye(2), rtol=1e-14)
    np.testing.assert_allclose(J["b"], np.diag(np.cos(x)), rtol=1e-14)
    np.testing.assert_allclose(J["c"], np.sum(x) * np.eye(2) + np.outer(x, np.ones(2)),
                               rtol=1e-14)
    r0, r1 = srcdiff.jacobian(tuple_built_before)(x)
    np.testing.assert_allclose(r0, 2 * np.eye(2), rtol=1e-14)
    np.testing.assert_allclose(r1, np.diag(np.cos(x)), rtol=1e-14)


def l2_of_weights(params):
    reg = 0.0
    for name, p in params.items():
        if name.startswith("W") or name[0] == "V":  # the key, a constant in each copy
            reg = reg + np.sum(p ** 2)
    return reg


@pytest.mark.parametrize("mode", MODES)
def test_a_loop_over_items_tests_its_key_with_string_methods(mode):
    p = {"W1": np.array([1.0, 2.0]), "b1": np.array([3.0]), "V": np.array([0.5])}
    got = srcdiff.grad(l2_of_weights, mode=mode)(p)
    assert_tree_close(got, {"W1": np.array([2.0, 4.0]), "b1": np.array([0.0]),
                            "V": np.array([1.0])})
