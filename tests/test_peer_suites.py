"""Classes of refusals, crashes and wrong numbers found by running peer projects' own
test functions (autograd's) against srcdiff. Each test is a realistic function of the
class, checked in both modes against central differences."""

import numpy as np
import pytest

import srcdiff
from tests.helpers_numpy import assert_close, fd_jvp, fd_vjp


def both_modes(f, args, wrt=(0,), seed=0):
    """vjp and jvp of f with respect to args[wrt], against central differences."""
    rng = np.random.default_rng(seed)
    out, pullback = srcdiff.vjp(f, *args, wrt=wrt)
    ct = rng.standard_normal(np.shape(out))
    ct = ct if isinstance(out, np.ndarray) else float(ct)
    grads = pullback(ct)
    for i, g in zip(wrt, grads):
        assert_close(g, fd_vjp(f, list(args), i, ct), what=f"vjp d/d arg {i}")
    tangents = [rng.standard_normal(np.shape(a)) if i in wrt else np.zeros(np.shape(a))
                for i, a in enumerate(args)]
    tangents = [None if a is None or i not in wrt else t if isinstance(a, np.ndarray)
                else float(t) for i, (t, a) in enumerate(zip(tangents, args))]
    _, tan = srcdiff.jvp(f, tuple(args), tuple(tangents))

    def along(*xs):  # f of the differentiated arguments only
        full = list(args)
        for i, x in zip(wrt, xs):
            full[i] = x
        return f(*full)
    want = fd_jvp(along, [args[i] for i in wrt], [tangents[i] for i in wrt])
    assert_close(tan, want, what="jvp")


# ----- an option defaulting to None, passed as a variable that is None at run time -----
AXES = {"a": -1, "b": -1, "c": -1, "axis": None}


def _cross_globals(u, v):
    return np.cross(u, v, axisa=AXES["a"], axisb=AXES["b"], axisc=AXES["c"],
                    axis=AXES["axis"])


def _cross_params(u, v, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return np.sin(np.cross(u, v, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis))


@pytest.mark.parametrize("axes", [(0, -1, 1, None), (-1, 0, 0, None), (1, 1, -1, None),
                                  (-1, -1, -1, 0), (0, 1, 0, 1)])
def test_cross_axes_held_by_variables(axes):
    """`axis=axis` that is None at run time must not override axisa/axisb/axisc."""
    rng = np.random.default_rng(1)
    u, v = rng.standard_normal((2, 3, 3))
    AXES.update(zip(("a", "b", "c", "axis"), axes))
    both_modes(_cross_globals, (u, v), wrt=(0, 1))
    both_modes(lambda u, v: _cross_params(u, v, *axes), (u, v), wrt=(0, 1))


def _sum_axis(x, axis=None):
    return np.sum(np.tanh(x) * x, axis=axis)


def _transpose_axes(x, axes=None):
    return np.transpose(x, axes) ** 2


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_reduction_axis_parameter_that_may_be_none(axis):
    x = np.random.default_rng(2).standard_normal((3, 4))
    both_modes(_sum_axis, (x, axis))


TRANSPOSE = [None]


def _transpose_global(x):
    return _transpose_axes(x, TRANSPOSE[0])


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 0, 1)])
def test_transpose_axes_parameter_that_may_be_none(axes):
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    TRANSPOSE[0] = axes
    both_modes(_transpose_global, (x,))


# ----- a primitive differentiated itself: grad(np.sin), vjp(np.kron, a, b) -----
def test_primitives_differentiated_directly():
    import operator
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0.5, 2.0, (2, 3, 2))
    for fn, args in [(np.tanh, (x,)), (np.arctan2, (x, y)), (operator.mul, (x, y)),
                     (np.kron, (x[0], y[1])), (np.logaddexp, (x, y)), (np.linalg.det,
                     (x @ y.T + np.eye(3),)), (np.cumsum, (x,)), (np.sort, (x,))]:
        both_modes(fn, args, wrt=tuple(range(len(args))))


