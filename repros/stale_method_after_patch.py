"""SILENTLY STALE: a method that f calls through self (self.transform(x)) is inlined
when the derivative is built and never looked at again. Replacing it afterwards - on
the instance (m.transform = ...) or on the class (Model.transform = ...,
monkeypatching, a notebook cell re-run) - changes f but not its derivative, which keeps
returning the old function's gradient with no error. Module-level functions and
globals swapped the same way are re-read correctly (README: "never a stale value
baked in at build time")."""
import numpy as np

import srcdiff


class Model:
    def transform(self, x):
        return np.sin(x)

    def loss(self, x):
        return np.sum(self.transform(x))


x = np.array([0.3, -0.7])
for mode in ("reverse", "forward"):
    m = Model()
    g = srcdiff.grad(m.loss, mode=mode)
    print(mode, "built   ", g(x), "want", np.cos(x))
    m.transform = lambda x: x ** 2
    print(mode, "instance", g(x), "want", 2 * x, " f says", m.loss(x))
    del m.transform
    Model.transform = lambda self, x: x ** 3
    print(mode, "class   ", g(x), "want", 3 * x ** 2)
    Model.transform = lambda self, x: np.sin(x)
