"""Benchmark cases: primal functions and hand-written analytic gradients.

Each `Case` pairs a primal `f` (differentiated by srcdiff) with `hand`, a
gradient written by hand the way a careful person would, returning exactly
what `srcdiff.grad(f, wrt)` returns (a bare gradient for a single `wrt`, a
tuple for a tuple `wrt`). `make(quick)` builds the arguments (seeded).

The primals are module-level defs so that srcdiff can read their source.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class Case:
    name: str
    f: Callable
    hand: Callable
    make: Callable  # make(quick: bool) -> tuple of arguments
    wrt: object = 0
    loop: bool = False  # report peak memory of the gradient call
    note: str = ""


# --- scalar polynomial -------------------------------------------------------

def poly(x):
    return 3.0 * x ** 5 - 2.0 * x ** 4 + 0.5 * x ** 3 - x ** 2 + 7.0 * x - 1.0


def poly_hand(x):
    return 15.0 * x ** 4 - 8.0 * x ** 3 + 1.5 * x ** 2 - 2.0 * x + 7.0


# --- scalar math chain of two inputs -----------------------------------------

def chain(x, y):
    z = math.sin(x * y)
    w = math.exp(z) + y * y
    return math.tanh(math.log(w) * x)


def chain_hand(x, y):
    s = x * y
    z = math.sin(s)
    ez = math.exp(z)
    w = ez + y * y
    lw = math.log(w)
    t = math.tanh(lw * x)
    d_u = 1.0 - t * t  # d tanh(u) / du, u = log(w) * x
    d_w = d_u * x / w
    d_s = d_w * ez * math.cos(s)
    gx = d_u * lw + d_s * y
    gy = d_s * x + d_w * 2.0 * y
    return gx, gy


# --- 100-step scalar loop ----------------------------------------------------

def loop100(x):
    for _ in range(100):
        x = 0.9 * x + 0.1 * math.sin(x)
    return x


def loop100_hand(x):
    g = 1.0
    for _ in range(100):
        g *= 0.9 + 0.1 * math.cos(x)
        x = 0.9 * x + 0.1 * math.sin(x)
    return g


def loop10k(x):
    for _ in range(10000):
        x = 0.9 * x + 0.1 * math.sin(x)
    return x


def loop10k_hand(x):
    g = 1.0
    for _ in range(10000):
        g *= 0.9 + 0.1 * math.cos(x)
        x = 0.9 * x + 0.1 * math.sin(x)
    return g


# --- the notes' doubling while-loop ------------------------------------------

def doubling(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return np.sum(c)


def doubling_hand(a):
    scale = 2.0
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
        scale *= 2.0
    if np.sum(b) <= 0:
        scale *= 100.0
    return np.full(a.shape, scale)


# --- 2 * dot(x, x) -------------------------------------------------------------

def dot2(x):
    return 2 * np.dot(x, x)


def dot2_hand(x):
    return 4.0 * x


# --- logistic-regression loss ------------------------------------------------

def logreg(w, X, y):
    z = X @ w
    return np.mean(np.log(1.0 + np.exp(-y * z)))


def logreg_hand(w, X, y):
    z = X @ w
    s = 1.0 / (1.0 + np.exp(y * z))  # sigmoid(-y z)
    return X.T @ (-y * s) / X.shape[0]


# --- 784-256-10 tanh MLP, softmax cross-entropy -------------------------------

def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    m = np.max(logits, axis=1, keepdims=True)
    s = logits - m
    lse = np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    return -np.sum(Y * (s - lse)) / X.shape[0]


def mlp_hand(W1, b1, W2, b2, X, Y):
    n = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    d_logits = (p * np.sum(Y, axis=1, keepdims=True) - Y) / n
    d_z = (d_logits @ W2.T) * (1.0 - h * h)
    return X.T @ d_z, np.sum(d_z, axis=0), h.T @ d_logits, np.sum(d_logits, axis=0)


# --- tanh RNN unrolled with a Python for loop ---------------------------------

def rnn(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return 0.5 * np.sum(h * h)


def rnn_hand(Wx, Wh, b, xs, h0):
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        hs.append(h)
    d_Wx = np.zeros_like(Wx)
    d_Wh = np.zeros_like(Wh)
    d_b = np.zeros_like(b)
    d_h = h
    for t in range(xs.shape[0] - 1, -1, -1):
        d_z = d_h * (1.0 - hs[t + 1] * hs[t + 1])
        d_Wx += xs[t].T @ d_z
        d_Wh += hs[t].T @ d_z
        d_b += np.sum(d_z, axis=0)
        d_h = d_z @ Wh.T
    return d_Wx, d_Wh, d_b


# --- sum(sin(x) cos(x) + x**2) -------------------------------------------------

def sincos(x):
    return np.sum(np.sin(x) * np.cos(x) + x ** 2)


def sincos_hand(x):
    c = np.cos(x)
    s = np.sin(x)
    return c * c - s * s + 2.0 * x


# --- moderate sizes (n ~ 100-1000), as real functions are written ----------------

def softmax_xent(z, y):
    e = np.exp(z - np.max(z))
    p = e / np.sum(e)
    return -np.sum(y * np.log(p))


def softmax_xent_hand(z, y):
    e = np.exp(z - np.max(z))
    return e / np.sum(e) * np.sum(y) - y


def layernorm(X, gamma, beta, C):
    mu = np.mean(X, axis=1, keepdims=True)
    xc = X - mu
    var = np.mean(xc * xc, axis=1, keepdims=True)
    xhat = xc / np.sqrt(var + 1e-5)
    return np.sum(C * (gamma * xhat + beta))


def layernorm_hand(X, gamma, beta, C):
    n = X.shape[1]
    mu = np.mean(X, axis=1, keepdims=True)
    xc = X - mu
    inv = 1.0 / np.sqrt(np.mean(xc * xc, axis=1, keepdims=True) + 1e-5)
    xhat = xc * inv
    d_xhat = C * gamma
    d_X = inv * (d_xhat - np.mean(d_xhat, axis=1, keepdims=True)
                 - xhat * np.sum(d_xhat * xhat, axis=1, keepdims=True) / n)
    return d_X, np.sum(C * xhat, axis=0), np.sum(C, axis=0)


def gauss_ll(mu, log_sigma, X):
    sigma = np.exp(log_sigma)
    z = (X - mu) / sigma
    return -np.sum(0.5 * z * z + log_sigma + 0.5 * math.log(2.0 * math.pi))


def gauss_ll_hand(mu, log_sigma, X):
    z = (X - mu) * np.exp(-log_sigma)
    return np.sum(z, axis=0) * np.exp(-log_sigma), np.sum(z * z, axis=0) - X.shape[0]


def lstsq(w, A, b, lam):
    r = A @ w - b
    return np.dot(r, r) + lam * np.dot(w, w)


def lstsq_hand(w, A, b, lam):
    return 2.0 * (A.T @ (A @ w - b)) + (2.0 * lam) * w


def mlp_small(W1, b1, W2, b2, X, y):
    h = np.maximum(X @ W1 + b1, 0.0)
    r = h @ W2 + b2 - y
    return np.mean(r * r)


def mlp_small_hand(W1, b1, W2, b2, X, y):
    z = X @ W1 + b1
    h = np.maximum(z, 0.0)
    d_r = (2.0 / y.shape[0]) * (h @ W2 + b2 - y)
    d_z = np.outer(d_r, W2) * (z > 0.0)
    return X.T @ d_z, np.sum(d_z, axis=0), h.T @ d_r, float(np.sum(d_r))


# --- entry points other than grad (repeated calls: benchmarks/run.py) ------------

def wave(x):
    return np.sin(x) * x


def wave_jacobian_hand(x):
    return np.diag(np.cos(x) * x + np.sin(x))


def bump(x):
    return math.sin(x) * x * x


def bump_hessian_hand(x):
    s, c = math.sin(x), math.cos(x)
    return 2.0 * s + 4.0 * x * c - x * x * s


# --- argument builders ---------------------------------------------------------

def _rng():
    return np.random.default_rng(0)


def _vec(n):
    return lambda quick: (_rng().standard_normal(min(n, 1000) if quick else n),)


def _logreg_args(quick):
    r = _rng()
    n, d = (500, 20) if quick else (10_000, 100)
    X = r.standard_normal((n, d))
    y = np.where(r.standard_normal(n) > 0, 1.0, -1.0)
    w = r.standard_normal(d) / math.sqrt(d)
    return w, X, y


def _mlp_args(quick):
    r = _rng()
    n, i, h, o = (16, 64, 32, 10) if quick else (128, 784, 256, 10)
    X = r.standard_normal((n, i))
    Y = np.eye(o)[r.integers(0, o, n)]
    W1 = r.standard_normal((i, h)) / math.sqrt(i)
    W2 = r.standard_normal((h, o)) / math.sqrt(h)
    return W1, 0.1 * r.standard_normal(h), W2, 0.1 * r.standard_normal(o), X, Y


def _rnn_args(quick):
    r = _rng()
    T, B, H, n_in = (10, 4, 8, 4) if quick else (50, 16, 64, 32)
    Wx = r.standard_normal((n_in, H)) / math.sqrt(n_in)
    Wh = 0.9 * r.standard_normal((H, H)) / math.sqrt(H)
    b = 0.1 * r.standard_normal(H)
    xs = r.standard_normal((T, B, n_in))
    h0 = np.zeros((B, H))
    return Wx, Wh, b, xs, h0


def _softmax_args(quick):
    r = _rng()
    return r.standard_normal(1000), r.dirichlet(np.ones(1000))


def _layernorm_args(quick):
    r = _rng()
    B, D = 16, 64
    return (r.standard_normal((B, D)), 1.0 + 0.1 * r.standard_normal(D),
            0.1 * r.standard_normal(D), r.standard_normal((B, D)))


def _gauss_args(quick):
    r = _rng()
    n, d = 100, 10
    return r.standard_normal(d), 0.1 * r.standard_normal(d), 2.0 + r.standard_normal((n, d))


def _lstsq_args(quick):
    r = _rng()
    m, n = 300, 30
    return r.standard_normal(n), r.standard_normal((m, n)), r.standard_normal(m), 0.1


def _mlp_small_args(quick):
    r = _rng()
    n, i, h = 32, 20, 32
    return (r.standard_normal((i, h)) / math.sqrt(i), 0.1 * r.standard_normal(h),
            r.standard_normal(h) / math.sqrt(h), 0.1, r.standard_normal((n, i)),
            r.standard_normal(n))


CASES = [
    Case("poly (scalar)", poly, poly_hand, lambda q: (1.3,)),
    Case("sin/exp/log/tanh chain", chain, chain_hand, lambda q: (0.7, 1.1), wrt=(0, 1)),
    Case("loop x=.9x+.1sin x, 100", loop100, loop100_hand, lambda q: (0.8,), loop=True),
    Case("loop x=.9x+.1sin x, 1e4", loop10k, loop10k_hand, lambda q: (0.8,), loop=True),
    Case("doubling while (n=5)", doubling, doubling_hand,
         lambda q: (np.array([0.3, -0.1, 0.2, 0.05, 0.4]),), loop=True),
    Case("2*dot(x,x) n=1e3", dot2, dot2_hand, _vec(1000)),
    Case("2*dot(x,x) n=1e6", dot2, dot2_hand, _vec(1_000_000)),
    Case("logreg n=1e4 d=100", logreg, logreg_hand, _logreg_args),
    Case("MLP 784-256-10 b=128", mlp, mlp_hand, _mlp_args, wrt=(0, 1, 2, 3)),
    Case("RNN T=50 H=64 I=32 B=16", rnn, rnn_hand, _rnn_args, wrt=(0, 1, 2), loop=True),
    Case("sum(sin*cos+x^2) n=1e6", sincos, sincos_hand, _vec(1_000_000)),
    Case("softmax xent n=1e3", softmax_xent, softmax_xent_hand, _softmax_args),
    Case("layer norm 16x64", layernorm, layernorm_hand, _layernorm_args, wrt=(0, 1, 2)),
    Case("Gaussian loglik 100x10", gauss_ll, gauss_ll_hand, _gauss_args, wrt=(0, 1)),
    Case("least squares 300x30", lstsq, lstsq_hand, _lstsq_args),
    Case("MLP 20-32-1 b=32 relu", mlp_small, mlp_small_hand, _mlp_small_args,
         wrt=(0, 1, 2, 3)),
]
