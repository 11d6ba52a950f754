"""Helpers the generated code may call: real functions, linted and unit-tested,
whose *source* is emitted into generated code (never imported from srcdiff), so
`.source` and `srcdiff grad` output run with only NumPy present. `HELPERS`
maps each name to its source text, which is printed with `np` renamed to the
name `f`'s module uses for NumPy.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
import types

import numpy as np

from . import syntax

HELPERS: dict[str, str] = {}


def helper(fn, into=HELPERS):
    """Make `fn` a runtime helper: its source is what generated code defines (a
    second helper of one name would silently replace the first one's code)."""
    if fn.__name__ in into:
        raise ValueError(f"two runtime helpers are named {fn.__name__}")
    text = textwrap.dedent(inspect.getsource(fn))
    into[fn.__name__] = text[text.index("def "):]  # without the decorator
    return fn


@helper
def _unbroadcast(g, x):
    """Sum g over the axes NumPy broadcast x along, giving x's shape."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    while np.ndim(g) > len(shape):
        g = np.sum(g, axis=0)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    return np.sum(g, axis=axes, keepdims=True) if axes else g


@helper
def _caught(attempt, *handlers):
    """The index of the handler (its exception classes) that catches what attempt()
    raises, tried in order as a try's except clauses are; -1 when it returns."""
    try:
        attempt()
    except BaseException as e:
        for i, kinds in enumerate(handlers):
            if isinstance(e, kinds):
                return i
        raise
    return -1


@helper
def _broadcast(t, ans):
    """A tangent t spread to the shape of the value ans it belongs to."""
    shape = np.shape(ans)
    return t if np.shape(t) == shape else np.broadcast_to(t, shape)


@helper
def _setitem(x, index, v):
    """A copy of x with x[index] = v; x itself is left unchanged."""
    x = list(x) if isinstance(x, tuple) else x.copy()  # (an array of any library, a list)
    x[index] = v
    return x


@helper
def _add_at(x, index, v):
    """A copy of x with v added at index, a repeated index adding again (np.add.at);
    x itself is left unchanged."""
    x = np.array(x, dtype=np.result_type(x, v))
    np.add.at(x, index, v)
    return x


@helper
def _zero(x):
    """A zero tangent shaped like x, complex for a complex array (a list of them for a
    list or a tuple, one item each for an array of items: the adjoint of a list of arrays
    of different shapes)."""
    if isinstance(x, (list, tuple)):
        return [_zero(a) for a in x]
    if isinstance(x, np.ndarray) and x.dtype == object:
        out = np.empty(x.shape, dtype=object)
        for i, a in enumerate(x.flat):
            out.flat[i] = _zero(a)
        return out
    if isinstance(x, np.ndarray):  # (a complex array's tangent is complex: written into)
        return np.zeros(np.shape(x), dtype=complex if x.dtype.kind == "c" else float)
    return 0.0


@helper
def _forward_grad(tangent, args, i, *primals):
    """(value, d value / d primals[i]): one forward sweep per entry of primals[i]."""
    seeds = [0.0 if np.ndim(p) == 0 and not isinstance(p, np.ndarray) else np.zeros(
        np.shape(p)) for p in primals]
    x = primals[i]
    if isinstance(x, (list, tuple)):
        value, grad = _forward_grad(tangent, args, i, *primals[:i], np.asarray(x, dtype=float),
                                    *primals[i + 1:])
        return value, type(x)(grad.tolist())
    if not isinstance(x, np.ndarray):
        seeds[i] = 1.0
        return tangent(*args, *seeds)
    grad = np.zeros(x.shape)
    value = None
    for k in range(x.size):
        seeds[i] = np.zeros(x.shape)
        seeds[i].flat[k] = 1.0
        value, d = tangent(*args, *seeds)
        if np.iscomplexobj(d):  # made inside f (np.exp(1j * x)): never cast to real
            raise ArithmeticError("complex values are not differentiated")
        grad.flat[k] = d
    if value is None:
        value = tangent(*args, *seeds)[0]
    return value, grad


@helper
def _shape_stub(x):
    """A stand-in with x's shape and no data (zeros, every stride 0): the tape keeps
    it for a value the adjoint reads only for its shape."""
    shape = np.shape(x)
    return np.ndarray(shape, buffer=bytes(8), strides=(0,) * len(shape))


@helper
def _like(d, x, fresh=False):
    """d as a fresh gradient with x's type and shape: a float or complex array or NumPy
    scalar x keeps its dtype (float32 stays float32), anything else gives float64 (d itself
    when it is a new array of that shape and type: `fresh` says nothing else refers to it)."""
    if isinstance(x, np.ndarray):
        dtype = x.dtype if x.dtype.kind in "fc" else np.float64
        if fresh and type(d) is np.ndarray and d.shape == x.shape and d.dtype == dtype:
            return d
        if np.iscomplexobj(d) and dtype.kind != "c":  # never cast to real (a bug if so)
            raise ArithmeticError("complex values are not differentiated")
        return np.array(np.broadcast_to(d, x.shape), dtype=dtype)
    if isinstance(x, (list, tuple)):  # (items of different shapes: d holds one per item)
        ds = d if isinstance(d, (list, tuple)) and len(d) == len(x) else np.broadcast_to(
            d, np.shape(x))
        return type(x)(_like(di, xi) for di, xi in zip(ds, x))
    if isinstance(x, (np.floating, np.complexfloating)):
        return type(x)(d)
    return complex(d) if isinstance(x, complex) else float(d)


@helper
def _size(x):
    """np.size(x), also of an array of another library (Dask implements no np.size)."""
    return np.size(x) if isinstance(x, np.ndarray) or not hasattr(x, "__array_function__") \
        else x.size


@helper
def _spread(c, x):
    """np.broadcast_to(c, np.shape(x)), also where x is an array of another library
    (Dask's, CuPy's): then c plus zeros made like x, an array of x's kind (for Dask
    chunked as x), never a NumPy array of x's size."""
    if isinstance(x, np.ndarray) or not hasattr(x, "__array_function__"):
        return np.broadcast_to(c, np.shape(x))
    return c + np.zeros_like(x, dtype=float)


@helper
def _like_any(d, x, fresh=False):
    """_like in code specialised to a call with Dask or CuPy arrays: where d or x is
    one, the gradient is one too (lazy, for Dask), of x's shape and floating dtype,
    never converted to NumPy."""
    own = not isinstance(d, np.ndarray) and hasattr(d, "__array_function__")
    if isinstance(x, (list, tuple)) or not own and (
            isinstance(x, np.ndarray) or not hasattr(x, "__array_function__")):
        return _like(d, x, fresh)
    if np.iscomplexobj(d):  # made inside f (np.exp(1j * x)): never cast to real
        raise ArithmeticError("complex values are not differentiated")
    dtype = x.dtype if hasattr(x, "dtype") and x.dtype.kind == "f" else np.float64
    out = (d if own and np.shape(d) == np.shape(x) else _spread(d, x)).astype(dtype)
    return out.copy() if out is d else out


@helper
def _stacked(parts, dtype=float):
    """np.array(parts, dtype), also of a list holding arrays of another library (Dask's,
    CuPy's): stacked by their library, never converted to NumPy."""
    if isinstance(parts, (list, tuple)) and any(
            not isinstance(p, np.ndarray) and hasattr(p, "__array_function__") for p in parts):
        return np.stack(parts).astype(dtype)
    return np.array(parts, dtype=dtype)


@helper
def _put(a, index, v):
    """a[index] = v, and a: where a is a NumPy array and v an array of another library
    (a NumPy parameter's gradient written by index, of Dask data), a becomes one of
    v's library first, so v is never computed into NumPy. Dask refuses a None in the
    index of an assignment: a basic index's None axes are dropped from both sides."""
    if isinstance(a, np.ndarray) and not isinstance(v, np.ndarray) and hasattr(
            v, "__array_function__"):
        a = np.asarray(a, like=v)
        parts = index if isinstance(index, tuple) else (index,)
        if any(p is None for p in parts) and all(
                p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts):
            index = tuple(p for p in parts if p is not None)
            v = np.reshape(np.broadcast_to(v, np.shape(a[parts])), np.shape(a[index]))
    a[index] = v
    return a


@helper
def _as_matrices(g, a, b):
    """a @ b's operands and cotangent as (batches of) matrices: 1-D a is a row, 1-D b a
    column, and g gains the axes they dropped."""
    a2 = np.reshape(a, (1, -1)) if np.ndim(a) == 1 else a
    b2 = np.reshape(b, (-1, 1)) if np.ndim(b) == 1 else b
    g2 = np.expand_dims(g, -1) if np.ndim(b) == 1 else g
    g2 = np.expand_dims(g2, -2) if np.ndim(a) == 1 else g2
    return g2, a2, b2


@helper
def _expand(g, x, axis, keepdims):
    """g, shaped like a reduction of x over axis, broadcast back to x's shape."""
    if axis is not None and not keepdims and np.ndim(g):
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, np.shape(x))


@helper
def _ties(x, ans, axis, keepdims):
    """Where x equals its max/min ans over axis: 1/(number of ties), else 0."""
    hit = x == _expand(ans, x, axis, keepdims)
    return hit / np.sum(hit, axis=axis, keepdims=True)


@helper
def _running_source(x, ans, axis):
    """Of np.maximum/minimum.accumulate(x, axis) = ans, the position along axis of the
    entry each result equals: the latest entry that reached the running extreme (the
    subgradient at ties gives it to the entry that set or last matched it)."""
    xm, am = np.moveaxis(np.asarray(x), axis, -1), np.moveaxis(np.asarray(ans), axis, -1)
    at = np.where(xm == am, np.arange(xm.shape[-1]), 0)
    return np.maximum.accumulate(at, axis=-1)


