"""Small applications as people write them: parameters in dicts and lists of
dicts, classes holding parameters, dataclasses and namedtuples, helpers from
the project's own module (held-out corpus, round 5)."""
# ruff: noqa: E501, B007, B008, E741, F841, E731
from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import dataclass
from math import cos, sin

import numpy as np

from . import _lib5 as lib
from ._lib5 import conv1d, gaussian_logpdf, l2_penalty, log_sigmoid, logsumexp, norm_cdf, rk4_step, sigmoid, softmax
from .registry import Program

# ---------------------------------------------------------------- estimation


def kalman_step_nll(q, r, ys, x0=0.0, P0=1.0):
    """Negative log-likelihood of a 1-D random walk observed with noise."""
    x, P = x0, P0
    nll = 0.0
    for y in ys:
        P = P + q
        S = P + r
        K = P / S
        innov = y - x
        nll += 0.5 * (math.log(2 * math.pi * S) + innov ** 2 / S)
        x = x + K * innov
        P = (1 - K) * P
    return nll


def kalman_filter_2d(F, H, Q, R, ys):
    n = F.shape[0]
    x = np.zeros(n)
    P = np.eye(n)
    total = 0.0
    for t in range(ys.shape[0]):
        x = F @ x
        P = F @ P @ F.T + Q
        S = H @ P @ H.T + R
        K = P @ H.T @ np.linalg.inv(S)
        v = ys[t] - H @ x
        total += 0.5 * (v @ np.linalg.solve(S, v) + np.log(np.linalg.det(S)))
        x = x + K @ v
        P = (np.eye(n) - K @ H) @ P
    return total


def logistic_nll(w, X, y, l2: float = 0.01) -> float:
    z = X @ w
    ll = np.sum(y * log_sigmoid(z) + (1 - y) * log_sigmoid(-z))
    return -ll + 0.5 * l2 * w @ w


def poisson_regression_nll(beta, X, counts):
    eta = X @ beta
    mu = np.exp(eta)
    return np.sum(mu - counts * eta)


def negbin_nll(log_r, log_mu, k):
    r, mu = np.exp(log_r), np.exp(log_mu)
    from scipy.special import gammaln
    ll = gammaln(k + r) - gammaln(r) - gammaln(k + 1) + r * np.log(r / (r + mu)) + k * np.log(mu / (r + mu))
    return -np.sum(ll)


def gmm_loglik(weights_logits, means, log_sds, x):
    logw = weights_logits - logsumexp(weights_logits)
    comp = gaussian_logpdf(x[:, None], means[None, :], np.exp(log_sds)[None, :])
    return -np.sum(logsumexp(comp + logw[None, :], axis=1))


GMMParams = namedtuple("GMMParams", ["logits", "mu", "log_sigma"])


def gmm_namedtuple(p: GMMParams, x):
    logw = p.logits - logsumexp(p.logits)
    comp = -0.5 * ((x[:, None] - p.mu) / np.exp(p.log_sigma)) ** 2 - p.log_sigma + logw
    return -np.sum(logsumexp(comp, axis=1))


@dataclass
class Prior:
    mu: float = 0.0
    tau: float = 1.0


def map_objective(theta, x, prior: Prior = Prior()):
    mu, log_s = theta[0], theta[1]
    s = np.exp(log_s)
    lik = np.sum(gaussian_logpdf(x, mu, s))
    return -(lik - 0.5 * ((mu - prior.mu) / prior.tau) ** 2)


# ---------------------------------------------------------------- neural nets


def mlp_dict_loss(params: dict, X, y, lam=1e-3):
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    mse = np.mean((out.ravel() - y) ** 2)
    return mse + l2_penalty({k: v for k, v in params.items() if k.startswith("W")}, lam)


def mlp_layers(layers: list, x):
    h = x
    for i, layer in enumerate(layers):
        h = h @ layer["W"] + layer["b"]
        if i != len(layers) - 1:
            h = lib.gelu(h)
    return np.sum(softmax(h) * np.arange(h.shape[-1]))


