"""`Program`: one corpus entry — a function, how to make its arguments, what to
differentiate."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Program:
    """`fn(*args_factory(rng))` is a scalar; `wrt` names the parameters (a name,
    an index or a tuple, as `srcdiff.grad` takes them) to differentiate.

    `name` defaults to the function's own name; partial objects, bound methods
    and callable instances give theirs explicitly."""

    fn: Callable
    args_factory: Callable[[Any], tuple]
    wrt: Any = 0
    name: str = ""

    def label(self, module: str) -> str:
        own = self.name or getattr(self.fn, "__name__", type(self.fn).__name__)
        return f"{module}.{own}"
