"""Control flow (issue 4): branches, loops, comprehensions, max/min, stop_gradient.

Each function under test is a module-level def (srcdiff reads source with
`inspect`). `CASES` lists a function, the points it is evaluated at (on both
sides of every branch it takes), what to differentiate, and, where one is easy
to write, a hand-derived gradient. Every case runs in both modes against
central finite differences and, when it has one, against its formula.

Functions that srcdiff must reject carry a `# <- marker` comment on the line
the error should point at, as in test_errors.py.
"""
import math
import os

import numpy as np
import pytest
from conftest import EXACT_RTOL
from helpers_numpy import assert_close, fd_vjp
from source_text import code

import srcdiff
from srcdiff import UnsupportedSyntaxError, detach
from srcdiff import stop_gradient as sg

HERE = os.path.abspath(__file__)
with open(HERE) as _fh:
    LINES = _fh.read().splitlines()


def line_of(marker: str) -> int:
    hits = [i + 1 for i, text in enumerate(LINES) if text.rstrip().endswith(f"# <- {marker}")]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


def _fib(n):
    """F(-1) = 1, F(0) = 0, F(1) = 1, ..."""
    a, b = 1, 0
    for _ in range(n + 1):
        a, b = b, a + b
    return a


# ----- branches -----


def if_elif_else_two(x, y):
    if x > y:
        z = x * y
    elif x > -y:
        z = math.sin(x) + y
    else:
        z = x * x * y
    return z


def _if_elif_else_two_grad(x, y):
    if x > y:
        return y, x
    if x > -y:
        return math.cos(x), 1.0
    return 2 * x * y, x * x


def nested_cond_expr(x):
    y = x * x if x > 0 else (math.exp(x) if x > -1 else -3 * x)
    return y * x


def _nested_cond_expr_grad(x):
    if x > 0:
        return 3 * x * x
    if x > -1:
        return math.exp(x) * (x + 1)
    return -6 * x


def cond_expr_in_expression(x, y):
    return (x if x > y else y) * 2 + (x * y if y > 0 else -y)


def _cond_expr_in_expression_grad(x, y):
    gx, gy = (2.0, 0.0) if x > y else (0.0, 2.0)
    if y > 0:
        return gx + y, gy + x
    return gx, gy - 1.0


def and_or_not(x, y):
    if x > 0 and y > 0:
        z = x * y
    elif x > 0 or y > 1:
        z = x + 2 * y
    elif not x < -1:
        z = x ** 3
    else:
        z = -y * x
    return z


def _and_or_not_grad(x, y):
    if x > 0 and y > 0:
        return y, x
    if x > 0 or y > 1:
        return 1.0, 2.0
    if not x < -1:
        return 3 * x * x, 0.0
    return -y, -x


def bool_ops_with_flags(x, flag, other):
    if flag and not other:
        return x * x
    if flag or other:
        return 3 * x
    return math.sin(x)


def _bool_ops_with_flags_grad(x, flag, other):
    if flag and not other:
        return 2 * x
    if flag or other:
        return 3.0
    return math.cos(x)


def chained_comparison(x, y):
    if -1 < x < 1:
        z = x * x
    elif 1 <= x <= y:
        z = x * y
    else:
        z = 3 * x
    return z


def _chained_comparison_grad(x, y):
    if -1 < x < 1:
        return 2 * x, 0.0
    if 1 <= x <= y:
        return y, x
    return 3.0, 0.0


def early_return_in_branches(x, y):
    if x > 1:
        if y > 0:
            return x * y
        return x - y
    elif x > 0:
        return x * x
    z = math.exp(x)
    return z * y


def _early_return_in_branches_grad(x, y):
    if x > 1:
        return (y, x) if y > 0 else (1.0, -1.0)
    if x > 0:
        return 2 * x, 0.0
    return math.exp(x) * y, math.exp(x)


# ----- for over range, enumerate, zip, rows, lists -----


def range_start_stop_step(x, a, b, s):
    y = x
    for i in range(a, b, s):
        y = y * x + i * x
    return y


def _range_start_stop_step_grad(x, a, b, s):
    y, d = x, 1.0
    for i in range(a, b, s):
        d = d * x + y + i
        y = y * x + i * x
    return d


def range_stop_and_start_stop(x, n, m):
    y = 0.0
    for i in range(n):
        y = y + x * i
    for j in range(m, n):
        y = y + x * x * j
    return y


def _range_stop_and_start_stop_grad(x, n, m):
    return sum(range(n)) + 2 * x * sum(range(m, n))


def for_enumerate_list(x, coeffs):
    acc = 0.0
    for i, c in enumerate(coeffs):
        acc = acc + c * x ** i
    return acc


def _for_enumerate_list_grad(x, coeffs):
    return sum(i * c * x ** (i - 1) for i, c in enumerate(coeffs) if i > 0) + 0.0


def for_enumerate_array(x, w):
    acc = 0.0
    for i, v in enumerate(w):
        acc = acc + v * v * x ** i
    return acc


