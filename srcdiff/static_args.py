"""Function arguments: `integrate(rhs, y0, dt, n)` called with `rhs=decay`.

A function passed to `f` is not a value to differentiate but part of `f`'s code,
as JAX treats it: srcdiff builds the derivative for that function, inlining it
where `f` (or a helper `f` passes it to) calls it, exactly as if `f` had named it.
The build is a copy of `f` (same code, globals, closure) whose lowering binds the
parameter to the function (`of`); the derivative still takes the argument, and
is rebuilt when another function is passed (`kinds_key` holds the function
itself). Takes `f` and the call's arguments; gives the copy to transform.
"""
from __future__ import annotations

import ast
import builtins
import dataclasses
import functools
import inspect
import types
import weakref

import numpy as np

from . import arrays, pytree, syntax

_STATICS = weakref.WeakKeyDictionary()  # a copy of f -> {parameter: the function bound}
_COPIES = weakref.WeakKeyDictionary()  # f -> {((parameter, function), ...): copy}


def is_static(v) -> bool:
    """Whether the argument `v` is a function srcdiff builds into the derivative:
    a Python function or lambda, a bound method, a NumPy ufunc or other built-in, a
    derivative srcdiff made (not a class or an array), or an object of the user's
    own class (`loss(w, model, x)` calling `model.predict(w, x)`: its methods are
    inlined, its attributes read live, as for a bound method), a tuple or list of
    functions (`compose(fns, x)`), or a string (`activation="tanh"`: a setting
    that picks code, as a JAX static argument; the derivative is built per string
    when `f` picks a function with it, `specialised`)."""
    return is_function(v) or is_object(v) or isinstance(v, str) or holds_functions(v) or (
        isinstance(v, (tuple, list)) and not hasattr(v, "_fields") and len(v) > 0
        and all(is_function(e) for e in v)) or is_objects(v)


def is_objects(v) -> bool:
    """A list or tuple of the user's objects (and perhaps functions) passed to `f`
    (`options`, the stages of a pipeline): `for o in options: o.price(S)` calls their
    methods, inlined per item as for one object passed. The code is built per
    `Objects` key (each item's class and what the code may read of it as constants),
    not per list, so another list of such objects reuses it."""
    if _record(v):  # a dataclass of data holding such a list (`pipe.stages`) or objects
        return any(is_object(e) or is_objects(e) for e in vars(v).values())
    return type(v) in (list, tuple) and len(v) > 0 and all(
        is_object(e) or is_function(e) for e in v) and any(is_object(e) for e in v)


def _record(v) -> bool:
    """A dataclass instance without methods of its own (a record of data)."""
    return dataclasses.is_dataclass(v) and not isinstance(v, type) and isinstance(
        getattr(v, "__dict__", None), dict) and not is_object(v)


class Objects(tuple):
    """The key of a list of objects (is_objects): per item, its `object_key`."""


class _Same:
    """A value keyed by identity (deep inside an object, where object_key stops)."""

    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return isinstance(other, _Same) and other.v is self.v

    def __hash__(self):
        return id(self.v)


def object_key(v, depth: int = 0):
    """What code built for an object may read of `v` as a constant, hashable: its class
    and, per attribute, a string, bool or None itself (`self.kind == "call"` picks code),
    a function itself (`self.act`), a list, tuple or dict by its items and an object
    likewise; a number or array only by its type (the code reads it at each call)."""
    if is_function(v):
        return _Same(v)
    if v is None or isinstance(v, (str, bool, np.bool_)):
        return type(v), v
    if depth > 4:
        return _Same(v)
    if is_object(v) or _record(v):
        return type(v), tuple((k, object_key(e, depth + 1)) for k, e in vars(v).items())
    if type(v) in (list, tuple):
        return type(v), tuple(object_key(e, depth + 1) for e in v)
    if type(v) is dict:
        return dict, tuple(((type(k), k), object_key(e, depth + 1)) for k, e in v.items())
    return type(v)


class Entries(tuple):
    """A dict argument holding functions (`config = {"act": np.tanh, "lam": 0.1}`) as
    a build binds it: (key, the function) per entry, None for the entries that are
    values (read live from the dict at each call)."""


def holds_functions(v) -> bool:
    """Whether `v` is a dict of string keys with a function among its entries: its
    functions are part of the code, as a function argument is."""
    return type(v) is dict and bool(v) and all(isinstance(k, str) for k in v) and any(
        is_function(e) for e in v.values())


