"""SSA construction, part 2: `while` and `for` loops (a mixin of `Lowerer`).

Takes a loop statement; emits one `ir.Loop` whose `carried` values are every name the
body changes that is bound before it (entry by entry for a tuple or dict), with the
break flag a `break` sets and the `else` lowered as an `if` on it. A `for` runs over
`range(...)` directly, and over `enumerate`, `zip`, `reversed` and any sequence by
index up to its (shortest) length; one over a tuple or dict built in the function
(`for W in (W1, W2)`, a structured parameter's `.values()`) is unrolled, one copy of
the body per item. It reads and sets the `Lowerer`'s state (`env`, `out`,
`brk_keys`, `unbound`, `shared`) and lowers the body with `block`.
"""
from __future__ import annotations

import ast
import inspect
import operator

from . import checkpoint, desugar, ir, syntax
from .lower_values import RET, holds_object
from .resolve import is_user_function
from .rules.table import lookup
from .structs import (CALLABLES, STRUCTS, DictVal, FuncVal, ObjRef, TupleVal, Undefined, at,
                      children, escape_error, holds, leaves, rebuild, same_shape)


class Loops:
    def s_While(self, s):
        test, policy = checkpoint.peel(self, s, s.test)
        flag = self.break_flag(s)
        outer = dict(self.env)
        carried = self.loop_vars(s, flag=flag)
        cond = self.opaque(test, nondiff=True)
        body = self.loop_body(s)
        self.finish_loop(s, carried, outer, self.env)
        loop = ir.Loop("while", carried, body, cond=cond, trips=self.var("trips", s),
                       loc=self.loc(s), checkpoint=policy)
        self.finish_else(s, loop, flag)

    def s_For(self, s):
        if self.unrolled(s):
            return
        it, policy = checkpoint.peel(self, s, s.iter)
        s = ast.copy_location(ast.For(s.target, it, s.body, s.orelse), s) if policy else s
        flag = self.break_flag(s)
        index_target, bounds, pre, start = self.iteration(s)
        if index_target is not None and not isinstance(index_target, ast.Name):
            raise self.error("this loop target", index_target)
        outer = dict(self.env)
        carried = self.loop_vars(s, extra=[index_target.id] if index_target else [], flag=flag)
        counter = index_target is not None and start is None  # the user's name is the index
        index = self.var(index_target.id if counter else "i", s)
        index.user = counter
        if counter:
            self.env[index_target.id] = index
        saved, self.out = self.out, []
        if start is not None:  # enumerate(seq, start): the user's count is index + start
            self.env[index_target.id] = self.assign(
                index_target.id, ir.Call(operator.add, None, [index, start]), index_target)
        for target, seq in pre:
            item = self.assign(getattr(target, "id", "item"),
                               ir.Call(operator.getitem, None, [seq, index]), target)
            self.bind(target, item)
        pre_stmts, self.out = self.out, saved
        body = pre_stmts + self.loop_body(s)
        self.finish_loop(s, carried, outer, self.env)
        loop = ir.Loop("range", carried, body, index=index, bounds=bounds,
                       trips=self.var("trips", s) if flag else None, loc=self.loc(s),
                       checkpoint=policy)
        self.finish_else(s, loop, flag)

    def unrolled(self, s) -> bool:
        """A loop over a tuple or dict built in the function (`for W in (W1, W2)`,
        `for layer in params.values()`: kept entry by entry, its length fixed when
        lowered, its items perhaps dicts that never exist as one runtime value): the
        body once per item, the target bound to it, as a person unrolls two
        layers; False for any other loop (and for one with break, continue or else)."""
        it = s.iter
        counted = isinstance(it, ast.Call) and self.callee(it.func)[1] is enumerate and len(
            it.args) == 1 and not it.keywords
        node = it.args[0] if counted else it
        if s.orelse or desugar.contains(s.body, (ast.Break, ast.Continue)):
            return False
        if not counted and (seq := self.indexed_objects(s)) is not None:
            return self.unrolled_over(s, seq)
        if (rows := self.zipped_objects(node, s)) is not None:
            return self.unrolled_over(s, *rows, counted=counted)
        functions = isinstance(node, ast.Tuple) and all(
            self.fixed(e) for e in node.elts) and not all(
            isinstance(n, (ast.Tuple, ast.Constant, ast.expr_context)) for n in syntax.walk(node))
        if not (_structural(node) or functions):  # (`for fn, c in ((sq, 1.0), (np.sin, 2.0))`:
            return False  # its functions are called inline, item by item)
        seq = self.value(node, "seq")  # (a structural read: it emits nothing)
        if not isinstance(seq, STRUCTS):
            return False
        return self.unrolled_over(s, seq, counted=counted)

    def indexed_objects(self, s):
        """`for i in range(len(layers)): x = layers[i](x)`, a range of constants whose
        body indexes, with the loop's target, a tuple holding objects of the user's
        (lower_values.holds_object): the indices, as items to unroll over; else None."""
        it = s.iter
        if not (isinstance(it, ast.Call) and isinstance(s.target, ast.Name) and (
                self.callee(it.func)[1] is range) and not it.keywords and 1 <= len(it.args) <= 3):
            return None
        name = s.target.id
        if not any(isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Name)
                   and n.slice.id == name and holds_object(self.held_value(n.value))
                   for b in s.body for n in syntax.walk(b)):
            return None
        mark = len(self.out)
        bounds = [self.atom(a, "n") for a in it.args]
        if not all(isinstance(b, ir.Const) and type(b.value) is int for b in bounds):
            del self.out[mark:]
            return None
        return TupleVal([ir.Const(i) for i in range(*(b.value for b in bounds))])

    def zipped_objects(self, node, s):
        """`zip(self.layers, self.acts)` of tuples kept item by item, one holding
        objects of the user's: (the tuple of its rows, None). With sequences known only
        at run time among them (`zip(book, spots, vols)`, arrays): rows reading them
        by a constant index, and their shortest length, which each row tests (zip
        stops there); else None."""
        if not (isinstance(node, ast.Call) and node.args and not node.keywords and (
                self.callee(node.func)[1] is zip) and all(_structural(a) for a in node.args)):
            return None
        seqs = [self.held_value(a) for a in node.args]
        for k, (a, q) in enumerate(zip(node.args, seqs)):  # `self.acts`, of functions
            if isinstance(q, ir.Opaque) and isinstance(a, ast.Attribute) and isinstance(
                    base := self.held_value(a.value), ObjRef):
                seqs[k] = self.objects(getattr(base.obj, a.attr, None), q, need_object=False)
        known = [q for q in seqs if isinstance(q, TupleVal)]
        if not any(holds_object(q) for q in known) or any(
                isinstance(q, STRUCTS + CALLABLES + (ObjRef,)) and not isinstance(q, TupleVal)
                for q in seqs):
            return None
        rows = min(len(q.items) for q in known)
        columns, bound = [], None
        for q in seqs:
            if isinstance(q, TupleVal):
                columns.append(q.items[:rows])
                continue
            seq = self.pack(q, node)
            n = self.assign("n", ir.Call(len, None, [seq]), s)
            bound = n if bound is None else self.assign("n", ir.Call(min, None, [bound, n]), s)
            columns.append([(seq, k) for k in range(rows)])
        return TupleVal([TupleVal(list(row)) for row in zip(*columns)]), bound

    def unrolled_over(self, s, seq, bound=None, counted=False) -> bool:
        """The body once per item of `seq`; with `bound` (a run-time length), copy k
        runs only where k < bound, each reading its run-time items there (seq[k])."""
        items = seq.items if isinstance(seq, TupleVal) else [ir.Const(k) for k in seq.entries]
        stmts = []
        if bound is not None:
            limit = f"\x00n{next(self.keys)}"
            self.env[limit] = bound
        for k, item in enumerate(items):
            value = self._row(item, s)
            if counted:
                value = ast.Tuple([ast.Constant(k), value], ast.Load())
            copy = [ast.copy_location(ast.Assign([s.target], value), s)] + s.body
            if bound is not None:
                test = ast.Compare(ast.Name(limit, ast.Load()), [ast.Gt()], [ast.Constant(k)])
                copy = [ast.copy_location(ast.If(test, copy, []), s)]
            stmts += copy
        ast.fix_missing_locations(ast.Module(stmts, []))
        self.block(stmts)
        return True

    def _row(self, item, s) -> ast.expr:
        """An item to bind a loop target to, as an expression of hidden names: a
        (sequence, k) pair of a zip row is `sequence[k]`, read where the row runs."""
        if isinstance(item, TupleVal) and any(isinstance(v, tuple) for v in item.items):
            return ast.Tuple([self._row(v, s) for v in item.items], ast.Load())
        if isinstance(item, tuple):
            seq, k = item
            key = f"\x00seq{next(self.keys)}"
            self.env[key] = seq
            return ast.Subscript(ast.Name(key, ast.Load()), ast.Constant(k), ast.Load())
        key = f"\x00item{next(self.keys)}"
        self.env[key] = item
        return ast.Name(key, ast.Load())

    def iteration(self, s):
        """What a `for` runs over, as (index target or None, range bounds, [(target,
        sequence)] bound from the index each trip): `range(...)` directly;
        `enumerate`, `zip`, `reversed` (nested in any way) and any sequence by index up
        to its (shortest) length."""
        it = s.iter
        call = it if isinstance(it, ast.Call) else None
        fobj = self.callee(call.func)[1] if call is not None else None
        if fobj is range and not call.keywords:
            return s.target, [self.atom(a, "n") for a in call.args], [], None
        start = None
        if fobj is enumerate and _enumerate_args(call):
            if not (isinstance(s.target, ast.Tuple) and len(s.target.elts) == 2):
                raise self.error("this enumerate target", s.target)
            index_target, item = s.target.elts
            seqs = self.sequences(item, call.args[0], s)
            given = call.args[1:] + [k.value for k in call.keywords]
            start = self.atom(given[0], "start") if given else None
        else:
            index_target = None
            seqs = self.sequences(s.target, it, s)
        lens = [self.assign("n", ir.Call(len, None, [q]), s) for _, q in seqs]
        n = lens[0]
        for m in lens[1:]:
            n = self.assign("n", ir.Call(min, None, [n, m]), s)
        return index_target, [n], seqs, start

    def sequences(self, target, node, s) -> list:
        """[(target, sequence)] a loop target is bound from by index: `zip(a, b)` pairs
        its targets with its sequences, `reversed(a)` indexes `a[::-1]`."""
        call = node if isinstance(node, ast.Call) and not node.keywords else None
        fobj = self.callee(call.func)[1] if call is not None else None
        if fobj is zip and call.args:
            if not (isinstance(target, ast.Tuple) and len(target.elts) == len(call.args)):
                raise self.error("this zip target", target)
            return [p for t, a in zip(target.elts, call.args) for p in self.sequences(t, a, s)]
        if fobj is reversed and len(call.args) == 1:
            back = ir.Const(slice(None, None, -1))
            return [(t, self.assign("seq", ir.Call(operator.getitem, None, [q, back]), s))
                    for t, q in self.sequences(target, call.args[0], s)]
        seq = self.atom(node, "seq")
        rule = lookup(fobj) if call is not None else None
        view = call is not None and isinstance(call.func, ast.Attribute) and (
            call.func.attr in ("items", "values", "keys")) and not call.args
        foreign = call is not None and rule is None and callable(fobj) and not (
            is_user_function(fobj))
        if view or foreign or rule is not None and rule.iterator or (
                inspect.isgeneratorfunction(fobj)):  # (`foreign`: itertools.combinations,
            # np.ndindex, any call with no rule, whose result may be a one-pass iterator)
            seq = self.assign("seq", ir.Call(list, None, [seq]), s)  # its items, by index
            # (`d.items()` of a dict known at run time: a view, not indexed)
        return [(target, seq)]

    def loop_vars(self, s, extra=(), flag=False):
        """The loop-carried values: every name the body changes that is bound before,
        and a `for`'s targets that code after it reads (`for i in range(n): ... break`,
        then `xs[i]`: the last trip's value, the value before the loop when it ran no
        trip, unbound when there was none)."""
        carried = []
        before = dict(self.env)  # (who holds an initial value: before any name is carried)
        targets = [n.id for n in syntax.walk(s.target) if isinstance(n, ast.Name)] if (
            isinstance(s, ast.For) and not getattr(s, "scoped", False)) else []
        later = [t for t in dict.fromkeys(targets) if self.read_later(t, s)]
        extra = [e for e in extra if e not in later]
        names = assigned_names(s.body) + later + [  # (a method, or a def called, may set them)
            n for n in passed_names(s.body, self.env)
            if isinstance(v := self.env.get(n), DictVal) and v.cls is not None]
        for name in dict.fromkeys(names + ([self.brk_keys[-1]] if flag else [])):
            start = self.env.get(name)
            if isinstance(start, DictVal) and start.escaped():
                raise self.error(escape_error(start), s)
            if name not in self.env or name in extra or any(
                    isinstance(leaf, (Undefined, ObjRef) + CALLABLES) for _, leaf in leaves(start)):
                continue

            def carry(path, init, name=name):
                phi = self.var(name, s)
                phi.user = True
                if isinstance(init, ir.Var) and (
                        init.id in self.shared or any(
                            holds(v, init) for k, v in before.items() if k != name)):
                    self.shared.add(phi.id)  # another name holds what the loop starts from
                if isinstance(init, ir.Var) and init.id in self.writable:
                    self.writable.add(phi.id)  # (the caller's object, as the loop changes it)
                    self.root[phi.id] = self.root.get(init.id, init.id)
                carried.append(ir.Carried(phi, init, key=(name, path) if path else name))
                return phi

            self.env[name] = rebuild(start, carry)  # a tuple or dict: entry by entry
            if self.maybe_unbound(start):
                self.unbound[self.env[name].id] = None
        for name in dict.fromkeys(assigned_names(s.body) + later):
            if name not in self.env and name not in extra and self.read_later(name, s):
                # assigned only in the loop, read after it: unbound until assigned
                phi = self.var(name, s)
                phi.user = True
                carried.append(ir.Carried(phi, ir.Const(None), key=name))
                self.env[name] = phi
                self.unbound[phi.id] = None
        return carried

    def read_later(self, name: str, s) -> bool:
        """Whether code after loop `s` (its `else`, the rest of every enclosing
        block) may read `name`."""
        return any(_reads(st, name) for stmts in [s.orelse] + self.later for st in stmts)

    def finish_loop(self, s, carried, outer_env, body_env):
        keys = {c.key[0] if isinstance(c.key, tuple) else c.key for c in carried}
        for name in self.rebound - keys:  # a helper's write, written back to the name
            before = outer_env.get(name)
            if before is not None and body_env.get(name, before) is not before:
                raise self.error(
                    f"{words(name)} changed in place in this loop through another name or "
                    f"a helper it is passed to, when the loop does not assign {words(name)} "
                    f"itself; change it by its own name ({name}[i] = ...) or assign what "
                    f"the helper returns ({name} = ...)", s)
        for c in carried:
            name, path = c.key if isinstance(c.key, tuple) else (c.key, ())
            start = outer_env.get(name, c.phi)  # (none: assigned only in the loop)
            after = body_env.get(name, start)
            if isinstance(after, DictVal) and after.escaped():
                raise self.error(escape_error(after), s)
            if path and not same_shape(after, start) or not path and isinstance(
                    after, STRUCTS):
                gained = _gained(start, after)
                if gained:
                    raise self.error(gained, s, "set them before the loop (in __init__, "
                                     "or as `self.last = 0.0`)")
                raise self.error(kind_change(name, start, after), s, _REBUILD)
            c.next = at(after, path)
            if isinstance(c.next, Undefined):
                raise self.error(c.next.why, s)
            if isinstance(c.next, CALLABLES + (ObjRef,)):
                raise self.error(f"{words(name)}, a function defined inside the loop, after "
                                 "it", s, "define it before the loop")
            if c.phi.id in self.unbound:  # bound after the loop when it ran and assigned it
                if runs(s) and not self.maybe_unbound(c.next):
                    del self.unbound[c.phi.id]
                elif desugar.contains(s.body, ast.Break) and name not in (
                        self.broke_unbound.get(self.brk_keys[-1], ())):
                    self.unbound[c.phi.id] = self.brk_keys[-1]  # bound if it broke
        self.env = outer_env
        phis = {c.key: c.phi for c in carried}
        keys = {c.key if isinstance(c.key, str) else c.key[0] for c in carried}
        for name in keys:
            self.env[name] = rebuild(self.env.get(name), lambda path, _, name=name: phis[
                (name, path) if path else name])
        for name in assigned_names(s.body):
            start = outer_env.get(name)
            if name not in keys and isinstance(start, STRUCTS):  # `t = ()`: no entries
                if not same_shape(body_env.get(name, start), start):
                    raise self.error(kind_change(name, start, body_env.get(name, start)), s,
                                     "grow a list with append instead")
                continue
            if name not in keys:
                self.env[name] = Undefined(
                    f"{words(name)} after the loop (it is assigned only inside the loop; "
                    "assign it before the loop)")

    def loop_body(self, s):
        saved, self.out = self.out, []
        self.block(s.body)
        body, self.out = self.out, saved
        return body  # (a `return` in a loop was rewritten by desugar.body)

    def break_flag(self, s) -> bool:
        """A loop with `break` carries a flag the break sets (initially False); each
        loop of a nest has its own (`break` leaves the innermost)."""
        key = f"__brk{len(self.brk_keys)}"
        self.brk_keys.append(key)
        if desugar.contains(s.body, ast.Break):
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
            self.if_stmt(ast.copy_location(ast.If(test, s.orelse, []), s), [], broke=key)
        self.env.pop(key, None)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _reads(node, name: str) -> bool:
    """Whether `node` reads the name `name` of the function: not where a comprehension
    or lambda binds a name of its own so called (`sum(r * r for r in small)` reads
    `small`, not `r`)."""
    if isinstance(node, _COMPREHENSIONS) and any(
            isinstance(n, ast.Name) and n.id == name for g in node.generators
            for n in syntax.walk(g.target)):
        return _reads(node.generators[0].iter, name)  # (evaluated where the comprehension is)
    if isinstance(node, ast.Lambda) and name in {a.arg for a in ast.walk(node.args)
                                                 if isinstance(a, ast.arg)}:
        return False
    if isinstance(node, ast.Name):
        return node.id == name and isinstance(node.ctx, ast.Load)
    return any(_reads(c, name) for c in ast.iter_child_nodes(node))


