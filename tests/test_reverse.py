"""reverse.Reverse and adjoints.Adjoints: the two sweeps as AST with Ref
placeholders, and the adjoint state (absent, pending, named; owned buffers).
The sweeps are printed with each value's hint (`d_x` is x's adjoint)."""
import ast
import math

import numpy as np

import srcdiff
from ir_util import readable, reverse_sweeps
from srcdiff.exprs import Ref

V = np.ones(3)


def chain(x):
    return math.sin(x) * 2.0


def test_a_single_contribution_read_once_stays_pending_and_is_inlined():
    fn, rev, fwd, back = reverse_sweeps(chain, [1.0])
    assert back == []  # nothing written: x's adjoint is still an expression
    st = rev.state[fn.params[0].id]
    assert st[0] == "pending" and readable(st[1], fn) == "2.0 * math.cos(x)"
    assert "(2.0 * math.cos(x), x, True)" in srcdiff.grad(chain).source


def test_the_sweeps_hold_placeholders_not_names():
    fn, rev, fwd, back = reverse_sweeps(branch, [1.0, 1.0])
    names = {n.id for s in fwd + back for n in ast.walk(s)
             if isinstance(n, ast.Name) and not isinstance(n, Ref)}
    assert names <= {"math"}  # every value and adjoint is a Ref until codegen names it


def branch(x, c):
    y = x * 2.0
    if c > 0:
        z = math.sin(y)
    else:
        z = x
    return z


def test_the_adjoint_of_an_if_is_an_if_on_the_same_condition_writing_both_branches():
    fn, rev, fwd, back = reverse_sweeps(branch, [1.0, 1.0])
    assert readable(back, fn) == (
        "if cond:\n    d_y = math.cos(y)\n    d_x = 0.0\nelse:\n    d_x = 1.0\n    d_y = 0.0\n"
        "d_x += 2.0 * d_y")
    g = srcdiff.grad(branch)
    assert g(0.3, 1.0) == 2.0 * math.cos(0.6) and g(0.3, -1.0) == 1.0


def summed(x, w, n):
    s = 0.0
    for _ in range(n):
        s = s + np.sum(x * w)
    return s


def test_an_array_adjoint_accumulated_in_a_loop_is_an_owned_zeros_buffer_updated_in_place():
    fn, rev, fwd, back = reverse_sweeps(summed, [V, V, 3])
    text = readable(back, fn)
    assert text.splitlines()[1] == "d_x = np.zeros(np.shape(x))"
    assert "d_x += " in text
    assert rev.adj.leader(fn.params[0]) in rev.owned


def product_of_items(x):
    return x[0] * x[1]


def test_an_indexed_read_scatters_into_an_owned_buffer():
    fn, rev, fwd, back = reverse_sweeps(product_of_items, [V])
    assert readable(back, fn) == "d_x = np.zeros(np.shape(x))\nd_x[1] += t\nd_x[0] += t"
    np.testing.assert_array_equal(srcdiff.grad(product_of_items)(np.array([2.0, 5.0])),
                                  [5.0, 2.0])


def swap(a, b, n):
    for _ in range(n):
        a, b = b, a * 2.0
    return a + 3.0 * b


def test_an_adjoint_about_to_be_overwritten_is_saved_for_the_sums_that_read_it():
    fn, rev, fwd, back = reverse_sweeps(swap, [1.0, 2.0, 3], wrt=(0, 1))
    assert [v.hint for v in rev.saved] == ["saved"]
    loop = readable(back, fn, rev.saved).split("for _ in range(n):\n")[1]
    assert loop.splitlines()[0].strip() == "saved = d_a"
    # three steps: (a, b) -> (b, 2a) -> (2a, 2b) -> (2b, 4a); the result is 2b + 12a
    assert srcdiff.grad(swap, wrt=(0, 1))(1.0, 2.0, 3) == (12.0, 2.0)


def reads_index(x, w):
    s = 0.0
    for i in range(len(w)):
        s = s + x * w[i]
    return s


def chain_loop(x, n):
    for _ in range(n):
        x = math.sin(x)
    return x


def test_a_reverse_loop_runs_backwards_over_the_index_only_when_it_reads_it():
    fn, rev, fwd, back = reverse_sweeps(reads_index, [1.0, V])
    assert "for i in reversed(range(n)):" in readable(back, fn)  # d_x += d_s * w[i]
    fn, rev, fwd, back = reverse_sweeps(chain_loop, [1.0, 3])
    back = readable(back, fn)  # (its tape of x read backwards: tape.read_in_order)
    assert "for x in reversed(" in back and "range" not in back, back
