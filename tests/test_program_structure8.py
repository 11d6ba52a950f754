"""Program structure, round 8 (found by the realistic8 corpus): `cls(...)` in a
classmethod (the class it was called on, built as written out); `x, y = x0` of a
tuple of numbers, then `x += v` (a float rebinding, not an in-place write; keyed
on the items' kind so a tuple of arrays is refused, never run by that code).
Each against hand formulas or central differences, in both modes."""
import dataclasses

import numpy as np
import pytest

import srcdiff
from srcdiff.errors import UnsupportedSyntaxError

MODES = ["reverse", "forward"]


# ---------------------------------------------------------------- items of a tuple of numbers


def unicycle(u, x0=(0.0, 0.5, 0.1)):
    x, y, th = x0
    x += u * np.cos(th)
    y += u * np.sin(th)
    th += 0.5 * u
    return x * y + th ** 2


def unicycle_hand(u, x0=(0.0, 0.5, 0.1)):
    x, y, th = x0
    X, Y, T = x + u * np.cos(th), y + u * np.sin(th), th + 0.5 * u
    return np.cos(th) * Y + X * np.sin(th) + T


@pytest.mark.parametrize("mode", MODES)
def test_plus_equals_on_items_unpacked_from_a_tuple_of_numbers(mode):
    g = srcdiff.grad(unicycle, mode=mode)
    assert np.isclose(g(0.7), unicycle_hand(0.7), rtol=1e-13)
    assert np.isclose(g(0.7, [1.0, 2.0, 0.3]), unicycle_hand(0.7, (1.0, 2.0, 0.3)), rtol=1e-13)


def shifted(u, x0):
    x, y = x0
    x += u * 2.0
    return np.sum(x * y)


@pytest.mark.parametrize("mode", MODES)
def test_a_tuple_of_arrays_after_one_of_numbers_is_refused_not_reused(mode):
    g = srcdiff.grad(shifted, mode=mode)
    assert np.isclose(g(0.3, (1.0, 2.0)), 4.0, rtol=1e-14)
    a, b = np.ones(2), np.full(2, 3.0)
    with pytest.raises(UnsupportedSyntaxError, match="in-place update"):
        g(0.3, (a, b))
    assert np.array_equal(a, np.ones(2))  # (the input is left as it was)


# ---------------------------------------------------------------- cls(...) in a classmethod


class Market:
    def __init__(self, spot, vol):
        self.spot = spot
        self.vol = vol

    @classmethod
    def from_dict(cls, d):
        return cls(d["spot"], d["vol"])

    @classmethod
    def scaled(cls, spot, vol, k=2.0):
        return cls(k * spot, vol=vol)

    def value(self):
        return self.spot * self.vol ** 2 + np.sin(self.spot)


class Shifted(Market):
    def value(self):
        return super().value() + self.spot


@dataclasses.dataclass
class Rates:
    short: float
    long: float

    @classmethod
    def flat(cls, r):
        return cls(r, r + 0.01)


def from_dict_value(d):
    return Market.from_dict(d).value()


def scaled_value(spot, vol):
    return Market.scaled(spot, vol).value() + Shifted.scaled(spot, vol, k=0.5).value()


def flat_curve(r):
    c = Rates.flat(r)
    return c.short * c.long


@pytest.mark.parametrize("mode", MODES)
def test_cls_called_in_a_classmethod_builds_the_object(mode):
    g = srcdiff.grad(from_dict_value, mode=mode)({"spot": 1.3, "vol": 0.4})
    assert np.isclose(g["spot"], 0.4 ** 2 + np.cos(1.3), rtol=1e-13)
    assert np.isclose(g["vol"], 2 * 1.3 * 0.4, rtol=1e-13)
    s, v = 1.3, 0.4
    gs, gv = srcdiff.grad(scaled_value, wrt=(0, 1), mode=mode)(s, v)
    want_s = 2 * (v ** 2 + np.cos(2 * s)) + 0.5 * (v ** 2 + np.cos(0.5 * s)) + 0.5
    assert np.isclose(gs, want_s, rtol=1e-13)
    assert np.isclose(gv, 2 * v * (2 * s + 0.5 * s), rtol=1e-13)
    assert np.isclose(srcdiff.grad(flat_curve, mode=mode)(0.03), 2 * 0.03 + 0.01, rtol=1e-13)
