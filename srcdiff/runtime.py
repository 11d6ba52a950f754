"""Helpers the generated code may need, as source text.

They are emitted into the generated function itself (never imported from
srcdiff), so `.source` and `srcdiff grad` output run with only NumPy present.
Each is parsed with `np` replaced by the name `f`'s module uses for NumPy.
"""
from __future__ import annotations

import ast

HELPERS = {
    "_unbroadcast": '''
def _unbroadcast(g, x):
    """Sum g over the axes NumPy broadcast x along, giving x's shape."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    while np.ndim(g) > len(shape):
        g = np.sum(g, axis=0)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    return np.sum(g, axis=axes, keepdims=True) if axes else g
''',
    "_like": '''
def _like(d, x, fresh=False):
    """d as a fresh gradient with x's type and shape (d itself when it is a new
    float array of that shape: `fresh` says nothing else refers to it)."""
    if isinstance(x, np.ndarray):
        if fresh and type(d) is np.ndarray and d.shape == x.shape and d.dtype == float:
            return d
        return np.array(np.broadcast_to(d, x.shape), dtype=float)
    if isinstance(x, (list, tuple)):
        return type(x)(_like(di, xi) for di, xi in zip(np.broadcast_to(d, np.shape(x)), x))
    return float(d)
''',
    "_scatter": '''
def _scatter(g, x, index):
    """The adjoint of x[index]: g added into zeros shaped like x."""
    out = np.zeros(np.shape(x))
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, (list, np.ndarray)) and np.asarray(i).dtype != bool for i in parts):
        np.add.at(out, index, g)  # integer arrays may repeat an entry
    else:
        out[index] = g  # basic indices and masks pick each entry at most once
    return out
''',
}

HELPERS["_zero"] = '''
def _zero(x):
    """A zero tangent shaped like x (a list of them for a list)."""
    if isinstance(x, list):
        return [_zero(a) for a in x]
    return np.zeros(np.shape(x)) if isinstance(x, np.ndarray) else 0.0
'''
HELPERS["_setitem"] = '''
def _setitem(x, index, v):
    """A copy of x with x[index] = v; x itself is left unchanged."""
    x = x.copy() if isinstance(x, np.ndarray) else list(x)
    x[index] = v
    return x
'''
HELPERS["_broadcast"] = '''
def _broadcast(t, ans):
    """A tangent t spread to the shape of the value ans it belongs to."""
    shape = np.shape(ans)
    return t if np.shape(t) == shape else np.broadcast_to(t, shape)
'''
HELPERS["_forward_grad"] = '''
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
        value, grad.flat[k] = tangent(*args, *seeds)
    if value is None:
        value = tangent(*args, *seeds)[0]
    return value, grad
'''

