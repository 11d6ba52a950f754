"""NumPy-heavy functions as people write them: einsum, linalg, cumulative
sums, masks, fancy indexing, reshapes and stacks, broadcasting, reductions
with keepdims, log-sum-exp tricks, convolutions, interpolation (held-out
corpus, round 5)."""
# ruff: noqa: E501, B007, B008, E741, F841, E731
import numpy as np
from numpy import exp, log, sqrt, tanh

from .registry import Program

EPS = 1e-8


def quad_form_einsum(A, x):
    return np.einsum("i,ij,j->", x, A, x)


def batched_bilinear(W, X, Y):
    return np.einsum("ni,ij,nj->n", X, W, Y).sum()


def einsum_trace_product(A, B):
    return np.einsum("ij,ji->", A, B) + np.einsum("ii", A @ A)


def solve_energy(K, f):
    u = np.linalg.solve(K, f)
    return 0.5 * u @ K @ u - f @ u


def inv_logdet(S):
    Sinv = np.linalg.inv(S)
    sign, logdet = np.linalg.slogdet(S)
    return np.trace(Sinv) + logdet


def det_ratio(A, B):
    return np.linalg.det(A) / np.linalg.det(B)


def cholesky_logdet(S):
    L = np.linalg.cholesky(S)
    return 2.0 * np.sum(np.log(np.diag(L)))


def mvn_nll_cholesky(x, mu, S):
    L = np.linalg.cholesky(S)
    z = np.linalg.solve(L, x - mu)
    return 0.5 * z @ z + np.log(np.diag(L)).sum() + 0.5 * len(x) * np.log(2 * np.pi)


def frobenius_gap(A, B):
    return np.linalg.norm(A - B) ** 2 + np.linalg.norm(A, ord="fro")


def vector_norms(x):
    return np.linalg.norm(x) + np.linalg.norm(x, 1) + np.linalg.norm(x, ord=np.inf)


def cumulative_returns(r):
    wealth = np.cumprod(1 + r)
    peak = np.maximum.accumulate(wealth)
    return np.sum(wealth / peak)


def cumsum_path_length(dx):
    path = np.cumsum(dx)
    return np.sum(path ** 2) / len(path)


def total_variation(x, lam=0.1):
    return 0.5 * np.sum((x - np.linspace(0, 1, len(x))) ** 2) + lam * np.sum(np.abs(np.diff(x)))


def second_diff_penalty(x):
    d2 = np.diff(x, n=2)
    return np.sum(d2 ** 2)


def huber_where(r, delta=1.0):
    a = np.abs(r)
    return np.sum(np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))


def clipped_ratio_loss(ratio, adv, eps=0.2):
    """PPO's clipped surrogate."""
    unclipped = ratio * adv
    clipped = np.clip(ratio, 1 - eps, 1 + eps) * adv
    return -np.mean(np.minimum(unclipped, clipped))


def masked_mean(x, threshold=0.0):
    mask = x > threshold
    return np.sum(x[mask] ** 2) / max(mask.sum(), 1)


def fancy_gather(table, idx=np.array([3, 1, 4, 1, 5, 9, 2, 6])):
    rows = table[idx]
    return np.sum(rows ** 2) + np.sum(table[idx, 0])


def scatter_add_counts(w, idx=np.array([0, 2, 2, 5, 1, 0, 7, 3])):
    out = np.zeros(8)
    np.add.at(out, idx, w)
    return np.sum(out ** 2)


def reshape_blocks(x):
    M = x.reshape(6, 5)
    col = M.sum(axis=0)
    row = M.mean(axis=1)
    return np.dot(col, col) + np.dot(row, row)


def transpose_stack(A, B):
    S = np.stack([A, B.T], axis=0)
    return np.sum(S.max(axis=0)) + np.sum(np.transpose(S, (1, 0, 2))[:, 1, :] ** 2)


def concat_features(x, y):
    z = np.concatenate([x, y ** 2, np.sin(x)])
    return np.sum(z * np.arange(len(z)))


def hstack_vstack(a, b):
    h = np.hstack([a, b])
    v = np.vstack([a, b])
    return h @ h + np.sum(v[1] * v[0])


