"""SSA construction: a function's `def` -> structured SSA IR (`ir.Function`).

Takes a function object and its parsed `def` (source.parse_function); gives its
IR and the guards name resolution relied on (`lower_function`). The passes run
in order: the fence (fence.py) rejects what srcdiff does not transform, the
desugaring (desugar.py) rewrites loop returns, `sum` of comprehensions and
walrus conditions, and the lowering writes the SSA: statements, `if` (phis),
loops (carried values), and calls of the user's own functions inlined by a
fresh `Lowerer` for the helper (everything it needs passed to its constructor).
Loops are lowered by the mixin in lower_loops.py; expressions and names by the base
class (lower_values.py).

Guarantees: the IR has one `Var` per assignment; `If.outs` and `Loop.carried`
hold every name a branch or a loop body changes; every path returns.
"""
from __future__ import annotations

import ast
import functools
import inspect
import os
import types

import numpy as np

from . import desugar, fence, inlining, ir, naming, pytree, static_args, syntax
from .errors import NonNumericOutputError, NoSourceError, UnsupportedSyntaxError
from .lower_loops import Loops, words
from .lower_names import writes_into
from .lower_values import DUNDERS, RET, Values, is_object
from .ops import BINOPS
from .rules.stop import ASSERT
from .rules.table import lookup
from .resolve import MISSING  # noqa: F401  (api.py reads srcdiff.lower.MISSING)
from .source import parse_function
from .runtime import HELPERS
from .resolve import is_user_function
from .structs import (CALLABLES, CHOSEN_AT_RUN_TIME, STRUCTS, DictVal, FuncRef, FuncVal, ObjRef,
                      PartialVal, TupleVal, Undefined, escape_error, holds, leaves)

RAISED = "<raised>"  # the env key set on a path that ended in `raise`

def lower_function(fn, node, filename: str, counter, injected=None) -> tuple[ir.Function, list]:
    """(the IR of `fn`, whose `def` is `node`; the guards its names were resolved under).
    `injected`, when given, receives the names the generated code needs that `fn`'s
    module does not have (what inlined helpers of other modules read; spelling.py)."""
    lw = Lowerer(fn, filename, counter)
    ir_fn = lw.function(node)
    naming.by_reader(ir_fn)
    if injected is not None:
        injected.update(lw.spelling.injected)
    once = {(id(ns), key, id(obj)): (ns, key, obj)
            for ns, key, obj in lw.resolver.guards + lw.spelling.guards}
    return ir_fn, list(once.values())  # (the fence and the lowering resolve the same names)


