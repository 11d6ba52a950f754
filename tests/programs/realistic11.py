"""Round-11 held-out corpus: numerical methods (embedded Runge–Kutta steps with
a step controller, softened N-body Verlet, implicit Euler by Newton, Gauss–Legendre
nodes from np.polynomial, Simpson and np.trapezoid, Crank–Nicolson through
np.linalg.solve, natural cubic splines evaluated with np.searchsorted, Romberg
tables, conjugate gradients, Euler–Maruyama with a generator made inside f,
Adams–Bashforth with a history list, an rfft power spectrum); statistics and
learning (mixtures through scipy.special.logsumexp, Student-t and negative
binomial through lgamma/gammaln, Tobit and Weibull censoring, a multivariate
Kalman filter through solve/slogdet, GP evidence through cholesky, batched
einsum attention, 'same' convolutions with np.pad, batch norm, a fixed dropout
mask, soft k-means, triplet and contrastive losses, Huber/pinball/log-cosh
losses from a class namespace, label smoothing, distillation, ELBOs with fixed
noise, Gumbel-softmax, 1-D Wasserstein by sorting, factorisation machines,
masked matrix factorisation, skip-gram negative sampling); engineering and
finance (greeks from math.erf, antithetic basket Monte Carlo, bond cash-flow
loops with a frequency table, swaps on a forward curve, Merton jump series,
spring networks over an edge list, Lennard-Jones over np.triu_indices,
cantilever deflection, effectiveness-NTU heat exchangers, Kepler orbits with
math.atan2, nodal circuit analysis, a truss by stiffness assembly, Colebrook
friction, Snell refraction, Erlang C, a biquad filter, a frequency response
without complex numbers); and the code styles around them (type hints,
NamedTuple configs, functools.partial/reduce, enumerate/zip/reversed, filtered
comprehensions, early returns, while loops with counters, asserts, f-string
errors, keyword-only helpers, np.float64 constants, math.fsum, sum(.., start))."""
# ruff: noqa: E501, B007, B008, E741, C416, C419  (written as users write them)
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.special

from . import _lib11
from ._lib11 import (FREQ_PER_YEAR, LOG_2PI, Losses, TrainConfig, bs3_step, clip_by_norm,
                     discount_factors, gauss_legendre, hand_logsumexp, natural_spline_second_derivs,
                     pairwise_dist, phi, spline_eval, student_t_logpdf)
from .registry import Program

G_EARTH = np.float64(9.80665)
MU_SUN = 1.0  # canonical units
WATER = {"rho": 998.0, "mu": 1.0e-3, "cp": 4182.0}

# ================================================================ numerical methods


def adaptive_bs3_decay(k: float, y0: float = 1.0, n_steps: int = 12, tol: float = 1e-5) -> float:
    """Bogacki–Shampine with a step-size controller, a fixed number of steps."""
    t, y, h = 0.0, y0, 0.1
    rhs = lambda t, y: -k * y + 0.3 * math.sin(t)
    for _ in range(n_steps):
        y_new, err = bs3_step(rhs, t, y, h)
        err = abs(err) + 1e-14
        t, y = t + h, y_new
        h = h * min(2.0, max(0.5, 0.9 * (tol / err) ** (1.0 / 3.0)))
    return y + 0.01 * t


def rk45_vector(params, y0, t_end=1.0, n_steps=10):
    """Dormand–Prince 5(4) written out, the step adapted on the error norm."""
    a, b = params
    def f(t, y):
        return np.array([y[1], -a * y[0] - b * y[1]])
    c = [0, 1/5, 3/10, 4/5, 8/9, 1, 1]
    A = [[], [1/5], [3/40, 9/40], [44/45, -56/15, 32/9],
         [19372/6561, -25360/2187, 64448/6561, -212/729],
         [9017/3168, -355/33, 46732/5247, 49/176, -5103/18656],
         [35/384, 0, 500/1113, 125/192, -2187/6784, 11/84]]
    b5 = np.array([35/384, 0, 500/1113, 125/192, -2187/6784, 11/84, 0])
    b4 = np.array([5179/57600, 0, 7571/16695, 393/640, -92097/339200, 187/2100, 1/40])
    t, y, h = 0.0, np.asarray(y0, dtype=float), t_end / n_steps
    for step in range(n_steps):
        ks = []
        for i in range(7):
            yi = y + h * sum((aij * kj for aij, kj in zip(A[i], ks)), np.zeros_like(y))
            ks.append(f(t + c[i] * h, yi))
        K = np.array(ks)
        y5 = y + h * b5 @ K
        err = np.linalg.norm(h * (b5 - b4) @ K) + 1e-12
        t += h
        y = y5
        h *= min(1.5, max(0.7, 0.9 * (1e-6 / err) ** 0.2))
    return y @ y


def nbody_softened_verlet(pos, masses=np.array([1.0, 0.5, 0.3, 0.2]), dt=0.01, steps=25, soft=0.05):
    vel = np.zeros_like(pos)

    def accel(x):
        d = x[None, :, :] - x[:, None, :]
        r2 = np.sum(d ** 2, axis=-1) + soft ** 2
        inv3 = r2 ** -1.5
        np.fill_diagonal(inv3, 0.0)
        return np.einsum("ij,ijk,j->ik", inv3, d, masses)

    a = accel(pos)
    for _ in range(steps):
        pos = pos + dt * vel + 0.5 * dt ** 2 * a
        a_new = accel(pos)
        vel = vel + 0.5 * dt * (a + a_new)
        a = a_new
    ke = 0.5 * np.sum(masses[:, None] * vel ** 2)
    return ke + np.sum(pos[:, 0])


def implicit_euler_stiff(lam, y0=1.0, dt=0.1, n=20, newton_iters=4):
    """y' = -lam (y - cos t) - y^3, backward Euler, Newton on each step."""
    y = y0
    t = 0.0
    for _ in range(n):
        t_next = t + dt
        z = y
        for _ in range(newton_iters):
            F = z - y - dt * (-lam * (z - math.cos(t_next)) - z ** 3)
            dF = 1.0 + dt * (lam + 3 * z ** 2)
            z = z - F / dF
        y, t = z, t_next
    return y


def gauss_legendre_moments(a, b, n=10):
    """E[x^2] under an unnormalised density on [0, 3] via leggauss nodes."""
    dens = lambda x: np.exp(-a * (x - b) ** 2)
    Z = gauss_legendre(dens, 0.0, 3.0, n)
    m2 = gauss_legendre(lambda x: x ** 2 * dens(x), 0.0, 3.0, n)
    return m2 / Z


def simpson_vs_trapezoid(omega, n=41):
    x = np.linspace(0.0, math.pi, n)
    y = np.sin(omega * x) ** 2 * np.exp(-0.2 * x)
    h = x[1] - x[0]
    simpson = h / 3 * (y[0] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum() + y[-1])
    trap = np.trapezoid(y, x)
    return simpson + 0.5 * trap


def crank_nicolson_rod(kappa, u0, dt=0.01, steps=15):
    n = u0.size
    dx = 1.0 / (n + 1)
    r = kappa * dt / dx ** 2
    L = np.diag(-2.0 * np.ones(n)) + np.diag(np.ones(n - 1), 1) + np.diag(np.ones(n - 1), -1)
    I = np.eye(n)
    A = I - 0.5 * r * L
    B = I + 0.5 * r * L
    u = u0.copy()
    for _ in range(steps):
        u = np.linalg.solve(A, B @ u)
    return float(np.sum(u ** 2) * dx)


def spline_fit_loss(y, xq, yq):
    x = np.linspace(0.0, 1.0, y.size)
    M = natural_spline_second_derivs(x, y)
    pred = spline_eval(x, y, M, xq)
    return np.mean((pred - yq) ** 2) + 1e-3 * np.sum(M ** 2)


