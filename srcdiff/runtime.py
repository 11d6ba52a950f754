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
def _like(d, x):
    """d as a fresh gradient with x's type and shape."""
    if isinstance(x, np.ndarray):
        return np.array(np.broadcast_to(d, x.shape), dtype=float)
    if isinstance(x, (list, tuple)):
        return type(x)(_like(di, xi) for di, xi in zip(np.broadcast_to(d, np.shape(x)), x))
    return float(d)
''',
    "_scatter": '''
def _scatter(g, x, index):
    """The adjoint of x[index]: g added into zeros shaped like x."""
    out = np.zeros(np.shape(x))
    np.add.at(out, index, g)
    return out
''',
}

HELPERS["_zero"] = '''
def _zero(x):
    """A zero tangent shaped like x."""
    return np.zeros(np.shape(x)) if isinstance(x, np.ndarray) else 0.0
'''
HELPERS["_forward_grad"] = '''
def _forward_grad(tangent, args, i, *primals):
    """(value, d value / d primals[i]): one forward sweep per entry of primals[i]."""
    seeds = [np.zeros(np.shape(p)) if isinstance(p, np.ndarray) else 0.0 for p in primals]
    x = primals[i]
    if not isinstance(x, np.ndarray):
        seeds[i] = 1.0
        value, d = tangent(*args, *seeds)
        return value, float(d)
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

ORDER = ["_unbroadcast", "_scatter", "_zero", "_forward_grad", "_like"]


def helper_defs(used: set[str], np_name: str) -> list[ast.stmt]:
    out = []
    for key in ORDER:
        if key in used:
            tree = ast.parse(HELPERS[key])
            for n in ast.walk(tree):
                if isinstance(n, ast.Name) and n.id == "np":
                    n.id = np_name
            out.extend(tree.body)
    return out