@helper
def _running_adjoint(g, x, ans, axis):
    """The adjoint of a running max/min: each result's cotangent goes to its source."""
    src = _running_source(x, ans, axis)
    gm = np.moveaxis(np.broadcast_to(g, np.shape(x)), axis, -1)
    n = gm.shape[-1]
    flat = (src + n * np.arange(src.size // max(n, 1)).reshape(src.shape[:-1] + (1,)))
    d = np.bincount(np.ravel(flat), weights=np.ravel(gm), minlength=gm.size)
    return np.moveaxis(np.reshape(d, gm.shape), -1, axis)


@helper
def _running_tangent(t, x, ans, axis):
    """The tangent of a running max/min: each result moves with its source entry."""
    src = _running_source(x, ans, axis)
    tm = np.moveaxis(np.broadcast_to(t, np.shape(x)), axis, -1)
    return np.moveaxis(np.take_along_axis(tm, src, -1), -1, axis)


@helper
def _prod_others(x, axis):
    """Each entry's partial of np.prod(x, axis): the product of the others (exact at 0)."""
    x = np.asarray(x, dtype=np.result_type(x, float))
    axes = list(range(x.ndim)) if axis is None else [a % x.ndim for a in np.atleast_1d(axis)]
    keep = [a for a in range(x.ndim) if a not in axes]
    xt = np.transpose(x, keep + axes)
    flat = np.reshape(xt, xt.shape[:len(keep)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,))
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
    return np.transpose(np.reshape(left * right, xt.shape), np.argsort(keep + axes))


@helper
def _var_adjoint(g, x, ans, axis, ddof, keepdims):
    """The adjoint of ans = np.var(x, axis, ddof=ddof, keepdims=keepdims)."""
    n = np.size(x) / np.size(ans)
    centered = x - np.mean(x, axis=axis, keepdims=True)
    return _expand(g, x, axis, keepdims) * centered * (2 / (n - ddof))


@helper
def _dot_adjoint_a(g, a, b):
    """The adjoint of np.dot(a, b) with respect to a."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return _unbroadcast(g * b, a)
    if b.ndim == 1:
        return np.multiply.outer(g, b)
    g_axes = list(range(a.ndim - 1, np.ndim(g)))
    return np.tensordot(g, b, (g_axes, list(range(b.ndim - 2)) + [b.ndim - 1]))


@helper
def _dot_adjoint_b(g, a, b):
    """The adjoint of np.dot(a, b) with respect to b."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return _unbroadcast(g * a, b)
    lead = list(range(a.ndim - 1))
    out = np.tensordot(a, g, (lead, lead))
    return out if b.ndim == 1 else np.moveaxis(out, 0, -2)


@helper
def _matmul_adjoint_a(g, a, b):
    """The adjoint of a @ b with respect to a (1-D operands and batches too)."""
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(_unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2), np.shape(a))


@helper
def _matmul_adjoint_b(g, a, b):
    """The adjoint of a @ b with respect to b (1-D operands and batches too)."""
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(_unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2), np.shape(b))


@helper
def _inner_adjoint_a(g, a, b):
    """The adjoint of np.inner(a, b) with respect to a."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return _unbroadcast(g * b, a)
    g_axes = list(range(a.ndim - 1, np.ndim(g)))
    return np.tensordot(g, b, (g_axes, list(range(b.ndim - 1))))


@helper
def _inner_adjoint_b(g, a, b):
    """The adjoint of np.inner(a, b) with respect to b."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return _unbroadcast(g * a, b)
    lead = list(range(a.ndim - 1))
    return np.moveaxis(np.tensordot(a, g, (lead, lead)), 0, -1)


@helper
def _tensordot_adjoint(g, a, b, axes, wrt_b):
    """The adjoint of np.tensordot(a, b, axes) with respect to a, or b when wrt_b."""
    a, b = np.asarray(a), np.asarray(b)
    if np.ndim(axes) == 0:
        axes = (range(a.ndim - axes, a.ndim), range(axes))
    ca = [int(i) % a.ndim for i in np.atleast_1d(axes[0])]
    cb = [int(i) % b.ndim for i in np.atleast_1d(axes[1])]
    fa = [i for i in range(a.ndim) if i not in ca]
    fb = [i for i in range(b.ndim) if i not in cb]
    if wrt_b:
        out = np.tensordot(a, g, (fa, list(range(len(fa)))))
        order = [cb[ca.index(i)] for i in sorted(ca)] + fb
    else:
        out = np.tensordot(g, b, (list(range(len(fa), np.ndim(g))), fb))
        order = fa + [ca[cb.index(i)] for i in sorted(cb)]
    return np.transpose(out, np.argsort(order))


@helper
def _diag_adjoint(g, v, k):
    """The adjoint of np.diag(v, k): builds for 2-D v's diagonal, extracts for 1-D v."""
    if np.ndim(v) == 1:
        return np.diag(g, k)
    out = np.zeros(np.shape(v))
    i = np.arange(len(g))
    out[i + max(-k, 0), i + max(k, 0)] = g
    return out


@helper
def _sort_adjoint(g, x, axis):
    """The adjoint of np.sort(x, axis): g sent back through the sorting permutation."""
    order = np.argsort(x, axis=axis, kind="stable")
    if axis is None:
        out = np.zeros(np.size(x))
        out[order] = np.ravel(g)
        return np.reshape(out, np.shape(x))
    out = np.zeros(np.shape(x))
    np.put_along_axis(out, order, g, axis)
    return out


@helper
def _items(parts):
    """The adjoint of a list of arrays as one array (of objects when the items' shapes
    differ, or are such adjoints themselves: a tuple of tuples), so that two such
    adjoints add item by item rather than concatenate."""
    nested = any(isinstance(p, (list, tuple)) or getattr(p, "dtype", None) == np.dtype(object)
                 for p in parts)
    if not nested and len({np.shape(p) for p in parts}) <= 1:
        return np.array(parts, dtype=complex if any(map(np.iscomplexobj, parts)) else float)
    out = np.empty(len(parts), dtype=object)
    for i, p in enumerate(parts):
        out[i] = p
    return out


@helper
def _unconcatenate(g, arrays, axis, ndmin=1):
    """The adjoint of np.concatenate(arrays, axis): g cut back into one piece per item."""
    shapes = [np.shape(x) for x in arrays]
    if axis is None:
        g, axis, sizes = np.ravel(g), 0, [int(np.prod(s)) for s in shapes]
    else:
        sizes = [np.shape(np.array(x, ndmin=ndmin))[axis] for x in arrays]
    pieces = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    return _items([np.reshape(p, s) for p, s in zip(pieces, shapes)])


@helper
def _unblock(g, arrays):
    """The adjoint of np.block(arrays): g cut back into the nested lists of pieces (an
    _items array per list). np.block of the leaves' flat positions says where each
    entry of its result came from."""
    def leaves(a):
        return [y for x in a for y in leaves(x)] if isinstance(a, list) else [a]

    sizes = [int(np.size(x)) for x in leaves(arrays)]
    cuts = np.cumsum(sizes)[:-1]
    ids = iter(np.split(np.arange(sum(sizes)), cuts))

    def positions(a):
        if isinstance(a, list):
            return [positions(x) for x in a]
        return np.reshape(next(ids), np.shape(a))

    flat = np.zeros(sum(sizes))
    flat[np.ravel(np.block(positions(arrays)))] = np.ravel(g)
    parts = iter(np.split(flat, cuts))

    def pieces(a):
        if isinstance(a, list):
            return _items([pieces(x) for x in a])
        return np.reshape(next(parts), np.shape(a))

    return pieces(arrays)


@helper
def _reblock(g, arrays):
    """The adjoint of _unblock(., arrays): the nested pieces of g joined again as
    np.block(arrays) joins the arrays."""
    def joined(p, a):
        if isinstance(a, list):
            return [joined(q, x) for q, x in zip(p, a)]
        return np.reshape(p, np.shape(a))

    return np.block(joined(g, arrays))


@helper
def _cast_adjoint(g, ans):
    """The adjoint of a dtype cast: g for a floating result, zero for an integer one."""
    return g if np.issubdtype(np.result_type(ans), np.inexact) else np.zeros(np.shape(ans))


# helpers only array code calls (kept for the rule modules' lists)
NUMPY_HELPERS = ["_items", "_as_matrices", "_expand", "_ties", "_running_source",
                 "_running_adjoint", "_running_tangent", "_prod_others", "_var_adjoint",
                 "_dot_adjoint_a", "_dot_adjoint_b",
                 "_matmul_adjoint_a", "_matmul_adjoint_b", "_inner_adjoint_a",
                 "_inner_adjoint_b", "_tensordot_adjoint", "_diag_adjoint", "_sort_adjoint",
                 "_unconcatenate", "_unblock", "_reblock", "_cast_adjoint"]


def is_written_helper(name: str, obj) -> bool:
    """Whether the global `name` is one of these helpers as a module srcdiff wrote
    defines it (`_like` at the top of a derivative module): the same code, NumPy
    under any name. Differentiating that module again, it is the helper's rule."""
    if name not in HELPERS or not isinstance(obj, types.FunctionType):
        return False
    key = (name, obj.__code__)
    if key not in _WRITTEN:
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
        except (OSError, TypeError, SyntaxError):
            return False
        for n in syntax.walk(tree):
            if isinstance(n, ast.Name) and obj.__globals__.get(n.id) is np:
                n.id = "np"
        _WRITTEN[key] = ast.dump(tree.body[0]) == ast.dump(ast.parse(HELPERS[name]).body[0])
    return _WRITTEN[key]


_WRITTEN: dict = {}


def helper_defs(used: set[str], np_name: str) -> list[ast.stmt]:
    used = _with_dependencies(used)
    out = []
    for key in HELPERS:  # in the order they are defined here
        if key in used:
            tree = ast.parse(HELPERS[key])
            for n in syntax.walk(tree):
                if isinstance(n, ast.Name) and n.id == "np":
                    n.id = np_name
            out.extend(tree.body)
    return out


def drop_unused_helpers(body: list) -> list:
    """`body` without the helper definitions nothing else in it calls."""
    defs = [s for s in body if isinstance(s, ast.FunctionDef) and s.name in HELPERS]
    rest = [s for s in body if not any(s is d for d in defs)]
    called = {n.id for s in rest for n in syntax.walk(s) if isinstance(n, ast.Name)}
    needed = _with_dependencies(called & set(HELPERS))
    return [s for s in body if not any(s is d for d in defs) or s.name in needed]


def _with_dependencies(used: set[str]) -> set[str]:
    """`used` and every helper that those helpers call, transitively."""
    out, todo = set(), list(used)
    while todo:
        key = todo.pop()
        if key in out or key not in HELPERS:
            out.add(key)
            continue
        out.add(key)
        todo += [n.id for n in syntax.walk(ast.parse(HELPERS[key]))
                 if isinstance(n, ast.Name) and n.id in HELPERS and n.id != key]
    return out

# ----- linear algebra (rules/linalg.py) -----
_BEFORE_LINALG = set(HELPERS)


# `mT(x)` is np.swapaxes(x, -1, -2) throughout: every helper takes stacks of matrices.
@helper
def _add_items(a, b):
    """Two tangents of a tuple result (lstsq's), added item by item."""
    return tuple(x + y for x, y in zip(a, b))


@helper
def _solve_adjoint(g, a, b, ans, wrt_b):
    """The adjoint of x = np.linalg.solve(a, b) with respect to a, or b when wrt_b: b is
    one vector when 1-D (against every matrix of a stack), else a stack of matrices."""
    vec = np.ndim(b) == 1
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), g[..., None] if vec else g)
    if wrt_b:
        return _unbroadcast(gb[..., 0] if vec else gb, b)
    x = ans[..., None] if vec else ans
    return _unbroadcast(-(gb @ np.swapaxes(x, -1, -2)), a)


@helper
def _solve_adjoint_da(t, g, a, b, ans, wrt_b):
    """The tangent of _solve_adjoint(g, a, b, ans, wrt_b) along a's tangent t."""
    vec = np.ndim(b) == 1
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), g[..., None] if vec else g)
    dgb = -np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(t, -1, -2) @ gb)
    if wrt_b:
        return _unbroadcast(dgb[..., 0] if vec else dgb, b)
    x = ans[..., None] if vec else ans
    return _unbroadcast(-(dgb @ np.swapaxes(x, -1, -2)), a)


