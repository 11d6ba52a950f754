"""Model objects and the functions users build from them: `grad(model.loss)`
with the data in `self`, methods calling methods, a class's static helpers,
closures made by factories (nested two deep), closures keeping a counter,
functools.partial of a module function and of a method, a callable object, a
model object passed as an argument."""
import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from . import helpers3 as H
from .registry import Program


class LogisticRegression:
    def __init__(self, X, y, lam=0.1):
        self.X = X
        self.y = y
        self.lam = lam

    def logits(self, w):
        return self.X @ w

    def loss(self, w):
        z = self.logits(w)
        nll = -np.sum(self.y * H.log_sigmoid(z) + (1 - self.y) * H.log_sigmoid(-z))
        return nll + 0.5 * self.lam * np.sum(w ** 2)


class ElmanRNN:
    """The weights live in self; the loss is differentiated in the initial state."""

    def __init__(self, Wx, Wh, Wo):
        self.Wx, self.Wh, self.Wo = Wx, Wh, Wo

    def step(self, h, x):
        return np.tanh(self.Wx @ x + self.Wh @ h)

    def loss(self, h0, xs, target):
        h = h0
        for x in xs:
            h = self.step(h, x)
        return np.sum((self.Wo @ h - target) ** 2)


class Kernels:
    @staticmethod
    def rbf(a, b, length):
        return np.exp(-0.5 * np.sum((a - b) ** 2) / length ** 2)

    @classmethod
    def gram(cls, X, length):
        n = len(X)
        return np.array([[cls.rbf(X[i], X[j], length) for j in range(n)] for i in range(n)])


def gp_marginal_likelihood(length, noise, X, y):
    K = Kernels.gram(X, length) + noise ** 2 * np.eye(len(X))
    alpha = np.linalg.solve(K, y)
    _, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ alpha + 0.5 * logdet


def make_poisson_nll(counts, exposure):
    def nll(log_rate):
        mu = exposure * np.exp(log_rate)
        return np.sum(mu - counts * np.log(mu))
    return nll


def make_objective(data, prior_scale):
    def log_prior(theta):
        return -0.5 * np.sum(theta ** 2) / prior_scale ** 2

    def log_lik(theta):
        mu, log_s = theta[0], theta[1]
        return np.sum(H.gaussian_logpdf(data, mu, np.exp(log_s)))

    def objective(theta):
        return -(log_lik(theta) + log_prior(theta))
    return objective


def make_counted(fn):
    calls = 0

    def counted(x):
        nonlocal calls
        calls += 1
        return fn(x)
    return counted


def rosenbrock2(a, b, x, y):
    return (a - x) ** 2 + b * (y - x * x) ** 2


class Pendulum:
    def __init__(self, g=9.81, length=1.0):
        self.g = g
        self.length = length

    @property
    def omega2(self):
        return self.g / self.length

    def energy_after(self, theta0, dt=0.02, n=50):
        theta, w = theta0, 0.0
        for _ in range(n):
            w = w - dt * self.omega2 * math.sin(theta)
            theta = theta + dt * w
        return 0.5 * w * w + self.omega2 * (1 - math.cos(theta))


class Polynomial:
    def __init__(self, coeffs):
        self.coeffs = coeffs

    def __call__(self, x):
        total = 0.0
        for c in reversed(self.coeffs):
            total = total * x + c
        return total


class Portfolio:
    def __init__(self, mu, cov, risk_aversion):
        self.mu, self.cov, self.risk_aversion = mu, cov, risk_aversion

    def utility(self, w):
        ret, var = H.portfolio_stats(w, self.mu, self.cov)
        return -(ret - 0.5 * self.risk_aversion * var)


class Trainer:
    """A method that records the losses it computes, as training code does."""

    def __init__(self, X, y):
        self.X, self.y = X, y
        self.history = []

    def loss(self, w):
        value = np.mean((self.X @ w - self.y) ** 2)
        self.history.append(value)
        return value


