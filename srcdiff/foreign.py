"""Arrays that are not NumPy's: Dask and CuPy arrays, which NumPy's functions
dispatch to through `__array_function__` and `__array_ufunc__` (NEP 18, NEP 13).

A derivative is NumPy source, so it runs on such an array unchanged wherever each
call names an array of that type among its arguments. A few idioms that are
right for NumPy build NumPy arrays from a shape instead (`np.zeros(np.shape(x))`,
`np.broadcast_to(c, np.shape(x))` of a number `c`), and `np.size` is not
implemented by Dask (it would compute the whole array). A build specialised to a
call with a foreign array rewrites those idioms (`rewrite`) into calls that
dispatch on `x` (`np.zeros_like(x, dtype=float)`, `_spread(c, x)`, `_size(x)`);
builds for NumPy arguments are never rewritten, so their code and speed are
unchanged.

Which values are such arrays is arrays.py's answer. An array that implements
only the array API (`__array_namespace__`, as `array_api_strict` does) is refused:
NumPy's functions would not dispatch to it but convert it to a NumPy array, so the
derivative would run in NumPy and return NumPy arrays.
"""
from __future__ import annotations

import ast
import copy
import math

from . import ir, pytree, runtime, syntax
from .arrays import array_api_only, is_array
from .errors import NotDifferentiableError, SrcDiffError
from .guards import generated_line
from .source import describe
from .rules.table import lookup


def _leaves(args) -> list:
    """The arguments, each container's leaves in its place."""
    return [leaf for a in args for leaf in (pytree.flatten(a)[0] if pytree.is_node(a) else [a])]


def libraries(args) -> list[str]:
    """The libraries of the foreign arrays among `args` (in containers too)."""
    return sorted({type(a).__module__.split(".")[0] for a in _leaves(args) if is_array(a)})


def refusal(name: str, x, what: str = "") -> str | None:
    """Why argument `name` (value `x`; `what` names a container's leaf, `name` then its
    path) cannot be passed to a derivative, or None."""
    if pytree.is_node(x):
        leaves, td = pytree.flatten(x)
        if not any(is_array(leaf) or array_api_only(leaf) for leaf in leaves):
            return None  # (the common case: this runs at every call with containers)
        for path, leaf in zip(td.paths(), leaves):
            text = pytree.path_text(name, path)
            problem = refusal(text, leaf, text) if leaf is not x else None
            if problem:
                return problem
        return None
    t = type(x)
    what, where = what or f"argument {name!r}", f"{t.__module__.split('.')[0]}.{t.__qualname__}"
    if array_api_only(x):
        return (f"{what} is a {where}, which implements the array API but not NumPy's "
                f"dispatch protocols (__array_function__, __array_ufunc__): srcdiff's "
                f"derivative is NumPy source, and NumPy would convert it to a NumPy array. "
                f"Pass NumPy, Dask or CuPy arrays (np.asarray({name}) to compute in NumPy)")
    if is_array(x) and any(isinstance(d, float) and math.isnan(d) for d in x.shape):
        return (f"{what} is a {where} of unknown shape {x.shape}: a derivative is "
                f"specialised to which dimensions have size 1 (for Dask: call "
                f"{name}.compute_chunk_sizes() first)")
    return None


def refuse_leaves(f, names, args) -> None:
    """`refusal` of the leaves of container arguments, once per build: a leaf's type
    and unknown sizes are in the cache key, so each call with them gets here."""
    for name, a in zip(names, args):
        problem = refusal(name, a) if pytree.is_node(a) else None
        if problem:
            raise SrcDiffError(f"{describe(f)}: {problem}")


