"""Parameters in dicts, lists and tuples, and *args/**kwargs, used the way real programs
use them: small networks with dict params (weight decay over `.items()` filtered by
key, `sorted(params.items(), key=itemgetter(0))`), optimizer steps that update a dict
functionally (`{k: v - lr * g[k] ...}`, `{**params, "W": ...}`), slices and reversals
of lists of layers, `list(d.values())` and `*d.values()` passed to helpers, and
objective functions taking `*args` (scipy.optimize's convention) or `**kwargs`.
Each against central differences, in both modes, with its `.source` read."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import srcdiff
from helpers_numpy import central
from source_text import code

MODES = ("reverse", "forward")


# ----- references: central differences leaf by leaf -----
def _leaves(t, path=()):
    if isinstance(t, dict):
        for k, v in t.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(t, (list, tuple)):
        for k, v in enumerate(t):
            yield from _leaves(v, path + (k,))
    else:
        yield path, t


def _get(t, path):
    for k in path:
        t = t[k]
    return t


def _put(t, path, value):
    if not path:
        return value
    k, rest = path[0], path[1:]
    if isinstance(t, dict):
        return {**t, k: _put(t[k], rest, value)}
    items = list(t)
    items[k] = _put(items[k], rest, value)
    return type(t)(items)


def tree_central(f, args, i):
    """d f / d args[i], leaf by leaf, in args[i]'s structure."""
    out = args[i]
    for path, leaf in _leaves(args[i]):
        def at(x, path=path, leaf=leaf):
            a = list(args)
            a[i] = _put(args[i], path, x if np.ndim(leaf) else float(x))
            return f(*a)
        out = _put(out, path, central(at, leaf) if np.ndim(leaf) else float(central(at, leaf)))
    return out


def assert_tree_close(got, want, rtol=1e-6, atol=1e-7):
    assert type(got) is type(want), (type(got), type(want))
    if isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            assert_tree_close(got[k], want[k], rtol, atol)
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_tree_close(g, w, rtol, atol)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def check(f, args, wrt=0, mode="reverse"):
    """grad(f, wrt, mode) at args against central differences; returns the derivative."""
    g = srcdiff.grad(f, wrt=wrt, mode=mode)
    got = g(*args)
    idx = wrt if isinstance(wrt, tuple) else (wrt,)
    want = tuple(tree_central(f, args, i) for i in idx)
    assert_tree_close(got if isinstance(wrt, tuple) else (got,), want)
    return g


RNG = np.random.default_rng(11)
PARAMS = {"W1": 0.5 * RNG.standard_normal((3, 4)), "b1": 0.1 * RNG.standard_normal(4),
          "W2": 0.5 * RNG.standard_normal((4, 2)), "b2": 0.1 * RNG.standard_normal(2)}
X = RNG.standard_normal((5, 3))
Y = RNG.standard_normal((5, 2))


# ----- a network with dict params: .items() filtered by key, sorted items -----
def mlp_decay(params, X, Y, lam=1e-2):
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    decay = sum(np.sum(W ** 2) for name, W in params.items() if name.startswith("W"))
    return np.mean((out - Y) ** 2) + lam * decay


def norms_in_key_order(params):
    """sorted(params.items(), key=itemgetter(0)) and enumerate: weights by key order."""
    total = 0.0
    for i, (_name, v) in enumerate(sorted(params.items(), key=operator.itemgetter(0))):
        total = total + (i + 1.0) * np.sum(np.sin(v))
    for i, name in enumerate(sorted(params, reverse=True)):
        total = total + i * np.sum(np.cos(params[name]))
    return total


@pytest.mark.parametrize("mode", MODES)
def test_weight_decay_over_items_filtered_by_key(mode):
    g = check(mlp_decay, (PARAMS, X, Y), mode=mode)
    if mode == "reverse":  # leaves named by the user's keys, the gradient a dict display
        assert "W1 = params['W1']" in g.source
        assert "return {'W1': " in g.source and "'b2': " in g.source
        assert "startswith" not in code(g.source)  # (the test of the keys is decided when built)