def pairwise_sqdist(X):
    D = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    return np.sum(np.exp(-D))


def standardise_columns(X):
    mu = X.mean(axis=0, keepdims=True)
    sd = X.std(axis=0, keepdims=True)
    Z = (X - mu) / (sd + EPS)
    return np.sum(Z[:, 0] * Z[:, 1])


def row_softmax_entropy(logits):
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    p = e / e.sum(axis=1, keepdims=True)
    return -np.sum(p * np.log(p + 1e-12))


def logsumexp_manual(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def logaddexp_chain(a, b):
    return np.sum(np.logaddexp(a, b)) + np.logaddexp.reduce(a)


def log_softmax_nll(z, y=np.array([0, 2, 1, 3, 3, 0, 1, 2, 4, 4])):
    lse = np.log(np.exp(z).sum(axis=-1))
    return np.mean(lse - z[np.arange(len(y)), y])


def conv_smooth(signal, kernel=np.array([0.25, 0.5, 0.25])):
    s = np.convolve(signal, kernel, mode="same")
    return np.sum((s - signal) ** 2)


def conv_learn_kernel(k, x):
    y = np.convolve(x, k, mode="valid")
    return np.sum(y ** 2) / len(y)


def interp_curve(y):
    xp = np.linspace(0, 1, len(y))
    xq = np.linspace(0.05, 0.95, 37)
    return np.sum(np.interp(xq, xp, y) ** 2)


def polyval_fit(c, x=np.linspace(-1, 1, 40)):
    target = np.cos(3 * x)
    return np.mean((np.polyval(c, x) - target) ** 2)


def tensordot_contract(T, M):
    return np.sum(np.tensordot(T, M, axes=([1, 2], [0, 1])) ** 2)


def outer_kron(u, v):
    O = np.outer(u, v)
    K = np.kron(np.eye(2), O)
    return np.trace(K @ K.T) + np.sum(O)


def trace_power(A, k=4):
    P = np.eye(A.shape[0])
    for _ in range(k):
        P = P @ A
    return np.trace(P) / A.shape[0]


def gram_schmidt_volume(V):
    Q = []
    vol = 1.0
    for i in range(V.shape[1]):
        v = V[:, i].copy()
        for q in Q:
            v = v - (q @ v) * q
        nv = np.linalg.norm(v)
        vol *= nv
        Q.append(v / nv)
    return vol


def power_iteration(A, iters=40):
    b = np.ones(A.shape[0])
    for _ in range(iters):
        b = A @ b
        b = b / np.linalg.norm(b)
    return b @ A @ b


def moving_average_diff(x, w=5):
    c = np.cumsum(np.insert(x, 0, 0.0))
    ma = (c[w:] - c[:-w]) / w
    return np.sum(np.diff(ma) ** 2)


def ridge_closed_form(lam, X, y):
    d = X.shape[1]
    w = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)
    return np.sum((X @ w - y) ** 2)


def weighted_quantile_loss(pred, y, tau=0.7):
    r = y - pred
    return np.mean(np.maximum(tau * r, (tau - 1) * r))


def sorted_topk(x, k=5):
    s = np.sort(x)[::-1]
    return np.sum(s[:k] ** 2)


def argmax_pick(W, x):
    scores = W @ x
    j = np.argmax(scores)
    return scores[j] + np.log(np.sum(np.exp(scores - scores[j])))


