"""Looping over a user generator function (minibatches) crashes at call time:
TypeError: object of type 'generator' has no len() - should work, or be a located
SrcDiffError."""
import traceback

import numpy as np

import srcdiff


def batches(X, y, size):
    for start in range(0, len(X), size):
        yield X[start:start + size], y[start:start + size]


def f(w, X, y):
    total = 0.0
    for xb, yb in batches(X, y, 2):
        total += np.sum((xb @ w - yb) ** 2)
    return total


X = np.arange(12.0).reshape(4, 3) / 10
y = np.array([1.0, 0.0, -1.0, 2.0])
w = np.array([0.1, -0.2, 0.3])
print("want", 2 * X.T @ (X @ w - y))
for mode in ("reverse", "forward"):
    try:
        print(mode, srcdiff.grad(f, mode=mode)(w, X, y))
    except Exception:
        traceback.print_exc(limit=-3)
