"""Reverse mode: structured SSA IR -> the body of an adjoint function (AST).

Takes the IR, the active set and value kinds; returns the forward sweep
(primal statements plus the tape pushes the adjoint needs) and the reverse
sweep. Guarantees:
- only active values get adjoints; the first contribution to an adjoint is an
  assignment, later ones accumulate; a single contribution used once is
  inlined instead of named;
- a branch's adjoint is an `if` on the same condition; a loop's adjoint is a
  loop over the same trips run backwards, restoring from a tape only the
  values the adjoint reads and the loop overwrites.
"""
from __future__ import annotations

import ast
import copy
import math
import operator

import numpy as np

from . import exprs, ir
from .activity import diff_args, rule_of
from .coalesce import Groups
from .exprs import name, pv
from .kinds import SCALAR
from .rules.table import KIND_OF, LIST, bind_args


def reads(code) -> set[int]:
    """Ids of the primal values a piece of generated code reads."""
    out = set()
    for stmt in code:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and n.id.startswith("__v") and isinstance(n.ctx, ast.Load):
                out.add(int(n.id[3:]))
    return out


def assign(target: str, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Name(target, ast.Store())], value, lineno=0)


class Context:
    """What the emitters share: the module names templates use, value kinds."""

    def __init__(self, kinds: dict, modules: dict, helpers: set, stop_fns=()):
        self.kinds = kinds
        self.modules = modules  # "math" / "np" / "_m" -> the name to print
        self.helpers = helpers  # runtime helpers the code uses (filled in)
        self.stop_fns = stop_fns

    def scalar(self, *atoms) -> bool:
        return all(self.kind(a) == SCALAR for a in atoms)

    def kind(self, a):
        return self.kinds.kind(a)

    def may_broadcast(self, arg, bound) -> bool:
        """Whether `arg` may have a smaller shape than the call's result."""
        if self.kind(arg) == SCALAR and all(
                self.kind(b) == SCALAR for b in bound.values() if b is not None):
            return False
        for b in bound.values():
            if b is None or b is arg or isinstance(b, ir.Const):
                continue
            if self.kinds.same_shape(arg, b) or self.kind(b) == SCALAR:
                continue
            return True
        return False

    def template(self, rule, mode, param, bound, ans, g_name, out_var, scalar_hint=None):
        """A rule's template for one parameter, instantiated over the call's atoms."""
        diff_atoms = [a for a in bound.values() if a is not None]
        scalar = self.scalar(*diff_atoms) if scalar_hint is None else scalar_hint
        KIND_OF[0] = self.kind
        tree = rule.template(mode, param, scalar, bound)
        if tree is None:
            return None
        subs = {p: (exprs.as_value(exprs.atom(a)) if a is not None
                    else exprs.const(rule.defaults.get(p))) for p, a in bound.items()}
        subs["ans"] = pv(ans)
        subs[g_name] = name("__G")
        mods = dict(self.modules)
        mods["_m"] = mods["math"] if scalar else mods["np"]
        for k in ("math", "np", "_m"):
            subs.setdefault(k, name(mods[k]))
        for n in ast.walk(tree):
            if isinstance(n, ast.Name) and n.id.startswith("_") and n.id in HELPER_NAMES:
                self.helpers.add(n.id)
        tree = exprs.simplify(exprs.substitute(tree, subs))
        arg = bound[param]
        if mode == "vjp" and rule.broadcast and self.may_broadcast(arg, bound):
            self.helpers.add("_unbroadcast")
            tree = ast.Call(name("_unbroadcast"), [tree, self.shape_of(arg)], [])
        return self.shapes_from_parameters(tree)

    def shape_of(self, a) -> ast.expr:
        """Something with `a`'s shape: a parameter of its shape class if there is one
        (so the reverse sweep needs no value kept just for its shape)."""
        if isinstance(a, ir.Var):
            rep = self.kinds.representative(a)
            if rep is not None:
                return pv(rep)
        return exprs.atom(a)

    def shapes_from_parameters(self, tree):
        """`np.shape(t)` where `t` has a parameter's shape reads the parameter."""
        np_name = self.modules["np"]
        for n in ast.walk(tree):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "shape" and isinstance(n.func.value, ast.Name)
                    and n.func.value.id == np_name and len(n.args) == 1
                    and isinstance(n.args[0], ast.Name) and n.args[0].id.startswith("__v")):
                var = self.kinds.var_of.get(int(n.args[0].id[3:]))
                if var is not None:
                    n.args[0] = self.shape_of(var)
        return tree


