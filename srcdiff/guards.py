"""What a derivative's call guards against, shared by the entry points (api.py)
and their container forms (tree_api.py): a cotangent unlike the result
(`cotangent`), and generated code that raised (`undefined`, `run`); vjp's
pullback of a plain result, built on both (`pullback`); the primal run for its
result on copies of the inputs (`primal`).

Guarantees: generated code never lets a bare arithmetic exception out. Where the
user's function raises at the same point, its own error is raised (the derivative
fails as the function does); else a SrcDiffError naming the user's function and
the generated line. Other errors get a note saying where in the user's function
they came from (provenance.py).
"""
from __future__ import annotations

import linecache

import numpy as np

from . import arrays, provenance
from .errors import ShapeMismatchError, SrcDiffError
from .source import describe

# NumPy refusing to store a complex result in a real array (`d_x += ...` of an eig
# that came out complex at this point): a value that is not a real number, as 0 / 0
_EXCEPTIONS = getattr(getattr(np, "_core", None) or np.core, "_exceptions", None)
_CASTING = getattr(_EXCEPTIONS, "_UFuncCastingError", ArithmeticError)
ARITHMETIC = (ArithmeticError, ValueError, _CASTING)


def primal(fn, args, kwargs=None):
    """`fn`'s result at `args`, run on copies of the arrays among them: a function
    writing into a parameter (`x[0] = a * b`) must not change the caller's array,
    which the derivative code reads afterwards (inputs are never modified)."""
    return fn(*map(_fresh, args), **{k: _fresh(v) for k, v in (kwargs or {}).items()})


def _fresh(v):
    """`v` with its NumPy arrays copied (inside lists, tuples and dicts too)."""
    if isinstance(v, np.ndarray):
        return v.copy()
    if type(v) in (list, tuple):
        return type(v)(map(_fresh, v))
    if type(v) is dict:
        return {k: _fresh(e) for k, e in v.items()}
    return v


def generated_line(error: Exception) -> str:
    """The innermost line of generated code (`<srcdiff...>` files) `error` passed
    through, stripped, or ""."""
    tb, line = error.__traceback__, ""
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<srcdiff"):
            line = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno).strip()
        tb = tb.tb_next
    return line


def undefined(fn, args, kwargs, error: Exception, user=None) -> Exception:
    """What to raise when a derivative's generated code raised `error`. Python's float
    arithmetic raises where NumPy gives inf or nan (1 / 0.0, math.log(0.0)): if `fn`
    itself raises at this point, its own error (the derivative fails as `fn` does);
    else a SrcDiffError saying the derivative is undefined there, naming `user` (the
    user's function `fn` was generated from, when it was), never a bare exception
    from generated code. Other ValueErrors are not arithmetic: `error`."""
    if isinstance(error, ValueError) and "math domain error" not in str(error) or (
            isinstance(error, TypeError) and "complex" not in str(error)):
        return provenance.note(error)
    code = getattr(fn, "__code__", None)
    if code is not None and not code.co_filename.startswith("<srcdiff"):
        try:  # (generated code raising here would be this error again)
            fn(*args, **kwargs)
        except Exception as primal_error:
            return primal_error
    user = user or fn
    while hasattr(type(user), "__srcdiff_function__"):  # a derivative (api.Derivative)
        user = user.primal
    code = getattr(user, "__code__", None)
    where = f" ({code.co_filename}, line {code.co_firstlineno})" if code else ""
    line = generated_line(error)
    return provenance.note(SrcDiffError(
        f"a derivative of {describe(user)}{where} is undefined at this point (infinite or "
        f"not a real number): evaluating it raised {type(error).__name__}: {error}"
        + (f"\n  in the generated line: {line}" if line else "")), error)


def run(gen, user, fn, primals, kwargs):
    """`gen(*primals, **kwargs)` (code generated from `fn`, for the user's `user`),
    its failures as `undefined` says, others with a note of where in `fn`."""
    try:
        return gen(*primals, **kwargs)
    except ARITHMETIC as e:
        raise undefined(fn, primals, {}, e, user) from None
    except Exception as e:  # where in f it came from: a note
        provenance.note(e)
        raise


def pullback(built, user, fn, primals, out):
    """vjp's pullback of a result `out` that is not a container: the cotangent given
    checked (`cotangent`), `built`'s code run (`run`); with `built`'s `.source` and
    `.source_map`."""

    def pullback(ct):
        return run(built.fn, user, fn, primals, {
            built.ct_name: cotangent(ct, out, built.complex_result)})[1]

    pullback.source = built.source
    pullback.source_map = built.source_map
    return pullback


def cotangent(ct, out, complex_result=False):
    """The cotangent `ct` given for the result `out`, as generated code takes it (a
    float or complex, or an array of them; a Dask or CuPy array stays one); a
    ShapeMismatchError or SrcDiffError for one of another shape, or a complex one of a
    real result; `complex_result`: the code was built for a result that may be complex."""
    if np.shape(ct) != np.shape(out):
        raise ShapeMismatchError(
            f"the cotangent has shape {np.shape(ct)} but the result has shape {np.shape(out)}")
    if complex_result and np.iscomplexobj(out):  # (a real cotangent of it: as complex)
        return np.array(ct, dtype=complex) if np.ndim(out) or isinstance(
            out, np.ndarray) else complex(ct)
    if np.iscomplexobj(ct):
        raise SrcDiffError("the cotangent is complex but the result is real: a real "
                           "result's cotangent is real")
    if isinstance(out, (np.ndarray, list, tuple)) or isinstance(ct, (np.ndarray, list, tuple)):
        return np.array(ct, dtype=float)  # (a list of arrays of one shape: one array)
    if arrays.is_array(ct):  # a Dask or CuPy cotangent stays one (a copy)
        return ct.astype(float).copy()
    return float(ct)