def romberg(c, levels=5):
    f = lambda x: 1.0 / (1.0 + c * x * x)
    a, b = 0.0, 1.0
    R = [[0.5 * (b - a) * (f(a) + f(b))]]
    for k in range(1, levels):
        n = 2 ** k
        h = (b - a) / n
        mids = sum(f(a + (2 * j - 1) * h) for j in range(1, n // 2 + 1))
        row = [0.5 * R[k - 1][0] + h * mids]
        for m in range(1, k + 1):
            row.append(row[m - 1] + (row[m - 1] - R[k - 1][m - 1]) / (4 ** m - 1))
        R.append(row)
    return R[-1][-1]


def conjugate_gradient_energy(A_diag, b, iters=6):
    """CG on a tridiagonal SPD system for a fixed number of iterations."""
    n = b.size
    A = np.diag(A_diag) - 0.5 * (np.eye(n, k=1) + np.eye(n, k=-1))
    x = np.zeros(n)
    r = b - A @ x
    p = r.copy()
    rs = r @ r
    for it in range(iters):
        Ap = A @ p
        alpha = rs / (p @ Ap)
        x = x + alpha * p
        r = r - alpha * Ap
        rs_new = r @ r
        p = r + (rs_new / rs) * p
        rs = rs_new
    return 0.5 * x @ A @ x - b @ x


def euler_maruyama_ou(theta, sigma, x0=1.0, T=1.0, n=50, n_paths=64):
    """Ornstein–Uhlenbeck paths; the generator is made here with a fixed seed."""
    rng = np.random.default_rng(2024)
    dt = T / n
    x = np.full(n_paths, x0)
    for _ in range(n):
        dW = rng.normal(0.0, math.sqrt(dt), size=n_paths)
        x = x - theta * x * dt + sigma * dW
    return np.mean(x ** 2)


def adams_bashforth3(r, K, y0=0.1, h=0.1, n=30):
    f = lambda y: r * y * (1 - y / K)
    hist = [y0]
    # bootstrap with two Heun steps
    for _ in range(2):
        y = hist[-1]
        yp = y + h * f(y)
        hist.append(y + 0.5 * h * (f(y) + f(yp)))
    for i in range(2, n):
        y_next = hist[i] + h / 12 * (23 * f(hist[i]) - 16 * f(hist[i - 1]) + 5 * f(hist[i - 2]))
        hist.append(y_next)
    return hist[-1] + 0.1 * sum(hist) / len(hist)


def rfft_band_power(x, lo=2, hi=6):
    spec = np.fft.rfft(x)
    power = np.abs(spec) ** 2
    return power[lo:hi].sum() / power.sum()


def shooting_secant(k, target=1.0, n=40, iters=3):
    """y'' = -k y - y^3, y(0)=0, find y'(0)=s with y(1)=target; return s."""
    def endpoint(s):
        h = 1.0 / n
        y, v = 0.0, s
        for _ in range(n):
            v -= h * (k * y + y ** 3)
            y += h * v
        return y - target
    s0, s1 = 0.5, 2.0
    f0, f1 = endpoint(s0), endpoint(s1)
    for _ in range(iters):
        s0, s1 = s1, s1 - f1 * (s1 - s0) / (f1 - f0)
        f0, f1 = f1, endpoint(s1)
    return s1


def bvp_finite_difference(q, n=20):
    """-u'' + q(x) u = 1 on (0, 1), Dirichlet zero; mean of u."""
    h = 1.0 / (n + 1)
    xs = np.linspace(h, 1 - h, n)
    qx = q[0] + q[1] * xs
    A = (np.diag(2.0 / h ** 2 + qx) - np.diag(np.full(n - 1, 1.0 / h ** 2), 1)
         - np.diag(np.full(n - 1, 1.0 / h ** 2), -1))
    u = np.linalg.solve(A, np.ones(n))
    return u.mean()


def chebyshev_fit_eval(coef, xq):
    return np.sum(np.polynomial.chebyshev.chebval(xq, coef) ** 2)


def symplectic_pendulum_while(length, theta0=0.8, dt=0.01, t_max=1.5):
    th, om, t = theta0, 0.0, 0.0
    steps = 0
    while t < t_max:
        om -= dt * G_EARTH / length * math.sin(th)
        th += dt * om
        t += dt
        steps += 1
    return th + 1e-3 * steps


# ================================================================ statistics / ML


def gmm_scipy_logsumexp(means, log_sds, logits, x):
    log_w = logits - scipy.special.logsumexp(logits)
    sd = np.exp(log_sds)
    comp = (-0.5 * ((x[:, None] - means[None, :]) / sd) ** 2 - log_sds - 0.5 * LOG_2PI)
    return -scipy.special.logsumexp(comp + log_w, axis=1).sum()


def student_t_regression_nll(beta, log_scale, X, y, nu=4.0):
    scale = math.exp(log_scale)
    resid = y - X @ beta
    return -np.sum(student_t_logpdf(resid, nu, scale=scale))


def negbin_gammaln(log_mu, log_r, y):
    mu, r = np.exp(log_mu), np.exp(log_r)
    ll = (scipy.special.gammaln(y + r) - scipy.special.gammaln(r) - scipy.special.gammaln(y + 1)
          + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu)))
    return -ll.sum()


def poisson_lgamma_loop(log_rate, counts):
    rate = math.exp(log_rate)
    nll = 0.0
    for k in counts:
        nll -= k * log_rate - rate - math.lgamma(k + 1)
    return nll


def tobit_censored(beta, log_sigma, X, y, c=0.0):
    sigma = math.exp(log_sigma)
    mu = X @ beta
    total = 0.0
    for mi, yi in zip(mu, y):
        if yi <= c:
            total += math.log(phi((c - mi) / sigma))
        else:
            total += -0.5 * ((yi - mi) / sigma) ** 2 - log_sigma - 0.5 * math.log(2 * math.pi)
    return -total


def weibull_survival_nll(log_k, log_lam, times, observed):
    k, lam = np.exp(log_k), np.exp(log_lam)
    z = times / lam
    log_h = np.log(k / lam) + (k - 1) * np.log(z)
    cum_h = z ** k
    return -(np.sum(log_h[observed]) - np.sum(cum_h))


def kalman_mv_loglik(log_q, Y, dt=0.2):
    F = np.array([[1.0, dt, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0],
                  [0.0, 0.0, 1.0, dt], [0.0, 0.0, 0.0, 1.0]])
    H = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]])
    Q = np.exp(log_q) * np.eye(4)
    R = 0.1 * np.eye(2)
    m, P = np.zeros(4), np.eye(4)
    ll = 0.0
    for y in Y:
        m = F @ m
        P = F @ P @ F.T + Q
        S = H @ P @ H.T + R
        v = y - H @ m
        sign, logdet = np.linalg.slogdet(S)
        ll += -0.5 * (v @ np.linalg.solve(S, v) + logdet + 2 * LOG_2PI)
        K = np.linalg.solve(S, H @ P).T
        m = m + K @ v
        P = (np.eye(4) - K @ H) @ P
    return -ll


def gp_evidence_cholesky(log_params, X, y):
    ell, sf, sn = np.exp(log_params)
    d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = sf ** 2 * np.exp(-0.5 * d2 / ell ** 2) + (sn ** 2 + 1e-8) * np.eye(len(X))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.log(np.diag(L)).sum() + 0.5 * len(X) * LOG_2PI


def batched_einsum_attention(Wq, Wk, Wv, X):
    Q = np.einsum("btd,de->bte", X, Wq)
    K = np.einsum("btd,de->bte", X, Wk)
    V = np.einsum("btd,de->bte", X, Wv)
    scores = np.einsum("bqe,bke->bqk", Q, K) / np.sqrt(Q.shape[-1])
    scores = scores - scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    w /= w.sum(axis=-1, keepdims=True)
    out = np.einsum("bqk,bke->bqe", w, V)
    return (out ** 2).mean()


def conv1d_same_pad(w, x):
    k = w.size
    pad = k // 2
    xp = np.pad(x, (pad, pad), mode="constant")
    out = np.array([xp[i:i + k] @ w for i in range(x.size)])
    return np.sum(np.tanh(out) ** 2)


def conv1d_reflect_pad(w, x):
    xp = np.pad(x, 1, mode="reflect")
    y = np.convolve(xp, w, mode="valid")
    return np.sum(y ** 2)


def batchnorm_train(gamma, beta, X, eps=1e-5):
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    Xh = (X - mu) / np.sqrt(var + eps)
    out = gamma * Xh + beta
    return np.sum(np.maximum(out, 0.0) ** 2) / X.shape[0]


def dropout_fixed_mask(W, x, y, p=0.3):
    rng = np.random.default_rng(7)
    h = np.tanh(x @ W)
    mask = (rng.random(h.shape) > p).astype(float) / (1.0 - p)
    h = h * mask
    return np.mean((h.sum(axis=1) - y) ** 2)


def soft_kmeans_energy(centers, X, temp=0.5):
    d2 = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
    return -temp * np.sum(hand_logsumexp(-d2 / temp, axis=1))


def triplet_margin(W, anchors, positives, negatives, margin=0.5):
    ea, ep, en = anchors @ W, positives @ W, negatives @ W
    dp = np.linalg.norm(ea - ep, axis=1)
    dn = np.linalg.norm(ea - en, axis=1)
    return np.mean(np.maximum(dp - dn + margin, 0.0))


def contrastive_pairs(W, X1, X2, same, margin=1.0):
    d = np.sqrt(np.sum((X1 @ W - X2 @ W) ** 2, axis=1) + 1e-9)
    loss = np.where(same, d ** 2, np.maximum(margin - d, 0.0) ** 2)
    return loss.mean()


