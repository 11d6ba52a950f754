"""The written call path of a derivative function (dispatch.py): a call takes
the inline path only when its arguments' kinds match a cached specialisation;
every other call (another kind, an ndarray subclass, keywords, defaults, more
kinds than are written inline, a keyword-only parameter) still gets the right
derivative. References are hand-derived formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest

import srcdiff
from srcdiff import dispatch


def sumsq(x):
    return np.sum(x * x) * 1.5


class Sub(np.ndarray):
    pass


def test_every_kind_after_another_gets_its_own_derivative():
    g = srcdiff.grad(sumsq)
    rng = np.random.default_rng(1)
    values = [2.0, 3, np.float64(0.5), np.float32(1.5), np.array(0.7), rng.random(3),
              rng.random((2, 3)), rng.random((2, 2, 2)), np.arange(4), rng.random(3),
              np.array([True, False]), 2.0, rng.random((3, 1))]
    assert len(values) > dispatch.LIMIT  # some are never written inline
    for _ in range(2):
        for x in values:
            got = g(x)
            want = 3.0 * np.asarray(x, dtype=float)
            np.testing.assert_allclose(got, want, rtol=1e-15)
            assert np.shape(got) == np.shape(x)
            if isinstance(x, np.generic):  # a NumPy scalar keeps its type (README)
                assert type(got) is type(x)
            else:
                assert isinstance(got, float) if np.ndim(x) == 0 and not isinstance(
                    x, np.ndarray) else isinstance(got, np.ndarray)


def test_an_ndarray_subclass_of_another_rank_is_not_taken_for_the_cached_one():
    g = srcdiff.grad(sumsq)
    a = np.arange(3.0).view(Sub)
    b = np.arange(6.0).reshape(2, 3).view(Sub)
    np.testing.assert_allclose(g(a), 3.0 * np.arange(3.0), rtol=1e-15)
    np.testing.assert_allclose(g(b), 3.0 * np.arange(6.0).reshape(2, 3), rtol=1e-15)
    np.testing.assert_allclose(g(a), 3.0 * np.arange(3.0), rtol=1e-15)


def test_a_complex_array_of_a_cached_kind_is_still_refused():
    g = srcdiff.grad(sumsq)
    g(np.ones(3))
    with pytest.raises(srcdiff.SrcDiffError, match="complex"):
        g(np.ones(3, dtype=complex))


def weighted(x, w, scale=2.0):
    return scale * math.sin(x) * w


def test_keywords_defaults_and_extra_arguments_take_the_general_path():
    g = srcdiff.grad(weighted, wrt=("x", "w"))
    want = (2.0 * math.cos(0.3) * 1.5, 2.0 * math.sin(0.3))
    for call in (lambda: g(0.3, 1.5), lambda: g(0.3, 1.5, 2.0), lambda: g(0.3, w=1.5),
                 lambda: g(x=0.3, w=1.5, scale=2.0), lambda: g(0.3, 1.5)):
        assert call() == pytest.approx(want, rel=1e-15)
    assert g(0.3, 1.5, 4.0) == pytest.approx((2 * want[0], 2 * want[1]), rel=1e-15)
    with pytest.raises(TypeError):
        g(0.3, 1.5, 2.0, 7.0)


def keyword_only(x, *, k=3.0):
    return k * x * x


def test_a_keyword_only_parameter():
    g = srcdiff.grad(keyword_only)
    assert g(2.0) == pytest.approx(12.0, rel=1e-15)
    assert g(2.0, k=1.0) == pytest.approx(4.0, rel=1e-15)
    assert g(2.0) == pytest.approx(12.0, rel=1e-15)


def cube(x):
    return x ** 3


def square(x):
    return np.sum(x * x)


def test_each_derivative_function_has_its_own_call_path():
    g3, g2 = srcdiff.grad(cube), srcdiff.grad(square)
    assert type(g3) is not type(g2) and isinstance(g3, srcdiff.api.Derivative)
    for _ in range(2):
        assert g3(2.0) == pytest.approx(12.0, rel=1e-15)
        assert g2(2.0) == pytest.approx(4.0, rel=1e-15)
        np.testing.assert_allclose(g2(np.array([1.0, 2.0])), [2.0, 4.0], rtol=1e-15)


def test_value_and_grad_on_the_written_path():
    vg = srcdiff.value_and_grad(sumsq)
    x = np.array([1.0, -2.0])
    for _ in range(3):
        value, grad = vg(x)
        assert value == pytest.approx(7.5, rel=1e-15)
        np.testing.assert_allclose(grad, 3.0 * x, rtol=1e-15)
        assert grad is not x


def odd_names(self, type, _private=1.0):
    return self * type * _private


def positional_only(x, y, /, k=2.0):
    return k * x * y


def test_parameter_names_that_could_clash_with_the_call_path():
    g = srcdiff.grad(odd_names, wrt=(0, 1))
    for _ in range(2):
        assert g(2.0, 3.0) == pytest.approx((3.0, 2.0), rel=1e-15)
        assert g(self=2.0, type=3.0, _private=2.0) == pytest.approx((6.0, 4.0), rel=1e-15)
        assert g(2.0, type=3.0) == pytest.approx((3.0, 2.0), rel=1e-15)


def test_positional_only_parameters():
    g = srcdiff.grad(positional_only, wrt=(0, 1))
    for _ in range(2):
        assert g(2.0, 3.0) == pytest.approx((6.0, 4.0), rel=1e-15)
        assert g(2.0, 3.0, k=1.0) == pytest.approx((3.0, 2.0), rel=1e-15)
    with pytest.raises(TypeError):
        g(x=2.0, y=3.0)


def test_call_mistakes_are_reported_as_for_any_call():
    g = srcdiff.grad(weighted)
    g(0.3, 1.5)  # the written path is in place
    with pytest.raises(TypeError, match="missing a required argument: 'w'"):
        g(0.3)
    with pytest.raises(TypeError, match="missing a required argument: 'w'"):
        g(0.3, scale=2.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        g(0.3, 1.5, z=1.0)
    with pytest.raises(TypeError, match="too many positional arguments"):
        g(0.3, 1.5, 2.0, 4.0)


def masked_mean_square(x, mask):
    return np.mean(x[mask] ** 2)


def test_arguments_of_every_dtype_take_the_inline_path_again():
    """A boolean mask and an integer index array beside the differentiated one: the
    call path tests each dtype (a bool's character, '?', is not a name)."""
    g = srcdiff.grad(masked_mean_square)
    x = np.array([0.5, -1.0, 2.0, 3.0])
    for mask in (np.array([True, False, True, True]), np.array([0, 2, 3])):
        for _ in range(2):  # the second call: the written path
            want = np.zeros(4)
            want[mask] = 2 * x[mask] / 3
            np.testing.assert_allclose(g(x, mask), want, rtol=1e-12)


def scaled_by_setting(x, norm, smooth):
    y = np.tanh(x) if smooth else x
    return np.sum(y * y) / (x.size if norm == "mean" else 1.0)


def test_settings_are_tested_inline_by_value(monkeypatch):
    """A bool or string setting is part of the specialisation's key, tested on the
    written path by value: each setting gets its own derivative, and a repeated
    setting takes the inline path (no call of the general path)."""
    g = srcdiff.grad(scaled_by_setting)
    x = np.array([0.5, -1.0, 2.0])
    settings = [("mean", True), ("sum", False), ("sum", True), ("mean", False)]

    def want(norm, smooth):
        y, dy = (np.tanh(x), 1 - np.tanh(x) ** 2) if smooth else (x, 1.0)
        return 2 * y * dy / (x.size if norm == "mean" else 1.0)

    for s in settings:
        np.testing.assert_allclose(g(x, *s), want(*s), rtol=1e-12)
    calls = []
    general = g._call
    monkeypatch.setattr(g, "_call", lambda *a: calls.append(a) or general(*a))
    for s in settings:
        np.testing.assert_allclose(g(x, *s), want(*s), rtol=1e-12)
    assert calls == []
