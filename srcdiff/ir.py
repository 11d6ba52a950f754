"""The IR: structured SSA, the data every pass after the frontend reads.

Made by lower.py (from a `def`), read by activity, kinds, aliasing, the sweeps
and to_sympy; no pass here, only the data and `walk`/`expr_uses`/`stmt_defs`.
Every `Var` is assigned exactly once and carries a name hint (the user's
variable name where there is one) and a source location. Control flow stays
structured: `If` has phi-like `outs`, `Loop` has explicit loop-carried values.
Expressions are `Call`s of resolved primitives, copies of atoms, or `Opaque`
Python expressions that are emitted as written (conditions, indices, inactive
code); an Opaque expression never carries a derivative. An `Assign` that the
primal as written makes by changing an old value in place says so (`update`).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Union

from .errors import Loc


class Var:
    __slots__ = ("id", "hint", "loc", "user")

    def __init__(self, id: int, hint: str, loc: Loc | None = None, user: bool = False):
        self.id = id
        self.hint = hint
        self.loc = loc
        self.user = user  # named by the user (a parameter or an assigned variable)

    def __repr__(self) -> str:
        return f"%{self.hint}.{self.id}"


@dataclass(frozen=True)
class Const:
    value: Any


Atom = Union[Var, Const]


@dataclass
class Opaque:
    """A Python expression kept as written; the SSA values it reads are names
    `%v%<id>` (not identifiers, so never a user's name), mapped by `uses`."""

    node: ast.expr
    uses: dict[str, Var]
    nondiff: bool = False  # its result is never differentiable (a bool, an index)
    why: Exception | None = field(default=None, compare=False)  # raised if it is active


Arg = Union[Var, Const, Opaque]


@dataclass
class Call:
    """A call of a primitive. `fn` is the resolved object (the rule key); `callee`
    is how the user spelled it (an AST, or an Opaque when the callee is a value of
    the function), so the generated primal reads exactly what the user wrote."""

    fn: Any
    callee: ast.expr | None
    args: list[Arg]
    kwargs: dict[str, Arg] = field(default_factory=dict)
    spelling: str = ""
    why: Exception | None = None  # why a user function could not be inlined


Expr = Union[Var, Const, Opaque, Call]


@dataclass
class Update:
    """The primal as written makes this value by changing `old` in place (`z += v`,
    `x[i] = v`, `acc.append(v)`); aliasing.py checks nothing else shares `old`."""

    old: Atom
    shared: bool  # another name or a list held `old` there (names are not in the IR)
    # `L[k] += v`: `old` is the item `L[k]` of this container, changed in place when it
    # is an array held by a Python list (not when L is an array: a row is written back)
    container: Atom | None = None


@dataclass
class Assign:
    var: Var
    expr: Expr
    loc: Loc | None = None
    effect: bool = False  # a call kept for what it does (`print(x)`), its value unused
    update: Update | None = None
    raises: bool = False  # `raise <expr>`: f raises here, and so does its derivative


@dataclass
class Phi:
    var: Var
    then: Atom
    orelse: Atom


@dataclass
class If:
    cond: Arg
    body: list
    orelse: list
    outs: list[Phi]
    loc: Loc | None = None


@dataclass
class Carried:
    phi: Var
    init: Atom
    next: Atom | None = None
    key: str = ""  # the user's name for the carried variable


@dataclass
class Loop:
    """`for index in range(*bounds)` (kind "range") or `while cond` (kind "while").
    The `cond` of a while loop is an Opaque expression over the carried phis."""

    kind: str
    carried: list[Carried]
    body: list
    index: Var | None = None
    bounds: list[Atom] = field(default_factory=list)
    cond: Opaque | None = None
    trips: Var | None = None  # a while loop's trip count, if the adjoint needs it
    brk: Var | None = None  # the carried flag `break` sets; the loop stops when it is true
    loc: Loc | None = None
    checkpoint: Any = None  # the policy of a `srcdiff.checkpoint` marker (checkpoint.py)


Stmt = Union[Assign, If, Loop]


@dataclass
class Function:
    name: str
    params: list[Var]
    body: list
    result: Atom
    loc: Loc | None = None
    result_leaves: bool = False  # the result is the list of a structured result's leaves


def walk(block: list):
    """Every statement, nested blocks included, in program order."""
    for s in block:
        yield s
        if isinstance(s, If):
            yield from walk(s.body)
            yield from walk(s.orelse)
        elif isinstance(s, Loop):
            yield from walk(s.body)


def expr_uses(expr: Expr) -> list[Var]:
    if isinstance(expr, Var):
        return [expr]
    if isinstance(expr, Opaque):
        return list(expr.uses.values())
    if isinstance(expr, Call):
        out: list[Var] = []
        for a in list(expr.args) + list(expr.kwargs.values()):
            out.extend(expr_uses(a))
        return out
    return []


def stmt_defs(s: Stmt) -> list[Var]:
    """Vars a statement defines in its own block."""
    if isinstance(s, Assign):
        return [s.var]
    if isinstance(s, If):
        return [p.var for p in s.outs]
    return [c.phi for c in s.carried] + ([s.trips] if s.trips is not None else [])