@helper
def _solve_adjoint_vjp(h, g, a, b, x, wrt_b, wrt):
    """The adjoint of _solve_adjoint(g, a, b, x, wrt_b) with respect to `wrt` ('g', 'a'
    or 'x') along the cotangent h: with gb = solve(a^T, g), k = solve(a, the cotangent
    of gb) is g's, -gb k^T is a's, and -h^T gb is x's (in -gb x^T)."""
    vec = np.ndim(b) == 1
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), g[..., None] if vec else g)
    if wrt == "x":
        d = -(np.swapaxes(h, -1, -2) @ gb)
        return _unbroadcast(d[..., 0] if vec else d, x)
    if wrt_b:
        hb = h[..., None] if vec else h
    else:
        hb = -(h @ (x[..., None] if vec else x))
    k = np.linalg.solve(a, np.broadcast_to(hb, np.shape(gb)))
    if wrt == "g":
        return _unbroadcast(k[..., 0] if vec else k, g)
    return _unbroadcast(-(gb @ np.swapaxes(k, -1, -2)), a)


@helper
def _solve_tangent(t, a, b, ans):
    """The tangent of x = np.linalg.solve(a, b) along a's tangent t: -solve(a, t @ x)."""
    if np.ndim(b) == 1:
        return -np.linalg.solve(a, (t @ ans[..., None]))[..., 0]
    return -np.linalg.solve(a, t @ ans)


@helper
def _from_triangle(t, uplo):
    """The symmetric matrix eigh/cholesky read from t: its lower (uplo 'L') or upper
    triangle, mirrored."""
    if uplo in ("U", "u"):
        return np.triu(t) + np.swapaxes(np.triu(t, 1), -1, -2)
    return np.tril(t) + np.swapaxes(np.tril(t, -1), -1, -2)


@helper
def _to_triangle(g, uplo):
    """The adjoint of _from_triangle: g's mirror folded onto the triangle read."""
    if uplo in ("U", "u"):
        return np.triu(g) + np.swapaxes(np.tril(g, -1), -1, -2)
    return np.tril(g) + np.swapaxes(np.triu(g, 1), -1, -2)


@helper
def _gaps(x, w, squared=False):
    """x_ij / (w_j - w_i) off the diagonal, 0 on it (w_j**2 - w_i**2 when squared).
    A tie divides by zero: inf or nan, never a finite wrong number; an x that is all
    zero (the cotangent of an item never read) gives zeros."""
    wj, wi = w[..., None, :], w[..., :, None]
    d = (wj - wi) * (wj + wi) if squared else wj - wi
    off = ~np.eye(np.shape(w)[-1], dtype=bool)
    if not np.any(x):
        return np.zeros(np.shape(x))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(off, x / np.where(off, d, 1.0), 0.0)


@helper
def _eigh_adjoint(g, ans, uplo):
    """The adjoint of (w, v) = np.linalg.eigh(a, uplo) for the cotangents g = (gw, gv)."""
    (w, v), (gw, gv) = ans, g
    vt = np.swapaxes(v, -1, -2)
    inner = np.eye(np.shape(w)[-1]) * np.expand_dims(gw, -2) + _gaps(vt @ gv, w)
    return _to_triangle(v @ inner @ vt, uplo)


@helper
def _eigh_tangent(t, ans, uplo):
    """The tangent of (w, v) = np.linalg.eigh(a, uplo) along t."""
    w, v = ans
    x = np.swapaxes(v, -1, -2) @ _from_triangle(t, uplo) @ v
    with np.errstate(invalid="ignore"):  # a tie's inf: the eigenvectors have no tangent
        return np.diagonal(x, axis1=-2, axis2=-1), v @ _gaps(x, w)


@helper
def _eigvalsh_adjoint(g, a, uplo):
    """The adjoint of np.linalg.eigvalsh(a, uplo): v diag(g) v^T on the triangle read."""
    v = np.linalg.eigh(a, uplo)[1]
    return _to_triangle((v * np.expand_dims(g, -2)) @ np.swapaxes(v, -1, -2), uplo)


@helper
def _eigvalsh_tangent(t, a, uplo):
    """The tangent of np.linalg.eigvalsh(a, uplo): diag(v^T t v)."""
    v = np.linalg.eigh(a, uplo)[1]
    return np.sum(v * (_from_triangle(t, uplo) @ v), axis=-2)


@helper
def _eig_checked(ans):
    """(w, v) of np.linalg.eig, refused when complex (the derivative would be): an
    ArithmeticError, which srcdiff reports as a derivative undefined at this point."""
    w, v = ans
    if np.iscomplexobj(w):
        raise ArithmeticError("np.linalg.eig has complex eigenvalues here; srcdiff "
                              "differentiates eig and eigvals only where they are real")
    return w, v


@helper
def _eig_adjoint(g, ans):
    """The adjoint of (w, v) = np.linalg.eig(a) (real eigenvalues, columns of v of
    unit length): v^-T (diag(gw) + F * (v^T gv - v^T v diag(diag(v^T gv)))) v^T."""
    (w, v), (gw, gv) = _eig_checked(ans), g
    vt = np.swapaxes(v, -1, -2)
    n = np.shape(w)[-1]
    inner = np.eye(n) * np.expand_dims(gw, -2)
    if np.any(gv):
        x = vt @ gv
        x = x - (vt @ v) * np.expand_dims(np.diagonal(x, axis1=-2, axis2=-1), -2)
        inner = inner + _gaps(x, w)
    return np.linalg.solve(vt, inner @ vt)


@helper
def _eig_tangent(t, ans):
    """The tangent of (w, v) = np.linalg.eig(a) along t (real eigenvalues)."""
    w, v = _eig_checked(ans)
    x = np.linalg.solve(v, t @ v)
    dv = v @ _gaps(x, w)
    dv = dv - v * np.sum(v * dv, axis=-2, keepdims=True)  # columns stay of unit length
    return np.diagonal(x, axis1=-2, axis2=-1), dv


@helper
def _eigvals_adjoint(g, a):
    """The adjoint of np.linalg.eigvals(a) (real eigenvalues)."""
    return _eig_adjoint((g, 0.0), np.linalg.eig(a))


@helper
def _eigvals_tangent(t, a):
    """The tangent of np.linalg.eigvals(a) (real eigenvalues)."""
    return _eig_tangent(t, np.linalg.eig(a))[0]


@helper
def _cholesky_adjoint(g, ans, upper=False):
    """The adjoint of np.linalg.cholesky(a, upper=upper) (which reads a's lower
    triangle): L^-T phi(L^T g) L^-1 folded onto that triangle, phi = tril, diagonal halved."""
    if upper:
        ans, g = np.swapaxes(ans, -1, -2), np.swapaxes(g, -1, -2)
    p = np.tril(np.swapaxes(ans, -1, -2) @ g)
    p = p - 0.5 * np.eye(np.shape(ans)[-1]) * p
    lt = np.swapaxes(ans, -1, -2)
    x = np.linalg.solve(lt, np.swapaxes(np.linalg.solve(lt, np.swapaxes(p, -1, -2)), -1, -2))
    return _to_triangle(x, "L")


@helper
def _cholesky_tangent(t, ans, upper=False):
    """The tangent of np.linalg.cholesky(a, upper=upper): L phi(L^-1 S L^-T)."""
    low = np.swapaxes(ans, -1, -2) if upper else ans
    x = np.linalg.solve(low, np.swapaxes(np.linalg.solve(low, _from_triangle(t, "L")), -1, -2))
    x = np.tril(x) - 0.5 * np.eye(np.shape(x)[-1]) * x
    out = low @ x
    return np.swapaxes(out, -1, -2) if upper else out


@helper
def _svd_parts(ans):
    """(u, s, v) of the thin SVD of a, from svd's result ans; full U or Vh are cut to
    their first k columns (the rest have no derivative)."""
    u, s, vh = ans
    k = np.shape(s)[-1]
    return u[..., :, :k], s, np.swapaxes(vh[..., :k, :], -1, -2)


@helper
def _svd_adjoint(g, a, ans, full_matrices=True):
    """The adjoint of (u, s, vh) = np.linalg.svd(a, full_matrices) for g = (gu, gs, gvh)."""
    u, s, v = _svd_parts(ans)
    gu, gs, gvh = g
    m, n, k = np.shape(a)[-2], np.shape(a)[-1], np.shape(s)[-1]
    if np.any(gu[..., :, k:]) or np.any(gvh[..., k:, :]):
        raise ValueError("the extra singular vectors of np.linalg.svd(a, full_matrices=True) "
                         "of a non-square a have no derivative; use full_matrices=False")
    gu, gv = gu[..., :, :k], np.swapaxes(gvh[..., :k, :], -1, -2)
    ut, vt = np.swapaxes(u, -1, -2), np.swapaxes(v, -1, -2)
    j = _gaps(ut @ gu, s, squared=True)
    q = _gaps(vt @ gv, s, squared=True)
    sj = np.expand_dims(s, -2)
    inner = (j + np.swapaxes(j, -1, -2)) * sj + np.swapaxes(sj, -1, -2) * (
        q + np.swapaxes(q, -1, -2))
    inner = inner + np.eye(k) * np.expand_dims(gs, -2)
    out = u @ inner @ vt
    if m > k and np.any(gu):
        out = out + (gu - u @ (ut @ gu)) / sj @ vt
    if n > k and np.any(gv):
        out = out + u @ (np.swapaxes(gv - v @ (vt @ gv), -1, -2) / np.swapaxes(sj, -1, -2))
    return out


@helper
def _svd_tangent(t, a, ans, full_matrices=True):
    """The tangent of (u, s, vh) = np.linalg.svd(a, full_matrices) along t."""
    u, s, v = _svd_parts(ans)
    m, n, k = np.shape(a)[-2], np.shape(a)[-1], np.shape(s)[-1]
    ut, vt = np.swapaxes(u, -1, -2), np.swapaxes(v, -1, -2)
    ds = ut @ t @ v
    sj = np.expand_dims(s, -2)
    dss, sds = ds * sj, np.swapaxes(sj, -1, -2) * ds
    du = u @ _gaps(dss + np.swapaxes(dss, -1, -2), s, squared=True)
    dv = v @ _gaps(sds + np.swapaxes(sds, -1, -2), s, squared=True)
    if m > k:
        du = du + (t @ v - u @ (ut @ t @ v)) / sj
    if n > k:
        dv = dv + (np.swapaxes(t, -1, -2) @ u - v @ (vt @ np.swapaxes(t, -1, -2) @ u)) / sj
    if full_matrices and m != n:  # the extra columns of U or rows of Vh: no derivative
        du = np.concatenate([du, np.full(np.shape(ans[0])[:-1] + (m - np.shape(du)[-1],),
                                         np.nan)], -1)
        dv = np.concatenate([dv, np.full(np.shape(ans[2])[:-2] + (n, n - np.shape(dv)[-1]),
                                         np.nan)], -1)
    return du, np.diagonal(ds, axis1=-2, axis2=-1), np.swapaxes(dv, -1, -2)


