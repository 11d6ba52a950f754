"""Statistics, signal and ufunc-method rules (srcdiff/rules/statistics.py) against finite
differences, in both modes, one line per function and form; then the conventions at
kinks (ties, knots, zeros) against hand-derived values, and the refused forms.
"""
import numpy as np
import pytest

import srcdiff
from helpers_numpy import Case, cases, check_mode

M34, V5, T234 = (3, 4), (5,), (2, 3, 4)
NAN = np.array([[False, True, False, False], [False, False, False, True],
                [True, False, False, False]])  # where the nan-reductions' inputs are nan


# ----- nan-ignoring reductions -----
def nansum(x):
    y = np.where(NAN, np.nan, x)
    return np.nansum(y) + np.nansum(y, axis=0) + np.nansum(y, axis=1, keepdims=True)
def nanmean(x):
    y = np.where(NAN, np.nan, x)
    return np.nanmean(y) + np.nanmean(y, axis=0) + np.nanmean(y, axis=1, keepdims=True)
def nanmax(x):
    y = np.where(NAN, np.nan, x)
    return np.nanmax(y) + np.nanmax(y, axis=0) * np.nanmin(y, axis=1, keepdims=True)
def nanprod(x):
    y = np.where(NAN, np.nan, x)
    return np.nanprod(y) + np.nanprod(y, axis=0) + np.nanprod(y, axis=1, keepdims=True)
def nanvar(x):
    y = np.where(NAN, np.nan, x)
    return np.nanvar(y) + np.nanvar(y, axis=0) + np.nanvar(y, axis=1, ddof=1, keepdims=True)
def nanstd(x):
    y = np.where(NAN, np.nan, x)
    return np.nanstd(y) + np.nanstd(y, axis=0, ddof=1) + np.nanstd(y, axis=1, keepdims=True)


CASES = [c for f in (nansum, nanmean, nanmax, nanprod, nanvar, nanstd) for c in cases(f, [M34])]


# ----- order statistics -----
def median(x): return np.median(x) + np.median(x, axis=0) + np.median(x, axis=1, keepdims=True)
def median_odd(x): return np.median(x) * np.median(x[:, :3], axis=1)
def percentile(x): return np.percentile(x, 30) + np.percentile(x, [10, 90], axis=0).sum(0)
def quantile(x): return np.quantile(x, 0.3) + np.quantile(x, [0.2, 0.75], axis=1, keepdims=True)[1]
def quantile_methods(x):
    return sum(np.quantile(x, 0.37, axis=1, method=m) for m in (
        "nearest", "lower", "higher", "midpoint", "weibull", "hazen", "median_unbiased",
        "inverted_cdf", "averaged_inverted_cdf", "closest_observation"))
def quantile_axes(x): return np.quantile(x, 0.4, axis=(0, 2)) + np.quantile(x, 1.0, axis=-1).sum()


CASES += cases(median, [M34]) + cases(median_odd, [(3, 5)]) + cases(percentile, [M34])
CASES += cases(quantile, [M34]) + cases(quantile_methods, [(3, 7)]) + cases(quantile_axes, [T234])


# ----- average, ptp, cov, corrcoef -----
def average(x): return np.average(x) + np.average(x, axis=0) + np.average(x, 1, keepdims=True)
def average_weights(x, w): return np.average(x, weights=np.abs(w) + 0.5)
def average_axis(x, w): return np.average(x, axis=1, weights=np.abs(w) + 0.5) * 2
def average_keep(x, w): return np.average(x, axis=0, weights=w * w + 0.5, keepdims=True)
def average_axes(x, w): return np.average(x, axis=(2, 0), weights=w * w + 0.5)
def ptp(x): return np.ptp(x) + np.ptp(x, axis=0) + np.ptp(x, axis=1, keepdims=True)
def cov(x): return np.cov(x) + np.cov(x, bias=True) * np.cov(x, ddof=2)
def cov_cols(x): return np.cov(x, rowvar=False)
def cov_pair(x, y): return np.cov(x, y)
def cov_1d(x): return np.cov(x) + np.cov(x, x * x)[0, 1]
def corrcoef(x): return np.corrcoef(x)
def corrcoef_pair(x, y): return np.corrcoef(x, y) + np.corrcoef(x, y, rowvar=False)[0, 1]


CASES += cases(average, [M34]) + cases(average_weights, [M34, M34], [V5, V5])
CASES += cases(average_axis, [M34, (4,)]) + cases(average_keep, [M34, (3,)])
CASES += cases(average_axes, [T234, (4, 2)]) + cases(ptp, [M34])
CASES += cases(cov, [M34]) + cases(cov_cols, [(5, 3)]) + cases(cov_pair, [M34, (4,)])
CASES += cases(cov_1d, [V5]) + cases(corrcoef, [M34]) + cases(corrcoef_pair, [V5, V5])


