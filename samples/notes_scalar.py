"""The scalar examples of the design notes: a product and a square inside a sine,
and a squared error."""
import math


def f(x, y):
    z = x * y + y ** 2
    return math.sin(z)


def loss(x, t):
    """L = (2x - t)^2: the error of the model 2x against the target t."""
    return (2 * x - t) ** 2
