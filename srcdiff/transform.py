"""The pipeline, stage by stage: lower -> activity -> kinds -> reverse or forward
sweep -> names -> source -> compiled function. One entry point per mode."""
from __future__ import annotations

import ast
import builtins
import itertools
import math
import types
from dataclasses import dataclass, field

import numpy as np

from . import activity, coalesce, emit, exprs, ir, kinds, runtime
from .coalesce import Groups
from .exprs import name, pv
from .lower import MISSING, Lowerer
from .reverse import Context, Reverse, assign, reads
from .source import function_of, parse_function


@dataclass
class Lowered:
    fn: ir.Function
    node: ast.AST  # the user's def, for the signature
    counter: itertools.count
    guards: list = field(default_factory=list)  # (namespace, name, object) read at build


_LOWERED: dict = {}


def lowered(f) -> Lowered:
    """The IR of `f`, cached per function object and invalidated when a global
    callee it resolved has been rebound."""
    f = function_of(f)
    hit = _LOWERED.get(f)
    if hit is not None and guards_hold(hit.guards):
        return hit
    node, filename = parse_function(f)
    counter = itertools.count()
    lw = Lowerer(f, filename, counter)
    fn = lw.function(node)
    out = Lowered(fn, node, counter, lw.guards)
    _LOWERED[f] = out
    return out


def guards_hold(guards) -> bool:
    for ns, key, obj in guards:
        if ns.get(key, MISSING) is not obj:
            return False
    return True


def module_names(f, reserved: set[str]) -> tuple[dict, list]:
    """The names `f`'s module binds to `math` and NumPy; imports for the rest."""
    g = f.__globals__
    names, imports = {}, []
    for key, mod, prefer in (("math", math, ("math",)), ("np", np, ("np", "numpy"))):
        found = [k for k in prefer if g.get(k) is mod]
        found += sorted(k for k, v in g.items() if v is mod and k not in found)
        if found:
            names[key] = found[0]
        else:
            alias = prefer[0]
            while alias in reserved or alias in g:
                alias = "_" + alias
            names[key] = alias
            imports.append((mod.__name__, alias))
    return names, imports


def has_numpy(f) -> bool:
    return any(v is np for v in f.__globals__.values())


def param_kinds(fn: ir.Function, args, numpy_ok: bool) -> dict:
    if args is None:
        default = None if numpy_ok else kinds.SCALAR
        return {p.id: default for p in fn.params}
    return {p.id: kinds.kind_of_value(a) for p, a in zip(fn.params, args)}


@dataclass
class Built:
    source: str
    fn: types.FunctionType
    name: str
    ct_name: str = ""


def reserved_names(f, lw: Lowered) -> set[str]:
    """Names generated code must not bind: everything `f` reads from outside."""
    code = f.__code__
    out = set(code.co_names) | set(code.co_freevars) | set(f.__globals__) | set(dir(builtins))
    return out - set(code.co_varnames)


def _signature(node, extra_kwonly=()) -> ast.arguments:
    if isinstance(node, ast.Lambda):
        args = ast.arguments(posonlyargs=[], args=[ast.arg(a.arg) for a in node.args.args],
                             vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                             defaults=list(node.args.defaults))
    else:
        a = node.args
        args = ast.arguments(
            posonlyargs=[ast.arg(p.arg) for p in a.posonlyargs],
            args=[ast.arg(p.arg) for p in a.args], vararg=None,
            kwonlyargs=[ast.arg(p.arg) for p in a.kwonlyargs],
            kw_defaults=list(a.kw_defaults), kwarg=None, defaults=list(a.defaults))
    for k in extra_kwonly:
        args.kwonlyargs.append(ast.arg(k))
        args.kw_defaults.append(None)
    return args


