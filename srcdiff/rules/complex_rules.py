"""Which rules are right for complex values, in JAX's convention (`Rule.complex`).

The cotangent is a transpose, not a Hermitian adjoint: a holomorphic f has vjp
`g * f'(z)` and jvp `t * f'(z)`, the real formulas, so its rule is marked
HOLOMORPHIC as written (templates with comparisons, abs, sign or `where(x > 0)`
are not). A real function of z = x + iy has grad `df/dx - 1j * df/dy`: grad of
np.real is 1, of np.imag -1j, of abs(z) conj(z) / |z|. In that pairing a real
linear map L has the transpose L^T with Re(sum(ct * L(v))) = Re(sum(L^T(ct) * v))
for every v (no conjugate): real(z)'s is ct (as a complex number), imag(z)'s
-1j * ct, conj(z)'s conj(ct); a real operand of a complex call takes the real part
of its contribution (template.py). A rule not marked is refused, located, for a
differentiated call with a complex operand or result (kinds.complex_values).
"""
import builtins
import operator

import numpy as np

from .. import ir
from ..errors import NotDifferentiableError
from .numpy_rules import A, M
from .scalar import _sequences
from .table import HOLOMORPHIC, RULES, defcomplex, lookup

# ----- arithmetic and elementwise functions: the real formulas are f'(z) -----
defcomplex([operator.sub, operator.mul, operator.truediv, operator.neg,
            operator.pos, np.add, np.subtract, np.multiply, np.divide, np.negative,
            np.positive, np.exp, np.exp2, np.expm1, np.log, np.log2, np.log10, np.log1p,
            np.sqrt, np.square, np.reciprocal, np.sin, np.cos, np.tan, np.sinh, np.cosh,
            np.tanh, np.arcsin, np.arccos, np.arctan, np.arcsinh, np.arctanh])


def _numeric(template):
    """`+`'s template, where it adds: a concatenation of lists (its tangent is made
    as a float array) holding complex values is refused."""
    def checked(b):
        if _sequences(b):
            raise NotDifferentiableError("+ of lists or tuples holding complex values: "
                                         "srcdiff concatenates real ones only; use "
                                         "np.concatenate of arrays")
        return template(b) if callable(template) else template
    return checked


_plus = lookup(operator.add)
defcomplex([operator.add], {p: _numeric(v) for p, v in _plus.vjp.items()},
           {p: _numeric(v) for p, v in _plus.jvp.items()})
# d arccosh(z) = 1 / (sqrt(z - 1) sqrt(z + 1)): 1 / sqrt(z * z - 1) has the other sign
# where Re z < 0
_ACOSH = "1 / (np.sqrt(x - 1) * np.sqrt(x + 1))"
defcomplex([np.arccosh], {"x": f"g * ({_ACOSH})"}, {"x": f"t * ({_ACOSH})"})


def _log_base(b):
    """d a ** b / d b = a ** b log(a), with the complex log (of a real base too: a
    negative one has log(a) = log|a| + 1j pi)."""
    log = "np.log(a)" if b.complex("a") else "np.emath.log(a)"
    return f"ans * {log}"


def _pow(fn, g):
    """`fn`'s own templates in the base; in the exponent with the complex log."""
    plain = lookup(fn)

    def d_a(b):
        return plain.vjp["a"](b) if g == "g" else plain.jvp["a"](b)

    def d_b(b):
        if plain.vjp["b"](b) is None:  # 0 ** b
            return None
        return f"{g} * {_log_base(b)}"
    return {"a": d_a, "b": d_b}


for _f in (operator.pow, builtins.pow, np.power, np.float_power):
    defcomplex([_f], _pow(_f, "g"), _pow(_f, "t"))

# ----- real and imaginary parts, conjugates, modulus and argument -----
_NONZERO = "np.where(ans == 0, 1.0, ans)"  # (|z| = 0: the gradient 0, as JAX's)
defcomplex([np.conj, np.conjugate, M("conj"), M("conjugate")],
           {"val": "np.conj(g)"}, {"val": "np.conj(t)"})
defcomplex([np.real, A("real")], {"val": "g"}, {"val": "np.real(t)"})
defcomplex([np.imag, A("imag")], {"val": "-1j * g"}, {"val": "np.imag(t)"})
defcomplex([np.abs, builtins.abs], {"x": f"g * np.conj(x) / {_NONZERO}"},
           {"x": f"np.real(np.conj(x) * t) / {_NONZERO}"})


def _radians(template):
    """angle's template (grad -1j conj(z) / |z|^2 = -1j / z), in radians only."""
    def checked(b):
        deg = b.get("deg")
        if deg is not None and not (isinstance(deg, ir.Const) and deg.value is False):
            raise NotDifferentiableError("np.angle(z, deg=...) of a complex z: srcdiff "
                                         "differentiates the angle in radians only")
        return template
    return checked


defcomplex([np.angle], {"z": _radians("-1j * g / z")}, {"z": _radians("np.imag(t / z)")})

# ----- reductions, products, shapes and indexing: linear (or, prod, multilinear) in
# their operands, with no conjugate (np.vdot conjugates its first operand: not here) -----
defcomplex([np.sum, np.mean, np.prod, M("sum"), M("mean"), M("prod"), builtins.sum,
            np.dot, M("dot"), np.matmul, operator.matmul, np.outer, np.transpose,
            M("transpose"), A("T"), np.reshape, M("reshape"), np.ravel, M("ravel"),
            M("flatten"), np.squeeze, np.expand_dims, np.swapaxes, np.moveaxis, np.copy,
            M("copy"), np.broadcast_to, operator.getitem, ("helper", "_setitem"),
            np.concatenate, np.stack, np.vstack, np.hstack, ("pack", "list"),
            ("pack", "tuple"), ("helper", "_unbroadcast"), ("helper", "_broadcast"),
            ("helper", "_like")])

# ----- discrete Fourier transforms: complex-linear (rfft: of the real part; its rule
# takes np.real itself) -----
defcomplex([np.fft.fft, np.fft.ifft, np.fft.fft2, np.fft.ifft2, np.fft.fftn, np.fft.ifftn,
            np.fft.rfft])

# ----- zero derivatives: a function with integer or boolean values (a shape, a
# comparison, np.round of both parts) is constant where its operand moves; np.sign of a
# complex z is z / |z|, not constant, and _ties/_ptp_weights order their operands -----
for _rule in list(RULES.values()):
    if _rule.zero and _rule.name not in ("np.sign", "_ties", "_ptp_weights", "//"):
        _rule.complex = HOLOMORPHIC
