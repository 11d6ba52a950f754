"""SymPy values shared by the rules' `sympy=` counterparts and the SymPy lowering
(to_sympy.py): numbers in and out of SymPy, and SymPy functions with a zero
derivative for step functions.

Takes Python and NumPy numbers or SymPy expressions; gives SymPy numbers
(`concrete`), plain Python numbers (`plain`, raising `DoesNotLower` for a symbolic
or non-real value) and, per Python function, one SymPy function class (`flat`)
whose derivative is 0 and whose value at numbers is the Python function's. It
depends on SymPy and `stop_gradient` only, so the rule modules can use it without
importing the transformer.
"""
from __future__ import annotations

import numbers

import numpy as np
from ..sym import sympy as sp

from .stop import stop_gradient


class DoesNotLower(Exception):
    """The function has no SymPy form (a loop, an array, a call without a counterpart)."""


def concrete(v):
    """A non-differentiated value as the lowering carries it: numbers become SymPy
    numbers (bools stay Python bools for conditions), anything else stays as is."""
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v.item()
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return sp.Integer(int(v))
    if isinstance(v, numbers.Real):
        return sp.Float(float(v))
    return v


def plain(v):
    """A lowered value back as a plain Python value, for evaluating inactive code."""
    if isinstance(v, sp.Basic):
        if v.free_symbols:
            raise DoesNotLower(f"{v} is symbolic")
        if v in (sp.true, sp.false):
            return bool(v)
        if v.is_Integer:
            return int(v)
        try:
            return float(v)
        except TypeError:
            raise DoesNotLower(f"{v} is not a real number") from None
    return v


_FLAT: dict = {}


def flat(fn, label: str):
    """A SymPy function with `fn`'s values and a zero derivative: round, trunc,
    stop_gradient (which is the identity, held constant)."""
    key = id(fn)
    if key not in _FLAT:
        py = (lambda v: v) if fn is stop_gradient else fn
        name = "".join(ch if ch.isalnum() else "_" for ch in label.split(".")[-1]) or "flat"

        def eval(cls, *args):
            if all(isinstance(a, sp.Basic) and a.is_number for a in args):
                return concrete(py(*[plain(a) for a in args]))
            return None

        _FLAT[key] = (fn, type(name, (sp.Function,), {
            "eval": classmethod(eval),
            "fdiff": lambda self, argindex=1: sp.Integer(0),
            "_eval_is_real": lambda self: True,
        }))
    return _FLAT[key][1]
