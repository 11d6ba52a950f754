"""Derivatives of derivatives through loops, written with the function's tangent code.

Takes a function `fn` whose reverse-mode gradient keeps a tape (a loop: lists pushed
in the forward sweep and popped in the reverse one, which srcdiff does not transform
again); gives functions that compute the same derivatives from `fn`'s forward-mode
(tangent) code, which has `fn`'s loops and no tape, so srcdiff transforms them again
in either mode:

- `gradient(fn, wrt, variant, as_tuple)`: the gradient as one jvp per element of each
  differentiated parameter (one jvp in all for a float): what `grad(grad(f))`,
  `jvp(grad(f))` and `jacobian(grad(f))` transform when `f` has loops. Exact (not a
  difference quotient); it costs one tangent sweep per element, which is a gradient's
  cost for the scalar parameters of `grad(grad(f))`.
- `tangent(fn, i)`: `T(v, *args)`, the tangent of `fn` along `v` in parameter `i`. Its
  gradient with respect to parameter `i` is the Hessian-vector product H v (reverse
  over forward: a small multiple of one gradient, the Hessian never formed); `hvp` and
  `hessian` are built on it.

Each function's source is registered in `linecache` and its defaults and the tangent
code are closure cells, as for bound methods (source.closure_function).
"""
from __future__ import annotations

import inspect
import weakref

import numpy as np

from . import ir, transform
from .errors import SrcDiffError
from .source import closure_function, signature_text

# (fn, wrt, variant, as_tuple) / (fn, i) -> the function written for it; weak in fn
_MADE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def has_loops(fn) -> bool:
    """Whether `fn` (lowered, its helpers inlined) has a loop: its gradient keeps a tape."""
    return any(isinstance(s, ir.Loop) for s in ir.walk(transform.lowered(fn).fn.body))


def marked(fn):
    """The policy the `srcdiff.checkpoint` markers of `fn`'s outermost loops give, when
    every one of them is marked alike with a literal size, else None: f's tangent code
    has f's loops but not their markers, so hvp and hessian give its reverse sweep
    this policy (a marker sized by a value of f, or on a nested loop only, has no
    counterpart there)."""
    outer, todo = [], list(transform.lowered(fn).fn.body)
    while todo:
        s = todo.pop()
        if isinstance(s, ir.Loop):
            outer.append(s.checkpoint)
        elif isinstance(s, ir.If):
            todo += s.body + s.orelse
    if not outer or len(set(outer)) != 1 or outer[0] is None:
        return None
    policy = outer[0]
    size = policy.k if hasattr(policy, "k") else policy.snapshots
    return type(policy)(size.value) if isinstance(size, ir.Const) else None


def _positional(fn) -> list:
    params = list(inspect.signature(fn).parameters.values())
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        raise SrcDiffError(
            f"{fn.__name__}: srcdiff differentiates the derivative of a function with a "
            "loop again only when its parameters are plain positional ones (no *args, "
            "**kwargs or keyword-only ones)")
    return params


def _base(fn) -> str:
    """The name the generated function is called after (`f` for a lambda)."""
    return fn.__name__ if fn.__name__.isidentifier() else "f"


def _made(key, fn, build):
    per = _MADE.setdefault(fn, {})
    if key not in per:
        per[key] = build()
    return per[key]


def _jvp_of(fn, i):
    """`fn`'s generic tangent code with a tangent for parameter `i` only, and the name
    of that keyword-only tangent parameter."""
    jvp_fn = transform.build("forward", fn, (i,), "jvp").fn
    return jvp_fn, _tangent_name(jvp_fn)


def _tangent_name(jvp_fn) -> str:
    code = jvp_fn.__code__
    return code.co_varnames[code.co_argcount + code.co_kwonlyargcount - 1]


def _fresh(name: str, taken: set) -> str:
    """`name`, or `name_1`, ... : one not in `taken` (which it joins)."""
    n, k = name, 0
    while n in taken:
        k += 1
        n = f"{name}_{k}"
    taken.add(n)
    return n


def gradient(fn, wrt: tuple, variant: str, as_tuple: bool):
    """The gradient of `fn` (or (value, gradient) for value_and_grad) with respect to
    the parameters `wrt`, from `fn`'s tangent code: tape-free, so transformable again."""
    return _made(("gradient", wrt, variant, as_tuple), fn,
                 lambda: _gradient(fn, wrt, variant, as_tuple))


def _gradient(fn, wrt, variant, as_tuple):
    params = _positional(fn)
    names = [p.name for p in params]
    sig, held, defaults = signature_text(params)
    call = ", ".join(names)
    taken = set(names) | {"np"}
    rows, k, e = (_fresh(n, taken) for n in ("rows", "k", "e"))
    jvps, body, parts = [], [], []
    for slot, i in enumerate(wrt):
        jvp_fn, dot = _jvp_of(fn, i)
        jvps.append(jvp_fn)
        x, part, jvp_name = names[i], _fresh(f"d_{names[i]}", taken), f"__srcdiff_jvp{slot}"
        body += [
            f"    if np.ndim({x}) == 0:",
            f"        {part} = {jvp_name}({call}, {dot}=1.0)[1]",
            "    else:",
            f"        {rows} = []",
            f"        for {k} in range(np.size({x})):",
            f"            {e} = np.zeros(np.size({x}))",
            f"            {e}[{k}] = 1.0",
            f"            {rows}.append({jvp_name}({call}, "
            f"{dot}=np.reshape({e}, np.shape({x})))[1])",
            f"        {part} = np.reshape(np.array({rows}), np.shape({x}))",
        ]
        parts.append(part)
    grads = f"({', '.join(parts)},)" if as_tuple else parts[0]
    result = f"__srcdiff_fn({call}), {grads}" if variant == "value_and_grad" else grads
    name = f"{_base(fn)}_{variant}"
    jvp_names = [f"__srcdiff_jvp{k}" for k in range(len(jvps))]
    text = "\n".join([
        f"def __srcdiff_make(np, __srcdiff_fn, {', '.join(jvp_names + held)}):",
        f"    def {name}({sig}):",
        *("    " + line for line in body),
        f"        return {result}",
        f"    return {name}"]) + "\n"
    return closure_function(text, f"<srcdiff: {variant} of {fn.__qualname__} by tangents>",
                            fn.__globals__, np, fn, *jvps, *defaults)


def tangent(fn, i: int, jvp_fn):
    """`T(v, *args)`: the tangent of `fn` at `args` along `v` in parameter `i`, by
    `jvp_fn`, fn's tangent code with a tangent for parameter `i` only (the generic
    build or one for the kinds of the arguments)."""
    return _made(("tangent", i, jvp_fn), fn, lambda: _tangent(fn, i, jvp_fn))


def _tangent(fn, i, jvp_fn):
    params = _positional(fn)
    names = [p.name for p in params]
    sig, held, defaults = signature_text(params)
    dot = _tangent_name(jvp_fn)
    name = f"{_base(fn)}_tangent"
    text = (f"def __srcdiff_make(__srcdiff_jvp, {', '.join(held)}):\n"
            f"    def {name}({dot}, {sig}):\n"
            f"        return __srcdiff_jvp({', '.join(names)}, {dot}={dot})[1]\n"
            f"    return {name}\n")
    return closure_function(text, f"<srcdiff: tangent of {fn.__qualname__}>",
                            fn.__globals__, jvp_fn, *defaults)
