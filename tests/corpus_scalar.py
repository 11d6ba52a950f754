"""A corpus of small scalar primal functions, each with its input domain.

Every function here is a plain module-level `def` (srcdiff reads source with
`inspect`). `@case(*points, wrt=..., grad=...)` files it in `CORPUS`:

- `points`: positional argument tuples, chosen away from kinks and domain
  edges and on both sides of every branch the function takes;
- `wrt`: what to differentiate (an index, a name or a tuple, as `grad` takes);
- `grad`: an optional hand-derived gradient, called like the function and
  returning what `srcdiff.grad(fn, wrt)` returns (a float or a tuple);
- `kwargs`: keyword arguments passed at every point (keyword-only parameters);
- `fd=False`: the finite-difference check does not apply (stop_gradient).

A new construct is one new function here; every test that asks for the
`scalar_case` fixture (see conftest.py) then runs it, in every mode.
"""
from __future__ import annotations

import math
import math as m
from dataclasses import dataclass, field
from math import cos as cosine
from math import exp, sin, sqrt
from typing import Any, Callable

import srcdiff
from srcdiff import detach


@dataclass(frozen=True)
class Case:
    fn: Callable
    points: tuple
    wrt: Any = 0
    grad: Callable | None = None
    kwargs: dict = field(default_factory=dict)
    fd: bool = True

    @property
    def name(self) -> str:
        return self.fn.__name__

    def __repr__(self) -> str:
        return f"Case({self.name})"


CORPUS: list[Case] = []


def case(*points, wrt=0, grad=None, kwargs=None, fd=True):
    """Register the decorated function as a corpus entry (it is returned as is)."""
    assert points, "a corpus entry needs at least one point"

    def register(fn):
        CORPUS.append(Case(fn, tuple(points), wrt, grad, dict(kwargs or {}), fd))
        return fn

    return register


def _sign(x):
    return (x > 0) - (x < 0)


# ----- operators -----


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1), grad=lambda x, y: (2.0, -1.0))
def op_add_sub(x, y):
    return x + 2.0 - y + x


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1), grad=lambda x, y: (2 * x * y, x * x))
def op_mul(x, y):
    return x * y * x


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1),
      grad=lambda x, y: (1 / y - 1 / (x * x), -x / (y * y)))
def op_div(x, y):
    return x / y + 1.0 / x


@case((0.6,), (2.5,), grad=lambda x: 3 * x * x + 0.5 / math.sqrt(x))
def op_pow_const(x):
    return x ** 3 + x ** 0.5


@case((0.6, 1.7), (2.5, -0.3), wrt=(0, 1),
      grad=lambda x, y: (y * x ** (y - 1), x ** y * math.log(x)))
def op_pow_var(x, y):
    return x ** y


@case((1.5, 3), (-1.5, 3), (-0.8, 2), (2.0, 0), grad=lambda x, n: n * x ** (n - 1))
def op_pow_int_param(x, n):
    return x ** n


@case((1.3,), (-0.6,), grad=lambda x: 2 * x - 3)
def op_neg(x):
    return -x * -x + -(x * 3)


@case((1.3,), (-0.6,), grad=lambda x: 2.0)
def op_pos(x):
    return +x * 2


@case((5.3, 2.0), (-1.3, 0.7), (0.4, 1.1), wrt=(0, 1),
      grad=lambda x, y: (1.0, -math.floor(x / y)))
def op_mod(x, y):
    return x % y


@case((0.3,), (0.7,), (-0.9,), grad=lambda x: 3 * x + (3 * x) % 1.5)
def op_mod_const(x):
    return (3 * x) % 1.5 * x


