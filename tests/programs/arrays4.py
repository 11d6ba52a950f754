"""NumPy code as people write it: Gaussian-process likelihoods through
np.linalg, softmax and attention, convolutions by loops and by np.convolve,
batch norm, a Kalman step, count and heavy-tailed likelihoods, logsumexp,
masking with np.where, clipping, cumsum/diff/trapz/interp/polyval, einsum,
sorting and argmax used as static indices, element writes in loops."""
# ruff: noqa: E501, B007, E741, F841  (written as users write them: long lines, unused loop counters, I for infected)
import math

import numpy as np

from .registry import Program


def _rbf(X, ell, sf):
    d2 = np.sum(X ** 2, 1)[:, None] + np.sum(X ** 2, 1)[None, :] - 2 * X @ X.T
    return sf ** 2 * np.exp(-0.5 * d2 / ell ** 2)


def gp_log_marginal(log_ell, log_sf, X, y, noise=0.1):
    K = _rbf(X, np.exp(log_ell), np.exp(log_sf)) + noise ** 2 * np.eye(len(y))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(y) * np.log(2 * np.pi)


def gp_slogdet(log_ell, X, y):
    K = _rbf(X, np.exp(log_ell), 1.0) + 0.05 * np.eye(X.shape[0])
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ np.linalg.solve(K, y) + 0.5 * logdet


