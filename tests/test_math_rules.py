"""The math module's rules (srcdiff/rules/scalar.py) against SymPy's derivatives of their
counterparts, through `srcdiff.check`, in both modes; the corpus (corpus_scalar.py) checks
them against central differences and hand formulas."""
import math

import numpy as np
import pytest
import sympy as sp

import srcdiff
from srcdiff.to_sympy import lower
from helpers_numpy import central


def gamma_lgamma(x, y): return math.gamma(x) * math.lgamma(y)
def cbrt_exp2(x, y): return math.cbrt(x) * math.exp2(y) + math.ldexp(x * y, 2)
def fmod_remainder(x, y): return math.fmod(x, y) + math.remainder(x * 3, y)
def hypot_dist(x, y): return math.hypot(x, y, x * y) + math.dist([x, 1.0], [y, x * x])


PY311 = pytest.mark.skipif(not hasattr(math, "cbrt"), reason="math.cbrt, math.exp2: 3.11")


@pytest.mark.parametrize("f, point", [
    (gamma_lgamma, (2.3, 0.6)), (gamma_lgamma, (0.3, 7.5)), (gamma_lgamma, (-0.4, 1.5)),
    pytest.param(cbrt_exp2, (1.7, -0.4), marks=PY311),
    pytest.param(cbrt_exp2, (-2.2, 0.9), marks=PY311),
    (fmod_remainder, (5.3, 2.1)), (fmod_remainder, (-5.3, 1.9)),
    (hypot_dist, (0.7, -1.2))], ids=lambda v: getattr(v, "__name__", str(v)))
def test_against_sympy(f, point, mode):
    expr, symbols = lower(f, point, (0, 1))
    at = dict(zip(symbols, point))
    want = [float(sp.diff(expr, s).subs(at).evalf(30)) for s in symbols]
    got = srcdiff.grad(f, wrt=(0, 1), mode=mode)(*point)
    assert got == pytest.approx(want, rel=1e-12)
    if mode == "reverse":
        report = srcdiff.check(f, *point, wrt=(0, 1))
        assert report.method == "sympy" and report.ok, report


def hypot_only(x): return math.hypot(x, 0.0, 0.0)
def dist_only(x): return math.dist([x, 1.0], [0.0, 1.0])


@pytest.mark.parametrize("f", [hypot_only, dist_only])
def test_hypot_and_dist_at_zero_are_undefined(f, mode):
    # the 2-norm's derivative x / |x| at 0: Python's float division raises, reported as undefined
    with pytest.raises(srcdiff.SrcDiffError, match="undefined"):
        srcdiff.grad(f, mode=mode)(0.0)


def gammas(x): return math.gamma(x) * math.lgamma(x)


@pytest.mark.parametrize("x", [1.5, 0.3, -0.6, 12.5])
def test_second_derivative_of_gamma(x):
    # (the gradient's _digamma helper uses NumPy: forward mode over it needs this module to
    # import numpy, since the fence refuses the `import numpy` a gradient would add)
    h = 1e-4 * max(1.0, abs(x))  # second differences of the primal
    want = (gammas(x + h) - 2 * gammas(x) + gammas(x - h)) / (h * h)
    assert srcdiff.hessian(gammas)(x) == pytest.approx(want, rel=1e-5)


def _truncated_sqrt_scalar(v, w):
    return math.sqrt(max(v, 0.0)) * w + math.sqrt(w)


def _truncated_sqrt_array(v, w):
    return np.sum(np.sqrt(np.maximum(v, 0.0) * 0.5) * w) + float(np.sqrt(np.maximum(w, 0.0)))


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # (reverse: sqrt's inf,
@pytest.mark.parametrize("mode", ["forward", "reverse"])  # then selected away)
def test_sqrt_of_a_truncated_value_where_it_is_zero(mode):
    """sqrt(max(v, 0)) at v < 0 is constant: its derivative is 0. The tangent reaching
    sqrt is exactly 0 there, and 0 times the infinite partial at 0 is 0 (it was
    0 / 0 = nan in forward mode, as in the full-truncation Heston scheme). (Reverse
    mode on floats divides by sqrt's 0 before max selects: a located error.)"""
    g = srcdiff.grad(_truncated_sqrt_scalar, wrt=(0, 1), mode=mode)
    if mode == "forward":
        gv, gw = g(-0.3, 2.0)
        assert gv == 0.0 and gw == pytest.approx(0.5 / math.sqrt(2.0), rel=1e-12)
    else:
        with pytest.raises(srcdiff.SrcDiffError, match="undefined at this point"):
            g(-0.3, 2.0)
    v = np.array([-0.5, 0.8, -1.0, 2.0])
    h = srcdiff.grad(_truncated_sqrt_array, wrt=(0, 1), mode=mode)
    hv, hw = h(v, 1.5)
    np.testing.assert_allclose(hv, central(lambda u: _truncated_sqrt_array(u, 1.5), v),
                               rtol=1e-7, atol=1e-12)
    assert hv[0] == 0.0 and hv[2] == 0.0
    assert hw == pytest.approx(float(central(lambda u: _truncated_sqrt_array(v, u), 1.5)),
                               rel=1e-7)
