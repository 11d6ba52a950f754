"""Names of temporaries (srcdiff/naming.py): named after the expression they hold,
never a user's variable's name, so that no adjoint reads as a user variable's."""
import math
import re

import numpy as np
import pytest

import srcdiff
from helpers_numpy import central
from source_text import code


def decay(x, t):
    return math.exp(-x * t) * (1 + x * x)


def shifted(z, y):
    e = np.exp(z - np.max(z))
    return -np.sum(y * np.log(e / np.sum(e)))


def holds_a_temps_name(x, y):
    x_times_y = 2.0 * y  # a user variable named as srcdiff would name `x * y`
    return math.sin(x * y) * x_times_y


def names(source: str) -> set[str]:
    return set(re.findall(r"\b[A-Za-z_]\w*\b", code(source)))


def test_a_parameter_t_keeps_its_name_and_no_temporary_reads_as_its_version():
    g = srcdiff.grad(decay, wrt=(0, 1))
    got = g(0.7, 1.3)
    x, t = 0.7, 1.3
    want = (central(lambda v: decay(float(v), t), x), central(lambda v: decay(x, float(v)), t))
    assert got == pytest.approx(tuple(float(w) for w in want), rel=1e-7)
    used = names(g.source)
    assert not {n for n in used if re.fullmatch(r"(d_)?t_\d+|tmp\w*", n)}, g.source
    assert "neg_x" in used  # `-x`, named after what it holds


def test_temporaries_are_named_after_their_expression():
    g = srcdiff.grad(shifted)
    z, y = np.array([0.3, -1.2, 2.0]), np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(g(z, y), central(lambda v: shifted(v, y), z), rtol=1e-6)
    used = names(g.source)
    assert "d_z_minus_max_z" in used and "max_z" in used and "sum_e" in used
    assert not {n for n in used if re.fullmatch(r"(d_)?t(_\d+)?", n)}, g.source


def test_a_temporary_never_takes_a_users_name():
    g = srcdiff.grad(holds_a_temps_name, wrt=(0, 1))
    x, y = 0.4, 1.7
    got = g(x, y)
    want = (central(lambda v: holds_a_temps_name(float(v), y), x),
            central(lambda v: holds_a_temps_name(x, float(v)), y))
    assert got == pytest.approx(tuple(float(w) for w in want), rel=1e-7)
    used = names(g.source)
    assert "x_times_y_tmp" in used and "x_times_y_1" not in used, g.source


def rnn_like(W, U, xs):
    h = np.zeros(W.shape[0])
    total = 0.0
    for t in range(len(xs)):
        h = np.tanh(W @ h + U @ xs[t])
        total = total + np.sum(h * h)
    return total


def test_a_sum_read_only_by_a_call_is_named_for_the_call_not_a_total():
    """`np.tanh(W @ h + U @ xs[t])`: its argument is `tanh_arg` (adjoint `d_tanh_arg`),
    not `total`, which beside the user's `total` was `d_total_tmp`."""
    rng = np.random.default_rng(0)
    W, U, xs = rng.normal(size=(3, 3)) * 0.5, rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    g = srcdiff.grad(rnn_like, wrt=(0, 1))
    got = g(W, U, xs)
    for i, arg in enumerate((W, U)):
        want = central(lambda a, i=i: rnn_like(*[a if j == i else v for j, v in
                                                 enumerate((W, U))], xs), arg)
        np.testing.assert_allclose(got[i], want, rtol=1e-6, atol=1e-8)
    used = names(g.source)
    assert "d_tanh_arg" in used and "d_total" in used
    assert not {n for n in used if n.endswith("_tmp")}, g.source