@helper
def _svdvals_adjoint(g, a):
    """The adjoint of s = np.linalg.svd(a, compute_uv=False): u diag(g) vh."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return (u * np.expand_dims(g, -2)) @ vh


@helper
def _svdvals_tangent(t, a):
    """The tangent of s = np.linalg.svd(a, compute_uv=False): diag(u^T t v)."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(u * (t @ np.swapaxes(vh, -1, -2)), axis=-2)


@helper
def _qr_check(a, mode):
    """Refuse the QR forms without a derivative here."""
    m, n = np.shape(a)[-2:]
    if m < n or (mode == "complete" and m != n):
        raise ValueError("srcdiff differentiates np.linalg.qr(a) for M >= N ('reduced', "
                         "'r'; 'complete' only when square), not a of shape "
                         f"{np.shape(a)} with mode={mode!r}")


@helper
def _qr_adjoint(g, a, ans, mode="reduced"):
    """The adjoint of np.linalg.qr(a, mode) (M >= N) for g = (gq, gr), or gr for 'r'."""
    _qr_check(a, mode)
    if mode == "r":
        q, r = np.linalg.qr(a)
        gq, gr = np.zeros(np.shape(q)), g
    else:
        (q, r), (gq, gr) = ans, g
    m = np.swapaxes(q, -1, -2) @ gq - gr @ np.swapaxes(r, -1, -2)
    x = gq + q @ (np.tril(m - np.swapaxes(m, -1, -2), -1) - m)
    return np.swapaxes(np.linalg.solve(r, np.swapaxes(x, -1, -2)), -1, -2)


@helper
def _qr_tangent(t, a, ans, mode="reduced"):
    """The tangent of np.linalg.qr(a, mode) (M >= N) along t."""
    _qr_check(a, mode)
    q, r = np.linalg.qr(a) if mode == "r" else ans
    b = np.swapaxes(np.linalg.solve(np.swapaxes(r, -1, -2), np.swapaxes(t, -1, -2)), -1, -2)
    c = np.swapaxes(q, -1, -2) @ b
    low = np.tril(c, -1)
    omega = low - np.swapaxes(low, -1, -2)
    dr = (c - omega) @ r
    return dr if mode == "r" else (q @ (omega - c) + b, dr)


@helper
def _pinv_adjoint(g, a, ans):
    """The adjoint of x = np.linalg.pinv(a) (constant rank):
    -x^T g x^T + (1 - a x) g^T x x^T + x^T x g^T (1 - x a)."""
    x, xt, gt = ans, np.swapaxes(ans, -1, -2), np.swapaxes(g, -1, -2)
    left = np.eye(np.shape(a)[-2]) - a @ x
    right = np.eye(np.shape(a)[-1]) - x @ a
    return -(xt @ g @ xt) + left @ gt @ x @ xt + xt @ x @ gt @ right


@helper
def _pinv_tangent(t, a, ans):
    """The tangent of x = np.linalg.pinv(a) (constant rank)."""
    x, xt, tt = ans, np.swapaxes(ans, -1, -2), np.swapaxes(t, -1, -2)
    left = np.eye(np.shape(a)[-2]) - a @ x
    right = np.eye(np.shape(a)[-1]) - x @ a
    return -(x @ t @ x) + x @ xt @ tt @ left + right @ tt @ xt @ x


@helper
def _lstsq_pinv(a, rank):
    """The pseudo-inverse lstsq used: a's SVD cut at the rank lstsq found."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return (vh[:rank].T / s[:rank]) @ u[:, :rank].T


@helper
def _lstsq_adjoint(g, a, b, ans, wrt_b):
    """The adjoint of (x, residuals, rank, s) = np.linalg.lstsq(a, b) with respect to a,
    or b when wrt_b: x = pinv(a) @ b at a's rank; residuals are |a x - b|^2 per
    column (given when rank == N < M)."""
    x, res, rank, s = ans
    gx, gres, grank, gs = g
    vec = np.ndim(b) == 1
    x2, b2 = (x[:, None], b[:, None]) if vec else (x, b)
    gx2 = np.reshape(gx, np.shape(x2))
    r = a @ x2 - b2
    if np.size(res) and np.any(gres):
        gx2 = gx2 + 2 * a.T @ (r * np.reshape(gres, (1, -1)))
        gb_res = -2 * r * np.reshape(gres, (1, -1))
    else:
        gb_res = 0.0
    p = _lstsq_pinv(a, rank)
    gb = p.T @ gx2
    if wrt_b:
        out = gb + gb_res
        return out[:, 0] if vec else out
    ga = _pinv_adjoint(gx2 @ b2.T, a, p)
    if np.size(res) and np.any(gres):
        ga = ga + 2 * (r * np.reshape(gres, (1, -1))) @ x2.T
    if np.any(gs):
        ga = ga + _svdvals_adjoint(gs, a)
    return ga


@helper
def _lstsq_tangent(t, a, b, ans, wrt_b):
    """The tangent of np.linalg.lstsq(a, b) along t, a's tangent (or b's when wrt_b)."""
    x, res, rank, s = ans
    p = _lstsq_pinv(a, rank)
    if wrt_b:
        dx = p @ t
        ds = np.zeros(np.shape(s))
        dr = -t
    else:
        dx = _pinv_tangent(t, a, p) @ b
        ds = _svdvals_tangent(t, a)
        dr = t @ x
    dr = dr + a @ dx
    if np.size(res):
        r = a @ x - b
        dres = np.reshape(2 * np.sum(r * dr, axis=0), np.shape(res))
    else:
        dres = np.zeros(np.shape(res))
    return dx, dres, 0, ds


@helper
def _matrix_power_adjoint(g, a, n):
    """The adjoint of np.linalg.matrix_power(a, n): sum_k (a^k)^T g (a^(n-1-k))^T."""
    if n < 0:
        b = np.linalg.inv(a)
        bt = np.swapaxes(b, -1, -2)
        return -(bt @ _matrix_power_adjoint(g, b, -n) @ bt)
    powers = [np.broadcast_to(np.eye(np.shape(a)[-1]), np.shape(a))]
    for _ in range(n - 1):
        powers.append(powers[-1] @ a)
    out = np.zeros(np.shape(a))
    for k in range(n):
        out = out + np.swapaxes(powers[k], -1, -2) @ g @ np.swapaxes(powers[n - 1 - k], -1, -2)
    return out


@helper
def _matrix_power_tangent(t, a, n):
    """The tangent of np.linalg.matrix_power(a, n): sum_k a^k t a^(n-1-k)."""
    if n < 0:
        b = np.linalg.inv(a)
        return _matrix_power_tangent(-(b @ t @ b), b, -n)
    out = np.zeros(np.shape(a))
    for k in range(n):
        out = out + np.linalg.matrix_power(a, k) @ t @ np.linalg.matrix_power(a, n - 1 - k)
    return out


@helper
def _as_chain(arrays):
    """multi_dot's operands as matrices: a 1-D first is a row, a 1-D last a column."""
    mats = [np.asarray(x) for x in arrays]
    if mats[0].ndim == 1:
        mats[0] = mats[0][None, :]
    if mats[-1].ndim == 1:
        mats[-1] = mats[-1][:, None]
    return mats


@helper
def _multi_dot_adjoint(g, arrays):
    """The adjoint of np.linalg.multi_dot(arrays): one gradient per operand, the
    cotangent between the product of those left of it and those right of it."""
    mats = _as_chain(arrays)
    g = np.reshape(g, (np.shape(mats[0])[0], np.shape(mats[-1])[1]))
    out = []
    for i in range(len(mats)):
        left, right = np.eye(np.shape(mats[0])[0]), np.eye(np.shape(mats[-1])[1])
        for m in mats[:i]:
            left = left @ m
        for m in mats[:i:-1]:
            right = m @ right
        out.append(np.reshape(left.T @ g @ right.T, np.shape(arrays[i])))
    return out


@helper
def _multi_dot_tangent(t, arrays):
    """The tangent of np.linalg.multi_dot(arrays) along the operands' tangents t."""
    out = 0.0
    for i in range(len(arrays)):
        if np.any(t[i]):
            out = out + np.linalg.multi_dot(list(arrays[:i]) + [t[i]] + list(arrays[i + 1:]))
    return out


@helper
def _vector_norm_partial(x, ans, ord, axis, keepdims):
    """d ans / d x for ans = vector norm of x over axis (all of x when None), shaped
    like x. At ties of inf/-inf norms the derivative is shared equally."""
    x = np.asarray(x, dtype=float)
    n = _expand(ans, x, axis, keepdims)
    if ord is None or ord == 2:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n == 0, 0.0, x / n)
    if ord == 0:
        return np.zeros(np.shape(x))
    if ord in (np.inf, -np.inf):
        hit = np.abs(x) == n
        return np.sign(x) * hit / np.sum(hit, axis=axis, keepdims=True)
    if ord == 1:
        return np.sign(x)
    return np.sign(x) * (np.abs(x) / np.where(n == 0, 1.0, n)) ** (ord - 1)


@helper
def _matrix_norm_partial(x, ans, ord, axis, keepdims):
    """d ans / d x for ans = the matrix norm of x over the two axes `axis`, shaped
    like x. Ties (of the largest column or row sum, of the top singular value) take
    the sum's equal share and the singular vectors svd returns."""
    x = np.asarray(x, dtype=float)
    r, c = [a % x.ndim for a in axis]
    if ord in (None, "fro"):  # 0 at the zero matrix, as the vector 2-norm
        n = _expand(ans, x, axis, keepdims)
        return x / np.where(n == 0, 1.0, n)
    if ord in ("nuc", 2, -2):
        u, s, vh = np.linalg.svd(np.moveaxis(x, (r, c), (-2, -1)), full_matrices=False)
        if ord == 2:
            u, vh = u[..., :, :1], vh[..., :1, :]
        elif ord == -2:
            u, vh = u[..., :, -1:], vh[..., -1:, :]
        return np.moveaxis(u @ vh, (-2, -1), (r, c))
    along = r if ord in (1, -1) else c  # ord 1: the columns' sums (down the rows)
    other = c if along == r else r
    sums = np.sum(np.abs(x), axis=along, keepdims=True)
    pick = np.max if ord in (1, np.inf) else np.min
    hit = sums == pick(sums, axis=other, keepdims=True)
    return np.sign(x) * hit / np.sum(hit, axis=other, keepdims=True)


@helper
def _norm_partial(x, ans, ord, axis, keepdims):
    """d ans / d x for ans = np.linalg.norm(x, ord, axis, keepdims), shaped like x."""
    if np.ndim(axis) == 1 and len(axis) == 1:
        axis = axis[0]
    if axis is None and ord is not None and np.ndim(x) == 2:
        axis = (0, 1)
    if np.ndim(axis) == 1:
        return _matrix_norm_partial(x, ans, ord, tuple(axis), keepdims)
    return _vector_norm_partial(x, ans, ord, axis, keepdims)


