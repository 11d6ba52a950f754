"""The NumPy examples of the design notes: reductions, a dot product, and a value
held constant with stop_gradient."""
import numpy as np

import srcdiff


def twice_dot(x):
    return 2 * np.dot(x, x)


def total(x):
    return np.sum(x)


def sum_of_squares(x):
    return np.sum(x * x)


def detached(x):
    """u is treated as a constant, so the gradient is u (= x * x), not 3 * x * x."""
    u = srcdiff.stop_gradient(x * x)
    return np.sum(u * x)