@pytest.mark.parametrize("mode", MODES)
def test_sorted_items_and_keys_with_enumerate(mode):
    g = check(norms_in_key_order, (PARAMS,), mode=mode)
    if mode == "reverse":
        assert "sorted" not in code(g.source) and "b1 = params['b1']" in g.source


def test_a_sort_by_the_values_is_refused_located():
    def by_size(params):
        return sum(np.sum(v) for k, v in sorted(params.items(), key=lambda kv: np.sum(kv[1])))

    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="sorted.*key=") as info:
        srcdiff.grad(by_size)(PARAMS)
    assert "test_params11.py" in str(info.value)


def test_a_condition_known_only_at_run_time_is_refused():
    def big(params):
        return sum(np.sum(v) for v in params.values() if np.sum(v) > 0)

    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="known only at run time"):
        srcdiff.grad(big)(PARAMS)


# ----- optimizer steps updating a dict functionally -----
def sgd_then_loss(params, grads, X, Y, lr=0.1):
    new = {k: v - lr * grads[k] for k, v in params.items()}
    return mlp_decay(new, X, Y)


def momentum_update(params, X, Y):
    step = {**params, "W1": 0.9 * params["W1"], "b2": params["b2"] + 0.5}
    return mlp_decay(step, X, Y)


@pytest.mark.parametrize("mode", MODES)
def test_sgd_step_over_items(mode):
    grads = {k: 0.3 * RNG.standard_normal(np.shape(v)) for k, v in PARAMS.items()}
    check(sgd_then_loss, (PARAMS, grads, X, Y), wrt=(0, 1), mode=mode)


@pytest.mark.parametrize("mode", MODES)
def test_double_star_update_of_a_dict_parameter(mode):
    g = check(momentum_update, (PARAMS, X, Y), mode=mode)
    if mode == "reverse":  # (the helper's test of the keys decided when built, too)
        assert "startswith" not in code(g.source) and "return {'W1': d_W1, 'b1': d_b1" in g.source


def test_mutating_a_dict_parameter_is_refused_and_leaves_it_alone():
    def step_in_place(layer, x):
        layer["W"] = layer["W"] - 0.1 * x
        return np.sum(layer["W"] ** 2)

    layer = {"W": np.ones(3)}
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="caller"):
        srcdiff.grad(step_in_place)(layer, np.arange(3.0))
    np.testing.assert_array_equal(layer["W"], np.ones(3))


# ----- lists of layers: slices, reversal, zip with keys, values as a list -----
def tied_layers(layers, x):
    """An encoder over layers, a decoder over reversed(layers) with W transposed."""
    h = x
    for layer in layers:
        h = np.tanh(h @ layer["W"] + layer["b"])
    for layer in reversed(layers[1:]):
        h = np.tanh(h @ layer["W"].T)
    return np.sum(h ** 2) + np.sum(layers[1:][0]["b"])


def _sum_squares(*arrays):
    return sum(np.sum(a ** 2) for a in arrays)


def values_to_helpers(params):
    flat = np.concatenate([np.ravel(v) for v in list(params.values())])
    named = 0.0
    for name, v in zip(params.keys(), params.values()):
        named = named + len(name) * np.sum(v)
    return np.sum(flat ** 3) + _sum_squares(*params.values()) + named


@pytest.mark.parametrize("mode", MODES)
def test_reversed_slice_of_a_list_of_layers(mode):
    layers = [{"W": 0.5 * RNG.standard_normal((3, 3)), "b": 0.1 * RNG.standard_normal(3)}
              for _ in range(3)]
    check(tied_layers, (layers, RNG.standard_normal((2, 3))), wrt=(0, 1), mode=mode)


@pytest.mark.parametrize("mode", MODES)
def test_values_as_a_list_and_spread_into_a_helper(mode):
    g = check(values_to_helpers, (PARAMS,), mode=mode)
    if mode == "reverse":
        assert "values()" not in code(g.source) and "keys()" not in code(g.source)


def test_an_item_of_a_slice_of_a_nested_list():
    """autograd's test_nested_list: x[1:][0] of [[1.0], 2.0, 1.5] is 2.0."""
    def fun(x):
        return x[1:][0] * x[-1:][0]

    assert srcdiff.grad(fun)([[1.0], 2.0, 1.5]) == [[0.0], 1.5, 2.0]