def unsupported(fn, args, kwargs, error: Exception, user) -> Exception:
    """What to raise when a derivative specialised to foreign arrays raised `error`
    (Dask supports most of NumPy, not all of it, nor every index): `fn`'s own error
    where `fn` raises too, else a SrcDiffError naming the generated line."""
    try:
        fn(*args, **kwargs)
    except Exception as primal_error:
        return primal_error
    line = generated_line(error)
    names = " and ".join(libraries(args))
    return SrcDiffError(
        f"the derivative of {describe(user)}, specialised to {names} arrays, raised "
        f"{type(error).__name__}: {error}" + (f"\n  in the generated line: {line}"
                                              if line else "")
        + f"\n  ({names} does not run this as NumPy does; differentiate with NumPy arrays "
          f"here)")


def writes_by_index(func: ast.FunctionDef, np_name: str) -> None:
    """`a[i] = v` as `a = _put(a, np.s_[i], v)` in the code of `func` (not its helpers),
    with `_put` defined: a NumPy buffer, a NumPy parameter's gradient, then takes a
    Dask value without computing it. Only where the code writes in place, into a
    buffer nothing else reads, so rebinding the name is the same."""

    class Sub(ast.NodeTransformer):
        def visit_FunctionDef(self, n):
            return n if n.name in runtime.HELPERS else self.generic_visit(n)

        def visit_Assign(self, n):
            t = n.targets[0]
            if len(n.targets) != 1 or not (isinstance(t, ast.Subscript)
                                           and isinstance(t.value, ast.Name)):
                return n
            self.used = True
            index = ast.Subscript(ast.Attribute(ast.Name(np_name, ast.Load()), "s_",
                                                ast.Load()), t.slice, ast.Load())
            read = copy.copy(t.value)
            read.ctx = ast.Load()
            return ast.Assign([t.value], ast.Call(ast.Name("_put", ast.Load()),
                                                  [read, index, n.value], []), lineno=0)

    sub = Sub()
    sub.used = False
    for i, stmt in enumerate(func.body):
        func.body[i] = sub.visit(stmt)
    if sub.used:
        func.body[:0] = runtime.helper_defs({"_put"}, np_name)


def refuse_forward_grad(f, params) -> None:
    """Forward mode's gradient takes one sweep per entry of a parameter, seeded with
    NumPy arrays: of a Dask or CuPy parameter it is refused (reverse mode is one sweep)."""
    for p in params:
        if is_array(p):
            raise SrcDiffError(
                f"{describe(f)}: grad(..., mode='forward') with respect to a "
                f"{type(p).__module__.split('.')[0]} array runs one forward sweep per entry; "
                f"use mode='reverse' (the default), or jvp for one direction")


def refuse_elsewhere(fn: ir.Function, active: set, args) -> None:
    """A located error at a differentiated call whose implementation in the library
    of an argument computes something other than NumPy's (`Rule.elsewhere`): its
    derivative would be that of another function."""
    found = set(libraries(args))
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign) and s.var.id in active and isinstance(s.expr, ir.Call):
            rule = lookup(s.expr.fn)
            for lib in sorted(found & set(rule.elsewhere if rule else ())):
                raise NotDifferentiableError(
                    f"{rule.name} is not differentiated on {lib} arrays: {rule.elsewhere[lib]}"
                    f" (NumPy dispatches the call to {lib}); call it on a NumPy array "
                    f"(np.asarray(...) of its argument)", s.loc)


def helper_defs(used: set, np_name: str) -> list:
    """runtime.helper_defs, rewritten for foreign arrays (with the helpers the rewrite
    calls); the helpers written for them are kept as they are."""
    used = set(used)
    while True:
        defs = runtime.helper_defs(used, np_name)
        for i, d in enumerate(defs):
            if getattr(d, "name", None) not in _OWN and not _writes_in_place(d, np_name):
                defs[i:i + 1] = rewritten = [d]
                rewrite(rewritten, np_name)
        called = {n.id for d in defs for n in syntax.walk(d)
                  if isinstance(n, ast.Name) and n.id in runtime.HELPERS}
        if called <= used:
            return defs
        used |= called