class Lowerer(Loops, Values):
    """Statements and control flow of one function (or of one inlined helper:
    `env` its parameters, `out` the caller's block, `shared` what the caller still
    holds, `stack` the functions being inlined)."""

    def __init__(self, fn, filename: str, counter, env=None, out=None, shared=(), stack=(),
                 spelling=None):
        super().__init__(fn, filename, counter, env, out, shared, spelling)
        self.stack = tuple(stack)
        self.brk_keys: list = []  # the break flags of the loops being lowered, innermost last
        self.top = False  # lowering the function differentiated (not a helper inlined)
        self.result_leaves = False  # it returns the leaves of a structured result (unpack)
        self.locals_stack: tuple = ()  # the nested defs and lambdas being inlined
        self.later: list = []  # the code after the statement being lowered, per block
        self.broke_unbound: dict = {}  # break flag -> names a `break` may leave unassigned

    def function(self, node) -> ir.Function:
        self.top = True
        self.resolver.bind_imports(node)
        self.spelling.unbind(node, self.resolver.imported)
        # the def's parameters are its locals: for a structured parameter the def was
        # specialised (unpack.py) and they are its leaves (`b` for `p["b"]`), which
        # `f.__code__` does not know (`p["b"].shape` read `b` as a global)
        args = node.args
        self.resolver.locals |= {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs
                                 + [a for a in (args.vararg, args.kwarg) if a is not None]}
        fence.check(node, self.resolver)
        params = []
        statics = static_args.of(self.fn)
        stored = {n.id for n in syntax.walk(node) if isinstance(n, ast.Name)
                  and not isinstance(n.ctx, ast.Load)}
        for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
            v = self.var(a.arg, a)
            v.user = True
            params.append(v)
            self.env[a.arg] = v
            if a.arg in statics and a.arg not in stored:  # a function passed in: its code
                self.env[a.arg] = self.function_value(statics[a.arg], a.arg, a)
                if statics[a.arg] is None or isinstance(statics[a.arg], (str, bool)):
                    self.built_for(a.arg, v, statics[a.arg], a)
                elif (spelled := _spelling(statics[a.arg], self.fn.__globals__)) is not None:
                    self.built_for(a.arg, v, statics[a.arg], a, spelled)
        if isinstance(node, ast.Lambda):
            result = self.atom(node.body, "result")
        else:
            if not self.block(desugar.body(self.looped(self.fn, node))):
                raise self.error("a path that reaches the end without `return`", node,
                                 "every path must return the value to differentiate")
            if RET not in self.env:
                raise self.error("a function that always raises", node)
            result = self.env[RET]
        if isinstance(result, Undefined):
            raise self.error(result.why, node)
        return ir.Function(node.name if isinstance(node, ast.FunctionDef) else "lambda",
                           params, self.out, result, self.loc(node), self.result_leaves)

    def built_for(self, name: str, param: ir.Var, value, node, spelled=None) -> None:
        """A setting the code was built for (`activation="tanh"`), or a function passed
        that `f`'s module names (`rhs=decay`, `act=np.tanh`: `spelled` is how), is
        checked where the derivative starts: its `.source`, copied and called with
        another, would run the code of this one (silently the wrong derivative); it
        raises instead."""
        key = f"%v%{param.id}"
        if spelled is not None:
            test = ast.Compare(ast.Name(key, ast.Load()), [ast.IsNot()], [spelled])
            shown = ast.unparse(spelled)
        else:
            test = ast.Compare(ast.Name(key, ast.Load()), [
                ast.IsNot() if value is None or isinstance(value, bool) else ast.NotEq()],
                [ast.Constant(value)])
            shown = repr(value)
        cond = self.assign("other", ir.Opaque(test, {key: param}, nondiff=True), node)
        exc = ast.Call(ast.Name("ValueError", ast.Load()), [ast.Constant(
            f"this derivative is written for {name}={shown}")], [])
        error = ir.Assign(self.var("error", node), ir.Opaque(exc, {}, nondiff=True),
                          self.loc(node), effect=True, raises=True)
        self.emit(ir.If(cond, [error], [], [], self.loc(node)))

    def function_value(self, obj, name: str, node=None):
        """A function passed as the argument `name` (static_args.py), as the value
        the body calls: inlined where called, read as the argument elsewhere. A dict
        holding functions is a dict of its entries: those functions, and the
        other entries read from the argument (`lam = config["lam"]`)."""
        if static_args.is_object(obj):  # `model.predict(w, x)`: inlined, read live
            param = self.env[name]
            key = f"%v%{param.id}"  # (as `opaque` writes a value: the parameter itself)
            return ObjRef(obj, ir.Opaque(ast.Name(key, ast.Load()), {key: param}))
        if static_args.is_objects(obj):  # `for o in options: o.price(S)`: each item's
            param = self.env[name]  # methods inlined, its attributes read live
            key = f"%v%{param.id}"
            if type(obj) not in (list, tuple):  # a record holding them: `pipe.stages`
                return ObjRef(obj, ir.Opaque(ast.Name(key, ast.Load()), {key: param}))
            return TupleVal([ObjRef(v, ir.Opaque(ast.Subscript(ast.Name(key, ast.Load()),
                                                             ast.Constant(i), ast.Load()),
                                                 {key: param}))
                             if static_args.is_object(v) else self.static_value(
                                 v, ast.Subscript(ast.Name(name, ast.Load()), ast.Constant(i),
                                                  ast.Load()))
                             for i, v in enumerate(obj)])
        if isinstance(obj, static_args.Entries):
            param = self.env[name]
            key = f"%v%{param.id}"
            entries = {}
            for k, fn in obj:
                read = ast.Subscript(ast.Name(name, ast.Load()), ast.Constant(k), ast.Load())
                entries[k] = self.static_value(fn, read) if fn is not None else self.assign(
                    k if k.isidentifier() else "t", ir.Opaque(ast.Subscript(
                        ast.Name(key, ast.Load()), ast.Constant(k), ast.Load()), {key: param}),
                    node)
            return DictVal(entries, None, name)
        if obj is None or isinstance(obj, (str, bool)):  # `activation="tanh"`: a constant
            return ir.Const(obj)  # of this build (None, a flag: a primitive's options)
        return self.static_value(obj, ast.Name(name, ast.Load()))

    def static_value(self, obj, read: ast.expr):
        """A function known by value here (an argument of f, a helper's default,
        an entry of a dict of functions, `getattr(np, name)`), as the value calls
        inline; `read` writes it in the derivative, for any other use. A partial
        is its function with its arguments (read live from it), a bound method
        its function with the object as `self`, a tuple of functions each one."""
        if hasattr(type(obj), "__srcdiff_function__"):
            obj = obj.__srcdiff_function__()  # a derivative srcdiff made: its Python code
        if isinstance(obj, (tuple, list)) and not hasattr(obj, "_fields"):
            return TupleVal([self.static_value(v, ast.Subscript(read, ast.Constant(i),
                                                                ast.Load()))
                             for i, v in enumerate(obj)])
        if isinstance(obj, functools.partial):
            def part(v, at):
                if isinstance(v, inlining.CONST_TYPES):
                    return ir.Const(v)
                if static_args.is_function(v):
                    return self.static_value(v, at)
                return ir.Opaque(at, {})  # an array bound by the partial: read live
            attr = functools.partial(ast.Attribute, read, ctx=ast.Load())
            return PartialVal(
                self.static_value(obj.func, attr("func")),
                [part(v, ast.Subscript(attr("args"), ast.Constant(i), ast.Load()))
                 for i, v in enumerate(obj.args)],
                {k: part(v, ast.Subscript(attr("keywords"), ast.Constant(k), ast.Load()))
                 for k, v in obj.keywords.items()})
        if isinstance(obj, types.MethodType) and is_user_function(obj.__func__):
            this = ObjRef(obj.__self__, ir.Opaque(ast.Attribute(read, "__self__", ast.Load()),
                                                  {}))
            return PartialVal(FuncRef(obj.__func__, None), [this], {})
        if static_args.is_object(obj):  # a callable object: its __call__, inlined
            return ObjRef(obj, ir.Opaque(read, {}))
        return FuncRef(obj, ir.Opaque(read, {}))

    # ----- inlining the user's own functions -----
    def inlined(self, node, hint: str):
        """The value of a helper's body, lowered into the caller's block."""
        self.resolver.bind_imports(node)
        fence.check(node, self.resolver, top=False)
        if isinstance(node, ast.Lambda):
            return self.value(node.body, hint)
        if not self.block(desugar.body(node, implicit_return=True)):
            raise self.error("a path that reaches the end without `return`", node)
        return self.env.get(RET, ir.Const(None))  # (None: the helper always raises)

    def construct(self, cls, node, args, kwargs, hint):
        """`C(...)` of the user's class C whose `__init__` only sets attributes (reading
        its arguments and the attributes it set): the object as a dict value of them
        whose methods inline on it (`desugar.init_as_dict`). None otherwise: the call is
        kept, and differentiating through it is a located error."""
        init = next((vars(c)["__init__"] for c in cls.__mro__ if "__init__" in vars(c)),
                    None)
        own = _custom(cls)
        if own or not is_user_function(init):
            why = "defines " + ", ".join(own) if own else "has no __init__ of yours"
            self.inline_errors.setdefault(id(cls), self.error(
                f"building an object of your class {cls.__name__}, which {why}, inside the "
                "function from a differentiated value", node,
                _BUILD_OUTSIDE.format(cls.__name__)))
            return None
        if _init_not_a_dict(cls, init):
            self.inline_errors.setdefault(id(cls), self.error(
                f"building an object of your class {cls.__name__} inside the function from a "
                "differentiated value: its __init__ uses self other than by setting and "
                "reading attributes (a method called on self, self passed on, a super() "
                "whose base is not a global of its module)", node,
                _BUILD_OUTSIDE.format(cls.__name__)))
            return None
        got = self.inline(init, node, [ir.Const(None)] + args, kwargs, hint,
                          rewrite=desugar.init_as_dict, cls=cls)
        if not isinstance(got, DictVal):
            return None
        return DictVal(got.entries, {k: k for k in got.entries}, None, cls)

    def inline(self, helper, node, args, kwargs, hint, rewrite=None, cls=None):
        """Lower a call of the user's own function into this body (its def as `rewrite`
        gives it; a method's `super()` calls as calls of the next class's method, for
        an object of `cls` or of the class of `args[0]`). None when it cannot be
        (recursion, unsupported code, no source): the call is then kept as written,
        and differentiating through it is a located error."""
        if (structured := inlining.FOR_STRUCTURE.get(helper)) is not None:
            helper = structured(self.trees_of(helper, args, kwargs)) or helper
        why = inlining.why_not(helper, self.fn, self.stack, node, self.filename, args)
        if why is not None:
            self.inline_errors[id(helper)] = why
            return None
        mark = len(self.out)
        try:
            hnode, filename = parse_function(helper)
            hnode = _supers_explicit(hnode, helper, cls or _class_of(args[0] if args else None))
            if rewrite is not None and (hnode := rewrite(hnode)) is None:
                return None
            hnode = self.looped(helper, hnode) if rewrite is None else hnode
            env = inlining.bind_params(helper, hnode, args, kwargs, node, self.filename,
                                       lambda v, p: self.static_value(
                                           v, self.spelling.value(v, p)))
            # the caller still holds what it passed: an in-place update of a parameter
            # (`a /= 2` on an array, `d["k"] = v` on a dict) changes the caller's too.
            # A value the caller holds by plain names only is written back to them after
            # the call (`_apply_bc(u)` sets u[0]); one held in a container is shared.
            passed = [leaf for v in env.values() for _, leaf in leaves(v)]
            sub = Lowerer(helper, filename, self.counter, env=env, out=self.out,
                          shared={v.id for v in passed if isinstance(v, ir.Var)}
                          - self._owned_entries(env),
                          stack=self.stack + (self.fn,), spelling=self.spelling)
            sub.held = _held(env, hnode) | self.held
            sub.writable = self._by_name_only(env)
            start = next(self.counter)
            result = sub.inlined(hnode, hint)
        except (UnsupportedSyntaxError, NoSourceError) as e:
            del self.out[mark:]
            self.inline_errors[id(helper)] = e
            return None
        self.resolver.guards += sub.resolver.guards
        self._write_back(env, sub, self.out[mark:], node)
        self._objects_back(env, sub, node)
        if isinstance(result, ir.Var) and result.hint in ("result", "t"):
            result.hint = hint if hint not in ("t", "result") else (
                helper.__name__.strip("_") or "t")
        for _, leaf in leaves(result) if isinstance(result, STRUCTS) else ():
            if isinstance(leaf, ir.Var) and leaf.id > start:
                leaf.user = False  # `k1x, k1y = rhs(x, y)`: the caller's names read best
        return result

    def trees_of(self, helper, args, kwargs) -> dict:
        """Parameter -> the structure (pytree.TreeDef) of the list, tuple or dict
        passed to it here, for each argument that is one."""
        names = list(inspect.signature(helper).parameters)
        passed = {**dict(zip(names, args)), **kwargs}
        trees = {n: self.tree_of(v) for n, v in passed.items()}
        return {n: td for n, td in trees.items() if td is not None and td.kind != pytree.LEAF}

    def tree_of(self, v):
        """The structure of a value here: a list display's (packs), a tuple's, a
        dict's; a leaf for anything else; None for one srcdiff's containers do not
        have (an object, a structured parameter passed whole)."""
        if isinstance(v, ir.Var) and v.id in self.packs:
            kind, typ, kids = pytree.LIST, list, self.packs[v.id]
        elif isinstance(v, TupleVal) and v.attrs is None:
            kind, typ, kids = pytree.TUPLE, tuple, v.items
        elif isinstance(v, DictVal) and v.attrs is None and v.cls is None:
            kind, typ, kids = pytree.DICT, dict, list(v.entries.values())
        elif isinstance(v, STRUCTS + CALLABLES + (ObjRef,)) or (
                isinstance(v, ir.Const) and v.value is None):
            return None
        else:
            return pytree.LEAF_DEF
        children = tuple(self.tree_of(k) for k in kids)
        if None in children:
            return None
        keys = tuple(v.entries) if kind == pytree.DICT else tuple(range(len(kids)))
        return pytree.TreeDef(kind, typ, keys, children)

    def looped(self, fn, node):
        """`node`, the def of `fn`, with its tail calls of itself as a loop
        (desugar.tail_loop) when its name is `fn` where it is called (guarded:
        rebinding the name transforms again); else `node` as it is."""
        looped = desugar.tail_loop(node) if isinstance(node, ast.FunctionDef) else None
        ns = getattr(fn, "__globals__", {})
        if looped is None or ns.get(node.name) is not fn or node.name in (
                fn.__code__.co_freevars):
            return node
        self.resolver.guards.append((ns, node.name, fn))
        return looped

    def _by_name_only(self, env) -> set[int]:
        """Ids of the helper's parameter values that the caller holds by plain names
        only (no container, list display or loop start another name shares)."""
        plain = {v.id for v in env.values() if isinstance(v, ir.Var)}
        held = {leaf.id for v in self.env.values() if isinstance(v, STRUCTS)
                for _, leaf in leaves(v) if isinstance(leaf, ir.Var)}
        held |= {it.id for items in self.packs.values() for it in items
                 if isinstance(it, ir.Var)}
        return plain - held - self.shared

    def _write_back(self, env, sub, stmts, node) -> None:
        """After a call: the caller's names for a value the helper changed in place by
        item writes name the changed value (the parameter's final value, the same
        object), as in Python they see the change."""
        made = {}  # value id -> the values it may be the same object as
        for st in ir.walk(stmts):
            if isinstance(st, ir.Assign) and st.update is not None and (
                    st.update.container is None and writes_into(st.expr)):
                made[st.var.id] = [st.update.old]
            elif isinstance(st, ir.If):
                for o in st.outs:
                    made[o.var.id] = [o.then, o.orelse]
            elif isinstance(st, ir.Loop):
                for c in st.carried:
                    made[c.phi.id] = [c.init, c.next]

        def same(w, v, seen=frozenset()) -> bool:
            if w is v or isinstance(w, ir.Var) and w.id in seen:  # (a loop: as it started)
                return True
            srcs = made.get(w.id) if isinstance(w, ir.Var) else None
            return bool(srcs) and all(same(a, v, seen | {w.id}) for a in srcs)
        for p, v in env.items():
            if not (isinstance(v, ir.Var) and v.id in sub.written):
                continue
            w = sub.env.get(p)
            if not same(w, v):
                raise self.error(
                    f"a helper that changes its argument {p!r} in place and then assigns "
                    f"{p!r} anew (the caller's {p!r} is changed, the helper's name is "
                    "not); write the change into a copy and return it", node)
            self.rename(v, w)

    def _owned_entries(self, env) -> set[int]:
        """Ids of the entries of the objects of the user's classes passed in `env`
        that nothing of the caller's holds but those objects' plain names: a method
        may change them in place (`self.v += a`), the object then written back
        (`_objects_back`)."""
        out = set()
        for v in env.values():
            if not (isinstance(v, DictVal) and v.cls is not None and not v.origin):
                continue
            names = sum(val is v for val in self.env.values())
            for _, leaf in leaves(v):
                if isinstance(leaf, ir.Var) and leaf.id not in self.shared and sum(
                        _count(val, leaf) for val in self.env.values()) == names and not any(
                        any(it is leaf for it in items) for items in self.packs.values()):
                    out.add(leaf.id)
        return out

    def _objects_back(self, env, sub, node) -> None:
        """After a call: an object of the user's class built here and passed to a
        helper that set its attributes (`self.x = ...` in a method) is, for every
        plain name of the caller's for it, the helper's final object, as in Python
        they see the change; held in a list or another object, it is refused."""
        for p, v in env.items():
            if not (isinstance(v, DictVal) and v.cls is not None and p in sub.set_attrs):
                continue
            w = sub.env.get(p)
            if p in sub.name_bound or not (isinstance(w, DictVal) and w.cls is v.cls):
                raise self.error(
                    f"a helper that both sets attributes of its argument {p!r} and assigns "
                    f"{p!r} anew (which object the caller's name then names is not "
                    "followed)", node, "change the object, or return a new one")
            if any(val is not v and holds(val, v) for val in self.env.values()) or any(
                    any(holds(it, v) for it in items) for items in self.packs.values()):
                raise self.error(
                    f"a call that sets attributes of an object of your class "
                    f"{v.cls.__name__} held in a list or another object", node,
                    "srcdiff follows objects changed by their methods when the function "
                    "holds them by names alone")
            self.set_attrs.update(k for k, val in self.env.items() if val is v)
            self.rename(v, w)

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
            if isinstance(s, ast.Raise):
                self.raise_(s)
                return True
            if isinstance(s, ast.Break):
                key = self.brk_keys[-1]
                self.broke_unbound.setdefault(key, set()).update(
                    k for k, v in self.env.items() if self.maybe_unbound(v))
                self.env[key] = ir.Const(True)
                return True
            if isinstance(s, ast.If) and (
                    any(isinstance(n, ast.Return) for n in syntax.walk(s))
                    or desugar.contains([s], (ast.Break, ast.Continue))):
                return self.if_stmt(s, list(stmts[i + 1:]) + list(cont))
            self.later.append(list(stmts[i + 1:]) + list(cont))
            try:
                self.stmt(s)
            finally:
                self.later.pop()
        if cont:
            return self.block(cont)
        return False

    def raise_(self, s) -> None:
        """`raise E(...)`, kept as written: the path ends there."""
        exc = self.opaque(s.exc, nondiff=True)
        self.emit(ir.Assign(self.var("error", s), exc, self.loc(s), effect=True, raises=True))
        self.env[RAISED] = True

    def returned(self, s):
        """The value a `return` gives; a tuple, list, dict, string or None is not
        something to differentiate (a helper's may be anything)."""
        if not self.top:
            return ir.Const(None) if s.value is None else self.value(s.value, "result")
        if getattr(s.value, "result_leaves", False):  # a structured result's leaves
            self.result_leaves = True
            return self.value(s.value, "result")
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
        if isinstance(val, STRUCTS):
            what = "a tuple" if isinstance(val, TupleVal) else "a dict"
            raise NonNumericOutputError(f"{self.fn.__name__} returns {what} (line "
                                        f"{s.lineno}); srcdiff differentiates a number or "
                                        "an array")
        return val

    def stmt(self, s) -> None:
        method = getattr(self, "s_" + type(s).__name__, None)
        if method is None:
            raise fence.rejection(s, self.filename)
        method(s)

    def s_Pass(self, s):
        pass

    def s_Import(self, s):
        """Run when the function was transformed: the names it binds are resolved
        like globals (resolver.bind_imports), so the derivative needs no import."""

    s_ImportFrom = s_Import

    def s_Assert(self, s):
        """Kept as written (no derivative): where f fails it, so does the derivative."""
        cond = self.condition(s.test)
        msg = self.opaque(s.msg, nondiff=True) if s.msg is not None else ir.Const(None)
        v = self.assign("_", ir.Call(ASSERT, None, [cond, msg]), s)
        for st in self.out:
            if isinstance(st, ir.Assign) and st.var is v:
                st.effect = True

    def s_Expr(self, s):
        """A call as a statement runs for its effect and is kept as written."""
        if not isinstance(s.value, ast.Call):
            return  # a docstring, or an expression without a call: no effect
        call = s.value
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "append"
                and isinstance(call.func.value, ast.Name) and call.func.value.id in self.env
                and len(call.args) == 1 and not call.keywords):
            self.list_append(call.func.value, call.args[0], s)
            return
        if len(call.args) == 3 and not call.keywords and _is_add_at(self.callee(call.func)):
            self.add_at(call, s)
            return
        if (filled := desugar.fill_diagonal(call, self.callee(call.func)[1] is np.fill_diagonal,
                                            set(self.env))) is not None:
            self.s_Assign(filled)  # `np.fill_diagonal(A, 0.0)`: `A[diagonal] = 0.0`
            return
        mark = len(self.out)
        v = self.value(s.value, "_")
        for st in self.out[mark:]:  # (what an inlined helper returns by a primitive with a
            if isinstance(st, ir.Assign) and st.var is v and (  # rule, `0.5 * e`: no effect)
                    _within(st.loc, s, self.filename) or not (
                        isinstance(st.expr, ir.Call) and lookup(st.expr.fn) is not None)):
                st.effect = True

    def s_FunctionDef(self, s):
        """A nested def is a value, inlined where it is called. (Generated code
        defines srcdiff's runtime helpers inside the function: primitives with rules.)"""
        if s.name in HELPERS:
            self.resolver.define_helper(s.name)
            return
        self.env[s.name] = FuncVal(s, self, inlining.defaults_of(
            s, lambda d: self.value(d, "t")))

    def inline_local(self, fv, node, args, kwargs, hint):
        """Lower a call of a def or lambda made inside the function: its body reads
        the names of the function that made it as they are now (a closure)."""
        if any(f is fv for f in self.locals_stack):
            raise self.error("recursion of a function defined inside the function", node)
        scope, fnode = fv.scope, fv.node
        name = getattr(fnode, "name", "lambda")
        own = inlining.local_names(fnode)
        env = {k: v for k, v in scope.env.items() if isinstance(k, str) and k not in own
               and not k.startswith(("<", "__"))}
        env.update(inlining.bind(name, fnode, fv.defaults, args, kwargs, node, self.filename))
        passed = [leaf for v in env.values() for _, leaf in leaves(v)]
        sub = Lowerer(scope.fn, scope.filename, self.counter, env=env, out=self.out,
                      shared={v.id for v in passed if isinstance(v, ir.Var)},
                      stack=self.stack, spelling=self.spelling)
        sub.held = _held(env, fnode) | self.held
        sub.unbound = scope.unbound
        sub.resolver.locals |= own
        sub.resolver.imported = dict(scope.resolver.imported)  # (its own: sub.inlined)
        sub.locals_stack = self.locals_stack + (fv,)
        start = next(self.counter)
        result = sub.inlined(fnode, hint)
        self.resolver.guards += sub.resolver.guards
        if sub.set_attrs and self is not scope:
            raise self.error(f"{name}, which sets attributes of objects, called other than in "
                             "the function that defines it", node)
        self._objects_back(env, sub, node)  # (`o.x = ...` of the function's own object)
        for _, leaf in leaves(result):
            if isinstance(leaf, ir.Var) and leaf.id > start and (
                    isinstance(result, STRUCTS) or leaf.hint in ("result", "t")):
                leaf.user = False
                if not isinstance(result, STRUCTS):
                    leaf.hint = hint if hint not in ("t", "result") else (
                        name.lstrip("_") if isinstance(fnode, ast.FunctionDef) else "t")
        return result

    def s_Assign(self, s):
        hint = s.targets[0].id if isinstance(s.targets[0], ast.Name) else "t"
        if hint == desugar.CAUGHT:  # which handler of a try catches: run at the primal
            parts = self.opaque(ast.Tuple(s.value.args, ast.Load()), nondiff=True)
            probe = ast.copy_location(ast.Call(s.value.func, parts.node.elts, []), s.value)
            self.env[hint] = self.assign("caught", ir.Opaque(probe, parts.uses, True), s)
            return
        val = self.value(s.value, hint)
        for t in s.targets:
            self.bind(t, val)

    def s_AnnAssign(self, s):
        if s.value is not None:
            self.bind(s.target, self.value(s.value, getattr(s.target, "id", "t")))

    def s_AugAssign(self, s):
        op = BINOPS[type(s.op)]
        if isinstance(s.target, ast.Subscript):
            old = self.e_Subscript(s.target, "t")
            right = self.atom(s.value, "t")
            self.set_item(s.target, self.item_update(s.target, old, ir.Call(
                op, None, [old, right]), s), s)
            return
        if isinstance(s.target, ast.Attribute):  # `self.v += a`: of the object's entry
            old = self.e_Attribute(s.target, "t")
            right = self.atom(s.value, "t")
            new = self.var(s.target.attr, s)
            self.emit(ir.Assign(new, ir.Call(op, None, [old, right]), self.loc(s),
                                update=self.entry_update(old)))
            self.set_attribute(s.target, new)
            return
        left = self.read(s.target)  # a name (the fence allows a name's attribute too)
        inplace = "__i" + DUNDERS.get(type(s.op), "__op__")[2:]
        if is_object(left) and hasattr(left.cls, inplace):
            raise self.error(f"an augmented assignment calling {left.cls.__name__}.{inplace}",
                             s, "write the binary operator to make a new object")
        if isinstance(left, TupleVal) or is_object(left):
            # `t += (v,)`: tuples are rebound, `t = t + (v,)`; so is an object without __iadd__
            self.s_Assign(ast.copy_location(ast.Assign(
                [ast.Name(s.target.id, ast.Store())],
                ast.copy_location(ast.BinOp(ast.Name(s.target.id, ast.Load()), s.op, s.value),
                                  s)), s))
            return
        right = self.value(s.value, "t")
        self.update(s.target.id, ir.Call(op, None, [left, right]), left, s)

    def item_update(self, target: ast.Subscript, old, expr, node) -> ir.Var:
        """`L[k] += v` runs `L[k].__iadd__(v)`: an array item of a list or dict is
        changed in place, and whatever else holds it sees that (`L = [z]`, `d["b"]`
        also `d["a"]`), so the new value is an update of the item (aliasing.py);
        an item of an array, a row, is written back and changes nothing else."""
        v = self.var("t", node)
        base = self.env.get(target.value.id) if isinstance(target.value, ast.Name) else None
        update = None
        if isinstance(old, ir.Var) and base is not None:
            if isinstance(base, STRUCTS) or base.id in self.packs:  # built here: known
                update = self.entry_update(old)
            elif isinstance(base, ir.Var):  # a list or an array: its kind says (aliasing)
                update = ir.Update(old, False, base)
        self.emit(ir.Assign(v, expr, self.loc(node), update=update))
        return v

    def entry_update(self, old) -> ir.Update | None:
        """The update, in place, of `old`, an entry of a struct built here (`d["k"] +=
        v`, `self.v += a`): shared when anything but that one entry holds it too."""
        if not isinstance(old, ir.Var):
            return None
        held = {id(val): val for val in self.env.values()}.values()  # (`c = b`: names of
        holders = sum(_count(val, old) for val in held) + sum(  # one object hold it once)
            sum(it is old for it in items) for items in self.packs.values())
        return ir.Update(old, holders > 1 or old.id in self.shared)

    def s_If(self, s):
        self.if_stmt(s, [])

    def if_stmt(self, s, rest, broke=None) -> bool:
        """Both branches (each followed by `rest`), joined by phis. `broke`: the
        flag of the loop whose `else` this is (its `orelse` is the path that broke)."""
        known = self.known_test(s.test) if broke is None else None
        if known is not None:  # `if "b" in opts:`, known here: the branch taken only
            return self.block(s.body if known else s.orelse, rest)
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
        if RAISED in tenv or RAISED in eenv:
            return self.raising_if(cond, s, branches)
        self.env = dict(before)
        outs = []
        names = [n for n in tenv if n in eenv] + [RET] * (RET in tenv and RET not in before)
        for name in dict.fromkeys(names):
            a, b = tenv.get(name), eenv.get(name)
            if name == RET and not (tdone and edone):
                continue
            self.env[name] = self.join(name, a, b, s, outs, broke)
        for name in [n for n in tenv if n not in eenv] + [n for n in eenv if n not in tenv]:
            if name in before or name == RET or not isinstance(name, str):
                continue  # (a read checked on one path only, ("bound", id), is not after)
            self.env[name] = self.one_branch(name, tenv.get(name), eenv.get(name), s, outs,
                                             tdone or edone)
        self.emit(ir.If(cond, tb, eb, outs, self.loc(s)))
        return tdone and edone

    def one_branch(self, name, a, b, s, outs, returned: bool):
        """A name only one branch assigns (`if verbose: log = f(x)`) is that value or
        unbound after the if, as in Python: a phi with None for the other branch,
        checked where it is read (UnboundLocalError, as Python raises). A structure,
        a function, or a name the branch that goes on never assigns stays an error."""
        value = a if b is None else b
        if returned or not isinstance(value, (ir.Var, ir.Const)) or not any(
                isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
                for stmts in self.later for st in stmts for n in syntax.walk(st)):
            return Undefined(f"{words(name)} is assigned in only one branch of an if")
        none = ir.Const(None)
        v = self.join(name, none if a is None else a, none if b is None else b, s, outs)
        self.unbound[v.id] = None
        return v

    def one_branch_entry(self, name: str, key, val: DictVal, s) -> str:
        """What a read of an entry (an attribute of an object of the user's class) set
        in only one branch of the if `s` is, naming that if (in the file being lowered,
        an `__init__` perhaps): reading it is refused where it is read."""
        where = f"the if at {os.path.basename(self.filename)}, line {s.lineno}"
        qual = getattr(self.fn, "__qualname__", "")
        cls = val.cls.__name__ if val.cls is not None else qual.rsplit(".", 2)[-2] if (
            name == "self" and qual.endswith(".__init__")) else None  # (being built)
        if cls is not None and isinstance(key, str):
            return (f"reading .{key} of an object of your class {cls}, an "
                    f"attribute which only one branch of {where} sets (Python raises "
                    "AttributeError on the other path): set it on both branches, e.g. to "
                    "0.0 or None")
        return (f"the entry {words(name)}[{key!r}], which only one branch of {where} sets: "
                "set it on both branches")

    def raising_if(self, cond, s, branches) -> bool:
        """An if with a branch that raises: only the other goes on, so its code runs
        after the if, unconditionally (it runs exactly when the raise did not)."""
        (tb, tenv, tdone), (eb, eenv, edone) = branches
        if RAISED in tenv and RAISED in eenv:
            self.emit(ir.If(cond, tb, eb, [], self.loc(s)))
            self.env = tenv
            return True
        if RAISED in tenv:
            self.emit(ir.If(cond, tb, [], [], self.loc(s)))
            self.out.extend(eb)
            self.env, done = eenv, edone
        else:
            self.emit(ir.If(cond, [], eb, [], self.loc(s)))
            self.out.extend(tb)
            self.env, done = tenv, tdone
        return done

    def join(self, name, a, b, s, outs, broke=None):
        """The value of `name` after an if whose branches left `a` and `b`: a phi,
        or entry by entry for tuples and dicts of the same shape."""
        if a is b:
            return a
        for u in (a, b):
            if isinstance(u, Undefined):
                return u
        if isinstance(a, CALLABLES + (ObjRef,)) or isinstance(b, CALLABLES + (ObjRef,)):
            return Undefined(f"{words(name)} after an if whose branches make it different "
                             f"functions, chosen at run time; {CHOSEN_AT_RUN_TIME}")
        if any(isinstance(v, DictVal) and v.escaped() for v in (a, b)):
            return Undefined(escape_error(a if isinstance(a, DictVal) and a.escaped() else b))
        if isinstance(a, STRUCTS) or isinstance(b, STRUCTS):
            if isinstance(a, TupleVal) and isinstance(b, TupleVal) and len(a.items) == len(
                    b.items):
                return TupleVal([self.join(name, x, y, s, outs)
                                 for x, y in zip(a.items, b.items)],
                                a.attrs if a.attrs == b.attrs else None)
            if isinstance(a, DictVal) and isinstance(b, DictVal):
                keys = dict.fromkeys(list(a.entries) + list(b.entries))
                return DictVal({k: self.join(name, a.entries[k], b.entries[k], s, outs)
                                if k in a.entries and k in b.entries else Undefined(
                                    self.one_branch_entry(name, k, a, s)) for k in keys},
                               _joined_attrs(a, b), a.origin, a.cls if a.cls is b.cls else None)
            return Undefined(f"{words(name)} after an if whose branches make it different kinds "
                             "of value (a tuple or dict of another shape in one)")
        v = self.var("result" if name == RET else name, s)
        v.user = name != RET
        outs.append(ir.Phi(v, a, b))
        if self.maybe_unbound(a) or self.maybe_unbound(b, broke):
            self.unbound[v.id] = None
        return v