def key(v):
    """`v` as part of a cache key (a list of functions as a tuple, a dict holding
    functions as its Entries)."""
    if isinstance(v, dict):
        return Entries((k, e if is_function(e) else None) for k, e in v.items())
    if is_objects(v):
        return Objects(map(object_key, v) if type(v) in (list, tuple) else [object_key(v)])
    return tuple(v) if isinstance(v, list) else v


# NumPy's functions that dispatch __array_function__ (np.sum, np.concatenate) are of
# their own type, neither a Python function nor a built-in one
_DISPATCHER = type(np.sum)


def is_function(v) -> bool:
    return isinstance(v, (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                          np.ufunc, functools.partial, _DISPATCHER)) or hasattr(
        type(v), "__srcdiff_function__")


def is_object(v) -> bool:
    """An instance of a class of the user's (not a container srcdiff splits, an
    array, a number or a string: those are values)."""
    t = type(v)
    home = (getattr(t, "__module__", "") or "").split(".")[0]
    return (isinstance(getattr(v, "__dict__", None), dict) and not isinstance(v, type)
            and not is_function(v)
            and home not in ("builtins", "numpy", "srcdiff", "dask", "cupy", "scipy")
            and not (pytree.is_node(v) and not _methods(t)) and not arrays.is_array(v))


def _methods(cls) -> bool:
    """Whether a class (a dataclass, say) defines functions of its own beyond
    those dataclasses generate: an object of it not differentiated is an object
    whose methods are inlined (`model.predict(w, X)`), not a container of data."""
    made = {"__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__",
            "__getstate__", "__setstate__", "__match_args__"}
    return any(isinstance(v, (types.FunctionType, staticmethod, classmethod)) and k not in made
               for c in cls.__mro__[:-1] for k, v in vars(c).items())


def called(node) -> bool:
    """Whether the `def` `node` calls one of its parameters (`rhs(y)`)."""
    a = node.args
    params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in params
               for n in syntax.walk(node))


def of(f) -> dict:
    """The parameters of `f` (a copy made here) bound to functions: name -> function."""
    return _STATICS.get(f, {})


def inherit(copy, base) -> None:
    """A further copy of `base` (tree_api's) binds the same functions."""
    if base in _STATICS:
        _STATICS[copy] = _STATICS[base]


def specialised(f, args, wrt, rewrites: dict):
    """`f` itself when no argument outside `wrt` is a function; else its copy with
    those parameters bound (cached: the same functions give the same copy).
    `rewrites` is transform.REWRITES: a copy of a rewritten `f` rewrites alike."""
    names = _positional(f)
    args = _with_keyword_defaults(f, names, args)
    names += [p.name for p in inspect.signature(f).parameters.values()
              if p.kind == p.KEYWORD_ONLY][:len(args) - len(names)]
    picks = _picks(f) if any(isinstance(a, (str, bool)) for a in args) else set()
    # a primitive differentiated itself (source.primitive_shim) takes its options as
    # constants, as the rule reads them where they are written (np.pad(x, 1, "edge"))
    options = getattr(f, "__srcdiff_operands__", len(names))
    found = tuple((names[i], key(a)) for i, a in enumerate(args[:len(names)])
                  if i not in wrt and names[i] not in of(f) and (
                      is_static(a) and (names[i] in picks or not isinstance(a, str))
                      or isinstance(a, bool) and names[i] in picks
                      or i >= options and (a is None or isinstance(a, (str, bool)))))
    if not found:
        return f
    copies = _COPIES.setdefault(f, {})
    ident = tuple((n, a if isinstance(a, (str, tuple)) else id(a)) for n, a in found)
    hit = copies.get(ident)
    if hit is not None and all(_binds(of(hit[0])[n], a) for n, a in found):
        return hit[0]
    # a list of objects binds the list itself, the one this copy's code is built from
    passed = dict(zip(names, args))
    found = tuple((n, passed[n] if isinstance(a, Objects) else a) for n, a in found)
    copy = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                              f.__closure__)
    copy.__kwdefaults__ = f.__kwdefaults__
    copy.__qualname__ = f.__qualname__
    copy.__module__ = f.__module__
    copy.__signature__ = inspect.signature(f)
    if f in rewrites:
        rewrites[copy] = rewrites[f]
    _STATICS[copy] = {**of(f), **dict(found)}
    copies[ident] = (copy, found)  # (holds the functions: an id is never reused meanwhile)
    return copy


def _binds(bound, a) -> bool:
    """Whether a copy binding `bound` serves the argument keyed `a` (a list of
    objects: while the one bound still has that key; it may have changed since)."""
    if isinstance(a, Objects):
        return key(bound) == a
    return bound is a or isinstance(a, (str, tuple)) and bound == a


