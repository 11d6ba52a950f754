"""The entry points on pytrees: derivative code specialised to the structure of
container arguments (and results), with JAX's conventions.

For a call whose differentiated arguments include containers (pytree.py), the
code is built from `f`'s `def` rewritten to take the structure's leaves
(unpack.py), by the ordinary pipeline, then given back `f`'s own signature:
its first lines read each leaf by name (`W = params["W"]`) and its return
builds each gradient in its parameter's structure (`{"W": d_W, "b": d_b}`).
The code is cached by the structure (`pytree.signature`), like any kind.
"""
from __future__ import annotations

import ast
import builtins
import inspect
import types
import weakref

import numpy as np

from . import emit, guards, provenance, pytree, runtime, static_args, syntax, transform, unpack
from .errors import NotDifferentiableError, ShapeMismatchError, SrcDiffError, UnsupportedSyntaxError
from .pytree import DATACLASS, DICT, LEAF, LIST, NAMEDTUPLE, NONE, TUPLE
from .resolve import is_user_function
from .source import describe, parse_function

# weak in the functions, so a function can be collected after its derivatives
_BASE = weakref.WeakKeyDictionary()  # a specialised copy of f -> (f, how it was rewritten)
_COPIES = weakref.WeakKeyDictionary()  # f -> {how it is rewritten: (copy, plan)}


def positional(fn) -> list[str]:
    return [p.name for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def structured(values, idx) -> bool:
    """Whether any of the arguments `idx` is a container srcdiff splits."""
    return values is not None and any(pytree.is_node(values[i]) for i in idx)


_DISPLAYS = weakref.WeakKeyDictionary()


def returns_display(fn) -> bool:
    """Whether `f` returns a tuple, list or dict display (a structured result), or a
    name it assigns one to (`out = {"a": a}; ...; return out`)."""
    if fn not in _DISPLAYS:
        node, _ = parse_function(base_of(fn)[0])
        displays = (ast.Tuple, ast.List, ast.Dict)
        shown = {t.id for n in unpack.own_nodes(node) if isinstance(n, ast.Assign) and isinstance(
            unpack._seen_through(n.value), displays) for t in n.targets
            if isinstance(t, ast.Name)}
        _DISPLAYS[fn] = any(isinstance(n, ast.Return) and (isinstance(
            unpack._seen_through(n.value), displays) or isinstance(n.value, ast.Name)
            and n.value.id in shown) for n in unpack.own_nodes(node))
    return _DISPLAYS[fn]


def shaped_at_call(fn) -> bool:
    """Whether `f`'s code may take its shape from its arguments' values: it calls
    a parameter (`rhs(state)`: what it returns is known at a call) or hands one to
    a function of the user's (`rk4_step(rhs, state)`), or assigns one a container
    (`params = {...}` in a loop: a container at a call too), or unpacks one into a
    dict display (`{**params, "W": W_new}`), or to a gradient made there (`grad(loss)(
    params)`, whose code for a container may be all it has). Its generic lowering may
    then refuse what the call's own lowering accepts, so that refusal waits for the
    call (which reports it if it stands)."""
    node, _ = parse_function(base_of(fn)[0])
    a = node.args
    params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
    namespace = base_of(fn)[0].__globals__

    def handed_on(call):  # `H.rk4_step(rhs, state)`: a parameter the user's function calls
        obj = _named(call.func, namespace)
        if not is_user_function(obj):
            return False
        inner = parse_function(obj)[0]
        names = [p.arg for p in inner.args.posonlyargs + inner.args.args]
        mine = {names[i] for i, x in enumerate(call.args[:len(names)])
                if isinstance(x, ast.Name) and x.id in params}  # (where it calls one,
        return bool(mine & static_args.compared(inner)) or any(  # or picks by its string)
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in mine
            for n in syntax.walk(inner))

    def rebuilt(n):  # `params = {"w": ..., "b": ...}`: a parameter assigned a container
        return isinstance(n, ast.Assign) and isinstance(unpack._seen_through(n.value), (
            ast.Dict, ast.Tuple, ast.List, ast.DictComp)) and any(
            isinstance(t, ast.Name) and t.id in params for t in n.targets)

    def unpacked(n):  # `{**params, "W": W_new}`: a parameter's entries (a dict's, at a call)
        return isinstance(n, ast.Dict) and any(k is None and isinstance(v, ast.Name) and (
            v.id in params) for k, v in zip(n.keys, n.values))

    return static_args.called(node) or bool(params & static_args.settings(node, namespace)) or any(
        rebuilt(n) or unpacked(n) or isinstance(n, ast.Call) and handed_on(n)
        for n in unpack.own_nodes(node)) or to_gradient(fn)


def to_gradient(fn) -> bool:
    """Whether `f` passes a parameter to a gradient made there (`grad(loss)(params)`),
    whose code for a container (its loops over it unrolled) may be all it has."""
    node, _ = parse_function(base_of(fn)[0])
    a = node.args
    params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
    namespace = base_of(fn)[0].__globals__
    for call in unpack.own_nodes(node):
        made = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(made, ast.Call) and made.args and any(
                isinstance(x, ast.Name) and x.id in params for x in call.args)):
            continue
        if getattr(_named(made.func, namespace), "__srcdiff_maker__", None) in (
                "grad", "value_and_grad"):
            return True
    return False


