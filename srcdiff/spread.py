"""Constant cotangents kept as numbers: the algebra of `np.broadcast_to(c, S)`.

The cotangent a reduction passes back (`np.sum(x)`'s is `np.broadcast_to(g, np.shape(x))`,
`np.mean`'s, the seed `1.0` or `-1.0` of `-np.sum(...)`) is a number spread over a shape.
It stays the number wherever what it meets broadcasts it anyway, and is spread only
where a shape is needed (a returned gradient, an adjoint held in a buffer):

- `spread(c, S) op b` is `c op b` where NumPy gives `b`'s abstract shape either way
  (every elementwise operator: no array of copies of a number is multiplied into
  another);
- a number times `spread(c, S)` is `spread(number * c, S)`;
- `np.sum(spread(c, np.shape(P)))` is `c * np.size(P)`, and its sum over the leading
  axes `0..k-1` is `spread(c * P.shape[0] * ..., np.shape(P)[k:])`: the count read from
  a shape, never computed from a value. (One rounding where NumPy's pairwise sum of
  n copies of `c` rounds up to log2(n) times: exact when `c * n` is, as for `c = -1.0`.)
- `np.sum(-a)` is `-np.sum(a)` (exact but for the sign of a zero sum);
- `np.where(c, spread(a, S), y)` is `np.where(c, a, y)` where `c` and `y` give S anyway.

The abstract shapes (shapes.py) decide; a rewrite whose shapes are not certainly
known is not made. Equal abstract shapes mean equal shapes here: both are
broadcast in one NumPy operation of code that ran, which would have raised.
"""
from __future__ import annotations

import ast

from . import exprs, shapes, syntax


def shape_arg(n, np_name: str):
    """`(P, k)` when `n` is `np.shape(P)` (k = 0) or `np.shape(P)[k:]`, else None."""
    k = 0
    if (isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Slice)
            and n.slice.upper is None and n.slice.step is None
            and isinstance(n.slice.lower, ast.Constant) and type(n.slice.lower.value) is int
            and n.slice.lower.value > 0):
        k, n = n.slice.lower.value, n.value
    if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == "shape" and isinstance(n.func.value, ast.Name)
            and n.func.value.id == np_name and len(n.args) == 1 and not n.keywords):
        return n.args[0], k
    return None


def parts(n, np_name: str):
    """`(c, S)` when `n` is `np.broadcast_to(c, S)` of a shape `S` shape_arg reads."""
    if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == "broadcast_to" and isinstance(n.func.value, ast.Name)
            and n.func.value.id == np_name and len(n.args) == 2 and not n.keywords
            and shape_arg(n.args[1], np_name) is not None):
        return n.args[0], n.args[1]
    return None


def is_cheap(n, np_name: str) -> bool:
    """A spread of a name or number over a name's shape: read twice, it is inlined
    twice (a view of one number, made in O(1)), so each reader can drop it."""
    sp = parts(n, np_name)
    return sp is not None and exprs.is_simple(sp[0]) and exprs.is_simple(
        shape_arg(sp[1], np_name)[0])


def _negated_sum(n, np_name: str, exact: bool = False):
    """`np.sum(-a)` is `-np.sum(a)`: no array negated only to be summed. The same
    sum, but for the sign of a zero one (`1 + -1` and `-1 + 1` are both 0.0)."""
    if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == "sum" and isinstance(n.func.value, ast.Name)
            and n.func.value.id == np_name and len(n.args) == 1
            and {k.arg for k in n.keywords} <= {"axis", "keepdims"}
            and isinstance(n.args[0], ast.UnaryOp) and isinstance(n.args[0].op, ast.USub)):
        n.args[0] = n.args[0].operand
        return exprs.simplify(ast.UnaryOp(ast.USub(), n), exact)
    return None


def fold_signs(tree, np_name: str, exact: bool = False):
    """exprs.simplify (`exact`: its exact rewrites only), with signs also taken out of
    sums: for code whose shapes are no longer at hand (emit.tidy's)."""

    class Sub(ast.NodeTransformer):
        def visit_Call(self, n):
            self.generic_visit(n)
            return _negated_sum(n, np_name, exact) or n

    return exprs.simplify(Sub().visit(exprs.simplify(tree, exact)), exact)


def _reads_its_shape(shape, other, np_name: str) -> bool:
    """Whether `other` is the very value `shape` is `np.shape` of: a number spread over
    P's shape and met by P is the number (`spread(2.0, np.shape(v)) * v` is `2.0 * v`,
    whatever v's shape, known or not)."""
    P, k = shape_arg(shape, np_name)
    return k == 0 and ast.dump(P) == ast.dump(other)


def _spread(np_name: str, c, shape) -> ast.expr:
    return ast.Call(ast.Attribute(exprs.name(np_name), "broadcast_to", ast.Load()),
                    [c, shape], [])