def _structural(node) -> bool:
    """Whether `node` only reads names, constant subscripts and attributes, and
    `.values()`/`.items()`/`.keys()` (so lowering it emits no statement)."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Attribute) and node.func.attr in (
            "values", "items", "keys") and not node.args and not node.keywords and _structural(
            node.func.value)
    if isinstance(node, ast.Subscript):
        return _structural(node.value) and all(
            isinstance(n, (ast.Constant, ast.Slice, ast.UnaryOp, ast.USub, ast.expr_context))
            for n in syntax.walk(node.slice))
    if isinstance(node, ast.Attribute):
        return _structural(node.value)
    return isinstance(node, ast.Name)


def _structs(v) -> list:
    """`v` and the tuples and dicts it holds."""
    if not isinstance(v, STRUCTS):
        return []
    return [v] + [d for _, k in children(v) for d in _structs(k)]


def words(name: str) -> str:
    """A name in an error message: the user's, or what a generated one stands for."""
    if name == RET:
        return "the value returned"
    words = {desugar.RET: "the value returned inside a loop", desugar.ACC: "the sum",
             desugar.RETFLAG: "whether a loop returned"}
    if name in words:
        return words[name]
    if name.startswith("__brk"):
        return "whether the loop broke"
    if name.startswith("__call"):
        return "a call in a condition"
    return repr(name)


