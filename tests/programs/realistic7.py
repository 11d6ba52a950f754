"""Round-7 held-out corpus: programs written the way people write them in
notebooks and small projects. ODE integrators chosen by a string with
parameters in dicts, NamedTuples and dataclasses; likelihoods (Poisson,
negative binomial, Student-t, Gaussian mixtures through logsumexp, GLMs);
networks as classes with a base class, `super()`, properties and activations
chosen by name; physics with broadcasting, np.diff/np.roll/np.cumsum and slice
updates; finance with math.erf, binomial trees and Monte Carlo with a seeded
generator; Gaussian processes through cholesky/solve/slogdet; type hints,
keyword-only arguments, `x.sum()`-style methods, `float(...)`, `.item()`,
functools.reduce, lists accumulated then stacked, while loops to a tolerance."""
# ruff: noqa: E501, B007, B008, E741, C416  (written as users write them)
from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import NamedTuple, Optional

import numpy as np

from . import _lib7
from ._lib7 import (DenseLayer, Normal, OscParams, ScaledLayer, SpringSystem, gaussian_logpdf,
                    integrate, l2_penalty, logsumexp, moments, norm_cdf, rbf_kernel, sigmoid,
                    summary_stats)
from .registry import Program

# ================================================================ ODEs


def _decay_rhs(y, t, params):
    return -params["k"] * y + params["source"] * np.exp(-t)


def decay_by_method(params, y0, method="rk4"):
    """Integrate with the stepper named by `method`; params is a dict."""
    y = integrate(_decay_rhs, y0, 0.0, 2.0, n_steps=40, method=method, args=(params,))
    return float(np.sum(y ** 2))


def decay_euler(params, y0):
    return decay_by_method(params, y0, method="euler")


def damped_oscillator(p: OscParams, x0: float = 1.0, dt: float = 0.02, n: int = 200) -> float:
    """Semi-implicit Euler on x'' + 2 zeta omega x' + omega^2 x = F."""
    x, v = x0, 0.0
    energy = []
    for i in range(n):
        a = p.forcing - 2.0 * p.zeta * p.omega * v - p.omega ** 2 * x
        v = v + dt * a
        x = x + dt * v
        energy.append(0.5 * v ** 2 + 0.5 * p.omega ** 2 * x ** 2)
    return sum(energy) / len(energy)


def leapfrog_kepler(q0, p0, dt=0.01, steps=150):
    """Kick-drift-kick leapfrog for a particle in a 1/r potential."""
    q = np.array(q0, dtype=float)
    p = np.array(p0, dtype=float)

    def force(q):
        r = np.linalg.norm(q)
        return -q / r ** 3

    p = p + 0.5 * dt * force(q)
    for _ in range(steps - 1):
        q = q + dt * p
        p = p + dt * force(q)
    q = q + dt * p
    p = p + 0.5 * dt * force(q)
    H = 0.5 * p @ p - 1.0 / np.linalg.norm(q)
    return H + q[0]


def velocity_verlet_chain(system: SpringSystem, x0, dt=0.01, steps=100):
    x = x0.copy()
    v = np.zeros_like(x0)
    a = system.forces(x, v) / system.masses
    for step in range(steps):
        x = x + v * dt + 0.5 * a * dt ** 2
        a_new = system.forces(x, v) / system.masses
        v = v + 0.5 * (a + a_new) * dt
        a = a_new
    return system.energy(x, v)


def lotka_volterra_traj(theta, y0=(1.0, 0.5), dt=0.01, T=3.0):
    """Forward Euler; trajectory appended to a list and stacked at the end."""
    alpha, beta, gamma, delta = theta
    prey, pred = y0
    traj = []
    t = 0.0
    while t < T - 1e-12:
        dprey = alpha * prey - beta * prey * pred
        dpred = delta * prey * pred - gamma * pred
        prey, pred = prey + dt * dprey, pred + dt * dpred
        traj.append([prey, pred])
        t += dt
    traj = np.array(traj)
    return np.mean(traj[:, 0]) + 0.5 * np.max(traj[:, 1])


@dataclass
class SEIRParams:
    beta: float
    sigma: float
    gamma: float
    N: float = 1000.0


def seir_peak(params: SEIRParams, days: int = 60):
    S, E, I, R = params.N - 1.0, 0.0, 1.0, 0.0
    infected = np.zeros(days)
    for day in range(days):
        new_exposed = params.beta * S * I / params.N
        new_infected = params.sigma * E
        new_recovered = params.gamma * I
        S -= new_exposed
        E += new_exposed - new_infected
        I += new_infected - new_recovered
        R += new_recovered
        infected[day] = I
    return np.log(infected.sum())


def rk4_vector_field(y0, A, t_end=1.0, n=20):
    """Linear system y' = A y + sin(y) with the textbook RK4 written inline."""
    f = lambda y: A @ y + np.sin(y)
    h = t_end / n
    y = y0
    for _ in range(n):
        k1 = f(y)
        k2 = f(y + h / 2 * k1)
        k3 = f(y + h / 2 * k2)
        k4 = f(y + h * k3)
        y = y + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    return np.dot(y, y)


def adaptive_euler(k, y0=1.0, t_end=1.0, tol=1e-3):
    """Step doubling: halve dt until two half steps agree with one full step."""
    t, y, dt = 0.0, y0, 0.1
    while t < t_end:
        dt = min(dt, t_end - t)
        full = y + dt * (-k * y ** 2)
        half = y + 0.5 * dt * (-k * y ** 2)
        half = half + 0.5 * dt * (-k * half ** 2)
        if abs(full - half) > tol:
            dt = dt / 2
            continue
        y = half
        t = t + dt
    return y


# ================================================================ likelihoods


def poisson_glm_nll(beta, X, counts, offset=None):
    eta = X @ beta
    if offset is not None:
        eta = eta + offset
    mu = np.exp(eta)
    # log(y!) is constant in beta but kept so the value is a true log-likelihood
    log_fact = np.array([math.lgamma(c + 1.0) for c in counts])
    return -np.sum(counts * eta - mu - log_fact)