# ----- NumPy adjoints too long for a one-line template (rules/numpy_rules.py) -----
HELPERS["_expand"] = """
def _expand(g, x, axis, keepdims):
    \"\"\"g, shaped like a reduction of x over axis, broadcast back to x's shape.\"\"\"
    if axis is not None and not keepdims and np.ndim(g):
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, np.shape(x))
"""
HELPERS["_ties"] = """
def _ties(x, ans, axis, keepdims):
    \"\"\"Where x equals its max/min ans over axis: 1/(number of ties), else 0.\"\"\"
    hit = x == _expand(ans, x, axis, keepdims)
    return hit / np.sum(hit, axis=axis, keepdims=True)
"""
HELPERS["_prod_others"] = """
def _prod_others(x, axis):
    \"\"\"Each entry's partial of np.prod(x, axis): the product of the others (exact at 0).\"\"\"
    x = np.asarray(x, dtype=float)
    axes = list(range(x.ndim)) if axis is None else [a % x.ndim for a in np.atleast_1d(axis)]
    keep = [a for a in range(x.ndim) if a not in axes]
    xt = np.transpose(x, keep + axes)
    flat = np.reshape(xt, xt.shape[:len(keep)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,))
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
    return np.transpose(np.reshape(left * right, xt.shape), np.argsort(keep + axes))
"""
HELPERS["_var_adjoint"] = """
def _var_adjoint(g, x, ans, axis, ddof, keepdims):
    \"\"\"The adjoint of ans = np.var(x, axis, ddof=ddof, keepdims=keepdims).\"\"\"
    n = np.size(x) / np.size(ans)
    centered = x - np.mean(x, axis=axis, keepdims=True)
    return _expand(g, x, axis, keepdims) * centered * (2 / (n - ddof))
"""
HELPERS["_norm2_adjoint"] = """
def _norm2_adjoint(g, x, ans, axis, keepdims):
    \"\"\"The adjoint of ans = np.linalg.norm(x, 2, axis, keepdims): vector or spectral.\"\"\"
    x = np.asarray(x)
    if np.ndim(axis) == 1 and len(axis) == 1:
        axis = axis[0]
    if (axis is None and x.ndim == 1) or (axis is not None and np.ndim(axis) == 0):
        return _expand(g / ans, x, axis, keepdims) * x
    axes = (0, 1) if axis is None else tuple(axis)
    u, s, vt = np.linalg.svd(np.moveaxis(x, axes, (-2, -1)), full_matrices=False)
    top = np.moveaxis(u[..., :, :1] @ vt[..., :1, :], (-2, -1), axes)
    return _expand(g, x, axes, keepdims) * top
"""
HELPERS["_nuc_adjoint"] = """
def _nuc_adjoint(g, x, axis, keepdims):
    \"\"\"The adjoint of np.linalg.norm(x, 'nuc', axis, keepdims): U @ Vt.\"\"\"
    axes = (0, 1) if axis is None else tuple(axis)
    u, s, vt = np.linalg.svd(np.moveaxis(x, axes, (-2, -1)), full_matrices=False)
    return _expand(g, x, axes, keepdims) * np.moveaxis(u @ vt, (-2, -1), axes)
"""
HELPERS["_dot_adjoint_a"] = """
def _dot_adjoint_a(g, a, b):
    \"\"\"The adjoint of np.dot(a, b) with respect to a.\"\"\"
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return _unbroadcast(g * b, a)
    if b.ndim == 1:
        return np.multiply.outer(g, b)
    g_axes = list(range(a.ndim - 1, np.ndim(g)))
    return np.tensordot(g, b, (g_axes, list(range(b.ndim - 2)) + [b.ndim - 1]))
"""
HELPERS["_dot_adjoint_b"] = """
def _dot_adjoint_b(g, a, b):
    \"\"\"The adjoint of np.dot(a, b) with respect to b.\"\"\"
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return _unbroadcast(g * a, b)
    lead = list(range(a.ndim - 1))
    out = np.tensordot(a, g, (lead, lead))
    return out if b.ndim == 1 else np.moveaxis(out, 0, -2)
"""
HELPERS["_as_matrices"] = """
def _as_matrices(g, a, b):
    \"\"\"a @ b's operands and cotangent as (batches of) matrices: 1-D a is a row, 1-D b a
    column, and g gains the axes they dropped.\"\"\"
    a2 = np.reshape(a, (1, -1)) if np.ndim(a) == 1 else a
    b2 = np.reshape(b, (-1, 1)) if np.ndim(b) == 1 else b
    g2 = np.expand_dims(g, -1) if np.ndim(b) == 1 else g
    g2 = np.expand_dims(g2, -2) if np.ndim(a) == 1 else g2
    return g2, a2, b2
"""
HELPERS["_matmul_adjoint_a"] = """
def _matmul_adjoint_a(g, a, b):
    \"\"\"The adjoint of a @ b with respect to a (1-D operands and batches too).\"\"\"
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(_unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2), np.shape(a))
"""
HELPERS["_matmul_adjoint_b"] = """
def _matmul_adjoint_b(g, a, b):
    \"\"\"The adjoint of a @ b with respect to b (1-D operands and batches too).\"\"\"
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(_unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2), np.shape(b))
"""
HELPERS["_inner_adjoint_a"] = """
def _inner_adjoint_a(g, a, b):
    \"\"\"The adjoint of np.inner(a, b) with respect to a.\"\"\"
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return _unbroadcast(g * b, a)
    g_axes = list(range(a.ndim - 1, np.ndim(g)))
    return np.tensordot(g, b, (g_axes, list(range(b.ndim - 1))))
"""
HELPERS["_inner_adjoint_b"] = """
def _inner_adjoint_b(g, a, b):
    \"\"\"The adjoint of np.inner(a, b) with respect to b.\"\"\"
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return _unbroadcast(g * a, b)
    lead = list(range(a.ndim - 1))
    return np.moveaxis(np.tensordot(a, g, (lead, lead)), 0, -1)
"""
HELPERS["_tensordot_adjoint"] = """
def _tensordot_adjoint(g, a, b, axes, wrt_b):
    \"\"\"The adjoint of np.tensordot(a, b, axes) with respect to a, or b when wrt_b.\"\"\"
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
"""
HELPERS["_diag_adjoint"] = """
def _diag_adjoint(g, v, k):
    \"\"\"The adjoint of np.diag(v, k): builds for 2-D v's diagonal, extracts for 1-D v.\"\"\"
    if np.ndim(v) == 1:
        return np.diag(g, k)
    out = np.zeros(np.shape(v))
    i = np.arange(len(g))
    out[i + max(-k, 0), i + max(k, 0)] = g
    return out
"""
HELPERS["_sort_adjoint"] = """
def _sort_adjoint(g, x, axis):
    \"\"\"The adjoint of np.sort(x, axis): g sent back through the sorting permutation.\"\"\"
    order = np.argsort(x, axis=axis, kind="stable")
    if axis is None:
        out = np.zeros(np.size(x))
        out[order] = np.ravel(g)
        return np.reshape(out, np.shape(x))
    out = np.zeros(np.shape(x))
    np.put_along_axis(out, order, g, axis)
    return out
"""
HELPERS["_unconcatenate"] = """
def _unconcatenate(g, arrays, axis, ndmin=1):
    \"\"\"The adjoint of np.concatenate(arrays, axis): g cut back into one piece per item.\"\"\"
    shapes = [np.shape(x) for x in arrays]
    if axis is None:
        g, axis, sizes = np.ravel(g), 0, [int(np.prod(s)) for s in shapes]
    else:
        sizes = [np.shape(np.array(x, ndmin=ndmin))[axis] for x in arrays]
    pieces = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    out = [np.reshape(p, s) for p, s in zip(pieces, shapes)]
    return np.array(out) if isinstance(arrays, np.ndarray) else out
"""
HELPERS["_cast_adjoint"] = """
def _cast_adjoint(g, ans):
    \"\"\"The adjoint of a dtype cast: g for a floating result, zero for an integer one.\"\"\"
    return g if np.issubdtype(np.result_type(ans), np.inexact) else np.zeros(np.shape(ans))
"""

