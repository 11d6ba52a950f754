"""Domain programs built on helpers that return tuples: Black-Scholes through
`d1, d2 = bs_d(...)`, a Sharpe ratio through `ret, var = portfolio_stats(...)`,
bond price and duration, a CRR binomial tree, Kepler orbits and a pendulum whose
right-hand sides return `(dx, dy)`, filters and a DFT bin, and likelihoods
(Gaussian, Poisson, logistic, a two-component mixture) with `mean, std = stats(v)`."""
import math
from collections import namedtuple

import numpy as np

from . import helpers3 as H
from .helpers3 import bs_d, norm_cdf
from .registry import Program


# ---------------------------------------------------------------- finance

def bs_call(S, sigma, K=100.0, r=0.03, T=0.75):
    d1, d2 = bs_d(S, K, r, sigma, T)
    return S * norm_cdf(d1) - K * math.exp(-r * T) * norm_cdf(d2)


def straddle_delta_hedged(S, sigma, K=100.0, r=0.01, T=0.5):
    """Call plus put, minus the delta hedge; the delta comes from the same d1."""
    d1, d2 = bs_d(S, K, r, sigma, T)
    disc = K * math.exp(-r * T)
    call = S * norm_cdf(d1) - disc * norm_cdf(d2)
    put = disc * norm_cdf(-d2) - S * norm_cdf(-d1)
    delta = 2 * norm_cdf(d1) - 1
    return call + put - delta * S


def sharpe_ratio(w, mu, cov, rf=0.01):
    w = w / np.sum(w)
    ret, var = H.portfolio_stats(w, mu, cov)
    return -(ret - rf) / np.sqrt(var)


def bond_price_and_duration(y, coupon, maturity=5):
    times = np.arange(1, maturity + 1, dtype=float)
    cash = np.full(maturity, coupon)
    cash[-1] += 100.0
    price, duration = H.bond(cash, times, y)
    return price + 10.0 * duration


def binomial_call(S, sigma, K=100.0, r=0.02, T=1.0, steps=30):
    dt = T / steps
    u = math.exp(sigma * math.sqrt(dt))
    d = 1 / u
    p = (math.exp(r * dt) - d) / (u - d)
    prices = S * u ** np.arange(steps, -1, -1) * d ** np.arange(0, steps + 1)
    values = np.maximum(prices - K, 0.0)
    for _ in range(steps):
        values = math.exp(-r * dt) * (p * values[:-1] + (1 - p) * values[1:])
    return values[0]


# ---------------------------------------------------------------- physics

def kepler_energy_drift(vy0, gm, dt=0.01, n=80):
    x, y, vx, vy = 1.0, 0.0, 0.0, vy0
    for _ in range(n):
        ax, ay = H.gravity(x, y, gm)
        vx, vy = vx + dt * ax, vy + dt * ay
        x, y = x + dt * vx, y + dt * vy
    return 0.5 * (vx * vx + vy * vy) - gm / math.hypot(x, y)


def pendulum_rhs(theta, omega, g, length, damping):
    return omega, -(g / length) * math.sin(theta) - damping * omega


def pendulum_rk4(theta0, length, damping, g=9.81, dt=0.02, n=50):
    th, om = theta0, 0.0
    for _ in range(n):
        k1 = pendulum_rhs(th, om, g, length, damping)
        k2 = pendulum_rhs(th + 0.5 * dt * k1[0], om + 0.5 * dt * k1[1], g, length, damping)
        k3 = pendulum_rhs(th + 0.5 * dt * k2[0], om + 0.5 * dt * k2[1], g, length, damping)
        k4 = pendulum_rhs(th + dt * k3[0], om + dt * k3[1], g, length, damping)
        th += dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        om += dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
    return th


State = namedtuple("State", "x v")


def _step(s, k, c, dt):
    a = -k * s.x - c * s.v
    return State(s.x + dt * s.v, s.v + dt * a)


def damped_oscillator(k, c, x0=1.0, dt=0.05, n=40):
    s = State(x0, 0.0)
    for _ in range(n):
        s = _step(s, k, c, dt)
    return s.x ** 2 + s.v ** 2


def projectile_range(angle, speed, drag=0.05, dt=0.01, g=9.81):
    """Integrate until the projectile lands; the landing point is interpolated."""
    x, y = 0.0, 0.0
    vx, vy = speed * math.cos(angle), speed * math.sin(angle)
    while True:
        v = math.hypot(vx, vy)
        x_new = x + dt * vx
        y_new = y + dt * vy
        vx = vx - dt * drag * v * vx
        vy = vy - dt * (g + drag * v * vy)
        if y_new < 0:
            return x + (x_new - x) * y / (y - y_new)
        x, y = x_new, y_new


def spring_mass_chain(k, positions, rest=1.0):
    forces = np.zeros_like(positions)
    stretch = np.diff(positions) - rest
    forces[:-1] += k * stretch
    forces[1:] -= k * stretch
    return np.sum(forces ** 2)


# ---------------------------------------------------------------- signal processing

def fir_fit(taps, x, target):
    y = np.convolve(x, taps, mode="valid")
    return np.mean((y - target) ** 2)


