"""SSA construction, part 1: expressions and the environment of names.

Takes expression ASTs that passed the fence; gives SSA values (`ir.Var`,
`ir.Const`, an `ir.Opaque` kept as written, or a tuple or dict kept entry by
entry, structs.py), emitting the
`ir.Assign`s that compute them into the current block. `Values` holds the
state of one function's lowering: `env` (the user's names -> their current
value), the block being written (`out`) and what aliasing needs to know about
names. Reading, binding and updating names is the `Names` mixin
(lower_names.py). The statement half (lower.py) subclasses it and supplies `stmt` (for a
`sum` loop) and `inline` (for a call of the user's own function).

Guarantees: every `Var` is assigned once; a name read where it may be unbound
is a located error; an in-place update is marked (`ir.Assign.update`) with
whether another name or a list shares the old value.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import itertools
import operator
import types

import numpy as _np

from . import checkpoint, desugar, fence, inlining, ir, naming, static_args, syntax
from .ops import BINOPS, UNOPS
from .unpack import NOT_FOLDED, dict_display, str_test
from .lower_names import Names, listed, shown
from .lower_structs import PACK_LIST, Records, StructValues, method_of
from .resolve import MISSING, Resolver, SeqView, is_user_function, method_guards
from .rules.table import lookup
from .source import loc_of, unsupported
from .structs import (CALLABLES, CHOSEN_AT_RUN_TIME, STRUCTS, DictVal, FuncRef, FuncVal, ObjRef,
                      PartialVal, TupleVal, Undefined, attribute, children, leaves)

RET = "<return>"  # the env key of the value a path returns
PACK_TUPLE = ("pack", "tuple")


class Values(Names, StructValues, Records):
    def __init__(self, fn, filename: str, counter, env=None, out=None, shared=(),
                 spelling=None):
        self.fn = fn
        self.filename = filename
        self.resolver = Resolver(fn, filename, spelling)
        self.spelling = self.resolver.spelling  # the root's, shared by inlined helpers
        self.counter = counter
        self.env: dict = dict(env or {})
        self.out: list = [] if out is None else out
        self.packs: dict = {}  # var id -> items of a list/tuple display (never mutated)
        self.shared: set = set(shared)  # values another name (or the caller) also holds
        # a helper's: values the caller holds by plain names only, which an in-place write
        # (`u[0] = v`) may change (the caller's names are then written back: lower.py),
        # and the value each such write changed first (what the caller passed)
        self.writable: set = set()
        self.root: dict = {}
        self.written: set = set()  # the ids of the passed values a write changed
        self.rebound: set = set()  # the names a helper's writes were written back to
        self.held: set = set()  # ids of the dicts (structs.DictVal) the caller also holds
        self.set_attrs: set = set()  # names of objects whose attributes were set (`p.k = v`)
        self.name_bound: set = set()  # names assigned (`p = ...`): a parameter rebound
        # values that may be unassigned (a name assigned only in a loop): var id -> None,
        # or the break flag of a loop after which they are assigned if it broke
        self.unbound: dict = {}
        self.inline_errors: dict = {}  # id(user function) -> why it could not be inlined
        self.keys = itertools.count()  # names for calls hoisted out of conditions

    # ----- helpers -----
    def loc(self, node):
        return loc_of(self.filename, node)

    def error(self, what: str, node, hint: str = ""):
        return unsupported(what, self.filename, node, hint)

    def var(self, hint: str, node=None) -> ir.Var:
        return ir.Var(next(self.counter), shown(hint), self.loc(node) if node is not None
                      else None)

    def emit(self, stmt) -> None:
        self.out.append(stmt)

    def assign(self, hint: str, expr, node) -> ir.Var:
        v = self.var(hint, node)
        self.emit(ir.Assign(v, expr, self.loc(node)))
        return v

    def callee(self, node):
        return self.resolver.callee(node, self.env)

    # ----- expressions -----
    def value(self, node, hint: str):
        """Lower an expression to an atom, an Opaque or a TupleVal."""
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:  # e.g. `return {...}` in a loop, after desugar
            raise fence.rejection(node, self.filename)
        return method(node, hint)

    def atom(self, node, hint: str):
        return self.pack(self.value(node, hint), node)

    def pack(self, val, node):
        """A tuple used as a value (an argument, say) becomes a packed tuple."""
        if isinstance(val, DictVal) and val.cls is not None and val.whole is not None:
            if not isinstance(val.whole, ir.Var):
                val.whole = val.whole()
            return val.whole
        if isinstance(val, DictVal) and val.cls is not None and not val.origin:
            raise self.error(f"an object of your class {val.cls.__name__} built in the "
                             "function, used as a whole here (in a list or a container, "
                             "say)", node, "srcdiff keeps its attributes one by one: read "
                             "them, call its methods, or pass it to your own functions")
        if isinstance(val, DictVal):
            what = f"{val.origin} (a structured parameter)" if val.origin else (
                "a dict built in the function")
            raise self.error(f"{what} used as a whole here", node,
                             "srcdiff keeps it entry by entry: read its entries, "
                             "as d[\"a\"], or pass it to your own functions")
        if isinstance(val, Undefined):
            raise self.error(val.why, node)
        if isinstance(val, (FuncRef, ObjRef)) and val.opaque is not None:
            node, uses = val.opaque.node, val.opaque.uses
            if isinstance(node, ast.Name) and node.id in uses:
                return uses[node.id]  # an object passed to f: the parameter itself
            return val.opaque  # passed to something srcdiff does not inline: as written
        if isinstance(val, FuncVal) and isinstance(val.node, ast.Lambda) and not (
                val.node.args.defaults or val.node.args.kw_defaults):
            return val.scope.opaque(val.node)  # `sorted(xs, key=lambda t: t[1])`: as written
        if isinstance(val, (FuncVal, PartialVal, FuncRef)):
            raise self.error("a function defined or bound inside the function used here as "
                             "a value", node, "srcdiff inlines such functions where they are "
                             "called (directly, or by your own functions)")
        if isinstance(val, TupleVal):
            items = [self.pack(v, node) for v in val.items]
            made = PACK_LIST if getattr(val, "listed", None) is not None else PACK_TUPLE
            v = self.assign("items", ir.Call(made, None, items), node)
            self.packs[v.id] = items
            return v
        return val

    def condition(self, node) -> ir.Var:
        """An `if` test: its walrus values and calls of the user's functions are
        lowered first (desugar.hoist), the rest is kept as written."""
        rest, taken = desugar.hoist(node, lambda n: self.resolver.user_call(n, self.env),
                                    lambda: f"__call{next(self.keys)}")
        for name, sub, walrus in taken:
            if walrus:
                self.bind(ast.Name(name, ast.Store()), self.value(sub, name))
            else:
                self.env[name] = self.atom(sub, "t")
        return self.assign("cond", self.opaque(rest, nondiff=True), node)

    def opaque(self, node, nondiff=False) -> ir.Opaque:
        """Keep `node` as written, with local names replaced by their SSA values."""
        node = syntax.copy(node)
        uses: dict[str, ir.Var] = {}
        bound = {t.id for n in syntax.walk(node) if isinstance(n, ast.comprehension)
                 for t in syntax.walk(n.target) if isinstance(t, ast.Name)}
        bound |= {p.arg for n in syntax.walk(node) if isinstance(n, ast.Lambda)
                  for p in n.args.posonlyargs + n.args.args + n.args.kwonlyargs}
        lowerer = self

        class Sub(ast.NodeTransformer):
            def visit_Attribute(self, n):  # `g.log_sigma` of a namedtuple parameter: its leaf
                got = lowerer.struct_read(n, bound) or lowerer.object_read(n, bound)
                return self.put(got, n) if isinstance(got, (ir.Var, ir.Const, ir.Opaque)) else (
                    self.generic_visit(n))

            visit_Subscript = visit_Attribute  # `p["k"]`, `state[0]`

            def visit_Name(self, n):
                if n.id in bound or not isinstance(n.ctx, ast.Load):
                    return n
                return self.put(lowerer.read(n), n)

            def put(self, v, n):
                if isinstance(v, ObjRef) and v.opaque is not None:
                    v = lowerer.pack(v, n)  # `self` of an object outside: as it is read
                if isinstance(v, ir.Var):
                    key = f"%v%{v.id}"  # not an identifier: no user name is one
                    uses[key] = v
                    return ast.copy_location(ast.Name(key, ast.Load()), n)
                if isinstance(v, ir.Const):
                    return ast.copy_location(ast.Constant(v.value), n)
                if isinstance(v, ir.Opaque):
                    uses.update(v.uses)
                    return v.node
                if isinstance(v, (FuncVal, PartialVal, FuncRef)):  # (a local lambda: as
                    v = lowerer.pack(v, n)  # written, reading its values; else refused)
                    if isinstance(v, ir.Opaque):
                        uses.update(v.uses)
                        return ast.copy_location(v.node, n)
                if isinstance(v, STRUCTS):
                    v = lowerer.pack(v, n)  # a tuple is packed; a dict is refused
                    key = f"%v%{v.id}"
                    uses[key] = v
                    return ast.copy_location(ast.Name(key, ast.Load()), n)
                return n

        node = Sub().visit(node)
        return ir.Opaque(node, uses, nondiff or _metadata_only(node, uses))

    def e_Name(self, node, hint):
        if node.id not in self.env and node.id not in self.resolver.locals:
            found, obj = self.callee(node)
            if found and (is_user_function(obj) or _ruled(obj)):  # `rk4_step(rhs, ...)`:
                return FuncRef(obj, self.read(node))  # inlined (or its rule) where called
            if found and type(obj) in (list, tuple):  # `for layer in LAYERS`, of objects
                read = self.read(node)
                if isinstance(read, ir.Opaque) and (got := self.objects(obj, read)):
                    return got
                return read
        return self.read(node)

    def e_Lambda(self, node, hint):
        return FuncVal(node, self, inlining.defaults_of(node, lambda d: self.value(d, "t")))

    def e_Constant(self, node, hint):
        return ir.Const(node.value)

    def e_Tuple(self, node, hint):
        return TupleVal([self.value(e, "t") for e in node.elts], getattr(node, "attrs", None))

    def e_JoinedStr(self, node, hint):
        """An f-string (a message to print): kept as written, without a derivative."""
        return self.assign(hint, self.opaque(node, nondiff=True), node)

    def e_List(self, node, hint):
        """A list display is a value: `pack` builds it; its adjoint unpacks. One
        holding objects of the user's (`[Dense(W1, b1), Dense(W2, b2)]`) or namedtuples
        built here (`[Layer(W1, b1), ...]`, whose fields are read by name) is the
        tuple of them, kept object by object (holds_object, holds_record)."""
        values = [self.value(e, "t") for e in node.elts]
        if any(holds_object(v) or holds_record(v) or isinstance(v, CALLABLES) for v in values):
            return listed(values, self)  # (or of functions: `acts[i](z)` calls inline)
        return self.packed_list(values, node.elts, node, hint)

    def packed_list(self, values, nodes, node, hint):
        """The list of `values` as one runtime value (`pack` builds it; its adjoint
        unpacks it)."""
        items = [self.pack(v, e) for v, e in zip(values, nodes)]
        v = self.assign(hint if hint != "t" else "items", ir.Call(PACK_LIST, None, items), node)
        self.packs[v.id] = items
        return v

    def e_BinOp(self, node, hint):
        if isinstance(node.op, fence.INTEGER_OPS):  # `m1 & m2`: no derivative
            return self.assign(hint, self.opaque(node, nondiff=True), node)
        op = BINOPS[type(node.op)]
        a, b = self.value(node.left, "t"), self.value(node.right, "t")
        if is_object(a) or is_object(b):
            return self.operator_method(node, a, b, hint)
        a, b = self.pack(a, node.left), self.pack(b, node.right)
        if isinstance(a, ir.Const) and isinstance(b, ir.Const):
            try:
                return ir.Const(op(a.value, b.value))
            except Exception:
                pass
        return self.assign(naming.binop(hint, op, a, b), ir.Call(op, None, [a, b]), node)

    def object_made(self, node) -> bool:
        """Whether `node` makes an object of the user's class here: an operator on one
        (`a - b`, its __sub__) or a call of the class (`Vec2(x, y)`)."""
        if isinstance(node, ast.BinOp):
            return any(is_object(self.held_value(n)) or self.object_made(n)
                       for n in (node.left, node.right))
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            found, obj = self.callee(node.func)
            return found and isinstance(obj, type) and is_user_function(
                getattr(obj, "__init__", None))
        return False

    def received(self, node: ast.Call) -> ast.Call:
        """`made.method(...)` with the object `made` makes lowered once and held by a
        name of the lowering's own, so the call reads it as `obj.method(...)` does."""
        key = f"\x00object{next(self.keys)}"
        self.env[key] = self.value(node.func.value, "t")
        func = ast.copy_location(ast.Attribute(ast.copy_location(ast.Name(key, ast.Load()),
                                                                 node.func.value),
                                               node.func.attr, ast.Load()), node.func)
        return ast.copy_location(ast.Call(func, node.args, node.keywords), node)

    def operator_method(self, node, a, b, hint):
        """`a + b` with an object of the user's class built here: its `__add__`, or
        the right operand's `__radd__`, inlined as Python calls them."""
        name = DUNDERS.get(type(node.op))
        for obj, other, dunder, side in ((a, b, name, node.left), (b, a, name and (
                "__r" + name[2:]), node.right)):
            method = self.method_of(obj, dunder) if is_object(obj) and dunder else None
            if isinstance(method, CALLABLES):
                call = ast.copy_location(ast.Call(ast.copy_location(ast.Attribute(
                    side, dunder, ast.Load()), node), [], []), node)
                got = self.call_value(method, call, [other], {}, hint)
                if isinstance(got, ir.Const) and got.value is NotImplemented:
                    break
                return got
        cls = (a if is_object(a) else b).cls
        raise self.error(f"the operator {type(node.op).__name__} with an object of your "
                         f"class {cls.__name__} built in the function, by a method other than "
                         "its own __add__-style one returning a value", node)

    def e_UnaryOp(self, node, hint):
        if isinstance(node.op, (ast.Not,) + fence.INTEGER_OPS):  # `not c`, `~mask`
            return self.assign(hint, self.opaque(node, nondiff=True), node)
        op = UNOPS[type(node.op)]
        a = self.atom(node.operand, "t")
        if isinstance(a, ir.Const) and isinstance(a.value, (int, float)):
            return ir.Const(op(a.value))
        return self.assign(naming.unop(hint, op, a), ir.Call(op, None, [a]), node)

    def e_Compare(self, node, hint):
        return self.assign(hint, self.opaque(node, nondiff=True), node)

    e_BoolOp = e_Compare

    def e_IfExp(self, node, hint):
        known = self.known_test(node.test)  # `opts["s"] if "s" in opts else 1.0`
        if known is not None:
            return self.value(node.body if known else node.orelse, hint)
        cond = self.condition(node.test)
        branches = []
        for sub in (node.body, node.orelse):
            saved, self.out = self.out, []
            val = self.value(sub, hint)
            if isinstance(val, CALLABLES + (ObjRef,)):
                raise self.error("a function chosen at run time by a conditional expression",
                                 node, CHOSEN_AT_RUN_TIME)
            branches.append((self.out, self.pack(val, sub)))
            self.out = saved
        v = self.var(hint, node)
        self.emit(ir.If(cond, branches[0][0], branches[1][0],
                        [ir.Phi(v, branches[0][1], branches[1][1])], self.loc(node)))
        return v

    def e_Attribute(self, node, hint):
        found, obj = self.callee(node)
        if found:
            written = ir.Opaque(self.resolver.written(node), {})  # e.g. math.pi, read live
            return FuncRef(obj, written) if is_user_function(obj) or _ruled(obj) else written
        base = self.value(node.value, "t")
        if isinstance(base, TupleVal) and not base.attrs and holds_object(base):
            raise self.error(f".{node.attr} of a list of your objects, which srcdiff keeps "
                             "object by object (their code inlined)", node, "build the list "
                             "in the function (appending to it there is supported), or read "
                             "its items")
        if (getter := _property(base, node.attr)) is not None:  # `d.variance`, a property
            self.resolver.guards += method_guards(base.cls, node.attr)  # of the class: run
            call = ast.copy_location(ast.Call(node, [], []), node)  # on the object, inlined
            return self.call_value(PartialVal(FuncRef(getter, None), [base], {}), call, [], {},
                                   hint)
        if getattr(base, "cls", None) is not None and node.attr not in (base.attrs or ()):
            method = self.method_of(base, node.attr)  # `net.forward` of an object built here
            if method is None:
                raise self.error(
                    f"reading .{node.attr} of an object of your class {base.cls.__name__} "
                    "built in the function, which its __init__ does not set", node,
                    "srcdiff reads such an object's attributes its __init__ sets, its "
                    "methods, static methods and class constants (numbers, strings)")
            return method
        if isinstance(base, STRUCTS) and getattr(base, "attrs", None):
            got = attribute(base, node.attr)  # `model.W` of a dataclass parameter
            if got is None and (method := method_of(base, node.attr)) is not None:
                return PartialVal(FuncRef(method, None), [base], {})  # `layer.penalty()`
            if got is None:
                raise self.error(f"reading .{node.attr}, which this value does not have",
                                 node)
            return got
        if isinstance(base, ObjRef):  # `self.w` in a method of the user's object
            got = getattr(base.obj, node.attr, None)
            if isinstance(got, types.MethodType) and is_user_function(got.__func__):
                self.resolver.guards += method_guards(base.obj, node.attr)
                this = base if got.__self__ is base.obj else ObjRef(  # (a classmethod: on
                    got.__self__, ir.Opaque(self.spelling.value(got.__self__, "cls"), {}))
                return PartialVal(FuncRef(got.__func__, None), [this], {})  # the class)
            own = node.attr in getattr(base.obj, "__dict__", {})
            if own and type(got) is str:  # `self.activation = "tanh"`: a setting that picks
                self.resolver.guards.append((vars(base.obj), node.attr, got))  # code, as a
                return ir.Const(got)  # string argument does; another string builds again
            if (is_user_function(got) or lookup(got) is not None) and (
                    own or _static_method(base.obj, node.attr) is got):
                self.resolver.guards += (  # `self.act`; `cls.rbf`, a staticmethod
                    [(vars(base.obj), node.attr, vars(base.obj)[node.attr])] if own
                    else method_guards(base.obj, node.attr))
                return FuncRef(got, ir.Opaque(ast.copy_location(ast.Attribute(
                    syntax.copy(base.opaque.node), node.attr, ast.Load()), node), {}))
            read = ir.Opaque(ast.copy_location(ast.Attribute(
                syntax.copy(base.opaque.node), node.attr, ast.Load()), node),
                dict(base.opaque.uses))
            return self.objects(got, read, need_object=False) or read  # (`self.acts` too)
        base = self.pack(base, node.value)
        return self.assign(hint, ir.Call(("attr", node.attr), None, [base], {},
                                         ast.unparse(node)), node)

    def struct_read(self, node, bound=()):
        """The value of `node` when it reads an entry of a tuple, dict or object kept
        entry by entry here (`g.log_sigma`, `p["k"]`, `state[0]`: constant keys only),
        lowered (it emits nothing); None for anything else."""
        root = node
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            if isinstance(root, ast.Subscript) and not isinstance(root.slice, ast.Constant):
                return None
            root = root.value
        if not (isinstance(root, ast.Name) and root.id in self.env and root.id not in bound
                and isinstance(self.env[root.id], STRUCTS)):
            return None
        return self.value(node, "t")

    def object_read(self, node, bound=()):
        """The value of `node` when it reads an attribute of an object of the user's
        outside the function (`self.kind` in a test, a string setting it holds, or
        `self.K` read live), lowered; None for anything else."""
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id not in bound
                and isinstance(self.env.get(node.value.id), ObjRef)):
            return None
        got = self.value(node, "t")
        return got if isinstance(got, (ir.Var, ir.Const, ir.Opaque)) else None

    def settings_read(self, node):
        """`node` with each attribute of an object that is a constant here (`self.kind`
        of an object outside or built in the function, holding a string) written as
        that constant, so a test of it is known when lowering."""
        lowerer = self

        class Fold(ast.NodeTransformer):
            def visit_Attribute(self, n):
                got = lowerer.struct_read(n) if isinstance(n.value, ast.Name) else None
                got = got if got is not None else lowerer.object_read(n)
                if isinstance(got, ir.Const) and type(got.value) in (str, bool, type(None)):
                    return ast.copy_location(ast.Constant(got.value), n)
                return n

        if not any(isinstance(n, ast.Attribute) for n in syntax.walk(node)):
            return node
        return Fold().visit(syntax.copy(node))

    def held_value(self, node):
        """The value of `node` when it only reads a name bound here through attributes
        and constant subscripts (`self.layers[0]`, `layers[i]` with `i` a constant
        here), lowered (it emits nothing); None for anything else."""
        root = node
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            index = root.slice.operand if isinstance(root, ast.Subscript) and isinstance(
                root.slice, ast.UnaryOp) and isinstance(root.slice.op, ast.USub) else (
                getattr(root, "slice", None))  # (`layers[-1]`)
            if isinstance(root, ast.Subscript) and not isinstance(index, ast.Constant) and (
                    not (isinstance(index, ast.Name)
                         and isinstance(self.env.get(index.id), ir.Const))):
                return None
            root = root.value
        if not (isinstance(root, ast.Name) and root.id in self.env):
            return None
        return self.value(node, "t")

    def objects(self, seq, read, need_object=True):
        """`self.layers`, a list or tuple of the user's objects (and functions, as
        `[layer, np.tanh]`): a tuple of them (each read live as `self.layers[i]`),
        whose methods and `__call__` inline, as a loop over it or an index of it calls
        them (with `need_object` false, a list of functions only too). Guarded: another
        item stored, or one appended or removed, transforms again. None for any other
        value."""
        if type(seq) not in (list, tuple) or not seq or not all(
                static_args.is_object(v) or static_args.is_function(v) for v in seq) or (
                need_object and not any(static_args.is_object(v) for v in seq)):
            return None
        view = SeqView(seq)
        self.resolver.guards += [(view, i, v) for i, v in enumerate(seq)]
        self.resolver.guards.append((view, len(seq), MISSING))
        items = []
        for i, v in enumerate(seq):
            at = ast.Subscript(syntax.copy(read.node), ast.Constant(i), ast.Load())
            items.append(ObjRef(v, ir.Opaque(at, dict(read.uses))) if static_args.is_object(
                v) else self.static_value(v, at))  # (a function: inlined where called)
        return TupleVal(items)

    def e_Subscript(self, node, hint):
        picked = self.chosen(node)  # `ACTIVATIONS[activation]`: that function
        if picked is not None:
            return picked
        joined = self.index_concatenation(node)
        if joined is not None:
            return self.value(joined, hint)
        base = self.value(node.value, "t")
        if isinstance(base, STRUCTS):
            entry = self.entry(base, node)
            if entry is not None:
                return entry
        base = self.pack(base, node)
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

    def index_concatenation(self, node):
        """`np.r_[a, b]` and `np.c_[a, b]` of arrays (no slices or strings) as the
        concatenation they are: np.concatenate of np.atleast_1d of each along axis 0;
        of each with fewer than two dimensions as a column (reshape(-1, 1)) along the
        last axis. None for anything else."""
        if not isinstance(node.value, ast.Attribute):
            return None
        found, obj = self.callee(node.value)
        if not found or not any(obj is o for o in (_np.r_, _np.c_)):
            return None
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if any(isinstance(i, (ast.Slice, ast.Starred)) or isinstance(i, ast.Constant) and (
                isinstance(i.value, str)) for i in items):
            return None
        mod = node.value.value

        def np_call(name, *args):
            return ast.Call(ast.Attribute(mod, name, ast.Load()), list(args), [])
        if obj is _np.r_:
            parts, axis = [np_call("atleast_1d", i) for i in items], 0
        else:
            column = ast.Tuple([ast.Constant(-1), ast.Constant(1)], ast.Load())
            parts = [ast.IfExp(ast.Compare(np_call("ndim", i), [ast.Lt()], [ast.Constant(2)]),
                               np_call("reshape", i, column), i) for i in items]
            axis = -1
        joined = np_call("concatenate", ast.List(parts, ast.Load()))
        joined.keywords = [ast.keyword("axis", ast.Constant(axis))]
        return ast.fix_missing_locations(ast.copy_location(joined, node))

    def e_NamedExpr(self, node, hint):
        value = self.value(node.value, node.target.id)
        self.bind(node.target, value)
        return value

    def e_Call(self, node, hint):
        if (folded := self.str_tested(node)) is not None:
            return folded
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            spread = self.spread(node)
            if spread is None:  # `np.zeros(*shape)` of a value: kept as written
                kept = self.opaque(node)  # (refused where it reads a differentiated value)
                kept.why = self.error(
                    "a call spreading *args or **kwargs of a value known only at run time "
                    "(srcdiff spreads a tuple or dict built in the function)", node,
                    "pass the items one by one; for xs, ys = zip(*points), keep the points "
                    "in an array and read points[:, 0], points[:, 1]")
                return self.assign(hint, kept, node)
            node = spread
        if isinstance(node.func, ast.Attribute) and self.object_made(node.func.value):
            node = self.received(node)  # `(a - b).dot(c)`, `Vec2(x, y).norm()`
        target = self.env.get(node.func.id) if isinstance(node.func, ast.Name) else (
            self.value(node.func, "t") if isinstance(node.func, ast.Dict) else None)
        if isinstance(node.func, ast.Attribute) and holds_object(self.held_value(
                node.func.value)):
            target = self.value(node.func, "t")  # `self.penalty(w)`, `layers[i].forward(x)`
        elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, (
                ast.Subscript)) and isinstance(self.chosen(node.func.value), ObjRef):
            target = self.value(node.func, "t")  # `LAYERS[0].act(z)`: of a list outside, guarded
        if isinstance(node.func, ast.Subscript) and isinstance(node.func.value, (
                ast.Dict, ast.List, ast.Tuple)):  # `{"tanh": np.tanh, ...}[name](z)`
            target = self.value(node.func, "t")
        elif isinstance(node.func, ast.Subscript) and (holds_object(
                held := self.held_value(node.func)) or isinstance(held, CALLABLES)):
            target = held  # `layers[0](x)`, an object of a list kept item by item; `acts[k](z)`
        if isinstance(node.func, ast.Call) and target is None and self.resolver.user_call(
                node.func, self.env):
            made = self.value(node.func, "t")  # `get_activation(name)(z)`: a helper returning
            if isinstance(made, CALLABLES + (ObjRef,)):  # a function (else: kept as written)
                target = made
        if (cls := getattr(target, "cls", None)) is not None:  # `net(x)`, an object built here
            target = self.method_of(target, "__call__")
            if not isinstance(target, CALLABLES):
                raise self.error(f"calling an object of your class {cls.__name__} that has "
                                 "no __call__ method of yours", node)
        if isinstance(node.func, (ast.Subscript, ast.Call)) and target is None:
            target = self.chosen(node.func)  # `ACTIVATIONS[name](z)`, `getattr(np, name)(z)`
        if isinstance(target, DictVal) and (call := method_of(target, "__call__")):
            target = PartialVal(FuncRef(call, None), [target], {})  # `layer(x)`, a dataclass
        if isinstance(target, ObjRef) and isinstance(target.obj, type):
            return self.class_call(target, node, hint)  # `cls(...)` in a classmethod
        if isinstance(target, ObjRef):  # a callable object of the user's: its __call__
            target = self.object_call(target)
        if isinstance(target, CALLABLES):
            return self.e_Call_of(target, node, hint)
        found, obj = self.callee(node.func)
        if found and hasattr(type(obj), "__srcdiff_function__"):
            obj = obj.__srcdiff_function__()  # a derivative srcdiff made: its Python code
        if found and obj is getattr and (picked := self.chosen(node)) is not None:
            return picked  # `getattr(np, name)`: that function
        if found and obj is checkpoint.checkpoint:
            raise checkpoint.misplaced(self, node)
        if found and isinstance(obj, types.MethodType) and is_user_function(obj.__func__) and (
                isinstance(node.func, ast.Attribute)):  # (a classmethod: `cls` the class)
            this = ObjRef(obj.__self__, ir.Opaque(self.resolver.written(node.func.value), {}))
            args = [self.value(a, "t") for a in node.args]
            kwargs = {k.arg: self.value(k.value, "t") for k in node.keywords}
            return self.call_value(FuncRef(obj.__func__, None), node, [this] + args, kwargs, hint)
        if found and static_args.is_object(obj) and isinstance(node.func, (
                ast.Name, ast.Attribute)) and isinstance(called := self.object_call(ObjRef(
                    obj, ir.Opaque(self.resolver.written(node.func), {}))), CALLABLES):
            return self.e_Call_of(called, node, hint)  # `model(x)`, a global object
        if found and obj is functools.partial and node.args:
            first = self.value(node.args[0], "t")
            if isinstance(first, CALLABLES):
                return PartialVal(first, [self.value(a, "t") for a in node.args[1:]],
                                  {k.arg: self.value(k.value, "t") for k in node.keywords})
        if found and obj is sorted and len(node.args) == 1 and all(
                k.arg in ("key", "reverse") for k in node.keywords):
            return self.sorted_items(node, hint)
        if found and obj is tuple and len(node.args) == 1 and not node.keywords and (
                (items := self.tuple_items(node.args[0])) is not None):
            return items  # `tuple(s * 2 for s in state)` of a tuple built here: a tuple
        if found and obj is dict and (display := dict_display(node)) is not None:
            return self.value(display, hint)  # `dict(a=x, b=y)`: the display it builds
        if found and obj is list and len(node.args) == 1 and not node.keywords and isinstance(
                node.args[0], ast.Name) and isinstance(t := self.env.get(node.args[0].id),
                                                       TupleVal) and not t.attrs:
            return listed(list(t.items), self)  # `args = list(args)` of *args: item by item
        if found and desugar.summed(obj, node):
            return self.comprehension_sum(node)
        if found and desugar.summed_display(obj, node):
            return self.value(desugar.display_sum(node), hint)
        if found and obj is map and len(node.args) >= 2 and not node.keywords:
            return self.mapped(node, hint)
        if found and obj is functools.reduce and 2 <= len(node.args) <= 3 and not (
                node.keywords) and (got := self.reduced(node)) is not None:
            return got
        if found and obj is itertools.accumulate and (got := self.accumulated(node)) is not None:
            return got
        if found and obj in (max, min) and len(node.args) == 1 and not node.keywords:
            arg = self.atom(node.args[0], "t")
            return self.assign(hint, ir.Call(("reduce", obj.__name__),
                                             self.resolver.written(node.func), [arg], {},
                                             obj.__name__), node)
        args = [self.value(a, "t") for a in node.args]
        kwargs = {k.arg: self.value(k.value, "t") for k in node.keywords}
        spelling = ast.unparse(node.func)
        if found and (built := self.record(obj, node, args, kwargs)) is not None:
            return built  # `State(x, v)`: kept field by field
        if found and obj is dataclasses.replace and len(args) == 1 and isinstance(
                args[0], DictVal) and args[0].attrs:
            return self.replaced(args[0], node, [], kwargs)
        if found and isinstance(obj, type) and is_user_function(getattr(obj, "__init__", None)):
            made = self.construct(obj, node, args, kwargs, hint)
            if made is not None:  # used as a whole, it is the object built as written
                made.whole = functools.partial(self.e_Call_kept, obj, node, args, kwargs, hint)
                return made
        if found and is_user_function(obj):
            inlined = self.inline(obj, node, args, kwargs, hint)
            if inlined is not None:
                return inlined
            if any(isinstance(a, (DictVal, FuncVal, PartialVal)) or holds_object(a) for a in [
                    *args, *kwargs.values()]):
                raise self.inline_errors[id(obj)]  # it cannot be called as written either
        if found and obj is len and len(args) == 1 and not kwargs and isinstance(
                args[0], STRUCTS):
            return ir.Const(len(args[0].items if isinstance(args[0], TupleVal)
                                else args[0].entries))
        if found and obj is sum and 1 <= len(args) <= 2 and not kwargs and isinstance(
                args[0], TupleVal) and (total := self.tuple_sum(args, node, hint)) is not None:
            return total  # `sum(xs)` of a helper's `*xs`: its items added
        if isinstance(node.func, ast.Attribute) and not found and isinstance(
                node.func.value, ast.Dict):  # `layer.penalty()` of a dataclass passed whole
            receiver = self.value(node.func.value, "t")
            if (method := method_of(receiver, node.func.attr)) is not None:
                return self.call_value(FuncRef(method, None), node, [receiver] + args, kwargs,
                                       hint)
        args = [self.pack(a, n) for a, n in zip(args, node.args)]
        kwargs = {k.arg: self.pack(kwargs[k.arg], k.value) for k in node.keywords}
        if found:
            if obj in (max, min) and len(args) > 2 and not kwargs:
                acc = args[0]  # n-ary max/min: pairwise, over the arguments as lowered
                for a in args[1:]:
                    acc = self.assign(hint, ir.Call(obj, self.resolver.written(node.func), [acc, a],
                                                    {}, spelling), node)
                return acc
            call = ir.Call(obj, self.resolver.written(node.func), args, kwargs, spelling)
            call.why = self.inline_errors.get(id(obj))
            return self.assign(_call_hint(hint, spelling, args), call, node)
        if isinstance(node.func, ast.Attribute):
            receiver = self.value(node.func.value, "t")
            if isinstance(receiver, TupleVal) and receiver.attrs and node.func.attr == "_replace":
                return self.replaced(receiver, node, args, kwargs)  # `s._replace(v=...)`
            if getattr(receiver, "cls", None) is not None and isinstance(
                    method := self.method_of(receiver, node.func.attr), CALLABLES):
                return self.call_value(method, node, args, kwargs, hint)  # `Shift(3).apply(x)`
            if isinstance(receiver, DictVal):
                return self.dict_method(receiver, node, args, kwargs)
            receiver = self.pack(receiver, node.func.value)
            return self.assign(naming.call(hint, node.func.attr, [receiver] + args), ir.Call(
                ("method", node.func.attr), None,
                                             [receiver] + args, kwargs, spelling), node)
        callee = self.opaque(node.func)
        return self.assign(hint, ir.Call(("opaque", spelling), callee, args, kwargs,
                                         spelling), node)

    def class_call(self, target: ObjRef, node, hint):
        """`cls(...)` of a classmethod, `cls` the user's class it was called on: built
        as `C(...)` written out is (a record, or an object whose `__init__` inlines)."""
        cls = target.obj
        args = [self.value(a, "t") for a in node.args]
        kwargs = {k.arg: self.value(k.value, "t") for k in node.keywords}
        if (built := self.record(cls, node, args, kwargs)) is not None:
            return built
        made = self.construct(cls, node, args, kwargs, hint)
        if made is None:
            raise self.inline_errors.get(id(cls)) or self.error(
                f"building an object of your class {cls.__name__} through cls", node)
        made.whole = functools.partial(self.e_Call_kept, cls, node, args, kwargs, hint,
                                       target.opaque.node)
        return made

    def e_Call_kept(self, obj, node, args, kwargs, hint, written=None):
        """`obj(*args, **kwargs)` (lowered arguments) kept as a call; `written`: the
        callee as the generated code writes it (default: node's, resolved)."""
        args = [self.pack(a, n) for a, n in zip(args, node.args)]
        kwargs = {k.arg: self.pack(kwargs[k.arg], k.value) for k in node.keywords}
        spelling = ast.unparse(node.func)
        call = ir.Call(obj, written or self.resolver.written(node.func), args, kwargs,
                       spelling)
        call.why = self.error(  # (raised only when a differentiated value reaches it)
            f"building an object of your class {obj.__name__} from a differentiated value "
            "that is then used as a whole (appended to a list in a loop, built by a "
            "comprehension over an array or a list known only at run time, passed to code "
            "srcdiff does not inline)", node,
            f"srcdiff keeps such an object attribute by attribute: build a list of them as a "
            f"display ([{obj.__name__}(W1), {obj.__name__}(W2)]), or build them outside and "
            "pass them in")
        return self.assign(_call_hint(hint, spelling, args), call, node)

    def sorted_items(self, node, hint):
        """`sorted(xs, key=k)` is `[xs[i] for i in order]`, `order` the permutation
        the key gives at the primal values (no derivative: it is constant where no
        two keys swap, so each item's derivative moves with the item, as `max`
        passes the largest one's)."""
        n = next(self.keys)
        items, order = f"__sorted{n}", f"__order{n}"
        key = next((k.value for k in node.keywords if k.arg == "key"), None)
        free = {m.id for m in syntax.walk(key) if isinstance(m, ast.Name)} if key else set()
        pos = next(p for p in ("i", "j", "_i", "__i") if p not in free)  # (the key's own)
        self.env[items] = self.atom(node.args[0], "items")
        item = ast.Subscript(ast.Name(items, ast.Load()), ast.Name(pos, ast.Load()), ast.Load())
        if key is not None and not (isinstance(key, ast.Constant) and key.value is None):
            item = ast.Call(key, [item], [])
        lam = ast.Lambda(ast.arguments(posonlyargs=[], args=[ast.arg(pos)], vararg=None,
                                       kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
                         item)
        indices = ast.Call(ast.Name("range", ast.Load()), [ast.Call(
            ast.Name("len", ast.Load()), [ast.Name(items, ast.Load())], [])], [])
        call = ast.copy_location(ast.Call(node.func, [indices], [ast.keyword("key", lam)] + [
            k for k in node.keywords if k.arg == "reverse"]), node)
        ast.fix_missing_locations(call)
        self.env[order] = self.assign("order", self.opaque(call, nondiff=True), node)
        comp = ast.copy_location(ast.ListComp(
            ast.Subscript(ast.Name(items, ast.Load()), ast.Name("i", ast.Load()), ast.Load()),
            [ast.comprehension(ast.Name("i", ast.Store()), ast.Name(order, ast.Load()), [],
                               0)]), node)
        ast.fix_missing_locations(comp)
        try:
            return self.e_ListComp(comp, hint)
        finally:
            self.env.pop(items, None)
            self.env.pop(order, None)

    def chosen(self, node):
        """The function a constant picks from a dict or tuple outside the function
        (`ACTIVATIONS[activation]`, a string argument being a constant of the
        build) or from a module (`getattr(np, name)`), as a value calls inline;
        None when `node` is not such a choice. Guarded: another entry stored, or
        the name rebound, transforms again."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, (ast.Name, ast.Attribute)):
            found, box = self.callee(node.value)
            if not found and isinstance(node.value, ast.Attribute):  # `self.acts[0]` of an
                found, owner = self.callee(node.value.value)  # object outside: its list
                box = getattr(owner, node.value.attr, None) if found and (
                    static_args.is_object(owner)) else None
                found = type(box) in (dict, tuple, list)
                if found:
                    self.resolver.guards.append((vars(owner), node.value.attr, box))
            if not found or type(box) not in (dict, tuple, list) or not isinstance(
                    node.slice, (ast.Name, ast.Constant)):
                return None
            k = self.value(node.slice, "t")
            if not isinstance(k, ir.Const) or type(box) is list and type(k.value) is not int:
                return None
            try:
                obj = box[k.value]
            except (KeyError, IndexError, TypeError):
                return None
            if isinstance(box, dict):
                self.resolver.guards.append((box, k.value, obj))
            elif isinstance(box, list):  # `self.acts[0]` of an object outside: item guarded
                self.resolver.guards.append((SeqView(box), k.value, obj))
        elif isinstance(node, ast.Call) and len(node.args) == 2 and not node.keywords and (
                isinstance(node.args[0], (ast.Name, ast.Attribute))):
            found, fn = self.callee(node.func) if isinstance(
                node.func, (ast.Name, ast.Attribute)) else (False, None)
            _, base = self.callee(node.args[0])
            held = self.env.get(node.args[0].id) if isinstance(node.args[0], ast.Name) else None
            if isinstance(held, ObjRef) and isinstance(held.obj, type):
                base = held.obj  # `getattr(cls, name)` in a classmethod
            k = self.value(node.args[1], "t")
            if not found or fn is not getattr or not isinstance(base, (types.ModuleType, type)) or (
                    not isinstance(k, ir.Const) or not isinstance(k.value, str)):
                return None
            owner = base if isinstance(base, types.ModuleType) else next(
                (c for c in base.__mro__ if k.value in vars(c)), None)
            if owner is None:
                return None
            obj = getattr(base, k.value, None)  # (a class's static method: its function)
            self.resolver.guards.append((vars(owner), k.value, vars(owner)[k.value]))
        elif isinstance(node, ast.Call) and (made := self.derivative_made(node)) is not None:
            obj = made  # `srcdiff.grad(loss)(w)` written in f: the derivative it makes
        else:
            return None
        if not (static_args.is_function(obj) or static_args.is_object(obj)):
            return None
        return self.static_value(obj, self.spelling.value(obj, "fn"))

    def str_tested(self, node):
        """`name.startswith("W")` of a key known here (a copy of a loop or comprehension
        over a dict's items): the constant it gives; None for anything else."""
        if not (isinstance(node.func, ast.Attribute) and not node.keywords):
            return None
        parts = []
        for e in [node.func.value, *node.args]:
            got = e if isinstance(e, ast.Constant) else self.env.get(e.id) if isinstance(
                e, ast.Name) else None
            if not isinstance(got, (ast.Constant, ir.Const)):
                return None
            parts.append(got.value)
        value = str_test(parts[0], node.func.attr, parts[1:])
        return None if value is NOT_FOLDED else ir.Const(value)

    def derivative_made(self, node):
        """The derivative `srcdiff.grad(loss)` or `srcdiff.value_and_grad(loss, 1)`
        makes, made here when `loss` is a function known here (a global, a closure's)
        and its other arguments are constants; None for anything else (a lambda
        defined in f, say: refused where called)."""
        found, maker = self.callee(node.func) if isinstance(
            node.func, (ast.Name, ast.Attribute)) else (False, None)
        if not found or getattr(maker, "__srcdiff_maker__", None) not in (
                "grad", "value_and_grad") or (  # (api.grad, api.value_and_grad)
                not node.args or not isinstance(node.args[0], (ast.Name, ast.Attribute))):
            return None
        found, fn = self.callee(node.args[0])
        if not found or not static_args.is_function(fn):
            return None
        try:
            more = [ast.literal_eval(a) for a in node.args[1:]]
            kw = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
        except ValueError:
            return None
        if None in kw or set(kw) - {"wrt", "mode"}:
            return None
        return maker(fn, *more, **kw)

    def static_value(self, obj, read):
        raise NotImplementedError  # the statement half, lower.Lowerer

    def call_value(self, val, node, args, kwargs, hint):
        """A call of a function that is a value here: a nested def or lambda, one of
        the user's functions passed in, a partial, a method of the user's object."""
        if isinstance(val, PartialVal):
            return self.call_value(val.func, node, list(val.args) + args,
                                   {**val.kwargs, **kwargs}, hint)
        if isinstance(val, FuncVal):
            return self.inline_local(val, node, args, kwargs, hint)
        got = self.inline(val.fn, node, args, kwargs, hint) if is_user_function(
            val.fn) or val.fn in inlining.FOR_STRUCTURE else None  # (np.sin passed in: a
        # call with its rule; a gradient with code per structure only: that code)
        if got is not None:
            return got
        packed = [self.pack(a, node) for a in args]
        why = self.inline_errors.get(id(val.fn))
        made = {id(a.whole) for a in args if is_object(a) and isinstance(a.whole, ir.Var)}
        for st in self.out if why is not None and made else ():
            if isinstance(st, ir.Assign) and id(st.var) in made and isinstance(st.expr, ir.Call):
                st.expr.why = why  # the object built whole for this call: why it had to be
        kwargs = {k: self.pack(v, node) for k, v in kwargs.items()}
        spelling = ast.unparse(node.func)
        if val.opaque is None:  # a method: kept as a method call on the object
            call = ir.Call(("method", val.fn.__name__), None, packed, kwargs, spelling)
        else:
            call = ir.Call(val.fn, val.opaque.node, packed, kwargs, spelling)
        call.why = self.inline_errors.get(id(val.fn))
        return self.assign(_call_hint(hint, spelling, packed), call, node)

    def tuple_items(self, node):
        """`tuple(...)` of a tuple built here, or of a generator over items known here
        (static_rows): a tuple of as many items, each computed from its own (a state
        rebound to one of the same shape in a loop stays a tuple); None otherwise
        (lowered as written)."""
        if not isinstance(node, (ast.GeneratorExp, ast.ListComp)):
            items = self.static_items(node)
            return None if items is None else TupleVal(items)
        rows = self.static_rows(node)
        return None if rows is None else TupleVal(self.each_row(node, rows, [node.elt])[0])

    def e_DictComp(self, node, hint):
        """`{k: v * 2 for k, v in d.items()}` over items known here (static_rows): a
        dict with one entry per item, kept entry by entry as a display is."""
        rows = self.static_rows(node)
        if rows is None:  # kept as written: refused if it reads a differentiated value
            kept = self.opaque(node)
            kept.why = self.error(
                "a dict comprehension over values known only at run time (a dict not "
                "differentiated is not specialised to its keys)", node, "accumulate what "
                "you need in a for loop over it (for k, v in d.items(): ...), or iterate "
                "over a tuple, a dict differentiated or a range of constants")
            return self.assign(hint, kept, node)
        keys, values = self.each_row(node, rows, [node.key, node.value])
        if not all(isinstance(k, ir.Const) for k in keys):
            raise self.error("a dict comprehension whose keys are computed at run time",
                             node.key, "srcdiff keeps a dict built in the function entry by "
                             "entry: its keys must be constants")
        return DictVal({k.value: v for k, v in zip(keys, values)})

    def static_items(self, e):
        """The items of `e` when they are known here: a tuple built in the function,
        a display of constants, `d.items()` (`.keys()`, `.values()`) of a dict built
        here, `range` of constants; else None (nothing is lowered)."""
        if isinstance(e, ast.Name):
            v = self.env.get(e.id)
            return v.items if isinstance(v, TupleVal) else None
        if isinstance(e, (ast.Tuple, ast.List)) and all(self.fixed(x) for x in e.elts):
            return [self.value(x, "t") for x in e.elts]  # (constants, functions: no code)
        if not (isinstance(e, ast.Call) and not e.keywords):
            return None
        if isinstance(e.func, ast.Attribute) and e.func.attr in ("items", "keys", "values") \
                and not e.args and isinstance(e.func.value, ast.Name) and isinstance(
                    self.env.get(e.func.value.id), DictVal):
            return self.value(e, "t").items
        if isinstance(e.func, ast.Name) and self.callee(e.func)[1] is range and all(
                isinstance(a, ast.Constant) and type(a.value) is int for a in e.args):
            return [ir.Const(i) for i in range(*(a.value for a in e.args))]
        return None

    def fixed(self, e) -> bool:
        """Whether `e` is a constant, a function named as written (`np.square`, one of
        yours) or a tuple display of such: a value known here, lowered without code."""
        if isinstance(e, ast.Tuple):
            return all(self.fixed(x) for x in e.elts)
        if isinstance(e, (ast.Name, ast.Attribute)) and not (
                isinstance(e, ast.Name) and e.id in self.env):
            found, obj = self.callee(e)
            return found and (is_user_function(obj) or _ruled(obj))
        return isinstance(e, ast.Constant)

    def static_rows(self, node):
        """The values the target of a one-generator comprehension without `if` takes,
        when its items are known here (static_items, or zip/enumerate of such); None
        otherwise."""
        if len(node.generators) != 1 or node.generators[0].ifs or node.generators[0].is_async:
            return None
        it = node.generators[0].iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in (
                "zip", "enumerate") and it.args and not it.keywords and self.callee(
                    it.func)[1] is (zip if it.func.id == "zip" else enumerate):
            seqs = [self.static_items(a) for a in it.args]
            if any(q is None for q in seqs) or it.func.id == "enumerate" and len(seqs) != 1:
                return None
            rows = (list(zip(*seqs)) if it.func.id == "zip" else
                    [(ir.Const(i), v) for i, v in enumerate(seqs[0])])
            return [TupleVal(list(r)) for r in rows]
        return self.static_items(it)

    def each_row(self, node, rows, exprs) -> list[list]:
        """Each of `exprs` lowered once per row bound to the comprehension's target
        (whose names are its own: restored after)."""
        target = node.generators[0].target
        names = {n.id for n in syntax.walk(target) if isinstance(n, ast.Name)}
        saved = {k: self.env[k] for k in names if k in self.env}
        out: list[list] = [[] for _ in exprs]
        for row in rows:
            self.bind(target, row)
            for got, e in zip(out, exprs):
                got.append(self.value(e, "t"))
        for k in names:
            self.env.pop(k, None)
        self.env.update(saved)
        return out

    def comprehension_sum(self, node):
        """`sum(e for i in it if c)` is the loop that accumulates it (desugar.sum_loop)."""
        return self.comprehension_loop(*desugar.sum_loop(node), desugar.ACC)

    def e_ListComp(self, node, hint):
        """`[e for i in it if c]` is the loop that appends its items (desugar.list_loop);
        one over items known here that builds objects of the user's classes
        (`[Dense(W, b) for W, b in zip(Ws, bs)]`) is the tuple of them, kept object
        by object (a list of objects never exists as one runtime value)."""
        rows = self.static_rows(node) if isinstance(node, ast.ListComp) else None
        if rows:
            mark = len(self.out)
            items = self.each_row(node, rows, [node.elt])[0]
            if any(holds_object(v) for v in items):
                return listed(items, self)
            if any(isinstance(leaf, CALLABLES) for row in rows for _, leaf in leaves(row)):
                # (`[fn(r) for fn, c in ((sq, 1.0), (np.sin, 0.5))]`: each call inlined)
                return self.packed_list(items, [node.elt] * len(items), node, hint)
            del self.out[mark:]
        return self.comprehension_loop(*desugar.list_loop(node), desugar.ITEMS)

    e_GeneratorExp = e_ListComp  # (its consumer sees its items in order: sum, max, np.array)

    def mapped(self, node, hint):
        """`map(f, xs)` is `[f(x) for x in xs]`; a lambda or a function that is a value
        here is bound to a name for it first (evaluated once, as map does)."""
        comp = desugar.map_comprehension(node)
        if isinstance(node.args[0], ast.Lambda):
            self.env[desugar.MAPFN] = self.value(node.args[0], "f")
            comp.elt.func = ast.copy_location(ast.Name(desugar.MAPFN, ast.Load()), node)
        try:
            return self.e_ListComp(comp, hint)
        finally:
            self.env.pop(desugar.MAPFN, None)

    def reduced(self, node):
        """`functools.reduce(f, xs[, init])` as the loop it runs (desugar.reduce_loop),
        `f` (a lambda, your function, np.add) evaluated once; None when `xs` has no
        init and is not a name (kept as written: refused where it is differentiated)."""
        loop = desugar.reduce_loop(node, desugar.MAPFN)
        return None if loop is None else self.loop_with(node.args[0], loop, desugar.REDUCED)

    def loop_with(self, fn, loop, acc: str):
        """The value `acc` has after the loop `loop` (comprehension_loop) calling the
        function `fn` (an expression, or None), evaluated once, by the name MAPFN."""
        saved = self.env.get(desugar.MAPFN)
        if fn is not None:
            self.env[desugar.MAPFN] = self.value(fn, "f")
        try:
            return self.comprehension_loop(*loop, acc)
        finally:
            self.env.pop(desugar.MAPFN, None)
            if saved is not None:
                self.env[desugar.MAPFN] = saved

    def accumulated(self, node):
        """`itertools.accumulate(xs[, f][, initial=v])` as the loop building its list
        (desugar.accumulate_loop), `f` evaluated once; None for another form (kept as
        written: refused where it is differentiated)."""
        fn = node.args[1] if len(node.args) == 2 else None
        if isinstance(fn, (ast.Name, ast.Attribute)) and self.callee(fn)[1] is operator.add:
            fn = None  # (operator.add: the default)
        loop = desugar.accumulate_loop(node, None if fn is None else desugar.MAPFN)
        return None if loop is None else self.loop_with(fn, loop, desugar.ITEMS)

    def comprehension_loop(self, stmts, targets, acc: str):
        """The value `acc` has after lowering `stmts`, a comprehension's loop; the
        comprehension's names are its own, so they are restored after."""
        saved = {k: self.env[k] for k in targets if k in self.env}
        for st in stmts:
            self.stmt(st)
        result = self.env[acc]
        for k in targets:
            self.env.pop(k, None)
        self.env.update(saved)
        return result

    def object_call(self, target: "ObjRef"):
        """`obj(...)` of an object of the user's class: its `__call__` bound to it
        (guarded), or the ObjRef itself where its class has no `__call__` of theirs."""
        call = next((vars(c)["__call__"] for c in type(target.obj).__mro__
                     if "__call__" in vars(c)), None)
        if not is_user_function(call):
            return target
        self.resolver.guards += method_guards(target.obj, "__call__")
        return PartialVal(FuncRef(call, None), [target], {})

    def e_Call_of(self, target, node, hint):
        args = [self.value(a, "t") for a in node.args]
        kwargs = {k.arg: self.value(k.value, "t") for k in node.keywords}
        return self.call_value(target, node, args, kwargs, hint)

    def method_of(self, obj: DictVal, name: str):
        """`obj.name` for an object of the user's class built in the function: its
        method bound to obj, its static method, its class constant; None for anything
        else (a property, a method not in the user's files)."""
        fn = next((vars(c)[name] for c in obj.cls.__mro__ if name in vars(c)), None)
        static = isinstance(fn, staticmethod) and is_user_function(fn.__func__)
        if isinstance(fn, classmethod) and is_user_function(fn.__func__):
            self.resolver.guards += method_guards(obj.cls, name)  # `self.make(...)`: on
            cls = ObjRef(obj.cls, ir.Opaque(self.spelling.value(obj.cls, "cls"), {}))  # the
            return PartialVal(FuncRef(fn.__func__, None), [cls], {})  # object's class
        if not (static or is_user_function(fn) or isinstance(fn, inlining.CONST_TYPES)):
            return None
        self.resolver.guards += method_guards(obj.cls, name)
        if isinstance(fn, inlining.CONST_TYPES):
            return ir.Const(fn)  # `self.SCALE`, a class constant
        return FuncRef(fn.__func__, None) if static else PartialVal(FuncRef(fn, None), [obj], {})

    def stmt(self, s) -> None:
        raise NotImplementedError  # the statement half, lower.Lowerer

    def construct(self, cls, node, args, kwargs, hint):
        raise NotImplementedError  # the statement half, lower.Lowerer

    def inline(self, helper, node, args, kwargs, hint):
        raise NotImplementedError  # the statement half, lower.Lowerer

    def inline_local(self, fv, node, args, kwargs, hint):
        raise NotImplementedError  # the statement half, lower.Lowerer


DUNDERS = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__",
            ast.Div: "__truediv__", ast.MatMult: "__matmul__", ast.Pow: "__pow__",
            ast.FloorDiv: "__floordiv__", ast.Mod: "__mod__"}


def is_object(v) -> bool:
    """An object of the user's class built in the function (kept attribute by attribute)."""
    return isinstance(v, DictVal) and v.cls is not None and not v.origin


def _metadata_only(node, uses) -> bool:
    """Whether expression `node` reads its values only through attributes whose rule
    has a zero derivative (`np.ndindex(*A.shape)`, `A.ndim`): then it has none either,
    whatever it computes."""
    if not uses:
        return False
    meta = {id(n.value) for n in syntax.walk(node) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and getattr(
                lookup(("attr", n.attr)), "zero", False)}
    return all(id(n) in meta for n in syntax.walk(node)
               if isinstance(n, ast.Name) and n.id in uses)


def _static_method(obj, name: str):
    """The function behind `obj.name` when the class of the instance `obj` defines it
    as a staticmethod; None otherwise."""
    if isinstance(obj, type):
        return None
    fn = next((vars(c)[name] for c in type(obj).__mro__ if name in vars(c)), None)
    return fn.__func__ if isinstance(fn, staticmethod) else None


def _call_hint(hint, spelling, args):
    return naming.call(hint, spelling.rsplit(".", 1)[-1], args)


def holds_object(v) -> bool:
    """An object of the user's (built in the function, or passed in), or a tuple or
    dict of constant keys holding one: a value that is only ever kept item by item."""
    if isinstance(v, ObjRef) or isinstance(v, DictVal) and v.cls is not None:
        return True
    return isinstance(v, STRUCTS) and any(holds_object(k) for _, k in children(v))


def holds_record(v) -> bool:
    """A namedtuple built in the function (a tuple with attributes), or a tuple or
    dict holding one: packed into a list, its fields would lose their names."""
    if isinstance(v, TupleVal) and v.attrs:
        return True
    return isinstance(v, STRUCTS) and any(holds_record(k) for _, k in children(v))


def _ruled(obj) -> bool:
    """Whether `obj` is a library function with a derivative rule: held in a name
    (`act = np.tanh`, returned by a helper, an entry of a dict display), it is a
    function value that calls with its rule wherever it is called; anywhere else
    it is read as written."""
    try:
        return static_args.is_function(obj) and lookup(obj) is not None
    except TypeError:  # an unhashable callable: no rule is keyed by it
        return False


def _property(val, name: str):
    """The getter of `name` when it is a property of the user's on the class of an
    object built here or of a dataclass parameter (not one its instance shadows)."""
    cls = getattr(val, "cls", None)
    if cls is None or name in (getattr(val, "attrs", None) or ()):
        return None
    prop = next((vars(c)[name] for c in cls.__mro__ if name in vars(c)), None)
    if isinstance(prop, property) and is_user_function(prop.fget) and prop.fset is None:
        return prop.fget
    return None
