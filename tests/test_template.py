"""template.Context.template: a rule's vjp/jvp template instantiated over one
call's atoms. The text is printed with each value's hint (`g` is the incoming
cotangent or tangent); `_unbroadcast` appears only where the operand may have a
smaller shape than the result."""
import math

import numpy as np
import pytest

from ir_util import assigns, readable
from srcdiff import activity, transform
from srcdiff.rules.table import bind_args


def templates(f, args, hint, mode="vjp") -> dict[str, str | None]:
    """Parameter -> instantiated template of the call that defines `hint`, with the
    kinds of `args` (None: the generic code for any kinds)."""
    su = transform.setup(f, (0,), args)
    s = next(s for s in assigns(su.fn) if s.var.hint == hint)
    rule = activity.rule_of(s.expr)
    out = {}
    for p, a in bind_args(rule, s.expr.args, s.expr.kwargs).items():
        if a is None:
            continue
        t = su.ctx.template(rule, mode, p, bind_args(rule, s.expr.args, s.expr.kwargs), s.var)
        out[p] = None if t is None else readable(t, su.fn)
    return out


def math_sin(x):
    y = math.sin(x)
    return y


def np_sin(x):
    y = np.sin(x)
    return np.sum(y)


def product(x, y):
    z = x * y
    return np.sum(z)


def product_same_shape(x):
    y = np.sin(x)
    z = x * y
    return np.sum(z)


def product_of_derived(x, y):
    u = y * 2
    z = x * u
    return np.sum(z)


def matmul(A, B):
    C = A @ B
    return np.sum(C)


def exp(x):
    y = np.exp(x)
    return np.sum(y)


def quotient(x, y):
    z = x / y
    return np.sum(z)


V, M = np.ones(3), np.ones((3, 3))


@pytest.mark.parametrize("mode, want", [("vjp", "g * math.cos(x)"), ("jvp", "g * math.cos(x)")])
def test_parameters_become_the_calls_atoms_and_g_the_incoming_value(mode, want):
    assert templates(math_sin, [1.0], "y", mode) == {"x": want}


def test_the_module_is_the_one_the_call_used():
    assert templates(np_sin, [V], "y") == {"x": "g * np.cos(x)"}


def test_ans_is_the_calls_result():
    assert templates(exp, [V], "y") == {"x": "g * y"}
    assert templates(exp, [V], "y", "jvp") == {"x": "g * y"}
    assert templates(quotient, [1.0, 2.0], "z") == {"a": "g / y", "b": "g * (-z / y)"}


def test_scalars_never_broadcast():
    assert templates(product, [1.0, 2.0], "z") == {"a": "g * y", "b": "g * x"}


def test_a_scalar_operand_of_an_array_is_summed_back_and_the_array_is_not():
    assert templates(product, [V, 2.0], "z") == {"a": "g * y", "b": "np.sum(g * x)"}


@pytest.mark.parametrize("x, y, want", [
    (np.ones((4, 3)), np.ones(3), "np.sum(g * x, axis=0)"),  # a leading axis added
    (np.ones((4, 3)), np.ones((4, 1)), "np.sum(g * x, axis=1, keepdims=True)"),
    (np.ones((4, 3)), np.ones((1, 3)), "np.sum(g * x, axis=0, keepdims=True)"),
    (np.ones((2, 4, 3)), np.ones((4, 1)),
     "np.sum(np.sum(g * x, axis=2, keepdims=True), axis=0)"),
    (np.ones((4, 3)), np.ones((4, 3)), "g * x"),  # the same abstract shape: nothing
    (np.ones((1, 3)), np.ones((4, 1)), "np.sum(g * x, axis=1, keepdims=True)"),
])
def test_the_axes_numpy_stretched_are_known_from_the_unit_dimensions(x, y, want):
    assert templates(product, [x, y], "z")["b"] == want


def test_operands_of_unknown_shape_are_summed_back():
    want = {"a": "_unbroadcast(g * y, x)", "b": "_unbroadcast(g * x, y)"}
    assert templates(product, None, "z") == want
    # vectors of sizes not 1 never broadcast (a (1,) vector is another specialisation)
    assert templates(product, [V, V], "z") == {"a": "g * y", "b": "g * x"}
    assert templates(product, [V, np.ones(1)], "z")["b"] == "np.sum(g * x, axis=0, keepdims=True)"


def test_operands_of_one_shape_class_are_not_summed_back():
    want = {"a": "g * y", "b": "g * x"}
    assert templates(product_same_shape, None, "z") == want
    assert templates(product_same_shape, [V], "z") == want


def test_the_shape_to_sum_back_to_is_read_from_a_parameter_of_the_same_class():
    got = templates(product_of_derived, None, "z")
    assert got["b"] == "_unbroadcast(g * x, y)"  # not `u`: no value kept for its shape


def test_the_matmul_adjoint_depends_on_the_operands_kinds():
    assert templates(matmul, [M, M], "C") == {"a": "g @ B.T", "b": "A.T @ g"}
    assert templates(matmul, [V, M], "C") == {"a": "B @ g", "b": "np.outer(A, g)"}
    assert templates(matmul, None, "C") == {"a": "_matmul_adjoint_a(g, A, B)",
                                            "b": "_matmul_adjoint_b(g, A, B)"}


def test_helpers_the_template_calls_are_recorded():
    su = transform.setup(product, (0,), None)
    s = next(s for s in assigns(su.fn) if s.var.hint == "z")
    rule = activity.rule_of(s.expr)
    assert su.ctx.helpers == set()
    su.ctx.template(rule, "vjp", "b", bind_args(rule, s.expr.args, s.expr.kwargs), s.var)
    assert su.ctx.helpers == {"_unbroadcast"}
