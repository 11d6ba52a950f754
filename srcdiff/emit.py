"""Codegen: placeholder AST -> named, tidied Python source -> a compiled function.

Names come from one allocator that knows every name `f` uses, so a user
variable called `d_x` or `tape` never collides with a generated one. Dead
stores are dropped and single-use temporaries folded back into the expression
that reads them, so the forward sweep reads like the user's own code. The same
input always gives the same text.
"""
from __future__ import annotations

import ast
import copy
import linecache
import types
import warnings
import weakref
from collections import Counter, deque

import astor
import astor.source_repr

from . import exprs, naming, provenance, spread, syntax
from .coalesce import Groups
from .exprs import Ref


class Namer:
    def __init__(self, reserved: set[str]):
        self.taken = set(reserved)
        self.map: dict[str, str] = {}

    def fresh(self, base: str) -> str:
        base = base if base.isidentifier() else "t"
        if base not in self.taken:
            self.taken.add(base)
            return base
        i = 1
        while f"{base}_{i}" in self.taken:
            i += 1
        self.taken.add(f"{base}_{i}")
        return f"{base}_{i}"


def _refs(func):
    """Every Ref in `func`, and every parameter standing for one (`x_dot`)."""
    for n in syntax.walk(func):
        if isinstance(n, Ref):
            yield n
        elif isinstance(n, ast.arg) and isinstance(getattr(n, "ref", None), Ref):
            yield n


def _point(n, role: str, vid: int) -> None:
    """Make the Ref (or Ref parameter) `n` stand for `vid`."""
    ref = n.ref if isinstance(n, ast.arg) else n
    ref.role, ref.vid, ref.id = role, vid, Ref(role, vid).id
    if isinstance(n, ast.arg):
        n.arg = ref.id


def merge_groups(func: ast.FunctionDef, vars_by_id: dict, primal: Groups) -> set[str]:
    """Point every primal and tangent Ref at its group's leader; returns the temps:
    Refs of groups no user variable belongs to (they may be folded away)."""
    users = {primal.leader(v) for v in vars_by_id.values() if v.user}
    temps = set()
    for v in vars_by_id.values():
        lead = primal.leader(v)
        if lead not in users:
            temps |= {Ref("v", lead).id, Ref("t", lead).id}
    for n in _refs(func):
        ref = n.ref if isinstance(n, ast.arg) else n
        if ref.role in ("v", "t"):
            _point(n, ref.role, primal.leader(vars_by_id[ref.vid]))
    return temps


def rename(func: ast.FunctionDef, vars_by_id: dict, primal: Groups, params: list,
           reserved: set[str]) -> ast.FunctionDef:
    """Give every Ref its final name: a value the user named keeps the name (the
    user's names are taken first, so a generated `tape` never displaces one), its
    adjoint is `d_<name>`, its tangent `<name>_dot`; the rest in order of first
    appearance."""
    namer = Namer(reserved - {p.hint for p in params})
    final: dict[str, str] = {}
    group_name: dict[int, str] = {}
    for p in params:
        namer.taken.add(p.hint)
        group_name[primal.leader(p)] = p.hint
    members: dict[int, list] = {}
    for _vid, v in vars_by_id.items():
        members.setdefault(primal.leader(v), []).append(v)

    user_names = {v.hint for v in vars_by_id.values() if v.user} | {p.hint for p in params}

    def primal_name(vid: int) -> str:
        lead = primal.leader(vars_by_id[vid])
        if lead not in group_name:
            group = members.get(lead, [vars_by_id[vid]])
            users = [m for m in group if m.user]
            group_name[lead] = namer.fresh(users[0].hint if users else _temp_name(
                group[0].hint, user_names))
        return group_name[lead]

    def final_name(ref: Ref) -> str:
        if ref.role == "v":
            return primal_name(ref.vid)
        if ref.id not in final:
            base = primal_name(ref.vid)
            final[ref.id] = namer.fresh("d_" + base if ref.role == "d" else base + "_dot")
        return final[ref.id]

    for n in syntax.walk(func):  # the user's names first, so a generated `tape` yields
        if isinstance(n, Ref) and n.role == "v" and vars_by_id[n.vid].user:  # to theirs
            primal_name(n.vid)

    class Sub(ast.NodeTransformer):
        def visit_arg(self, n):
            if isinstance(getattr(n, "ref", None), Ref):
                return ast.arg(final_name(n.ref), n.annotation)
            return n

        def visit_Ref(self, n):
            return ast.Name(final_name(n), n.ctx)

    return Sub().visit(func)


def _temp_name(hint: str, user_names: set) -> str:
    """A temporary's name (naming.py): never a user's variable's, which numbered
    (`t_1`) would read as that variable updated, and its adjoint as theirs."""
    name = naming.SHOWN_TEMP if hint == naming.TEMP else hint
    return f"{name}_tmp" if name in user_names else name