def _named(f, namespace: dict):
    """The object a name or attribute path (`H.rk4_step`, `srcdiff.grad`) names in a
    module's namespace, or None."""
    path = []
    while isinstance(f, ast.Attribute):
        path.append(f.attr)
        f = f.value
    obj = namespace.get(f.id) if isinstance(f, ast.Name) else None
    for attr in reversed(path):
        obj = getattr(obj, attr, None)
    return obj


def generic_lowering(fn):
    """transform.lowered(f), or None when it refuses code shaped at a call."""
    try:
        return transform.lowered(fn)
    except UnsupportedSyntaxError:
        if not shaped_at_call(fn):
            raise
        return None
    except NotDifferentiableError:  # (a gradient's loop over a parameter: for a container)
        if not to_gradient(fn):
            raise
        return None


def base_of(f):
    hit = _BASE.get(f)
    return (f, ()) if hit is None else (hit[0](), hit[1])


# ----- specialised copies of f -----
def specialised(f, trees: dict, returns=None, extra=None):
    """A copy of `f` (same code, globals, closure) whose lowering transforms its
    `def` rewritten for `trees` (unpack.rewrite), and the rewrite's plan."""
    base, before = base_of(f)
    how = before + ((tuple(trees.items()), returns, tuple((extra or {}).items())),)
    copies = _COPIES.setdefault(base, {})
    hit = copies.get(how)
    if hit is not None:
        return hit
    node, filename = parse_function(base)
    reserved = set(base.__globals__) | set(runtime.HELPERS)  # what generated code may read
    plan = None

    def rewrite(n, filename=filename):
        nonlocal plan
        for trees_, returns_, extra_ in how:
            plan = unpack.rewrite(n, filename, dict(trees_), returns_, dict(extra_) or None,
                                  reserved)
            n = plan.node
        return n

    rewrite(node)
    copy = types.FunctionType(base.__code__, base.__globals__, base.__name__, None,
                              base.__closure__)
    copy.__qualname__ = base.__qualname__
    copy.__module__ = base.__module__
    copy.__signature__ = _flat_signature(base, plan.node)
    transform.REWRITES[copy] = rewrite
    static_args.inherit(copy, base)
    _BASE[copy] = (weakref.ref(base), how)  # (weak: _COPIES holds the copy for base)
    copies[how] = (copy, plan)
    return copy, plan


def _flat_signature(base, node) -> inspect.Signature:
    """The signature of the def of leaves (the original's defaults, where they fit)."""
    own = inspect.signature(base).parameters
    P = inspect.Parameter
    params = [P(a.arg, kind) for group, kind in ((node.args.posonlyargs, P.POSITIONAL_ONLY),
                                                (node.args.args, P.POSITIONAL_OR_KEYWORD),
                                                (node.args.kwonlyargs, P.KEYWORD_ONLY))
              for a in group]
    with_defaults = [p.replace(default=own[p.name].default) if p.name in own else p
                     for p in params]
    try:
        return inspect.Signature(with_defaults)
    except ValueError:  # a container with a default before others: no defaults
        return inspect.Signature(params)


def strip_aux(f):
    """`f` returning `(value, aux)` as a function returning `value` (has_aux)."""
    return specialised(f, {}, ("aux",))[0]