@helper
def _einsum_adjoint(g, subscripts, k, *operands):
    """The adjoint of np.einsum(subscripts, *operands) with respect to operands[k]: any
    form (implicit output, '...', repeated labels such as 'ii', broadcast '...')."""
    ins, out = _einsum_labels(subscripts, operands)
    mine = ins[k]
    shape = np.shape(operands[k])
    known = set(out).union(*[s for i, s in enumerate(ins) if i != k])
    keep = "".join(dict.fromkeys(c for c in mine if c in known))
    others = [s for i, s in enumerate(ins) if i != k]
    rest = [x for i, x in enumerate(operands) if i != k]
    part = np.einsum(",".join([out] + others) + "->" + keep, g, *rest)
    sizes = dict(zip(mine, shape))
    full = "".join(dict.fromkeys(mine))
    for c in full:  # labels only operands[k] has: summed in the primal, spread here
        if c not in keep:
            part = np.expand_dims(part, -1)
            keep += c
    part = np.broadcast_to(np.einsum(keep + "->" + full, part),
                           tuple(sizes[c] if sizes[c] != 1 else np.shape(part)[keep.index(c)]
                                 for c in full))
    part = np.sum(part, axis=tuple(i for i, c in enumerate(full)
                                   if sizes[c] == 1 and np.shape(part)[i] != 1), keepdims=True)
    if full == mine:
        return np.array(part)
    grad = np.zeros(shape)
    np.einsum(mine + "->" + full, grad)[...] = part  # a writeable view of the diagonal
    return grad


@helper
def _einsum_sublists(out, *ins):
    """The subscripts string of np.einsum(a, [0, 1], b, [1, 2], [0, 2]), the sublist
    form (`ins` the operands' sublists, `out` the output's or None): labels 0..51 are
    letters, Ellipsis is '...'."""
    def labels(sub):
        if not isinstance(sub, (list, tuple)) or not all(
                s is Ellipsis or isinstance(s, (int, np.integer)) and 0 <= s < 52 for s in sub):
            raise ValueError(f"srcdiff read np.einsum as the sublist form einsum(a, [0, 1], "
                             f"b, [1, 2]), which takes lists of labels 0..51 and Ellipsis, "
                             f"not {sub!r}; give a subscripts string as a constant (a "
                             f"literal, a global or a string argument)")
        return "".join("..." if s is Ellipsis else
                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[s] for s in sub)
    spec = ",".join(map(labels, ins))
    return spec if out is None else spec + "->" + labels(out)


@helper
def _einsum_labels(subscripts, operands):
    """The input and output labels of an einsum, '...' spelled out as capital-free
    letters and the implicit output made explicit."""
    spec = subscripts.replace(" ", "")
    ins, arrow, out = spec.partition("->")
    ins = ins.split(",")
    used = set(spec)
    spare = [c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in used]
    wide = max([np.ndim(x) - len(s.replace("...", "")) for s, x in zip(ins, operands)
                if "..." in s] or [0])
    ell = "".join(spare[:wide][::-1])
    labels = []
    for s, x in zip(ins, operands):
        n = np.ndim(x) - len(s.replace("...", ""))
        labels.append(s.replace("...", ell[wide - n:] if n else ""))
    if not arrow:
        once = sorted(c for c in set("".join(ins).replace(".", ""))
                      if "".join(ins).count(c) == 1)
        out = ("..." if "..." in spec else "") + "".join(once)
    return labels, out.replace("...", ell)


@helper
def _kron_adjoint(g, a, b, wrt_b):
    """The adjoint of np.kron(a, b) with respect to a, or b when wrt_b."""
    nd = max(np.ndim(a), np.ndim(b), 1)
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    blocks = np.reshape(g, [n for pair in zip(sa, sb) for n in pair])
    if wrt_b:
        out = np.tensordot(np.reshape(a, sa), blocks, (range(nd), range(0, 2 * nd, 2)))
        return np.reshape(out, np.shape(b))
    out = np.tensordot(blocks, np.reshape(b, sb), (range(1, 2 * nd, 2), range(nd)))
    return np.reshape(out, np.shape(a))


@helper
def _trace_adjoint(g, a, offset, axis1, axis2):
    """The adjoint of np.trace(a, offset, axis1, axis2): g on that diagonal."""
    n, m = np.shape(a)[axis1], np.shape(a)[axis2]
    out = np.multiply.outer(np.eye(n, m, offset), g)
    return np.moveaxis(out, (0, 1), (axis1 % np.ndim(a), axis2 % np.ndim(a)))


LINALG_HELPERS = [k for k in HELPERS if k not in _BEFORE_LINALG]
NUMPY_HELPERS += LINALG_HELPERS
# ----- shaping and statistics (rules/shaping.py) -----
_SHAPING: dict[str, str] = {}  # (joined to HELPERS below: their order in emitted code)


def shaping(fn):
    return helper(fn, _SHAPING)


@shaping
def _zero_items(x):
    """A zero adjoint for a list of arrays x (np.split's pieces), one item per array
    (per list, for a list of lists)."""
    return _items([_zero_items(p) if isinstance(p, (list, tuple)) else np.zeros(np.shape(p))
                   for p in x])


@shaping
def _flat_ids(x):
    """Each entry's flat index, shaped like x: a copying function applied to it tells
    where each output entry came from."""
    return np.reshape(np.arange(np.size(x)), np.shape(x))


@shaping
def _gathered(g, ids, x):
    """The adjoint of a function that copies entries of x (`ids`: the flat index in x of
    each output entry, -1 for none): g summed into x's shape."""
    ids = np.ravel(ids)
    keep = ids >= 0
    g = np.ravel(np.broadcast_to(g, np.shape(ids)) if np.ndim(g) == 0 else g)
    return np.reshape(np.bincount(ids[keep], g[keep], np.size(x)), np.shape(x))


@shaping
def _pad_values_adjoint(g, x, pad_width, values):
    """The adjoint of np.pad(x, pad_width, constant_values=values) with respect to values:
    g summed over the entries each (axis, side) value fills."""
    n = np.ndim(x)
    out = np.zeros((n, 2))
    for i in range(n):
        for j in range(2):
            one = np.zeros((n, 2))
            one[i, j] = 1.0
            out[i, j] = np.sum(g * np.pad(np.zeros(np.shape(x)), pad_width, constant_values=one))
    return _unbroadcast(out, values)


@shaping
def _diff_adjoint(g, n, axis):
    """The adjoint of np.diff(x, n, axis): (-1)**n times the n-th difference of g padded
    with n zeros on each side."""
    width = [(0, 0)] * np.ndim(g)
    width[axis] = (n, n)
    return (-1) ** n * np.diff(np.pad(g, width), n, axis)


@shaping
def _diff_pieces(gc, a, prepend, append, axis):
    """The cotangent gc of np.diff's input [prepend, a, append] (joined along axis; a
    scalar prepend or append is one slice) cut into those three parts."""
    parts = (prepend, a, append)
    sizes = [0 if v is None else np.shape(v)[axis] if np.ndim(v) else 1 for v in parts]
    cut = np.split(gc, np.cumsum(sizes)[:-1], axis=axis)
    return [None if v is None else _unbroadcast(p, v) for p, v in zip(cut, parts)]


@shaping
def _gradient_adjoint(g, f, spacing, axis, edge_order):
    """The adjoint of np.gradient(f, *spacing, axis=axis, edge_order=edge_order): per axis,
    the difference matrix (np.gradient of the identity), transposed, applied to its part."""
    f = np.asarray(f)
    axes = range(f.ndim) if axis is None else np.atleast_1d(axis)
    axes = [int(a) % f.ndim for a in axes]
    parts = [g] if len(axes) == 1 else list(g)
    spacing = list(spacing) or [1.0]
    spacing = spacing * len(axes) if len(spacing) == 1 else spacing
    out = np.zeros(f.shape)
    for ax, h, gi in zip(axes, spacing, parts):
        d = np.gradient(np.eye(f.shape[ax]), h, axis=0, edge_order=edge_order)
        out += np.moveaxis(np.tensordot(d, np.moveaxis(gi, ax, 0), (0, 0)), 0, ax)
    return out


@shaping
def _cumprod_adjoint(g, x, axis):
    """The adjoint of np.cumprod(x, axis), exact at zeros: d_i = L_i * S_i with L the
    exclusive cumulative product and S_i = g_i + x_(i+1) * S_(i+1), run backwards."""
    x = np.asarray(x, dtype=float)
    if axis is None:
        return np.reshape(_cumprod_adjoint(np.ravel(g), np.ravel(x), 0), np.shape(x))
    xm = np.moveaxis(x, axis, 0)
    gm = np.moveaxis(np.broadcast_to(g, x.shape), axis, 0)
    left = np.cumprod(np.concatenate([np.ones_like(xm[:1]), xm[:-1]]), axis=0)
    s = np.zeros(xm.shape)
    acc = np.zeros(xm.shape[1:])
    for i in range(len(xm) - 1, -1, -1):
        acc = gm[i] + (xm[i + 1] * acc if i + 1 < len(xm) else 0.0)
        s[i] = acc
    return np.moveaxis(left * s, 0, axis)


@shaping
def _cumprod_tangent(t, x, axis):
    """The tangent of np.cumprod(x, axis): dP_k = dP_(k-1) * x_k + P_(k-1) * t_k."""
    x = np.asarray(x, dtype=float)
    t = np.broadcast_to(t, x.shape)
    if axis is None:
        return _cumprod_tangent(np.ravel(t), np.ravel(x), 0)
    xm, tm = np.moveaxis(x, axis, 0), np.moveaxis(t, axis, 0)
    out = np.zeros(xm.shape)
    p, dp = 1.0, 0.0
    for i in range(len(xm)):
        dp = dp * xm[i] + p * tm[i]
        p = p * xm[i]
        out[i] = dp
    return np.moveaxis(out, 0, axis)


@shaping
def _unstack(g, tup, axis, stack):
    """The adjoint of stack(tup) (np.column_stack, np.dstack: each item lifted, then joined
    along axis): g cut into one piece per item, in the item's shape."""
    sizes = [np.shape(stack([x]))[axis] for x in tup]
    pieces = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    return _items([np.reshape(p, np.shape(x)) for p, x in zip(pieces, tup)])


@shaping
def _unrollaxis(g, a, axis, start):
    """The adjoint of np.rollaxis(a, axis, start): the axis moved back."""
    n = np.ndim(a)
    axis, start = axis % n, start + n if start < 0 else start
    return np.moveaxis(g, start - 1 if start > axis else start, axis)


@shaping
def _dsinc(x):
    """d sinc(x) / dx = (cos(pi x) - sinc(x)) / x, and its limit 0 at x = 0."""
    x = np.asarray(x, dtype=float)
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 0.0, (np.cos(np.pi * safe) - np.sinc(safe)) / safe)


