"""Rules for SciPy, an optional extra (`pip install 'srcdiff[scipy]'`).

srcdiff never imports SciPy itself: these rules are added the first time the table
is asked about a function it does not know after the user's code has imported
`scipy.special` (or `scipy.linalg`), which is the only way such a function can
reach it. Generated code names the modules `_special` and `_linalg` (a helper of
srcdiff/runtime.py imports them), so it runs wherever SciPy is installed.

Conventions:
- `i0e` (and `i1e`) contain exp(-|x|): their derivative at 0 takes sign(0) = 0,
  as `abs` does.
- `xlogy(x, y)`, `xlog1py(x, y)`: the partial in y is x / y (x / (1 + y)), nan at
  x = y = 0 (resp. y = -1) like NumPy's 0 / 0.
- `logsumexp(..., return_sign=True)` and `polygamma`'s order `n` are not
  differentiated (refused when active), nor are the Bessel functions' orders (`iv`,
  `ive`, `jv`, `yv`, `yn`), `gammainc`'s and `gammaincc`'s `a` and `betainc`'s `a`
  and `b` (no closed forms), nor `multigammaln`'s dimension `d`; `softmax`/`log_softmax`
  take `axis`.
- `scipy.linalg`'s functions take stacks of matrices, as SciPy does. `expm` by
  `expm_frechet`; `solve_triangular` with
  `trans=0` and `unit_diagonal=False` only (others refused); it reads one triangle of
  `a` (`lower`), so nothing flows to the other one. `cho_factor` reads one triangle
  too (the upper by default) and leaves `a`'s entries in the other; `cho_solve`
  reads only the factor's triangle of `c`.
- `scipy.stats.multivariate_normal`'s `logpdf`, `pdf` (in x, mean and cov) and
  `entropy` (in cov) differentiate the covariance SciPy builds: cov times I for a
  number, its diagonal for a vector, and for a matrix the symmetric one of its lower
  triangle (SciPy's eigh reads only that), so nothing flows to the upper one. A
  singular cov (allow_singular=True) is refused at run time. `dirichlet`'s `logpdf`
  and `pdf` take x's columns as points, as SciPy does; their derivative in x is the
  formula's, (alpha - 1) / x, which SciPy evaluates only on the simplex.
- `scipy.signal.convolve` of real arrays, in every mode: the adjoint places the
  cotangent in the full convolution (the part a mode keeps is its centre).
"""
import sys

from ..sym import facts as sp

from ..errors import NotDifferentiableError
from .linalg import _mT
from .numpy_rules import _const, _passed, _reduce, _spread
from .table import Rule, add, defelementwise, defzero, lazy, lookup