def ema_smoothing(alpha, x):
    s = x[0]
    err = 0.0
    for t in range(1, len(x)):
        err += (x[t] - s) ** 2
        s = alpha * x[t] + (1 - alpha) * s
    return err


def _dft_bin(x, freq):
    n = np.arange(len(x))
    re = np.sum(x * np.cos(2 * np.pi * freq * n / len(x)))
    im = -np.sum(x * np.sin(2 * np.pi * freq * n / len(x)))
    return re, im


def spectral_power(x, freq=3):
    re, im = _dft_bin(x, freq)
    return re * re + im * im


# ---------------------------------------------------------------- likelihoods

def standardized_gaussian_nll(v, data):
    mean, std = H.stats(v)
    z = (data - mean) / std
    return 0.5 * np.sum(z ** 2) + len(data) * np.log(std)


def poisson_regression(beta, X, counts):
    eta = X @ beta
    return np.sum(np.exp(eta) - counts * eta)


def _component_logs(x, mu1, mu2, s):
    return H.gaussian_logpdf(x, mu1, s), H.gaussian_logpdf(x, mu2, s)


def two_gaussian_mixture(mu1, mu2, logit, data, s=0.7):
    w = 1 / (1 + math.exp(-logit))
    l1, l2 = _component_logs(data, mu1, mu2, s)
    return -np.sum(np.logaddexp(math.log(w) + l1, math.log(1 - w) + l2))


def logistic_l2(w, X, y, lam=0.5):
    z = X @ w
    ll = np.sum(y * H.log_sigmoid(z) + (1 - y) * H.log_sigmoid(-z))
    return -ll + lam * w @ w


def student_t_nll(loc, log_scale, data, nu=4.0):
    scale = math.exp(log_scale)
    z = (data - loc) / scale
    return np.sum(0.5 * (nu + 1) * np.log1p(z * z / nu)) + len(data) * log_scale


PROGRAMS = [
    Program(bs_call, lambda rng: (rng.uniform(80, 120), rng.uniform(0.1, 0.4)), ("S", "sigma")),
    Program(straddle_delta_hedged, lambda rng: (rng.uniform(80, 120), rng.uniform(0.1, 0.4)),
            ("S", "sigma")),
    Program(sharpe_ratio,
            lambda rng: (rng.uniform(0.5, 1.5, 3), np.array([0.05, 0.08, 0.12]),
                         np.array([[0.04, 0.01, 0.0], [0.01, 0.09, 0.02], [0.0, 0.02, 0.16]])),
            "w"),
    Program(bond_price_and_duration, lambda rng: (rng.uniform(0.01, 0.08), rng.uniform(2, 6)),
            ("y", "coupon")),
    Program(binomial_call, lambda rng: (rng.uniform(85, 115), rng.uniform(0.15, 0.35)),
            ("S", "sigma")),
    Program(kepler_energy_drift, lambda rng: (rng.uniform(0.8, 1.1), rng.uniform(0.9, 1.1)),
            ("vy0", "gm")),
    Program(pendulum_rk4, lambda rng: (rng.uniform(0.2, 1.0), rng.uniform(0.5, 1.5),
                                       rng.uniform(0.05, 0.3)), ("theta0", "length", "damping")),
    Program(damped_oscillator, lambda rng: (rng.uniform(1, 4), rng.uniform(0.1, 0.5)), ("k", "c")),
    Program(projectile_range, lambda rng: (rng.uniform(0.4, 1.0), rng.uniform(8, 15)),
            ("angle", "speed")),
    Program(spring_mass_chain, lambda rng: (rng.uniform(1, 3), np.cumsum(rng.uniform(0.5, 1.5, 5))),
            ("k", "positions")),
    Program(fir_fit, lambda rng: (rng.standard_normal(4), rng.standard_normal(20),
                                  rng.standard_normal(17))),
    Program(ema_smoothing, lambda rng: (rng.uniform(0.1, 0.9), rng.standard_normal(15))),
    Program(spectral_power, lambda rng: (rng.standard_normal(16),)),
    Program(standardized_gaussian_nll,
            lambda rng: (rng.standard_normal(6), rng.standard_normal(9))),
    Program(poisson_regression,
            lambda rng: (0.3 * rng.standard_normal(3), rng.standard_normal((10, 3)),
                         rng.poisson(2.0, 10).astype(float))),
    Program(two_gaussian_mixture,
            lambda rng: (rng.uniform(-2, -0.5), rng.uniform(0.5, 2), rng.standard_normal(),
                         np.concatenate([rng.normal(-1, 0.7, 5), rng.normal(1, 0.7, 5)])),
            ("mu1", "mu2", "logit")),
    Program(logistic_l2, lambda rng: (rng.standard_normal(3), rng.standard_normal((12, 3)),
                                      (rng.random(12) < 0.5).astype(float))),
    Program(student_t_nll, lambda rng: (rng.standard_normal(), rng.uniform(-0.5, 0.5),
                                        rng.standard_t(4, 12)), ("loc", "log_scale")),
]
