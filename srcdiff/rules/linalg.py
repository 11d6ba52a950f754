"""Rules for linear algebra (`np.linalg`, `np.trace`, `np.tensordot`) and the products
`np.einsum`, `np.cross`, `np.kron`.

Every rule takes stacks of matrices (`...xMxN`) as NumPy does; when the kinds say
an operand is one matrix, the template is the formula a person writes (`-ans.T @ g
@ ans.T`), otherwise the same with `np.swapaxes(x, -1, -2)`. Decompositions whose
derivative is long call helpers from srcdiff/runtime.py (plain NumPy).

Functions returning a tuple (`slogdet`, `eigh`, `svd`, `qr`, `lstsq`, `eig`) are
rules with `tuple_out`: the user unpacks or indexes the result, the cotangent `g`
is a list with one entry per item (zeros for an item never read) and the tangent
is a tuple, so `w, V = eigh(A)` and `slogdet(A)[1]` both work.

Conventions:
- `eigh`, `eigvalsh` and `cholesky` read one triangle of `a` (NumPy's `UPLO`,
  lower for cholesky), so the derivative is that of what NumPy computes: nothing
  flows to the other triangle, and an off-diagonal entry of the read triangle
  counts twice (it stands for both mirrored entries). For `a` built symmetric
  (`B @ B.T`, `(M + M.T) / 2`) this is the usual symmetric derivative.
- Eigenvalues at a repeated eigenvalue (singular values at a repeated singular
  value) take the eigenvectors NumPy returns: `V diag(g) V^T` is a valid
  derivative of the sum over the cluster and exact elsewhere, like the ties of
  `max`. Eigenvectors (singular vectors) have no derivative at a repeat: any
  cotangent or tangent that reaches them there is inf or nan, never a finite
  wrong number. An item whose cotangent is zero (not read) never contributes.
- `svd` with `full_matrices=True` of a non-square matrix: the extra columns of U
  (rows of Vh) have no derivative; their tangent is nan and a nonzero cotangent on
  them is an error (ValueError) at run time. The other singular vectors, and all
  the singular values, are differentiated as in the thin SVD.
- `eig`/`eigvals`: real results only; complex eigenvalues are a run-time
  ValueError. Eigenvectors are normalised to unit length, as NumPy returns them.
- `qr`: M >= N ('reduced', 'r'; 'complete' when square); `lstsq` and `pinv`:
  constant rank (lstsq's own rank; its residuals exist at full rank only).
- `inv`, `det`, `slogdet`, `solve` need the inverse: at a singular matrix NumPy
  raises LinAlgError (det's derivative, the adjugate, is not formed otherwise).
- `cross` of 2-element vectors (deprecated in NumPy 2): forward mode only; the
  reverse mode's `np.cross(b, g)` raises NumPy's ValueError.
- `norm`/`vector_norm`/`matrix_norm`: ord inf/-inf and the matrix 1/-1/inf/-inf
  norms share the derivative equally among tied maximal entries (rows, columns);
  ord 2/-2 of a matrix uses the singular vectors `svd` returns; ord 0 has zero
  derivative; a vector norm is differentiable away from zero. At zero the 2-norm,
  a p-norm with p > 1 and the Frobenius norm take the zero subgradient (as
  sign(0) = 0 for |x|), so a zero slice whose norm is discarded (the diagonal of
  pairwise distances) contributes 0, not 0 * nan.
"""

import numpy as np
from ..sym import sympy as sp

from .. import ir
from ..errors import NotDifferentiableError
from .numpy_rules import REDUCE, R, _call, _const, _passed, _reduce, _spread
from .table import LIST, SCALAR, RULES, Rule, add

NDIM = {"scalar": 0, "vector": 1, "matrix": 2, "array3": 3}
la = np.linalg


def _ndim(b, p):
    """The number of dimensions of argument `p` when the kinds know it, else None."""
    return NDIM.get(b.kind(p))


def _mT(x, flat):
    """x with its last two axes swapped: `x.T` for a known 2-D matrix."""
    if flat:
        return f"{x}.T" if x.isidentifier() else f"({x}).T"
    return f"np.swapaxes({x}, -1, -2)"


