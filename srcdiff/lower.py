"""SSA construction: a function's `def` -> structured SSA IR (`ir.Function`).

Takes a function object and its parsed `def` (source.parse_function); gives its
IR and the guards name resolution relied on (`lower_function`). The passes run
in order: the fence (fence.py) rejects what srcdiff does not transform, the
desugaring (desugar.py) rewrites loop returns, `sum` of comprehensions and
walrus conditions, and the lowering writes the SSA: statements, `if` (phis),
loops (carried values), and calls of the user's own functions inlined by a
fresh `Lowerer` for the helper (everything it needs passed to its constructor).
Expressions and names are lowered by the base class (lower_values.py).

Guarantees: the IR has one `Var` per assignment; `If.outs` and `Loop.carried`
hold every name a branch or a loop body changes; every path returns.
"""
from __future__ import annotations

import ast
import operator

from . import desugar, fence, inlining, ir
from .errors import NonNumericOutputError, NoSourceError, UnsupportedSyntaxError
from .lower_values import RET, TupleVal, Undefined, Values
from .ops import BINOPS
from .rules.stop import ASSERT
from .resolve import MISSING  # noqa: F401  (api.py reads srcdiff.lower.MISSING)
from .source import parse_function

def lower_function(fn, node, filename: str, counter, injected=None) -> tuple[ir.Function, list]:
    """(the IR of `fn`, whose `def` is `node`; the guards its names were resolved under).
    `injected`, when given, receives the names the generated code needs that `fn`'s
    module does not have (what inlined helpers of other modules read; spelling.py)."""
    lw = Lowerer(fn, filename, counter)
    ir_fn = lw.function(node)
    if injected is not None:
        injected.update(lw.spelling.injected)
    once = {(id(ns), key, id(obj)): (ns, key, obj)
            for ns, key, obj in lw.resolver.guards + lw.spelling.guards}
    return ir_fn, list(once.values())  # (the fence and the lowering resolve the same names)