def robust_losses_namespace(beta, X, y):
    r = y - X @ beta
    return float(Losses.huber(r, delta=0.7).sum() + Losses.pinball(r, tau=0.8).sum()
                 + Losses.log_cosh(r).mean())


def label_smoothing_xent(W, X, labels, eps=0.1):
    logits = X @ W
    n, k = logits.shape
    logp = logits - hand_logsumexp(logits, axis=1)[:, None]
    target = np.full((n, k), eps / k)
    target[np.arange(n), labels] += 1.0 - eps
    return -(target * logp).sum() / n


def distillation_kl(student_W, X, teacher_logits, T=2.0):
    s = X @ student_W / T
    t = teacher_logits / T
    log_ps = s - scipy.special.logsumexp(s, axis=1, keepdims=True)
    log_pt = t - scipy.special.logsumexp(t, axis=1, keepdims=True)
    pt = np.exp(log_pt)
    return T ** 2 * np.sum(pt * (log_pt - log_ps)) / X.shape[0]


def gaussian_elbo_reparam(mu, log_sd, x, n_samples=16):
    rng = np.random.default_rng(0)
    eps = rng.standard_normal((n_samples, mu.size))
    z = mu + np.exp(log_sd) * eps
    log_lik = -0.5 * np.sum((x[None, :] - z) ** 2, axis=1)
    log_prior = -0.5 * np.sum(z ** 2, axis=1)
    entropy = np.sum(log_sd)
    return -(np.mean(log_lik + log_prior) + entropy)


def gumbel_softmax_fixed(logits, values, tau=0.5):
    rng = np.random.default_rng(11)
    g = -np.log(-np.log(rng.uniform(size=(8, logits.size))))
    y = (logits + g) / tau
    y = np.exp(y - y.max(axis=1, keepdims=True))
    y = y / y.sum(axis=1, keepdims=True)
    return np.mean(y @ values)


def wasserstein_1d_sorted(shift, scale, x, ref):
    moved = np.sort(shift + scale * x)
    return np.mean((moved - np.sort(ref)) ** 2)


def factorization_machine(w0, w, V, X, y):
    linear = w0 + X @ w
    inter = 0.5 * np.sum((X @ V) ** 2 - (X ** 2) @ (V ** 2), axis=1)
    return np.mean((linear + inter - y) ** 2)


def masked_matrix_factorisation(U, Vt, R, mask, lam=0.05):
    pred = U @ Vt
    err = np.where(mask, pred - R, 0.0)
    return 0.5 * np.sum(err ** 2) + 0.5 * lam * (np.sum(U ** 2) + np.sum(Vt ** 2))


def skipgram_negative_sampling(W_in, W_out, pairs, negatives):
    loss = 0.0
    for (c, o), negs in zip(pairs, negatives):
        v = W_in[c]
        loss += np.logaddexp(0.0, -(W_out[o] @ v))
        for n in negs:
            loss += np.logaddexp(0.0, W_out[n] @ v)
    return loss / len(pairs)


def bayes_linreg_evidence(log_alpha, log_beta, Phi, t):
    alpha, beta = math.exp(log_alpha), math.exp(log_beta)
    N, M = Phi.shape
    A = alpha * np.eye(M) + beta * Phi.T @ Phi
    m = beta * np.linalg.solve(A, Phi.T @ t)
    E = 0.5 * beta * np.sum((t - Phi @ m) ** 2) + 0.5 * alpha * m @ m
    _, logdetA = np.linalg.slogdet(A)
    return -(0.5 * M * log_alpha + 0.5 * N * log_beta - E - 0.5 * logdetA - 0.5 * N * math.log(2 * math.pi))


def logistic_logaddexp(w: np.ndarray, X: np.ndarray, y: np.ndarray, l2: float = 0.01) -> float:
    z = X @ w
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + l2 * w @ w)


def poisson_process_intensity(theta, events, T=5.0, n_grid=101):
    lam = lambda t: np.exp(theta[0] + theta[1] * np.sin(t))
    grid = np.linspace(0.0, T, n_grid)
    return np.trapezoid(lam(grid), grid) - np.sum(np.log(lam(events)))


def beta_regression_nll(beta, log_phi, X, y):
    mu = 1.0 / (1.0 + np.exp(-(X @ beta)))
    ph = np.exp(log_phi)
    a, b = mu * ph, (1 - mu) * ph
    ll = (scipy.special.gammaln(ph) - scipy.special.gammaln(a) - scipy.special.gammaln(b)
          + (a - 1) * np.log(y) + (b - 1) * np.log1p(-y))
    return -ll.sum()


def rbf_network(centers, weights, X, y, width=0.7):
    d2 = ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)
    Phi = np.exp(-d2 / (2 * width ** 2))
    return np.mean((Phi @ weights - y) ** 2)


def cosine_embedding_loss(W, A, B, labels):
    ea, eb = A @ W, B @ W
    cos = (ea * eb).sum(1) / (np.linalg.norm(ea, axis=1) * np.linalg.norm(eb, axis=1))
    return np.mean(np.where(labels > 0, 1 - cos, np.maximum(0.0, cos - 0.1)))


def trained_with_config(w, X, y, cfg: TrainConfig = TrainConfig()):
    """A few clipped gradient steps (hand gradient), then the validation loss."""
    for step in range(cfg.steps):
        g = 2 * X.T @ (X @ w - y) / len(y) + 2 * cfg.weight_decay * w
        g = clip_by_norm(g, cfg.clip)
        w = w - cfg.lr * g
    return np.mean((X @ w - y) ** 2)


# ================================================================ finance


def bs_greeks_erf(S, sigma, K=100.0, r=0.02, T=0.5):
    """Delta-gamma-vega of a call, all from math.erf; a hedger's risk score."""
    sqrtT = math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * sqrtT)
    d2 = d1 - sigma * sqrtT
    pdf = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
    price = S * phi(d1) - K * math.exp(-r * T) * phi(d2)
    delta = phi(d1)
    gamma = pdf / (S * sigma * sqrtT)
    vega = S * pdf * sqrtT
    return price + 10 * delta + 100 * gamma + 0.1 * vega


def antithetic_basket(S0, vols, corr=0.4, K=1.0, r=0.01, T=1.0, n_paths=128):
    rng = np.random.default_rng(99)
    n = S0.size
    C = np.full((n, n), corr) + (1 - corr) * np.eye(n)
    L = np.linalg.cholesky(C)
    Z = rng.standard_normal((n_paths, n)) @ L.T
    payoff = 0.0
    for sign in (1.0, -1.0):
        ST = S0 * np.exp((r - 0.5 * vols ** 2) * T + sign * vols * math.sqrt(T) * Z)
        basket = ST.mean(axis=1)
        payoff += np.mean(np.logaddexp(0.0, 20 * (basket - K)) / 20)
    return math.exp(-r * T) * payoff / 2


def bond_price_frequency(ytm, coupon=0.05, face=100.0, years=5, freq="semiannual"):
    m = FREQ_PER_YEAR[freq]
    n = years * m
    cf = coupon * face / m
    price = 0.0
    for k in range(1, n + 1):
        price += cf / (1 + ytm / m) ** k
    price += face / (1 + ytm / m) ** n
    return price


def duration_convexity(ytm, coupons=(0.04, 0.04, 0.04, 1.04)):
    pv = [c / (1 + ytm) ** (t + 1) for t, c in enumerate(coupons)]
    P = math.fsum(pv)
    D = sum((t + 1) * v for t, v in enumerate(pv)) / P
    Cx = sum((t + 1) * (t + 2) * v for t, v in enumerate(pv)) / (P * (1 + ytm) ** 2)
    return D + 0.1 * Cx


def swap_forward_curve(fwd, fixed=0.03, tau=0.5):
    """A par-ish swap value off a piecewise-flat forward curve (np.cumsum)."""
    dfs = np.exp(-np.cumsum(fwd * tau))
    float_leg = np.sum(fwd * tau * dfs)
    fixed_leg = fixed * tau * dfs.sum()
    return (float_leg - fixed_leg) * 1e4


def merton_jump_call(S, sigma, lam=0.5, mj=-0.1, sj=0.2, K=1.0, r=0.02, T=1.0, n_terms=12):
    k = math.exp(mj + 0.5 * sj ** 2) - 1
    lam_p = lam * (1 + k)
    total = 0.0
    for n in range(n_terms):
        sig_n = math.sqrt(sigma ** 2 + n * sj ** 2 / T)
        r_n = r - lam * k + n * math.log(1 + k) / T
        d1 = (math.log(S / K) + (r_n + 0.5 * sig_n ** 2) * T) / (sig_n * math.sqrt(T))
        d2 = d1 - sig_n * math.sqrt(T)
        bs = S * phi(d1) - K * math.exp(-r_n * T) * phi(d2)
        total += math.exp(-lam_p * T) * (lam_p * T) ** n / math.factorial(n) * bs
    return total