@dataclass
class QuadraticModel:
    curvature: float = 0.5

    def predict(self, w, X):
        z = X @ w
        return z + self.curvature * z ** 2


def loss_with_model(w, model, X, y):
    """The model object is an argument, as in fit(loss, model, data) code."""
    return np.mean((model.predict(w, X) - y) ** 2)


def _logreg(rng):
    X = rng.standard_normal((10, 3))
    return LogisticRegression(X, (rng.random(10) < 0.5).astype(float))


def _rnn(rng):
    return ElmanRNN(0.5 * rng.standard_normal((4, 2)), 0.5 * rng.standard_normal((4, 4)),
                    rng.standard_normal((1, 4)))


def _gp(rng):
    X = rng.standard_normal((6, 2))
    return rng.uniform(0.8, 1.5), rng.uniform(0.2, 0.5), X, np.sin(X[:, 0]) + 0.1 * X[:, 1]


_POISSON = make_poisson_nll(np.array([2.0, 0.0, 5.0, 3.0, 1.0]),
                            np.array([1.0, 0.5, 2.0, 1.5, 1.0]))
_OBJECTIVE = make_objective(np.array([0.3, -0.4, 1.2, 0.8, 0.1, -0.2]), 3.0)
_COUNTED = make_counted(lambda x: np.sum(np.sin(x) * x))
_LOGREG = _logreg(np.random.default_rng(3))
_RNN = _rnn(np.random.default_rng(4))
_PEND = Pendulum(length=0.8)
_POLY = Polynomial([0.5, -1.0, 0.25, 0.1])
_PORT = Portfolio(np.array([0.05, 0.08, 0.12]),
                  np.array([[0.04, 0.01, 0.0], [0.01, 0.09, 0.02], [0.0, 0.02, 0.16]]), 3.0)
_rng = np.random.default_rng(5)
_TRAINER = Trainer(_rng.standard_normal((8, 3)), _rng.standard_normal(8))


PROGRAMS = [
    Program(_LOGREG.loss, lambda rng: (rng.standard_normal(3),), "w",
            name="LogisticRegression.loss"),
    Program(_RNN.loss, lambda rng: (0.3 * rng.standard_normal(4), rng.standard_normal((5, 2)),
                                    rng.standard_normal(1)), "h0", name="ElmanRNN.loss"),
    Program(gp_marginal_likelihood, _gp, ("length", "noise")),
    Program(_POISSON, lambda rng: (0.3 * rng.standard_normal(5),), "log_rate",
            name="make_poisson_nll.nll"),
    Program(_OBJECTIVE, lambda rng: (np.array([rng.standard_normal(), rng.uniform(-0.5, 0.5)]),),
            "theta", name="make_objective.objective"),
    Program(_COUNTED, lambda rng: (rng.standard_normal(4),), "x", name="make_counted.counted"),
    Program(partial(rosenbrock2, 1.0, 100.0), lambda rng: (rng.uniform(-1, 1), rng.uniform(-1, 1)),
            ("x", "y"), name="partial[rosenbrock2]"),
    Program(partial(_PEND.energy_after, n=40), lambda rng: (rng.uniform(0.2, 1.0),), "theta0",
            name="partial[Pendulum.energy_after]"),
    Program(_PEND.energy_after, lambda rng: (rng.uniform(0.2, 1.0),), "theta0",
            name="Pendulum.energy_after"),
    Program(_POLY, lambda rng: (rng.uniform(-2, 2),), "x", name="Polynomial.__call__"),
    Program(_PORT.utility, lambda rng: (rng.dirichlet(np.ones(3)),), "w", name="Portfolio.utility"),
    Program(_TRAINER.loss, lambda rng: (rng.standard_normal(3),), "w", name="Trainer.loss"),
    Program(loss_with_model, lambda rng: (rng.standard_normal(3), QuadraticModel(),
                                          rng.standard_normal((6, 3)), rng.standard_normal(6))),
]
