"""Hostile and unusual inputs (issue 9): each gives a correct derivative or a clear
SrcDiffError, never a Python internals error and never a wrong number."""
import functools
import math
import zlib

import numpy as np
import pytest

import srcdiff
from srcdiff import SrcDiffError


def _fd(f, args, i=0, h=1e-6):
    a, b = list(args), list(args)
    a[i] = a[i] + h
    b[i] = b[i] - h
    return (f(*a) - f(*b)) / (2 * h)


class Model:
    scale = 3.0

    def method(self, x):
        return x * x * self.scale

    @staticmethod
    def static(x):
        return math.sin(x) * x

    @classmethod
    def klass(cls, x):
        return x * cls.scale


def outer(k):
    def inner(x):
        return math.exp(k * x)
    return inner


def plain(x):
    return x * x


@functools.wraps(plain)
def wrapped(x):
    return plain(x) + 1.0


def decorator(fn):
    def wrapper(*args):
        return fn(*args) * 2
    return wrapper


@decorator
def decorated(x):
    return x * x


def generator(x):
    yield x * x


async def coroutine(x):
    return x * x


def ünïcode(α, β):
    γ = α * β + β ** 2
    return math.sin(γ)


def shadows_sum(x):
    sum = x * 2  # noqa: A001 - a local named like a builtin
    return sum * x


def local_named_np(x):
    np = 3.0  # a local named like the module
    return np * x * x


def local_named_math(x):
    math = 2.0
    return math * x


SUM = sum


def global_shadows(x):
    return SUM([x * x, x])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_static_method_and_unicode_and_shadowing(mode):
    assert srcdiff.grad(Model.static, mode=mode)(0.7) == pytest.approx(
        math.cos(0.7) * 0.7 + math.sin(0.7), rel=1e-12)
    ga, gb = srcdiff.grad(ünïcode, wrt=("α", "β"), mode=mode)(0.5, 1.5)
    g = 0.5 * 1.5 + 1.5 ** 2
    assert ga == pytest.approx(math.cos(g) * 1.5, rel=1e-12)
    assert gb == pytest.approx(math.cos(g) * (0.5 + 3.0), rel=1e-12)
    assert srcdiff.grad(shadows_sum, mode=mode)(1.5) == pytest.approx(6.0, rel=1e-12)
    assert srcdiff.grad(local_named_np, mode=mode)(1.5) == pytest.approx(9.0, rel=1e-12)
    assert srcdiff.grad(local_named_math, mode=mode)(1.5) == pytest.approx(2.0, rel=1e-12)
    assert srcdiff.grad(outer(0.5), mode=mode)(1.0) == pytest.approx(
        0.5 * math.exp(0.5), rel=1e-12)


def test_sum_under_another_name_is_resolved_by_object():
    assert srcdiff.grad(global_shadows)(1.5) == pytest.approx(4.0, rel=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_bound_method_is_differentiated(mode):
    assert srcdiff.grad(Model().method, mode=mode)(1.5) == pytest.approx(9.0, rel=1e-14)
    assert srcdiff.grad(functools.partial(plain), mode=mode)(1.5) == pytest.approx(
        3.0, rel=1e-14)  # (a partial binding nothing: d x * x / dx)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_classmethod_as_f_reads_its_class_live(mode):
    g = srcdiff.grad(Model.klass, mode=mode)
    assert g(1.5) == Model.scale  # d/dx x * cls.scale
    try:
        Model.scale = 5.0
        assert g(1.5) == 5.0
    finally:
        Model.scale = 3.0


@pytest.mark.parametrize("fn", [functools.partial(zlib.crc32),
                                np.vectorize(plain), wrapped, generator,
                                coroutine, zlib.crc32, len, Model, 3.0],
                         ids=["partial", "vectorize", "wraps",
                              "generator", "coroutine", "builtin", "len",
                              "class", "number"])
def test_not_a_transformable_function_is_a_clear_error(fn):
    with pytest.raises(SrcDiffError) as info:
        srcdiff.grad(fn)(1.5)
    assert not isinstance(info.value, (KeyError, AttributeError, TypeError))
    assert str(info.value)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_decorator_without_wraps_is_its_wrapper(mode):
    """`wrapper(*args)` returning fn(*args) * 2 (no functools.wraps: nothing hides it) is
    built for the call's one argument, fn inlined from its closure: d(2 x^2)/dx = 4x."""
    assert srcdiff.grad(decorated, mode=mode)(1.5) == 6.0


def test_generator_points_at_the_yield():
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as info:
        srcdiff.grad(generator)
    assert "yield" in str(info.value) and info.value.lineno == generator.__code__.co_firstlineno + 1


def test_coroutine_points_at_async_def():
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as info:
        srcdiff.grad(coroutine)
    assert "async" in str(info.value) and info.value.lineno == coroutine.__code__.co_firstlineno


def test_lambda_on_its_own_line():
    f = lambda x: x * math.cos(x)  # noqa: E731
    assert srcdiff.grad(f)(0.3) == pytest.approx(math.cos(0.3) - 0.3 * math.sin(0.3),
                                                 rel=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_nan_inf_and_complex_inputs(mode):
    g = srcdiff.grad(plain, mode=mode)
    assert math.isnan(g(float("nan")))
    assert g(float("inf")) == float("inf")
    with pytest.raises((SrcDiffError, TypeError)):
        g(1 + 2j)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_integer_inputs_are_treated_as_floats(mode):
    got = srcdiff.grad(ünïcode, wrt=(0, 1), mode=mode)(1, 2)
    assert all(type(v) is float for v in got)
    assert got[0] == pytest.approx(_fd(ünïcode, (1.0, 2.0), 0), rel=1e-6)