def test_primitive_gradient_and_hessian_by_hand():
    g = srcdiff.grad(np.sin)
    assert g(0.3) == pytest.approx(np.cos(0.3), rel=1e-14)
    assert "np.cos(x)" in g.source
    assert srcdiff.hessian(np.tanh)(0.4) == pytest.approx(
        -2 * np.tanh(0.4) / np.cosh(0.4) ** 2, rel=1e-12)
    x = np.array([[1.0, 2.0], [0.5, 3.0]])
    np.testing.assert_array_equal(srcdiff.grad(np.min)(x), [[0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(srcdiff.grad(np.sum)(x), np.ones((2, 2)))
    # wrt=None differentiates the operands alone, not the options
    _, pullback = srcdiff.vjp(np.std, x)
    (g,) = pullback(1.0)
    assert_close(g, (x - x.mean()) / (x.size * x.std()))
    _, pullback = srcdiff.vjp(np.append, x[0], 2.0)
    ga, gb = pullback(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(ga, [1.0, 2.0])
    assert gb == 3.0
    assert "def sum_grad(a, axis=None, *, keepdims=False):" in srcdiff.grad(np.sum).source


@pytest.mark.parametrize("spec, shapes", [
    ("ij,jk->ik", [(3, 4), (4, 2)]), ("ij,jk,k->i", [(3, 4), (4, 5), (5,)]),
    ("ij->ji", [(3, 4)]), ("...j,jk->...k", [(2, 3, 4), (4, 2)]), ("ii->i", [(3, 3)])])
def test_primitive_of_any_number_of_arguments_differentiated_directly(spec, shapes):
    """vjp(np.einsum, "ij,jk->ik", a, b): a shim of as many parameters as the call has."""
    rng = np.random.default_rng(14)
    ops = [rng.standard_normal(s) for s in shapes]
    both_modes(np.einsum, (spec, *ops), wrt=tuple(range(1, len(ops) + 1)))


def test_primitive_without_a_rule_is_still_refused():
    with pytest.raises(srcdiff.NotDifferentiableError, match="no Python source"):
        srcdiff.grad(np.frompyfunc(lambda v: v, 1, 1))(1.0)


# ----- results that are lists of arrays (np.split) or tuple(display) -----
def _halves(x):
    return np.split(np.sin(x) * x, 2)


def test_result_a_list_of_equal_arrays_from_split():
    x = np.random.default_rng(5).standard_normal((2, 4))
    out, pullback = srcdiff.vjp(_halves, x)
    ct = [np.full((1, 4), 1.0), np.full((1, 4), 2.0)]
    (g,) = pullback(ct)
    assert_close(g, fd_vjp(lambda v: np.stack(_halves(v)), [x], 0, np.stack(ct)))
    _, t = srcdiff.jvp(_halves, (x,), (np.ones((2, 4)),))
    assert_close(np.stack(t), fd_jvp(lambda v: np.stack(_halves(v)), [x], [np.ones((2, 4))]))


def _pieces_of(x, at):
    return np.split(np.sin(x) * x, at, axis=1)


@pytest.mark.parametrize("fn, args", [(_pieces_of, ([1, 3],)), (_pieces_of, (2,)),
                                      (np.array_split, (3,)), (np.vsplit, ([1],)),
                                      (np.hsplit, ([1, 2],))])
def test_result_a_list_of_pieces_of_different_shapes(fn, args):
    """`return np.split(x, [1, 3])`: the call's result is named before the return,
    which reads its pieces (refused as a result not written out before)."""
    rng = np.random.default_rng(15)
    x = rng.standard_normal((3, 4))
    out, pullback = srcdiff.vjp(fn, x, *args, wrt=(0,))
    ct = [rng.standard_normal(np.shape(o)) for o in out]
    (g,) = pullback(ct)
    flat = lambda x: np.concatenate([np.ravel(o) for o in fn(x, *args)])  # noqa: E731
    assert_close(g, fd_vjp(flat, [x], 0, np.concatenate([np.ravel(c) for c in ct])))
    t = rng.standard_normal(x.shape)
    _, tan = srcdiff.jvp(fn, (x, *args), (t, *[None] * len(args)))
    assert_close(np.concatenate([np.ravel(v) for v in tan]), fd_jvp(flat, [x], [t]))


def _eig_pair(a):
    w, v = np.linalg.eigh(a @ a.T + np.eye(3))
    return tuple((w, np.abs(v)))


def test_tuple_of_a_display_returned_reverse_mode():
    a = np.random.default_rng(6).standard_normal((3, 3))
    ct = (np.array([1.0, -2.0, 0.5]), np.random.default_rng(7).standard_normal((3, 3)))
    _, pullback = srcdiff.vjp(_eig_pair, a)
    (g,) = pullback(ct)

    def scalar(a):
        w, v = _eig_pair(a)
        return np.sum(ct[0] * w) + np.sum(ct[1] * v)
    assert_close(g, fd_vjp(scalar, [a], 0, 1.0))


def test_tuple_of_a_display_returned_forward_mode():
    """tuple((w, v)) had no forward rule (autograd's linalg tests in forward mode)."""
    rng = np.random.default_rng(13)
    a, t = rng.standard_normal((2, 3, 3))
    flat = lambda a: np.concatenate([np.ravel(x) for x in _eig_pair(a)])  # noqa: E731
    _, tan = srcdiff.jvp(_eig_pair, (a,), (t,))
    assert isinstance(tan, tuple)
    assert_close(np.concatenate([np.ravel(x) for x in tan]), fd_jvp(flat, [a], [t]))


# ----- scipy.stats densities and distribution functions (log-likelihoods) -----
stats = pytest.importorskip("scipy.stats")
_R = np.random.default_rng(8)
_X, _POS, _UNIT = _R.standard_normal(4), _R.uniform(0.5, 3.0, 4), _R.uniform(0.1, 0.9, 4)
_DF, _K = _R.uniform(2.5, 6.0, 4), np.array([0.0, 1.0, 3.0, 6.0])
STATS_CASES = [  # (function, arguments, the differentiated ones)
    (stats.norm.pdf, (_X, _X[::-1], _POS), (0, 1, 2)),
    (stats.norm.logpdf, (_X, _X[::-1], _POS), (0, 1, 2)),
    (stats.norm.cdf, (_X, _X[::-1], _POS), (0, 1, 2)),
    (stats.norm.sf, (_X, _X[::-1], _POS), (0, 1, 2)),
    (stats.norm.logcdf, (_X, _X[::-1], _POS), (0, 1, 2)),
    (stats.norm.logsf, (_X, _X[::-1], _POS), (0, 1, 2)),
    (stats.norm.logpdf, (_X.reshape(2, 2), 0.3, _POS[:2].reshape(2, 1)), (0, 1, 2)),
    (stats.t.pdf, (_X, _DF, _X[::-1], _POS), (0, 1, 2, 3)),
    (stats.t.logpdf, (_X, _DF, _X[::-1], _POS), (0, 1, 2, 3)),
    (stats.t.cdf, (_X, _DF, _X[::-1], _POS), (0, 2, 3)),
    (stats.t.logcdf, (_X, _DF, _X[::-1], _POS), (0, 2, 3)),
    (stats.gamma.pdf, (_POS, _DF), (0, 1)),
    (stats.gamma.logpdf, (_POS, _DF), (0, 1)),
    (stats.gamma.cdf, (_POS, _DF), (0,)),
    (stats.chi2.pdf, (_POS, _DF), (0, 1)),
    (stats.chi2.logpdf, (_POS, _DF), (0, 1)),
    (stats.chi2.cdf, (_POS, _DF), (0,)),
    (stats.beta.pdf, (_UNIT, _DF, _POS), (0, 1, 2)),
    (stats.beta.logpdf, (_UNIT, _DF, _POS), (0, 1, 2)),
    (stats.beta.cdf, (_UNIT, _DF, _POS), (0,)),
    (stats.poisson.pmf, (_K, _POS), (1,)),
    (stats.poisson.logpmf, (_K, _POS), (1,)),
    (stats.poisson.cdf, (_K, _POS), (1,)),
]


@pytest.mark.parametrize("fn, args, wrt", STATS_CASES,
                         ids=[f"{c[0].__self__.name}.{c[0].__name__}-{i}"
                              for i, c in enumerate(STATS_CASES)])
def test_scipy_stats_functions(fn, args, wrt):
    global STAT_FN
    STAT_FN = fn
    both_modes(_WEIGHTED[len(args)], args, wrt=wrt)
    both_modes(fn, args, wrt=wrt)  # (the function itself)


STAT_FN = None
_W = np.array([1.0, -0.5, 2.0, 0.25])


def _weighted2(a, b):
    return STAT_FN(a, b) * np.reshape(_W, np.shape(a))


def _weighted3(a, b, c):
    return np.sum(STAT_FN(a, b, c) * np.reshape(_W, np.shape(a)))


def _weighted4(a, b, c, d):
    return np.tanh(STAT_FN(a, b, c, d))


_WEIGHTED = {2: _weighted2, 3: _weighted3, 4: _weighted4}


def _gaussian_loglik(mu, log_sigma, data):
    return np.sum(stats.norm.logpdf(data, mu, np.exp(log_sigma)))


def test_gaussian_log_likelihood_by_hand():
    data = np.array([0.5, -1.0, 2.0])
    mu, ls = 0.3, -0.2
    s = np.exp(ls)
    gm, gs = srcdiff.grad(_gaussian_loglik, wrt=(0, 1))(mu, ls, data)
    assert gm == pytest.approx(np.sum(data - mu) / s ** 2, rel=1e-12)
    assert gs == pytest.approx(np.sum((data - mu) ** 2) / s ** 2 - 3, rel=1e-12)


def test_scipy_stats_loc_scale_where_the_rule_has_none_is_refused():
    def f(x):
        return np.sum(stats.gamma.logpdf(x, 2.0, loc=0.5))
    with pytest.raises(srcdiff.SrcDiffError, match="loc"):
        srcdiff.grad(f)(np.array([1.0, 2.0]))


@pytest.mark.parametrize("fn, args, i", [
    (stats.t.cdf, (0.7, 3.0), 1), (stats.t.logcdf, (0.7, 3.0, 0.1, 2.0), 1),
    (stats.gamma.cdf, (1.3, 2.5), 1), (stats.chi2.cdf, (1.3, 2.5), 1),
    (stats.beta.cdf, (0.3, 2.5, 1.5), 1), (stats.beta.cdf, (0.3, 2.5, 1.5), 2)])
def test_distribution_function_in_a_shape_parameter_is_refused(fn, args, i, mode):
    """Their derivative in df, a, b has no closed form: it was a silent zero."""
    with pytest.raises(srcdiff.NotDifferentiableError, match="no derivative with respect"):
        srcdiff.grad(fn, wrt=i, mode=mode)(*args)


def test_library_function_with_source_and_a_rule_takes_the_rule():
    """scipy.special.polygamma is Python calling zeta (no rule): differentiated
    itself it is its rule, as where a function calls it."""
    special = pytest.importorskip("scipy.special")
    x = np.array([0.7, 1.6, 2.5])
    both_modes(special.polygamma, (1, x), wrt=(1,))
    both_modes(special.jn, (2, x), wrt=(1,))


# ----- a lambda defined in f, passed to a call srcdiff keeps as written -----
def _grad_of_a_closure(x):
    inner = lambda y: x * y  # noqa: E731 (reads x, which is differentiated)
    return x * srcdiff.grad(inner)(2.0)


def _sorted_by_a_lambda(x, w):
    order = sorted(range(3), key=lambda i: w[i])
    return x[order[0]] * np.sin(x[order[2]])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_lambda_reading_a_differentiated_value_passed_on_is_refused(mode):
    """Never a NameError from generated code, nor the call held constant (x * x's
    derivative 2x would come out as x)."""
    with pytest.raises(srcdiff.NotDifferentiableError) as info:
        srcdiff.grad(_grad_of_a_closure, mode=mode)(1.5)
    assert "srcdiff.grad(inner)" in str(info.value)
    assert "test_peer_suites.py" in str(info.value)


def test_lambda_as_a_sort_key_still_works():
    both_modes(_sorted_by_a_lambda, (np.array([0.3, 1.1, -0.7]), np.array([2.0, 0.5, 1.0])))


def _pieces(x):
    return np.split(x * x, [1, 3], axis=1)


def test_tangent_of_pieces_of_different_shapes():
    x = np.random.default_rng(9).standard_normal((2, 4))
    t = np.random.default_rng(10).standard_normal((2, 4))
    _, tan = srcdiff.jvp(_pieces, (x,), (t,))
    assert [p.shape for p in tan] == [(2, 1), (2, 2), (2, 1)]
    assert_close(np.concatenate(tan, axis=1), 2 * x * t)
    _, tan = srcdiff.jvp(np.array_split, (np.arange(7.0), 3), (np.ones(7), 0))
    assert [p.shape for p in tan] == [(3,), (2,), (2,)]


# ----- options passed by position to a primitive, or held in a parameter -----
def _padded(x, width, mode):
    return np.sum(np.sin(np.pad(x, width, mode)) * np.arange(1.0, 37.0).reshape(6, 6))


def _padded_kw(x, mode="edge"):
    return np.tanh(np.pad(x, ((1, 2), (0, 1)), mode=mode))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
def test_string_option_held_in_a_parameter(mode):
    """`np.pad(x, w, mode)` with mode a parameter: the string is a constant of the build."""
    x = np.random.default_rng(9).standard_normal((4, 4))
    both_modes(_padded, (x, 1, mode))
    both_modes(_padded_kw, (x, mode))


def test_primitive_options_by_position():
    """vjp(np.sum, x, 0), vjp(np.cumsum, x, 1): options NumPy takes by position."""
    x = np.random.default_rng(10).standard_normal((3, 4))
    both_modes(np.sum, (x, 0))
    both_modes(np.cumsum, (x, 1))
    both_modes(np.linalg.norm, (x, None, 1))
    _, pullback = srcdiff.vjp(np.sum, x, 1)
    assert len(pullback(np.ones(3))) == 1  # (the operand only)


def test_primitives_whose_derivative_is_zero():
    """np.sign, np.floor, np.ceil differentiated themselves: zero, as in JAX."""
    x = np.array([[0.3, -1.6], [2.2, -0.4]])
    for fn in (np.sign, np.floor, np.ceil, np.rint):
        both_modes(fn, (x,))
        assert srcdiff.grad(lambda v, fn=fn: np.sum(fn(v) * v))(x) == pytest.approx(fn(x))


# ----- a tuple of arrays (np.concatenate's argument) as the differentiated value -----
def _joined(xs):
    return np.cos(np.concatenate(xs, axis=1)) * 2.0


def test_tangent_of_a_tuple_of_arrays():
    rng = np.random.default_rng(11)
    xs = (rng.standard_normal((2, 3)), rng.standard_normal((2, 3)))
    t = (rng.standard_normal((2, 3)), rng.standard_normal((2, 3)))
    _, tan = srcdiff.jvp(_joined, (xs,), (t,))
    assert_close(tan, fd_jvp(lambda a, b: _joined((a, b)), list(xs), list(t)))
    _, tan = srcdiff.jvp(np.vstack, (list(xs),), (list(t),))
    assert_close(tan, np.vstack(t))


# ----- NumPy reached only through another module or functions imported alone -----
def test_numpy_through_another_module_is_array_code():
    """The generic derivative of such code (inlined in a derivative of a function
    calling grad(f)) took its parameters as scalars: float(d_x) of an array."""
    from tests import peer_reexported as m
    x, v = np.random.default_rng(12).standard_normal((2, 5))
    for f in (m.projected, m.projected_alone):
        both_modes(_through_gradient(srcdiff.grad(f)), (x, v))


def _through_gradient(df):
    def along(x, v):
        return np.sin(np.dot(v, df(x)))
    return along


def _symmetrized(*args):
    return np.sum(args[0] + args[0].T)


def _star_wrapper(*args):  # autograd's check_symmetric_matrix_grads
    return np.linalg.cholesky(_tril_sym(args[0]), *args[1:])


def _tril_sym(a):
    low = np.tril(a)
    return (low + low.T) / 2.0


def _weighted_star(w, *xs):
    return sum(w * np.sum(np.sin(x)) for x in xs)


def _star_and_keywords(*args, **kwargs):
    return np.sum(np.sin(args[0]) * args[1], **kwargs)


def test_vjp_and_jvp_of_a_function_with_star_args():
    """vjp(f, a, b) of `def f(*args)` differentiates it for the call's arguments (it
    said wrt=0 was out of range of 0 positional parameters, then refused *args);
    `*args[1:]` passed on spreads the rest of the tuple (empty here)."""
    rng = np.random.default_rng(19)
    m = rng.standard_normal((3, 3))
    both_modes(_symmetrized, (np.eye(2) + m[:2, :2],))
    both_modes(_star_wrapper, (m @ m.T + np.eye(3),))
    both_modes(_weighted_star, (0.5, rng.standard_normal(2), rng.standard_normal((2, 2))),
               wrt=(0, 1, 2))
    both_modes(_star_and_keywords, (rng.standard_normal(3), 2.0), wrt=(0, 1))


def test_grad_of_a_function_with_star_args_is_built_for_the_call():
    """grad of `def f(*args)` (it was refused): built for the call's two arguments,
    wrt counting them as JAX's argnums; d sum(a + a.T) / da is 2 everywhere."""
    g = srcdiff.grad(_symmetrized)
    np.testing.assert_allclose(g(np.eye(2)), 2 * np.ones((2, 2)))


# ----- a value that comes out complex at run time (eig of a real matrix) -----
def _eig_magnitudes(x):
    w, v = np.linalg.eig(x)
    return tuple((np.abs(w), np.abs(v)))


def test_complex_eigenvalues_at_run_time_are_a_clear_error():
    """abs of a complex eigenvector's adjoint stored into a real one: a NumPy casting
    TypeError from the generated code before; it is a point where the derivative is
    not a real number, as eig's own check says."""
    a = np.array([[0.0, -1.0, 0.2], [1.0, 0.0, 0.1], [0.3, 0.2, 2.0]])
    _, pullback = srcdiff.vjp(_eig_magnitudes, a)
    with pytest.raises(srcdiff.SrcDiffError, match="undefined at this point"):
        pullback((np.ones(3), np.ones((3, 3))))
    b = a + a.T + 3 * np.eye(3)  # (real eigenvalues away from 0: differentiated)
    both_modes(lambda m: _eig_magnitudes(m)[0], (b,))


# ----- np.r_[...] and np.c_[...] of arrays: the concatenations they are -----
_C = np.random.default_rng(16).standard_normal((3, 2))
_V = np.array([0.5, -1.0, 2.0])


def _r_mixed(x):
    return np.r_[x, _C, x] * np.arange(18.0).reshape(9, 2)


def _r_scalars(x):
    return np.sum(np.r_[x[0], 1.5, x[1:]] ** 3)


def _c_mixed(x):
    return np.tanh(np.c_[x, _C, x])


def _c_columns(v):
    return np.c_[v, _V * v, np.ones(3)] ** 2


@pytest.mark.parametrize("fn, shape", [(_r_mixed, (3, 2)), (_r_scalars, (4,)),
                                       (_c_mixed, (3, 2)), (_c_columns, (3,))])
def test_index_concatenations(fn, shape):
    """np.r_/np.c_ indexed with arrays (autograd's test_r_*, test_c_*): refused before
    as an object indexed with a differentiated value."""
    x = np.random.default_rng(17).standard_normal(shape)
    both_modes(fn, (x,))


def test_index_concatenation_with_a_slice_is_still_refused():
    with pytest.raises(srcdiff.NotDifferentiableError, match="index is computed"):
        srcdiff.grad(lambda x: np.sum(np.r_[x, 1:3]))(np.ones(2))


# ----- a NumPy function passed in a default (the loop-variable idiom) -----
def test_numpy_function_held_in_a_default():
    """`def f(a, _r=np.sum)`: NumPy's dispatching functions are functions to inline,
    not values to differentiate (autograd's test_plain_numpy_reductions_on_box)."""
    base = np.array([0.5, 1.5, 2.0])
    for reduction in (np.sum, np.prod, np.max, np.mean):
        def f(a, _r=reduction):
            return _r(np.exp(a) * base)
        both_modes(f, (0.7,))
        assert srcdiff.grad(f)(0.7) == pytest.approx(f(0.7) if reduction is not np.prod
                                                     else 3 * f(0.7), rel=1e-12)


def test_pad_differentiated_itself_with_options_by_position():
    """vjp(np.pad, x, w, mode): np.pad refused reflect_type=None from the shim."""
    x = np.random.default_rng(18).standard_normal((2, 3))
    for width in (0, 2, ((1, 2), (0, 1))):
        for mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
            both_modes(np.pad, (x, width, mode))


# ----- a cotangent for a result holding a list of numbers (one leaf) -----
_WA = np.array([0.5, -1.0, 2.0, 3.0])


def _appended(x, y):
    return np.sum(_WA * np.append(x, y) ** 2)


def test_vjp_of_a_gradient_of_a_list_and_a_float():
    """vjp of grad(f, wrt=(0, 1)) at ([..], 4.0): the gradient is (list, float) and its
    cotangent's list leaf crashed (float() of a list; autograd's order-2 check of
    test_simple_append_list). H is diag(2 w), so the pullback of c is 2 w c."""
    g = srcdiff.grad(_appended, wrt=(0, 1))
    out, pullback = srcdiff.vjp(g, [1.0, 2.0, 3.0], 4.0, wrt=(0, 1))
    assert out == ([1.0, -4.0, 12.0], 24.0)
    gx, gy = pullback(([1.0, 0.5, -1.0], 2.0))
    np.testing.assert_allclose(gx, 2 * _WA[:3] * [1.0, 0.5, -1.0], rtol=1e-14)
    assert gy == pytest.approx(2 * 3.0 * 2.0, rel=1e-14)


def _list_loss(params):
    return np.sum(np.sin(params[0])) + np.sum(np.cos(params[1]))


def test_gradient_of_a_list_of_arrays_of_different_shapes_differentiated_again():
    """vjp and jvp of grad(f) at a list of arrays of different shapes took grad's
    generic code, which reads the list as one array (np.shape of it raised; autograd's
    order-2 check of test_list.test_grads). The Hessian is diagonal: -sin, -cos, 0."""
    rng = np.random.default_rng(20)
    ps = [rng.standard_normal((3, 2)), rng.standard_normal((4,)), rng.standard_normal((2, 2))]
    g = srcdiff.grad(_list_loss)
    ct = [rng.standard_normal(p.shape) for p in ps]
    want = [-np.sin(ps[0]) * ct[0], -np.cos(ps[1]) * ct[1], np.zeros((2, 2))]
    _, pullback = srcdiff.vjp(g, ps)
    for got, w in zip(pullback(ct)[0], want):
        np.testing.assert_allclose(got, w, rtol=1e-13, atol=1e-15)
    _, tangent = srcdiff.jvp(g, (ps,), (ct,))
    for got, w in zip(tangent, want):
        np.testing.assert_allclose(got, w, rtol=1e-13, atol=1e-15)


# ----- srcdiff.grad(loss)(w) written inside the function differentiated -----
def _abs_times(x):
    return np.abs(x) * x


def _its_derivative(x):
    return srcdiff.grad(_abs_times)(x)


def _tanh_loss(w, x):
    return np.sum(np.tanh(x @ w) ** 2)


def _with_gradient_penalty(w, x):
    return _tanh_loss(w, x) + 0.1 * np.sum(srcdiff.grad(_tanh_loss)(w, x) ** 2)


def _value_times_gradient(w, x):
    v, gw = srcdiff.value_and_grad(_tanh_loss, wrt=0)(w, x)
    return v * np.sum(gw)


def test_a_derivative_made_in_the_function():
    """`srcdiff.grad(f)(x)` in the body (autograd's lambda x: grad(fun)(x)): the
    derivative is made when lowering and inlined as a global one is. It said
    `srcdiff.grad(fun) has no derivative rule`. (|x| x)'' = 2 sign(x)."""
    assert srcdiff.grad(_its_derivative)(2.1) == pytest.approx(2.0, rel=1e-14)
    assert srcdiff.grad(_its_derivative, mode="forward")(-0.5) == pytest.approx(-2.0, rel=1e-14)
    rng = np.random.default_rng(21)
    w, x = rng.standard_normal(3), rng.standard_normal((4, 3))
    both_modes(_with_gradient_penalty, (w, x))
    both_modes(_value_times_gradient, (w, x))


# ----- np.linalg.norm of a list or tuple display -----
def _norm_of_list(x, y):
    return np.linalg.norm([x, x + 2.0 * y])


def _norm_of_tuple(x, y):
    return np.linalg.norm((x * y, y))


def _norm_of_arrays(a, b):
    return np.linalg.norm([a, np.sin(b)], axis=0) * b


def _norm_of_rows(a, b):
    return np.linalg.norm((a, b), "fro") + np.linalg.norm([a, 2.0 * b], 3, axis=1)


def test_norm_of_a_display():
    """The 2-norm's derivative multiplies the operand itself: of a list display
    that was `ct * [x, x + 2]`, the list repeated (TypeError; autograd's
    test_norm_list_of_boxes), and its tangent, a tuple display, times it."""
    both_modes(_norm_of_list, (0.3, -0.8), wrt=(0, 1))
    both_modes(_norm_of_tuple, (1.3, 0.4), wrt=(0, 1))
    assert srcdiff.grad(lambda x: np.linalg.norm([x, x + 2]))(0.0) == pytest.approx(1.0)
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, 3)) + 2.0
    both_modes(_norm_of_arrays, (a, b), wrt=(0, 1))
    both_modes(_norm_of_rows, (a, b), wrt=(0, 1))


# ----- vjp and jvp of a gradient whose code is built at a call -----
def _get_squared(d, x):
    return d.get("item_1", x) ** 2


BASE = np.array([0.7, 1.3, 0.5, 2.0])


def _reduced(a, _r=np.sum):
    return _r(np.exp(a) * BASE)


def test_derivative_of_a_gradient_built_at_a_call():
    """grad(f) of an f reading a parameter by key (d.get) or calling a function
    default has no generic code (it is built per structure or function at a call);
    vjp and jvp of it transformed that stand-in and refused srcdiff's own `*args`
    (autograd's order-2 checks of test_get and test_plain_numpy_reductions_on_box).
    They take the code built for the call. Hand second derivatives."""
    g = srcdiff.grad(_get_squared, wrt=(0, 1))
    _, pullback = srcdiff.vjp(g, {"item_1": 3.0}, 2.0, wrt=(0, 1))
    assert pullback(({"item_1": 1.0}, 0.5)) == ({"item_1": 2.0}, 0.0)
    _, tangent = srcdiff.jvp(g, ({"item_2": 3.0}, 2.0), ({"item_2": 1.0}, 0.5))
    assert tangent == ({"item_2": 0.0}, 1.0)  # x ** 2: 2 * 0.5
    g = srcdiff.grad(_reduced)
    a = 0.3
    want = {np.sum: np.sum(np.exp(a) * BASE), np.prod: 16 * np.exp(4 * a) * np.prod(BASE)}
    for r, w in want.items():
        _, pullback = srcdiff.vjp(g, a, r, wrt=0)
        assert pullback(1.0)[0] == pytest.approx(w, rel=1e-13)
        assert srcdiff.jvp(g, (a, r), (1.0, None))[1] == pytest.approx(w, rel=1e-13)
    assert srcdiff.jvp(g, (a,), (1.0,))[1] == pytest.approx(want[np.sum], rel=1e-13)


def test_derivative_of_a_gradient_it_has_no_code_for():
    """Where no code can be built for the call, the stand-in's own message."""
    g = srcdiff.grad(_reduced)
    with pytest.raises(srcdiff.SrcDiffError, match="_r"):
        srcdiff.vjp(g, 0.3)  # wrt=None: with respect to the function too


# ----- `args = list(args); args[k] = ...; fun(*args, **kwargs)`: a wrapper -----
def _symmetrize_arg(fun, argnum):
    def symmetrize(X):
        return 0.5 * (X + X.T)

    def symmetrized_fun(*args, **kwargs):
        args = list(args)
        args[argnum] = symmetrize(args[argnum])
        return fun(*args, **kwargs)

    return symmetrized_fun


def _quadratic(x, A, scale=1.0):
    return scale * np.tanh(x @ A @ x)


_SYMMETRIZED = _symmetrize_arg(_quadratic, 1)


def _through_wrapper(x, A):
    return _SYMMETRIZED(x, A, scale=2.0) + _SYMMETRIZED(x, A)


def _listed(x, y):
    t = (x, y)
    items = list(t)
    items[-1] = items[0] * y
    return items[1] * t[1] + len(items)


def _listed_returned(x, y):
    items = list((x, y))
    return items


def test_list_of_star_args_changed_by_item():
    """`list(args)` of a tuple known here is a list of its items, and `args[k] = v`
    with a constant k a new such list: `fun(*args, **kwargs)` then spreads it (it was
    refused as a dict used as a whole; autograd's symmetrize_matrix_arg)."""
    rng = np.random.default_rng(8)
    x, A = rng.standard_normal(3) * 0.5, rng.standard_normal((3, 3)) * 0.5
    both_modes(_through_wrapper, (x, A), wrt=(0, 1))
    both_modes(_listed, (0.5, 1.5), wrt=(0, 1))
    _, pullback = srcdiff.vjp(_listed_returned, 0.5, 1.5)
    assert pullback([1.0, 2.0]) == (1.0, 2.0)
    out, _ = srcdiff.jvp(_listed_returned, (0.5, 1.5), (1.0, 0.0))
    assert out == [0.5, 1.5] and isinstance(out, list)


def _shared_then_changed(x, y):
    items = list((x, y))
    other = items
    items[0] = 2.0
    return other[0] * x


def _list_of_args_shared(*args):
    items = list(args)
    other = items
    items[0] = 2.0
    return other[0] * args[1]


def test_list_of_star_args_changed_while_shared_is_refused():
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="also holds"):
        srcdiff.grad(lambda x, y: _list_of_args_shared(x, y))(0.5, 1.5)
    assert srcdiff.grad(_shared_then_changed)(0.5, 1.5) == pytest.approx(2.0)


# ----- dict(...) of keywords, pairs or a dict display -----
def _dict_of_pairs(x):
    return dict([("a", x)], b=x * x)


def _dict_of_display(x):
    return dict({"a": np.sin(x)})


def _dict_read(x, y):
    d = dict(a=x, b=y * 3)
    e = dict(d, c=np.sin(x))
    return d["a"] * d["b"] + e["c"] * e["b"]


def _dict_of_argument(x, m):
    return dict(m, a=x)["a"]


def test_dict_call_is_the_display_it_builds():
    """`dict(a=x)`, `dict([("a", x)])`, `dict({"a": x})`, `dict(d, c=...)` are kept entry
    by entry as their displays are, returned or read (no rule for dict: autograd's
    test_make_dict)."""
    _, pullback = srcdiff.vjp(_dict_of_pairs, 1.5)
    assert pullback({"a": 1.0, "b": 2.0}) == (pytest.approx(1.0 + 2.0 * 2 * 1.5),)
    _, tangent = srcdiff.jvp(_dict_of_pairs, (1.5,), (1.0,))
    assert tangent == {"a": 1.0, "b": pytest.approx(3.0)}
    _, pullback = srcdiff.vjp(_dict_of_display, 0.4)
    assert pullback({"a": 2.0}) == (pytest.approx(2.0 * np.cos(0.4)),)
    both_modes(_dict_read, (0.7, -1.2), wrt=(0, 1))
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="unpacking into a dict"):
        srcdiff.grad(_dict_of_argument)(1.5, {"a": 1.0})
