"""Forward mode crashes on an item assignment into a Python list of arrays at a loop
index (forces[i] = forces[i] + k * x): the tangent line is
    forces_1_dot = _setitem(forces_dot, i, 0.0) + _setitem(np.zeros(np.shape(forces_1)), i, ...)
and _setitem(forces_dot, i, 0.0) is a ragged [0.0, array] ->
ValueError: setting an array element with a sequence (inhomogeneous shape).
Reverse mode is right (15.0); a list of floats works in both modes.
Found in an n-body force loop (forces = [np.zeros(2) for _ in pos]; forces[i] += f).
A constant index crashes the same way: pair = [w, w]; pair[0] = pair[0] * 3.0 (g below)."""
import numpy as np

import srcdiff


def f(k, x):
    forces = [np.zeros(2), np.zeros(2)]
    for i in range(2):
        forces[i] = forces[i] + k * x
    return forces[0] @ forces[1]


def g(k, w):  # differentiated in w
    pair = [w, w]
    pair[0] = pair[0] * k
    return np.sum(pair[0] * pair[1])


x = np.array([1.0, 2.0])
print("want", 2 * 1.5 * (x @ x), 2 * 1.5 * x)
for fn, wrt in ((f, 0), (g, 1)):
    for mode in ("reverse", "forward"):
        try:
            print(fn.__name__, mode, srcdiff.grad(fn, wrt=wrt, mode=mode)(1.5, x))
        except Exception as e:
            print(fn.__name__, mode, type(e).__name__, str(e).splitlines()[0])
