"""Derivatives of `def f(*args)`, `def f(x, *rest)` and `def f(x, **opts)`.

srcdiff specialises a derivative to its arguments anyway; for such a function the
number of positional arguments and the names of the keywords are part of that:
`PerCall` builds the derivative (grad, jacobian, hessian, hvp, ...) of the function
`f` is for a call with those (source.star_shim: named parameters `args_0, args_1`,
`f` inlined with `args` the tuple of the call), once per count and names, and
runs it. `wrt` counts the call's positional arguments, as JAX's argnums do for
`def f(*args)`; keywords are held constant, as in JAX.
"""
from __future__ import annotations

import inspect
import types
from typing import Any, Callable

from .errors import SrcDiffError
from .source import describe, star_shim


def needed(f) -> bool:
    """Whether derivatives of `f` are built per call: a Python function with *args
    or **kwargs, or such a derivative itself (grad(grad(f)))."""
    if isinstance(f, PerCall):
        return True
    return isinstance(f, types.FunctionType) and not hasattr(f, "__wrapped__") and any(
        p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in inspect.signature(f).parameters.values())


def function_for(f, n: int, keywords: tuple = ()):
    """What `f` is for a call with `n` positional arguments and `keywords`: its star
    shim, or the derivative a PerCall built for it; None when the call does not fit
    `f`'s signature."""
    if isinstance(f, PerCall):
        return f.of(n, keywords)
    return star_shim(f, n, keywords)


class PerCall:
    """`make(g)` for `g` the function `f` is at each call (`function_for`), kept per
    number of positional arguments and keyword names. Attributes (`.source`,
    `.source_map`, `.graph()`, `.wrt`) are those of the latest call's derivative.
    `extra`: trailing positional arguments of the derivative itself, not of `f`
    (hvp's `v`)."""

    def __init__(self, make: Callable, f, what: str, extra: int = 0):
        self.primal = f
        self._make = make
        self._extra = extra
        self._what = what
        self._per: dict = {}
        self._last = None
        self.__name__ = f"{getattr(f, '__name__', 'f')}_{what}"

    def of(self, n: int, keywords: tuple = ()):
        key = (n, tuple(keywords))
        if key not in self._per:
            g = function_for(self.primal, n, key[1])
            if g is None:
                return None
            self._per[key] = self._make(g)
        return self._per[key]

    def __call__(self, /, *args, **kwargs):
        n = len(args) - self._extra
        d = self.of(n, tuple(kwargs)) if n >= 0 else None
        if d is None:
            _refuse_call(self.primal, args[:max(n, 0)], kwargs)
        self._last = d
        return d(*args, **kwargs)

    @property
    def source(self) -> str:
        if self._last is None:
            return ("# built at the first call, for its number of arguments "
                    "(the function takes *args or **kwargs)\n")
        return self._last.source

    @property
    def source_map(self) -> dict:
        return {} if self._last is None else self._last.source_map

    def graph(self):
        if self._last is None:
            raise SrcDiffError(f"the {self._what} of {describe(self.primal)} is built at each "
                               "call for its number of arguments; call it, then draw it")
        return self._last.graph()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or self.__dict__.get("_last") is None:
            raise AttributeError(
                f"{name!r}: the {self._what} of {describe(self.primal)} is built at each "
                f"call for its number of arguments (it takes *args or **kwargs); call it "
                f"first" if not name.startswith("_") else name)
        return getattr(self._last, name)

    def __repr__(self) -> str:
        return f"<srcdiff {self._what} of {describe(self.primal)}, built per call>"


def _refuse_call(f, args, kwargs):
    """Python's own TypeError for a call that does not fit `f`, or srcdiff's refusal of
    one whose names it cannot give parameters (a keyword named like an argument)."""
    target = f.primal if isinstance(f, PerCall) else f
    inspect.signature(target).bind(*args, **kwargs)  # (raises TypeError when it does not fit)
    raise SrcDiffError(f"{describe(target)}: srcdiff cannot name the parameters of a call "
                       f"with {len(args)} positional arguments and keywords "
                       f"{sorted(kwargs)} (a keyword is named like one of *args' "
                       f"entries); pass them under other names")
