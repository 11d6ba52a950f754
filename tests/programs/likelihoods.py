"""Log-likelihoods and losses of statistical models."""
import math

import numpy as np

from .registry import Program
from .utils import logsumexp, sigmoid, softplus


def gaussian_loglik(mu, L, X):
    """Multivariate normal log-likelihood with covariance L L^T + 0.1 I."""
    n, d = X.shape
    cov = L @ L.T + 0.1 * np.eye(d)
    sign, logdet = np.linalg.slogdet(cov)
    diff = X - mu
    sol = np.linalg.solve(cov, diff.T)
    quad = np.sum(diff.T * sol)
    return -0.5 * (n * logdet + quad + n * d * np.log(2 * np.pi))


def gaussian_1d(mu, sigma, data):
    ll = 0.0
    for x in data:
        z = (x - mu) / sigma
        ll += -0.5 * z * z - math.log(sigma) - 0.5 * math.log(2 * math.pi)
    return ll


def poisson_regression(beta, X, counts):
    eta = X @ beta
    return np.sum(counts * eta - np.exp(eta)) - sum(math.lgamma(k + 1) for k in counts)


def poisson_loglik_scalar(rate, counts):
    assert rate > 0, "rate must be positive"
    total = 0.0
    for k in counts:
        total += k * math.log(rate) - rate - math.lgamma(k + 1)
    return total


def logistic_nll(w, b, X, y, lam=0.1):
    z = X @ w + b
    nll = np.sum(softplus(z) - y * z)
    return nll + 0.5 * lam * w @ w


def logistic_nll_probs(w, X, y):
    p = sigmoid(X @ w)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def softmax_cross_entropy(W, b, X, labels):
    logits = X @ W + b
    lse = logsumexp(logits, axis=1)
    n = X.shape[0]
    return np.mean(lse - logits[np.arange(n), labels])


def softmax_ce_onehot(logits, Y):
    m = logits.max(axis=1, keepdims=True)
    log_probs = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    return -(Y * log_probs).sum() / len(Y)


def student_t_loglik(mu, nu, data, scale=1.0):
    n = len(data)
    z = (data - mu) / scale
    const = math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(nu * math.pi)
    return n * (const - math.log(scale)) - (nu + 1) / 2 * np.sum(np.log1p(z ** 2 / nu))


def gmm_loglik(means, log_weights, x, sigma=1.0):
    """1-D Gaussian mixture: log-sum-exp over components for each point."""
    log_w = log_weights - logsumexp(log_weights)
    comp = -0.5 * ((x[:, None] - means[None, :]) / sigma) ** 2 \
        - np.log(sigma * np.sqrt(2 * np.pi))
    return np.sum(logsumexp(comp + log_w, axis=1))


def linear_gaussian_nll(w, log_sigma, X, y):
    sigma2 = np.exp(2 * log_sigma)
    resid = y - X.dot(w)
    n = len(y)
    return 0.5 * n * np.log(2 * np.pi * sigma2) + 0.5 * resid.dot(resid) / sigma2


def _data_xy(rng, n=12, d=3):
    X = rng.standard_normal((n, d))
    return X, (rng.uniform(size=n) < 0.5).astype(float)


PROGRAMS = [
    Program(gaussian_loglik,
            lambda rng: (rng.standard_normal(3), np.tril(rng.standard_normal((3, 3))),
                         rng.standard_normal((10, 3))),
            ("mu", "L")),
    Program(gaussian_1d,
            lambda rng: (rng.standard_normal(), rng.uniform(0.5, 2),
                         list(rng.standard_normal(8))),
            ("mu", "sigma")),
    Program(poisson_regression,
            lambda rng: (0.3 * rng.standard_normal(3), rng.standard_normal((10, 3)),
                         rng.poisson(2.0, 10).astype(float)),
            "beta"),
    Program(poisson_loglik_scalar,
            lambda rng: (rng.uniform(1, 4), [int(k) for k in rng.poisson(2.5, 6)]), "rate"),
    Program(logistic_nll, lambda rng: (rng.standard_normal(3), 0.2, *_data_xy(rng)),
            ("w", "b")),
    Program(logistic_nll_probs, lambda rng: (rng.standard_normal(3), *_data_xy(rng)), "w"),
    Program(softmax_cross_entropy,
            lambda rng: (rng.standard_normal((3, 4)), 0.1 * rng.standard_normal(4),
                         rng.standard_normal((7, 3)), rng.integers(0, 4, 7)),
            ("W", "b")),
    Program(softmax_ce_onehot,
            lambda rng: (rng.standard_normal((6, 4)), np.eye(4)[rng.integers(0, 4, 6)]),
            "logits"),
    Program(student_t_loglik,
            lambda rng: (rng.standard_normal(), rng.uniform(2, 6), rng.standard_normal(9)),
            ("mu", "nu")),
    Program(gmm_loglik,
            lambda rng: (rng.standard_normal(3) * 2, rng.standard_normal(3),
                         rng.standard_normal(15) * 2),
            ("means", "log_weights")),
    Program(linear_gaussian_nll,
            lambda rng: (rng.standard_normal(3), rng.uniform(-0.5, 0.5),
                         rng.standard_normal((10, 3)), rng.standard_normal(10)),
            ("w", "log_sigma")),
]


def logistic_nll_inline(w, X, y, l2=1e-2):
    z = X @ w
    return np.mean(np.logaddexp(0, z) - y * z) + l2 * np.sum(w ** 2)


def multinomial_nll(theta, counts):
    # softmax parameterisation written out
    m = np.max(theta)
    log_p = theta - m - np.log(np.sum(np.exp(theta - m)))
    return -np.dot(counts, log_p)


PROGRAMS += [
    Program(logistic_nll_inline, lambda rng: (rng.standard_normal(3), *_data_xy(rng)), "w"),
    Program(multinomial_nll,
            lambda rng: (rng.standard_normal(4), rng.integers(0, 6, 4).astype(float)), "theta"),
]
