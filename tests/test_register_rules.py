"""`srcdiff.register` reads a function's parameters (and defaults) from its signature, a
ufunc's inputs, or a C function's docstring; the missing-rule hint shows them."""
import cmath
import math

import numpy as np
import pytest

import srcdiff
from helpers_numpy import cases, check_mode
from srcdiff.rules.table import lookup, signature_of


@pytest.fixture
def registered():
    made = []

    def register(fn, *args, **kwargs):
        made.append(fn)
        return srcdiff.register(fn, *args, **kwargs)
    yield register
    for fn in made:
        srcdiff.unregister(fn)


class Doc:
    """A callable whose only description is its docstring, as for C functions."""

    def __init__(self, doc):
        self.__name__, self.__doc__ = "blend", doc

    @property
    def __signature__(self):
        raise ValueError("no signature")


@pytest.mark.parametrize("fn, want", [
    (np.sin, (("x",), {})), (np.ldexp, (("x1", "x2"), {})),  # never out=
    (np.linalg.solve, (("a", "b"), {})),
    (np.bincount, (("x", "weights", "minlength"), {"weights": None, "minlength": 0})),
    (math.log, (("x", "base"), {"base": None})), (cmath.log, (("z", "base"), {"base": None})),
    (Doc("blend(a, b, /)\n\nMixes."), (("a", "b"), {})),
    (math.hypot, None), (np.einsum, None), (Doc("blend(*xs)"), None), (Doc("Mixes."), None)],
    ids=lambda v: getattr(v, "__name__", "want"))
def test_signature_of(fn, want):
    assert signature_of(fn) == want


def ldexp_sum(x):
    return np.sum(np.ldexp(x * x, 3))


def scaled_softplus(x, beta=2.0):
    return np.log1p(np.exp(beta * x)) / beta


def softplus_loss(x):
    return np.sum(scaled_softplus(x) + scaled_softplus(x, 0.5) * x)


def test_register_a_ufunc_by_its_inputs(registered, mode):
    rule = registered(np.ldexp, vjp=("np.ldexp(g, x2)", None))
    assert rule.params == ("x1", "x2")
    check_mode(cases(ldexp_sum, [(4,)])[0], mode)


def test_register_reads_defaults(registered, mode):
    rule = registered(scaled_softplus, vjp=("g / (1 + np.exp(-beta * x))", None))
    assert rule.defaults == {"beta": 2.0}
    check_mode(cases(softplus_loss, [(5,)])[0], mode)
    assert lookup(scaled_softplus) is rule


def uses_ldexp(x):
    return np.sum(np.ldexp(x, 2))


def uses_phase(x):
    return cmath.phase(x) * x


@pytest.mark.parametrize("f, x, hint", [
    (uses_ldexp, np.ones(3), "srcdiff.register(np.ldexp, vjp=('g * d_x1(x1, x2)', "
                             "'g * d_x2(x1, x2)'))"),
    (uses_phase, 1.5, "srcdiff.register(cmath.phase, vjp=('g * d_z(z)',))")])
def test_missing_rule_hint_shows_the_parameters(f, x, hint, mode):
    with pytest.raises(srcdiff.NotDifferentiableError) as info:
        srcdiff.grad(f, mode=mode)(x)
    assert hint in str(info.value)
