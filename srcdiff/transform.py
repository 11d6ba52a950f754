"""The pipeline, stage by stage: lower -> cse -> activity -> kinds -> reverse or forward
sweep -> names -> source -> compiled function. One entry point per mode.

Takes a plain function (source.function_of), the indices of the parameters to
differentiate, a variant ("grad", "value_and_grad", "vjp", "jvp") and, for a
specialised build, example arguments (their kinds); gives a `Built`: the
generated `.source`, the function compiled from exactly that text, and its
source map (`build_reverse`, `build_forward`; `build` caches both). A build is
reused only while what it assumed holds (the lowering's guards, `f`'s defaults,
the types of the global constants its kinds read).
"""
from __future__ import annotations

import ast
import builtins
import itertools
import math
import types
import weakref
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from . import (activity, aliasing, arrays, checkpoint, coalesce, cse, emit, exprs, foreign,
               ir, kinds, provenance, pytree, runtime, shapes, static_args, syntax)
from .coalesce import Groups
from .errors import NotDifferentiableError
from .adjoints import is_fresh
from .exprs import Ref, assign, name, pv
from .forward import Forward, tangent_ref
from .lower import lower_function
from .resolve import guards_hold
from .reverse import Reverse
from .rules import table
from .source import function_of, parse_function
from .tape import shape_refs
from .template import Context


@dataclass
class Lowered:
    fn: ir.Function
    node: ast.AST  # the user's def, for the signature
    counter: itertools.count
    guards: list = field(default_factory=list)  # (namespace, name, object) read at build
    version: int = 0  # of the rule table
    injected: dict = field(default_factory=dict)  # names helpers of other modules need


_LOWERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
REWRITES: dict = {}  # a specialised copy of a function -> (def -> its def rewritten), tree_api
COUNTS: Counter = Counter()  # work done, not found in a cache: "lower", "reverse", "forward"


def lowered(f) -> Lowered:
    """The IR of `f`, cached per function object (weakly: a function can still be
    collected) and invalidated when a global callee it resolved has been rebound
    or a rule was registered."""
    f = function_of(f)
    hit = _LOWERED.get(f)
    if hit is not None and guards_hold(hit.guards) and hit.version == table.VERSION[0]:
        return hit
    COUNTS["lower"] += 1
    node, filename = parse_function(f)
    if f in REWRITES:
        node = REWRITES[f](node)
    counter = itertools.count()
    injected: dict = {}
    fn, guards = lower_function(f, node, filename, counter, injected)
    out = Lowered(fn, node, counter, guards, table.VERSION[0], injected)
    _LOWERED[f] = out
    return out


def module_names(f, reserved: set[str], injected=None) -> tuple[dict, list]:
    """The names `f`'s module (or an inlined helper's, `injected`) binds to `math`
    and NumPy; imports for the rest."""
    g = f.__globals__
    names, imports = {}, []
    for key, mod, prefer in (("math", math, ("math",)), ("np", np, ("np", "numpy"))):
        found = [k for k in prefer if g.get(k) is mod]
        found += sorted(k for k, v in g.items() if v is mod and k not in found)
        found += sorted(k for k, v in (injected or {}).items() if v is mod)
        if found:
            names[key] = found[0]
        else:
            alias = prefer[0]
            while alias in reserved or alias in g:
                alias = "_" + alias
            names[key] = alias
            imports.append((mod.__name__, alias))
    return names, imports


_INDEXABLE = (np.ndarray, list, tuple, dict, str, np.generic)


def namespace(f, lw: Lowered) -> dict:
    """`f`'s globals, with the modules injected for inlined helpers of other
    modules: what a module constant (`utils.SCALE`) is read from at build time."""
    mods = {k: v for k, v in lw.injected.items() if isinstance(v, types.ModuleType)}
    return {**f.__globals__, **mods} if mods else f.__globals__


