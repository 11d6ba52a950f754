"""SciPy rules (srcdiff/rules/scipy_rules.py, an optional extra) against central
differences in both modes, with broadcasting and the axis/b/keepdims forms; the
elementwise ones against SymPy's derivatives of their counterparts; the refused forms."""
import numpy as np
import pytest
import sympy as sp

import srcdiff
from helpers_numpy import cases, check_mode
from srcdiff.to_sympy import lower

special = pytest.importorskip("scipy.special")
linalg = pytest.importorskip("scipy.linalg")
signal = pytest.importorskip("scipy.signal")
M34, V4 = (3, 4), (4,)


# ----- elementwise -----
def gammas(x): return special.gammaln(x) + special.gamma(x) * special.digamma(x) + special.psi(x)
def polygamma(x): return special.polygamma(2, x) + special.polygamma(1, x * x)
def multigammalns(x):  # d = 3 needs a > 1
    return special.multigammaln(x + 1.5, 3) + special.multigammaln(x * x + 0.5, 1)
def betas(a, b): return special.beta(a, b) + special.betaln(a, b)
def erfs(x): return special.erf(x) * special.erfc(x) + special.erfinv(x / 3)
def erfcinv(x): return special.erfcinv(x / 3 + 1)
def logistic(x): return special.expit(x) + special.logit(special.expit(x) * 0.9)
def xlogs(x, y): return special.xlogy(x, y) + special.xlog1py(y, x)
def normals(x): return special.ndtr(x) + special.log_ndtr(x) + special.ndtri(special.ndtr(x))
def bessels(x): return special.i0(x) + special.i1(x) + special.i0e(x) * special.i1e(x)
def bessels_of_order(x):
    return (special.j0(x) * special.y1(x) + special.j1(x) + special.y0(x)
            + special.jv(2, x) * special.yn(1, x) + special.jn(3, x) + special.iv(1.5, x)
            + special.ive(0.5, x) * special.yv(2.5, x))
def incomplete(x):
    return (special.gammainc(2.5, x) + special.gammaincc(1.5, x * x) + special.rgamma(x)
            + special.betainc(2.0, 3.0, x / 3) + special.gammasgn(x - 1.0) * x)


CASES = (cases(gammas, [M34], ["f"], domain="pos") + cases(polygamma, [V4], domain="pos")
         + cases(multigammalns, [M34], ["f"], domain="pos")
         + cases(betas, [M34, M34], [M34, V4], [V4, "f"], domain="pos")
         + cases(erfs, [M34], ["f"]) + cases(erfcinv, [V4]) + cases(logistic, [M34], ["f"])
         + cases(xlogs, [M34, V4], ["f", "f"], domain="pos") + cases(normals, [M34], ["f"])
         + cases(bessels, [M34], ["f"]) + cases(bessels_of_order, [M34], ["f"], domain="pos")
         + cases(incomplete, [M34], ["f"], domain="pos"))


# ----- logsumexp, softmax, log_softmax -----
def logsumexp(x, w):
    return (special.logsumexp(x) + special.logsumexp(x, axis=0)
            + special.logsumexp(x, axis=1, keepdims=True) + special.logsumexp(x, b=w * w)
            + special.logsumexp(x, axis=-1, b=np.abs(w) + 1.0, keepdims=True))
def logsumexp_axes(x): return special.logsumexp(x, axis=(0, 2))
KEEP = False  # a global: keepdims known only at run time
def logsumexp_keep(x): return special.logsumexp(x, axis=1, keepdims=KEEP) * x[:, 0]
def softmaxes(x):
    return (special.softmax(x) + special.softmax(x, axis=0) * special.log_softmax(x, axis=1)
            + special.log_softmax(x))


CASES += cases(logsumexp, [M34, V4]) + cases(logsumexp_axes, [(2, 3, 4)]) + cases(softmaxes, [M34])
CASES += cases(logsumexp_keep, [M34])


# ----- scipy.linalg -----
def expm(a): return linalg.expm(a * 0.5)
def triangular(a, b):
    lo = a + 4 * np.eye(3)
    return (linalg.solve_triangular(lo, b, lower=True)
            + linalg.solve_triangular(lo, b, lower=False) * linalg.solve_triangular(lo, b))
def triangular_matrix(a, b): return linalg.solve_triangular(a + 4 * np.eye(3), b, lower=True)