# ----- integration and interpolation -----
def trapezoid(y): return np.trapezoid(y) + np.trapezoid(y, dx=0.5) * np.trapezoid(y[::-1])
def trapezoid_axis(y): return np.trapezoid(y, axis=0) + np.trapezoid(y, dx=0.1, axis=-1).sum()
def trapezoid_x(y, x): return np.trapezoid(y, x) + np.trapezoid(y * y, x=x, axis=-1).sum()
def trapezoid_grid(y, x): return np.trapezoid(y, x, axis=0)
def trapezoid_dx(y, d): return np.trapezoid(y, dx=d) + np.trapezoid(y * y, dx=d * d)
def interp(x, xp, fp): return np.interp(x, np.cumsum(np.abs(xp)) - 2.0, fp)
def interp_ends(x, lo, hi):
    return np.interp(x, [-1.0, 0.1, 0.5, 1.0], [2.0, 1.0, 3.0, 0.5], left=lo, right=hi * 2)
def interp_scalar(x, fp): return np.interp(x, np.array([-1.0, 0.0, 1.0]), fp)


CASES += cases(trapezoid, [V5]) + cases(trapezoid_axis, [M34])
CASES += cases(trapezoid_x, [(3, 5), V5]) + cases(trapezoid_grid, [M34, M34])
CASES += cases(trapezoid_dx, [V5, "f"]) + cases(interp, [(7,), V5, V5])
CASES += cases(interp_ends, [(7,), "f", "f"]) + cases(interp_scalar, ["f", (3,)])


# ----- signals and polynomials -----
def convolve(a, v): return np.convolve(a, v) + np.convolve(a, v, "same").sum()
def convolve_valid(a, v): return np.convolve(a, v, mode="valid")
def correlate(a, v): return np.correlate(a, v) + np.correlate(a, v, "full").sum()
def correlate_same(a, v): return np.correlate(a, v, mode="same")
def polyval(p, x): return np.polyval(p, x)
def polyval_list(a, x): return np.polyval([a, 2.0, a * a], x)
def vander(x): return np.vander(x) + np.vander(x, 3, increasing=True).sum()
def select(x, y):
    return np.select([x > 0, x < -1], [x * 2, np.sin(y)], default=y) + np.select([x > 1], [y])
def sinc(x): return np.sinc(x)
def nan_to_num(x, c):
    y = np.where(NAN, np.nan, x) + np.where(NAN[::-1], np.inf, 0.0)
    return np.nan_to_num(y, posinf=3.0) + np.nan_to_num(y, nan=c, posinf=c * c)
def copysign(x, y): return np.copysign(x, y) + np.copysign(x * y, 2.0)
def complex_parts(x):
    return np.real(x) + np.conj(x) * x.conj() + x.real + np.imag(x) + np.angle(x) + x.imag


CASES += cases(convolve, [V5, (3,)], [(3,), V5]) + cases(convolve_valid, [V5, (3,)], [(2,), V5])
CASES += cases(correlate, [V5, (3,)], [(3,), V5]) + cases(convolve, [(4,), (6,)], [(6,), (4,)])
CASES += cases(correlate_same, [(4,), (6,)], [(6,), (4,)], [(3,), (4,)])
CASES += cases(polyval, [(4,), (3,)], [(3,), "f"], [(1,), (2,)]) + cases(polyval_list, ["f", (3,)])
CASES += cases(vander, [(4,)]) + cases(select, [V5, V5], [M34, "f"]) + cases(sinc, [M34], ["f"])
CASES += cases(nan_to_num, [M34, "f"]) + cases(copysign, [M34, M34], [M34, (4,)], ["f", "f"])
CASES += cases(complex_parts, [M34], [()])


# ----- ufunc methods -----
def reduce_(x):
    return (np.add.reduce(x) + np.multiply.reduce(x, axis=1)[:, None] + np.maximum.reduce(x, 1,
            keepdims=True) * np.minimum.reduce(x, axis=None))
def accumulate(x): return np.add.accumulate(x) * np.multiply.accumulate(x, axis=1)
def running(x):
    return np.maximum.accumulate(x) * np.minimum.accumulate(x, axis=1) + np.maximum.accumulate(
        x, 1, dtype=float)
def running_vector(x): return np.maximum.accumulate(np.cumsum(x)) - np.minimum.accumulate(x)
def logaddexp_reduce(x):
    return (np.logaddexp.reduce(x) + np.logaddexp.reduce(x, axis=1)[:, None]
            + np.logaddexp2.reduce(x, 1, keepdims=True) * np.logaddexp.reduce(x, axis=None))