def _for_enumerate_array_grad(x, w):
    gx = sum(i * v * v * x ** (i - 1) for i, v in enumerate(w) if i > 0) + 0.0
    gw = np.array([2 * v * x ** i for i, v in enumerate(w)])
    return gx, gw


def for_zip(x, a, b):
    acc = x
    for u, v in zip(a, b):
        acc = acc * u + v * x
    return acc


def _for_zip_grad(x, a, b):
    acc, d = x, 1.0
    for u, v in zip(a, b):
        d = d * u + v
        acc = acc * u + v * x
    return d


def for_zip_arrays(w, v):
    acc = 0.0
    for p, q in zip(w, v):
        acc = acc + p * q * p
    return acc


def _for_zip_arrays_grad(w, v):
    n = min(len(w), len(v))
    gw, gv = np.zeros(len(w)), np.zeros(len(v))
    gw[:n] = 2 * w[:n] * v[:n]
    gv[:n] = w[:n] ** 2
    return gw, gv


def for_rows(A, x):
    acc = 0.0
    for row in A:
        acc = acc + np.sum(row * x) ** 2
    return acc


def _for_rows_grad(A, x):
    r = A @ x
    return 2 * np.outer(r, x), 2 * A.T @ r


def for_over_sequence(x, vals):
    acc = 1.0
    for v in vals:
        acc = acc * x + v
    return acc


def _for_over_sequence_grad(x, vals):
    acc, d = 1.0, 0.0
    for v in vals:
        d = d * x + acc
        acc = acc * x + v
    return d


# ----- while, break, continue, else -----


def while_input_condition(x):
    n = 0.0
    while x < 10:
        x = x * 1.5 + 1
        n = n + x
    return n + x


def _while_input_condition_grad(x):
    d, dn = 1.0, 0.0
    while x < 10:
        x = x * 1.5 + 1
        d = d * 1.5
        dn = dn + d
    return dn + d


def for_break(x, n):
    y = x
    for _i in range(n):
        y = y * x
        if y > 5:
            break
        y = y + 1
    return y


def _for_break_grad(x, n):
    y, d = x, 1.0
    for _i in range(n):
        d = d * x + y
        y = y * x
        if y > 5:
            break
        y = y + 1
    return d


def while_break(x):
    k = 0
    while True:
        x = x * 1.2 + 0.1
        k = k + 1
        if x > 3 or k >= 8:
            break
    return x * x


def _while_break_grad(x):
    k, d = 0, 1.0
    while True:
        x = x * 1.2 + 0.1
        d = d * 1.2
        k = k + 1
        if x > 3 or k >= 8:
            break
    return 2 * x * d


def for_continue(x, n):
    y = 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        if y * x > 3:
            continue
        y = y + x ** i
    return y


def _for_continue_grad(x, n):
    y, d = 0.0, 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        if y * x > 3:
            continue
        y, d = y + x ** i, d + i * x ** (i - 1)
    return d


def for_else(x, n):
    y = x
    for _i in range(n):
        y = y * 1.5
        if y > 4:
            break
    else:
        y = y * y
    return y


def _for_else_grad(x, n):
    y, d = x, 1.0
    for _i in range(n):
        y, d = y * 1.5, d * 1.5
        if y > 4:
            return d
    return 2 * y * d


def while_else(x):
    k = 0
    while k < 4:
        x = x * x
        k = k + 1
        if x > 100:
            break
    else:
        x = -x
    return x


def _while_else_grad(x):
    k, d = 0, 1.0
    while k < 4:
        d = d * 2 * x
        x = x * x
        k = k + 1
        if x > 100:
            return d
    return -d


# ----- nested loops, swaps, helpers -----


def nested_two_carried(x, n, m):
    total = 0.0
    for i in range(n):
        inner = x
        for j in range(m):
            inner = inner * x + j
        total = total + inner * (i + 1)
    return total


def _nested_two_carried_grad(x, n, m):
    total = 0.0
    for i in range(n):
        inner, d = x, 1.0
        for j in range(m):
            d = d * x + inner
            inner = inner * x + j
        total = total + d * (i + 1)
    return total


def while_inside_for(x, n):
    acc = 0.0
    for i in range(n):
        y = x + i
        while y < 4:
            y = y * 2
        acc = acc + y * x
    return acc


def _while_inside_for_grad(x, n):
    acc = 0.0
    for i in range(n):
        y, d = x + i, 1.0
        while y < 4:
            y, d = y * 2, d * 2
        acc = acc + d * x + y
    return acc


def fib_swap(x, y, n):
    a, b = x, y
    for _ in range(n):
        a, b = b, a + b
    return b * 2 + a


def _fib_swap_grad(x, y, n):
    # a_n = F(n-1) x + F(n) y, b_n = F(n) x + F(n+1) y
    return 2 * _fib(n) + _fib(n - 1), 2 * _fib(n + 1) + _fib(n)


def swap_nonlinear(x, y, n):
    a, b = x, y
    for _ in range(n):
        a, b = b, a * b + math.sin(a)
    return a * b


def step_helper(t, c):
    return t * 0.9 + c * math.sin(t)


def helper_in_loop(x, n):
    for i in range(n):
        x = step_helper(x, 0.1 * i)
    return x