def sabr_normal_vol(alpha, rho, nu, F=0.02, K=0.025, T=1.0):
    """Hagan's normal-vol SABR (beta = 0)."""
    zeta = nu / alpha * (F - K)
    x = math.log((math.sqrt(1 - 2 * rho * zeta + zeta ** 2) + zeta - rho) / (1 - rho))
    return alpha * zeta / x * (1 + (2 - 3 * rho ** 2) / 24 * nu ** 2 * T)


def annuity_discount_list(rates, times=(0.5, 1.0, 1.5, 2.0), payment=25.0):
    dfs = discount_factors(rates, times)
    return sum([payment * d for d in dfs], 0.0)


def portfolio_cvar_smooth(w, returns, alpha=0.9, beta=30.0):
    losses = -(returns @ w)
    var = np.quantile(losses, alpha)
    excess = np.logaddexp(0.0, beta * (losses - var)) / beta
    return var + excess.mean() / (1 - alpha)


# ================================================================ physics / engineering


def spring_network_edges(X, edges=((0, 1), (1, 2), (2, 3), (3, 0), (0, 2)), k=10.0, rest=1.0):
    E = np.array(edges)
    d = X[E[:, 0]] - X[E[:, 1]]
    lengths = np.linalg.norm(d, axis=1)
    return 0.5 * k * np.sum((lengths - rest) ** 2)


def lennard_jones_triu(pos, eps=1.0, sigma=1.0):
    i, j = np.triu_indices(len(pos), k=1)
    r = np.linalg.norm(pos[i] - pos[j], axis=1)
    sr6 = (sigma / r) ** 6
    return np.sum(4 * eps * (sr6 ** 2 - sr6))


def cantilever_deflection(EI, loads, positions, L=2.0, n=21):
    """Tip-region deflection of a cantilever under point loads (superposition)."""
    x = np.linspace(0.0, L, n)
    w = np.zeros_like(x)
    for P, a in zip(loads, positions):
        w += np.where(x <= a, P * x ** 2 * (3 * a - x) / (6 * EI), P * a ** 2 * (3 * x - a) / (6 * EI))
    return np.max(w[-3:]) + np.mean(w)


def heat_exchanger_ntu(UA, m_hot, m_cold, T_hot=360.0, T_cold=290.0):
    """Counter-flow effectiveness–NTU; heat duty in kW."""
    C_h, C_c = m_hot * WATER["cp"], m_cold * WATER["cp"]
    C_min, C_max = min(C_h, C_c), max(C_h, C_c)
    Cr = C_min / C_max
    NTU = UA / C_min
    eff = (1 - math.exp(-NTU * (1 - Cr))) / (1 - Cr * math.exp(-NTU * (1 - Cr)))
    return eff * C_min * (T_hot - T_cold) / 1000.0


def kepler_orbit_atan2(e, a=1.0, t=0.7, iters=8):
    M = math.sqrt(MU_SUN / a ** 3) * t
    E = M
    for _ in range(iters):
        E = E - (E - e * math.sin(E) - M) / (1 - e * math.cos(E))
    x = a * (math.cos(E) - e)
    y = a * math.sqrt(1 - e * e) * math.sin(E)
    nu = math.atan2(y, x)
    r = math.hypot(x, y)
    return nu + 0.5 * r


def resistor_ladder_nodal(conductances, v_source=5.0):
    """Nodal analysis of a 4-node ladder; power in the last shunt."""
    g = conductances
    n = 4
    G = np.zeros((n, n))
    I = np.zeros(n)
    G[0, 0] += g[0]
    I[0] += g[0] * v_source
    for k in range(n - 1):
        gs = g[1 + k]
        G[k, k] += gs
        G[k + 1, k + 1] += gs
        G[k, k + 1] -= gs
        G[k + 1, k] -= gs
    for k in range(n):
        G[k, k] += g[4 + k]
    V = np.linalg.solve(G, I)
    return g[-1] * V[-1] ** 2


def truss_compliance(areas, E=200.0):
    nodes = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.5, 0.8], [1.5, 0.8]])
    bars = [(0, 1), (1, 2), (0, 3), (1, 3), (1, 4), (2, 4), (3, 4)]
    K = np.zeros((10, 10))
    for (i, j), A in zip(bars, areas):
        d = nodes[j] - nodes[i]
        L = np.linalg.norm(d)
        c, s = d / L
        k = E * A / L * np.array([[c * c, c * s], [c * s, s * s]])
        dofs = [2 * i, 2 * i + 1, 2 * j, 2 * j + 1]
        ke = np.block([[k, -k], [-k, k]])
        for a_, p in enumerate(dofs):
            for b_, q in enumerate(dofs):
                K[p, q] += ke[a_, b_]
    free = [2, 3, 4, 6, 7, 8, 9]  # node 0 pinned, node 2 on a roller (y fixed)
    F = np.zeros(10)
    F[3] = -1.0
    Kf = K[np.ix_(free, free)]
    u = np.linalg.solve(Kf, F[free])
    return F[free] @ u


def colebrook_friction(roughness_mm, Re, D=0.05, iters=8):
    """Colebrook–White by fixed-point iteration on 1/sqrt(f)."""
    inv = 2.0
    for _ in range(iters):
        inv = -2.0 * math.log10(roughness_mm * 1e-3 / (3.7 * D) + 2.51 * inv / Re)
    f = 1.0 / inv ** 2
    return f * 1e3


def snell_layers(n_layers, theta0=0.4):
    """Ray through stratified layers: lateral offset after unit-thickness slabs."""
    offset = 0.0
    sin_t = math.sin(theta0)
    n_prev = 1.0
    for n_i in n_layers:
        sin_t = n_prev * sin_t / n_i
        offset += math.tan(math.asin(sin_t))
        n_prev = n_i
    return offset


def erlang_c_wait(arrival, service, servers=3):
    a = arrival / service
    rho = a / servers
    assert rho < 1, f"unstable queue: rho={rho:.3f}"
    s = math.fsum(a ** k / math.factorial(k) for k in range(servers))
    top = a ** servers / math.factorial(servers) / (1 - rho)
    pw = top / (s + top)
    return pw / (servers * service - arrival)


def biquad_lowpass(b, a, x):
    """Direct form II transposed; b = (b0, b1, b2), a = (a1, a2)."""
    z1 = z2 = 0.0
    out = []
    for xn in x:
        yn = b[0] * xn + z1
        z1 = b[1] * xn - a[0] * yn + z2
        z2 = b[2] * xn - a[1] * yn
        out.append(yn)
    y = np.array(out)
    return np.sum(y ** 2)


def frequency_response_real(num, den, omegas=np.linspace(0.1, 5.0, 12)):
    """|H(jw)|^2 of a second-order system with real and imaginary parts by hand."""
    total = 0.0
    for w in omegas:
        nr, ni = num[0] - num[2] * w ** 2, num[1] * w
        dr, di = den[0] - w ** 2, den[1] * w
        total += (nr ** 2 + ni ** 2) / (dr ** 2 + di ** 2)
    return total / len(omegas)


def arrhenius_chain_rk4(Ea, T=350.0, dt=0.05, n=40):
    """A -> B -> C with Arrhenius rates, RK4 on the state vector; yield of B."""
    R = 8.314e-3
    k1 = 1e3 * np.exp(-Ea[0] / (R * T))
    k2 = 1e3 * np.exp(-Ea[1] / (R * T))
    f = lambda c: np.array([-k1 * c[0], k1 * c[0] - k2 * c[1], k2 * c[1]])
    c = np.array([1.0, 0.0, 0.0])
    for _ in range(n):
        s1 = f(c)
        s2 = f(c + 0.5 * dt * s1)
        s3 = f(c + 0.5 * dt * s2)
        s4 = f(c + dt * s3)
        c = c + dt / 6 * (s1 + 2 * s2 + 2 * s3 + s4)
    return c[1]


def fin_heat_rate(h, k=200.0, D=0.005, L=0.04, T_b=80.0, T_inf=20.0):
    P, Ac = math.pi * D, math.pi * D ** 2 / 4
    m = math.sqrt(h * P / (k * Ac))
    M = math.sqrt(h * P * k * Ac) * (T_b - T_inf)
    num = math.sinh(m * L) + h / (m * k) * math.cosh(m * L)
    den = math.cosh(m * L) + h / (m * k) * math.sinh(m * L)
    return M * num / den