def gp_predictive_mean(y, X, Xs, ell=0.8):
    K = _rbf(X, ell, 1.0) + 1e-2 * np.eye(len(X))
    d2 = np.sum((Xs[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    Ks = np.exp(-0.5 * d2 / ell ** 2)
    mu = Ks @ np.linalg.inv(K) @ y
    return np.sum(mu ** 2)


def softmax(z, axis=-1):
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def attention_head(Wq, Wk, Wv, X):
    Q = X @ Wq
    K = X @ Wk
    V = X @ Wv
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    A = softmax(scores, axis=1)
    out = A @ V
    return np.sum(out ** 2)


def causal_attention(Wq, Wk, X):
    T = X.shape[0]
    Q, K = X @ Wq, X @ Wk
    s = Q @ K.T
    mask = np.tril(np.ones((T, T))) == 0
    s = np.where(mask, -1e9, s)
    A = softmax(s)
    return np.sum(A @ X)


def conv1d_loops(w, x):
    k = len(w)
    n = len(x) - k + 1
    out = np.zeros(n)
    for i in range(n):
        for j in range(k):
            out[i] += w[j] * x[i + j]
    return np.sum(np.tanh(out))


def conv1d_np(w, x):
    y = np.convolve(x, w, mode="valid")
    return np.sum(y ** 2)


def conv1d_same_padding(w, x):
    pad = len(w) // 2
    xp = np.concatenate([np.zeros(pad), x, np.zeros(pad)])
    out = np.zeros_like(x)
    for i in range(len(x)):
        out[i] = np.dot(w, xp[i:i + len(w)])
    return np.mean(out ** 2)


def batch_norm(gamma, beta, X, eps=1e-5):
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    Xh = (X - mu) / np.sqrt(var + eps)
    out = gamma * Xh + beta
    return np.sum(np.maximum(out, 0.0) ** 2)


def layer_norm_rows(X, g):
    mu = np.mean(X, axis=1, keepdims=True)
    sd = np.std(X, axis=1, keepdims=True)
    return np.sum(g * (X - mu) / (sd + 1e-6))


def kalman_step(x, P, z, F, H, Q=0.01, R=0.1):
    x_pred = F @ x
    P_pred = F @ P @ F.T + Q * np.eye(len(x))
    S = H @ P_pred @ H.T + R * np.eye(H.shape[0])
    K = P_pred @ H.T @ np.linalg.inv(S)
    innov = z - H @ x_pred
    x_new = x_pred + K @ innov
    P_new = (np.eye(len(x)) - K @ H) @ P_pred
    nll = 0.5 * innov @ np.linalg.solve(S, innov) + 0.5 * np.log(np.linalg.det(S))
    return nll + np.sum(x_new ** 2) + np.trace(P_new)


def poisson_nll(w, X, counts):
    eta = X @ w
    return np.sum(np.exp(eta) - counts * eta)


def negbin_nll(log_mu, log_r, y):
    mu = np.exp(log_mu)
    r = np.exp(log_r)
    from scipy.special import gammaln
    ll = gammaln(y + r) - gammaln(r) - gammaln(y + 1) + r * np.log(r / (r + mu)) \
        + y * np.log(mu / (r + mu))
    return -np.sum(ll)


def student_t_nll(mu, log_sigma, nu, x):
    from math import lgamma
    sigma = np.exp(log_sigma)
    z = (x - mu) / sigma
    n = len(x)
    const = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * math.log(nu * math.pi)
    return -(n * const - n * log_sigma - (nu + 1) / 2 * np.sum(np.log1p(z ** 2 / nu)))


def logsumexp(a):
    m = np.max(a)
    return m + np.log(np.sum(np.exp(a - m)))


def mixture_loglik(means, log_w, x, sd=1.0):
    logw = log_w - logsumexp(log_w)
    total = 0.0
    for xi in x:
        comp = logw - 0.5 * ((xi - means) / sd) ** 2 - np.log(sd * np.sqrt(2 * np.pi))
        total += logsumexp(comp)
    return -total


def huber_where(r_scale, x, delta=1.0):
    r = r_scale * x
    a = np.abs(r)
    loss = np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta))
    return np.sum(loss)


def clipped_ratio_ppo(logp_new, logp_old, adv, eps=0.2):
    ratio = np.exp(logp_new - logp_old)
    clipped = np.clip(ratio, 1 - eps, 1 + eps)
    return -np.mean(np.minimum(ratio * adv, clipped * adv))


def cumsum_drawdown(returns):
    wealth = np.cumsum(returns)
    return np.sum(wealth ** 2) + np.sum(np.diff(wealth) ** 2)


def trapz_work(F, x):
    return np.trapezoid(F ** 2, x)


def interp_curve(y, xq):
    xs = np.linspace(0, 1, len(y))
    yq = np.interp(xq, xs, y)
    return np.sum(yq ** 2)


def polyval_fit(c, x, y):
    return np.mean((np.polyval(c, x) - y) ** 2)


def einsum_bilinear_batch(W, X, Y):
    s = np.einsum("bi,ij,bj->b", X, W, Y)
    return np.sum(np.tanh(s))


def norm_regularised(w, A, b):
    return np.linalg.norm(A @ w - b) + 0.1 * np.linalg.norm(w, 1) + 0.01 * np.linalg.norm(w) ** 2


def sorted_top_k(x, k=3):
    idx = np.argsort(x)[::-1][:k]
    return np.sum(x[idx] ** 2)


def argmax_margin(scores, label=2):
    j = np.argmax(scores)
    if j == label:
        others = np.delete(scores, label)
        return -(scores[label] - np.max(others))
    return scores[j] - scores[label]


def inplace_momentum(w, grads, lr=0.1, beta=0.9):
    v = np.zeros_like(w)
    w = w.copy()
    for g in grads:
        v *= beta
        v += g * w
        w -= lr * v
    return np.sum(w ** 2)


def slice_aug_assign(x):
    y = x.copy()
    y[1:] += 0.5 * y[:-1]
    y[::2] *= 2.0
    y[-1] -= y[0]
    return np.sum(y ** 3)


def element_writes_loop(a, b):
    n = len(a)
    c = np.empty(n)
    c[0] = a[0]
    for i in range(1, n):
        c[i] = a[i] * c[i - 1] + b[i]
        if c[i] > 5.0:
            c[i] = 5.0
    return np.sum(c)


def pairwise_energy(pos):
    n = pos.shape[0]
    E = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r = np.linalg.norm(pos[i] - pos[j])
            E += 1.0 / r ** 12 - 2.0 / r ** 6
    return E


def cross_entropy_onehot(W, X, labels):
    logits = X @ W
    logits = logits - logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(labels)), labels])


def gram_schmidt_sum(A):
    Q = np.zeros_like(A)
    for j in range(A.shape[1]):
        v = A[:, j].copy()
        for i in range(j):
            v -= (Q[:, i] @ A[:, j]) * Q[:, i]
        Q[:, j] = v / np.linalg.norm(v)
    return np.sum(Q * np.arange(A.size).reshape(A.shape))


def masked_mse(pred, y, mask):
    diff = np.where(mask, pred - y, 0.0)
    return np.sum(diff ** 2) / max(mask.sum(), 1)


def moving_average(x, w=3):
    c = np.cumsum(np.insert(x, 0, 0.0))
    ma = (c[w:] - c[:-w]) / w
    return np.sum((x[w - 1:] - ma) ** 2)


def outer_hessian_quad(x, A):
    H = A.T @ A + np.outer(x, x)
    return x @ H @ x + np.trace(H)


def solve_det_combo(A, b):
    x = np.linalg.solve(A, b)
    return x @ x + np.log(abs(np.linalg.det(A)))


def logsumexp_axis(A):
    m = A.max(axis=1, keepdims=True)
    return np.sum(m[:, 0] + np.log(np.exp(A - m).sum(axis=1)))