HELPER_NAMES = set(__import__("srcdiff.runtime", fromlist=["HELPERS"]).HELPERS)


def is_fresh(expr) -> bool:
    """Whether an expression certainly makes a new array nothing else refers to:
    arithmetic does; `_unbroadcast` of a new array returns it or a new sum."""
    if isinstance(expr, (ast.BinOp, ast.UnaryOp)):
        return True
    return (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
            and expr.func.id == "_unbroadcast" and is_fresh(expr.args[0]))


def missing_rule(rule, mode: str, param: str, s) -> None:
    """A rule with a derivative in one mode only is an error in the other, never a
    silent zero."""
    mine, other = (rule.vjp, rule.jvp) if mode == "vjp" else (rule.jvp, rule.vjp)
    if param not in mine and "*" not in mine and param in other:
        from .errors import NotDifferentiableError

        which = "reverse" if mode == "vjp" else "forward"
        raise NotDifferentiableError(
            f"{rule.name} has no {which}-mode rule for its argument {param!r} (it is "
            f"srcdiff's own helper, differentiable in the other mode only)", s.loc)


def exit_if_broken(s: ir.Loop) -> ast.stmt:
    """`if broke: break`, after the iteration's carried values are stored."""
    return ast.If(exprs.atom(s.brk), [ast.Break()], [])


def loop_statement(s: ir.Loop, body: list) -> ast.stmt:
    """The primal loop header around `body` (which ends with the carried updates),
    stopping after an iteration that broke out."""
    if s.brk is not None:
        body = body + [exit_if_broken(s)]
    if s.kind == "range":
        return ast.For(ast.Name(f"__v{s.index.id}", ast.Store()),
                       ast.Call(name("range"), [exprs.atom(b) for b in s.bounds], []),
                       body or [ast.Pass()], [], lineno=0)
    return ast.While(copy.deepcopy(s.cond.node), body or [ast.Pass()], [])