CASES += cases(expm, [(3, 3)]) + cases(triangular, [(3, 3), (3,)])
CASES += cases(triangular_matrix, [(3, 3), (3, 2)])


def cho(a, b):
    s = a @ a.T + 3 * np.eye(3)
    return (linalg.cho_solve(linalg.cho_factor(s), b)
            + linalg.cho_solve(linalg.cho_factor(s, lower=True), b * b))
def cho_unpacked(a, b):
    c, low = linalg.cho_factor(a @ a.T + 3 * np.eye(3), lower=True)
    return linalg.cho_solve((c, low), b) * c[0, 1] + c[2, 0]  # c[0, 1]: a's own entry
def cho_twice(a, b):
    cf = linalg.cho_factor(a + 4 * np.eye(3))  # a not symmetric: the upper triangle is read
    return linalg.cho_solve(cf, b) + linalg.cho_solve(cf, b * b)


CASES += cases(cho, [(3, 3), (3,)]) + cases(cho_unpacked, [(3, 3), (3,)])
CASES += cases(cho_twice, [(3, 3), (3, 2)])


# ----- stacks of matrices, as SciPy takes them -----
B3 = (2, 3, 3)
def expm_batch(a): return linalg.expm(a * 0.5)
def triangular_batch(a, b): return linalg.solve_triangular(a + 4 * np.eye(3), b, lower=True)
def triangular_batch_upper(a, b): return linalg.solve_triangular(a + 4 * np.eye(3), b)
def cho_batch(a, b):
    s = a @ np.swapaxes(a, -1, -2) + 3 * np.eye(3)
    return (linalg.cho_solve(linalg.cho_factor(s), b)
            + linalg.cho_solve(linalg.cho_factor(s, lower=True), b))


CASES += cases(expm_batch, [B3]) + cases(triangular_batch, [B3, (2, 3, 2)], [(3, 3), (2, 3, 2)])
CASES += cases(triangular_batch_upper, [B3, (3, 2)])  # a stack of a's broadcasts one b
CASES += cases(cho_batch, [B3, (2, 3, 2)], [B3, (3, 4)])


# ----- scipy.signal.convolve in its three modes; in2 larger than in1 too -----
def conv_full(a, b): return signal.convolve(a, b) ** 2
def conv_valid(a, b): return np.sin(signal.convolve(a, b, mode="valid"))
def conv_same(a, b): return signal.convolve(a, b, "same") * a


CASES += (cases(conv_full, [(5,), (3,)], [(2, 2), (4, 3)])
          + cases(conv_valid, [(3,), (6,)], [(4, 3), (2, 2)], [(5, 4), (3, 1)])
          + cases(conv_same, [(4,), (4,)], [(2, 2), (4, 3)], [(5, 4), (3, 1)]))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case, mode):
    check_mode(case, mode)


def triangular_unknown(a, b):  # b's dimensions unknown to the kinds: a list of vectors
    return linalg.solve_triangular(a + 4 * np.eye(3), np.array(b).T, lower=True)


def test_triangular_with_b_of_unknown_dimensions(mode):
    check_mode(cases(triangular_unknown, [(3, 3), (2, 3)])[0], mode)


def test_only_the_triangle_read_gets_a_cotangent(mode):
    a = np.array([[2.0, 5.0, 7.0], [0.5, 3.0, 9.0], [0.2, 0.1, 4.0]])
    g = srcdiff.grad(lambda_lower, mode=mode)(a)
    np.testing.assert_array_equal(np.triu(g, 1), 0.0)


def lambda_lower(a): return np.sum(linalg.solve_triangular(a, np.ones(3), lower=True))
def cho_lower_flag(a): return np.sum(linalg.cho_factor(a, lower=a[0, 0] > 0)[0])


def cho_read_and_passed(a, b):
    cf = linalg.cho_factor(a + 4 * np.eye(3))
    return np.sum(linalg.cho_solve(cf, b)) + cf[0][1, 0]


def test_cho_factor_result_both_indexed_and_passed_whole(mode):
    check_mode(cases(cho_read_and_passed, [(3, 3), (3,)])[0], mode)