def rocket_ascent_while(thrust, burn_time=5.0, m0=10.0, mdot=1.2, dt=0.02, cd=0.02):
    t, h, v, m = 0.0, 0.0, 0.0, m0
    while t < burn_time:
        drag = cd * v * abs(v)
        a = (thrust - drag) / m - G_EARTH
        v += a * dt
        h += v * dt
        m -= mdot * dt
        t += dt
    return h + v ** 2 / (2 * G_EARTH)


def michaelis_menten_fit(log_params, S, v_obs):
    Vmax, Km = np.exp(log_params)
    pred = Vmax * S / (Km + S)
    return np.sum((pred - v_obs) ** 2)


def dc_power_flow(x_lines, injections):
    lines = [(0, 1), (1, 2), (0, 2), (2, 3)]
    n = 4
    B = np.zeros((n, n))
    for (i, j), xl in zip(lines, x_lines):
        b = 1.0 / xl
        B[i, i] += b
        B[j, j] += b
        B[i, j] -= b
        B[j, i] -= b
    theta = np.zeros(n)
    theta[1:] = np.linalg.solve(B[1:, 1:], injections)
    flows = [(theta[i] - theta[j]) / xl for (i, j), xl in zip(lines, x_lines)]
    return sum(f ** 2 for f in flows)


def damped_string_modes(tension, density=0.01, L=1.0, n_modes=6, x=0.3, t=0.05):
    c = math.sqrt(tension / density)
    u = 0.0
    for n in range(1, n_modes + 1):
        k = n * math.pi / L
        u += math.sin(k * x) * math.cos(c * k * t) * math.exp(-0.1 * n * t) / n ** 2
    return u


# ================================================================ code styles


class Layer(NamedTuple):
    W: np.ndarray
    b: np.ndarray


def mlp_reduce(W1, W2, x, y):
    layers = [Layer(W1, np.zeros(W1.shape[1])), Layer(W2, np.zeros(W2.shape[1]))]
    out = functools.reduce(lambda h, layer: np.tanh(h @ layer.W + layer.b), layers, x)
    return np.mean((out[:, 0] - y) ** 2)


def _penalty(w, *, kind="l2", scale=1.0):
    if kind == "l2":
        return scale * np.sum(w ** 2)
    if kind == "l1_smooth":
        return scale * np.sum(np.sqrt(w ** 2 + 1e-6))
    raise ValueError(f"unknown penalty {kind!r}")


def keyword_only_penalties(w, X, y):
    data = np.mean((X @ w - y) ** 2)
    return data + _penalty(w, scale=0.1) + _penalty(w, kind="l1_smooth", scale=0.01)


def partial_kernel_sum(ell, X):
    kern = functools.partial(lambda a, b, length: math.exp(-(a - b) ** 2 / (2 * length ** 2)), length=ell)
    return sum(kern(a, b) for i, a in enumerate(X) for b in X[i + 1:])


def reversed_horner(coeffs, x: float) -> float:
    acc = 0.0
    for c in reversed(coeffs):
        acc = acc * x + c
    return acc


def filtered_comprehension(w, X, y):
    residuals = [yi - xi @ w for xi, yi in zip(X, y)]
    big = [r for r in residuals if abs(r) > 0.1]
    small = [r for r in residuals if abs(r) <= 0.1]
    return sum(r * r for r in small) + sum(abs(r) for r in big)


def early_return_regimes(x: float, a: float) -> float:
    if x < 0.0:
        return a * x * x
    if x < 1.0:
        return a * x + math.sin(x)
    return a + math.log(x) + math.sin(1.0)


def assert_checked_loss(w, X, y):
    assert X.ndim == 2, "X must be a matrix"
    assert X.shape[1] == w.shape[0], f"shape mismatch {X.shape} vs {w.shape}"
    pred = X @ w
    assert np.all(np.isfinite(pred))
    return np.sum((pred - y) ** 2)


def raise_fstring_guard(rate, times):
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    return float(np.sum(np.exp(-rate * times)))


class Units:
    """A namespace of conversions."""

    @staticmethod
    def c_to_k(t):
        return t + 273.15

    @staticmethod
    def kpa(p):
        return p * 1e-3


def ideal_gas_static(T_celsius, p_pa, V=0.02):
    n = Units.kpa(p_pa) * V / (8.314e-3 * Units.c_to_k(T_celsius))
    return n * 1e3


def int_float_conversions(x, n_bins=5):
    total = 0.0
    for i in range(n_bins):
        center = float(i) / n_bins
        w = int(i % 2 == 0) + 1
        total += w * (x - center) ** 2
    return total / float(n_bins)


def method_style_stats(X):
    Xc = X - X.mean(axis=0)
    cov = Xc.T @ Xc / (X.shape[0] - 1)
    return cov.trace() + np.abs(cov).max() + Xc.std()


def while_counter_bisection(a, lo=0.0, hi=3.0, tol=1e-12):
    """Root of x^3 + a x - 4 by bisection, then one Newton polish for smoothness."""
    count = 0
    while hi - lo > 1e-3 and count < 100:
        mid = 0.5 * (lo + hi)
        if mid ** 3 + a * mid - 4 > 0:
            hi = mid
        else:
            lo = mid
        count += 1
    x = 0.5 * (lo + hi)
    for _ in range(4):
        x = x - (x ** 3 + a * x - 4) / (3 * x ** 2 + a)
    return x


def lookup_table_coeffs(T, material="steel"):
    table = {"steel": (12e-6, 0.5e-9), "aluminium": (23e-6, 1.0e-9)}
    alpha, beta = table[material]
    L0 = 1.0
    return L0 * (1 + alpha * (T - 20.0) + beta * (T - 20.0) ** 2) - L0


def fsum_and_start(xs, w: float):
    parts = [w * x ** 2 for x in xs]
    return math.fsum(parts) + sum((math.sin(w * x) for x in xs), 1.0)


@dataclass
class Schedule:
    lr0: float
    decay: float = 0.9
    steps: int = 6


def dataclass_schedule_descent(x0, sched: Schedule = Schedule(0.3)):
    x = x0
    for k in range(sched.steps):
        lr = sched.lr0 * sched.decay ** k
        x = x - lr * (4 * x ** 3 - 2 * x + 0.5)
    return x ** 2


def zip_enumerate_weights(w, signals):
    total = 0.0
    for i, (wi, s) in enumerate(zip(w, signals)):
        total += (i + 1) * wi * np.sum(s ** 2)
    return total


def nested_helpers_module_attr(y, x):
    M = _lib11.natural_spline_second_derivs(x, y)
    return np.sum(M ** 2) + _lib11.hand_logsumexp(y)


# ================================================================ more idioms


