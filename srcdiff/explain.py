"""`explain(f, *args)`: what srcdiff did with `f` at a point, in one report.

The primal with its line numbers, the derivative srcdiff generated for these
arguments (with its provenance comments, `# line 12: ...`), the `check` report
against SymPy or finite differences, and, for every parameter whose gradient is
zero by construction, why: not differentiated (not in `wrt`), not read, or read
only where the derivative is zero (a comparison, a branch condition, a loop's
trip count, an index, `stop_gradient`).
"""
from __future__ import annotations

import html as _html
import inspect
import linecache
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import activity, ir, transform
from .api import grad, resolve_wrt
from .check import CheckReport, check
from .rules.table import bind_args, lookup
from .source import describe, function_of


@dataclass
class Explanation:
    """`str()` reads as the report; the parts are `.primal`, `.derivative`,
    `.report` (a CheckReport, or the error check raised), `.inactive` (parameter
    name -> why its gradient is zero by construction)."""

    function: str
    point: str
    wrt: tuple
    primal: str
    derivative: str
    report: Any
    inactive: dict = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [f"explain {self.function} at {self.point} (wrt {', '.join(self.wrt)})",
                 "", "the function:", self.primal, "",
                 "its derivative, for these arguments (a comment names the line each block "
                 "computes or differentiates):",
                 _numbered(self.derivative, 1), "", str(self.report
                                                        if isinstance(self.report, CheckReport)
                                                        else f"check: not run ({self.report})")]
        parts += ["", "inputs:"]
        for name, why in self.inactive.items():
            parts.append(f"  {name}: {why}")
        return "\n".join(parts) + "\n"

    def _repr_html_(self) -> str:
        return f"<pre>{_html.escape(str(self))}</pre>"


def explain(f, *args, wrt=None) -> Explanation:
    """What srcdiff does with `f` at `args`: the primal, the derivative with its
    provenance, the check report and the inputs whose gradient is zero by
    construction, with why. `wrt` as for `grad`; by default every parameter
    given a float or a float array (else the first)."""
    fn = function_of(f)
    sig = inspect.signature(fn)
    bound = sig.bind(*args)
    bound.apply_defaults()
    values = tuple(bound.arguments.values())
    names = list(bound.arguments)
    if wrt is None:
        floats = tuple(i for i, v in enumerate(values) if _is_float(v))
        wrt = floats if floats else 0
    idx, _ = resolve_wrt(fn, wrt)
    g = grad(fn, wrt=idx)
    report: Any = None
    try:
        g(*values)  # the code specialised to these arguments is what .source shows
    except Exception as e:  # (shown in the report: explain is for finding out why)
        report = f"{type(e).__name__}: {e}"
    if report is None:
        try:
            report = check(fn, *values, wrt=idx)
        except Exception as e:
            report = f"{type(e).__name__}: {e}"
    point = ", ".join(f"{n}={_short(v)}" for n, v in zip(names, values))
    return Explanation(describe(fn), point, tuple(names[i] for i in idx), primal_listing(fn),
                       g.source, report, inputs(fn, idx, names))


def primal_listing(fn) -> str:
    """`fn`'s source with its file's line numbers."""
    lines, start = inspect.getsourcelines(fn)
    where = f"{os.path.basename(fn.__code__.co_filename)}, line {start}"
    return f"  ({where})\n" + _numbered("".join(lines), start)


def _numbered(text: str, start: int) -> str:
    lines = text.rstrip("\n").splitlines()
    width = len(str(start + len(lines)))
    return "\n".join(f"  {start + i:>{width}} | {ln}".rstrip() for i, ln in enumerate(lines))


def inputs(fn, idx: tuple, names: list) -> dict:
    """Each parameter: differentiated (active), or why its gradient is zero."""
    lw = transform.lowered(fn)
    f_ir = lw.fn
    out = {}
    for i, p in enumerate(f_ir.params):
        name = names[i] if i < len(names) else p.hint
        why = _why_inactive(f_ir, p)
        if i not in idx:
            out[name] = "not differentiated (not in wrt)" + (
                "" if why is None else f"; {why}")
        else:
            out[name] = "differentiated" if why is None else (
                f"differentiated, but its gradient is zero: {why}")
    return out


def _why_inactive(fn: ir.Function, p: ir.Var) -> str | None:
    """None when the result depends differentiably on `p`; else why it does not."""
    if p.id in activity.analyze(fn, [p], None):
        return None
    varied = activity.varied(fn, [p])
    stops = []  # where a value made from p is read with zero derivative
    for s in ir.walk(fn.body):
        reads = _reads(s)
        if not any(u.id in varied for u in reads):
            continue
        if isinstance(s, ir.Assign) and s.var.id in varied:
            continue
        stops.append(_spot(s, varied))
    if not stops and len(varied) == 1 and not _read_at_all(fn, p):
        return "the function does not read it"
    if not stops:
        return "the values computed from it do not reach the result"
    shown = "; ".join(dict.fromkeys(stops))
    return f"it reaches the result only where the derivative is zero: {shown}"


def _reads(s) -> list:
    if isinstance(s, ir.Assign):
        return ir.expr_uses(s.expr)
    if isinstance(s, ir.If):
        return ir.expr_uses(s.cond) if not isinstance(s.cond, ir.Const) else []
    out = [b for b in s.bounds if isinstance(b, ir.Var)]
    return out + (ir.expr_uses(s.cond) if s.cond is not None else [])


def _read_at_all(fn: ir.Function, p: ir.Var) -> bool:
    if fn.result is p:
        return True
    for s in ir.walk(fn.body):
        if any(u is p for u in _reads(s)):
            return True
        if isinstance(s, ir.If) and any(p is a for o in s.outs for a in (o.then, o.orelse)):
            return True
        if isinstance(s, ir.Loop) and any(c.init is p for c in s.carried):
            return True
    return False


def _spot(s, varied: set) -> str:
    what = {ir.If: "a branch condition", ir.Loop: "a loop's trip count"}.get(type(s))
    if what is None:
        e = s.expr
        what = "an index or comparison" if isinstance(e, ir.Opaque) else (
            _call_spot(e, varied) if isinstance(e, ir.Call) else "a constant")
    if s.loc is None:
        return what
    text = linecache.getline(s.loc.filename, s.loc.lineno).strip()
    return f"{what} (line {s.loc.lineno}: {text})"


def _call_spot(e: ir.Call, varied: set) -> str:
    """What a call that reads a varied value with zero derivative is."""
    rule = lookup(e.fn)
    if rule is not None and rule.index is not None:
        try:
            index = bind_args(rule, e.args, e.kwargs).get(rule.index)
        except TypeError:
            index = None
        if index is not None and any(u.id in varied for u in ir.expr_uses(index)):
            return "an index"
    name = e.spelling or (rule.name if rule is not None else "a call")
    return f"{name}, whose derivative with respect to it is zero"


def _is_float(v) -> bool:
    if isinstance(v, np.ndarray):
        return v.dtype.kind == "f"
    return isinstance(v, (float, np.floating))


def _short(v) -> str:
    text = np.array2string(v, threshold=6) if isinstance(v, np.ndarray) else repr(v)
    return text if len(text) <= 40 else text[:37] + "..."
