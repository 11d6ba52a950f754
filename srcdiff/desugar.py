"""AST -> AST rewrites into the constructs the lowering knows.

Takes parts of a fenced `def` (see fence.py); gives plain ASTs with the same
meaning, located at the user's nodes. No rewrite reads the function's values or
environment (a caller that must resolve a name passes a predicate), so each is
a pure function, tested on its own in tests/test_desugar.py:

- `body`: the body without its docstring, with `return` inside loops turned into
  flags and `break` (`returns_out_of_loops`), so all control flow is structured;
- `sum_loop`: `sum(e for i in it if c)` -> the loop that accumulates it;
- `hoist`: `if (y := f(x)) > 0:` -> assign `y` first, then test `y > 0`.

`sum_loop` and `hoist` are applied by the lowering at the node where they occur,
not to the whole function first: a `sum` in one branch of `a if c else b` must
run only in that branch, and its loop variable must not leak into the function.
"""
from __future__ import annotations

import ast
import copy
import math

import numpy as np

from . import nonlocals, syntax

ACC = "__acc"  # the accumulator of a `sum` loop
ITEMS = "__items"  # the list a list comprehension's loop builds
MAPFN = "__mapfn"  # the lambda `map(lambda ..., xs)` calls
REDUCED, REDUCE_ITEM = "__reduced", "__item"  # functools.reduce's accumulator and item
RET, RETFLAG = "__ret", "__retflag"  # the value and the flag of a return inside a loop


def _loc(node, end: int | None = None) -> dict:
    return dict(lineno=node.lineno, col_offset=node.col_offset, end_lineno=node.lineno
                if end is not None else node.end_lineno,
                end_col_offset=end if end is not None else node.end_col_offset)


def body(node: ast.FunctionDef, implicit_return: bool = False) -> list:
    """The statements to lower: the docstring dropped, loop returns rewritten;
    with `implicit_return` (a helper), the `return None` Python adds at the end."""
    stmts = node.body
    if stmts and isinstance(stmts[0], ast.Expr) and isinstance(stmts[0].value, ast.Constant):
        stmts = stmts[1:]
    if implicit_return and not (stmts and isinstance(stmts[-1], ast.Return)):
        end = stmts[-1] if stmts else node
        loc = dict(lineno=end.end_lineno, col_offset=end.col_offset,
                   end_lineno=end.end_lineno, end_col_offset=end.end_col_offset)
        stmts = list(stmts) + [ast.Return(None, **loc)]
    return with_loop_returns(without_finally(nonlocals.rewrite(stmts)))


CAUGHT = "__caught"  # which handler of a try/except runs (-1: none)


def without_finally(stmts: list) -> list:
    """`try: A finally: B` (no handler, no return, break or continue in A: the
    fence checks) -> `A; B`, in every block: the same steps where A does not raise,
    and where it does f raises and so does its derivative. A try with handlers
    (`try_branches`) first becomes the branch it takes."""
    out = []
    for s in stmts:
        if isinstance(s, ast.Try) and s.handlers:
            s = ast.copy_location(ast.Try(try_branches(s), [], [], s.finalbody), s)
        if isinstance(s, ast.Try) and not s.handlers:
            out += without_finally(s.body) + without_finally(s.finalbody)
            continue
        if any(isinstance(getattr(s, f, None), list) for f in ("body", "orelse")) and (
                not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))):
            s = copy.copy(s)
            for f in ("body", "orelse"):
                if isinstance(getattr(s, f, None), list):
                    setattr(s, f, without_finally(getattr(s, f)))
        out.append(s)
    return out