# ----- against SymPy: one scalar function per counterpart -----
def s_gammas(x): return special.gammaln(x) * special.gamma(x) + special.digamma(x)
def s_poly(x): return special.polygamma(1, x) + special.psi(x) * x
def s_betas(x): return special.beta(x, 1.5) * special.betaln(2.0, x)
def s_erfs(x): return special.erf(x) + special.erfc(x) + special.erfinv(x / 2)
def s_erfcinv(x): return special.erfcinv(x / 2)
def s_logistic(x): return special.expit(x) * special.logit(x / 2)
def s_xlogs(x): return special.xlogy(x, x + 1) + special.xlog1py(x, x)
def s_normals(x): return special.ndtr(x) + special.log_ndtr(x) + special.ndtri(x / 2)
def s_bessels(x): return special.i0(x) * special.i1(x) + special.i0e(x) + special.i1e(x)


@pytest.mark.parametrize("f", [s_gammas, s_poly, s_betas, s_erfs, s_erfcinv, s_logistic,
                               s_xlogs, s_normals, s_bessels], ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [0.7, 1.3])
def test_against_sympy(f, x, mode):
    expr, (s,) = lower(f, (x,), (0,))
    want = float(sp.diff(expr, s).subs(s, x).evalf(30))
    assert srcdiff.grad(f, mode=mode)(x) == pytest.approx(want, rel=1e-10)


def s_i0e_negative(x): return special.i0e(x) + special.i1e(x)


def test_exponentially_scaled_bessels_at_a_negative_point(mode):
    expr, (s,) = lower(s_i0e_negative, (-0.8,), (0,))
    want = float(sp.diff(expr, s).subs(s, -0.8).evalf(30))
    assert srcdiff.grad(s_i0e_negative, mode=mode)(-0.8) == pytest.approx(want, rel=1e-10)


# ----- refused forms -----
def lse_sign(x): return special.logsumexp(x, return_sign=True)[0]
def poly_order(x): return special.polygamma(x[0], 2.0)
def tri_trans(x): return np.sum(linalg.solve_triangular(np.eye(3) + x[0], x, trans=1))
def tri_unit(x): return np.sum(linalg.solve_triangular(np.eye(3), x, unit_diagonal=True))
def tri_lower(x): return np.sum(linalg.solve_triangular(np.eye(3), x, lower=x[0] > 0))


@pytest.mark.parametrize("f, match", [(lse_sign, "return_sign"), (tri_trans, "trans=0"),
                                      (tri_unit, "unit_diagonal"), (tri_lower, "lower=")])
def test_refused_forms(f, match, mode):
    with pytest.raises(srcdiff.SrcDiffError, match=match) as info:
        srcdiff.grad(f, mode=mode)(np.array([0.5, 1.0, 2.0]))
    assert info.value.lineno == f.__code__.co_firstlineno  # located at the call


def test_cho_factor_lower_must_be_a_constant(mode):
    with pytest.raises(srcdiff.SrcDiffError, match="lower="):
        srcdiff.grad(cho_lower_flag, mode=mode)(np.eye(3) * 2)


def test_polygamma_order_is_not_differentiated(mode):
    with pytest.raises(srcdiff.NotDifferentiableError, match="order n"):
        srcdiff.grad(poly_order, mode=mode)(np.array([1.0, 2.0]))


def multigammaln_dimension(d): return special.multigammaln(4.0, d)


def test_multigammaln_dimension_is_not_differentiated(mode):
    with pytest.raises(srcdiff.NotDifferentiableError, match="with respect to d"):
        srcdiff.grad(multigammaln_dimension, mode=mode)(3.0)


def order_iv(v): return special.iv(v, 2.0)
def order_ive(v): return special.ive(v, 2.0)
def order_jv(v): return special.jv(v, 2.0)
def order_yv(v): return special.yv(v, 2.0)
def order_yn(n): return special.yn(n, 2.0)
def shape_gammainc(a): return special.gammainc(a, 1.5)
def shape_gammaincc(a): return special.gammaincc(a, 1.5)
def shape_betainc_a(a): return special.betainc(a, 2.0, 0.3)
def shape_betainc_b(b): return special.betainc(2.0, b, 0.3)


@pytest.mark.parametrize("fn", [order_iv, order_ive, order_jv, order_yv, order_yn,
                                shape_gammainc, shape_gammaincc, shape_betainc_a,
                                shape_betainc_b])
def test_bessel_orders_and_incomplete_shapes_are_not_differentiated(fn, mode):
    """No closed form: a located refusal, never the silent zero a missing partial was."""
    with pytest.raises(srcdiff.NotDifferentiableError, match="not differentiated"):
        srcdiff.grad(fn, mode=mode)(1.5)