def negbin_nll(log_mu, log_r, y):
    mu = np.exp(log_mu)
    r = math.exp(log_r)
    ll = 0.0
    for yi in y:
        ll += (math.lgamma(yi + r) - math.lgamma(r) - math.lgamma(yi + 1)
               + r * math.log(r / (r + mu)) + yi * math.log(mu / (r + mu)))
    return -ll


def student_t_regression(w, log_nu, X, y, scale=0.5):
    nu = np.exp(log_nu)
    resid = (y - X @ w) / scale
    n = len(y)
    const = math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(nu * math.pi) - math.log(scale)
    return -(n * const - (nu + 1) / 2 * np.sum(np.log1p(resid ** 2 / nu)))


def gmm_nll(params, x):
    weights = np.exp(params["logits"]) / np.exp(params["logits"]).sum()
    means, log_sds = params["means"], params["log_sds"]
    log_probs = []
    for k in range(len(weights)):
        lp = np.log(weights[k]) + gaussian_logpdf(x, means[k], np.exp(2 * log_sds[k]))
        log_probs.append(lp)
    log_probs = np.stack(log_probs, axis=1)
    return -np.sum(logsumexp(log_probs, axis=1))


def logistic_glm(beta, X, y, l2=0.1):
    logits = X.dot(beta)
    ll = y * logits - np.logaddexp(0, logits)
    return -ll.sum() + l2 / 2 * beta.dot(beta)


def probit_nll(beta, X, y):
    nll = 0.0
    for xi, yi in zip(X, y):
        z = float(xi @ beta)
        p = norm_cdf(z)
        p = min(max(p, 1e-12), 1 - 1e-12)
        nll -= yi * math.log(p) + (1 - yi) * math.log(1 - p)
    return nll


def normal_properties(loc, log_scale, x):
    d = Normal(loc, log_scale)
    return -np.sum(d.log_prob(x)) + 0.1 * d.variance


def gamma_loglik(log_shape, log_rate, x):
    a, b = np.exp(log_shape), np.exp(log_rate)
    n = x.size
    return -(n * (a * np.log(b) - math.lgamma(a)) + (a - 1) * np.log(x).sum() - b * x.sum())


def ar1_loglik(phi, log_sigma, series):
    sigma2 = math.exp(2 * log_sigma)
    # stationary distribution for the first observation
    ll = gaussian_logpdf(series[0], 0.0, sigma2 / (1 - phi ** 2))
    for t in range(1, len(series)):
        ll = ll + gaussian_logpdf(series[t], phi * series[t - 1], sigma2)
    return -ll


def zero_inflated_poisson(logit_pi, log_lam, y):
    pi = sigmoid(logit_pi)
    lam = np.exp(log_lam)
    zero = y == 0
    ll_zero = np.log(pi + (1 - pi) * np.exp(-lam))
    ll_pos = np.log(1 - pi) + y * np.log(lam) - lam
    ll = np.where(zero, ll_zero, ll_pos)
    return -ll.sum()


# ================================================================ networks as classes


class MLP:
    def __init__(self, sizes, activation="tanh", seed=0):
        rng = np.random.default_rng(seed)
        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            act = activation if i < len(sizes) - 2 else "sigmoid"
            self.layers.append(DenseLayer(rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_out)), np.zeros(n_out), act))

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


_MLP = MLP([3, 5, 2])


def mlp_class_loss(x, y):
    out = _MLP(x)
    return np.mean((out - y) ** 2)


def mlp_params_dict(params, x, y, activation="gelu"):
    """Parameters kept in a dict with keys W0, b0, W1, b1, ..."""
    act = _lib7.get_activation(activation)
    n_layers = len(params) // 2
    h = x
    for i in range(n_layers):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < n_layers - 1:
            h = act(h)
    return np.mean((h[:, 0] - y) ** 2) + l2_penalty(*[params[f"W{i}"] for i in range(n_layers)])


def layers_reduce(Ws, x):
    """Compose the layers with functools.reduce."""
    out = functools.reduce(lambda h, W: np.tanh(h @ W), Ws, x)
    return np.sum(out ** 2)


def scaled_super_net(W1, b1, W2, b2, x):
    layers = [ScaledLayer(W1, b1, 0.5, "tanh"), DenseLayer(W2, b2, "relu")]
    h = x
    for layer in layers:
        h = layer(h)
    return h.sum() + 0.01 * sum(l.penalty() for l in layers)


def rnn_sequence(params, xs, h0=None):
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    h = np.zeros(Wh.shape[0]) if h0 is None else h0
    hs = []
    for x_t in xs:
        h = np.tanh(Wx @ x_t + Wh @ h + b)
        hs.append(h)
    H = np.stack(hs)
    return np.sum(H[-1] ** 2) + 0.1 * np.mean(H)


def lstm_cell_loss(W, U, b, xs):
    n_h = U.shape[1]
    h = np.zeros(n_h)
    c = np.zeros(n_h)
    for x in xs:
        z = W @ x + U @ h + b
        i, f, o, g = np.split(z, 4)
        i, f, o = sigmoid(i), sigmoid(f), sigmoid(o)
        c = f * c + i * np.tanh(g)
        h = o * np.tanh(c)
    return np.sum(h) + 0.5 * np.sum(c ** 2)


def softmax_xent_onehot(W, b, X, labels, n_classes=3):
    logits = X @ W + b
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    onehot = np.eye(n_classes)[labels]
    return -np.sum(onehot * np.log(probs + 1e-12)) / X.shape[0]


def layer_norm_block(gamma, beta, X, eps=1e-5):
    mu = X.mean(axis=-1, keepdims=True)
    var = X.var(axis=-1, keepdims=True)
    Xn = (X - mu) / np.sqrt(var + eps)
    Y = gamma * Xn + beta
    return np.sum(np.tanh(Y) ** 2)


