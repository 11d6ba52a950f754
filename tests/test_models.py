"""Small models end to end: each gradient against central finite differences and
against a gradient written out by hand here (exact to rounding)."""
import numpy as np
import pytest

import srcdiff
from helpers_numpy import assert_close, assert_like, fd_vjp


def logistic_loss(w, b, X, y):
    z = X @ w + b
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def logistic_by_hand(w, b, X, y):
    p = 1 / (1 + np.exp(-(X @ w + b)))
    dz = (p - y) / len(y)
    return X.T @ dz, float(np.sum(dz))


def mlp_loss(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(Y * logp) / X.shape[0]


def mlp_by_hand(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    dlogits = (e / e.sum(axis=1, keepdims=True) - Y) / X.shape[0]
    dpre = dlogits @ W2.T * (1 - h * h)
    return X.T @ dpre, dpre.sum(0), h.T @ dlogits, dlogits.sum(0)


def rnn_loss(Wx, Wh, b, xs, ys, h0):
    h = h0
    loss = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        loss = loss + 0.5 * np.sum((h - ys[t]) ** 2)
    return loss


def rnn_by_hand(Wx, Wh, b, xs, ys, h0):
    hs = [h0]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(xs[t] @ Wx + hs[-1] @ Wh + b))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh = np.zeros_like(h0)
    for t in reversed(range(xs.shape[0])):
        dh = dh + (hs[t + 1] - ys[t])
        dpre = dh * (1 - hs[t + 1] ** 2)
        dWx += np.outer(xs[t], dpre)
        dWh += np.outer(hs[t], dpre)
        db += dpre
        dh = dpre @ Wh.T
    return dWx, dWh, db, dh


def logistic_data(rng):
    X = rng.standard_normal((8, 3))
    return [rng.standard_normal(3), 0.3, X, (rng.uniform(size=8) > 0.5).astype(float)]


def mlp_data(rng):
    X = rng.standard_normal((5, 3))
    Y = np.eye(4)[rng.integers(0, 4, size=5)]
    return [rng.standard_normal((3, 6)) * 0.7, rng.standard_normal(6) * 0.1,
            rng.standard_normal((6, 4)) * 0.7, rng.standard_normal(4) * 0.1, X, Y]


def rnn_data(rng):
    T, n_in, n_h = 6, 3, 4
    return [rng.standard_normal((n_in, n_h)) * 0.5, rng.standard_normal((n_h, n_h)) * 0.5,
            rng.standard_normal(n_h) * 0.1, rng.standard_normal((T, n_in)),
            rng.standard_normal((T, n_h)) * 0.5, rng.standard_normal(n_h) * 0.1]


LOGISTIC = (logistic_loss, logistic_by_hand, logistic_data, (0, 1))
MLP = (mlp_loss, mlp_by_hand, mlp_data, (0, 1, 2, 3))
RNN = (rnn_loss, rnn_by_hand, rnn_data, (0, 1, 2, 5))
MODELS = [(*LOGISTIC, "reverse"), (*LOGISTIC, "forward"), (*MLP, "reverse"), (*MLP, "forward"),
          (*RNN, "reverse"), (*RNN, "forward")]


@pytest.mark.parametrize("loss, by_hand, data, wrt, mode", MODELS,
                         ids=[f"{m[0].__name__}-{m[4]}" for m in MODELS])
def test_model(loss, by_hand, data, wrt, mode):
    args = data(np.random.default_rng(7))
    grads = srcdiff.grad(loss, wrt=wrt, mode=mode)(*args)
    want = by_hand(*args)
    assert len(grads) == len(wrt) == len(want)
    for i, g, w in zip(wrt, grads, want):
        what = f"{loss.__name__} d/d {i}"
        assert_like(g, args[i], what)
        assert not any(np.shares_memory(g, a) for a in args if isinstance(a, np.ndarray))
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14, err_msg=what)
        assert_close(g, fd_vjp(loss, args, i, 1.0), what=what + " (finite differences)")


def test_model_value_and_grad_matches_primal():
    args = mlp_data(np.random.default_rng(8))
    value, grads = srcdiff.value_and_grad(mlp_loss, wrt=(0, 2))(*args)
    assert value == mlp_loss(*args)
    np.testing.assert_allclose(grads[1], mlp_by_hand(*args)[2], rtol=1e-12)


def test_rnn_zero_steps_gives_zero_gradient():
    Wx, Wh, b, xs, ys, h0 = rnn_data(np.random.default_rng(9))
    g = srcdiff.grad(rnn_loss, wrt=(0, 5))(Wx, Wh, b, xs[:0], ys[:0], h0)
    np.testing.assert_array_equal(g[0], np.zeros_like(Wx))
    np.testing.assert_array_equal(g[1], np.zeros_like(h0))