def outer(a, b):
    return (np.add.outer(a, b) * np.multiply.outer(a, b) + np.subtract.outer(a, b)
            + np.maximum.outer(a, b) * np.minimum.outer(a, b))


# ----- counting and polynomial derivatives -----
BINS = np.array([0, 2, 2, 4, 1, 2])  # repeated bins, and an empty one (3)
def bincount(w):
    return np.bincount(BINS, w) ** 2 + np.sin(np.bincount(BINS, weights=w, minlength=7))[:5]
def polyder(p, x):
    return (np.polyval(np.polyder(p), x) + np.polyder(p, 2) * np.polyder(p, 3)[0]
            + np.sum(np.polyder(p, 5)) + np.polyder(p, m=0)[1])
def polyder_short(p): return np.polyder(p)


CASES += cases(bincount, [(6,)]) + cases(polyder, [(4,), "f"], [(6,), "f"])
CASES += cases(polyder_short, [(1,)], [(2,)])
CASES += cases(running, [M34]) + cases(running_vector, [(7,)]) + cases(logaddexp_reduce, [M34])
CASES += cases(reduce_, [M34]) + cases(accumulate, [M34]) + cases(outer, [(3,), (2, 2)], ["f", V5])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case, mode):
    check_mode(case, mode)


# ----- conventions at kinks -----
def median_all(x): return np.median(x)
def nanmax_all(x): return np.nanmax(x)
def ptp_all(x): return np.ptp(x)
def interp_knots(x): return np.interp(x, [0.0, 1.0, 3.0], [0.0, 2.0, 3.0])
def sinc_sum(x): return np.sum(np.sinc(x))
def copysign_sum(x): return np.sum(np.copysign(x, -1.0))
def cumprod_sum(x): return np.sum(np.cumprod(x))


def test_median_ties_follow_the_stable_sort(mode):
    # sorted: 1 (idx 1), 2 (idx 0), 2 (idx 3), 5: the middle pair is idx 0 and idx 3
    np.testing.assert_array_equal(srcdiff.grad(median_all, mode=mode)(
        np.array([2.0, 1.0, 5.0, 2.0])), [0.5, 0.0, 0.0, 0.5])
    np.testing.assert_array_equal(srcdiff.grad(median_all, mode=mode)(
        np.array([2.0, 2.0, 2.0])), [0.0, 1.0, 0.0])


def test_nanmax_and_ptp_split_ties(mode):
    x = np.array([1.0, np.nan, 3.0, 3.0])
    np.testing.assert_array_equal(srcdiff.grad(nanmax_all, mode=mode)(x), [0, 0, 0.5, 0.5])
    np.testing.assert_array_equal(srcdiff.grad(ptp_all, mode=mode)(
        np.array([1.0, 4.0, 1.0, 4.0, 2.0])), [-0.5, 0.5, -0.5, 0.5, 0.0])


def test_interp_takes_the_segment_right_of_a_knot(mode):
    x = np.array([-1.0, 0.0, 1.0, 3.0, 4.0])  # outside, first knot, inner knot, last, outside
    jac = srcdiff.jacobian(interp_knots, mode=mode)(x)
    np.testing.assert_array_equal(np.diagonal(jac), [0.0, 2.0, 0.5, 0.5, 0.0])


def test_sinc_copysign_at_zero_cumprod_exact_at_zero(mode):
    x = np.array([0.0, 0.5])
    want = [0.0, (np.cos(np.pi * 0.5) - np.sinc(0.5)) / 0.5]
    np.testing.assert_allclose(srcdiff.grad(sinc_sum, mode=mode)(x), want, rtol=1e-14)
    np.testing.assert_array_equal(srcdiff.grad(copysign_sum, mode=mode)(
        np.array([0.0, 2.0, -1.0])), [0.0, -1.0, 1.0])
    x = np.array([2.0, 0.0, 3.0])  # cumprod = [2, 0, 0]: d/dx1 = 2 + 2 * 3
    np.testing.assert_array_equal(srcdiff.grad(cumprod_sum, mode=mode)(x), [1.0, 8.0, 0.0])


# ----- refused forms -----
def quantile_q(x, q): return np.quantile(x, q)
def median_overwrite(x, q): return np.median(x, overwrite_input=True)
def interp_period(x, q): return np.interp(x, [0.0, 1.0], [1.0, 2.0], period=2.0)
def average_returned(x, q): return np.average(x, returned=True)[0]
def nan_to_num_in_place(x, q): return np.nan_to_num(x * 1.0, copy=False)[0]
def piecewise(x, q): return np.sum(np.piecewise(x, [x < 1, x >= 1], [np.negative, np.square]))


