"""Frontend: a function's AST -> structured SSA IR (`ir.Function`).

This is also the fence: every statement and expression kind has its own
method, and a node without one is an `UnsupportedSyntaxError` at its location.
Callees are resolved by object against `f`'s globals, closure and builtins, so
aliases work and a shadowed builtin never picks the wrong rule.
"""
from __future__ import annotations

import ast
import builtins
import copy
import itertools
import math
import operator
import types

from . import ir
from .errors import (
    Loc,
    NonNumericOutputError,
    NoSourceError,
    NotDifferentiableError,
    UnsupportedSyntaxError,
    how_to_register,
)
from .rules.table import lookup
from .source import parse_function

BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: operator.pow, ast.FloorDiv: operator.floordiv,
          ast.Mod: operator.mod, ast.MatMult: operator.matmul}
UNOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos}
CONST_TYPES = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))

UNSUPPORTED = {
    ast.Try: "try/except", ast.With: "a with block", ast.ClassDef: "a class definition",
    ast.Global: "a global declaration", ast.Nonlocal: "a nonlocal declaration",
    ast.Delete: "del", ast.Raise: "raise", ast.Import: "import inside the function",
    ast.ImportFrom: "import inside the function", ast.FunctionDef: "a nested def",
    ast.AsyncFunctionDef: "async def", ast.AsyncFor: "async for", ast.AsyncWith: "async with",
    ast.Yield: "yield (a generator)", ast.YieldFrom: "yield from (a generator)",
    ast.Await: "await (a coroutine)", ast.Lambda: "a lambda inside the function",
    ast.NamedExpr: "the walrus operator := here (it would run only conditionally, or in a "
                   "while condition)", ast.Starred: "star-unpacking",
    ast.JoinedStr: "an f-string", ast.Set: "a set", ast.Dict: "a dict",
    ast.ListComp: "a list comprehension", ast.GeneratorExp: "a generator expression",
    ast.SetComp: "a set comprehension", ast.DictComp: "a dict comprehension",
}
if hasattr(ast, "Match"):
    UNSUPPORTED[ast.Match] = "match"
if hasattr(ast, "TryStar"):
    UNSUPPORTED[ast.TryStar] = "try/except*"

RET = "<return>"
PACK_LIST = ("pack", "list")
SETITEM = ("helper", "_setitem")
APPEND = ("list", "append")
PACK_TUPLE = ("pack", "tuple")
MISSING = object()  # a guard's object for "this name must stay unbound"


SYNTH_HINTS = {"__brk": "broke", "__acc": "total", "__ret": "result", "__retflag": "returned"}


def returns_out_of_loops(stmts: list, in_loop: bool = False) -> list:
    """`return v` inside a loop becomes `__ret = v; __retflag = True; break`, and
    each loop holding one is followed by `if __retflag: break` (inside another
    loop) or `if __retflag: return __ret`: the same semantics, in the structured
    control flow the rest of srcdiff knows."""
    out = []
    for s in stmts:
        if isinstance(s, ast.Return) and in_loop:
            loc = dict(lineno=s.lineno, col_offset=s.col_offset,
                       end_lineno=s.end_lineno, end_col_offset=s.end_col_offset)
            value = s.value if s.value is not None else ast.Constant(None, **loc)
            out += [ast.Assign([ast.Name("__ret", ast.Store(), **loc)], value, **loc),
                    ast.Assign([ast.Name("__retflag", ast.Store(), **loc)],
                               ast.Constant(True, **loc), **loc),
                    ast.Break(**loc)]
            break
        if isinstance(s, (ast.For, ast.While)) and any(
                isinstance(n, ast.Return) for n in ast.walk(ast.Module(s.body, []))):
            forever = (isinstance(s, ast.While) and isinstance(s.test, ast.Constant)
                       and s.test.value is True and not contains(s.body, ast.Break))
            s = copy.copy(s)
            s.body = returns_out_of_loops(s.body, True)
            s.orelse = returns_out_of_loops(s.orelse, in_loop)
            loc = dict(lineno=s.lineno, col_offset=s.col_offset,
                       end_lineno=s.lineno, end_col_offset=s.col_offset + 3)
            leave = [ast.Break(**loc)] if in_loop else [
                ast.Return(ast.Name("__ret", ast.Load(), **loc), **loc)]
            if forever:  # `while True:` is left only by its returns
                out += [s] + leave
                break
            out += [s, ast.If(ast.Name("__retflag", ast.Load(), **loc), leave, [], **loc)]
            continue
        if isinstance(s, ast.If):
            s = copy.copy(s)
            s.body = returns_out_of_loops(s.body, in_loop)
            s.orelse = returns_out_of_loops(s.orelse, in_loop)
        out.append(s)
    return out


