"""srcdiff.check: SymPy for straight-line scalar code (at rounding level), finite
differences for loops and arrays, and a failing report for a wrong derivative."""
import math

import numpy as np
import pytest

import srcdiff

SCALE = 2.5


def two_params(x, y):
    z = x * y + y ** 2
    return math.sin(z) / (1 + x * x)


def int_power(x, n, flag):
    if flag:
        return x ** n + SCALE * x
    return math.exp(x) * n


def branchy(x):
    if x > 0:
        w = math.sqrt(x)
    else:
        w = -x * x
    return 3 * w + math.pi


def flat_parts(x):
    return round(x) * x + math.floor(2 * x) * x + x % 0.7


def looped(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * i)
    return s


def indexed(v):
    return v[0] * v[1] + math.cos(v[2])


def wrongly_ruled(x):
    return x * x


def uses_wrong_rule(x):
    return wrongly_ruled(x) + 1.0


def uses_wrong_rule_in_loop(x):
    s = x
    for _ in range(3):  # an odd count, so the wrong signs do not cancel
        s = wrongly_ruled(s)
    return s


def exact(x, y):
    """d/dx = y*cos(z)/(1+x^2) - 2x sin(z)/(1+x^2)^2, d/dy = (x+2y) cos(z)/(1+x^2)."""
    z = x * y + y ** 2
    t = 1 + x * x
    return (y * math.cos(z) / t - 2 * x * math.sin(z) / t ** 2, (x + 2 * y) * math.cos(z) / t)


def test_straight_line_uses_sympy_at_rounding_level():
    r = srcdiff.check(two_params, 1.5, 2.0, wrt=("x", "y"))
    assert r.ok and bool(r)
    assert r.method == "sympy"
    assert r.max_error < 1e-12
    for e, want in zip(r.entries, exact(1.5, 2.0)):
        assert abs(e.reference - want) <= 1e-13 * max(1, abs(want))
    text = str(r)
    assert "d/dx" in text and "d/dy" in text and "symbolic:" in text and "cos" in text
    assert "OK" in text and "tolerance" in text


@pytest.mark.parametrize("flag", [True, False])
def test_non_differentiated_int_power_and_flag_are_substituted(flag):
    r = srcdiff.check(int_power, 1.3, 3, flag)
    assert r.method == "sympy" and r.ok and r.max_error < 1e-12
    symbolic = r.entries[0].symbolic
    assert symbolic == ("3*x**2 + 2.5" if flag else "3*exp(x)")


@pytest.mark.parametrize("x", [1.7, -0.6])
def test_branch_on_the_input_is_a_piecewise(x):
    r = srcdiff.check(branchy, x)
    assert r.method == "sympy" and r.ok and r.max_error < 1e-12
    assert "Piecewise" in r.entries[0].symbolic


def test_flat_functions_lower_with_zero_derivative():
    r = srcdiff.check(flat_parts, 1.3)
    assert r.method == "sympy" and r.ok and r.max_error < 1e-12
    assert r.entries[0].reference == pytest.approx(round(1.3) + math.floor(2.6) + 1.0)


def test_int_argument_is_differentiated_as_a_float():
    r = srcdiff.check(two_params, 1, 2, wrt=1)
    assert r.method == "sympy" and r.ok
    assert [e.name for e in r.entries] == ["y"]


def test_loop_falls_back_to_finite_differences():
    r = srcdiff.check(looped, 0.7, 4)
    assert r.method == "finite-difference"
    assert r.ok and r.max_error < 1e-6
    want = sum(i * math.cos(0.7 * i) for i in range(4))
    assert r.entries[0].reference == pytest.approx(want, rel=1e-8)
    assert "loop" in str(r) and "finite-difference" in str(r)


def test_array_argument_is_checked_entry_by_entry():
    v = np.array([1.0, 2.0, 0.5])
    r = srcdiff.check(indexed, v)
    assert r.method == "finite-difference" and r.ok
    ref = r.entries[0].reference
    assert isinstance(ref, np.ndarray) and ref.shape == (3,)
    np.testing.assert_allclose(ref, [2.0, 1.0, -math.sin(0.5)], rtol=1e-8)


@pytest.fixture
def wrong_rule():
    srcdiff.register(wrongly_ruled, vjp=("-g * 2 * x",), sympy=lambda x: x ** 2)
    yield
    srcdiff.unregister(wrongly_ruled)


def test_wrong_derivative_fails_against_sympy(wrong_rule):
    r = srcdiff.check(uses_wrong_rule, 1.5)
    assert r.method == "sympy"
    assert not r.ok and not bool(r)
    assert r.entries[0].generated == pytest.approx(-3.0)
    assert r.entries[0].reference == pytest.approx(3.0)
    assert r.max_error > 1
    assert "MISMATCH" in str(r)


def test_wrong_derivative_fails_against_finite_differences(wrong_rule):
    r = srcdiff.check(uses_wrong_rule_in_loop, 1.5)
    assert r.method == "finite-difference"
    assert not r.ok and "MISMATCH" in str(r)


def test_bad_wrt_is_a_srcdiff_error():
    with pytest.raises(srcdiff.WrtError, match="x"):
        srcdiff.check(two_params, 1.0, 2.0, wrt="nope")


def nested_trig(x0, x1, x2, x3):  # found by the fuzzer (seed 1207): simplify took minutes
    v1 = -((x1 + x2) + x0)
    v1 *= 1.5 + 0.5 * math.sin(x0)
    x0 -= min(0.5, x0) + 1.5
    return math.atan2(x3, 2 + math.cos(v1)) - v1


def test_a_derivative_sympy_cannot_simplify_quickly_is_shown_unsimplified(monkeypatch):
    """Simplification is cosmetic: bounded in time, the check still compares the numbers."""
    import sys
    monkeypatch.setattr(sys.modules["srcdiff.check"], "SIMPLIFY_SECONDS", 0.2)
    report = srcdiff.check(nested_trig, 1.0, 0.0, -1.457, 0.683, wrt=(0, 1, 2, 3))
    assert report.ok and report.method == "sympy"