PI2 = "np.sqrt(2 * np.pi)"
_GAMMA_DENSITY = "(a - 1) * np.log(x) - x - _special.gammaln(a)"  # d gammainc / dx, logged
# name, parameters, one partial per parameter (None: not differentiated)
SPECIAL = [
    ("gammaln", "x", "_special.digamma(x)"),
    ("gamma", "x", "ans * _special.digamma(x)"),
    ("digamma", "x", "_special.polygamma(1, x)"),
    ("psi", "x", "_special.polygamma(1, x)"),
    ("polygamma", "n x", None, "_special.polygamma(n + 1, x)"),
    # log of the multivariate gamma: d(d-1)/4 log(pi) + sum_j gammaln(a - j/2), j < d
    ("multigammaln", "a d",
     "np.sum(_special.digamma(np.expand_dims(a, -1) - np.arange(d) / 2), axis=-1)", None),
    ("beta", "a b", "ans * (_special.digamma(a) - _special.digamma(a + b))",
     "ans * (_special.digamma(b) - _special.digamma(a + b))"),
    ("betaln", "a b", "_special.digamma(a) - _special.digamma(a + b)",
     "_special.digamma(b) - _special.digamma(a + b)"),
    ("erf", "x", "2 / np.sqrt(np.pi) * np.exp(-x * x)"),
    ("erfc", "x", "-2 / np.sqrt(np.pi) * np.exp(-x * x)"),
    ("erfinv", "y", "np.sqrt(np.pi) / 2 * np.exp(ans * ans)"),
    ("erfcinv", "y", "-np.sqrt(np.pi) / 2 * np.exp(ans * ans)"),
    ("expit", "x", "ans * (1 - ans)"),
    ("logit", "x", "1 / (x * (1 - x))"),
    ("xlogy", "x y", "np.log(y)", "x / y"),
    ("xlog1py", "x y", "np.log1p(y)", "x / (1 + y)"),
    ("ndtr", "x", f"np.exp(-x * x / 2) / {PI2}"),
    ("log_ndtr", "x", f"np.exp(-x * x / 2 - ans) / {PI2}"),
    ("ndtri", "y", f"{PI2} * np.exp(ans * ans / 2)"),
    ("i0", "x", "_special.i1(x)"),
    ("i0e", "x", "_special.i1e(x) - np.sign(x) * ans"),
    ("i1", "x", "(_special.i0(x) + _special.iv(2, x)) / 2"),
    ("i1e", "x", "(_special.i0e(x) + _special.ive(2, x)) / 2 - np.sign(x) * ans"),
    ("iv", "v z", None, "(_special.iv(v - 1, z) + _special.iv(v + 1, z)) / 2"),
    ("ive", "v z", None, "_special.ive(v + 1, z) + ans * (v / z - np.sign(z))"),
    ("j0", "x", "-_special.j1(x)"),
    ("j1", "x", "(_special.j0(x) - _special.jv(2, x)) / 2"),
    ("y0", "x", "-_special.y1(x)"),
    ("y1", "x", "(_special.y0(x) - _special.yv(2, x)) / 2"),
    ("jv", "v z", None, "(_special.jv(v - 1, z) - _special.jv(v + 1, z)) / 2"),
    ("yv", "v z", None, "(_special.yv(v - 1, z) - _special.yv(v + 1, z)) / 2"),
    ("yn", "n x", None, "(_special.yn(n - 1, x) - _special.yn(n + 1, x)) / 2"),
    ("rgamma", "x", "-ans * _special.digamma(x)"),
    ("gammainc", "a x", None, f"np.exp({_GAMMA_DENSITY})"),
    ("gammaincc", "a x", None, f"-np.exp({_GAMMA_DENSITY})"),
    ("betainc", "a b x", None, None,
     "np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - _special.betaln(a, b))"),
]
ZERO = ("gammasgn",)  # piecewise constant
_NDTR = lambda x: (1 + sp.erf(x / sp.sqrt(2))) / 2  # noqa: E731
SYMPY = {  # SymPy's counterparts, for `check`
    "gammaln": sp.loggamma, "gamma": sp.gamma, "digamma": sp.digamma, "psi": sp.digamma,
    "polygamma": sp.polygamma, "beta": sp.beta, "betaln": lambda a, b: sp.log(sp.beta(a, b)),
    "erf": sp.erf, "erfc": sp.erfc, "erfinv": sp.erfinv,
    "erfcinv": lambda y: sp.erfinv(1 - y),  # (SymPy evaluates erfinv, not erfcinv)
    "expit": lambda x: 1 / (1 + sp.exp(-x)), "logit": lambda x: sp.log(x / (1 - x)),
    "xlogy": lambda x, y: x * sp.log(y), "xlog1py": lambda x, y: x * sp.log(1 + y),
    "ndtr": _NDTR, "log_ndtr": lambda x: sp.log(_NDTR(x)),
    "ndtri": lambda y: sp.sqrt(2) * sp.erfinv(2 * y - 1),
    "i0": lambda x: sp.besseli(0, x), "i1": lambda x: sp.besseli(1, x),
    "i0e": lambda x: sp.exp(-sp.Abs(x)) * sp.besseli(0, x),
    "i1e": lambda x: sp.exp(-sp.Abs(x)) * sp.besseli(1, x),
    "iv": sp.besseli, "ive": lambda v, z: sp.exp(-sp.Abs(z)) * sp.besseli(v, z),
    "j0": lambda x: sp.besselj(0, x), "j1": lambda x: sp.besselj(1, x),
    "y0": lambda x: sp.bessely(0, x), "y1": lambda x: sp.bessely(1, x),
    "jv": sp.besselj, "yv": sp.bessely, "yn": sp.bessely, "rgamma": lambda x: 1 / sp.gamma(x),
    "gammainc": lambda a, x: sp.lowergamma(a, x) / sp.gamma(a),
    "gammaincc": lambda a, x: sp.uppergamma(a, x) / sp.gamma(a),
    "betainc": lambda a, b, x: sp.betainc_regularized(a, b, 0, x),
}