def build_reverse(f, wrt: tuple[int, ...], variant: str, args=None, check=None,
                  as_tuple: bool = False) -> Built:
    """variant: "grad", "value_and_grad" or "vjp". `args` specialises value kinds
    (None: the generic derivative). `check`, when given, is called on the primal
    result before the reverse sweep (scalar check in the compiled function)."""
    lw = lowered(f)
    fn = lw.fn
    wrt_vars = [fn.params[i] for i in wrt]
    active = activity.analyze(fn, wrt_vars)
    numpy_ok = has_numpy(f)
    pk = param_kinds(fn, args, numpy_ok)
    vk = kinds.infer(fn, pk)
    reserved = reserved_names(f, lw)
    modules, imports = module_names(f, reserved)
    helpers: set[str] = set()
    from .api import stop_gradient

    ctx = Context(vk, modules, helpers, stop_fns=(stop_gradient,))
    adj = Groups()
    pairs = coalesce.candidates(fn)
    for a, b, _ in pairs:
        adj.union(a, b)
    ct_name = emit.Namer(reserved).fresh("ct")
    reserved.add(ct_name)
    seed = name(ct_name) if variant == "vjp" else ast.Constant(1.0)
    rev = Reverse(fn, active, ctx, adj, lw.counter)
    fwd, back = rev.run(seed)
    needed = reads(back)
    primal = Groups()
    for a, b, why in pairs:
        if why == "next" and a.id in needed and b.id in needed:
            continue
        if why == "init" and b.id in needed:
            continue
        primal.union(a, b)

    grads = []
    for w in wrt_vars:
        st = rev.state.get(w.id)
        if isinstance(st, tuple) and not exprs.is_simple(st[1]):
            rev.write(w, st[1], back, first=True)
            st = rev.state[w.id] = "named"
        if st is None:
            g = ast.Constant(0.0)
        elif st == "named":
            g = name(rev.adjname(w))
        else:
            g = st[1]
        if pk[w.id] != kinds.SCALAR:
            helpers.add("_like")
            g = ast.Call(name("_like"), [g, pv(w)], [])
        grads.append(g)
    result = exprs.atom(fn.result)
    body: list[ast.stmt] = []
    body += [ast.Import([ast.alias(mod, None if mod == alias else alias)])
             for mod, alias in imports if alias in _used_modules(fwd + back, helpers, modules)]
    body += runtime.helper_defs(helpers, modules["np"])
    body += fwd
    if check is not None:
        body.append(ast.Expr(ast.Call(name("__srcdiff_check__"), [result], [])))
    body += back
    single = variant != "vjp" and len(wrt) == 1 and not as_tuple
    gtuple = grads[0] if single else ast.Tuple(grads, ast.Load())
    if variant == "grad" and check is None:
        ret = gtuple
    else:
        ret = ast.Tuple([result, gtuple], ast.Load())
    body.append(ast.Return(ret))
    fname = f"{_base_name(fn)}_{'value_and_grad' if variant == 'value_and_grad' else variant}"
    func = ast.FunctionDef(fname, _signature(lw.node, (ct_name,) if variant == "vjp" else ()),
                           body, [], None)
    vars_by_id = _all_vars(fn, rev)
    temps = emit.merge_groups(func, vars_by_id, primal)
    func = emit.tidy(func, temps, set())
    func = emit.rename(func, vars_by_id, primal, fn.params, reserved)
    source = emit.to_source(func)
    injected = {"__srcdiff_check__": check} if check is not None else {}
    compiled = emit.compile_function(source, fname, f, injected)
    return Built(source, compiled, fname, ct_name)


def _used_modules(code, helpers, modules) -> set[str]:
    used = set()
    for s in code:
        for n in ast.walk(s):
            if isinstance(n, ast.Name):
                used.add(n.id)
    if helpers:
        used.add(modules["np"])
    return used


def _base_name(fn: ir.Function) -> str:
    return fn.name if fn.name.isidentifier() else "f"


def _all_vars(fn: ir.Function, rev: Reverse) -> dict:
    out = {p.id: p for p in fn.params}
    for s in ir.walk(fn.body):
        for v in ir.stmt_defs(s):
            out[v.id] = v
        if isinstance(s, ir.Loop):
            if s.index is not None:
                out[s.index.id] = s.index
            if s.trips is not None:
                out[s.trips.id] = s.trips
    for t in rev.tapes.values():
        out[t.id] = t
    return out


__all__ = ["build_reverse", "lowered", "Built", "assign"]
