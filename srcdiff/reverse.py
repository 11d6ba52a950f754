"""Reverse mode: structured SSA IR -> the body of an adjoint function (AST).

Takes the IR, the active set and value kinds; returns the forward sweep
(primal statements plus the tape pushes the adjoint needs) and the reverse
sweep. Guarantees:
- only active values get adjoints; the first contribution to an adjoint is an
  assignment, later ones accumulate; a single contribution used once is
  inlined instead of named (the bookkeeping is `adjoints.py`);
- a branch's adjoint is an `if` on the same condition; a loop's adjoint is a
  loop over the same trips run backwards, restoring from a tape (`tape.py`)
  only the values the adjoint reads and the loop overwrites;
- how a primitive's adjoint accumulates (added, or scattered at an index) and
  whether it is recomputed rather than taped are facts of its rule.
"""
from __future__ import annotations

import ast
import math

import numpy as np

from . import checkpoint, exprs, ir, primal, provenance, shapes, spread, syntax
from .activity import diff_args, rule_of
from .adjoints import Adjoints
from .coalesce import Groups
from .exprs import G, Ref, assign, name, pv
from .kinds import SCALAR
from .rules.table import LIST
from .rules.table import bind_args
from .tape import TapedPrimal, TapePlan, invariants, read_in_order, reads
from .template import missing_rule


