"""Failures found by the fuzzer (tests/fuzz), each minimised to a module-level def.

Every test compares srcdiff with a hand-derived gradient (or with central
differences where noted) in the mode that failed; they stay failing until srcdiff
is fixed. Found by `python -m tests.fuzz.long` or `tests/test_fuzz.py`.
"""
import math

import numpy as np
import pytest

import srcdiff


def _fd(f, args, i, h=1e-6):
    """Central difference of scalar f along argument i (every entry for an array)."""
    def call(delta, k):
        a = [v.copy() if isinstance(v, np.ndarray) else v for v in args]
        if isinstance(a[i], np.ndarray):
            a[i][k] += delta
        else:
            a[i] += delta
        return float(f(*a))
    x = args[i]
    if not isinstance(x, np.ndarray):
        return (call(h, ()) - call(-h, ())) / (2 * h)
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        out[k] = (call(h, k) - call(-h, k)) / (2 * h)
    return out


# 1. A loop whose body is only a self-assignment: reverse mode emits a `for` with an
#    empty body, so building the derivative raises IndentationError (from compile).
def self_assign_in_loop(x):
    for _i in range(3):
        x = x
    return x * x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_self_assignment_in_loop_builds(mode):
    g = srcdiff.grad(self_assign_in_loop, mode=mode)
    assert g(1.5) == pytest.approx(3.0, rel=1e-12)


# 2. Forward mode with a float and an array parameter: the specialised forward sweep
#    seeds the array's tangent with the float 0.0, so `y_dot[1]` raises TypeError.
def float_times_array_entry(x, y):
    return x * y[1]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_float_and_array_parameters(mode):
    y = np.array([0.5, 2.0, -1.0])
    gx, gy = srcdiff.grad(float_times_array_entry, wrt=(0, 1), mode=mode)(3.0, y)
    assert gx == pytest.approx(2.0, rel=1e-12)
    np.testing.assert_allclose(gy, [0.0, 3.0, 0.0], rtol=1e-12)


# 3. A `continue` that is not taken, before the loop-carried update: reverse mode
#    returns a silently wrong gradient (0.3626 instead of 0.5551 at x=1.8, y=1.0);
#    forward mode is right.
def continue_not_taken(x, y):
    for _i in range(1):
        if y <= 0.5:
            continue
        x = x / (1.5 + 0.5 * math.sin(x))
    return x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_continue_not_taken_before_update(mode):
    x, y = 1.8, 1.0
    d = 1.5 + 0.5 * math.sin(x)
    want = 1 / d - x * 0.5 * math.cos(x) / d ** 2
    gx, gy = srcdiff.grad(continue_not_taken, wrt=(0, 1), mode=mode)(x, y)
    assert gx == pytest.approx(want, rel=1e-10)
    assert gy == 0.0
    assert want == pytest.approx(_fd(continue_not_taken, (x, y), 0), rel=1e-7)


# 4. Forward mode on a function with a non-scalar result (float times a row of a
#    matrix): a TypeError from inside the generated code instead of the
#    NonScalarOutputError reverse mode raises.
def float_times_matrix_row(x, y):
    return x * y[1]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_non_scalar_result_is_reported(mode):
    g = srcdiff.grad(float_times_matrix_row, wrt=(0, 1), mode=mode)
    with pytest.raises(srcdiff.NonScalarOutputError, match=r"\(3,\)"):
        g(0.7, np.arange(6.0).reshape(2, 3))


# 5. `srcdiff.check` on a short straight-line program does not finish (minutes in
#    SymPy's simplify -> factor, called by check's cosmetic `_simplified`): it hung
#    a worker of the long fuzz profile for more than 6 minutes (the same program
#    without the abs takes about 2 s).
def check_hangs_in_simplify(x0):
    x0 -= -2
    v1 = (1.5 + 0.1 * 0.1) ** math.sin(x0) - (math.atan2(x0, 2 + math.cos(x0)) - x0)
    v1 += v1 - 0.25
    v1 = abs(math.cos(v1))
    return x0 - v1


class _TooSlow(BaseException):
    """Not an Exception, so check's own `except Exception` cannot swallow it."""


