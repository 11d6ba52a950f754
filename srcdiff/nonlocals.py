"""Nested defs that rebind their enclosing function's names (`nonlocal total`).

Takes the statements of a function body; `problem` says where such a def is used
in a way this rewrite does not cover, `rewrite` gives the body with each such
def as a function of those names returning their new values:

    def add(v):                         def add(total, v):
        nonlocal total          ->          total = total + v
        total = total + v                   return None, total
    add(x ** 2)                         __nonlocal, total = add(total, x ** 2)

Python runs the same steps (the def reads the names as they are at the call and
the caller sees them rebound after it), and the caller's loops now assign the
names they change, so loop-carried values see them. Covered: a def at the top of
a body whose `nonlocal` statements open it, holding no def or lambda of its own,
called by name as a statement (`add(v)`) or as the whole value of an assignment
(`y = add(v)`) in the body that defines it; anything else is a located error.
"""
from __future__ import annotations

import ast
import copy

from . import syntax


RESULT = "__nonlocal"  # the value the call itself gives
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _closures(stmts) -> dict:
    """name -> (def, the names its opening `nonlocal` statements declare)."""
    out = {}
    for s in stmts:
        if isinstance(s, ast.FunctionDef):
            body = s.body[1:] if _docstring(s.body) else s.body
            names = [n for st in body if isinstance(st, ast.Nonlocal) for n in st.names]
            if names:
                out[s.name] = (s, names)
    return out


def _docstring(body) -> bool:
    return bool(body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                        ast.Constant)