def _matrix(p="a"):
    """A template builder: `fn(b, T)` gets the bound arguments and `T(x)`, x's transpose."""
    def wrap(fn):
        return lambda b: fn(b, lambda x: _mT(x, _ndim(b, p) == 2))
    return wrap


def _same(p):
    return lambda bound, kind: kind(bound[p])


def _scalar_if(p, nd):
    return lambda bound, kind: SCALAR if NDIM.get(kind(bound[p])) == nd else None


def _option(b, p, default, fn="this call"):
    """The constant value of option `p` (its default when not passed); refuses a value
    only known at run time, since the form of the result depends on it."""
    if not _passed(b, p):
        return default
    a = b[p]
    if not _const(a):
        raise NotDifferentiableError(
            f"srcdiff needs {p}= of {fn} as a constant (the form of the result depends on "
            "it), not a value computed at run time")
    return a.value


def _refuse(why):
    raise NotDifferentiableError(why)


def _mat(x):
    return sp.Matrix(x) if not isinstance(x, sp.MatrixBase) else x


# ----- inverse, determinant, solve -----
R(la.inv, "a", _matrix()(lambda b, T: f"-({T('ans')} @ g @ {T('ans')})"), "-(ans @ t @ ans)",
  out_kind=_same("a"))
RULES[la.inv].sympy = lambda a: _mat(a).inv()


def _det_vjp(b, scale):
    if _ndim(b, "a") == 2:
        return f"{scale} * np.linalg.inv(a).T"
    return f"np.expand_dims({scale}, (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)"


def _trace_of(x, b):
    return f"np.trace({x})" if _ndim(b, "a") == 2 else f"np.trace({x}, axis1=-2, axis2=-1)"


R(la.det, "a", lambda b: _det_vjp(b, "g * ans"),
  lambda b: f"ans * {_trace_of('np.linalg.solve(a, t)', b)}", out_kind=_scalar_if("a", 2))
RULES[la.det].sympy = lambda a: _mat(a).det()
add(la.slogdet, Rule("np.linalg.slogdet", ("a",), vjp={"a": lambda b: _det_vjp(b, "g[1]")},
                     jvp={"a": lambda b: "(np.zeros(np.shape(ans[0])), "
                                         f"{_trace_of('np.linalg.solve(a, t)', b)})"},
                     tuple_out=True,
                     sympy=lambda a: (sp.sign(_mat(a).det()), sp.log(sp.Abs(_mat(a).det())))))


def _solve(which):
    """solve(a, b) = x. b is one vector when 1-D (NumPy 2), else a stack of matrices."""
    def template(bd):
        na, nb = _ndim(bd, "a"), _ndim(bd, "b")
        if na == 2 and nb in (1, 2):
            gb = "np.linalg.solve(a.T, g)"
            return gb if which == "b" else (
                f"-np.outer({gb}, ans)" if nb == 1 else f"-({gb} @ ans.T)")
        return f"_solve_adjoint(g, a, b, ans, {which == 'b'})"
    return template


def _solve_a_jvp(bd):
    if _ndim(bd, "a") == 2 and _ndim(bd, "b") in (1, 2):
        return "-np.linalg.solve(a, t @ ans)"
    return "_solve_tangent(t, a, b, ans)"


R(la.solve, "a b", {"a": _solve("a"), "b": _solve("b")},
  {"a": _solve_a_jvp, "b": "np.linalg.solve(a, t)"},
  out_kind=lambda bound, kind: kind(bound["b"]) if kind(bound["a"]) == "matrix" else None)
RULES[la.solve].sympy = lambda a, b: _mat(a).LUsolve(_mat(b))


R(la.matrix_power, "a n", "_matrix_power_adjoint(g, a, n)", "_matrix_power_tangent(t, a, n)",
  out_kind=_same("a"))
RULES[la.matrix_power].sympy = lambda a, n: _mat(a) ** int(n)


def _pinv(template):
    def checked(b):
        if _option(b, "hermitian", False, "this call"):
            _refuse("np.linalg.pinv(hermitian=True) has no derivative rule; drop hermitian=")
        return template
    return checked


