"""The public entry points: grad, value_and_grad, vjp, jvp, jacobian, hessian, hvp
(and stop_gradient).

Takes the user's function (or a derivative srcdiff made, a bound method, a
partial, a primitive with a rule) and `wrt`; gives a derivative function. It
transforms `f` once per `wrt` when it is built (so errors surface then), shows
the generic derivative as `.source`, and at call time runs a version specialised
to the kinds of the arguments (scalar or array), built once per kind signature
and cached. Guarantees: the arguments are checked before generated code runs
(complex values, non-numeric differentiated ones are refused), and a failure
inside generated code is the user's own error or a located SrcDiffError
(guards.py). Containers among the arguments or the result go to tree_api.py.
"""
from __future__ import annotations

import ast
import functools
import inspect
import types
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Sequence, Union

import numpy as np

from . import checkpoint as _checkpoint
from . import (arrays, foreign, guards, higher, inlining, notebook, per_call, provenance, pytree,
               shapes, static_args, transform, tree_api)
from .dispatch import NO, dispatcher
from .errors import (
    NonNumericOutputError,
    NonScalarOutputError,
    ShapeMismatchError,
    SrcDiffError,
    WrtError,
)
from .graph import graph as draw_graph, svg_of
from .kinds import guard_holds
from .lower import MISSING as _MISSING
from .rules.stop import detach, stop_gradient  # noqa: F401 (the public names)
from .rules.table import VERSION as _VERSION, lookup
from .per_call import PerCall
from .source import describe, function_of, parse_function, takes_star_args

Wrt = Union[int, str, Sequence[Union[int, str]]]


_SIGNATURES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def signature_of(f) -> inspect.Signature:
    """`inspect.signature(f)`, kept per function while its defaults are the same
    objects (entry points called afresh read it several times a call)."""
    hit = _SIGNATURES.get(f)
    if hit is not None and hit[0] is f.__defaults__ and hit[1] is f.__kwdefaults__:
        return hit[2]
    sig = inspect.signature(f)
    _SIGNATURES[f] = (f.__defaults__, f.__kwdefaults__, sig)
    return sig