def try_branches(s: ast.Try) -> list:
    """`try: S except E1: H1 except E2: H2 else: L` of one statement S (an assignment
    or a return, with no call of the user's functions: the fence checks) -> which
    handler catches what S's expression raises, learnt by running it at the primal
    values (`_caught`), then the branch taken, as an `if` on that: `S; L` where it
    raises nothing, else the handler. The derivative follows the path taken, as for
    any `if`; S's expression runs twice there (once to learn whether it raises)."""
    at = _loc(s.body[0])
    attempt = ast.Lambda(ast.arguments([], [], None, [], [], None, []), s.body[0].value, **at)
    kinds = [h.type if h.type is not None else ast.Name("BaseException", ast.Load(), **at)
             for h in s.handlers]
    probe = ast.Call(ast.Name("_caught", ast.Load(), **at), [attempt] + kinds, [], **at)
    which = ast.Name(CAUGHT, ast.Load(), **at)
    test = ast.Compare(which, [ast.Lt()], [ast.Constant(0, **at)], **at)
    chain = ast.If(test, list(s.body) + list(s.orelse), _handlers(s, which, at), **_loc(s))
    return [ast.Assign([ast.Name(CAUGHT, ast.Store(), **at)], probe, **at), chain]


def _handlers(s: ast.Try, which, at) -> list:
    """The handlers of `s` as an if/elif chain on which one caught (the last one
    needs no test: something was caught)."""
    chain = list(s.handlers[-1].body)
    for i in reversed(range(len(s.handlers) - 1)):
        h = s.handlers[i]
        test = ast.Compare(which, [ast.Eq()], [ast.Constant(i, **at)], **at)
        chain = [ast.If(test, list(h.body), chain, **_loc(h))]
    return chain


def returns_out_of_loops(stmts: list, in_loop: bool = False) -> list:
    """`return v` inside a loop becomes `__ret = v; __retflag = True; break`, and
    each loop holding one is followed by `if __retflag: break` (inside another
    loop) or `if __retflag: return __ret`: the same semantics, in the structured
    control flow the rest of srcdiff knows."""
    out = []
    for s in stmts:
        if isinstance(s, ast.Return) and in_loop:
            loc = _loc(s)
            value = s.value if s.value is not None else ast.Constant(None, **loc)
            out += [ast.Assign([ast.Name(RET, ast.Store(), **loc)], value, **loc),
                    ast.Assign([ast.Name(RETFLAG, ast.Store(), **loc)],
                               ast.Constant(True, **loc), **loc),
                    ast.Break(**loc)]
            break
        if isinstance(s, (ast.For, ast.While)) and any(
                isinstance(n, ast.Return) for n in syntax.walk(ast.Module(s.body, []))):
            forever = (isinstance(s, ast.While) and isinstance(s.test, ast.Constant)
                       and s.test.value is True and not contains(s.body, ast.Break))
            s = copy.copy(s)
            s.body = returns_out_of_loops(s.body, True)
            s.orelse = returns_out_of_loops(s.orelse, in_loop)
            loc = _loc(s, s.col_offset + 3)
            leave = [ast.Break(**loc)] if in_loop else [
                ast.Return(ast.Name(RET, ast.Load(), **loc), **loc)]
            if forever:  # `while True:` is left only by its returns
                out += [s] + leave
                break
            out += [s, ast.If(ast.Name(RETFLAG, ast.Load(), **loc), leave, [], **loc)]
            continue
        if isinstance(s, ast.If):
            s = copy.copy(s)
            s.body = returns_out_of_loops(s.body, in_loop)
            s.orelse = returns_out_of_loops(s.orelse, in_loop)
        out.append(s)
    return out


def with_loop_returns(stmts: list) -> list:
    """The statements with loop returns rewritten, and the two flags they use set first."""
    new = returns_out_of_loops(stmts)
    if new == stmts or all(a is b for a, b in zip(new, stmts)) and len(new) == len(stmts):
        return stmts
    loc = _loc(stmts[0], stmts[0].col_offset)
    return [ast.Assign([ast.Name(RETFLAG, ast.Store(), **loc)], ast.Constant(False, **loc),
                       **loc),
            ast.Assign([ast.Name(RET, ast.Store(), **loc)], _placeholder(stmts, loc),
                       **loc)] + new