R(la.pinv, "a rcond=None hermitian=False rtol=None", _pinv("_pinv_adjoint(g, a, ans)"),
  _pinv("_pinv_tangent(t, a, ans)"), out_kind=_same("a"))
R(la.multi_dot, "arrays out=None", "_multi_dot_adjoint(g, arrays)",
  "_multi_dot_tangent(t, arrays)")
add(la.lstsq, Rule("np.linalg.lstsq", ("a", "b", "rcond"), {"rcond": None},
                   vjp={"a": "_lstsq_adjoint(g, a, b, ans, False)",
                        "b": "_lstsq_adjoint(g, a, b, ans, True)"},
                   jvp={"a": "_lstsq_tangent(t, a, b, ans, False)",
                        "b": "_lstsq_tangent(t, a, b, ans, True)"}, tuple_out=True))

# ----- decompositions -----
add(la.cholesky, Rule("np.linalg.cholesky", ("a", "upper"), {"upper": False},
                      elsewhere={"dask": "dask.array.linalg.cholesky(a) returns the upper "
                                         "factor, NumPy's the lower one"},
                      vjp={"a": lambda b: _call("_cholesky_adjoint", "g, ans", b, "upper")},
                      jvp={"a": lambda b: _call("_cholesky_tangent", "t, ans", b, "upper")},
                      out_kind=_same("a")))
add(la.eigh, Rule("np.linalg.eigh", ("a", "UPLO"), {"UPLO": "L"},
                  vjp={"a": "_eigh_adjoint(g, ans, UPLO)"},
                  jvp={"a": "_eigh_tangent(t, ans, UPLO)"}, tuple_out=True))
R(la.eigvalsh, "a UPLO='L'", "_eigvalsh_adjoint(g, a, UPLO)", "_eigvalsh_tangent(t, a, UPLO)")
add(la.eig, Rule("np.linalg.eig", ("a",), vjp={"a": "_eig_adjoint(g, ans)"},
                 jvp={"a": "_eig_tangent(t, ans)"}, tuple_out=True))
R(la.eigvals, "a", "_eigvals_adjoint(g, a)", "_eigvals_tangent(t, a)")


def _svd(mode):
    def template(b):
        if _option(b, "hermitian", False, "this call"):
            _refuse("np.linalg.svd(hermitian=True) has no derivative rule; drop hermitian=")
        if not _option(b, "compute_uv", True, "np.linalg.svd"):
            return "_svdvals_adjoint(g, a)" if mode == "vjp" else "_svdvals_tangent(t, a)"
        full = _option(b, "full_matrices", True, "np.linalg.svd")
        v = "g" if mode == "vjp" else "t"
        what = "_svd_adjoint" if mode == "vjp" else "_svd_tangent"
        return f"{what}({v}, a, ans{'' if full else ', False'})"
    return template


add(la.svd, Rule("np.linalg.svd", ("a", "full_matrices", "compute_uv", "hermitian"),
                 {"full_matrices": True, "compute_uv": True, "hermitian": False},
                 vjp={"a": _svd("vjp")}, jvp={"a": _svd("jvp")},
                 tuple_out=lambda b: _option(b, "compute_uv", True, "np.linalg.svd")))
if hasattr(la, "svdvals"):
    R(la.svdvals, "x", "_svdvals_adjoint(g, x)", "_svdvals_tangent(t, x)")


def _qr(mode):
    def template(b):
        form = _option(b, "mode", "reduced", "np.linalg.qr")
        if form not in ("reduced", "complete", "r"):
            _refuse(f"np.linalg.qr(mode={form!r}) has no derivative rule; use 'reduced' or 'r'")
        v = "g" if mode == "vjp" else "t"
        what = "_qr_adjoint" if mode == "vjp" else "_qr_tangent"
        return f"{what}({v}, a, ans{'' if form == 'reduced' else ', ' + repr(form)})"
    return template


