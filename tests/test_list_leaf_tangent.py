"""jvp of a list holding a list of numbers (autograd's test_nested_list input,
[[1.0], 2.0, 1.5]): the inner list is one leaf, an array, and its tangent is taken as
one (it crashed in float()); against the hand formula d(x00 x1 + x2) = x1 t00 + x00 t1 + t2."""
import pytest

import srcdiff


def products(x):
    return x[0][0] * x[1] + x[2]


def test_jvp_of_a_list_holding_a_list_of_numbers():
    out, t = srcdiff.jvp(products, ([[1.0], 2.0, 1.5],), ([[0.3], 0.7, 0.1],))
    assert out == pytest.approx(3.5)
    assert t == pytest.approx(2.0 * 0.3 + 1.0 * 0.7 + 0.1, rel=1e-12)


def test_vjp_of_the_same():
    (g,) = srcdiff.vjp(products, [[1.0], 2.0, 1.5])[1](1.0)
    assert g[1] == pytest.approx(1.0) and g[2] == pytest.approx(1.0)
    assert list(g[0]) == pytest.approx([2.0])
