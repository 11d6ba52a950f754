"""IR atoms and calls as Python AST, rule templates instantiated, and the small
algebraic simplifier that keeps `g * 1`, `x ** 1` and `0 + ...` out of the output.

Placeholders: a `Ref` stands for the name of an IR value's primal (role "v"),
adjoint ("d") or tangent ("t"); `emit.py` gives each its final name. A Ref is
an `ast.Name` whose `id` is not a Python identifier, so no name of the user's
(a global called `__v0`, say) can ever be taken for one.
"""
from __future__ import annotations

import ast
import math
import operator

from . import ir, syntax
from .rules.table import lookup


class Ref(ast.Name):
    """The name of an IR value in one role: "v" primal, "d" adjoint, "t" tangent,
    "g" a rule template's incoming cotangent or tangent."""

    def __init__(self, role: str = "v", vid: int = 0, ctx=None, **kw):
        kw.pop("id", None)
        super().__init__(id=f"%{role}%{vid}", ctx=ctx or ast.Load(), **kw)
        self.role = role
        self.vid = vid


def text(tree) -> str:
    """`tree` as Python text, each Ref printed as its id (for measuring, not running)."""

    class Plain(ast.NodeTransformer):
        def visit_Ref(self, n):
            return ast.Name(n.id, n.ctx)

    return ast.unparse(Plain().visit(syntax.copy(tree)))


def name(text: str) -> ast.Name:
    return ast.Name(text, ast.Load())


def pv(v: ir.Var) -> Ref:
    return Ref("v", v.id)


def ref(role: str, v: ir.Var | int, store: bool = False) -> Ref:
    return Ref(role, v if isinstance(v, int) else v.id, ast.Store() if store else None)


def role_of(node, role: str) -> int | None:
    """The Var id `node` stands for in `role`, or None when it is no such Ref."""
    return node.vid if isinstance(node, Ref) and node.role == role else None


def store(target: ast.Name) -> ast.Name:
    """`target` as an assignment target (a Ref keeps its role)."""
    if isinstance(target, Ref):
        return Ref(target.role, target.vid, ast.Store())
    return ast.Name(target.id, ast.Store())


def assign(target: ast.Name, value: ast.expr) -> ast.Assign:
    return ast.Assign([store(target)], value, lineno=0)


G = Ref("g", 0)  # a template's `g` (vjp) or `t` (jvp), once instantiated


def const(value) -> ast.expr:
    if isinstance(value, slice):  # `slice(None, None, -1)`, printed `[::-1]` in a subscript
        return ast.Call(name("slice"), [const(value.start), const(value.stop),
                                        const(value.step)], [])
    return _const(value)


def _const(value) -> ast.expr:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def atom(a) -> ast.expr:
    if isinstance(a, ir.Var):
        return pv(a)
    if isinstance(a, ir.Const):
        return const(a.value)
    if isinstance(a, ir.Opaque):
        return opaque(a)
    raise TypeError(a)


def opaque(o: ir.Opaque) -> ast.expr:
    """An expression kept as written, its SSA values as Refs (other names stay)."""
    return _Refs(o.uses).visit(syntax.copy(o.node))


class _Refs(ast.NodeTransformer):
    def __init__(self, uses):
        self.uses = uses

    def visit_Name(self, n):
        v = self.uses.get(n.id)
        return ast.copy_location(Ref("v", v.id, n.ctx), n) if v is not None else n


def as_value(node: ast.expr) -> ast.expr:
    """An index expression usable as a value: `1:, j` becomes `(slice(1, None), j)`."""

    class Sub(ast.NodeTransformer):
        def visit_Slice(self, n):
            self.generic_visit(n)
            parts = [n.lower, n.upper, n.step]
            while parts and parts[-1] is None and len(parts) > 2:
                parts.pop()
            return ast.Call(name("slice"), [p or ast.Constant(None) for p in parts], [])

    return Sub().visit(node)


