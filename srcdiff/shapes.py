"""Abstract shapes: what broadcasting depends on, known when code is written.

A derivative specialised to its arguments knows, per array argument, its number
of dimensions and which of them have size 1 (not the sizes themselves, so a new
batch size does not re-transform). An abstract shape is a tuple with one entry
per dimension: `1` (size 1), `N` (certainly not 1) or None (not known); the
shape itself is None when even the number of dimensions is unknown.

That is exactly what NumPy's broadcasting reads, so every unbroadcast of an
adjoint is decided here: summed over the axes NumPy stretched, or nothing. A
dimension of unknown size (a slice `x[1:]` may have one entry) leaves the
decision to the runtime helper; nothing is ever guessed.

Each rule may give its result's abstract shape (`Rule.shape`); elementwise,
reducing and same-shape rules get theirs from their kind (`of_call`).
"""
from __future__ import annotations

import ast

import numpy as np

from . import arrays, ir
from .rules.table import ELEMENTWISE, REDUCE, SCALAR

N = "n"  # a dimension whose size is not 1
_UNKNOWN = object()


def of_value(x) -> tuple | None:
    """The abstract shape of an argument (None for what is not an array or number;
    an ndarray subclass is not followed: its cache key is its type alone; an array
    NumPy dispatches to, Dask's or CuPy's, is followed like an ndarray)."""
    if type(x) is np.ndarray:
        return tuple(1 if d == 1 else N for d in x.shape)
    if arrays.is_array(x):  # a Dask dimension of unknown size (nan) is unknown
        return tuple(1 if d == 1 else N if d == d else None for d in x.shape)
    if isinstance(x, (int, float, np.number)) and not isinstance(x, bool):
        return ()
    return None


def key(x):
    """What a specialised derivative depends on of an array argument: its dtype and
    which dimensions have size 1 (so also their number)."""
    s = x.shape
    if type(x) is not np.ndarray and any(d != d for d in s):  # Dask's unknown sizes (nan)
        return x.dtype.char, len(s), tuple(None if d != d else d == 1 for d in s)
    if 1 not in s:
        return x.dtype.char, len(s)
    return x.dtype.char, len(s), tuple(d == 1 for d in s)


def stand_in(x):
    """A data-free array with `x`'s abstract shape and dtype (sizes 1 stay 1), of
    `x`'s library (`np.empty_like` dispatches to Dask's, CuPy's)."""
    shape = tuple(1 if d == 1 else 0 for d in x.shape)
    if type(x) is np.ndarray:
        return np.empty(shape, dtype=x.dtype)
    return np.empty_like(x, shape=shape)


def known(shape) -> bool:
    return shape is not None and None not in shape


def _dim(a, b):
    if a == 1:
        return b
    if b == 1:
        return a
    if a == N or b == N:  # the other is N or of unknown size: NumPy needs them equal
        return N
    return None


def join(a, b) -> tuple | None:
    """What two abstract shapes agree on (a loop's carried value over its trips)."""
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def broadcast(*shapes) -> tuple | None:
    if any(s is None for s in shapes):
        return None
    out: tuple = ()
    for s in shapes:
        if len(s) > len(out):
            out = s[:len(s) - len(out)] + out
        lead = len(out) - len(s)
        out = out[:lead] + tuple(_dim(a, b) for a, b in zip(out[lead:], s))
    return out


def unbroadcast(target, result):
    """How to sum an adjoint of abstract shape `result` back to `target`'s: (the
    leading axes to drop, the axes of `target` NumPy stretched), or None when that
    depends on sizes not known here."""
    if target is None or result is None or len(target) > len(result):
        return None
    lead = len(result) - len(target)
    keep = []
    for i, (a, r) in enumerate(zip(target, result[lead:])):
        if a == N or r == 1:
            continue
        if a == 1 and r == N:
            keep.append(lead + i)
            continue
        return None  # a size not known here decides
    return tuple(range(lead)), tuple(keep)


