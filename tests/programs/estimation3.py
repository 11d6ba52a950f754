"""Estimation code from statistics, signal processing and finance, with
parameters in containers: a Kalman filter's log-likelihood with its noise
parameters in a dict, an HMM forward pass on transition logits, GARCH(1,1) and
AR(2) likelihoods, an LSTM and a GRU cell with dict weights, a 1-D convolution
layer, batch norm, a Nelson-Siegel curve fit, a Monte Carlo Asian option with
fixed draws, Vasicek bond prices, and an OrderedDict of layers (a state_dict)."""
import collections
import math

import numpy as np

from . import helpers3 as H
from .registry import Program


def kalman_loglik(noise, ys, F=0.9, Hobs=1.0):
    """Scalar local-level model; noise = {"q": log process var, "r": log obs var}."""
    q, r = math.exp(noise["q"]), math.exp(noise["r"])
    m, P = 0.0, 1.0
    ll = 0.0
    for y in ys:
        m, P = F * m, F * P * F + q
        S = Hobs * P * Hobs + r
        K = P * Hobs / S
        innov = y - Hobs * m
        ll += -0.5 * (math.log(2 * math.pi * S) + innov ** 2 / S)
        m, P = m + K * innov, (1 - K * Hobs) * P
    return -ll


def hmm_forward(logits, means, obs, sigma=1.0):
    """log p(obs) of a Gaussian HMM; transition matrix = row softmax of logits."""
    logA = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    n = logits.shape[0]
    log_alpha = -math.log(n) + H.gaussian_logpdf(obs[0], means, sigma)
    for t in range(1, len(obs)):
        a = log_alpha[:, None] + logA
        m = np.max(a, axis=0)
        log_alpha = m + np.log(np.sum(np.exp(a - m), axis=0)) + \
            H.gaussian_logpdf(obs[t], means, sigma)
    m = np.max(log_alpha)
    return -(m + np.log(np.sum(np.exp(log_alpha - m))))


def garch_nll(omega, alpha, beta, returns):
    var = np.var(returns)
    nll = 0.0
    for r in returns:
        nll += 0.5 * (math.log(var) + r * r / var)
        var = omega + alpha * r * r + beta * var
    return nll


def ar2_nll(phi, series, sigma=0.5):
    resid = series[2:] - phi[0] * series[1:-1] - phi[1] * series[:-2]
    return 0.5 * np.sum(resid ** 2) / sigma ** 2


def lstm_loss(p, xs, target):
    hdim = p["b"].shape[0] // 4
    h, c = np.zeros(hdim), np.zeros(hdim)
    for x in xs:
        z = p["Wx"] @ x + p["Wh"] @ h + p["b"]
        i, f, o, g = z[:hdim], z[hdim:2 * hdim], z[2 * hdim:3 * hdim], z[3 * hdim:]
        c = (1 / (1 + np.exp(-f))) * c + (1 / (1 + np.exp(-i))) * np.tanh(g)
        h = (1 / (1 + np.exp(-o))) * np.tanh(c)
    return np.sum((h - target) ** 2)


def _gru_cell(p, h, x):
    z = 1 / (1 + np.exp(-(p["Wz"] @ x + p["Uz"] @ h)))
    r = 1 / (1 + np.exp(-(p["Wr"] @ x + p["Ur"] @ h)))
    cand = np.tanh(p["Wc"] @ x + p["Uc"] @ (r * h))
    return (1 - z) * h + z * cand


def gru_loss(p, xs, target):
    h = np.zeros(p["Uz"].shape[0])
    for x in xs:
        h = _gru_cell(p, h, x)
    return np.sum((h - target) ** 2)


def conv1d_layer(kernel, bias, signal, target):
    k = len(kernel)
    out = np.array([np.dot(signal[i:i + k], kernel) for i in range(len(signal) - k + 1)]) + bias
    return np.mean((np.tanh(out) - target) ** 2)


def batchnorm_mlp(params, X, y, eps=1e-5):
    z = X @ params["W1"]
    z = (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + eps)
    h = np.maximum(params["gamma"] * z + params["beta"], 0.0)
    return np.mean((h @ params["W2"] - y) ** 2)


def nelson_siegel_fit(beta, tau, maturities, yields):
    x = maturities / tau
    load1 = (1 - np.exp(-x)) / x
    load2 = load1 - np.exp(-x)
    model = beta[0] + beta[1] * load1 + beta[2] * load2
    return np.sum((model - yields) ** 2)