def test_check_finishes_on_short_program():
    import signal

    def stop(*_):
        raise _TooSlow

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(30)
    try:
        report = srcdiff.check(check_hangs_in_simplify, 0.503)
    except _TooSlow:
        pytest.fail("srcdiff.check took more than 30 s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert report.ok and report.method == "sympy"


# 6. A loop whose body only copies a parameter, inside a taken branch: reverse mode
#    drops the copy's adjoint and returns (0.0, 0.0) at (3.0, 0.7) instead of
#    (0.0, 1.4); forward mode is right.
def copy_in_loop_in_branch(x0, x1):
    v1 = x0 - x1
    if v1 > 1.0:
        for _i in range(1):
            v1 = x1
    return x1 * v1


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("point, want", [((3.0, 0.7), (0.0, 1.4)), ((1.2, 0.7), (0.7, -0.2))])
def test_copy_in_loop_in_branch(mode, point, want):
    got = srcdiff.grad(copy_in_loop_in_branch, wrt=(0, 1), mode=mode)(*point)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


# 7. NumPy: a matrix rebuilt by np.outer inside a loop branch, then an early return:
#    reverse mode raises ValueError from `@` on a scalar adjoint (d_v1 = 0.0 on the
#    path that returned early).
def outer_in_loop_then_early_return(x0, x1):
    v1 = x1 * np.full((2, 3), 0.25)
    for _i2 in range(1, 2):
        if np.sum(v1) >= -0.5:
            v1 = np.outer(np.sum(v1, axis=1), x0)
    if np.sum(x0) * x1 >= -0.5:
        return np.sum(np.outer(np.sum(v1, axis=1), x0))
    return (((x1 - x1) + math.hypot(x1, 1 + x1 * x1)) * x1) + np.dot(-x0, np.minimum(x0, x0))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_outer_in_loop_then_early_return(mode):
    args = (np.array([-1.647, 0.303, 0.443]), 1.323)
    f = outer_in_loop_then_early_return
    gx0, gx1 = srcdiff.grad(f, wrt=(0, 1), mode=mode)(args[0].copy(), args[1])
    np.testing.assert_allclose(gx0, _fd(f, args, 0), rtol=1e-6, atol=1e-8)
    assert gx1 == pytest.approx(_fd(f, args, 1), rel=1e-6, abs=1e-8)


# 8. Forward mode: a value updated in a loop and then read in a branch: forward mode
#    returns 0.0 (the tangent of the loop's result is lost), the true derivative is
#    1.0 (-1 + 2); reverse mode is right.
def loop_update_read_in_branch(x):
    y = -x
    for _k in range(1):
        x = 2.0 * x
    if y < 0.25:
        y = y + x
    return y


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_loop_update_read_in_branch(mode):
    g = srcdiff.grad(loop_update_read_in_branch, mode=mode)
    assert g(0.093) == pytest.approx(1.0, rel=1e-12)
    assert g(-0.5) == pytest.approx(-1.0, rel=1e-12)  # branch not taken: y = -x


# 9-12. Found by the long profile against an earlier srcdiff; they pass on the current
#    one and stay as guards (smallest program of each class, as generated).
# 9. reverse and forward disagreed (1.9994713 vs 1.9994767 for d/dx0).
def loop_ifexp_then_atan(x0, x1):
    for i1 in range(4):
        x1 = (i1 / 3.0 if i1 == 1 else x0 * x1)
    v4 = math.atan(x0 + (x1 * x1))
    v5 = -v4
    return x0 - v5


# 10. reverse raised NameError: name 'saved' is not defined.
def helper_branches_after_loop_with_min(x0, x1, x2):
    for _i2 in range(3):
        x1 = min(math.sin(x2 - 1.5), (x1 + x2 if x2 > 0.0 else min(x2, x0)))
        if x2 > 0.25:
            continue
    x2 += math.tanh(x2) / (1.5 + x1 * x1)
    return _h_branches(x2) * x2


def _h_branches(a0):
    if a0 <= 0.5:
        a0 += ((a0 if a0 >= -0.5 else 2.0) if a0 * a0 < 0.0 else math.sqrt(1 + a0 * a0))
        a0 /= (1.5 + 0.5 * math.sin(a0 * 1.5))
    if (a0 if a0 > -0.5 else a0) > 0.5:
        a0 = (1.5 + (a0 / 0.5) * (a0 / 0.5)) ** math.sin(a0) - (0.1 if a0 <= 1.0 else a0 + a0)
        v1 = 1.5
        a0 += v1
    else:
        a0 *= (1.5 + 0.5 * math.sin(a0))
        a0 = math.log(2 + math.cos(a0))
    return a0 - a0


# 11. reverse gave 0.041209 instead of 0.123627 (break taken in a while loop: 160
#     programs of the long run failed like this).
def break_in_while_then_read(x0):
    if x0 - x0 < -1.0:
        return x0 * x0
    v1 = x0 * x0
    k2 = 0
    while k2 < 4:
        k2 += 1
        if x0 > -0.5:
            break
        v1 = x0
    v3 = v1
    return x0 * v3


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f, args", [
    (loop_ifexp_then_atan, (0.023, 0.003)),
    (helper_branches_after_loop_with_min, (-0.017, -0.197, -1.727)),
    (break_in_while_then_read, (0.203,)),
    (break_in_while_then_read, (-0.703,)),
], ids=["ifexp-atan", "helper-branches", "break-taken", "break-not-taken"])
def test_long_profile_finds(f, args, mode):
    got = srcdiff.grad(f, wrt=tuple(range(len(args))), mode=mode)(*args)
    for i, g in enumerate(got):
        assert g == pytest.approx(_fd(f, args, i), rel=1e-6, abs=1e-8), f"d/d arg {i}"