def conv1d_loop(kernel, signal, bias=0.0):
    k = len(kernel)
    out = []
    for i in range(len(signal) - k + 1):
        out.append(np.dot(signal[i:i + k], kernel) + bias)
    out = np.array(out)
    return np.sum(np.maximum(out, 0.0) ** 2) + 0.1 * np.sum(out)


class Block:
    """A residual block whose nonlinearity is passed in."""

    def __init__(self, W, act=np.tanh):
        self.W = W
        self.act = act

    def forward(self, x):
        return x + self.act(x @ self.W)


def residual_blocks(Ws, x, act_name="tanh"):
    act = {"tanh": np.tanh, "sin": np.sin, "softsign": lambda z: z / (1 + np.abs(z))}[act_name]
    blocks = [Block(W, act) for W in Ws]
    for blk in blocks:
        x = blk.forward(x)
    return float(np.sum(x ** 2))


def attention_with_mask(Wq, Wk, Wv, X):
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    d = Q.shape[-1]
    scores = Q @ K.T / np.sqrt(d)
    n = X.shape[0]
    mask = np.triu(np.ones((n, n)), k=1).astype(bool)
    scores = np.where(mask, -1e9, scores)
    scores = scores - scores.max(axis=-1, keepdims=True)
    A = np.exp(scores)
    A = A / A.sum(axis=-1, keepdims=True)
    return np.sum((A @ V) ** 2)


# ================================================================ physics


def nbody_potential(pos, masses, softening=0.1):
    diff = pos[:, None, :] - pos[None, :, :]
    r2 = np.sum(diff ** 2, axis=-1) + softening ** 2
    inv_r = 1.0 / np.sqrt(r2)
    np.fill_diagonal(inv_r, 0.0)
    return -0.5 * np.sum(masses[:, None] * masses[None, :] * inv_r)


def nbody_pairs_loop(pos, G=1.0):
    n = len(pos)
    U = 0.0
    for i, j in itertools.combinations(range(n), 2):
        r = np.linalg.norm(pos[i] - pos[j])
        U -= G / r
    return U


def heat_equation_explicit(u0, alpha=0.1, dx=0.1, dt=0.01, steps=50):
    u = u0.copy()
    r = alpha * dt / dx ** 2
    for _ in range(steps):
        u[1:-1] = u[1:-1] + r * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u ** 2) * dx


def heat_periodic_roll(u0, kappa, steps=30):
    u = u0
    for _ in range(steps):
        lap = np.roll(u, 1) + np.roll(u, -1) - 2 * u
        u = u + kappa * lap
    return np.sum(u ** 4)


def wave_equation(c, u0, n_steps=40, dx=0.05, dt=0.02):
    lam2 = (c * dt / dx) ** 2
    u_prev = u0.copy()
    u = u0.copy()
    for n in range(n_steps):
        u_next = np.zeros_like(u)
        u_next[1:-1] = 2 * u[1:-1] - u_prev[1:-1] + lam2 * (u[2:] - 2 * u[1:-1] + u[:-2])
        u_prev, u = u, u_next
    return np.sum(u ** 2)


def pendulum_energy_drift(theta0, L=1.0, g=9.81, dt=0.005, steps=300):
    def energy(theta, omega):
        return 0.5 * (L * omega) ** 2 + g * L * (1 - math.cos(theta))

    theta, omega = theta0, 0.0
    E0 = energy(theta, omega)
    for _ in range(steps):
        omega -= g / L * math.sin(theta) * dt
        theta += omega * dt
    return (energy(theta, omega) - E0) ** 2 + theta ** 2


def chain_cumsum_positions(angles, lengths):
    """A planar arm: joint positions are cumulative sums of link vectors."""
    phi = np.cumsum(angles)
    xs = np.cumsum(lengths * np.cos(phi))
    ys = np.cumsum(lengths * np.sin(phi))
    target = np.array([1.0, 1.0])
    tip = np.array([xs[-1], ys[-1]])
    return np.sum((tip - target) ** 2)


def rope_bending_energy(x, y, k_stretch=10.0, k_bend=1.0):
    dx, dy = np.diff(x), np.diff(y)
    seg = np.hypot(dx, dy)
    stretch = k_stretch * np.sum((seg - 1.0) ** 2)
    tx, ty = dx / seg, dy / seg
    cos_t = tx[1:] * tx[:-1] + ty[1:] * ty[:-1]
    bend = k_bend * np.sum(1 - cos_t)
    return stretch + bend


def lennard_jones(pos, eps=1.0, sigma=1.0):
    n = pos.shape[0]
    iu = np.triu_indices(n, k=1)
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)[iu]
    sr6 = (sigma / d) ** 6
    return np.sum(4 * eps * (sr6 ** 2 - sr6))


# ================================================================ finance


def black_scholes_call(S, K, T, r, sigma):
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return S * norm_cdf(d1) - K * math.exp(-r * T) * norm_cdf(d2)


def bs_portfolio(spots, strikes, vol, r=0.02, T=1.0):
    total = 0.0
    for S, K in zip(spots, strikes):
        total += black_scholes_call(S, K, T, r, vol)
    return total


def binomial_american_put(S0, K, sigma, r=0.03, T=1.0, n=50):
    dt = T / n
    u = np.exp(sigma * np.sqrt(dt))
    d = 1 / u
    p = (np.exp(r * dt) - d) / (u - d)
    disc = np.exp(-r * dt)
    j = np.arange(n + 1)
    prices = S0 * u ** j * d ** (n - j)
    values = np.maximum(K - prices, 0.0)
    for i in range(n - 1, -1, -1):
        j = np.arange(i + 1)
        prices = S0 * u ** j * d ** (i - j)
        values = np.maximum(disc * (p * values[1:] + (1 - p) * values[:-1]), K - prices)
    return values[0]