def _joined_attrs(a: DictVal, b: DictVal):
    """The attributes after an if of an object of the user's class: those of either
    branch (one only one sets reads as unset); of another dict, those both agree on."""
    if a.attrs == b.attrs:
        return a.attrs
    if a.cls is not None and a.cls is b.cls and a.attrs and b.attrs:
        return {**a.attrs, **b.attrs}
    return None


def _init_not_a_dict(cls, init) -> bool:
    """Whether the source of the user's `__init__` uses self otherwise than setting
    and reading attributes (desugar.init_as_dict; `super().__init__(...)` merges the
    base's); False without source (reported where it is inlined)."""
    try:
        return desugar.init_as_dict(_supers_explicit(parse_function(init)[0], init, cls)) is None
    except NoSourceError:
        return False


def _class_of(this):
    """The class of the object `this` is (a method's self), or None."""
    if isinstance(this, DictVal):
        return this.cls
    return type(this.obj) if isinstance(this, ObjRef) else None


def _supers_explicit(hnode, fn, cls):
    """`hnode`, the def of `fn`, with `super().m(...)` as `Base.m(self, ...)`
    (desugar.explicit_super) when `fn` is a method of `cls` (or a base of it) and
    the next class in `cls`'s MRO is a global of `fn`'s module by its name (or
    object); else `hnode` as it is (a `super()` left is refused where it is)."""
    if cls is None or not any(isinstance(n, ast.Name) and n.id == "super"
                              for n in syntax.walk(hnode)):
        return hnode
    mro = cls.__mro__
    at = next((i for i, c in enumerate(mro) if vars(c).get(fn.__name__) is fn), None)
    if at is None or at + 1 >= len(mro):
        return hnode
    base = mro[at + 1]
    if base is not object and getattr(fn, "__globals__", {}).get(base.__name__) is not base:
        return hnode
    out = desugar.explicit_super(hnode, None if base is object else base.__name__)
    return hnode if out is None else out