def runs(s) -> bool:
    """Whether loop `s` runs at least once, as written (`while True`, `range(3)`)."""
    if isinstance(s, ast.While):
        return isinstance(s.test, ast.Constant) and bool(s.test.value)
    it = s.iter
    if isinstance(it, (ast.Tuple, ast.List)):
        return bool(it.elts) and not any(isinstance(e, ast.Starred) for e in it.elts)
    if (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
            and not it.keywords and all(isinstance(a, ast.Constant) and type(a.value) is int
                                        for a in it.args) and 1 <= len(it.args) <= 3):
        try:
            return len(range(*(a.value for a in it.args))) > 0
        except ValueError:
            return False
    return False


def _enumerate_args(call) -> bool:
    """`enumerate(seq)`, `enumerate(seq, start)` or `enumerate(seq, start=k)`."""
    kws = [k.arg for k in call.keywords]
    return (len(call.args) == 1 and kws in ([], ["start"])) or (len(call.args) == 2 and not kws)


_REBUILD = ("rebind it to a tuple or dict of the same entries each step: `state = (x + dt "
            "* v, v - dt * x)` or `state = tuple(s * 2 for s in state)`")


def _gained(start, after) -> str | None:
    """The attributes an object of the user's class gains in a loop's body (`self.last
    = ...` first set there), in words; None for any other change."""
    if not (isinstance(start, DictVal) and isinstance(after, DictVal)
            and start.cls is not None and after.cls is start.cls):
        return None
    new = [k for k in after.entries if k not in start.entries]
    if not new or any(k not in after.entries for k in start.entries):
        return None
    return (f"attributes first set inside a loop (.{', .'.join(map(str, new))} of an object "
            f"of your class {start.cls.__name__}; Python's object has them only once an "
            "iteration has run)")