@case((1.3,), (-0.6,), (0.2,), grad=lambda x: math.floor(x / 0.5) + 1)
def op_floordiv(x):
    return (x // 0.5) * x + x


@case((1.3, 0.5), (-0.6, 2.0), grad=lambda x, t: 4 * (2 * x - t))
def notes_loss(x, t):
    L = (2 * x - t) ** 2
    return L


@case((2.0, 3.0), (-1.5, 0.25), wrt=(0, 1), grad=lambda x, y: (y, x + 2 * y))
def notes_z(x, y):
    z = x * y + y ** 2
    return z


def _readme_grad(x, y):
    z = x * y + y ** 2
    d = 1 + x * x
    return (math.cos(z) * y / d - math.sin(z) * 2 * x / (d * d),
            math.cos(z) * (x + 2 * y) / d)


@case((2.0, 3.0), (-0.5, 0.3), wrt=("x", "y"), grad=_readme_grad)
def readme_example(x, y):
    z = x * y + y ** 2
    return math.sin(z) / (1 + x * x)


# ----- builtins -----


@case((1.3,), (-0.6,), grad=lambda x: 2 * abs(x))
def builtin_abs(x):
    return abs(x) * x


@case((0.6, 1.7), (2.5, -0.3), wrt=(0, 1),
      grad=lambda x, y: (y * x ** (y - 1), x ** y * math.log(x)))
def builtin_pow(x, y):
    return pow(x, y)


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1),
      grad=lambda x, y: (2 * x, 0.0) if x > y else (0.0, 2 * y))
def builtin_max(x, y):
    return max(x, y) ** 2


@case((1.3, -0.4), (-2.0, 0.7), (0.5, 0.4), wrt=(0, 1),
      grad=lambda x, y: (2 * x, 0.0) if x < 2 * y else (2 * y, 2 * x))
def builtin_min(x, y):
    return min(x, 2 * y) * x


@case((1.3, -0.4, 0.2), (-2.0, 0.7, 0.1), (0.1, 0.2, 3.0), wrt=(0, 1, 2))
def builtin_max3(x, y, z):
    return max(x, y, z) * 3.0 + min(x, y, z)


@case((1.3,), (-0.6,), grad=lambda x: 3 + 2 * x)
def builtin_float(x):
    return float(x) * 3 + float(x * x)


@case((1.3,), (-0.6,), (2.2,), grad=lambda x: 2.0)
def builtin_int_round(x):
    return x * int(2.7) + round(x)


# ----- math -----


@case((0.7,), (-1.9,), grad=lambda x: math.cos(x * x) * 2 * x)
def math_sin(x):
    return math.sin(x * x)


@case((0.7,), (-1.9,), grad=lambda x: -math.sin(3 * x) * 3)
def math_cos(x):
    return math.cos(3 * x)


@case((0.7,), (-1.1,), grad=lambda x: 1 / math.cos(x) ** 2)
def math_tan(x):
    return math.tan(x)


@case((0.3,), (-0.8,), grad=lambda x: 1 / math.sqrt(1 - x * x))
def math_asin(x):
    return math.asin(x)


@case((0.3,), (-0.8,), grad=lambda x: -1 / math.sqrt(1 - x * x))
def math_acos(x):
    return math.acos(x)


@case((0.3,), (-4.0,), grad=lambda x: 1 / (1 + x * x))
def math_atan(x):
    return math.atan(x)


@case((0.5, 1.2), (-0.5, -1.2), (1.5, -0.3), (-2.0, 0.4), wrt=(0, 1),
      grad=lambda y, x: (x / (x * x + y * y), -y / (x * x + y * y)))
def math_atan2(y, x):
    return math.atan2(y, x)


@case((0.7,), (-1.9,), grad=lambda x: math.cosh(x))
def math_sinh(x):
    return math.sinh(x)


@case((0.7,), (-1.9,), grad=lambda x: math.sinh(x))
def math_cosh(x):
    return math.cosh(x)


@case((0.7,), (-1.9,), grad=lambda x: 1 / math.cosh(x) ** 2)
def math_tanh(x):
    return math.tanh(x)


@case((0.7,), (-1.9,), grad=lambda x: 1 / math.sqrt(x * x + 1))
def math_asinh(x):
    return math.asinh(x)


@case((1.5,), (4.0,), grad=lambda x: 1 / math.sqrt(x * x - 1))
def math_acosh(x):
    return math.acosh(x)


@case((0.3,), (-0.8,), grad=lambda x: 1 / (1 - x * x))
def math_atanh(x):
    return math.atanh(x)


@case((0.7,), (-1.9,), grad=lambda x: math.exp(2 * x) * 2)
def math_exp(x):
    return math.exp(2 * x)


@case((0.7,), (-1.9,), (1e-3,), grad=lambda x: math.exp(x))
def math_expm1(x):
    return math.expm1(x)


