"""np.add.at(x, i, v) in f (a scatter-add, repeated indices adding again: FEM and
histogram-style assembly) is the new value x with v added at i; and so the gradient
srcdiff writes for an index of unknown kind (np.add.at into its adjoint buffer) can
be differentiated again: hessians of x[i] with i from np.argmax or an index array.
Checked against central differences and hand formulas."""
import numpy as np
import pytest

import srcdiff

W = np.arange(1.0, 5.0)


def assemble(k, idx):
    K = np.zeros_like(W)
    np.add.at(K, idx, k ** 2)
    return np.sum(K * W * K)


def assemble_loop(k, idx):
    K = np.zeros_like(W)
    for j in range(1, 4):
        np.add.at(K, idx, np.sin(k) * j)
    return np.sum(K ** 3)


def picked(x):
    i = np.argmax(x)
    return x[i] ** 2 + np.sum(x[[0, 0, 1]] ** 3)


def fd(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


K0 = np.array([0.5, 1.5, -2.0, 0.3])
IDX = np.array([0, 2, 2, 3])  # index 2 twice: both entries add into K[2]


@pytest.mark.parametrize("f", [assemble, assemble_loop])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_scatter_add_gradient(f, mode):
    want = fd(lambda v: f(v, IDX), K0)
    np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(K0, IDX), want, rtol=1e-6)


def test_scatter_add_hand_gradient_and_no_change_to_the_inputs():
    k = K0.copy()
    K = np.zeros(4)
    np.add.at(K, IDX, k ** 2)
    want = 2 * (W * K)[IDX] * 2 * k  # d/dk_j of sum W K^2: 2 W[i_j] K[i_j] * 2 k_j
    np.testing.assert_allclose(srcdiff.grad(assemble)(k, IDX), want, rtol=1e-12)
    assert np.array_equal(k, K0)
    _, tan = srcdiff.jvp(assemble, (k, IDX), (np.ones(4), None))
    assert tan == pytest.approx(want.sum(), rel=1e-12)


def test_hessian_through_scatter_add_and_unknown_indices():
    H = srcdiff.hessian(assemble)(K0, IDX)
    want = np.array([fd(lambda v, j=j: srcdiff.grad(assemble)(v, IDX)[j], K0) for j in range(4)])
    np.testing.assert_allclose(H, want, rtol=1e-5, atol=1e-6)
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(srcdiff.hessian(picked)(x), np.diag([12 * x[0], 6 * x[1], 2.0]),
                               rtol=1e-12)


def test_a_parameter_index_is_not_taped_in_a_loop():
    g = srcdiff.grad(assemble_loop)
    g(K0, IDX)
    assert "tape_idx" not in g.source