def rbf_kernel_ridge(alpha, X, ell=1.0):
    K = _rbf(X, ell, 1.0)
    return alpha @ K @ alpha + 0.1 * alpha @ alpha


def cholesky_quadratic(A, b):
    L = np.linalg.cholesky(A)
    z = np.linalg.solve(L, b)
    return z @ z + 2 * np.sum(np.log(np.diag(L)))


def running_max_penalty(x):
    total = 0.0
    best = x[0]
    for i in range(1, len(x)):
        if x[i] > best:
            best = x[i]
            continue
        total += (best - x[i]) ** 2
    return total


def polyfit_residual(y, x):
    V = np.vander(x, 3)
    coef = np.linalg.solve(V.T @ V, V.T @ y)
    return np.sum((V @ coef - y) ** 2) + np.polyval(coef, 0.5)


def gaussian_kde_loglik(x, data, bw=0.5):
    total = 0.0
    for xi in x:
        dens = np.mean(np.exp(-0.5 * ((xi - data) / bw) ** 2)) / (bw * np.sqrt(2 * np.pi))
        total += np.log(dens)
    return -total


def diff_smoothness(f, lam=0.5):
    d2 = np.diff(f, n=2)
    return np.sum(d2 ** 2) * lam + np.sum(np.diff(f) ** 2)


def triangle_areas(P):
    a = P[1] - P[0]
    b = P[2] - P[0]
    c = np.cross(np.append(a, 0.0), np.append(b, 0.0))
    return 0.5 * np.linalg.norm(c)


def matrix_exp_series(A, terms=12):
    out = np.eye(A.shape[0])
    term = np.eye(A.shape[0])
    for k in range(1, terms):
        term = term @ A / k
        out += term
    return np.trace(out)


def stable_sigmoid_bce(z, y):
    loss = np.where(z >= 0, np.log1p(np.exp(-z)) + (1 - y) * z, np.log1p(np.exp(z)) - y * z)
    return np.mean(loss)


def _spd(rng, n=3):
    A = rng.standard_normal((n, n))
    return A @ A.T + n * np.eye(n)


def _kalman_args(rng):
    F = np.array([[1.0, 0.1], [0.0, 1.0]])
    H = np.array([[1.0, 0.0]])
    return (rng.standard_normal(2), _spd(rng, 2) * 0.1, rng.standard_normal(1), F, H)