def _params(f) -> list[str]:
    sig = signature_of(f)
    return [p.name for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def resolve_wrt(f, wrt: Wrt, allow_none=False) -> tuple[tuple[int, ...], bool]:
    """(parameter indices, whether the caller asked for a tuple)."""
    names = _params(f)
    positional = [p.name for p in signature_of(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if wrt is None and allow_none:  # (a primitive's own options are not operands)
        return tuple(range(getattr(f, "__srcdiff_operands__", len(positional)))), True
    as_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if as_tuple else [wrt]
    if not items:
        raise WrtError(f"wrt is empty; {describe(f)} has parameters {names}")
    out = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str, np.integer)):
            raise WrtError(f"wrt={w!r} is neither a parameter index nor a name; "
                           f"{describe(f)} has parameters {names}")
        if isinstance(w, str):
            if w not in names:
                raise WrtError(f"wrt={w!r} is not a parameter of {describe(f)}; "
                               f"its parameters are {names}")
            i = names.index(w)
        else:
            i = int(w)
            if not -len(positional) <= i < len(positional):
                raise WrtError(f"wrt={w} is out of range: {describe(f)} has "
                               f"{len(positional)} positional parameters {positional}")
            i %= len(positional)
        if i in out:
            raise WrtError(f"wrt names parameter {names[i]!r} twice; {describe(f)} has "
                           f"parameters {names}")
        out.append(i)
    return tuple(out), as_tuple


def _bound(sig, name: str, args, kwargs):
    """`args`/`kwargs` bound to `sig`, defaults applied; a TypeError naming `name`."""
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{name}: {e}") from None
    bound.apply_defaults()
    return bound
_SEQUENCES = (list, tuple)  # arguments checked at every call (not by type alone)


def check_arguments(fn, values, wrt, names=None) -> None:
    """Refuse, before generated code runs, what srcdiff cannot differentiate: a list
    or tuple of complex numbers, and a differentiated parameter that is not a number, an
    array, or a list/tuple of numbers or arrays of one shape (pytrees come later)."""
    for v in values:  # the common case first: this runs at every call with arrays
        t = type(v)
        if not (t is float or t is int or t is np.ndarray and v.dtype.kind in "fiub"):
            break
    else:
        return
    names = names or list(signature_of(fn).parameters)
    for name, v in zip(names, values):
        t = type(v)
        if t is float or t is int or t is np.ndarray or t is complex:
            continue  # the common cases, first: this runs at every call with arrays
        # an array-API-only array, a Dask one unsized (in a container: when built)
        problem = None if pytree.is_node(v) else foreign.refusal(name, v)
        if problem:
            raise SrcDiffError(f"{describe(fn)}: {problem}")
        if t in _SEQUENCES and any(map(_is_complex, v)):
            raise SrcDiffError(
                f"{describe(fn)}: argument {name!r} is {_complex(v)}; srcdiff differentiates "
                f"complex numbers and arrays, not lists of them: pass np.asarray(...)")
    for i in wrt:
        if pytree.is_node(values[i]):  # a container: each leaf a float or float array
            pytree.check_differentiable(names[i], values[i])
            continue
        problem = _not_differentiable(values[i])
        if problem:
            raise SrcDiffError(f"{describe(fn)}: cannot differentiate with respect to "
                               f"{names[i]!r}: it is {problem}")


_NOT_HOLOMORPHIC = ("as JAX's without holomorphic=True, srcdiff's jacobian, hessian and "
                    "hvp are for real inputs and results; use vjp and jvp, or split the "
                    "complex values into their real and imaginary parts")


def refuse_complex_matrix(fn, values, wrt) -> None:
    """A jacobian, hessian or hvp with respect to a complex argument is refused."""
    for i in wrt:
        if _is_complex(values[i]):
            raise SrcDiffError(f"{describe(fn)}: argument {i} is {_complex(values[i])}; "
                               + _NOT_HOLOMORPHIC)


def _real_entries(fn, v):
    """A jacobian's row or column, refused when complex (a complex result)."""
    if np.iscomplexobj(v):
        raise SrcDiffError(f"{describe(fn)}: its result is complex; " + _NOT_HOLOMORPHIC)
    return v


def _is_complex(v) -> bool:
    return isinstance(v, (complex, np.complexfloating)) or (
        (isinstance(v, np.ndarray) or arrays.is_array(v)) and v.dtype.kind == "c")


def _complex(v) -> str:
    if isinstance(v, _SEQUENCES):
        return f"a {type(v).__name__} with complex items"
    return f"an array of dtype {v.dtype}" if isinstance(v, np.ndarray) or arrays.is_array(
        v) else f"the complex number {v!r}"


def _not_differentiable(v) -> str | None:
    """Why a differentiated parameter's value is not supported, or None."""
    if isinstance(v, np.ndarray) or arrays.is_array(v):
        return None if v.dtype.kind in "biufc" else f"an array of dtype {v.dtype}"
    if isinstance(v, (int, float, complex, np.number)):
        return None
    not_yet = ("; srcdiff splits dicts, OrderedDicts, lists, tuples, namedtuples and "
               "dataclasses into their entries: pass one of those, or register the type "
               "with srcdiff.register_pytree")
    if isinstance(v, dict):
        return f"a {type(v).__name__} (a dict subclass)" + not_yet
    if isinstance(v, _SEQUENCES):
        if type(v) not in _SEQUENCES:
            return f"a {type(v).__name__} (a {type(v).__mro__[1].__name__} subclass)" + not_yet
        try:
            kind = np.asarray(v).dtype.kind
        except ValueError:  # NumPy refuses ragged nesting
            return f"a {type(v).__name__} of arrays of different shapes" + not_yet
        if kind == "c":
            return f"a {type(v).__name__} of complex numbers; srcdiff does not support " \
                   "complex inputs"
        if kind not in "biuf":
            return (f"a {type(v).__name__} of items that are not numbers or arrays of one "
                    f"shape" + not_yet)
        return None
    return (f"a {type(v).__name__}; srcdiff differentiates with respect to numbers, arrays, "
            f"and lists or tuples of them")


def _leaves_differentiable(v) -> bool:
    """Whether every leaf of the container `v` is a number or an array of numbers (not
    einsum's sublist [Ellipsis, 0, 1])."""
    try:
        pytree.check_differentiable("v", v)
    except SrcDiffError:
        return False
    return True


def check_scalar(y) -> None:
    """The result of `f` under grad must be a scalar."""
    if type(y) is float:
        return
    if np.iscomplexobj(y):
        raise NonNumericOutputError(
            f"grad needs a real scalar result, but the function returned the complex "
            f"{_short(y)}; as in JAX, differentiate a complex result with vjp (a complex "
            f"cotangent) or jvp, or take a real part of it (np.real, np.abs)")
    if isinstance(y, bool) or isinstance(y, np.bool_):
        raise NonNumericOutputError(f"grad needs a numeric scalar result, but the function "
                                    f"returned the bool {y!r}")
    if isinstance(y, (int, float, np.number)):
        return
    if isinstance(y, np.ndarray) or arrays.is_array(y):  # (a Dask 0-d array: lazy)
        if y.ndim == 0:
            return
        raise NonScalarOutputError(
            f"grad needs a scalar result, but the function returned an array of shape "
            f"{y.shape}; for a non-scalar result use vjp (with a cotangent) or jacobian")
    raise NonNumericOutputError(
        f"grad needs a numeric scalar result, but the function returned "
        f"{type(y).__name__} {_short(y)}")


def _short(y) -> str:
    text = repr(y)
    return text if len(text) < 60 else text[:57] + "..."


@dataclass
class Entry:
    """A specialised derivative in the cache: the function calls run, whether its
    result is (value, gradient) to unwrap, what `.source` shows (or a function
    building it when first read), what the code assumed (global names and the
    types of global constants, checked at each call) and the rule table's version."""

    fn: Callable
    unwrap: bool
    shown: Any
    guards: tuple
    version: int
    foreign: bool = False  # specialised to a call with Dask or CuPy arrays (foreign.py)


class Derivative:
    """A derivative function: call it like `f`; read `.source` and `.primal`.
    Each instance is of its own subclass, whose `__call__` is written for the
    specialisations it has cached (dispatch.py)."""

    def __new__(cls, f: Callable, *args, **kwargs):
        return super().__new__(type("Derivative", (cls,), {}) if cls is Derivative else cls)

    def __init__(self, f: Callable, wrt: Wrt, variant: str, mode: str = "reverse",
                 has_aux: bool = False, checkpoint=None):
        if mode not in ("reverse", "forward"):
            raise SrcDiffError(f"mode must be 'reverse' or 'forward', not {mode!r}")
        self._checkpoint = _checkpoint.policy_of(checkpoint)  # (forward mode: no tape)
        self.primal = f
        self._fn = _function(f)
        if has_aux:  # f returns (value, aux): the derivative of value (tree_api.AuxDerivative)
            self._fn = tree_api.strip_aux(self._fn)
        tree_api.generic_lowering(self._fn)  # unsupported code is reported before a bad wrt
        self.wrt, self._as_tuple = resolve_wrt(self._fn, wrt)
        self.variant = variant
        self.mode = mode
        self._cache: dict = {}
        self._checked: set = set()  # argument type tuples check_arguments passed by type
        self._by_structure: dict = {}  # (param, TreeDef)s -> code inlined (_for_structure)
        self._nparams = len(_params(self._fn))
        self._sig = signature_of(self._fn)
        self._names = list(self._sig.parameters)
        self._build_generic()
        self.__name__ = f"{getattr(f, '__name__', 'f')}_{variant}"
        self.__doc__ = f"The {variant} of {describe(f)} with respect to {self.wrt_names}."

    @property
    def wrt_names(self):
        names = _params(self._fn)
        return tuple(names[i] for i in self.wrt)

    def _build(self, args, check):
        with _checkpoint.using(self._checkpoint):
            return self._build_now(args, check)

    def _build_now(self, args, check):
        strict = args is not None
        if tree_api.structured(args, self.wrt):  # containers: code for their structure
            return tree_api.build(self.mode, self._fn, self.wrt, self.variant, args, check,
                                  self._as_tuple, strict)
        return transform.build(self.mode, self._fn, self.wrt, self.variant, args, check,
                               self._as_tuple, strict)

    def _build_generic(self):
        self._lowered = tree_api.generic_lowering(self._fn)  # (None: shaped at a call)
        self._guards = list({(id(ns), k): (ns, k, o) for ns, k, o in (
            self._lowered.guards if self._lowered else ())}.values())
        self._generic_built = None
        self._last = None
        self._cache.clear()
        self._by_structure.clear()
        self._install()
        self._version = _VERSION[0]

    @property
    def _generic(self):
        """The derivative for any argument kinds: what `.source` shows before a
        call and what a derivative of this one transforms. Built when first needed
        (a call runs a specialised build, which reports the same errors)."""
        if self._generic_built is None:
            try:
                self._generic_built = self._build(None, None)
            except SrcDiffError as e:  # p.W of a container parameter: code per structure
                self._generic_built = tree_api.deferred(self._fn, self.wrt, e)
        return self._generic_built

    @property
    def source(self) -> str:
        """The generated derivative: for the argument kinds (scalar or array) of
        the latest call, or, before any call, the generic one for any kinds."""
        return self._shown().source

    @property
    def source_map(self) -> dict:
        """Line of `.source` -> (file, line) of the primal statement it comes from."""
        return self._shown().source_map

    def _shown(self) -> transform.Built:
        entry = self._last
        if entry is None:  # (a parameter read by key: its code is made at the call)
            return tree_api.keyed(self._fn, self.wrt) or self._generic
        if callable(entry.shown):  # built when first read, not on the call path
            entry.shown = entry.shown()
        return entry.shown

    def graph(self):
        """The SSA graph of `f` with its adjoint (graph.py): `.dot`, `.save(path)`."""
        return draw_graph(self._fn, self.wrt)

    def _repr_html_(self) -> str:  # notebooks: the picture (with Graphviz) and the source
        return notebook.html(self)

    def _repr_svg_(self):
        return svg_of(self)

    def __call__(self, /, *args, **kwargs):
        values = self._bind(args, kwargs) if kwargs or len(args) != self._nparams else args
        return self._call(values, args, kwargs)

    def _call(self, values, args, kwargs):
        key = tuple(map(type, values))
        if key not in self._checked:  # arguments whose type alone says they are fine
            check_arguments(self._fn, values, self.wrt, self._names)
            if not any(t is np.ndarray or issubclass(t, (list, tuple, dict)) or
                       pytree.is_node_type(t) or arrays.is_array_type(t) for t in key):
                self._checked.add(key)
        entry = self._cache.get(transform.kinds_key(values))
        if entry is None or entry.version != _VERSION[0]:
            entry = self._specialise(values)
        for ns, name, expected, by_type in entry.guards:  # what the cached code assumed
            if not (guard_holds(ns.get(name), expected) if by_type else
                    ns.get(name, _MISSING) is expected):
                entry = self._specialise(values, rebuild=True)
                break
        self._last = entry
        try:
            result = entry.fn(*args, **kwargs) if kwargs else entry.fn(*args)
        except Exception as e:
            if entry.foreign and not isinstance(e, SrcDiffError):  # Dask's, CuPy's error
                raise foreign.unsupported(self._fn, args, kwargs, e, self.primal) from e
            if isinstance(e, guards.ARITHMETIC):
                raise guards.undefined(self._fn, args, kwargs, e, self.primal) from None
            provenance.note(e)  # where in f it came from: a note
            raise
        return result[1] if entry.unwrap else result

    def _bind(self, args, kwargs) -> tuple:
        return tuple(_bound(self._sig, self.__name__, args, kwargs).arguments.values())

    def _specialise(self, values, rebuild=False):
        """Build (once per argument-kind signature) the function calls run. Each
        entry keeps what it assumed: the global callees `f` resolved (rebound:
        transform again), the types of global constants, the rule table's version."""
        if rebuild or self._version != _VERSION[0]:
            self._build_generic()
        internal = self._build(values, check_scalar)
        if not internal.returns_value:
            shown = internal
        else:
            light = tuple(shapes.stand_in(a) if type(a) is np.ndarray or arrays.is_array(a)
                          else a for a in values)  # the kinds, without keeping big arrays alive
            light = tuple(pytree.light(a) for a in light)
            shown = lambda: self._build(light, None)  # noqa: E731
        once = {(id(ns), k): (ns, k, obj)  # f's and its own lowering's (a function passed)
                for ns, k, obj in list(self._guards) + list(internal.guards)}
        guards = [(ns, k, obj, False) for ns, k, obj in once.values()]
        guards += [(ns, k, typ, True) for ns, k, typ in internal.kind_guards]
        unwrap = internal.returns_value and self.variant == "grad"  # (value, grad) -> grad
        entry = Entry(internal.fn, unwrap, shown, tuple(guards), self._version,
                      any(map(transform.has_foreign, values)))
        self._cache[transform.kinds_key(values)] = entry
        self._install()
        return entry

    def _install(self) -> None:
        """Write the call path for the cached specialisations (none: the general one)."""
        cls = type(self)
        if cls.__dict__.get("__call__"):
            del cls.__call__
        params = list(self._sig.parameters.values())
        positional = all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
        if self._cache and params and positional and cls.__base__ is Derivative:
            cls.__call__ = dispatcher(self.__name__, params, list(self._cache.items()),
                                      self.wrt, _VERSION[0],
                                      _general, _fallback, guards.undefined,
                                      guards.ARITHMETIC)

    def __repr__(self) -> str:
        return f"<srcdiff {self.variant} of {describe(self.primal)} wrt {self.wrt_names}>"

    def __srcdiff_function__(self):
        """The Python function a call of this derivative inside a function srcdiff
        transforms is inlined as (`np.sum(grad(f)(w) ** 2)`, a gradient penalty); where
        it is passed containers built there, the code for their structure instead."""
        reverse = self.mode == "reverse" and self.variant in ("grad", "value_and_grad")
        looped = reverse and higher.has_loops(self._fn)
        try:
            fn = _function(self)
        except SrcDiffError as e:  # `for v in params.values()`: a loop only without its
            if not looped:  # structure (unrolled for one, srcdiff's code to inline then)
                raise
            base = self._fn  # (a copy of f stands for it: its signature names the trees)
            fn = types.FunctionType(base.__code__, base.__globals__, base.__name__,
                                    base.__defaults__, base.__closure__)
            fn.__kwdefaults__, fn.__qualname__ = base.__kwdefaults__, base.__qualname__
            inlining.FOR_STRUCTURE[fn] = functools.partial(self._unrolled, e)
            self._stands_in = fn  # (FOR_STRUCTURE holds it weakly)
            return fn
        if reverse:
            inlining.FOR_STRUCTURE[fn] = functools.partial(self._unrolled, None) if (
                looped) else self._for_structure
        return fn

    def _unrolled(self, error, trees: dict):
        """The code for the structure `trees` of a gradient whose loops are over its
        containers (unrolled there: code srcdiff transforms again); else `error` (None:
        the generic code)."""
        code = self._for_structure(trees)
        if code is None or _loops(code):  # (a tape: not transformed again)
            if error is not None:
                raise error
            return None
        return code

    def _for_structure(self, trees: dict):
        """This gradient's code for arguments of the structure `trees` (parameter ->
        TreeDef), None when none it differentiates is a container."""
        names = [n for n in self.wrt_names if n in trees]
        if not names:
            return None
        key = tuple((n, trees[n]) for n in names)
        if key not in self._by_structure:
            self._by_structure[key] = tree_api.for_trees(
                self.mode, self._fn, self.wrt, self.variant, dict(key), self._as_tuple).fn
        return self._by_structure[key]


def _loops(code) -> bool:
    """Whether generated code has a loop (a gradient's tape, not transformed again)."""
    return any(isinstance(n, (ast.For, ast.While)) for n in ast.walk(parse_function(code)[0]))


def _general(d: Derivative, names, args: tuple, more: tuple, kwargs: dict):
    """A call the written call path does not take: extra arguments, unknown keywords,
    a required argument missing. `names`: the path's parameters are `f`'s (None:
    positional a0, a1, ...), so what was passed may have been passed by keyword."""
    if more or names is None:  # (extra arguments: every parameter was passed by position)
        return Derivative.__call__(d, *(tuple(a for a in args if a is not NO) + more),
                                   **kwargs)
    passed = {n: a for n, a in zip(names, args) if a is not NO}
    return Derivative.__call__(d, **passed, **kwargs)


def _fallback(d: Derivative, args: tuple):
    """A call no cached specialisation matches (or whose globals changed)."""
    return d._call(args, args, {})


def _decorator(variant):
    def make(f=None, wrt: Wrt = 0, *, mode: str = "reverse", has_aux: bool = False,
             checkpoint=None):
        if f is None:
            return lambda g: make(g, wrt, mode=mode, has_aux=has_aux, checkpoint=checkpoint)
        if not callable(f):
            raise SrcDiffError(f"{variant} expects a function, got {type(f).__name__}")
        if per_call.needed(f):  # `def f(*args)`: built for each call's number of arguments
            return PerCall(lambda g: make(g, wrt, mode=mode, has_aux=has_aux,
                                          checkpoint=checkpoint), f, variant)
        if has_aux:
            return tree_api.AuxDerivative(Derivative(f, wrt, variant, mode, has_aux=True,
                                                     checkpoint=checkpoint))
        return Derivative(f, wrt, variant, mode, checkpoint=checkpoint)

    make.__srcdiff_maker__ = variant  # (a call of it written in f is made when lowering)
    return make


grad = _decorator("grad")
grad.__doc__ = """grad(f, wrt=0, *, mode="reverse", has_aux=False, checkpoint=None): a function
computing the gradient of f's scalar result with respect to the parameter(s) named
by wrt (an index, a name, or a tuple of them). Works as @grad and @grad(wrt=...).
checkpoint (k, srcdiff.every(k) or srcdiff.revolve(s)) checkpoints f's outermost
loops: snapshots of their state instead of a tape of every trip."""
value_and_grad = _decorator("value_and_grad")
value_and_grad.__doc__ = """value_and_grad(f, wrt=0): like grad, returning (f(...), gradient)."""


def _function(f, nargs=None):
    """The Python function behind `f`: a derivative function is its generated code,
    so derivatives of derivatives transform the generated source again. `nargs`: the
    number of arguments of the call (a primitive taking any number, np.einsum)."""
    if isinstance(f, PerCall):  # grad of `def f(*args)`: the one built for `nargs`
        g = f.of(nargs) if nargs is not None else None
        if g is None:
            raise SrcDiffError(f"{f!r} is built for a call's number of arguments; "
                               "differentiate it at a call (vjp(g, *args), jvp(g, args, ...))")
        f = g
    if isinstance(f, Derivative):
        if f.variant in ("grad", "value_and_grad") and higher.has_loops(f._fn):
            # its gradient's tape is not transformed again: the gradient from f's
            # tangent code (higher.py), which has f's loops and no tape
            return higher.gradient(f._fn, f.wrt, f.variant, f._as_tuple)
        if f.mode == "forward":  # the same derivative, as reverse-mode code to transform
            f = Derivative(f.primal, f.wrt if f._as_tuple else f.wrt[0], f.variant)
        return f._generic.fn
    return function_of(f, nargs)


def _structured_code(f, primals):
    """For a gradient `f` whose differentiated parameters are containers in this call
    (vjp(grad(f), [W, b])), or whose generic code is built only at a call (it calls a
    function passed, or reads a parameter by key), its code for this call, which srcdiff
    transforms again; the generic code takes containers as arrays (np.zeros(np.shape(
    params)) of arrays of different shapes raised), or of complex arguments. None for
    anything else."""
    if not (isinstance(f, Derivative) and f.mode == "reverse" and f.variant in (
            "grad", "value_and_grad")):
        return None
    if higher.has_loops(f._fn):  # its code for containers, where it unrolls all its loops
        if len(primals) != f._nparams or not tree_api.structured(primals, f.wrt):
            return None
        code = f._build(tuple(primals), None).fn
        return None if _loops(code) else code
    deferred = getattr(f._generic.fn, "__srcdiff_deferred__", False)
    if len(primals) != f._nparams and deferred:
        primals = f._bind(tuple(primals), {})  # with f's defaults (a function default)
    # (complex arguments: the generic code is for real ones, np.angle's derivative 0)
    if len(primals) != f._nparams or not (deferred or tree_api.structured(primals, f.wrt)
                                          or any(map(_is_complex, primals))):
        return None
    return f._build(tuple(primals), None).fn


def _any_number(f) -> bool:
    """Whether `f` is a primitive with a rule taking any number of arguments."""
    try:
        rule = lookup(f)
    except TypeError:
        return False
    return rule is not None and rule.varargs and rule.derivative and not rule.zero and (
        not isinstance(f, types.FunctionType))


def vjp(f: Callable, *primals: Any, wrt: Wrt | None = None, checkpoint=None):
    """(out, pullback): pullback(cotangent) gives one gradient per differentiated
    parameter (a tuple), for any result shape. Omitted trailing primals take
    `f`'s defaults. `checkpoint` as for grad."""
    with _checkpoint.using(_checkpoint.policy_of(checkpoint)):
        return _vjp(f, primals, wrt)


def _deferred(fn, primals) -> None:
    """A gradient whose code is built per container structure at a call (tree_api's
    stand-in), differentiated at arguments it has no structured code for: its own error
    (transforming the stand-in itself would refuse srcdiff's `*args`)."""
    if getattr(fn, "__srcdiff_deferred__", False):
        fn(*primals)


def _vjp(f: Callable, primals: tuple, wrt: Wrt | None):
    if isinstance(f, PerCall):  # (grad of `def f(*args)`: the one for this many arguments)
        f = f.of(len(primals)) or per_call._refuse_call(f, primals, {})
    fn = _structured_code(f, primals) or _function(f, len(primals))
    _deferred(fn, primals)
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
           for p in signature_of(fn).parameters.values()):
        transform.lowered(fn)  # the located refusal of *args, not a wrt out of range
    idx, _ = resolve_wrt(fn, wrt, allow_none=True)
    sig = signature_of(fn)
    if len(primals) != sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                           for p in sig.parameters.values()):
        primals = tuple(_bound(sig, f"vjp of {describe(fn)}", primals, {}).args)
    fn = _structured_code(f, primals) or fn
    check_arguments(fn, primals, idx)
    if tree_api.structured(primals, idx) or tree_api.returns_display(fn):
        return tree_api.vjp(f, fn, primals, idx)  # containers in or out
    built = transform.build("reverse", fn, idx, "vjp", primals)
    out = guards.primal(fn, primals)
    if pytree.is_node(out):  # a container from a call (np.split), not a display
        return tree_api.vjp(f, fn, primals, idx)
    return out, guards.pullback(built, f, fn, primals, out)


