"""Functions whose imports are inside them, in a module that imports nothing at its
top (tests/test_local_imports.py): the derivative gets every module it reads
injected, and relative imports resolve against this package."""


def softplus_sum(x):
    from .utils import SCALE, softplus
    import numpy as np
    return np.sum(softplus(x)) * SCALE


def via_module(x):
    from . import utils
    import numpy
    return numpy.sum(utils.sigmoid(x) * x)


def dotted(x):
    import foreign_pkg.utils
    return foreign_pkg.utils.gauss(x) * foreign_pkg.utils.SCALE


def _wave(z):
    import math
    from math import cos
    return math.sin(z) * cos(z)


def calls_helper(x):
    return _wave(x) * x  # the helper's own imports


def sine(x):
    from math import sin
    return sin(x) * x


def cosh_sum(z):
    import numpy as np
    return np.sum(np.cosh(z))


class Model:
    def __init__(self, k):
        self.k = k

    def loss(self, w):
        import numpy as np
        from .utils import softplus
        return np.sum(softplus(w)) * self.k
