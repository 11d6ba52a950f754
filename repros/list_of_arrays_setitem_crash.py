"""Forward mode crashes on an item assignment into a Python list of arrays at a loop
index (forces[i] = forces[i] + k * x): the tangent line is
    forces_1_dot = _setitem(forces_dot, i, 0.0) + _setitem(np.zeros(np.shape(forces_1)), i, ...)
and _setitem(forces_dot, i, 0.0) is a ragged [0.0, array] ->
ValueError: setting an array element with a sequence (inhomogeneous shape).
Reverse mode is right (15.0); a list of floats works in both modes.
Found in an n-body force loop (forces = [np.zeros(2) for _ in pos]; forces[i] += f).
A constant index crashes the same way: pair = [w, w]; pair[0] = pair[0] * 3.0 (g below),
and so does a negative loop index (L[-i] = ..., h below).
REVERSE mode crashes too when the list's arrays have different shapes (ragged, r below):
the tape line `tape_L.append(_shape_stub(L))` calls np.shape on the ragged list ->
the same ValueError."""
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


def h(k, w):  # differentiated in w
    L = [w, 2 * w, 3 * w]
    for i in range(1, 3):
        L[-i] = L[-i] * L[i - 1]
    return np.sum(L[0] + L[1] + L[2])


def r(k, w):  # differentiated in w; want 2 w[:2] * sum(w**2) + 2 w * sum(w[:2]**2) (3 entries)
    L = [np.zeros(2), np.zeros(3)]
    for i in range(2):
        L[i] = L[i] + w[:i + 2] ** 2
    return np.sum(L[0]) * np.sum(L[1])


x = np.array([1.0, 2.0])
print("want", 2 * 1.5 * (x @ x), 2 * 1.5 * x)
for fn, wrt in ((f, 0), (g, 1), (h, 1), (r, 1)):
    for mode in ("reverse", "forward"):
        try:
            xx = np.array([1.0, 2.0, 0.5]) if fn is r else x
            print(fn.__name__, mode, srcdiff.grad(fn, wrt=wrt, mode=mode)(1.5, xx))
        except Exception as e:
            print(fn.__name__, mode, type(e).__name__, str(e).splitlines()[0])