@case((0.7,), (3.9,), grad=lambda x: 2 / x)
def math_log(x):
    return math.log(x * x)


@case((0.7, 3.0), (3.9, 0.5), wrt=(0, 1),
      grad=lambda x, b: (1 / (x * math.log(b)), -math.log(x) / (b * math.log(b) ** 2)))
def math_log_base(x, b):
    return math.log(x, b)


@case((0.7,), (3.9,), grad=lambda x: 1 / (x * math.log(10)))
def math_log_base_const(x):
    return math.log(x, 10)


@case((0.7,), (-0.5,), grad=lambda x: 1 / (1 + x))
def math_log1p(x):
    return math.log1p(x)


@case((0.7,), (3.9,), grad=lambda x: 1 / (x * math.log(2)))
def math_log2(x):
    return math.log2(x)


@case((0.7,), (3.9,), grad=lambda x: 1 / (x * math.log(10)))
def math_log10(x):
    return math.log10(x)


@case((0.7,), (3.9,), grad=lambda x: 0.5 / math.sqrt(x))
def math_sqrt(x):
    return math.sqrt(x)


@case((0.6, 1.7), (2.5, -0.3), wrt=(0, 1),
      grad=lambda x, y: (y * x ** (y - 1), x ** y * math.log(x)))
def math_pow(x, y):
    return math.pow(x, y)


@case((3.0, 4.0), (-1.2, 0.5), wrt=(0, 1),
      grad=lambda x, y: (x / math.hypot(x, y), y / math.hypot(x, y)))
def math_hypot(x, y):
    return math.hypot(x, y)


@case((1.3,), (-0.6,), grad=lambda x: 2 * math.fabs(x))
def math_fabs(x):
    return math.fabs(x) * x


@case((1.3, 2.0), (-0.6, 2.0), (1.3, -2.0), (-0.6, -0.5), wrt=(0, 1),
      grad=lambda x, y: (_sign(x) * _sign(y), 0.0))
def math_copysign(x, y):
    return math.copysign(x, y)


@case((0.7,), (-1.3,), grad=lambda x: 2 / math.sqrt(math.pi) * math.exp(-x * x))
def math_erf(x):
    return math.erf(x)


@case((0.7,), (-1.3,), grad=lambda x: -2 / math.sqrt(math.pi) * math.exp(-x * x))
def math_erfc(x):
    return math.erfc(x)


@case((2.5,), (0.3,), (-0.5,), (-2.7,), (11.2,))  # d gamma = gamma * digamma: differences
def math_gamma(x):
    return math.gamma(x)


@case((3.7,), (0.4,), (-1.5,), (25.0,))
def math_lgamma(x):
    return math.lgamma(x) * 2.0


if hasattr(math, "cbrt"):  # Python 3.11
    @case((0.7,), (-1.3,), (8.0,), grad=lambda x: 1 / (3 * math.cbrt(x) ** 2))
    def math_cbrt(x):
        return math.cbrt(x)

    @case((0.7,), (-1.3,), grad=lambda x: 2 ** x * math.log(2) + 8.0)
    def math_exp2_ldexp(x):
        return math.exp2(x) + math.ldexp(x, 3)


@case((5.3, 2.0), (-5.3, 2.0), (5.3, -2.0), wrt=(0, 1),
      grad=lambda x, y: (1.0, -float(math.trunc(x / y))))
def math_fmod(x, y):
    return math.fmod(x, y)


@case((5.3, 2.0), (-5.3, 2.0), (4.7, 2.0), wrt=(0, 1),
      grad=lambda x, y: (1.0, -float(round(x / y))))
def math_remainder(x, y):
    return math.remainder(x, y)


@case((3.0, 4.0, 1.5), (-1.2, 0.5, -2.0), wrt=(0, 1, 2),
      grad=lambda x, y, z: (x / math.hypot(x, y, z), y / math.hypot(x, y, z),
                            z / math.hypot(x, y, z) + _sign(z)))
def math_hypot_many(x, y, z):
    return math.hypot(x, y, z) + math.hypot(z)


@case((0.7, 1.6), (-1.3, 0.2), wrt=(0, 1),
      grad=lambda x, y: ((x - 1) / math.dist([x, y], [1.0, -y]),
                         4 * y / math.dist([x, y], [1.0, -y])))