def _cells(f) -> dict:
    """What `f`'s closure cells hold now (the object of a bound method's `self`)."""
    out = {}
    for key, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
        try:
            out[key] = cell.cell_contents
        except ValueError:  # (an empty cell)
            pass
    return out


def opaque_bases(f, fn: ir.Function, args, ns=None):
    """For a call with these arguments: whether an indexed atom is an object with
    its own `__getitem__` (not an array, list, tuple, dict or string)."""
    types_ = {p.id: type(a) for p, a in zip(fn.params, args)}

    def opaque(atom) -> bool:
        if isinstance(atom, ir.Var):
            t = types_.get(atom.id)
            return t is not None and not issubclass(t, _INDEXABLE) and not (
                arrays.is_array_type(t))
        if isinstance(atom, ir.Opaque) and not atom.uses:
            try:
                tree = ast.fix_missing_locations(ast.Expression(exprs.opaque(atom)))
                value = eval(compile(tree, "<index base>", "eval"), ns or f.__globals__)
            except Exception:
                return False
            return not isinstance(value, _INDEXABLE)
        return False

    return opaque


def _reaches_numpy(values) -> bool:
    """Whether code reading these globals (helpers' too) and cells may meet arrays:
    NumPy itself, a module re-exporting it (`import autograd.numpy as np`), a NumPy
    function imported alone (`from numpy import dot`), any function with a rule for
    arrays, or an array. Only code that reaches none of them is `math` code, whose
    parameters the generic derivative takes as scalars."""
    def reaches(v):
        if v is np or isinstance(v, (np.ndarray, np.ufunc)):
            return True
        if isinstance(v, types.ModuleType):
            return getattr(v, "ndarray", None) is np.ndarray
        rule = table.lookup(v) if callable(v) else None
        return rule is not None and not rule.scalar_args
    return any(reaches(v) for v in values)


def param_kinds(fn: ir.Function, args, numpy_ok: bool) -> dict:
    if args is None:
        default = None if numpy_ok else kinds.SCALAR
        return {p.id: default for p in fn.params}
    return {p.id: kinds.kind_of_value(a) for p, a in zip(fn.params, args)}


@dataclass
class Built:
    source: str
    fn: types.FunctionType
    name: str
    ct_name: str = ""
    returns_value: bool = True  # the function returns (value, gradient)
    kind_guards: list = field(default_factory=list)  # (namespace, global, type) assumed
    source_map: dict = field(default_factory=dict)  # line of source -> (file, line) of f
    tags: dict = field(default_factory=dict)  # line of source -> its statement's provenance
    guards: list = field(default_factory=list)  # (namespace, name, object) its lowering read
    complex_result: bool = False  # the result may be complex (a vjp's cotangent may be)


def reserved_names(f, lw: Lowered) -> set[str]:
    """Names generated code must not bind: everything `f` reads from outside."""
    code = f.__code__
    out = set(code.co_names) | set(code.co_freevars) | set(f.__globals__) | set(dir(builtins))
    return (out - set(code.co_varnames)) | set(runtime.HELPERS) | set(lw.injected)


def _signature(node, extra_kwonly=()) -> ast.arguments:
    if isinstance(node, ast.Lambda):
        args = ast.arguments(posonlyargs=[], args=[ast.arg(a.arg) for a in node.args.args],
                             vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                             defaults=list(node.args.defaults))
    else:
        a = node.args
        args = ast.arguments(
            posonlyargs=[ast.arg(p.arg) for p in a.posonlyargs],
            args=[ast.arg(p.arg) for p in a.args], vararg=None,
            kwonlyargs=[ast.arg(p.arg) for p in a.kwonlyargs],
            kw_defaults=list(a.kw_defaults), kwarg=None, defaults=list(a.defaults))
    for k in extra_kwonly:
        args.kwonlyargs.append(ast.arg(k))
        args.kw_defaults.append(None)
    return args


