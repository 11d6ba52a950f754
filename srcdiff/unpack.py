"""The `def` of `f` specialised to the structure of its container arguments.

Takes `f`'s `def` and, for each structured parameter, its `TreeDef` (pytree.py);
gives a `def` whose parameters are that structure's leaves, each a plain name,
so the rest of srcdiff sees only numbers and arrays. In the body a constant
subscript or attribute of a structured parameter (`params["W"]`, `p.W`,
`layers[0][1]`) is the leaf's name; a name bound to a subtree (`enc =
params["enc"]`) reads as that subtree; unpacking (`W, b = layers[0]`) binds
the leaves; `len(...)` of a subtree is its length; a `for` over a subtree (or a
constant slice of one, `enumerate(...)`, `.items()`, `.values()`, `.keys()`) is
unrolled, one copy of the body per child; `d.get(key, default)` with a constant
key is the entry, or the default when the dict lacks the key. Any other use of a structured value
(passing it whole to a function, a computed key) is a located error.

It also rewrites results (`returns`): under `has_aux`, `return loss, aux`
returns `loss`; for forward mode of a structured result, the list of its leaves
(each tangent follows its leaf); for a pullback of one, the return is the inner
product of the result with the cotangent (a structured parameter of its own),
whose gradient is the vector-Jacobian product.

A leaf's name is the user's where `f` binds one name to it once (`W =
params["W"]`, `W_out, b_out = layers[-1]`), else its key (`params["W1"]` ->
`W1`), else one made from a loop target or the path; never a name `f` uses
for something else. The rewrite is a pure function of its inputs: the same
`def` and structures give the same names.
"""
from __future__ import annotations

import ast
import builtins
import inspect
import itertools
import operator

from . import pytree, syntax
from .pytree import DATACLASS, DICT, LEAF, LIST, NAMEDTUPLE, NONE, TUPLE, TreeDef
from .source import unsupported

_SEQ = (LIST, TUPLE, NAMEDTUPLE)
_INT_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
            ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_PLACEHOLDER = "\x00leaf"
# str methods a test of a loop's key may call (pure, on constants: folded)
_STR_TESTS = frozenset(("startswith", "endswith", "isidentifier", "isdigit", "isalpha",
                        "islower", "isupper", "lower", "upper", "strip", "count",
                        "find", "replace", "removeprefix", "removesuffix"))
NOT_FOLDED = object()


def str_test(s, attr: str, args: list):
    """`s.attr(*args)` for a constant string `s` and a pure str method (a test of a
    key, `name.startswith("W")`), when its result is a constant: else NOT_FOLDED."""
    if type(s) is not str or attr not in _STR_TESTS or not all(
            type(a) in (str, tuple, int) for a in args):
        return NOT_FOLDED
    try:
        value = getattr(s, attr)(*args)
    except (TypeError, ValueError):
        return NOT_FOLDED
    return value if type(value) in (bool, int, str) else NOT_FOLDED


class Plan:
    """What the rewrite decided: the leaf names of each structured parameter (in
    leaf order) and the def."""

    def __init__(self, node, names: dict[str, list[str]]):
        self.node = node
        self.names = names


def rewrite(node, filename: str, trees: dict[str, TreeDef], returns=None,
            extra_kwonly: dict | None = None, reserved=()) -> Plan:
    """`node` with each parameter named in `trees` replaced by its leaves (see the
    module docstring). `returns`: None, ("aux",), ("leaves", out_treedef) or
    ("vdot", ct_name, out_treedef, out_leaf_is_array); `extra_kwonly`: structured
    keyword-only parameters to add (the cotangent)."""
    node = syntax.copy(node)
    if isinstance(node, ast.Lambda):  # `lambda x: (x * x, aux)`: the def it stands for
        ret = ast.copy_location(ast.Return(node.body), node.body)
        node = ast.copy_location(ast.FunctionDef("f", node.args, [ret], [], None), node)
    if returns is not None:
        _Returns(filename, returns).visit_body(node)
    if extra_kwonly:
        for k in extra_kwonly:
            node.args.kwonlyargs.append(ast.arg(k))
            node.args.kw_defaults.append(None)
        trees = {**trees, **extra_kwonly}
    fl = _Flatten(node, filename, trees, reserved)
    node.body = fl.block(node.body, {})
    at = 1 if node.body and isinstance(node.body[0], ast.Expr) and isinstance(
        node.body[0].value, ast.Constant) else 0  # (after the docstring)
    node.body[at:at] = [ast.copy_location(ast.Assign(
        [ast.Name(root, ast.Store())], fl.display(_Ref(root, (), trees[root]), node)), node)
        for root in fl.rebound]
    if not node.body:
        node.body = [ast.Pass()]
    names = fl.name_leaves()
    args = node.args
    for field in ("posonlyargs", "args", "kwonlyargs"):
        new = []
        for a in getattr(args, field):
            if a.arg in trees:
                new += [ast.arg(n) for n in names[a.arg]]
            else:
                new.append(a)
        if field == "kwonlyargs":
            defaults = dict(zip([a.arg for a in args.kwonlyargs], args.kw_defaults))
            args.kw_defaults = [defaults.get(a.arg) for a in new]
        setattr(args, field, new)
    for n in syntax.walk(node):
        if isinstance(n, ast.Name) and n.id.startswith(_PLACEHOLDER):
            n.id = fl.final[n.id]
    return Plan(node, names)


