"""Code reaching NumPy only through another module (`import autograd.numpy as np`)
or through functions imported alone (`from numpy import dot`): no global is NumPy."""
import types

import numpy

np = types.ModuleType("reexported_numpy")
np.__dict__.update(vars(numpy))
from numpy import cos, dot  # noqa: E402

V = (-1.0, -0.5, 0.25, 0.5, 1.0)  # (not an array: only the module says NumPy)
del numpy


def projected(x):
    return np.sin(np.dot(x, V))


def projected_alone(x):
    return cos(dot(x, V))