def call(c: ir.Call) -> ast.expr:
    """The primal expression of a call: its rule's form (`a + b`, `x[i]`, a list
    display) or the call as the user wrote it."""
    fn = c.fn
    args = [atom(a) for a in c.args]
    kws = [ast.keyword(k, atom(v)) for k, v in c.kwargs.items()]
    rule = lookup(fn)
    if rule is not None and rule.form is not None:
        return rule.form(args, kws)
    if isinstance(fn, tuple) and fn[0] == "method":
        return ast.Call(ast.Attribute(args[0], fn[1], ast.Load()), args[1:], kws)
    if isinstance(fn, tuple) and fn[0] == "attr":
        return ast.Attribute(args[0], fn[1], ast.Load())
    if isinstance(c.callee, ir.Opaque):
        callee = opaque(c.callee)
    elif c.callee is not None:
        callee = syntax.copy(c.callee)
    else:
        callee = name(fn.__name__)
    return ast.Call(callee, args, kws)


def substitute(tree: ast.expr, subs: dict[str, ast.expr]) -> ast.expr:
    """A copy of `tree` with names replaced (the original may be shared: a pending
    adjoint is seen by both branches of an if)."""
    class Sub(ast.NodeTransformer):
        def visit_Name(self, n):
            if n.id in subs:
                return syntax.copy(subs[n.id])
            return n

        visit_Ref = visit_Name

    return Sub().visit(syntax.copy(tree))


def _num(n) -> bool:
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
        return _num(n.operand)
    return isinstance(n, ast.Constant) and type(n.value) in (int, float)


def _val(n):
    return -_val(n.operand) if isinstance(n, ast.UnaryOp) else n.value


def _is(n, value) -> bool:
    return _num(n) and _val(n) == value


def _power_of_two(n) -> bool:
    """A constant 2 ** k: a product by it rounds nothing (barring overflow, underflow)."""
    if not _num(n):
        return False
    v = abs(_val(n))
    return v != 0 and math.isfinite(v) and math.frexp(v)[0] == 0.5


def _count(n) -> bool:
    """A count, a Python int: `x.shape[0]`, `np.size(x)`, `x.size`, `len(x)`, a product
    of counts."""
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
        return _count(n.left) and _count(n.right)
    if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Attribute):
        return n.value.attr == "shape" and isinstance(n.slice, ast.Constant)
    if isinstance(n, ast.Attribute):
        return n.attr == "size"
    return (isinstance(n, ast.Call) and len(n.args) == 1 and not n.keywords and (
        isinstance(n.func, ast.Attribute) and n.func.attr == "size"
        or isinstance(n.func, ast.Name) and n.func.id == "len"))


def _keeps_float(c, n) -> bool:
    """`1.0 * n` of a count stays: it is a float (spread, an int would make an int array)."""
    return type(_val(c)) is float and _count(n)


def _neg(n):
    return ast.UnaryOp(ast.USub(), n)


def _negative_product(n) -> bool:
    return (isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult) and _num(n.left)
            and _val(n.left) < 0)


def _negated_product(n):
    return ast.BinOp(const(-_val(n.left)), ast.Mult(), n.right)