@dataclass
class Setup:
    """What every mode computes first: IR, activity, kinds, names, modules."""

    f: types.FunctionType
    lw: Lowered
    fn: ir.Function
    wrt_vars: list
    active: set
    pk: dict
    vk: kinds.Kinds
    reserved: set
    modules: dict
    imports: list
    ctx: Context
    types: dict | None = None  # each parameter's type, when specialised to a call
    dtypes: dict = field(default_factory=dict)  # an array parameter's dtype character
    foreign: bool = False  # specialised to a call with a Dask or CuPy array (foreign.py)


def setup(f, wrt: tuple[int, ...], args, strict: bool = True) -> Setup:
    lw = lowered(f)
    fn = lw.fn
    ns = namespace(f, lw)
    pk = param_kinds(fn, args, _reaches_numpy([*ns.values(), *_cells(f).values()]))
    ps = None if args is None else {p.id: shapes.of_value(a) for p, a in zip(fn.params, args)}
    pi = None if args is None else {p.id: kinds.items_kind_of_value(a)
                                    for p, a in zip(fn.params, args)}
    if cse.candidates(fn):  # repeated scalar computations merged (their kinds decide)
        fn = cse.eliminate(fn, kinds.infer(fn, pk, ns, ps, _cells(f), pi))
    wrt_vars = [fn.params[i] for i in wrt]
    active = activity.analyze(fn, wrt_vars,
                              None if args is None else opaque_bases(f, fn, args, ns))
    vk = kinds.infer(fn, pk, ns, ps, _cells(f), pi)
    vk.complex = kinds.complex_values(fn, active, ns, () if args is None else {
        p.id for p, a in zip(fn.params, args) if kinds.is_complex_value(a)},
        {w.id for w in wrt_vars})
    if args is not None:
        foreign.refuse_leaves(f, [p.hint for p in fn.params], args)
        foreign.refuse_elsewhere(fn, active, args)
    if strict:
        for finding in aliasing.analyze(fn, vk):
            raise finding.error
    reserved = reserved_names(f, lw)
    modules, imports = module_names(f, reserved, lw.injected)
    ctx = Context(vk, modules, set())
    types = None if args is None else {p.id: type(a) for p, a in zip(fn.params, args)}
    # the values certainly Python floats or ints (generic scalar code: for float arguments)
    vk.numbers = kinds.python_numbers(fn, types if types is not None else {
        p.id: float for p in fn.params if pk[p.id] == kinds.SCALAR}, vk)
    dtypes = {} if args is None else {p.id: a.dtype.char for p, a in zip(fn.params, args)
                                      if type(a) is np.ndarray}
    return Setup(f, lw, fn, wrt_vars, active, pk, vk, reserved, modules, imports, ctx, types,
                 dtypes, args is not None and any(map(has_foreign, args)))


def has_foreign(a) -> bool:
    """A Dask or CuPy array, or a container holding one (read inside f by key)."""
    return arrays.is_array(a) or pytree.is_node(a) and any(map(has_foreign, pytree.flatten(a)[0]))