def _name_counts(tree) -> tuple[dict[str, int], dict[str, int]]:
    """How often each name is read and stored in `tree` (one walk for both); an
    augmented assignment's target counts as a store only (it reads nothing tidy
    could fold)."""
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for n in syntax.walk(tree):
        if isinstance(n, ast.Name):
            counts = loads if isinstance(n.ctx, ast.Load) else stores if isinstance(
                n.ctx, ast.Store) else None
            if counts is not None:
                counts[n.id] = counts.get(n.id, 0) + 1
        elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
            stores[n.target.id] = stores.get(n.target.id, 0) + 1
    return loads, stores


_BLOCK_OWNERS = (ast.stmt, ast.excepthandler, ast.match_case)
_BLOCK_FIELDS = {"body", "orelse", "handlers", "finalbody", "cases"}


def _blocks(tree):
    """(owner, field, block) for every statement list under `tree`, in the order
    `ast.walk` reaches their owners (breadth first over statements only: blocks
    live in statements, handlers and match cases, never in expressions)."""
    todo = deque((tree,))
    while todo:
        n = todo.popleft()
        for field in n._fields:
            if field not in _BLOCK_FIELDS:
                continue
            block = getattr(n, field, None)
            if block.__class__ is list and block:
                if field in ("body", "orelse") and isinstance(block[0], ast.stmt):
                    yield n, field, block
                todo.extend(x for x in block if isinstance(x, _BLOCK_OWNERS))


def drop_passing_checks(func: ast.FunctionDef, namespace: dict) -> None:
    """A pure call kept only because it may raise (`math.log(x)` whose value is dead)
    is dropped where it reads nothing but literals and modules' constants and does
    not raise now (`math.log(2.0 * math.pi)`): it never can."""
    for parent, field, block in list(_blocks(func)):
        new = [s for s in block if not (isinstance(s, ast.Expr) and getattr(
            s, "pure_check", False) and _succeeds(s.value, namespace))]
        if len(new) != len(block):
            setattr(parent, field, new or [ast.Pass()])


def _succeeds(expr, namespace: dict) -> bool:
    if any(isinstance(n, ast.Name) and not isinstance(namespace.get(n.id), types.ModuleType)
           for n in syntax.walk(expr)):
        return False
    try:
        tree = ast.fix_missing_locations(ast.Expression(syntax.copy(expr)))
        eval(compile(tree, "<srcdiff: check>", "eval"), dict(namespace))
    except Exception:
        return False
    return True


def tidy(func: ast.FunctionDef, temps: set[str], keep: set[str],
         np_name: str | None = None, hints: dict | None = None) -> ast.FunctionDef:
    """Drop dead stores and self-copies; fold single-use temps into their reader,
    and any value read once by the next statement into it where that moves no work
    and nothing that may raise (`_fold_into_next`); an `if` choosing one adjoint is
    a conditional expression (`_merge_choices`). Every change computes the same
    values in the same order (bit for bit). An adjoint's expression that changes is
    simplified again (with NumPy's sums,
    named `np_name`, where given: spread.fold_signs). `hints` maps placeholder names
    to about the names they will print as (for the lengths of lines)."""
    def simplify(e, exact=False):
        return exprs.simplify(e, exact) if np_name is None else spread.fold_signs(
            e, np_name, exact)

    _tidy_pass(func, temps, keep, simplify, hints or {})
    while _merge_same_arms(func):  # (arms may be equal only once tidied)
        _tidy_pass(func, temps, keep, simplify, hints or {})
    _merge_choices(func, hints or {})
    for n in syntax.walk(func):
        if isinstance(n, ast.If):
            if all(isinstance(b, ast.Pass) for b in n.orelse):
                n.orelse = []
            if all(isinstance(b, ast.Pass) for b in n.body) and n.orelse:
                n.test = ast.UnaryOp(ast.Not(), n.test)
                n.body, n.orelse = n.orelse, []
    return func


def _tidy_pass(func, temps, keep, simplify, hints) -> None:
    changed = True
    while changed:
        changed = False
        counts = _name_counts(func)
        loads = counts[0]
        fed = _only_feeding(func, loads, keep)
        if fed:  # (its stores are dead: as if nothing read it)
            loads = {**loads, **dict.fromkeys(fed, 0)}
        unread = _unread_stores(func, counts, keep)
        for parent, field, block in list(_blocks(func)):
            new = []
            for s in block:
                if id(s) in unread or _dead(s, loads, keep):
                    changed = True
                    if getattr(s, "keep_call", False):  # its value is unused, not its call
                        new.append(provenance.copy_tag(ast.Expr(s.value), s))
                        new[-1].pure_check = getattr(s, "pure_check", False)
                    elif isinstance(s, ast.If) and any(  # an empty `if` whose test may raise
                            isinstance(n, ast.Call) for n in syntax.walk(s.test)):
                        new.append(provenance.copy_tag(ast.Expr(s.test), s))
                        new[-1].pure_check = True
                    continue
                new.append(s)
            if len(new) != len(block) or any(a is not b for a, b in zip(new, block)):
                setattr(parent, field, new or [ast.Pass()])
        changed |= _inline_temps(func, temps, simplify, None if changed else counts)
        changed |= _cancel_negations(func, simplify)
        if not changed:  # (last: a sign cancels into adjoints' assignments, not a return)
            changed = _fold_into_next(func, keep, lambda e: simplify(e, True), hints)


