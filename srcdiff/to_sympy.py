"""Lowering to SymPy: the IR the transformer differentiates -> one SymPy expression.

`check` differentiates this expression symbolically, so the reference comes from
the same IR but from an independent derivative (SymPy's `diff` of each rule's
`sympy=` counterpart instead of the rule's vjp template). Differentiated
parameters become real symbols; every other argument is substituted by its
value first, so a flag or an int power decides branches and exponents here.
`If` becomes a `Piecewise` unless its condition is already decided. Anything
else (loops, calls without a SymPy counterpart, arrays) raises `DoesNotLower`,
and the caller falls back to finite differences.
"""
from __future__ import annotations

import ast
import numbers
from typing import Any, Sequence

import numpy as np
import sympy as sp

from . import ir, syntax
from .rules.stop import stop_gradient
from .ops import FIELD
from .rules.symbolic import DoesNotLower, concrete, flat, plain
from .rules.table import lookup
from .transform import lowered


_PACKS = {("pack", "tuple"): tuple, ("pack", "list"): list}
_COMPARE = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge,
            ast.Eq: sp.Eq, ast.NotEq: sp.Ne}


def lower(f, values: Sequence[Any], wrt: Sequence[int]) -> tuple[sp.Expr, list[sp.Symbol]]:
    """(expression, symbols): `f`'s result over one real symbol per parameter in
    `wrt`, with `values` (one per parameter) substituted for the others."""
    fn = lowered(f).fn
    if len(values) != len(fn.params):
        raise DoesNotLower(f"expected {len(fn.params)} argument values, got {len(values)}")
    lw = _Lowering(f)
    symbols = []
    for i, (p, v) in enumerate(zip(fn.params, values)):
        if i in wrt:
            if not _is_scalar_number(v):
                raise DoesNotLower(f"parameter {p.hint!r} is not a scalar")
            s = sp.Symbol(p.hint, real=True)
            symbols.append(s)
            lw.env[p.id] = s
        else:
            lw.env[p.id] = concrete(v)
    lw.block(fn.body)
    result = lw.atom(fn.result)
    if not isinstance(result, sp.Expr):
        raise DoesNotLower(f"the result {result!r} is not a SymPy expression")
    return result, symbols


def _is_scalar_number(v) -> bool:
    if isinstance(v, np.ndarray):
        return v.ndim == 0 and np.issubdtype(v.dtype, np.number)
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _numeric(v):
    """A bool used as a number (`flag * x`) is 0 or 1."""
    return sp.Integer(int(v)) if isinstance(v, bool) else v


def _symbolic(v) -> bool:
    if isinstance(v, (list, tuple)):  # a matrix of symbols: np.linalg.det([[x, y], ...])
        return any(_symbolic(x) for x in v)
    return isinstance(v, sp.Basic) and bool(v.free_symbols)


