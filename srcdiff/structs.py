"""Values the lowering keeps element by element: tuples and dicts built in `f`.

A tuple a helper returns (`return dx, dy`) or a dict `f` builds (`d = {"a": x}`)
never exists as one value in the IR: the lowering holds its entries, each an SSA
value of its own, so `a, b = rhs(x)`, `r[0]`, `d["a"]` read an entry directly
and the derivative flows entry by entry. A branch joins two such values entry by
entry, a loop carries each entry. The shape (tuple lengths, dict keys) is fixed
when the code is lowered; where it could differ at run time the lowering refuses.
"""
from __future__ import annotations



class Undefined:
    """A name that is not bound on every path reaching its use."""

    def __init__(self, why: str):
        self.why = why


CHOSEN_AT_RUN_TIME = ("srcdiff inlines a function where it is called, so it must know which: "
                      "choose it with a parameter that is a setting (a string or bool, "
                      "`activation=\"tanh\"`: the derivative is built per setting) or a "
                      "constant, or call each function in its own branch")


class TupleVal:
    """A tuple built in the function, kept element by element. `attrs`: for a
    structured parameter's namedtuple passed whole (unpack.py), field -> position."""

    def __init__(self, items: list, attrs: dict | None = None):
        self.items = items
        self.attrs = attrs


class DictVal:
    """A dict built in the function with constant keys, kept entry by entry. It is
    a value: `d[k] = v` makes a new DictVal (the lowering refuses it when another
    name still holds the old one, which Python would change too). `attrs`: for a
    structured parameter's dataclass passed whole (unpack.py), attribute -> key;
    `origin`: that parameter as the user wrote it (`params["enc"]`), for messages;
    `cls`: for an object of the user's class built in the function (its attributes the
    entries), that class, whose methods calls on it inline."""

    def __init__(self, entries: dict, attrs: dict | None = None, origin: str | None = None,
                 cls: type | None = None):
        self.entries = entries
        self.attrs = attrs
        self.origin = origin
        self.cls = cls
        self.whole = None  # for such an object: a function giving it as one value (or that)

    def escaped(self) -> bool:
        """Whether this object built in the function was used as a whole: code kept as
        written holds it and may change it, so its entries may no longer be its own."""
        return self.cls is not None and self.whole is not None and not callable(self.whole)


STRUCTS = (TupleVal, DictVal)


def attribute(v, name: str):
    """The entry `v.name` reads, for a struct with attributes; None if it has none."""
    attrs = getattr(v, "attrs", None)
    if not attrs or name not in attrs:
        return None
    return v.items[attrs[name]] if isinstance(v, TupleVal) else v.entries[attrs[name]]


def children(v) -> list:
    """(key, entry) of a tuple or dict value."""
    if isinstance(v, TupleVal):
        return list(enumerate(v.items))
    return list(v.entries.items())


def leaves(v, path=()) -> list:
    """(path, leaf) for every entry of `v` that is not itself a tuple or dict."""
    if not isinstance(v, STRUCTS):
        return [(path, v)]
    return [pl for k, e in children(v) for pl in leaves(e, path + (k,))]


def same_shape(a, b) -> bool:
    """Whether `a` and `b` have the same tuple lengths and dict keys throughout."""
    if not isinstance(a, STRUCTS) or not isinstance(b, STRUCTS):
        return not isinstance(a, STRUCTS) and not isinstance(b, STRUCTS)
    if type(a) is not type(b):
        return False
    ka, kb = children(a), children(b)
    return ([k for k, _ in ka] == [k for k, _ in kb]
            and all(same_shape(x, y) for (_, x), (_, y) in zip(ka, kb)))


def at(v, path):
    """The entry of `v` at `path`."""
    for k in path:
        v = v.items[k] if isinstance(v, TupleVal) else v.entries[k]
    return v


def rebuild(v, leaf):
    """`v` with each leaf replaced by `leaf(path, old leaf)`."""
    def go(x, path):
        if isinstance(x, TupleVal):
            return TupleVal([go(e, path + (i,)) for i, e in enumerate(x.items)], x.attrs)
        if isinstance(x, DictVal):
            return DictVal({k: go(e, path + (k,)) for k, e in x.entries.items()}, x.attrs,
                           x.origin, x.cls)
        return leaf(path, x)
    return go(v, ())


def holds(v, obj) -> bool:
    """Whether `obj` is `v` or one of its entries (by identity, nested)."""
    if v is obj:
        return True
    return isinstance(v, STRUCTS) and any(holds(e, obj) for _, e in children(v))


def spelled(name: str, path) -> str:
    """`state[0]`, `d['a']`: an entry as the user would write it."""
    return name + "".join(f"[{k!r}]" for k in path)


# ---------------------------------------------------------------- functions as values

class FuncVal:
    """A `def` or `lambda` inside the function: inlined where it is called, reading
    the names of the scope that defined it (`scope`, a lowering) as they are then."""

    def __init__(self, node, scope, defaults: dict):
        self.node = node
        self.scope = scope
        self.defaults = defaults  # parameter -> value, evaluated where it was defined


class FuncRef:
    """One of the user's own functions used as a value (`rk4_step(rhs, ...)`):
    inlined where it is called; `opaque` reads it, as written, anywhere else."""

    def __init__(self, fn, opaque):
        self.fn = fn
        self.opaque = opaque


class PartialVal:
    """`functools.partial(g, *args, **kwargs)` of a function srcdiff inlines."""

    def __init__(self, func, args: list, kwargs: dict):
        self.func = func
        self.args = args
        self.kwargs = kwargs


def escape_error(v) -> str:
    return (f"an object of your class {v.cls.__name__} built in the function, used after it "
            "was passed as a whole to code srcdiff keeps as written (which may change it)")


class ObjRef:
    """An object of the user's whose methods are called (`model.loss(w)`): `self`
    inside them; its attributes are read live as written (`opaque.attr`)."""

    def __init__(self, obj, opaque):
        self.obj = obj
        self.opaque = opaque


CALLABLES = (FuncVal, FuncRef, PartialVal)