class JVP:
    """`jvp(f)`: a function `(primals, tangents) -> (out, tangent_out)` with `.source`.
    `idx` (internal: forward jacobians) limits the tangents to those parameters."""

    def __init__(self, f, idx=None):
        self.primal = f
        self._given = idx
        if _any_number(f) or takes_star_args(f) or isinstance(f, PerCall):  # (np.einsum, a
            # def with *args or a derivative of one: one
            # JVP per number of arguments, when called)
            self._fn, self._per_count = None, {}
            return
        self._fn = _function(f)
        deferred = getattr(self._fn, "__srcdiff_deferred__", False)  # (the primal's parameters)
        self._positional = [p for p in signature_of(
            f.primal if deferred else self._fn).parameters.values()
                            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self._idx = tuple(range(getattr(self._fn, "__srcdiff_operands__", len(
            self._positional)))) if idx is None else tuple(idx)
        if not (tree_api.returns_display(self._fn) or deferred):  # (its code needs the
            tree_api.generic_lowering(self._fn)  # result's or the arguments' structure)
        self._last = None
        self._narrowed = {}  # idx without the settings given a None tangent -> JVP
        # jvp(grad(f)) of a loop, tangent in the gradient's parameter only: H v, by hvp
        # (one reverse sweep over f's tangent code, not one tangent sweep per element)
        self._products = HVP(f._fn, f.wrt[0], checkpoint=f._checkpoint) if (
            isinstance(f, Derivative) and f.variant == "grad" and not f._as_tuple
            and idx is None and higher.has_loops(f._fn)) else None

    @property
    def source(self) -> str:
        """The generic jvp (for any argument kinds), built when first read; for a
        structured result, the code of the latest call (built for its structure)."""
        if tree_api.returns_display(self._fn):
            return self._last.source if self._last is not None else (
                "# built at the first call, for the structure of the result\n")
        return transform.build("forward", self._fn, self._idx, "jvp").source

    @property
    def source_map(self) -> dict:
        """Line of `.source` -> (file, line) of the primal statement it comes from."""
        return transform.build("forward", self._fn, self._idx, "jvp").source_map

    def _of_count(self, n: int) -> JVP:
        if n not in self._per_count:
            self._per_count[n] = JVP(self.primal.of(n) or per_call._refuse_call(
                self.primal, (None,) * n, {}) if isinstance(self.primal, PerCall) else (
                _function(self.primal, n)), self._given)
        return self._per_count[n]

    def __call__(self, primals, tangents):
        primals, tangents = tuple(primals), tuple(tangents)
        if self._fn is None:
            return self._of_count(len(primals))(primals, tangents)
        n = len(self._positional)
        rest = self._positional[len(primals):]
        if len(primals) == len(tangents) < n and all(p.default is not p.empty for p in rest):
            defaults = tuple(p.default for p in rest)  # omitted: f's defaults, as in vjp
            primals += defaults
            tangents += tuple(None if d is None or static_args.is_static(d) else
                              0.0 * np.asarray(d) if np.ndim(d) else 0.0 for d in defaults)
        if len(primals) != n or len(tangents) != n:
            raise ShapeMismatchError(
                f"jvp needs one primal and one tangent per positional parameter of "
                f"{describe(self._fn)} ({[p.name for p in self._positional]}); got "
                f"{len(primals)} primals and {len(tangents)} tangents")
        if self._products is not None:
            w = self._products.wrt
            if not any(np.any(t) for j, t in enumerate(tangents) if j != w) and (
                    not tree_api.structured(primals, self._idx)):
                return self.primal(*primals), self._products(*primals, tangents[w])
        held = [i for i in self._idx if tangents[i] is None and primals[i] is not None
                and (not tree_api.structured(primals, (i,)) or not _leaves_differentiable(
                    primals[i]))]  # None: held constant, as
        # a setting (mode="edge", a width) or a value the rule cannot differentiate in
        if held:
            idx = tuple(i for i in self._idx if i not in held)
            if idx not in self._narrowed:
                self._narrowed[idx] = JVP(self.primal, idx)
            return self._narrowed[idx].push(primals, tuple(tangents[i] for i in idx))
        return self.push(primals, tangents)

    def push(self, primals, tangents):
        """(out, tangent_out) for all of `f`'s positional arguments `primals` and
        one tangent per parameter of `idx`."""
        if self._fn is None:
            return self._of_count(len(primals)).push(primals, tangents)
        code = _structured_code(self.primal, primals)
        if code is not None:
            inner = JVP(code, self._idx)
            out = inner.push(primals, tangents)
            self._last = inner._last  # (what `.source` shows)
            return out
        _deferred(self._fn, primals)
        check_arguments(self._fn, primals, self._idx)
        if tree_api.structured(primals, self._idx) or tree_api.returns_display(self._fn):
            return tree_api.jvp(self, primals, tangents)
        ts = []
        for i, t in zip(self._idx, tangents):
            p, spec = primals[i], self._positional[i]
            if t is None or isinstance(t, (str, bytes)):
                raise SrcDiffError(
                    f"the tangent of {spec.name!r} is {t!r}: jvp takes one tangent per "
                    f"positional parameter, a number or an array of {spec.name!r}'s shape "
                    "(0.0 for a parameter that does not change)")
            if np.shape(p) != np.shape(t):
                raise ShapeMismatchError(
                    f"the tangent of {spec.name!r} has shape {np.shape(t)} but the primal "
                    f"has shape {np.shape(p)}")
            if np.iscomplexobj(t) and not np.iscomplexobj(p):
                raise SrcDiffError(f"the tangent of {spec.name!r} is complex but "
                                   f"{spec.name!r} is real: a real value's tangent is real")
            if np.iscomplexobj(p):  # (a real tangent of a complex value: its real part moves)
                ts.append(np.array(t, dtype=complex) if isinstance(p, np.ndarray) else complex(t))
                continue
            ts.append(np.array(t, dtype=float) if isinstance(p, (np.ndarray, list, tuple)) else (
                t if isinstance(t, (float, np.ndarray)) else float(t)))
        built = self._last = transform.build("forward", self._fn, self._idx, "jvp", primals)
        code = built.fn.__code__
        names = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
        m = len(self._idx)
        kw = dict(zip(names[-m:] if m else (), ts))
        return guards.run(built.fn, self.primal, self._fn, primals, kw)


def jvp(f: Callable, primals=None, tangents=None):
    """(out, tangent_out) by forward mode; `jvp(f)` alone gives the JVP function
    (with `.source`)."""
    j = JVP(f)
    if primals is None and tangents is None:
        return j
    return j(primals, tangents)


class Jacobian:
    """`jacobian(f, wrt, mode)`: d out / d in with shape out.shape + in.shape (a tuple
    of them for a tuple `wrt`). Reverse builds it row by row from the pullback,
    forward column by column from jvp. Called like `f` (defaults, keywords); has
    `.source` (the vjp or jvp code of the latest call, generic before one) and `.primal`.
    `checkpoint` as for grad: the pullback's loops (reverse mode; forward mode keeps
    no tape, and there it changes nothing, as for grad)."""

    def __init__(self, f: Callable, wrt: Wrt = 0, mode: str = "reverse", *, checkpoint=None):
        if mode not in ("reverse", "forward"):
            raise SrcDiffError(f"mode must be 'reverse' or 'forward', not {mode!r}")
        self._checkpoint = _checkpoint.policy_of(checkpoint)
        self.primal = f
        self.mode = mode
        self._fn = _function(f)
        self.wrt, self._as_tuple = resolve_wrt(self._fn, wrt)
        self._sig = signature_of(self._fn)
        if mode == "forward":
            self._jvp = JVP(f, self.wrt)
        elif not tree_api.returns_display(self._fn):  # (its code needs the result's
            tree_api.generic_lowering(self._fn)  # structure) unsupported code is reported here
        self._source = None
        self.__name__ = f"{getattr(f, '__name__', 'f')}_jacobian"

    @property
    def source(self) -> str:
        if self._source is None and tree_api.returns_display(self._fn):
            return "# built at the first call, for the structure of the result\n"
        if self._source is None:  # before a call: the generic code, built when first read
            with _checkpoint.using(self._checkpoint):
                self._source = self._jvp.source if self.mode == "forward" else (
                    transform.build("reverse", self._fn, self.wrt, "vjp", strict=False).source)
        return self._source

    def bind(self, args, kwargs) -> tuple:
        """`f`'s positional arguments, with its defaults, from a call like `f`'s."""
        return _positional_values(self._sig, self.__name__, args, kwargs)

    def __call__(self, /, *args, **kwargs):
        args = self.bind(args, kwargs)
        check_arguments(self._fn, args, self.wrt)
        refuse_complex_matrix(self._fn, args, self.wrt)
        with _checkpoint.using(self._checkpoint):
            if tree_api.structured(args, self.wrt) or tree_api.returns_display(self._fn):
                return tree_api.jacobian(self, args, _structured_code(self.primal, args))
            res = self._forward(args) if self.mode == "forward" else self._reverse(args)
        return tuple(res) if self._as_tuple else res[0]

    def _forward(self, args):
        out = None
        cols = []
        for slot, i in enumerate(self.wrt):
            x = args[i]
            rows = []
            for k in range(int(np.size(x))):
                tangents = [np.zeros(np.shape(args[j])) if isinstance(args[j], np.ndarray)
                            else 0.0 for j in self.wrt]
                e = np.zeros(np.shape(x))
                e.flat[k] = 1.0
                tangents[slot] = e if isinstance(x, np.ndarray) else 1.0
                out, t_out = self._jvp.push(args, tangents)
                rows.append(np.asarray(_real_entries(self._fn, t_out), dtype=float))
            if out is None:
                out = self._fn(*args)
            mat = np.stack(rows, axis=-1) if rows else np.zeros(np.shape(out) + (0,))
            cols.append(_shape_jac(mat.reshape(np.shape(out) + np.shape(x))))
        self._source = self._jvp._last.source
        return cols

    def _reverse(self, args):
        out, pull = vjp(self._fn, *args, wrt=self.wrt, checkpoint=self._checkpoint)
        self._source = pull.source
        per = [[] for _ in self.wrt]
        for k in range(int(np.size(out))):
            ct = np.zeros(np.shape(out))
            ct.flat[k] = 1.0
            grads = pull(ct if isinstance(out, np.ndarray) or arrays.is_array(out) else 1.0)
            for slot, g in zip(per, grads):
                slot.append(np.asarray(_real_entries(self._fn, g), dtype=float))
        res = []
        for i, slot in zip(self.wrt, per):
            x = args[i]
            mat = np.stack(slot) if slot else np.zeros((0,) + np.shape(x))
            res.append(_shape_jac(mat.reshape(np.shape(out) + np.shape(x))))
        return res

    def __repr__(self) -> str:
        return f"<srcdiff jacobian of {describe(self.primal)} ({self.mode})>"




def jacobian(f: Callable, wrt: Wrt = 0, mode: str = "reverse", *, checkpoint=None):
    """d out / d in (see Jacobian); for `def f(*args)` built per call (per_call.py)."""
    if per_call.needed(f):
        return PerCall(lambda g: jacobian(g, wrt, mode, checkpoint=checkpoint), f, "jacobian")
    return Jacobian(f, wrt, mode, checkpoint=checkpoint)


def _positional_values(sig, name: str, args, kwargs) -> tuple:
    """`f`'s positional arguments, with its defaults, from a call like `f`'s."""
    bound = _bound(sig, name, args, kwargs)
    params = sig.parameters.values()
    if any(p.kind == p.KEYWORD_ONLY and p.name in kwargs for p in params):
        raise SrcDiffError(f"{name}: jacobian, hessian and hvp take f's positional "
                           f"parameters only; keyword-only ones keep their defaults")
    return tuple(bound.arguments[p.name] for p in params
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _shape_jac(mat):
    """A 1 x 1 Jacobian of scalars is a float."""
    if mat.ndim == 0:
        return float(mat)
    return mat


def hessian(f: Callable, wrt: Wrt = 0, *, checkpoint=None):
    """A function returning the Hessian, shape in.shape + in.shape (a float for a
    float input): forward mode over the generated reverse-mode gradient source, or,
    when `f` has a loop (its gradient keeps a tape), one Hessian-vector product per
    element of the input (reverse mode over f's tangent code, higher.py).
    `checkpoint` as for grad: the one reverse sweep with a tape is that of a loop's
    Hessian-vector products, over f's tangent code, whose outermost loops are f's
    (carrying tangents too); it checkpoints those (without it: the policy of the
    `srcdiff.checkpoint` markers on f's outermost loops, as hvp). Without a loop
    nothing is taped and it changes nothing, as for grad."""
    if per_call.needed(f):  # `def f(*args)`: built for each call's number of arguments
        return PerCall(lambda g: hessian(g, wrt, checkpoint=checkpoint), f, "hessian")
    fn = function_of(f)
    idx, as_tuple = resolve_wrt(fn, wrt)
    if as_tuple:
        raise SrcDiffError("hessian takes a single wrt (an index or a name)")
    policy = _checkpoint.policy_of(checkpoint)
    if higher.has_loops(fn):
        products = HVP(f, idx[0], checkpoint=policy)
        jac, error = None, None
    else:
        products = None
        g = Derivative(f, idx[0], "grad")
        try:
            jac, error = Jacobian(g, wrt=idx[0], mode="forward"), None
        except SrcDiffError as e:  # p["w"] of a container: built for its structure at a call
            jac, error = None, e

    bound: dict = {}  # f's copy binding the functions passed -> its hessian

    def hess(*args, **kwargs):
        values = (jac or Jacobian(fn)).bind(args, kwargs)  # f's parameters and defaults
        check_arguments(fn, values, idx)
        refuse_complex_matrix(fn, values, idx)
        check_scalar(guards.primal(fn, values))
        if tree_api.structured(values, idx):  # a container: a block per pair of leaves
            return _hessian_of_container(fn, idx[0], values)
        copy = static_args.specialised(fn, values, idx, transform.REWRITES)
        if copy is not fn:  # `loss(w)` of a function passed: f's code with it bound
            if copy not in bound:  # (static_args keeps the copies: one per function)
                bound[copy] = hessian(copy, idx[0], checkpoint=checkpoint)
            return bound[copy](*values)
        if error is not None:
            raise error
        if products is not None:
            return products.matrix(values)
        return jac(*values)

    hess.primal = f
    try:
        hess.source = products.source if products is not None else g.source
    except SrcDiffError:  # (its gradient is built for the functions a call passes)
        hess.source = "# built at the first call, for the functions passed\n"
    return hess


def _hessian_of_container(fn, i, values):
    """The Hessian with respect to the container `values[i]`: for each of its leaves,
    its structure holding the blocks d2f / d leaf d leaf' of shape leaf.shape +
    leaf'.shape (JAX's layout). Forward mode over the gradient of the function of
    the leaves (tree_api.specialised), one gradient per leaf."""
    flat = tree_api.Flat(fn, values, (i,))
    copy, _ = tree_api.specialised(fn, flat.trees)
    slots = flat.slots[i]
    td = flat.trees[flat.names[i]]
    rows = []
    for j in slots:
        g = Derivative(copy, j, "grad")
        blocks = Jacobian(g, wrt=tuple(slots), mode="forward")(*flat.values)
        rows.append(pytree.unflatten(td, list(blocks)))
    return pytree.unflatten(td, rows)


class HVP:
    """`hvp(f, wrt)(*args, v)`: the Hessian of `f` with respect to parameter `wrt`
    times `v` (shaped like that parameter), without forming the Hessian: the
    gradient of f's tangent along `v` (reverse over forward, higher.py), built
    for the kinds of the arguments as every derivative is. Equal to
    `jvp(grad(f), args, tangents)[1]` with `v` the tangent of `wrt` and zero
    tangents for the other parameters. `checkpoint` as for grad, for the reverse
    sweep over f's tangent code (its loops are f's); without it, the policy of the
    `srcdiff.checkpoint` markers on f's outermost loops when they all agree
    (higher.marked)."""

    def __init__(self, f: Callable, wrt: Wrt = 0, *, checkpoint=None):
        self.primal = f
        self._fn = function_of(f)
        self._checkpoint = _checkpoint.policy_of(checkpoint) if checkpoint is not None else (
            higher.marked(self._fn))  # (f's markers: its tangent code has its loops only)
        idx, as_tuple = resolve_wrt(self._fn, wrt)
        if as_tuple:
            raise SrcDiffError("hvp takes a single wrt (an index or a name)")
        self.wrt = idx[0]
        self._sig = signature_of(self._fn)
        self.__name__ = f"{getattr(f, '__name__', 'f')}_hvp"
        self._grads: dict = {}  # argument kinds -> (the tangent code, its gradient)
        self._last = None

    def _grad(self, values) -> Derivative:
        """The gradient of f's tangent, for the kinds of f's arguments `values`."""
        jvp_fn = transform.build("forward", self._fn, (self.wrt,), "jvp", values).fn
        key = transform.kinds_key(values)
        hit = self._grads.get(key)
        if hit is None or hit[0] is not jvp_fn:  # (a rebuilt tangent: a global changed)
            tangent = higher.tangent(self._fn, self.wrt, jvp_fn)
            hit = self._grads[key] = (jvp_fn, Derivative(tangent, self.wrt + 1, "grad",
                                                         checkpoint=self._checkpoint))
        self._last = hit[1]
        return hit[1]

    @property
    def source(self) -> str:
        """The code of the last product computed (before a call: for any kinds)."""
        if self._last is None:
            try:
                jvp_fn = transform.build("forward", self._fn, (self.wrt,), "jvp").fn
            except SrcDiffError as e:  # rhs(y) of a function passed: built at a call
                return tree_api.deferred(self._fn, (self.wrt,), e).source
            return Derivative(higher.tangent(self._fn, self.wrt, jvp_fn), self.wrt + 1,
                              "grad", checkpoint=self._checkpoint).source
        return self._last.source

    def __call__(self, /, *args, **kwargs):
        if not args:
            raise SrcDiffError(f"{self.__name__} takes f's arguments and then v")
        *primals, v = args
        values = _positional_values(self._sig, self.__name__, primals, kwargs)
        check_arguments(self._fn, values, (self.wrt,))
        refuse_complex_matrix(self._fn, values, (self.wrt,))
        if np.shape(v) != np.shape(values[self.wrt]):
            raise ShapeMismatchError(
                f"v has shape {np.shape(v)} but the parameter it multiplies has shape "
                f"{np.shape(values[self.wrt])}")
        return self._grad(values)(v, *values)

    def matrix(self, values) -> Any:
        """The Hessian at f's positional arguments `values`: one product per element."""
        grad_t = self._grad(values)
        x = values[self.wrt]
        if np.ndim(x) == 0:
            return float(grad_t(1.0, *values))
        shape = np.shape(x)
        rows = [np.asarray(grad_t(e.reshape(shape), *values), dtype=float)
                for e in np.eye(int(np.size(x)))]
        return np.stack(rows).reshape(shape + shape) if rows else np.zeros(shape + shape)




def hvp(f: Callable, wrt: Wrt = 0, *, checkpoint=None):
    """H v (see HVP); for `def f(*args)` built per call (per_call.py)."""
    if per_call.needed(f):
        return PerCall(lambda g: HVP(g, wrt, checkpoint=checkpoint), f, "hvp", extra=1)
    return HVP(f, wrt, checkpoint=checkpoint)