def asian_call_mc(S0, sigma, Z, K=100.0, r=0.02, T=1.0):
    """Pathwise estimate with fixed normal draws Z (paths x steps)."""
    n = Z.shape[1]
    dt = T / n
    log_paths = math.log(S0) + np.cumsum((r - 0.5 * sigma ** 2) * dt
                                         + sigma * math.sqrt(dt) * Z, axis=1)
    avg = np.mean(np.exp(log_paths), axis=1)
    payoff = np.maximum(avg - K, 0.0)
    return math.exp(-r * T) * np.mean(payoff)


def vasicek_bond_prices(a, b, sigma, r0, maturities):
    B = (1 - np.exp(-a * maturities)) / a
    A = np.exp((b - sigma ** 2 / (2 * a * a)) * (B - maturities) - sigma ** 2 * B ** 2 / (4 * a))
    return np.sum(A * np.exp(-B * r0))


def state_dict_mlp(state, x, y):
    h = np.tanh(x @ state["fc1.weight"].T + state["fc1.bias"])
    out = h @ state["fc2.weight"].T + state["fc2.bias"]
    return np.mean((out - y) ** 2)


def _kalman(rng):
    ys = np.cumsum(0.3 * rng.standard_normal(12)) + 0.5 * rng.standard_normal(12)
    return {"q": rng.uniform(-2, -1), "r": rng.uniform(-1.5, -0.5)}, ys


def _lstm(rng):
    d, hdim = 2, 3
    return ({"Wx": 0.5 * rng.standard_normal((4 * hdim, d)),
             "Wh": 0.5 * rng.standard_normal((4 * hdim, hdim)),
             "b": 0.1 * rng.standard_normal(4 * hdim)},
            rng.standard_normal((4, d)), rng.standard_normal(hdim))


def _gru(rng):
    d, hdim = 2, 3
    p = {}
    for g in "zrc":
        p["W" + g] = 0.5 * rng.standard_normal((hdim, d))
        p["U" + g] = 0.5 * rng.standard_normal((hdim, hdim))
    return p, rng.standard_normal((4, d)), rng.standard_normal(hdim)


def _bn(rng):
    return ({"W1": rng.standard_normal((3, 4)), "gamma": 1 + 0.1 * rng.standard_normal(4),
             "beta": 0.5 + 0.1 * rng.standard_normal(4), "W2": rng.standard_normal((4, 1))},
            rng.standard_normal((6, 3)), rng.standard_normal((6, 1)))


def _state_dict(rng):
    sd = collections.OrderedDict()
    sd["fc1.weight"] = 0.5 * rng.standard_normal((4, 3))
    sd["fc1.bias"] = 0.1 * rng.standard_normal(4)
    sd["fc2.weight"] = 0.5 * rng.standard_normal((2, 4))
    sd["fc2.bias"] = 0.1 * rng.standard_normal(2)
    return sd, rng.standard_normal((5, 3)), rng.standard_normal((5, 2))


PROGRAMS = [
    Program(kalman_loglik, _kalman, "noise"),
    Program(hmm_forward, lambda rng: (rng.standard_normal((3, 3)), np.array([-1.0, 0.0, 1.5]),
                                      rng.standard_normal(8)), ("logits", "means")),
    Program(garch_nll, lambda rng: (rng.uniform(0.05, 0.1), rng.uniform(0.05, 0.15),
                                    rng.uniform(0.7, 0.85), 0.5 * rng.standard_normal(20)),
            ("omega", "alpha", "beta")),
    Program(ar2_nll, lambda rng: (np.array([0.5, -0.2]) + 0.1 * rng.standard_normal(2),
                                  np.cumsum(rng.standard_normal(15)) * 0.3)),
    Program(lstm_loss, _lstm, "p"),
    Program(gru_loss, _gru, "p"),
    Program(conv1d_layer, lambda rng: (rng.standard_normal(3), 0.1, rng.standard_normal(10),
                                       rng.uniform(-0.5, 0.5, 8)), ("kernel", "bias")),
    Program(batchnorm_mlp, _bn, "params"),
    Program(nelson_siegel_fit,
            lambda rng: (np.array([0.04, -0.02, 0.01]) + 0.005 * rng.standard_normal(3),
                         rng.uniform(1.0, 3.0), np.array([0.5, 1, 2, 5, 10, 30.0]),
                         0.03 + 0.005 * rng.standard_normal(6)), ("beta", "tau")),
    Program(asian_call_mc, lambda rng: (rng.uniform(95, 110), rng.uniform(0.15, 0.3),
                                        rng.standard_normal((64, 12))), ("S0", "sigma")),
    Program(vasicek_bond_prices,
            lambda rng: (rng.uniform(0.1, 0.5), rng.uniform(0.02, 0.06), rng.uniform(0.005, 0.02),
                         rng.uniform(0.01, 0.04), np.array([1.0, 2.0, 5.0, 10.0])),
            ("a", "b", "sigma", "r0")),
    Program(state_dict_mlp, _state_dict, "state"),
]