def _merge_choices(func, hints: dict) -> None:
    """`if c: d = a` / `else: d = b` of one adjoint is `d = a if c else b`, the choice
    taken as deep into the two expressions as they differ (`np.broadcast_to(1.0 if c
    else 100.0, np.shape(x))`) where what is evaluated before it is quiet: the test is
    evaluated before the arm it picks, as in the `if`. Only where it fits on a line."""
    for block, depth in _blocks_at_depth(func):
        for i, s in enumerate(block):
            if not (isinstance(s, ast.If) and len(s.body) == 1 and len(s.orelse) == 1):
                continue
            a, b = s.body[0], s.orelse[0]
            name = _foldable_target(a)
            if (name is None or _foldable_target(b) != name or a.targets[0].role != "d"
                    or getattr(a, "keep_call", False) or getattr(b, "keep_call", False)):
                continue
            new = provenance.copy_tag(ast.Assign([a.targets[0]], _choice(
                s.test, a.value, b.value), lineno=0), s)  # (the `if`: it chooses)
            if 4 * depth + _width(new, hints) <= WIDTH:
                block[i] = new


def _slots(e):
    """The direct sub-expressions of `e` in evaluation order, as (field, index) pairs,
    for the nodes a choice may go inside; None for the others."""
    if isinstance(e, ast.Call):
        return ([("func", None)] + [("args", k) for k in range(len(e.args))]
                + [("keywords", k) for k in range(len(e.keywords))])
    fields = {ast.BinOp: ("left", "right"), ast.UnaryOp: ("operand",),
              ast.Attribute: ("value",), ast.Subscript: ("value", "slice"),
              ast.keyword: ("value",)}.get(type(e))
    if fields is not None:
        return [(f, None) for f in fields]
    if isinstance(e, (ast.Tuple, ast.List)):
        return [("elts", k) for k in range(len(e.elts))]
    return None


def _slot(e, slot):
    got = getattr(e, slot[0])
    return got if slot[1] is None else got[slot[1]]


def _choice(test, a, b):
    """`a if test else b`, the choice made as deep inside as `a` and `b` differ."""
    slots = _slots(a)
    if type(a) is type(b) and slots is not None and slots == _slots(b):
        differ = [k for k, sl in enumerate(slots)
                  if ast.dump(_slot(a, sl)) != ast.dump(_slot(b, sl))]
        if len(differ) == 1 and all(_quiet(_slot(a, sl)) for sl in slots[:differ[0]]):
            sl = slots[differ[0]]
            inner_a, inner_b = _slot(a, sl), _slot(b, sl)
            same = syntax.copy(a), syntax.copy(b)
            for e in same:
                _put(e, sl, ast.Constant(None))
            if ast.dump(same[0]) == ast.dump(same[1]):
                inner = _choice(test, inner_a, inner_b)
                if inner is not None:
                    out = syntax.copy(a)
                    _put(out, sl, inner)
                    return out
    if isinstance(a, ast.keyword):
        return None
    return ast.IfExp(test, a, b)


def _put(e, slot, value) -> None:
    if slot[1] is None:
        setattr(e, slot[0], value)
    else:
        getattr(e, slot[0])[slot[1]] = value


def _merge_same_arms(func) -> bool:
    """`if c: S else: S` is `S` where the test `c` is a name (reading it cannot raise
    or do anything; the primal evaluated the condition already)."""
    for parent, field, block in list(_blocks(func)):
        new, merged = [], False
        for s in block:
            if (isinstance(s, ast.If) and isinstance(s.test, ast.Name)
                    and len(s.body) == len(s.orelse)
                    and not all(isinstance(b, ast.Pass) for b in s.body)
                    and ast.dump(ast.Module(s.body, [])) == ast.dump(ast.Module(s.orelse, []))):
                new += s.body
                merged = True
            else:
                new.append(s)
        if merged:
            setattr(parent, field, new)
            return True
    return False


def _only_feeding(func, loads, keep) -> set[str]:
    """Names read only by stores to themselves or to each other (`s = s + w * v` in a
    loop, where nothing else reads `s`: the gradient, not the value): their stores
    are dead though their loads are not zero."""
    feeds: dict[str, dict[str, int]] = {}  # name -> {target of a store reading it: count}
    for n in syntax.walk(func):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(
                n.targets[0], ast.Name):
            target = n.targets[0].id
        elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
            target = n.target.id
        else:
            continue
        if getattr(n, "keep_call", False):
            continue  # (its call stays, reading what it reads: those reads are live)
        for r in _reads_in(n.value):
            by = feeds.setdefault(r.id, {})
            by[target] = by.get(target, 0) + 1
    fed = {n for n, by in feeds.items()
           if n not in keep and sum(by.values()) == loads.get(n, 0)}
    while True:  # (a name read by a store to one outside the set is live)
        live = {n for n in fed if any(t not in fed for t in feeds[n])}
        if not live:
            return fed
        fed -= live


