"""`check(f, *args, wrt=0)`: the generated derivative against an independent reference.

The reference is SymPy's derivative of `f` lowered to SymPy (`to_sympy.py`)
wherever the code lowers (straight-line scalar math, branches, non-differentiated
arguments substituted by value), else central finite differences.

Errors are measured as |generated - reference| / max(1, |reference|), per entry:
- SymPy: tolerance 1e-10 (the reference is exact, evaluated to 30 digits, so a
  correct derivative shows rounding only, about 1e-16);
- finite differences: h = eps**(1/3) * max(1, |x|) for the dtype's eps, central
  differences, tolerance 1e-6, widened per entry by f's own rounding noise
  100 * eps**(2/3) * |f(x)| / max(1, |x|) (relative to max(1, |reference|)).
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import sympy as sp

from . import to_sympy
from .api import Wrt, grad, resolve_wrt
from .source import describe, function_of

SYMPY_TOL = 1e-10
FD_TOL = 1e-6


@dataclass
class Entry:
    """One differentiated parameter: what srcdiff computed and what the reference says."""

    name: str
    generated: Any
    reference: Any
    error: float
    tolerance: float
    symbolic: str | None = None  # the simplified derivative (SymPy method only)


@dataclass
class CheckReport:
    """The result of `check`: `.ok`, `.method`, `.max_error`; `str()` reads as a report."""

    function: str
    point: str
    method: str
    ok: bool
    max_error: float
    tolerance: float
    entries: list[Entry] = field(default_factory=list)
    note: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "OK" if self.ok else "MISMATCH"
        lines = [f"check {self.function} at {self.point}: {verdict}",
                 f"  method: {self.method}" + (f" ({self.note})" if self.note else ""),
                 f"  max error: {self.max_error:.3g} (tolerance {self.tolerance:g}, "
                 "error = |generated - reference| / max(1, |reference|))"]
        for e in self.entries:
            lines.append(f"  d/d{e.name}:")
            lines.append(f"    generated: {_fmt(e.generated)}")
            lines.append(f"    reference: {_fmt(e.reference)}")
            extra = f" (tolerance {e.tolerance:.3g})" if e.tolerance > 1.01 * self.tolerance else ""
            lines.append(f"    error:     {e.error:.3g}{extra}")
            if e.symbolic is not None:
                lines.append(f"    symbolic:  {e.symbolic}")
        return "\n".join(lines)


def _fmt(v) -> str:
    if isinstance(v, np.ndarray):
        return np.array2string(v, precision=15, separator=", ", threshold=20)
    return repr(float(v)) if isinstance(v, (float, np.floating, int)) else repr(v)


def check(f: Callable, *args: Any, wrt: Wrt = 0) -> CheckReport:
    """Compare `grad(f, wrt)(*args)` with SymPy's derivative where `f` lowers to
    SymPy, else with central finite differences (see the module docstring for
    the error measure and tolerances)."""
    fn = function_of(f)
    values = _bind(fn, args)
    idx, _ = resolve_wrt(fn, wrt)
    names = [p for p in inspect.signature(fn).parameters]
    generated = grad(fn, wrt=idx)(*values)
    point = ", ".join(f"{n}={_short(v)}" for n, v in zip(names, values))
    try:
        entries = _sympy_entries(fn, values, idx, names, generated)
    except _Fallback as e:
        entries = _fd_entries(fn, values, idx, names, generated)
        return _report(fn, point, "finite-difference", entries, FD_TOL, f"no SymPy form: {e}")
    return _report(fn, point, "sympy", entries, SYMPY_TOL, "")


def _report(fn, point, method, entries, tol, note) -> CheckReport:
    ok = all(e.error <= e.tolerance for e in entries)
    worst = max((e.error for e in entries), default=0.0)
    return CheckReport(describe(fn), point, method, ok, worst, tol, entries, note)


def _bind(fn, args) -> tuple:
    sig = inspect.signature(fn)
    bound = sig.bind(*args)
    bound.apply_defaults()
    return tuple(bound.arguments.values())


def _short(v) -> str:
    text = np.array2string(v, threshold=6) if isinstance(v, np.ndarray) else repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


class _Fallback(Exception):
    """SymPy cannot give the reference; the message says why."""


def _error(gen, ref) -> float:
    gen = np.asarray(gen, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if gen.shape != ref.shape:
        return math.inf
    both_inf = np.isinf(gen) & np.isinf(ref) & (np.sign(gen) == np.sign(ref))
    err = np.where(both_inf, 0.0, np.abs(gen - ref) / np.maximum(1.0, np.abs(ref)))
    err = np.where(np.isnan(err), math.inf, err)
    return float(np.max(err)) if err.size else 0.0


# ----- SymPy -----
def _sympy_entries(fn, values, idx, names, generated) -> list[Entry]:
    try:
        expr, symbols = to_sympy.lower(fn, values, idx)
    except to_sympy.DoesNotLower as e:
        raise _Fallback(str(e)) from None
    except RecursionError:
        raise _Fallback("the expression is too deep") from None
    point = {s: sp.Float(float(values[i]), 30) for s, i in zip(symbols, idx)}
    entries = []
    # Mod(a, b) is a - b * floor(a / b); floor and ceiling are flat almost everywhere.
    expr = expr.replace(sp.Mod, lambda a, b: a - b * sp.floor(a / b))
    for s, i, gen in zip(symbols, idx, generated):
        d = sp.diff(expr, s).replace(_flat_derivative, lambda e: sp.Integer(0))
        d = d.replace(lambda e: isinstance(e, sp.Subs) and e.expr == 0, lambda e: sp.Integer(0))
        try:
            value = d.xreplace(point).evalf(30)
        except Exception as e:  # SymPy cannot evaluate it here: no reference
            raise _Fallback(f"SymPy cannot evaluate the derivative: {e}") from None
        if not (value.is_number and value.is_real):
            raise _Fallback(f"the symbolic derivative is {value} at this point")
        ref = float(value)
        entries.append(Entry(names[i], gen, ref, _error(gen, ref), SYMPY_TOL, _simplified(d)))
    return entries


def _flat_derivative(e) -> bool:
    """A derivative of floor or ceiling : zero almost everywhere."""
    return isinstance(e, sp.Derivative) and isinstance(e.expr, (sp.floor, sp.ceiling))


def _simplified(d) -> str:
    """A tidier derivative to show. Simplification is cosmetic and SymPy's can take
    minutes (abs, sign, nested trig), so only small, kink-free expressions get it."""
    try:
        if sp.count_ops(d) <= 30 and not d.has(sp.Abs, sp.sign, sp.Piecewise):
            d = sp.simplify(d)
    except Exception:  # show the raw derivative
        pass
    return str(d)


# ----- finite differences -----
def _fd_entries(fn, values, idx, names, generated) -> list[Entry]:
    f0 = float(np.asarray(fn(*values), dtype=float))
    entries = []
    for i, gen in zip(idx, generated):
        ref, tol = _central(fn, values, i, f0)
        shaped = ref if isinstance(values[i], np.ndarray) and np.ndim(values[i]) else float(ref)
        entries.append(Entry(names[i], gen, shaped, _error(gen, ref), tol))
    return entries


def _central(fn, values, i, f0) -> tuple[np.ndarray, float]:
    """d f / d values[i] entry by entry, and the tolerance those entries earn."""
    x = values[i]
    dtype = x.dtype if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating) \
        else np.dtype(float)
    eps = float(np.finfo(dtype).eps)
    base = np.array(x, dtype=dtype)
    out = np.zeros(base.shape)
    tol = FD_TOL
    for k in np.ndindex(base.shape) if base.ndim else [()]:
        scale = max(1.0, abs(float(base[k])))
        h = eps ** (1 / 3) * scale
        hi, lo = base.copy(), base.copy()
        hi[k] = base[k] + h
        lo[k] = base[k] - h
        step = float(hi[k]) - float(lo[k])  # the step actually taken, after rounding
        fh = _call(fn, values, i, hi, x)
        fl = _call(fn, values, i, lo, x)
        out[k] = (fh - fl) / step
        noise = 100 * eps ** (2 / 3) * abs(f0) / scale / max(1.0, abs(out[k]))
        tol = max(tol, FD_TOL + float(noise))
    return out, tol


def _call(fn, values, i, xi, original) -> float:
    if not isinstance(original, np.ndarray) or original.ndim == 0:
        xi = float(xi) if not isinstance(original, np.ndarray) else xi
    args = list(values)
    args[i] = xi
    return float(np.asarray(fn(*args), dtype=float))