# ----- a second derivative through a list of arrays of different shapes -----
def _inner(xs):
    return np.sum(np.sin(xs[0])) + np.sum(np.cos(xs[1]))


def _outer(xs):
    g = srcdiff.grad(_inner)(xs)
    return np.sum(g[0]) + np.sum(np.sin(g[1]))


def test_vjp_of_a_gradient_calling_a_gradient_of_a_list():
    xs = [RNG.standard_normal((2, 3)), RNG.standard_normal(4), RNG.standard_normal((2, 2))]
    G = srcdiff.grad(_outer)
    ct = [RNG.standard_normal(np.shape(x)) for x in xs]
    (got,), = [srcdiff.vjp(G, xs)[1](ct)]
    h = 1e-6
    for i in range(len(xs)):  # <ct, dG/dxs[i] e> for e = ones, by differences
        e = [np.zeros_like(x) for x in xs]
        e[i] = np.ones_like(xs[i])
        plus = G([x + h * d for x, d in zip(xs, e)])
        minus = G([x - h * d for x, d in zip(xs, e)])
        want = sum(np.sum(c * (p - m) / (2 * h)) for c, p, m in zip(ct, plus, minus))
        np.testing.assert_allclose(np.sum(got[i]), want, rtol=1e-5, atol=1e-7)


# ----- *args and **kwargs in the differentiated function -----
def least_squares(theta, *args):
    """scipy.optimize's convention: fun(x, *args)."""
    X, y, lam = args
    return np.sum((X @ theta - y) ** 2) + lam * theta @ theta


def scaled(x, **opts):
    return np.sum(opts["w"] * x ** 2) + opts.get("b", 0.0) * np.sum(x)


def product_of_all(*xs):
    out = 1.0
    for x in xs:
        out = out * np.sum(x)
    return out


@pytest.mark.parametrize("mode", MODES)
def test_star_args_objective(mode):
    theta = RNG.standard_normal(3)
    X3, y3 = RNG.standard_normal((6, 3)), RNG.standard_normal(6)
    g = srcdiff.grad(least_squares, mode=mode)
    np.testing.assert_allclose(g(theta, X3, y3, 0.5),
                               2 * X3.T @ (X3 @ theta - y3) + 2 * 0.5 * theta, rtol=1e-10)
    assert g.source.splitlines()[0] == "def least_squares_grad(theta, args_0, args_1, args_2):"
    lam = srcdiff.grad(least_squares, wrt=3, mode=mode)(theta, X3, y3, 0.5)  # JAX's argnums
    assert lam == pytest.approx(theta @ theta)


@pytest.mark.parametrize("mode", MODES)
def test_star_args_counted_per_call(mode):
    """The same derivative called with two, then three arguments: one build per count."""
    a, b, c = (RNG.standard_normal(2) for _ in range(3))
    g = srcdiff.grad(product_of_all, wrt=(0, 1), mode=mode)
    got = g(a, b)
    np.testing.assert_allclose(got[0], np.full(2, np.sum(b)))
    got = g(a, b, c)
    np.testing.assert_allclose(got[1], np.full(2, np.sum(a) * np.sum(c)))
    assert "args_2" in g.source or "xs_2" in g.source


@pytest.mark.parametrize("mode", MODES)
def test_kwargs_are_held_constant(mode):
    x, w = RNG.standard_normal(3), RNG.uniform(0.5, 1.5, 3)
    g = srcdiff.grad(scaled, mode=mode)
    np.testing.assert_allclose(g(x, w=w), 2 * w * x)
    np.testing.assert_allclose(g(x, w=w, b=0.25), 2 * w * x + 0.25)
    assert g.source.splitlines()[0] == "def scaled_grad(x, *, w, b):"