def finish(su: Setup, fname: str, args: ast.arguments, body: list, primal: Groups,
           extra_vars=(), injected=None, needed=frozenset()) -> Built:
    """Imports and helpers, then names, tidying, printing and compiling."""
    shape_refs(body)  # a shape reference reads the value (or the tape's stand-in of it)
    if su.foreign:  # NumPy arrays made from a Dask or CuPy array's shape: made like it
        foreign.rewrite(body, su.modules["np"])
    for n in syntax.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(n, ast.Name) and n.id in runtime.HELPERS:
            su.ctx.helpers.add(n.id)
    helpers = (foreign.helper_defs if su.foreign else runtime.helper_defs)(
        su.ctx.helpers, su.modules["np"])
    used = _names_read(body + helpers)  # (a module only a helper reads is imported too)
    head = [ast.Import([ast.alias(mod, None if mod == alias else alias)])
            for mod, alias in su.imports if alias in used] + helpers
    func = ast.FunctionDef(fname, args, head + body, [], None)  # helpers inside (API.md)
    vars_by_id = _all_vars(su.fn, extra_vars)
    temps = emit.merge_groups(func, vars_by_id, primal)
    keep = {Ref("v", primal.leader(v)).id for v in su.fn.params}
    keep |= {Ref("v", primal.leader(vars_by_id[i])).id for i in needed if i in vars_by_id}
    emit.in_place_updates(func, keep, su.modules["np"])
    if su.foreign:
        foreign.writes_by_index(func, su.modules["np"])
    func = emit.tidy(func, temps, set(), su.modules["np"], _hints(vars_by_id))
    emit.drop_passing_checks(func, su.f.__globals__)
    func.body = runtime.drop_unused_helpers(func.body)  # (tidying may drop their calls)
    checkpoint.fold_copies(func, temps, primal, vars_by_id)
    func = emit.rename(func, vars_by_id, primal, su.fn.params, su.reserved)
    source = emit.to_source(func)
    source, source_map, tags = provenance.annotate(func, source, _home(su.fn))
    compiled = emit.compile_function(source, fname, su.f, {**su.lw.injected, **(injected or {})},
                                     source_map)
    return Built(source, compiled, fname, source_map=source_map, tags=tags)


def _hints(vars_by_id: dict) -> dict[str, str]:
    """About the name each placeholder prints as (emit.rename gives the final one)."""
    out = {}
    for vid, v in vars_by_id.items():
        out[Ref("v", vid).id] = v.hint
        out[Ref("d", vid).id] = "d_" + v.hint
        out[Ref("t", vid).id] = v.hint + "_dot"
    return out


def refuse_complex_result(fn: ir.Function, vk: kinds.Kinds) -> None:
    """grad of a result that may be complex is refused, as JAX does without
    holomorphic=True: its gradient is not defined by one real derivative."""
    if not (isinstance(fn.result, ir.Var) and vk.is_complex(fn.result)):
        return
    loc = next((s.loc for s in ir.walk(fn.body) if isinstance(s, ir.Assign)
                and s.var is fn.result and s.loc is not None), fn.loc)
    raise NotDifferentiableError(
        "grad of a result that may be complex: as in JAX, differentiate a complex result "
        "with vjp (a complex cotangent) or jvp, or take a real part of it (np.real, "
        "np.abs, abs(z) ** 2)", loc)


def _home(fn: ir.Function) -> str | None:
    """The primal's file: its lines are commented `line 12`, other files' by name."""
    return provenance.home_of(fn.loc.filename) if fn.loc is not None else None


def _finalize(su: Setup, w: ir.Var, g: ast.expr, floats=None, fresh=False,
              adjoints=None) -> ast.expr:
    """A gradient in its parameter's type and shape, fresh: `_like` for arrays
    and unknown kinds; for scalars a Python float (ints, 0-d values and NumPy scalars
    can flow into it: `d(x * floor(x))/dx`, `d(x * w)/dx` is `w`), or the parameter's
    NumPy float type (`np.float32(d_x)`). Nothing for a float64 array parameter whose
    gradient is a new array certainly of its abstract shape (a sum of products with
    the float seed is float64)."""
    if _float_array(su, w):
        np_ = name(su.modules["np"])
        if isinstance(g, ast.Constant) and g.value == 0:
            return ast.Call(ast.Attribute(np_, "zeros_like", ast.Load()), [pv(w)], [])
        if su.ctx.shape_of_expr(g, adjoints or {}) == su.vk.shape(w):
            if fresh:
                return g
            return ast.Call(ast.Attribute(np_, "array", ast.Load()), [g],
                            [ast.keyword("dtype", name("float"))])
    if su.pk[w.id] != kinds.SCALAR or su.foreign:  # (a Dask scalar gradient stays lazy)
        su.ctx.helpers.add("_like")
        args = [g, pv(w)] + ([ast.Constant(True)] if fresh else [])
        return ast.Call(name("_like"), args, [])
    t = (su.types or {}).get(w.id)
    if t is not None and issubclass(t, (np.floating, np.complexfloating)) and hasattr(
            np, t.__name__):
        return ast.Call(ast.Attribute(name(su.modules["np"]), t.__name__, ast.Load()), [g], [])
    if t is complex:
        return ast.Call(name("complex"), [g], [])
    if exprs.is_float(g, floats or {}, su.modules["math"]):
        return g
    return ast.Call(name("float"), [g], [])