@shaping
def _quantile_weights(x, q, axis, method):
    """(w, axes): np.quantile(x, q, axis, method=method) == np.sum(w * x, axes), w shaped
    q.shape + x.shape. The weights sit on the sorted positions the interpolation uses
    (ranks by stable sort, so tied entries are told apart as a sort-based quantile does)."""
    x = np.asarray(x, dtype=float)
    axes = list(range(x.ndim)) if axis is None else [int(a) % x.ndim for a in np.atleast_1d(axis)]
    keep = [a for a in range(x.ndim) if a not in axes]
    xt = np.transpose(x, keep + axes)
    flat = np.reshape(xt, xt.shape[:len(keep)] + (-1,))
    n = flat.shape[-1]
    h = np.quantile(np.arange(n), q, method=method)  # the position the result interpolates
    lo = np.floor(h)
    f, hi = h - lo, np.minimum(lo + 1, n - 1)
    rank = np.argsort(np.argsort(flat, axis=-1, kind="stable"), axis=-1, kind="stable")
    qnd, tail = np.ndim(h), (1,) * flat.ndim
    lo, hi, f = (np.reshape(v, np.shape(v) + tail) for v in (lo, hi, f))
    w = (rank == lo) * (1 - f) + (rank == hi) * f
    w = np.reshape(w, np.shape(h) + xt.shape)
    order = list(range(qnd)) + [qnd + i for i in np.argsort(keep + axes)]
    return np.transpose(w, order), tuple(qnd + a for a in axes)


@shaping
def _quantile_adjoint(g, x, q, axis, method, keepdims):
    """The adjoint of np.quantile(x, q, axis, method=method, keepdims=keepdims)."""
    w, axes = _quantile_weights(x, q, axis, method)
    if not keepdims:
        g = np.reshape(g, np.shape(g) + (1,) * np.ndim(x)) if axis is None else (
            np.expand_dims(g, axes))
    return np.sum(g * w, axis=tuple(range(np.ndim(w) - np.ndim(x))))


@shaping
def _quantile_tangent(t, x, q, axis, method, keepdims):
    """The tangent of np.quantile(x, q, axis, method=method, keepdims=keepdims)."""
    w, axes = _quantile_weights(x, q, axis, method)
    return np.sum(w * t, axis=axes, keepdims=keepdims)


@shaping
def _nanvar_adjoint(g, x, axis, ddof, keepdims):
    """The adjoint of np.nanvar(x, axis, ddof=ddof, keepdims=keepdims): nan entries get 0."""
    ok = ~np.isnan(x)
    n = np.sum(ok, axis=axis, keepdims=True)
    centered = np.where(ok, x - np.nanmean(x, axis=axis, keepdims=True), 0.0)
    return _expand(g, x, axis, keepdims) * centered * (2 / (n - ddof))


@shaping
def _nanprod_partials(x, axis):
    """Each entry's partial of np.nanprod(x, axis): the product of the other non-nan
    entries (exact at zeros), 0 for a nan entry."""
    nan = np.isnan(x)
    return np.where(nan, 0.0, _prod_others(np.where(nan, 1.0, x), axis))


@shaping
def _average_weights(w, a, axis):
    """np.average's weights broadcast against a (weights shaped like a's axes lie along
    those axes)."""
    w = np.asarray(w, dtype=float)
    if np.shape(w) != np.shape(a):
        axes = [int(i) % np.ndim(a) for i in np.atleast_1d(axis)]
        w = np.transpose(w, np.argsort(axes))
        w = np.reshape(w, [n if i in axes else 1 for i, n in enumerate(np.shape(a))])
    return np.broadcast_to(w, np.shape(a))


@shaping
def _average_adjoint(g, a, w, axis, keepdims, wrt_weights):
    """The adjoint of np.average(a, axis, weights=w, keepdims=keepdims), for a or for w."""
    a = np.asarray(a, dtype=float)
    ww = _average_weights(w, a, axis)
    total = np.sum(ww, axis=axis, keepdims=True)
    ge = _expand(g, a, axis, keepdims) / total
    if not wrt_weights:
        return ge * ww
    d = ge * (a - np.sum(a * ww, axis=axis, keepdims=True) / total)
    if np.shape(w) == np.shape(a):
        return d
    axes = [int(i) % a.ndim for i in np.atleast_1d(axis)]
    d = np.sum(d, axis=tuple(i for i in range(a.ndim) if i not in axes))
    return np.transpose(d, np.argsort(np.argsort(axes)))


@shaping
def _average_tangent(t, a, w, axis, keepdims):
    """The tangent of np.average(a, axis, weights=w, keepdims=keepdims) along w's tangent."""
    a = np.asarray(a, dtype=float)
    ww, tw = _average_weights(w, a, axis), _average_weights(t, a, axis)
    total = np.sum(ww, axis=axis, keepdims=True)
    centered = a - np.sum(a * ww, axis=axis, keepdims=True) / total
    return np.sum(tw * centered, axis=axis, keepdims=keepdims) / np.sum(
        ww, axis=axis, keepdims=keepdims)


@shaping
def _ptp_weights(x, axis):
    """The partials of np.ptp(x, axis) = max - min: ties share their max's (min's) 1."""
    hi = x == np.max(x, axis=axis, keepdims=True)
    lo = x == np.min(x, axis=axis, keepdims=True)
    return hi / np.sum(hi, axis=axis, keepdims=True) - lo / np.sum(lo, axis=axis, keepdims=True)


@shaping
def _cov_rows(m, y, rowvar):
    """np.cov's data as a matrix with one variable per row (m's, then y's)."""
    rows = []
    for v in (m, y):
        if v is not None:
            v = np.atleast_2d(np.asarray(v, dtype=float))
            rows.append(v.T if not rowvar and v.shape[0] != 1 else v)
    return np.concatenate(rows, axis=0)


@shaping
def _cov_adjoint(g, m, y, rowvar, bias, ddof, wrt_y):
    """The adjoint of np.cov(m, y, rowvar, bias, ddof) with respect to m, or y when wrt_y."""
    x = _cov_rows(m, y, rowvar)
    ddof = (0 if bias else 1) if ddof is None else ddof
    g = np.reshape(g, (len(x), len(x)))
    d = (g + g.T) @ (x - np.mean(x, axis=1, keepdims=True)) / (x.shape[1] - ddof)
    k = len(_cov_rows(m, None, rowvar))
    v, d = (y, d[k:]) if wrt_y else (m, d[:k])
    d = d.T if not rowvar and np.atleast_2d(v).shape[0] != 1 else d
    return np.reshape(d, np.shape(v))


@shaping
def _cov_tangent(tm, ty, m, y, rowvar, bias, ddof, ans):
    """The tangent of ans = np.cov(m, y, rowvar, bias, ddof) along (tm, ty) (None: zero)."""
    x = _cov_rows(m, y, rowvar)
    tm = np.zeros(np.shape(m)) if tm is None else np.broadcast_to(tm, np.shape(m))
    ty = None if y is None else np.zeros(np.shape(y)) if ty is None else ty
    dx = _cov_rows(tm, ty, rowvar)
    ddof = (0 if bias else 1) if ddof is None else ddof
    xc, dxc = x - np.mean(x, axis=1, keepdims=True), dx - np.mean(dx, axis=1, keepdims=True)
    dc = dxc @ xc.T
    return np.reshape((dc + dc.T) / (x.shape[1] - ddof), np.shape(ans))


@shaping
def _corrcoef_adjoint(g, x, y, rowvar, ans, wrt_y):
    """The adjoint of ans = np.corrcoef(x, y, rowvar) with respect to x, or y when wrt_y:
    R = C / sqrt(d d^T) with d = diag(C), back through np.cov."""
    c = np.atleast_2d(np.cov(x, y, rowvar))
    d = np.diag(c)
    r, g = np.reshape(ans, c.shape), np.reshape(g, c.shape)
    gr = g * r
    gc = g / np.sqrt(np.outer(d, d)) - np.diag(np.sum(gr + gr.T, axis=1) / (2 * d))
    return _cov_adjoint(gc, x, y, rowvar, False, None, wrt_y)


@shaping
def _corrcoef_tangent(tx, ty, x, y, rowvar, ans):
    """The tangent of ans = np.corrcoef(x, y, rowvar) along (tx, ty) (None: zero)."""
    c = np.atleast_2d(np.cov(x, y, rowvar))
    dc = np.reshape(_cov_tangent(tx, ty, x, y, rowvar, False, None, c), c.shape)
    d, dd = np.diag(c), np.diag(dc)
    r = np.reshape(ans, c.shape)
    half = dd / (2 * d)
    dr = dc / np.sqrt(np.outer(d, d)) - r * (half[:, None] + half[None, :])
    return np.reshape(dr, np.shape(ans))


@shaping
def _trapezoid_weights(y, x, dx, axis):
    """w with np.trapezoid(y, x, dx, axis) == np.sum(w * y, axis): half the spacing on
    each side of each sample."""
    nd = np.ndim(y)
    axis, n = axis % nd, np.shape(y)[axis]
    d = np.full(n - 1, dx, dtype=float) if x is None else np.diff(
        x, axis=axis if np.ndim(x) > 1 else -1)
    if np.ndim(d) == 1:
        d = np.reshape(d, [n - 1 if i == axis else 1 for i in range(nd)])
    return _half_sides(d, axis)


@shaping
def _half_sides(d, axis):
    """Per sample, half the sum of d's entries on each side of it along axis (d holds one
    entry per gap between neighbouring samples; the ends have one side)."""
    width = [(0, 0)] * np.ndim(d)
    width[axis] = (1, 0)
    left = np.pad(d, width)
    width[axis] = (0, 1)
    return (left + np.pad(d, width)) / 2


@shaping
def _trapezoid_means(y, axis):
    """The means of neighbouring samples of y along axis (np.trapezoid's partials in x)."""
    y = np.asarray(y, dtype=float)
    n = y.shape[axis]
    return (np.take(y, range(1, n), axis) + np.take(y, range(n - 1), axis)) / 2


@shaping
def _trapezoid_x_adjoint(g, y, x, axis):
    """The adjoint of np.trapezoid(y, x, axis=axis) with respect to the sample points x."""
    nd = np.ndim(y)
    axis = axis % nd
    d = -np.diff(np.expand_dims(g, axis) * _trapezoid_means(y, axis), axis=axis, prepend=0,
                 append=0)
    if np.ndim(x) == 1 and nd > 1:
        d = np.sum(d, axis=tuple(i for i in range(nd) if i != axis))
    return d


@shaping
def _trapezoid_x_tangent(t, y, axis):
    """The tangent of np.trapezoid(y, x, axis=axis) along x's tangent t."""
    nd = np.ndim(y)
    axis = axis % nd
    d = np.diff(t, axis=axis if np.ndim(t) > 1 else -1)
    if np.ndim(d) == 1 and nd > 1:
        d = np.reshape(d, [-1 if i == axis else 1 for i in range(nd)])
    return np.sum(d * _trapezoid_means(y, axis), axis=axis)


