"""The benchmark's moderate-size functions (softmax cross-entropy, layer norm, a
Gaussian log-likelihood, least squares, a small MLP, sum(sin cos + x^2)), whose
constant cotangents stay numbers (spread.py) and whose signs cancel (exprs.Simplify):
gradients against the hand formulas of benchmarks/cases.py and central
differences, in both modes; and the source a careful person would write."""
import numpy as np
import pytest

import srcdiff
from benchmarks import cases

CASES = {c.f.__name__: c for c in cases.CASES}
NAMES = ["softmax_xent", "layernorm", "gauss_ll", "lstsq", "mlp_small", "sincos", "doubling"]


def small_args(name):
    args = CASES[name].make(True)
    if name == "sincos":
        return (args[0][:50],)
    return args


def wrt_of(case):
    return case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)


def central(f, args, i, h=1e-6):
    """d f / d args[i] by central differences, one entry at a time."""
    x = np.array(args[i], dtype=float)
    out = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        a_up, a_down = list(args), list(args)
        a_up[i], a_down[i] = up, down
        out[j] = (f(*a_up) - f(*a_down)) / (2 * h)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_reverse_mode_against_hand_formulas_and_differences(name):
    case, args = CASES[name], small_args(name)
    got = srcdiff.grad(case.f, wrt=case.wrt)(*args)
    hand = case.hand(*args)
    got, hand = (got, hand) if isinstance(case.wrt, tuple) else ((got,), (hand,))
    for i, g, h in zip(wrt_of(case), got, hand):
        assert np.shape(g) == np.shape(args[i]) and np.asarray(g).dtype == np.float64
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(g, central(case.f, args, i), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_forward_mode_against_hand_formulas(name):
    case, args = CASES[name], small_args(name)
    r = np.random.default_rng(19)
    hand = case.hand(*args)
    hand = hand if isinstance(case.wrt, tuple) else (hand,)
    tangents = [np.zeros_like(np.asarray(a, dtype=float)) for a in args]
    want = 0.0
    for i, h in zip(wrt_of(case), hand):
        tangents[i] = r.standard_normal(np.shape(args[i]))
        want += float(np.sum(np.asarray(h) * tangents[i]))
    tangents = [t if np.ndim(a) else float(t) for a, t in zip(args, tangents)]
    _, t_out = srcdiff.jvp(case.f, tuple(args), tuple(tangents))
    assert t_out == pytest.approx(want, rel=1e-10, abs=1e-12)


def source_of(name):
    case = CASES[name]
    g = srcdiff.grad(case.f, wrt=case.wrt)
    g(*small_args(name))
    return g.source


def test_a_constant_cotangent_is_never_spread_into_an_array():
    for name in ("gauss_ll", "softmax_xent", "sincos", "layernorm"):
        assert "broadcast_to" not in source_of(name), name


def test_gaussian_loglik_reads_like_a_hand_gradient():
    src = source_of("gauss_ll")
    assert "- 1.0 * X.shape[0]" in src  # the sum of -1.0 over X's rows: a count
    assert "d_z" not in src  # -(0.5 * z) - 0.5 * z is -z, read as z where -d_z was
    assert "np.sum(z / sigma, axis=0)" in src
    assert "-(-" not in src and "--" not in src


def test_a_spread_returned_as_a_gradient_keeps_its_shape_and_float_type():
    def f(a, X):
        return np.sum(X + a)  # d a = X.shape[0] copies of 1.0, a spread count

    X = np.arange(6.0).reshape(3, 2)
    for a in (np.array([0.5, -1.0]), np.array([[0.5, -1.0]])):
        g = srcdiff.grad(f)(a, X)
        assert g.dtype == np.float64 and g.shape == a.shape and g.flags.writeable
        np.testing.assert_array_equal(g, np.full(a.shape, 3.0))
        g[...] = 0.0  # fresh: its own memory
        assert np.array_equal(srcdiff.grad(f)(a, X), np.full(a.shape, 3.0))


def test_a_spread_summed_over_every_axis_is_a_count():
    def f(b, X):
        return -np.sum(X * 2.0 + b)

    X = np.ones((4, 3))
    g = srcdiff.grad(f)
    assert g(0.5, X) == -12.0 and type(g(0.5, X)) is float
    assert srcdiff.jvp(f, (0.5, X), (1.0, np.zeros((4, 3))))[1] == -12.0


def cancels(mu, X):
    z = X - mu
    return -np.sum(0.5 * z * z) + np.sum(np.sin(z))


def keeps(mu, X):
    z = X - mu
    return -np.sum(0.5 * z * z) + np.sum(z * X)


@pytest.mark.parametrize("f", [cancels, keeps])
def test_a_negated_adjoint_read_where_its_sign_cancels_or_kept(f):
    r = np.random.default_rng(3)
    mu, X = r.standard_normal(4), r.standard_normal((5, 4))
    g = srcdiff.grad(f)
    np.testing.assert_allclose(g(mu, X), central(f, (mu, X), 0), rtol=1e-6, atol=1e-8)
    t = r.standard_normal(4)
    got = srcdiff.jvp(f, (mu, X), (t, np.zeros_like(X)))[1]
    assert got == pytest.approx(float(central(f, (mu, X), 0) @ t), rel=1e-6)
    assert "-(-" not in g.source


def peak(z):
    return 3.0 * np.max(z) + np.sum(np.max(z.reshape(2, 3), axis=1, keepdims=True))


def test_the_ties_of_a_max_share_its_cotangent_in_both_modes():
    z = np.array([1.0, 4.0, 4.0, 2.0, 2.0, 0.5])  # two ties for the max, two in row 1
    want = np.array([0.0, 2.0, 2.0, 0.5, 0.5, 0.0])  # 3/2 + 1/2 each, and 1/2 each
    g = srcdiff.grad(peak)
    np.testing.assert_array_equal(g(z), want)
    assert "count_nonzero" in g.source
    t = np.arange(6.0)
    assert srcdiff.jvp(peak, (z,), (t,))[1] == pytest.approx(want @ t)


def looped(b, X):
    acc = 0.0
    for i in range(3):
        Y = np.tanh(X[i:] * acc + 1.0)  # a shape no parameter has: rows i..
        acc = acc + np.sum(Y + b) * 0.1 - np.mean(Y - b)
    return acc


def test_a_count_read_from_a_value_of_a_loop_in_both_modes():
    r = np.random.default_rng(7)
    b, X = r.standard_normal(3), r.standard_normal((4, 3))
    g = srcdiff.grad(looped)
    np.testing.assert_allclose(g(b, X), central(looped, (b, X), 0), rtol=1e-6, atol=1e-8)
    t = r.standard_normal(3)
    got = srcdiff.jvp(looped, (b, X), (t, np.zeros_like(X)))[1]
    assert got == pytest.approx(float(central(looped, (b, X), 0) @ t), rel=1e-6)