def mc_asian_call(S0, sigma, K=1.0, r=0.01, T=1.0, n_paths=400, n_steps=12, seed=42):
    rng = np.random.default_rng(seed)
    dt = T / n_steps
    z = rng.standard_normal((n_paths, n_steps))
    log_paths = np.log(S0) + np.cumsum((r - 0.5 * sigma ** 2) * dt + sigma * np.sqrt(dt) * z, axis=1)
    avg = np.exp(log_paths).mean(axis=1)
    payoff = np.maximum(avg - K, 0.0)
    return math.exp(-r * T) * payoff.mean()


def portfolio_mean_variance(w, mu, Sigma, risk_aversion=3.0):
    w = w / np.sum(w)
    ret = w @ mu
    var = w @ Sigma @ w
    return -(ret - 0.5 * risk_aversion * var)


def bond_price_loop(ytm, coupon=0.05, face=100.0, years=10, freq=2):
    price = 0.0
    c = coupon * face / freq
    for k in range(1, years * freq + 1):
        price += c / (1 + ytm / freq) ** k
    price += face / (1 + ytm / freq) ** (years * freq)
    return price


def implied_yield_newton(price, coupon=0.05, face=100.0, years=5, tol=1e-10):
    """Solve bond_price(y) = price by Newton's method; d yield / d price."""
    y = 0.05
    for it in range(100):
        times = np.arange(1, years + 1)
        cfs = np.full(years, coupon * face)
        cfs[-1] += face
        disc = (1 + y) ** (-times)
        f = np.sum(cfs * disc) - price
        df = np.sum(-times * cfs * disc / (1 + y))
        step = f / df
        y -= step
        if abs(step) < tol:
            break
    return y


def swap_npv(rate, fixed=0.03, notional=1e6, times=np.arange(1.0, 6.0)):
    df = _lib7.discount_factors(rate, times)
    fixed_leg = fixed * notional * df.sum()
    float_leg = notional * (1.0 - df[-1])
    return (float_leg - fixed_leg) / notional


def option_payoff_book(S, strikes, kinds):
    total = 0.0
    for K, kind in zip(strikes, kinds):
        if kind == "call":
            total += np.maximum(S - K, 0.0)
        elif kind == "put":
            total += np.maximum(K - S, 0.0)
        else:
            total += np.where(S > K, 1.0, 0.0) * 0.0 + (S - K)  # a forward
    return np.sum(total)


def cvar_smooth(w, returns, alpha=0.9, temp=50.0):
    losses = -returns @ w
    var_level = np.quantile(losses, alpha)
    excess = np.logaddexp(0.0, temp * (losses - var_level)) / temp
    return var_level + excess.mean() / (1 - alpha)


# ================================================================ statistics / linear algebra


def gp_log_marginal(log_ell, log_sf, log_sn, X, y):
    ell, sf2, sn2 = np.exp(log_ell), np.exp(2 * log_sf), np.exp(2 * log_sn)
    K = rbf_kernel(X, X, lengthscale=ell, variance=sf2) + sn2 * np.eye(len(X))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(X) * math.log(2 * math.pi)


def gp_slogdet(params, X, y):
    K = rbf_kernel(X, X, params["ell"], params["sf2"]) + params["noise"] * np.eye(X.shape[0])
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * (y @ np.linalg.solve(K, y) + logdet)


def mvn_nll_cholesky(mu, L_flat, X):
    d = mu.shape[0]
    L = np.zeros((d, d))
    L[np.tril_indices(d)] = L_flat
    L[np.diag_indices(d)] = np.exp(np.diag(L))
    Sigma = L @ L.T
    Sinv = np.linalg.inv(Sigma)
    diffs = X - mu
    quad = np.einsum("ni,ij,nj->n", diffs, Sinv, diffs)
    return 0.5 * np.sum(quad) + X.shape[0] * np.sum(np.log(np.diag(L)))


def ridge_closed_form(lam, X, y, X_val, y_val):
    d = X.shape[1]
    w = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)
    return np.mean((X_val @ w - y_val) ** 2)


def trace_outer_stats(v, A):
    M = np.outer(v, v) + A
    return np.trace(M @ M) - np.trace(A) * np.sum(v)


def clipped_huber_mask(theta, x, delta=1.0):
    r = x - theta
    small = np.abs(r) <= delta
    loss = np.zeros_like(r)
    loss[small] = 0.5 * r[small] ** 2
    loss[~small] = delta * (np.abs(r[~small]) - 0.5 * delta)
    return loss.sum() + 0.1 * np.clip(theta, -0.5, 0.5) ** 2


def pca_reconstruction(W, X):
    Xc = X - X.mean(axis=0)
    Z = Xc @ W
    X_hat = Z @ W.T
    err = np.linalg.norm(Xc - X_hat, "fro") ** 2
    return err / X.shape[0]


def em_gmm_one_step(means, x, var=0.5):
    """One E-step computed in the objective, as in an EM lower bound."""
    log_r = -0.5 * (x[:, None] - means[None, :]) ** 2 / var
    log_r = log_r - logsumexp(log_r, axis=1)[:, None]
    resp = np.exp(log_r)
    Nk = resp.sum(axis=0)
    new_means = (resp * x[:, None]).sum(axis=0) / Nk
    return np.sum((new_means - means) ** 2) + np.sum(resp * log_r)


def stats_from_helpers(x, w):
    m, v = moments(x * w)
    s = summary_stats(x)
    return m ** 2 + v + s["std"] * s["l2"] + 0.1 * s["max"]


def weighted_least_squares(beta, X, y, weights: Optional[np.ndarray] = None):
    if weights is None:
        weights = np.ones_like(y)
    r = y - X @ beta
    return float(r @ (weights * r)) / weights.sum()


def fixed_point_logistic(r, x0=0.3, tol=1e-12, max_iter=500):
    """The fixed point of x = r x (1 - x) for 1 < r < 3, iterated to a tolerance."""
    x = x0
    err = 1.0
    it = 0
    while err > tol and it < max_iter:
        x_new = r * x * (1 - x)
        err = abs(x_new - x)
        x = x_new
        it += 1
    return x


