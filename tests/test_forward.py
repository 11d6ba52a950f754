"""forward.Forward over primal.Primal: the primal interleaved with tangents, as AST
with Refs (printed by hint, `x_dot` is x's tangent), and the names codegen gives."""
import math

import pytest

import srcdiff
from ir_util import readable
from srcdiff import transform
from srcdiff.forward import Forward, tangent_ref


def forward_sweep(f, args, wrt=(0,)) -> str:
    su = transform.setup(f, wrt, args)
    fw = Forward(su.fn, su.active, su.ctx)
    for w in su.wrt_vars:
        fw.tan[w.id] = tangent_ref(w)
    return readable(fw.block(su.fn.body), su.fn)


def chain(x, y):
    a = math.sin(x)
    b = math.exp(a)
    k = math.floor(y)
    return b * k


def test_a_tangent_goes_before_its_primal_unless_it_reads_the_result():
    assert forward_sweep(chain, [1.0, 2.0]).splitlines() == [
        "a_dot = x_dot * math.cos(x)", "a = math.sin(x)",  # reads the operand: before
        "b = math.exp(a)", "b_dot = a_dot * b",  # reads exp's result: after
        "k = math.floor(y)",  # inactive (y is not differentiated): no tangent
        "result_dot = b_dot * k", "result = b * k"]


def test_an_inactive_value_has_no_tangent():
    text = forward_sweep(chain, [1.0, 2.0], wrt=(1,))
    assert "_dot" not in text  # floor(y) stops y's tangent


def branch(x, c):
    if c > 0:
        z = math.sin(x)
    else:
        z = 2.0
    return z


def test_each_branch_sets_the_tangent_of_the_if_output():
    text = forward_sweep(branch, [1.0, 1.0])
    then, orelse = text.split("else:")
    assert "z_dot = z_dot" in then and "z_dot = 0.0" in orelse
    g = srcdiff.grad(branch, mode="forward")
    assert (g(0.4, 1.0), g(0.4, -1.0)) == (math.cos(0.4), 0.0)


def power_loop(x, y, n):
    for _ in range(n):
        x = x ** y
    return x


def test_a_loop_carries_its_tangent_and_needs_no_tape():
    g = srcdiff.grad(power_loop, wrt=1, mode="forward")
    x, y, h = 1.5, 0.5, 1e-6
    fd = (power_loop(x, y + h, 3) - power_loop(x, y - h, 3)) / (2 * h)
    assert g(x, y, 3) == pytest.approx(fd, rel=1e-7)
    src = g.source
    assert "append" not in src and "pop" not in src
    # the tangent reads x ** y's result and the old x: the two are not one name
    assert "x_1 = x ** y" in src and "x = x_1" in src


def test_jvp_takes_tangents_as_keyword_only_dot_parameters():
    j = srcdiff.jvp(chain)
    assert j.source.startswith("def chain_jvp(x, y, *, x_dot, y_dot):")
    out, t = j((0.3, 2.5), (1.0, 0.0))
    assert out == math.exp(math.sin(0.3)) * 2 and t == pytest.approx(
        math.exp(math.sin(0.3)) * math.cos(0.3) * 2, rel=1e-15)
