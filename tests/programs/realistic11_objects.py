"""Round-11 corpus: objects, methods and control constructs real programs use —
option books and pipelines of stage objects passed as arguments (their methods
seen only at run time), a record holding a list of layers, books zipped with
arrays of spots, string settings on objects, classmethod factories called through
self, training objects that log their losses, try/except around a Cholesky
factor, a table lookup and a domain error, closure counters and accumulators
with `nonlocal`, and running products with itertools.accumulate."""
# ruff: noqa: E501, B007, B008, E741  (written as users write them)
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .registry import Program

_RNG = np.random.default_rng(11)


# ---------------------------------------------------------------- objects seen at run time


class VanillaOption:
    def __init__(self, strike, maturity, kind="call"):
        self.strike, self.maturity, self.kind = strike, maturity, kind

    def price(self, spot, sigma, r=0.01):
        """Black–Scholes with a hand-written normal CDF."""
        T = self.maturity
        d1 = (math.log(spot / self.strike) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))
        d2 = d1 - sigma * math.sqrt(T)
        cdf = lambda z: 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
        if self.kind == "call":
            return spot * cdf(d1) - self.strike * math.exp(-r * T) * cdf(d2)
        return self.strike * math.exp(-r * T) * cdf(-d2) - spot * cdf(-d1)


_BOOK = [VanillaOption(95.0, 0.5), VanillaOption(105.0, 1.0, "put"), VanillaOption(100.0, 0.25)]


def book_value(spot, sigma, options):
    """The value of a book of options passed in (not differentiated)."""
    return sum(o.price(spot, sigma) for o in options)


def book_vega_hedged(spot, sigma, options):
    total = 0.0
    for i, o in enumerate(options):
        weight = 1.0 if o.kind == "call" else -0.5
        total = total + weight * o.price(spot, sigma)
    return total


def book_against_spots(spots, sigma):
    """A fixed book zipped with an array of spots (one per option)."""
    book = [VanillaOption(95.0, 0.5), VanillaOption(105.0, 1.0, "put")]
    return sum(o.price(s, sigma) for o, s in zip(book, spots))


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        return x @ self.W + self.b


class Scale:
    def __init__(self, s):
        self.s = s

    def forward(self, x):
        return self.s * np.tanh(x)


@dataclass
class Chain:
    stages: list
    damping: float = 0.9


_CHAIN = Chain([Affine(np.eye(3) + 0.1 * _RNG.standard_normal((3, 3)), np.zeros(3)), Scale(1.5),
                Affine(0.5 * _RNG.standard_normal((3, 2)), np.ones(2))])


def chain_loss(x, chain):
    """Stages of different classes held by a record, applied in order."""
    for stage in chain.stages:
        x = chain.damping * stage.forward(x)
    return np.sum(x ** 2)


def stage_list_loss(x, stages):
    h = x
    for stage in stages:
        h = stage.forward(h)
    return np.mean(h ** 2)


class Factory:
    GAIN = 2.0

    def __init__(self, w):
        self.w = w

    @classmethod
    def from_scale(cls, w, s):
        return cls(w * s)

    def refined(self, x):
        other = self.from_scale(self.w, 0.5)
        return np.sum(np.sin(other.w * x)) * self.GAIN


def factory_loss(x, factory):
    return factory.refined(x)


class Logger:
    def __init__(self, X, y):
        self.X, self.y = X, y
        self.losses = []

    def loss(self, w):
        r = self.X @ w - self.y
        value = 0.5 * np.mean(r ** 2) + 1e-3 * np.sum(w ** 2)
        self.losses.append(value)
        return value


_LOGGER = Logger(_RNG.standard_normal((10, 3)), _RNG.standard_normal(10))


# ---------------------------------------------------------------- try/except


def stable_logdet(a, S):
    """Cholesky with a jitter fallback when the matrix is not positive definite."""
    A = a * S
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(A + (1.0 + np.abs(a)) * 4.0 * np.eye(len(S)))
    return 2.0 * np.sum(np.log(np.diag(L)))


