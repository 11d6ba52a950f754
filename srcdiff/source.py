"""Reading a function's source as an AST with real file names and line numbers.

Takes a callable; gives the plain Python function to transform (`function_of`: a
bound method, a partial or a primitive with a rule becomes a small function with
source of its own, a `shim`; anything without source is a clear error), its
`def` (or lambda) node with absolute line numbers and columns
(`parse_function`), and the located error every frontend pass raises for a
construct it does not handle (`unsupported`), so a message always quotes the
user's file, line and column. Functions made from text (`closure_function`)
have their source in `linecache`, so srcdiff reads them like any other.
"""
from __future__ import annotations

import ast
import functools
import inspect
import keyword
import linecache
import math
import re
import textwrap
import types
import weakref

import numpy as np

from . import desugar, syntax
from .errors import Loc, NoSourceError, NotDifferentiableError, UnsupportedSyntaxError
from .rules.table import lookup


def describe(fn) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def function_of(fn, nargs=None):
    """The plain Python function to transform, or a clear error for anything else
    (`nargs`: the number of arguments of the call, for a primitive taking any number)."""
    shim = primitive_shim(fn) if nargs is None else varargs_shim(fn, nargs) or primitive_shim(
        fn) or star_shim(fn, nargs)
    if shim is not None:
        return shim
    if isinstance(fn, types.MethodType):
        return method_shim(fn)
    if isinstance(fn, functools.partial):
        return partial_shim(fn)
    if isinstance(fn, (np.vectorize, np.ufunc)):
        raise NotDifferentiableError(f"{fn!r} has no Python source to transform")
    if isinstance(fn, type):
        raise NotDifferentiableError(f"{describe(fn)} is a class, not a function")
    if not isinstance(fn, types.FunctionType):
        call = vars(type(fn)).get("__call__") or next(
            (vars(c)["__call__"] for c in type(fn).__mro__ if "__call__" in vars(c)), None)
        if isinstance(call, types.FunctionType):
            return method_shim(fn.__call__)  # an object of the user's class with __call__
        if callable(fn):
            raise NotDifferentiableError(
                f"{describe(fn)} ({type(fn).__name__}) is not a Python function with source; "
                "srcdiff differentiates plain `def` functions")
        raise NotDifferentiableError(f"{fn!r} is not callable")
    if hasattr(fn, "__wrapped__"):
        raise UnsupportedSyntaxError(
            f"{describe(fn)} is a wrapper around {describe(fn.__wrapped__)} (it has "
            "__wrapped__): srcdiff cannot see what the wrapper does; differentiate the "
            "undecorated function", _code_loc(fn))
    return fn


# (id of the object, method's function) -> shim, weak: a shim lives while a derivative
# holds it (its closure holds the object, so a strong cache would keep every object)
_SHIMS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def method_shim(m: types.MethodType):
    """A bound method `obj.loss` as the function `def loss(w, ...): return
    self.loss(w, ...)` over a closure cell `self` holding `obj`: its source (in
    linecache) is what srcdiff transforms, inlining the method, whose attribute
    reads `self.W` are read live at each call, as closure constants are."""
    func = m.__func__
    if not isinstance(func, types.FunctionType):
        raise NotDifferentiableError(f"{describe(m)} is a method with no Python source")
    key = (id(m.__self__), func)
    hit = _SHIMS.get(key)
    if hit is not None and hit.__closure__[hit.__code__.co_freevars.index(
            "self")].cell_contents is m.__self__:
        return hit
    params = [p for p in inspect.signature(m).parameters.values()]
    if any(p.kind not in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY) for p in params) or (
            "self" in {p.name for p in params}):
        raise NotDifferentiableError(
            f"{describe(m)}: srcdiff differentiates a bound method whose parameters are "
            "plain positional ones (no *args, **kwargs or keyword-only ones)")
    names = [p.name for p in params]
    defaults = {p.name: p.default for p in params if p.default is not p.empty}
    sig = ", ".join(f"{n}=__srcdiff_default_{n}" if n in defaults else n for n in names)
    held = "".join(f"__srcdiff_default_{n}, " for n in defaults)
    text = (f"def __srcdiff_method(self, {held}):\n"
            f"    def {func.__name__}({sig}):\n"
            f"        return self.{func.__name__}({', '.join(names)})\n"
            f"    return {func.__name__}\n")
    filename = f"<srcdiff: bound method {describe(m)} of {id(m.__self__):#x}>"
    shim = closure_function(text, filename, func.__globals__, m.__self__, *defaults.values())
    shim.__qualname__ = describe(m)
    _SHIMS[key] = shim
    return shim