add(la.qr, Rule("np.linalg.qr", ("a", "mode"), {"mode": "reduced"},
                vjp={"a": _qr("vjp")}, jvp={"a": _qr("jvp")},
                tuple_out=lambda b: _option(b, "mode", "reduced", "np.linalg.qr") != "r"))


# ----- norms -----
def _vector_case(b, partial):
    """Whether this norm is certainly a vector norm (so ord=1 means sum |x|)."""
    if partial == "_vector_norm_partial":
        return True
    axis = b.get("axis")
    if _passed(b, "axis"):
        return _const(axis) and isinstance(axis.value, int)
    return b.kind("x") == "vector"


_NONZERO = "np.where(ans == 0, 1.0, ans)"  # a norm of 0 has x == 0: x / it is then 0


def _vector_partial(b, p):
    """d norm / d x of a vector p-norm as the formula, for the p where it is short."""
    if p == 1:
        return "np.sign(x)"
    n = _NONZERO if not _passed(b, "axis") else _spread(_NONZERO, b, "x")
    return f"np.sign(x) * (np.abs(x) / {n}) ** {p - 1!r}"


def _norm(b, mode, partial):
    """vjp `g` spread over the reduced axes times d norm / d x; jvp the sum of t times it."""
    ordv = b.get("ord")
    if _passed(b, "ord") and _const(ordv) and not isinstance(ordv.value, (int, float, str)):
        _refuse(f"np.linalg.norm has no derivative rule for ord={ordv.value!r}")
    p = ordv.value if _passed(b, "ord") and _const(ordv) else None
    two = not _passed(b, "ord") or p == "fro" or p == 2 and _vector_case(b, partial)
    if two and partial != "_matrix_norm_partial":  # the 2-norm or Frobenius norm: x / ans
        # x itself is multiplied: a list or tuple display (norm([x, y])) as an array, as
        # `g * [x, y]` would repeat the list (and its tangent is a tuple display too)
        x = "np.asarray(x)" if b.kind("x") == LIST else "x"
        if mode == "jvp":  # at a zero norm (x == 0) the zero subgradient, as sign(0) = 0
            return _reduce("np.sum", f"t * {x}", b) + f" / {_NONZERO}"
        if not _passed(b, "axis"):
            return f"g * {x} / {_NONZERO}"
        return f"{_spread(f'g / {_NONZERO}', b, 'x')} * {x}"
    if p == 0 and _vector_case(b, partial):
        return None  # the number of nonzero entries
    if isinstance(p, (int, float)) and p not in (0, 2, np.inf, -np.inf) and _vector_case(
            b, partial):
        d = _vector_partial(b, p)
    else:
        d = f"{partial}(x, ans, ord, axis, keepdims)"
    if mode == "vjp":
        return f"g * {d}" if not _passed(b, "axis") else f"{_spread('g', b, 'x')} * {d}"
    return _reduce("np.sum", f"t * {d}", b)


def _no_ord(b):
    _refuse("srcdiff has no derivative of a norm with respect to its ord; hold it constant")


_no_ord.refuses = "ord"


def _norm_rule(partial):
    return ({"x": lambda b: _norm(b, "vjp", partial), "ord": _no_ord},
            {"x": lambda b: _norm(b, "jvp", partial), "ord": _no_ord})


R(la.norm, "x ord=None axis=None keepdims=False", *_norm_rule("_norm_partial"),
  out_kind=REDUCE)
if hasattr(la, "vector_norm"):
    R(la.vector_norm, "x axis=None keepdims=False ord=2", *_norm_rule("_vector_norm_partial"),
      out_kind=REDUCE)
    add(la.matrix_norm, Rule(
        "np.linalg.matrix_norm", ("x", "keepdims", "ord"), {"keepdims": False, "ord": "fro"},
        vjp={"x": "_expand(g, x, (-2, -1), keepdims) * "
                  "_matrix_norm_partial(x, ans, ord, (-2, -1), keepdims)"},
        jvp={"x": "np.sum(t * _matrix_norm_partial(x, ans, ord, (-2, -1), keepdims), "
                  "axis=(-2, -1), keepdims=keepdims)"}))
    RULES[la.matrix_norm].vjp["ord"] = RULES[la.matrix_norm].jvp["ord"] = _no_ord


