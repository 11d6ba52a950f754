"""Names of temporaries: what a careful person would call the value they hold.

A value the user did not name (a subexpression, a call's result) is named from
its expression, so its adjoint `d_<name>` says what it is the adjoint of and
never reads like the adjoint of a user's variable (`t` beside a parameter `t`):

- a call `f(a, b)` is `f_a_b` (its named arguments: `exp_z`, `maximum_z`), or `f`;
- `a op b` is `a_<word>_b` (`z_minus_max_z`, `x_times_y`, `X_at_W1`), a small
  integer written as such (`x_pow_2`, `one_minus_p`); with another constant it is
  `scaled_a` (`0.9 * a`, `a / 3.5`), `shifted_a` (`a + 1e-5`, `a - 0.5`), or the
  constant is `c` (`c_minus_a`, `c_over_a`, `a_pow_c`);
- `-a` is `neg_a`;
- a name longer than `LONGEST` is the operation's noun (`product`, `total`, ...),
  except a value read only as the one argument of a call, named for that
  (`tanh_arg` of `np.tanh(X @ W1 + b1)`: its adjoint `d_tanh_arg`, `by_reader`).

`TEMP` marks a value no rule names (the lowering's "no hint"); `emit.rename`
writes it as `tmp`, and gives a temporary whose name is a user's variable's a
`_tmp` suffix rather than a number (`h_1` is the user's `h`, updated).
"""
from __future__ import annotations

import ast
import operator

from . import ir

TEMP = "t"  # the hint of a value nothing names yet
SHOWN_TEMP = "tmp"
LONGEST = 20
LONGEST_CALL = 15


class Built(str):
    """A name built from operators (`x_times_y`): one is not built on another, so a
    name says one operation (`X @ W1 + b1` is a `total`, not `X_at_W1_plus_b1`)."""


_WORDS = {operator.add: "plus", operator.sub: "minus", operator.mul: "times",
          operator.truediv: "over", operator.floordiv: "div", operator.mod: "mod",
          operator.pow: "pow", operator.matmul: "at"}
_NOUNS = {operator.add: "total", operator.sub: "difference", operator.mul: "product",
          operator.truediv: "quotient", operator.floordiv: "quotient",
          operator.mod: "remainder", operator.pow: "power", operator.matmul: "matprod"}
_SPELLED = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
            "ten")
_COMMUTES = (operator.add, operator.mul)
_ANONYMOUS = {*_NOUNS.values(), "negated"}  # (a temporary named for its operation only)


def _word(v, built_ok: bool = False) -> str | None:
    """A value as a word of a name: a named value's name, a small integer's digits,
    `c` another constant; None for a value with no name of its own (or a built one,
    unless `built_ok`)."""
    if isinstance(v, ir.Var):
        anonymous = v.hint == TEMP or v.hint in _ANONYMOUS or (
            isinstance(v.hint, Built) and not built_ok)
        return None if anonymous else v.hint
    if isinstance(v, ir.Const) and type(v.value) in (int, float) and (
            float(v.value).is_integer() and 0 <= v.value <= 1000):
        return str(int(v.value))
    if isinstance(v, ir.Opaque) and not v.uses and isinstance(v.node, (ast.Name, ast.Attribute)):
        return v.node.id if isinstance(v.node, ast.Name) else v.node.attr  # `G`, `math.pi`
    return "c" if isinstance(v, ir.Const) else None


def _fits(name: str, fallback: str) -> str:
    return Built(name) if len(name) <= LONGEST else fallback


def binop(hint: str, op, a, b) -> str:
    if hint != TEMP or op not in _WORDS:
        return hint
    wa, wb, word, noun = _word(a), _word(b), _WORDS[op], _NOUNS[op]
    if wa is None or wb is None or wa == wb == "c" or wa.isdigit() and wb.isdigit():
        return noun
    if wa.isdigit() or wa == "c" and wb.isdigit():
        if op in _COMMUTES:
            wa, wb = wb, wa  # `2 * x` is `x_times_2`
        elif wa.isdigit():
            wa = _SPELLED[int(wa)] if int(wa) < len(_SPELLED) else "c"  # `one_minus_p`
    if "c" in (wa, wb) and op is operator.mul or op is operator.truediv and wb == "c":
        return _fits(f"scaled_{wa if wb == 'c' else wb}", noun)  # `0.9 * x`, `x / 3.5`
    if "c" in (wa, wb) and op is operator.add or op is operator.sub and wb == "c":
        return _fits(f"shifted_{wa if wb == 'c' else wb}", noun)  # `x + 1e-5`, `x - 0.5`
    return _fits(f"{wa}_{word}_{wb}", noun)


def unop(hint: str, op, a) -> str:
    if hint != TEMP or op is not operator.neg:
        return hint
    wa = _word(a)
    return "negated" if wa is None or wa == "c" or wa.isdigit() else _fits(f"neg_{wa}",
                                                                            "negated")


def call(hint: str, fname: str, args) -> str:
    """`f_a_b` for `f(a, b)` (`fname` the last part of the callee's spelling): its
    named arguments, as long as they fit; else `f_value`. Built when an argument is."""
    if hint != TEMP:
        return hint
    fname = fname.lstrip("_")  # (`_unbroadcast(g, x)`: a helper's value)
    if not fname.isidentifier():
        return TEMP
    words = [w for w in (_word(a, True) for a in args)
             if w is not None and w != "c" and not w.isdigit()]
    name = "_".join([fname, *words])
    if not words or len(name) > LONGEST_CALL:
        return f"{fname}_value"
    built = any(isinstance(a, ir.Var) and isinstance(a.hint, Built) for a in args)
    return Built(name) if built else name


def by_reader(fn: ir.Function) -> None:
    """A value named for its operation only (`total`, `product`) and read once, as
    the one argument of a call, is named for that call: `tanh_arg` (its adjoint
    `d_tanh_arg`, not `d_total`, which reads as the adjoint of a running sum)."""
    uses: dict[int, int] = {}
    reader: dict[int, str] = {}
    for st in ir.walk(fn.body):
        exprs = [st.expr] if isinstance(st, ir.Assign) else []
        for e in exprs:
            for u in ir.expr_uses(e):
                uses[u.id] = uses.get(u.id, 0) + 1
            if isinstance(e, ir.Call) and len(e.args) == 1 and isinstance(e.args[0], ir.Var):
                callee = e.callee
                fname = callee.attr if isinstance(callee, ast.Attribute) else (
                    callee.id if isinstance(callee, ast.Name) else None)
                if fname is not None and fname.isidentifier():
                    reader[e.args[0].id] = fname.lstrip("_")
    for st in ir.walk(fn.body):
        if isinstance(st, ir.Assign) and not st.var.user and st.var.hint in _NOUNS.values() \
                and uses.get(st.var.id) == 1 and reader.get(st.var.id):
            st.var.hint = reader[st.var.id] + "_arg"
