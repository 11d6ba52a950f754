"""Program structure, round 10 (found by peer suites and the realistic corpus): a
gradient called inside a function srcdiff differentiates, passed a list, tuple or
dict built there (a gradient penalty over layers of different shapes: inlined as
its code for that structure, not the generic code that takes the list as one
array). Each against hand formulas or central differences, in both modes."""
import numpy as np
import pytest

import srcdiff
from helpers_numpy import central

MODES = ["reverse", "forward"]


def _ragged_fd(f, xs):
    """Central differences of f at a list of arrays, one array per item."""
    def at(k):
        return lambda v: f([v if j == k else x for j, x in enumerate(xs)])
    return [central(at(k), x) for k, x in enumerate(xs)]


# ---------------------------------------------------------------- a gradient of a ragged list


def inner(xs):
    return np.sum(xs[0] ** 2) + np.sum(np.sin(xs[1]))


def penalty(xs):
    g = srcdiff.grad(inner)(xs)
    return np.sum(g[0] ** 2) + np.sum(g[1] ** 2)


def penalty_hand(xs):
    # |2 x0|^2 + |cos x1|^2: 8 x0 and -2 cos x1 sin x1
    return [8 * xs[0], -np.sin(2 * xs[1])]


XS = [np.array([0.3, 0.7]), np.array([0.1, 0.2, 0.5])]


@pytest.mark.parametrize("mode", MODES)
def test_gradient_of_a_ragged_list_inside_a_gradient(mode):
    got = srcdiff.grad(penalty, mode=mode)([x.copy() for x in XS])
    assert isinstance(got, list) and len(got) == 2
    for g, want, fd in zip(got, penalty_hand(XS), _ragged_fd(penalty, XS)):
        assert np.allclose(g, want, rtol=1e-12)
        assert np.allclose(g, fd, rtol=1e-6, atol=1e-8)


def by_dict(p):
    return np.sum(p["W"] ** 2) * p["c"] + np.sum(np.cos(p["v"]))


def dict_penalty(W, c, v):
    g = srcdiff.grad(by_dict)({"W": W, "c": c, "v": v})
    return np.sum(g["W"] ** 2) + g["c"] ** 2 + np.sum(g["v"] ** 2)


@pytest.mark.parametrize("mode", MODES)
def test_gradient_of_a_dict_built_inside_a_gradient(mode):
    W, c, v = np.array([[0.3, -0.2], [0.5, 0.1]]), 1.3, np.array([0.4, 0.9, -0.3])
    got = srcdiff.grad(dict_penalty, wrt=(0, 1, 2), mode=mode)(W, c, v)
    # |2 c W|^2 + |W|^4 + |sin v|^2
    s = np.sum(W ** 2)
    want = (8 * c ** 2 * W + 4 * s * W, 8 * c * s, np.sin(2 * v))
    for g, w in zip(got, want):
        assert np.allclose(g, w, rtol=1e-12)
    fd = central(lambda W_: dict_penalty(W_, c, v), W)
    assert np.allclose(got[0], fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", MODES)
def test_gradient_of_a_tuple_of_layers_inside_a_gradient(mode):
    def tuple_penalty(W, b):
        g = srcdiff.grad(pair)((W, b))
        return np.sum(g[0] ** 2) + np.sum(g[1] ** 2)

    W, b = np.array([[0.3, -0.2, 0.4], [0.5, 0.1, -0.6]]), np.array([0.2, -0.1])
    got = srcdiff.grad(tuple_penalty, wrt=(0, 1), mode=mode)(W, b)
    fd = (central(lambda W_: tuple_penalty(W_, b), W), central(lambda b_: tuple_penalty(W, b_), b))
    for g, w in zip(got, fd):
        assert np.allclose(g, w, rtol=1e-6, atol=1e-8)


def pair(p):
    W, b = p
    return np.sum(np.tanh(W @ np.ones(3) + b) ** 2)