def kde_log_likelihood(log_bw, data, query):
    bw = np.exp(log_bw)
    d2 = (query[:, None] - data[None, :]) ** 2
    log_k = -0.5 * d2 / bw ** 2 - np.log(bw) - 0.5 * np.log(2 * np.pi)
    return -np.sum(logsumexp(log_k, axis=1) - np.log(len(data)))


# ================================================================ user idioms


def typed_kwonly(x: np.ndarray, *, alpha: float = 0.5, beta: float = 2.0) -> float:
    """Elastic-net style penalty with keyword-only coefficients."""
    return alpha * np.abs(x).sum() + beta * (x ** 2).sum() + np.prod(np.cos(x))


def item_and_float(w, X, y):
    pred = X @ w
    loss = ((pred - y) ** 2).mean()
    reg = float(np.sum(w ** 2))
    return loss.item() + 0.1 * reg


def array_methods_chain(x):
    y = x.reshape(2, -1)
    z = y.T.dot(y).clip(-2.0, 2.0)
    return z.sum() + y.max() - y.min() + x.std() + y.prod(axis=0).sum()


def running_stats_enumerate(xs, decay=0.9):
    mean, var = 0.0, 1.0
    for i, x in enumerate(xs, start=1):
        delta = x - mean
        mean += (1 - decay) * delta
        var = decay * var + (1 - decay) * delta ** 2
        if i == len(xs):
            return mean ** 2 + var
    return mean


def dict_of_losses(params, X, y):
    pred = X @ params["w"] + params["b"]
    losses = {
        "mse": np.mean((pred - y) ** 2),
        "l1": np.mean(np.abs(params["w"])),
        "bias": params["b"] ** 2,
    }
    weights = {"mse": 1.0, "l1": 0.1, "bias": 0.01}
    return sum(weights[k] * v for k, v in losses.items())


def early_return_guard(x, threshold=10.0):
    s = np.sum(x ** 2)
    if s > threshold:
        return threshold + np.log1p(s - threshold)
    if s < 1e-8:
        return 0.0
    return s


def zip_range_len(a, b):
    total = 0.0
    for i in range(len(a)):
        for j in range(i + 1, len(b)):
            total += (a[i] - b[j]) ** 2 * math.exp(-abs(i - j))
    return total


def list_accum_stack(W, xs):
    feats = [np.tanh(W @ x) for x in xs]
    F = np.stack(feats)
    G = F.T @ F / len(xs)
    return np.sum(G ** 2) - np.trace(G)


def lambda_closure_sum(theta, data):
    scale = np.exp(theta[1])
    nll = lambda x: 0.5 * ((x - theta[0]) / scale) ** 2 + theta[1]
    return sum(nll(x) for x in data)


def ndarray_concat_pad(a, b):
    v = np.concatenate([a, b, a[::-1]])
    v = np.pad(v, 1, mode="edge")
    return np.sum(np.diff(v) ** 2) + np.hstack([a, b]).dot(np.vstack([a, b]).ravel())


class Polynomial:
    def __init__(self, coeffs):
        self.coeffs = coeffs

    @property
    def degree(self):
        return len(self.coeffs) - 1

    def __call__(self, x):
        return sum(c * x ** k for k, c in enumerate(self.coeffs))

    def derivative(self):
        return Polynomial([k * c for k, c in enumerate(self.coeffs)][1:])


def polynomial_class_fit(coeffs, t, y):
    p = Polynomial(coeffs)
    dp = p.derivative()
    return np.mean((p(t) - y) ** 2) + 0.01 * np.mean(dp(t) ** 2) * p.degree


def star_args_helper(a, b, c):
    def rms(*vals, eps=1e-8):
        return math.sqrt(sum(v * v for v in vals) / len(vals) + eps)
    return rms(a, b, c) + rms(a - b, b - c, eps=0.1)


def while_bisect_free_tolerance(a, x0=1.0):
    """Cube root by Newton with a while loop on a relative tolerance."""
    x = x0
    while True:
        x_new = x - (x ** 3 - a) / (3 * x ** 2)
        if abs(x_new - x) < 1e-12 * abs(x):
            break
        x = x_new
    return x_new


class Scaler(NamedTuple):
    mean: np.ndarray
    scale: np.ndarray

    def transform(self, X):
        return (X - self.mean) / self.scale


def namedtuple_methods(w, X, y):
    sc = Scaler(X.mean(axis=0), X.std(axis=0))
    Z = sc.transform(X)
    return np.mean((Z @ w - y) ** 2)


# ================================================================ more whole programs


def implicit_euler_linear(k, y0, dt=0.1, steps=10):
    """Backward Euler for y' = A y, one linear solve per step."""
    A = np.array([[-k[0], 1.0], [0.0, -k[1]]])
    I = np.eye(2)
    y = y0
    for _ in range(steps):
        y = np.linalg.solve(I - dt * A, y)
    return np.sum(y ** 2)


def newton_implicit_euler(k, y0=1.0, dt=0.1, steps=5):
    """Backward Euler for y' = -k y^3: each step a Newton solve to a tolerance."""
    y = y0
    for _ in range(steps):
        z = y
        for it in range(20):
            F = z - y + dt * k * z ** 3
            dF = 1 + 3 * dt * k * z ** 2
            z = z - F / dF
            if abs(F) < 1e-13:
                break
        y = z
    return y


def hmm_forward_loglik(logits, obs=(0, 1, 1, 0, 1)):
    T = np.array([[0.9, 0.1], [0.2, 0.8]])
    E = np.exp(logits)
    E = E / E.sum(axis=1, keepdims=True)
    log_alpha = np.log(np.array([0.5, 0.5])) + np.log(E[:, obs[0]])
    for o in obs[1:]:
        log_alpha = logsumexp(log_alpha[:, None] + np.log(T), axis=0) + np.log(E[:, o])
    return -logsumexp(log_alpha)