# ----- scipy.stats.multivariate_normal -----
stats = pytest.importorskip("scipy.stats")
MVN = stats.multivariate_normal


def mvn_logpdf(x, mean, cov): return MVN.logpdf(x, mean, cov)
def mvn_pdf(x, mean, cov): return 10.0 * MVN.pdf(x, mean, cov)
def mvn_entropy(mean, cov): return MVN.entropy(mean, cov)
def mvn_no_mean(x, cov): return MVN.logpdf(x, None, cov)
def mvn_singular_allowed(x, mean, cov): return MVN.logpdf(x, mean, cov, allow_singular=True)


def _mvn_point(rng, d=4, symmetric=True):
    m = rng.standard_normal((d, d))
    cov = m.T @ m + np.eye(d)
    if not symmetric:  # SciPy reads the lower triangle only (its eigh)
        cov = cov + 0.3 * np.triu(rng.standard_normal((d, d)), 1)
    return cov, rng.standard_normal(d)


def _both_modes_against_differences(f, args, seed):
    from helpers_numpy import assert_close, fd_jvp, fd_vjp
    rng = np.random.default_rng(seed)
    out, pullback = srcdiff.vjp(f, *args)
    ct = rng.standard_normal(np.shape(out))
    ct = ct if np.ndim(out) else float(ct)
    for i, g in enumerate(pullback(ct)):
        assert_close(g, fd_vjp(f, list(args), i, ct), what=f"vjp d/d arg {i}")
    tangents = [rng.standard_normal(np.shape(a)) if np.ndim(a) else float(rng.standard_normal())
                for a in args]
    _, tangent = srcdiff.jvp(f, tuple(args), tuple(tangents))
    assert_close(tangent, fd_jvp(f, list(args), tangents), what="jvp")


@pytest.mark.parametrize("symmetric", [True, False])
def test_multivariate_normal(symmetric):
    """logpdf and pdf in x (one point, points as rows), mean and cov, and the entropy in
    cov; cov as a matrix (of which SciPy reads the lower triangle), a number or a
    diagonal; mean None, a vector, or a number for one dimension."""
    rng = np.random.default_rng(12)
    cov, mean = _mvn_point(rng, symmetric=symmetric)
    x, points = rng.standard_normal(4), rng.standard_normal((5, 4))
    for f in (mvn_logpdf, mvn_pdf):
        _both_modes_against_differences(f, (x, mean, cov), 1)
        _both_modes_against_differences(f, (points, mean, cov), 2)
    _both_modes_against_differences(mvn_entropy, (mean, cov), 3)
    _both_modes_against_differences(mvn_logpdf, (points, mean, 1.7), 4)
    _both_modes_against_differences(mvn_logpdf, (points, mean, np.array([1.0, 2.0, 0.5, 3.0])),
                                    5)
    _both_modes_against_differences(mvn_no_mean, (points[:1], cov), 6)
    _both_modes_against_differences(mvn_logpdf, (np.array([0.3, -0.2, 1.1]), 0.4, 2.0), 7)
    _both_modes_against_differences(mvn_logpdf, (0.3, 0.4, 2.0), 8)


def test_multivariate_normal_of_a_singular_covariance_is_refused():
    cov, x = np.diag([1.0, 1.0, 0.0]), np.array([0.1, 0.2, 0.0])
    with pytest.raises(srcdiff.SrcDiffError, match="nonsingular"):
        srcdiff.grad(mvn_singular_allowed)(x, np.zeros(3), cov)


def dirichlet_logpdf(x, alpha): return stats.dirichlet.logpdf(x / np.sum(x, axis=0), alpha)
def dirichlet_pdf(x, alpha): return stats.dirichlet.pdf(x / np.sum(x, axis=0), alpha)


@pytest.mark.parametrize("f", [dirichlet_logpdf, dirichlet_pdf])
def test_dirichlet(f):
    """In x (normalised in f, as SciPy takes only points of the simplex: a point, or
    points as columns) and alpha; alpha large enough that the points keep away from the
    simplex's edges, where log x is too curved for the differences' step."""
    rng = np.random.default_rng(13)
    alpha = rng.random(4) ** 2 + 3.0
    points = rng.dirichlet(alpha, size=3).T
    for x in (points[:, 0], points, points[:, :1]):
        _both_modes_against_differences(f, (x, alpha), 9)