def keyed(fn, wrt) -> transform.Built | None:
    """The stand-in generic derivative (`deferred`) of a function that reads a
    parameter it differentiates by a string key or by `.items()`, `.values()`,
    `.keys()` (`p["W"]`: a dict, whose structure only a call gives); None for any
    other. (Built for any kinds, such a read would index an array with a string.)"""
    base, _ = base_of(fn)
    node, _ = parse_function(base)
    params = {positional(base)[i] for i in wrt if i < len(positional(base))}
    for n in syntax.walk(node):
        read = n.value if isinstance(n, ast.Subscript) and isinstance(
            n.slice, ast.Constant) and isinstance(n.slice.value, str) else (
            n.func.value if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr in ("items", "values", "keys") else None)
        if isinstance(read, ast.Name) and read.id in params:
            return _stand_in(base, "reads a parameter by key", "container structure",
                             None)
    return None


def _stand_in(base, what: str, built_for: str, error) -> transform.Built:
    def stand_in(*args, **kwargs):
        raise SrcDiffError(f"the derivative of {describe(base)} {what}: its code is built "
                           f"for each {built_for} at a call, and cannot be differentiated "
                           "again") from error

    stand_in.__srcdiff_deferred__ = True  # (api: differentiated, it raises this error)
    return transform.Built(f"# built at the first call, for the {built_for}\n",
                           stand_in, base.__name__)


def deferred(fn, wrt, error):
    """The generic derivative when it cannot be built for a parameter `f` reads
    by attribute or key (`p.W`, `p["heads"].items()`: a container, known only at a
    call) or calls (`rhs(y)`: a function, static_args.py): a stand-in saying the
    code is built per structure or function; else `error`."""
    base, _ = base_of(fn)
    node, _ = parse_function(base)
    names = {positional(base)[i] for i in wrt if i < len(positional(base))}
    if not isinstance(error, (NotDifferentiableError, UnsupportedSyntaxError)) or (
            isinstance(error, UnsupportedSyntaxError) and not shaped_at_call(fn)):
        raise error
    if static_args.called(node):
        what, built_for = "calls a parameter", "function passed"
    elif any(isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.value, ast.Name)
             and n.value.id in names for n in syntax.walk(node)) or isinstance(
                 error, UnsupportedSyntaxError):
        what, built_for = "reads attributes of a parameter", "container structure"
    else:
        raise error

    return _stand_in(base, what, built_for, error)


# ----- arguments -----
class Flat:
    """Arguments with the containers among `idx` split into leaves."""

    def __init__(self, fn, values, idx, check=True):
        self.names = list(inspect.signature(fn).parameters)
        self.trees: dict = {}
        self.values: list = []
        self.slots: list = []  # per parameter: the flat indices of its leaves
        pos = positional(fn)
        for i, v in enumerate(values):
            if i in idx and pytree.is_node(v):
                if self.names[i] not in pos:
                    raise SrcDiffError(f"{describe(fn)}: the container {self.names[i]!r} is "
                                       "keyword-only; srcdiff differentiates containers "
                                       "passed as positional parameters")
                if check:
                    pytree.check_differentiable(self.names[i], v)
                leaves, td = pytree.flatten(v)
                self.trees[self.names[i]] = td
                self.slots.append(list(range(len(self.values), len(self.values) + len(leaves))))
                self.values += leaves
            else:
                self.slots.append([len(self.values)])
                self.values.append(v)

    @classmethod
    def of_trees(cls, fn, trees: dict) -> "Flat":
        """The split `trees` (parameter -> TreeDef) gives, without values: the
        lowering knows the structure of a call's arguments, not their kinds."""
        flat = cls.__new__(cls)
        flat.names, flat.trees, flat.values, flat.slots = (
            list(inspect.signature(fn).parameters), dict(trees), [], [])
        at = 0
        for name in flat.names:
            n = trees[name].leaves if name in trees else 1
            flat.slots.append(list(range(at, at + n)))
            at += n
        return flat

    def wrt(self, idx) -> tuple:
        return tuple(j for i in idx for j in self.slots[i])


def _spec_key(trees):
    return tuple(sorted(trees.items()))