def kind_change(name: str, start, after) -> str:
    """What changed about a loop's value between iterations, in the user's words."""
    def kind(v):
        if isinstance(v, TupleVal):
            return f"a tuple of {len(v.items)} items"
        if isinstance(v, DictVal):
            return f"a dict with keys {', '.join(map(repr, v.entries))}"
        return "a value that is not a tuple or dict built here (a list or an array)"
    return (f"{words(name)} changing kind inside the loop ({kind(start)} before an "
            f"iteration, {kind(after)} after it)")


def passed_names(stmts, env) -> list[str]:
    """Names the statements call a method of (`p.step(dt)`) or pass to a call, and the
    names a def of the function they call reads (`o` of `def kick(): o.v = ...`)."""
    names = []
    for n in (m for st in stmts for m in syntax.walk(st) if isinstance(m, ast.Call)):
        if isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name):
            names.append(n.func.value.id)
        elif isinstance(n.func, ast.Name) and isinstance(fv := env.get(n.func.id), FuncVal):
            names += [m.id for m in syntax.walk(fv.node) if isinstance(m, ast.Name)]
        names += [a.id for a in n.args if isinstance(a, ast.Name)]
        names += [k.value.id for k in n.keywords if isinstance(k.value, ast.Name)]
    return names


def assigned_names(stmts) -> list[str]:
    """Names the statements give new values: assigned, and also updated in place
    (`x[i] = v`, `x[i] += v`, `acc.append(v)`, `np.add.at(x, i, v)` make a new value
    of `x`, `acc`)."""
    names = []
    for s in stmts:
        for n in syntax.walk(s):
            hit = None
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                hit = n.id
            elif (isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)
                  and isinstance(n.value, ast.Name)):
                hit = n.value.id
            elif (isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)
                  and isinstance(n.value, ast.Attribute) and isinstance(n.value.value, ast.Name)):
                hit = n.value.value.id  # `p.x[i] = v`: p, an object, made anew
            elif (isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)
                  and isinstance(n.value, ast.Name)):
                hit = n.value.id  # `p.x = v`
            elif (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                  and isinstance(n.value.func, ast.Attribute)
                  and n.value.func.attr == "append"
                  and isinstance(n.value.func.value, ast.Name)):
                hit = n.value.func.value.id
            elif (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                  and isinstance(n.value.func, ast.Attribute) and n.value.func.attr == "at"
                  and n.value.args and isinstance(n.value.args[0], ast.Name)):
                hit = n.value.args[0].id  # `np.add.at(K, idx, v)` writes into K alone
            elif isinstance(n, ast.Expr) and isinstance(n.value, ast.Call):
                # a call made for its effect may change what it is passed (`_apply_bc(u)`:
                # a helper's writes are written back to the caller's names, lower.py)
                for a in n.value.args:
                    if isinstance(a, ast.Name) and a.id not in names:
                        names.append(a.id)
            if hit is not None and hit not in names:
                names.append(hit)
    return names
