"""Issue 17, items 2 and 5: how real programs are organised.

Helpers returning tuples (an RK4 step whose right-hand side returns `(dx, dy)`,
`mean, std = _stats(v)`, `r = helper(x); r[0]`), dicts built inside f, names
assigned only inside a loop, `for`/`else`, `raise` in a branch, `print` with
f-strings, `~mask`, `*args` in calls, `np.random.default_rng` inside f. Every
derivative is checked in both modes (`grad` reverse and forward, and `jvp`)
against central finite differences or a hand formula.
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from test_issue15 import assert_all_modes, fd_grad

import srcdiff
from srcdiff import SrcDiffError, UnsupportedSyntaxError
from source_text import code


def check(f, x, *rest, want=None):
    """grad (both modes) and jvp agree with `want` (default: finite differences)."""
    assert_all_modes(f, x, fd_grad(f, x, *rest) if want is None else want, *rest)


# ---------------------------------------------------------------- helpers returning tuples

def lotka_volterra(x, y, a, b):
    return a * x - b * x * y, 0.4 * x * y - 0.6 * y


def rk4_prey(a, b):
    """RK4 whose right-hand side returns a tuple."""
    dt, steps = 0.05, 20
    x, y = 1.0, 0.5
    for _ in range(steps):
        k1x, k1y = lotka_volterra(x, y, a, b)
        k2x, k2y = lotka_volterra(x + dt / 2 * k1x, y + dt / 2 * k1y, a, b)
        k3x, k3y = lotka_volterra(x + dt / 2 * k2x, y + dt / 2 * k2y, a, b)
        k4x, k4y = lotka_volterra(x + dt * k3x, y + dt * k3y, a, b)
        x = x + dt / 6 * (k1x + 2 * k2x + 2 * k3x + k4x)
        y = y + dt / 6 * (k1y + 2 * k2y + 2 * k3y + k4y)
    return x * y


def rk4_prey_b(b, a):
    return rk4_prey(a, b)


def oscillator(x, v):
    return v, -x


def euler_state(x0):
    """The state is a tuple carried by the loop; the step returns a new one."""
    state = (x0, 0.0)
    for _ in range(10):
        dx, dv = oscillator(*state)
        state = (state[0] + 0.1 * dx, state[1] + 0.1 * dv)
    return state[0] ** 2 + state[1]


def _stats(v):
    m = np.mean(v)
    return m, np.std(v)


def standardized_spread(v):
    mean, std = _stats(v)
    return std / mean


def indexed(x):
    r = oscillator(x, x * x)
    return r[0] * r[1] + r[-1] + len(r)


def sliced(x):
    r = (x, 2 * x, 3 * x)
    head = r[:2]
    return head[0] * head[1] * r[2]


def branchy(x):
    if x > 0:
        return x, 1.0
    return -x, -1.0


def uses_branchy(x):
    a, s = branchy(x)
    return a * a * s


def nested(x):
    return (x, (2 * x, 3 * x)), 4 * x


def uses_nested(x):
    (a, (b, c)), d = nested(x)
    return a * b + c * d


def loop_return(x):
    for i in range(5):
        if x * i > 2:
            return x * i, i
    return x, 0


def uses_loop_return(x):
    v, i = loop_return(x)
    return v * v + i


@pytest.mark.parametrize("f, x", [
    (euler_state, 0.7), (indexed, 1.3), (sliced, 0.9), (uses_branchy, 1.5),
    (uses_branchy, -1.5), (uses_nested, 0.8), (uses_loop_return, 0.3), (uses_loop_return, 1.7),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_helpers_returning_tuples(f, x):
    check(f, x)


def test_rk4_with_a_tuple_right_hand_side():
    check(rk4_prey, 1.0, 0.5)
    check(rk4_prey_b, 0.5, 1.0)


def mixed_loop_returns(x):
    for i in range(3):
        if x > i:
            return x, i
    for j in range(3):
        if x < -j:
            return x, j, 0
    return x, 0


def uses_mixed_loop_returns(x):
    return mixed_loop_returns(x)[0] * x


def test_tuples_of_two_shapes_returned_from_helper_loops_are_refused_in_words():
    with pytest.raises(UnsupportedSyntaxError, match="the value returned inside a loop") as e:
        srcdiff.grad(uses_mixed_loop_returns)(0.5)
    assert "__ret" not in str(e.value)


def test_stats_helper_returns_a_tuple_of_array_statistics():
    v = np.array([1.0, 2.0, 4.0, 7.0])
    n, m, s = v.size, v.mean(), v.std()
    want = ((v - m) / (n * s)) / m - s / (m * m) / n  # d(s/m) = ds/m - s dm/m^2
    check(standardized_spread, v, want=want)


def test_rk4_source_reads_like_hand_code():
    src = code(srcdiff.grad(rk4_prey).source)
    assert "k1x = a * x - t * y" in src or "k1x = " in src
    for text in ("pack", "items", "lotka_volterra(", "[0]"):
        assert text not in src, text


def test_a_tuple_result_of_f_itself_is_still_refused():
    def f(x):
        return oscillator(x, x)

    with pytest.raises(SrcDiffError, match="returns a tuple"):
        srcdiff.grad(f)(1.0)


def test_tuple_errors_are_located():
    def out_of_range(x):
        r = oscillator(x, x)
        return r[2]

    def grows(x):
        t = (x,)
        for _ in range(3):
            t = t + (x,)
        return t[0]

    with pytest.raises(UnsupportedSyntaxError, match="tuple of 2 items at 2") as e:
        srcdiff.grad(out_of_range)
    assert e.value.lineno == out_of_range.__code__.co_firstlineno + 2


# ---------------------------------------------------------------- dicts built inside f

def dict_display(x):
    d = {"a": x * 2, "b": 3.0}
    return d["a"] * x + d["b"]


def dict_updates(x):
    stats = {}
    stats["sum"] = x * 3
    stats["sq"] = x * x
    stats["sq"] += x
    return stats["sq"] - stats["sum"] ** 2 / 4 + stats.get("missing", 1.0)


def dict_in_branches(x):
    d = {"v": x}
    if x > 0:
        d["v"] = d["v"] * 2
    return d["v"] * x


def dict_in_a_loop(x):
    acc = {"s": 0.0, "p": 1.0}
    for i in range(4):
        acc["s"] = acc["s"] + x * i
        acc["p"] = acc["p"] * x
    return acc["s"] + acc["p"]


def _params(x):
    return {"scale": x * x, "shift": 1.0}


def _apply(p, y):
    return p["scale"] * y + p["shift"]


def dict_through_helpers(x):
    p = _params(x)
    return _apply(p, x) + sum_values(p)


def sum_values(p):
    total = 0.0
    for v in p.values():
        total = total + v
    return total


@pytest.mark.parametrize("f, x", [(dict_display, 1.5), (dict_updates, 0.7),
                                  (dict_in_branches, 1.2), (dict_in_branches, -1.2),
                                  (dict_in_a_loop, 1.1), (dict_through_helpers, 0.6)],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_dicts_built_inside_f(f, x):
    check(f, x)


def test_dict_source_reads_like_hand_code():
    src = code(srcdiff.grad(dict_display).source)
    assert "{" not in src.split("\n", 1)[1] and "'a'" not in src


def aliased(x):
    d = {"a": x}
    e = d
    d["a"] = 2 * x
    return e["a"]


def runtime_key(x, k):
    d = {0: x, 1: 2 * x}
    return d[k]


def string_key(x, k):
    d = {"a": x, "b": 3 * x}
    return d[k]


@pytest.mark.parametrize("f, words", [(aliased, "the dict 'd' that the name 'e' also holds"),
                                      (runtime_key, "a dict key computed at run time")])
def test_dict_refusals_are_located(f, words):
    with pytest.raises(UnsupportedSyntaxError, match=words):
        srcdiff.grad(f)(1.0, 1)


def test_a_string_key_argument_is_a_constant_of_the_build():
    g = srcdiff.grad(string_key)  # as `ACTIVATIONS[name]`: the derivative is built per string
    assert g(1.0, "a") == 1.0 and g(1.0, "b") == 3.0 and g(1.0, "a") == 1.0


# ---------------------------------------------------------------- item 5: everyday constructs

def newton_sqrt(a):
    """`x_new` is assigned only inside the loop and read after it."""
    x = a
    err = 1.0
    while err > 1e-13:
        x_new = 0.5 * (x + a / x)
        err = abs(x_new - x)
        x = x_new
    return x_new


def last_in_loop(x, n):
    for i in range(n):
        y = x * (i + 1)
    return y * x


def for_else(x):
    y = x
    for _ in range(5):
        y = y * 1.1
        if y > 3.0:
            z = y * 2
            break
    else:
        z = -y
    return z * x


def raises_in_branch(x):
    if x < 0:
        raise ValueError(f"x must be non-negative, got {x}")
    return x * math.sqrt(x)


def prints(x):
    y = x * x
    print(f"y = {y:.3f}")
    return y * x


def masks(x):
    m = x > 0
    keep = ~m & (x > -5)
    return np.sum(np.where(keep, x * x, 0.0)) + np.sum(x[~m] ** 3)


def star_args(x):
    shape = (3,)
    args = (x, 2.0)
    return np.sum(np.zeros(*shape) + np.multiply(*args))


def star_args_at_run_time(x, shape):
    return np.sum(np.zeros(*shape) + x * x)


def random_constants(x):
    rng = np.random.default_rng(7)
    skipped = rng.normal(size=3)  # unused, but it advances the generator
    noise = rng.normal(size=3)
    return np.sum(x * noise) + 0.0 * skipped[0]


@pytest.mark.parametrize("f, x, want", [
    (newton_sqrt, 2.0, 0.5 / math.sqrt(2.0)),
    (for_else, 1.0, 1.1 ** 5 * -2),  # y never exceeds 3: the else runs, z = -y
    (for_else, 2.5, 4 * 1.1 ** 2 * 2.5),  # breaks on the second trip: z = 2 * 1.21 x
    (raises_in_branch, 2.0, 1.5 * math.sqrt(2.0)),
    (prints, 1.5, 3 * 1.5 ** 2),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_everyday_constructs(f, x, want):
    check(f, x, want=want)


def test_everyday_array_constructs():
    check(last_in_loop, 1.5, 4, want=2 * 4 * 1.5)
    x = np.array([1.0, -2.0, -6.0])
    check(masks, x)
    check(star_args, x, want=np.full(3, 2.0))
    for mode in ("reverse", "forward"):  # (jvp would differentiate `shape` too)
        got = srcdiff.grad(star_args_at_run_time, mode=mode)(x, (3,))
        np.testing.assert_allclose(got, 2 * x, rtol=1e-12)
    noise = np.random.default_rng(7).normal(size=6)[3:]
    check(random_constants, np.array([1.0, 2.0, 3.0]), want=noise)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_the_derivative_raises_where_f_does(mode):
    g = srcdiff.grad(raises_in_branch, mode=mode)
    with pytest.raises(ValueError, match="got -1.0"):
        g(-1.0)
    assert "raise ValueError" in g.source
    g0 = srcdiff.grad(last_in_loop, mode=mode)
    with pytest.raises(UnboundLocalError):
        last_in_loop(1.0, 0)
    with pytest.raises(UnboundLocalError):
        g0(1.0, 0)


def test_raise_source_reads_like_hand_code():
    src = code(srcdiff.grad(raises_in_branch).source)
    body = src.split("if x < 0:\n        raise ValueError(", 1)[1]
    assert "if " not in body and "else" not in body, src


def test_print_runs_once_with_its_f_string(capsys):
    for mode in ("reverse", "forward"):
        srcdiff.grad(prints, mode=mode)(2.0)
        assert capsys.readouterr().out == "y = 4.000\n"


def test_a_loop_that_runs_is_not_checked():
    def first_root(a):
        x = a
        while True:
            x_new = 0.5 * (x + a / x)
            if abs(x_new - x) < 1e-13:
                break
            x = x_new
        return x_new

    check(first_root, 3.0, want=0.5 / math.sqrt(3.0))
    assert "UnboundLocalError" not in srcdiff.grad(first_root).source


def implicit_euler(k):
    """Newton inside a time loop: the inner loop's y_new became the outer y's name
    while the inner loop still read y (a silent wrong derivative, 0.0, in both
    modes before coalesce.py dated a loop's carried values from the loop's start)."""
    y = 0.7
    for _ in range(5):
        guess = y
        change = 1.0
        y_new = 0.0
        while change > 1e-12:
            y_new = _newton_step(guess, y, k)
            change = abs(y_new - guess)
            guess = y_new
        y = y_new
    return y


def _newton_step(guess, y, k):
    return guess - (guess - y + 0.2 * k * guess ** 3) / (1 + 0.6 * k * guess ** 2)


def implicit_euler_unassigned(k):
    y = 0.7
    for _ in range(5):
        guess, change = y, 1.0
        while change > 1e-12:
            y_new = _newton_step(guess, y, k)
            change, guess = abs(y_new - guess), y_new
        y = y_new
    return y


@pytest.mark.parametrize("f", [implicit_euler, implicit_euler_unassigned])
def test_nested_loops_carrying_a_name_into_the_outer_one(f):
    check(f, 1.0)


# ---------------------------------------------------------------- item 4: functions as values

def nested_def(x):
    scale = 3.0

    def bump(t, power=2):
        return scale * np.exp(-t ** power)

    scale = 2.0  # a closure reads the name when it is called
    return np.sum(bump(x) * x)


def lambda_closure(x, y):
    sq = lambda v: v @ v  # noqa: E731
    w = y * 2
    shifted = lambda v, c=1.0: np.sum((v - w) ** 2) * c  # noqa: E731
    return sq(x) + shifted(x)


def _integrate(fn, a, b, n=8):
    h = (b - a) / n
    total = 0.5 * (fn(a) + fn(b))
    for i in range(1, n):
        total += fn(a + i * h)
    return total * h


def _gauss(t):
    return math.exp(-t * t)


def passes_functions(s):
    """A module function and a closure passed to a helper that calls them."""
    return _integrate(_gauss, 0.0, s) + _integrate(lambda t: s * t * t, 0.0, 1.0)


def _growth(y, r, K):
    return r * y * (1 - y / K)


def partial_of_a_helper(r):
    g = partial(_growth, r=r, K=2.0)
    y = 0.1
    for _ in range(10):
        y = y + 0.1 * g(y)
    return y


class Spring:
    def __init__(self, k):
        self.k = k
        self.rest = np.array([0.5, -0.5])

    def energy(self, x):
        return 0.5 * self.k * self.stretch(x)

    def stretch(self, x):
        return np.sum((x - self.rest) ** 2)


SPRING = Spring(3.0)


def calls_a_method(x):
    return SPRING.energy(x) + np.sum(x)


@pytest.mark.parametrize("f, x, rest", [
    (nested_def, np.array([0.3, -0.7]), ()),
    (lambda_closure, np.array([0.3, -0.7]), (np.array([1.0, 2.0]),)),
    (passes_functions, 0.8, ()),
    (calls_a_method, np.array([1.0, 2.0]), ()),
], ids=["nested_def", "lambda_closure", "passes_functions", "calls_a_method"])
def test_functions_as_values(f, x, rest):
    check(f, x, *rest)


def test_partial_of_a_helper():
    h = 1e-6
    want = (partial_of_a_helper(0.8 + h) - partial_of_a_helper(0.8 - h)) / (2 * h)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.grad(partial_of_a_helper, mode=mode)(0.8), want,
                                   rtol=1e-6)


def test_closure_source_reads_like_hand_code():
    src = code(srcdiff.grad(nested_def).source)
    assert "bump" not in src and "lambda" not in src and "<" not in src, src
    assert "Spring" not in srcdiff.grad(calls_a_method).source


def test_function_refusals_are_located():
    def recursive(x):
        def down(t):
            return down(t - 1) if t > 0 else t
        return down(x)

    with pytest.raises(UnsupportedSyntaxError, match="recursion"):
        srcdiff.grad(recursive)(1.0)


def _scaler(k):
    return lambda t: k * t


def helper_returns_a_lambda(x):
    h = _scaler(x)
    return h(2.0) * x


def closure_in_a_loop(x):
    total = 0.0
    for i in range(3):
        g = lambda t: t * i  # noqa: E731, B023  (called in the same trip)
        total = total + g(x) * x
    return total


def lambda_calls_a_method(x):
    g = lambda t: SPRING.energy(t)  # noqa: E731
    return g(x) + np.sum(x * x)


def tuple_swap(x):
    a, b = x, 2 * x
    for _ in range(3):
        a, b = b, a + b
    return a * b


def assigned_in_a_branch_of_a_loop(x, n):
    for i in range(n):
        if x > i:
            y = x * i
    return y * x


def raises_in_a_loop(x):
    s = 0.0
    for i in range(5):
        if s > 100:
            raise RuntimeError("too big")
        s = s + x * i * x
    return s


@pytest.mark.parametrize("f, x, rest", [
    (helper_returns_a_lambda, 1.5, ()), (closure_in_a_loop, 1.5, ()),
    (lambda_calls_a_method, np.array([0.2, 0.4]), ()), (tuple_swap, 1.5, ()),
    (assigned_in_a_branch_of_a_loop, 3.5, (3,)), (raises_in_a_loop, 1.5, ()),
    (raises_in_a_loop, 9.0, ()),
], ids=lambda v: getattr(v, "__name__", None))
def test_more_structure(f, x, rest):
    if f is raises_in_a_loop and x > 5:
        for mode in ("reverse", "forward"):
            with pytest.raises(RuntimeError, match="too big"):
                srcdiff.grad(f, mode=mode)(x)
        return
    if rest:  # (jvp would differentiate the loop count too)
        for mode in ("reverse", "forward"):
            np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(x, *rest),
                                       fd_grad(f, x, *rest), rtol=1e-6)
        return
    check(f, x)


def _sets(d, x):
    d["a"] = x * 3
    return 1.0


def helper_changes_a_dict(x):
    d = {"a": x}
    _sets(d, x)
    return d["a"] * x


def array_in_a_tuple_changed_in_place(x):
    a = np.array([x, 2 * x])
    t = (a, 1.0)
    a += 1.0
    return np.sum(t[0]) * x


@pytest.mark.parametrize("f, x, words", [
    (helper_changes_a_dict, 1.5, "changing the dict 'd' that the caller also holds"),
    (array_in_a_tuple_changed_in_place, 1.5, "in-place update of a value that another name"),
])
def test_shared_values_changed_in_place_are_refused(f, x, words):
    for mode in ("reverse", "forward"):
        with pytest.raises(UnsupportedSyntaxError, match=words):
            srcdiff.grad(f, mode=mode)(x)


def starred_targets(x):
    t = (x, 2 * x, 3 * x, 4 * x)
    a, *mid, z = t
    return a * z + mid[0] * mid[1] + len(mid)


def starred_discard(y):
    V = np.array([[1.0, 0.5], [1.0, 1.5], [1.0, 2.5]])
    coef, *_ = np.linalg.lstsq(V, y, rcond=None)
    return np.sum(coef ** 2)


def starred_rest_of_a_value(x):
    first, *rest = x
    return first * 2


def test_starred_targets():
    check(starred_targets, 1.5, want=2 * 4 * 1.5 + 2 * 6 * 1.5)
    check(starred_discard, np.array([0.3, -0.2, 0.9]))
    with pytest.raises(UnsupportedSyntaxError, match=r"a starred target \(\*rest\)"):
        srcdiff.grad(starred_rest_of_a_value)(np.array([1.0, 2.0]))


def asserts(x):
    assert x > 0, f"x must be positive, got {x}"
    return x * x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_failing_assert_fails_in_the_derivative_too(mode):
    g = srcdiff.grad(asserts, mode=mode)
    assert g(1.5) == 3.0
    with pytest.raises(AssertionError, match="got -1.5"):
        g(-1.5)