# ----- building -----
def build(mode, f, wrt, variant, args, check, as_tuple, strict):
    """transform.build_reverse / build_forward, for arguments with containers."""
    f = static_args.specialised(f, args, wrt, transform.REWRITES)  # (functions passed)
    flat = Flat(f, args, wrt)
    copy, plan = specialised(f, flat.trees)
    build_ = transform.build_forward if mode == "forward" else transform.build_reverse
    built = build_(copy, flat.wrt(wrt), variant, flat.values, check, True, strict)
    single = len(wrt) == 1 and not as_tuple and variant != "vjp"
    out = restructure(built, f, plan, flat, wrt, single, variant)
    out.guards = transform.lowered(copy).guards
    return out


def for_trees(mode, f, wrt, variant, trees: dict, as_tuple) -> transform.Built:
    """The generic derivative (any kinds of leaves) for arguments of the structure
    `trees`: what a gradient called inside a function srcdiff transforms is inlined
    as when it is passed a list, tuple or dict built there (the generic code takes a
    container as one array, which a list of arrays of different shapes is not)."""
    flat = Flat.of_trees(f, trees)
    copy, plan = specialised(f, flat.trees)
    built = transform.build(mode, copy, flat.wrt(wrt), variant, None, None, True, False)
    single = len(wrt) == 1 and not as_tuple and variant != "vjp"
    out = restructure(built, f, plan, flat, wrt, single, variant)
    out.guards = transform.lowered(copy).guards
    return out


def restructure(built, f, plan, flat: Flat, wrt, single: bool, variant: str,
                ct_tree=None, fname=None, out_tree=None):
    """The generated code of the leaves given `f`'s signature back: the leaves read
    from their containers first, each gradient built in its container's structure
    (and a jvp's structured result, `out_tree`, with its tangent, in its own)."""
    base, _ = base_of(f)
    node, _ = parse_function(base)
    func = ast.parse(built.source).body[0]
    provenance.retag(func, built.tags)  # (its comments are written again below)
    cells = dict(zip(built.fn.__code__.co_freevars, built.fn.__closure__ or ()))
    used = {n.id for n in syntax.walk(func) if isinstance(n, ast.Name)}
    namer = _Names(used | set(base.__globals__) | set(dir(builtins)))
    injected: dict = {}
    extra = list(func.args.kwonlyargs[len(node.args.kwonlyargs):])
    func.args = transform._signature(node)
    if variant == "vjp" or ct_tree is not None:
        func.args.kwonlyargs.append(extra[-1] if ct_tree is None else ast.arg(ct_tree[0]))
        func.args.kw_defaults.append(None)
    prologue = []
    for name, td in flat.trees.items():
        prologue += _bindings(ast.Name(name, ast.Load()), td, iter(plan.names[name]), used)
    if ct_tree is not None:
        prologue += _bindings(ast.Name(ct_tree[0], ast.Load()), ct_tree[1],
                              iter(plan.names[ct_tree[0]]), used)
    if variant == "jvp":
        prologue += _tangents(func, extra, flat, wrt, namer)
    at = 0
    while at < len(func.body) and (isinstance(func.body[at], ast.Import) or (
            isinstance(func.body[at], ast.FunctionDef) and func.body[at].name.startswith("_"))):
        at += 1
    func.body[at:at] = prologue
    if variant != "jvp":
        ret = func.body[-1]
        value, grads = _split_return(ret, variant, built.returns_value)
        out = []
        at_flat = {j: n for n, j in enumerate(flat.wrt(wrt))}
        leaves = []  # (the leaf's name, its gradient), in the order the return reads them
        for i in wrt:
            g = [grads[at_flat[j]] for j in flat.slots[i]]
            name = flat.names[i]
            leaves += zip(plan.names[name] if name in flat.trees else [name], g)
            out.append(_structure(flat.trees[name], iter(g), base, namer, injected)
                       if name in flat.trees else g[0])
        gtree = out[0] if single else ast.Tuple(out, ast.Load())
        ret.value = gtree if value is None else ast.Tuple([value, gtree], ast.Load())
        if value is None or isinstance(value, ast.Name):
            func.body[-1:] = _named_leaves(ret, leaves, namer)
    if out_tree is not None:
        ret = func.body[-1]
        ret.value.elts = [_structure(out_tree, iter(e.elts if isinstance(e, ast.List) else [
            ast.Subscript(e, ast.Constant(k), ast.Load()) for k in range(out_tree.leaves)]),
            base, namer, injected) for e in ret.value.elts]
    if fname:
        func.name = fname
    source = emit.to_source(func)
    source, source_map, tags = provenance.annotate(func, source, base.__code__.co_filename)
    fn = emit.compile_function(source, func.name, base, {**cells, **injected}, source_map)
    return transform.Built(source, fn, func.name, getattr(built, "ct_name", ""),
                           built.returns_value, built.kind_guards, source_map, tags)