def math_dist(x, y):
    return math.dist([x, y], [1.0, -y])


@case((0.7,), (-1.3,), grad=lambda x: 1.0)
def math_nextafter(x):
    return math.nextafter(x, 0.0)


@case((0.7,), (-1.3,), grad=lambda x: 180 / math.pi + math.pi / 180)
def math_degrees_radians(x):
    return math.degrees(x) + math.radians(x)


@case((1.3,), (-0.6,), (2.7,),
      grad=lambda x: math.floor(x) + math.ceil(x) + math.trunc(x))
def math_floor_ceil_trunc(x):
    return x * math.floor(x) + x * math.ceil(x) + math.trunc(x) * x


@case((1.3,), (-0.6,), grad=lambda x: math.pi + math.e ** x)
def math_pi_e(x):
    return math.pi * x + math.e ** x


@case((0.7,), (-1.9,), grad=lambda x: math.cos(math.cos(x)) * -math.sin(x)
      * math.exp(math.sin(math.cos(x))))
def math_chain(x):
    return math.exp(math.sin(math.cos(x)))


@case((0.7,), (-3.0,), (5.0,), grad=lambda x: 1 / (1 + math.exp(-x)))
def softplus(x):
    return math.log1p(math.exp(x))


@case((0.7,), (-3.0,), grad=lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2)
def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# ----- how math is named -----


@case((0.7,), (2.2,),
      grad=lambda x: (math.cos(x) * math.exp(x) + math.sin(x) * math.exp(x)
                      + 0.5 / math.sqrt(x) - math.sin(x)))
def from_math_import(x):
    return sin(x) * exp(x) + sqrt(x) + cosine(x)


@case((0.7,), (2.2,), grad=lambda x: math.cos(x) + 1 / x)
def math_alias(x):
    return m.sin(x) + m.log(x)


# ----- variables -----


@case((1.3,), (-0.6,), grad=lambda x: 2 * (x * x + x) * (2 * x + 1))
def reassign(x):
    y = x * x
    y = y + x
    y = y * y
    return y


def _augassign_grad(x, y):
    s = ((x + y) * x - y) / 2.0
    return 2 * s * (2 * x + y) / 2, 2 * s * (x - 1) / 2


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1), grad=_augassign_grad)
def augassign(x, y):
    s = x
    s += y
    s *= x
    s -= y
    s /= 2.0
    s **= 2
    return s


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1), grad=lambda x, y: (-2 * y, 1 - 2 * x))
def tuple_swap(x, y):
    a, b = x, y
    a, b = b, a * b
    return a - 2 * b


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1), grad=lambda x, y: (2 * (y + 1), 2 * x))
def tuple_pack_unpack(x, y):
    p = x * 2, y + 1
    u, v = p
    return u * v


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1),
      grad=lambda x, y: (2 * x * y + y * y * math.cos(x * y * y),
                         x * x + 2 * x * y * math.cos(x * y * y)))
def intermediates(x, y):
    a = x * y
    b = a * y
    c = math.sin(b)
    d = a * x
    e = c + d
    return e


@case((1.3,), (-0.6,), grad=lambda x: 4 * x ** 3)
def same_var_many_times(x):
    return x * x * x * x


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1), grad=lambda x, y: (2 * x, 0.0))
def unused_param(x, y):
    return x * x


@case((1.3,), (-0.6,), grad=lambda x: 0.0)
def constant_result(x):
    return 3.0


@case((1.3,), (-0.6,), grad=lambda x: 1.0)
def identity(x):
    return x


@case((1.3,), (-0.6,), (1.3, 3.0), grad=lambda x, c=2.0: 2 * c * x)
def default_arg(x, c=2.0):
    return c * x * x


@case((1.3, 2.0), (-0.6, 0.5), wrt=(0, 1), kwargs={"shift": 0.25},
      grad=lambda x, y, *, scale=3.0, shift: (scale * y, scale * x))
def kwonly_args(x, y, *, scale=3.0, shift):
    return scale * x * y + shift


SCALE = 2.5
OFFSETS = (0.5, -1.0)