NUMPY_HELPERS = ["_as_matrices", "_expand", "_ties", "_prod_others", "_var_adjoint",
                 "_norm2_adjoint", "_nuc_adjoint", "_dot_adjoint_a", "_dot_adjoint_b",
                 "_matmul_adjoint_a",
                 "_matmul_adjoint_b", "_inner_adjoint_a", "_inner_adjoint_b",
                 "_tensordot_adjoint", "_diag_adjoint", "_sort_adjoint", "_unconcatenate",
                 "_cast_adjoint"]

ORDER = ["_unbroadcast", "_broadcast", "_scatter", "_setitem", "_zero", "_forward_grad",
         "_like"] + (
    NUMPY_HELPERS)


def helper_defs(used: set[str], np_name: str) -> list[ast.stmt]:
    used = _with_dependencies(used)
    out = []
    for key in ORDER:
        if key in used:
            tree = ast.parse(HELPERS[key])
            for n in ast.walk(tree):
                if isinstance(n, ast.Name) and n.id == "np":
                    n.id = np_name
            out.extend(tree.body)
    return out


def _with_dependencies(used: set[str]) -> set[str]:
    """`used` and every helper that those helpers call, transitively."""
    out, todo = set(), list(used)
    while todo:
        key = todo.pop()
        if key in out or key not in HELPERS:
            out.add(key)
            continue
        out.add(key)
        todo += [n.id for n in ast.walk(ast.parse(HELPERS[key]))
                 if isinstance(n, ast.Name) and n.id in HELPERS and n.id != key]
    return out

# ----- issue 15 fixes -----
# _written: x[index] = v with a repeated integer index keeps only its last write, so v's
# cotangent is zero at the earlier duplicates. _std_adjoint: the std of a single entry
# (a scalar, an axis of length 1) is the constant 0, so its adjoint is 0, not 0 / 0.
HELPERS["_written"] = '''
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
'''
ORDER.append("_written")
HELPERS["_std_adjoint"] = """
def _std_adjoint(g, x, ans, axis, ddof, keepdims):
    \"\"\"The adjoint of ans = np.std(x, ...); the std of one entry is constant: 0.\"\"\"
    if np.size(x) == np.size(ans):
        return np.zeros(np.shape(x))
    return _var_adjoint(g / (2 * ans), x, ans, axis, ddof, keepdims)
"""
ORDER.append("_std_adjoint")