def _integer_order(b):
    raise NotDifferentiableError("scipy.special.polygamma: its order n is an integer; "
                                 "srcdiff does not differentiate it (hold it constant)")


_integer_order.refuses = "an integer order"


def _kept(v, bd):
    """`v`, the result of a reduction over `axis`, with the reduced axes kept (to broadcast)."""
    keep = bd.get("keepdims")
    if not _passed(bd, "axis") or keep is not None and _const(keep) and keep.value:
        return v
    if keep is None or _const(keep):
        return f"np.expand_dims({v}, axis)"
    return _spread(v, bd)


def _lse(mode, param):
    """logsumexp(a, axis, b, keepdims): the weights exp(a - ans) (times b) spread."""
    def template(bd):
        if _passed(bd, "return_sign") and not (_const(bd["return_sign"])
                                               and not bd["return_sign"].value):
            raise NotDifferentiableError("scipy.special.logsumexp: return_sign=True gives a "
                                         "tuple; srcdiff differentiates the value only")
        w = f"np.exp(a - {_kept('ans', bd)})"
        if param == "a" and _passed(bd, "b"):
            w = f"b * {w}"
        if mode == "vjp":
            g = _spread("g", bd) if _passed(bd, "axis") else "g"
            return f"{g} * {w}" if param == "a" else f"_unbroadcast({g} * {w}, b)"
        return _reduce("np.sum", f"t * {w}", bd)
    return template


def _softmax(mode, log):
    def template(bd):
        v = "g" if mode == "vjp" else "t"
        axis = ", axis=axis, keepdims=True" if _passed(bd, "axis") else ""
        if log:  # ans = x - logsumexp(x): the Jacobian is I - softmax 1^T
            return (f"{v} - np.exp(ans) * np.sum({v}{axis})" if mode == "vjp"
                    else f"{v} - np.sum(np.exp(ans) * {v}{axis})")
        return f"ans * ({v} - np.sum({v} * ans{axis}))"  # symmetric: one form for both
    return template


def _triangular(mode, param):
    """x = solve_triangular(a, b, lower=lower): T x = b for T the triangle of a read."""
    def template(bd):
        for p, default in (("trans", 0), ("unit_diagonal", False)):
            if _passed(bd, p) and not (_const(bd[p]) and bd[p].value == default):
                raise NotDifferentiableError(
                    f"scipy.linalg.solve_triangular: srcdiff differentiates {p}={default!r} "
                    "only")
        if _passed(bd, "lower") and not _const(bd["lower"]):
            raise NotDifferentiableError("scipy.linalg.solve_triangular: lower= must be a "
                                         "constant (it decides which triangle is read)")
        lower = _passed(bd, "lower") and bool(bd["lower"].value)
        tri = "np.tril" if lower else "np.triu"

        def solve(rhs, trans=False):
            opts = (", trans=1" if trans else "") + (", lower=lower" if lower else "")
            return f"_linalg.solve_triangular(a, {rhs}{opts})"
        if mode == "jvp":
            return solve("t") if param == "b" else f"-{solve(f'{tri}(t) @ ans')}"
        one = bd.kind("a") == "matrix" and bd.kind("b") in ("vector", "matrix")
        if param == "b":  # (a stack of matrices a broadcasts b)
            return solve("g", trans=True) if one else f"_unbroadcast({solve('g', True)}, b)"
        gb = solve("g", trans=True)
        if one:
            return f"-{tri}(np.outer({gb}, ans))" if bd.kind("b") == "vector" else (
                f"-{tri}({gb} @ ans.T)")
        return f"_unbroadcast(-{tri}(_outer_last({gb}, ans)), a)"
    return template


def load_special():
    special = sys.modules["scipy.special"]
    for name, params, *partials in SPECIAL:
        defelementwise(getattr(special, name), f"scipy.special.{name}", params, *partials,
                       sympy=SYMPY.get(name))  # (multigammaln: none)
    for name in ZERO:
        defzero(getattr(special, name), f"scipy.special.{name}")
    rule = lookup(special.polygamma)
    rule.vjp["n"] = rule.jvp["n"] = _integer_order
    add(special.logsumexp, Rule(
        "scipy.special.logsumexp", ("a", "axis", "b", "keepdims", "return_sign"),
        {"axis": None, "b": None, "keepdims": False, "return_sign": False},
        vjp={"a": _lse("vjp", "a"), "b": _lse("vjp", "b")},
        jvp={"a": _lse("jvp", "a"), "b": _lse("jvp", "b")}))
    for name, log in (("softmax", False), ("log_softmax", True)):
        add(getattr(special, name), Rule(
            f"scipy.special.{name}", ("x", "axis"), {"axis": None},
            vjp={"x": _softmax("vjp", log)}, jvp={"x": _softmax("jvp", log)},
            same_shape="x"))