def _placeholder(stmts, loc) -> ast.expr:
    """What `__ret` holds before a loop returns: 0.0, or a tuple of zeros shaped like
    what every `return` inside a loop gives (`return x, i` in a helper), so the
    loops carry it entry by entry."""
    def shape(v):
        if isinstance(v, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in v.elts):
            return tuple(shape(e) for e in v.elts)
        return None

    def zeros(sh):
        if sh is None:
            return ast.Constant(0.0, **loc)
        return ast.Tuple([zeros(e) for e in sh], ast.Load(), **loc)

    loops = [n for s in stmts for n in syntax.walk(s) if isinstance(n, (ast.For, ast.While))]
    shapes = {shape(n.value) for lp in loops for n in syntax.walk(ast.Module(lp.body, []))
              if isinstance(n, ast.Return) and n.value is not None}
    return zeros(shapes.pop()) if len(shapes) == 1 else ast.Constant(0.0, **loc)


def contains(stmts, types) -> bool:
    """Whether `types` occur in `stmts`, not counting nested loops and defs."""
    todo = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, types):
            return True
        if isinstance(n, (ast.For, ast.While, ast.FunctionDef, ast.Lambda)):
            if isinstance(n, (ast.For, ast.While)):
                todo.extend(n.orelse)
            continue
        todo.extend(ast.iter_child_nodes(n))
    return False


def summed(obj, call: ast.Call) -> bool:
    """Whether `call` (of `obj`) is `sum(<comprehension>[, start])` or
    `math.fsum(<comprehension>)`, which `sum_loop` rewrites."""
    return ((obj is sum and 1 <= len(call.args) <= 2 or obj is math.fsum
             and len(call.args) == 1) and not call.keywords
            and isinstance(call.args[0], (ast.GeneratorExp, ast.ListComp)))


def summed_display(obj, call: ast.Call) -> bool:
    """Whether `call` (of `obj`) is `sum([a, b, c][, start])` of a list or tuple
    display, which `display_sum` unrolls."""
    return (obj is sum and 1 <= len(call.args) <= 2 and not call.keywords
            and isinstance(call.args[0], (ast.List, ast.Tuple))
            and not any(isinstance(e, ast.Starred) for e in call.args[0].elts))


def display_sum(call: ast.Call) -> ast.expr:
    """`sum([a, b, c], start)` -> `start + a + b + c`, the additions `sum` makes, in
    its order: each item's cotangent is the sum's own, with no list built."""
    total = call.args[1] if len(call.args) == 2 else ast.Constant(0)
    for e in call.args[0].elts:
        total = ast.copy_location(ast.BinOp(total, ast.Add(), e), call)
    return ast.copy_location(total, call)


def sum_loop(call: ast.Call) -> tuple[list, set]:
    """`sum(e for i in it if c[, start])` -> (`__acc = start; for i in it: if c:
    __acc = __acc + e`, the names the loop binds). The caller lowers the loop and
    then restores those names: a comprehension's variables are its own."""
    gen = call.args[0]
    start = call.args[1] if len(call.args) == 2 else ast.Constant(0)
    step = ast.Assign([ast.Name(ACC, ast.Store())],
                      ast.BinOp(ast.Name(ACC, ast.Load()), ast.Add(), gen.elt))
    return _loop(gen, ACC, start, step, call)


def list_loop(comp: ast.ListComp | ast.GeneratorExp) -> tuple[list, set]:
    """`[e for i in it if c]` (or a generator expression, as its consumer sees it: its
    items in order) -> (`__items = []; for i in it: if c: __items.append(e)`, the
    names the loop binds), lowered and restored as `sum_loop`'s."""
    append = ast.Attribute(ast.Name(ITEMS, ast.Load()), "append", ast.Load())
    step = ast.Expr(ast.Call(append, [comp.elt], []))
    return _loop(comp, ITEMS, ast.List([], ast.Load()), step, comp)


def map_comprehension(call: ast.Call) -> ast.ListComp:
    """`map(f, xs, ys)` as `[f(a, b) for a, b in zip(xs, ys)]` (its consumer sees
    the same items in the same order)."""
    names = [f"__map{i}" for i in range(len(call.args) - 1)]
    elt = ast.Call(call.args[0], [ast.Name(n, ast.Load()) for n in names], [])
    if len(names) == 1:
        target, it = ast.Name(names[0], ast.Store()), call.args[1]
    else:
        target = ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
        it = ast.Call(ast.Name("zip", ast.Load()), call.args[1:], [])
    comp = ast.ListComp(elt, [ast.comprehension(target, it, [], 0)])
    for n in syntax.walk(comp):
        if not hasattr(n, "lineno"):
            ast.copy_location(n, call)
    return comp