# 12. reverse raised UnboundLocalError (nested while loops calling a helper with a
#     branch). Its derivative is about 8e15 while |f| < 1e8, so finite differences are
#     useless here: reverse and forward are compared with each other.
def _h_nested(a0, a1):
    if 3.0 - a1 <= 1.0:
        a0 = (a1 if a1 <= a0 else a0)
        v1 = a0 + a1  # noqa: F841
    return a1 * a1


def nested_while_helper(x0):
    k2 = 0
    while k2 < 2:
        k2 += 1
        if 1.5 + x0 <= -1.0:
            continue
        if x0 > -0.5:
            if x0 > 0.0:
                continue
            if k2 == 1:
                continue
    k3 = 0
    while k3 < 1:
        k3 += 1
        v4 = _h_nested(math.hypot(x0, 1.5), x0 - x0) / 1.0  # noqa: F841
    v5 = x0 / (1.5 + x0 * x0)
    k6 = 0
    while k6 < 3:
        k6 += 1
        v5 -= _h_nested((1.5 + x0 * x0) ** math.sin(k6), math.log2(3 + math.sin(max(x0, k6))))
        k7 = 0
        while k7 < 2:
            k7 += 1
            v5 = (math.asin(0.9 * math.tanh(x0)) + x0) * (-(v5 * k6))
            v5 /= (1.5 + 0.5 * math.sin(v5 * (k6 / 2)))
    return _h_nested(v5, x0) - v5


def test_nested_while_helper_modes_agree():
    rev = srcdiff.grad(nested_while_helper, mode="reverse")(1.943)
    fwd = srcdiff.grad(nested_while_helper, mode="forward")(1.943)
    assert rev == pytest.approx(fwd, rel=1e-9)


def _h_int_branch(a0, a1):
    v1 = a0 if a0 >= 1.0 else 2
    return a1 * v1


def int_adjoint_in_one_branch(x0, x1):
    if x1 > -0.5:
        return _h_int_branch(x1, x0)
    return x0 * x1


def test_fuzz_adjoint_int_in_one_branch_is_still_a_float():
    """Found by the long profile: an adjoint that is the int 2 in one branch and a
    float in the other was taken for a float (no float() wrap): d/dx0 is 2 here."""
    for mode in ("reverse", "forward"):
        gx0, gx1 = srcdiff.grad(int_adjoint_in_one_branch, wrt=(0, 1), mode=mode)(0.033, 0.013)
        assert type(gx0) is float and gx0 == 2.0, mode
        assert type(gx1) is float and gx1 == 0.0, mode


def carried_value_never_read(x0):
    """Found by the long profile (a silently wrong 0.0 in reverse mode): the carried
    x is overwritten each trip from v, so its adjoint is zeroed at each reversed trip,
    after a pending sum that still read it."""
    v = -x0 * x0
    k = 0
    while k < 4:
        k += 1
        x0 = -v * 1.5
        v = -v ** 2
    return 3.0 * x0 - v


