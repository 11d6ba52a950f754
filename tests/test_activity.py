"""activity.analyze: which values are active (varied by `wrt` and useful to the
result), and the rejection, at its line, of an active use of something with no
derivative. Assertions are on the hints of the active values."""
import cmath
import math

import numpy as np
import pytest

import srcdiff
from ir_util import hints, ir_of
from srcdiff import activity
from srcdiff.errors import NotDifferentiableError, UnsupportedSyntaxError


def active_hints(f, wrt: str) -> set[str]:
    fn = ir_of(f)
    return hints(fn, activity.analyze(fn, [p for p in fn.params if p.hint == wrt]))


def mixed(x, y, k):
    a = x * y
    b = math.floor(y)
    c = k + 1
    s = srcdiff.stop_gradient(x) * y
    return a + b + c + s


def test_only_values_on_a_path_from_wrt_to_the_result_are_active():
    assert active_hints(mixed, "x") == {"x", "a", "a_plus_b", "total", "result"}
    assert {"y", "a", "s"} <= active_hints(mixed, "y")
    assert {"c", "k"} <= active_hints(mixed, "k")


def test_a_zero_derivative_rule_stops_activity():
    assert "b" not in active_hints(mixed, "y")  # floor(y)


def test_stop_gradient_stops_activity():
    assert "s" not in active_hints(mixed, "x")


def varied_not_useful(x):
    u = math.sin(x)
    v = u * 3  # noqa: F841 (varied, and never read)
    return x * 2


def test_a_varied_value_the_result_does_not_read_is_not_active():
    assert active_hints(varied_not_useful, "x") == {"x", "result"}


def useful_not_varied(x, w):
    c = math.exp(w)
    return x * c


def test_a_useful_value_wrt_does_not_reach_is_not_active():
    assert active_hints(useful_not_varied, "x") == {"x", "result"}
    assert active_hints(useful_not_varied, "w") == {"w", "c", "result"}


def one_step_late(x, n):
    a = 1.0
    b = 1.0
    for _ in range(n):
        b = a * 2.0
        a = x
    return b


def test_activity_flows_around_a_loop_to_a_fixpoint():
    # b reads a's value from the previous iteration: active only via the back edge
    assert active_hints(one_step_late, "x") == {"x", "a", "b"}


def dot_loop(x, w, n):
    s = 0.0
    c = 0.0
    for i in range(n):
        s = s + x * w[i]
        c = c + i
    return s + c


def test_a_loop_counter_and_what_only_it_feeds_are_not_active():
    act = active_hints(dot_loop, "x")
    assert {"x", "s"} <= act and not {"c", "i", "n", "w"} & act
    assert active_hints(dot_loop, "n") == set()


def branch(x, c):
    if c > 0:
        y = x * 2
    else:
        y = c
    return y


def test_an_if_output_is_active_when_either_branch_value_is():
    act = active_hints(branch, "x")
    assert act == {"x", "y"}  # the then-value and the phi, both `y`
    assert "cond" not in act


def gamma_of_x(x, y):
    return cmath.phase(x) * y


def gamma_of_constant(x, k):
    c = cmath.phase(k)
    return x * c


def test_an_active_call_without_a_derivative_rule_is_rejected_at_its_line():
    fn = ir_of(gamma_of_x)
    with pytest.raises(NotDifferentiableError, match="cmath.phase has no derivative rule") as e:
        activity.analyze(fn, fn.params[:1])
    assert e.value.loc.lineno == gamma_of_x.__code__.co_firstlineno + 1
    assert "register" in str(e.value)


def test_an_inactive_call_without_a_derivative_rule_is_fine():
    fn = ir_of(gamma_of_x)
    assert hints(fn, activity.analyze(fn, fn.params[1:])) == {"y", "result"}
    assert active_hints(gamma_of_constant, "x") == {"x", "result"}


def unwrapped(x):
    v = np.unwrap(x)
    return v * 2


def test_a_numpy_call_without_a_rule_is_rejected_when_active():
    fn = ir_of(unwrapped)
    with pytest.raises(NotDifferentiableError, match="np.unwrap"):
        activity.analyze(fn, fn.params)


def copy_into(x):
    out = np.zeros(3)
    np.copyto(out, x)
    return np.sum(out)


def printed(x):
    print(x)
    return x * 2


def test_a_call_for_its_effect_on_a_varied_value_is_rejected_but_print_is_not():
    fn = ir_of(copy_into)
    with pytest.raises(UnsupportedSyntaxError, match="np.copyto") as e:
        activity.analyze(fn, fn.params)
    assert e.value.loc.lineno == copy_into.__code__.co_firstlineno + 2
    assert active_hints(printed, "x") == {"x", "result"}