def constant(atom):
    """The Python value of a constant argument (`axis=1`, `axis=(0, 1)`), or _UNKNOWN."""
    if atom is None:
        return None
    if isinstance(atom, ir.Const):
        return atom.value
    if isinstance(atom, ir.Opaque) and not atom.uses:
        try:
            return ast.literal_eval(atom.node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return _UNKNOWN
    return _UNKNOWN


def reduced(shape, axis, keepdims) -> tuple | None:
    axis, keepdims = constant(axis), constant(keepdims)
    if shape is None or axis is _UNKNOWN or keepdims is _UNKNOWN:
        return None
    if axis is None:
        return (1,) * len(shape) if keepdims else ()
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not all(type(a) is int and -len(shape) <= a < len(shape) for a in axes):
        return None
    axes = {a % len(shape) for a in axes}
    return tuple(1 if i in axes else d for i, d in enumerate(shape)
                 if keepdims or i not in axes)


def matmul(a, b) -> tuple | None:
    if a is None or b is None or not a or not b:
        return None
    if len(a) == 1 and len(b) == 1:
        return ()
    if len(a) == 1:
        return b[:-2] + b[-1:]
    if len(b) == 1:
        return a[:-1]
    batch = broadcast(a[:-2], b[:-2])
    return None if batch is None else batch + (a[-2], b[-1])


def flat(shape) -> str | int | None:
    """The one dimension of `np.ravel(x)` for x of abstract shape `shape`."""
    if shape is None:
        return None
    if all(d == 1 for d in shape):
        return 1
    return N if N in shape else None


def outer(a, b) -> tuple | None:
    """`np.outer(a, b)`: each operand flattened."""
    da, db = flat(a), flat(b)
    return None if da is None or db is None else (da, db)


def triangle(shape) -> tuple | None:
    """`np.tril(m)`/`np.triu(m)`: of a vector a square matrix, else m's shape."""
    if shape is None or not shape:
        return None
    return shape * 2 if len(shape) == 1 else shape


def transposed(shape, axes=None) -> tuple | None:
    """`np.transpose(x, axes)` for constant axes (None: reversed)."""
    axes = constant(axes)
    if shape is None or axes is _UNKNOWN:
        return None
    if axes is None:
        return shape[::-1]
    if (not isinstance(axes, (tuple, list)) or len(axes) != len(shape)
            or sorted(a % len(shape) if type(a) is int and -len(shape) <= a < len(shape)
                      else -1 for a in axes) != list(range(len(shape)))):
        return None
    return tuple(shape[a] for a in axes)


def expanded(shape, axis) -> tuple | None:
    """`np.expand_dims(x, axis)` for a constant int or tuple axis."""
    axis = constant(axis)
    if shape is None or axis is _UNKNOWN or axis is None:
        return None
    axes = axis if isinstance(axis, tuple) else (axis,)
    n = len(shape) + len(axes)
    if not all(type(a) is int and -n <= a < n for a in axes):
        return None
    axes = {a % n for a in axes}
    if len(axes) != len(tuple(axis if isinstance(axis, tuple) else (axis,))):
        return None
    rest = iter(shape)
    return tuple(1 if i in axes else next(rest) for i in range(n))


def squeezed(shape, axis=None) -> tuple | None:
    """`np.squeeze(x, axis)`: without an axis, every dimension of size 1 goes (so
    each must be known); with constant axes, those (which must have size 1)."""
    axis = constant(axis)
    if shape is None or axis is _UNKNOWN:
        return None
    if axis is None:
        return None if None in shape else tuple(d for d in shape if d != 1)
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not all(type(a) is int and -len(shape) <= a < len(shape) for a in axes):
        return None
    axes = {a % len(shape) for a in axes}
    if any(shape[a] != 1 for a in axes):
        return None  # NumPy raises, or a size not known here decides
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def at_least(shape, ndim: int) -> tuple | None:
    """`np.atleast_1d`/`_2d`/`_3d`: for fewer dimensions, 1s added (atleast_3d puts
    a vector's between two)."""
    if shape is None:
        return None
    if len(shape) >= ndim:
        return shape
    if ndim == 3 and len(shape) == 2:
        return shape + (1,)
    if ndim == 3 and len(shape) == 1:
        return (1,) + shape + (1,)
    return (1,) * (ndim - len(shape)) + shape


def reshaped(shape, new) -> tuple | None:
    """`np.reshape(x, new)` for a constant int or tuple of ints (a -1 entry is known
    only where every other entry is)."""
    new = constant(new)
    if shape is None or new is _UNKNOWN:
        return None
    new = new if isinstance(new, tuple) else (new,)
    if not all(type(d) is int and d >= -1 for d in new) or new.count(-1) > 1:
        return None
    size = flat(shape)
    out = tuple(1 if d == 1 else N if d > 1 else None for d in new)
    if -1 in new:
        rest = [d for d in new if d != -1]
        if size == 1:
            out = tuple(1 for _ in new)
        elif not any(d > 1 for d in rest) and size == N:
            out = tuple(N if d == -1 else 1 for d in new)
    return out


def indexed(shape, index, index_shape=None) -> tuple | None:
    """`x[index]` for int, `:`, None and `...` entries (a slice with bounds keeps the
    dimension, of unknown size; arrays and masks are not followed). `index_shape`
    is the index's own abstract shape: () for an integer value such as a loop's."""
    if shape is None:
        return None
    if (isinstance(index, ir.Const) and type(index.value) is int
            or isinstance(index, ir.Var) and index_shape == ()):
        return shape[1:] if shape else None
    node = index.node if isinstance(index, ir.Opaque) and not index.uses else None
    if node is None:
        return None
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    out, rest = [], list(shape)
    if sum(isinstance(i, ast.Constant) and i.value is Ellipsis for i in items) > 1:
        return None
    for pos, item in enumerate(items):
        if isinstance(item, ast.Constant) and item.value is None:
            out.append(1)
        elif isinstance(item, ast.Constant) and item.value is Ellipsis:
            after = sum(not (isinstance(i, ast.Constant) and i.value is None)
                        for i in items[pos + 1:])
            if after > len(rest):
                return None
            out += rest[:len(rest) - after]
            rest = rest[len(rest) - after:]
        elif not rest:
            return None
        elif isinstance(item, ast.Constant) and type(item.value) is int:
            rest.pop(0)
        elif isinstance(item, ast.Slice):
            d = rest.pop(0)
            full = item.lower is None and item.upper is None and item.step is None
            out.append(d if full else (1 if d == 1 else None))
        else:
            return None
    return tuple(out + rest)


def size_at(shape, index) -> tuple | None:
    """The one-dimensional shape `x.shape[index]` describes (`np.zeros(x.shape[0])`
    has it) for a constant int index, from x's abstract shape."""
    i = constant(index)
    if shape is None or type(i) is not int or not -len(shape) <= i < len(shape):
        return None
    return (shape[i],)


def of_call(rule, bound, shape_of) -> tuple | None:
    """The abstract shape of a call's result, from its rule."""
    if rule.shape is not None:
        return rule.shape(bound, shape_of)
    if rule.same_shape:
        return shape_of(bound.get(rule.same_shape))
    if rule.out_kind == SCALAR:
        return ()
    if rule.out_kind == ELEMENTWISE:
        # (an argument passed as None, `np.clip(x, 0.0, None)`, is no operand)
        return broadcast(*(shape_of(a) for a in bound.values() if constant(a) is not None))
    if rule.out_kind == REDUCE and rule.params:
        return reduced(shape_of(bound.get(rule.params[0])), bound.get("axis"),
                       bound.get("keepdims"))
    return None
