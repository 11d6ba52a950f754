"""SSA construction, part 1a: reading, binding and updating names (a mixin of `Values`).

Takes the targets and values of assignments; gives the environment's new state:
`bind` a target (a name, a tuple unpacked, an item set), `read` a name (a located
error where it may be unbound, with the check Python makes where a loop may not
have assigned it), and `update` a name changed in place (`z += v`, `x[i] = v`,
`acc.append(v)`) as a new value marked with whether another name or a list
shares the old one, which is what aliasing.py needs to know.
"""
from __future__ import annotations

import ast
import operator

from . import desugar, ir, nonlocals
from .exprs import as_value
from .rules.table import lookup
from .structs import STRUCTS, DictVal, TupleVal, Undefined, escape_error, holds


def writes_into(expr) -> bool:
    """Whether the call changes a mutable object in place (`u[0] = v`, `acc.append(v)`:
    its rule says it is an in-place statement); `a += b` may be a float's, a new one."""
    rule = lookup(expr.fn) if isinstance(expr, ir.Call) else None
    return rule is not None and rule.update is not None

SETITEM = ("helper", "_setitem")
ADD_AT = ("helper", "_add_at")
APPEND = ("list", "append")
SYNTH_HINTS = {"__brk": "broke", desugar.ACC: "total", desugar.ITEMS: "items",
               desugar.RET: "result",
               desugar.RETFLAG: "returned", "__map": "item", desugar.REDUCED: "reduced",
               desugar.REDUCE_ITEM: "item"}


def shown(hint: str) -> str:
    """The name a value of `hint` is written as: a generated name's reader's one."""
    if hint.startswith(nonlocals.RESULT) and "_" in hint[len(nonlocals.RESULT):]:
        return hint[len(nonlocals.RESULT):].split("_", 1)[1]  # a call hoisted: the callee
    numbered = hint.startswith(("__brk", "__map"))
    return SYNTH_HINTS.get(hint.rstrip("0123456789") if numbered else hint, hint)