def reduce_loop(call: ast.Call, fn: str) -> tuple[list, set] | None:
    """`functools.reduce(f, xs, init)` -> (`__reduced = init; for __item in xs:
    __reduced = f(__reduced, __item)`, the names it binds), `f` read as the name `fn`
    (bound once, as reduce evaluates it once); without `init` the first item starts
    (`xs[0]`, then `xs[1:]`), for `xs` a name only (read twice). None otherwise."""
    seq = call.args[1]
    if len(call.args) == 2 and not isinstance(seq, ast.Name):
        return None
    start = call.args[2] if len(call.args) == 3 else ast.Subscript(seq, ast.Constant(0),
                                                                     ast.Load())
    if len(call.args) == 2:
        seq = ast.Subscript(syntax.copy(seq), ast.Slice(ast.Constant(1), None, None),
                            ast.Load())
    step = ast.Assign([ast.Name(REDUCED, ast.Store())], ast.Call(ast.Name(fn, ast.Load()), [
        ast.Name(REDUCED, ast.Load()), ast.Name(REDUCE_ITEM, ast.Load())], []))
    gen = ast.comprehension(ast.Name(REDUCE_ITEM, ast.Store()), seq, [], 0)
    return _loop(ast.GeneratorExp(step, [gen]), REDUCED, start, step, call)


def accumulate_loop(call: ast.Call, fn: str | None) -> tuple[list, set] | None:
    """`itertools.accumulate(xs[, f][, initial=v])` -> (`__reduced = v; __items =
    [__reduced]; for __item in xs: __reduced = f(__reduced, __item);
    __items.append(__reduced)`, the names it binds), `f` read as the name `fn` (None:
    addition, which starts from 0, so an empty xs gives []); without `initial` and
    with `f` the first item starts (`xs[0]`, then `xs[1:]`), for `xs` a name only.
    None otherwise."""
    initial = next((k.value for k in call.keywords if k.arg == "initial"), None)
    if len(call.args) not in (1, 2) or any(k.arg != "initial" for k in call.keywords) or (
            fn is not None and initial is None and not isinstance(call.args[0], ast.Name)):
        return None
    seq = call.args[0]
    items = []
    if initial is None and fn is None:
        start = ast.Constant(0)
    elif initial is None:
        start = ast.Subscript(seq, ast.Constant(0), ast.Load())
        seq = ast.Subscript(syntax.copy(seq), ast.Slice(ast.Constant(1), None, None),
                            ast.Load())
        items = [ast.Name(REDUCED, ast.Load())]
    else:
        start, items = initial, [ast.Name(REDUCED, ast.Load())]
    acc, item = ast.Name(REDUCED, ast.Load()), ast.Name(REDUCE_ITEM, ast.Load())
    value = ast.BinOp(acc, ast.Add(), item) if fn is None else ast.Call(
        ast.Name(fn, ast.Load()), [acc, item], [])
    append = ast.Expr(ast.Call(ast.Attribute(ast.Name(ITEMS, ast.Load()), "append",
                                             ast.Load()), [ast.Name(REDUCED, ast.Load())], []))
    stmts = [ast.Assign([ast.Name(REDUCED, ast.Store())], start),
             ast.Assign([ast.Name(ITEMS, ast.Store())], ast.List(items, ast.Load())),
             ast.For(ast.Name(REDUCE_ITEM, ast.Store()), seq, [
                 ast.Assign([ast.Name(REDUCED, ast.Store())], value), append], [])]
    for st in stmts:
        for n in syntax.walk(st):
            if not hasattr(n, "lineno"):
                ast.copy_location(n, call)
    return stmts, {REDUCED, REDUCE_ITEM, ITEMS}


