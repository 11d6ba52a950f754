"""Error classes, and the one function that formats a located message.

Every error srcdiff raises derives from `SrcDiffError`; a located error quotes
the file, line and source line with a caret the way Python's SyntaxError does.
"""
from __future__ import annotations

import linecache
from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """Where an IR node came from: real file name and absolute line numbers."""

    filename: str
    lineno: int
    col_offset: int = 0
    end_col_offset: int | None = None

    def quote(self) -> str:
        line = linecache.getline(self.filename, self.lineno).rstrip("\n")
        out = f'  File "{self.filename}", line {self.lineno}\n'
        if line:
            stripped = line.lstrip()
            indent = len(line) - len(stripped)
            col = max(self.col_offset - indent, 0)
            end = self.end_col_offset
            width = max((end - self.col_offset) if end and end > self.col_offset else 1, 1)
            width = min(width, max(len(stripped) - col, 1))
            out += f"    {stripped}\n    {' ' * col}{'^' * width}\n"
        return out


class SrcDiffError(Exception):
    """Base class of every error srcdiff raises."""


class LocatedError(SrcDiffError):
    """An error tied to a place in the user's source."""

    def __init__(self, message: str, loc: Loc | None = None):
        self.message = message
        self.loc = loc
        self.filename = loc.filename if loc else None
        self.lineno = loc.lineno if loc else None
        self.col_offset = loc.col_offset if loc else None
        super().__init__(self._format())

    def _format(self) -> str:
        if self.loc is None:
            return self.message
        return f"{self.message}\n{self.loc.quote()}".rstrip("\n")


class UnsupportedSyntaxError(LocatedError):
    """A construct the transformer does not handle."""


class NotDifferentiableError(LocatedError):
    """A call to something with no derivative rule and no source to transform."""


class ImportFailedError(LocatedError, ImportError):
    """An import statement inside the function failed when srcdiff ran it: the
    user's own ImportError (also catchable as one), at the statement's line."""

    def __init__(self, message: str, loc: Loc | None = None, name: str | None = None):
        super().__init__(message, loc)
        self.name = name


class NonScalarOutputError(SrcDiffError):
    """`grad` of a function whose result is not a scalar."""


class NonNumericOutputError(SrcDiffError):
    """`grad` of a function that returned a tuple, list, dict, string or None."""


class WrtError(SrcDiffError):
    """A bad `wrt`: unknown name, index out of range, or a duplicate."""


class NoSourceError(SrcDiffError):
    """A function whose source cannot be read (builtin, REPL, exec)."""


class ShapeMismatchError(SrcDiffError):
    """A cotangent or tangent whose shape does not match its primal."""


def how_to_register(spelling: str, params=None) -> str:
    """The hint of a missing rule; with the function's parameters when they are known."""
    head = f"register one with srcdiff.register({spelling}, vjp=..., jvp=...), e.g.\n"
    if not params:
        return head + (f"    srcdiff.register({spelling}, params=('x',), "
                       "vjp=('g * my_derivative(x)',))")
    args = ", ".join(params)
    parts = ", ".join(f"'g * d_{p}({args})'" for p in params)
    return head + f"    srcdiff.register({spelling}, vjp=({parts}{',' * (len(params) == 1)}))"
