"""Machine-learning losses beyond the basic models: GP marginal likelihood,
hinge loss, embeddings with repeated tokens, batched attention, k-means,
word-count scatter, masks, list comprehensions, string-selected activations."""
import numpy as np

from .registry import Program

ACTIVATIONS = ("tanh", "relu", "softplus")


def gp_neg_log_marginal(log_ell, log_sf, X, y, noise=0.1):
    ell, sf2 = np.exp(log_ell), np.exp(2 * log_sf)
    sq = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = sf2 * np.exp(-0.5 * sq / ell ** 2) + noise * np.eye(len(y))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L)))


def hinge_loss(w, X, y, C=1.0):
    margins = 1 - y * (X @ w)
    return 0.5 * np.dot(w, w) + C * np.sum(np.maximum(0, margins))


def embedding_bag(E, tokens, target):
    vecs = E[tokens]
    pooled = vecs.mean(axis=0)
    return np.sum((pooled - target) ** 2)


def scatter_counts(values, bins, n_bins=4):
    hist = np.zeros(n_bins)
    hist[bins] += values
    return np.sum(hist ** 2)


def scatter_loop(values, bins, n_bins=4):
    hist = np.zeros(n_bins)
    for v, b in zip(values, bins):
        hist[b] += v
    return np.sum(hist ** 2)


def batched_attention(Q, K, V):
    scores = Q @ K.transpose(0, 2, 1) / np.sqrt(Q.shape[-1])
    scores = scores - scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    w = w / w.sum(axis=-1, keepdims=True)
    return np.sum((w @ V) ** 2)


def swapaxes_loss(X):
    Y = np.swapaxes(X, -1, -2)
    return np.sum(Y[0] * np.arange(Y.shape[-1]))


def kmeans_loss(centers, X):
    d2 = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
    assign = d2.argmin(axis=1)
    return np.sum((X - centers[assign]) ** 2)


def masked_mse(pred, y, mask):
    err = (pred - y)[mask]
    return np.mean(err ** 2)


def positive_part_sum(x):
    return x[x > 0].sum() + 0.1 * np.sum(x ** 2)


def comprehension_features(w, xs):
    feats = np.array([[x, x * x, np.sin(x)] for x in xs])
    return np.sum((feats @ w) ** 2)


def listcomp_sum(ws, x):
    return sum([w * x ** i for i, w in enumerate(ws)])


def activation_loss(W, x, activation="tanh"):
    z = W @ x
    if activation == "tanh":
        a = np.tanh(z)
    elif activation == "relu":
        a = np.maximum(z, 0)
    else:
        a = np.log1p(np.exp(z))
    return np.sum(a ** 2)


def conv2d_valid(kernel, image):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return np.sum(out ** 2)


def reshape_mlp(w_flat, X, shapes=((3, 4), (4,))):
    W = w_flat[:12].reshape(shapes[0])
    b = w_flat[12:16]
    h = np.tanh(X @ W + b)
    return np.sum(h ** 2)


def concat_features(a, b):
    z = np.concatenate([a, b, a * b])
    return np.sum(np.r_[z, a] ** 2)


def focal_loss(logits, y, gamma=2.0):
    p = 1 / (1 + np.exp(-logits))
    pt = np.where(y == 1, p, 1 - p)
    return -np.sum((1 - pt) ** gamma * np.log(pt))


def _sep(rng, n=10):
    X = rng.standard_normal((n, 3))
    return X, np.sign(X[:, 0] + 0.3 + 0.01 * rng.standard_normal(n))


PROGRAMS = [
    Program(gp_neg_log_marginal,
            lambda rng: (rng.uniform(-0.5, 0.5), rng.uniform(-0.3, 0.3),
                         rng.standard_normal((6, 2)), rng.standard_normal(6)),
            ("log_ell", "log_sf")),
    Program(hinge_loss, lambda rng: (rng.standard_normal(3), *_sep(rng)), "w"),
    Program(embedding_bag,
            lambda rng: (rng.standard_normal((5, 3)), np.array([0, 2, 2, 4, 0]),
                         rng.standard_normal(3)),
            "E"),
    Program(scatter_counts,
            lambda rng: (rng.standard_normal(6), np.array([0, 1, 1, 3, 0, 2])), "values"),
    Program(scatter_loop,
            lambda rng: (rng.standard_normal(6), np.array([0, 1, 1, 3, 0, 2])), "values"),
    Program(batched_attention,
            lambda rng: (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)),
                         rng.standard_normal((2, 5, 2))),
            ("Q", "K", "V")),
    Program(swapaxes_loss, lambda rng: (rng.standard_normal((2, 3, 4)),), "X"),
    Program(kmeans_loss,
            lambda rng: (rng.standard_normal((3, 2)) * 2, rng.standard_normal((12, 2)) * 2),
            "centers"),
    Program(masked_mse,
            lambda rng: (rng.standard_normal(8), rng.standard_normal(8),
                         np.array([1, 0, 1, 1, 0, 1, 1, 0], dtype=bool)),
            "pred"),
    Program(positive_part_sum, lambda rng: (rng.standard_normal(8),), "x"),
    Program(comprehension_features,
            lambda rng: (rng.standard_normal(3), list(rng.standard_normal(5))), "w"),
    Program(listcomp_sum, lambda rng: (list(rng.standard_normal(4)), rng.uniform(-1, 1)), "x"),
    Program(activation_loss,
            lambda rng: (rng.standard_normal((3, 4)), rng.standard_normal(4),
                         ACTIVATIONS[rng.integers(0, 3)]),
            "W"),
    Program(conv2d_valid,
            lambda rng: (rng.standard_normal((2, 2)), rng.standard_normal((5, 5))), "kernel"),
    Program(reshape_mlp, lambda rng: (rng.standard_normal(16), rng.standard_normal((5, 3))),
            "w_flat"),
    Program(concat_features, lambda rng: (rng.standard_normal(3), rng.standard_normal(3)),
            ("a", "b")),
    Program(focal_loss,
            lambda rng: (rng.standard_normal(8), (rng.uniform(size=8) < 0.5).astype(int)),
            "logits"),
]


def weighted_sample_loss(a, b, xs, ys):
    loss = 0.0
    for i, (x, y) in enumerate(zip(xs, ys)):
        weight = 1.0 / (1 + i)
        loss += weight * (a * x + b - y) ** 2
    return loss


def robust_skip_outliers(w, X, y, cutoff=2.5):
    total = 0.0
    for xi, yi in zip(X, y):
        r = xi @ w - yi
        if abs(r) > cutoff:
            continue
        total += r * r
    return total


def rnn_states_list(W, U, xs):
    hs = [np.zeros(W.shape[0])]
    for x in xs:
        hs.append(np.tanh(W @ hs[-1] + U @ x))
    return sum(np.sum(h ** 2) for h in hs[1:]) + np.sum(hs[-1])


PROGRAMS += [
    Program(weighted_sample_loss,
            lambda rng: (rng.standard_normal(), rng.standard_normal(),
                         list(rng.standard_normal(6)), list(rng.standard_normal(6))),
            ("a", "b")),
    Program(robust_skip_outliers,
            lambda rng: (0.3 * rng.standard_normal(3), rng.standard_normal((10, 3)),
                         np.r_[rng.standard_normal(8), 8.0, -9.0]),
            "w"),
    Program(rnn_states_list,
            lambda rng: (0.5 * rng.standard_normal((4, 4)), 0.5 * rng.standard_normal((4, 2)),
                         rng.standard_normal((5, 2))),
            ("W", "U")),
]
