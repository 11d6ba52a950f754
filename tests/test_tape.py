"""The tape: which values the forward sweep of reverse mode saves for a loop's
adjoint (`TapePlan`), and that every pop meets its push. The plan is read after
the reverse sweep is built; values are named by hint."""
import ast
import math
import re

import numpy as np
import pytest

import srcdiff
from ir_util import accumulate, readable, reverse_sweeps
from srcdiff import ir
from srcdiff.exprs import Ref, assign
from srcdiff.tape import reads
from test_passes import dot_loop


class Plan:
    """For each loop of `f` (in program order): the hints of the carried values
    taped per iteration, of the body values taped, and whether the trip count is
    kept."""

    def __init__(self, f, args, wrt=(0,)):
        self.fn, rev, self.fwd, self.back = reverse_sweeps(f, args, wrt)
        plan = rev.plan
        self.made = list(plan.tapes.values())
        self.loops = [s for s in ir.walk(self.fn.body) if isinstance(s, ir.Loop)]
        def values(owner, vs):
            return {v.hint for v in vs if v.id not in plan.shapes.get(id(owner), ())}

        self.phis = [values(lp, plan.phi_records.get(id(lp), [])) for lp in self.loops]
        self.body = []
        self.stubs = set()  # hints of values taped only as stand-ins of their shape
        for lp in self.loops:
            blocks = [lp.body] + [b for s in ir.walk(lp.body) if isinstance(s, ir.If)
                                  for b in (s.body, s.orelse)]
            self.body.append(set().union(*(values(b, plan.records.get(id(b), []))
                                           for b in blocks)))
            self.stubs |= {v.hint for b in blocks for v in plan.records.get(id(b), [])
                           if v.id in plan.shapes.get(id(b), ())}
        self.trips = [id(lp) in plan.trips for lp in self.loops]

    def text(self) -> str:
        return readable(self.fwd + self.back, self.fn, self.made)


def rec(x, n):
    for _ in range(n):
        x = 0.9 * x + 0.1 * math.sin(x)
    return x


def test_a_recurrence_tapes_only_the_carried_value():
    p = Plan(rec, [1.3, 5])
    assert p.phis == [{"x"}] and p.body == [set()]  # sin(x) is not taped: cos(x) is needed
    assert p.trips == [False]


def power(x, n):
    p = 1.0
    for _ in range(n):
        p = p * x
    return p


def test_the_old_value_of_a_product_is_taped_and_the_factor_is_not():
    p = Plan(power, [1.5, 3])
    assert p.phis == [{"p"}] and p.body == [set()]


def test_an_indexed_read_of_an_unchanged_array_is_recomputed_not_taped():
    p = Plan(dot_loop, [np.ones(3), np.ones(3)])
    assert p.phis == [set()] and p.body == [set()]
    assert "append" not in p.text()
    assert "w[i]" in readable(p.back, p.fn)  # recomputed in the adjoint loop


def invariant_outside(x, w, n):
    c = math.sin(w)
    for _ in range(n):
        x = x * c + math.sin(x)
    return x


def test_a_value_computed_before_the_loop_is_not_taped():
    p = Plan(invariant_outside, [0.4, 0.7, 3])
    assert p.phis == [{"x"}] and p.body == [set()]


def test_a_sum_needs_nothing_from_the_tape():
    p = Plan(accumulate, [0.4, 3])
    assert p.phis == [set()] and p.body == [set()]
    assert "pop" not in p.text()


def doubling(x):
    while x < 10.0:
        x = x * 2.0
    return x


def test_a_while_loop_keeps_its_trip_count_and_nothing_else():
    p = Plan(doubling, [1.0])
    assert p.trips == [True]
    assert p.phis == [set()] and p.body == [set()]
    assert "for _ in range(trips):" in p.text()


def stops_early(x, n):
    for _ in range(n):
        if x > 5.0:
            break
        x = x * 1.5
    return x


def test_a_loop_that_may_break_keeps_its_trip_count_and_its_branch_conditions():
    p = Plan(stops_early, [1.0, 9])
    assert p.trips == [True]
    assert p.body == [{"cond"}]  # the reverse takes the branch the forward took
    assert "for _ in range(n)[:trips]:" in p.text()


def test_pushes_and_pops_match_in_the_generated_source():
    for f, args in ((rec, (1.3, 5)), (power, (1.5, 3)), (stops_early, (1.0, 9))):
        g = srcdiff.grad(f)
        g(*args)
        src = g.source
        # each push met by one read: at its tape's cursor, or read backwards
        reads = re.findall(r"\w+ = tape\w*\[\w+\]\n|reversed\(tape\w*\)", src)
        assert src.count(".append(") == len(reads) >= 1 and ".pop()" not in src, src


@pytest.mark.parametrize("args", [(1.3, 0), (1.3, 1), (1.3, 6)])
def test_the_taped_recurrence_is_exact(args):
    got = srcdiff.grad(rec)(*args)
    x, want = args[0], 1.0
    for _ in range(args[1]):
        want *= 0.9 + 0.1 * math.cos(x)
        x = 0.9 * x + 0.1 * math.sin(x)
    assert got == pytest.approx(want, rel=1e-14)


def test_reads_finds_the_primal_values_read_and_nothing_else():
    code = [assign(Ref("v", 1), ast.BinOp(Ref("v", 2), ast.Mult(), Ref("d", 3))),
            ast.Expr(ast.Call(ast.Name("print", ast.Load()), [Ref("v", 4)], []))]
    assert reads(code) == {2, 4}  # not the value stored (1), nor an adjoint (3)


def scaled_sum(x):
    s = 0.0
    for i in range(3):
        s = s + x * (2.0 if i > 0 else 1.0)
    return s