class TinyCNN:
    def __init__(self, kernel, w_out, bias=0.0):
        self.kernel = kernel
        self.w_out = w_out
        self.bias = bias

    def features(self, x):
        h = conv1d(x, self.kernel)
        return np.maximum(h, 0.0)

    def __call__(self, x):
        f = self.features(x)
        return f @ self.w_out[: len(f)] + self.bias


def cnn_loss(kernel, w_out, x, target=1.0):
    net = TinyCNN(kernel, w_out)
    return (net(x) - target) ** 2


def conv_strided(kernel, x):
    y = conv1d(x, kernel, stride=2)
    return np.sum(np.tanh(y) ** 2)


def attention(Wq, Wk, Wv, X):
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    d = Q.shape[-1]
    A = softmax(Q @ K.T / np.sqrt(d), axis=-1)
    return np.sum((A @ V) ** 2)


def masked_attention(Wq, Wk, X):
    T = X.shape[0]
    scores = (X @ Wq) @ (X @ Wk).T
    mask = np.triu(np.ones((T, T)), k=1).astype(bool)
    scores = np.where(mask, -1e9, scores)
    P = softmax(scores, axis=1)
    return np.sum(P * np.arange(T)[None, :])


def layer_norm_mlp(W, X, gamma, beta, eps=1e-5):
    H = X @ W
    mu = H.mean(axis=-1, keepdims=True)
    var = H.var(axis=-1, keepdims=True)
    Hn = (H - mu) / np.sqrt(var + eps) * gamma + beta
    return np.sum(lib.gelu(Hn))


def reg_loss_dict(weights, X, y, lam=0.05):
    pred = sigmoid(X @ weights["w"] + weights["b"])
    bce = -np.mean(y * np.log(pred + 1e-9) + (1 - y) * np.log(1 - pred + 1e-9))
    reg = 0.0
    for name, w in weights.items():
        if name != "b":
            reg += lam * np.sum(w * w)
    return bce + reg


class Linear:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def __call__(self, x):
        return x @ self.W + self.b


def two_linear(W1, b1, W2, b2, X):
    l1, l2 = Linear(W1, b1), Linear(W2, b2)
    return np.mean(l2(np.tanh(l1(X))) ** 2)


# ---------------------------------------------------------------- pricing


def bs_delta_hedge_pnl(sigma, S_path, K=100.0, r=0.01, T=1.0):
    n = len(S_path) - 1
    dt = T / n
    pnl = 0.0
    for i in range(n):
        tau = T - i * dt
        d1 = (math.log(S_path[i] / K) + (r + 0.5 * sigma ** 2) * tau) / (sigma * math.sqrt(tau))
        delta = norm_cdf(d1)
        pnl += delta * (S_path[i + 1] - S_path[i])
    return pnl


@dataclass
class HestonParams:
    kappa: float
    theta: float
    xi: float
    rho: float
    v0: float


def heston_mc(p: HestonParams, z1, z2, S0=100.0, K=100.0, T=1.0, r=0.02):
    """Euler scheme with full truncation; z1, z2 are fixed normal draws (paths x steps)."""
    n_paths, n_steps = z1.shape
    dt = T / n_steps
    S = np.full(n_paths, S0)
    v = np.full(n_paths, p.v0)
    for t in range(n_steps):
        vp = np.maximum(v, 0.0)
        w1 = z1[:, t]
        w2 = p.rho * w1 + np.sqrt(1 - p.rho ** 2) * z2[:, t]
        S = S * np.exp((r - 0.5 * vp) * dt + np.sqrt(vp * dt) * w1)
        v = v + p.kappa * (p.theta - vp) * dt + p.xi * np.sqrt(vp * dt) * w2
    payoff = np.maximum(S - K, 0.0)
    return math.exp(-r * T) * payoff.mean()


class Option:
    def __init__(self, K, T, kind="call"):
        self.K, self.T, self.kind = K, T, kind

    def price(self, S, sigma, r=0.02):
        d1 = (np.log(S / self.K) + (r + sigma ** 2 / 2) * self.T) / (sigma * np.sqrt(self.T))
        d2 = d1 - sigma * np.sqrt(self.T)
        from scipy.stats import norm
        if self.kind == "call":
            return S * norm.cdf(d1) - self.K * np.exp(-r * self.T) * norm.cdf(d2)
        return self.K * np.exp(-r * self.T) * norm.cdf(-d2) - S * norm.cdf(-d1)


