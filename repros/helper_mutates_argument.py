"""A helper that changes its array argument in place and returns nothing (or returns it)
is refused - "an in-place update of a value that another name or a list refers to" -
although the caller's array is a private copy. PDE and simulation code is written this
way everywhere: apply_bc(u) setting u[0] = u[-1] = 0 after each step."""
import numpy as np

import srcdiff


def apply_bc(u):
    u[0] = 0.0
    u[-1] = 0.0


def heat(u0, k=0.2, steps=3):
    u = u0.copy()
    for _ in range(steps):
        u = u + k * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
        apply_bc(u)
    return np.sum(u ** 2)


def heat_inline(u0, k=0.2, steps=3):  # works
    u = u0.copy()
    for _ in range(steps):
        u = u + k * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
        u[0] = 0.0
        u[-1] = 0.0
    return np.sum(u ** 2)


u0 = np.array([0.3, -0.7, 1.2, 0.5, -0.1])
for f in (heat, heat_inline):
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, mode=mode)(u0))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
