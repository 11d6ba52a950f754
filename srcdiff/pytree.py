"""Pytrees: which values are containers, their structure (a `TreeDef`) and leaves.

The facts, in one place, as JAX's `tree_util` has them: dicts and OrderedDicts (in
their own key order), lists, tuples, namedtuples and dataclasses are containers; `None` is an
empty one; a user type joins with `register_pytree(cls, flatten, unflatten)`.
A plain list or tuple of numbers, or of arrays of one shape, is *not* split:
srcdiff differentiates it as one value (its gradient is a list or tuple of the
same shape), as it always has.

In a differentiated tree every leaf is a float or a float array (a NumPy
floating scalar, a 0-d array). An int, bool, string or other leaf there is an
error naming its path: JAX refuses integer leaves too (`grad` requires float
inputs), and srcdiff never returns a made-up zero for them; pass such a value
as a separate, non-differentiated argument.

A `TreeDef` is hashable: with the leaves' kinds it keys the derivative code
specialised to a structure (`signature`).
"""
from __future__ import annotations

import collections
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import arrays, shapes
from .errors import SrcDiffError

# node kinds
DICT, LIST, TUPLE, NAMEDTUPLE, DATACLASS, CUSTOM, NONE, LEAF = (
    "dict", "list", "tuple", "namedtuple", "dataclass", "custom", "none", "leaf")

_REGISTRY: dict[type, tuple[Callable, Callable]] = {}


def register_pytree(cls: type, flatten: Callable, unflatten: Callable) -> None:
    """Make `cls` a container, as `jax.tree_util.register_pytree_node` does:
    `flatten(obj)` returns `(children, aux)` (children a tuple or list of subtrees,
    `aux` hashable data kept as is) and `unflatten(aux, children)` rebuilds one.
    `f` reads a child as an attribute of the object (`model.w`): each child must be
    the very object one of its attributes holds."""
    if not isinstance(cls, type):
        raise SrcDiffError(f"register_pytree takes a class, not {cls!r}")
    if not (callable(flatten) and callable(unflatten)):
        raise SrcDiffError("register_pytree(cls, flatten, unflatten) takes two functions")
    _REGISTRY[cls] = (flatten, unflatten)


@dataclass(frozen=True)
class TreeDef:
    """The structure of a value: `kind`; `type` (its class); `keys` (dict keys,
    field or attribute names, or positions); `children`; `aux` (a registered
    type's flatten data)."""

    kind: str
    type: type = type(None)
    keys: tuple = ()
    children: tuple = ()
    aux: Any = None

    @property
    def leaves(self) -> int:
        return 1 if self.kind == LEAF else sum(c.leaves for c in self.children)

    def paths(self, prefix=()):
        """Each leaf's path: ((kind, key), ...) from the root."""
        if self.kind == LEAF:
            yield prefix
            return
        for k, c in zip(self.keys, self.children):
            yield from c.paths(prefix + ((self.kind, k),))


LEAF_DEF = TreeDef(LEAF)


_DICTS = (dict, collections.OrderedDict)  # (a state dict is an OrderedDict: JAX's node too)


def is_node(v) -> bool:
    """Whether srcdiff splits `v` into subtrees (see the module docstring)."""
    t = type(v)
    if t in _DICTS or v is None or t in _REGISTRY:
        return True
    if isinstance(v, tuple) and hasattr(t, "_fields"):
        return True
    if t in (list, tuple):
        return not _array_like(v)
    return dataclasses.is_dataclass(v) and not isinstance(v, type)


def is_node_type(t: type) -> bool:
    """Whether values of type `t` (other than plain lists and tuples) are containers."""
    return t in _DICTS or t in _REGISTRY or (issubclass(t, tuple) and hasattr(t, "_fields")) \
        or dataclasses.is_dataclass(t)


def _array_like(v) -> bool:
    """A list/tuple of numbers, or of arrays (lists) of one shape: one value."""
    for item in v:
        if not isinstance(item, (int, float, np.number, np.ndarray, list, tuple)) or (
                isinstance(item, (list, tuple)) and is_node(item)):
            return False
    try:
        return np.asarray(v).dtype.kind in "biuf"
    except (ValueError, TypeError):  # ragged
        return False


def children(v) -> tuple[TreeDef, list]:
    """The node `v` as (its TreeDef without children, its children)."""
    t = type(v)
    if v is None:
        return TreeDef(NONE), []
    if t in _DICTS:
        return TreeDef(DICT, t, tuple(v)), list(v.values())
    if t in _REGISTRY:
        kids, aux = _REGISTRY[t][0](v)
        kids = list(kids)
        return TreeDef(CUSTOM, t, _attributes(v, kids), aux=aux), kids
    if isinstance(v, tuple) and hasattr(t, "_fields"):
        return TreeDef(NAMEDTUPLE, t, tuple(t._fields)), list(v)
    if t in (list, tuple):
        return TreeDef(LIST if t is list else TUPLE, t, tuple(range(len(v)))), list(v)
    names = tuple(f.name for f in dataclasses.fields(v))
    return TreeDef(DATACLASS, t, names), [getattr(v, n) for n in names]


def _attributes(v, kids) -> tuple:
    """The attribute holding each child of a registered object (None where none is
    that very object): `f` reads children as attributes."""
    attrs = getattr(v, "__dict__", {})
    out = []
    for k in kids:
        hits = [a for a, x in attrs.items() if x is k]
        out.append(hits[0] if len(hits) == 1 else None)
    return tuple(out)


def flatten(v, top: bool = False) -> tuple[list, TreeDef]:
    """(leaves, structure) of `v`; a value that is not a node is one leaf. `top`:
    a list or tuple `v` is a node even when it could be one array (`return a, b`
    of two arrays of one shape: two results, as JAX has it)."""
    leaves: list = []
    return leaves, _flatten(v, leaves, top and type(v) in (list, tuple))