def test_fuzz_zeroed_carried_adjoint_is_read_first():
    x, h = -1.347, 1e-6
    want = (carried_value_never_read(x + h) - carried_value_never_read(x - h)) / (2 * h)
    for mode in ("reverse", "forward"):
        got = srcdiff.grad(carried_value_never_read, mode=mode)(x)
        assert got == pytest.approx(want, rel=1e-6), mode


def scaled_in_a_branch_of_a_loop(x0, x2, x3):
    """Found by the long profile (silently wrong in forward mode): `x2 = x2 * t` in a
    branch of a loop shared its name with the loop's x2 through the if's output, and
    its tangent (written after it, as it broadcasts to the result's shape) read the
    overwritten operand."""
    total = 0.0
    for _ in range(1, 4):
        if 0.5 * x3 >= -0.5:
            total = total + 1.0
        else:
            x2 = x2 * (1.5 + 0.5 * math.sin(-x0[2]))
        total = total + np.sum(np.abs(x2) + x3 * x2)
    return total


def test_fuzz_tangent_after_its_primal_never_reads_an_overwritten_operand():
    x0, x2, x3 = np.array([0.593, -0.737, 0.943]), np.array([-1.997, 1.893, -1.997]), -1.707
    h = 1e-6
    e = np.array([0.0, 0.0, h])
    want = (scaled_in_a_branch_of_a_loop(x0 + e, x2, x3)
            - scaled_in_a_branch_of_a_loop(x0 - e, x2, x3)) / (2 * h)
    for mode in ("reverse", "forward"):
        got = srcdiff.grad(scaled_in_a_branch_of_a_loop, mode=mode)(x0, x2, x3)
        assert got[2] == pytest.approx(want, rel=1e-6), mode


def doubled_then_compared(a0, a1):
    """Found by the long profile (silently wrong in reverse, present before this
    round): `a0` is read only for its shape by the inner loop's adjoint but for its
    value by the branch's; the tape kept one set of shape-only values for all records,
    so the loop body's record pushed a data-free stand-in where the branch needed
    the value."""
    for _ in range(1, 4):
        a0 = np.sum(a0 * np.full((2,), 2.0))
    if a0 >= a1:
        a1 = np.dot(np.maximum(a1 * np.full((3,), 2.0), a0 * np.full((3,), 2.0)),
                    a0 + a0 * np.full((3,), 0.1))
        a0 = math.log2(3 + math.sin((a1 * np.full((2,), 1.5))[1] / (1.5 + a0 * a0)))
    return a0 / 1.51 + a1


def stand_in_for_one_record(x1, x2):
    v = 0.0
    for i in range(1):
        v = doubled_then_compared(math.atan2(np.sum(x1), 2 + math.cos(x2[i])), 0.5)
    return -2.0 * v


def test_fuzz_a_value_stands_in_for_its_shape_only_in_the_records_that_need_only_that():
    x1 = np.array([[0.973, 1.453, -0.937], [0.723, -0.027, 1.893]])
    x2 = np.array([-1.287, -0.257, -0.987])
    h = 1e-6
    e = np.zeros_like(x1)
    e[0, 0] = h
    want = (stand_in_for_one_record(x1 + e, x2) - stand_in_for_one_record(x1 - e, x2)) / (2 * h)
    for mode in ("reverse", "forward"):
        got = srcdiff.grad(stand_in_for_one_record, mode=mode)(x1, x2)
        assert got[0, 0] == pytest.approx(want, rel=1e-7), mode


def cos_after_the_loop(x):
    """Found by the long profile (silently wrong in reverse mode): the adjoint of
    math.sin(v) inside the loop reused `math.cos(v)` computed after it, where v is the
    value the loop left with, not the value of each trip."""
    v = math.atan(x)
    k = 0
    while k < 2:
        k += 1
        v *= 1.5 + 0.5 * math.sin(v)
    unused = math.cos(v)  # noqa: F841
    w = v - 1.5
    return -w * w


def cos_after_a_for_loop(x):
    v = x
    for _ in range(3):
        v = v * (1.5 + 0.5 * math.sin(v))
    return math.cos(v) + v