class Names:
    def maybe_unbound(self, v, broke=None) -> bool:
        """Whether `v` may be a name not yet assigned (`broke`: on the path where
        that loop broke, so assigned if the loop assigned it before every break)."""
        return isinstance(v, ir.Var) and v.id in self.unbound and (
            broke is None or self.unbound[v.id] != broke)

    def read(self, node):
        if node.id in self.env:
            v = self.env[node.id]
            if isinstance(v, Undefined):
                raise self.error(v.why, node)
            if isinstance(v, DictVal) and v.escaped():
                raise self.error(escape_error(v), node)
            if self.maybe_unbound(v) and ("bound", v.id) not in self.env:
                self.check_bound(node.id, v, node)
            return v
        return self.resolver.outer(node)

    def check_bound(self, name: str, v: ir.Var, node) -> None:
        """Before the first read of a name assigned only inside a loop that may run
        zero times (or stop before assigning it): raise where Python would. The
        value the loop starts from is None (`x_new = None` before the loop)."""
        key = f"%v%{v.id}"
        test = ast.Compare(ast.Name(key, ast.Load()), [ast.Is()], [ast.Constant(None)])
        cond = self.assign("unassigned", ir.Opaque(test, {key: v}, nondiff=True), node)
        exc = ast.Call(ast.Name("UnboundLocalError", ast.Load()), [ast.Constant(
            f"cannot access local variable {name!r} where it is not associated with a "
            "value")], [])
        error = ir.Assign(self.var("error", node), ir.Opaque(exc, {}, nondiff=True),
                          self.loc(node), effect=True, raises=True)
        self.emit(ir.If(cond, [error], [], [], self.loc(node)))
        self.env[("bound", v.id)] = True  # checked on this path

    def bind(self, target, val) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = val
            self.name_bound.add(target.id)
            if isinstance(val, ir.Var) and not val.user:
                val.hint = shown(target.id)
                val.user = True
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(val, DictVal):
                raise self.error("unpacking a dict (it gives its keys)", target)
            stars = [i for i, t in enumerate(target.elts) if isinstance(t, ast.Starred)]
            if stars:
                self.bind_starred(target, val, stars)
                return
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
        if isinstance(target, ast.Attribute):
            self.set_attribute(target, val)
            return
        if not isinstance(target, ast.Subscript):
            raise self.error(f"assignment to {type(target).__name__}", target)
        self.set_item(target, val, target)

    def rename(self, old, new) -> None:
        """Every plain name for the object `old` now names `new`: a write into the object
        (by another name, or by a helper it was passed to) changes what they all see."""
        for k, v in list(self.env.items()):
            if v is old:
                self.env[k] = new
                self.rebound.add(k)

    def update(self, name: str, expr: ir.Call, old, node) -> None:
        """`name` changed in place (`z += v`, `x[i] = v`, `acc.append(v)`): a new
        value, marked with whether another name or a list shares the old one. A write
        into the object (`x[i] = v`) is seen by every plain name for it (`B = A;
        B[0] = 5` changes A): they all name the new value."""
        new = self.var(name, node)
        new.user = True
        listed = any(any(it is old for it in items) for items in self.packs.values())
        if isinstance(old, ir.Var) and writes_into(expr) and not listed and not any(
                holds(v, old) for v in self.env.values() if v is not old):
            self.rename(old, new)  # (other plain names for it: they see the write)
        others = isinstance(old, ir.Var) and (
            listed or any(holds(v, old) for k, v in self.env.items() if k != name))
        written = isinstance(old, ir.Var) and old.id in self.writable and writes_into(expr)
        if written:  # the caller's object, changed: its names are written back (lower.py)
            self.writable.add(new.id)
            self.shared.add(new.id)
            self.root[new.id] = self.root.get(old.id, old.id)
            self.written.add(self.root[new.id])
        shared = others or (isinstance(old, ir.Var) and old.id in self.shared and not written)
        self.emit(ir.Assign(new, expr, self.loc(node), update=ir.Update(old, shared)))
        self.env[name] = new

    def set_item(self, target: ast.Subscript, val, node) -> None:
        """`x[i] = v` makes a new value: a copy of x with that item set. (It is
        written in place when nothing else can see the old value.)"""
        if isinstance(target.value, ast.Attribute):  # `p.x[0] = v`: p.x a new value
            arr = self.e_Attribute(target.value, "t")
            new = self.var(target.value.attr, node)
            self.emit(ir.Assign(new, self.indexed(SETITEM, arr, target.slice, val, node),
                                self.loc(node), update=self.entry_update(arr)))
            self.set_attribute(target.value, new)
            return
        if not isinstance(target.value, ast.Name) or target.value.id not in self.env:
            raise self.error("assignment into an item of something other than a local "
                             "variable", target)
        old = self.read(target.value)
        if isinstance(old, STRUCTS):
            self.set_entry(target, old, val)
            return
        self.indexed_update(SETITEM, target.value, old, target.slice, val, node)

    def add_at(self, call: ast.Call, node) -> None:
        """`np.add.at(x, i, v)` makes a new value, as `x[i] = v` does: a copy of x
        with v added at i (written in place when nothing else sees the old value)."""
        x, index, v = call.args
        if not isinstance(x, ast.Name) or x.id not in self.env or isinstance(
                old := self.read(x), STRUCTS):
            raise self.error("np.add.at into something other than a local array", x)
        self.indexed_update(ADD_AT, x, old, index, self.value(v, "t"), node)

    def indexed_update(self, key, target: ast.Name, old, index_node, val, node) -> None:
        self.update(target.id, self.indexed(key, old, index_node, val, node), old, node)

    def indexed(self, key, old, index_node, val, node) -> ir.Call:
        """The call of the helper `key` (`_setitem`, `_add_at`) writing `val` at the
        index `index_node` of `old`."""
        if isinstance(val, TupleVal):
            val = self.pack(val, node)
        index = self.opaque(index_node, nondiff=True)
        index.node = as_value(index.node)
        if isinstance(index.node, ast.Name) and index.node.id in index.uses:
            index = index.uses[index.node.id]
        return ir.Call(key, ast.Name(key[1], ast.Load()), [old, index, val], {}, key[1])

    def list_append(self, target: ast.Name, item, node) -> None:
        """`acc.append(v)` makes a new value, the list with `v` added (written as an
        in-place append when nothing else sees the old list)."""
        old = self.read(target)
        if isinstance(old, TupleVal) and getattr(old, "listed", None) is not None:
            if old.listed is not self or any(  # (the other holder's list would change too)
                    k != target.id and holds(v, old) for k, v in self.env.items()):
                raise self.error("appending to a list of your objects that another name "
                                 "or the code calling this function holds", node,
                                 "srcdiff keeps such a list item by item: append where the "
                                 "list is built, or return a new list")
            self.env[target.id] = listed(old.items + [self.value(item, "t")], self)
            return
        val = self.atom(item, "t")
        self.update(target.id, ir.Call(APPEND, None, [old, val], {}, "append"), old, node)


def listed(items: list, owner) -> TupleVal:
    """A list of the user's objects, kept item by item (lower_values.e_List): a
    tuple value that `.append` extends, as it does the list, in the lowering
    `owner` that built it (anywhere else another name would see the change)."""
    v = TupleVal(items)
    v.listed = owner
    return v