def test_jacobian_hessian_hvp_value_and_grad_of_star_args():
    a, b = RNG.standard_normal(3), RNG.standard_normal(3)

    def f(*xs):
        return np.sum(xs[0] * xs[1] ** 2)

    np.testing.assert_allclose(srcdiff.jacobian(lambda *xs: xs[0] * xs[1], wrt=1)(a, b),
                               np.diag(a))
    np.testing.assert_allclose(srcdiff.hessian(f, wrt=1)(a, b), np.diag(2 * a))
    np.testing.assert_allclose(srcdiff.hvp(f, wrt=1)(a, b, np.ones(3)), 2 * a)
    value, grad = srcdiff.value_and_grad(f)(a, b)
    assert value == pytest.approx(np.sum(a * b ** 2))
    np.testing.assert_allclose(grad, b ** 2)
    G = srcdiff.grad(f, wrt=1)  # a derivative of it, differentiated again at a call
    np.testing.assert_allclose(srcdiff.vjp(G, a, b)[1](np.ones(3))[1], 2 * a)
    np.testing.assert_allclose(srcdiff.jvp(G, (a, b), (np.ones(3), np.zeros(3)))[1], 2 * b)


def test_star_args_source_before_a_call_and_a_call_that_does_not_fit():
    g = srcdiff.grad(least_squares)
    assert g.source.startswith("# built at the first call")
    with pytest.raises(TypeError):
        g()  # theta is missing: Python's own TypeError


def _huber_fit(w, X, y, **opts):
    r = X @ w - y
    delta = opts.get("delta", 1.0)
    loss = np.sum(np.where(np.abs(r) < delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta)))
    return loss + opts["l2"] * np.sum(w ** 2) if "l2" in opts else loss


@pytest.mark.parametrize("mode", MODES)
def test_a_partial_binding_keywords_into_kwargs(mode):
    """partial(fit, delta=0.5, l2=0.1) of `fit(w, X, y, **opts)`: the keywords it binds
    reach **opts (they show in no parameter of the partial's signature)."""
    import functools

    fit = functools.partial(_huber_fit, delta=0.5, l2=0.1)
    w, X3, y3 = RNG.standard_normal(3), RNG.standard_normal((8, 3)), 2 * RNG.standard_normal(8)
    got = srcdiff.grad(fit, mode=mode)(w, X3, y3)
    np.testing.assert_allclose(got, central(lambda v: fit(v, X3, y3), w), rtol=1e-6, atol=1e-8)


# ----- a gradient whose loops run over a dict, called inside f (autograd's d_fun) -----
def _looped(d):
    total = 0.0
    for v in d.values():
        total = total + np.sum(np.sin(v))
    return total


def _penalised_gradient(d):
    g = srcdiff.grad(_looped)(d)
    return np.sum(np.sin(g["a"])) + np.sum(g["b"] ** 2)


@pytest.mark.parametrize("mode", MODES)
def test_a_gradient_looping_over_a_dict_inside_f(mode):
    """grad(_looped) has a loop, but over the dict's values: for the dict's structure it
    is unrolled, code srcdiff differentiates again (it was 'the method .values() of a
    differentiated value has no derivative rule')."""
    d = {"a": RNG.standard_normal((2, 3)), "b": RNG.standard_normal(3)}
    check(_penalised_gradient, (d,), mode=mode)
    a, b = d["a"], d["b"]  # by hand: d/da sum(sin(cos a)) and d/db sum(cos(b)^2)
    got = srcdiff.grad(_penalised_gradient, mode=mode)(d)
    np.testing.assert_allclose(got["a"], -np.cos(np.cos(a)) * np.sin(a))
    np.testing.assert_allclose(got["b"], -2 * np.cos(b) * np.sin(b))


def test_vjp_of_a_gradient_looping_over_a_dict():
    d = {"a": RNG.standard_normal(3), "b": RNG.standard_normal(2)}
    ct = {"a": RNG.standard_normal(3), "b": RNG.standard_normal(2)}
    (got,) = srcdiff.vjp(srcdiff.grad(_looped), d)[1](ct)
    # d/dv cos(v) = -sin(v), elementwise: the vjp is -sin(v) * ct
    np.testing.assert_allclose(got["a"], -np.sin(d["a"]) * ct["a"])
    np.testing.assert_allclose(got["b"], -np.sin(d["b"]) * ct["b"])
