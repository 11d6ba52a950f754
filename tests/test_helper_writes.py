"""A helper that writes into an array or list it is passed (`u[0] = left`,
`acc.append(v)`) changes the caller's object: the caller's names see the change, so
srcdiff writes the changed value back to them. Checked in both modes against central
differences; the cases it cannot write back are located errors."""
import numpy as np
import pytest

import srcdiff
from tests.helpers_numpy import assert_close, fd_vjp


def _apply_dirichlet(u, left, right):
    u[0] = left
    u[-1] = right


def heat(u0, kappa, steps=20):
    u = u0.copy()
    for _ in range(steps):
        u = u + kappa * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
        _apply_dirichlet(u, 0.0, 1.0)
    return np.sum(u ** 2)


def _relax(u, c):
    for i in range(1, len(u) - 1):
        u[i] = c * (u[i - 1] + u[i + 1])


def relaxed(x, c):
    u = x * 1.0
    _relax(u, c)
    return np.sum(u ** 2)


def _fix_ends(u):
    u[0] = 0.0
    u[-1] = u[-2]


def two_names(x):
    u = np.sin(x)
    v = u
    _fix_ends(v)  # u is the same array: it sees the change too
    return np.sum(u * x)


def _boundary(u, flag):
    if flag > 0:
        u[0] = 0.0
    u[-1] = u[-2]


def boundaries_twice(x):
    u = np.sin(x)
    _boundary(u, 1)
    v = u
    _boundary(v, -1)
    return np.sum(u * v)


def _collect(acc, v):
    acc.append(v * 2)


def appended(x):
    acc = []
    for i in range(3):
        _collect(acc, x[i])
    return sum(acc) ** 2


X = np.random.default_rng(1).standard_normal(6)


@pytest.mark.parametrize("f, args", [(heat, (np.abs(X), 0.2)), (relaxed, (X, 0.4)),
                                     (two_names, (X,)), (appended, (X,)),
                                     (boundaries_twice, (X,))])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_helpers_writes_are_seen_by_the_caller(f, args, mode):
    got = srcdiff.grad(f, mode=mode)(*args)
    assert_close(got, fd_vjp(f, list(args), 0, 1.0), what=f.__name__)


def _writes_then_rebinds(u):
    u[0] = 0.0
    u = u * 2
    return u


def rebinds(x):
    u = x * 1.0
    w = _writes_then_rebinds(u)
    return np.sum(u * w)


def _bump(u):
    u[0] = u[0] * 3
    return np.sum(u)


def in_a_loop_for_its_value(x):
    u = x * 1.0
    s = 0.0
    for _ in range(3):
        s = s + _bump(u)
    return s + np.sum(u ** 2)


def _scale(a):
    a *= 2.0


def scaled_in_place(x):
    y = x * 1.0
    _scale(y)
    return np.sum(y * x)


def in_a_list(x):
    y = x * 1.0
    held = [y]
    _fix_ends(y)
    return np.sum(held[0] * x)


@pytest.mark.parametrize("f, line", [(rebinds, "w = _writes_then_rebinds(u)"),
                                     (in_a_loop_for_its_value, "changed in place in this loop"),
                                     (scaled_in_place, "a *= 2.0"),
                                     (in_a_list, "u[0] = 0.0")])
def test_writes_that_cannot_be_written_back_are_located_errors(f, line):
    with pytest.raises(srcdiff.SrcDiffError) as e:
        srcdiff.grad(f)(X)
    assert line in str(e.value)


def test_a_stencil_loop_tapes_nothing_for_shapes():
    """np.roll keeps its argument's shape (a fact of its rule): the heat equation's
    gradient needs no tape at all (it is linear) and no shape stand-in."""
    g = srcdiff.grad(heat)
    u0 = np.abs(X)
    assert_close(g(u0, 0.2), fd_vjp(heat, [u0, 0.2], 0, 1.0), what="heat")
    assert "tape" not in g.source and "_shape_stub" not in g.source
    assert "_unbroadcast" not in g.source
