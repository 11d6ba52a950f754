"""A function of the package differentiated itself: `from .utils import ...`."""
import numpy

from .utils import gauss, softplus


def loss(w, x):
    return numpy.sum(softplus(w * x)) + gauss(numpy.sum(w))


from .layers import mixed  # noqa: E402

layers = "a global named like a helper's module"  # the injected module is `layers_1`


def wave(x):
    return numpy.sum(mixed(x))  # reads utils.SCALE and layers.BIAS: neither is a name here