class Reverse:
    def __init__(self, fn: ir.Function, active: set, ctx: Context, adj: Groups, counter):
        self.fn = fn
        self.active = active
        self.ctx = ctx
        self.adj = adj
        self.counter = counter
        self.state: dict[int, object] = {}  # var id -> ("pending", expr) | "named"
        self.owned: set[int] = set()  # adjoint buffers safe to update in place
        self.records: dict[int, list] = {}  # id(block) -> values pushed at its end
        self.phi_records: dict[int, list] = {}  # id(loop) -> phis pushed per iteration
        self.tapes: dict[tuple, ir.Var] = {}
        self.trips_needed: set[int] = set()
        self.loop_stack: list[ir.Loop] = []
        self.defined: dict[int, set] = {}  # id(block) -> ids defined directly in it
        self.saved: list[ir.Var] = []  # copies of adjoints taken before overwriting them
        self.floats: dict[str, bool] = {}  # adjoint names certainly holding a Python float

    # ----- names -----
    def adjname(self, v: ir.Var) -> str:
        return f"__d{self.adj.leader(v)}"

    def tape(self, loop: ir.Loop, kind: str) -> ir.Var:
        key = (id(loop), kind)
        if key not in self.tapes:
            hint = "tape" if kind == "body" else "tape_" + "_".join(
                v.hint for v in self.phi_records[id(loop)])
            self.tapes[key] = ir.Var(next(self.counter), hint)
        return self.tapes[key]

    # ----- adjoint state -----
    def value(self, v: ir.Var, out: list, uses: int):
        st = self.state.get(v.id)
        if st is None:
            return None
        if st == "named":
            return name(self.adjname(v))
        expr = st[1]
        if uses > 1 and not exprs.is_simple(expr):
            self.write(v, expr, out, first=True)
            self.state[v.id] = "named"
            return name(self.adjname(v))
        return expr

    def contrib(self, u, expr, out: list) -> None:
        if not isinstance(u, ir.Var) or u.id not in self.active:
            return
        st = self.state.get(u.id)
        if st is None:
            self.state[u.id] = ("pending", expr)
        elif st == "named":
            self.write(u, expr, out, first=False)
        else:
            total = exprs.simplify(ast.BinOp(st[1], ast.Add(), expr))
            if len(ast.unparse(total)) <= 64:
                self.state[u.id] = ("pending", total)
                return
            self.write(u, total, out, first=True)  # one statement: reads before it writes
            self.state[u.id] = "named"

    def write(self, u: ir.Var, expr, out: list, first: bool) -> None:
        n = self.adjname(u)
        self.flush_refs(n, out, u)
        if first:  # `d += v` keeps d's type (a 0-d array stays one): only the first counts
            self.floats[n] = exprs.is_float(expr, self.floats, self.ctx.modules["math"])
        if first:
            out.append(assign(n, expr))
            fresh = is_fresh(expr) or self.ctx.kind(u) == SCALAR
            (self.owned.add if fresh else self.owned.discard)(self.adj.leader(u))
        elif self.ctx.kind(u) == SCALAR or self.adj.leader(u) in self.owned:
            out.append(ast.AugAssign(ast.Name(n, ast.Store()), ast.Add(), expr))
        else:
            out.append(assign(n, ast.BinOp(name(n), ast.Add(), expr)))
            self.owned.add(self.adj.leader(u))

    def flush_refs(self, n: str, out: list, skip: ir.Var) -> None:
        """Before adjoint `n` is overwritten, pending sums that read it read a
        saved copy instead (this also breaks cycles such as `a, b = b, a`)."""
        refs = [vid for vid, st in self.state.items()
                if isinstance(st, tuple) and vid != skip.id and n in exprs.names_in(st[1])]
        if not refs:
            return
        saved = ir.Var(next(self.counter), "saved")
        self.saved.append(saved)
        out.append(assign(f"__v{saved.id}", name(n)))
        for vid in refs:
            self.state[vid] = ("pending", exprs.substitute(self.state[vid][1], {n: pv(saved)}))

    def flush_all(self, out: list) -> None:
        for vid in list(self.state):
            st = self.state.get(vid)  # read now: an earlier write may have rewritten it
            if isinstance(st, tuple):
                self.write(self._var(vid), st[1], out, first=True)
                self.state[vid] = "named"

    def _var(self, vid: int) -> ir.Var:
        return self.vars[vid]

    def init_zero(self, v: ir.Var, out: list) -> None:
        """A zero adjoint before a region that accumulates into it; an owned
        zeros buffer for an indexed value (its adjoint is scattered into)."""
        if v.id in self.scatter_bases and self.ctx.kind(v) != SCALAR:
            out.append(assign(self.adjname(v), self.zeros_like(v)))
            self.state[v.id] = "named"
            self.owned.add(self.adj.leader(v))
            return
        zero = ast.Constant(0.0) if self.ctx.kind(v) == SCALAR else self.zeros_like(v)
        out.append(assign(self.adjname(v), zero))  # shaped: products need the shape
        self.state[v.id] = "named"
        (self.owned.discard if isinstance(zero, ast.Constant) else self.owned.add)(
            self.adj.leader(v))

    def zeros_like(self, v: ir.Var) -> ast.expr:
        if self.ctx.kind(v) == LIST:  # a list of arrays (np.split): zeros for each item
            self.ctx.helpers.add("_zero_items")
            return ast.Call(name("_zero_items"), [exprs.atom(v)], [])
        np_ = name(self.ctx.modules["np"])
        shape = ast.Call(ast.Attribute(np_, "shape", ast.Load()), [self.ctx.shape_of(v)], [])
        return ast.Call(ast.Attribute(name(self.ctx.modules["np"]), "zeros", ast.Load()),
                        [shape], [])

    def basic_index(self, idx) -> bool:
        """An index of ints and slices only: `d[idx] += g` is then exact."""
        if isinstance(idx, ir.Const):
            return isinstance(idx.value, (int, slice)) and not isinstance(idx.value, bool)
        if isinstance(idx, ir.Var):
            return self.ctx.kind(idx) == SCALAR
        if isinstance(idx, ir.Opaque):
            ok = (ast.Constant, ast.Slice, ast.Tuple, ast.UnaryOp, ast.BinOp, ast.Name,
                  ast.Load, ast.USub, ast.UAdd, ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)
            for n in ast.walk(idx.node):
                if not isinstance(n, ok):
                    return False
                if isinstance(n, ast.Constant) and not (n.value is None or isinstance(
                        n.value, int)) or isinstance(n.value if isinstance(n, ast.Constant)
                                                     else 0, bool):
                    return False
                if isinstance(n, ast.Name):
                    v = idx.uses.get(n.id)
                    if v is None or self.ctx.kind(v) != SCALAR:
                        return False
            return True
        return False

    def scatter(self, base: ir.Var, idx, g: ast.expr, out: list) -> None:
        """The adjoint of `base[idx]`, added into an owned zeros buffer in place."""
        n = self.adjname(base)
        self.flush_refs(n, out, base)
        if n in exprs.names_in(g):  # g reads the buffer about to change: read a copy
            saved = ir.Var(next(self.counter), "saved")
            self.saved.append(saved)
            out.append(assign(f"__v{saved.id}", name(n)))
            g = exprs.substitute(g, {n: pv(saved)})
        st = self.state.get(base.id)
        lead = self.adj.leader(base)
        if st is None:
            out.append(assign(n, self.zeros_like(base)))
        elif isinstance(st, tuple):
            out.append(assign(n, ast.BinOp(st[1], ast.Add(), self.zeros_like(base))))
        elif lead not in self.owned:
            out.append(assign(n, ast.BinOp(name(n), ast.Add(), self.zeros_like(base))))
        self.state[base.id] = "named"
        self.owned.add(lead)
        index = exprs.atom(idx)
        if self.basic_index(idx):
            out.append(ast.AugAssign(ast.Subscript(name(n), index, ast.Store()), ast.Add(), g))
        else:
            np_ = name(self.ctx.modules["np"])
            add_at = ast.Attribute(ast.Attribute(np_, "add", ast.Load()), "at", ast.Load())
            out.append(ast.Expr(ast.Call(add_at, [name(n), exprs.as_value(index), g], [])))

    # ----- the sweep -----
    def run(self, seed) -> tuple[list, list]:
        self.vars = {}
        for p in self.fn.params:
            self.vars[p.id] = p
        for s in ir.walk(self.fn.body):
            for v in ir.stmt_defs(s):
                self.vars[v.id] = v
            if isinstance(s, ir.Loop) and s.index is not None:
                self.vars[s.index.id] = s.index
        self.blocks: list = []  # the blocks enclosing the statement being reversed
        self.computed: dict = {}  # (id(function), id(argument)) -> (value, id(its block))

        def index(block):
            for st in block:
                if isinstance(st, ir.Assign) and isinstance(st.expr, ir.Call) and (
                        len(st.expr.args) == 1 and not st.expr.kwargs
                        and isinstance(st.expr.args[0], ir.Var) and callable(st.expr.fn)):
                    key = (id(st.expr.fn), st.expr.args[0].id)
                    self.computed.setdefault(key, (st.var, id(block)))
                elif isinstance(st, ir.If):
                    index(st.body)
                    index(st.orelse)
                elif isinstance(st, ir.Loop):
                    index(st.body)

        index(self.fn.body)
        self.scatter_bases = {
            s.expr.args[0].id for s in ir.walk(self.fn.body)
            if isinstance(s, ir.Assign) and isinstance(s.expr, ir.Call)
            and s.expr.fn is operator.getitem and isinstance(s.expr.args[0], ir.Var)}
        res = self.fn.result
        if isinstance(res, ir.Var) and res.id in self.active:
            self.state[res.id] = ("pending", seed)
        rev = self.block(self.fn.body)
        fwd = self.forward(self.fn.body)
        inits = [assign(f"__v{t.id}", ast.List([], ast.Load())) for t in self.tapes.values()]
        return inits + fwd, rev

    def block(self, block: list, epilogue=None) -> list:
        """The reverse of a block; `epilogue(out)` finishes it before the values
        it reads are known (the pops at its start depend on them)."""
        out: list = []
        self.blocks.append(block)
        for s in reversed(block):
            if isinstance(s, ir.Assign):
                self.assign_(s, out)
            elif isinstance(s, ir.If):
                self.if_(s, out)
            else:
                self.loop_(s, out)
        self.blocks.pop()
        if epilogue is not None:
            epilogue(out)
        if self.loop_stack:
            defined = {v.id for s in block for v in ir.stmt_defs(s)}
            rec = sorted(defined & reads(out))
            again = self.recompute(block, rec) if block is self.loop_stack[-1].body else []
            rec = [i for i in rec if i not in {s.var.id for s in again}]
            self.records[id(block)] = [self.vars[i] for i in rec]
            out[:0] = [assign(f"__v{s.var.id}", self.primal_expr(s.expr)) for s in again]
            if rec:
                out.insert(0, self.pop(self.tape(self.loop_stack[-1], "body"),
                                       self.records[id(block)]))
        return out

    def recompute(self, body: list, needed: list) -> list:
        """Values of a loop body cheaper to recompute in the reverse sweep than to
        tape: `w[i]`, `x.T` of values the loop does not change (and its index)."""
        loop = self.loop_stack[-1]
        inside = {v.id for s in ir.walk(body) for v in ir.stmt_defs(s)}
        inside |= {c.phi.id for c in loop.carried}
        ok = {loop.index.id} if loop.index is not None else set()
        out = []
        for s in body:
            if not (isinstance(s, ir.Assign) and s.var.id in needed
                    and isinstance(s.expr, ir.Call) and s.expr.callee is None
                    and (s.expr.fn is operator.getitem or (isinstance(s.expr.fn, tuple)
                                                           and s.expr.fn[0] == "attr"))):
                continue
            if all(u.id not in inside or u.id in ok for u in ir.expr_uses(s.expr)):
                out.append(s)
                ok.add(s.var.id)
        return out

    def pop(self, tape: ir.Var, vs: list) -> ast.stmt:
        get = ast.Call(ast.Attribute(pv(tape), "pop", ast.Load()), [], [])
        if len(vs) == 1:
            return ast.Assign([ast.Name(f"__v{vs[0].id}", ast.Store())], get, lineno=0)
        tgt = ast.Tuple([ast.Name(f"__v{v.id}", ast.Store()) for v in vs], ast.Store())
        return ast.Assign([tgt], get, lineno=0)

    def push(self, tape: ir.Var, vs: list) -> ast.stmt:
        val = pv(vs[0]) if len(vs) == 1 else ast.Tuple([pv(v) for v in vs], ast.Load())
        return ast.Expr(ast.Call(ast.Attribute(pv(tape), "append", ast.Load()), [val], []))

    def assign_(self, s: ir.Assign, out: list) -> None:
        v = s.var
        if v.id not in self.active or self.state.get(v.id) is None:
            self.state.pop(v.id, None)
            return
        e = s.expr
        if (isinstance(e, ir.Call) and e.fn is operator.getitem and e.callee is None
                and isinstance(e.args[0], ir.Var) and e.args[0].id in self.active):
            g = self.value(v, out, 1)
            self.state.pop(v.id, None)
            if g is not None:
                self.scatter(e.args[0], e.args[1], g, out)
            return
        parts: list[tuple[ir.Var, ast.expr]] = []
        if isinstance(e, ir.Var):
            parts.append((e, name("__G")))
        elif isinstance(e, ir.Call):
            rule = rule_of(e)
            bound = bind_args(rule, e.args, e.kwargs)
            for p, a in diff_args(e, s.loc):
                if isinstance(a, ir.Var) and a.id in self.active:
                    missing_rule(rule, "vjp", p, s)
                    t = self.reuse(self.ctx.template(rule, "vjp", p, bound, v, "g", v))
                    if t is not None:
                        parts.append((a, t))
        merged: dict[int, tuple[ir.Var, ast.expr]] = {}
        for a, t in parts:
            if a.id in merged:
                t = exprs.simplify(ast.BinOp(merged[a.id][1], ast.Add(), t))
            merged[a.id] = (a, t)
        uses = sum(1 for _, t in merged.values() for n in ast.walk(t)
                   if isinstance(n, ast.Name) and n.id == "__G")
        passes_through = any(isinstance(t, ast.Name) and t.id == "__G"
                             for _, t in merged.values())
        g = self.value(v, out, uses + passes_through)
        self.state.pop(v.id, None)
        if g is None:
            return
        mine = self.adjname(v)
        for a, t in sorted(merged.values(), key=lambda at: self.adjname(at[0]) == mine):
            self.contrib(a, exprs.simplify(exprs.substitute(t, {"__G": g})), out)

    def reuse(self, tree):
        """A rule's `np.cos(x)` is the forward sweep's `cos_x = np.cos(x)` when that
        was computed in this block or one enclosing it: reuse it, don't recompute."""
        if tree is None:
            return None
        visible = {id(b) for b in self.blocks}
        mods = {self.ctx.modules["np"]: np, self.ctx.modules["math"]: math}

        class Sub(ast.NodeTransformer):
            def visit_Call(inner, n):
                inner.generic_visit(n)
                f = n.func
                if (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                        and f.value.id in mods and len(n.args) == 1 and not n.keywords
                        and isinstance(n.args[0], ast.Name)
                        and n.args[0].id.startswith("__v")):
                    fn = getattr(mods[f.value.id], f.attr, None)
                    hit = self.computed.get((id(fn), int(n.args[0].id[3:])))
                    if hit is not None and hit[1] in visible:
                        return pv(hit[0])
                return n

        return Sub().visit(tree)

    def if_(self, s: ir.If, out: list) -> None:
        """The reverse of an if: an if on the same condition, each branch the reverse
        of its own. An adjoint only one branch writes is zeroed at the end of the
        other (not before the if: its name may still hold another adjoint there)."""
        outs = [p for p in s.outs if p.var.id in self.active and self.state.get(p.var.id)]
        inner = {v.id for st in ir.walk(s.body + s.orelse) for v in ir.stmt_defs(st)}
        phis = {p.var.id for p in s.outs}
        before = dict(self.state)
        owned_before = set(self.owned)
        results = []
        for branch, pick in ((s.body, "then"), (s.orelse, "orelse")):
            self.state = dict(before)
            self.owned = set(owned_before)
            code: list = []
            for p in outs:
                self.branch_value(p.var, getattr(p, pick), code)
            for p in s.outs:
                self.state.pop(p.var.id, None)
            code = code + self.block(branch, self.flush_all)
            results.append([code, self.state, self.owned])
        for vid in sorted(set(results[0][1]) | set(results[1][1])):
            if vid in inner or vid in phis or before.get(vid) is not None:
                continue
            written = [r[1].get(vid) is not None for r in results]
            if written[0] != written[1]:
                missing = results[written.index(False)]
                self.state, self.owned = missing[1], missing[2]
                self.init_zero(self.vars[vid], missing[0])
        (tc, ts, to), (ec, es, eo) = results
        self.state = {k: v for k, v in ts.items() if k not in inner}
        for k, v in es.items():
            if k not in inner:
                self.state.setdefault(k, v)
        self.owned = to & eo
        if not tc and not ec:
            return
        cond = exprs.atom(s.cond)
        if not tc:
            out.append(ast.If(ast.UnaryOp(ast.Not(), cond), ec, []))
        else:
            out.append(ast.If(cond, tc, ec))

    def branch_value(self, phi: ir.Var, src, code: list) -> None:
        """The adjoint of an if's output flows to the value its branch chose."""
        if not isinstance(src, ir.Var) or src.id not in self.active:
            return
        st = self.state.get(phi.id)
        if st == "named" and self.adjname(src) == self.adjname(phi) and (
                self.state.get(src.id) is None):
            self.state[src.id] = "named"
            return
        g = name(self.adjname(phi)) if st == "named" else st[1]
        self.contrib(src, g, code)

    def loop_(self, s: ir.Loop, out: list) -> None:
        self.flush_all(out)
        carried = [c for c in s.carried if c.phi.id in self.active]
        if not any(self.state.get(c.phi.id) for c in carried):
            for c in carried:
                self.state.pop(c.phi.id, None)
            return
        for c in carried:
            if self.state.get(c.phi.id) is None:
                self.init_zero(c.phi, out)
        inner = {v.id for st in ir.walk(s.body) for v in ir.stmt_defs(st)}
        inner |= {c.phi.id for c in s.carried}
        for st in ir.walk(s.body):  # a buffer the loop scatters into: owned before it
            if (isinstance(st, ir.Assign) and isinstance(st.expr, ir.Call)
                    and st.expr.fn is operator.getitem and isinstance(st.expr.args[0], ir.Var)):
                base = st.expr.args[0]
                if (base.id not in inner and self.state.get(base.id) == "named"
                        and self.adj.leader(base) not in self.owned
                        and self.ctx.kind(base) != SCALAR):
                    n = self.adjname(base)
                    out.append(assign(n, ast.BinOp(name(n), ast.Add(), self.zeros_like(base))))
                    self.owned.add(self.adj.leader(base))
        before = dict(self.state)
        owned_before = set(self.owned)
        for _attempt in range(2):
            self.state = dict(before)
            self.owned = set(owned_before)
            body = self.loop_body(s, carried)
            missing = [vid for vid, st in self.state.items()
                       if vid not in inner and st is not None and before.get(vid) is None]
            if not missing:
                break
            self.state = before
            self.owned = owned_before
            for vid in sorted(missing):
                self.init_zero(self.vars[vid], out)
            before = dict(self.state)
            owned_before = set(self.owned)
        if s.kind == "range":
            bounds = [exprs.atom(b) for b in s.bounds]
            rng = ast.Call(name("range"), bounds, [])
            if s.brk is not None:  # it may have stopped early: only the trips it ran
                self.trips_needed.add(id(s))
                rng = ast.Subscript(rng, ast.Slice(None, pv(s.trips), None), ast.Load())
            if s.index.id in reads(body):
                header = ast.For(ast.Name(f"__v{s.index.id}", ast.Store()),
                                 ast.Call(name("reversed"), [rng], []), body, [], lineno=0)
            else:
                header = ast.For(ast.Name("_", ast.Store()), rng, body, [], lineno=0)
        else:
            self.trips_needed.add(id(s))
            header = ast.For(ast.Name("_", ast.Store()),
                             ast.Call(name("range"), [pv(s.trips)], []), body, [], lineno=0)
        if body:  # a loop whose iterations contribute nothing needs no reverse loop
            out.append(header)
        for c in carried:
            i = c.init
            if isinstance(i, ir.Var) and i.id in self.active:
                if self.adjname(i) == self.adjname(c.phi) and self.state.get(i.id) is None:
                    self.state[i.id] = "named"
                else:
                    self.contrib(i, name(self.adjname(c.phi)), out)
        for vid in inner:
            self.state.pop(vid, None)

    def loop_body(self, s: ir.Loop, carried) -> list:
        self.loop_stack.append(s)
        code: list = []
        incoming: dict[int, list] = {}  # next value -> the phis whose adjoint it receives
        for c in carried:
            n = c.next
            if n is c.phi:
                continue
            if isinstance(n, ir.Var) and n.id in self.active:
                incoming.setdefault(n.id, []).append(c.phi)
            self.state[c.phi.id] = None
        inside = {v.id for st in ir.walk(s.body) for v in ir.stmt_defs(st)}
        inside |= {c.phi.id for c in s.carried}
        for nid, phis in incoming.items():
            n = self.vars[nid]
            total = name(self.adjname(phis[0]))
            for p in phis[1:]:
                total = ast.BinOp(total, ast.Add(), name(self.adjname(p)))
            if nid not in inside:  # `v = x` of a value from before the loop: accumulate
                self.contrib(n, total, code)
            elif len(phis) == 1 and self.adjname(n) == self.adjname(phis[0]):
                self.state[nid] = "named"
            else:
                self.state[nid] = ("pending", total)

        def epilogue(out):
            for c in carried:
                st = self.state.get(c.phi.id)
                if st is None:
                    self.init_zero(c.phi, out)
                elif isinstance(st, tuple):
                    self.write(c.phi, st[1], out, first=True)
                    self.state[c.phi.id] = "named"
            self.flush_all(out)

        code += self.block(s.body, epilogue)
        self.loop_stack.pop()
        phis = [c.phi for c in s.carried if c.phi.id in reads(code)]
        self.phi_records[id(s)] = phis
        if phis:
            code.insert(0, self.pop(self.tape(s, "phi"), phis))
        return code

    # ----- the forward sweep, with the pushes the reverse sweep pops -----
    def forward(self, block: list, loop: ir.Loop | None = None) -> list:
        out: list = []
        for s in block:
            if isinstance(s, ir.Assign):
                value = self.primal_expr(s.expr)
                out.append(ast.Expr(value) if s.effect else assign(f"__v{s.var.id}", value))
            elif isinstance(s, ir.If):
                branches = []
                for body, pick in ((s.body, "then"), (s.orelse, "orelse")):
                    code = self.forward(body, loop)
                    self.record(body, loop, code)
                    for p in s.outs:
                        code.append(assign(f"__v{p.var.id}", exprs.atom(getattr(p, pick))))
                    branches.append(code)
                out.append(ast.If(exprs.atom(s.cond), branches[0] or [ast.Pass()],
                                  branches[1]))
            else:
                out.extend(self.forward_loop(s))
        return out

    def record(self, block, loop, code) -> None:
        vs = self.records.get(id(block))
        if loop is not None and vs:
            code.append(self.push(self.tape(loop, "body"), vs))

    def forward_loop(self, s: ir.Loop) -> list:
        out = [assign(f"__v{c.phi.id}", exprs.atom(c.init)) for c in s.carried]
        body: list = []
        phis = self.phi_records.get(id(s))
        if phis:
            body.append(self.push(self.tape(s, "phi"), phis))
        body += self.forward(s.body, s)
        self.record(s.body, s, body)
        for c in s.carried:
            body.append(assign(f"__v{c.phi.id}", exprs.atom(c.next)))
        counting = id(s) in self.trips_needed
        if counting:
            out.append(assign(f"__v{s.trips.id}", ast.Constant(0)))
            body.append(ast.AugAssign(ast.Name(f"__v{s.trips.id}", ast.Store()), ast.Add(),
                                      ast.Constant(1)))
        out.append(loop_statement(s, body))
        return out

    def primal_expr(self, e) -> ast.expr:
        if isinstance(e, ir.Call):
            return exprs.call(e, self.ctx.stop_fns)
        return exprs.atom(e)
