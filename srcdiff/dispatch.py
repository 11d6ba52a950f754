"""The call path of a derivative function, written as Python for its cached
specialisations: a call whose arguments match one (each argument's type, an array's
number of dimensions, a real dtype, a setting's value: a bool, a string), with the
rule table unchanged and the globals the code assumed still bound as they were, runs
the generated derivative after those inline checks; anything else takes the general path
(`Derivative._call`, which specialises, rebuilds or reports). Written again
whenever the cache changes, so the checks are constants, not a loop."""
from __future__ import annotations

import ast
import linecache
import types

import numpy as np

from . import provenance, syntax
from .rules.table import VERSION
from .kinds import ArrayKey, ItemTypes
from .spelling import MISSING

LIMIT = 8  # specialisations checked inline; more go through the general path
NO = object()  # an argument not passed


def dispatcher(name: str, params: list, entries: list, wrt: tuple, version: int, general,
               fallback, undefined, arithmetic):
    """`__call__` for `entries`, a list of (key, entry): key as `transform.kinds_key`
    gives it, entry with `.fn`, `.unwrap` and `.guards` ((namespace, name, object or
    type, by_type)). `name`: the derivative's, as Python's own call errors say it.
    `params` are `f`'s (inspect.Parameter, all positional): the
    call path takes them by their names where it can (so keywords and defaults are
    bound by Python itself), else as a0, a1, ... positionally. `general(self,
    names, args, more, kwargs)` takes calls of another shape (extra arguments,
    unknown keywords, a required argument missing: it reports them), `fallback(self,
    args)` calls no entry matches."""
    named = all(p.kind == p.POSITIONAL_OR_KEYWORD and not p.name.startswith("_")
                for p in params)
    names = [p.name if named else f"a{i}" for i, p in enumerate(params)]
    args = ", ".join(names) + ("," if len(names) == 1 else "")
    scope = {"_NO": NO, "_ndarray": np.ndarray, "_float64": np.dtype(float), "_general": general,
             "_fallback": fallback, "_undefined": undefined, "_ARITHMETIC": arithmetic,
             "_version": version, "_VERSION": VERSION, "_type": type, "_str": str,
             "_item_types": ItemTypes.of, "_array_key": ArrayKey.of,
             "_KeyError": KeyError, "_names": tuple(names) if named else None,
             "_note": provenance.note}
    defaults = {i: p.default for i, p in enumerate(params) if p.default is not p.empty}
    required = [a for i, a in enumerate(names) if i not in defaults]
    missing = f" or {required[-1]} is _NO" if required else ""
    # named: a keyword not among f's is Python's own TypeError (no dict built per call)
    kw, more = ("", "") if named else (", **__kw", " or __kw")
    lines = [f"def __call__(__self, {''.join(f'{a}=_NO, ' for a in names)}*__more{kw}):",
             f"    if __more{more}{missing} or _VERSION[0] != _version:",
             f"        return _general(__self, _names, ({args}), __more, "
             f"{'{}' if named else '__kw'})"]
    for i, value in sorted(defaults.items()):
        scope[f"_d{i}"] = value
        lines += [f"    if {names[i]} is _NO:", f"        {names[i]} = _d{i}"]
    lines += [f"    __t{i} = _type({a})" for i, a in enumerate(names)]
    for e, (key, entry) in enumerate(entries[:LIMIT]):
        tests = []
        for i, (a, k) in enumerate(zip(names, key)):
            if isinstance(k, tuple) and len(k) == 2 and k[0] == "static" and (
                    type(k[1]) in (bool, str)):  # a setting: a bool, a string
                scope[f"_s{e}_{i}"] = k[1]
                tests.append(f"{a} is _s{e}_{i}" if type(k[1]) is bool else
                             f"__t{i} is _str and {a} == _s{e}_{i}")
            elif isinstance(k, tuple):  # an array: (ndarray, shapes.key)
                if len(k) != 2 or k[0] is not np.ndarray or not isinstance(k[1], tuple):
                    break  # a subclass, a container, a key this does not test: general
                tests.append(_array_test(i, a, k[1], scope))
            elif k in (list, tuple, dict):
                break  # containers: checked at every call, on the general path
            else:
                scope[f"_t{e}_{i}"] = k
                tests.append(f"__t{i} is _t{e}_{i}")
        else:
            lines += [f"    if {' and '.join(tests)}:"]
            lines += _guarded(e, entry, args, scope, len(entries) > 1)
    lines.append(f"    return _fallback(__self, ({args}))")
    text = "\n".join(lines) + "\n"
    if named and len(entries) == 1 and (call := _merged(text, scope, entries[0][1], names)):
        call.__code__ = call.__code__.replace(co_name=name, co_qualname=name)
        return call
    code = _CODE.get(text)
    if code is None:  # the text names its constants: one compile serves every function
        code = _CODE[text] = compile(text, f"<srcdiff: call with {len(names)} arguments>",
                                     "exec")
    exec(code, scope)
    call = scope["__call__"]
    call.__code__ = call.__code__.replace(co_name=name, co_qualname=name)  # (its errors)
    return call


_CODE: dict = {}  # the text of a call path -> its code