def _named_leaves(ret: ast.Return, leaves: list, namer) -> list:
    """The return of a structure of gradients, with each gradient that is more than a
    name first assigned to `d_<its leaf>` (in the order the return evaluated them)
    where the return would not fit on a line (emit folded the gradients into the
    return of their leaves, shorter than the structure)."""
    if 4 + len(ast.unparse(ret)) <= emit.WIDTH:  # (the function's body is 4 in)
        return [ret]
    out, named = [], {}
    for leaf, g in leaves:
        if not isinstance(g, (ast.Name, ast.Constant)):
            name = namer.fresh("d_" + leaf)
            out.append(provenance.copy_tag(ast.Assign([ast.Name(name, ast.Store())], g,
                                                      lineno=0), ret))
            named[id(g)] = name

    class Sub(ast.NodeTransformer):
        def visit(self, n):
            if id(n) in named:
                return ast.Name(named[id(n)], ast.Load())
            return super().visit(n)

    return out + [Sub().visit(ret)]


def _split_return(ret, variant, returns_value):
    if not isinstance(ret, ast.Return):
        raise SrcDiffError("internal: generated code does not end with its return")
    v = ret.value
    if returns_value or variant == "vjp":
        value, grads = v.elts
    else:
        value, grads = None, v
    return value, list(grads.elts)


class _Names:
    def __init__(self, taken):
        self.taken = set(taken)

    def fresh(self, base):
        name, i = base, 0
        while name in self.taken:
            i += 1
            name = f"{base}_{i}"
        self.taken.add(name)
        return name


def _seq_only(td) -> bool:
    return td.kind == LEAF or (td.kind in (LIST, TUPLE, NAMEDTUPLE) and td.children and all(
        _seq_only(c) for c in td.children))


def _target(td, names):
    if td.kind == LEAF:
        return ast.Name(next(names), ast.Store())
    return ast.Tuple([_target(c, names) for c in td.children], ast.Store())


def _bindings(expr, td, names, used) -> list:
    """Statements reading the leaves of `expr` (structure `td`) into `names`: one
    unpacking for nested tuples and lists, else one line per key or attribute;
    only the leaves the code reads."""
    if td.kind == NONE:
        return []
    if td.kind == LEAF:
        name = next(names)
        return [ast.Assign([ast.Name(name, ast.Store())], expr, lineno=0)] if name in used \
            else []
    if _seq_only(td) and td.kind != LEAF:
        n = td.leaves
        mine = [next(names) for _ in range(n)]
        if not any(m in used for m in mine):
            return []
        return [ast.Assign([_target(td, iter(mine))], expr, lineno=0)]
    out = []
    for k, c in zip(td.keys, td.children):
        out += _bindings(unpack._step(expr, td.kind, k), c, names, used)
    return out


def _structure(td, grads, base, namer, injected):
    """The expression building a gradient of structure `td` from leaf gradients."""
    if td.kind == LEAF:
        return next(grads)
    kids = [_structure(c, grads, base, namer, injected) for c in td.children]
    if td.kind == NONE:
        return ast.Constant(None)
    if td.kind == DICT:
        out = ast.Dict([ast.Constant(k) for k in td.keys], kids)
        if td.type is dict:
            return out
        cls = _class_name(td.type, base, namer, injected)  # OrderedDict({...})
        return ast.Call(ast.Name(cls, ast.Load()), [out], [])
    if td.kind == LIST:
        return ast.List(kids, ast.Load())
    if td.kind == TUPLE:
        return ast.Tuple(kids, ast.Load())
    if td.kind in (NAMEDTUPLE, DATACLASS):
        cls = _class_name(td.type, base, namer, injected)
        return ast.Call(ast.Name(cls, ast.Load()), [],
                        [ast.keyword(k, v) for k, v in zip(td.keys, kids)])
    fn = _class_name(pytree.unflatten_fn(td), base, namer, injected,
                     f"{td.type.__name__}_unflatten")
    aux = namer.fresh(f"{td.type.__name__}_aux")
    injected[aux] = td.aux
    return ast.Call(ast.Name(fn, ast.Load()), [ast.Name(aux, ast.Load()),
                                               ast.List(kids, ast.Load())], [])


