"""Functions passed to f: a module function, a ufunc, a lambda and a bound method
work; these three, just as common, are refused with "<param> has no derivative rule":
- a functools.partial of a Python function (partial(huber, delta=0.5));
- a callable instance (an object with __call__);
- a tuple of functions iterated in f (for fn in fns: x = fn(x))."""
import math
from functools import partial

import numpy as np

import srcdiff


def huber(r, delta=1.0):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta))


class Bump:
    def __init__(self, c):
        self.c = c

    def __call__(self, x):
        return math.exp(-(x - self.c) ** 2)


def apply(fn, x):
    return np.sum(fn(x))


def compose(fns, x):
    for fn in fns:
        x = fn(x)
    return np.sum(x)


x = np.array([0.3, -1.7])
cases = [(apply, partial(huber, delta=0.5), x), (apply, Bump(0.2), 0.5),
         (compose, (np.sin, np.tanh), x)]
for f, fn, arg in cases:
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, type(fn).__name__, mode, srcdiff.grad(f, wrt=1, mode=mode)(fn, arg))
        except Exception as e:
            print(f.__name__, type(fn).__name__, mode, type(e).__name__, str(e).splitlines()[0])
