"""kinds.infer: which values are certainly scalars, which certainly share a shape
(so their adjoints need no broadcasting reduction), and a parameter of a value's
shape class to read a shape from. `None` means unknown, which is always safe."""
import math

import numpy as np

from ir_util import all_vars, ir_of, named
from srcdiff import kinds
from srcdiff.kinds import MATRIX, SCALAR, VECTOR

SCALE = 2.0


def infer(f, *param_kinds):
    fn = ir_of(f)
    return fn, kinds.infer(fn, {p.id: k for p, k in zip(fn.params, param_kinds)}, globals())


def last(fn, hint):
    return named(fn, hint)[-1]


def shapes(x, y):
    u = 2 * x + 1
    v = np.sin(u) * x
    s = np.sum(v)
    r = np.sum(v, axis=0)
    z = np.zeros_like(y)
    m = x @ y
    w = x * SCALE
    return s + np.sum(r) + np.sum(z) + np.sum(m) + np.sum(w)


def test_elementwise_ops_with_constants_and_scalars_keep_the_shape_class():
    fn, k = infer(shapes, None, None)
    x = fn.params[0]
    same = {v.hint for v in all_vars(fn).values() if k.same_shape(x, v)}
    assert {"x", "u", "sin_u", "v", "w"} <= same
    assert not {"y", "z", "m", "s", "r"} & same


def test_zeros_like_has_its_arguments_shape_and_matmul_does_not():
    fn, k = infer(shapes, None, None)
    x, y = fn.params
    assert k.same_shape(last(fn, "z"), y)
    assert not k.same_shape(last(fn, "m"), x) and not k.same_shape(last(fn, "m"), y)


def test_a_full_reduction_is_a_scalar_and_an_axis_reduction_is_unknown():
    fn, k = infer(shapes, None, None)
    assert k.kind(last(fn, "s")) == SCALAR
    assert k.kind(last(fn, "r")) is None
    assert k.kind(fn.result) == SCALAR


def test_argument_kinds_give_the_number_of_dimensions():
    fn, k = infer(shapes, VECTOR, MATRIX)
    assert k.kind(last(fn, "v")) == VECTOR
    assert k.kind(last(fn, "z")) == MATRIX
    assert k.kind(last(fn, "m")) == VECTOR  # (n,) @ (n, m) is (m,)


def test_a_global_constant_is_read_at_build_time_and_guarded():
    fn, k = infer(shapes, None, None)
    assert k.guards == {"SCALE": float}


def test_the_representative_is_a_parameter_of_the_shape_class():
    fn, k = infer(shapes, None, None)
    x, y = fn.params
    assert k.representative(last(fn, "v")) is x
    assert k.representative(last(fn, "z")) is y
    assert k.representative(last(fn, "s")) is None  # a scalar has no shape to read


def scalar_use(x, y):
    return math.sin(x) * y


def test_a_math_argument_on_every_path_is_a_scalar_and_so_is_its_product():
    fn, k = infer(scalar_use, None, None)
    x, y = fn.params
    assert k.kind(x) == SCALAR
    assert k.kind(y) is None  # y may be an array: sin(x) * y broadcasts
    assert k.kind(fn.result) is None


def scalar_in_branch(x, c):
    if c > 0:
        y = math.sin(x)
    else:
        y = x
    return y + math.cos(c)


def test_a_math_argument_in_one_branch_only_says_nothing():
    fn, k = infer(scalar_in_branch, None, None)
    x, c = fn.params
    assert k.kind(c) == SCALAR
    assert k.kind(x) is None
    then_y, phi_y = named(fn, "y")[0], last(fn, "y")
    assert k.kind(then_y) == SCALAR  # sin's result is a float
    assert k.kind(phi_y) is None


def all_scalars(x, y):
    z = x * y + y ** 2
    return z / (1 + x)


def test_scalar_arguments_make_the_whole_function_scalar():
    fn, k = infer(all_scalars, SCALAR, SCALAR)
    assert all(k.kind(v) == SCALAR for v in all_vars(fn).values())


def elementwise_loop(x, n):
    for _ in range(n):
        x = 0.5 * x + np.sin(x)
    return np.sum(x)


def rnn_loop(h, W, n):
    for _ in range(n):
        h = np.tanh(W @ h)
    return np.sum(h)


def growing_loop(x, n):
    for _ in range(n):
        x = np.outer(x, x)
    return np.sum(x)


def test_a_loop_keeps_kind_and_shape_when_the_body_confirms_them():
    fn, k = infer(elementwise_loop, VECTOR, SCALAR)
    x0 = fn.params[0]
    assert all(k.same_shape(x0, v) and k.kind(v) == VECTOR for v in named(fn, "x"))


def test_a_loop_keeps_only_the_kind_when_the_shape_is_not_certain():
    fn, k = infer(rnn_loop, VECTOR, MATRIX, SCALAR)
    h0, phi = fn.params[0], named(fn, "h")[1]
    assert k.kind(phi) == VECTOR
    assert not k.same_shape(h0, phi)  # W @ h has W's rows, not h's length


def test_a_loop_that_changes_the_kind_leaves_it_unknown():
    fn, k = infer(growing_loop, VECTOR, SCALAR)
    assert [k.kind(v) for v in named(fn, "x")] == [VECTOR, None, None]
    assert k.kind(fn.result) == SCALAR


def masks(x, y):
    m = (x > 0) & ~(y < -1.0)
    c = x == 2
    n = x is None
    return np.sum(np.where(m, x, 0.0)) + np.sum(c) + n


def test_comparisons_and_mask_operators_are_elementwise_in_their_operands():
    fn, k = infer(masks, VECTOR, VECTOR)
    x = fn.params[0]
    assert k.same_shape(x, last(fn, "c"))
    assert k.kind(last(fn, "m")) == VECTOR  # x's and y's broadcast
    assert k.kind(last(fn, "n")) is None  # `is` compares objects: no shape of x's