def _cho_factor(mode):
    """(c, lower) = cho_factor(a, lower): c holds the factor in the triangle it read
    (NumPy's cholesky of a, or of a.T transposed for the upper one) and a's own entries
    in the other, whose derivative is the identity."""
    def template(bd):
        if _passed(bd, "lower") and not _const(bd["lower"]):
            raise NotDifferentiableError("scipy.linalg.cho_factor: lower= must be a constant "
                                         "(it decides which triangle is read)")
        if _passed(bd, "lower") and bd["lower"].value:
            if mode == "vjp":
                return "_cholesky_adjoint(np.tril(g[0]), np.tril(ans[0])) + np.triu(g[0], 1)"
            return "(_cholesky_tangent(t, np.tril(ans[0])) + np.triu(t, 1), 0.0)"
        flat = bd.kind("a") == "matrix"
        if mode == "vjp":
            adjoint = _mT("_cholesky_adjoint(np.triu(g[0]), np.triu(ans[0]), True)", flat)
            return f"{adjoint} + np.tril(g[0], -1)"
        return f"(_cholesky_tangent({_mT('t', flat)}, np.triu(ans[0]), True) + np.tril(t, -1), 0.0)"
    return template


def load_linalg():
    linalg = sys.modules["scipy.linalg"]
    add(linalg.expm, Rule("scipy.linalg.expm", ("A",),
                          vjp={"A": lambda b: "_linalg.expm_frechet("
                               f"{_mT('A', b.kind('A') == 'matrix')}, g, compute_expm=False)"},
                          jvp={"A": "_linalg.expm_frechet(A, t, compute_expm=False)"},
                          same_shape="A"))
    add(linalg.solve_triangular, Rule(
        "scipy.linalg.solve_triangular",
        ("a", "b", "trans", "lower", "unit_diagonal", "overwrite_b", "check_finite"),
        {"trans": 0, "lower": False, "unit_diagonal": False, "overwrite_b": False,
         "check_finite": True},
        vjp={p: _triangular("vjp", p) for p in "ab"},
        jvp={p: _triangular("jvp", p) for p in "ab"},
        same_shape="b"))
    add(linalg.cho_factor, Rule(
        "scipy.linalg.cho_factor", ("a", "lower", "overwrite_a", "check_finite"),
        {"lower": False, "overwrite_a": False, "check_finite": True},
        vjp={"a": _cho_factor("vjp")}, jvp={"a": _cho_factor("jvp")}, tuple_out=True))
    add(linalg.cho_solve, Rule(
        "scipy.linalg.cho_solve", ("c_and_lower", "b", "overwrite_b", "check_finite"),
        {"overwrite_b": False, "check_finite": True},
        vjp={"c_and_lower": "_cho_solve_adjoint(g, c_and_lower, ans)",
             "b": "_unbroadcast(_linalg.cho_solve(c_and_lower, g), b)"},
        jvp={"c_and_lower": "_cho_solve_tangent(t, c_and_lower, ans)",
             "b": "_linalg.cho_solve(c_and_lower, t)"}, same_shape="b"))


def load_signal():
    signal = sys.modules["scipy.signal"]
    add(signal.convolve, Rule(
        "scipy.signal.convolve", ("in1", "in2", "mode", "method"),
        {"mode": "full", "method": "auto"},
        vjp={"in1": "_signal_convolve_adjoint(g, in1, in2)",
             "in2": "_signal_convolve_adjoint(g, in2, in1)"},
        jvp={"in1": "_signal.convolve(t, in2, mode, method)",
             "in2": "_signal.convolve(in1, t, mode, method)"}))


lazy("scipy.special", load_special)
lazy("scipy.linalg", load_linalg)
lazy("scipy.signal", load_signal)


