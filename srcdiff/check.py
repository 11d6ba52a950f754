"""`check(f, *args, wrt=0)`: the generated derivative against an independent reference.

The reference is SymPy's derivative of `f` lowered to SymPy (`to_sympy.py`)
wherever the code lowers (straight-line scalar math, branches, non-differentiated
arguments substituted by value), else central finite differences.

Errors are measured as |generated - reference| / max(1, |reference|), per entry:
- SymPy: tolerance 1e-10 (the reference is exact, evaluated to 30 digits, so a
  correct derivative shows rounding only, about 1e-16);
- finite differences: extrapolated central differences (Ridders' method: steps
  shrinking by 1.4 from h0, Richardson-extrapolated to step 0, with an error
  estimate from the tableau), for h0 = 0.1, 0.01, ..., 1e-6 times max(1, |x|); the
  reference is where two runs agree at the smallest steps (a strongly curved f is
  flat at large steps, a domain edge may lie within them); tolerance 1e-6, widened
  per entry by 10 times the estimated error plus f's rounding noise
  100 * eps * |f(x)| / h (relative to max(1, |reference|)). A fixed step
  eps**(1/3) * max(1, |x|) was too coarse for a small, strongly curved parameter:
  a correct derivative failed.
"""
from __future__ import annotations

import inspect
import math
import signal
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from .sym import sympy as sp

from . import pytree, tree_api
from .api import Wrt, grad, resolve_wrt
from .rules.symbolic import DoesNotLower
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
    if tree_api.structured(values, idx):  # containers: differences leaf by leaf
        entries = _fd_entries(*_leaves(fn, values, idx, names, generated))
        return _report(fn, point, "finite-difference", entries, FD_TOL,
                       "containers are checked leaf by leaf")
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
    from . import to_sympy  # (imports SymPy: not at srcdiff's import, see sym.py)
    try:
        expr, symbols = to_sympy.lower(fn, values, idx)
    except DoesNotLower as e:
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


SIMPLIFY_SECONDS = 2.0  # SymPy's simplify can take minutes (nested trig, abs, sign)


def _simplified(d) -> str:
    """A tidier derivative to show. Simplification is cosmetic, so only small, kink-free
    expressions get it, for at most SIMPLIFY_SECONDS (where a timer can interrupt it: the
    main thread of a Unix process with no timer of its own running; elsewhere, only
    expressions without nested functions)."""
    try:
        if sp.count_ops(d) <= 30 and not d.has(sp.Abs, sp.sign, sp.Piecewise):
            d = _bounded(sp.simplify, d, nested=any(
                a.has(sp.Function) for f in d.atoms(sp.Function) for a in f.args))
    except Exception:  # (_Late among them) show the raw derivative
        pass
    return str(d)


class _Late(Exception):
    pass


def _bounded(fn, d, nested: bool):
    """fn(d), given up (raising _Late) after SIMPLIFY_SECONDS."""
    main = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "setitimer") or not main or signal.getitimer(
            signal.ITIMER_REAL)[0] > 0:  # (no timer here, or the program runs its own)
        if nested:
            raise _Late
        return fn(d)

    def late(signum, frame):
        raise _Late
    old = signal.signal(signal.SIGALRM, late)
    signal.setitimer(signal.ITIMER_REAL, SIMPLIFY_SECONDS)
    try:
        return fn(d)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ----- finite differences -----
