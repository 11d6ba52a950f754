"""Module-level data arrays (`X`, `targets`, a fixed design matrix) read by the
function: their rank and unit dimensions are known when code is written, so the
derivative has no shape plumbing for them (`_unbroadcast`, a matmul adjoint
helper); rebinding one to an array of another rank is checked at the next call,
which specialises again. References: central differences and hand formulas."""
import numpy as np
import pytest

import srcdiff

B = np.linspace(-1.0, 1.0, 6)
Y = np.array([0.5, -1.0, 2.0, 0.25, 1.5, -0.5])
DESIGN = np.arange(12.0).reshape(4, 3) / 10.0


def weighted(x):
    return np.sum((x * B - Y) ** 2)


def fitted(w):
    r = DESIGN @ w - Y[:4]
    return 0.5 * np.sum(r * r)


def central(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_module_array_needs_no_unbroadcast(mode):
    g = srcdiff.grad(weighted, mode=mode)
    x = np.linspace(0.1, 0.6, 6)
    assert np.allclose(g(x), 2 * (x * B - Y) * B, rtol=1e-12)
    if mode == "reverse":  # forward mode sweeps once per entry, through a helper
        assert "_unbroadcast" not in g.source and "def _" not in g.source


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_module_matrix_adjoint_is_a_transpose(mode):
    g = srcdiff.grad(fitted, mode=mode)
    w = np.array([0.3, -0.2, 0.7])
    hand = DESIGN.T @ (DESIGN @ w - Y[:4])
    assert np.allclose(g(w), hand, rtol=1e-12)
    if mode == "reverse":
        assert "_matmul_adjoint" not in g.source and "def _" not in g.source


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_module_array_rebound_to_another_rank_specialises_again(mode):
    global B
    g = srcdiff.grad(weighted, mode=mode)
    x = np.linspace(0.1, 0.6, 6)
    assert np.allclose(g(x), central(weighted, x), rtol=1e-6)
    saved = B
    try:
        B = np.linspace(-1.0, 1.0, 18).reshape(3, 6)  # broadcasts x to (3, 6)
        got = g(x)
        assert np.shape(got) == (6,)
        assert np.allclose(got, central(weighted, x), rtol=1e-6)
        B = np.linspace(-1.0, 1.0, 6).reshape(1, 6)  # a unit dimension
        got = g(x)
        assert np.shape(got) == (6,)
        assert np.allclose(got, central(weighted, x), rtol=1e-6)
    finally:
        B = saved
    assert np.allclose(g(x), 2 * (x * B - Y) * B, rtol=1e-12)