def _class_name(obj, base, namer, injected, fallback=None) -> str:
    """A name of `obj` in `f`'s module, else one the code receives it under."""
    for k, v in base.__globals__.items():
        if v is obj and k not in namer.taken - set(base.__globals__):
            return k
    for k, v in injected.items():
        if v is obj:
            return k
    name = namer.fresh(fallback or obj.__name__)
    injected[name] = obj
    return name


def _tangents(func, tangent_args, flat: Flat, idx, namer) -> list:
    """jvp: the tangents of a container's leaves arrive as one container, `<name>_dot`."""
    by_flat = dict(zip(flat.wrt(idx), (a.arg for a in tangent_args)))
    used = {n.id for n in syntax.walk(func) if isinstance(n, ast.Name)}
    prologue = []
    for i in idx:
        name, slots = flat.names[i], flat.slots[i]
        if name in flat.trees:
            tname = namer.fresh(f"{name}_dot")
            func.args.kwonlyargs.append(ast.arg(tname))
            prologue += _bindings(ast.Name(tname, ast.Load()), flat.trees[name],
                                  iter(by_flat[j] for j in slots), used)
        else:
            func.args.kwonlyargs.append(ast.arg(by_flat[slots[0]]))
        func.args.kw_defaults.append(None)
    return prologue


# ----- vjp, jvp -----
def vjp(f, fn, primals, idx):
    """(out, pullback) for containers among the arguments or the result."""
    flat = Flat(fn, primals, idx)
    if not returns_display(fn):  # (unsupported code is reported before f runs)
        transform.lowered(specialised(fn, flat.trees)[0])
    out = guards.primal(fn, primals)
    shown = returns_display(fn)  # `return a, b`: a tuple of results, whatever their shapes
    if pytree.is_node(out) or shown and type(out) in (list, tuple):
        leaves, out_td = pytree.flatten(out, top=shown)
        _check_result(leaves, out_td, "vjp")
        arrays = tuple(isinstance(x, np.ndarray) for x in leaves)
        base, _ = base_of(fn)
        taken = {n.id for n in syntax.walk(parse_function(base)[0]) if isinstance(n, ast.Name)}
        ct = _Names(taken | set(base.__globals__)).fresh("ct")
        copy, plan = specialised(fn, flat.trees, ("vdot", ct, out_td, arrays), {ct: out_td})
        ct_values = [pytree.zeros_like(x) for x in leaves]
        built = transform.build_reverse(copy, flat.wrt(idx), "grad", flat.values + ct_values,
                                        None, True)
        flat.values += ct_values
        built = restructure(built, fn, plan, flat, idx, False, "grad", (ct, out_td),
                            f"{base.__name__}_vjp")

        def pullback(cotangent):
            ct_leaves = pytree.flatten_like(cotangent, out_td)
            if ct_leaves is None:
                ct_td = pytree.flatten(cotangent, top=out_td.kind in (LIST, TUPLE))[1]
                raise ShapeMismatchError(f"the cotangent's structure {_describe(ct_td)} is "
                                         f"not the result's {_describe(out_td)}")
            cts = {ct: pytree.unflatten(out_td, [_cotangent(c, o) for c, o in
                                                 zip(ct_leaves, leaves)])}
            return guards.run(built.fn, f, fn, primals, cts)

        pullback.source = built.source
        pullback.source_map = built.source_map
        pullback.out_tree = out_td  # (jacobian splits the result as the pullback does)
        return out, pullback
    copy, plan = specialised(fn, flat.trees)
    built = transform.build_reverse(copy, flat.wrt(idx), "vjp", flat.values)
    built = restructure(built, fn, plan, flat, idx, False, "vjp")
    return out, guards.pullback(built, f, fn, primals, out)


def _cotangent(c, o):
    if np.shape(c) != np.shape(o):
        raise ShapeMismatchError(f"a cotangent leaf has shape {np.shape(c)} but the result's "
                                 f"has shape {np.shape(o)}")
    # (a list of numbers is one leaf, an array to its derivative)
    return np.array(c, dtype=float) if isinstance(o, (np.ndarray, list, tuple)) else float(c)


