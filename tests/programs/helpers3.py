"""Helpers the third batch of programs imports, the way a project keeps its
model code, integrators and statistics in a module of their own. Not a corpus
module: it has no `PROGRAMS`."""
import math

import numpy as np


# ---------------------------------------------------------------- layers and networks

def dense(layer, x):
    return x @ layer["W"] + layer["b"]


def relu(z):
    return np.maximum(z, 0.0)


def mlp(params, x):
    h = np.tanh(x @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"]


def l2(params):
    total = 0.0
    for p in params.values():
        total = total + np.sum(p ** 2)
    return total


def forward(layers, x, act=np.tanh):
    h = x
    for W, b in layers[:-1]:
        h = act(h @ W + b)
    W, b = layers[-1]
    return h @ W + b


def rnn_final(cell, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(cell["Wx"] @ x + cell["Wh"] @ h + cell["b"])
    return h


def softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def attention(params, x):
    q, k, v = x @ params["Wq"], x @ params["Wk"], x @ params["Wv"]
    w = softmax(q @ k.T / math.sqrt(q.shape[1]))
    return w @ v


def predict(model, X):
    return X @ model.w + model.b


# ---------------------------------------------------------------- statistics

def stats(v):
    mean = np.mean(v)
    std = np.sqrt(np.mean((v - mean) ** 2))
    return mean, std


def gaussian_logpdf(x, mu, sigma):
    return -0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * math.log(2 * math.pi)


def log_sigmoid(z):
    return -np.logaddexp(0.0, -z)


def huber(r, delta=1.0):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta))


def softplus(z):
    return np.logaddexp(0.0, z)


# ---------------------------------------------------------------- integrators and solvers

def logistic_rhs(y, k):
    return k * y * (1.0 - y)


def decay_rhs(y, k=0.5):
    return -k * y


def oscillator_rhs(state, omega):
    x, v = state
    return v, -omega ** 2 * x


def rk4_step(rhs, state, dt, *args):
    """One RK4 step for a right-hand side returning a tuple of derivatives."""
    k1 = rhs(state, *args)
    s2 = tuple(s + 0.5 * dt * k for s, k in zip(state, k1))
    k2 = rhs(s2, *args)
    s3 = tuple(s + 0.5 * dt * k for s, k in zip(state, k2))
    k3 = rhs(s3, *args)
    s4 = tuple(s + dt * k for s, k in zip(state, k3))
    k4 = rhs(s4, *args)
    return tuple(s + dt / 6 * (a + 2 * b + 2 * c + d)
                 for s, a, b, c, d in zip(state, k1, k2, k3, k4))


def trapezoid(fn, a, b, n=16):
    h = (b - a) / n
    total = 0.5 * (fn(a) + fn(b))
    for i in range(1, n):
        total = total + fn(a + i * h)
    return h * total


def gravity(x, y, gm):
    r3 = (x * x + y * y) ** 1.5
    return -gm * x / r3, -gm * y / r3


def quadratic_grad(x):
    """The gradient of 0.5 x' A x - 1' x with A = diag(1, 2, 3, ...)."""
    return np.arange(1, x.size + 1) * x - 1.0


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


# ---------------------------------------------------------------- finance

def norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def bs_d(S, K, r, sigma, T):
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))
    return d1, d1 - sigma * math.sqrt(T)


def portfolio_stats(w, mu, cov):
    return w @ mu, w @ cov @ w


def bond(cashflows, times, y):
    """Price and Macaulay duration at a continuously compounded yield."""
    price = 0.0
    weighted = 0.0
    for c, t in zip(cashflows, times):
        pv = c * math.exp(-y * t)
        price += pv
        weighted += t * pv
    return price, weighted / price