def flatten_like(v, td: TreeDef) -> list | None:
    """The leaves of `v` split as `td` says (so a tuple of arrays of one shape is a
    node where `td` has one); None when `v` has another structure."""
    if td.kind == LEAF:
        return None if is_node(v) else [v]
    if not (is_node(v) or type(v) in (list, tuple)):
        return None
    node, kids = children(v)
    if (node.kind, node.type, node.keys, node.aux) != (td.kind, td.type, td.keys, td.aux):
        return None
    out: list = []
    for k, c in zip(kids, td.children):
        sub = flatten_like(k, c)
        if sub is None:
            return None
        out += sub
    return out


def _flatten(v, leaves, node: bool = False) -> TreeDef:
    if not node and not is_node(v):
        leaves.append(v)
        return LEAF_DEF
    node, kids = children(v)
    try:
        hash(node.aux)
    except TypeError:
        raise SrcDiffError(f"the aux data of a registered {node.type.__name__} is not "
                           "hashable; srcdiff keys its code by the structure") from None
    return dataclasses.replace(node, children=tuple(_flatten(k, leaves) for k in kids))


def unflatten(td: TreeDef, leaves) -> Any:
    it = iter(leaves)
    out = _unflatten(td, it)
    return out


def _unflatten(td: TreeDef, it):
    if td.kind == LEAF:
        return next(it)
    kids = [_unflatten(c, it) for c in td.children]
    return build(td, kids)


def build(td: TreeDef, kids: list):
    """The node of structure `td` holding `kids`."""
    if td.kind == NONE:
        return None
    if td.kind == DICT:
        return td.type(zip(td.keys, kids))
    if td.kind in (LIST, TUPLE):
        return td.type(kids)
    if td.kind == NAMEDTUPLE:
        return td.type(*kids)
    if td.kind == DATACLASS:
        return td.type(**dict(zip(td.keys, kids)))
    return _REGISTRY[td.type][1](td.aux, kids)


def unflatten_fn(td: TreeDef) -> Callable:
    return _REGISTRY[td.type][1]


def path_text(name: str, path) -> str:
    """A leaf's path as `f` spells it: params["W"], layers[0][1], p.W."""
    out = name
    for kind, k in path:
        out += f".{k}" if kind in (NAMEDTUPLE, DATACLASS) or (
            kind == CUSTOM and isinstance(k, str)) else f"[{k!r}]"
    return out


def leaf_problem(v) -> str | None:
    """Why `v` cannot be a differentiated leaf, or None."""
    if isinstance(v, (bool, np.bool_)):
        return f"the bool {v!r}"
    if isinstance(v, (float, np.floating)):
        return None
    if isinstance(v, (int, np.integer)):
        return f"the int {v!r} (an integer leaf is not differentiable, as in JAX: make it " \
               "a float, or pass it as a separate argument)"
    if isinstance(v, (complex, np.complexfloating)):
        return "a complex number; srcdiff does not support complex inputs"
    if isinstance(v, np.ndarray) or arrays.is_array(v):  # (Dask's, CuPy's too)
        if v.dtype.kind == "f":
            return None
        return f"an array of dtype {v.dtype} (only float arrays are differentiable " \
               "leaves)"
    if isinstance(v, (list, tuple)):
        kind = np.asarray(v).dtype.kind
        return None if kind == "f" else f"a {type(v).__name__} of dtype-{kind} items"
    return f"a {type(v).__name__} (not a float or a float array)"


def check_differentiable(name: str, v) -> None:
    """A SrcDiffError naming the first leaf of `v` that cannot be differentiated."""
    leaves, td = flatten(v)
    for path, leaf in zip(td.paths(), leaves):
        problem = leaf_problem(leaf)
        if problem:
            raise SrcDiffError(f"cannot differentiate with respect to {name!r}: "
                               f"{path_text(name, path)} is {problem}")
    for path, node in _custom_nodes(td):
        if None in node.keys:
            raise SrcDiffError(
                f"cannot differentiate with respect to {name!r}: a child of the registered "
                f"{node.type.__name__} at {path_text(name, path)} is none of its attributes "
                "(srcdiff reads children as attributes: obj.name)")


def _custom_nodes(td: TreeDef, prefix=()):
    if td.kind == CUSTOM:
        yield prefix, td
    for k, c in zip(td.keys, td.children):
        yield from _custom_nodes(c, prefix + ((td.kind, k),))


def kind_key(v):
    """What specialised code depends on for one value: type (and an array's dtype
    and which dimensions have size 1: shapes.key)."""
    if type(v) is np.ndarray:
        return shapes.key(v)
    if type(v) is float:
        return float
    if arrays.is_array(v):  # a Dask or CuPy array: its type and abstract shape
        return type(v), shapes.key(v)
    return (type(v), np.shape(v)) if isinstance(v, (list, tuple)) else type(v)


def signature(v):
    """A node's structure and its leaves' kinds (a hashable cache key)."""
    leaves, td = flatten(v)
    return td, tuple(map(kind_key, leaves))


def light(v):
    """`v` with its array leaves replaced by data-free arrays of their abstract shape
    (shapes.stand_in): the kinds of `v`, without keeping its data alive."""
    if not is_node(v):
        return v
    leaves, td = flatten(v)
    return unflatten(td, [shapes.stand_in(x) if type(x) is np.ndarray or arrays.is_array(x)
                          else x for x in leaves])


def zeros_like(v):
    return np.zeros(np.shape(v)) if isinstance(v, np.ndarray) else 0.0