def book_value(vols, spots):
    book = [Option(100.0, 0.5), Option(110.0, 1.0, "put"), Option(90.0, 0.25)]
    return sum(o.price(s, v) for o, s, v in zip(book, spots, vols))


# ---------------------------------------------------------------- simulations


def pendulum_rk4(L, theta0, dt=0.01, steps=200, g=9.81):
    def f(y, t):
        return np.array([y[1], -g / L * np.sin(y[0])])

    y = np.array([theta0, 0.0])
    for i in range(steps):
        y = rk4_step(f, y, i * dt, dt)
    return y[0] ** 2 + y[1] ** 2


def orbit_energy(r0, v0, dt=0.005, steps=300, GM=1.0):
    pos = np.array([r0, 0.0])
    vel = np.array([0.0, v0])
    for _ in range(steps):
        acc = -GM * pos / np.linalg.norm(pos) ** 3
        vel = vel + dt * acc
        pos = pos + dt * vel
    return 0.5 * vel @ vel - GM / np.linalg.norm(pos)


SpringSystem = namedtuple("SpringSystem", "k c m")


def spring_mass_chain(sys: SpringSystem, x0, dt=0.01, steps=100):
    n = len(x0)
    x = x0.copy()
    v = np.zeros(n)
    for _ in range(steps):
        f = np.zeros(n)
        f[1:] -= sys.k * (x[1:] - x[:-1])
        f[:-1] += sys.k * (x[1:] - x[:-1])
        f -= sys.c * v
        v += dt * f / sys.m
        x += dt * v
    return np.sum(x ** 2)


def heat_equation(alpha, u0, dx=0.1, dt=0.002, steps=100):
    u = u0.copy()
    for _ in range(steps):
        lap = np.zeros_like(u)
        lap[1:-1] = (u[2:] - 2 * u[1:-1] + u[:-2]) / dx ** 2
        u = u + alpha * dt * lap
    return np.sum(u ** 2) * dx


def heat_2d(kappa, T0, steps=30):
    T = T0.copy()
    for _ in range(steps):
        T[1:-1, 1:-1] = T[1:-1, 1:-1] + kappa * (T[2:, 1:-1] + T[:-2, 1:-1] + T[1:-1, 2:] + T[1:-1, :-2] - 4 * T[1:-1, 1:-1])
    return T.mean()


def wave_1d(c, u0, steps=80, dx=0.05, dt=0.01):
    u_prev = u0.copy()
    u = u0.copy()
    r2 = (c * dt / dx) ** 2
    for n in range(steps):
        u_next = np.empty_like(u)
        u_next[0] = 0.0
        u_next[-1] = 0.0
        u_next[1:-1] = 2 * u[1:-1] - u_prev[1:-1] + r2 * (u[2:] - 2 * u[1:-1] + u[:-2])
        u_prev, u = u, u_next
    return np.sum(u ** 2)


class Particle:
    def __init__(self, pos, vel, mass=1.0):
        self.pos = pos
        self.vel = vel
        self.mass = mass

    def kinetic(self):
        return 0.5 * self.mass * np.dot(self.vel, self.vel)


def particles_energy(positions, velocities, k=2.0):
    ps = [Particle(positions[i], velocities[i], mass=1.0 + i) for i in range(len(positions))]
    E = sum(p.kinetic() for p in ps)
    for i in range(len(ps)):
        for j in range(i + 1, len(ps)):
            E += 0.5 * k * np.sum((ps[i].pos - ps[j].pos) ** 2)
    return E


def projectile_drag(params: dict, dt=0.01):
    x, y = 0.0, 0.0
    vx = params["v0"] * cos(params["angle"])
    vy = params["v0"] * sin(params["angle"])
    t = 0.0
    while y >= 0.0 and t < 10.0:
        v = math.hypot(vx, vy)
        vx -= params["drag"] * v * vx * dt
        vy -= (9.81 + params["drag"] * v * vy) * dt
        x += vx * dt
        y += vy * dt
        t += dt
    return x


@dataclass
class Schedule:
    lr: float
    decay: float = 0.9