def _float_array(su: Setup, w: ir.Var) -> bool:
    """`w` is specialised to a float64 array of known abstract shape, not 0-d."""
    sh = su.vk.shape(w)
    return (su.types is not None and not su.foreign and su.types[w.id] is np.ndarray
            and shapes.known(sh) and len(sh) > 0 and su.dtypes.get(w.id) == "d")


# f -> (Lowered, f.__defaults__, f.__kwdefaults__, {key: Built})
_BUILT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def kinds_key(args) -> tuple:
    """What a specialised build depends on in its arguments: each one's type, an
    array's dtype and which of its dimensions have size 1 (shapes.key), a
    container's structure and its leaves' kinds, a function argument itself
    (static_args.py), the one kind of a list's or tuple's items; other values never:
    they are read at run time).
    dispatch.py writes inline tests of this key; a key of another form takes the
    general call path there."""
    return tuple(map(value_key, args))


def value_key(a):
    """kinds_key's part for one argument. A function is the build's code, so it is
    keyed as itself wherever it is: an argument, a tuple of them, a leaf of a
    container (`(np.sin, np.tanh)` was keyed by its leaves' types, and the code
    built for it ran for `(np.tanh, np.sin)`)."""
    if isinstance(a, np.ndarray) or arrays.is_array(a):
        return type(a), shapes.key(a)
    if static_args.is_objects(a):  # (a list of objects: classes and settings, per item)
        return "static", static_args.key(a)
    if pytree.is_node(a):  # (a dataclass model: its class, in the structure; read live)
        leaves, td = pytree.flatten(a)
        return td, tuple(("static", v) if static_args.is_function(v) or isinstance(v, str)
                         else pytree.kind_key(v) for v in leaves)
    if static_args.is_static(a) or a is True or a is False:  # (a bool may choose code:
        return "static", static_args.key(a)  # `f = np.tanh if smooth else relu`)
    if isinstance(a, (list, tuple)):  # its items' one kind: Kinds assumes it (`x, y = x0`)
        return type(a), kinds.items_kind_of_value(a)
    return type(a)


def build(mode: str, f, wrt: tuple[int, ...], variant: str, args=None, check=None,
          as_tuple: bool = False, strict: bool = True) -> Built:
    """`build_reverse` or `build_forward` (mode "reverse" or "forward"), cached per
    function object and specialisation, shared by every entry point. A build is
    reused while what it assumed holds: the lowering it came from is still
    current (no global callee rebound, no rule registered), `f`'s defaults are
    the same objects, and the global constants its kinds read still have the
    types they had."""
    f = function_of(f)
    if args is not None:  # a function among the arguments: code for it (static_args.py)
        f = static_args.specialised(f, args, wrt, REWRITES)
    lw = lowered(f)
    slot = _BUILT.get(f)
    if slot is None or slot[0] is not lw or slot[1] is not f.__defaults__ or (
            slot[2] is not f.__kwdefaults__):  # (compiled code copies the defaults)
        slot = _BUILT[f] = (lw, f.__defaults__, f.__kwdefaults__, {})
    key = (mode, wrt, variant, check, as_tuple, strict,
           None if args is None else kinds_key(args), checkpoint.current())
    hit = slot[3].get(key)
    if hit is not None and kind_guards_hold(hit.kind_guards):
        return hit
    COUNTS[mode] += 1
    make = build_forward if mode == "forward" else build_reverse
    built = slot[3][key] = make(f, wrt, variant, args, check, as_tuple, strict)
    built.guards = lw.guards  # (a copy for a function passed: what it resolved there)
    if args is None:  # (code for real arguments: inlined elsewhere, never with complex ones)
        kinds.REAL_ONLY.add(built.fn.__code__.co_filename)
    return built


