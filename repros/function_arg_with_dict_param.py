"""A function passed to f works when the differentiated parameter is an array,
but is refused ("act has no derivative rule") as soon as the differentiated
parameter is a dict (or another container) - even for np.tanh."""
import numpy as np

import srcdiff


def with_array(act, w, x):
    return np.sum(act(x @ w))


def with_dict(act, p, x):
    return np.sum(act(x @ p["W"]))


x, w = np.ones((2, 3)), 0.1 * np.ones(3)
for fn, a in ((with_array, w), (with_dict, {"W": w})):
    for mode in ("reverse", "forward"):
        try:
            print(fn.__name__, mode, srcdiff.grad(fn, wrt=1, mode=mode)(np.tanh, a, x))
        except Exception as e:
            print(fn.__name__, mode, type(e).__name__, str(e).splitlines()[0])