def tanh_rnn_unroll(Wh, h0, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = tanh(Wh @ h + xs[t])
    return np.sum(h ** 2)


def sqrt_exp_mix(x):
    return np.sum(sqrt(1 + x ** 2) * exp(-0.5 * x)) + log(np.sum(x ** 2))


def triu_mask_energy(A):
    U = np.triu(A, k=1)
    L = np.tril(A)
    return np.sum(U ** 2) - np.sum(np.diag(L))


def broadcast_affine(X, w, b):
    return np.mean((X * w[None, :] + b[:, None]) ** 2)


def cov_matrix_trace(X):
    C = np.cov(X, rowvar=False)
    return np.trace(C) + np.sum(C ** 2)


def _rnd(*shape):
    return lambda rng: (rng.normal(size=shape),)


def _spd(n):
    def make(rng):
        A = rng.normal(size=(n, n))
        return (A @ A.T + n * np.eye(n),)
    return make


PROGRAMS = [
    Program(quad_form_einsum, lambda rng: (rng.normal(size=(12, 12)), rng.normal(size=12)), wrt=(0, 1)),
    Program(batched_bilinear, lambda rng: (rng.normal(size=(5, 4)), rng.normal(size=(30, 5)), rng.normal(size=(30, 4))), wrt=(0, 1, 2)),
    Program(einsum_trace_product, lambda rng: (rng.normal(size=(8, 8)), rng.normal(size=(8, 8))), wrt=(0, 1)),
    Program(solve_energy, lambda rng: (_spd(10)(rng)[0], rng.normal(size=10)), wrt=(0, 1)),
    Program(inv_logdet, _spd(8)),
    Program(det_ratio, lambda rng: (_spd(6)(rng)[0], _spd(6)(rng)[0]), wrt=(0, 1)),
    Program(cholesky_logdet, _spd(10)),
    Program(mvn_nll_cholesky, lambda rng: (rng.normal(size=7), rng.normal(size=7), _spd(7)(rng)[0]), wrt=(0, 1, 2)),
    Program(frobenius_gap, lambda rng: (rng.normal(size=(6, 9)), rng.normal(size=(6, 9))), wrt=(0, 1)),
    Program(vector_norms, _rnd(25)),
    Program(cumulative_returns, lambda rng: (rng.normal(0.001, 0.02, size=120),)),
    Program(cumsum_path_length, _rnd(80)),
    Program(total_variation, _rnd(50)),
    Program(second_diff_penalty, _rnd(60)),
    Program(huber_where, lambda rng: (2 * rng.normal(size=100),)),
    Program(clipped_ratio_loss, lambda rng: (rng.uniform(0.5, 1.5, 64), rng.normal(size=64)), wrt=0),
    Program(masked_mean, _rnd(90)),
    Program(fancy_gather, _rnd(10, 3)),
    Program(scatter_add_counts, _rnd(8)),
    Program(reshape_blocks, _rnd(30)),
    Program(transpose_stack, lambda rng: (rng.normal(size=(4, 5)), rng.normal(size=(5, 4))), wrt=(0, 1)),
    Program(concat_features, lambda rng: (rng.normal(size=15), rng.normal(size=10)), wrt=(0, 1)),
    Program(hstack_vstack, lambda rng: (rng.normal(size=20), rng.normal(size=20)), wrt=(0, 1)),
    Program(pairwise_sqdist, lambda rng: (0.5 * rng.normal(size=(20, 3)),)),
    Program(standardise_columns, _rnd(40, 3)),
    Program(row_softmax_entropy, _rnd(16, 10)),
    Program(logsumexp_manual, _rnd(200)),
    Program(logaddexp_chain, lambda rng: (rng.normal(size=30), rng.normal(size=30)), wrt=(0, 1)),
    Program(log_softmax_nll, _rnd(10, 5)),
    Program(conv_smooth, _rnd(100)),
    Program(conv_learn_kernel, lambda rng: (rng.normal(size=7), rng.normal(size=150)), wrt=(0, 1)),
    Program(interp_curve, _rnd(12)),
    Program(polyval_fit, _rnd(6)),
    Program(tensordot_contract, lambda rng: (rng.normal(size=(5, 4, 3)), rng.normal(size=(4, 3))), wrt=(0, 1)),
    Program(outer_kron, lambda rng: (rng.normal(size=5), rng.normal(size=4)), wrt=(0, 1)),
    Program(trace_power, lambda rng: (0.3 * rng.normal(size=(10, 10)),)),
    Program(gram_schmidt_volume, _rnd(8, 5)),
    Program(power_iteration, _spd(6)),
    Program(moving_average_diff, _rnd(60)),
    Program(ridge_closed_form, lambda rng: (float(rng.uniform(0.1, 2)), rng.normal(size=(50, 6)), rng.normal(size=50)), wrt=(0, 1, 2)),
    Program(weighted_quantile_loss, lambda rng: (rng.normal(size=70), rng.normal(size=70)), wrt=0),
    Program(sorted_topk, _rnd(40)),
    Program(argmax_pick, lambda rng: (rng.normal(size=(9, 6)), rng.normal(size=6)), wrt=(0, 1)),
    Program(tanh_rnn_unroll, lambda rng: (0.4 * rng.normal(size=(8, 8)), rng.normal(size=8), rng.normal(size=(12, 8))), wrt=(0, 1, 2)),
    Program(sqrt_exp_mix, _rnd(50)),
    Program(triu_mask_energy, _rnd(9, 9)),
    Program(broadcast_affine, lambda rng: (rng.normal(size=(20, 6)), rng.normal(size=6), rng.normal(size=20)), wrt=(0, 1, 2)),
    Program(cov_matrix_trace, _rnd(30, 4)),
]


# ---------------------------------------------------------------- a second batch

def eigh_spread(S):
    w, V = np.linalg.eigh(S)
    return w[-1] - w[0] + np.sum(V[:, -1] ** 4)


def svd_nuclear(A):
    s = np.linalg.svd(A, compute_uv=False)
    return np.sum(s) + s[0] ** 2


def qr_diag(A):
    Q, R = np.linalg.qr(A)
    return np.sum(np.log(np.abs(np.diag(R))))


def lstsq_residual(X, y):
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    r = y - X @ coef
    return r @ r + 0.1 * coef @ coef


def pinv_projector(A):
    P = A @ np.linalg.pinv(A)
    return np.trace(P @ np.diag(np.arange(1.0, P.shape[0] + 1)))


def matrix_power_trace(A):
    return np.trace(np.linalg.matrix_power(A, 3))


def cross_torque(r, F):
    tau = np.cross(r, F)
    return np.sum(np.linalg.norm(tau, axis=1))


def einsum_ellipsis(A, x):
    y = np.einsum("...ij,...j->...i", A, x)
    return np.sum(y ** 2)


def var_ddof(x):
    return np.var(x, ddof=1) + np.std(x) * np.mean(np.abs(x - np.median(x)))


def inplace_slice_updates(x):
    y = x.copy()
    y[::2] *= 2.0
    y[1::2] -= y[::2] ** 2 / 10
    y[-3:] = np.tanh(y[-3:])
    return np.sum(y * x)


def running_max_drawdown(prices):
    peak = prices[0]
    worst = 0.0
    for p in prices[1:]:
        if p > peak:
            peak = p
        dd = (peak - p) / peak
        if dd > worst:
            worst = dd
    return worst + 0.01 * np.sum(np.log(prices))


def expm1_log1p(x):
    return np.sum(np.log1p(np.expm1(0.5 * x) ** 2)) + np.sum(np.sinc(x))


def mean_over_axes(T):
    m = T.mean(axis=(0, 2))
    return np.sum(m ** 2) + np.prod(T[0, 0] + 2)


def rowwise_loop_norms(X):
    total = 0.0
    for row in X:
        total += np.sqrt(row @ row + 1.0)
    return total


PROGRAMS += [
    Program(eigh_spread, _spd(6)),
    Program(svd_nuclear, _rnd(7, 5)),
    Program(qr_diag, _rnd(6, 6)),
    Program(lstsq_residual, lambda rng: (rng.normal(size=(40, 5)), rng.normal(size=40)), wrt=(0, 1)),
    Program(pinv_projector, _rnd(6, 3)),
    Program(matrix_power_trace, lambda rng: (0.5 * rng.normal(size=(5, 5)),)),
    Program(cross_torque, lambda rng: (rng.normal(size=(10, 3)), rng.normal(size=(10, 3))), wrt=(0, 1)),
    Program(einsum_ellipsis, lambda rng: (rng.normal(size=(4, 3, 3)), rng.normal(size=(4, 3))), wrt=(0, 1)),
    Program(var_ddof, _rnd(31)),
    Program(inplace_slice_updates, _rnd(20)),
    Program(running_max_drawdown, lambda rng: (100 * np.exp(np.cumsum(0.02 * rng.normal(size=60))),)),
    Program(expm1_log1p, _rnd(30)),
    Program(mean_over_axes, _rnd(3, 4, 5)),
    Program(rowwise_loop_norms, _rnd(25, 4)),
]
