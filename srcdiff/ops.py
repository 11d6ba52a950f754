"""Python's arithmetic operators: the one table from AST operator nodes to the
functions they call (the rule keys of `rules/scalar.py`) and back.

Takes nothing; gives `BINOPS`/`UNOPS` (AST operator type -> function, read by
the frontend), `BINOP_AST`/`UNOP_AST` (function -> AST operator type, read by the
printer) and `FIELD` (the operators with an exact SymPy meaning). The two
directions are built from one dict, so they cannot disagree.
"""
from __future__ import annotations

import ast
import operator

BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: operator.pow, ast.FloorDiv: operator.floordiv,
          ast.Mod: operator.mod, ast.MatMult: operator.matmul}
UNOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos}
BINOP_AST = {f: t for t, f in BINOPS.items()}
UNOP_AST = {f: t for t, f in UNOPS.items()}
# field arithmetic: what `to_sympy` lowers (`//`, `%` and `@` have no SymPy counterpart there)
FIELD = {t: f for t, f in BINOPS.items()
         if f in (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow)}