# ----- traces and tensor contractions -----
def _trace_vjp(b):
    if _passed(b, "axis1") or _passed(b, "axis2") or _ndim(b, "a") not in (2, None):
        return "_trace_adjoint(g, a, offset, axis1, axis2)"
    if _ndim(b, "a") == 2:
        return _call("g * np.eye", "*np.shape(a)", b, pos=("offset",))
    return "np.multiply.outer(np.eye(np.shape(a)[0], np.shape(a)[1], offset), g)"


R([np.trace, ("method", "trace")], "a offset=0 axis1=0 axis2=1 dtype=None out=None", _trace_vjp,
  lambda b: _call("np.trace", "t", b, "axis1", "axis2", pos=("offset",)))
RULES[np.trace].sympy = lambda a, offset=0, *rest: sum(
    _mat(a)[i, i + int(offset)] for i in range(_mat(a).rows) if 0 <= i + int(offset) < _mat(a).cols)
if hasattr(la, "trace"):
    R(la.trace, "x offset=0 dtype=None", "_trace_adjoint(g, x, offset, -2, -1)",
      lambda b: _call("np.linalg.trace", "t", b, "offset"))
R(np.tensordot, "a b axes=2",
  {"a": "_tensordot_adjoint(g, a, b, axes, False)", "b": "_tensordot_adjoint(g, a, b, axes, True)"},
  {"a": "np.tensordot(t, b, axes)", "b": "np.tensordot(a, t, axes)"})
if hasattr(la, "tensordot"):
    R(la.tensordot, "x1 x2 axes=2",
      {"x1": "_tensordot_adjoint(g, x1, x2, axes, False)",
       "x2": "_tensordot_adjoint(g, x1, x2, axes, True)"},
      {"x1": "np.tensordot(t, x2, axes)", "x2": "np.tensordot(x1, t, axes)"})


# ----- products: einsum, cross, kron -----
def _einsum_spec(b):
    """The subscripts of an einsum call, parsed when they are a constant without '...':
    (input labels, output labels), else None (the general helper handles it)."""
    if _passed(b, "out"):
        _refuse("srcdiff has no derivative rule for np.einsum with out=; assign the result")
    sub = b.get("_0")
    if _sublists(b):
        return None  # (the general helper, given the subscripts the sublists spell)
    if not (_const(sub) and isinstance(sub.value, str)):
        return None  # a module constant, say: read at run time
    spec = sub.value.replace(" ", "")
    if "." in spec:
        return None
    ins, arrow, out = spec.partition("->")
    ins = ins.split(",")
    if not arrow:
        labels = "".join(ins)
        out = "".join(sorted(c for c in set(labels) if labels.count(c) == 1))
    return ins, out


def _sublists(b) -> bool:
    """Whether the call is the sublist form, einsum(a, [0, 1], b, [1, 2], [0, 2]): an
    array first (the subscripts string is a constant; a variable first is taken as an
    array, which `_einsum_sublists` checks where the code runs)."""
    return isinstance(b.get("_0"), ir.Var)


def _positions(b):
    return sorted((k for k in b if k.startswith("_")), key=lambda k: int(k[1:]))


def _operands(b):
    every = _positions(b)
    if _sublists(b):  # operands and their sublists alternate; an odd one out is the output
        return every[0:len(every) - len(every) % 2:2]
    return every[1:]


def _not_a_sublist(b, param) -> None:
    """A differentiated value where the sublist form has a sublist: the subscripts
    were a string known only at run time (`np.einsum(SPECS[i], a, b)`)."""
    if param not in _operands(b):
        _refuse("srcdiff differentiates np.einsum with its subscripts string a constant (a "
                "literal, a global or a string argument), or in the sublist form "
                "einsum(a, [0, 1], b, [1, 2]); here the string is computed at run time")


def _subscripts(b) -> str:
    """The code giving the call's subscripts string."""
    if not _sublists(b):
        return "_0"
    every = _positions(b)
    out = every[-1] if len(every) % 2 else "None"
    return f"_einsum_sublists({out}, {', '.join(every[1:len(every) - len(every) % 2:2])})"


