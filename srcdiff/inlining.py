"""Inlining the user's own functions: whether a callee can be, and its parameters.

Takes a resolved user function and the call site (lowered arguments); gives why
it cannot be inlined (`why_not`: recursion, no source, another module) or the
environment its body starts from (`bind_params`: parameter -> argument, with
constant defaults). The lowering then lowers the body with a fresh `Lowerer`.
"""
from __future__ import annotations

import ast

from . import ir
from .errors import NoSourceError, NotDifferentiableError, UnsupportedSyntaxError, how_to_register
from .source import loc_of, parse_function, unsupported

CONST_TYPES = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))


def why_not(helper, caller, stack, node, filename: str):
    """Why `helper` cannot be inlined into `caller` at `node`, or None."""
    spelled = ast.unparse(node.func)
    if helper in stack or helper is caller:
        return UnsupportedSyntaxError(
            f"srcdiff does not support recursion: {helper.__name__} calls itself "
            "(srcdiff inlines helpers); write it as a loop", loc_of(filename, node))
    try:
        parse_function(helper)
    except NoSourceError:
        return NotDifferentiableError(
            f"{spelled} has no derivative rule and no Python source srcdiff can "
            "transform (it was made by exec or compile); " + how_to_register(spelled),
            loc_of(filename, node))
    if helper.__globals__ is not caller.__globals__:
        return NotDifferentiableError(
            f"{spelled} has no derivative rule, and its source is in another module "
            f"({helper.__module__}): srcdiff inlines helpers only from the module of the "
            "function it differentiates; " + how_to_register(spelled), loc_of(filename, node))
    return None


def bind_params(helper, hnode, args, kwargs, node, filename: str) -> dict:
    """The helper's parameters -> the caller's arguments (and constant defaults)."""
    def wrong(what):
        return unsupported(f"this call: {what}", filename, node)

    a = hnode.args
    if a.vararg or a.kwarg:
        raise unsupported("calling a helper with *args/**kwargs parameters", filename, node)
    name = helper.__name__
    names = [p.arg for p in a.posonlyargs + a.args]
    kwonly = [p.arg for p in a.kwonlyargs]
    if len(args) > len(names):
        raise wrong(f"too many arguments for {name}")
    env = dict(zip(names, args))
    defaults = dict(zip(names[len(names) - len(helper.__defaults__ or ()):],
                        helper.__defaults__ or ()))
    defaults.update(helper.__kwdefaults__ or {})
    for k, v in kwargs.items():
        if k in env or k not in names + kwonly:
            raise wrong(f"bad keyword {k!r} for {name}")
        env[k] = v
    for p in names + kwonly:
        if p not in env:
            if p not in defaults:
                raise wrong(f"missing argument {p!r} of {name}")
            if not isinstance(defaults[p], CONST_TYPES):
                raise unsupported(f"the default value of {p!r} in {name}", filename, node)
            env[p] = ir.Const(defaults[p])
    return env