@shaping
def _interp_partials(x, xp, fp):
    """JAX's segments of np.interp(x, xp, fp): (i, s, slope, below, above) with x between
    xp[i - 1] and xp[i] (i clipped to 1..len(xp) - 1, so a knot takes the segment on its
    right, the last knot the last segment), s its fraction of the way, slope the segment's."""
    x, xp, fp = (np.asarray(v, dtype=float) for v in (x, xp, fp))
    i = np.clip(np.searchsorted(xp, x, side="right"), 1, len(xp) - 1)
    width = xp[i] - xp[i - 1]
    flat = np.abs(width) <= np.spacing(np.finfo(float).eps)
    width = np.where(flat, 1.0, width)
    inside = (x >= xp[0]) & (x <= xp[-1])
    s = np.where(flat, 0.0, (x - xp[i - 1]) / width) * inside
    slope = np.where(flat, 0.0, (fp[i] - fp[i - 1]) / width) * inside
    return i, s, slope, x < xp[0], x > xp[-1]


@shaping
def _interp_adjoint(g, x, xp, fp, left, right, wrt):
    """The adjoint of np.interp(x, xp, fp, left, right) with respect to `wrt`."""
    i, s, slope, below, above = _interp_partials(x, xp, fp)
    g = np.broadcast_to(g, np.shape(i))
    if wrt == "x":
        return g * slope
    if wrt == "left":
        return np.sum(g * below)
    if wrt == "right":
        return np.sum(g * above)
    out = np.zeros(np.shape(fp if wrt == "fp" else xp))
    inside = ~(below | above)
    lo, hi = (g * (1 - s) * inside, g * s) if wrt == "fp" else (g * slope * (s - 1), -g * slope * s)
    np.add.at(out, i - 1, lo)
    np.add.at(out, i, hi)
    if wrt == "fp":
        out[0] += 0.0 if left is not None else np.sum(g * below)
        out[-1] += 0.0 if right is not None else np.sum(g * above)
    return out


@shaping
def _interp_tangent(t, x, xp, fp, left, right, wrt):
    """The tangent of np.interp(x, xp, fp, left, right) along `wrt`'s tangent t."""
    i, s, slope, below, above = _interp_partials(x, xp, fp)
    if wrt == "x":
        return t * slope
    if wrt == "left":
        return t * below
    if wrt == "right":
        return t * above
    t = np.asarray(t, dtype=float)
    if wrt == "xp":
        return t[i - 1] * slope * (s - 1) - t[i] * slope * s
    inside = ~(below | above)
    out = (t[i - 1] * (1 - s) + t[i] * s) * inside
    return out + (0.0 if left is not None else t[0] * below) + (
        0.0 if right is not None else t[-1] * above)


@shaping
def _convolve_adjoint(g, a, v, mode, later=False):
    """The adjoint of np.convolve(a, v, mode) with respect to a: g put back in place in the
    full output, then correlated with v. `later`: mode 'same' starts half a step later (as
    np.correlate's does when its first operand is the shorter)."""
    n, m = np.size(a), np.size(v)
    full = np.zeros(n + m - 1)
    start = {"f": 0, "s": (min(n, m) - 1 + later) // 2, "v": min(n, m) - 1}[mode[0]]
    full[start:start + np.size(g)] = g
    return np.correlate(full, v, "valid")


@shaping
def _vander_deriv(x, N, increasing):
    """d np.vander(x, N, increasing) / dx, entry by entry: k x**(k - 1) for power k."""
    x = np.asarray(x, dtype=float)
    k = np.arange(len(x) if N is None else N)
    k = k if increasing else k[::-1]
    return k * x[:, None] ** np.maximum(k - 1, 0)


@shaping
def _select_adjoint(g, condlist, choicelist):
    """The adjoints of np.select's choices: g where a choice was the first whose condition
    held, summed back to the choice's shape."""
    taken = np.zeros(np.shape(g), dtype=bool)
    out = []
    for c, x in zip(condlist, choicelist):
        pick = np.asarray(c, dtype=bool) & ~taken
        taken = taken | pick
        out.append(_unbroadcast(np.where(pick, g, 0.0), x))
    return _items(out)


HELPERS.update(_SHAPING)
NUMPY_HELPERS += list(_SHAPING)


# ----- issue 15 fixes -----
@helper
def _written(g, index):
    """g[index], 0 where a repeated index was written again later (NumPy keeps the last)."""
    part = g[index]
    parts = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(i, (list, np.ndarray)) and np.asarray(i).dtype != bool
               for i in parts):
        return part  # basic indices and masks write each entry at most once
    order = np.reshape(np.arange(np.size(part)), np.shape(part))
    writer = np.full(np.shape(g), -1)
    writer[index] = order  # the same assignment: each entry keeps its last writer
    return np.where(writer[index] == order, part, 0.0)


@helper
def _std_adjoint(g, x, ans, axis, ddof, keepdims, skipnan=False):
    """The adjoint of ans = np.std(x, ...) (np.nanstd when skipnan): the variance's over
    2 * ans, but 0 where a slice holds one number (its std is the constant 0: not 0 / 0)."""
    if skipnan:
        count = np.sum(~np.isnan(x), axis=axis, keepdims=keepdims)
    else:
        count = np.size(x) / np.size(ans)
    one = count == 1
    g = np.where(one, 0.0, g / np.where(one, 1.0, 2 * ans))
    if skipnan:
        return _nanvar_adjoint(g, x, axis, ddof, keepdims)
    return _var_adjoint(g, x, ans, axis, ddof, keepdims)


# ----- math and SciPy rules (issue 18) -----
@helper
def _digamma(x):
    """d lgamma(x) / dx of a float, to rounding (the math module has no digamma)."""
    # reflection below 1/2, the recurrence up to 10, then the asymptotic series
    if x < 0.5:
        return _digamma(1.0 - x) - float(np.pi / np.tan(np.pi * x))
    shift = 0.0
    while x < 10.0:
        shift -= 1.0 / x
        x += 1.0
    w = 1.0 / (x * x)
    series = w * (1 / 12 - w * (1 / 120 - w * (1 / 252 - w * (1 / 240 - w * (
        1 / 132 - w * 691 / 32760)))))
    return shift + float(np.log(x)) - 0.5 / x - series


@helper
def _trigamma(x):
    """d digamma(x) / dx of a float, to rounding (for second derivatives of gamma)."""
    if x < 0.5:  # reflection: trigamma(1 - x) + trigamma(x) = pi^2 / sin(pi x)^2
        return float((np.pi / np.sin(np.pi * x)) ** 2) - _trigamma(1.0 - x)
    shift = 0.0
    while x < 10.0:
        shift += 1.0 / (x * x)
        x += 1.0
    w = 1.0 / (x * x)
    series = w * (1 / 6 - w * (1 / 30 - w * (1 / 42 - w * (1 / 30 - w * (
        5 / 66 - w * 691 / 2730)))))
    return shift + (1 + 0.5 / x + series) / x


# SciPy's modules, for the rules of srcdiff/rules/scipy_rules.py (imported only by code
# whose primal calls SciPy)
HELPERS["_special"] = "from scipy import special as _special\n"
HELPERS["_linalg"] = "from scipy import linalg as _linalg\n"
HELPERS["_signal"] = "from scipy import signal as _signal\n"


@helper
def _signal_convolve_adjoint(g, a, b):
    """The adjoint of scipy.signal.convolve(a, b, mode) in a: g placed where its
    mode's result lies in the full convolution (centred: 'same' and 'valid' are its
    middle), correlated with b over the positions of a."""
    full = np.add(np.shape(a), np.shape(b)) - 1
    start = (full - np.shape(g)) // 2
    gf = np.zeros(full)
    gf[tuple(slice(i, i + n) for i, n in zip(start, np.shape(g)))] = g
    return _signal.correlate(gf, b, mode="valid")  # noqa: F821 (its import is emitted)


@helper
def _outer_last(u, v):
    """u v^T over the last two axes (of vectors u, v: their outer product)."""
    return np.multiply.outer(u, v) if np.ndim(u) == 1 else u @ np.swapaxes(v, -1, -2)


@helper
def _cho_solve_adjoint(g, c_and_lower, x):
    """The adjoint of x = scipy.linalg.cho_solve((c, lower), b) in (c, lower): the
    triangle of c read is a factor F of A (F F^T when lower, else F^T F), whose adjoint
    gets that of A, -A^-1 g x^T, symmetrised; lower gets nothing."""
    c, lower = c_and_lower[0], np.any(c_and_lower[1])  # (one flag per matrix of a stack)
    ga = -_outer_last(_linalg.cho_solve(c_and_lower, g), x)  # noqa: F821 (its import is emitted)
    ga = ga + np.swapaxes(ga, -1, -2)
    gc = np.tril(ga @ np.tril(c)) if lower else np.triu(np.triu(c) @ ga)
    return _items([_unbroadcast(gc, c), 0.0])


@helper
def _cho_solve_tangent(t, c_and_lower, x):
    """The tangent of x = scipy.linalg.cho_solve((c, lower), b) along (c, lower)'s t."""
    c, lower = c_and_lower[0], np.any(c_and_lower[1])  # (one flag per matrix of a stack)
    f, df = (np.tril(c), np.tril(t[0])) if lower else (
        np.swapaxes(np.triu(c), -1, -2), np.swapaxes(np.triu(t[0]), -1, -2))
    da = df @ np.swapaxes(f, -1, -2)
    return -_linalg.cho_solve(c_and_lower, (da + np.swapaxes(da, -1, -2)) @ x)  # noqa: F821


@helper
def _mvn_parts(x, mean, cov):
    """scipy.stats.multivariate_normal at (x, mean, cov), as SciPy computes it: the rows
    r = x - mean (x's points, SciPy's reading of x), cov^-1 r and cov^-1, of the covariance
    SciPy builds (cov times I for a number, its diagonal for a vector, the symmetric
    matrix of its lower triangle, which SciPy's eigh reads, for a matrix)."""
    cov = np.asarray(cov, dtype=float)
    d = np.size(mean) if mean is not None else len(cov) if np.ndim(cov) else (
        np.shape(x)[-1] if np.ndim(x) else 1)
    c = (cov * np.eye(d) if np.ndim(cov) == 0 else np.diag(cov) if np.ndim(cov) == 1
         else np.tril(cov) + np.tril(cov, -1).T)
    x = np.asarray(x, dtype=float)
    rows = x.reshape(-1, 1) if d == 1 and np.ndim(x) <= 1 else np.atleast_2d(x)
    r = rows - (0.0 if mean is None else np.reshape(mean, d))
    if np.linalg.matrix_rank(c) < d:  # (allow_singular: SciPy's pseudo-inverse density)
        raise ArithmeticError("multivariate_normal with a singular covariance: srcdiff "
                              "differentiates its density for a nonsingular one only")
    inv = np.linalg.inv(c)
    return r, r @ inv, inv


@helper
def _mvn_cov_adjoint(G, cov):
    """The adjoint of cov from G, that of the symmetric covariance SciPy builds from it."""
    if np.ndim(cov) == 0:
        return np.trace(G)
    if np.ndim(cov) == 1:
        return np.diag(G).copy()
    return np.tril(G + G.T) - np.diag(np.diag(G))


