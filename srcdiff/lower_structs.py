"""SSA construction, part 1b: tuples and dicts built in `f`, kept entry by entry.

The half of the expression lowering (lower_values.py) that handles the values of
structs.py: dict displays and their entries (`d["a"]`, `d["a"] = v`, `d.get`),
indexing and slicing a tuple, spreading `g(*t, **d)`, and starred targets
(`a, *mid, z = t`). A mixin of `Values`: it reads the same state (`env`,
`packs`, `held`) and lowers sub-expressions with `value`.
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import operator

from . import ir, syntax
from .lower_names import listed
from .structs import DictVal, TupleVal, Undefined, escape_error, holds

PACK_LIST = ("pack", "list")


class StructValues:
    def bind_starred(self, target, val, stars) -> None:
        """`a, *rest, z = t`: `rest` is a list of the middle items of a tuple built
        here; of another value, only the discarded `*_` (its length is not known)."""
        if len(stars) > 1:
            raise self.error("two starred targets in one assignment", target)
        k, elts = stars[0], target.elts
        after = len(elts) - k - 1
        star = elts[k].value
        if isinstance(val, TupleVal):
            if len(val.items) < len(elts) - 1:
                raise self.error("unpacking a tuple of too few items", target)
            n = len(val.items)
            for t, v in zip(elts[:k] + elts[k + 1:], val.items[:k] + val.items[n - after:]):
                self.bind(t, v)
            items = [self.pack(v, target) for v in val.items[k:n - after]]
            rest = self.assign(getattr(star, "id", "items"), ir.Call(PACK_LIST, None, items),
                               target)
            self.packs[rest.id] = items
            self.bind(star, rest)
            return
        if not (isinstance(star, ast.Name) and star.id == "_"):
            raise self.error("a starred target (*rest) unpacking a value whose length is "
                             "known only at run time", elts[k], "write *_ to discard the "
                             "rest, or index the items")
        for i, t in enumerate(elts[:k]):
            self.bind(t, self.assign(getattr(t, "id", "t"), ir.Call(
                operator.getitem, None, [val, ir.Const(i)]), t))
        for j, t in enumerate(elts[k + 1:]):
            self.bind(t, self.assign(getattr(t, "id", "t"), ir.Call(
                operator.getitem, None, [val, ir.Const(j - after)]), t))
        self.env["_"] = Undefined("'_', the discarded rest of an unpacking")

    def set_entry(self, target: ast.Subscript, old, val) -> None:
        """`d[k] = v` on a dict built in the function: a new dict value with that
        entry (a tuple's items cannot be assigned). Python changes the one dict
        every holder sees, so another name or a tuple holding it is refused."""
        name = target.value.id
        mine = isinstance(old, TupleVal) and getattr(old, "listed", None) is self
        if isinstance(old, TupleVal) and not mine:
            raise self.error("assignment into an item of a tuple (tuples cannot be "
                             "changed)", target)
        key = self.key(target.slice)
        others = [k for k, v in self.env.items() if k != name and holds(v, old)]
        if others or id(old) in self.held:
            who = f"the name {others[0]!r}" if others else "the caller"
            kind = "list" if mine else "dict"
            raise self.error(f"changing the {kind} {name!r} that {who} also holds",
                             target, f"build a new {kind} instead")
        if mine:  # a list built here, kept item by item (`args = list(args)`)
            if type(key) is not int or not -len(old.items) <= key < len(old.items):
                raise self.error(f"assigning item {key!r} of a list of {len(old.items)} "
                                 "items", target)
            items = list(old.items)
            items[key] = val
            self.env[name] = listed(items, self)
            return
        self.env[name] = DictVal({**old.entries, key: val}, old.attrs, old.origin, old.cls)

    def set_attribute(self, target: ast.Attribute, val) -> None:
        """`obj.k = v` on an object of the user's class built in the function (or on
        `self` in a method of one): a new object value with that attribute, which
        every plain name for the object names (Python changes the one object they
        share); a method's caller names it after the call (lower.Lowerer.inline)."""
        name = target.value.id
        old = self.env.get(name)
        if not (isinstance(old, DictVal) and old.cls is not None and not old.origin):
            raise self.error(f"setting an attribute of {name}, which is not an object of "
                             "your class built in the function", target,
                             "srcdiff follows attributes set on objects the function builds "
                             "(and on self in their methods); build a new object or return "
                             "the new value")
        if old.escaped():
            raise self.error(escape_error(old), target)
        others = [k for k, v in self.env.items() if v is not old and holds(v, old)]
        if others or any(any(holds(it, old) for it in items) for items in self.packs.values()):
            who = f"{others[0]!r}" if others else "a list"
            raise self.error(f"setting an attribute of {name}, which {who} also holds",
                             target, "set it where the object is held by names alone")
        attrs = dict(old.attrs or {})
        key = attrs.setdefault(target.attr, target.attr)
        new = DictVal({**old.entries, key: val}, attrs, None, old.cls)
        self.set_attrs.update(k for k, v in self.env.items() if v is old)
        self.rename(old, new)

    def key(self, node):
        """A dict key: a constant (`"a"`, `1`, a constant name)."""
        k = self.value(node, "key")
        if not isinstance(k, ir.Const):
            raise self.error("a dict key computed at run time", node,
                             "srcdiff keeps a dict built in the function entry by entry; "
                             "use constant keys such as d[\"a\"]")
        try:
            hash(k.value)
        except TypeError:
            raise self.error("an unhashable dict key", node) from None
        return k.value

    def e_Dict(self, node, hint):
        """A dict display with constant keys, kept entry by entry (structs.py)."""
        entries: dict = {}
        for k, v in zip(node.keys, node.values):
            if k is None:  # {**other, ...}
                other = self.value(v, "t")
                if not isinstance(other, DictVal):
                    raise self.error("**-unpacking into a dict of something other than a "
                                     "dict built in the function", v)
                entries.update(other.entries)
                continue
            key = self.key(k)
            entries[key] = self.value(v, key if isinstance(key, str) and key.isidentifier()
                                      else "t")
        return DictVal(entries, getattr(node, "attrs", None), getattr(node, "origin", None),
                       getattr(node, "cls", None))

    def entry(self, base, node):
        """`t[0]`, `t[1:]`, `d["a"]` of a tuple or dict built in the function; None
        for a tuple indexed at run time (it is then packed and indexed)."""
        if isinstance(base, DictVal):
            key = self.key(node.slice)
            if key not in base.entries:
                raise self.error(f"reading the key {key!r}, which this dict does not have "
                                 "here", node)
            got = base.entries[key]
            if isinstance(got, Undefined):
                raise self.error(got.why, node)
            return got
        if isinstance(node.slice, ast.Slice):
            parts = [self.value(p, "i") if p is not None else ir.Const(None)
                     for p in (node.slice.lower, node.slice.upper, node.slice.step)]
            if all(isinstance(p, ir.Const) for p in parts):
                return TupleVal(base.items[slice(*(p.value for p in parts))])  # (a tuple)
            return None
        index = node.slice
        if isinstance(index, ast.UnaryOp) and isinstance(index.operand, ast.Constant):
            index = self.value(index, "i")
        elif isinstance(index, ast.Constant):
            index = ir.Const(index.value)
        elif isinstance(index, ast.Name) and isinstance(self.env.get(index.id), ir.Const):
            index = self.env[index.id]  # `layers[i]` in a loop unrolled over its indices
        if isinstance(index, ir.Const) and isinstance(index.value, int):
            if not -len(base.items) <= index.value < len(base.items):
                raise self.error(f"indexing a tuple of {len(base.items)} items at "
                                 f"{index.value}", node)
            return base.items[index.value]
        return None

    def spread(self, node):
        """`g(*t, **d)` with `t` a tuple and `d` a dict whose entries are known here
        (built in the function, or a constant): the call with them written out as
        `g(t[0], t[1], k=d["k"])`; None when they are known only at run time."""
        def known(n):
            if isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Slice) and all(
                    b is None or isinstance(b, ast.Constant) and type(b.value) is int
                    for b in (n.slice.lower, n.slice.upper, n.slice.step)):
                items = known(n.value)  # `*args[1:]`: a constant slice of a known tuple
                bound = [b if b is None else b.value
                         for b in (n.slice.lower, n.slice.upper, n.slice.step)]
                return None if items is None or any(isinstance(i, ast.keyword) for i in items) \
                    else items[slice(*bound)]
            if isinstance(n, (ast.Tuple, ast.List)):
                return n.elts if not any(isinstance(e, ast.Starred) for e in n.elts) else None
            v = self.env.get(n.id) if isinstance(n, ast.Name) else None
            if v is None and isinstance(n, ast.Name) and n.id not in self.resolver.locals:
                v = self.resolver.outer(n)
            if isinstance(v, ir.Const) and isinstance(v.value, (tuple, list)):
                return [ast.copy_location(ast.Constant(e), n) for e in v.value]
            if isinstance(v, TupleVal):
                return [ast.copy_location(ast.Subscript(n, ast.Constant(i), ast.Load()), n)
                        for i in range(len(v.items))]
            if isinstance(v, DictVal) and all(isinstance(k, str) for k in v.entries):
                return [ast.keyword(k, ast.copy_location(ast.Subscript(
                    n, ast.Constant(k), ast.Load()), n)) for k in v.entries]
            return None

        args, keywords = [], []
        for a in node.args:
            items = known(a.value) if isinstance(a, ast.Starred) else [a]
            if items is None or any(isinstance(i, ast.keyword) for i in items):
                return None
            args += items
        for k in node.keywords:
            items = known(k.value) if k.arg is None else [k]
            if items is None or not all(isinstance(i, ast.keyword) for i in items):
                return None
            keywords += items
        return ast.copy_location(ast.Call(node.func, args, keywords), node)

    def known_test(self, node):
        """`"k" in d` (or `not in`) of a dict built here (a helper's `**opts`), or a
        comparison of constants (`n == 0` in a helper called with n=3: a recursion
        unrolled), or a str method's test of a key known here (`name.startswith("W")` in
        a copy of a loop over a dict's items): True or False, known when lowering; None
        for any other test."""
        if isinstance(node, ast.Call) and (folded := self.str_tested(node)) is not None:
            return bool(folded.value)
        consts = self.constant_test(node)
        if consts is not None:
            return consts
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1
                and isinstance(node.ops[0], (ast.In, ast.NotIn))
                and isinstance(node.left, ast.Constant)
                and isinstance(node.comparators[0], ast.Name)):
            return None
        d = self.env.get(node.comparators[0].id)
        key = node.left.value
        if not isinstance(d, DictVal) or isinstance(d.entries.get(key), Undefined):
            return None
        return (key in d.entries) == isinstance(node.ops[0], ast.In)

    def constant_test(self, node):
        """The truth of a test made of comparisons, `and`/`or`/`not` and arithmetic on
        names bound to constants (ints, bools, strings, None) and literals; else None."""
        allowed = (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Constant, ast.Name,
                   ast.cmpop, ast.boolop, ast.unaryop, ast.operator, ast.expr_context)
        node = self.settings_read(node)  # `self.kind == "call"`: a string it holds
        if not all(isinstance(n, allowed) for n in syntax.walk(node)):
            return None
        if not isinstance(node, (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Name)):
            return None
        values = {}
        for n in syntax.walk(node):
            if isinstance(n, ast.Name):
                v = self.env.get(n.id)
                if not (isinstance(v, ir.Const) and type(v.value) in (int, bool, str, type(None))):
                    return None
                values[n.id] = v.value
        try:
            return bool(eval(compile(ast.Expression(node), "<test>", "eval"),
                             {"__builtins__": {}}, values))
        except Exception:
            return None

    def tuple_sum(self, args: list, node, hint: str):
        """`sum(t[, start])` of a tuple built here (a helper's `*xs`): its items
        added in order, as `sum` adds them; None when an item is a tuple or dict."""
        if any(isinstance(v, (TupleVal, DictVal)) for v in args[0].items):
            return None
        acc = self.pack(args[1], node) if len(args) == 2 else ir.Const(0)
        for v in args[0].items:
            acc = self.assign(hint, ir.Call(operator.add, None, [acc, v]), node)
        return acc

    def dict_method(self, d: DictVal, node, args, kwargs):
        """`d.get(k[, default])`, `d.keys()`, `d.values()`, `d.items()` of a dict
        built in the function (the last three as tuples, fixed when lowered)."""
        attr = node.func.attr
        if attr == "get" and 1 <= len(args) <= 2 and not kwargs:
            key = self.key(node.args[0])
            got = d.entries.get(key, args[1] if len(args) == 2 else ir.Const(None))
            if isinstance(got, Undefined):
                raise self.error(got.why, node)
            return got
        if attr in ("keys", "values", "items") and not args and not kwargs:
            return TupleVal([ir.Const(k) if attr == "keys" else v if attr == "values"
                             else TupleVal([ir.Const(k), v]) for k, v in d.entries.items()])
        raise self.error(f"the dict method .{attr}() on a dict built in the function", node,
                         "srcdiff keeps such a dict entry by entry: d[\"a\"], d[\"a\"] = v, "
                         "d.get, d.keys(), d.values(), d.items() and len(d) work")


