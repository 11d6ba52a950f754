"""Looping over params.items() and testing the key with a str method
(name.startswith("W"), or name[0] == "W")
crashes with AttributeError: '_Const' object has no attribute 'td'."""
import traceback

import numpy as np

import srcdiff


def f(params):
    reg = 0.0
    for name, p in params.items():
        if name.startswith("W"):
            reg = reg + np.sum(p ** 2)
    return reg


def g(params):  # the same with a subscript of the key: same crash
    reg = 0.0
    for name, p in params.items():
        if name[0] == "W":
            reg = reg + np.sum(p ** 2)
    return reg


# (`if name in ("W1",)` works.)
p = {"W1": np.array([1.0, 2.0]), "b1": np.array([3.0])}
for fn in (f, g):
    for mode in ("reverse", "forward"):
        try:
            print(mode, srcdiff.grad(fn, mode=mode)(p))   # want {'W1': [2, 4], 'b1': [0]}
        except Exception:
            traceback.print_exc(limit=-2)