# ----- results -----
class _Returns:
    def __init__(self, filename, how):
        self.filename = filename
        self.how = how

    def visit_body(self, node):
        if self.how[0] != "aux":
            self.name_results(node)
        for n in own_nodes(node):
            if isinstance(n, ast.Return):
                n.value = self.value(n)

    def name_results(self, node):
        """`return np.split(x, [1, 3])`, a container a call gives: `result =
        np.split(x, [1, 3])` before the return, which then reads its items (the call
        runs once, whatever its pieces' shapes)."""
        td = self.how[2] if self.how[0] == "vdot" else self.how[1]  # (the result's tree)
        if td.kind not in (LIST, TUPLE):
            return
        taken = {n.id for n in syntax.walk(node) if isinstance(n, ast.Name)}
        name = next(f"result{i or ''}" for i in range(len(taken) + 1)
                    if f"result{i or ''}" not in taken)
        for n in syntax.walk(node):
            for field in ("body", "orelse", "finalbody"):
                stmts = getattr(n, field, None)
                if not isinstance(stmts, list):
                    continue
                for i in reversed(range(len(stmts))):
                    ret = stmts[i]
                    if isinstance(ret, ast.Return) and isinstance(
                            _seen_through(ret.value), ast.Call):
                        stmts.insert(i, ast.copy_location(ast.Assign(
                            [ast.Name(name, ast.Store())], ret.value), ret))
                        ret.value = ast.copy_location(ast.Name(name, ast.Load()), ret.value)

    def value(self, ret):
        if self.how[0] == "aux":
            if not (isinstance(ret.value, ast.Tuple) and len(ret.value.elts) == 2):
                raise unsupported("this return under has_aux=True", self.filename, ret,
                                  "return the value and the auxiliary data as a pair: "
                                  "return loss, aux")
            return ret.value.elts[0]
        if self.how[0] == "leaves":  # forward mode: the leaves, in order, as one list
            out = ast.List([e for _, e in _match(ret.value, self.how[1], (), self.filename,
                                                 ret)], ast.Load())
            out.result_leaves = True  # (lower.returned: a list of results, not refused)
            return ast.copy_location(out, ret.value)
        _, ct, td, arrays = self.how
        terms = []
        leaves = iter(arrays)
        for path, e in _match(ret.value, td, (), self.filename, ret):
            ct_leaf = ast.Name(ct, ast.Load())
            for kind, k in path:
                ct_leaf = _step(ct_leaf, kind, k)
            prod = ast.BinOp(ct_leaf, ast.Mult(), e)
            if next(leaves):
                prod = ast.Call(ast.Attribute(prod, "sum", ast.Load()), [], [])
            terms.append(prod)
        if not terms:
            return ast.Constant(0.0)
        out = terms[0]
        for t in terms[1:]:
            out = ast.BinOp(out, ast.Add(), t)
        return ast.copy_location(out, ret.value)


def own_nodes(node):
    """The nodes of a def's body outside its nested defs, lambdas and classes (a
    nested def's returns and assignments are its own)."""
    todo = list(node.body) if isinstance(node.body, list) else [node.body]  # (a lambda's)
    while todo:
        n = todo.pop()
        yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo += ast.iter_child_nodes(n)


def _seen_through(e):
    """`tuple((w, v))` and `list([a, b])` are their display (the same items), and
    `dict(a=x)` the dict display it builds."""
    while (isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in (
            "tuple", "list") and len(e.args) == 1 and not e.keywords and isinstance(
            e.args[0], (ast.Tuple, ast.List))):
        e = e.args[0]
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "dict" and (
            display := dict_display(e)) is not None:
        return display
    return e


def dict_display(call: ast.Call):
    """`dict(a=x)`, `dict(m, a=x)`, `dict([("a", x), ("b", y)])`, `dict(**m)` as the
    display they build (`{"a": x}`, `{**m, "a": x}`, ...), which is kept entry by entry;
    None for another form (an iterable known only at run time)."""
    keys, values = [], []
    if len(call.args) > 1:
        return None
    for a in call.args:
        if isinstance(a, (ast.List, ast.Tuple)):
            if not all(isinstance(e, ast.Tuple) and len(e.elts) == 2 for e in a.elts):
                return None
            keys += [e.elts[0] for e in a.elts]
            values += [e.elts[1] for e in a.elts]
        elif isinstance(a, ast.Dict):
            keys += a.keys
            values += a.values
        elif isinstance(a, (ast.Name, ast.Attribute, ast.Subscript)):
            keys.append(None)  # a copy of a mapping: its entries
            values.append(a)
        else:
            return None
    for k in call.keywords:
        keys.append(None if k.arg is None else ast.Constant(k.arg))
        values.append(k.value)
    return ast.copy_location(ast.Dict(keys, values), call)


def _match(e, td: TreeDef, path, filename, at):
    """(leaf path, expression) for each leaf of a result written out as a display."""
    if td.kind == LEAF:
        yield path, e
        return
    if td.kind == NONE and isinstance(e, ast.Constant) and e.value is None:
        return
    e = _seen_through(e)
    items = None
    if td.kind == DICT and isinstance(e, ast.Dict) and None not in e.keys and all(
            isinstance(k, ast.Constant) for k in e.keys):
        got = {k.value: v for k, v in zip(e.keys, e.values)}
        if set(got) == set(td.keys):
            items = [got[k] for k in td.keys]
    elif td.kind in (LIST, TUPLE) and isinstance(e, (ast.List, ast.Tuple)) and len(
            e.elts) == len(td.keys):
        items = list(e.elts)
    elif td.kind in (NAMEDTUPLE, DATACLASS) and isinstance(e, ast.Call):
        got = dict(zip(td.keys, e.args))
        got.update({k.arg: k.value for k in e.keywords if k.arg})
        if set(got) == set(td.keys) and len(e.args) + len(e.keywords) == len(td.keys):
            items = [got[k] for k in td.keys]
    if items is None and _read(e) and td.kind in (DICT, LIST, TUPLE):
        items = [_step(e, td.kind, k) for k in td.keys]  # `return out`, built before
    if items is None:
        raise unsupported("a structured result that is not written out in the return "
                          "statement", filename, at,
                          "return the display itself (return {\"a\": a, \"b\": b}), as "
                          "the call that gave the cotangent's structure returned")
    for k, c, item in zip(td.keys, td.children, items):
        yield from _match(item, c, path + ((td.kind, k),), filename, at)


def _read(e) -> bool:
    """Whether `e` only reads a name (`out`, `state["y"]`): reading it once per leaf
    is reading it once."""
    while isinstance(e, (ast.Subscript, ast.Attribute)):
        if isinstance(e, ast.Subscript) and not isinstance(e.slice, ast.Constant):
            return False
        e = e.value
    return isinstance(e, ast.Name)


def _step(e, kind, k):
    if kind in (NAMEDTUPLE, DATACLASS) or kind == pytree.CUSTOM:
        return ast.Attribute(e, k, ast.Load())
    return ast.Subscript(e, ast.Constant(k), ast.Load())