_OPTIONS_NOT_FORWARDED = {"out", "dtype", "where", "casting", "order", "subok", "signature"}
_PRIMITIVE_SHIMS: dict = {}


def primitive_shim(fn):
    """A primitive with a derivative rule differentiated itself (`grad(np.sin)`,
    `vjp(np.kron, a, b)`, `jacobian(operator.mul)`) as the function
    `def sin(x): return np.sin(x)` over its rule's parameters (srcdiff then applies
    the rule as for any call); None for anything else."""
    if isinstance(fn, types.FunctionType) and (lookup(fn) is None or _has_source(fn) and (
            _users(fn))):  # (the user's own function is transformed from its source; a
        return None  # library's with a rule, scipy.special.polygamma, takes the rule)
    try:
        hit = _PRIMITIVE_SHIMS.get(fn)
    except TypeError:
        return None
    if hit is not None:
        return hit
    rule = lookup(fn)
    if rule is None or not rule.derivative or rule.varargs and not rule.zero:
        return None
    params = [p for p in rule.params if p not in rule.defaults or p not in
              _OPTIONS_NOT_FORWARDED] if not rule.varargs else _operands(fn)
    if not params or not all(p.isidentifier() for p in params):
        return None
    name = getattr(fn, "__name__", "f")
    name = name if name.isidentifier() and name not in params else "f"
    defaults = {p: rule.defaults[p] for p in params if p in rule.defaults}
    real = {}
    try:  # the function's own defaults where it has a signature (the rule's say only
        real = inspect.signature(fn).parameters  # whether an option was passed)
        defaults.update({p: real[p].default for p in defaults
                         if p in real and _literal(real[p].default)})
    except (TypeError, ValueError):
        pass
    if any(v.kind == v.VAR_KEYWORD for v in real.values()):  # np.pad(array, pad_width,
        # mode, **kwargs) refuses reflect_type=None: an option it takes by keyword alone
        # is left out (passed by keyword only, it is not passed by vjp or jvp)
        params = [p for p in params if p in real or defaults.get(p, 0) is not None]
        defaults = {p: d for p, d in defaults.items() if p in params}
    literal = {p: repr(d) for p, d in defaults.items() if _literal(d)}
    spelled = rule.name if _names(rule.name, fn) else "primitive"
    # the operands are the parameters before the first option with no derivative and
    # no float default (axis, keepdims): vjp's wrt=None differentiates them (and
    # norm.pdf's loc and scale) alone. Options may be passed by position as far as
    # the function's own signature takes them in the same order (np.pad(x, 1,
    # "constant")); the rest are keyword-only
    diff = set(rule.vjp) | set(rule.jvp)
    cut = next((i for i, p in enumerate(params) if p in defaults and p not in diff
                and not isinstance(defaults[p], float)), len(params))
    order = [p for p, v in real.items() if v.kind == v.POSITIONAL_OR_KEYWORD]
    pos = next((i for i in range(cut, len(params)) if i >= len(order) or order[i] != params[i]),
               len(params)) if order[:cut] == params[:cut] else cut
    spell = [p if p not in defaults else f"{p}={literal.get(p, f'__srcdiff_default_{p}')}"
             for p in params]
    sig = ", ".join(spell[:pos] + (["*"] + spell[pos:] if pos < len(params) else []))
    call = ", ".join(p if p not in defaults else f"{p}={p}" for p in params)
    held = "".join(f"__srcdiff_default_{p}, " for p in defaults if p not in literal)
    text = (f"def __srcdiff_primitive(primitive, {held}):\n"
            f"    def {name}({sig}):\n"
            f"        return {spelled}({call})\n"
            f"    return {name}\n")
    namespace = {"np": np, "math": math}
    shim = closure_function(text, f"<srcdiff: the primitive {rule.name}>", namespace, fn,
                            *(d for p, d in defaults.items() if p not in literal))
    shim.__srcdiff_operands__ = cut
    _PRIMITIVE_SHIMS[fn] = shim
    return shim