class Lowerer(Values):
    """Statements and control flow of one function (or of one inlined helper:
    `env` its parameters, `out` the caller's block, `shared` what the caller still
    holds, `stack` the functions being inlined)."""

    def __init__(self, fn, filename: str, counter, env=None, out=None, shared=(), stack=(),
                 spelling=None):
        super().__init__(fn, filename, counter, env, out, shared, spelling)
        self.stack = tuple(stack)
        self.brk_keys: list = []  # the break flags of the loops being lowered, innermost last

    def function(self, node) -> ir.Function:
        fence.check(node, self.resolver)
        params = []
        for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
            v = self.var(a.arg, a)
            v.user = True
            params.append(v)
            self.env[a.arg] = v
        if isinstance(node, ast.Lambda):
            result = self.atom(node.body, "result")
        else:
            if not self.block(desugar.body(node)):
                raise self.error("a path that reaches the end without `return`", node,
                                 "every path must return the value to differentiate")
            result = self.env[RET]
        if isinstance(result, Undefined):
            raise self.error(result.why, node)
        return ir.Function(node.name if isinstance(node, ast.FunctionDef) else "lambda",
                           params, self.out, result, self.loc(node))

    # ----- inlining the user's own functions -----
    def inlined(self, node, hint: str):
        """The value of a helper's body, lowered into the caller's block."""
        fence.check(node, self.resolver, top=False)
        if isinstance(node, ast.Lambda):
            return self.value(node.body, hint)
        if not self.block(desugar.body(node)):
            raise self.error("a path that reaches the end without `return`", node)
        return self.env[RET]

    def inline(self, helper, node, args, kwargs, hint):
        """Lower a call of the user's own function into this body. None when it
        cannot be (recursion, unsupported code, no source): the call is then
        kept as written, and differentiating through it is a located error."""
        why = inlining.why_not(helper, self.fn, self.stack, node, self.filename)
        if why is not None:
            self.inline_errors[id(helper)] = why
            return None
        mark = len(self.out)
        try:
            hnode, filename = parse_function(helper)
            env = inlining.bind_params(helper, hnode, args, kwargs, node, self.filename)
            # the caller still holds what it passed: an in-place update of a parameter
            # (`a /= 2` on an array) would change the caller's value too
            sub = Lowerer(helper, filename, self.counter, env=env, out=self.out,
                          shared={v.id for v in env.values() if isinstance(v, ir.Var)},
                          stack=self.stack + (self.fn,), spelling=self.spelling)
            result = sub.inlined(hnode, hint)
        except (UnsupportedSyntaxError, NoSourceError) as e:
            del self.out[mark:]
            self.inline_errors[id(helper)] = e
            return None
        self.resolver.guards += sub.resolver.guards
        if isinstance(result, ir.Var) and result.hint in ("result", "t"):
            result.hint = hint if hint not in ("t", "result") else helper.__name__
        return result

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
                    or desugar.contains([s], (ast.Break, ast.Continue))):
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
            raise fence.rejection(s, self.filename)
        method(s)

    def s_Pass(self, s):
        pass

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
        mark = len(self.out)
        v = self.value(s.value, "_")
        for st in self.out[mark:]:
            if isinstance(st, ir.Assign) and st.var is v:
                st.effect = True

    def s_FunctionDef(self, s):
        """Generated code defines srcdiff's runtime helpers inside the function
        (the fence allows no other def); they are primitives with rules."""
        self.resolver.define_helper(s.name)

    def s_Assign(self, s):
        hint = s.targets[0].id if isinstance(s.targets[0], ast.Name) else "t"
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
            self.set_item(s.target, self.assign("t", ir.Call(op, None, [old, right]), s), s)
            return
        left = self.read(s.target)  # a name: the fence allows nothing else
        right = self.value(s.value, "t")
        self.update(s.target.id, ir.Call(op, None, [left, right]), left, s)

    def s_If(self, s):
        self.if_stmt(s, [])

    def if_stmt(self, s, rest) -> bool:
        """Both branches (each followed by `rest`), joined by phis."""
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
        for name in dict.fromkeys(names):
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

    # ----- loops -----
    def s_While(self, s):
        flag = self.break_flag(s)
        outer = dict(self.env)
        carried = self.loop_vars(s, flag=flag)
        cond = self.opaque(s.test, nondiff=True)
        body = self.loop_body(s)
        self.finish_loop(s, carried, outer, self.env)
        loop = ir.Loop("while", carried, body, cond=cond, trips=self.var("trips", s),
                       loc=self.loc(s))
        self.finish_else(s, loop, flag)

    def s_For(self, s):
        flag = self.break_flag(s)
        index_target, bounds, pre = self.iteration(s)
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

    def iteration(self, s):
        """What a `for` runs over, as (index target or None, range bounds, [(target,
        sequence)] bound from the index each trip): `range(...)` directly;
        `enumerate`, `zip`, `reversed` (nested in any way) and any sequence by index up
        to its (shortest) length."""
        it = s.iter
        call = it if isinstance(it, ast.Call) else None
        fobj = self.callee(call.func)[1] if call is not None else None
        if fobj is range and not call.keywords:
            return s.target, [self.atom(a, "n") for a in call.args], []
        if fobj is enumerate and len(call.args) == 1 and not call.keywords:
            if not (isinstance(s.target, ast.Tuple) and len(s.target.elts) == 2):
                raise self.error("this enumerate target", s.target)
            index_target, item = s.target.elts
            seqs = self.sequences(item, call.args[0], s)
        else:
            index_target = None
            seqs = self.sequences(s.target, it, s)
        lens = [self.assign("n", ir.Call(len, None, [q]), s) for _, q in seqs]
        n = lens[0]
        for m in lens[1:]:
            n = self.assign("n", ir.Call(min, None, [n, m]), s)
        return index_target, [n], seqs

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
        return [(target, self.atom(node, "seq"))]

    def loop_vars(self, s, extra=(), flag=False):
        """The loop-carried values: every name the body changes that is bound before."""
        carried = []
        for name in _assigned_names(s.body) + ([self.brk_keys[-1]] if flag else []):
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
        for name in _assigned_names(s.body):
            if not any(c.key == name for c in carried):
                self.env[name] = Undefined(
                    f"{name!r} after the loop (it is assigned only inside the loop; "
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
            self.if_stmt(ast.copy_location(ast.If(test, s.orelse, []), s), [])
        self.env.pop(key, None)


def _assigned_names(stmts) -> list[str]:
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