def with_loop_returns(body: list) -> list:
    """The body with loop returns rewritten, and the two flags they use set first."""
    new = returns_out_of_loops(body)
    if new == body or all(a is b for a, b in zip(new, body)) and len(new) == len(body):
        return body
    first = body[0]
    loc = dict(lineno=first.lineno, col_offset=first.col_offset, end_lineno=first.lineno,
               end_col_offset=first.col_offset)
    return [ast.Assign([ast.Name("__retflag", ast.Store(), **loc)],
                       ast.Constant(False, **loc), **loc),
            ast.Assign([ast.Name("__ret", ast.Store(), **loc)], ast.Constant(0.0, **loc),
                       **loc)] + new


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


class Undefined:
    """A name that is not bound on every path reaching its use."""

    def __init__(self, why: str):
        self.why = why


class TupleVal:
    """A tuple built in the function, kept element by element."""

    def __init__(self, items: list):
        self.items = items


def lower(fn, counter=None) -> ir.Function:
    node, filename = parse_function(fn)
    return Lowerer(fn, filename, counter or itertools.count()).function(node)


class Lowerer:
    def __init__(self, fn, filename: str, counter):
        self.fn = fn
        self.filename = filename
        self.globals = fn.__globals__
        cells = fn.__closure__ or ()
        self.closure = dict(zip(fn.__code__.co_freevars, cells))
        self.counter = counter
        self.env: dict = {}
        self.out: list = []
        self.inline_errors: dict = {}
        self.guards: list = []  # (namespace, name, object): what resolution assumed
        self.packs: dict = {}  # var id -> items of a list/tuple display (never mutated)
        self.local_helpers: dict = {}  # srcdiff runtime helpers defined in the body
        self.augmented: list = []  # see ir.Function.augmented
        self.shared: set = set()  # loop values whose start another name also holds
        self.brk_keys: list = []  # the break flags of the loops being lowered, innermost last

    # ----- helpers -----
    def loc(self, node) -> Loc:
        return Loc(self.filename, getattr(node, "lineno", 1), getattr(node, "col_offset", 0),
                   getattr(node, "end_col_offset", None)
                   if getattr(node, "end_lineno", None) == getattr(node, "lineno", None) else None)

    def error(self, what: str, node, hint: str = "") -> UnsupportedSyntaxError:
        msg = f"srcdiff does not support {what}"
        if hint:
            msg += f"; {hint}"
        return UnsupportedSyntaxError(msg, self.loc(node))

    def var(self, hint: str, node=None) -> ir.Var:
        hint = SYNTH_HINTS.get(hint.rstrip("0123456789") if hint.startswith("__brk") else hint,
                               hint)
        return ir.Var(next(self.counter), hint, self.loc(node) if node is not None else None)

    def emit(self, stmt) -> None:
        self.out.append(stmt)

    def assign(self, hint: str, expr, node) -> ir.Var:
        v = self.var(hint, node)
        self.emit(ir.Assign(v, expr, self.loc(node)))
        return v

    # ----- the function -----
    def function(self, node) -> ir.Function:
        self._scan_forbidden(node)
        args = node.args
        if args.vararg or args.kwarg:
            bad = args.vararg or args.kwarg
            raise self.error("*args or **kwargs parameters", bad,
                             "give the function named parameters")
        params = []
        for a in args.posonlyargs + args.args + args.kwonlyargs:
            v = self.var(a.arg, a)
            v.user = True
            params.append(v)
            self.env[a.arg] = v
        if isinstance(node, ast.Lambda):
            result = self.atom(node.body, "result")
        else:
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]  # docstring
            if not self.block(with_loop_returns(body)):
                raise self.error("a path that reaches the end without `return`", node,
                                 "every path must return the value to differentiate")
            result = self.env[RET]
        if isinstance(result, Undefined):
            raise self.error(result.why, node)
        return ir.Function(node.name if isinstance(node, ast.FunctionDef) else "lambda",
                           params, self.out, result, self.loc(node),
                           augmented=self.augmented)

    def _scan_forbidden(self, node) -> None:
        """Generators and coroutines are reported at their yield/await first."""
        for n in ast.walk(node):
            if isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)):
                raise self.error(UNSUPPORTED[type(n)], n)

    # ----- statements -----
    def block(self, stmts, cont=()) -> bool:
        """Lower statements, then their continuation `cont` (what follows them on
        this path: an early `return` in a branch moves the rest of the function
        into the other branch); True when every path ended (return/break/continue)."""
        for i, s in enumerate(stmts):
            if isinstance(s, ast.Return):
                self.env[RET] = self.returned(s)
                return True
            if isinstance(s, ast.Continue):
                return True
            if isinstance(s, ast.Break):
                self.env[self.brk_keys[-1]] = ir.Const(True)
                return True
            if isinstance(s, ast.If) and (
                    any(isinstance(n, ast.Return) for n in ast.walk(s))
                    or contains([s], (ast.Break, ast.Continue))):
                return self.if_stmt(s, list(stmts[i + 1:]) + list(cont))
            self.stmt(s)
        if cont:
            return self.block(cont)
        return False

    def returned(self, s):
        """The value a `return` gives; a tuple, list, dict, string or None is not
        something to differentiate."""
        what = {ast.Tuple: "a tuple", ast.List: "a list", ast.Dict: "a dict",
                ast.Set: "a set", ast.JoinedStr: "a string"}.get(type(s.value))
        if s.value is None or isinstance(s.value, ast.Constant) and not isinstance(
                s.value.value, (int, float, complex)):
            what = "None" if s.value is None or s.value.value is None else (
                f"the {type(s.value.value).__name__} {s.value.value!r}")
        if what is not None:
            raise NonNumericOutputError(
                f"{self.fn.__name__} returns {what} (line {s.lineno}: "
                f"{ast.unparse(s).strip()}); srcdiff differentiates functions returning a "
                "number or an array")
        val = self.value(s.value, "result")
        if isinstance(val, TupleVal):
            raise NonNumericOutputError(f"{self.fn.__name__} returns a tuple (line "
                                        f"{s.lineno}); srcdiff differentiates a number or "
                                        "an array")
        return val

    def stmt(self, s) -> None:
        method = getattr(self, "s_" + type(s).__name__, None)
        if method is None:
            raise self.error(UNSUPPORTED.get(type(s), type(s).__name__), s)
        method(s)

    def s_Pass(self, s):
        pass

    def s_Expr(self, s):
        """A call as a statement runs for its effect and is kept as written."""
        if isinstance(s.value, ast.Constant):
            return
        if not isinstance(s.value, ast.Call):
            return  # an expression without a call has no effect
        call = s.value
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "append"
                and isinstance(call.func.value, ast.Name) and call.func.value.id in self.env
                and len(call.args) == 1 and not call.keywords):
            self.list_append(call.func.value, call.args[0], s)
            return
        mark = len(self.out)
        v = self.value(s.value, "_")
        for st in self.out[mark:]:
            if isinstance(st, ir.Assign) and st.var is v:
                st.effect = True

    def s_FunctionDef(self, s):
        """Generated code defines srcdiff's runtime helpers inside the function;
        they are primitives with rules, so a derivative can be differentiated."""
        from .runtime import HELPERS

        if s.name not in HELPERS:
            raise self.error(UNSUPPORTED[ast.FunctionDef], s,
                             "define the helper at module level")
        self.local_helpers[s.name] = ("helper", s.name)

    def s_Assert(self, s):
        pass  # an assertion has no derivative; the primal already checked it

    def s_Assign(self, s):
        hint = s.targets[0].id if isinstance(s.targets[0], ast.Name) else "t"
        val = self.value(s.value, hint)
        for t in s.targets:
            self.bind(t, val)

    def s_AnnAssign(self, s):
        if s.value is None:
            return
        self.bind(s.target, self.value(s.value, getattr(s.target, "id", "t")))

    def s_AugAssign(self, s):
        op = BINOPS.get(type(s.op))
        if op is None:
            raise self.error(f"the operator {type(s.op).__name__}", s)
        if isinstance(s.target, ast.Subscript):
            old = self.e_Subscript(s.target, "t")
            right = self.atom(s.value, "t")
            self.set_item(s.target, self.assign("t", ir.Call(op, None, [old, right]), s), s)
            return
        if not isinstance(s.target, ast.Name):
            raise self.error("augmented assignment to an attribute", s,
                             "write x = x + v to a new name")
        left = self.read(s.target)
        right = self.value(s.value, "t")
        v = self.assign(s.target.id, ir.Call(op, None, [left, right]), s)
        v.user = True
        self.record_update(s.target.id, v, left, s)

    def list_append(self, target: ast.Name, item, node) -> None:
        """`acc.append(v)` makes a new value, the list with `v` added (written as an
        in-place append when nothing else sees the old list)."""
        old = self.read(target)
        val = self.atom(item, "t")
        name = target.id
        new = self.assign(name, ir.Call(APPEND, None, [old, val], {}, "append"), node)
        new.user = True
        self.record_update(name, new, old, node)

    def record_update(self, name, new, old, node) -> None:
        """An update of `name` in place: another name or list sharing the old value
        would see it change too (see ir.Function.augmented)."""
        shared = isinstance(old, ir.Var) and (
            old.id in self.shared
            or any(v is old for k, v in self.env.items() if k != name)
            or any(any(it is old for it in items) for items in self.packs.values()))
        self.augmented.append((new, old, shared, self.loc(node)))
        self.env[name] = new

    def set_item(self, target: ast.Subscript, val, node) -> None:
        """`x[i] = v` makes a new value: a copy of x with that item set. (It is
        written in place when nothing else can see the old value.)"""
        if not isinstance(target.value, ast.Name) or target.value.id not in self.env:
            raise self.error("assignment into an item of something other than a local "
                             "variable", target)
        old = self.read(target.value)
        if isinstance(val, TupleVal):
            val = self.pack(val, node)
        index = self.opaque(target.slice, nondiff=True)
        index.node = exprs_as_value(index.node)
        if isinstance(index.node, ast.Name) and index.node.id in index.uses:
            index = index.uses[index.node.id]
        callee = ast.Name("_setitem", ast.Load())
        name = target.value.id
        new = self.assign(name, ir.Call(SETITEM, callee, [old, index, val], {}, "_setitem"),
                          node)
        new.user = True
        self.record_update(name, new, old, node)

    def bind(self, target, val) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = val
            if isinstance(val, ir.Var) and not val.user:
                val.hint = target.id
                val.user = True
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(val, TupleVal):
                if len(val.items) != len(target.elts):
                    raise self.error("unpacking a tuple of the wrong length", target)
                for t, v in zip(target.elts, val.items):
                    self.bind(t, v)
                return
            for i, t in enumerate(target.elts):
                item = self.assign(getattr(t, "id", "t"), ir.Call(
                    operator.getitem, None, [val, ir.Const(i)]), t)
                self.bind(t, item)
            return
        if isinstance(target, ast.Subscript):
            self.set_item(target, val, target)
            return
        raise self.error(f"assignment to {type(target).__name__}", target)

    def if_stmt(self, s, rest) -> bool:
        cond = self.condition(s.test)
        before = self.env
        branches = []
        for body in (s.body, s.orelse):
            self.env = dict(before)
            saved, self.out = self.out, []
            done = self.block(body, rest)
            branches.append((self.out, self.env, done))
            self.out = saved
        (tb, tenv, tdone), (eb, eenv, edone) = branches
        self.env = dict(before)
        outs = []
        names = [n for n in tenv if n in eenv] + [RET] * (RET in tenv and RET not in before)
        seen = set()
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            a, b = tenv.get(name), eenv.get(name)
            if name == RET and not (tdone and edone):
                continue
            if a is b:
                self.env[name] = a
                continue
            if isinstance(a, (TupleVal, Undefined)) or isinstance(b, (TupleVal, Undefined)):
                self.env[name] = Undefined(f"{name!r} assigned differently in two branches "
                                           "as a tuple")
                continue
            v = self.var("result" if name == RET else name, s)
            v.user = name != RET
            outs.append(ir.Phi(v, a, b))
            self.env[name] = v
        for name in set(tenv) ^ set(eenv):
            if name not in before and name != RET:
                self.env[name] = Undefined(f"{name!r} is assigned in only one branch of an if")
        self.emit(ir.If(cond, tb, eb, outs, self.loc(s)))
        return tdone and edone

    def s_If(self, s):
        self.if_stmt(s, [])

    def condition(self, node) -> ir.Var:
        return self.assign("cond", self.opaque(self.hoist_walrus(node), nondiff=True), node)

    def hoist_walrus(self, node):
        """`if (y := f(x)) > 0:`: the assignment is made first, the condition reads
        `y`. Not where it would run conditionally (after `and`/`or`, in a branch of
        `a if c else b`, in a comprehension): that stays an error at its line."""
        lowerer = self

        def user_call(n):
            return isinstance(n, ast.Call) and _is_user_function(lowerer.resolve(n.func)[1]) \
                if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute)) \
                and lowerer.resolve(n.func)[0] else False

        if not any(isinstance(n, ast.NamedExpr) or user_call(n) for n in ast.walk(node)):
            return node

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
                value = lowerer.value(n.value, n.target.id)
                lowerer.bind(n.target, value)
                return ast.copy_location(ast.Name(n.target.id, ast.Load()), n)

            def visit_Call(self, n):
                """Your own function in a condition is lowered (inlined) like any other
                call: what it does to its arguments is then seen, not just run."""
                if not user_call(n):
                    return super().generic_visit(n)
                key = f"__call{len(lowerer.env)}"
                lowerer.env[key] = lowerer.atom(n, "t")
                return ast.copy_location(ast.Name(key, ast.Load()), n)

        return Hoist().visit(copy.deepcopy(node))

    def e_NamedExpr(self, node, hint):
        value = self.value(node.value, node.target.id)
        self.bind(node.target, value)
        return value

    def _assigned_names(self, stmts) -> list[str]:
        """Names the statements give new values: assigned, and also updated in place
        (`x[i] = v`, `x[i] += v`, `acc.append(v)` make a new value of `x`, `acc`)."""
        names = []
        for s in stmts:
            for n in ast.walk(s):
                hit = None
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    hit = n.id
                elif (isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)
                      and isinstance(n.value, ast.Name)):
                    hit = n.value.id
                elif (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                      and isinstance(n.value.func, ast.Attribute)
                      and n.value.func.attr == "append"
                      and isinstance(n.value.func.value, ast.Name)):
                    hit = n.value.func.value.id
                if hit is not None and hit not in names:
                    names.append(hit)
        return names

    def loop_vars(self, s, extra=(), flag=False):
        carried = []
        for name in self._assigned_names(s.body) + ([self.brk_keys[-1]] if flag else []):
            if name in self.env and name not in extra and not isinstance(self.env[name],
                                                                          (Undefined, TupleVal)):
                phi = self.var(name, s)
                phi.user = True
                init = self.env[name]
                if isinstance(init, ir.Var) and (
                        init.id in self.shared or any(
                            v is init for k, v in self.env.items() if k != name)):
                    self.shared.add(phi.id)  # another name holds what the loop starts from
                carried.append(ir.Carried(phi, init, key=name))
                self.env[name] = phi
        return carried

    def finish_loop(self, s, carried, outer_env, body_env):
        for c in carried:
            c.next = body_env.get(c.key, c.phi)
            if isinstance(c.next, (TupleVal, Undefined)):
                raise self.error(f"{c.key!r} changing kind inside the loop", s)
        self.env = outer_env
        for c in carried:
            self.env[c.key] = c.phi
        for name in self._assigned_names(s.body):
            if not any(c.key == name for c in carried):
                self.env[name] = Undefined(
                    f"{name!r} after the loop (it is assigned only inside the loop; "
                    "assign it before the loop)")

    def loop_body(self, s):
        saved, self.out = self.out, []
        self.block(s.body)
        body, self.out = self.out, saved
        return body  # (a `return` in a loop was rewritten by with_loop_returns)

    def break_flag(self, s) -> bool:
        """A loop with `break` carries a flag the break sets (initially False); each
        loop of a nest has its own (`break` leaves the innermost)."""
        key = f"__brk{len(self.brk_keys)}"
        self.brk_keys.append(key)
        if contains(s.body, ast.Break):
            self.env[key] = ir.Const(False)
            return True
        if s.orelse:
            self.env[key] = ir.Const(False)
        return False

    def finish_else(self, s, loop: ir.Loop, flag: bool) -> None:
        key = self.brk_keys.pop()
        if flag:
            loop.brk = self.env[key]
        self.emit(loop)
        if s.orelse:
            test = ast.copy_location(ast.UnaryOp(ast.Not(), ast.Name(key, ast.Load())), s)
            self.if_stmt(ast.copy_location(ast.If(test, s.orelse, []), s), [])
        self.env.pop(key, None)

    def s_While(self, s):
        flag = self.break_flag(s)
        outer = dict(self.env)
        carried = self.loop_vars(s, flag=flag)
        cond = self.opaque(s.test, nondiff=True)
        body = self.loop_body(s)
        body_env = self.env
        self.finish_loop(s, carried, outer, body_env)
        loop = ir.Loop("while", carried, body, cond=cond, trips=self.var("trips", s),
                       loc=self.loc(s))
        self.finish_else(s, loop, flag)

    def s_For(self, s):
        flag = self.break_flag(s)
        it = s.iter
        call = it if isinstance(it, ast.Call) else None
        fobj = self.resolve(call.func)[1] if call is not None else None
        pre = []  # (target node, sequence atom) bound from the index each iteration
        if fobj is range and not call.keywords:
            bounds = [self.atom(a, "n") for a in call.args]
            index_target = s.target
        else:
            if fobj is enumerate and len(call.args) == 1 and not call.keywords:
                if not (isinstance(s.target, ast.Tuple) and len(s.target.elts) == 2):
                    raise self.error("this enumerate target", s.target)
                index_target, item = s.target.elts
                seqs = [(item, self.atom(call.args[0], "seq"))]
            elif fobj is zip and call.args and not call.keywords:
                if not (isinstance(s.target, ast.Tuple)
                        and len(s.target.elts) == len(call.args)):
                    raise self.error("this zip target", s.target)
                index_target = None
                seqs = [(t, self.atom(a, "seq")) for t, a in zip(s.target.elts, call.args)]
            else:
                index_target = None
                seqs = [(s.target, self.atom(it, "seq"))]
            lens = [self.assign("n", ir.Call(len, None, [q]), s) for _, q in seqs]
            n = lens[0]
            for m in lens[1:]:
                n = self.assign("n", ir.Call(min, None, [n, m]), s)
            bounds = [n]
            pre = seqs
        if index_target is not None and not isinstance(index_target, ast.Name):
            raise self.error("this loop target", index_target)
        outer = dict(self.env)
        carried = self.loop_vars(s, extra=[index_target.id] if index_target else [], flag=flag)
        index = self.var(index_target.id if index_target is not None else "i", s)
        index.user = index_target is not None
        if index_target is not None:
            self.env[index_target.id] = index
        saved, self.out = self.out, []
        for target, seq in pre:
            item = self.assign(getattr(target, "id", "item"),
                               ir.Call(operator.getitem, None, [seq, index]), target)
            self.bind(target, item)
        pre_stmts, self.out = self.out, saved
        body = pre_stmts + self.loop_body(s)
        self.finish_loop(s, carried, outer, self.env)
        loop = ir.Loop("range", carried, body, index=index, bounds=bounds,
                       trips=self.var("trips", s) if flag else None, loc=self.loc(s))
        self.finish_else(s, loop, flag)

    # ----- expressions -----
    def value(self, node, hint: str):
        """Lower an expression to an atom, an Opaque or a TupleVal."""
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:
            raise self.error(UNSUPPORTED.get(type(node), type(node).__name__), node)
        return method(node, hint)

    def atom(self, node, hint: str):
        return self.pack(self.value(node, hint), node)

    def read(self, node):
        name = node.id
        if name in self.env:
            v = self.env[name]
            if isinstance(v, Undefined):
                raise self.error(v.why, node)
            return v
        if name in self.fn.__code__.co_varnames:
            raise self.error(f"reading {name!r} before it is assigned", node)
        if name in self.closure:
            try:
                value = self.closure[name].cell_contents
            except ValueError:
                raise self.error(f"reading the unassigned closure variable {name!r}",
                                 node) from None
            if _literal(value):
                return ir.Const(value)  # a closure constant is read as a constant
        if name in self.closure or name in self.globals or hasattr(builtins, name):
            return ir.Opaque(ast.Name(name, ast.Load()), {})
        raise self.error(f"the undefined name {name!r}", node)

    def e_Name(self, node, hint):
        return self.read(node)

    def e_Constant(self, node, hint):
        return ir.Const(node.value)

    def e_Tuple(self, node, hint):
        return TupleVal([self.value(e, "t") for e in node.elts])

    def e_List(self, node, hint):
        """A list display is a value: `pack` builds it; its adjoint unpacks."""
        items = [self.atom(e, "t") for e in node.elts]
        v = self.assign(hint if hint != "t" else "items", ir.Call(PACK_LIST, None, items), node)
        self.packs[v.id] = items
        return v

    def pack(self, val, node):
        """A tuple used as a value (an argument, say) becomes a packed tuple."""
        if isinstance(val, TupleVal):
            items = [self.pack(v, node) for v in val.items]
            v = self.assign("items", ir.Call(PACK_TUPLE, None, items), node)
            self.packs[v.id] = items
            return v
        return val

    def e_BinOp(self, node, hint):
        op = BINOPS.get(type(node.op))
        if op is None:
            raise self.error(f"the operator {type(node.op).__name__}", node)
        a = self.atom(node.left, "t")
        b = self.atom(node.right, "t")
        if isinstance(a, ir.Const) and isinstance(b, ir.Const):
            try:
                return ir.Const(op(a.value, b.value))
            except Exception:
                pass
        return self.assign(hint, ir.Call(op, None, [a, b]), node)

    def e_UnaryOp(self, node, hint):
        if isinstance(node.op, ast.Not):
            return self.assign(hint, self.opaque(node, nondiff=True), node)
        op = UNOPS.get(type(node.op))
        if op is None:
            raise self.error(f"the operator {type(node.op).__name__}", node)
        a = self.atom(node.operand, "t")
        if isinstance(a, ir.Const) and isinstance(a.value, (int, float)):
            return ir.Const(op(a.value))
        return self.assign(hint, ir.Call(op, None, [a]), node)

    def e_Compare(self, node, hint):
        return self.assign(hint, self.opaque(node, nondiff=True), node)

    e_BoolOp = e_Compare

    def e_IfExp(self, node, hint):
        cond = self.condition(node.test)
        branches = []
        for sub in (node.body, node.orelse):
            saved, self.out = self.out, []
            branches.append((self.out, self.atom(sub, hint)))
            self.out = saved
        v = self.var(hint, node)
        self.emit(ir.If(cond, branches[0][0], branches[1][0],
                        [ir.Phi(v, branches[0][1], branches[1][1])], self.loc(node)))
        return v

    def e_Attribute(self, node, hint):
        found, obj = self.resolve(node)
        if found:
            return ir.Opaque(copy.deepcopy(node), {})  # e.g. math.pi, read live
        base = self.atom(node.value, "t")
        return self.assign(hint, ir.Call(("attr", node.attr), None, [base]), node)

    def e_Subscript(self, node, hint):
        base = self.atom(node.value, "t")
        if isinstance(base, TupleVal):
            raise self.error("indexing a tuple built in the function", node)
        index = self.opaque(node.slice, nondiff=True)
        if isinstance(index.node, ast.Name) and index.node.id in index.uses:
            index = index.uses[index.node.id]  # x[i]: the index is a value of its own
        elif not index.uses and isinstance(node.slice, ast.Constant):
            index = ir.Const(node.slice.value)
            items = self.packs.get(base.id) if isinstance(base, ir.Var) else None
            if items is not None and isinstance(index.value, int) and (
                    -len(items) <= index.value < len(items)):
                return items[index.value]
        return self.assign(hint, ir.Call(operator.getitem, None, [base, index]), node)

    def e_Call(self, node, hint):
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.error("star-arguments in a call", a)
        for k in node.keywords:
            if k.arg is None:
                raise self.error("**kwargs in a call", k.value)
        found, obj = self.resolve(node.func)
        if (found and (obj is sum and 1 <= len(node.args) <= 2 or obj is math.fsum
                       and len(node.args) == 1) and not node.keywords
                and isinstance(node.args[0], (ast.GeneratorExp, ast.ListComp))):
            return self.comprehension_sum(node, hint)
        if found and obj in (max, min) and len(node.args) == 1 and not node.keywords:
            arg = self.atom(node.args[0], "t")
            return self.assign(hint, ir.Call(("reduce", obj.__name__), copy.deepcopy(node.func),
                                             [arg], {}, obj.__name__), node)
        args = [self.atom(a, "t") for a in node.args]
        kwargs = {k.arg: self.atom(k.value, "t") for k in node.keywords}
        spelling = ast.unparse(node.func)
        if found and _is_user_function(obj):
            inlined = self.inline(obj, node, args, kwargs, hint)
            if inlined is not None:
                return inlined
        if found:
            if obj in (max, min) and len(args) > 2 and not kwargs:
                acc = args[0]
                for a in args[1:]:
                    acc = self.assign(hint, ir.Call(obj, copy.deepcopy(node.func), [acc, a],
                                                    {}, spelling), node)
                return acc
            call = ir.Call(obj, copy.deepcopy(node.func), args, kwargs, spelling)
            call.why = self.inline_errors.get(id(obj))
            return self.assign(_call_hint(hint, spelling, args), call, node)
        if isinstance(node.func, ast.Attribute):
            receiver = self.atom(node.func.value, "t")
            return self.assign(hint, ir.Call(("method", node.func.attr), None,
                                             [receiver] + args, kwargs, spelling), node)
        callee = self.opaque(node.func)
        return self.assign(hint, ir.Call(("opaque", spelling), callee, args, kwargs,
                                         spelling), node)

    def inline(self, helper, node, args, kwargs, hint):
        """Lower a call of the user's own function into this body. None when it
        cannot be (recursion, unsupported code, other globals): the call is then
        kept as written, and differentiating through it is a located error."""
        stack = getattr(self, "stack", ())
        spelled = ast.unparse(node.func)
        if helper in stack or helper is self.fn:
            self.inline_errors[id(helper)] = UnsupportedSyntaxError(
                f"srcdiff does not support recursion: {helper.__name__} calls itself "
                "(srcdiff inlines helpers); write it as a loop", self.loc(node))
            return None
        try:
            parse_function(helper)
        except NoSourceError:
            self.inline_errors[id(helper)] = NotDifferentiableError(
                f"{spelled} has no derivative rule and no Python source srcdiff can "
                "transform (it was made by exec or compile); " + how_to_register(spelled),
                self.loc(node))
            return None
        if helper.__globals__ is not self.globals:
            self.inline_errors[id(helper)] = NotDifferentiableError(
                f"{spelled} has no derivative rule, and its source is in another module "
                f"({helper.__module__}): srcdiff inlines helpers only from the module of the "
                "function it differentiates; " + how_to_register(spelled), self.loc(node))
            return None
        try:
            hnode, filename = parse_function(helper)
            sub = Lowerer(helper, filename, self.counter)
            sub.stack = stack + (self.fn,)
            sub.env = self._bind_params(helper, hnode, args, kwargs, node)
            # the caller still holds what it passed: an in-place update of a parameter
            # (`a /= 2` on an array) would change the caller's value too
            sub.shared |= {v.id for v in sub.env.values() if isinstance(v, ir.Var)}
            sub.out = self.out
            mark = len(self.out)
            sub._scan_forbidden(hnode)
            if isinstance(hnode, ast.Lambda):
                result = sub.value(hnode.body, hint)
            else:
                body = hnode.body
                if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                         ast.Constant):
                    body = body[1:]
                if not sub.block(with_loop_returns(body)):
                    raise sub.error("a path that reaches the end without `return`", hnode)
                result = sub.env[RET]
            self.guards += sub.guards
            self.augmented += sub.augmented
        except (UnsupportedSyntaxError, NoSourceError) as e:
            if "mark" in locals():
                del self.out[mark:]
            self.inline_errors[id(helper)] = e
            return None
        if isinstance(result, ir.Var) and result.hint in ("result", "t"):
            result.hint = hint if hint not in ("t", "result") else helper.__name__
        return result

    def _bind_params(self, helper, hnode, args, kwargs, node):
        a = hnode.args
        if a.vararg or a.kwarg:
            raise self.error("calling a helper with *args/**kwargs parameters", node)
        names = [p.arg for p in a.posonlyargs + a.args]
        kwonly = [p.arg for p in a.kwonlyargs]
        if len(args) > len(names):
            raise self.error(f"this call: too many arguments for {helper.__name__}", node)
        env = dict(zip(names, args))
        defaults = dict(zip(names[len(names) - len(helper.__defaults__ or ()):],
                            helper.__defaults__ or ()))
        defaults.update(helper.__kwdefaults__ or {})
        for k, v in kwargs.items():
            if k in env or k not in names + kwonly:
                raise self.error(f"this call: bad keyword {k!r} for {helper.__name__}", node)
            env[k] = v
        for p in names + kwonly:
            if p not in env:
                if p not in defaults:
                    raise self.error(f"this call: missing argument {p!r} of "
                                     f"{helper.__name__}", node)
                d = defaults[p]
                if not isinstance(d, CONST_TYPES):
                    raise self.error(f"the default value of {p!r} in {helper.__name__}", node)
                env[p] = ir.Const(d)
        return env

    def comprehension_sum(self, node, hint):
        """`sum(e for i in it if c)` is the loop that accumulates it."""
        gen = node.args[0]
        start = node.args[1] if len(node.args) == 2 else ast.Constant(0)
        acc = ast.Name("__acc", ast.Store())
        body = [ast.Assign([acc], ast.BinOp(ast.Name("__acc", ast.Load()), ast.Add(), gen.elt))]
        for g in reversed(gen.generators):
            if g.is_async:
                raise self.error("async comprehensions", g.iter)
            for cond in reversed(g.ifs):
                body = [ast.If(cond, body, [])]
            body = [ast.For(g.target, g.iter, body, [])]
        stmts = [ast.Assign([ast.Name("__acc", ast.Store())], start)] + body
        for st in stmts:
            for n in ast.walk(st):
                ast.copy_location(n, node) if not hasattr(n, "lineno") else None
        targets = {n.id for g in gen.generators for n in ast.walk(g.target)
                   if isinstance(n, ast.Name)} | {"__acc"}
        saved = {k: self.env[k] for k in targets if k in self.env}
        for st in stmts:
            self.stmt(st)
        result = self.env["__acc"]
        for k in targets:
            self.env.pop(k, None)
        self.env.update(saved)
        return result

    def resolve(self, node):
        """(True, object) when `node` names something outside the function."""
        if isinstance(node, ast.Name):
            if node.id in self.local_helpers:
                return True, self.local_helpers[node.id]
            if node.id in self.env or node.id in self.fn.__code__.co_varnames:
                return False, None
            if node.id in self.closure:
                try:
                    obj = self.closure[node.id].cell_contents
                except ValueError:
                    return False, None
                code = getattr(obj, "__code__", None)
                if code is not None and code.co_filename == "<srcdiff: helpers>":
                    return True, ("helper", node.id)  # generated code's own helper
                return True, obj
            if node.id in self.globals:
                self.guards.append((self.globals, node.id, self.globals[node.id]))
                return True, self.globals[node.id]
            if hasattr(builtins, node.id):
                self.guards.append((self.globals, node.id, MISSING))
                return True, getattr(builtins, node.id)
            raise self.error(f"the undefined name {node.id!r}", node)
        if isinstance(node, ast.Attribute):
            found, base = self.resolve(node.value)
            if found:
                if isinstance(base, types.ModuleType) or isinstance(base, type):
                    try:
                        return True, getattr(base, node.attr)
                    except AttributeError:
                        raise self.error(f"the missing attribute {ast.unparse(node)!r}",
                                         node) from None
                if callable(getattr(base, node.attr, None)):
                    return True, getattr(base, node.attr)
        return False, None

    def opaque(self, node, nondiff=False) -> ir.Opaque:
        """Keep `node` as written, with local names replaced by their SSA values."""
        node = copy.deepcopy(node)
        uses: dict[str, ir.Var] = {}
        bound = set()
        for n in ast.walk(node):
            if isinstance(n, ast.comprehension):
                for t in ast.walk(n.target):
                    if isinstance(t, ast.Name):
                        bound.add(t.id)
            if isinstance(n, (ast.Lambda, ast.NamedExpr)):
                raise self.error(UNSUPPORTED[type(n)], n)
        lowerer = self

        class Sub(ast.NodeTransformer):
            def visit_Name(self, n):
                if n.id in bound or not isinstance(n.ctx, ast.Load):
                    return n
                v = lowerer.read(n)
                if isinstance(v, ir.Var):
                    key = f"__v{v.id}"
                    uses[key] = v
                    return ast.copy_location(ast.Name(key, ast.Load()), n)
                if isinstance(v, ir.Const):
                    return ast.copy_location(ast.Constant(v.value), n)
                if isinstance(v, ir.Opaque):
                    uses.update(v.uses)
                    return v.node
                if isinstance(v, TupleVal):
                    raise lowerer.error("a tuple built in the function used here", n)
                return n

        node = Sub().visit(node)
        return ir.Opaque(node, uses, nondiff)


def _call_hint(hint, spelling, args):
    if hint != "t":
        return hint
    fname = spelling.rsplit(".", 1)[-1]
    if len(args) == 1 and isinstance(args[0], ir.Var) and fname.isidentifier():
        return f"{fname}_{args[0].hint}"
    return "t"


def _is_user_function(obj) -> bool:
    if not isinstance(obj, types.FunctionType) or lookup(obj) is not None:
        return False
    mod = getattr(obj, "__module__", "") or ""
    return mod.split(".")[0] not in ("numpy", "sympy", "srcdiff", "scipy")


def _literal(value) -> bool:
    if isinstance(value, tuple):
        return all(_literal(v) for v in value)
    return type(value) in (int, float, complex, bool, str, type(None))


def exprs_as_value(node):
    from .exprs import as_value

    return as_value(node)
