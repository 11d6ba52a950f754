"""The design notes' while loop: double until the norm passes 1000, then branch
on the sign. The trip count depends on the input, so the adjoint replays it."""
import numpy as np


def f(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return np.sum(c)