def _loop(gen, acc: str, start, step, where) -> tuple[list, set]:
    loop = [step]
    for g in reversed(gen.generators):
        for cond in reversed(g.ifs):
            loop = [ast.If(cond, loop, [])]
        loop = [ast.For(g.target, g.iter, loop, [])]
        loop[0].scoped = True  # (a comprehension's targets are its own: none outlive it)
    stmts = [ast.Assign([ast.Name(acc, ast.Store())], start)] + loop
    for st in stmts:
        for n in syntax.walk(st):
            if not hasattr(n, "lineno"):
                ast.copy_location(n, where)
    targets = {n.id for g in gen.generators for n in syntax.walk(g.target)
               if isinstance(n, ast.Name)} | {acc}
    return stmts, targets


def hoist(node: ast.expr, lowered_call, key) -> tuple[ast.expr, list]:
    """A condition with its walrus assignments, and the calls `lowered_call(call)`
    says are lowered (the user's own functions), taken out in evaluation order:
    (the condition reading names instead, [(name, node, is_walrus)]). The caller
    lowers each `node` and binds it to `name` (`key()` names a hoisted call) before
    the condition. Not where it would run conditionally (after `and`/`or`, in a
    branch of `a if c else b`, in a comprehension or lambda): those stay in place."""
    if not any(isinstance(n, ast.NamedExpr)
               or isinstance(n, ast.Call) and lowered_call(n) for n in syntax.walk(node)):
        return node, []
    taken: list = []

    class Hoist(ast.NodeTransformer):
        def visit_BoolOp(self, n):
            n.values[0] = self.visit(n.values[0])
            return n

        def visit_IfExp(self, n):
            n.test = self.visit(n.test)
            return n

        def generic_visit(self, n):
            if isinstance(n, (ast.Lambda, ast.comprehension, ast.ListComp,
                              ast.GeneratorExp, ast.SetComp, ast.DictComp)):
                return n
            return super().generic_visit(n)

        def visit_NamedExpr(self, n):
            taken.append((n.target.id, n.value, True))
            return ast.copy_location(ast.Name(n.target.id, ast.Load()), n)

        def visit_Call(self, n):
            if not lowered_call(n):
                return super().generic_visit(n)
            name = key()
            taken.append((name, n, False))
            return ast.copy_location(ast.Name(name, ast.Load()), n)

    return Hoist().visit(syntax.copy(node)), taken


def init_as_dict(node: ast.FunctionDef) -> ast.FunctionDef | None:
    """A class's `__init__` as a function building and returning the dict of the
    attributes it sets: `self.k = v` -> `self["k"] = v`, reads likewise, `self = {}`
    first and `return self` at every exit. None when `self` is used otherwise (a
    method call on it, `super()`, passing it on): such an __init__ is not inlined."""
    if not node.args.args:
        return None
    me = node.args.args[0].arg
    node = syntax.copy(node)

    class Attrs(ast.NodeTransformer):
        def visit_Attribute(self, n):
            if isinstance(n.value, ast.Name) and n.value.id == me:
                return ast.copy_location(ast.Subscript(
                    ast.copy_location(ast.Name(me, ast.Load()), n.value),
                    ast.copy_location(ast.Constant(n.attr), n), n.ctx), n)
            return self.generic_visit(n)

        def visit_Return(self, n):
            if n.value is not None:
                return n  # (an __init__ returning a value is a TypeError when called)
            made.append(ast.copy_location(ast.Name(me, ast.Load()), n))
            return ast.copy_location(ast.Return(made[-1]), n)

    made: list = []  # the `self` of each `return self`
    node = Attrs().visit(node)
    node.body = [_merged_init(s, me, made) for s in node.body]
    bases = {id(n.value) for n in syntax.walk(node) if isinstance(n, ast.Subscript)}
    bases |= {id(n) for n in made} | {id(node.args.args[0])}
    for n in syntax.walk(node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Subscript) and isinstance(
                n.func.value, ast.Name) and n.func.value.id == me:
            return None  # `self.reset()`
        if isinstance(n, ast.Name) and n.id == me and id(n) not in bases:
            return None
        if isinstance(n, (ast.FunctionDef, ast.Lambda)) and n is not node or isinstance(
                n, ast.Name) and n.id == "super":
            return None
    stmts = body(node)
    first = ast.copy_location(ast.Assign([ast.Name(me, ast.Store())], ast.Dict([], [])),
                              stmts[0] if stmts else node)
    last = ast.Return(ast.Name(me, ast.Load()))
    ast.copy_location(last, stmts[-1] if stmts else node)
    ast.copy_location(last.value, last)
    ast.copy_location(first.targets[0], first)
    ast.copy_location(first.value, first)
    node.body = [first] + stmts + [last]
    return node


