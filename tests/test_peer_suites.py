"""Classes of refusals, crashes and wrong numbers found by running peer projects' own
test functions (autograd's) against srcdiff. Each test is a realistic function of the
class, checked in both modes against central differences."""

import numpy as np
import pytest

import srcdiff
from tests.helpers_numpy import assert_close, fd_jvp, fd_vjp


def both_modes(f, args, wrt=(0,), seed=0):
    """vjp and jvp of f with respect to args[wrt], against central differences."""
    rng = np.random.default_rng(seed)
    out, pullback = srcdiff.vjp(f, *args, wrt=wrt)
    ct = rng.standard_normal(np.shape(out))
    ct = ct if isinstance(out, np.ndarray) else float(ct)
    grads = pullback(ct)
    for i, g in zip(wrt, grads):
        assert_close(g, fd_vjp(f, list(args), i, ct), what=f"vjp d/d arg {i}")
    tangents = [rng.standard_normal(np.shape(a)) if i in wrt else np.zeros(np.shape(a))
                for i, a in enumerate(args)]
    tangents = [t if isinstance(a, np.ndarray) else None if a is None else float(t)
                for t, a in zip(tangents, args)]
    _, tan = srcdiff.jvp(f, tuple(args), tuple(tangents))

    def along(*xs):  # f of the differentiated arguments only
        full = list(args)
        for i, x in zip(wrt, xs):
            full[i] = x
        return f(*full)
    want = fd_jvp(along, [args[i] for i in wrt], [tangents[i] for i in wrt])
    assert_close(tan, want, what="jvp")


# ----- an option defaulting to None, passed as a variable that is None at run time -----
AXES = {"a": -1, "b": -1, "c": -1, "axis": None}


def _cross_globals(u, v):
    return np.cross(u, v, axisa=AXES["a"], axisb=AXES["b"], axisc=AXES["c"],
                    axis=AXES["axis"])


def _cross_params(u, v, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return np.sin(np.cross(u, v, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis))


@pytest.mark.parametrize("axes", [(0, -1, 1, None), (-1, 0, 0, None), (1, 1, -1, None),
                                  (-1, -1, -1, 0), (0, 1, 0, 1)])
def test_cross_axes_held_by_variables(axes):
    """`axis=axis` that is None at run time must not override axisa/axisb/axisc."""
    rng = np.random.default_rng(1)
    u, v = rng.standard_normal((2, 3, 3))
    AXES.update(zip(("a", "b", "c", "axis"), axes))
    both_modes(_cross_globals, (u, v), wrt=(0, 1))
    both_modes(lambda u, v: _cross_params(u, v, *axes), (u, v), wrt=(0, 1))


def _sum_axis(x, axis=None):
    return np.sum(np.tanh(x) * x, axis=axis)


def _transpose_axes(x, axes=None):
    return np.transpose(x, axes) ** 2


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_reduction_axis_parameter_that_may_be_none(axis):
    x = np.random.default_rng(2).standard_normal((3, 4))
    both_modes(_sum_axis, (x, axis))


TRANSPOSE = [None]


def _transpose_global(x):
    return _transpose_axes(x, TRANSPOSE[0])


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 0, 1)])
def test_transpose_axes_parameter_that_may_be_none(axes):
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    TRANSPOSE[0] = axes
    both_modes(_transpose_global, (x,))


# ----- a primitive differentiated itself: grad(np.sin), vjp(np.kron, a, b) -----
def test_primitives_differentiated_directly():
    import operator
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0.5, 2.0, (2, 3, 2))
    for fn, args in [(np.tanh, (x,)), (np.arctan2, (x, y)), (operator.mul, (x, y)),
                     (np.kron, (x[0], y[1])), (np.logaddexp, (x, y)), (np.linalg.det,
                     (x @ y.T + np.eye(3),)), (np.cumsum, (x,)), (np.sort, (x,))]:
        both_modes(fn, args, wrt=tuple(range(len(args))))


def test_primitive_gradient_and_hessian_by_hand():
    g = srcdiff.grad(np.sin)
    assert g(0.3) == pytest.approx(np.cos(0.3), rel=1e-14)
    assert "np.cos(x)" in g.source
    assert srcdiff.hessian(np.tanh)(0.4) == pytest.approx(
        -2 * np.tanh(0.4) / np.cosh(0.4) ** 2, rel=1e-12)
    x = np.array([[1.0, 2.0], [0.5, 3.0]])
    np.testing.assert_array_equal(srcdiff.grad(np.min)(x), [[0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(srcdiff.grad(np.sum)(x), np.ones((2, 2)))


def test_primitive_without_a_rule_is_still_refused():
    with pytest.raises(srcdiff.NotDifferentiableError, match="no Python source"):
        srcdiff.grad(np.frompyfunc(lambda v: v, 1, 1))(1.0)


# ----- results that are lists of arrays (np.split) or tuple(display) -----
def _halves(x):
    return np.split(np.sin(x) * x, 2)


def test_result_a_list_of_equal_arrays_from_split():
    x = np.random.default_rng(5).standard_normal((2, 4))
    out, pullback = srcdiff.vjp(_halves, x)
    ct = [np.full((1, 4), 1.0), np.full((1, 4), 2.0)]
    (g,) = pullback(ct)
    assert_close(g, fd_vjp(lambda v: np.stack(_halves(v)), [x], 0, np.stack(ct)))
    _, t = srcdiff.jvp(_halves, (x,), (np.ones((2, 4)),))
    assert_close(np.stack(t), fd_jvp(lambda v: np.stack(_halves(v)), [x], [np.ones((2, 4))]))


def _eig_pair(a):
    w, v = np.linalg.eigh(a @ a.T + np.eye(3))
    return tuple((w, np.abs(v)))


def test_tuple_of_a_display_returned_reverse_mode():
    a = np.random.default_rng(6).standard_normal((3, 3))
    ct = (np.array([1.0, -2.0, 0.5]), np.random.default_rng(7).standard_normal((3, 3)))
    _, pullback = srcdiff.vjp(_eig_pair, a)
    (g,) = pullback(ct)

    def scalar(a):
        w, v = _eig_pair(a)
        return np.sum(ct[0] * w) + np.sum(ct[1] * v)
    assert_close(g, fd_vjp(scalar, [a], 0, 1.0))