def record_fields(cls) -> list | None:
    """The fields, in order, of a namedtuple class or a dataclass whose objects are
    records (plain methods at most, inlined with the record as `self`, and static and
    class methods: no properties, class attributes or __post_init__): such an object
    built in the function is kept entry by entry, as a tuple or a dict with
    attributes. None for any other class."""
    if not isinstance(cls, type):
        return None
    made = ("__new__", "__init__", "__post_init__", "__getattr__", "__getattribute__",
            "__setattr__", "__getitem__")
    for k in made:  # only what namedtuple and dataclass generate (exec'd: "<string>")
        f = getattr(cls, k, None)
        code = getattr(f, "__code__", None)
        if code is not None and code.co_filename != "<string>":
            return None
    if issubclass(cls, tuple) and hasattr(cls, "_fields") and hasattr(cls, "_replace"):
        names = list(cls._fields)
        own = [k for c in cls.__mro__[:cls.__mro__.index(tuple)] for k in vars(c)
               if not k.startswith("_") and k not in names]
    elif dataclasses.is_dataclass(cls) and cls.__dataclass_params__.init:
        names = [f.name for f in dataclasses.fields(cls) if f.init]
        if len(names) != len(dataclasses.fields(cls)) or hasattr(cls, "__post_init__"):
            return None
        own = [k for c in cls.__mro__[:-1] for k in vars(c)
               if not k.startswith("__") and k not in names]
    else:
        return None
    plain = all(inspect.isfunction(getattr(cls, k, None)) or isinstance(  # (methods: inlined)
        inspect.getattr_static(cls, k, None), (staticmethod, classmethod)) for k in own)
    return names if plain else None