@case((1.3,), (-0.6,), grad=lambda x: 2 * SCALE * x + OFFSETS[1])
def module_globals(x):
    return SCALE * x * x + OFFSETS[0] + OFFSETS[1] * x


def make_affine(a, b):
    def affine(x):
        return a * x * x + b * x

    return affine


closure_affine = make_affine(1.5, -2.0)
CORPUS.append(Case(closure_affine, ((1.3,), (-0.6,)), 0, lambda x: 3.0 * x - 2.0))


# ----- the user's own helpers -----


def sq(t):
    return t * t


def scaled(t, k=2.0):
    return k * t


def quartic(t):
    return sq(sq(t))


def ramp(t):
    if t > 0:
        return t * t
    return 0.5 * t


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1), grad=lambda x, y: (2 * x + y, x))
def helper_positional(x, y):
    return sq(x) + scaled(x, y)


@case((1.3,), (-0.6,), grad=lambda x: 3.0)
def helper_keyword(x):
    return scaled(x, k=3.0)


@case((1.3,), (-0.6,), grad=lambda x: 2.0 + 2 * 2.0 * x)
def helper_default(x):
    return scaled(x) + scaled(t=x * x)


@case((1.3,), (-0.6,), grad=lambda x: 8 * x ** 3 + 4 * x)
def helper_nested(x):
    return quartic(x) + sq(sq(x) + 1) - 1


@case((1.3,), (-0.6,), grad=lambda x: 2 * x if x > 0 else 0.5)
def helper_with_branch(x):
    return ramp(x)


@case((1.3,), (-0.6,), grad=lambda x: 2 * x + 3 * (2 * x if x > 0 else 0.5))
def helper_called_twice(x):
    a = sq(x)
    b = ramp(x) * 3
    return a + b


# ----- branches -----


@case((1.3,), (-0.6,), grad=lambda x: 4 * x if x > 0 else -6.0)
def if_else(x):
    if x > 0:
        y = x * x
    else:
        y = -3 * x
    return y * 2


@case((1.3,), (-0.6,), (-2.5,),
      grad=lambda x: 3 * x * x if x > 0 else (math.cos(x) if x > -1 else 2.0))
def if_elif_else(x):
    if x > 0:
        y = x ** 3
    elif x > -1:
        y = math.sin(x)
    else:
        y = 2 * x + 1
    return y


@case((1.3,), (0.6,), (-0.6,), grad=lambda x: 2 * x if x > 1 else 1.0)
def if_without_else(x):
    y = x
    if x > 1:
        y = y * y
    return y


@case((1.3, 0.5), (0.2, 0.5), (-0.6, 2.0), wrt=(0, 1),
      grad=lambda x, y: (y, x) if x * y > 0.5 else (1.0, -1.0))
def if_on_product(x, y):
    if x * y > 0.5:
        z = x * y
    else:
        z = x - y
    return z


@case((1.3, True), (1.3, False), (-0.6, True),
      grad=lambda x, flag: 2 * x if flag else math.cos(x))
def if_on_flag(x, flag):
    if flag:
        return x * x
    return math.sin(x)


@case((1.3, "square"), (1.3, "cube"), (-0.6, "other"),
      grad=lambda x, kind: 2 * x if kind == "square" else (3 * x * x if kind == "cube" else 1.0))
def if_on_string(x, kind):
    if kind == "square":
        y = x * x
    elif kind == "cube":
        y = x ** 3
    else:
        y = x
    return y


@case((1.3,), (-0.6,), grad=lambda x: 2 * x if x > 0 else math.cos(x))
def cond_expr(x):
    return x * x if x > 0 else math.sin(x)


@case((1.3,), (0.4,), (-0.6,),
      grad=lambda x: 3 * x * x if x > 1 else (2.0 if x > 0 else -1.0))
def early_return(x):
    if x > 1:
        return x * x * x
    y = 2 * x
    if x > 0:
        return y + 1
    return -x


@case((1.3, 0.2), (-0.6, 0.2), (1.3, -0.9), (-0.6, -0.9), wrt=(0, 1))
def nested_if(x, y):
    if x > 0:
        if y > 0:
            z = x * y
        else:
            z = x - y * y
    else:
        z = math.exp(x) + y
    return z * z


# ----- loops -----