def _unread_stores(func, counts, keep) -> set[int]:
    """Ids of the stores `t = e` that no read of `t` reaches: after them, on every
    path, another store of `t` comes first (`tmp = W[i]` of a forward sweep whose
    reader is gone, before the reverse sweep computes `tmp = W[i]` again), or the
    function ends. Only names stored more than once and read (the others are
    `_dead`'s). A loop's body may run no trip, so only an `if` whose two arms store
    `t` (or a return) stands in for a store."""
    loads, stores = counts
    names = {n for n, k in stores.items() if k > 1 and loads.get(n) and n not in keep}
    if not names:
        return set()
    seen: dict[int, tuple] = {}  # id(statement) -> (names it reads, names it stores)

    def mentions(st) -> tuple:
        got = seen.get(id(st))
        if got is None:
            r, w = set(), set()
            for n in syntax.walk(st):
                if isinstance(n, ast.Name) and n.id in names:
                    (r if isinstance(n.ctx, ast.Load) else w).add(n.id)
                elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                    r.add(n.target.id)  # (`t += v` reads t)
            got = seen[id(st)] = (r, w)
        return got

    def reads_expr(e, t) -> bool:
        return any(isinstance(n, ast.Name) and n.id == t for n in syntax.walk(e))

    def first(stmts, t):
        """"read" if a read of t comes first, "kill" if a store, None if neither."""
        for x in stmts:
            r, w = mentions(x)
            if isinstance(x, ast.Return):
                return "read" if t in r else "kill"
            if t not in r and t not in w:
                continue
            if isinstance(x, ast.Assign):
                if t in r:
                    return "read"
                if len(x.targets) == 1 and isinstance(x.targets[0], ast.Name):
                    return "kill"
                continue
            if isinstance(x, ast.If):
                if reads_expr(x.test, t):
                    return "read"
                a, b = first(x.body, t), first(x.orelse, t)
                if "read" in (a, b):
                    return "read"
                if a == b == "kill":
                    return "kill"
                continue
            if isinstance(x, (ast.For, ast.While)):
                head = x.iter if isinstance(x, ast.For) else x.test
                if reads_expr(head, t) or first(x.body, t) == "read" or x.orelse:
                    return "read"
                continue
            if t in r or not isinstance(x, (ast.Expr, ast.AugAssign)):
                return "read"  # (any other statement: as if it read t)
        return None

    where: dict[int, tuple] = {}  # id(statement) -> (its block, its index, the block's owner)
    for owner, _, block in _blocks(func):
        for i, st in enumerate(block):
            where[id(st)] = (block, i, owner)
    out = set()
    for st in syntax.walk(func):
        if not (isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(
                st.targets[0], ast.Name) and st.targets[0].id in names and id(st) in where):
            continue
        t, (block, i, owner) = st.targets[0].id, where[id(st)]
        while True:
            found = first(block[i + 1:], t)
            if found is not None:
                if found == "kill":
                    out.add(id(st))
                break
            if owner is func:
                out.add(id(st))  # (the end of the function: never read)
                break
            if isinstance(owner, (ast.For, ast.While)):
                head = owner.iter if isinstance(owner, ast.For) else owner.test
                if reads_expr(head, t) or first(owner.body, t) == "read":
                    break  # (the next trip reads it)
            elif not isinstance(owner, ast.If) or id(owner) not in where:
                break
            block, i, owner = where[id(owner)]
    return out


def _dead(s, loads, keep) -> bool:
    if isinstance(s, ast.Assign) and len(s.targets) == 1:
        t = s.targets[0]
        if isinstance(t, ast.Name):
            if isinstance(s.value, ast.Name) and s.value.id == t.id:
                return True
            return loads.get(t.id, 0) == 0 and t.id not in keep
    if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
        return loads.get(s.target.id, 0) == 0 and s.target.id not in keep
    if isinstance(s, ast.If) and all(isinstance(b, ast.Pass) for b in s.body + s.orelse):
        return True
    return False


def _reads_in(node) -> list[ast.Name]:
    return [n for n in syntax.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]


def _top_exprs(s) -> list:
    """The expressions of a statement evaluated once, where a temp may be folded in."""
    if isinstance(s, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)):
        return [s.value] if s.value is not None else []
    if isinstance(s, (ast.If, ast.Assert)):
        return [s.test]
    if isinstance(s, ast.For):
        return [s.iter]
    return []