# ----- parameters -----
class _Ref:
    """A structured value: parameter `root`, `path` into it, its structure `td`."""

    def __init__(self, root, path, td):
        self.root, self.path, self.td = root, path, td


class _Flatten:
    def __init__(self, node, filename, trees, reserved):
        self.filename = filename
        self.trees = trees
        self.roots = {k: _Ref(k, (), td) for k, td in trees.items()}
        self.leaf_ids: dict = {}  # (root, path) -> placeholder
        self.hints: dict = {}  # placeholder -> [(strength, hint)]
        self.final: dict = {}
        self.used = {n.id for n in syntax.walk(node) if isinstance(n, ast.Name)}
        self.used |= {a.arg for a in syntax.walk(node) if isinstance(a, ast.arg)}
        self.taken = self.used | set(dir(builtins)) | set(reserved)
        self.bound = _binding_counts(node)
        self.once = _binding_counts(node, loops=False)  # (as written: a loop's once)
        self.per_copy: set = set()  # names bound once in the body of an unrolled loop
        # names bound once to a display of constants (`names = ("bonds", "stocks")`)
        self.displays = {n.targets[0].id: [e.value for e in n.value.elts]
                         for n in syntax.walk(node) if isinstance(n, ast.Assign)
                         and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
                         and self.bound.get(n.targets[0].id) == 1
                         and isinstance(n.value, (ast.Tuple, ast.List))
                         and all(isinstance(e, ast.Constant) for e in n.value.elts)}
        # a parameter assigned again (`params = {"w": ..., "b": ...}` in a training
        # loop) is a local from the start: bound to its display, then a name like any
        self.rebound = [root for root in trees if self.bound.get(root, 0) > 1]
        for root in self.rebound:
            del self.roots[root]

    # naming
    def leaf(self, ref: _Ref, node):
        key = (ref.root, ref.path)
        if key not in self.leaf_ids:
            self.leaf_ids[key] = f"{_PLACEHOLDER}{len(self.leaf_ids)}"
        return ast.copy_location(ast.Name(self.leaf_ids[key], ast.Load()), node)

    def hint(self, ref: _Ref, name: str, own: bool):
        pid = self.leaf(ref, ast.Name()).id
        self.hints.setdefault(pid, []).append((0 if own else 1, name))

    def name_leaves(self) -> dict[str, list[str]]:
        out = {}
        chosen: set = set()
        for root, td in self.trees.items():
            names = []
            for path in td.paths():
                pid = self.leaf(_Ref(root, path, None), ast.Name()).id
                name = self._choose(root, path, self.hints.get(pid, []), chosen)
                chosen.add(name)
                self.final[pid] = name
                names.append(name)
            out[root] = names
        return out

    def _choose(self, root, path, hints, chosen):
        for strength, h in sorted(hints, key=lambda t: t[0]):
            if strength == 0 and self.bound.get(h) == 1 and h not in chosen:
                return h
        key = path[-1][1] if path else None
        if isinstance(key, str) and key.isidentifier() and key not in self.taken \
                and key not in chosen:
            return key
        loop = [h for s, h in hints if s == 1]
        base = loop[0] if loop else "_".join([root] + [str(k) for _, k in path])
        base = base if base.isidentifier() else root
        for i in itertools.count():
            cand = f"{base}_{i}" if (loop or i) else base
            if cand not in self.taken and cand not in chosen:
                return cand

    # resolution
    def resolve(self, e, env):
        """The structured value `e` reads, a list of them (a constant slice), or None."""
        if isinstance(e, ast.Name) and isinstance(e.ctx, ast.Load):
            return env.get(e.id, self.roots.get(e.id))
        got = self.got(e, env)
        if got is not None:
            return got[1] if got[0] else None
        if isinstance(e, (ast.Subscript, ast.Attribute)):
            base = self.resolve(e.value, env)
            if base is None or isinstance(base, _Const):  # (a loop's key: `name[0]`)
                return None
            if isinstance(base, list):
                return self._slice_item(base, e, env)
            if base.td.kind == LEAF:
                return None
            return self._child(base, e, env)
        return None

    def got(self, e, env):
        """For `d.get(key[, default])` on a structured dict: (True, the entry) when
        the dict has `key`, (False, None) when not (the default is read), else None.
        The key set is part of the structure, so this is decided here."""
        if not (isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and
                e.func.attr == "get" and not e.keywords and 1 <= len(e.args) <= 2):
            return None
        base = self.resolve(e.func.value, env)
        if not isinstance(base, _Ref) or base.td.kind != DICT:
            return None
        key = self.const(e.args[0], env)
        if key is _NOCONST:
            raise self.error(f"{self.spelled(base)}.get with a key that is not a constant",
                             e, "srcdiff specialises the code to the structure: write the "
                             "key out, or loop over the container")
        if key not in base.td.keys:
            return False, None
        i = base.td.keys.index(key)
        return True, _Ref(base.root, base.path + ((DICT, key),), base.td.children[i])

    def _slice_item(self, items, e, env):
        """`xs[1:][0]`, `xs[1:][::2]`: an item, or a slice, of a constant slice."""
        if isinstance(e, ast.Attribute):
            raise self.error(f"reading .{e.attr} of a slice of a structured parameter", e)
        if isinstance(e.slice, ast.Slice):
            bounds = [None if b is None else self.const(b, env)
                      for b in (e.slice.lower, e.slice.upper, e.slice.step)]
            if not all(b is None or type(b) is int for b in bounds):
                raise self.error("a slice of a structured parameter with bounds that "
                                 "are not constants", e)
            return items[slice(*bounds)]
        i = self.const(e.slice, env)
        if type(i) is not int:
            raise self.error("indexing a slice of a structured parameter with an index that "
                             "is not a constant", e, "srcdiff specialises the code to the "
                             "structure: write the index out, or loop over the slice")
        if not -len(items) <= i < len(items):
            raise self.error(f"the index {i}: the slice has {len(items)} items", e)
        return items[i]

    def _child(self, base: _Ref, e, env):
        td = base.td
        if isinstance(e, ast.Attribute):
            if td.kind not in (NAMEDTUPLE, DATACLASS, pytree.CUSTOM) or e.attr not in td.keys:
                raise self.error(f"reading .{e.attr} of a structured parameter "
                                 f"({self.spelled(base)} is a {td.type.__name__})", e)
            i = td.keys.index(e.attr)
            return _Ref(base.root, base.path + ((td.kind, e.attr),), td.children[i])
        sl = e.slice
        if isinstance(sl, ast.Slice) and td.kind in _SEQ:
            bounds = []
            for b in (sl.lower, sl.upper, sl.step):
                v = self.const(b, env) if b is not None else None
                if b is not None and not isinstance(v, int):
                    raise self.error("a slice of a structured parameter with bounds that "
                                     "are not constants", e)
                bounds.append(v)
            keep = range(len(td.keys))[slice(*bounds)]
            return [_Ref(base.root, base.path + ((td.kind, i),), td.children[i])
                    for i in keep]
        key = self.const(sl, env)
        if key is _NOCONST:
            raise self.error(f"indexing {self.spelled(base)} (a structured parameter) with "
                             "a key that is not a constant", e,
                             "srcdiff specialises the code to the structure: write the "
                             "key or index out, or loop over the container")
        if td.kind in _SEQ and isinstance(key, int) and -len(td.keys) <= key < len(td.keys):
            key %= len(td.keys)
        elif td.kind == DICT and key in td.keys:
            pass
        else:
            raise self.error(f"the key {key!r}: {self.spelled(base)} has keys "
                             f"{list(td.keys)}", e)
        i = td.keys.index(key)
        return _Ref(base.root, base.path + ((td.kind, key),), td.children[i])

    def const(self, e, env):
        if isinstance(e, ast.Constant):
            return e.value
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub) and isinstance(
                e.operand, ast.Constant):
            return -e.operand.value
        if isinstance(e, ast.Name) and isinstance(env.get(e.id), _Const):
            return env[e.id].value
        if isinstance(e, ast.BinOp) and type(e.op) in _INT_OPS:  # `layers[i + 1]`
            a, b = self.const(e.left, env), self.const(e.right, env)
            if all(type(v) is int for v in (a, b)) and not (
                    isinstance(e.op, (ast.FloorDiv, ast.Mod)) and b == 0):
                return _INT_OPS[type(e.op)](a, b)
            if isinstance(e.op, ast.Add) and all(type(v) is str for v in (a, b)):
                return a + b  # `"W" + str(i)`
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "str" and (
                "str" not in self.bound) and len(e.args) == 1 and not e.keywords:
            v = self.const(e.args[0], env)
            return str(v) if type(v) in (int, str) else _NOCONST
        if isinstance(e, ast.JoinedStr):  # `f"W{i}"`, `f"layer_{i:02d}"` of a loop index
            parts = []
            for part in e.values:
                if isinstance(part, ast.FormattedValue):
                    v = self.const(part.value, env)
                    spec = "" if part.format_spec is None else self.const(part.format_spec, env)
                    if type(v) not in (int, str) or type(spec) is not str or part.conversion != -1:
                        return _NOCONST
                    part = ast.Constant(format(v, spec))
                parts.append(self.const(part, env))
            return "".join(parts) if all(type(p) is str for p in parts) else _NOCONST
        return _NOCONST

    def children(self, node, env):
        """Rewrite the expressions under `node` (through comprehensions, keywords)."""
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(node, field, self.expr(value, env))
            elif isinstance(value, ast.AST):
                self.children(value, env)
            elif isinstance(value, list):
                setattr(node, field, [self.expr(v, env) if isinstance(v, ast.expr) else (
                    self.children(v, env) or v) if isinstance(v, ast.AST) else v
                    for v in value])

    def spelled(self, ref: _Ref) -> str:
        return pytree.path_text(ref.root, ref.path)

    def error(self, what, node, hint=""):
        return unsupported(what, self.filename, node, hint or (
            "srcdiff reads a structured parameter through constant keys, indices and "
            "attributes, unpacking, len() and for loops over it"))

    # statements
    def block(self, stmts, env) -> list:
        out = []
        for s in stmts:
            out += self.stmt(s, env)
        return out

    def stmt(self, s, env) -> list:
        if isinstance(s, ast.Assign):
            value = self.resolve(s.value, env)
            if value is not None:
                out = []
                for t in s.targets:
                    out += self.bind(t, value, env, s, own=True)
                return out
        if isinstance(s, ast.For):
            items = self.iteration(s.iter, env)
            if items is None:
                items = self.constant_keys(s, env)
            if items is not None:
                return self.unroll(s, items, env)
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], ast.Tuple) and isinstance(s.value, ast.Tuple) and len(
                s.targets[0].elts) == len(s.value.elts):  # a, b = p["a"], p["b"]: names
            for t, v in zip(s.targets[0].elts, s.value.elts):
                ref = self.resolve(v, env)
                if isinstance(t, ast.Name) and isinstance(ref, _Ref) and ref.td.kind == LEAF:
                    self.hint(ref, t.id, own=True)
        if isinstance(s, ast.If):
            s.test = self.expr(s.test, env)
            if isinstance(s.test, ast.Constant):  # a loop copy's test on its index
                return self.block(s.body if s.test.value else s.orelse, env)
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(s, field, None)
            if isinstance(stmts, list) and stmts:  # (a body emptied by the rewrite: pass)
                setattr(s, field, self.block(stmts, env) or [ast.Pass()])
        for field, value in ast.iter_fields(s):
            if isinstance(value, ast.expr):
                setattr(s, field, self.expr(value, env))
            elif isinstance(value, list) and field not in ("body", "orelse", "finalbody"):
                setattr(s, field, [self.expr(v, env) if isinstance(v, ast.expr) else v
                                   for v in value])
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], ast.Name) and self.bound.get(s.targets[0].id) == 1 and type(
                self.const(s.value, env)) is int:  # `n = len(params["layers"])`, now `n = 3`
            env[s.targets[0].id] = _Const(self.const(s.value, env))
        return [s]

    def bind(self, target, value, env, at, own: bool) -> list:
        """`target = value` for a structured `value`: the leaf's name, an alias of a
        subtree, or an unpacking."""
        if isinstance(value, _Ref) and value.td.kind == LEAF:
            if isinstance(target, ast.Name):
                self.hint(value, target.id, own)
            return [ast.copy_location(ast.Assign([target], self.leaf(value, at)), at)]
        if isinstance(target, ast.Name):
            if isinstance(value, list) or (own and self.bound.get(target.id, 0) != 1
                                           and target.id not in self.per_copy):
                raise self.error(f"naming a part of a structured parameter "
                                 f"{target.id!r} when {target.id!r} is assigned again", at)
            env[target.id] = value
            return []
        if isinstance(target, (ast.Tuple, ast.List)):
            kids = value if isinstance(value, list) else self.items(value, at)
            if len(kids) != len(target.elts) or any(
                    isinstance(t, ast.Starred) for t in target.elts):
                raise self.error("unpacking a structured parameter into a different number "
                                 "of names", at)
            out = []
            for t, k in zip(target.elts, kids):
                out += self.bind(t, k, env, at, own)
            return out
        raise self.error("assigning a structured parameter to this target", at)

    def items(self, ref: _Ref, at) -> list:
        td = ref.td
        if td.kind not in _SEQ:
            raise self.error(f"unpacking {self.spelled(ref)}, a {td.type.__name__}", at,
                             "read its entries by key")
        return [_Ref(ref.root, ref.path + ((td.kind, k),), c)
                for k, c in zip(td.keys, td.children)]

    def iteration(self, it, env):
        """[(index constant or None, key constant or None, item)] of a loop over a
        structured value, or None when `it` is not one."""
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "sorted" \
                and len(it.args) == 1 and "sorted" not in self.bound:
            return self.sorted_items(it, env)
        call = it if isinstance(it, ast.Call) and not it.keywords else None
        if call is not None and isinstance(call.func, ast.Name) and call.func.id == "enumerate" \
                and len(call.args) == 1:
            inner = self.iteration(call.args[0], env)
            if inner is None:
                return None
            return [("enum", i, entry) for i, entry in enumerate(inner)]
        if call is not None and isinstance(call.func, ast.Name) and call.func.id in (
                "reversed", "list", "tuple") and len(call.args) == 1 and (
                call.func.id not in self.bound):  # reversed(params["layers"]), list(d.items())
            inner = self.iteration(call.args[0], env)
            if inner is None:
                return None
            return inner[::-1] if call.func.id == "reversed" else inner
        if call is not None and isinstance(call.func, ast.Name) and call.func.id == "zip" \
                and call.args and "zip" not in self.bound:  # zip(params["Ws"], params["bs"])
            inner = [self.iteration(a, env) for a in call.args]
            if any(q is None for q in inner):
                return None
            return [("item", None, [_part(entry) for entry in row]) for row in zip(*inner)]
        if call is not None and isinstance(call.func, ast.Attribute) and not call.args and \
                call.func.attr in ("items", "values", "keys"):
            base = self.resolve(call.func.value, env)
            if isinstance(base, _Ref) and base.td.kind == DICT:
                kids = [(k, _Ref(base.root, base.path + ((DICT, k),), c))
                        for k, c in zip(base.td.keys, base.td.children)]
                how = call.func.attr
                return [(how, k, ref) for k, ref in kids]
            return None
        value = self.resolve(it, env)
        if value is None:
            return None
        if isinstance(value, list):
            return [("item", None, v) for v in value]
        if value.td.kind == DICT:
            return [("keys", k, None) for k in value.td.keys]
        if value.td.kind == LEAF:
            return None
        return [("item", None, v) for v in self.items(value, it)]

    def sorted_items(self, call, env):
        """`sorted(params)`, `sorted(params.items(), key=operator.itemgetter(0))`,
        `sorted(d.keys(), reverse=True)`: the keys are part of the structure, so their
        order is known when transforming; None for a sort by the values (or of a
        container's items, which compare only at run time)."""
        inner = self.iteration(call.args[0], env)
        if inner is None or not all(how in ("keys", "items") for how, _, _ in inner):
            return None
        reverse = False
        for k in call.keywords:
            if k.arg == "reverse" and type(v := self.const(k.value, env)) is bool:
                reverse = v
            elif not (k.arg == "key" and all(how == "items" for how, _, _ in inner) and (
                    _first_item(k.value, self.bound))):
                raise self.error("sorted() of a structured parameter's keys with this "
                                 f"{k.arg}=", k.value, "sort by the keys: sorted(d), "
                                 "sorted(d.items()) or key=operator.itemgetter(0)")
        try:
            return sorted(inner, key=lambda t: t[1], reverse=reverse)
        except TypeError:
            raise self.error("sorted() of keys that do not compare", call) from None

    def constant_items(self, it):
        """The items of a comprehension over a display of constants, or a name bound
        once to one, or `enumerate` of either (`enumerate(names)`), each a constant
        (so `weights[n]` is a constant key in each copy); None for anything else."""
        counted = isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and (
            it.func.id == "enumerate") and len(it.args) == 1 and not it.keywords and (
            "enumerate" not in self.bound)
        seq = it.args[0] if counted else it
        if isinstance(seq, (ast.Tuple, ast.List)) and all(
                isinstance(e, ast.Constant) for e in seq.elts):
            values = [e.value for e in seq.elts]
        elif isinstance(seq, ast.Name) and seq.id in self.displays:
            values = self.displays[seq.id]
        else:
            return None
        if counted:
            return [("enum", i, ("const", None, _Const(v))) for i, v in enumerate(values)]
        return [("const", None, _Const(v)) for v in values]

    def constant_keys(self, s: ast.For, env):
        """A loop over a display of constants (`for name in ("W1", "W2")`) whose
        body indexes a structured value with its target: unrolled like a loop over
        the keys, so `params[name]` is a constant key in each copy."""
        if not isinstance(s.target, ast.Name):
            return None
        if isinstance(s.iter, (ast.Tuple, ast.List)) and all(
                isinstance(v, ast.Constant) for v in s.iter.elts):
            keys = [v.value for v in s.iter.elts]
        elif isinstance(s.iter, ast.Name) and s.iter.id in self.displays:
            keys = self.displays[s.iter.id]  # `names = ("W1", "W2")` earlier
        elif (keys := self.static_range(s.iter, env)) is None:
            return None
        if any(isinstance(n, (ast.Break, ast.Continue)) for n in syntax.walk(s)):
            return None
        if not self.indexes_with(s.body, s.target.id, env):
            return None
        return [("keys", k, None) for k in keys]

    def indexes_with(self, nodes, name: str, env) -> bool:
        """Whether `nodes` index a structured value with a key made from `name`."""
        return any(isinstance(n, ast.Subscript) and any(
            isinstance(m, ast.Name) and m.id == name for m in syntax.walk(n.slice))
            and self.resolve(n.value, env) is not None for b in nodes for n in syntax.walk(b))

    def static_range(self, e, env):
        """The indices of `range(len(params["layers"]))` (bounds made of constants and
        lengths of structured values, in integer arithmetic: `len(params) // 2`), or None."""
        def number(b):
            if isinstance(b, ast.BinOp) and type(b.op) in _INT_OPS:  # `len(params) // 2`
                x, y = number(b.left), number(b.right)
                return None if x is None or y is None or (y == 0 and isinstance(
                    b.op, (ast.FloorDiv, ast.Mod))) else _INT_OPS[type(b.op)](x, y)
            if isinstance(b, ast.Call) and isinstance(b.func, ast.Name) and b.func.id == "len" \
                    and len(b.args) == 1 and not b.keywords:
                ref = self.resolve(b.args[0], env)
                return len(ref) if isinstance(ref, list) else None if ref is None or (
                    ref.td.kind == LEAF) else len(ref.td.keys)
            v = self.const(b, env)
            return v if isinstance(v, int) and not isinstance(v, bool) else None

        if not (isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "range"
                and 1 <= len(e.args) <= 3 and not e.keywords and "range" not in self.bound):
            return None
        bounds = [number(b) for b in e.args]
        return None if None in bounds else list(range(*bounds))

    def unroll(self, s: ast.For, items, env) -> list:
        if any(isinstance(n, (ast.Break, ast.Continue)) for n in syntax.walk(s)):
            raise self.error("break or continue in a loop over a structured parameter "
                             "(srcdiff unrolls it)", s)
        # a name the body assigns once (`layer = params["layers"][i]`) and nothing else
        # does names a part in each copy of the body
        self.per_copy |= {n.id for b in s.body for n in syntax.walk(b) if isinstance(n, ast.Name)
                          and isinstance(n.ctx, ast.Store) and self.once.get(n.id) == 1}
        out = []
        for entry in items:
            local = dict(env)
            out += self.entry(s.target, entry, local, s, loop=True)
            out += self.block(syntax.copy(s.body), local)
        return out + self.block(s.orelse, env)

    def entry(self, target, entry, env, at, loop: bool) -> list:
        """Bind a loop's (`loop`) or a comprehension's target to one entry of an
        iteration (how, key or index, item): `i, (k, v)` of `enumerate(d.items())`
        binds `i` and `k` to constants and `v` to the child. A loop's constants are
        assignments in its copy (returned)."""
        how, k, item = entry
        if how in ("enum", "items"):
            if not (isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2):
                raise self.error(f"this {'loop' if loop else 'comprehension'} target", target)
            first, target = target.elts
            out = self.entry(first, ("const", None, _Const(k)), env, at, loop)
            return out + self.entry(target, item if how == "enum" else ("item", None, item),
                                    env, at, loop)
        if how in ("keys", "const"):
            value = k if how == "keys" else item.value
            if loop:
                return self.constant(target, value, env, at)
            self.alias(target, _Const(value), env)
            return []
        if not loop:
            self.alias(target, item, env)
            return []
        for name in _names(target):
            env.pop(name, None)
        return self.bind(target, item, env, at, own=False)

    def constant(self, target, value, env, at) -> list:
        if not isinstance(target, ast.Name):
            raise self.error("this loop target", target)
        env[target.id] = _Const(value)
        return [ast.copy_location(ast.Assign([ast.Name(target.id, ast.Store())],
                                             ast.Constant(value)), at)]

    # expressions
    def comprehension(self, e, env):
        """`sum(E for T in S)`, `[E for T in S]` and `{K: E for T in S}` over a
        structured `S`: the sum, the list or the dict of the copies of `E`, one per
        child; None when `S` is not one."""
        outer = e.args[0] if isinstance(e, ast.Call) else e
        if len(outer.generators) != 1:
            return None
        gen = outer.generators[0]
        items = self.iteration(gen.iter, env)
        structured = items is not None
        if items is None:
            items = self.constant_items(gen.iter)
        parts = [outer.key, outer.value] if isinstance(outer, ast.DictComp) else [outer.elt]
        if items is None and isinstance(gen.target, ast.Name) and (
                keys := self.static_range(gen.iter, env)) is not None and self.indexes_with(
                    parts, gen.target.id, env):  # `[params[f"W{i}"] for i in range(n)]`
            items = [("const", None, _Const(k)) for k in keys]
        if items is None:
            return None
        copies = []
        for entry in items:
            local = dict(env)
            self.entry(gen.target, entry, local, e, loop=False)
            keep = self.kept(gen.ifs, local, structured)  # `if k.startswith("W")`: per copy
            if keep is None:
                return None
            if not keep:
                continue
            if isinstance(outer, ast.DictComp):  # `{k: v * 2 for k, v in params.items()}`
                copies.append((self.expr(syntax.copy(outer.key), local),
                               self.expr(syntax.copy(outer.value), local)))
                continue
            copies.append(self.expr(syntax.copy(outer.elt), local))
        if isinstance(outer, ast.DictComp):
            return ast.copy_location(ast.Dict([k for k, _ in copies], [v for _, v in copies]), e)
        if isinstance(outer, ast.ListComp):
            return ast.copy_location(ast.List(copies, ast.Load()), e)
        if not isinstance(e, ast.Call):
            raise self.error("a generator over a structured parameter", e,
                             "sum it (sum(... for ... in params)) or write a for loop")
        out = ast.Constant(0)
        for c in copies:
            out = ast.BinOp(out, ast.Add(), c)
        return ast.copy_location(out, e)

    def kept(self, ifs, env, structured: bool):
        """Whether a copy of a comprehension over a structured value passes its
        conditions, each a test of the key or index (a constant in the copy); None
        for a test known only at run time over constants (the comprehension as written)."""
        for test in ifs:
            got = self.expr(syntax.copy(test), env)
            if not isinstance(got, ast.Constant):
                if not structured:
                    return None
                raise self.error("a condition of a comprehension over a structured "
                                 "parameter that is known only at run time", test,
                                 "test the keys or indices (if k.startswith(\"W\")), or "
                                 "write a for loop with an if")
            if not got.value:
                return False
        return True

    def alias(self, target, value, env):
        """Bind a comprehension's target to children (names read as the leaves)."""
        if isinstance(target, ast.Name):
            env[target.id] = value
            return
        if not isinstance(target, (ast.Tuple, ast.List)) or isinstance(value, _Const):
            raise self.error("this comprehension target", target)
        kids = value if isinstance(value, list) else self.items(value, target)
        if len(kids) != len(target.elts):
            raise self.error("unpacking a structured parameter into a different number "
                             "of names", target)
        for t, k in zip(target.elts, kids):
            self.alias(t, k, env)

    def listed(self, e, env):
        """`list(params.values())`, `sorted(params)`, `tuple(d.items())` and the `*d.values()`
        of a call, used as a value: the display of the entries (a list, or a tuple for
        `tuple(...)` and a starred argument); None for anything else."""
        star = isinstance(e, ast.Starred)
        call = e.value if star else e
        if not (isinstance(call, ast.Call) and (star or isinstance(call.func, ast.Name) and (
                call.func.id in ("list", "tuple", "sorted")))):
            return None
        items = self.iteration(call, env)
        if items is None:
            return None
        elts = [self.entry_display(entry, call) for entry in items]
        shown = ast.Tuple(elts, ast.Load()) if star or call.func.id == "tuple" else ast.List(
            elts, ast.Load())
        shown = ast.copy_location(shown, call)
        return ast.copy_location(ast.Starred(shown, e.ctx), e) if star else shown

    def merged(self, e: ast.Dict, env) -> ast.Dict:
        """`{**params, "W": W_new}`, a functional update: the display with the entries
        of each structured dict unpacked into it written out (its keys are known), in
        Python's order (a key keeps its first place and takes its last value)."""
        keys, values = [], []
        for k, v in zip(e.keys, e.values):
            ref = self.resolve(v, env) if k is None else None
            if isinstance(ref, _Ref) and ref.td.kind == DICT:
                keys += [ast.copy_location(ast.Constant(key), v) for key in ref.td.keys]
                values += [self.display(_Ref(ref.root, ref.path + ((DICT, key),), c), v)
                           for key, c in zip(ref.td.keys, ref.td.children)]
            else:
                keys.append(k)
                values.append(v)
        if len(keys) == len(e.keys):
            return e
        if not all(isinstance(k, ast.Constant) for k in keys):
            return ast.copy_location(ast.Dict(keys, values), e)
        order: dict = {}
        for k, v in zip(keys, values):
            order[k.value] = (order[k.value][0] if k.value in order else k, v)
        return ast.copy_location(ast.Dict([k for k, _ in order.values()],
                                          [v for _, v in order.values()]), e)

    def entry_display(self, entry, node):
        how, k, item = entry
        if how in ("enum", "items"):
            second = self.entry_display(item, node) if how == "enum" else self.display(item, node)
            return ast.copy_location(ast.Tuple([ast.Constant(k), second], ast.Load()), node)
        if how in ("keys", "const"):
            return ast.copy_location(ast.Constant(k if how == "keys" else item.value), node)
        if isinstance(item, list):  # a row of zip(...)
            return ast.copy_location(ast.Tuple([self.display(v, node) for v in item],
                                               ast.Load()), node)
        return self.display(item, node)

    def expr(self, e, env):
        shown = self.listed(e, env)
        if shown is not None:
            return shown
        if isinstance(e, ast.Dict) and None in e.keys:
            e = self.merged(e, env)
        summed = isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "sum" \
            and len(e.args) == 1 and not e.keywords and isinstance(e.args[0], ast.GeneratorExp)
        if summed or isinstance(e, (ast.ListComp, ast.GeneratorExp, ast.DictComp)):
            done = self.comprehension(e, env)
            if done is not None:
                return done
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute):
            # `state._replace(v=...)`, `layer.penalty()`: called on its display
            base = self.resolve(e.func.value, env)
            if isinstance(base, _Ref) and (
                    base.td.kind == NAMEDTUPLE and e.func.attr == "_replace"
                    or base.td.kind == DATACLASS and e.func.attr not in base.td.keys
                    and inspect.isfunction(getattr(base.td.type, e.func.attr, None))):
                e.func.value = self.display(base, e.func.value)
                for k in e.keywords:
                    k.value = self.expr(k.value, env)
                e.args = [self.expr(a, env) for a in e.args]
                return e
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "len" \
                and len(e.args) == 1:
            value = self.resolve(e.args[0], env)
            if value is not None and not isinstance(value, _Const):  # (len(key): as is)
                n = len(value) if isinstance(value, list) else len(value.td.keys)
                return ast.copy_location(ast.Constant(n), e)
        if isinstance(e, (ast.Subscript, ast.Attribute)) and not isinstance(e.ctx, ast.Load):
            if self.resolve(type(e)(**{**vars(e), "ctx": ast.Load()}), env) is not None:
                raise self.error("assigning into a structured parameter (the caller's "
                                 "container would change)", e, "give the new value a name")
        if isinstance(e, ast.Attribute) and isinstance(e.ctx, ast.Load) and isinstance(
                base := self.resolve(e.value, env), _Ref) and base.td.kind in (
                    DATACLASS, NAMEDTUPLE) and e.attr not in base.td.keys and isinstance(
                        inspect.getattr_static(base.td.type, e.attr, None), property):
            e.value = self.display(base, e.value)  # `box.area`, a property: on its display
            return e
        got = self.got(e, env)
        if got is not None and not got[0]:  # a key the dict lacks: its default
            return self.expr(e.args[1], env) if len(e.args) == 2 else ast.copy_location(
                ast.Constant(None), e)
        if got is not None or isinstance(e, (ast.Name, ast.Subscript, ast.Attribute)):
            value = self.resolve(e, env) if not isinstance(e, ast.Name) or isinstance(
                e.ctx, ast.Load) else None
            if isinstance(e, ast.Name) and isinstance(env.get(e.id), _Const):
                return ast.copy_location(ast.Constant(env[e.id].value), e)
            if isinstance(value, _Ref) and value.td.kind == LEAF:
                return self.leaf(value, e)
            if isinstance(value, _Ref) and value.td.kind == NONE:  # (an empty tree)
                return ast.copy_location(ast.Constant(None), e)
            if value is not None:  # passed whole (to the user's own function, say)
                return self.display(value, e)
            if isinstance(e, ast.Name) and e.id in self.roots and not isinstance(
                    e.ctx, ast.Load):
                raise self.error(f"assigning to {e.id!r}, a structured parameter", e)
        self.children(e, env)
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and isinstance(
                e.func.value, ast.Constant) and not e.keywords and all(
                isinstance(a, ast.Constant) for a in e.args) and (value := str_test(
                e.func.value.value, e.func.attr, [a.value for a in e.args])) is not NOT_FOLDED:
            return ast.copy_location(ast.Constant(value), e)  # a key's test: k.startswith("W")
        if isinstance(e, ast.IfExp) and isinstance(e.test, ast.Constant):
            return e.body if e.test.value else e.orelse
        if isinstance(e, (ast.Compare, ast.BinOp, ast.UnaryOp, ast.BoolOp)) and all(
                isinstance(n, (ast.Constant, ast.operator, ast.cmpop, ast.unaryop,
                               ast.boolop, ast.expr_context)) or n is e for n in syntax.walk(e)):
            try:  # a loop copy's index and lengths, now constants: i < len(layers) - 1
                value = eval(compile(ast.fix_missing_locations(ast.Expression(e)),
                                     "<constant>", "eval"), {"__builtins__": {}})
            except Exception:
                return e
            if isinstance(value, (bool, int, float, str)):
                return ast.copy_location(ast.Constant(value), e)
        return e


    def display(self, value, node):
        """A structured value used whole, written out as a display of its leaves
        (`{"W": W, "b": b}`, `[(W1, b1), (W2, b2)]`): the lowering keeps a display
        entry by entry, so a helper's `params["W"]` reads the leaf. A namedtuple's
        or dataclass's display is marked with its attributes (`attrs`), which the
        lowering reads as `p.W`."""
        if isinstance(value, _Const):  # a key in a row of zip(d.keys(), ...)
            return ast.copy_location(ast.Constant(value.value), node)
        if isinstance(value, list) and not all(isinstance(v, _Ref) for v in value):
            return ast.copy_location(ast.Tuple([self.display(v, node) for v in value],
                                               ast.Load()), node)  # a row of zip(...)
        if isinstance(value, list):  # a constant slice: a list or tuple of its items
            kind = value[0].path[-1][0] if value else TUPLE
            elts = [self.display(v, node) for v in value]
            out = ast.List(elts, ast.Load()) if kind == LIST else ast.Tuple(elts, ast.Load())
            return ast.copy_location(out, node)
        td = value.td
        if td.kind == LEAF:
            return self.leaf(value, node)
        if td.kind == NONE:
            return ast.copy_location(ast.Constant(None), node)
        kids = [self.display(_Ref(value.root, value.path + ((td.kind, k),), c), node)
                for k, c in zip(td.keys, td.children)]
        if td.kind in (LIST, TUPLE, NAMEDTUPLE):
            out = (ast.List if td.kind == LIST else ast.Tuple)(kids, ast.Load())
            if td.kind == NAMEDTUPLE:
                out.attrs = {k: i for i, k in enumerate(td.keys)}
        else:
            out = ast.Dict([ast.Constant(k) for k in td.keys], kids)
            out.origin = self.spelled(value)
            if td.kind != DICT:
                out.attrs = {k: k for k in td.keys}
                out.cls = td.type  # (its methods are called with it as self)
        return ast.copy_location(out, node)


