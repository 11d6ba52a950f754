"""SymPy, imported when first used. Only `check` and the lowering to SymPy need it; a
gradient never does, and importing SymPy costs about twice all of srcdiff's own
modules. `sympy` imports it at the first attribute read; `facts` (for the rule
tables' `sympy=` facts, named while srcdiff is imported) gives a stand-in that reads
the attribute when it is called, by which time a lowering has imported SymPy.
"""
from __future__ import annotations

import importlib
import sys


class _Sympy:
    def __getattr__(self, name: str):
        return getattr(importlib.import_module("sympy"), name)


class _Deferred:
    """SymPy's `name`, read when called (a function such as sp.sin named as a fact)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __call__(self, *args, **kwargs):
        return getattr(importlib.import_module("sympy"), self.name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"sympy.{self.name}"


class _Facts:
    def __getattr__(self, name: str):
        module = sys.modules.get("sympy")  # (once imported: the attribute itself)
        return _Deferred(name) if module is None else getattr(module, name)


sympy = _Sympy()
facts = _Facts()