def kind_guards(f, vk: kinds.Kinds) -> list:
    """(namespace, name, type) for each global constant (`SCALE`, `utils.SCALE`)
    whose type the kinds relied on."""
    return [(vars(k[0]), k[1], t) if isinstance(k, tuple) else (f.__globals__, k, t)
            for k, t in vk.guards.items()]


def kind_guards_hold(guards) -> bool:
    """Whether every global constant the kinds read still has the type they assumed."""
    for ns, name_, typ in guards:
        if not kinds.guard_holds(ns.get(name_), typ):
            return False
    return True


def build_reverse(f, wrt: tuple[int, ...], variant: str, args=None, check=None,
                  as_tuple: bool = False, strict: bool = True) -> Built:
    """variant: "grad", "value_and_grad" or "vjp". `args` specialises value kinds
    (None: the generic derivative). `check`, when given, is called on the primal
    result before the reverse sweep, and the function returns (value, gradient).
    `strict=False` (the display of a derivative before any call) skips checks that
    depend on argument kinds; the code that runs is always built strictly."""
    su = setup(f, wrt, args, strict)
    fn = su.fn
    if variant != "vjp":
        refuse_complex_result(fn, su.vk)
    if check is not None and su.vk.kind(fn.result) == kinds.SCALAR:
        check = None  # certainly a scalar: nothing to check
    adj = Groups()
    pairs = coalesce.candidates(fn)
    for a, b, _ in pairs:
        adj.union(a, b)
    ct_name = emit.Namer(su.reserved).fresh("ct")
    su.reserved.add(ct_name)
    seed = name(ct_name) if variant == "vjp" else ast.Constant(1.0)
    rev = Reverse(fn, su.active, su.ctx, adj, su.lw.counter)
    fwd, back = rev.run(seed)
    grads = []
    returned = set()  # adjoint buffers already returned (a second one is copied)
    for w in su.wrt_vars:
        st = rev.state.get(w.id)
        if isinstance(st, tuple) and not exprs.is_simple(st[1]):
            rev.write(w, st[1], back, first=True)
            st = rev.state[w.id] = "named"
        if st is None:
            g = ast.Constant(0.0)
        elif st == "named":
            g = rev.adjref(w)
        else:
            g = st[1]
        key = g.vid if isinstance(g, Ref) and g.role == "d" else None
        fresh = is_fresh(g) or key in rev.owned and key not in returned
        returned.add(key)
        grads.append(_finalize(su, w, g, rev.floats, fresh, rev.ashapes))
    shape_refs(back)
    # the primal values the reverse sweep reads, its returned gradients' included (an
    # adjoint still pending, `d_x = d_y * math.cos(x)`): no two share one name
    needed = checkpoint.needed(back + [ast.Expr(g) for g in grads])
    primal = coalesce.reverse_groups(pairs, needed)
    result = exprs.atom(fn.result)
    body = list(fwd)
    returns_value = not (variant == "grad" and check is None)
    if returns_value and isinstance(fn.result, ir.Var):
        value = ir.Var(next(su.lw.counter), "value")  # before the tape restores names
        rev.saved.append(value)
        body.append(assign(pv(value), result))
        result = pv(value)
    if check is not None:
        body.append(ast.Expr(ast.Call(name("__srcdiff_check__"), [result], [])))
    body += back
    provenance.tag(back, 0, None, provenance.ADJOINT)  # the gradients' last contributions
    single = variant != "vjp" and len(wrt) == 1 and not as_tuple
    gtuple = grads[0] if single else ast.Tuple(grads, ast.Load())
    if variant == "grad" and check is None:
        ret = gtuple
    else:
        ret = ast.Tuple([result, gtuple], ast.Load())
    body.append(ast.Return(ret))
    fname = f"{_base_name(fn)}_{variant}"
    sig = _signature(su.lw.node, (ct_name,) if variant == "vjp" else ())
    injected = {"__srcdiff_check__": check} if check is not None else {}
    built = finish(su, fname, sig, body, primal,
                   list(rev.plan.tapes.values()) + rev.saved,
                   injected, needed)
    built.kind_guards = kind_guards(f, su.vk)
    built.ct_name = ct_name
    built.returns_value = returns_value
    built.complex_result = su.vk.is_complex(fn.result)
    return built