def _with_keyword_defaults(f, names, args) -> tuple:
    """The call's values with f's keyword-only parameters after the positional ones:
    a call binding f's signature passes them all (Derivative), vjp and jvp pass the
    positional ones alone, so the keyword-only ones take their defaults
    (`def f(x, *, mode="reflect")`; np.pad's reflect_type="even" in its shim)."""
    kw = f.__kwdefaults__ or {}
    if not kw or len(args) != len(names) or len(kw) != sum(
            p.kind == p.KEYWORD_ONLY for p in inspect.signature(f).parameters.values()):
        return tuple(args)
    return tuple(args) + tuple(kw.values())


def _picks(f) -> set:
    """The parameters `f` picks a function with by name (`ACTIVATIONS[activation]`
    of a dict outside it, `getattr(np, name)`) or passes on to a call as they are
    (`np.pad(x, w, mode)`, `mode=mode`: an option a rule reads as a constant): only
    those strings are constants of the build. A string used otherwise (`if kind ==
    "cube"`) stays a value, so the derivative's code serves every string."""
    from .source import parse_function  # (source imports the rule table)
    try:
        node, _ = parse_function(f)
    except Exception:  # noqa: BLE001 - no source: the lowering reports it
        return set()
    passed = {a.id for n in syntax.walk(node) if isinstance(n, ast.Call)  # (getattr(np,
              for a in n.args + [k.value for k in n.keywords]  # name) among them)
              if isinstance(a, ast.Name)}
    return passed | indexing(node) | choosers(node, f.__globals__)


def _function_like(e, namespace: dict, local: set) -> bool:
    """Whether `e` names a function: a lambda, a function `f` defines, or a name
    or attribute path (`np.tanh`, `relu`) bound to one in `f`'s module."""
    if isinstance(e, ast.Lambda):
        return True
    path = []
    while isinstance(e, ast.Attribute):
        path.append(e.attr)
        e = e.value
    if not isinstance(e, ast.Name):
        return False
    if e.id in local:
        return not path
    obj = namespace.get(e.id, getattr(builtins, e.id, None))
    for attr in reversed(path):
        obj = getattr(obj, attr, None)
    return obj is not None and is_function(obj)


def choosers(node, namespace: dict) -> set:
    """The names read by a test that chooses a function: `np.tanh if activation ==
    "tanh" else relu`, `f = np.sin if use_sin else np.cos`, or an `if` whose arms
    bind a name to one. A function chosen at run time cannot be inlined; a string
    or bool so read is a constant of the build, which then inlines the one chosen.
    (`y = x * x if kind == "square" else x` chooses no function: `kind` stays a value.)"""
    local = {n.name for n in syntax.walk(node) if isinstance(n, ast.FunctionDef)}

    def fn(e):
        return _function_like(e, namespace, local)

    tests = []
    for n in syntax.walk(node):
        if isinstance(n, ast.IfExp) and (fn(n.body) or fn(n.orelse)):
            tests.append(n.test)
        elif isinstance(n, ast.If) and any(isinstance(b, ast.Assign) and fn(b.value)
                                           for b in n.body + n.orelse):
            tests.append(n.test)
    return {m.id for t in tests for m in syntax.walk(t) if isinstance(m, ast.Name)}


def settings(node, namespace: dict) -> set:
    """The names `node` (of a function of the module `namespace`) may pick code
    with: compared with a string, indexing, or read by a test choosing a function."""
    return compared(node) | indexing(node) | choosers(node, namespace)


def indexing(node) -> set:
    """The names `node` indexes with: a subscript of a dict or tuple display or of a
    name (`{"tanh": np.tanh}[act]`, `ACTIVATIONS[act]`)."""
    return {n.slice.id for n in syntax.walk(node) if isinstance(
        n, ast.Subscript) and isinstance(n.slice, ast.Name) and isinstance(
            n.value, (ast.Name, ast.Attribute, ast.Dict, ast.Tuple, ast.List))}


def compared(node) -> set:
    """The names `node` compares with a string constant (`method == "rk4"`, `kind
    in ("call", "put")`): settings that pick which code runs."""
    def is_str(e):
        return isinstance(e, ast.Constant) and isinstance(e.value, str) or isinstance(
            e, (ast.Tuple, ast.List, ast.Set)) and e.elts and all(map(is_str, e.elts))

    out = set()
    for n in syntax.walk(node):
        if isinstance(n, ast.Compare) and len(n.ops) == 1:
            a, b = n.left, n.comparators[0]
            for x, y in ((a, b), (b, a)):
                if isinstance(x, ast.Name) and is_str(y):
                    out.add(x.id)
    return out


def _positional(f) -> list[str]:
    params = inspect.signature(f).parameters.values()
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