_CUSTOM = ("__new__", "__setattr__", "__getattr__", "__getattribute__", "__slots__")


def _custom(cls) -> list[str]:
    """What `cls` defines that makes its objects other than the attributes its __init__
    sets (sorted): a `__new__`, attribute hooks, abstract methods (building it raises),
    `__slots__` when its objects have no `__dict__` (an abstract base's empty
    `__slots__ = ()`, as abc.ABC's, leaves its subclasses theirs)."""
    mro = cls.__mro__[:-1]
    own = {k for c in mro for k in vars(c) if k in _CUSTOM}
    if "__slots__" in own and any("__dict__" in vars(c) for c in mro):
        own.discard("__slots__")
    if getattr(cls, "__abstractmethods__", None):
        own.add("abstract methods")
    return sorted(own)
_BUILD_OUTSIDE = ("build the {0} outside and pass it in (its attributes are then constants), "
                  "or pass the numbers it holds as parameters")


def _within(loc, s, filename: str) -> bool:
    """Whether `loc` is in statement `s` of the file being lowered (not in a helper
    inlined there)."""
    return loc is None or loc.filename == filename and (
        s.lineno <= loc.lineno <= (s.end_lineno or s.lineno))


def _held(env: dict, fnode) -> set:
    """The ids of the dicts the caller of `fnode` holds too: those it passed (the
    `**kwargs` dict is a new one, built at the call; its entries are the caller's)."""
    kwarg = fnode.args.kwarg.arg if fnode.args.kwarg else None
    return {id(d) for k, v in env.items() for d in _dicts(v)[k == kwarg:]}