def _own_methods(cls) -> bool:
    """Whether a namedtuple class defines methods of its own (typing.NamedTuple's
    class body), beyond what namedtuple generates."""
    return any(inspect.isfunction(v) and not k.startswith("_")
               for c in cls.__mro__[:cls.__mro__.index(tuple)] for k, v in vars(c).items())


class Records:
    """Namedtuples and dataclasses built in the function (`State(x, v)`), read by
    attribute and rebuilt with `s._replace(v=...)` or `dataclasses.replace(p, w=...)`."""

    def record(self, cls, node, args, kwargs):
        """`cls(*args, **kwargs)` as a tuple or dict with attributes; None for a class
        that is not such a record, or a default srcdiff does not copy (a factory); a
        located error for a call that does not give each field once."""
        names = record_fields(cls)
        if names is None:
            return None
        given = dict(zip(names, args))
        if len(args) > len(names) or set(kwargs) - set(names) or set(kwargs) & set(given):
            raise self.error(f"this call of {cls.__name__} (its fields are "
                             f"{', '.join(names)})", node)
        given.update(kwargs)
        for k in names:
            if k not in given:
                default = self.default_of(cls, k)
                if default is None and not self.has_default(cls, k):
                    raise self.error(f"this call of {cls.__name__}: no value for {k!r}", node)
                if default is None:
                    return None
                given[k] = default
        items = [given[k] for k in names]
        if any(isinstance(v, DictVal) for v in items):
            raise self.error(f"a {cls.__name__} holding a dict", node)
        if issubclass(cls, tuple):
            made = TupleVal(items, {k: i for i, k in enumerate(names)})
            if _own_methods(cls):  # `class Scaler(NamedTuple)` with methods: inlined on it
                made.cls = cls
            return made
        return DictVal(dict(zip(names, items)), {k: k for k in names}, cls=cls)

    @staticmethod
    def has_default(cls, name) -> bool:
        if issubclass(cls, tuple):
            return name in cls._field_defaults
        f = next(f for f in dataclasses.fields(cls) if f.name == name)
        return f.default is not dataclasses.MISSING or (
            f.default_factory is not dataclasses.MISSING)

    @staticmethod
    def default_of(cls, name):
        if issubclass(cls, tuple):
            d = cls._field_defaults.get(name, dataclasses.MISSING)
        else:
            f = next(f for f in dataclasses.fields(cls) if f.name == name)
            d = f.default
        if d is dataclasses.MISSING or not isinstance(d, (int, float, bool, str, type(None))):
            return None  # (a default factory, or a mutable default: Python's own)
        return ir.Const(d)

    def replaced(self, base, node, args, kwargs):
        """`s._replace(v=...)` of a namedtuple, `dataclasses.replace(p, w=...)` of a
        dataclass object: the same record with those fields replaced."""
        attrs = getattr(base, "attrs", None)
        cls = getattr(base, "cls", None)
        if cls is not None and record_fields(cls) is None:  # (replace runs its __init__)
            raise self.error(f"dataclasses.replace of a {cls.__name__}, whose class has "
                             "its own __init__, __post_init__ or attributes", node,
                             "build the new value outside the function")
        if args or not attrs or set(kwargs) - set(attrs):
            bad = sorted(set(kwargs) - set(attrs or ()))
            raise self.error(f"replacing the field {bad[0]!r}, which the value does not "
                             "have" if bad else "this replace call (name the fields to "
                             "replace: s._replace(v=...))", node)
        if isinstance(base, TupleVal):
            items = list(base.items)
            for k, v in kwargs.items():
                items[attrs[k]] = v
            return TupleVal(items, attrs)
        return DictVal({**base.entries, **{attrs[k]: v for k, v in kwargs.items()}}, attrs,
                       base.origin, base.cls)


def method_of(val, name: str):
    """The plain function `name` of the class of a record built in the function or
    of a dataclass parameter passed whole (`layer.penalty`, `layer(x)`), or None."""
    cls = getattr(val, "cls", None)
    f = getattr(cls, name, None) if cls is not None else None
    return f if inspect.isfunction(f) else None