def _inline_temps(func, temps, simplify=exprs.simplify, counts=None) -> bool:
    """Fold a temporary into the later statement of its block that reads it, when
    nothing between writes what it reads. A temp written more than once (a value
    recomputed in the reverse sweep, `t_1 = xs[t]` in both loops) is folded only
    when every write has its own single reader this way (`_foldable`), so each
    read is the one its write reaches. One pass over the tree (moving an
    expression changes no other name's counts). `counts`: `_name_counts(func)` where
    the caller has it for the tree as it is."""
    loads, stores = counts or _name_counts(func)
    facts = _Facts()
    sites: dict[str, list] = {}
    for _parent, _field, block in list(_blocks(func)):
        for i, s in enumerate(block):
            if (isinstance(s, ast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], ast.Name) and s.targets[0].id in temps):
                sites.setdefault(s.targets[0].id, []).append(_reader(block, i, facts))
    ok = {t for t, found in sites.items() if t in temps and len(found) == stores.get(t)
          == loads.get(t) and all(j is not None for j in found)}
    changed = False
    for _parent, _field, block in list(_blocks(func)):
        i = 0
        while i < len(block):
            s = block[i]
            j = _reader(block, i, facts) if (
                isinstance(s, ast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], ast.Name) and s.targets[0].id in ok) else None
            if j is None:
                i += 1
                continue
            _replace(block[j], s.targets[0].id, s.value, None if isinstance(  # (a primal
                block[j], ast.Return) else simplify)  # returned is computed as written)
            facts.forget(block[j])
            del block[i]
            changed = True
        if not block:
            block.append(ast.Pass())
    return changed


def _fold_into_next(func, keep, simplify=exprs.simplify, hints=None) -> bool:
    """`v = e` read once, by the next statement of its block, is `e` there
    (`d_x = 2 * x; return d_x` is `return 2 * x`), for any value srcdiff names
    (a Ref: a user variable, an adjoint, a tangent), where that moves no work and
    no exception: `v` is written once and read once in the whole function (never
    in a loop that does not write it), the read is evaluated exactly once
    (`_top_exprs`, not in a branch of `and`/`or`/`x if c else y`, a lambda or a
    comprehension), and whatever the reader evaluates before the read is quiet
    (`_quiet`: names, numbers, attributes of names, `+ - *` of those), so `e`
    is evaluated where it was, after and before the same things. A call kept
    because it may raise stays its own statement (its reader may be dead), and an
    `if` test stays a name (`_merge_same_arms` reads it). A primal value is
    folded only where it is quiet itself (`s = logits - m`, not `z = y @ w`): one
    that may raise keeps its line, so an error names the line of `f` it comes from.
    Folding into an adjoint's assignment or a return simplifies that exactly (the
    same bits: `-(-a)` cancels, `z - -z` is `2 * z`), a primal value folded too."""
    loads, stores = _name_counts(func)
    declared = {n for s in syntax.walk(func) if isinstance(s, (ast.Global, ast.Nonlocal))
                for n in s.names}
    changed = False
    for block, depth in _blocks_at_depth(func):
        i = len(block) - 2
        while i >= 0:
            s, reader = block[i], block[i + 1]
            name = _foldable_target(s)
            if (name is None or name in keep or name in declared or getattr(
                    s, "keep_call", False) or loads.get(name) != 1 or stores.get(name) != 1
                    or isinstance(reader, (ast.If, ast.While)) or not _reads_quietly_first(
                        reader, name) or _too_long(reader, name, s.value, depth, hints or {})):
                i -= 1
                continue
            role = s.targets[0].role
            if role == "v" and not _quiet(s.value):  # (its own line: an error names it)
                i -= 1
                continue
            _replace(reader, name, s.value, simplify)  # (exact: the same bits)
            provenance.copy_tag(reader, s)
            del block[i]
            changed = True
            i = min(i, len(block) - 2)
    return changed


def _blocks_at_depth(func):
    """Every block of `func` with its statements' depth of indentation (1: the body)."""
    out = []

    def visit(node, depth):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                out.append((block, depth))
                for st in block:
                    visit(st, depth + 1)
        for h in getattr(node, "handlers", ()):
            visit(h, depth + 1)

    visit(func, 1)
    return out


def _too_long(reader, name: str, value, depth: int, hints: dict) -> bool:
    """Folding `value` into `reader` would make a line a careful person breaks in two,
    where `reader` is more than the name (`return d_x` takes any value: it is one
    line either way). Measured with the names `hints` gives placeholders."""
    top = _top_exprs(reader)[0]
    if isinstance(top, ast.Name) and top.id == name:
        return False

    return 4 * depth + _width(_substituted(reader, name, value), hints) > WIDTH


def _width(stmt, hints: dict) -> int:
    """The longest line of `stmt` printed unbroken, placeholders as `hints` names them."""
    class Named(ast.NodeTransformer):
        def visit_Name(self, n):
            return ast.Name(hints.get(n.id, n.id), n.ctx)

        visit_Ref = visit_Name

    return max(map(len, ast.unparse(Named().visit(syntax.copy(stmt))).splitlines()))