def _describe(td) -> str:
    return repr(pytree.unflatten(td, ["*"] * td.leaves))


def jvp(j, primals, tangents):
    """JVP.push for containers among the primals: tangents of the same structures."""
    fn = j._fn
    flat = Flat(fn, primals, j._idx)
    for i, (p, t) in enumerate(zip([primals[k] for k in j._idx], tangents)):
        if pytree.is_node(p) != pytree.is_node(t) or (
                pytree.is_node(p) and pytree.flatten(p)[1] != pytree.flatten(t)[1]):
            raise ShapeMismatchError(f"the tangent of {flat.names[j._idx[i]]!r} does not have "
                                     "its primal's structure")
    out_td = result_tree(fn, primals)
    key = ("tree", _spec_key(flat.trees), transform.kinds_key(flat.values), out_td)
    cache = j.__dict__.setdefault("_tree_cache", {})  # per structure of the primals
    built = cache.get(key)
    if built is None:
        copy, plan = specialised(fn, flat.trees, out_td and ("leaves", out_td))
        raw = transform.build_forward(copy, flat.wrt(j._idx), "jvp", flat.values)
        built = cache[key] = restructure(raw, fn, plan, flat, j._idx, False, "jvp",
                                         out_tree=out_td)
    j._last = built
    code = built.fn.__code__
    names = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
    m = len(j._idx)
    kw = {}
    for name, i, t in zip(names[-m:] if m else (), j._idx, tangents):
        leaves_t, td = pytree.flatten(t)
        leaves_p, _ = pytree.flatten(primals[i])
        fixed = []
        for lp, lt in zip(leaves_p, leaves_t):
            if np.shape(lp) != np.shape(lt):
                raise ShapeMismatchError(f"a tangent leaf of {flat.names[i]!r} has shape "
                                         f"{np.shape(lt)} but its primal has {np.shape(lp)}")
            fixed.append(np.array(lt, dtype=float) if isinstance(lp, (np.ndarray, list, tuple))
                         else float(lt))  # (a list of numbers is one leaf, an array)
        kw[name] = pytree.unflatten(td, fixed)
    return guards.run(built.fn, j.primal, fn, primals, kw)


def result_tree(fn, primals):
    """The structure of `f`'s result where it returns a display (a tuple, list or
    dict of results: forward mode follows each leaf), else None."""
    if not returns_display(fn):
        return None
    out = guards.primal(fn, primals)
    if not (pytree.is_node(out) or type(out) in (list, tuple)):
        return None
    leaves, td = pytree.flatten(out, top=True)
    _check_result(leaves, td, "jvp")
    return td


def _check_result(leaves, td, entry: str) -> None:
    """A structured result's leaves are numbers or arrays (an int one: a constant)."""
    for path, leaf in zip(td.paths(), leaves):
        problem = pytree.leaf_problem(leaf)
        if problem and not isinstance(leaf, (int, np.integer)):
            raise SrcDiffError(f"{entry}: the result's {pytree.path_text('out', path)} is "
                               f"{problem}")


class AuxDerivative:
    """`grad(f, has_aux=True)` -> `(gradient, aux)`; `value_and_grad(f, has_aux=True)`
    -> `((value, aux), gradient)`, as in JAX. `f` returns `(value, aux)`; the
    derivative is that of `value`, and `aux` comes from running `f` itself."""

    def __init__(self, inner):
        self._inner = inner
        self.primal = inner.primal
        self.wrt = inner.wrt
        self.__name__ = inner.__name__
        self.__doc__ = inner.__doc__

    @property
    def source(self) -> str:
        return self._inner.source

    def __call__(self, *args, **kwargs):
        out = self._inner(*args, **kwargs)
        result = guards.primal(self.primal, args, kwargs)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise SrcDiffError(f"{describe(self.primal)} was differentiated with has_aux=True "
                               "but did not return a pair (value, aux)")
        if self._inner.variant == "grad":
            return out, result[1]
        return (out[0], result[1]), out[1]

    def __repr__(self) -> str:
        return repr(self._inner).replace(">", ", has_aux>")