@helper
def _mvn_cov_tangent(t, cov, d):
    """The tangent of the symmetric covariance SciPy builds from cov, along cov's t."""
    t = np.asarray(t, dtype=float)
    return (t * np.eye(d) if np.ndim(cov) == 0 else np.diag(t) if np.ndim(cov) == 1
            else np.tril(t) + np.tril(t, -1).T)


@helper
def _mvn_logpdf_adjoint(g, x, mean, cov, which):
    """The adjoint of multivariate_normal.logpdf(x, mean, cov) in x (which 0), mean (1)
    or cov (2): g per point times -cov^-1 r, cov^-1 r, -(cov^-1 - cov^-1 r r^T cov^-1) / 2."""
    r, s, inv = _mvn_parts(x, mean, cov)
    g = np.reshape(g, len(r))  # (SciPy squeezes the points' axis of one point)
    if which == 0:
        return np.reshape(-g[:, None] * s, np.shape(x))
    if which == 1:
        return np.reshape(g @ s, np.shape(mean))
    return _mvn_cov_adjoint(-0.5 * (np.sum(g) * inv - (g[:, None] * s).T @ s), cov)


@helper
def _mvn_logpdf_tangent(t, x, mean, cov, which, ans):
    """The tangent of multivariate_normal.logpdf(x, mean, cov) along t in x, mean or cov."""
    r, s, inv = _mvn_parts(x, mean, cov)
    if which == 0:
        tx = np.asarray(t, dtype=float)
        d = -np.sum(s * (tx.reshape(-1, 1) if np.shape(r)[1] == 1 and tx.ndim <= 1
                         else np.atleast_2d(tx)), axis=-1)
    elif which == 1:
        d = s @ np.reshape(t, len(inv))
    else:
        ts = _mvn_cov_tangent(t, cov, len(inv))
        d = -0.5 * (np.sum(inv * ts) - np.sum((s @ ts) * s, axis=-1))
    return np.reshape(d, np.shape(ans))


@helper
def _mvn_entropy_adjoint(g, mean, cov):
    """The adjoint of multivariate_normal.entropy(mean, cov) = log det(2 pi e cov) / 2 in
    cov: g cov^-1 / 2."""
    _, _, inv = _mvn_parts(np.zeros(np.size(mean)) if mean is not None else 0.0, mean, cov)
    return _mvn_cov_adjoint(0.5 * g * inv, cov)


@helper
def _mvn_entropy_tangent(t, mean, cov):
    """The tangent of multivariate_normal.entropy(mean, cov) along cov's t."""
    _, _, inv = _mvn_parts(np.zeros(np.size(mean)) if mean is not None else 0.0, mean, cov)
    return 0.5 * np.sum(inv * _mvn_cov_tangent(t, cov, len(inv)))


# ----- the helpers' own derivatives, so second-order code runs through them
# (rules/helpers.py) -----
_BEFORE_SECOND = set(HELPERS)


@helper
def _ungathered(g, ids):
    """The adjoint of _gathered(., ids, x): each entry of the result reads g at its flat
    index in ids (0 where the index is -1)."""
    ids = np.asarray(ids)
    return np.where(ids >= 0, np.ravel(g)[np.where(ids >= 0, ids, 0)], 0.0)


@helper
def _reconcatenate(g, arrays, axis, ndmin=1):
    """The adjoint of _unconcatenate(., arrays, axis, ndmin): the items of g, one per
    array, joined again as np.concatenate(arrays, axis) joins the arrays."""
    if axis is None:
        return np.concatenate([np.ravel(p) for p in g])
    return np.concatenate([np.reshape(p, np.shape(np.array(x, ndmin=ndmin)))
                           for p, x in zip(g, arrays)], axis)


@helper
def _prod_pairs(t, x, axis):
    """The tangent of _prod_others(x, axis) along t: each entry gets the sum over the
    other entries k of its slice of t_k times the product of the entries but those two
    (exact at zeros). The matrix is symmetric: along a cotangent it is the adjoint."""
    x = np.asarray(x, dtype=float)
    axes = list(range(x.ndim)) if axis is None else [a % x.ndim for a in np.atleast_1d(axis)]
    keep = [a for a in range(x.ndim) if a not in axes]
    xt = np.transpose(x, keep + axes)
    flat = np.reshape(xt, xt.shape[:len(keep)] + (-1,))
    tflat = np.reshape(np.transpose(np.broadcast_to(t, x.shape), keep + axes), flat.shape)
    out = np.zeros(flat.shape)
    for k in range(flat.shape[-1]):
        others = flat.copy()
        others[..., k] = 1.0
        part = _prod_others(others, -1) * tflat[..., k:k + 1]
        part[..., k] = 0.0
        out = out + part
    return np.transpose(np.reshape(out, xt.shape), np.argsort(keep + axes))


@helper
def _convolve_full(g, a, v, mode, later=False):
    """The cotangent g of np.convolve(a, v, mode) put in its place in the full output
    (as _convolve_adjoint does)."""
    n, m = np.size(a), np.size(v)
    full = np.zeros(n + m - 1)
    start = {"f": 0, "s": (min(n, m) - 1 + later) // 2, "v": min(n, m) - 1}[mode[0]]
    full[start:start + np.size(g)] = g
    return full


@helper
def _convolve_transpose(h, g, a, v, mode, later=False):
    """The adjoint of _convolve_adjoint(g, a, v, mode, later) with respect to g: h
    convolved with v, read where g was placed."""
    n, m = np.size(a), np.size(v)
    start = {"f": 0, "s": (min(n, m) - 1 + later) // 2, "v": min(n, m) - 1}[mode[0]]
    return np.convolve(h, v)[start:start + np.size(g)]


@helper
def _norm_form(x, ord, axis, vector):
    """(axis, is a matrix norm) as _norm_partial reads np.linalg.norm's arguments."""
    if vector:
        return axis, False
    if np.ndim(axis) == 1 and len(axis) == 1:
        axis = axis[0]
    if axis is None and ord is not None and np.ndim(x) == 2:
        axis = (0, 1)
    return axis, np.ndim(axis) == 1


@helper
def _norm_tangent(t, x, ans, ord, axis, keepdims, vector=False):
    """The tangent of _norm_partial(x, ans, ord, axis, keepdims) (_vector_norm_partial's
    when vector) along x's tangent t, ans held: the norm's Hessian times t, so along a
    cotangent it is the adjoint too. Zero for the norms whose partial is piecewise
    constant (ord 0, 1, inf, -inf of vectors; 1, -1, inf, -inf of matrices)."""
    x = np.asarray(x, dtype=float)
    axis, matrix = _norm_form(x, ord, axis, vector)
    t = np.broadcast_to(t, x.shape)
    n = _expand(ans, x, axis, keepdims)
    if not matrix:
        p = 2 if ord is None else ord
        if p in (0, 1, np.inf, -np.inf):
            return np.zeros(x.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            if p == 2:
                return np.where(n == 0, 0.0, t / n)
            return (p - 1) * np.abs(x) ** (p - 2) / n ** (p - 1) * t
    if ord in (None, "fro"):
        return t / n
    if ord not in ("nuc", 2, -2):
        return np.zeros(x.shape)
    r, c = [a % x.ndim for a in axis]
    a, ta = np.moveaxis(x, (r, c), (-2, -1)), np.moveaxis(t, (r, c), (-2, -1))
    usv = np.linalg.svd(a, full_matrices=False)
    du, ds, dvh = _svd_tangent(ta, a, usv, False)
    u, vh = usv[0], usv[2]
    if ord != "nuc":
        k = slice(0, 1) if ord == 2 else slice(-1, None)
        u, du, vh, dvh = u[..., :, k], du[..., :, k], vh[..., k, :], dvh[..., k, :]
    return np.moveaxis(du @ vh + u @ dvh, (-2, -1), (r, c))


@helper
def _norm_slope(x, ans, ord, axis, keepdims, vector=False):
    """d _norm_partial(x, ans, ord, axis, keepdims) / d ans, entry by entry (shaped
    like x; _vector_norm_partial's when vector): -(p - 1) partial / ans for a p-norm."""
    x = np.asarray(x, dtype=float)
    axis, matrix = _norm_form(x, ord, axis, vector)
    n = _expand(ans, x, axis, keepdims)
    p = 2 if ord is None or ord == "fro" else ord
    if p in (0, 1, np.inf, -np.inf) or matrix and ord not in (None, "fro"):
        return np.zeros(x.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        if p == 2:
            return np.where(n == 0, 0.0, -x / (n * n))
        return -(p - 1) * np.sign(x) * np.abs(x) ** (p - 1) / n ** p


@helper
def _zeros_of(x):
    """Zeros shaped like x; for an array of items (dtype object: the adjoint of a list of
    arrays of different shapes), one zero item per item."""
    if getattr(x, "dtype", None) == np.dtype(object):
        return _zero_items(x)
    return np.zeros(np.shape(x))


@helper
def _d2sinc(x):
    """d2 sinc(x) / dx2 = -(pi sin(pi x) + 2 _dsinc(x)) / x, and its limit -pi**2 / 3 at 0."""
    x = np.asarray(x, dtype=float)
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, -np.pi ** 2 / 3, -(np.pi * np.sin(np.pi * safe) + 2 * _dsinc(safe))
                    / safe)


@helper
def _gradient_transpose(h, spacing, axis, edge_order):
    """The adjoint of _gradient_adjoint(., f, spacing, axis, edge_order): np.gradient of h,
    one part per axis (an _items array) when there are several."""
    out = np.gradient(h, *spacing, axis=axis, edge_order=edge_order)
    return _items(list(out)) if isinstance(out, (list, tuple)) else out


@helper
def _select_transpose(h, g, condlist):
    """The adjoint of _select_adjoint(g, condlist, choicelist): each choice's cotangent
    where that choice was the first whose condition held, in g's shape."""
    taken = np.zeros(np.shape(g), dtype=bool)
    out = np.zeros(np.shape(g))
    for c, part in zip(condlist, h):
        pick = np.asarray(c, dtype=bool) & ~taken
        taken = taken | pick
        out = out + np.where(pick, part, 0.0)
    return out


@helper
def _trapezoid_y_of_x(h, g, y, axis):
    """The adjoint of _trapezoid_x_adjoint(g, y, x, axis) with respect to y along h: the
    means of neighbouring samples, transposed, applied to g times the differences of h."""
    nd = np.ndim(y)
    axis = axis % nd
    d = np.diff(h, axis=axis if np.ndim(h) > 1 else -1)
    if np.ndim(d) == 1 and nd > 1:
        d = np.reshape(d, [-1 if i == axis else 1 for i in range(nd)])
    shape = list(np.shape(y))
    shape[axis] -= 1
    return _half_sides(np.broadcast_to(np.expand_dims(g, axis) * d, shape), axis)


@helper
def _restack(g, tup, axis, stack):
    """The adjoint of _unstack(., tup, axis, stack): the items of g, one per item of tup,
    joined again as stack(tup) joins them."""
    return np.concatenate([np.reshape(p, np.shape(stack([x]))) for p, x in zip(g, tup)], axis)


NUMPY_HELPERS += [k for k in HELPERS if k not in _BEFORE_SECOND]