def _part(entry):
    """One iteration's entry as a part of a row of `zip(...)`: the child, a key or
    index (_Const), or a list of both (`zip(d.items(), ...)`)."""
    how, k, item = entry
    if how in ("keys", "const"):
        return _Const(k) if how == "keys" else item
    if how in ("enum", "items"):
        return [_Const(k), _part(item) if how == "enum" else item]
    return item


class _Const:
    """A loop's key or index over a structured value, a constant in each copy."""

    def __init__(self, value):
        self.value = value


_NOCONST = object()


def _first_item(e, bound) -> bool:
    """Whether `e` is a sort key taking a pair's first item: `operator.itemgetter(0)`
    (however `operator` is imported) or `lambda kv: kv[0]`."""
    if isinstance(e, ast.Call) and len(e.args) == 1 and not e.keywords and isinstance(
            e.args[0], ast.Constant) and e.args[0].value == 0 and type(e.args[0].value) is int:
        f = e.func
        return isinstance(f, ast.Attribute) and f.attr == "itemgetter" or isinstance(
            f, ast.Name) and f.id == "itemgetter" and "itemgetter" not in bound
    return isinstance(e, ast.Lambda) and len(e.args.args) == 1 and not (
        e.args.vararg or e.args.kwarg) and isinstance(e.body, ast.Subscript) and isinstance(
        e.body.value, ast.Name) and e.body.value.id == e.args.args[0].arg and isinstance(
        e.body.slice, ast.Constant) and e.body.slice.value == 0


def _names(target) -> list[str]:
    return [n.id for n in syntax.walk(target) if isinstance(n, ast.Name)]


def _binding_counts(node, loops=True) -> dict[str, int]:
    """How many times the def binds each name (parameters included); with `loops`,
    a name bound in a loop counts twice."""
    counts: dict = {}
    for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
        counts[a.arg] = counts.get(a.arg, 0) + 1
    for n in syntax.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            counts[n.id] = counts.get(n.id, 0) + 1
    for n in syntax.walk(node) if loops else ():
        if isinstance(n, (ast.For, ast.While, ast.comprehension)):
            body = n.body if not isinstance(n, ast.comprehension) else []
            for m in syntax.walk(ast.Module(body=list(body), type_ignores=[])):
                if isinstance(m, ast.Name) and isinstance(m.ctx, ast.Store):
                    counts[m.id] = counts.get(m.id, 0) + 1  # a loop binds it again
    return counts