def test_fuzz_a_call_after_a_loop_is_not_reused_inside_it():
    for f in (cos_after_the_loop, cos_after_a_for_loop):
        want = _fd(f, (0.3,), 0)
        for mode in ("reverse", "forward"):
            assert srcdiff.grad(f, mode=mode)(0.3) == pytest.approx(want, rel=1e-7), mode


def float_plus_a_list_items_adjoint(x0, x1):
    """Found by the long profile (the wrong type): an adjoint first a float (`d = -1.0`),
    then added a NumPy scalar (an item of a list's adjoint array), was taken for a float."""
    v1 = ([x0] + [x1, x0])[2] ** 2
    if x1 > -10.0:
        return -x0 + 0.0 * v1
    return v1


def test_fuzz_float_gradient_after_adding_a_numpy_scalar():
    for mode in ("reverse", "forward"):
        g0, g1 = srcdiff.grad(float_plus_a_list_items_adjoint, wrt=(0, 1), mode=mode)(
            0.033, 0.003)
        assert type(g0) is float and type(g1) is float, mode
        assert (g0, g1) == pytest.approx((-1.0, 0.0)), mode


def view_updated_in_a_loop(x1):
    v1 = -(x1 - 2)
    v2 = v1[0]
    for _ in range(2):
        v2 -= np.sum(v1)
    return np.sum(v2 * v2) + np.sum(v1)


def name_carried_out_of_a_loop(x0, x1, x2):
    for _ in range(3):
        x2 = x0
    x0 -= np.sum(x1)
    return np.sum(x2 * x0)


def test_fuzz_an_in_place_update_through_a_loop_carried_alias_is_refused():
    """Found by the long profile (silently wrong, present before this round): `v2 -= d`
    in a loop changes the row of `v1` that v2 views, and `x0 -= d` after `x2 = x0` in a
    loop changes x2; the IR's values did not. Both are located refusals now."""
    x = np.array([[0.083, -1.997, -1.997], [-1.237, -1.707, 0.273]])
    a = [np.array([1.0, 2.0]), np.array([0.5, 0.25]), np.array([3.0, 1.0])]
    for mode in ("reverse", "forward"):
        with pytest.raises(srcdiff.UnsupportedSyntaxError, match="in-place update"):
            srcdiff.grad(view_updated_in_a_loop, mode=mode)(x.copy())
        with pytest.raises(srcdiff.UnsupportedSyntaxError, match="in-place update"):
            srcdiff.grad(name_carried_out_of_a_loop, mode=mode)(*[v.copy() for v in a])


def asserts_then_returns(x0):
    assert x0 >= 0.0
    return math.sin(x0) - x0


def test_fuzz_check_lowers_a_function_with_an_assert_to_sympy():
    """Found by the long profile: srcdiff.check raised AttributeError lowering the kept
    assert to SymPy; an effect has no value there."""
    rep = srcdiff.check(asserts_then_returns, 0.033)
    assert rep.ok and rep.method == "sympy"


def len_of_a_list_of_active_values(x0, x1):
    for i, e in enumerate([x0, x1 * x1]):
        x0 = x0 + e * i
    return x0 * x1


def test_fuzz_check_of_a_loop_over_a_list_display_falls_back_to_differences():
    """Found by the long profile (grammar of issue 15.10): srcdiff.check raised
    AttributeError lowering `len([x0, ...])` to SymPy (a zero-derivative rule applied to a
    list of symbols); len runs on the list, and the loop falls back to differences.
    Hand gradient: f = (x0 + x1^2) x1, so (x1, x0 + 3 x1^2)."""
    rep = srcdiff.check(len_of_a_list_of_active_values, 0.7, 1.3, wrt=(0, 1))
    assert rep.ok
    for mode in ("reverse", "forward"):
        g = srcdiff.grad(len_of_a_list_of_active_values, wrt=(0, 1), mode=mode)(0.7, 1.3)
        np.testing.assert_allclose(g, (1.3, 0.7 + 3 * 1.3 ** 2), rtol=1e-12)


def numpy_scalar_adjoint_into_a_loop(x0, x1):
    for _ in range(2):
        x1 = x0 + 2.0
    return ([x1 + x1] + [3.0, 3.0 * x1])[2] - x1


