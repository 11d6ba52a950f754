"""Descriptive statistics and estimators."""
import numpy as np

from .registry import Program


def skewness(x):
    z = (x - np.mean(x)) / np.std(x)
    return np.mean(z ** 3)


def upper_percentile(x, q=90):
    return np.percentile(x, q)


def weighted_variance(x, w):
    mean = np.average(x, weights=w)
    return np.average((x - mean) ** 2, weights=w)


def median_abs_deviation(x):
    return np.median(np.abs(x - np.median(x)))


def correlation(x, y):
    return np.corrcoef(x, y)[0, 1]


def pearson_by_hand(x, y):
    xm = x - x.mean()
    ym = y - y.mean()
    return (xm * ym).sum() / np.sqrt((xm ** 2).sum() * (ym ** 2).sum())


def kde_loglik(bandwidth, data, points):
    diffs = (points[:, None] - data[None, :]) / bandwidth
    dens = np.exp(-0.5 * diffs ** 2).sum(axis=1) / (len(data) * bandwidth * np.sqrt(2 * np.pi))
    return np.log(dens).sum()


def sample_variance(x):
    return np.var(x, ddof=1)


def standardized_mse(pred, y):
    mu, sd = y.mean(), y.std()
    return np.mean(((pred - mu) / sd - (y - mu) / sd) ** 2)


def trimmed_mean(x, cut=2):
    s = np.sort(x)
    return np.mean(s[cut:-cut])


def covariance_trace(X):
    C = np.cov(X, rowvar=False)
    return np.trace(C) + np.sum(C ** 2)


PROGRAMS = [
    Program(skewness, lambda rng: (rng.gamma(2.0, size=10),), "x"),
    Program(upper_percentile, lambda rng: (rng.standard_normal(11),), "x"),
    Program(weighted_variance,
            lambda rng: (rng.standard_normal(8), rng.uniform(0.5, 2, 8)), ("x", "w")),
    Program(median_abs_deviation, lambda rng: (rng.standard_normal(9),), "x"),
    Program(correlation,
            lambda rng: (rng.standard_normal(10), rng.standard_normal(10)), ("x", "y")),
    Program(pearson_by_hand,
            lambda rng: (rng.standard_normal(10), rng.standard_normal(10)), ("x", "y")),
    Program(kde_loglik,
            lambda rng: (rng.uniform(0.3, 1), rng.standard_normal(12), rng.standard_normal(5)),
            ("bandwidth", "data")),
    Program(sample_variance, lambda rng: (rng.standard_normal(7),), "x"),
    Program(standardized_mse,
            lambda rng: (rng.standard_normal(8), rng.standard_normal(8)), ("pred", "y")),
    Program(trimmed_mean, lambda rng: (rng.standard_normal(10),), "x"),
    Program(covariance_trace, lambda rng: (rng.standard_normal((8, 3)),), "X"),
]