# ----- scipy.stats: densities and distribution functions, elementwise -----
# Each rule's partials in terms of z = (x - loc) / scale and the result `ans`; the
# shape parameters a distribution has beyond x (df, a, b, mu) follow x. Only the
# parameters listed are accepted: passing loc= or scale= to a distribution whose
# rule has none is a located error, never a derivative that ignores them.
_Z = "((x - loc) / scale)"
_PHI = f"(np.exp(-{_Z} ** 2 / 2) / {PI2} / scale)"  # the normal density at x
_TLOG = ("(_special.gammaln((df + 1) / 2) - _special.gammaln(df / 2) - np.log(df * np.pi) / 2"
         f" - np.log(scale) - (df + 1) / 2 * np.log1p({_Z} ** 2 / df))")
_TDX = f"(-(df + 1) * {_Z} / (df + {_Z} ** 2) / scale)"
_TDDF = (f"((_special.digamma((df + 1) / 2) - _special.digamma(df / 2) - 1 / df"
         f" - np.log1p({_Z} ** 2 / df)) / 2 + (df + 1) * {_Z} ** 2 / (2 * df * (df + {_Z} ** 2)))")
_TDSCALE = f"((-1 + (df + 1) * {_Z} ** 2 / (df + {_Z} ** 2)) / scale)"
_GAMMA_LOG = "((a - 1) * np.log(x) - x - _special.gammaln(a))"
_CHI2_LOG = "((df / 2 - 1) * np.log(x) - x / 2 - df / 2 * np.log(2) - _special.gammaln(df / 2))"
_BETA_LOG = "((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - _special.betaln(a, b))"
_BETA_D = ("(a - 1) / x - (b - 1) / (1 - x)",
           "np.log(x) - _special.digamma(a) + _special.digamma(a + b)",
           "np.log1p(-x) - _special.digamma(b) + _special.digamma(a + b)")
_POISSON_LOG = "(np.floor(k) * np.log(mu) - mu - _special.gammaln(np.floor(k) + 1))"


def _times(ans, partial):
    return partial if partial in (None, "0") else f"{ans} * ({partial})"


STATS = [  # distribution, method, parameters, one partial per parameter (None: refused
    # when differentiated, "0": a step function of it)
    ("norm", "logpdf", "x loc=0 scale=1", f"-{_Z} / scale", f"{_Z} / scale",
     f"({_Z} ** 2 - 1) / scale"),
    ("norm", "cdf", "x loc=0 scale=1", _PHI, f"-{_PHI}", f"-{_PHI} * {_Z}"),
    ("norm", "sf", "x loc=0 scale=1", f"-{_PHI}", _PHI, f"{_PHI} * {_Z}"),
    ("norm", "logcdf", "x loc=0 scale=1", f"{_PHI} / np.exp(ans)", f"-{_PHI} / np.exp(ans)",
     f"-{_PHI} * {_Z} / np.exp(ans)"),
    ("norm", "logsf", "x loc=0 scale=1", f"-{_PHI} / np.exp(ans)", f"{_PHI} / np.exp(ans)",
     f"{_PHI} * {_Z} / np.exp(ans)"),
    ("t", "logpdf", "x df loc=0 scale=1", _TDX, _TDDF, f"-{_TDX}", _TDSCALE),
    ("t", "cdf", "x df loc=0 scale=1", f"np.exp({_TLOG})", None, f"-np.exp({_TLOG})",
     f"-np.exp({_TLOG}) * {_Z}"),
    ("t", "logcdf", "x df loc=0 scale=1", f"np.exp({_TLOG} - ans)", None,
     f"-np.exp({_TLOG} - ans)", f"-np.exp({_TLOG} - ans) * {_Z}"),
    ("gamma", "logpdf", "x a", "(a - 1) / x - 1", "np.log(x) - _special.digamma(a)"),
    ("gamma", "cdf", "x a", f"np.exp({_GAMMA_LOG})", None),
    ("chi2", "logpdf", "x df", "(df / 2 - 1) / x - 1 / 2",
     "(np.log(x) - np.log(2) - _special.digamma(df / 2)) / 2"),
    ("chi2", "cdf", "x df", f"np.exp({_CHI2_LOG})", None),
    ("beta", "logpdf", "x a b", *_BETA_D),
    ("beta", "cdf", "x a b", f"np.exp({_BETA_LOG})", None, None),
    ("poisson", "logpmf", "k mu", "0", "np.floor(k) / mu - 1"),
    ("poisson", "cdf", "k mu", "0", f"-np.exp({_POISSON_LOG})"),
]
_DENSITY = {"logpdf": "pdf", "logpmf": "pmf"}  # the density: ans times the log's partial


