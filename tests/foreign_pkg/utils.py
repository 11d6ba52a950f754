"""Helpers reading this module's own names: NumPy as `numpy_`, `math` as `m`,
the constant `SCALE`, and each other."""
import math as m

import numpy as numpy_

SCALE = 2.0


def softplus(z):
    return numpy_.logaddexp(0.0, z)


def sigmoid(z):
    return 1.0 / (1.0 + numpy_.exp(-z))


def swish(z):
    return z * sigmoid(z)  # another helper of this module


def scaled(x):
    return SCALE * numpy_.sin(x)  # a module constant, read live


def gauss(x):
    return m.exp(-x * x / 2) / m.sqrt(2 * m.pi)


def broken(x):
    y = x * 2
    return {t: t for t in [y]}[y]


exec("def made_by_exec(x):\n    return 2.0 * x")  # no source srcdiff can read


def calls_made_by_exec(x):
    return made_by_exec(x) + x  # noqa: F821 (defined by the exec above)