def _array_test(i: int, a: str, key: tuple, scope: dict) -> str:
    """An inline test that argument `a` (type `__t<i>`) has shapes.key `key`: its
    dtype, number of dimensions and which of them have size 1. Written for speed
    (a µs-scale gradient pays for every attribute read): the dtype by identity (a
    byte-swapped array's is another object: the general path takes it), the shape
    read once, a vector's by its size."""
    char, ndim = key[0], key[1]
    scope[f"_dt{i}_{ord(char)}"] = np.dtype(char)  # ('?' is a bool's: not a name)
    test = f"__t{i} is _ndarray and {a}.dtype is _dt{i}_{ord(char)} and {a}.ndim == {ndim}"
    if len(key) == 2:  # no dimension of size 1
        return test + (f" and {a}.size != 1" if ndim == 1 else
                       f" and 1 not in {a}.shape" if ndim else "")
    shape = f"__s{i}"
    units = " and ".join(f"{f'({shape} := {a}.shape)' if j == 0 else shape}[{j}] "
                         f"{'==' if one else '!='} 1" for j, one in enumerate(key[2]))
    return f"{test} and {units}"


def _guarded(e: int, entry, args: str, scope: dict, several: bool) -> list:
    """The body run when entry `e`'s kinds match: its guards, then its function. With
    one entry cached, the latest call (what `.source` shows) ran it: every other call
    takes the general path, which records what it ran."""
    checks, seen = [], {}
    for ns, name, obj, by_type in entry.guards:
        if id(ns) not in seen:
            seen[id(ns)] = f"_n{e}_{len(seen)}"
            scope[seen[id(ns)]] = ns
        spot = f"{seen[id(ns)]}[{name!r}]"
        if obj is MISSING:
            checks.append(f"{name!r} not in {seen[id(ns)]}")
            continue
        o = f"_o{e}_{len(checks)}"
        scope[o] = obj
        if isinstance(obj, ItemTypes):  # a module table's items: checked at every call
            checks.append(f"_item_types({spot}) == {o}")
        elif isinstance(obj, ArrayKey):  # a module array's rank and unit dimensions
            checks.append(f"_array_key({spot}) == {o}")
        else:
            checks.append(f"{'_type(' + spot + ')' if by_type else spot} is {o}")
    scope[f"_e{e}"], scope[f"_f{e}"] = entry, entry.fn
    call = f"_f{e}({args})" + ("[1]" if entry.unwrap else "")
    body = [f"__self._last = _e{e}"] * several + [
            "try:",
            f"    return {call}",
            "except _ARITHMETIC as __e:",
            f"    raise _undefined(__self._fn, ({args}), {{}}, __e, __self.primal) from None",
            "except Exception as __e:",  # (no cost unless raised)
            "    _note(__e)",
            "    raise"]
    if not checks:
        return ["        " + ln for ln in body]
    return (["        try:",
             f"            __held = {' and '.join(checks)}",
             "        except _KeyError:",
             "            __held = False",
             "        if __held:"]
            + ["            " + ln for ln in body])


def _merged(text: str, scope: dict, entry, names: list):
    """The call path with the one cached function's body in place of its call: a
    scalar gradient of ~0.2 µs paid a second Python frame (~50 ns) for the call.
    Its statements keep their lines in the function's file (`.source`'s text, in
    linecache), so tracebacks and notes read as they did; the checks' constants
    arrive as closure cells and the body's globals are `f`'s module dict (read
    live, as before). None (the plain call path) where the body's source is not
    at hand, or a name of the call path could capture one of the body's."""
    fn = entry.fn
    code = fn.__code__
    lines = linecache.getlines(code.co_filename)
    try:
        (func,) = ast.parse("".join(lines)).body
    except (SyntaxError, ValueError):
        return None
    if (not isinstance(func, ast.FunctionDef) or func.name != code.co_name
            or [a.arg for a in func.args.args] != names or func.args.vararg or func.args.kwarg
            or func.args.kwonlyargs or func.decorator_list):
        return None
    own = {n.id for n in syntax.walk(func) if isinstance(n, ast.Name)} | {
        n.name for n in syntax.walk(func) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    if own & set(scope) or any(n.startswith("__") for n in own - set(code.co_freevars)):
        return None
    tree = ast.parse(text)
    call = tree.body[0]
    site = next((n for n in syntax.walk(call) if isinstance(n, ast.Try) and isinstance(
        n.body[0], ast.Return) and isinstance(n.body[0].value, (ast.Call, ast.Subscript))), None)
    if site is None:  # (its kinds are not tested inline: every call takes the general path)
        return None
    body = func.body  # (parsed here: its own)
    if entry.unwrap:  # (value, gradient): its returns give the gradient
        for n in _returns(body):
            n.value = ast.Subscript(n.value, ast.Constant(1), ast.Load())
    for n in syntax.walk(call):  # the checks: at the def's line
        if hasattr(n, "lineno"):
            n.lineno = n.end_lineno = func.lineno
    site.body = body
    outer = sorted(scope) + [v for v in code.co_freevars if v not in scope]
    wrapper = ast.FunctionDef("__srcdiff_call__", ast.arguments(
        [], [ast.arg(v) for v in outer], None, [], [], None, []), [call, ast.Return(
            ast.Name(call.name, ast.Load()))], [], None, lineno=func.lineno)
    module = ast.fix_missing_locations(ast.Module([wrapper], []))
    compiled = compile(module, code.co_filename, "exec")
    made = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in made.co_consts if isinstance(c, types.CodeType))
    cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
    closure = tuple(cells[v] if v in cells and v not in scope else types.CellType(scope[v])
                    for v in inner.co_freevars)
    return types.FunctionType(inner, fn.__globals__, inner.co_name, (NO,) * len(names),
                              closure or None)


def _returns(stmts: list):
    """The `return` statements of a function body, not of the functions it defines."""
    todo = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Return):
            yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(n))
