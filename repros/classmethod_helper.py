"""A helper that is a classmethod (Kernels.gram(X, length), calling cls.rbf) is refused
with "Kernels.gram has no derivative rule and no Python source srcdiff can transform";
the same helper as a staticmethod or a module function is inlined."""
import numpy as np

import srcdiff


class Kernels:
    @staticmethod
    def rbf(a, b, length):
        return np.exp(-0.5 * np.sum((a - b) ** 2) / length ** 2)

    @classmethod
    def total(cls, X, length):
        return cls.rbf(X[0], X[1], length) + cls.rbf(X[1], X[2], length)

    @classmethod
    def plain(cls, x, length):
        return x / length


def via_static(length, X):
    return Kernels.rbf(X[0], X[1], length) + Kernels.rbf(X[1], X[2], length)


def via_classmethod(length, X):
    return Kernels.total(X, length)


def via_simple_classmethod(length, X):
    return np.sum(Kernels.plain(X, length))


X = np.array([[0.0, 1.0], [0.5, 0.2], [1.0, -1.0]])
for f in (via_static, via_classmethod, via_simple_classmethod):
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, mode=mode)(1.3, X))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