def _leaves(fn, values, idx, names, generated):
    """The check of containers as one of their leaves: (a function of the leaves,
    the leaves, the differentiated ones, their paths, their generated gradients)."""
    flat = tree_api.Flat(fn, values, idx)
    seqs = {j: type(v) for j, v in enumerate(flat.values) if isinstance(v, (list, tuple))}

    def of_leaves(*leaves):
        args = []
        for name, slots in zip(flat.names, flat.slots):
            got = [seqs[j](leaves[j].tolist()) if j in seqs else leaves[j] for j in slots]
            args.append(pytree.unflatten(flat.trees[name], got) if name in flat.trees
                        else got[0])
        return fn(*args)

    paths = [None] * len(flat.values)
    gens = []
    for i, g in zip(idx, generated):
        name = names[i]
        if name in flat.trees:
            for j, path in zip(flat.slots[i], flat.trees[name].paths()):
                paths[j] = pytree.path_text(name, path)
            gens += pytree.flatten(g)[0]
        else:
            paths[flat.slots[i][0]] = name
            gens.append(g)
    arrays = [np.array(v, dtype=float) if j in seqs else v for j, v in enumerate(flat.values)]
    gens = [np.asarray(g, dtype=float) if isinstance(g, (list, tuple)) else g for g in gens]
    return of_leaves, arrays, flat.wrt(idx), paths, gens



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
        def diff(h, k=k):
            """The central difference with step h; None where f fails or is not finite."""
            hi, lo = base.copy(), base.copy()
            hi[k] = base[k] + h
            lo[k] = base[k] - h
            step = float(hi[k]) - float(lo[k])  # the step actually taken, after rounding
            try:
                with np.errstate(all="ignore"):
                    d = (_call(fn, values, i, hi, x) - _call(fn, values, i, lo, x)) / step
            except (ArithmeticError, ValueError, AssertionError):  # an edge of f's domain
                return None  # (math's, or one f states: `assert x > 0`) within h
            return d if math.isfinite(d) else None

        value, err, h = _extrapolated(diff, max(1.0, abs(float(base[k]))))
        out[k] = value
        noise = 100 * eps * abs(f0) / h if h else 0.0
        tol = max(tol, FD_TOL + (10 * err + noise) / max(1.0, abs(value)))
    return out, tol


RIDDERS_SHRINK, RIDDERS_STEPS, RIDDERS_SAFE = 1.4, 10, 2.0


def _extrapolated(diff, scale) -> tuple[float, float, float | None]:
    """(derivative, error estimate, step) by Ridders' method from h0 = 0.1 * scale and
    from h0 ten, a hundred, ... times smaller. One run alone can be confidently wrong
    (steps so large that f is flat there), so the answer is where two runs agree, at
    the smallest steps that agree; without agreement, the closest pair, its
    disagreement counted in the error estimate."""
    runs = [_ridders(diff, float(h0)) for h0 in scale * 10.0 ** -np.arange(1, 7)]
    agreed, closest = None, (math.nan, math.inf, None)
    for (v1, e1, h1), (v2, e2, h2) in zip(runs, runs[1:]):
        value, err, h = (v1, e1, h1) if e1 <= e2 else (v2, e2, h2)
        err = max(err, abs(v1 - v2))
        if err <= 1e-3 * FD_TOL * max(1.0, abs(value)):
            agreed = (value, err, h)
        if err < closest[1]:
            closest = (value, err, h)
    return agreed or closest


def _ridders(diff, h) -> tuple[float, float, float | None]:
    """Numerical Recipes' dfridr: central differences at steps h, h / 1.4, ... form the
    first column of a Neville tableau; column j removes the h**(2j) error term. The
    error estimate of an entry is its distance to the two it was made from; the walk
    stops when the diagonal grows (rounding noise takes over)."""
    rows: list[list[float]] = []
    value, err, at = math.nan, math.inf, None
    con2 = RIDDERS_SHRINK ** 2
    for _ in range(RIDDERS_STEPS):
        d = diff(h)
        if d is None:
            if rows:
                break
            h /= RIDDERS_SHRINK  # the largest steps may leave f's domain
            continue
        row = [d]
        fac = con2
        for j in range(1, len(rows) + 1):
            row.append((row[j - 1] * fac - rows[-1][j - 1]) / (fac - 1))
            fac *= con2
            e = max(abs(row[j] - row[j - 1]), abs(row[j] - rows[-1][j - 1]))
            if e <= err:
                value, err, at = row[j], e, h
        stop = bool(rows) and abs(row[-1] - rows[-1][-1]) >= RIDDERS_SAFE * err
        rows.append(row)
        if stop:
            break
        h /= RIDDERS_SHRINK
    if rows and at is None:  # one usable step only: a plain central difference
        value, at = rows[0][0], h
    return value, err, at


def _call(fn, values, i, xi, original) -> float:
    if not isinstance(original, np.ndarray) or original.ndim == 0:
        xi = float(xi) if not isinstance(original, np.ndarray) else xi
    args = list(values)
    args[i] = xi
    return float(np.asarray(fn(*args), dtype=float))
