"""Parameters in an OrderedDict (what a PyTorch state_dict is, and what many users keep
layers in) or a types.SimpleNamespace are refused with a message that contradicts the
README: "it is a dict; containers (pytrees) are not supported yet: pass each array as
its own parameter". The same values in a plain dict work."""
import collections
import types

import numpy as np

import srcdiff


def f(p, x):
    return np.sum(p["W"] * x) + np.sum(p["b"] ** 2)


def g(p, x):
    return np.sum(p.W * x) + np.sum(p.b ** 2)


x = np.array([1.0, 2.0])
W, b = np.array([0.5, -0.5]), np.array([3.0])
cases = [(f, {"W": W, "b": b}), (f, collections.OrderedDict([("W", W), ("b", b)])),
         (g, types.SimpleNamespace(W=W, b=b))]
for fn, p in cases:   # want W: x, b: 2 b
    for mode in ("reverse", "forward"):
        try:
            print(type(p).__name__, mode, srcdiff.grad(fn, mode=mode)(p, x))
        except Exception as e:
            print(type(p).__name__, mode, type(e).__name__, str(e).splitlines()[0])
