"""np.arange(1, n + 1, dtype=float) - a constant - is refused in a differentiated
function: "this call of np.arange: np.arange got an unexpected keyword argument 'dtype'"."""
import numpy as np

import srcdiff


def f(y, n=4):
    times = np.arange(1, n + 1, dtype=float)
    return np.sum(np.exp(-y * times))


def g(y, n=4):
    times = np.arange(1.0, n + 1)
    return np.sum(np.exp(-y * times))


for fn in (f, g):
    for mode in ("reverse", "forward"):
        try:
            print(fn.__name__, mode, srcdiff.grad(fn, mode=mode)(0.05))
        except Exception as e:
            print(fn.__name__, mode, type(e).__name__, str(e).splitlines()[0])
print("want", -np.sum(np.arange(1.0, 5) * np.exp(-0.05 * np.arange(1.0, 5))))
