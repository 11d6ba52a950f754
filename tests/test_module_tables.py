"""Module tables: a global tuple, list or dict of numbers read at a run-time index
(quadrature weights, a Butcher tableau's row, material constants by name).

Their items are known to be numbers when code is written, so the derivative has
no shape plumbing (`_unbroadcast`, `_shape_stub`, `float(...)`); a list or dict
changed in place to hold something else is checked at the next call, which
specialises again. References: central differences and hand formulas."""
import math

import numpy as np
import pytest

import srcdiff

WEIGHTS = (0.1, 0.2, 0.3, 0.4)
GAINS = [1.5, -0.5, 2.0]
FRICTION = {"steel": 0.12, "wood": 0.35, "rubber": 0.8}


def quadrature(x, n):
    s = 0.0
    for i in range(n):
        s = s + WEIGHTS[i] * math.sin(x * i)
    return s


def gained(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(GAINS[i] * np.sin(x) * x)
    return s


def work(theta, length, material):
    mu = FRICTION[material] if material in FRICTION else 0.5
    return mu * 9.81 * math.cos(theta) * 2 * abs(theta) * length


def central(f, x, *rest, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * h)
    return g


def test_tuple_weights_read_by_a_loop_index():
    g = srcdiff.grad(quadrature)
    x = 0.3
    hand = sum(WEIGHTS[i] * math.cos(x * i) * i for i in range(4))
    assert g(x, 4) == pytest.approx(hand, rel=1e-12)
    assert type(g(x, 4)) is float
    src = g.source
    assert "_unbroadcast" not in src and "_shape_stub" not in src and "float(" not in src
    assert "d_x += d_s * WEIGHTS[i] * math.cos(tape_x_times_i[i]) * i" in src
    code = [ln.strip() for ln in src.splitlines() if not ln.strip().startswith("#")]
    assert not any(ln.startswith("s = ") for ln in code)  # (the value: dead in the gradient)


def test_dict_of_constants_by_a_run_time_key_both_modes():
    for material in ("steel", "wood", "glass"):
        for mode in ("reverse", "forward"):
            g = srcdiff.grad(work, wrt=(0, 1), mode=mode)
            got = g(0.4, 0.8, material)
            ref = (central(lambda t, m: work(float(t), 0.8, m), 0.4, material),
                   central(lambda v, m: work(0.4, float(v), m), 0.8, material))
            assert np.allclose(got, ref, rtol=1e-7)
    g = srcdiff.grad(work, wrt=(0, 1))
    g(0.4, 0.8, "wood")
    src = g.source
    assert "_unbroadcast" not in src and "return d_theta, product * abs_theta" in src


def test_a_list_changed_in_place_is_checked_again():
    g = srcdiff.grad(gained)
    x = np.array([0.3, -0.7])
    hand = sum(GAINS[:2]) * (np.cos(x) * x + np.sin(x))
    assert np.allclose(g(x, 2), hand, rtol=1e-12)
    saved = list(GAINS)
    try:
        GAINS[1] = np.array([[1.0], [2.0], [3.0]])  # broadcasts against x: (3, 2)
        ref = central(gained, x, 2)
        assert np.allclose(g(x, 2), ref, rtol=1e-6)
        assert np.shape(g(x, 2)) == (2,)
    finally:
        GAINS[:] = saved
    assert np.allclose(g(x, 2), hand, rtol=1e-12)


def test_a_dict_given_a_new_entry_is_checked_again():
    def energy(x, material):
        return np.sum(FRICTION[material] * x * x)

    g = srcdiff.grad(energy)
    x = np.array([0.5, -1.0, 2.0])
    assert np.allclose(g(x, "wood"), 0.7 * x, rtol=1e-12)
    FRICTION["layered"] = np.array([[1.0], [3.0]])  # (2, 1) against x: (2, 3)
    try:
        assert np.allclose(g(x, "layered"), 8.0 * x, rtol=1e-12)
        assert np.allclose(g(x, "wood"), 0.7 * x, rtol=1e-12)
    finally:
        del FRICTION["layered"]


def test_a_table_of_mixed_items_is_not_assumed_scalar():
    table = (0.5, np.array([1.0, 2.0]))

    def f(x, i):
        return np.sum(table[i] * x)

    g = srcdiff.grad(f)
    assert g(0.3, 0) == pytest.approx(0.5)
    assert g(0.3, 1) == pytest.approx(3.0)