def _einsum_vjp(b, param):
    parsed = _einsum_spec(b)
    ops = _operands(b)
    _not_a_sublist(b, param)
    k = ops.index(param)
    if parsed is not None:
        ins, out = parsed
        mine = ins[k]
        others = [s for i, s in enumerate(ins) if i != k]
        known = set(out).union(*others)
        if len(set(mine)) == len(mine) and set(mine) <= known:
            spec = ",".join([out] + others) + "->" + mine
            rest = "".join(f", {o}" for i, o in enumerate(ops) if i != k)
            return f"_unbroadcast(np.einsum({spec!r}, g{rest}), {param})"
    return f"_einsum_adjoint(g, {_subscripts(b)}, {k}, {', '.join(ops)})"


def _einsum_jvp(b, param):
    _einsum_spec(b)
    _not_a_sublist(b, param)
    args = ["t" if o == param else o for o in _positions(b)]
    if _passed(b, "optimize"):
        args.append("optimize=optimize")
    return f"np.einsum({', '.join(args)})"


add(np.einsum, Rule("np.einsum", ("_0",), vjp={"*": _einsum_vjp}, jvp={"*": _einsum_jvp},
                    varargs=True))


def _cross(which, mode):
    """np.cross: <g, a x b> = <a, b x g> = <b, g x a>; the vector axes move along."""
    def template(b):
        if _passed(b, "axis"):
            axa = axb = axc = "axis"
        else:
            axa, axb, axc = (p if _passed(b, p) else "-1" for p in ("axisa", "axisb", "axisc"))

        def cross(x, y, ax, ay, az):
            opts = "".join(f", axis{n}={v}" for n, v in zip("abc", (ax, ay, az)) if v != "-1")
            if ax == ay == az == "axis":
                opts = ", axis=axis"
            return f"np.cross({x}, {y}{opts})"
        if mode == "jvp":
            return cross(*(("t", "b") if which == "a" else ("a", "t")), axa, axb, axc)
        if which == "a":
            return cross("b", "g", axb, axc, axa)
        return cross("g", "a", axc, axa, axb)
    return template


R(np.cross, "a b axisa=-1 axisb=-1 axisc=-1 axis=None",
  {"a": _cross("a", "vjp"), "b": _cross("b", "vjp")},
  {"a": _cross("a", "jvp"), "b": _cross("b", "jvp")}, broadcast=True)
R(np.kron, "a b", {"a": "_kron_adjoint(g, a, b, False)", "b": "_kron_adjoint(g, a, b, True)"},
  {"a": "np.kron(t, b)", "b": "np.kron(a, t)"})


# ----- the same functions under np.linalg's array-API names -----
for _alias, _rule in ((getattr(la, "matmul", None), np.matmul), (getattr(la, "outer", None),
                                                                  np.outer)):
    if _alias is not None and _alias is not _rule:
        add(_alias, RULES[_rule])
if hasattr(la, "cross"):
    R(la.cross, "x1 x2 axis=-1",
      {"x1": lambda b: _call("np.cross", "x2, g", b, "axis"),
       "x2": lambda b: _call("np.cross", "g, x1", b, "axis")},
      {"x1": lambda b: _call("np.cross", "t, x2", b, "axis"),
       "x2": lambda b: _call("np.cross", "x1, t", b, "axis")}, broadcast=True)


def _unpack_please(b):
    _refuse("srcdiff reads the result of np.linalg.slogdet, eigh, eig and svd by unpacking "
            "or indexing it: write `sign, logabsdet = np.linalg.slogdet(a)` or "
            "`np.linalg.slogdet(a)[1]`")


_unpack_please.refuses = "unpack instead"
for _field in ("logabsdet", "eigenvalues", "eigenvectors", "Vh"):
    R(("attr", _field), "a", _unpack_please, _unpack_please)


for _key in (np.tensordot, np.einsum, np.kron):  # always a new array (adjoints.is_fresh)
    RULES[_key].new_array = True