def _merged_init(s, me: str, made: list):
    """`Base.__init__(self, a, b)` (a base class's __init__, as explicit_super
    writes `super().__init__(a, b)`), a statement of an `__init__` made a dict: `self
    = {**self, **Base(a, b)}`, the attributes the base sets added to self's; any other
    statement as it is."""
    call = s.value if isinstance(s, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == "__init__" and isinstance(call.func.value, ast.Name)
            and call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == me
            and not any(isinstance(a, ast.Starred) for a in call.args)):
        return s
    made.extend([ast.Name(me, ast.Store()), ast.Name(me, ast.Load())])  # (self, as written)
    base = ast.Call(ast.Name(call.func.value.id, ast.Load()), call.args[1:], call.keywords)
    out = ast.Assign([made[-2]], ast.Dict([None, None], [made[-1], base]))
    return ast.fix_missing_locations(ast.copy_location(out, s))


def explicit_super(node, base: str | None):
    """`node`, a method of a class whose next class in the object's MRO is the
    global `base` (None: `object`), with `super().m(args)` as `base.m(self, args)`
    (inlined like any call of the user's function; `super().__init__()` of object
    dropped). None when a `super` is used otherwise (`super(C, self)`, no base)."""
    me = node.args.args[0].arg if node.args.args else None
    node = syntax.copy(node)

    class Calls(ast.NodeTransformer):
        def visit_Expr(self, n):
            c = n.value
            if base is None and isinstance(c, ast.Call) and _super_attr(c.func) == "__init__" \
                    and not c.args and not c.keywords:
                return ast.copy_location(ast.Pass(), n)
            return self.generic_visit(n)

        def visit_Call(self, n):
            attr = _super_attr(n.func)
            if attr is None or base is None or me is None:
                return self.generic_visit(n)
            self.generic_visit(n)
            func = ast.copy_location(ast.Attribute(ast.copy_location(
                ast.Name(base, ast.Load()), n.func), attr, ast.Load()), n.func)
            return ast.copy_location(ast.Call(func, [ast.copy_location(
                ast.Name(me, ast.Load()), n)] + n.args, n.keywords), n)

    node = Calls().visit(node)
    if any(isinstance(n, ast.Name) and n.id == "super" for n in syntax.walk(node)):
        return None
    return node


def _super_attr(func) -> str | None:
    """`m` when `func` is `super().m`, else None."""
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) and isinstance(
            func.value.func, ast.Name) and func.value.func.id == "super" and not (
                func.value.args or func.value.keywords):
        return func.attr
    return None


def without_errstate(node, namespace: dict):
    """`node` with each `with np.errstate(...):` block replaced by its body: it
    changes only whether NumPy warns or raises on a floating-point error, never a
    value (the derivative runs under NumPy's own settings). Other `with` blocks stay
    (the fence refuses them)."""
    def is_errstate(item) -> bool:
        e = item.context_expr
        if item.optional_vars is not None or not isinstance(e, ast.Call):
            return False
        path, f = [], e.func
        while isinstance(f, ast.Attribute):
            path.append(f.attr)
            f = f.value
        if not isinstance(f, ast.Name) or f.id not in namespace:
            return False
        obj = namespace[f.id]
        for attr in reversed(path):
            obj = getattr(obj, attr, None)
        return obj is np.errstate

    def splice(stmts):
        out = []
        for s in stmts:
            if isinstance(s, ast.With) and all(map(is_errstate, s.items)):
                out += splice(s.body)
            else:
                out.append(s)
        return out

    for n in list(syntax.walk(node)):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(n, field, None)
            if isinstance(stmts, list) and any(isinstance(s, ast.With) for s in stmts):
                setattr(n, field, splice(stmts))
    return node