def sgd_unrolled(w0, X, y, sched: Schedule = Schedule(0.05), steps=20):
    w = w0
    lr = sched.lr
    for s in range(steps):
        grad = X.T @ (X @ w - y) / len(y)
        w = w - lr * grad
        lr *= sched.decay
    return np.sum((X @ w - y) ** 2)


def lotka_rk4_params(theta, y0=np.array([10.0, 5.0]), dt=0.05, steps=60):
    a, b, c, d = theta

    def rhs(y, t):
        return np.array([a * y[0] - b * y[0] * y[1], d * y[0] * y[1] - c * y[1]])

    y = y0
    traj = []
    for i in range(steps):
        y = rk4_step(rhs, y, i * dt, dt)
        traj.append(y)
    traj = np.array(traj)
    return np.mean(traj[:, 0]) + np.max(traj[:, 1])


# ---------------------------------------------------------------- a second batch

Layer = namedtuple("Layer", "W b")


def rnn_classifier(Wx, Wh, w_out, xs, label=1.0):
    """Elman RNN over a sequence, a logistic read-out, binary cross-entropy."""
    h = np.zeros(Wh.shape[0])
    states = []
    for x in xs:
        h = np.tanh(Wx @ x + Wh @ h)
        states.append(h)
    pooled = np.mean(np.stack(states), axis=0)
    p = sigmoid(pooled @ w_out)
    return -(label * np.log(p) + (1 - label) * np.log(1 - p))


def poisson_glm_offsets(beta, X, y, exposure):
    eta = X @ beta + np.log(exposure)
    return -np.sum(y * eta - np.exp(eta))


def ordinal_logit_nll(w, cuts, X, y):
    """Cumulative-logit model with K = len(cuts) + 1 ordered classes."""
    z = X @ w
    cdf = sigmoid(cuts[None, :] - z[:, None])
    upper = np.concatenate([cdf, np.ones((len(z), 1))], axis=1)
    lower = np.concatenate([np.zeros((len(z), 1)), cdf], axis=1)
    probs = upper - lower
    return -np.sum(np.log(probs[np.arange(len(y)), y] + 1e-12))


class Pricer:
    """Monte Carlo pricer holding its market parameters."""

    def __init__(self, r=0.01, T=1.0):
        self.r = r
        self.T = T

    def terminal(self, S0, sigma, z):
        return S0 * np.exp((self.r - 0.5 * sigma ** 2) * self.T + sigma * np.sqrt(self.T) * z)

    def asian_call(self, S0, sigma, z, K=100.0):
        paths = S0 * np.exp(np.cumsum((self.r - 0.5 * sigma ** 2) * self.T / z.shape[1] + sigma * np.sqrt(self.T / z.shape[1]) * z, axis=1))
        avg = paths.mean(axis=1)
        return np.exp(-self.r * self.T) * np.mean(np.log1p(np.exp(avg - K)))


PRICER = Pricer(r=0.02)


def asian_price(S0, sigma, z):
    return PRICER.asian_call(S0, sigma, z)


def gmm_em_objective(means, x, sigma=0.5, iters=3):
    """A few EM steps on the means (responsibilities through the softmax), then the
    log-likelihood of the result."""
    mu = means
    for _ in range(iters):
        logp = -0.5 * ((x[:, None] - mu[None, :]) / sigma) ** 2
        resp = softmax(logp, axis=1)
        mu = (resp * x[:, None]).sum(axis=0) / resp.sum(axis=0)
    ll = logsumexp(-0.5 * ((x[:, None] - mu[None, :]) / sigma) ** 2, axis=1)
    return -np.sum(ll)


def namedtuple_layers(layers, x):
    h = x
    for layer in layers[:-1]:
        h = np.maximum(layer.W @ h + layer.b, 0.0)
    out = layers[-1].W @ h + layers[-1].b
    return np.sum(out ** 2)