def load_stats():
    stats = sys.modules["scipy.stats"]
    for dist, method, spec, *partials in STATS:
        names = [p.partition("=")[0] for p in spec.split()]
        defaults = {p: float(d) for p, _, d in (s.partition("=") for s in spec.split()) if d}
        obj = getattr(stats, dist)
        defelementwise(getattr(obj, method), f"scipy.stats.{dist}.{method}", " ".join(names),
                       *partials, defaults=defaults)
        if method in _DENSITY:
            defelementwise(getattr(obj, _DENSITY[method]),
                           f"scipy.stats.{dist}.{_DENSITY[method]}", " ".join(names),
                           *(_times("ans", p) for p in partials), defaults=defaults)


def _mvn(mode, which, density):
    """multivariate_normal.logpdf (pdf: `density`, ans times it) in x, mean or cov."""
    if mode == "vjp":
        g = "g * ans" if density else "g"
        return f"_mvn_logpdf_adjoint({g}, x, mean, cov, {which})"
    tangent = f"_mvn_logpdf_tangent(t, x, mean, cov, {which}, ans)"
    return f"ans * {tangent}" if density else tangent


def load_multivariate_normal():
    mvn = sys.modules["scipy.stats"].multivariate_normal
    for method, density in (("logpdf", False), ("pdf", True)):
        add(getattr(mvn, method), Rule(
            f"scipy.stats.multivariate_normal.{method}",
            ("x", "mean", "cov", "allow_singular"),
            {"mean": None, "cov": 1, "allow_singular": False},
            vjp={p: _mvn("vjp", i, density) for i, p in enumerate(("x", "mean", "cov"))},
            jvp={p: _mvn("jvp", i, density) for i, p in enumerate(("x", "mean", "cov"))}))
    add(mvn.entropy, Rule("scipy.stats.multivariate_normal.entropy", ("mean", "cov"),
                          {"mean": None, "cov": 1},
                          vjp={"cov": "_mvn_entropy_adjoint(g, mean, cov)"},
                          jvp={"cov": "_mvn_entropy_tangent(t, mean, cov)"}))


_DIRICHLET = {"x": "(alpha - 1) / x", "alpha": "np.log(x) + {d}(np.sum(alpha)) - {d}(alpha)"}


def _dirichlet(mode, param, density):
    """dirichlet.logpdf(x, alpha) = sum((alpha - 1) log x) + gammaln(sum alpha) - sum
    gammaln(alpha) (pdf: `density`, ans times it), over x's first axis (x's columns are
    points: its partials are written over x.T, one row per point)."""
    def template(b):
        one = b.kind("x") == "vector"
        part = _DIRICHLET[param].format(d="_special.digamma")
        if not one:
            part = part.replace("np.log(x)", "np.log(x).T").replace("/ x", "/ x.T")
        g = "g * ans" if density else "g"
        if mode == "vjp":
            if one:
                return f"{g} * ({part})"
            return f"(np.multiply.outer({g}, alpha - 1) / x.T).T" if param == "x" else (
                f"np.dot(np.reshape({g}, -1), np.atleast_2d({part}))")  # (one column: g a number)
        tangent = f"np.sum(({part}) * {'t' if one or param == 'alpha' else 't.T'}, axis=-1)"
        tangent = f"np.reshape({tangent}, np.shape(ans))" if not one else tangent
        return f"ans * {tangent}" if density else tangent
    return template


def load_dirichlet():
    dirichlet = sys.modules["scipy.stats"].dirichlet
    for method, density in (("logpdf", False), ("pdf", True)):
        add(getattr(dirichlet, method), Rule(
            f"scipy.stats.dirichlet.{method}", ("x", "alpha"),
            vjp={p: _dirichlet("vjp", p, density) for p in ("x", "alpha")},
            jvp={p: _dirichlet("jvp", p, density) for p in ("x", "alpha")}))


def load_all_stats():
    load_stats()
    load_multivariate_normal()
    load_dirichlet()


lazy("scipy.stats", load_all_stats)
