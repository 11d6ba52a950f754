"""A function writing into its array parameter (`x[0] = a * b`, from tangent's test
functions): every entry point leaves the caller's array as it was and differentiates
at the value given, against the hand formula d/dx sum(x with x0 <- x0 x1) =
(x1, x0 + 1, 1, ...)."""
import numpy as np
import pytest

import srcdiff


def writes_first(x):
    a = x[0]
    b = x[1]
    x[0] = a * b
    return np.sum(x)


def writes_in_pair(x, y):
    x[1] = x[1] * y
    return x, np.sum(x)


X = np.array([0.5, 2.0, 3.0])
HAND = np.array([2.0, 1.5, 1.0])


def test_vjp_leaves_the_input_and_differentiates_at_it():
    x = X.copy()
    out, pullback = srcdiff.vjp(writes_first, x)
    assert np.array_equal(x, X)
    assert out == pytest.approx(6.0)
    np.testing.assert_allclose(pullback(1.0)[0], HAND, rtol=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_grad_jacobian_hessian_leave_the_input(mode):
    x = X.copy()
    np.testing.assert_allclose(srcdiff.grad(writes_first, mode=mode)(x), HAND, rtol=1e-12)
    np.testing.assert_allclose(srcdiff.jacobian(writes_first, mode=mode)(x), HAND, rtol=1e-12)
    hand_h = np.zeros((3, 3))
    hand_h[0, 1] = hand_h[1, 0] = 1.0
    np.testing.assert_allclose(srcdiff.hessian(writes_first)(x), hand_h, atol=1e-12)
    assert np.array_equal(x, X)


def test_jvp_and_a_tuple_result_leave_the_input():
    x = X.copy()
    out, t = srcdiff.jvp(writes_first, (x,), (np.array([1.0, 0.0, 0.0]),))
    assert np.array_equal(x, X) and t == pytest.approx(2.0)
    (xo, s), pullback = srcdiff.vjp(writes_in_pair, x, 3.0)
    assert np.array_equal(x, X)
    gx, gy = pullback((np.zeros(3), 1.0))
    np.testing.assert_allclose(gx, [1.0, 3.0, 1.0], rtol=1e-12)  # d sum / d x, x1 scaled by y
    assert gy == pytest.approx(2.0)  # x1