def double_pendulum(theta, steps=150, dt=0.01, g=9.81):
    th1, th2 = theta
    w1 = w2 = 0.0
    for _ in range(steps):
        d = th1 - th2
        den = 2 - cos(2 * d)
        a1 = (-3 * g * sin(th1) - g * sin(th1 - 2 * th2) - 2 * sin(d) * (w2 ** 2 + w1 ** 2 * cos(d))) / den
        a2 = 2 * sin(d) * (2 * w1 ** 2 + 2 * g * cos(th1) + w2 ** 2 * cos(d)) / den
        w1 += a1 * dt
        w2 += a2 * dt
        th1 += w1 * dt
        th2 += w2 * dt
    return cos(th1) + cos(th2)


PROGRAMS_2 = [
    Program(rnn_classifier, lambda rng: (0.4 * rng.normal(size=(6, 3)), 0.4 * rng.normal(size=(6, 6)), rng.normal(size=6), rng.normal(size=(15, 3))), wrt=(0, 1, 2)),
    Program(poisson_glm_offsets, lambda rng: (0.2 * rng.normal(size=3), rng.normal(size=(60, 3)), rng.poisson(3.0, size=60).astype(float), rng.uniform(0.5, 2.0, 60)), wrt=0),
    Program(ordinal_logit_nll, lambda rng: (rng.normal(size=3), np.array([-1.0, 0.0, 1.2]) + 0.1 * rng.normal(size=3), rng.normal(size=(50, 3)), rng.integers(0, 4, 50)), wrt=(0, 1)),
    Program(asian_price, lambda rng: (float(rng.uniform(90, 110)), float(rng.uniform(0.1, 0.4)), rng.normal(size=(64, 12))), wrt=(0, 1)),
    Program(gmm_em_objective, lambda rng: (np.array([-1.0, 0.5, 2.0]) + 0.1 * rng.normal(size=3), np.concatenate([rng.normal(-1, 0.5, 30), rng.normal(2, 0.5, 30)]))),
    Program(namedtuple_layers, lambda rng: ([Layer(0.5 * rng.normal(size=(8, 4)), 0.1 * rng.normal(size=8)), Layer(0.5 * rng.normal(size=(2, 8)), 0.1 * rng.normal(size=2))], rng.normal(size=4))),
    Program(double_pendulum, lambda rng: (rng.uniform(0.2, 1.0, 2),)),
]


# ---------------------------------------------------------------- factories


def _spd(rng, n):
    A = rng.normal(size=(n, n))
    return 0.1 * (A @ A.T) + np.eye(n)


def _logit_data(rng, n=120, d=5):
    X = rng.normal(size=(n, d))
    y = (rng.uniform(size=n) < 0.5).astype(float)
    return X, y