PROGRAMS = [
    Program(gp_log_marginal, lambda rng: (rng.uniform(-0.5, 0.5), rng.uniform(-0.3, 0.3),
                                          rng.standard_normal((6, 2)), rng.standard_normal(6)),
            ("log_ell", "log_sf", "y")),
    Program(gp_slogdet, lambda rng: (rng.uniform(-0.5, 0.5), rng.standard_normal((5, 2)),
                                     rng.standard_normal(5)), ("log_ell", "X")),
    Program(gp_predictive_mean, lambda rng: (rng.standard_normal(5), rng.standard_normal((5, 1)),
                                             rng.standard_normal((3, 1))), ("y", "X")),
    Program(attention_head, lambda rng: tuple(0.5 * rng.standard_normal((3, 2)) for _ in range(3))
            + (rng.standard_normal((4, 3)),), ("Wq", "Wk", "Wv", "X")),
    Program(causal_attention, lambda rng: (0.5 * rng.standard_normal((3, 3)),
                                           0.5 * rng.standard_normal((3, 3)),
                                           rng.standard_normal((4, 3))), ("Wq", "Wk", "X")),
    Program(conv1d_loops, lambda rng: (rng.standard_normal(3), rng.standard_normal(8)), ("w", "x")),
    Program(conv1d_np, lambda rng: (rng.standard_normal(3), rng.standard_normal(8)), ("w", "x")),
    Program(conv1d_same_padding, lambda rng: (rng.standard_normal(3), rng.standard_normal(7)),
            ("w", "x")),
    Program(batch_norm, lambda rng: (rng.uniform(0.5, 1.5, 3), 0.1 * rng.standard_normal(3),
                                     rng.standard_normal((6, 3))), ("gamma", "beta", "X")),
    Program(layer_norm_rows, lambda rng: (rng.standard_normal((4, 5)), rng.standard_normal(5)),
            ("X", "g")),
    Program(kalman_step, _kalman_args, ("x", "P", "z")),
    Program(poisson_nll, lambda rng: (0.3 * rng.standard_normal(3), rng.standard_normal((8, 3)),
                                      rng.poisson(2.0, 8).astype(float))),
    Program(negbin_nll, lambda rng: (0.3 * rng.standard_normal(6), rng.uniform(0, 1),
                                     rng.poisson(3.0, 6).astype(float)), ("log_mu", "log_r")),
    Program(student_t_nll, lambda rng: (rng.standard_normal(), rng.uniform(-0.5, 0.5),
                                        rng.uniform(3, 8), rng.standard_normal(10)),
            ("mu", "log_sigma", "nu")),
    Program(mixture_loglik, lambda rng: (rng.standard_normal(3), rng.standard_normal(3),
                                         rng.standard_normal(7)), ("means", "log_w")),
    Program(huber_where, lambda rng: (rng.uniform(0.5, 2.0), 2 * rng.standard_normal(8))),
    Program(clipped_ratio_ppo, lambda rng: (0.3 * rng.standard_normal(8), 0.3 * rng.standard_normal(8),
                                            rng.standard_normal(8))),
    Program(cumsum_drawdown, lambda rng: (0.1 * rng.standard_normal(10),)),
    Program(trapz_work, lambda rng: (rng.standard_normal(9), np.sort(rng.uniform(0, 2, 9))),
            ("F", "x")),
    Program(interp_curve, lambda rng: (rng.standard_normal(6), rng.uniform(0.01, 0.99, 5)),
            ("y", "xq")),
    Program(polyval_fit, lambda rng: (rng.standard_normal(4), rng.uniform(-1, 1, 10),
                                      rng.standard_normal(10)), ("c", "x")),
    Program(einsum_bilinear_batch, lambda rng: (0.5 * rng.standard_normal((3, 2)),
                                                rng.standard_normal((4, 3)),
                                                rng.standard_normal((4, 2))), ("W", "X", "Y")),
    Program(norm_regularised, lambda rng: (rng.standard_normal(3), rng.standard_normal((5, 3)),
                                           rng.standard_normal(5)), ("w", "A")),
    Program(sorted_top_k, lambda rng: (rng.standard_normal(7),)),
    Program(argmax_margin, lambda rng: (rng.standard_normal(5),)),
    Program(inplace_momentum, lambda rng: (rng.standard_normal(4),
                                           [rng.standard_normal(4) for _ in range(5)]),
            ("w", "grads")),
    Program(slice_aug_assign, lambda rng: (rng.standard_normal(7),)),
    Program(element_writes_loop, lambda rng: (rng.uniform(0.2, 0.9, 8), rng.standard_normal(8)),
            ("a", "b")),
    Program(pairwise_energy, lambda rng: (np.array([[0.0, 0, 0], [1.1, 0, 0], [0, 1.05, 0],
                                                    [0.9, 0.9, 0.3]])
                                          + 0.02 * rng.standard_normal((4, 3)),)),
    Program(cross_entropy_onehot, lambda rng: (rng.standard_normal((3, 4)),
                                               rng.standard_normal((6, 3)),
                                               rng.integers(0, 4, 6)), ("W", "X")),
    Program(gram_schmidt_sum, lambda rng: (rng.standard_normal((4, 3)),)),
    Program(masked_mse, lambda rng: (rng.standard_normal(8), rng.standard_normal(8),
                                     rng.random(8) < 0.6), ("pred", "y")),
    Program(moving_average, lambda rng: (rng.standard_normal(9),)),
    Program(outer_hessian_quad, lambda rng: (rng.standard_normal(3), rng.standard_normal((4, 3))),
            ("x", "A")),
    Program(solve_det_combo, lambda rng: (_spd(rng), rng.standard_normal(3)), ("A", "b")),
    Program(logsumexp_axis, lambda rng: (rng.standard_normal((4, 5)),)),
    Program(rbf_kernel_ridge, lambda rng: (rng.standard_normal(5), rng.standard_normal((5, 2))),
            ("alpha", "X")),
    Program(cholesky_quadratic, lambda rng: (_spd(rng), rng.standard_normal(3)), ("A", "b")),
    Program(running_max_penalty, lambda rng: (rng.standard_normal(9),)),
    Program(polyfit_residual, lambda rng: (rng.standard_normal(8), np.linspace(-1, 1, 8)
                                           + 0.05 * rng.standard_normal(8)), ("y", "x")),
    Program(gaussian_kde_loglik, lambda rng: (rng.standard_normal(4), rng.standard_normal(10)),
            ("x", "data")),
    Program(diff_smoothness, lambda rng: (rng.standard_normal(8),)),
    Program(triangle_areas, lambda rng: (rng.standard_normal((3, 2)),)),
    Program(matrix_exp_series, lambda rng: (0.5 * rng.standard_normal((3, 3)),)),
    Program(stable_sigmoid_bce, lambda rng: (2 * rng.standard_normal(8),
                                             (rng.random(8) < 0.5).astype(float))),
]