@pytest.mark.parametrize("f, wrt, match", [
    (quantile_q, 1, "in q"), (median_overwrite, 0, "overwrite_input"),
    (interp_period, 0, "period"), (average_returned, 0, "returned"),
    (nan_to_num_in_place, 0, "copy=False"), (piecewise, 0, "np.where")])
def test_refused_forms_raise(f, wrt, match, mode):
    with pytest.raises(srcdiff.NotDifferentiableError, match=match) as info:
        srcdiff.grad(f, wrt=wrt, mode=mode)(np.array([0.5, 1.0, 2.0]), 0.3)
    assert info.value.lineno == f.__code__.co_firstlineno  # located at the call


def max_accumulate(x): return np.sum(np.maximum.accumulate(x) * np.arange(1.0, 6.0))


def test_a_running_max_gives_each_result_to_the_entry_it_equals(mode):
    """Hand-derived: the running max of [1, 3, 2, 3, 0] is [1, 3, 3, 3, 3]; results 1
    and 2 are entry 1's, results 3 and 4 entry 3's (a tie: the latest entry that reached
    the running max), so the weights 1..5 give [1, 2 + 3, 0, 4 + 5, 0]."""
    x = np.array([1.0, 3.0, 2.0, 3.0, 0.0])
    got = srcdiff.grad(max_accumulate, mode=mode)(x)
    np.testing.assert_allclose(got, [1.0, 2.0 + 3.0, 0.0, 4.0 + 5.0, 0.0])


def fft_power(x): return np.sum(np.abs(np.fft.rfft(x)) ** 2)
def ifft_norm(x): return np.sum(np.real(np.fft.ifft(x, n=8, norm="ortho")))
def fft_abs(x): return np.sum(np.abs(np.fft.fft(x)))
def fft_of_constant(x): return np.sum(x * np.abs(np.fft.fft(np.arange(3.0))))


@pytest.mark.parametrize("f", [fft_power, fft_abs])
def test_fft_of_an_active_value(f, mode):
    """Complex values in JAX's convention (test_complex.py has the transforms' rules)."""
    from test_complex import grad_reference
    x = np.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(x), grad_reference(f, x), rtol=1e-6)


def test_fft_resizing_its_input_is_refused(mode):
    with pytest.raises(srcdiff.NotDifferentiableError, match="n=") as info:
        srcdiff.grad(ifft_norm, mode=mode)(np.array([0.5, 1.0, 2.0]))
    assert info.value.lineno == ifft_norm.__code__.co_firstlineno


def test_fft_of_a_constant_is_fine(mode):
    g = srcdiff.grad(fft_of_constant, mode=mode)(np.ones(3))
    np.testing.assert_allclose(g, np.abs(np.fft.fft(np.arange(3.0))), rtol=1e-15)


def dft_power(x):
    X = np.sum(x * np.exp(-2j * np.pi * 3 * np.arange(5) / 5))  # a complex value inside f
    return np.abs(X) ** 2
def imaginary_scale(x): return np.sum(np.abs(x * 1j) ** 2)


@pytest.mark.parametrize("f", [dft_power, imaginary_scale])
def test_a_complex_value_made_inside_f(f, mode):
    """Differentiated in JAX's convention (test_complex.py): a real gradient."""
    from test_complex import grad_reference
    x = np.linspace(0.1, 1.0, 5)
    got = srcdiff.grad(f, mode=mode)(x)
    assert got.dtype == float
    np.testing.assert_allclose(got, grad_reference(f, x), rtol=1e-6, atol=1e-8)


# ----- second order: forward mode over the generated gradient -----
def median_squared(x): return np.median(x * x) ** 2 + np.quantile(x, 0.3) * x[0]
def convolve_squared(x): return np.sum(np.convolve(x, x, "same") ** 2)
def trapezoid_curve(x): return np.trapezoid(x * x, np.cumsum(x * x))


@pytest.mark.parametrize("f", [median_squared, convolve_squared, trapezoid_curve])
def test_hessian(f):
    from test_shaping_rules import fd_hessian
    x = np.array([0.5, -1.2, 2.0, 0.7, 1.1])
    np.testing.assert_allclose(srcdiff.hessian(f)(x), fd_hessian(f, x), rtol=1e-5, atol=1e-5)


def test_the_fft_rules_refuse_in_both_modes():
    """The transforms without a rule (irfft): refused where a complex value meets them
    (kinds.complex_values); the rule's own refusal stands behind it in both modes."""
    from srcdiff.rules.table import Bound, lookup
    for mode in ("vjp", "jvp"):
        with pytest.raises(srcdiff.NotDifferentiableError, match="np.fft function"):
            lookup(np.fft.irfft).template(mode, "_0", False, Bound({"_0": None}))