_WEIGHTS = {"l2": 0.1, "l1": 0.05}


def penalised(w, kind):
    try:
        lam = _WEIGHTS[kind]
    except KeyError:
        lam = 0.0
    return np.sum(w ** 2) + lam * np.sum(np.abs(w))


def log_or_floor(x):
    try:
        return math.log(x) + x
    except ValueError:
        return -10.0 + 0.0 * x


def robust_ratio(xs, counts):
    """Per-bin means with empty bins (a zero count) falling back to a prior."""
    total = 0.0
    for x, n in zip(xs, counts):
        try:
            r = x / n
        except ZeroDivisionError:
            r = x ** 2
        total = total + r * x
    return total


# ---------------------------------------------------------------- nonlocal


def counted_average(x):
    evaluations = 0

    def energy(z):
        nonlocal evaluations
        evaluations += 1
        return np.sum(np.cos(z) * z ** 2)

    total = energy(x) + energy(0.5 * x) + energy(-x)
    return total / evaluations


def running_penalty(w):
    penalty = 0.0

    def term(v, scale):
        nonlocal penalty
        penalty = penalty + scale * np.sum(v ** 2)
        return np.sum(np.tanh(v))

    fit = term(w, 0.1) * term(w[::-1], 0.2)
    return fit + penalty


# ---------------------------------------------------------------- itertools.accumulate


def discount_factors(rates):
    one_period = [1.0 / (1.0 + r) for r in rates]
    dfs = list(itertools.accumulate(one_period, lambda a, b: a * b))
    coupons = [3.0] * (len(rates) - 1) + [103.0]
    return sum(c * d for c, d in zip(coupons, dfs))


def cumulative_hazard(lams):
    survival = 0.0
    for H in itertools.accumulate([l * l for l in lams], initial=0.0):
        survival = survival + math.exp(-H)
    return survival


PROGRAMS = [
    Program(book_value, lambda rng: (rng.uniform(90, 110), rng.uniform(0.15, 0.3), _BOOK), ("spot", "sigma")),
    Program(book_vega_hedged, lambda rng: (rng.uniform(90, 110), rng.uniform(0.15, 0.3), _BOOK), ("spot", "sigma")),
    Program(book_against_spots, lambda rng: (rng.uniform(90, 110, 2), rng.uniform(0.15, 0.3)), ("spots", "sigma")),
    Program(chain_loss, lambda rng: (rng.standard_normal(3), _CHAIN)),
    Program(stage_list_loss, lambda rng: (rng.standard_normal((4, 3)), [Affine(rng.standard_normal((3, 3)), rng.standard_normal(3)), Scale(0.7)])),
    Program(factory_loss, lambda rng: (rng.standard_normal(4), Factory(rng.uniform(0.5, 1.5)))),
    Program(_LOGGER.loss, lambda rng: (rng.standard_normal(3),), name="Logger.loss"),
    Program(stable_logdet, lambda rng: (rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0), np.array([[2.0, 0.3, 0.1], [0.3, 1.5, 0.2], [0.1, 0.2, 1.0]]))),
    Program(penalised, lambda rng: (rng.standard_normal(5), str(rng.choice(["l2", "l1", "none"])))),
    Program(log_or_floor, lambda rng: (rng.uniform(0.5, 3.0) * rng.choice([-1.0, 1.0]),)),
    Program(robust_ratio, lambda rng: ([float(v) for v in rng.standard_normal(4)], [2, 0, int(rng.integers(0, 2)), 3])),
    Program(counted_average, lambda rng: (rng.standard_normal(4),)),
    Program(running_penalty, lambda rng: (rng.standard_normal(5),)),
    Program(discount_factors, lambda rng: (rng.uniform(0.01, 0.06, 5),)),
    Program(cumulative_hazard, lambda rng: (rng.uniform(0.1, 0.8, 4),)),
]