class Reverse(Adjoints):
    def __init__(self, fn: ir.Function, active: set, ctx, adj: Groups, counter):
        super().__init__(fn, active, ctx, adj, counter)
        self.fn = fn
        self.plan = TapePlan(counter)
        self.loop_stack: list[ir.Loop] = []
        self.blocks: list = []  # the blocks enclosing the statement being reversed
        self.computed: dict = {}  # (id(function), id(argument)) -> (value, id(its block))
        self._index(fn.body)
        self.invariants = invariants(fn, rule_of)  # never taped: the name holds them
        for s in ir.walk(fn.body):
            base = self._scattered(s)
            if base is not None:
                self.scatter_bases.add(base.id)

    def _index(self, block) -> None:
        """Record `f(x)` calls, so a template's `np.cos(x)` can reuse `cos_x`."""
        for st in block:
            if isinstance(st, ir.Assign) and isinstance(st.expr, ir.Call) and (
                    len(st.expr.args) == 1 and not st.expr.kwargs
                    and isinstance(st.expr.args[0], ir.Var) and callable(st.expr.fn)):
                key = (id(st.expr.fn), st.expr.args[0].id)
                self.computed.setdefault(key, (st.var, id(block)))
            elif isinstance(st, ir.If):
                self._index(st.body)
                self._index(st.orelse)
            elif isinstance(st, ir.Loop):
                self._index(st.body)

    @staticmethod
    def _scattered(s):
        """The base a statement's adjoint is scattered into (`x[i]`), if any."""
        if not (isinstance(s, ir.Assign) and isinstance(s.expr, ir.Call)):
            return None
        rule = rule_of(s.expr)
        if rule is None or rule.scatter is None:
            return None
        base = bind_args(rule, s.expr.args, s.expr.kwargs)[rule.params[0]]
        return base if isinstance(base, ir.Var) else None

    # ----- the sweep -----
    def run(self, seed) -> tuple[list, list]:
        res = self.fn.result
        if isinstance(res, ir.Var) and res.id in self.active:
            self.state[res.id] = ("pending", seed)
        rev = self.block(self.fn.body)
        fwd = TapedPrimal(self.plan).block(self.fn.body)
        self.saved += self.plan.tops.values()  # (the tapes' cursors)
        return self.plan.inits() + fwd, self.plan.cursors() + rev

    def block(self, block: list, epilogue=None) -> list:
        """The reverse of a block; `epilogue(out)` finishes it before the values
        it reads are known (the pops at its start depend on them)."""
        out: list = []
        self.blocks.append(block)
        for s in reversed(block):
            start = len(out)
            if isinstance(s, ir.Assign):
                self.assign_(s, out)
            elif isinstance(s, ir.If):
                self.if_(s, out)
            else:
                self.loop_(s, out)
            provenance.tag(out, start, s.loc, provenance.ADJOINT)
            provenance.tag_pending(self.state, s.loc)
        self.blocks.pop()
        if epilogue is not None:
            epilogue(out)
            provenance.tag(out, 0, None, provenance.ADJOINT)  # pending ones written now
        if self.loop_stack:
            defined = {v.id for s in block for v in ir.stmt_defs(s)}
            rec = sorted((defined & reads(out)) - self.invariants)
            again = self.recompute(block, rec) if block is self.loop_stack[-1].body else []
            recomputed = {s.var.id for s in again}
            rec = [i for i in rec if i not in recomputed]
            shaped = self.shapes_only(block, (defined & reads(out, "s")) - set(rec) - recomputed
                                      - self.invariants)
            self.plan.records[id(block)] = [self.vars[i] for i in rec] + shaped
            out[:0] = [assign(pv(s.var), primal.expr(s.expr)) for s in again]
            if self.plan.records[id(block)]:
                out[:0] = self.plan.pop(self.plan.tape(self.loop_stack[-1], "body"),
                                        self.plan.records[id(block)],
                                        per_trip=block is self.loop_stack[-1].body)
        return out

    def shapes_only(self, owner, vids: set) -> list:
        """The values `owner`'s record (a block's or a loop's carried values) reads
        only for their shape: taped as stand-ins of it (a list itself, whose items
        may differ in shape: it holds references only)."""
        self.plan.shapes[id(owner)] = {v for v in vids if self.ctx.kind(self.vars[v]) != LIST}
        return [self.vars[vid] for vid in sorted(vids)]

    def recompute(self, body: list, needed: list) -> list:
        """Values of a loop body cheaper to recompute in the reverse sweep than to
        tape (`w[i]`, `x.T`: their rules say so, and attribute reads) when they
        read only values the loop does not change (and its index)."""
        loop = self.loop_stack[-1]
        inside = {v.id for s in ir.walk(body) for v in ir.stmt_defs(s)}
        inside |= {c.phi.id for c in loop.carried}
        ok = {loop.index.id} if loop.index is not None else set()
        out = []
        for s in body:
            if not (isinstance(s, ir.Assign) and s.var.id in needed
                    and isinstance(s.expr, ir.Call) and s.expr.callee is None):
                continue
            rule = rule_of(s.expr)
            is_attr = isinstance(s.expr.fn, tuple) and s.expr.fn[0] == "attr"
            if not (is_attr or rule is not None and rule.recompute):
                continue
            if all(u.id not in inside or u.id in ok for u in ir.expr_uses(s.expr)):
                out.append(s)
                ok.add(s.var.id)
        return out

    def assign_(self, s: ir.Assign, out: list) -> None:
        v = s.var
        if v.id not in self.active or self.state.get(v.id) is None:
            self.state.pop(v.id, None)
            return
        e = s.expr
        parts: list[tuple[ir.Var, ast.expr]] = []
        scatters: list[tuple[ir.Var, ir.Arg, ast.expr]] = []
        if isinstance(e, ir.Var):
            parts.append((e, G))
        elif isinstance(e, ir.Call):
            rule = rule_of(e)
            bound = bind_args(rule, e.args, e.kwargs)
            for p, a in diff_args(e, s.loc):
                if isinstance(a, ir.Var) and a.id in self.active:
                    missing_rule(rule, "vjp", p, s)
                    t = self.reuse(self.ctx.template(rule, "vjp", p, bound, v))
                    if t is None:
                        continue
                    if rule.scatter is not None and p == rule.params[0]:
                        scatters.append((a, bound[rule.scatter], t))
                    else:
                        parts.append((a, t))
        merged: dict[int, tuple[ir.Var, ast.expr]] = {}
        for a, t in parts:
            if a.id in merged:
                t = exprs.simplify(ast.BinOp(merged[a.id][1], ast.Add(), t))
            merged[a.id] = (a, t)
        templates = [t for _, t in merged.values()] + [t for _, _, t in scatters]
        uses = sum(1 for t in templates for n in syntax.walk(t) if _is_g(n))
        passes_through = any(_is_g(t) for _, t in merged.values())  # g itself goes on
        g = self.value(v, out, uses + passes_through)
        self.state.pop(v.id, None)
        if g is None:
            return
        # g may read adjoints these contributions overwrite (its own, or one it was
        # summed from: `d_t` pending as `d_s` when `s = t + c`): those are written
        # last, and g is named first when more than one of them would be written
        reads = exprs.names_in(g)
        writers = [a for a, _ in merged.values() if self.adjkey(a) in reads]
        if len(writers) + bool(scatters and writers) > 1 or any(
                self.adjkey(base) in reads for base, _, _ in scatters):
            g = self.save(g, out)
        for base, idx, t in scatters:
            self.scatter(base, idx, self.instantiate(t, g), out)
        for a, t in sorted(merged.values(), key=lambda at: self.adjkey(at[0]) in reads):
            self.contrib(a, self.instantiate(t, g), out)

    def instantiate(self, t, g):
        """A template's contribution with the incoming adjoint `g` in place of G."""
        return spread.simplify(self.ctx, exprs.simplify(exprs.substitute(t, {G.id: g})),
                               self.ashapes)

    def reuse(self, tree):
        """A rule's `np.cos(x)` is the forward sweep's `cos_x = np.cos(x)` when that
        was computed in this block or one enclosing it: reuse it, don't recompute."""
        if tree is None:
            return None
        order = [id(b) for b in self.blocks]
        # a loop's carried value changes every trip: outside the loop it is the value it
        # left with, so a call of it computed there is not the one inside
        varying = {c.phi.id: id(loop.body) for loop in self.loop_stack for c in loop.carried}
        varying.update({loop.index.id: id(loop.body) for loop in self.loop_stack
                        if loop.index is not None})

        def visible(vid, block):
            inner = varying.get(vid)
            return block in order and (inner is None or inner not in order
                                       or order.index(block) >= order.index(inner))
        mods = {self.ctx.modules["np"]: np, self.ctx.modules["math"]: math}
        computed = self.computed

        class Sub(ast.NodeTransformer):
            def visit_Call(self, n):
                self.generic_visit(n)
                f = n.func
                if (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                        and f.value.id in mods and len(n.args) == 1 and not n.keywords
                        and exprs.role_of(n.args[0], "v") is not None):
                    fn = getattr(mods[f.value.id], f.attr, None)
                    hit = computed.get((id(fn), n.args[0].vid))
                    if hit is not None and visible(n.args[0].vid, hit[1]):
                        return pv(hit[0])
                return n

        return Sub().visit(tree)

    def if_(self, s: ir.If, out: list) -> None:
        """The reverse of an if: an if on the same condition, each branch the reverse
        of its own. An adjoint only one branch writes is zeroed at the end of the
        other (not before the if: its name may still hold another adjoint there)."""
        outs = [p for p in s.outs if p.var.id in self.active and self.state.get(p.var.id)]
        inner = {v.id for st in ir.walk(s.body + s.orelse) for v in ir.stmt_defs(st)}
        if not outs and not inner & self.active:
            return  # nothing to reverse (`if bad: raise ...`, `if c: print(x)`)
        phis = {p.var.id for p in s.outs}
        before = dict(self.state)
        owned_before = set(self.owned)
        floats_before = dict(self.floats)
        shapes_before = dict(self.ashapes)
        results, floats, held = [], [], []
        for branch, pick in ((s.body, "then"), (s.orelse, "orelse")):
            self.state = dict(before)
            self.owned = set(owned_before)
            self.floats = dict(floats_before)
            self.ashapes = dict(shapes_before)
            code: list = []
            for p in outs:
                self.branch_value(p.var, getattr(p, pick), code)
            for p in s.outs:
                self.state.pop(p.var.id, None)
            code = code + self.block(branch, self.flush_all)
            results.append([code, self.state, self.owned])
            floats.append(self.floats)
            held.append(self.ashapes)
        for vid in sorted(set(results[0][1]) | set(results[1][1])):
            if vid in inner or vid in phis or before.get(vid) is not None:
                continue
            written = [r[1].get(vid) is not None for r in results]
            if written[0] != written[1]:
                missing = results[written.index(False)]
                self.state, self.owned = missing[1], missing[2]
                self.ashapes = held[written.index(False)]
                self.init_zero(self.vars[vid], missing[0])
        # an adjoint is certainly a Python float after the if only if both branches
        # leave it one (`d = 2` in one branch and `d = 1.0 * g` in the other is not)
        self.floats = {k: floats[0].get(k, False) and floats[1].get(k, False)
                       for k in set(floats[0]) | set(floats[1])}
        self.ashapes = {k: held[0].get(k) if held[0].get(k) == held[1].get(k) else None
                        for k in set(held[0]) | set(held[1])}
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
        if st == "named" and self.adjkey(src) == self.adjkey(phi) and (
                self.state.get(src.id) is None):
            self.state[src.id] = "named"
            return
        g = self.adjref(phi) if st == "named" else st[1]
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
            base = self._scattered(st)
            if (base is not None and base.id not in inner
                    and self.state.get(base.id) == "named"
                    and self.adj.leader(base) not in self.owned
                    and self.ctx.kind(base) != SCALAR):
                self.own(base, out)
        before = dict(self.state)
        owned_before = set(self.owned)
        start = dict(self.ashapes)  # the adjoints' shapes at the start of every trip
        floats = dict(self.floats)  # and which adjoints are then certainly Python floats
        n_saved = len(self.saved)
        for attempt in range(5):
            del self.saved[n_saved:]  # (copies an earlier attempt took)
            if attempt == 4:  # no fixed point yet: assume nothing of their shapes or types
                start = dict.fromkeys(start)
                floats = dict.fromkeys(floats, False)
            self.state = dict(before)
            self.owned = set(owned_before)
            self.ashapes = dict(start)
            self.floats = dict(floats)
            body = self.loop_body(s, carried)
            missing = [vid for vid, st in self.state.items()
                       if vid not in inner and st is not None and before.get(vid) is None]
            wider = {k: shapes.join(sh, self.ashapes.get(k)) for k, sh in start.items()}
            meet = {k: bool(v) and bool(self.floats.get(k)) for k, v in floats.items()}
            if attempt == 4 or not missing and wider == start and meet == floats:
                break
            self.state = before
            self.owned = owned_before
            self.ashapes = wider
            self.floats = meet
            for vid in sorted(missing):
                self.init_zero(self.vars[vid], out)
            before = dict(self.state)
            owned_before = set(self.owned)
            start = dict(self.ashapes)
            floats = dict(self.floats)
        self.floats.update(meet)  # what an adjoint is after 0 trips or more
        if body:  # a loop whose iterations contribute nothing needs no reverse loop
            policy = checkpoint.chosen(self, s)
            out += checkpoint.reverse(self, s, body, policy) if policy else [
                self.reversed_header(s, body)]
        for k, sh in start.items():  # what an adjoint holds after 0 trips or more
            self.ashapes[k] = shapes.join(sh, self.ashapes.get(k))
        for c in carried:
            i = c.init
            if isinstance(i, ir.Var) and i.id in self.active:
                if self.adjkey(i) == self.adjkey(c.phi) and self.state.get(i.id) is None:
                    self.state[i.id] = "named"
                else:
                    self.contrib(i, self.adjref(c.phi), out)
        for vid in inner:
            self.state.pop(vid, None)

    def reversed_header(self, s: ir.Loop, body: list) -> ast.stmt:
        """`for i in reversed(range(...))` (or `for _ in range(trips)`) around `body`;
        `for x in reversed(tape_x)` where the loop reads its tape in order
        (tape.read_in_order)."""
        from0 = s.kind == "range" and _from_zero(s.bounds)
        in_order = read_in_order(self.plan, s, body, bool(self.loop_stack),
                                 s.index if from0 else None,
                                 s.kind == "range" and s.index.id in reads(body))
        if in_order is not None and in_order[1] is not None:
            return ast.For(in_order[0], in_order[1], in_order[2], [], lineno=0)
        if in_order is not None:
            body = in_order[2]
        if s.kind == "range":
            rng = ast.Call(name("range"), [exprs.atom(b) for b in s.bounds], [])
            if s.brk is not None:  # it may have stopped early: only the trips it ran
                self.plan.trips.add(id(s))
                rng = ast.Subscript(rng, ast.Slice(None, pv(s.trips), None), ast.Load())
            if s.index.id in reads(body):
                return ast.For(Ref("v", s.index.id, ast.Store()),
                               ast.Call(name("reversed"), [rng], []), body, [], lineno=0)
            return ast.For(ast.Name("_", ast.Store()), rng, body, [], lineno=0)
        self.plan.trips.add(id(s))
        return ast.For(ast.Name("_", ast.Store()),
                       ast.Call(name("range"), [pv(s.trips)], []), body, [], lineno=0)

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
            total = self.adjref(phis[0])
            for p in phis[1:]:
                total = ast.BinOp(total, ast.Add(), self.adjref(p))
            if nid not in inside:  # `v = x` of a value from before the loop: accumulate
                self.contrib(n, total, code)
            elif len(phis) == 1 and self.adjkey(n) == self.adjkey(phis[0]):
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
        values = reads(code)
        phis = [c.phi for c in s.carried if c.phi.id in values]
        phis += self.shapes_only(s, {c.phi.id for c in s.carried} & reads(code, "s") - values)
        self.plan.phi_records[id(s)] = phis
        if phis:
            code[:0] = self.plan.pop(self.plan.tape(s, "phi"), phis, per_trip=True)
            body_step = self.plan.steps[("trip", id(s))][-2:-1]
            if body_step and any(st is body_step[0] for st in code):
                code.remove(body_step[0])  # the body's record steps the same cursor
        return code


def _from_zero(bounds) -> bool:
    """Whether `range(*bounds)` counts 0, 1, 2, ...: its items are its trips' numbers."""
    const = [b.value if isinstance(b, ir.Const) else None for b in bounds]
    return len(bounds) == 1 or const[0] == 0 and (len(bounds) == 2 or const[2] == 1)


def _is_g(n) -> bool:
    return isinstance(n, Ref) and n.role == G.role
