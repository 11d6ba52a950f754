"""copy.deepcopy of a derivative function fails (TypeError from Derivative.__new__).
This also makes the corpus harness (run.py deep-copies arguments) report CRASH for
`descend(srcdiff.grad(rosenbrock), x0, lr)`, whose gradient srcdiff gets right.
A user hits it deep-copying a config dict that holds a derivative."""
import copy

import numpy as np

import srcdiff


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


g = srcdiff.grad(rosen)
print(g(np.array([0.1, 0.2])))
try:
    copy.deepcopy({"grad_fn": g})
except Exception as e:
    print(type(e).__name__, e)
