"""Bookkeeping side effects users put in objectives, refused (clear, located):
- a closure counting its calls with `nonlocal calls; calls += 1`
  -> UnsupportedSyntaxError: does not support a nonlocal declaration;
- a method logging its loss, `self.history.append(value)`
  -> UnsupportedSyntaxError: changing values in place with a differentiated value.
Neither side effect touches the derivative."""
import numpy as np

import srcdiff


def make_counted(fn):
    calls = 0

    def counted(x):
        nonlocal calls
        calls += 1
        return fn(x)
    return counted


class Trainer:
    def __init__(self):
        self.history = []

    def loss(self, w):
        value = np.sum(w ** 2)
        self.history.append(value)
        return value


w = np.array([1.0, -2.0])
for f in (make_counted(lambda x: np.sum(x ** 2)), Trainer().loss):
    for mode in ("reverse", "forward"):
        try:
            print(mode, srcdiff.grad(f, mode=mode)(w))   # want [2, -4]
        except Exception as e:
            print(mode, type(e).__name__, str(e).splitlines()[0])