def _loop_ref(x, n):
    d = 1.0
    for _ in range(n):
        d = d * (1.1 + math.cos(x))
        x = x * 1.1 + math.sin(x)
    return d


@case((0.3, 4), (-0.8, 3), (0.3, 0), grad=_loop_ref)
def for_range(x, n):
    for _ in range(n):
        x = x * 1.1 + math.sin(x)
    return x


def _horner_ref(x, a, b, s):
    y, d = 1.0, 0.0
    for i in range(a, b, s):
        d = d * x + y
        y = y * x + i
    return d


@case((0.7, 1, 7, 2), (-1.2, 0, 5, 1), (0.7, 10, 0, -3), (0.7, 3, 3, 1), grad=_horner_ref)
def for_range_start_stop_step(x, a, b, s):
    y = 1.0
    for i in range(a, b, s):
        y = y * x + i
    return y


@case((0.7, 5), (-1.2, 4), grad=lambda x, n: sum(i * i * x ** (i - 1) for i in range(1, n)))
def for_uses_index(x, n):
    acc = 0.0
    for i in range(1, n):
        acc = acc + i * x ** i
    return acc


@case((0.7,), (-1.2,), grad=lambda x: 2 * x)
def for_range_empty(x):
    y = x * x
    for _i in range(5, 2):
        y = y * x
    return y


@case((0.7, 0), (0.7, 3), (-1.2, 2), grad=lambda x, n: (n + 2) * x ** (n + 1))
def for_zero_trips_param(x, n):
    y = x * x
    for _i in range(n):
        y = y * x
    return y


def _while_ref(x, n):
    d = 1.0
    for _ in range(n):
        d = d * (1 + 0.5 * math.cos(x))
        x = x + 0.5 * math.sin(x)
    return d


@case((0.3, 5), (-2.0, 3), (0.3, 0), grad=_while_ref)
def while_counter(x, n):
    i = 0
    while i < n:
        x = x + 0.5 * math.sin(x)
        i += 1
    return x


@case((0.7,), (-1.2,), grad=lambda x: 3 * x * x)
def while_zero_trips(x):
    y = x ** 3
    k = 3
    while k < 3:
        y = y * 2
        k = k + 1
    return y


def _nested_loops_ref(x, n, k):
    d = 1.0
    for i in range(n):
        for j in range(k):
            d = d * 0.9
            x = x * 0.9 + 0.1 * j
        d = d * math.cos(x)
        x = math.sin(x) + i
    return d


@case((0.7, 3, 2), (-1.2, 2, 3), (0.7, 2, 0), grad=_nested_loops_ref)
def nested_loops(x, n, k):
    for i in range(n):
        for j in range(k):
            x = x * 0.9 + 0.1 * j
        x = math.sin(x) + i
    return x


@case((0.9, 1.3), (-0.4, 2.1), wrt=(0, 1))
def loop_two_carried(x, y):
    a = x
    b = y
    for _ in range(4):
        a, b = b, a * b * 0.5 + math.cos(a)
    return a + b


@case((1.7, 3), (0.3, 4), (-0.5, 3))
def loop_with_branch(x, n):
    for _i in range(n):
        if x > 1:
            x = x / 2
        else:
            x = x * 1.7 + 0.1
    return x


COEFFS = (1.0, -2.0, 0.5, 0.25)


@case((0.7,), (-1.2,), grad=lambda x: -2.0 + 2 * 0.5 * x + 3 * 0.25 * x * x)
def loop_over_global_coeffs(x):
    y = 0.0
    p = 1.0
    for i in range(len(COEFFS)):
        y = y + COEFFS[i] * p
        p = p * x
    return y


# ----- lists, stop_gradient -----


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1),
      grad=lambda x, y: (2 * x * y - y, x * x + 1 - x))
def list_display(x, y):
    v = [x, y, x * y]
    return v[0] * v[2] + v[1] - v[-1]


@case((1.3,), (-0.6,), grad=lambda x: x, fd=False)
def stop_gradient_product(x):
    return x * srcdiff.stop_gradient(x)


@case((1.3, -0.4), (-2.0, 0.7), wrt=(0, 1), grad=lambda x, y: (y, x), fd=False)
def detach_sum(x, y):
    return detach(x * y) * 2 + x * y