def interp_calibration(knots_y, query=np.array([0.15, 0.5, 0.77]), target=np.array([0.2, -0.1, 0.4])):
    xs = np.linspace(0, 1, len(knots_y))
    return np.sum((np.interp(query, xs, knots_y) - target) ** 2) + 0.1 * np.sum(np.diff(knots_y) ** 2)


def gauss_legendre_integral(a, b):
    nodes, weights = np.polynomial.legendre.leggauss(8)
    integrand = lambda t: np.exp(-a * t ** 2) * np.cos(b * t)
    return np.sum(weights * integrand(nodes))


def mc_legacy_seed(mu, sigma, n=300):
    np.random.seed(1234)  # the old global-state API, reseeded each call
    z = np.random.randn(n)
    return np.mean(np.exp(mu + sigma * z))


def kalman_matrix_nll(q, r, zs):
    F = np.array([[1.0, 0.1], [0.0, 1.0]])
    H = np.array([[1.0, 0.0]])
    Q, R = q * np.eye(2), np.array([[r]])
    x, P = np.zeros(2), np.eye(2)
    nll = 0.0
    for z in zs:
        x, P = F @ x, F @ P @ F.T + Q
        S = H @ P @ H.T + R
        K = P @ H.T @ np.linalg.inv(S)
        resid = z - H @ x
        nll += 0.5 * (np.log(np.linalg.det(S)) + resid @ np.linalg.solve(S, resid))
        x = x + K @ resid
        P = (np.eye(2) - K @ H) @ P
    return float(nll)