def test_fuzz_a_float_gradient_through_a_loop_whose_adjoint_starts_as_a_numpy_scalar():
    """Found by the long profile: the adjoint reaching the reverse loop is a NumPy scalar
    (an item of a list's adjoint array) and 0.0 after the first trip; which adjoints are
    Python floats was read from the last trip only, so d_x0 came back np.float64 (issue
    15.17: a float parameter gets a float). Hand gradient: f = 2 x1 = 2 (x0 + 2): (2, 0)."""
    for mode in ("reverse", "forward"):
        g = srcdiff.grad(numpy_scalar_adjoint_into_a_loop, wrt=(0, 1), mode=mode)(-0.9, 0.4)
        assert g == (2.0, 0.0) and all(type(v) is float for v in g), g


def read_before_an_in_place_loop(x1, x2):
    x0 = math.sinh(math.sin(x1))
    for _ in range(2):
        k = 0
        while k < 1:
            k += 1
            x1 *= 1.5 + 0.5 * math.sin(x2)
            if k + x1 >= 0.0:
                break
    return x0 * x2


def test_fuzz_a_parameter_read_by_a_pending_gradient_keeps_its_name_from_a_loop():
    """Found by the long profile (silently wrong in reverse mode): the gradient of x1,
    still pending when the sweep ended (`d_x1 = d_x0 * cosh(sin(x1)) * cos(x1)`), read
    x1 after a (dead) loop had reused its name for its updated value. The values the
    returned gradients read count among those the sweep needs. Hand gradient:
    f = sinh(sin x1) x2: (cosh(sin x1) cos(x1) x2, sinh(sin x1))."""
    x1, x2 = -0.277, 1.323
    want = (math.cosh(math.sin(x1)) * math.cos(x1) * x2, math.sinh(math.sin(x1)))
    for mode in ("reverse", "forward"):
        got = srcdiff.grad(read_before_an_in_place_loop, wrt=(0, 1), mode=mode)(x1, x2)
        np.testing.assert_allclose(got, want, rtol=1e-13)


def shape_from_a_later_value(x0, x1):
    v1 = np.zeros(3)
    v1[np.array([2, 0, 2])] = np.minimum(x1, np.sum(x0))
    v1[[1, 1]] += np.sum(x0, axis=1)
    v2 = x0
    for _ in range(1):
        v1 = v1
        for _ in range(1, 2):
            x0 = x0
            v5 = np.zeros(3)
            v5[[2, 2, 2]] = x1
        x1 *= (1.5 + 0.5 * math.sin(math.exp(math.sin(-0.1))))
    v6 = (np.sum(v1) if abs(3.0) >= -1.0 else np.sum(v2))
    return ((-v6 / (1.5 + x1[1] * x1[1])) + v6) + np.dot(np.abs(v1), 2 + x1)


def test_fuzz_forward_mode_reads_a_shape_only_from_a_value_already_computed():
    """Found by the long profile (UnboundLocalError in forward mode): the tangent of
    `v1[[1, 1]] += ...` read its shape from `np.abs(v1)`, a value of the same shape
    computed only in the return statement. Against central differences."""
    x0 = np.array([[1.543, -1.007, 1.303], [1.993, 0.0, 1.793]])
    x1 = np.array([-0.427, 0.713, 1.833])
    want = [_fd(shape_from_a_later_value, [x0, x1], i) for i in (0, 1)]
    for mode in ("reverse", "forward"):
        got = srcdiff.grad(shape_from_a_later_value, wrt=(0, 1), mode=mode)(x0.copy(), x1.copy())
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


def raises_in_a_dead_condition(x0, x1, x2):
    v1 = max(math.atan2(x1 + 0.1, 2 + math.cos(0.5 + x0)),
             sum([x1 * x2, sum([2, 0.1] + [x1])] + [0.25 * x0]))
    for i2 in range(1):
        v3 = -(0.5 if v1 < -1.0 else (i2 if math.log(i2) < 0.5 else i2))  # noqa: F841
    v1 = (x1 if x1 <= -1.0 else math.cos(abs(x0)))
    return x0 * v1