def _result_leaves(fn: ir.Function):
    """The items of the list of leaves a structured result was rewritten to
    (unpack: `return [a, b]`), where the function ends by building it; else None."""
    last = fn.body[-1] if fn.body else None
    if (fn.result_leaves and isinstance(last, ir.Assign) and last.var is fn.result
            and isinstance(last.expr, ir.Call) and last.expr.fn == ("pack", "list")):
        return last.expr.args
    return None


def _typed_tangent(su, fw, v, t=None) -> ast.expr:
    """The tangent of result `v` with its type (JAX's convention): float(...) for a
    float, else `_like` (an array of v's shape and dtype)."""
    if t is None:
        t = fw.tangent_of(v) if isinstance(v, ir.Var) else None
        if t is None:
            t = ast.Constant(0.0) if su.vk.kind(v) == kinds.SCALAR else fw.zero_like(v)
    if isinstance(v, ir.Var) and su.vk.numbers.get(v.id) == kinds.FLOAT:
        return ast.Call(name("float"), [t], [])
    su.ctx.helpers.add("_like")
    return ast.Call(name("_like"), [t, exprs.atom(v)], [])


def build_forward(f, wrt: tuple[int, ...], variant: str, args=None, check=None,
                  as_tuple: bool = False, strict: bool = True) -> Built:
    """variant: "jvp" (tangents of every positional parameter as keyword-only
    `x_dot` arguments; returns (value, tangent)) or "grad"/"value_and_grad" (one
    forward sweep per input entry, through a nested `tangent` function)."""
    su = setup(f, wrt, args, strict)
    fn = su.fn
    if variant != "jvp" and su.foreign:
        foreign.refuse_forward_grad(f, [args[i] for i in wrt])
    if variant != "jvp":
        refuse_complex_result(fn, su.vk)
        for w in su.wrt_vars:
            if su.vk.is_complex(w):
                raise NotDifferentiableError(
                    f"forward-mode grad of the complex parameter {w.hint!r}: it would need "
                    "two tangents per entry (its real and imaginary parts); use grad "
                    "(reverse mode) or jvp", fn.loc)
    if check is not None and su.vk.kind(fn.result) == kinds.SCALAR:
        check = None
    fw = Forward(fn, su.active, su.ctx)
    for w in su.wrt_vars:
        fw.tan[w.id] = tangent_ref(w)
    code = fw.block(fn.body)
    primal = coalesce.forward_groups(fn, coalesce.candidates(fn))
    result = exprs.atom(fn.result)
    t_out = fw.tangent_of(fn.result) if isinstance(fn.result, ir.Var) else None
    if t_out is None:
        t_out = ast.Constant(0.0) if su.vk.kind(fn.result) == kinds.SCALAR else (
            fw.zero_like(fn.result))
    tangent_args = [_ref_arg(tangent_ref(w)) for w in su.wrt_vars]
    injected = {"__srcdiff_check__": check} if check is not None else {}
    if variant == "jvp":
        sig = _signature(su.lw.node)
        sig.kwonlyargs += tangent_args
        sig.kw_defaults += [None] * len(tangent_args)
        items = _result_leaves(fn)
        if items is not None:  # a structured result: each leaf with its own tangent
            result = ast.List([exprs.atom(v) for v in items], ast.Load())
            t_out = ast.List([_typed_tangent(su, fw, v) for v in items], ast.Load())
        else:
            t_out = _typed_tangent(su, fw, fn.result, t_out)
        body = code + [ast.Return(ast.Tuple([result, t_out], ast.Load()))]
        built = finish(su, f"{_base_name(fn)}_jvp", sig, body, primal, (), injected)
        built.kind_guards = kind_guards(f, su.vk)
        return built
    primal_args = [ast.arg(p.hint) for p in fn.params]
    inner_args = ast.arguments(posonlyargs=[], args=primal_args + tangent_args, vararg=None,
                               kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    passed = [pv(p) for p in fn.params]
    taken = su.reserved | {v.hint for v in _all_vars(fn).values()}
    tangent_fn = emit.Namer(taken).fresh("tangent")
    value_name = emit.Namer(taken | {tangent_fn}).fresh("value")
    checked = [ast.Expr(ast.Call(name("__srcdiff_check__"), [result], []))] if check else []
    inner = ast.FunctionDef(tangent_fn, inner_args,
                            code + checked + [ast.Return(ast.Tuple([result, t_out], ast.Load()))],
                            [], None)
    body: list = [inner]
    grads = []
    all_scalar = all(su.pk[w.id] == kinds.SCALAR for w in su.wrt_vars)
    for i, w in enumerate(su.wrt_vars):
        dname = Ref("d", w.id)
        if all_scalar:  # literal seeds; otherwise every seed is shaped like its parameter
            seeds = [ast.Constant(1.0 if j == i else 0.0) for j in range(len(su.wrt_vars))]
            call = ast.Call(name(tangent_fn), passed + seeds, [])
        else:
            su.ctx.helpers.add("_forward_grad")
            call = ast.Call(name("_forward_grad"),
                            [name(tangent_fn), ast.Tuple(passed, ast.Load()), ast.Constant(i)]
                            + [pv(v) for v in su.wrt_vars], [])
        body.append(ast.Assign([ast.Tuple([ast.Name(value_name, ast.Store()),
                                           exprs.store(dname)], ast.Store())],
                               call, lineno=0))
        if all_scalar:
            grads.append(_finalize(su, w, dname))
        else:
            su.ctx.helpers.add("_like")
            grads.append(ast.Call(name("_like"), [dname, pv(w)], []))
    if not su.wrt_vars:
        body.append(ast.Assign([ast.Name(value_name, ast.Store())], result, lineno=0))
    value = name(value_name)
    single = len(wrt) == 1 and not as_tuple
    gtuple = grads[0] if single else ast.Tuple(grads, ast.Load())
    ret = gtuple if variant == "grad" and check is None else ast.Tuple([value, gtuple],
                                                                       ast.Load())
    body.append(ast.Return(ret))
    built = finish(su, f"{_base_name(fn)}_{variant}", _signature(su.lw.node), body, primal, (),
                   injected)
    built.kind_guards = kind_guards(f, su.vk)
    built.returns_value = not (variant == "grad" and check is None)
    return built


def _ref_arg(ref: Ref) -> ast.arg:
    """A parameter standing for a Ref (a tangent `x_dot`), named by codegen."""
    arg = ast.arg(ref.id)
    arg.ref = ref
    return arg


def _names_read(code) -> set[str]:
    return {n.id for s in code for n in syntax.walk(s) if isinstance(n, ast.Name)}


def _base_name(fn: ir.Function) -> str:
    return fn.name if fn.name.isidentifier() else "f"


def _all_vars(fn: ir.Function, extra=()) -> dict:
    out = {p.id: p for p in fn.params}
    for s in ir.walk(fn.body):
        for v in ir.stmt_defs(s):
            out[v.id] = v
        if isinstance(s, ir.Loop):
            if s.index is not None:
                out[s.index.id] = s.index
            if s.trips is not None:
                out[s.trips.id] = s.trips
    for t in extra:
        out[t.id] = t
    return out


__all__ = ["build", "build_reverse", "lowered", "Built", "assign"]
