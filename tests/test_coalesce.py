"""coalesce: which SSA values may share one Python name (out-of-SSA), and the
per-mode choice of which candidate pairs to accept. Assertions name the values by
hint; `(x, x, "next")` is a loop's carried `x` and the `x` computed for the next
iteration."""
import math

from ir_util import accumulate, ir_of, named
from srcdiff import coalesce


def pairs_of(f):
    fn = ir_of(f)
    return fn, coalesce.candidates(fn)


def described(pairs):
    return sorted((a.hint, b.hint, why) for a, b, why in pairs)


def rec(x, n):
    for _ in range(n):
        x = 0.9 * x + 0.1 * math.sin(x)
    return x


def test_a_carried_value_shares_a_name_with_its_init_and_its_next_value():
    fn, pairs = pairs_of(rec)
    assert described(pairs) == [("x", "x", "init"), ("x", "x", "next")]
    x0, phi, nxt = named(fn, "x")
    assert {(a.id, b.id) for a, b, _ in pairs} == {(phi.id, x0.id), (phi.id, nxt.id)}


def renamed_init(h0, n):
    h = h0
    for _ in range(n):
        h = h * 2
    return h + h0


def test_a_parameter_keeps_its_own_name_when_the_loop_variable_is_another():
    _, pairs = pairs_of(renamed_init)
    assert described(pairs) == [("h", "h", "next")]  # never `h0 = h0 * 2`


def read_after_next(x, n):
    s = 0.0
    for _ in range(n):
        xn = x + 1
        s = s + x
        x = xn
    return s + x


def test_a_next_value_written_before_the_last_read_of_the_carried_one_is_not_a_pair():
    _, pairs = pairs_of(read_after_next)
    # `x = x + 1` in place of `xn` would change the `x` that `s + x` reads
    assert ("x", "xn", "next") not in described(pairs)
    assert ("s", "s", "next") in described(pairs)


def branch(x, c):
    a = x * 3
    if c > 0:
        d = a * 2
    else:
        d = a
    return d + a


def test_an_if_output_shares_a_name_only_with_a_value_its_branch_defines():
    _, pairs = pairs_of(branch)
    assert described(pairs) == [("d", "d", "if")]  # not `a`: it is read after the if


def test_reverse_groups_share_a_name_when_the_adjoint_reads_one_value_of_the_group():
    fn, pairs = pairs_of(rec)
    x0, phi, nxt = named(fn, "x")
    groups = coalesce.reverse_groups(pairs, needed={phi.id})  # cos(x) reads the carried x
    assert groups.leader(x0) == groups.leader(phi) == groups.leader(nxt)


def test_reverse_groups_never_hold_two_values_the_adjoint_reads_in_one_name():
    fn, pairs = pairs_of(rec)
    x0, phi, nxt = named(fn, "x")
    groups = coalesce.reverse_groups(pairs, needed={phi.id, nxt.id})
    assert groups.leader(phi) != groups.leader(nxt)


def test_reverse_groups_keep_an_init_the_adjoint_reads_under_its_own_name():
    fn, pairs = pairs_of(rec)
    x0, phi, nxt = named(fn, "x")
    groups = coalesce.reverse_groups(pairs, needed={x0.id})
    assert groups.leader(x0) != groups.leader(phi)
    assert groups.leader(phi) == groups.leader(nxt)


def test_an_if_output_and_its_branch_value_are_one_value_for_the_reverse_sweep():
    fn, pairs = pairs_of(branch)
    then_d, phi_d = named(fn, "d")
    groups = coalesce.reverse_groups(pairs, needed={then_d.id, phi_d.id})
    assert groups.leader(then_d) == groups.leader(phi_d)


def test_forward_groups_split_a_next_value_computed_directly_from_the_carried_one():
    fn, pairs = pairs_of(accumulate)
    phi, nxt = named(fn, "s")  # `s = 0.0` is a constant, no value of its own
    assert described(pairs) == [("s", "s", "next")]
    groups = coalesce.forward_groups(fn, pairs)
    assert groups.leader(phi) != groups.leader(nxt)  # `s + x * i` reads s itself


def test_forward_groups_share_when_the_next_value_reads_the_carried_one_only_indirectly():
    fn, pairs = pairs_of(rec)
    x0, phi, nxt = named(fn, "x")
    groups = coalesce.forward_groups(fn, pairs)  # x = t + t_1: temps read x, not the sum
    assert groups.leader(x0) == groups.leader(phi) == groups.leader(nxt)