def _times(c, n) -> ast.expr:
    return exprs.simplify(ast.BinOp(c, ast.Mult(), n))


def simplify(ctx, tree, adjoints: dict):
    """`tree` with the spreads that meet broadcasting operators or sums dropped (see
    the module's docstring); `adjoints` maps adjoint names to their abstract shapes."""
    np_name = ctx.modules["np"]

    def of(n):
        return ctx.shape_of_expr(n, adjoints)

    def of_shape(shape):
        P, k = shape_arg(shape, np_name)
        full = of(P)
        return None if full is None or len(full) < k else full[k:]

    def spread(n):
        """`(c, S)` of a spread, also of `a * spread(c, S)` with a number `a`."""
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):  # 2 * spread
            for one, other in ((n.left, n.right), (n.right, n.left)):
                inner = spread(other)
                if inner is not None and of(one) == ():
                    return ast.BinOp(one, ast.Mult(), inner[0]), inner[1]
            return None
        return parts(n, np_name)

    def summed(n):
        """`np.sum(spread(c, S))` (all of it, or over S's leading axes) spread less."""
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                and n.func.attr == "sum" and isinstance(n.func.value, ast.Name)
                and n.func.value.id == np_name and len(n.args) == 1):
            return None
        kws = {k.arg: k.value for k in n.keywords}
        sp = spread(n.args[0])
        if sp is None or set(kws) - {"axis", "keepdims"} or of(sp[0]) != ():
            return None
        c, shape = sp
        P, k = shape_arg(shape, np_name)
        full = of(P)
        if not shapes.known(full) or len(full) < k:
            return None
        rank = len(full) - k
        try:
            axis = ast.literal_eval(kws["axis"]) if "axis" in kws else None
            keep = ast.literal_eval(kws["keepdims"]) if "keepdims" in kws else False
        except ValueError:
            return None
        if keep is not False or not (axis is None or type(axis) is int or (
                isinstance(axis, tuple) and all(type(a) is int for a in axis))):
            return None
        if axis is None:
            if k:
                return None
            size = ast.Call(ast.Attribute(exprs.name(np_name), "size", ast.Load()),
                            [syntax.copy(P)], [])
            return _times(c, size)
        axes = sorted({a % rank for a in (axis if isinstance(axis, tuple) else (axis,))
                       if -rank <= a < rank})
        if len(axes) != (len(axis) if isinstance(axis, tuple) else 1) or (
                axes != list(range(len(axes)))):  # only leading axes, each once
            return None
        count = None
        for a in axes:
            dim = ast.Subscript(ast.Attribute(syntax.copy(P), "shape", ast.Load()),
                                ast.Constant(k + a), ast.Load())
            count = dim if count is None else ast.BinOp(count, ast.Mult(), dim)
        rest = k + len(axes)
        if rest == len(full):
            return _times(c, count)
        inner = shape if k == 0 else shape.value
        left = ast.Subscript(syntax.copy(inner), ast.Slice(ast.Constant(rest), None, None),
                             ast.Load())
        return _spread(np_name, _times(c, count), left)

    def selected(n):
        """`np.where(c, spread(a, S), y)` is `np.where(c, a, y)` where `c` and `y`
        give the result S's abstract shape anyway (a selection's arms broadcast)."""
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                and n.func.attr == "where" and isinstance(n.func.value, ast.Name)
                and n.func.value.id == np_name and len(n.args) == 3 and not n.keywords):
            return None
        for i in (1, 2):
            sp = spread(n.args[i])
            if sp is None:
                continue
            a, shape = sp
            rest = [of(n.args[0]), of(n.args[3 - i])]
            want = shapes.broadcast(shapes.broadcast(of_shape(shape), rest[0]), rest[1])
            got = shapes.broadcast(shapes.broadcast(of(a), rest[0]), rest[1])
            if shapes.known(want) and got == want:
                n.args[i] = a
        return n

    class Sub(ast.NodeTransformer):
        def visit_Call(self, n):
            self.generic_visit(n)
            return summed(n) or _negated_sum(n, np_name) or selected(n) or n

        def visit_BinOp(self, n):
            self.generic_visit(n)
            if isinstance(n.op, ast.MatMult):
                return n
            for side, other in (("left", n.right), ("right", n.left)):
                sp = spread(getattr(n, side))
                if sp is None:
                    continue
                a, shape = sp
                want = shapes.broadcast(of_shape(shape), of(other))
                got = shapes.broadcast(of(a), of(other))
                if shapes.known(want) and got == want or of(a) == () and _reads_its_shape(
                        shape, other, np_name):
                    setattr(n, side, a)
                    return exprs.simplify(n)
                if isinstance(n.op, ast.Mult) and of(other) == () == of(a):  # 2 * spread(c)
                    return _spread(np_name, _times(other, a), shape)  # is spread(2 * c)
            return n

    return Sub().visit(tree)