def _helper_in_loop_grad(x, n):
    d = 1.0
    for i in range(n):
        d = d * (0.9 + 0.1 * i * math.cos(x))
        x = step_helper(x, 0.1 * i)
    return d


# ----- comprehensions, max/min -----


def sum_generator(x, n):
    return sum(x ** i for i in range(n))


def sum_listcomp(x, n):
    return sum([x * i * x for i in range(n)])


def sum_generator_if(x, n):
    return sum(x ** i for i in range(n) if i % 2 == 1)


def sum_listcomp_if(x, n):
    return sum([math.sin(x * i) for i in range(n) if i != 2])


def sum_generator_start(x, n):
    return sum((x * i for i in range(n)), x * x)


def sum_listcomp_start(x, n):
    return sum([x ** 2 for _i in range(n)], 3.0 * x)


def sum_over_array(x, w):
    return sum(v * x * v for v in w)


def sum_display_in_branch(x, y):
    if x > 0.5:
        return sum([x, x ** 2, x * y])
    return sum((math.sin(x), y ** 2), 3.0 * x)


def _sum_display_in_branch_grad(x, y):
    if x > 0.5:
        return 1.0 + 2.0 * x + y, x
    return math.cos(x) + 3.0, 2.0 * y


def sum_display_of_items(w):
    return sum([w[0] ** 2, w[1] * w[0]])


def max_min_two(x, y):
    return max(x, y) * 2 + min(x * x, y)


def _max_min_two_grad(x, y):
    gx, gy = (2.0, 0.0) if x > y else (0.0, 2.0)
    if x * x < y:
        return gx + 2 * x, gy
    return gx, gy + 1.0


def max_min_several(x, y, z):
    return max(x, y * 2, z - 1) + 3 * min(x * y, z, y)


def max_min_list(x, y, z):
    vals = [x, y * 2, z * z]
    return max(vals) - min([x * y, z])


def _max_min_list_grad(x, y, z):
    g = [0.0, 0.0, 0.0]
    k = int(np.argmax([x, y * 2, z * z]))
    g[k] += [1.0, 2.0, 2 * z][k]
    if x * y < z:
        g[0] -= y
        g[1] -= x
    else:
        g[2] -= 1.0
    return tuple(g)


# ----- zero-trip loops -----


def zero_trip_everything(x, n, items):
    y = x * 3
    for _i in range(n):
        y = y * x
    for v in items:
        y = y + v * x
    for _k, v in enumerate(items):
        y = y * v
    while n > 100:
        y = y * 2
        n = n - 1
    return y


def _zero_trip_everything_grad(x, n, items):
    # only the zero-trip points: items empty
    return 3.0 * (n + 1) * x ** n


def zero_trip_identity(x, n):
    for _i in range(n):
        x = math.sin(x) * 2
    return x


# ----- long recurrence -----


def long_recurrence(x, p, n):
    for _i in range(n):
        x = x + 1e-3 * p * math.cos(x)
    return x


def long_recurrence_adjoint(x, p, n):
    """The adjoint of `long_recurrence`, written by hand."""
    xs = []
    for _ in range(n):
        xs.append(x)
        x = x + 1e-3 * p * math.cos(x)
    dx, dp = 1.0, 0.0
    for _ in range(n):
        xi = xs.pop()
        dp = dp + dx * 1e-3 * math.cos(xi)
        dx = dx * (1 - 1e-3 * p * math.sin(xi))
    return dx, dp


# ----- stop_gradient -----


def detach_notes(x):
    u = detach(x * x)
    return np.sum(u * x)


def sg_alias(x, y):
    return sg(x * y) * x + srcdiff.stop_gradient(y) * y


def sg_in_loop(x, n):
    y = x
    for _i in range(n):
        y = sg(y) * x
    return y