class Simplify(ast.NodeTransformer):
    """Local algebra, with two guarantees.

    Exact (the same value, bit for bit, for every float, inf, nan and signed zero):
    `g * 1`, `g / 1`, `x ** 1`, `a - 0`, `-(-a)`, `+a` (and `0 + a`, `a + 0`, but for
    the sign of a zero: `0 + -0.0` is `0.0`); signs move and cancel
    (`-1 * a` is `-a`, `-2 * x`, `(-a) * b`, `a * -b`, `(-a) / b` are `-(2 * x)`,
    `-(a * b)`, `-(a / b)`: rounding is symmetric in sign); `a + -b` is `a - b` and
    `-a + b` is `b - a`; `a + a` is `2 * a` and `-a - a` is `-(2 * a)`. A float
    `1.0 * n` of a count (`x.shape[0]`, `np.size(x)`) stays: its type stays float.

    Within rounding, for constant factors only: constants are folded (`2 * 3` is
    `6`) and a product's constant factors are brought to its front and multiplied
    together (`2 * (3 * y)` is `6 * y`, `g * (3 * y)` is `3 * g * y`): each fold
    re-associates one product, so the result may differ by a rounding (an ulp or
    two), never more. It is exact when the constant moved is a power of two, barring
    overflow and underflow: `2 * (0.5 * z)` is `z` except where `0.5 * z` was
    subnormal. A power of two also joins the first factor of a product or quotient
    (`2 * (s * x)` is `2 * s * x`, one array product fewer when `s` is a number;
    `2 * (a / b)` is `2 * a / b`), exactly but for overflow and underflow; other
    constants do not (`3 * (a * b)` stays). Operands that are not constants are never
    re-associated among themselves (`a * (b * c)` stays), nothing is distributed, and
    nothing is dropped that may be nan, inf or shaped (`0 * a`, `a - a` stay).
    The printer writes `-(a * b)` as `-a * b` (emit.Pretty).

    `exact=True` makes only the exact rewrites (no product is re-associated: `2 * (3 *
    y)` and `2 * (0.5 * z)` stay): emit.tidy's, simplifying again an expression that
    a value was folded into, so that folding never changes a bit."""

    def __init__(self, exact: bool = False):
        self.exact = exact

    def visit_UnaryOp(self, n):
        self.generic_visit(n)
        if isinstance(n.op, ast.USub):
            if isinstance(n.operand, ast.UnaryOp) and isinstance(n.operand.op, ast.USub):
                return n.operand.operand
        if isinstance(n.op, ast.UAdd):
            return n.operand
        return n

    def visit_BinOp(self, n):
        self.generic_visit(n)
        a, b, op = n.left, n.right, n.op
        if _num(a) and _num(b) and not isinstance(op, (ast.MatMult,)):
            try:
                value = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                         ast.Div: operator.truediv, ast.Pow: operator.pow}[type(op)](
                    _val(a), _val(b))
                if isinstance(value, (int, float)) and abs(value) < 1e15:
                    return const(value) if not isinstance(value, float) or value == value else n
            except (KeyError, ArithmeticError, ValueError):
                pass
        if isinstance(op, ast.Mult):
            if _num(b) and not _num(a):  # constants first: 2 * y, not y * 2
                a, b = b, a
                n = ast.BinOp(a, op, b)
            if not self.exact and _num(a) and isinstance(b, ast.BinOp) and isinstance(
                    b.op, ast.Mult) and _num(b.left):
                return self.visit_BinOp(ast.BinOp(ast.BinOp(a, ast.Mult(), b.left), ast.Mult(),
                                                  b.right))
            if not self.exact and _power_of_two(a) and isinstance(b, ast.BinOp) and isinstance(
                    b.op, (ast.Mult, ast.Div)) and not _num(b.right):  # 2 * (s * x) is
                return self.visit_BinOp(ast.BinOp(ast.BinOp(a, ast.Mult(), b.left),  # 2 * s * x
                                                  b.op, b.right))
            if _is(a, 1) and not _keeps_float(a, b):
                return b
            if _is(a, -1) and not _keeps_float(a, b):
                return _neg(b)
            if _num(a) and _val(a) < 0 and not _num(b):  # -2 * x is -(2 * x): the sign
                return self.visit(_neg(ast.BinOp(const(-_val(a)), ast.Mult(), b)))  # moves
            if isinstance(b, ast.UnaryOp) and isinstance(b.op, ast.USub):
                return self.visit(_neg(ast.BinOp(a, ast.Mult(), b.operand)))
            if isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.USub) and not _num(a):
                return self.visit(_neg(ast.BinOp(a.operand, ast.Mult(), b)))
            if (not self.exact and not _num(a) and isinstance(b, ast.BinOp)
                    and isinstance(b.op, ast.Mult) and _num(b.left)):  # g * (2 * y) -> 2 * g * y
                return ast.BinOp(ast.BinOp(b.left, ast.Mult(), a), ast.Mult(), b.right)
        if isinstance(op, ast.Div) and _is(b, 1):
            return a
        if isinstance(op, ast.Div) and not (_num(a) and _num(b)):  # (-s) / t is -(s / t)
            for side in (a, b):
                if isinstance(side, ast.UnaryOp) and isinstance(side.op, ast.USub):
                    inner = (side.operand, b) if side is a else (a, side.operand)
                    return self.visit(_neg(ast.BinOp(inner[0], ast.Div(), inner[1])))
        if isinstance(op, ast.Pow) and _is(b, 1):
            return a
        if isinstance(op, ast.Add):
            if ast.dump(a) == ast.dump(b):  # exact: a + a is 2 * a, also inf, nan, -0.0
                return self.visit_BinOp(ast.BinOp(ast.Constant(2), ast.Mult(), a))
            if _is(a, 0):
                return b
            if _is(b, 0):
                return a
            if isinstance(b, ast.UnaryOp) and isinstance(b.op, ast.USub):
                return self.visit_BinOp(ast.BinOp(a, ast.Sub(), b.operand))
            if isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.USub) and not _num(a):
                return ast.BinOp(b, ast.Sub(), a.operand)  # -a + b is b - a
            if _negative_product(b):  # a + -2.0 * x is a - 2.0 * x
                return ast.BinOp(a, ast.Sub(), _negated_product(b))
        if isinstance(op, ast.Sub):
            if _is(b, 0):
                return a
            if isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.USub) and (
                    ast.dump(a.operand) == ast.dump(b)):  # -a - a is -(2 * a), exactly
                return self.visit(_neg(ast.BinOp(ast.Constant(2), ast.Mult(), b)))
            if isinstance(b, ast.UnaryOp) and isinstance(b.op, ast.USub):
                return self.visit_BinOp(ast.BinOp(a, ast.Add(), b.operand))
            if _negative_product(b):
                return ast.BinOp(a, ast.Add(), _negated_product(b))
        return n