def adam_dict_training(w0, X, y, lr=0.1, steps=5):
    params = {"w": w0.copy()}
    m = {"w": np.zeros_like(w0)}
    v = {"w": np.zeros_like(w0)}
    for t in range(1, steps + 1):
        r = X @ params["w"] - y
        grads = {"w": X.T @ r / len(y)}
        for k in params:
            m[k] = 0.9 * m[k] + 0.1 * grads[k]
            v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
            m_hat, v_hat = m[k] / (1 - 0.9 ** t), v[k] / (1 - 0.999 ** t)
            params[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    return np.mean((X @ params["w"] - y) ** 2)


def ema_recurrence(x, alpha=0.3):
    smoothed = np.zeros(len(x))
    for i in range(len(x)):
        prev = smoothed[i - 1] if i > 0 else x[0]
        smoothed[i] = alpha * x[i] + (1 - alpha) * prev
    return np.sum((smoothed - x) ** 2)


def _doubled(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 2.0 * fn(*args, **kwargs)
    return wrapper


@_doubled
def _weighted_sq(x):
    return np.sum(x ** 2)


def decorated_helper_loss(x):
    return _weighted_sq(x) + np.sum(np.sin(x))


def view_kept_across_write(x):
    y = x.copy()
    head = y[:2]
    y[0] = 5.0 * y[1]
    return np.sum(head ** 2) + np.sum(y)


# ---------------------------------------------------------------- arguments

_R = np.random.default_rng(7)
_XS = _R.standard_normal((8, 3))


def _gmm_params(rng):
    return {"logits": rng.standard_normal(3), "means": rng.standard_normal(3) * 2, "log_sds": rng.uniform(-0.3, 0.3, 3)}


def _mlp_dict(rng, sizes=(3, 4, 1)):
    p = {}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        p[f"W{i}"] = rng.standard_normal((a, b)) / np.sqrt(a)
        p[f"b{i}"] = 0.1 * rng.standard_normal(b)
    return p


def _spd(rng, d):
    A = rng.standard_normal((d, d))
    return A @ A.T / d + np.eye(d)


PROGRAMS = [
    # ODEs
    Program(decay_by_method, lambda rng: ({"k": rng.uniform(0.5, 1.5), "source": rng.uniform(0, 1)}, rng.uniform(0.5, 1.5, 3)), ("params", "y0")),
    Program(decay_euler, lambda rng: ({"k": rng.uniform(0.5, 1.5), "source": rng.uniform(0, 1)}, rng.uniform(0.5, 1.5, 3)), ("params", "y0")),
    Program(damped_oscillator, lambda rng: (OscParams(rng.uniform(1, 3), rng.uniform(0.05, 0.3), rng.uniform(0, 1)), rng.uniform(0.5, 1.5)), ("p", "x0")),
    Program(leapfrog_kepler, lambda rng: (np.array([1.0, 0.0]) + 0.05 * rng.standard_normal(2), np.array([0.0, 1.0]) + 0.05 * rng.standard_normal(2)), ("q0", "p0")),
    Program(velocity_verlet_chain, lambda rng: (SpringSystem(rng.uniform(1, 2, 2), rng.uniform(1, 2, 3)), np.array([0.0, 1.1, 2.3]) + 0.05 * rng.standard_normal(3)), ("system", "x0")),
    Program(lotka_volterra_traj, lambda rng: (np.array([1.0, 0.5, 0.8, 0.3]) * rng.uniform(0.9, 1.1, 4),)),
    Program(seir_peak, lambda rng: (SEIRParams(rng.uniform(0.4, 0.6), rng.uniform(0.15, 0.25), rng.uniform(0.08, 0.12)),)),
    Program(rk4_vector_field, lambda rng: (rng.standard_normal(3), 0.3 * rng.standard_normal((3, 3))), ("y0", "A")),
    Program(adaptive_euler, lambda rng: (rng.uniform(0.5, 2.0),)),
    # likelihoods
    Program(poisson_glm_nll, lambda rng: (0.3 * rng.standard_normal(3), rng.standard_normal((12, 3)), rng.poisson(2.0, 12).astype(float))),
    Program(negbin_nll, lambda rng: (rng.uniform(0.5, 1.5), rng.uniform(-0.5, 1.0), rng.poisson(3.0, 10).astype(float)), ("log_mu", "log_r")),
    Program(student_t_regression, lambda rng: (rng.standard_normal(2), rng.uniform(0.5, 2.0), rng.standard_normal((10, 2)), rng.standard_normal(10)), ("w", "log_nu")),
    Program(gmm_nll, lambda rng: (_gmm_params(rng), rng.standard_normal(15) * 2)),
    Program(logistic_glm, lambda rng: (rng.standard_normal(3), rng.standard_normal((15, 3)), (rng.uniform(size=15) > 0.5).astype(float))),
    Program(probit_nll, lambda rng: (0.5 * rng.standard_normal(2), rng.standard_normal((8, 2)), (rng.uniform(size=8) > 0.5).astype(float))),
    Program(normal_properties, lambda rng: (rng.standard_normal(), rng.uniform(-0.5, 0.5), rng.standard_normal(10)), ("loc", "log_scale")),
    Program(gamma_loglik, lambda rng: (rng.uniform(0, 1), rng.uniform(-0.5, 0.5), rng.gamma(2.0, 1.0, 12)), ("log_shape", "log_rate")),
    Program(ar1_loglik, lambda rng: (rng.uniform(-0.6, 0.6), rng.uniform(-0.5, 0.5), rng.standard_normal(10)), ("phi", "log_sigma")),
    Program(zero_inflated_poisson, lambda rng: (rng.uniform(-1, 1), rng.uniform(0, 1), rng.poisson(1.0, 12).astype(float)), ("logit_pi", "log_lam")),
    # networks
    Program(mlp_class_loss, lambda rng: (rng.standard_normal((4, 3)), rng.uniform(0, 1, (4, 2))), "x"),
    Program(mlp_params_dict, lambda rng: (_mlp_dict(rng), rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(layers_reduce, lambda rng: ([0.6 * rng.standard_normal((3, 3)) for _ in range(3)], rng.standard_normal(3)), ("Ws", "x")),
    Program(scaled_super_net, lambda rng: (0.5 * rng.standard_normal((3, 4)), rng.standard_normal(4), 0.5 * rng.standard_normal((4, 2)), np.array([0.5, 0.7]) + 0.1 * rng.standard_normal(2), rng.standard_normal((5, 3))), ("W1", "b1", "W2", "b2")),
    Program(rnn_sequence, lambda rng: ({"Wx": 0.5 * rng.standard_normal((4, 2)), "Wh": 0.5 * rng.standard_normal((4, 4)), "b": np.zeros(4)}, rng.standard_normal((5, 2)))),
    Program(lstm_cell_loss, lambda rng: (0.4 * rng.standard_normal((12, 2)), 0.4 * rng.standard_normal((12, 3)), 0.1 * rng.standard_normal(12), rng.standard_normal((4, 2))), ("W", "U", "b")),
    Program(softmax_xent_onehot, lambda rng: (0.5 * rng.standard_normal((4, 3)), np.zeros(3), rng.standard_normal((7, 4)), rng.integers(0, 3, 7)), ("W", "b")),
    Program(layer_norm_block, lambda rng: (rng.uniform(0.5, 1.5, 4), 0.1 * rng.standard_normal(4), rng.standard_normal((3, 4))), ("gamma", "beta", "X")),
    Program(conv1d_loop, lambda rng: (rng.standard_normal(3), rng.standard_normal(10)), "kernel"),
    Program(residual_blocks, lambda rng: ([0.4 * rng.standard_normal((3, 3)) for _ in range(2)], rng.standard_normal(3)), ("Ws", "x")),
    Program(attention_with_mask, lambda rng: (0.5 * rng.standard_normal((3, 2)), 0.5 * rng.standard_normal((3, 2)), 0.5 * rng.standard_normal((3, 2)), rng.standard_normal((4, 3))), ("Wq", "Wk", "Wv")),
    # physics
    Program(nbody_potential, lambda rng: (rng.standard_normal((4, 3)), rng.uniform(0.5, 2, 4))),
    Program(nbody_pairs_loop, lambda rng: (rng.standard_normal((4, 2)) * 2,)),
    Program(heat_equation_explicit, lambda rng: (np.sin(np.linspace(0, np.pi, 12)) + 0.1 * rng.standard_normal(12),)),
    Program(heat_periodic_roll, lambda rng: (rng.standard_normal(10), rng.uniform(0.05, 0.2)), ("u0", "kappa")),
    Program(wave_equation, lambda rng: (rng.uniform(0.5, 1.0), np.exp(-((np.linspace(0, 1, 21) - 0.5) / 0.1) ** 2) * rng.uniform(0.8, 1.2)), ("c", "u0")),
    Program(pendulum_energy_drift, lambda rng: (rng.uniform(0.3, 1.0),)),
    Program(chain_cumsum_positions, lambda rng: (rng.uniform(-0.5, 0.5, 3), rng.uniform(0.5, 1.0, 3)), ("angles", "lengths")),
    Program(rope_bending_energy, lambda rng: (np.arange(5.0) + 0.1 * rng.standard_normal(5), 0.2 * rng.standard_normal(5)), ("x", "y")),
    Program(lennard_jones, lambda rng: (np.array([[0, 0], [1.1, 0], [0, 1.2], [1.2, 1.1]]) + 0.05 * rng.standard_normal((4, 2)),)),
    # finance
    Program(black_scholes_call, lambda rng: (rng.uniform(90, 110), 100.0, rng.uniform(0.5, 2.0), rng.uniform(0.01, 0.05), rng.uniform(0.15, 0.35)), ("S", "T", "r", "sigma")),
    Program(bs_portfolio, lambda rng: (rng.uniform(90, 110, 3), np.array([95.0, 100.0, 105.0]), rng.uniform(0.15, 0.35)), ("spots", "vol")),
    Program(binomial_american_put, lambda rng: (rng.uniform(0.9, 1.1), 1.0, rng.uniform(0.15, 0.3)), ("S0", "sigma")),
    Program(mc_asian_call, lambda rng: (rng.uniform(0.9, 1.1), rng.uniform(0.15, 0.3)), ("S0", "sigma")),
    Program(portfolio_mean_variance, lambda rng: (rng.uniform(0.5, 1.5, 4), 0.05 * rng.standard_normal(4), 0.01 * _spd(rng, 4))),
    Program(bond_price_loop, lambda rng: (rng.uniform(0.02, 0.08),)),
    Program(implied_yield_newton, lambda rng: (rng.uniform(90, 110),)),
    Program(swap_npv, lambda rng: (rng.uniform(0.01, 0.05),)),
    Program(option_payoff_book, lambda rng: (rng.uniform(80, 120, 5), [90.0, 100.0, 110.0], ["call", "put", "fwd"])),
    Program(cvar_smooth, lambda rng: (rng.uniform(0.5, 1.5, 3), 0.02 * rng.standard_normal((40, 3)))),
    # statistics / linear algebra
    Program(gp_log_marginal, lambda rng: (rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), rng.uniform(-1.5, -1.0), rng.standard_normal((6, 2)), rng.standard_normal(6)), ("log_ell", "log_sf", "log_sn")),
    Program(gp_slogdet, lambda rng: ({"ell": rng.uniform(0.7, 1.3), "sf2": rng.uniform(0.5, 1.5), "noise": rng.uniform(0.1, 0.3)}, rng.standard_normal((6, 2)), rng.standard_normal(6))),
    Program(mvn_nll_cholesky, lambda rng: (rng.standard_normal(3), 0.3 * rng.standard_normal(6), rng.standard_normal((8, 3))), ("mu", "L_flat")),
    Program(ridge_closed_form, lambda rng: (rng.uniform(0.1, 1.0), rng.standard_normal((10, 3)), rng.standard_normal(10), rng.standard_normal((5, 3)), rng.standard_normal(5))),
    Program(trace_outer_stats, lambda rng: (rng.standard_normal(3), rng.standard_normal((3, 3))), ("v", "A")),
    Program(clipped_huber_mask, lambda rng: (rng.uniform(-0.4, 0.4), rng.standard_normal(10) * 2)),
    Program(pca_reconstruction, lambda rng: (rng.standard_normal((4, 2)), rng.standard_normal((10, 4)))),
    Program(em_gmm_one_step, lambda rng: (np.array([-1.0, 1.0]) + 0.2 * rng.standard_normal(2), rng.standard_normal(10) * 1.5)),
    Program(stats_from_helpers, lambda rng: (rng.standard_normal(6), rng.uniform(0.5, 1.5, 6)), ("x", "w")),
    Program(weighted_least_squares, lambda rng: (rng.standard_normal(2), rng.standard_normal((8, 2)), rng.standard_normal(8), rng.uniform(0.5, 1.5, 8)), "beta"),
    Program(fixed_point_logistic, lambda rng: (rng.uniform(1.5, 2.5),)),
    Program(kde_log_likelihood, lambda rng: (rng.uniform(-1, 0), rng.standard_normal(10), rng.standard_normal(5))),
    # idioms
    Program(typed_kwonly, lambda rng: (rng.standard_normal(4),)),
    Program(item_and_float, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(array_methods_chain, lambda rng: (rng.uniform(0.2, 1.0, 6) * rng.choice([-1, 1], 6),)),
    Program(running_stats_enumerate, lambda rng: (rng.standard_normal(8),)),
    Program(dict_of_losses, lambda rng: ({"w": rng.standard_normal(3), "b": rng.standard_normal()}, rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(early_return_guard, lambda rng: (rng.standard_normal(3) * rng.choice([0.5, 3.0]),)),
    Program(zip_range_len, lambda rng: (rng.standard_normal(4), rng.standard_normal(4)), ("a", "b")),
    Program(list_accum_stack, lambda rng: (0.5 * rng.standard_normal((3, 2)), rng.standard_normal((5, 2)))),
    Program(lambda_closure_sum, lambda rng: (np.array([0.2, -0.3]) + 0.1 * rng.standard_normal(2), rng.standard_normal(6))),
    Program(ndarray_concat_pad, lambda rng: (rng.standard_normal(3), rng.standard_normal(3)), ("a", "b")),
    Program(polynomial_class_fit, lambda rng: (rng.standard_normal(4), np.linspace(-1, 1, 8), rng.standard_normal(8))),
    Program(star_args_helper, lambda rng: tuple(rng.standard_normal(3)), ("a", "b", "c")),
    Program(while_bisect_free_tolerance, lambda rng: (rng.uniform(1.0, 8.0),)),
    Program(namedtuple_methods, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)), rng.standard_normal(8)), ("w", "X")),
    # more whole programs
    Program(implicit_euler_linear, lambda rng: (rng.uniform(0.3, 1.5, 2), rng.standard_normal(2)), ("k", "y0")),
    Program(newton_implicit_euler, lambda rng: (rng.uniform(0.3, 1.5),)),
    Program(hmm_forward_loglik, lambda rng: (0.5 * rng.standard_normal((2, 2)),)),
    Program(interp_calibration, lambda rng: (rng.standard_normal(5),)),
    Program(gauss_legendre_integral, lambda rng: (rng.uniform(0.2, 1.0), rng.uniform(0.5, 2.0)), ("a", "b")),
    Program(mc_legacy_seed, lambda rng: (rng.uniform(-0.2, 0.2), rng.uniform(0.1, 0.4)), ("mu", "sigma")),
    Program(kalman_matrix_nll, lambda rng: (rng.uniform(0.02, 0.1), rng.uniform(0.1, 0.3), rng.standard_normal(5)), ("q", "r")),
    Program(adam_dict_training, lambda rng: (rng.standard_normal(2), rng.standard_normal((6, 2)), rng.standard_normal(6)), "w0"),
    Program(ema_recurrence, lambda rng: (rng.standard_normal(8),)),
    Program(decorated_helper_loss, lambda rng: (rng.standard_normal(3),)),
    Program(view_kept_across_write, lambda rng: (rng.standard_normal(4),)),
]