def tail_loop(node: ast.FunctionDef) -> ast.FunctionDef | None:
    """A function that calls itself only as `return name(a, b, ...)` (tail calls,
    all its positional parameters given, none inside a loop or a nested def) as
    the loop that rebinds its parameters: `while True: <body>` with each tail
    call `a, b = ..., ...; continue`. Python runs the same steps, so the result is
    the same; the depth may then depend on a value known only at run time
    (`_power(x, n - 1, acc * x)`). None when `node` is not such a function."""
    name = node.name
    a = node.args
    params = [p.arg for p in a.posonlyargs + a.args]
    if a.vararg or a.kwarg or a.kwonlyargs or not params:
        return None
    calls = [n for n in syntax.walk(node) if isinstance(n, ast.Call) and isinstance(
        n.func, ast.Name) and n.func.id == name]
    if not calls or any(isinstance(n, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef,
                                       ast.ClassDef, ast.Nonlocal, ast.Global))
                        for s in node.body for n in syntax.walk(s)):
        return None
    tails = []

    def rewrite(stmts, in_loop):
        out = []
        for s in stmts:
            v = s.value if isinstance(s, ast.Return) else None
            if isinstance(v, ast.Call) and v in calls and not in_loop and not v.keywords and (
                    len(v.args) == len(params)) and not any(
                    isinstance(x, ast.Starred) for x in v.args):
                tails.append(v)
                loc = _loc(s)
                out.append(ast.Assign([ast.Tuple([ast.Name(p, ast.Store(), **loc)
                                                  for p in params], ast.Store(), **loc)],
                                      ast.Tuple(v.args, ast.Load(), **loc), **loc))
                out.append(ast.Continue(**loc))
                continue
            s = copy.copy(s)
            loop = isinstance(s, (ast.For, ast.While, ast.AsyncFor))
            for field in ("body", "orelse", "finalbody"):
                if isinstance(getattr(s, field, None), list):
                    setattr(s, field, rewrite(getattr(s, field), in_loop or loop))
            out.append(s)
        return out

    stmts = node.body
    doc = stmts[:1] if stmts and isinstance(stmts[0], ast.Expr) and isinstance(
        stmts[0].value, ast.Constant) else []
    loop_body = rewrite(stmts[len(doc):], False)
    if len(tails) != len(calls):
        return None  # a call not in tail position (`n * fact(n - 1)`): not a loop
    if not isinstance(loop_body[-1], ast.Return):
        loc = _loc(loop_body[-1])
        loop_body.append(ast.Return(ast.Constant(None, **loc), **loc))
    loc = _loc(node.body[len(doc)])
    out = copy.copy(node)
    out.body = doc + [ast.While(ast.Constant(True, **loc), loop_body, [], **loc)]
    return out


def fill_diagonal(call: ast.Call, is_it: bool, local: set) -> ast.Assign | None:
    """`np.fill_diagonal(A, v)` (NumPy's, spelled through its module, on a local
    array, without wrap) as the item assignment it is, `A[np.diag_indices(np.min(
    np.shape(A)), np.ndim(A))] = v` (the leading diagonal; of a tall matrix its
    first min(n, m) entries, as NumPy fills it); None for any other call."""
    kw = {k.arg: k.value for k in call.keywords}
    if not (is_it and len(call.args) == 2 and isinstance(call.func, ast.Attribute)
            and isinstance(call.args[0], ast.Name) and call.args[0].id in local
            and set(kw) <= {"wrap"}
            and all(isinstance(w, ast.Constant) and w.value is False for w in kw.values())):
        return None
    a = call.args[0].id

    def np_(attr, *args):
        return ast.Call(ast.Attribute(syntax.copy(call.func.value), attr, ast.Load()),
                        list(args), [])

    index = np_("diag_indices", np_("min", np_("shape", ast.Name(a, ast.Load()))),
                np_("ndim", ast.Name(a, ast.Load())))
    target = ast.Subscript(ast.Name(a, ast.Load()), index, ast.Store())
    out = ast.Assign([target], call.args[1])
    return ast.fix_missing_locations(ast.copy_location(out, call))