# the helpers written for foreign arrays (and _like, which _like_any calls for NumPy values)
_OWN = {"_size", "_spread", "_like", "_like_any", "_stacked", "_put"}
# NumPy functions that write into an argument: Dask runs one it does not implement on a
# computed NumPy copy, so a buffer made like a Dask array would silently stay unchanged;
# a helper calling one keeps its NumPy buffers
_WRITES = {"put_along_axis", "put", "place", "putmask", "copyto", "fill_diagonal"}


def _writes_in_place(tree, np_name: str) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in _WRITES and isinstance(n.value, ast.Name)
               and n.value.id == np_name for n in syntax.walk(tree))


# np.<name>(np.shape(x), ...) -> np.<name>_like(x, ..., dtype=float)
_CREATE = {"zeros": "zeros_like", "ones": "ones_like", "full": "full_like",
           "empty": "empty_like"}


def rewrite(code: list, np_name: str) -> None:
    """Rewrite, in place, the calls in `code` that would build NumPy arrays from the
    shape of a foreign array (or compute it) into calls that dispatch on it."""

    def np_call(n, attr=None) -> bool:
        return (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                and isinstance(n.func.value, ast.Name) and n.func.value.id == np_name
                and (attr is None or n.func.attr == attr))

    def shape_arg(n):
        """x when n is `np.shape(x)`, else None."""
        return n.args[0] if np_call(n, "shape") and len(n.args) == 1 else None

    class Sub(ast.NodeTransformer):
        def visit_AugAssign(self, n):
            """`d += v` as `d = d + v`: a NumPy buffer (a NumPy parameter's adjoint) cannot
            take a Dask value in place, and the code writes in place only into a buffer
            nothing else reads, so rebinding is the same."""
            self.generic_visit(n)
            read = syntax.copy(n.target)
            read.ctx = ast.Load()
            return ast.Assign([n.target], ast.BinOp(read, n.op, n.value), lineno=0)

        def visit_Name(self, n):
            return ast.Name("_like_any", n.ctx) if n.id == "_like" else n

        def visit_Call(self, n):
            self.generic_visit(n)
            if isinstance(n.func, ast.Name) and n.func.id == "_shape_stub":
                return n.args[0]  # a Dask array holds no data; zeros_like(x) follows its chunks
            if not np_call(n):
                return n
            attr, args = n.func.attr, n.args
            if attr == "array" and len(args) == 1 and [k.arg for k in n.keywords] == ["dtype"] \
                    and isinstance(args[0], ast.Name):  # _items' list of arrays
                return ast.Call(ast.Name("_stacked", ast.Load()), args, n.keywords)
            if attr == "size" and len(args) == 1 and not n.keywords:
                return ast.Call(ast.Name("_size", ast.Load()), args, [])
            if attr == "broadcast_to" and len(args) == 2 and not n.keywords and (
                    shape_arg(args[1]) is not None):
                return ast.Call(ast.Name("_spread", ast.Load()), [args[0], shape_arg(args[1])],
                                [])
            if attr in _CREATE and args and shape_arg(args[0]) is not None and (
                    len(args) == (2 if attr == "full" else 1)):
                like = ast.Attribute(ast.Name(np_name, ast.Load()), _CREATE[attr], ast.Load())
                dtype = [k for k in n.keywords if k.arg == "dtype"]
                if not dtype and attr == "full":  # np.full's dtype is its value's
                    v = args[1].operand if isinstance(args[1], ast.UnaryOp) else args[1]
                    if not isinstance(v, (ast.Name, ast.Constant)):
                        return n  # (read twice: only a name or a number)
                    dtype = [ast.keyword("dtype", ast.Call(ast.Attribute(
                        ast.Name(np_name, ast.Load()), "result_type", ast.Load()),
                        [syntax.copy(args[1])], []))]
                dtype = dtype or [ast.keyword("dtype", ast.Name("float", ast.Load()))]
                rest = [k for k in n.keywords if k.arg != "dtype"]
                return ast.Call(like, [shape_arg(args[0])] + args[1:], dtype + rest)
            return n

    for i, stmt in enumerate(code):
        code[i] = Sub().visit(stmt)
