"""Statistical and learning models as scripts are written: helpers with keyword
defaults and tuple returns, early returns, parameter dicts and lists, small
model classes with methods."""
# ruff: noqa: E501, B007, E741, F841  (written as users write them: long lines, unused loop counters, I for infected)
import numpy as np

from .registry import Program


def _forward(params, X):
    h = np.tanh(X @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"]


def mlp_regression(params, X, y, l2=1e-3):
    pred = _forward(params, X)
    loss = np.mean((pred - y) ** 2)
    for name in ("W1", "W2"):
        loss += l2 * np.sum(params[name] ** 2)
    return loss


def layers_list_net(weights, x):
    h = x
    for i, W in enumerate(weights):
        h = W @ h
        if i < len(weights) - 1:
            h = np.maximum(h, 0.0)
    return np.sum(h ** 2)


def _split(theta):
    return theta[0], np.exp(theta[1])


def normal_nll(theta, x):
    mu, sigma = _split(theta)
    n = len(x)
    return n * np.log(sigma) + np.sum((x - mu) ** 2) / (2 * sigma ** 2)


def logistic_with_prior(w, X, y, prior_scale=2.0, fit_intercept=True):
    if fit_intercept:
        X = np.hstack([np.ones((X.shape[0], 1)), X])
    z = X @ w
    ll = np.sum(y * z - np.logaddexp(0.0, z))
    return -ll + 0.5 * np.sum(w ** 2) / prior_scale ** 2


def _safe_log(x, eps=1e-12):
    return np.log(np.maximum(x, eps))


def multinomial_nll(logits, counts):
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return -np.sum(counts * _safe_log(p))


def ar1_loglik(phi, log_s, x):
    s = np.exp(log_s)
    resid = x[1:] - phi * x[:-1]
    if abs(phi) >= 1:
        return 1e10
    ll0 = -0.5 * np.log(2 * np.pi * s ** 2 / (1 - phi ** 2)) - x[0] ** 2 * (1 - phi ** 2) / (2 * s ** 2)
    return -(ll0 - len(resid) * np.log(s) - np.sum(resid ** 2) / (2 * s ** 2))


class LinearModel:
    def __init__(self, w, b=0.0):
        self.w = w
        self.b = b

    def predict(self, X):
        return X @ self.w + self.b


def linear_model_loss(w, X, y):
    m = LinearModel(w, b=0.5)
    r = m.predict(X) - y
    return r @ r


def k_means_soft(centers, X, temp=0.5):
    d = np.sum((X[:, None, :] - centers[None, :, :]) ** 2, axis=2)
    a = np.exp(-d / temp)
    a /= a.sum(axis=1, keepdims=True)
    return np.sum(a * d)


def gmm_em_step_loglik(means, X, var=1.0):
    k = means.shape[0]
    resp = np.zeros((X.shape[0], k))
    for j in range(k):
        resp[:, j] = np.exp(-0.5 * np.sum((X - means[j]) ** 2, axis=1) / var)
    ll = np.sum(np.log(resp.sum(axis=1) / k))
    return -ll


def ridge_closed_form(lam, X, y):
    d = X.shape[1]
    w = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)
    r = y - X @ w
    return r @ r + lam * w @ w


def hinge_svm(w, X, y, C=1.0):
    margins = 1 - y * (X @ w)
    return 0.5 * w @ w + C * np.sum(np.maximum(0.0, margins))


def gd_unrolled_fit(w0, X, y, lr=0.05, steps=15):
    w = w0.copy()
    for t in range(steps):
        g = X.T @ (X @ w - y) / len(y)
        if np.linalg.norm(g) < 1e-8:
            break
        w -= lr * g
    return np.sum((X @ w - y) ** 2)


def adam_unrolled(w0, X, y, lr=0.05, b1=0.9, b2=0.999, steps=10):
    w = w0.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):
        g = 2 * X.T @ (X @ w - y) / len(y)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh = m / (1 - b1 ** t)
        vh = v / (1 - b2 ** t)
        w = w - lr * mh / (np.sqrt(vh) + 1e-8)
    return np.mean((X @ w - y) ** 2)


def rnn_sequence_loss(Wh, Wx, xs, target):
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for t, x in enumerate(xs):
        h = np.tanh(Wh @ h + Wx @ x)
        loss += np.sum((h - target[t]) ** 2)
    return loss


def weighted_quantile_loss(pred, y, taus=(0.1, 0.5, 0.9)):
    total = 0.0
    for k, tau in enumerate(taus):
        e = y - pred[k]
        total += np.mean(np.maximum(tau * e, (tau - 1) * e))
    return total