def _foldable_target(s) -> str | None:
    if (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], Ref)
            and isinstance(s.targets[0].ctx, ast.Store)):
        return s.targets[0].id
    return None


_QUIET_OPS = (ast.Add, ast.Sub, ast.Mult)


def _quiet(e) -> bool:
    """Evaluating `e` cannot raise or act, for values srcdiff's code combines: a name
    (bound where it is read), a number, an attribute of a name (`np.sum`, `X.T`),
    and `+`, `-`, `*` and negation of those (they raise only for operands of
    incompatible types or shapes)."""
    if isinstance(e, (ast.Name, ast.Constant)):
        return True
    if isinstance(e, ast.Attribute):
        return isinstance(e.value, ast.Name)
    if isinstance(e, ast.UnaryOp):
        return isinstance(e.op, (ast.USub, ast.UAdd)) and _quiet(e.operand)
    if isinstance(e, ast.BinOp):
        return isinstance(e.op, _QUIET_OPS) and _quiet(e.left) and _quiet(e.right)
    if isinstance(e, ast.Tuple):
        return all(_quiet(x) for x in e.elts)
    return False


def _in_order(e) -> list | None:
    """The sub-expressions of `e` in the order Python evaluates them, all of them
    before `e`'s own operation; None where some may not be evaluated, or more than
    once (`a and b`, `x if c else y`, a lambda, a comprehension)."""
    if isinstance(e, ast.BinOp):
        return [e.left, e.right]
    if isinstance(e, ast.UnaryOp):
        return [e.operand]
    if isinstance(e, ast.Call):
        return [e.func] + list(e.args) + [k.value for k in e.keywords]
    if isinstance(e, (ast.Attribute, ast.Starred)):
        return [e.value]
    if isinstance(e, ast.Subscript):
        return [e.value, e.slice]
    if isinstance(e, ast.Slice):
        return [x for x in (e.lower, e.upper, e.step) if x is not None]
    if isinstance(e, (ast.Tuple, ast.List, ast.Set)):
        return list(e.elts)
    if isinstance(e, ast.Compare) and len(e.comparators) == 1:
        return [e.left, e.comparators[0]]
    if isinstance(e, (ast.Name, ast.Constant)):
        return []
    return None


def _quiet_before(e, name: str) -> bool | None:
    """Whether the one read of `name` in `e` is evaluated once and after only quiet
    sub-expressions; None when `e` does not read it."""
    if isinstance(e, ast.Name) and e.id == name:
        return True
    if not any(isinstance(n, ast.Name) and n.id == name for n in syntax.walk(e)):
        return None
    parts = _in_order(e)
    if parts is None:
        return False
    for part in parts:
        found = _quiet_before(part, name)
        if found is not None:
            return found
        if not _quiet(part):
            return False
    return False


def _reads_quietly_first(reader, name: str) -> bool:
    """`reader` reads `name` once, in its evaluated-once expression, after only quiet
    sub-expressions (an augmented assignment to an item reads the item first)."""
    exprs_ = _top_exprs(reader)
    if len(exprs_) != 1 or sum(n.id == name for n in _reads_in(reader)) != 1:
        return False
    if isinstance(reader, ast.AugAssign) and not isinstance(reader.target, ast.Name):
        return False
    return _quiet_before(exprs_[0], name) is True


class _Facts:
    """What each statement reads and writes, walked once per statement (not once per
    temp that looks past it: `_reader` over a long block was quadratic in walks)."""

    def __init__(self):
        self._of: dict[int, tuple] = {}

    def of(self, stmt) -> tuple[dict[str, int], dict[str, int], set[str]]:
        """(reads in its evaluated-once expressions, all its reads, what it writes)."""
        got = self._of.get(id(stmt))
        if got is None or got[0] is not stmt:
            top: dict[str, int] = {}
            for e in _top_exprs(stmt):
                for n in _reads_in(e):
                    top[n.id] = top.get(n.id, 0) + 1
            every, stores = _name_counts(stmt)  # (one walk for both)
            changed = set(every) if isinstance(stmt, ast.Expr) else _changed_in_place(stmt)
            got = (stmt, top, every, set(stores) | changed)
            self._of[id(stmt)] = got
        return got[1:]

    def forget(self, stmt) -> None:
        self._of.pop(id(stmt), None)


def _reader(block: list, i: int, facts: _Facts) -> int | None:
    """The index of the later statement of `block` whose evaluated-once expression
    is the first read of the temp `block[i]` writes, if its value can move there:
    nothing between reads or writes the temp, or writes what its value reads."""
    s = block[i]
    tname = s.targets[0].id
    kept = getattr(s, "keep_call", False)  # (a call that may raise stays its own
    if kept and not getattr(s, "test_only", False):  # statement: its reader may be dead)
        return None
    deps = {n.id for n in _reads_in(s.value)}
    if tname in deps:
        return None
    deps.add(tname)
    for j in range(i + 1, len(block)):
        later = block[j]
        top, every, written = facts.of(later)
        hit = top.get(tname, 0)
        if hit and kept and not isinstance(later, ast.If):
            return None  # (a test that may raise moves only into an `if`, kept if dead)
        if hit == 1 and every.get(tname) == 1:
            return j
        if hit or tname in every or deps & written:
            return None
    return None