def _own(node):
    """The nodes of `node` outside the defs and lambdas it holds."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        todo.extend(c for c in ast.iter_child_nodes(n) if not isinstance(c, _DEFS))


def _call_of(s, name: str):
    """The call of `name` that statement `s` is (`f(...)`, `y = f(...)`), or None."""
    v = s.value if isinstance(s, (ast.Expr, ast.Assign)) else None
    if isinstance(s, ast.Assign) and len(s.targets) != 1:
        return None
    if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == name:
        return v
    return None


def problem(fnode) -> tuple | None:
    """(what, node, hint) at the first use of a nonlocal-rebinding def in the body
    of the function `fnode` that `rewrite` does not cover (fence.py raises it,
    located), or None."""
    stmts = fnode.body
    a = fnode.args
    own = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
    own |= {n.id for s in stmts if not isinstance(s, _DEFS) for n in _own(s)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for name, (d, names) in _closures(stmts).items():
        outer = next((n for n in names if n not in own), None)
        if outer is not None:
            return (f"nonlocal {outer} in {name}, a name of a function around the one "
                    f"that defines {name}", d, "")
        body = d.body[1:] if _docstring(d.body) else d.body
        opening = len([s for s in body if isinstance(s, ast.Nonlocal)])
        for n in syntax.walk(d):
            if isinstance(n, ast.Nonlocal) and not any(n is s for s in body[:opening]):
                return ("a nonlocal declaration after other statements", n,
                        "declare the names at the top of the def")
            if n is not d and isinstance(n, (ast.FunctionDef, ast.Lambda, ast.AsyncFunctionDef)):
                return "a def or lambda inside a def that rebinds nonlocal names", n, ""
            if isinstance(n, ast.Name) and n.id == name:
                return f"{name} calling itself while it rebinds nonlocal names", n, ""
        a = d.args
        if a.vararg or a.kwarg or a.kwonlyargs:
            return (f"*args, **kwargs or keyword-only parameters of {name}, which rebinds "
                    "nonlocal names", d, "")
        called = {id(c.func) for s in stmts for n in _own(s) if isinstance(n, ast.stmt) and (
            c := _call_of(n, name)) is not None}
        local = _local_functions(fnode)
        called |= {id(c.func) for s in stmts for n in _own(s) if isinstance(n, ast.stmt)
                   for c in _hoistable(n, {name: names}, local) or ()}
        for s in stmts:
            for n in syntax.walk(s):
                if isinstance(n, ast.Name) and n.id == name and id(n) not in called:
                    return (f"{name}, which rebinds nonlocal names, used here other than "
                            f"called as a statement ({name}(...)), assigned (y = "
                            f"{name}(...)) or called in an expression evaluated whole "
                            f"before it rebinds (y = {name}(a) + {name}(b), return "
                            f"np.sum({name}(a)) / count; not in a loop's test, a branch "
                            "of `and`/`or`/`a if c else b` or a comprehension, nor with "
                            f"{', '.join(names)} or another function of yours read beside "
                            f"it) in the function that defines it", n,
                            "return the new values from it instead")
    return None


_SKIPPED = (ast.BoolOp, ast.IfExp, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
            ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)


def _local_functions(fnode) -> set:
    """The names the function `fnode` binds to a def or a lambda."""
    return {n.name for n in syntax.walk(fnode) if isinstance(n, ast.FunctionDef)} | {
        t.id for n in syntax.walk(fnode) if isinstance(n, ast.Assign)
        and isinstance(n.value, ast.Lambda) for t in n.targets if isinstance(t, ast.Name)}


def _hoistable(s, closures: dict, local: set) -> list | None:
    """The calls of the defs in `closures` (name -> the names it rebinds) inside
    statement `s` (an assignment of a name, a return, an expression statement, an
    `if`'s test), innermost and leftmost
    first, as Python runs them, when each can run before the rest of `s`: none in a
    part that may not run (`and`/`or`, `a if c else b`, a comprehension, a lambda),
    and nothing else in `s` reads the names they rebind or calls a function of the
    user's defined here (which could read them). None when there is none, or not so."""
    if isinstance(s, ast.If):
        parts = [s.test]
    elif isinstance(s, (ast.Assign, ast.AnnAssign)) and all(
            isinstance(t, ast.Name) for t in getattr(s, "targets", [getattr(s, "target", None)])):
        parts = [s.value] if s.value is not None else []
    elif isinstance(s, (ast.Return, ast.Expr)) and s.value is not None:
        parts = [s.value]
    elif isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
        parts = [s.target, s.value]
    else:
        return None
    rebound = {n for names in closures.values() for n in names}
    calls, inside = [], set()

    def visit(n, skipped):
        is_call = isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and (
            n.func.id in closures)
        for c in ast.iter_child_nodes(n):
            visit(c, skipped or isinstance(n, _SKIPPED))
        if is_call:
            calls.append((n, skipped))
            inside.update(id(m) for m in syntax.walk(n))

    for part in parts:
        visit(part, False)
    if not calls or any(skipped for _, skipped in calls):
        return None
    for part in parts:
        for n in syntax.walk(part):
            if id(n) in inside:
                continue
            if isinstance(n, ast.Name) and (n.id in rebound or n.id in closures) or (
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                    and n.func.id in local):
                return None
    return [c for c, _ in calls]


def rewrite(stmts: list) -> list:
    """`stmts` with each nonlocal-rebinding def and its calls rewritten (the module
    docstring); `stmts` itself when it has none."""
    closures = _closures(stmts)
    if not closures:
        return stmts
    out = []
    for s in stmts:
        if isinstance(s, ast.FunctionDef) and s.name in closures:
            out.append(_returning(s, closures[s.name][1]))
        else:
            got = _calls(s, closures)
            out += got if isinstance(got, list) else [got]
    return out


def _returning(d: ast.FunctionDef, names: list) -> ast.FunctionDef:
    d = syntax.copy(d)

    def packed(value, at):
        loc = dict(lineno=at.lineno, col_offset=at.col_offset, end_lineno=at.end_lineno,
                   end_col_offset=at.end_col_offset)
        first = value if value is not None else ast.Constant(None, **loc)
        return ast.Tuple([first] + [ast.Name(n, ast.Load(), **loc) for n in names],
                         ast.Load(), **loc)

    for n in syntax.walk(d):
        if isinstance(n, ast.Return):
            n.value = packed(n.value, n)
    d.body = [s for s in d.body if not isinstance(s, ast.Nonlocal)]
    if not d.body or not isinstance(d.body[-1], ast.Return):
        end = d.body[-1] if d.body else d
        d.body.append(ast.copy_location(ast.Return(packed(None, end)), end))
    new = [ast.arg(n) for n in names]
    if d.args.posonlyargs:
        d.args.posonlyargs = new + d.args.posonlyargs
    else:
        d.args.args = new + d.args.args
    return d


def _calls(s, closures: dict):
    """Statement `s` with the calls of the defs in `closures` rebinding their names."""
    for name, (_, names) in closures.items():
        call = _call_of(s, name)
        if call is not None:
            loc = dict(lineno=s.lineno, col_offset=s.col_offset, end_lineno=s.end_lineno,
                       end_col_offset=s.end_col_offset)
            call = copy.copy(call)
            call.args = [ast.Name(n, ast.Load(), **loc) for n in names] + call.args
            target = ast.Tuple([ast.Name(RESULT, ast.Store(), **loc)] + [
                ast.Name(n, ast.Store(), **loc) for n in names], ast.Store(), **loc)
            first = ast.Assign([target], call, **loc)
            if isinstance(s, ast.Expr):
                return first
            return [first, ast.Assign(s.targets, ast.Name(RESULT, ast.Load(), **loc), **loc)]
    if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return s
    calls = _hoistable(s, {k: v[1] for k, v in closures.items()}, set())  # (problem()
    # checked the functions called)
    if calls is not None:
        return _hoisted(s, calls, closures)
    s = copy.copy(s)
    for field in ("body", "orelse", "finalbody"):
        block = getattr(s, field, None)
        if isinstance(block, list):
            new = []
            for st in block:
                got = _calls(st, closures)
                new += got if isinstance(got, list) else [got]
            setattr(s, field, new)
    return s


def _hoisted(s, calls: list, closures: dict) -> list:
    """`y = f(a) + f(b)` -> `__nonlocal0_f, n = f(n, a); __nonlocal1_f, n = f(n, b);
    y = __nonlocal0_f + __nonlocal1_f`: each call run first, in order, its value named."""
    loc = dict(lineno=s.lineno, col_offset=s.col_offset, end_lineno=s.end_lineno,
               end_col_offset=s.end_col_offset)
    names = {id(c): f"{RESULT}{k}_{c.func.id}" for k, c in enumerate(calls)}  # (lower_names
    # .shown writes it as the function's name: `f`, `f_1`)

    def named(node):
        """A copy of `node` with each call in `names` (below `node`) its name."""
        memo: dict = {}
        new = copy.deepcopy(node, memo)
        mapped = {id(memo[k]): v for k, v in names.items() if k in memo and k != id(node)}

        class Put(ast.NodeTransformer):
            def visit_Call(self, n):
                if id(n) in mapped:
                    return ast.Name(mapped[id(n)], ast.Load(), **loc)
                return self.generic_visit(n)

        return Put().visit(new)

    out = []
    for c in calls:
        call = named(c)
        rebound = closures[c.func.id][1]
        call.args = [ast.Name(n, ast.Load(), **loc) for n in rebound] + list(call.args)
        target = ast.Tuple([ast.Name(names[id(c)], ast.Store(), **loc)] + [
            ast.Name(n, ast.Store(), **loc) for n in rebound], ast.Store(), **loc)
        out.append(ast.Assign([target], call, **loc))
    return out + [named(s)]
