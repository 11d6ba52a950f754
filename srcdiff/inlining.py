"""Inlining the user's own functions: whether a callee can be, and its parameters.

Takes a resolved user function and the call site (lowered arguments); gives why
it cannot be inlined (`why_not`: recursion, no source) or the
environment its body starts from (`bind_params`: parameter -> argument, with
constant defaults; `*args` a tuple and `**kwargs` a dict built at the call,
kept entry by entry, structs.py). The lowering then lowers the body with a fresh `Lowerer`.
"""
from __future__ import annotations

import ast
import sys
import weakref

from . import ir, static_args, syntax
from .structs import DictVal, TupleVal
from .errors import NoSourceError, NotDifferentiableError, UnsupportedSyntaxError, how_to_register
from .source import loc_of, parse_function, unsupported

CONST_TYPES = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))


# a derivative's generic code -> its code for arguments of a structure (api.Derivative)
FOR_STRUCTURE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

DEPTH = 64  # the deepest recursion unrolled


def why_not(helper, caller, stack, node, filename: str, args=()):
    """Why `helper` cannot be inlined into `caller` at `node`, or None. A recursion
    is unrolled when an integer argument is a constant (`_legendre(x, 3)`: each
    call's tests on it are known, so the recursion ends while lowering it)."""
    spelled = ast.unparse(node.func)
    depth = list(stack).count(helper) + (helper is caller)
    if depth and _stack_nearly_full():
        depth = DEPTH  # (each level inlined takes some 30 Python frames)
    if depth and not (depth < DEPTH and any(
            isinstance(a, ir.Const) and type(a.value) is int for a in args)):
        deep = ("more than %d calls deep: its test of when to stop stays unknown while "
                "srcdiff unrolls it (it reads a value known only at run time, such as the "
                "length of an array)" % DEPTH) if depth >= DEPTH else (
            "with no integer argument that is a constant, not only in tail position (a "
            "call of itself as the whole of a return is a loop)")
        return UnsupportedSyntaxError(
            f"srcdiff does not support recursion: {helper.__name__} calls itself {deep} "
            f"(srcdiff inlines helpers, and unrolls a recursion whose depth is an integer "
            f"constant, as {helper.__name__}(x, 3) with a test such as `if n == 0`); "
            "write it as a loop", loc_of(filename, node))
    try:
        parse_function(helper)
    except NoSourceError:
        made = ("it is a wrapper made by a decorator, with __wrapped__, whose code srcdiff "
                "cannot see: call the undecorated function, or give the wrapper a rule"
                if hasattr(helper, "__wrapped__") else "it was made by exec or compile")
        return NotDifferentiableError(
            f"{spelled} has no derivative rule and no Python source srcdiff can "
            f"transform ({made}); " + how_to_register(spelled), loc_of(filename, node))
    return None


def _stack_nearly_full() -> bool:
    """Whether unrolling one more level of a recursion could exhaust Python's stack
    (a RecursionError inside srcdiff, where a located refusal belongs)."""
    frame, n = sys._getframe(), 0
    while frame is not None:
        frame, n = frame.f_back, n + 1
    return n > sys.getrecursionlimit() - 250


def bind_params(helper, hnode, args, kwargs, node, filename: str, static=None) -> dict:
    """The helper's parameters -> the caller's arguments (and constant defaults; a
    function default, `act=np.tanh`, as `static` gives it: a value calls inline)."""
    names = [p.arg for p in hnode.args.posonlyargs + hnode.args.args]
    defaults = dict(zip(names[len(names) - len(helper.__defaults__ or ()):],
                        helper.__defaults__ or ()))
    defaults.update(helper.__kwdefaults__ or {})
    for p, v in defaults.items():
        if static is not None and static_args.is_function(v):
            defaults[p] = static(v, p)
        elif not isinstance(v, CONST_TYPES):
            defaults[p] = unsupported(f"the default value of {p!r} in {helper.__name__}",
                                      filename, node)
        else:
            defaults[p] = ir.Const(v)
    return bind(helper.__name__, hnode, defaults, args, kwargs, node, filename)


def bind(name: str, hnode, defaults: dict, args, kwargs, node, filename: str) -> dict:
    """The parameters of `hnode` (a def or lambda called `name`) -> the arguments,
    and `defaults` (parameter -> value, or the error its default is) for the rest."""
    def wrong(what):
        return unsupported(f"this call: {what}", filename, node)

    a = hnode.args
    names = [p.arg for p in a.posonlyargs + a.args]
    keywords = [p.arg for p in a.args + a.kwonlyargs]  # (positional-only ones are not)
    if len(args) > len(names) and not a.vararg:
        raise wrong(f"too many arguments for {name}")
    env = dict(zip(names, args))
    if a.vararg:  # `*xs`: the tuple of the other positional arguments, built here
        env[a.vararg.arg] = TupleVal(list(args[len(names):]))
    extra = {}
    for k, v in kwargs.items():
        if k in keywords and k not in env:
            env[k] = v
        elif a.kwarg and k not in keywords:
            extra[k] = v
        else:
            raise wrong(f"bad keyword {k!r} for {name}")
    if a.kwarg:  # `**opts`: the dict of the other keywords, built here
        env[a.kwarg.arg] = DictVal(extra)
    kwonly = [p.arg for p in a.kwonlyargs]
    for p in names + kwonly:
        if p not in env:
            if p not in defaults:
                raise wrong(f"missing argument {p!r} of {name}")
            if isinstance(defaults[p], Exception):
                raise defaults[p]
            env[p] = defaults[p]
    return env


def defaults_of(fnode, value) -> dict:
    """A nested def's or lambda's defaults, evaluated (by `value`) where it is defined."""
    a = fnode.args
    names = [p.arg for p in a.posonlyargs + a.args]
    out = {p: value(d) for p, d in zip(names[len(names) - len(a.defaults):], a.defaults)}
    out.update({p.arg: value(d) for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
    return out


def local_names(fnode) -> set:
    """The names a nested def or lambda binds itself (its parameters and what it
    assigns): every other name it reads is its enclosing function's."""
    a = fnode.args
    names = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if p}
    body = fnode.body if isinstance(fnode.body, list) else [fnode.body]
    for st in body:
        for n in syntax.walk(st):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                names.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(n.name)
    return names