def test_the_condition_of_an_if_with_no_adjoint_is_not_taped():
    # its adjoint would be `d_s = d_s` in each branch: nothing, so nothing reads `cond`
    p = Plan(scaled_sum, [0.5])
    assert p.body == [{"t"}]


def rnn(h, W, U, xs):
    for t in range(len(xs)):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h)


def test_a_value_read_only_for_its_shape_is_not_taped():
    """issue 14 item 2, issue 16 item 2: specialised to its arguments' abstract shapes
    the adjoint needs no shape at run time, so the tape keeps `h` and nothing else;
    where the shapes are unknown (the generic code), `W @ h` is read only as
    the shape in `_unbroadcast(..., W @ h)`: the tape keeps a data-free stand-in."""
    rng = np.random.default_rng(0)
    args = [rng.normal(size=3), rng.normal(size=(3, 3)), rng.normal(size=(3, 2)),
            rng.normal(size=(4, 2))]
    p = Plan(rnn, args)
    assert p.phis[0] | p.body[0] == {"h"}  # tanh's adjoint reads its result, nothing else
    assert not p.stubs and "_shape_stub(" not in p.text()
    p = Plan(rnn, None)  # the generic code, for any shapes
    assert p.phis[0] | p.body[0] == {"h"}
    assert p.stubs and "_shape_stub(" in p.text()


def rnn_from_zeros(W, U, v, xs):
    h = np.zeros(W.shape[0])
    total = 0.0
    for t in range(len(xs)):
        h = np.tanh(W @ h + U @ xs[t])
        total = total + np.dot(v, h) ** 2
    return total


def test_a_state_made_by_np_zeros_of_a_size_has_a_known_shape():
    """`np.zeros(W.shape[0])` has the abstract shape of W's first size (the rule
    table's `describes` of `.shape` and `[]`, the `shape` of np.zeros): W's
    dimensions are not 1, so neither `W @ h` nor `U @ xs[t]` is broadcast and
    nothing is taped for its shape (samples/rnn.py)."""
    rng = np.random.default_rng(1)
    args = [rng.normal(size=(3, 3)), rng.normal(size=(3, 2)), rng.normal(size=3),
            rng.normal(size=(4, 2))]
    p = Plan(rnn_from_zeros, args, wrt=(0, 1, 2))
    assert not p.stubs and "_shape_stub(" not in p.text() and "_unbroadcast" not in p.text()
    g = srcdiff.grad(rnn_from_zeros, wrt=(0, 1, 2))
    for i, got in enumerate(g(*args)):
        want = np.zeros_like(args[i])
        for k in np.ndindex(args[i].shape):
            up = [a.copy() for a in args]
            down = [a.copy() for a in args]
            up[i][k] += 1e-6
            down[i][k] -= 1e-6
            want[k] = (rnn_from_zeros(*up) - rnn_from_zeros(*down)) / 2e-6
        assert np.allclose(got, want, rtol=1e-6, atol=1e-8)
    fwd = srcdiff.jacobian(rnn_from_zeros, wrt=0, mode="forward")(*args)
    assert np.allclose(fwd, g(*args)[0], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("size", [1, 3])
def test_np_zeros_of_a_size_that_may_be_1_is_unbroadcast(size):
    """W of shape (1, 1) is specialised as having a unit size: the state of
    np.zeros(W.shape[0]) then broadcasts, and the adjoint sums it back."""
    rng = np.random.default_rng(2)
    def f(W, x):
        h = np.zeros(W.shape[0])
        h = h + W @ x
        return np.sum(h * h)
    W, x = rng.normal(size=(size, 3)), rng.normal(size=3)
    got = srcdiff.grad(f)(W, x)
    assert np.allclose(got, 2 * np.outer(W @ x, x))


def rk_step_invariants(x, dt, n):
    for _ in range(n):
        h = 0.5 * dt
        k1 = math.sin(x)
        k2 = math.sin(x + h * k1)
        x = x + dt * k2
    return x


def test_a_value_computed_in_the_loop_from_values_no_loop_changes_is_not_taped():
    p = Plan(rk_step_invariants, [0.4, 0.1, 3], wrt=(0, 1))
    assert "h" not in p.body[0] and "h" not in p.stubs  # 0.5 * dt: the name holds it


def invariant_in_a_branch(x, w, n):
    for i in range(n):
        if i % 2 == 0:
            c = math.cos(w)  # the same value on the trips that compute it
            x = x * c
        else:
            x = math.sin(x)
    return x


def invariant_of_the_outer_loop(x, w, n):
    for i in range(n):
        a = w * (i + 1)  # changes with the outer trip
        for _ in range(2):
            b = a * 0.5  # invariant in the inner loop only: taped there
            x = x * b + math.sin(x)
    return x


def after_zero_trips(x, w, n):
    for _ in range(n):
        c = 2.0 * w
        x = x * c
    return x + w


def _fd(f, args, i, h=1e-6):
    a, b = list(args), list(args)
    a[i] += h
    b[i] -= h
    return (f(*a) - f(*b)) / (2 * h)


@pytest.mark.parametrize("f, args", [
    (rk_step_invariants, (0.4, 0.1, 5)), (invariant_in_a_branch, (0.7, 0.3, 5)),
    (invariant_of_the_outer_loop, (0.2, 0.9, 3)), (after_zero_trips, (0.5, 0.3, 0)),
    (after_zero_trips, (0.5, 0.3, 4))])
def test_gradients_through_loop_invariants_match_differences(f, args):
    got = srcdiff.grad(f, wrt=(0, 1))(*args)
    for i, g in enumerate(got):
        assert g == pytest.approx(_fd(f, args, i), rel=1e-6, abs=1e-9), (f.__name__, i)
