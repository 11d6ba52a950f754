"""Programs leaning on NumPy library routines people call without a second
thought: np.trapezoid for an expected value, np.interp for a yield curve, np.polyval
for a fitted polynomial, np.gradient for a finite-difference roughness penalty,
np.sort for an order statistic, np.median, np.linalg.eigh for a spectral penalty,
np.linalg.svd for a nuclear norm, np.linalg.qr in a least-squares fit, np.cross
for a torque and np.linalg.norm along an axis."""
import numpy as np

from .registry import Program


def expected_payoff_trapezoid(mu, sigma, strike=0.2):
    x = np.linspace(-3.0, 3.0, 121)
    pdf = np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    return np.trapezoid(np.maximum(x - strike, 0.0) * pdf, x)


def interpolated_discount(rates, maturities, t=(0.7, 2.5, 4.0)):
    """Zero rates at pillar maturities, linearly interpolated."""
    r = np.interp(np.array(t), maturities, rates)
    return np.sum(np.exp(-r * np.array(t)))


def polyval_fit(coeffs, x, y):
    return np.mean((np.polyval(coeffs, x) - y) ** 2)


def roughness_penalty(f_vals, y, lam=0.5):
    d = np.gradient(f_vals, 0.1)
    return np.sum((f_vals - y) ** 2) + lam * np.sum(d ** 2)


def trimmed_loss(w, X, y, keep=6):
    r = (X @ w - y) ** 2
    return np.sum(np.sort(r)[:keep])


def median_abs_loss(w, X, y):
    return np.median(np.abs(X @ w - y))


def spectral_penalty(A):
    S = A + A.T
    vals = np.linalg.eigh(S)[0]
    return np.sum(vals ** 2) + np.max(vals)


def nuclear_norm(M):
    return np.sum(np.linalg.svd(M, compute_uv=False))


def qr_least_squares(X, y):
    Q, R = np.linalg.qr(X)
    beta = np.linalg.solve(R, Q.T @ y)
    return np.sum(beta ** 2)


def torque_energy(r, F):
    tau = np.cross(r, F)
    return np.sum(tau ** 2) + np.sum(np.linalg.norm(r, axis=1))


def log_returns_vol(prices):
    lr = np.diff(np.log(prices))
    return np.std(lr, ddof=1) * np.sqrt(252)


PROGRAMS = [
    Program(expected_payoff_trapezoid,
            lambda rng: (0.3 * rng.standard_normal(), rng.uniform(0.5, 1)), ("mu", "sigma")),
    Program(interpolated_discount, lambda rng: (0.03 + 0.01 * rng.random(4),
                                                np.array([0.5, 1.0, 3.0, 5.0])), "rates"),
    Program(polyval_fit, lambda rng: (rng.standard_normal(3), rng.uniform(-1, 1, 8),
                                      rng.standard_normal(8))),
    Program(roughness_penalty, lambda rng: (rng.standard_normal(10), rng.standard_normal(10))),
    Program(trimmed_loss, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)),
                                       rng.standard_normal(8))),
    Program(median_abs_loss, lambda rng: (rng.standard_normal(3), rng.standard_normal((7, 3)),
                                          rng.standard_normal(7))),
    Program(spectral_penalty, lambda rng: (rng.standard_normal((3, 3)),)),
    Program(nuclear_norm, lambda rng: (rng.standard_normal((3, 2)),)),
    Program(qr_least_squares, lambda rng: (rng.standard_normal((6, 3)), rng.standard_normal(6)),
            ("X", "y")),
    Program(torque_energy, lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((4, 3))),
            ("r", "F")),
    Program(log_returns_vol,
            lambda rng: (100 * np.exp(np.cumsum(0.01 * rng.standard_normal(12))),)),
]