def doubling(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return np.sum(c)


# ----- the table -----

A3 = np.array([0.5, -1.2, 0.8])
B3 = np.array([1.5, 0.3, -0.7])
B4 = np.array([1.5, 0.3, -0.7, 2.0])
M23 = np.array([[0.5, -1.2, 0.8], [1.1, 0.4, -0.3]])

CASES = [
    (if_elif_else_two, [(1.3, 0.5), (0.2, 0.5), (-0.9, 0.5)], (0, 1), _if_elif_else_two_grad),
    (nested_cond_expr, [(1.3,), (-0.5,), (-2.0,)], 0, _nested_cond_expr_grad),
    (cond_expr_in_expression, [(1.3, 0.5), (0.2, 0.5), (1.3, -0.5), (-1.0, -0.5)], (0, 1),
     _cond_expr_in_expression_grad),
    (and_or_not, [(1.3, 0.5), (1.3, -0.5), (-0.5, 2.0), (-0.5, 0.5), (-2.0, 0.5)], (0, 1),
     _and_or_not_grad),
    (bool_ops_with_flags, [(1.3, True, False), (1.3, True, True), (1.3, False, True),
                           (1.3, False, False), (0.4, 1, 0), (0.4, "", None)], 0,
     _bool_ops_with_flags_grad),
    (chained_comparison, [(0.5, 2.0), (-0.5, 2.0), (1.5, 2.0), (2.5, 2.0), (-1.5, 2.0)],
     (0, 1), _chained_comparison_grad),
    (early_return_in_branches, [(1.5, 0.5), (1.5, -0.5), (0.5, 0.5), (-0.5, 2.0)], (0, 1),
     _early_return_in_branches_grad),
    (range_start_stop_step, [(0.7, 1, 7, 2), (-0.8, 0, 5, 1), (0.7, 10, 0, -3),
                             (0.7, -2, -9, -2), (0.7, 3, 3, 1), (0.7, 5, 0, 1)], 0,
     _range_start_stop_step_grad),
    (range_stop_and_start_stop, [(0.7, 5, 2), (-1.2, 3, 0), (0.7, 2, 4), (0.7, 0, 0)], 0,
     _range_stop_and_start_stop_grad),
    (for_enumerate_list, [(0.7, [1.0, -2.0, 0.5]), (-1.2, (2.0, 3.0)), (0.7, B4), (0.7, [])],
     0, _for_enumerate_list_grad),
    (for_enumerate_array, [(0.7, A3), (-1.2, B4)], (0, 1), _for_enumerate_array_grad),
    (for_zip, [(0.7, [1.0, 2.0, -0.5], [0.5, 0.3, 0.1]), (-1.2, A3, B4), (0.7, A3, [])], 0,
     _for_zip_grad),
    (for_zip_arrays, [(A3, B3), (B4, A3)], (0, 1), _for_zip_arrays_grad),
    (for_rows, [(M23, A3), (M23.T.copy(), np.array([0.3, -0.4]))], (0, 1), _for_rows_grad),
    (for_over_sequence, [(0.7, [1.0, -2.0, 0.5]), (-1.2, (2.0, 3.0, 1.0, 0.5)), (0.7, ()),
                         (0.7, B4)], 0, _for_over_sequence_grad),
    (while_input_condition, [(0.5,), (3.0,), (9.5,), (12.0,)], 0, _while_input_condition_grad),
    (for_break, [(1.5, 5), (0.5, 5), (3.0, 4), (1.5, 0)], 0, _for_break_grad),
    (while_break, [(0.5,), (2.7,), (-0.3,)], 0, _while_break_grad),
    (for_continue, [(1.3, 7), (0.6, 8), (-0.7, 6), (1.3, 0)], 0, _for_continue_grad),
    (for_else, [(0.5, 3), (2.0, 3), (0.5, 0), (3.0, 1)], 0, _for_else_grad),
    (while_else, [(1.5,), (4.0,), (-0.9,)], 0, _while_else_grad),
    (nested_two_carried, [(0.7, 3, 2), (-1.2, 2, 3), (0.7, 2, 0), (0.7, 0, 3)], 0,
     _nested_two_carried_grad),
    (while_inside_for, [(0.7, 3), (0.3, 5), (4.5, 2)], 0, _while_inside_for_grad),
    (fib_swap, [(0.7, 1.3, 0), (0.7, 1.3, 1), (0.7, -1.3, 6)], (0, 1), _fib_swap_grad),
    (swap_nonlinear, [(0.7, 1.3, 3), (-0.4, 0.9, 4), (0.7, 1.3, 0)], (0, 1), None),
    (helper_in_loop, [(0.7, 5), (-2.0, 3), (0.7, 0)], 0, _helper_in_loop_grad),
    (sum_generator, [(0.7, 5), (-1.2, 4), (0.7, 0)], 0,
     lambda x, n: sum(i * x ** (i - 1) for i in range(1, n)) + 0.0),
    (sum_listcomp, [(0.7, 5), (-1.2, 0)], 0, lambda x, n: 2 * x * sum(range(n)) + 0.0),
    (sum_generator_if, [(0.7, 6), (-1.2, 4), (0.7, 1)], 0,
     lambda x, n: sum(i * x ** (i - 1) for i in range(1, n, 2)) + 0.0),
    (sum_listcomp_if, [(0.7, 5), (-1.2, 3)], 0,
     lambda x, n: sum(i * math.cos(x * i) for i in range(n) if i != 2) + 0.0),
    (sum_generator_start, [(0.7, 5), (-1.2, 0)], 0, lambda x, n: 2 * x + sum(range(n))),
    (sum_listcomp_start, [(0.7, 5), (-1.2, 0)], 0, lambda x, n: 2 * x * n + 3.0),
    (sum_display_in_branch, [(0.7, 1.3), (0.2, -0.4)], (0, 1), _sum_display_in_branch_grad),
    (sum_display_of_items, [(np.array([0.7, -1.3]),)], 0,
     lambda w: np.array([2 * w[0] + w[1], w[0]])),
    (sum_over_array, [(0.7, A3), (-1.2, B4)], (0, 1),
     lambda x, w: (float(np.sum(w * w)), 2 * w * x)),
    (max_min_two, [(1.3, 0.5), (0.3, 0.5), (-1.3, 0.5), (0.6, 2.0)], (0, 1), _max_min_two_grad),
    (max_min_several, [(1.3, 0.2, 0.5), (0.1, 0.9, 0.5), (0.1, 0.2, 3.0), (-1.0, 2.0, 0.5),
                       (0.5, 2.0, -1.0)], (0, 1, 2), None),
    (max_min_list, [(1.3, 0.2, 0.5), (0.1, 0.9, 0.5), (0.1, 0.2, 3.0), (2.0, 0.5, -0.5)],
     (0, 1, 2), _max_min_list_grad),
    (zero_trip_everything, [(0.7, 0, []), (-1.2, 0, ()), (0.7, 3, []), (0.7, 0, np.zeros(0))],
     0, _zero_trip_everything_grad),
    (zero_trip_identity, [(0.7, 0), (-1.2, 0)], 0, lambda x, n: 1.0),
]


def _ids(case):
    return case[0].__name__


def _as_tuple(g):
    return g if isinstance(g, tuple) else (g,)


def _wrt_indices(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def _check_against(fn, wrt, args, got, want_fn, mode):
    idx = _wrt_indices(wrt)
    what = f"{fn.__name__}{args!r} [{mode}]"
    assert isinstance(got, tuple) == isinstance(wrt, tuple), what
    gots = _as_tuple(got)
    assert len(gots) == len(idx), what
    for k, (i, g) in enumerate(zip(idx, gots)):
        x = args[i]
        if isinstance(x, np.ndarray):
            assert isinstance(g, np.ndarray) and g.shape == x.shape, (what, g)
        else:
            assert isinstance(g, float), (what, type(g), g)
        assert_close(g, fd_vjp(fn, list(args), i, 1.0), what=f"{what} d/d arg {i} (FD)")
        if want_fn is not None:
            want = _as_tuple(want_fn(*args))[k]
            np.testing.assert_allclose(g, want, rtol=EXACT_RTOL, atol=1e-13,
                                       err_msg=f"{what} d/d arg {i} (formula)")


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_control_flow_case(case, mode):
    fn, points, wrt, want_fn = case
    g = srcdiff.grad(fn, wrt=wrt, mode=mode)
    for args in points:
        got = g(*args)
        _check_against(fn, wrt, args, got, want_fn, mode)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_value_and_grad_value_matches_primal(case, mode):
    fn, points, wrt, _ = case
    vg = srcdiff.value_and_grad(fn, wrt=wrt, mode=mode)
    for args in points[:2]:
        value, _grads = vg(*args)
        assert value == pytest.approx(fn(*args), rel=1e-15, abs=1e-300)


def test_zero_trip_loops_give_zero_not_error(mode):
    g = srcdiff.grad(zero_trip_everything, wrt=0, mode=mode)
    assert g(0.7, 0, []) == pytest.approx(3.0, rel=1e-15)
    g2 = srcdiff.grad(for_enumerate_list, mode=mode)
    got = g2(0.7, [])
    assert got == 0.0 and isinstance(got, float)
    g3 = srcdiff.grad(for_zip_arrays, wrt=(0, 1), mode=mode)
    gw, gv = g3(np.zeros(0), np.zeros(0))
    assert gw.shape == (0,) and gv.shape == (0,)
    assert srcdiff.grad(zero_trip_identity, mode=mode)(0.7, 0) == 1.0


# ----- a long recurrence -----


def test_long_recurrence_against_hand_adjoint(mode):
    g = srcdiff.grad(long_recurrence, wrt=(0, 1), mode=mode)
    for x, p in ((0.3, 1.5), (-2.0, 0.7)):
        gx, gp = g(x, p, 10_000)
        wx, wp = long_recurrence_adjoint(x, p, 10_000)
        assert abs(gx - wx) <= 1e-11 * abs(wx), (gx, wx)
        assert abs(gp - wp) <= 1e-11 * abs(wp), (gp, wp)
    value, _ = srcdiff.value_and_grad(long_recurrence, wrt=(0, 1), mode=mode)(0.3, 1.5, 10_000)
    assert value == long_recurrence(0.3, 1.5, 10_000)


# ----- stop_gradient / detach -----


def test_detach_notes_case_gradient_is_u(mode):
    x = np.array([0.5, -1.5, 2.0])
    g = srcdiff.grad(detach_notes, mode=mode)(x)
    np.testing.assert_allclose(g, x * x, rtol=1e-15)
    assert not np.allclose(g, 3 * x * x)


def test_stop_gradient_alias_import(mode):
    gx, gy = srcdiff.grad(sg_alias, wrt=(0, 1), mode=mode)(1.3, -0.4)
    assert gx == pytest.approx(1.3 * -0.4, rel=1e-15)
    assert gy == pytest.approx(-0.4, rel=1e-15)


def test_stop_gradient_inside_loop(mode):
    # y_k = sg(y_{k-1}) * x = x**(k+1): only the last factor counts, d/dx = y_{n-1} = x**n
    g = srcdiff.grad(sg_in_loop, mode=mode)
    assert g(1.3, 4) == pytest.approx(1.3 ** 4, rel=1e-14)
    assert g(1.3, 0) == 1.0


def test_stop_gradient_returns_x_itself():
    x = np.array([1.0, 2.0])
    assert srcdiff.stop_gradient(x) is x and detach(x) is x and sg(x) is x


# ----- the notes' doubling loop -----


def doubling_c(a):
    """`doubling` without its final sum: the vector c it sums."""
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    return b if np.sum(b) > 0 else 100 * b


@pytest.mark.parametrize("seed, sign", [(0, 1), (1, -1)], ids=["positive_sum", "negative_sum"])
def test_doubling_loop_gradient_is_f_over_a(seed, sign, mode):
    """c = 2**k * a (times 100 for a negative sum), so d sum(c) / da = c / a elementwise:
    f(a) / a before the sum (for a scalar `a`, exactly f(a) / a)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.1, 1.0, size=5) * sign
    a[0] = -a[0]  # mixed signs, but the sum keeps `sign`
    assert np.sign(np.sum(a)) == sign
    a0 = a.copy()
    g = srcdiff.grad(doubling, mode=mode)(a)
    assert isinstance(g, np.ndarray) and g.shape == a.shape
    np.testing.assert_allclose(g, doubling_c(a) / a, rtol=1e-12)
    np.testing.assert_allclose(g, np.full(5, g[0]), rtol=1e-12)
    assert g[0] in (2.0 ** 10, 100 * 2.0 ** 10)
    np.testing.assert_array_equal(a, a0)
    x = float(a[0] * sign)  # a scalar of the same sign as the sum
    gs = srcdiff.grad(doubling, mode=mode)(x)
    assert isinstance(gs, float)
    assert gs == pytest.approx(doubling(x) / x, rel=1e-12)


@pytest.mark.parametrize("fn", [doubling, for_break, while_break, for_else],
                         ids=lambda f: f.__name__)
def test_loop_structure_is_visible_in_source(fn, mode):
    g = srcdiff.grad(fn, mode=mode)
    args = (np.array([0.5, -0.2]),) if fn is doubling else (
        (1.5, 5) if fn in (for_break, for_else) else (0.5,))
    g(*args)
    for text in (g.source, srcdiff.grad(fn, mode=mode).source):
        compile(text, "<source>", "exec")
        lines = text.splitlines()
        assert any(ln.lstrip().startswith(("for ", "while ")) for ln in lines), text
        long = [ln for ln in lines if len(ln) >= 100]
        assert not long, long


# ----- lists built with append (a new list per append; in place when safe) -----


def appends_active(x, n):
    acc = []
    for i in range(n):
        acc.append(x * i + math.sin(x))
    return sum(acc) + acc[-1] * 2


def appends_shared(x, n):
    acc = []
    alias = acc
    for i in range(n):
        acc.append(x * i)  # <- shared append
    return sum(alias)


def test_append_in_a_loop(mode):
    got = srcdiff.grad(appends_active, mode=mode)(0.7, 4)
    want = sum(i + math.cos(0.7) for i in range(4)) + 2 * (3 + math.cos(0.7))
    assert got == pytest.approx(want, rel=1e-12)


def appends_then_reads(x, n):
    acc = []
    for i in range(n):
        acc.append(x * i + math.sin(x))
    t = 0.0
    for i in range(n):
        t = t + acc[i] * i  # <- read by index in a later loop: not a view of acc
    return t


def test_a_list_built_in_one_loop_read_in_another(mode):
    got = srcdiff.grad(appends_then_reads, mode=mode)(0.7, 4)
    want = sum((i + math.cos(0.7)) * i for i in range(4))
    assert got == pytest.approx(want, rel=1e-12)


def test_append_to_a_shared_list_is_an_error(mode):
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcdiff.grad(appends_shared, mode=mode)(1.5, 3)
    _located(info.value, "shared append")


# ----- rejected constructs -----


def walrus_in_condition(x):
    if (y := x * 2) > 1:
        return y * x
    return x


def walrus_in_expression(x):
    z = (t := math.sin(x)) * t + x
    return z


def walrus_in_while(x):
    k = 0
    while (k := k + 1) < 3:  # <- walrus while
        x = x * 2
    return x


@pytest.mark.parametrize("fn, x, want", [
    (walrus_in_condition, 1.5, 4 * 1.5), (walrus_in_condition, 0.2, 1.0),
    (walrus_in_expression, 0.4, 2 * math.sin(0.4) * math.cos(0.4) + 1),
])
def test_walrus(fn, x, want, mode):
    assert srcdiff.grad(fn, mode=mode)(x) == pytest.approx(want, rel=1e-12)


def recursive_power(x, n):
    if n == 0:
        return 1.0
    return x * recursive_power(x, n - 1)  # <- recursion


def calls_recursive(x):
    return recursive_power(x, 3) + x


def return_in_loop(x, n):
    for _i in range(n):
        x = x * 1.5
        if x > 10:
            return x  # <- return in loop
    return x * 2


def return_in_nested_loops(x, n):
    for _i in range(n):
        k = 0
        while True:
            k += 1
            x = x * 1.1 + math.sin(x)
            if x > 5:
                return x * x
            if k >= 2:
                break
    return -x


@pytest.mark.parametrize("point", [(1.5, 3), (5.0, 3), (0.3, 3), (2.0, 4)])
def test_return_inside_loops(point, mode):
    for fn in (return_in_loop, return_in_nested_loops):
        got = srcdiff.grad(fn, mode=mode)(*point)
        h = 1e-6
        want = (fn(point[0] + h, point[1]) - fn(point[0] - h, point[1])) / (2 * h)
        assert got == pytest.approx(want, rel=1e-6, abs=1e-9)


def _located(err, marker):
    assert os.path.abspath(err.filename) == HERE, err.filename
    assert err.lineno == line_of(marker), (err.lineno, line_of(marker), str(err))
    assert f"line {err.lineno}" in str(err)


@pytest.mark.parametrize("fn, marker, args", [
    (walrus_in_while, "walrus while", (1.5,)),
], ids=["walrus_in_while_condition"])
def test_rejected_construct_is_located(fn, marker, args, mode):
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcdiff.grad(fn, mode=mode)(*args)
    _located(info.value, marker)


def test_recursion_on_a_parameter_is_a_clear_error(mode):
    with pytest.raises(srcdiff.SrcDiffError) as info:
        srcdiff.grad(recursive_power, mode=mode)(1.5, 3)
    text = str(info.value)
    assert "recursive_power" in text
    assert "recurs" in text.lower(), text


def test_recursion_to_a_constant_depth_is_unrolled(mode):
    """recursive_power(x, 3): each call's `n == 0` is known, so the recursion ends
    while it is inlined; d/dx (x**3 + x) = 3 x**2 + 1."""
    assert srcdiff.grad(calls_recursive, mode=mode)(1.5) == pytest.approx(3 * 1.5 ** 2 + 1)


# ----- an incoming adjoint that reads an adjoint its own contributions overwrite -----


def tangent_like_recurrence(velocity_of_k, initial_x, k):
    """d(product) is pending as d(state) (state = product + c); product's rule adds
    a long sum to d(state) (written at once) and then reads d(product) for k."""
    state_tangent = np.zeros(np.shape(initial_x))
    state = initial_x
    for _ in range(4):
        product = state * k
        product_tangent = np.broadcast_to(state_tangent * k, np.shape(product)) + (
            np.broadcast_to(velocity_of_k * state, np.shape(product)))
        state = product + math.sin(k)
        state_tangent = product_tangent + np.broadcast_to(
            velocity_of_k * math.cos(k), np.shape(state))
    return np.sum(state_tangent)


@pytest.mark.parametrize("x", [0.5, np.array([0.5, 0.2])])
def test_contributions_that_overwrite_what_the_incoming_adjoint_reads(mode, x):
    h = 1e-6
    want = (tangent_like_recurrence(1.0, x, 0.8 + h)
            - tangent_like_recurrence(1.0, x, 0.8 - h)) / (2 * h)
    got = srcdiff.grad(tangent_like_recurrence, wrt=2, mode=mode)(1.0, x, 0.8)
    assert got == pytest.approx(want, rel=1e-7)


# ----- list comprehensions and generator expressions: the loop that appends -----


def comp_features(w, xs):
    feats = np.array([[x, x * x, np.sin(x)] for x in xs])
    return np.sum((feats @ w) ** 2)


def comp_enumerate(ws, x):
    return sum([w * x ** i for i, w in enumerate(ws)])


def comp_generator_max(x):
    return max(xi ** 2 for xi in x) + np.sum(np.stack([np.sin(x) * k for k in range(3)]))


def comp_nested(x):
    return np.sum(np.array([[xi * xj for xj in x] for xi in x]) ** 2)


def comp_filtered_zip(x, y):
    return sum([a * b ** 2 for a, b in zip(x, y) if a > 0])


def comp_shadow(x):
    xi = 2.0
    s = sum([xi * 2 for xi in x])  # the comprehension's xi is its own
    return s * xi


def _square(t):
    return t * t


def comp_in_a_loop(x):
    total = 0.0
    for k in range(3):
        total = total + np.sum(np.array([_square(xi) * k for xi in x]))
    return total


def mapped_logsumexp(xs):
    return math.log(sum(map(math.exp, xs)))


def mapped_lambda(x, y):
    return np.sum(np.array(list(map(lambda a, b: a * b ** 2, x, y))))


COMPREHENSIONS = [(mapped_logsumexp, (np.array([0.3, -0.5, 0.7]),), 0),
                  (mapped_lambda, (np.array([0.3, -0.5, 0.7]), np.array([1.0, 2.0, -1.5])), 0),
                  (mapped_lambda, (np.array([0.3, -0.5, 0.7]), np.array([1.0, 2.0, -1.5])), 1),
                  (comp_features, (np.array([0.5, -1.0, 2.0]), np.array([0.3, -0.5, 0.7])), 0),
                  (comp_features, (np.array([0.5, -1.0, 2.0]), np.array([0.3, -0.5, 0.7])), 1),
                  (comp_enumerate, (np.array([0.3, -0.5, 0.7]), 0.7), 0),
                  (comp_enumerate, (np.array([0.3, -0.5, 0.7]), 0.7), 1),
                  (comp_generator_max, (np.array([0.3, -0.5, 0.7]),), 0),
                  (comp_nested, (np.array([0.3, -0.5, 0.7]),), 0),
                  (comp_filtered_zip, (np.array([0.3, -0.5, 0.7]), np.array([1.0, 2.0, -1.5])), 0),
                  (comp_filtered_zip, (np.array([0.3, -0.5, 0.7]), np.array([1.0, 2.0, -1.5])), 1),
                  (comp_shadow, (np.array([0.3, -0.5, 0.7]),), 0),
                  (comp_in_a_loop, (np.array([0.3, -0.5, 0.7]),), 0)]


@pytest.mark.parametrize("f, args, i", COMPREHENSIONS,
                         ids=[f"{f.__name__}-{i}" for f, _, i in COMPREHENSIONS])
def test_comprehensions_are_the_loops_that_build_them(f, args, i, mode):
    got = srcdiff.grad(f, wrt=i, mode=mode)(*args)
    x, h = np.asarray(args[i], dtype=float), 1e-6
    want = np.zeros(x.size)
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = h
        up, down = list(args), list(args)
        up[i], down[i] = x + e.reshape(x.shape), x - e.reshape(x.shape)
        want[k] = (f(*up) - f(*down)) / (2 * h)
    np.testing.assert_allclose(got, want.reshape(x.shape), rtol=1e-6, atol=1e-8)


def test_a_comprehension_reads_as_the_loop_a_person_writes():
    g = srcdiff.grad(comp_features)
    g(np.array([0.5, -1.0, 2.0]), np.array([0.3, -0.5, 0.7]))
    src = code(g.source)
    assert "items = []" in src and "items.append([x, x * x, np.sin(x)])" in src


def _tuple_augmented(w):
    t = (w[0],)
    t += (w[1] * 2,)  # tuples are rebound: t = t + (w[1] * 2,)
    return sum(t)


def _tuple_grown_in_a_loop(w):
    t = ()
    for i in range(2):
        t += (w[i] * 2,)
    return sum(t)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_augmented_concatenation_of_a_tuple(mode):
    w = np.array([0.5, -1.3, 0.9])
    np.testing.assert_allclose(srcdiff.grad(_tuple_augmented, mode=mode)(w), [1.0, 2.0, 0.0])
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="changing kind inside the loop"):
        srcdiff.grad(_tuple_grown_in_a_loop, mode=mode)(w)


def test_sum_of_a_display_is_its_additions():
    """`sum([a, b, c])` is `0 + a + b + c`: the gradient builds no list and no array
    of ones (it did: `np.ones(np.shape(items))`), and the hessian, which lowers that
    gradient again, is not refused for a list built in one branch only."""
    g = srcdiff.grad(sum_display_in_branch, wrt=(0, 1))
    g(0.7, 1.3)
    assert "np." not in g.source and "items" not in g.source, g.source
    for x, y in [(0.7, 1.3), (0.2, -0.4)]:
        h = srcdiff.hessian(sum_display_in_branch)(x, y)
        assert abs(h - (2.0 if x > 0.5 else -math.sin(x))) < 1e-12, (x, y, h)


def temp_in_a_branch(x):
    if x > 0:
        z = math.sin(x) * x
    else:
        z = x ** 3
    return z * x


def set_in_one_branch(x, verbose):
    if verbose:
        scale = 2.0 * x
    y = x ** 2
    if verbose:
        y = y * scale
    return y


@pytest.mark.parametrize("x", [0.7, -0.7])
def test_hessian_of_a_branch_whose_gradient_keeps_a_temporary(x):
    """The gradient computes `sin(x)` in one branch and reads it in the adjoint of
    that branch; the hessian lowers that gradient, where the name is assigned in
    one branch only and read under the same test (it was refused)."""
    want = (-math.sin(x) * x * x + 4 * x * math.cos(x) + 2 * math.sin(x)) if x > 0 \
        else 12 * x * x
    assert abs(srcdiff.hessian(temp_in_a_branch)(x) - want) < 1e-12


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_name_one_branch_assigns_is_unbound_on_the_other_path(mode):
    """`if verbose: scale = ...` and later `if verbose: y = y * scale`, as Python
    runs it: read where it is bound it is the value; read on the other path it
    raises UnboundLocalError, as the primal does."""
    g = srcdiff.grad(set_in_one_branch, mode=mode)
    assert g(1.5, True) == pytest.approx(6 * 1.5 ** 2, rel=1e-14)
    assert g(1.5, False) == pytest.approx(3.0, rel=1e-14)
    with pytest.raises(UnboundLocalError):
        set_in_one_branch_read(1.5, False)
    with pytest.raises(UnboundLocalError):
        srcdiff.grad(set_in_one_branch_read, mode=mode)(1.5, False)
    assert srcdiff.grad(set_in_one_branch_read, mode=mode)(1.5, True) == pytest.approx(
        6 * 1.5 ** 2, rel=1e-14)


def set_in_one_branch_read(x, verbose):
    if verbose:
        scale = 2.0 * x
    return x ** 2 * scale