def _count(v, obj) -> int:
    """How many times `v` holds `obj` (itself, or its entries, nested)."""
    if v is obj:
        return 1
    if isinstance(v, TupleVal):
        return sum(_count(e, obj) for e in v.items)
    if isinstance(v, DictVal):
        return sum(_count(e, obj) for e in v.entries.values())
    return 0


def _dicts(v) -> list:
    """The dicts built in the function that `v` is or holds."""
    if isinstance(v, DictVal):
        return [v] + [d for e in v.entries.values() for d in _dicts(e)]
    if isinstance(v, TupleVal):
        return [d for e in v.items for d in _dicts(e)]
    return []


def _is_add_at(found) -> bool:
    """Whether a callee is NumPy's np.add.at (a bound method: a new object each read)."""
    ok, obj = found
    return ok and getattr(obj, "__self__", None) is np.add and getattr(
        obj, "__name__", None) == "at"


def _spelling(fn, namespace: dict) -> ast.expr | None:
    """How `f`'s module names the function `fn` (`decay`, `np.tanh`), read live by
    the derivative's check that it was given `fn`; None when it names it nowhere (a
    lambda, a closure: the derivative is then not checked)."""
    if not callable(fn) or isinstance(fn, type):
        return None
    for name, v in namespace.items():
        if v is fn and name.isidentifier() and not name.startswith("__"):
            return ast.Name(name, ast.Load())
    attr = getattr(fn, "__name__", None)
    for name, v in namespace.items():
        if (isinstance(v, types.ModuleType) and isinstance(attr, str) and attr.isidentifier()
                and getattr(v, attr, None) is fn and not name.startswith("__")):
            return ast.Attribute(ast.Name(name, ast.Load()), attr, ast.Load())
    return None
