"""Out-of-SSA: which SSA values can share one Python name.

A loop-carried value, its initial value and its next value, and an if's
output and the branch values feeding it, are written to one name whenever
their lifetimes allow. That is what turns SSA back into `x = 0.9 * x + ...`
instead of `x_1 = ...; x = x_1`. The result is a list of candidate pairs;
`Groups` unions the ones a caller accepts: `reverse_groups` and
`forward_groups` decide, per mode, which pairs may share a name.
"""
from __future__ import annotations

from . import ir
from .unionfind import UnionFind


class Positions:
    """Linear program points: each statement gets (start, end), children inside."""

    def __init__(self, fn: ir.Function):
        self.span: dict[int, tuple[int, int]] = {}
        self.uses: dict[int, list[int]] = {}  # var id -> points where it is read
        self.defpt: dict[int, int] = {}  # var id -> point where it is written
        self.block_of: dict[int, int] = {}  # var id -> id(block) it is defined in
        self.n = 0
        for p in fn.params:
            self.defpt[p.id] = -1
            self.block_of[p.id] = id(fn.body)
        self._block(fn.body)
        if isinstance(fn.result, ir.Var):
            self.uses.setdefault(fn.result.id, []).append(self.n + 1)

    def _use(self, a, pt):
        for v in ir.expr_uses(a) if not isinstance(a, ir.Var) else [a]:
            self.uses.setdefault(v.id, []).append(pt)

    def _block(self, block):
        for s in block:
            start = self.n
            self.n += 1
            if isinstance(s, ir.Assign):
                for v in ir.expr_uses(s.expr):
                    self.uses.setdefault(v.id, []).append(start)
                self.defpt[s.var.id] = start
                self.block_of[s.var.id] = id(block)
            elif isinstance(s, ir.If):
                self._use(s.cond, start)
                self._block(s.body)
                then_end = self.n
                self.n += 1
                self._block(s.orelse)
                for p in s.outs:
                    self._use(p.then, then_end)
                    self._use(p.orelse, self.n)
                self.n += 1
                for p in s.outs:
                    self.defpt[p.var.id] = self.n
                    self.block_of[p.var.id] = id(block)
            elif isinstance(s, ir.Loop):
                for c in s.carried:
                    self._use(c.init, start)
                for b in s.bounds:
                    self._use(b, start)
                body_start = self.n
                if s.index is not None:
                    self.defpt[s.index.id] = body_start
                for c in s.carried:  # first written where the loop starts (its init)
                    self.defpt[c.phi.id] = start
                    self.block_of[c.phi.id] = id(block)
                if s.cond is not None:
                    self._use(s.cond, body_start)
                self._block(s.body)
                for c in s.carried:
                    if c.next is not None:
                        self._use(c.next, self.n)
                if s.trips is not None:
                    self.defpt[s.trips.id] = start
                    self.block_of[s.trips.id] = id(block)
            self.n += 1
            self.span[id(s)] = (start, self.n)


def candidates(fn: ir.Function) -> list[tuple[ir.Var, ir.Var, str]]:
    """Pairs (a, b, why) that may share a name as far as the primal is concerned."""
    pos = Positions(fn)
    pairs: list[tuple[ir.Var, ir.Var, str]] = []
    taken: set[int] = set()

    def visit(block):
        for s in block:
            if isinstance(s, ir.If):
                visit(s.body)
                visit(s.orelse)
                for p in s.outs:
                    for val, branch in ((p.then, s.body), (p.orelse, s.orelse)):
                        if (isinstance(val, ir.Var) and val.id not in taken
                                and pos.block_of.get(val.id) == id(branch)):
                            taken.add(val.id)
                            pairs.append((p.var, val, "if"))
            elif isinstance(s, ir.Loop):
                visit(s.body)
                start, end = pos.span[id(s)]
                for c in s.carried:
                    n = c.next
                    if (isinstance(n, ir.Var) and n is not c.phi and n.id not in taken
                            and pos.block_of.get(n.id) == id(s.body)):
                        writes = [pos.defpt[n.id]] + [
                            pos.defpt[b.id] for (a, b, _) in pairs if a is n]
                        inside = [u for u in pos.uses.get(c.phi.id, []) if start <= u < end]
                        last = max(inside, default=start)
                        if last <= min(writes):
                            taken.add(n.id)
                            pairs.append((c.phi, n, "next"))
                    i = c.init
                    if i in fn.params and i.hint != c.phi.hint:
                        continue  # `h = h0` keeps the parameter's own name
                    if (isinstance(i, ir.Var) and i.id not in taken
                            and pos.block_of.get(i.id) == id(block)
                            and max(pos.uses.get(i.id, [start])) <= start):
                        taken.add(i.id)
                        pairs.append((c.phi, i, "init"))

    visit(fn.body)
    return pairs


class Groups(UnionFind):
    """Union-find over Vars; `leader(v)` names the group."""

    def __init__(self):
        super().__init__()
        self.members: dict[int, ir.Var] = {}

    def union(self, a: ir.Var, b: ir.Var) -> None:
        self.members[a.id] = a
        self.members[b.id] = b
        self.link(a.id, b.id)

    def leader(self, v: ir.Var) -> int:
        return self.find(v.id)


def reverse_groups(pairs, needed: set) -> Groups:
    """Share names as `candidates` proposes, except that one name never holds two
    different values the reverse sweep reads (an if's output and its branch value
    are one value; a loop's carried value before and after an iteration are two),
    and a loop never carries its values in the name of a value the reverse sweep
    reads (its initial value, or a branch value that is the same: the sweep runs
    after the loop has overwritten it)."""
    names, same = Groups(), Groups()
    members: dict[int, list] = {}

    def needed_values(root):
        return {same.find(v.id) for v in members.get(root, []) if v.id in needed}

    for a, b, why in pairs:
        for v in (a, b):
            if names.find(v.id) == v.id and v.id not in members:
                members[v.id] = [v]
        ra, rb = names.find(a.id), names.find(b.id)
        if ra == rb:
            continue
        if why == "if":
            same.union(a, b)
        vals = needed_values(ra) | needed_values(rb)
        if len(vals) > 1:
            continue
        if why == "init" and (b.id in needed or needed_values(rb)):
            continue  # the loop would overwrite a value the reverse sweep reads after it
        names.union(a, b)
        root = names.find(a.id)
        members[root] = members.pop(ra, []) + members.pop(rb, []) if root in (ra, rb) else []
    return names


def forward_groups(fn: ir.Function, pairs) -> Groups:
    """Share names as `candidates` proposes, except that a call's result never shares
    a name with one of its operands, however the pairs chain (a loop's phi, an if's
    output, a branch value): its tangent may read the result (`exp`: `t * ans`, a
    broadcast to its shape) and is then written after it, when the operand's name
    would already hold the result."""
    operands = {s.var.id: {u.id for u in ir.expr_uses(s.expr)} for s in ir.walk(fn.body)
                if isinstance(s, ir.Assign) and isinstance(s.expr, ir.Call)}
    names = Groups()
    members: dict[int, set] = {}

    def group(vid):
        return members.setdefault(names.find(vid), {vid})

    for a, b, _why in pairs:
        ga, gb = group(a.id), group(b.id)
        if ga is gb:
            continue
        if any(operands.get(v, set()) & gb for v in ga) or any(
                operands.get(v, set()) & ga for v in gb):
            continue
        ra, rb = names.find(a.id), names.find(b.id)
        names.union(a, b)
        members[names.find(a.id)] = members.pop(ra) | members.pop(rb)
    return names