def varargs_shim(fn, n: int):
    """A primitive whose rule takes any number of arguments (np.einsum, max)
    differentiated itself with `n` of them: `def einsum(x0, x1, x2): return
    np.einsum(x0, x1, x2)`; None for anything else."""
    try:
        rule = lookup(fn)
    except TypeError:
        return None
    if rule is None or not rule.varargs or rule.zero or not rule.derivative or n < 1:
        return None
    key = (fn, n)
    if key not in _PRIMITIVE_SHIMS:
        name = getattr(fn, "__name__", "f")
        name = name if name.isidentifier() and not re.fullmatch(r"x\d+", name) else "f"
        spelled = rule.name if _names(rule.name, fn) else "primitive"
        params = ", ".join(f"x{i}" for i in range(n))
        text = (f"def __srcdiff_primitive(primitive):\n"
                f"    def {name}({params}):\n"
                f"        return {spelled}({params})\n"
                f"    return {name}\n")
        _PRIMITIVE_SHIMS[key] = closure_function(
            text, f"<srcdiff: the primitive {rule.name} of {n} arguments>",
            {"np": np, "math": math}, fn)
    return _PRIMITIVE_SHIMS[key]


_STAR_SHIMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def takes_star_args(fn, keywords=()) -> bool:
    """Whether `fn` is a Python function with *args or **kwargs (and no required
    keyword-only parameter but those in `keywords`): its derivatives are built for a
    call's number of positional arguments and its keywords' names (star_shim)."""
    if not isinstance(fn, types.FunctionType) or hasattr(fn, "__wrapped__"):
        return False
    params = inspect.signature(fn).parameters.values()
    return any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params) and not any(
        p.kind == p.KEYWORD_ONLY and p.default is p.empty and p.name not in keywords
        for p in params)


def star_shim(fn, n: int, keywords: tuple = ()):
    """`f(x, *args, **kw)` called with `n` positional arguments and the keywords
    `keywords` (vjp(f, a, b, c); grad(f)(a, b, c, scale=s)), as the function `def f(x,
    args_0, args_1, *, scale): return f(x, args_0, args_1, scale=scale)`, which srcdiff
    transforms by inlining `f` with its *args the tuple of the call and its **kw the
    dict (the positions are the call's: wrt=2 is `args_1`, as JAX's argnums; a keyword
    is held constant, as in JAX); None for a function without *args or **kwargs, or a
    call that does not fit its signature (Python's own TypeError then)."""
    if not takes_star_args(fn, keywords):
        return None
    sig = inspect.signature(fn).parameters.values()
    named = [p.name for p in sig if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = next((p.name for p in sig if p.kind == p.VAR_POSITIONAL), None)
    required = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and (
        p.default is p.empty) for p in sig)
    keyable = {p.name for p in sig if p.kind == p.KEYWORD_ONLY} | set(named[n:])
    starstar = any(p.kind == p.VAR_KEYWORD for p in sig)
    if n < required or star is None and n > len(named) or set(named[:n]) & set(keywords) or (
            not starstar and set(keywords) - keyable) or not all(
            k.isidentifier() and not keyword.iskeyword(k) for k in keywords):
        return None  # (the call's own TypeError)
    per = _STAR_SHIMS.setdefault(fn, {})
    if (n, keywords) not in per:
        taken = set(named) | set(fn.__code__.co_names)
        extra = [f"{star}_{i}" for i in range(n - len(named))]
        named = named[:n]
        if (taken | set(keywords)) & set(extra) or "user" in named + extra + list(keywords):
            return None
        params = ", ".join(named + extra + (["*", *keywords] if keywords else []))
        passed = ", ".join(named + extra + [f"{k}={k}" for k in keywords])
        name = fn.__name__ if fn.__name__.isidentifier() else "f"
        name = name if name not in named + extra + list(keywords) else "f"
        text = (f"def __srcdiff_star(user):\n"
                f"    def {name}({params}):\n"
                f"        return user({passed})\n"
                f"    return {name}\n")
        shown = f"{n} arguments" + (f" and keywords {', '.join(keywords)}" if keywords else "")
        per[(n, keywords)] = closure_function(text, f"<srcdiff: {describe(fn)} of {shown}>",
                                              {}, fn)
    return per[(n, keywords)]


