"""Scalar programs for tests/test_cse.py, in a module without NumPy: their
generic derivative knows every value is a scalar, so CSE applies to `.source`."""
import math


def f(y):
    return math.sin(y) * y


def rk4(y, dt):
    k1 = f(y)
    k2 = f(y + 0.5 * dt * k1)
    k3 = f(y + 0.5 * dt * k2)
    k4 = f(y + dt * k3)
    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def looped(x, a, n=4):
    s = 0.0
    for _ in range(n):
        u = math.exp(a * x) + s
        v = math.exp(a * x) * s  # the same as u's exp, inside the body
        w = math.cos(s * a)
        s = u * 0.3 + v * 0.1 + math.cos(s * a) * w  # loop-carried s: per trip
    return s + math.exp(a * x)


def branched(x, a):
    if x > 0:
        y = math.sin(x * a) + math.sin(x * a) ** 2
    else:
        y = math.cos(x * a) * math.cos(x * a)
    return y + math.sin(x * a)  # not the arm's: computed again here


def with_effects(x):
    print(x * 2)
    print(x * 2)
    return x * 2 + x * 2
