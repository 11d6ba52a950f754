"""A search (bisection, ternary search) moves values with no derivative by comparisons
with a differentiated value: its derivative as written is zero while the result moves
with that value, so srcdiff refuses it at the test. Loops that branch on a
differentiated value without narrowing a bracket are differentiated, checked against
central differences."""
import math

import pytest

import srcdiff
from srcdiff.errors import NotDifferentiableError


def _g(x, c):
    return x ** 3 + c * x - 5


def bisect_for(c, lo=0.0, hi=3.0):
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _g(lo, c) * _g(mid, c) <= 0:
            hi = mid
        else:
            lo = mid
    return mid * c


def bisect_while(c):
    lo, hi = 0.0, 3.0
    while hi - lo > 1e-12:
        mid = 0.5 * (lo + hi)
        if mid ** 3 + c * mid - 5 > 0:
            hi = mid
        else:
            lo = mid
    return mid


def ternary(c):
    lo, hi = -2.0, 3.0
    for _ in range(80):
        m1 = lo + (hi - lo) / 3
        m2 = hi - (hi - lo) / 3
        if (m1 - c) ** 2 < (m2 - c) ** 2:
            hi = m2
        else:
            lo = m1
    return (lo + hi) / 2


def golden(c):
    gr = (math.sqrt(5) + 1) / 2
    a, b = -3.0, 4.0
    cc = b - (b - a) / gr
    d = a + (b - a) / gr
    for _ in range(90):
        if (cc - c) ** 2 + 0.1 * cc < (d - c) ** 2 + 0.1 * d:
            b = d
            d = cc
            cc = b - (b - a) / gr
        else:
            a = cc
            cc = d
            d = a + (b - a) / gr
    return (a + b) / 2


def golden_points_carried(c, lo=-2.0, hi=3.0):
    """Golden-section search as it is often written: the two points computed at the
    end of a trip and compared in the next (`hi = d`, a carried point; it was
    differentiated as written, the argmin's derivative then silently dm/dc = 0)."""
    f = lambda x: (x - c) ** 2 + math.sin(3 * x)  # noqa: E731
    gr = (math.sqrt(5) - 1) / 2
    p, q = hi - gr * (hi - lo), lo + gr * (hi - lo)
    for _ in range(60):
        if f(p) < f(q):
            hi = q
        else:
            lo = p
        p, q = hi - gr * (hi - lo), lo + gr * (hi - lo)
    return 0.5 * (lo + hi) * c


@pytest.mark.parametrize("f, line", [(bisect_for, "if _g(lo, c) * _g(mid, c) <= 0:"),
                                     (golden_points_carried, "if f(p) < f(q):"),
                                     (bisect_while, "if mid ** 3 + c * mid - 5 > 0:"),
                                     (ternary, "if (m1 - c) ** 2 < (m2 - c) ** 2:"),
                                     (golden, "if (cc - c) ** 2 + 0.1 * cc < (d - c) ** 2")])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_search_is_refused_at_its_test(f, line, mode):
    with pytest.raises(NotDifferentiableError) as e:
        if mode == "grad":
            srcdiff.grad(f)(1.3)
        else:
            srcdiff.jvp(f, (1.3,), (1.0,))
    msg = str(e.value)
    assert ("`hi`, `lo`" in msg or "`cc`, `d`" in msg) and "search" in msg and line in msg


def bounce(x0, n=200, dt=0.05):
    x, v = x0, -1.0
    for _ in range(n):
        x = x + v * dt
        if x < 0:
            v = -0.9 * v
            x = -x
    return x


def switch(ts, n=100):
    v, t = 0.0, 0.0
    for _ in range(n):
        if t < ts:
            v = v + 0.1
        else:
            v = v - 0.1
        t = t + 0.01
    return v + math.sin(ts)


def chatter(x):
    for _ in range(50):
        if x > 0:
            x = x - 0.3
        else:
            x = x + 0.2
    return x * x


def halvings(x):
    n = 0
    while x > 1.0:
        x = x / 2
        n += 1
    return x * n


def landing(angle, speed=20.0, drag=0.05, dt=0.01):
    """Integrate until the projectile lands: the test reads the loop's own state."""
    x, y = 0.0, 0.0
    vx, vy = speed * math.cos(angle), speed * math.sin(angle)
    while True:
        v = math.hypot(vx, vy)
        x_new, y_new = x + dt * vx, y + dt * vy
        vx, vy = vx - dt * drag * v * vx, vy - dt * (9.81 + drag * v * vy)
        if y_new < 0:
            return x + (x_new - x) * y / (y - y_new)
        x, y = x_new, y_new


@pytest.mark.parametrize("f, x", [(bounce, 1.37), (switch, 0.333), (chatter, 1.01),
                                  (halvings, 5.3), (landing, 0.7)])
def test_branching_loops_that_search_nothing_are_differentiated(f, x):
    h = 1e-6
    want = (f(x + h) - f(x - h)) / (2 * h)
    assert srcdiff.grad(f)(x) == pytest.approx(want, rel=1e-6, abs=1e-8)
    assert srcdiff.jvp(f, (x,), (1.0,))[1] == pytest.approx(want, rel=1e-6, abs=1e-8)