def _operands(fn) -> list:
    """The operands of a function whose rule says only that its derivative is zero
    (np.sign, np.floor): a ufunc's inputs, or the parameters without a default."""
    if isinstance(fn, np.ufunc):
        return ["x"] if fn.nin == 1 else [f"x{i + 1}" for i in range(fn.nin)]
    try:
        return [p.name for p in inspect.signature(fn).parameters.values()
                if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
    except (TypeError, ValueError):
        return []


def _literal(v) -> bool:
    try:
        return ast.literal_eval(repr(v)) == v and type(ast.literal_eval(repr(v))) is type(v)
    except (ValueError, SyntaxError):
        return False


def _names(spelling: str, fn) -> bool:
    """Whether `spelling` (np.sin, math.exp) names `fn` with only numpy and math."""
    try:
        return eval(spelling, {"np": np, "math": math}) is fn  # a dotted name, from our table
    except Exception:
        return False


def _users(fn) -> bool:
    """Whether `fn` is the user's code, not a library's (a rule stands for the latter)."""
    home = (getattr(fn, "__module__", "") or "").split(".")[0]
    return home not in ("numpy", "scipy", "math", "operator", "builtins")


def _has_source(fn) -> bool:
    try:
        inspect.getsource(fn)
        return True
    except (OSError, TypeError):
        return False


def closure_function(text: str, filename: str, namespace: dict, *values):
    """The function returned by the one `def` in `text`, called with `values` (the
    closure cells its inner function reads), compiled against `namespace` with the
    text in `linecache`: a function srcdiff can read the source of and transform."""
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    scope: dict = {}
    exec(compile(text, filename, "exec"), namespace, scope)
    (make,) = scope.values()
    return make(*values)


def signature_text(params, prefix: str = "__srcdiff_default_") -> tuple[str, list, list]:
    """A def's parameter list for `params` (inspect.Parameter, plain positional and
    keyword-only ones): (`x, n=5, *, lam=__srcdiff_default_lam`, the closure names
    of the defaults that are not literals, their values). A literal default is
    written as it is, so the derivative's signature reads like the user's."""
    parts, held, values, star = [], [], [], False
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            raise NotDifferentiableError(
                f"srcdiff writes a function of plain positional and keyword-only "
                f"parameters here, not of *{p.name}")
        if p.kind == p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        d = p.default
        if d is p.empty:
            parts.append(p.name)
        elif type(d) in (int, bool, str, type(None)) or type(d) is float and math.isfinite(d):
            parts.append(f"{p.name}={d!r}")
        else:
            parts.append(f"{p.name}={prefix}{p.name}")
            held.append(f"{prefix}{p.name}")
            values.append(d)
    return ", ".join(parts), held, values


# id(partial) -> its shim, weak as _SHIMS is
_PARTIALS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def partial_shim(pf: functools.partial):
    """`functools.partial(loss, lam=0.2)` as the function `def loss(w, X, y, *,
    lam=0.2): return loss(w, X, y, lam=lam)`, its bound positional arguments and the
    function in closure cells: what srcdiff transforms (inlining `loss`); `wrt`
    counts the partial's own parameters, as calling it does."""
    hit = _PARTIALS.get(id(pf))
    if hit is not None and hit.__srcdiff_partial__ is pf:
        return hit
    func = function_of(pf.func)
    params = [p for p in inspect.signature(pf).parameters.values() if p.kind not in (
        p.VAR_POSITIONAL, p.VAR_KEYWORD)]  # (`partial(fit, delta=0.5)` of `fit(w, **opts)`:
    # the keywords bound, passed on into **opts; more are a TypeError of the shim)
    sig, held, defaults = signature_text(params)
    bound = [f"__srcdiff_arg{i}" for i in range(len(pf.args))]
    # keywords the partial binds into the function's **kwargs (no parameter shows them)
    into_star = [k for k in pf.keywords if k not in {p.name for p in params}]
    if not all(k.isidentifier() and not keyword.iskeyword(k) for k in into_star):
        raise NotDifferentiableError(f"{pf!r:.60}: srcdiff cannot name its keywords")
    kept = [f"__srcdiff_kw_{k}" for k in into_star]
    passed = bound + [p.name if p.kind != p.KEYWORD_ONLY else f"{p.name}={p.name}"
                      for p in params] + [f"{k}={c}" for k, c in zip(into_star, kept)]
    name = func.__name__ if func.__name__.isidentifier() else "f"
    text = (f"def __srcdiff_partial(__srcdiff_fn, {', '.join(bound + held + kept)}):\n"
            f"    def {name}({sig}):\n"
            f"        return __srcdiff_fn({', '.join(passed)})\n"
            f"    return {name}\n")
    shim = closure_function(text, f"<srcdiff: {pf!r:.60} at {id(pf):#x}>", func.__globals__,
                            func, *pf.args, *defaults, *[pf.keywords[k] for k in into_star])
    shim.__qualname__ = f"functools.partial({describe(func)})"
    shim.__srcdiff_partial__ = pf
    _PARTIALS[id(pf)] = shim
    return shim


def loc_of(filename: str, node) -> Loc:
    """Where `node` is, with its end column when it fits on one line (for the caret)."""
    return Loc(filename, getattr(node, "lineno", 1), getattr(node, "col_offset", 0),
               getattr(node, "end_col_offset", None)
               if getattr(node, "end_lineno", None) == getattr(node, "lineno", None) else None)


def unsupported(what: str, filename: str, node, hint: str = "") -> UnsupportedSyntaxError:
    """`srcdiff does not support <what>[; <hint>]` at `node`."""
    msg = f"srcdiff does not support {what}"
    if hint:
        msg += f"; {hint}"
    return UnsupportedSyntaxError(msg, loc_of(filename, node))


def _code_loc(fn) -> Loc:
    return Loc(fn.__code__.co_filename, fn.__code__.co_firstlineno, 0)


def parse_function(fn) -> tuple[ast.FunctionDef | ast.Lambda, str]:
    """The def (or lambda) node of `fn`, with absolute line numbers and columns."""
    code = fn.__code__
    filename = code.co_filename
    try:
        lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        raise NoSourceError(
            f"cannot read the source of {describe(fn)} (defined in {filename}); srcdiff "
            "needs a function defined in a file (not in exec/eval or an interactive "
            "session without source)") from None
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    indent = _indent_of(text, dedented)
    try:
        tree = ast.parse(dedented)
    except SyntaxError:
        tree = None
    if fn.__name__ == "<lambda>":
        node = _find_lambda(text, start, code, filename)
    else:
        node = None
        if tree is not None:
            for n in syntax.walk(tree):
                if (isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                        and n.name == code.co_name):
                    node = n
                    break
        if node is None:
            raise NoSourceError(f"cannot find the definition of {describe(fn)} in {filename}")
        ast.increment_lineno(tree, start - 1)
        for n in syntax.walk(node):
            if hasattr(n, "col_offset"):
                n.col_offset += indent
                if getattr(n, "end_col_offset", None) is not None:
                    n.end_col_offset += indent
    if isinstance(node, ast.AsyncFunctionDef):
        raise UnsupportedSyntaxError(
            f"{describe(fn)} is a coroutine (async def): srcdiff differentiates plain functions",
            Loc(filename, node.lineno, node.col_offset, node.col_offset + 9))
    return desugar.without_errstate(node, fn.__globals__), filename


def _indent_of(text: str, dedented: str) -> int:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    first_d = next((ln for ln in dedented.splitlines() if ln.strip()), "")
    return len(first) - len(first_d)


def _find_lambda(text, start, code, filename):
    src = "".join(linecache.getlines(filename))
    try:
        tree = ast.parse(src)
    except SyntaxError:
        tree = None
    found = []
    if tree is not None:
        for n in syntax.walk(tree):
            if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno:
                if [a.arg for a in n.args.args] == list(code.co_varnames[:code.co_argcount]):
                    found.append(n)
    if len(found) > 1:  # several on the line: the one whose span holds its code
        found = [n for n in found if _spans(n, code)]
    if len(found) != 1:
        raise NoSourceError(
            f"cannot tell which lambda on line {code.co_firstlineno} of {filename} this is; "
            "define the function with def")
    return found[0]


def _spans(node, code) -> bool:
    """Whether every instruction of `code` that has a position lies within `node`
    (`{"mse": lambda r: ..., "huber": lambda r: ...}`: two lambdas on one line)."""
    where = [(line, end, col, end_col) for line, end, col, end_col in code.co_positions()
             if None not in (line, end, col, end_col)
             and (line, col) != (end, end_col)]  # (not an empty span: RESUME's)
    return bool(where) and all(
        (node.lineno, node.col_offset) <= (line, col)
        and (end, end_col) <= (node.end_lineno, node.end_col_offset)
        for line, end, col, end_col in where)