def _changed_in_place(stmt) -> set[str]:
    """Names a statement may change without storing them: the base of an item or
    attribute it assigns (`y[0] = v`, `y[0] += v`), and every name a bare call
    reads (`y.append(v)`, `np.add.at(y, i, g)`)."""
    if isinstance(stmt, ast.Expr):
        return {n.id for n in _reads_in(stmt)}
    targets = stmt.targets if isinstance(stmt, ast.Assign) else (
        [stmt.target] if isinstance(stmt, ast.AugAssign) else [])
    out = set()
    for t in targets:
        while isinstance(t, (ast.Subscript, ast.Attribute)):
            t = t.value
            if isinstance(t, ast.Name):
                out.add(t.id)
    return out


def _is_adjoint(stmt) -> bool:
    """An assignment of an adjoint: its expression was built by exprs.simplify."""
    target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
        else getattr(stmt, "target", None) if isinstance(stmt, ast.AugAssign) else None
    return isinstance(target, Ref) and target.role == "d"


def _negations(tree) -> int:
    return sum(isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub) for n in syntax.walk(tree))


def _cancel_negations(func, simplify=exprs.simplify) -> bool:
    """An adjoint `d = -z` (assigned once, in the function's own block, nothing
    changed in place) whose every reader, an adjoint's assignment after it, loses
    the sign when `-z` is put for `d` (`-d * s` is `z * s`) is read as `-z` there:
    no array is negated twice."""
    candidates = [i for i, s in enumerate(func.body) if _is_adjoint(s) and isinstance(
        s, ast.Assign) and isinstance(s.value, ast.UnaryOp) and isinstance(
            s.value.op, ast.USub) and isinstance(s.value.operand, ast.Name)]
    if not candidates:
        return False
    loads, stores = _name_counts(func)
    mutated = set()
    for n in syntax.walk(func):
        if isinstance(n, ast.stmt):
            mutated |= _changed_in_place(n)
    for i in candidates:
        s = func.body[i]
        d, z = s.targets[0].id, s.value.operand.id
        if stores.get(d) != 1 or stores.get(z, 0) > 1 or {d, z} & mutated:
            continue
        readers = [t for t in func.body[i + 1:] if any(n.id == d for n in _reads_in(t))]
        if not readers or not all(_is_adjoint(t) for t in readers) or sum(
                1 for t in readers for n in _reads_in(t.value) if n.id == d) != loads.get(d):
            continue
        new = [simplify(_substituted(t.value, d, s.value)) for t in readers]
        if all(_negations(a) < _negations(t.value) for a, t in zip(new, readers)):
            for t, value in zip(readers, new):
                t.value = value
            del func.body[i]
            return True
    return False


def _substituted(tree, tname, value):
    class Sub(ast.NodeTransformer):
        def visit_Name(self, n):
            if n.id == tname and isinstance(n.ctx, ast.Load):
                return syntax.copy(value)
            return n

        visit_Ref = visit_Name

    return Sub().visit(syntax.copy(tree))


def _replace(stmt, tname, value, simplify=exprs.simplify) -> None:
    class Sub(ast.NodeTransformer):
        def visit_Name(self, n):
            if n.id == tname and isinstance(n.ctx, ast.Load):
                return value
            return n

        visit_Ref = visit_Name

    for e in _top_exprs(stmt):
        new = Sub().visit(e)
        if _is_adjoint(stmt) and simplify is not None:  # folded in, a primal temp may
            new = simplify(new)  # cancel (`-t + -(0.5 * z)`)
        elif isinstance(stmt, ast.Return) and simplify is not None:
            new = _simplified_item(new, value, simplify)
        if isinstance(stmt, (ast.If, ast.Assert)):
            stmt.test = new
        elif isinstance(stmt, ast.For):
            stmt.iter = new
        else:
            stmt.value = new


def _simplified_item(e, value, simplify):
    """`e`, a return's value, with the item of its displays (`return d_x, d_y`) that
    holds the adjoint `value` folded into it simplified, as its assignment would be
    (`-(-a * s) * t` is `a * s * t`)."""
    if isinstance(e, (ast.Tuple, ast.List)):
        for k, item in enumerate(e.elts):
            if any(n is value for n in syntax.walk(item)):
                e.elts[k] = _simplified_item(item, value, simplify)
        return e
    return simplify(e)


