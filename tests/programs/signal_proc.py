"""Signal processing: differences, convolutions, moving averages, filters."""
import numpy as np

from .registry import Program


def moving_average_energy(x, window=3):
    kernel = np.ones(window) / window
    smooth = np.convolve(x, kernel, mode="valid")
    return np.sum(smooth ** 2)


def total_variation(x, lam=0.5, y=None):
    fidelity = 0.5 * np.sum((x - y) ** 2)
    return fidelity + lam * np.sum(np.abs(np.diff(x)))


def second_difference_penalty(x):
    return np.sum(np.diff(x, n=2) ** 2)


def exponential_smoothing(alpha, x):
    s = x[0]
    out = []
    for v in x[1:]:
        s = alpha * v + (1 - alpha) * s
        out.append(s)
    return np.sum((np.array(out) - x[1:]) ** 2)


def fir_fit(h, x, target):
    y = np.convolve(x, h, mode="same")
    return np.mean((y - target) ** 2)


def dft_power(x, k=2):
    n = len(x)
    t = np.arange(n)
    re = np.sum(x * np.cos(2 * np.pi * k * t / n))
    im = -np.sum(x * np.sin(2 * np.pi * k * t / n))
    return (re ** 2 + im ** 2) / n


def autocorrelation(x, lag=2):
    m = x.mean()
    xc = x - m
    return np.dot(xc[:-lag], xc[lag:]) / np.dot(xc, xc)


def detrended_energy(x):
    trend = np.cumsum(x) / np.arange(1, len(x) + 1)
    return np.sum((x - trend) ** 2)


def iir_lowpass(a, x):
    y = np.zeros_like(x)
    y[0] = x[0]
    for n in range(1, len(x)):
        y[n] = a * y[n - 1] + (1 - a) * x[n]
    return np.sum(y ** 2)


def windowed_rms(x, frame=4):
    total = 0.0
    for start in range(0, len(x) - frame + 1, frame):
        seg = x[start:start + frame]
        total += np.sqrt(np.mean(seg ** 2))
    return total


PROGRAMS = [
    Program(moving_average_energy, lambda rng: (rng.standard_normal(10),), "x"),
    Program(total_variation,
            lambda rng: (rng.standard_normal(8), 0.5, rng.standard_normal(8)), ("x", "lam")),
    Program(second_difference_penalty, lambda rng: (rng.standard_normal(9),), "x"),
    Program(exponential_smoothing,
            lambda rng: (rng.uniform(0.2, 0.8), rng.standard_normal(10)), ("alpha", "x")),
    Program(fir_fit,
            lambda rng: (rng.standard_normal(3), rng.standard_normal(12),
                         rng.standard_normal(12)),
            ("h", "x")),
    Program(dft_power, lambda rng: (rng.standard_normal(16),), "x"),
    Program(autocorrelation, lambda rng: (rng.standard_normal(12),), "x"),
    Program(detrended_energy, lambda rng: (rng.standard_normal(10),), "x"),
    Program(iir_lowpass,
            lambda rng: (rng.uniform(0.3, 0.9), rng.standard_normal(10)), ("a", "x")),
    Program(windowed_rms, lambda rng: (rng.standard_normal(12),), "x"),
]
