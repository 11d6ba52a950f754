"""Regressions found by the differential fuzzer, each a silently wrong or crashing
derivative before its fix; checked against a hand-derived formula or central
finite differences, in both modes."""
import math

import numpy as np
import pytest

import srcdiff

import fuzzed_nested_breaks as fuzzed  # the fuzzer's program, verbatim


def _fd(f, args, i, h=1e-6):
    a, b = list(args), list(args)
    a[i] = a[i] + h
    b[i] = b[i] - h
    return (f(*a) - f(*b)) / (2 * h)


# A pending adjoint rewritten (saved before an overwrite) was then flushed with its
# stale expression: the derivative came out as -1.47 instead of -0.53.
def branch_value_before_update(x0, c):
    for _k in range(1):
        x0 = math.atan2(x0, 2.0) - (x0 if c else x0)
    return x0


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("c", [True, False])
def test_branch_value_before_update(mode, c):
    got = srcdiff.grad(branch_value_before_update, mode=mode)(0.5, c)
    want = 2.0 / (4.0 + 0.25) - 1.0
    assert got == pytest.approx(want, rel=1e-12)


# A carried swap whose pending sum grew long was written in two statements, the
# second reading the first's result.
def long_swap(a, b):
    for _k in range(3):
        a, b = b, a * b * 0.5 + math.cos(a) * math.sin(b) + math.exp(-a * a) * b
    return a + 2 * b


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_long_swap(mode):
    got = srcdiff.grad(long_swap, wrt=(0, 1), mode=mode)(0.3, 0.7)
    for i in range(2):
        assert got[i] == pytest.approx(_fd(long_swap, (0.3, 0.7), i), rel=1e-6)


# abs of a NumPy scalar: its derivative template subtracted two NumPy bools.
def abs_of_sum(x):
    return abs(np.sum(x)) * np.dot(x, x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_abs_of_numpy_scalar(mode):
    x = np.array([-2.0, 0.5, 0.25])
    got = srcdiff.grad(abs_of_sum, mode=mode)(x)
    s = np.sum(x)
    want = np.sign(s) * np.dot(x, x) + abs(s) * 2 * x
    np.testing.assert_allclose(got, want, rtol=1e-12)


# math.prod had no rule (a NotDifferentiableError); its derivative is the product of
# the other factors, exact when one of them is zero.
def prods(x, y):
    return math.prod([x, y, x + y]) + math.prod([x, 0.0, y])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_math_prod(mode):
    got = srcdiff.grad(prods, wrt=(0, 1), mode=mode)(1.5, 2.0)
    assert got == pytest.approx((2.0 * 3.5 + 1.5 * 2.0, 1.5 * 3.5 + 1.5 * 2.0), rel=1e-12)


# A branch that keeps a loop-carried value in one arm and replaces it in the other:
# the adjoint was zeroed before the reverse `if`, where its name still held the
# next iteration's adjoint (0.04 instead of 0.12 here; 160 fuzzed programs).
def keep_or_replace(x0, c):
    v1 = x0 * x0
    k = 0
    while k < 4:
        k += 1
        if c:
            break
        v1 = x0
    return x0 * v1


def swap_in_branch(x0, x1):
    for i1 in range(4):
        x1 = (i1 / 3.0 if i1 == 1 else x0 * x1)
    return x0 + math.atan(x0 + x1 * x1)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_value_kept_in_one_branch(mode):
    assert srcdiff.grad(keep_or_replace, mode=mode)(0.2, True) == pytest.approx(0.12, rel=1e-12)
    assert srcdiff.grad(keep_or_replace, mode=mode)(0.2, False) == pytest.approx(0.4, rel=1e-12)
    got = srcdiff.grad(swap_in_branch, wrt=(0, 1), mode=mode)(0.023, 0.003)
    for i in range(2):
        assert got[i] == pytest.approx(_fd(swap_in_branch, (0.023, 0.003), i), rel=1e-6,
                                       abs=1e-9)


# A pending adjoint rewritten in one branch of an if (to read a saved copy) was
# changed in the other branch too: UnboundLocalError in the generated code.
def min_in_loop(x0, x1, x2):
    for _i in range(3):
        x1 = min(math.sin(x2 - 1.5), (x1 + x2 if x2 > 0.0 else min(x2, x0)))
    return x1


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("point", [(-0.017, -0.197, -1.727), (0.3, -0.2, 0.4)])
def test_pending_adjoint_shared_by_branches(mode, point):
    got = srcdiff.grad(min_in_loop, wrt=(0, 1, 2), mode=mode)(*point)
    for i in range(3):
        assert got[i] == pytest.approx(_fd(min_in_loop, point, i), rel=1e-6, abs=1e-9)



# Nested loops that both break shared one break flag: an error ("changing kind inside
# the loop", 282 fuzzed programs) or, with the inner loop in an inlined helper, a
# silently wrong derivative (-1.7156 instead of -2.2223 for the program below).
def nested_breaks(x, y):
    k = 0
    while k < 3:
        k += 1
        for i in range(4):
            y = y * 1.1 + x
            if i >= 1:
                break
        x = x * 1.2
        if y > 100:
            break
    return y


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_nested_breaks(mode):
    for point in ((0.5, 0.3), (3.0, 50.0)):
        got = srcdiff.grad(nested_breaks, wrt=(0, 1), mode=mode)(*point)
        for i in range(2):
            assert got[i] == pytest.approx(_fd(nested_breaks, point, i), rel=1e-6)
    point = (-0.707, 1.443, -0.987)
    got = srcdiff.grad(fuzzed.fz_program, wrt=(0, 1, 2), mode=mode)(*point)
    for i in range(3):
        assert got[i] == pytest.approx(_fd(fuzzed.fz_program, point, i), rel=1e-6,
                                       abs=1e-9)


# An in-place update of an array (`+=` on a parameter, in a loop) whose own item is
# read on the right: the scatter of x0[i]'s adjoint read the buffer it was changing.
def update_reading_own_item(x0):
    for i1 in range(1):
        x0 += x0 + (-x0[i1])
    return 0.5 * x0[1]


# A helper called in a condition changed its array argument in place: it ran as
# written inside the derivative (changing values the reverse sweep reads).
def halves_in_place(a0):
    k = 0
    while k < 1:
        k += 1
        a0 /= 2.0  # <- in place
    return np.sum(a0)


def calls_mutating_helper(x0):
    v = x0[1] * np.sum(x0)
    return v if halves_in_place(x0) > -1.0 else -v


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_in_place_update_reading_itself(mode):
    x = np.array([0.003, 0.003, 0.003])
    got = srcdiff.grad(update_reading_own_item, mode=mode)(x)
    np.testing.assert_allclose(got, [-0.5, 1.0, 0.0], rtol=1e-12)


def test_helper_changing_its_argument_in_a_condition_is_an_error():
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as info:
        srcdiff.grad(calls_mutating_helper)(np.array([1.0, 2.0, 3.0]))
    assert "in-place" in str(info.value)