def elastic_net(w, X, y, alpha=0.1, l1_ratio=0.5):
    r = y - X @ w
    pen = l1_ratio * np.sum(np.abs(w)) + 0.5 * (1 - l1_ratio) * np.sum(w ** 2)
    return 0.5 * np.mean(r ** 2) + alpha * pen


def beta_binomial_nll(a_log, b_log, k, n):
    from scipy.special import betaln
    a, b = np.exp(a_log), np.exp(b_log)
    return -np.sum(betaln(k + a, n - k + b) - betaln(a, b))


def gamma_glm(w, X, y, shape=2.0):
    mu = np.exp(X @ w)
    return np.sum(shape * (y / mu + np.log(mu)))


def cox_partial_likelihood(beta, X, order):
    eta = X @ beta
    ll = 0.0
    for i in range(len(order)):
        risk = eta[order[i:]]
        ll += eta[order[i]] - np.log(np.sum(np.exp(risk)))
    return -ll


def _fit_stats(pred, y):
    r = pred - y
    return np.mean(r ** 2), np.mean(np.abs(r))


def combined_metrics(w, X, y, weight=0.3):
    mse, mae = _fit_stats(X @ w, y)
    return mse + weight * mae


PROGRAMS = [
    Program(mlp_regression, lambda rng: ({"W1": 0.5 * rng.standard_normal((3, 4)), "b1": np.zeros(4),
                                          "W2": 0.5 * rng.standard_normal(4), "b2": 0.1},
                                         rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(layers_list_net, lambda rng: ([0.5 * rng.standard_normal((4, 3)), 0.5 * rng.standard_normal((2, 4))],
                                          rng.standard_normal(3)), ("weights", "x")),
    Program(normal_nll, lambda rng: (np.array([rng.standard_normal(), rng.uniform(-0.3, 0.3)]),
                                     rng.standard_normal(10))),
    Program(logistic_with_prior, lambda rng: (rng.standard_normal(4), rng.standard_normal((8, 3)),
                                              (rng.random(8) < 0.5).astype(float))),
    Program(multinomial_nll, lambda rng: (rng.standard_normal(4), rng.integers(0, 5, 4).astype(float))),
    Program(ar1_loglik, lambda rng: (rng.uniform(-0.6, 0.6), rng.uniform(-0.3, 0.3),
                                     rng.standard_normal(12)), ("phi", "log_s")),
    Program(linear_model_loss, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                            rng.standard_normal(6))),
    Program(k_means_soft, lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((8, 2))),
            ("centers", "X")),
    Program(gmm_em_step_loglik, lambda rng: (rng.standard_normal((2, 2)), rng.standard_normal((7, 2)))),
    Program(ridge_closed_form, lambda rng: (rng.uniform(0.1, 2.0), rng.standard_normal((8, 3)),
                                            rng.standard_normal(8)), ("lam", "y")),
    Program(hinge_svm, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)),
                                    np.sign(rng.standard_normal(8)))),
    Program(gd_unrolled_fit, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)),
                                          rng.standard_normal(8)), ("w0", "X")),
    Program(adam_unrolled, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)),
                                        rng.standard_normal(8)), ("w0", "y")),
    Program(rnn_sequence_loss, lambda rng: (0.4 * rng.standard_normal((3, 3)), 0.4 * rng.standard_normal((3, 2)),
                                            [rng.standard_normal(2) for _ in range(4)],
                                            rng.standard_normal((4, 3))), ("Wh", "Wx")),
    Program(weighted_quantile_loss, lambda rng: (rng.standard_normal((3, 6)), rng.standard_normal(6))),
    Program(elastic_net, lambda rng: (rng.standard_normal(4), rng.standard_normal((7, 4)),
                                      rng.standard_normal(7))),
    Program(beta_binomial_nll, lambda rng: (rng.uniform(0, 1), rng.uniform(0, 1),
                                            rng.integers(0, 6, 5).astype(float), 6.0 * np.ones(5)),
            ("a_log", "b_log")),
    Program(gamma_glm, lambda rng: (0.3 * rng.standard_normal(3), rng.standard_normal((6, 3)),
                                    rng.gamma(2.0, 1.0, 6))),
    Program(cox_partial_likelihood, lambda rng: (rng.standard_normal(2), rng.standard_normal((6, 2)),
                                                 rng.permutation(6))),
    Program(combined_metrics, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)),
                                           rng.standard_normal(6))),
]