# ----- jacobian -----
def jacobian(jac, args, fn=None):
    """Jacobian.__call__ with containers: for each leaf of the result, the structure
    of each differentiated parameter holding arrays of shape out_leaf.shape +
    in_leaf.shape (JAX's jacrev/jacfwd layout). `fn`: the code to differentiate
    where it is not `jac._fn` (a gradient's code for these containers)."""
    fn, idx = fn or jac._fn, jac.wrt
    flat = Flat(fn, args, idx)  # each differentiated leaf a float or float array
    if jac.mode == "forward":
        if not returns_display(fn):
            transform.lowered(specialised(fn, flat.trees)[0])  # (errors before f runs)
        out_td = result_tree(fn, args)
        out = fn(*args)
        if out_td is None and pytree.is_node(out):
            raise SrcDiffError("jacobian(mode='forward') of a structured result the "
                               "function does not return as a display is not "
                               "supported; use mode='reverse'")
        out_leaves = [out] if out_td is None else pytree.flatten(out, top=True)[0]
        push = jac._jvp
        zero = [_zeros_tree(args[i]) for i in idx]
        # per out leaf, per wrt parameter: per in-leaf: array out_leaf.shape + leaf.shape
        blocks = [[] for _ in out_leaves]
        for slot, i in enumerate(idx):
            leaves, td = pytree.flatten(args[i])
            per_leaf = [[] for _ in out_leaves]
            for n, leaf in enumerate(leaves):
                cols = [[] for _ in out_leaves]
                for k in range(int(np.size(leaf))):
                    tangents = list(zero)
                    t_leaves = [pytree.zeros_like(x) for x in leaves]
                    t_leaves[n] = _one_hot(leaf, k)
                    tangents[slot] = pytree.unflatten(td, t_leaves)
                    t_out = push.push(args, tangents)[1]
                    t_out = [t_out] if out_td is None else pytree.flatten_like(t_out, out_td)
                    for col, t in zip(cols, t_out):
                        col.append(np.asarray(t, dtype=float))
                for o, (col, y) in enumerate(zip(cols, out_leaves)):
                    mat = np.stack(col, axis=-1) if col else np.zeros(np.shape(y) + (0,))
                    per_leaf[o].append(_shaped(mat.reshape(np.shape(y) + np.shape(leaf))))
            for o in range(len(out_leaves)):
                blocks[o].append(pytree.unflatten(td, per_leaf[o]))
        jac._source = push._last.source
        per_out = [tuple(b) if jac._as_tuple else b[0] for b in blocks]
        return per_out[0] if out_td is None else pytree.unflatten(out_td, per_out)
    out, pull = vjp(jac.primal, fn, args, idx)
    jac._source = pull.source
    out_td = getattr(pull, "out_tree", None)
    out_leaves, out_td = (pytree.flatten(out) if out_td is None
                          else (pytree.flatten_like(out, out_td), out_td))
    rows = [[[] for _ in idx] for _ in out_leaves]  # per out leaf, per wrt: gradients
    for o, leaf in enumerate(out_leaves):
        for k in range(int(np.size(leaf))):
            cts = [pytree.zeros_like(x) for x in out_leaves]
            cts[o] = _one_hot(leaf, k)
            grads = pull(pytree.unflatten(out_td, cts))
            for slot, g in enumerate(grads):
                rows[o][slot].append(pytree.flatten(g)[0])
    result = []
    for o, leaf in enumerate(out_leaves):
        per_wrt = []
        for slot, i in enumerate(idx):
            in_leaves, td = pytree.flatten(args[i])
            blocks = []
            for n, x in enumerate(in_leaves):
                got = [np.asarray(r[n], dtype=float) for r in rows[o][slot]]
                mat = np.stack(got) if got else np.zeros((0,) + np.shape(x))
                blocks.append(_shaped(mat.reshape(np.shape(leaf) + np.shape(x))))
            per_wrt.append(pytree.unflatten(td, blocks))
        result.append(tuple(per_wrt) if jac._as_tuple else per_wrt[0])
    return pytree.unflatten(out_td, result)


def _one_hot(leaf, k):
    if not isinstance(leaf, np.ndarray):
        return 1.0
    e = np.zeros(np.shape(leaf))
    e.flat[k] = 1.0
    return e


def _zeros_tree(v):
    leaves, td = pytree.flatten(v)
    return pytree.unflatten(td, [pytree.zeros_like(x) for x in leaves])


def _shaped(mat):
    return float(mat) if mat.ndim == 0 else mat