class Pretty(ast.NodeTransformer):
    """`-(a * b)` and `-(a / b)` printed as `-a * b`, `-a / b` where `a` is a name or
    a number (the same value: Python reads `-a * b` as `(-a) * b`, and rounding is
    symmetric in sign). Simplify keeps the sign outside, where it can cancel."""

    def visit_UnaryOp(self, n):
        self.generic_visit(n)
        if isinstance(n.op, ast.USub):
            return self.negate_leftmost(n.operand) or n
        return n

    def negate_leftmost(self, e):
        """`e` (a product or quotient) with its leftmost factor negated, or None."""
        if not (isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Mult, ast.Div))):
            return None
        if isinstance(e.left, (ast.Name, ast.Constant)):
            return ast.BinOp(ast.UnaryOp(ast.USub(), e.left), e.op, e.right)
        left = self.negate_leftmost(e.left)
        return None if left is None else ast.BinOp(left, e.op, e.right)


WIDTH = 99  # the project's lines (ruff's line-length 100), as provenance's comments


def printed(tree) -> str:
    """`tree` as text, a long line broken to stay within WIDTH columns."""
    return astor.to_source(tree, pretty_source=lambda parts: "".join(
        astor.source_repr.split_lines(parts, maxline=WIDTH)))


def to_source(func: ast.FunctionDef) -> str:
    func = Pretty().visit(func)
    ast.fix_missing_locations(func)
    return printed(func)


_COMPILED: Counter = Counter()  # generated functions compiled, per name


def compile_function(source: str, fname: str, f, injected: dict | None = None,
                     source_map: dict | None = None):
    """Compile `source` (one def) exactly as printed, so its globals are `f`'s
    module dict (read live), `f`'s closure cells are shared, and `injected` names
    arrive as closure cells (a cell given is shared as it is: an inlined helper's
    closure, read live): nothing is written into the user's module. The text
    goes to `linecache` under the code's file name, line for line (a traceback's
    line N is line N of `source`), so tracebacks and debuggers show it; its
    `source_map` (provenance.py) goes with it, for the notes of exceptions."""
    injected = dict(injected or {})
    freevars = list(f.__code__.co_freevars)
    cells = dict(zip(freevars, f.__closure__ or ()))
    outer = sorted(set(freevars) | set(injected))
    body = "".join("    " + ln + "\n" if ln.strip() else "\n" for ln in source.splitlines())
    text = f"def __srcdiff_scope__({', '.join(outer)}):\n" + body + f"    return {fname}\n"
    _COMPILED[fname] += 1  # a file name per compile: derivatives transform the text again
    n = _COMPILED[fname]
    filename = f"<srcdiff: {fname}>" if n == 1 else f"<srcdiff: {fname} #{n}>"
    with warnings.catch_warnings():  # `1.0[0]`: grad of a non-scalar result, which the
        warnings.simplefilter("ignore", SyntaxWarning)  # check refuses before it runs
        code = compile(_unwrapped_positions(ast.parse(text)), filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    provenance.register(filename, source_map or {})
    scope = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in scope.co_consts if isinstance(c, types.CodeType)
                 and c.co_name == fname)
    def cell(n):
        v = injected[n] if n in injected else cells[n]
        return v if isinstance(v, types.CellType) else types.CellType(v)

    closure = [cell(n) for n in inner.co_freevars]
    fn = types.FunctionType(inner, f.__globals__, fname, f.__defaults__, tuple(closure) or None)
    fn.__kwdefaults__ = dict(f.__kwdefaults__) if f.__kwdefaults__ else None
    weakref.finalize(fn, _forget, filename)  # its text lives as long as it
    return fn


def _unwrapped_positions(tree: ast.Module) -> ast.Module:
    """The scope function's tree with the positions of `source` itself: one line up
    (the scope's `def` is line 0) and, inside it, four columns left."""
    scope = tree.body[0]
    for n in syntax.walk(tree):
        if getattr(n, "lineno", None) is None:
            continue
        n.lineno -= 1
        if getattr(n, "end_lineno", None) is not None:
            n.end_lineno -= 1
        if n is not scope and n.col_offset >= 4:
            n.col_offset -= 4
            if (getattr(n, "end_col_offset", None) or 0) >= 4:
                n.end_col_offset -= 4
    return tree


def _forget(filename: str) -> None:
    linecache.cache.pop(filename, None)
    provenance.forget(filename)


def in_place_updates(func: ast.FunctionDef, keep: set[str], np_name: str | None = None) -> None:
    """A primal assignment its rule can write in place (`x = _setitem(x, i, v)` as
    `x[i] = v`, `acc = acc + [v]` as `acc.append(v)`) is, when the same name is on
    both sides (nothing else reads the old value) and the name is not in `keep`
    (a parameter: the caller's value is never changed; or a value a tape holds)."""
    for _parent, _field, block in list(_blocks(func)):
        for i, s in enumerate(block):
            update = getattr(s, "update", None)
            if update is None or len(s.targets) != 1:
                continue
            target = copy.copy(s.targets[0])  # the name, read: `x[i] = v`, `acc.append(v)`
            target.ctx = ast.Load()
            if target.id in keep:
                continue
            new = update(target, s.value, np_name)
            if new is not None:
                block[i] = provenance.copy_tag(new, s)