def simplify(tree: ast.expr, exact: bool = False) -> ast.expr:
    return Simplify(exact).visit(tree)


def names_in(tree) -> set[str]:
    return {n.id for n in syntax.walk(tree) if isinstance(n, ast.Name)}


def is_simple(tree) -> bool:
    return isinstance(tree, (ast.Name, ast.Constant)) or (
        isinstance(tree, ast.UnaryOp) and isinstance(tree.operand, (ast.Name, ast.Constant)))


INT_MATH = {"floor", "ceil", "trunc", "factorial", "comb", "perm", "gcd", "lcm", "isqrt"}


def is_float(tree, float_names: dict, math_name: str) -> bool:
    """Whether a scalar expression certainly evaluates to a Python float (so a gradient
    of a float parameter needs no `float(...)`). `float_names` maps names to True (or
    "float") for Python floats and "int" for Python ints; anything else may be a NumPy
    scalar, and a NumPy scalar in arithmetic gives one (`2.0 * np.float64(3)`)."""
    return number_type(tree, float_names, math_name) == "float"


def number_type(tree, names: dict, math_name: str) -> str | None:
    """"float" or "int" when `tree` certainly evaluates to a Python float or int."""
    def of(n):
        return number_type(n, names, math_name)

    if isinstance(tree, ast.Constant):
        return {float: "float", int: "int"}.get(type(tree.value))
    if isinstance(tree, ast.Name):
        v = names.get(tree.id)
        return "float" if v is True or v == "float" else ("int" if v == "int" else None)
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, (ast.USub, ast.UAdd)):
        return of(tree.operand)
    if isinstance(tree, ast.IfExp):
        a, b = of(tree.body), of(tree.orelse)
        return a if a == b else None
    if isinstance(tree, ast.BinOp):
        a, b = of(tree.left), of(tree.right)
        if a is None or b is None:
            return None
        if isinstance(tree.op, ast.Div):
            return "float"
        if isinstance(tree.op, ast.Pow):  # (-8.0) ** 0.5 is complex; 2 ** -1 a float
            return "float" if (a, b) == ("float", "int") else None
        if isinstance(tree.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)):
            return "float" if "float" in (a, b) else "int"
        return None
    if isinstance(tree, ast.Call) and not tree.keywords:
        f = tree.func
        if isinstance(f, ast.Name) and f.id in ("float", "int") and f.id not in names:
            return f.id
        if (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                and f.value.id == math_name):
            return "int" if f.attr in INT_MATH else "float"
    return None
