"""Program structure, round 7 (found by the realistic7 corpus): norms of zero slices
that are discarded afterwards (pairwise distances with their diagonal), ...
Each against hand formulas or central differences, in both modes."""
import numpy as np
import pytest

import srcdiff

MODES = ["reverse", "forward"]


def central(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = h
        g.flat[k] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ---------------------------------------------------------------- norms at zero


def pair_energy(pos):
    n = pos.shape[0]
    iu = np.triu_indices(n, k=1)
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)[iu]
    return np.sum(1.0 / d + d ** 2)


def pair_energy_p3(pos):
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], ord=3, axis=-1)
    return np.sum(np.triu(d, 1) ** 2)


def dropped_zero_row(X):
    return np.sum(np.linalg.norm(X, axis=1)[1:])


def frobenius_of_blocks(A):
    n = np.linalg.norm(A, "fro", axis=(1, 2))
    return n[1] + 2.0 * n[2]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("f", [pair_energy, pair_energy_p3])
def test_pairwise_norm_with_zero_diagonal(f, mode):
    pos = np.array([[0.0, 0.0], [1.1, 0.2], [0.1, 1.2], [1.3, 0.9]])
    g = srcdiff.grad(f, mode=mode)(pos)
    assert np.allclose(g, central(f, pos), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", MODES)
def test_norm_of_a_discarded_zero_row_is_zero(mode):
    X = np.array([[0.0, 0.0], [3.0, 4.0]])
    g = srcdiff.grad(dropped_zero_row, mode=mode)(X)
    assert np.allclose(g, [[0.0, 0.0], [0.6, 0.8]], rtol=1e-14, atol=0)  # x / |x| by hand; 0 for the zero row


@pytest.mark.parametrize("mode", MODES)
def test_frobenius_norm_of_a_zero_block(mode):
    A = np.zeros((3, 2, 2))
    A[1] = [[1.0, 2.0], [2.0, 4.0]]
    A[2] = [[0.0, 3.0], [4.0, 0.0]]
    g = srcdiff.grad(frobenius_of_blocks, mode=mode)(A)
    want = np.stack([np.zeros((2, 2)), A[1] / 5.0, 2.0 * A[2] / 5.0])
    assert np.allclose(g, want, rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_two_norm_at_zero_is_the_zero_subgradient(mode):
    def f(x):
        return np.linalg.norm(x)

    assert np.array_equal(srcdiff.grad(f, mode=mode)(np.zeros(3)), np.zeros(3))
    x = np.array([1.0, -2.0, 2.0])
    assert np.allclose(srcdiff.grad(f, mode=mode)(x), x / 3.0, rtol=1e-14)