class _Lowering:
    def __init__(self, f):
        self.f = f
        self.env: dict[int, Any] = {}
        self.names = dict(f.__globals__)
        for name, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
            try:
                self.names[name] = cell.cell_contents
            except ValueError:
                pass

    # ----- statements -----
    def block(self, stmts) -> None:
        for s in stmts:
            method = getattr(self, "s_" + type(s).__name__, None)
            if method is None:
                raise DoesNotLower(f"{type(s).__name__} has no SymPy form")
            method(s)

    def s_Assign(self, s: ir.Assign) -> None:
        if s.effect and not s.raises:  # kept for its effect (an assert, a print): no value
            return
        self.env[s.var.id] = self.expr(s.expr)

    def s_If(self, s: ir.If) -> None:
        cond = self.atom(s.cond)
        decided = self._decided(cond)
        if decided is not None:
            self.block(s.body if decided else s.orelse)
            for phi in s.outs:
                self.env[phi.var.id] = self.atom(phi.then if decided else phi.orelse)
            return
        self.block(s.body)
        self.block(s.orelse)
        for phi in s.outs:
            a, b = self.atom(phi.then), self.atom(phi.orelse)
            if not all(isinstance(x, sp.Expr) for x in (a, b)):
                raise DoesNotLower("a branch output that is not a number")
            self.env[phi.var.id] = sp.Piecewise((a, cond), (b, True))

    def s_Loop(self, s: ir.Loop) -> None:
        raise DoesNotLower("a loop")

    @staticmethod
    def _decided(cond):
        if isinstance(cond, sp.Basic):
            if cond.free_symbols:
                if not isinstance(cond, sp.logic.boolalg.Boolean):
                    raise DoesNotLower(f"the condition {cond} is not a comparison")
                return None
            if cond in (sp.true, sp.false):
                return bool(cond)
            return bool(plain(cond))
        return bool(cond)

    # ----- expressions -----
    def atom(self, a):
        if isinstance(a, ir.Var):
            try:
                return self.env[a.id]
            except KeyError:
                raise DoesNotLower(f"{a} is not defined on this path") from None
        if isinstance(a, ir.Const):
            return concrete(a.value)
        if isinstance(a, ir.Opaque):
            return self.opaque(a)
        raise DoesNotLower(f"{a!r} has no SymPy form")

    def expr(self, e):
        if isinstance(e, ir.Call):
            return self.call(e)
        return self.atom(e)

    def call(self, c: ir.Call):
        args = [self.atom(a) for a in c.args]
        kwargs = {k: self.atom(v) for k, v in c.kwargs.items()}
        pack = _PACKS.get(c.fn) if isinstance(c.fn, tuple) else None
        if pack is not None and not kwargs:
            return pack(args)
        symbolic = any(_symbolic(a) for a in list(args) + list(kwargs.values()))
        rule = lookup(c.fn)
        if rule is not None and rule.sympy is not None and (symbolic or not callable(c.fn)):
            args = [_numeric(a) for a in args]
            kwargs = {k: _numeric(v) for k, v in kwargs.items()}
            try:
                return sp.sympify(rule.sympy(*args, **kwargs))
            except DoesNotLower:
                raise
            except Exception as e:
                raise DoesNotLower(f"{rule.name}: {e}") from None
        if symbolic and (c.fn is stop_gradient or (rule is not None and rule.zero)) and not kwargs:
            if any(isinstance(a, (list, tuple)) for a in args):  # len(items): run it
                return self.run(c, args, kwargs)
            return flat(c.fn, rule.name if rule is not None else "stop_gradient")(*args)
        if symbolic:
            raise DoesNotLower(f"{c.spelling or getattr(rule, 'name', c.fn)} has no SymPy "
                               "counterpart")
        if not callable(c.fn):
            raise DoesNotLower(f"{c.fn!r} is not a call srcdiff can evaluate here")
        return self.run(c, [plain(a) for a in args], {k: plain(v) for k, v in kwargs.items()})

    @staticmethod
    def run(c: ir.Call, args, kwargs):
        """The call evaluated: inactive code on known values, or a function whose value
        does not depend on its arguments' values (`len` of a list of symbols)."""
        try:
            out = c.fn(*args, **kwargs)
        except Exception as e:
            raise DoesNotLower(f"evaluating {c.spelling or c.fn}: {e}") from None
        return concrete(out)

    def opaque(self, o: ir.Opaque):
        """Decide it by running it when every value it reads is known; otherwise
        translate the comparison/arithmetic into SymPy."""
        values = {k: self.env[v.id] for k, v in o.uses.items() if v.id in self.env}
        if len(values) != len(o.uses):
            raise DoesNotLower("an expression reading a value not defined on this path")
        if not any(_symbolic(v) for v in values.values()):
            scope = dict(self.names)
            scope.update({k: plain(v) for k, v in values.items()})
            try:
                out = _eval(o.node, scope)
            except Exception as e:
                raise DoesNotLower(f"evaluating {ast.unparse(o.node)}: {e}") from None
            return concrete(out)
        return _Translate(values, self.names).visit(o.node)


def _eval(node: ast.expr, scope: dict):
    tree = ast.fix_missing_locations(ast.Expression(syntax.copy(node)))
    return eval(compile(tree, "<srcdiff check>", "eval"), scope)


class _Translate(ast.NodeVisitor):
    """A condition over symbolic values as a SymPy boolean."""

    def __init__(self, values: dict, names: dict):
        self.values = values
        self.names = names

    def generic_visit(self, node):
        raise DoesNotLower(f"{ast.unparse(node)} has no SymPy form")

    def visit_Name(self, n):
        if n.id in self.values:
            return self.values[n.id]
        if n.id in self.names:
            return concrete(self.names[n.id])
        raise DoesNotLower(f"the name {n.id!r}")

    def visit_Constant(self, n):
        return concrete(n.value)

    def visit_Attribute(self, n):
        try:
            value = _eval(n, self.names)
        except Exception:
            raise DoesNotLower(ast.unparse(n)) from None
        return concrete(value)

    def visit_Compare(self, n):
        left = self.visit(n.left)
        parts = []
        for op, right in zip(n.ops, n.comparators):
            rel = _COMPARE.get(type(op))
            if rel is None:
                raise DoesNotLower(f"the comparison {type(op).__name__}")
            r = self.visit(right)
            parts.append(rel(left, r))
            left = r
        return sp.And(*parts)

    def visit_BoolOp(self, n):
        items = [self.visit(v) for v in n.values]
        return sp.And(*items) if isinstance(n.op, ast.And) else sp.Or(*items)

    def visit_UnaryOp(self, n):
        v = self.visit(n.operand)
        if isinstance(n.op, ast.Not):
            return sp.Not(v)
        if isinstance(n.op, ast.USub):
            return -v
        if isinstance(n.op, ast.UAdd):
            return v
        raise DoesNotLower(f"the operator {type(n.op).__name__}")

    def visit_BinOp(self, n):
        op = FIELD.get(type(n.op))
        if op is None:
            raise DoesNotLower(f"the operator {type(n.op).__name__}")
        return op(self.visit(n.left), self.visit(n.right))