PROGRAMS = [
    Program(kalman_step_nll, lambda rng: (float(rng.uniform(0.1, 1)), float(rng.uniform(0.1, 1)), list(np.cumsum(rng.normal(size=40)))), wrt=(0, 1)),
    Program(kalman_filter_2d, lambda rng: (np.array([[1.0, 0.1], [0.0, 0.95]]) + 0.01 * rng.normal(size=(2, 2)), np.array([[1.0, 0.0]]), 0.1 * np.eye(2), np.array([[0.5]]), rng.normal(size=(25, 1))), wrt=(0, 2, 3)),
    Program(logistic_nll, lambda rng: (rng.normal(size=5), *_logit_data(rng))),
    Program(poisson_regression_nll, lambda rng: (0.2 * rng.normal(size=4), rng.normal(size=(80, 4)), rng.poisson(2.0, size=80).astype(float))),
    Program(negbin_nll, lambda rng: (float(rng.normal()), float(rng.normal()), rng.poisson(3.0, size=50).astype(float)), wrt=(0, 1)),
    Program(gmm_loglik, lambda rng: (rng.normal(size=3), rng.normal(size=3), 0.3 * rng.normal(size=3), rng.normal(size=100)), wrt=(0, 1, 2)),
    Program(gmm_namedtuple, lambda rng: (GMMParams(rng.normal(size=3), rng.normal(size=3), 0.3 * rng.normal(size=3)), rng.normal(size=60))),
    Program(map_objective, lambda rng: (rng.normal(size=2), rng.normal(size=50))),
    Program(mlp_dict_loss, lambda rng: ({"W1": 0.5 * rng.normal(size=(4, 8)), "b1": np.zeros(8), "W2": 0.5 * rng.normal(size=(8, 1)), "b2": np.zeros(1)}, rng.normal(size=(30, 4)), rng.normal(size=30))),
    Program(mlp_layers, lambda rng: ([{"W": 0.5 * rng.normal(size=(6, 10)), "b": 0.1 * rng.normal(size=10)}, {"W": 0.5 * rng.normal(size=(10, 4)), "b": 0.1 * rng.normal(size=4)}], rng.normal(size=(12, 6)))),
    Program(cnn_loss, lambda rng: (rng.normal(size=5), rng.normal(size=40), rng.normal(size=40)), wrt=(0, 1)),
    Program(conv_strided, lambda rng: (rng.normal(size=4), rng.normal(size=50)), wrt=(0, 1)),
    Program(attention, lambda rng: (0.3 * rng.normal(size=(8, 4)), 0.3 * rng.normal(size=(8, 4)), 0.3 * rng.normal(size=(8, 4)), rng.normal(size=(10, 8))), wrt=(0, 1, 2, 3)),
    Program(masked_attention, lambda rng: (0.3 * rng.normal(size=(6, 3)), 0.3 * rng.normal(size=(6, 3)), rng.normal(size=(8, 6))), wrt=(0, 1, 2)),
    Program(layer_norm_mlp, lambda rng: (rng.normal(size=(5, 7)), rng.normal(size=(9, 5)), 1 + 0.1 * rng.normal(size=7), 0.1 * rng.normal(size=7)), wrt=(0, 1, 2, 3)),
    Program(reg_loss_dict, lambda rng: ({"w": rng.normal(size=5), "b": 0.1}, *_logit_data(rng, 60))),
    Program(two_linear, lambda rng: (0.5 * rng.normal(size=(4, 6)), np.zeros(6), 0.5 * rng.normal(size=(6, 2)), np.zeros(2), rng.normal(size=(15, 4))), wrt=(0, 1, 2, 3)),
    Program(bs_delta_hedge_pnl, lambda rng: (float(rng.uniform(0.1, 0.4)), list(100 * np.exp(np.cumsum(0.01 * rng.normal(size=30)))))),
    Program(heston_mc, lambda rng: (HestonParams(2.0, 0.04, 0.3, -0.7, 0.04), rng.normal(size=(100, 10)), rng.normal(size=(100, 10)))),
    Program(book_value, lambda rng: (rng.uniform(0.1, 0.4, 3), rng.uniform(90, 110, 3)), wrt=(0, 1)),
    Program(pendulum_rk4, lambda rng: (float(rng.uniform(0.5, 2)), float(rng.uniform(0.1, 1))), wrt=(0, 1)),
    Program(orbit_energy, lambda rng: (float(rng.uniform(0.9, 1.1)), float(rng.uniform(0.9, 1.1))), wrt=(0, 1)),
    Program(spring_mass_chain, lambda rng: (SpringSystem(2.0, 0.1, 1.5), rng.normal(size=10))),
    Program(heat_equation, lambda rng: (float(rng.uniform(0.5, 2)), np.sin(np.linspace(0, np.pi, 30)) + 0.1 * rng.normal(size=30)), wrt=(0, 1)),
    Program(heat_2d, lambda rng: (float(rng.uniform(0.05, 0.2)), rng.normal(size=(12, 12))), wrt=(0, 1)),
    Program(wave_1d, lambda rng: (float(rng.uniform(0.5, 1.5)), np.sin(np.linspace(0, np.pi, 40)) * rng.uniform(0.5, 1.5)), wrt=(0, 1)),
    Program(particles_energy, lambda rng: (rng.normal(size=(5, 3)), rng.normal(size=(5, 3))), wrt=(0, 1)),
    Program(projectile_drag, lambda rng: ({"v0": float(rng.uniform(10, 20)), "angle": float(rng.uniform(0.4, 1.0)), "drag": 0.01},)),
    Program(sgd_unrolled, lambda rng: (rng.normal(size=4), rng.normal(size=(40, 4)), rng.normal(size=40)), wrt=(0, 1)),
    Program(lotka_rk4_params, lambda rng: (np.array([1.0, 0.1, 0.4, 0.1]) * rng.uniform(0.9, 1.1, 4),)),
]
PROGRAMS += PROGRAMS_2