def timed(fn):
    """A user's decorator that keeps the wrapped function's name (functools.wraps)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@timed
def _decorated_energy(x, k):
    return 0.5 * k * np.sum(np.diff(x) ** 2)


def decorated_helper(x, k=3.0):
    return _decorated_energy(x, k) + np.sum(x ** 4)


@functools.lru_cache(maxsize=None)
def binom(n: int, k: int) -> int:
    return math.comb(n, k)


def bernstein_cached(coeffs, t=0.35):
    n = len(coeffs) - 1
    return sum(binom(n, i) * t ** i * (1 - t) ** (n - i) * c for i, c in enumerate(coeffs))


def zip_star_points(points):
    xs, ys = zip(*points)
    xs, ys = np.array(xs), np.array(ys)
    return np.sum(xs * ys) / len(xs) + np.var(ys)


def clamp_builtin_minmax(a, lo=-1.0, hi=1.0):
    total = 0.0
    for t in np.linspace(-2.0, 2.0, 9):
        total += min(max(a * t, lo), hi) ** 2
    return total


def sum_map_lambda(w, xs):
    return sum(map(lambda x: math.exp(-w * x * x), xs))


def for_else_search(alpha, xs):
    for i, x in enumerate(xs):
        if x > 1.5:
            break
    else:
        i = len(xs) - 1
    return alpha * xs[i] + alpha ** 2


def while_true_break(rate, tol=1e-10):
    """Fixed point x = exp(-rate x) iterated until it settles."""
    x, n = 0.5, 0
    while True:
        x_new = math.exp(-rate * x)
        n += 1
        if abs(x_new - x) < tol or n > 200:
            x = x_new
            break
        x = x_new
    return x


def star_unpack_rest(params):
    first, *rest = params
    return first ** 2 + sum(r * first for r in rest)


def dict_comprehension_losses(w, X, y):
    preds = X @ w
    losses = {name: fn(preds - y) for name, fn in (("mse", np.square), ("mae", np.abs), ("cosh", np.cosh))}
    return sum(losses.values()).mean()


def optional_bias(W, x, bias=None):
    h = x @ W if bias is None else x @ W + bias
    return np.sum(np.tanh(h))


def cov_corr_penalty(X):
    C = np.cov(X, rowvar=False)
    R = np.corrcoef(X, rowvar=False)
    off = R - np.diag(np.diag(R))
    return np.trace(C) + np.sum(off ** 2)


def minibatch_permutation(w, X, y, batch=4, epochs=2, lr=0.05):
    rng = np.random.default_rng(5)
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch):
            idx = order[start:start + batch]
            Xb, yb = X[idx], y[idx]
            w = w - lr * 2 * Xb.T @ (Xb @ w - yb) / len(idx)
    return np.mean((X @ w - y) ** 2)


def scipy_expit_xlogy(w, X, y):
    p = scipy.special.expit(X @ w)
    return -np.sum(scipy.special.xlogy(y, p) + scipy.special.xlogy(1 - y, 1 - p))


def scipy_log_softmax_nll(W, X, labels):
    logp = scipy.special.log_softmax(X @ W, axis=1)
    return -logp[np.arange(len(labels)), labels].mean()


def cumprod_survival(log_hazards):
    h = 1.0 / (1.0 + np.exp(-log_hazards))
    surv = np.cumprod(1 - h)
    return np.sum(surv) + surv[-1]


def tril_mask_energy(A):
    L = np.tril(A, k=-1) + np.eye(A.shape[0])
    M = L @ L.T
    return np.linalg.det(M) + np.sum(np.triu(M, 1) ** 2)


def lstsq_residual(theta, t, y):
    X = np.column_stack([np.ones_like(t), np.sin(theta * t), np.cos(theta * t)])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    return np.sum((X @ coef - y) ** 2)


def kron_separable(a, b, X):
    K = np.kron(np.diag(a), np.diag(b))
    return np.sum(K * X) + np.sum(np.kron(a, b) ** 2)


def top_k_reorder(scores, k=3):
    order = np.argsort(scores)[::-1][:k]
    top = np.take(scores, order)
    return np.sum(top * np.array([3.0, 2.0, 1.0]))


def percentile_band(x):
    lo, hi = np.percentile(x, [10, 90])
    return hi - lo + np.median(x)


def itertools_pairs(pos):
    import itertools
    e = 0.0
    for i, j in itertools.combinations(range(len(pos)), 2):
        r = np.linalg.norm(pos[i] - pos[j])
        e += 1.0 / r
    return e


def matrix_power_markov(logits, steps=5):
    P = np.exp(logits)
    P = P / P.sum(axis=1, keepdims=True)
    Pn = np.linalg.matrix_power(P, steps)
    return Pn[0] @ np.array([1.0, 2.0, 3.0])


def ellipsis_einsum(W, X):
    H = np.einsum("...i,ij->...j", X, W)
    return np.einsum("...j,...j->...", H, H).sum()


def percent_format_message(x):
    label = "value=%.3f" % float(np.sum(x))
    if len(label) > 100:
        raise RuntimeError(label)
    return float(np.sum(x ** 2))


def coulomb_keyword_eps(X, q):
    D = pairwise_dist(X, eps=1e-3)
    Q = np.outer(q, q)
    iu = np.triu_indices(len(q), 1)
    return np.sum(Q[iu] / D[iu])


def gradient_roughness(y, dx=0.1):
    dy = np.gradient(y, dx)
    d2 = np.diff(y, n=2) / dx ** 2
    return np.sum(dy ** 2) + 0.01 * np.sum(d2 ** 2)


def nan_guarded_mean(x):
    y = np.where(x > 2.0, np.nan, x)
    return np.nanmean(y ** 2) + np.nansum(y)


def atleast_hstack(a, b):
    v = np.hstack([np.atleast_1d(a), b, [1.0]])
    return v @ v


def _softmin(a, b, c, gamma):
    m = min(a, b, c)
    return m - gamma * math.log(math.exp(-(a - m) / gamma) + math.exp(-(b - m) / gamma)
                                + math.exp(-(c - m) / gamma))


def soft_dtw_array(x, y, gamma=0.5):
    """Soft dynamic time warping with a NumPy cost table filled cell by cell."""
    n, m = len(x), len(y)
    R = np.full((n + 1, m + 1), np.inf)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (x[i - 1] - y[j - 1]) ** 2
            R[i, j] = cost + _softmin(R[i - 1, j], R[i, j - 1], R[i - 1, j - 1], gamma)
    return R[n, m]


def soft_dtw_lists(x, y, gamma=0.5):
    """The same table as a list of lists, the way a DP is written from a textbook."""
    n, m = len(x), len(y)
    R = [[math.inf] * (m + 1) for _ in range(n + 1)]
    R[0][0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (x[i - 1] - y[j - 1]) ** 2
            R[i][j] = cost + _softmin(R[i - 1][j], R[i][j - 1], R[i - 1][j - 1], gamma)
    return R[n][m]


def basis_lambdas_default(coef, x):
    basis = [lambda t, p=p: t ** p for p in range(4)]
    return np.sum(sum(c * b(x) for c, b in zip(coef, basis)) ** 2)


def countdown_range(a, xs):
    acc = 0.0
    for i in range(len(xs) - 1, -1, -1):
        acc = acc * a + xs[i]
    return acc


def sawtooth_mod(a, ts):
    phase = (a * ts) % 1.0
    return np.sum(np.sin(2 * np.pi * phase) * phase)


def sorted_pairs_key(xs, weights=(3.0, 1.0, 2.0)):
    pairs = sorted(zip(xs, weights), key=lambda t: t[1])
    return sum(a * b for a, b in pairs[:2])


def viterbi_soft_path(log_A, log_b, obs=(0, 1, 1, 0), temp=0.3):
    """A smoothed Viterbi recursion with max replaced by temp * logsumexp / temp."""
    alpha = log_b[:, obs[0]].copy()
    for o in obs[1:]:
        scores = (alpha[:, None] + log_A) / temp
        alpha = temp * scipy.special.logsumexp(scores, axis=0) + log_b[:, o]
    return temp * scipy.special.logsumexp(alpha / temp)


def cumulative_trapezoid_energy(v, dt=0.1):
    x = np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]) * dt)])
    return np.sum(x ** 2) + np.trapezoid(v ** 2, dx=dt)


# ================================================================ arguments


def _spd(rng, n):
    A = rng.standard_normal((n, n))
    return A @ A.T + n * np.eye(n)


def _triplets(rng):
    return (0.5 * rng.standard_normal((4, 3)), rng.standard_normal((6, 4)),
            rng.standard_normal((6, 4)), rng.standard_normal((6, 4)))


def _pairs(rng):
    return ([(0, 1), (2, 3), (4, 0)], [[2, 3], [1, 0], [3, 1]])


PROGRAMS = [
    # numerical methods
    Program(adaptive_bs3_decay, lambda rng: (rng.uniform(0.5, 2.0),)),
    Program(rk45_vector, lambda rng: ((rng.uniform(1, 3), rng.uniform(0.1, 0.5)), np.array([1.0, 0.0]) + 0.1 * rng.standard_normal(2)), ("params", "y0")),
    Program(nbody_softened_verlet, lambda rng: (np.array([[0.0, 0.0], [1.0, 0.1], [-0.5, 0.9], [0.3, -1.0]]) + 0.05 * rng.standard_normal((4, 2)),)),
    Program(implicit_euler_stiff, lambda rng: (rng.uniform(5, 50),)),
    Program(gauss_legendre_moments, lambda rng: (rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.5)), ("a", "b")),
    Program(simpson_vs_trapezoid, lambda rng: (rng.uniform(0.5, 2.0),)),
    Program(crank_nicolson_rod, lambda rng: (rng.uniform(0.5, 2.0), np.sin(np.pi * np.linspace(0.1, 0.9, 8)) + 0.1 * rng.standard_normal(8)), ("kappa", "u0")),
    Program(spline_fit_loss, lambda rng: (np.sin(np.linspace(0, 3, 6)) + 0.1 * rng.standard_normal(6), rng.uniform(0.02, 0.98, 9), rng.standard_normal(9))),
    Program(romberg, lambda rng: (rng.uniform(0.5, 3.0),)),
    Program(conjugate_gradient_energy, lambda rng: (rng.uniform(2, 3, 5), rng.standard_normal(5)), ("A_diag", "b")),
    Program(euler_maruyama_ou, lambda rng: (rng.uniform(0.5, 2.0), rng.uniform(0.2, 0.6)), ("theta", "sigma")),
    Program(adams_bashforth3, lambda rng: (rng.uniform(0.5, 1.5), rng.uniform(1.0, 2.0)), ("r", "K")),
    Program(rfft_band_power, lambda rng: (rng.standard_normal(16),)),
    Program(shooting_secant, lambda rng: (rng.uniform(1.0, 4.0),)),
    Program(bvp_finite_difference, lambda rng: (rng.uniform(0.5, 2.0, 2),)),
    Program(chebyshev_fit_eval, lambda rng: (rng.standard_normal(5), rng.uniform(-1, 1, 7))),
    Program(symplectic_pendulum_while, lambda rng: (rng.uniform(0.5, 2.0),)),
    # statistics / ML
    Program(gmm_scipy_logsumexp, lambda rng: (np.array([-1.0, 0.5, 2.0]) + 0.1 * rng.standard_normal(3), 0.2 * rng.standard_normal(3), rng.standard_normal(3), 1.5 * rng.standard_normal(10)), ("means", "log_sds", "logits")),
    Program(student_t_regression_nll, lambda rng: (rng.standard_normal(3), rng.uniform(-0.5, 0.5), rng.standard_normal((8, 3)), rng.standard_normal(8)), ("beta", "log_scale")),
    Program(negbin_gammaln, lambda rng: (rng.uniform(0.5, 1.5, 6), rng.uniform(-0.5, 1.0), rng.poisson(3, 6).astype(float)), ("log_mu", "log_r")),
    Program(poisson_lgamma_loop, lambda rng: (rng.uniform(0.3, 1.5), [int(k) for k in rng.poisson(2.5, 8)])),
    Program(tobit_censored, lambda rng: (rng.standard_normal(2), rng.uniform(-0.5, 0.3), rng.standard_normal((8, 2)), np.maximum(rng.standard_normal(8), 0.0)), ("beta", "log_sigma")),
    Program(weibull_survival_nll, lambda rng: (rng.uniform(-0.3, 0.5), rng.uniform(-0.3, 0.5), rng.uniform(0.2, 3.0, 10), rng.random(10) > 0.3), ("log_k", "log_lam")),
    Program(kalman_mv_loglik, lambda rng: (rng.uniform(-3, -1), np.cumsum(rng.standard_normal((6, 2)), axis=0) * 0.3)),
    Program(gp_evidence_cholesky, lambda rng: (np.array([0.0, 0.0, -1.0]) + 0.2 * rng.standard_normal(3), rng.standard_normal((7, 2)), rng.standard_normal(7))),
    Program(batched_einsum_attention, lambda rng: (0.5 * rng.standard_normal((3, 2)), 0.5 * rng.standard_normal((3, 2)), 0.5 * rng.standard_normal((3, 2)), rng.standard_normal((2, 4, 3))), ("Wq", "Wk", "Wv", "X")),
    Program(conv1d_same_pad, lambda rng: (rng.standard_normal(3), rng.standard_normal(10)), ("w", "x")),
    Program(conv1d_reflect_pad, lambda rng: (rng.standard_normal(3), rng.standard_normal(10)), ("w", "x")),
    Program(batchnorm_train, lambda rng: (1 + 0.1 * rng.standard_normal(3), 0.1 * rng.standard_normal(3), rng.standard_normal((8, 3))), ("gamma", "beta", "X")),
    Program(dropout_fixed_mask, lambda rng: (0.5 * rng.standard_normal((3, 5)), rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(soft_kmeans_energy, lambda rng: (rng.standard_normal((3, 2)), 1.5 * rng.standard_normal((10, 2)))),
    Program(triplet_margin, _triplets),
    Program(contrastive_pairs, lambda rng: (0.5 * rng.standard_normal((4, 2)), rng.standard_normal((8, 4)), rng.standard_normal((8, 4)), rng.random(8) > 0.5)),
    Program(robust_losses_namespace, lambda rng: (rng.standard_normal(3), rng.standard_normal((10, 3)), 2 * rng.standard_normal(10))),
    Program(label_smoothing_xent, lambda rng: (0.5 * rng.standard_normal((3, 4)), rng.standard_normal((6, 3)), rng.integers(0, 4, 6))),
    Program(distillation_kl, lambda rng: (0.5 * rng.standard_normal((3, 4)), rng.standard_normal((6, 3)), rng.standard_normal((6, 4)))),
    Program(gaussian_elbo_reparam, lambda rng: (rng.standard_normal(3), rng.uniform(-1, 0, 3), rng.standard_normal(3)), ("mu", "log_sd")),
    Program(gumbel_softmax_fixed, lambda rng: (rng.standard_normal(4), rng.standard_normal(4))),
    Program(wasserstein_1d_sorted, lambda rng: (rng.uniform(-0.5, 0.5), rng.uniform(0.5, 2.0), rng.standard_normal(9), rng.standard_normal(9)), ("shift", "scale")),
    Program(factorization_machine, lambda rng: (rng.uniform(-0.5, 0.5), rng.standard_normal(4), 0.5 * rng.standard_normal((4, 2)), rng.standard_normal((7, 4)), rng.standard_normal(7)), ("w0", "w", "V")),
    Program(masked_matrix_factorisation, lambda rng: (rng.standard_normal((4, 2)), rng.standard_normal((2, 5)), rng.standard_normal((4, 5)), rng.random((4, 5)) > 0.4), ("U", "Vt")),
    Program(skipgram_negative_sampling, lambda rng: (0.5 * rng.standard_normal((5, 3)), 0.5 * rng.standard_normal((5, 3))) + _pairs(rng), ("W_in", "W_out")),
    Program(bayes_linreg_evidence, lambda rng: (rng.uniform(-1, 1), rng.uniform(0, 2), rng.standard_normal((10, 3)), rng.standard_normal(10)), ("log_alpha", "log_beta")),
    Program(logistic_logaddexp, lambda rng: (rng.standard_normal(3), rng.standard_normal((9, 3)), (rng.random(9) > 0.5).astype(float))),
    Program(poisson_process_intensity, lambda rng: (np.array([0.2, 0.5]) + 0.1 * rng.standard_normal(2), np.sort(rng.uniform(0, 5, 7)))),
    Program(beta_regression_nll, lambda rng: (0.5 * rng.standard_normal(2), rng.uniform(1, 2), rng.standard_normal((8, 2)), rng.uniform(0.1, 0.9, 8)), ("beta", "log_phi")),
    Program(rbf_network, lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal(3), rng.standard_normal((8, 2)), rng.standard_normal(8)), ("centers", "weights")),
    Program(cosine_embedding_loss, lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((6, 4)), rng.standard_normal((6, 4)), np.array([1, -1, 1, 1, -1, -1]))),
    Program(trained_with_config, lambda rng: (rng.standard_normal(3), rng.standard_normal((10, 3)), rng.standard_normal(10))),
    # finance
    Program(bs_greeks_erf, lambda rng: (rng.uniform(90, 110), rng.uniform(0.15, 0.35)), ("S", "sigma")),
    Program(antithetic_basket, lambda rng: (rng.uniform(0.9, 1.1, 3), rng.uniform(0.15, 0.3, 3)), ("S0", "vols")),
    Program(bond_price_frequency, lambda rng: (rng.uniform(0.02, 0.08),)),
    Program(duration_convexity, lambda rng: (rng.uniform(0.02, 0.08),)),
    Program(swap_forward_curve, lambda rng: (rng.uniform(0.01, 0.05, 6),)),
    Program(merton_jump_call, lambda rng: (rng.uniform(0.9, 1.1), rng.uniform(0.15, 0.3)), ("S", "sigma")),
    Program(sabr_normal_vol, lambda rng: (rng.uniform(0.005, 0.01), rng.uniform(-0.5, 0.2), rng.uniform(0.2, 0.5)), ("alpha", "rho", "nu")),
    Program(annuity_discount_list, lambda rng: (list(rng.uniform(0.01, 0.05, 4)),)),
    Program(portfolio_cvar_smooth, lambda rng: (rng.uniform(0.1, 0.5, 3), 0.05 * rng.standard_normal((40, 3)))),
    # physics / engineering
    Program(spring_network_edges, lambda rng: (np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]) + 0.1 * rng.standard_normal((4, 2)),)),
    Program(lennard_jones_triu, lambda rng: (np.array([[0.0, 0.0, 0.0], [1.1, 0.0, 0.0], [0.0, 1.2, 0.0], [0.0, 0.0, 1.15]]) + 0.03 * rng.standard_normal((4, 3)),)),
    Program(cantilever_deflection, lambda rng: (rng.uniform(50, 150), rng.uniform(1, 5, 2), np.array([0.7, 1.4]) + 0.05 * rng.standard_normal(2)), ("EI", "loads", "positions")),
    Program(heat_exchanger_ntu, lambda rng: (rng.uniform(500, 2000), rng.uniform(0.1, 0.2), rng.uniform(0.3, 0.5)), ("UA", "m_hot", "m_cold")),
    Program(kepler_orbit_atan2, lambda rng: (rng.uniform(0.1, 0.6),)),
    Program(resistor_ladder_nodal, lambda rng: (rng.uniform(0.5, 2.0, 8),)),
    Program(truss_compliance, lambda rng: (rng.uniform(0.5, 2.0, 7),)),
    Program(colebrook_friction, lambda rng: (rng.uniform(0.01, 0.1), rng.uniform(1e4, 1e5)), ("roughness_mm", "Re")),
    Program(snell_layers, lambda rng: (rng.uniform(1.2, 1.6, 4),)),
    Program(erlang_c_wait, lambda rng: (rng.uniform(1.0, 2.0), rng.uniform(1.0, 1.5)), ("arrival", "service")),
    Program(biquad_lowpass, lambda rng: (np.array([0.2, 0.4, 0.2]) + 0.02 * rng.standard_normal(3), np.array([-0.5, 0.2]) + 0.02 * rng.standard_normal(2), rng.standard_normal(12)), ("b", "a")),
    Program(frequency_response_real, lambda rng: (rng.uniform(0.5, 1.5, 3), np.array([2.0, 0.8]) + 0.1 * rng.standard_normal(2)), ("num", "den")),
    Program(arrhenius_chain_rk4, lambda rng: (np.array([20.0, 25.0]) + rng.standard_normal(2),)),
    Program(fin_heat_rate, lambda rng: (rng.uniform(10, 100),)),
    Program(rocket_ascent_while, lambda rng: (rng.uniform(150, 250),)),
    Program(michaelis_menten_fit, lambda rng: (np.log([2.0, 0.5]) + 0.1 * rng.standard_normal(2), np.linspace(0.1, 3, 8), 2 * np.linspace(0.1, 3, 8) / (0.5 + np.linspace(0.1, 3, 8)) + 0.05 * rng.standard_normal(8))),
    Program(dc_power_flow, lambda rng: (rng.uniform(0.1, 0.3, 4), np.array([0.5, -0.3, -0.4]) + 0.05 * rng.standard_normal(3)), ("x_lines", "injections")),
    Program(damped_string_modes, lambda rng: (rng.uniform(50, 150),)),
    # code styles
    Program(mlp_reduce, lambda rng: (0.5 * rng.standard_normal((3, 4)), 0.5 * rng.standard_normal((4, 1)), rng.standard_normal((6, 3)), rng.standard_normal(6)), ("W1", "W2")),
    Program(keyword_only_penalties, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)), rng.standard_normal(8))),
    Program(partial_kernel_sum, lambda rng: (rng.uniform(0.5, 2.0), list(rng.standard_normal(5)))),
    Program(reversed_horner, lambda rng: (list(rng.standard_normal(5)), rng.uniform(-1, 1)), ("coeffs", "x")),
    Program(filtered_comprehension, lambda rng: (rng.standard_normal(3), rng.standard_normal((9, 3)), rng.standard_normal(9))),
    Program(early_return_regimes, lambda rng: (rng.choice([-0.7, 0.4, 2.3]) + 0.05 * rng.standard_normal(), rng.uniform(0.5, 2)), ("x", "a")),
    Program(assert_checked_loss, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(raise_fstring_guard, lambda rng: (rng.uniform(0.2, 2.0), np.linspace(0, 3, 7))),
    Program(ideal_gas_static, lambda rng: (rng.uniform(0, 50), rng.uniform(9e4, 1.1e5)), ("T_celsius", "p_pa")),
    Program(int_float_conversions, lambda rng: (rng.uniform(-1, 1),)),
    Program(method_style_stats, lambda rng: (rng.standard_normal((7, 3)),)),
    Program(while_counter_bisection, lambda rng: (rng.uniform(0.5, 2.0),)),
    Program(lookup_table_coeffs, lambda rng: (rng.uniform(50, 300),)),
    Program(fsum_and_start, lambda rng: (list(rng.standard_normal(5)), rng.uniform(0.5, 1.5)), ("xs", "w")),
    Program(dataclass_schedule_descent, lambda rng: (rng.uniform(0.6, 1.0),)),
    Program(zip_enumerate_weights, lambda rng: (rng.standard_normal(3), [rng.standard_normal(4) for _ in range(3)])),
    # more idioms
    Program(decorated_helper, lambda rng: (rng.standard_normal(6),)),
    Program(bernstein_cached, lambda rng: (list(rng.standard_normal(5)),)),
    Program(zip_star_points, lambda rng: ([(float(a), float(b)) for a, b in rng.standard_normal((5, 2))],)),
    Program(clamp_builtin_minmax, lambda rng: (rng.uniform(0.2, 0.45),)),
    Program(sum_map_lambda, lambda rng: (rng.uniform(0.5, 2.0), list(rng.standard_normal(5)))),
    Program(for_else_search, lambda rng: (rng.uniform(0.5, 2.0), np.array([0.2, 0.9, 1.7, 2.5]))),
    Program(while_true_break, lambda rng: (rng.uniform(0.5, 2.0),)),
    Program(star_unpack_rest, lambda rng: (rng.standard_normal(4),)),
    Program(dict_comprehension_losses, lambda rng: (rng.standard_normal(3), rng.standard_normal((7, 3)), rng.standard_normal(7))),
    Program(optional_bias, lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((4, 3)))),
    Program(cov_corr_penalty, lambda rng: (rng.standard_normal((8, 3)),)),
    Program(minibatch_permutation, lambda rng: (rng.standard_normal(3), rng.standard_normal((10, 3)), rng.standard_normal(10))),
    Program(scipy_expit_xlogy, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)), (rng.random(8) > 0.5).astype(float))),
    Program(scipy_log_softmax_nll, lambda rng: (rng.standard_normal((3, 4)), rng.standard_normal((6, 3)), rng.integers(0, 4, 6))),
    Program(cumprod_survival, lambda rng: (rng.standard_normal(6) - 1.0,)),
    Program(tril_mask_energy, lambda rng: (0.5 * rng.standard_normal((3, 3)),)),
    Program(lstsq_residual, lambda rng: (rng.uniform(1.0, 2.0), np.linspace(0, 3, 12), np.sin(1.5 * np.linspace(0, 3, 12)) + 0.1 * rng.standard_normal(12)), "theta"),
    Program(kron_separable, lambda rng: (rng.standard_normal(2), rng.standard_normal(3), rng.standard_normal((6, 6))), ("a", "b")),
    Program(top_k_reorder, lambda rng: (rng.standard_normal(6),)),
    Program(percentile_band, lambda rng: (rng.standard_normal(11),)),
    Program(itertools_pairs, lambda rng: (np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.2]]) + 0.05 * rng.standard_normal((4, 2)),)),
    Program(matrix_power_markov, lambda rng: (rng.standard_normal((3, 3)),)),
    Program(ellipsis_einsum, lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((2, 4, 3)))),
    Program(percent_format_message, lambda rng: (rng.standard_normal(4),)),
    Program(coulomb_keyword_eps, lambda rng: (np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]) + 0.05 * rng.standard_normal((3, 2)), rng.uniform(-1, 1, 3)), ("X", "q")),
    Program(gradient_roughness, lambda rng: (rng.standard_normal(8),)),
    Program(nan_guarded_mean, lambda rng: (rng.uniform(-1, 1.9, 6),)),
    Program(atleast_hstack, lambda rng: (rng.uniform(-1, 1), rng.standard_normal(3)), ("a", "b")),
    Program(soft_dtw_array, lambda rng: (rng.standard_normal(4), rng.standard_normal(5))),
    Program(soft_dtw_lists, lambda rng: (rng.standard_normal(4), rng.standard_normal(5))),
    Program(basis_lambdas_default, lambda rng: (rng.standard_normal(4), rng.uniform(-1, 1, 6))),
    Program(countdown_range, lambda rng: (rng.uniform(0.5, 1.5), rng.standard_normal(5))),
    Program(sawtooth_mod, lambda rng: (rng.uniform(0.8, 1.2), np.linspace(0.05, 2.9, 7) + 0.01 * rng.standard_normal(7))),
    Program(sorted_pairs_key, lambda rng: (rng.standard_normal(3),)),
    Program(viterbi_soft_path, lambda rng: (rng.standard_normal((3, 3)), rng.standard_normal((3, 2))), ("log_A", "log_b")),
    Program(cumulative_trapezoid_energy, lambda rng: (rng.standard_normal(8),)),
    Program(nested_helpers_module_attr, lambda rng: (rng.standard_normal(6), np.linspace(0, 1, 6))),
]
