"""Option pricing, interest, bonds and portfolios."""
import math

import numpy as np

from .registry import Program
from .utils import norm_cdf


def black_scholes_call(S, K, T, r, sigma):
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return S * norm_cdf(d1) - K * math.exp(-r * T) * norm_cdf(d2)


def black_scholes_put(S, K, T, r, sigma):
    # put-call parity
    return black_scholes_call(S, K, T, r, sigma) - S + K * math.exp(-r * T)


def straddle_book(S, strikes, sizes):
    value = 0.0
    for K, n in zip(strikes, sizes):
        call = max(S - K, 0.0)
        put = max(K - S, 0.0)
        value += n * (call + put)
    return value


def compound_interest(principal, rate, contributions):
    balance = principal
    for year, c in enumerate(contributions):
        balance = balance * (1 + rate) + c
        if year % 5 == 4:
            balance -= 0.01 * balance  # a fee every five years
    return balance


def continuous_compounding(principal, rate, years):
    return principal * math.exp(rate * years)


def portfolio_variance(w, cov):
    return w @ cov @ w


def sharpe_ratio(w, mu, cov, rf=0.01):
    ret = np.dot(w, mu)
    vol = np.sqrt(w.dot(cov).dot(w))
    return (ret - rf) / vol


def monte_carlo_call(S0, sigma, Z, K=100.0, r=0.02, T=1.0):
    ST = S0 * np.exp((r - 0.5 * sigma ** 2) * T + sigma * np.sqrt(T) * Z)
    payoff = np.maximum(ST - K, 0.0)
    return math.exp(-r * T) * np.mean(payoff)


def bond_price(y, coupon=5.0, face=100.0, n=10):
    pv = sum(coupon / (1 + y) ** t for t in range(1, n + 1))
    return pv + face / (1 + y) ** n


def binomial_american_put(S0, sigma, K=100.0, r=0.03, T=1.0, n=30):
    dt = T / n
    u = math.exp(sigma * math.sqrt(dt))
    d = 1 / u
    p = (math.exp(r * dt) - d) / (u - d)
    disc = math.exp(-r * dt)
    prices = S0 * u ** np.arange(n, -1, -1) * d ** np.arange(0, n + 1)
    values = np.maximum(K - prices, 0.0)
    for i in reversed(range(n)):
        # S at step i, from the top node down
        prices = S0 * u ** np.arange(i, -1, -1) * d ** np.arange(0, i + 1)
        cont = disc * (p * values[:-1] + (1 - p) * values[1:])
        values = np.maximum(cont, K - prices)
    return values[0]


def loan_payment(principal, annual_rate, years=30):
    r = annual_rate / 12
    n = years * 12
    if r == 0:
        return principal / n
    return principal * r / (1 - (1 + r) ** -n)


PROGRAMS = [
    Program(black_scholes_call,
            lambda rng: (rng.uniform(80, 120), 100.0, rng.uniform(0.5, 2), 0.03,
                         rng.uniform(0.1, 0.4)),
            ("S", "T", "r", "sigma")),
    Program(black_scholes_put,
            lambda rng: (rng.uniform(80, 120), 100.0, 1.0, 0.03, rng.uniform(0.1, 0.4)),
            ("S", "sigma")),
    Program(straddle_book,
            lambda rng: (rng.uniform(90, 110) + 0.5, [90.0, 95.0, 100.0, 105.0, 110.0],
                         [1.0, -2.0, 1.5, 0.5, -1.0]),
            "S"),
    Program(compound_interest,
            lambda rng: (rng.uniform(500, 1500), rng.uniform(0.01, 0.08),
                         list(rng.uniform(0, 100, 12))),
            ("principal", "rate")),
    Program(continuous_compounding,
            lambda rng: (1000.0, rng.uniform(0.01, 0.1), rng.uniform(1, 10)),
            ("principal", "rate", "years")),
    Program(portfolio_variance,
            lambda rng: (rng.dirichlet(np.ones(4)), _cov(rng, 4)), ("w", "cov")),
    Program(sharpe_ratio,
            lambda rng: (rng.dirichlet(np.ones(4)), rng.uniform(0.02, 0.1, 4), _cov(rng, 4)),
            ("w", "mu")),
    Program(monte_carlo_call,
            lambda rng: (rng.uniform(90, 110), rng.uniform(0.1, 0.3), rng.standard_normal(50)),
            ("S0", "sigma")),
    Program(bond_price, lambda rng: (rng.uniform(0.01, 0.1),), "y"),
    Program(binomial_american_put,
            lambda rng: (rng.uniform(90, 110), rng.uniform(0.15, 0.35)), ("S0", "sigma")),
    Program(loan_payment,
            lambda rng: (rng.uniform(1e5, 3e5), rng.uniform(0.02, 0.07)),
            ("principal", "annual_rate")),
]


def _cov(rng, n):
    A = rng.standard_normal((n, n)) * 0.1
    return A @ A.T + 0.01 * np.eye(n)


def _ncdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def black_scholes_local(S, sigma, K=100.0, T=1.0, r=0.02, q=0.01):
    """Black–Scholes–Merton with a dividend yield; the normal CDF defined here."""
    sqT = math.sqrt(T)
    d1 = (math.log(S / K) + (r - q + sigma * sigma / 2) * T) / (sigma * sqT)
    d2 = d1 - sigma * sqT
    return S * math.exp(-q * T) * _ncdf(d1) - K * math.exp(-r * T) * _ncdf(d2)


def implied_vol_newton(price, S=100.0, K=100.0, T=1.0, r=0.02):
    """Newton iterations for the implied volatility (derivative w.r.t. the price)."""
    sigma = 0.3
    for _ in range(20):
        diff = black_scholes_local(S, sigma, K, T, r, 0.0) - price
        d1 = (math.log(S / K) + (r + sigma * sigma / 2) * T) / (sigma * math.sqrt(T))
        vega = S * math.sqrt(T) * math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
        sigma -= diff / vega
        if abs(diff) < 1e-12:
            break
    return sigma


PROGRAMS += [
    Program(black_scholes_local,
            lambda rng: (rng.uniform(80, 120), rng.uniform(0.1, 0.4)), ("S", "sigma")),
    Program(implied_vol_newton, lambda rng: (rng.uniform(8, 14),), "price"),
]