def test_fuzz_a_condition_that_raises_is_kept_though_its_value_is_dead():
    """Found by the long profile (issue 15.7: a number where f raises): `math.log(0)` in
    the condition of a dead conditional expression; the condition, kept as written, was
    dropped as a dead store. The derivative raises the same error, in both modes."""
    with pytest.raises(ValueError, match="math domain error"):
        raises_in_a_dead_condition(0.743, -0.707, -1.197)
    for mode in ("reverse", "forward"):
        with pytest.raises(ValueError, match="math domain error"):
            srcdiff.grad(raises_in_a_dead_condition, wrt=(0, 1, 2), mode=mode)(
                0.743, -0.707, -1.197)


def asserts_near_the_point(x0, x1):
    v1 = math.exp(-x0 * x0)
    for _i, _e in enumerate([math.exp(math.sin(v1 * x1)), x0 + math.cos(x1), 0.5]):
        assert x0 > 0.0
        x1 = math.sin(x0)
    return x0 + v1


def test_fuzz_check_steps_inside_an_assert_near_the_point():
    """Found by the long profile: srcdiff.check's largest difference steps crossed the
    `assert x0 > 0` 0.013 away and the AssertionError escaped; like a math domain
    error, it marks steps to leave out. Hand gradient: (1 - 2 x0 exp(-x0^2), 0)."""
    rep = srcdiff.check(asserts_near_the_point, 0.013, 0.033, wrt=(0, 1))
    assert rep.ok
    g = srcdiff.grad(asserts_near_the_point, wrt=(0, 1))(0.013, 0.033)
    np.testing.assert_allclose(g, (1 - 2 * 0.013 * math.exp(-0.013 ** 2), 0.0), rtol=1e-13)


# A dead loop carried `v1` in the name of the branch value `v1 = x1 / t` the reverse
#    sweep reads after it (10k run, seed 1205): d/dx0 read the loop's -x0 instead.
def loop_overwrites_a_branch_value(x0, x1, x2):
    v1 = x1
    if x0 <= -0.5:
        v1 *= 1.5 + 0.5 * math.sin(v1 / 2.0)
    else:
        v1 /= 1.5 + 0.5 * math.sin(x0)
    x2 /= 1.5 + 0.5 * math.sin(-v1)
    for _ in [x0, x0, 0.5]:
        v1 -= v1 + x0
    return -x2 - x0 ** 3


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_fuzz_a_loop_does_not_reuse_the_name_of_a_value_the_reverse_sweep_reads(mode):
    at = (0.023, 0.013, 0.033)
    got = srcdiff.grad(loop_overwrites_a_branch_value, wrt=(0, 1, 2), mode=mode)(*at)
    x0, x1, x2 = at  # hand: v1 = x1 / a, a = 1.5 + sin(x0) / 2, b = 1.5 + sin(-v1) / 2
    a = 1.5 + 0.5 * math.sin(x0)
    v1 = x1 / a
    b = 1.5 + 0.5 * math.sin(-v1)
    dv1 = x2 / b ** 2 * 0.5 * math.cos(-v1) * -1  # d(-x2 / b) / d v1
    want = (dv1 * -x1 / a ** 2 * 0.5 * math.cos(x0) - 3 * x0 ** 2, dv1 / a, -1 / b)
    for g, w in zip(got, want):
        assert g == pytest.approx(w, rel=1e-10)


# Two names for one array both carried by a loop (v4 = x0; x0 reassigned in a dead
#    branch of the loop): whether the update `v4 /= ...` shared its array was read
#    after x0's own phi replaced it, so the in-place update of x0's array was missed
#    and the gradient was silently wrong (10k run, seed 1207). Now a located refusal.
def loop_carries_two_names_of_one_array(x0):
    v3 = np.exp(-x0[0] * x0[0])
    v4 = x0
    for i5 in range(1):
        if i5 >= 2:
            x0 = np.minimum(x0, v4)
        v4 /= 1.5 + 0.5 * np.sin(v3)
    return np.sum(np.dot(x0, v3))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_fuzz_an_update_of_an_array_two_carried_names_share_is_refused(mode):
    x = np.array([[1.123, -1.257, -0.717], [-0.747, -1.637, -1.467]])
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="in-place update"):
        srcdiff.grad(loop_carries_two_names_of_one_array, mode=mode)(x)
