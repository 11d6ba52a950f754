"""The rule table: one entry per primitive, keyed by the resolved object.

A rule is data. Per differentiable parameter it gives a *vjp* template (the
cotangent contribution, over the parameters, the output `ans` and the incoming
cotangent `g`) and a *jvp* template (the tangent contribution, over the
parameters, `ans` and that parameter's tangent `t`). Templates are Python
expression strings naming modules as `math` and `np`; the emitter maps those to
the names `f`'s module uses. Built-in rules and users' rules (`register`) go
through exactly this path, so a rule is added in one place. Besides templates a
rule holds its primitive's other facts, which the passes ask of it (a view,
effects, a scatter adjoint, its result's kind and shape, how it prints).

Gives `lookup(fn)` (the rule of a resolved object, or None) and the helpers that
add rules. Imports only errors.py and ir.py: every pass may read the table, and
the rule modules (rules/builtin.py loads them) fill it.
"""
from __future__ import annotations

import ast
import copy
import inspect
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import syntax
from ..errors import NotDifferentiableError, SrcDiffError
from ..ir import Const

# out_kind: how the result's kind (scalar or array) follows from the inputs:
# SCALAR always; ELEMENTWISE like its inputs; REDUCE a scalar when no axis is
# given; or a function (bound arguments, kind_of) -> kind, or (LIST, the kind of
# its items) for a list whose items share one (kind_of(v, item=True) reads it).
SCALAR, ELEMENTWISE, UNKNOWN, REDUCE = "scalar", "elementwise", "unknown", "reduce"
LIST = "list"  # a list of arrays (np.split's pieces): its adjoint holds one per item


class Bound(dict):
    """A call's arguments by parameter name (None when defaulted), and the kinds
    of those arguments (`b.kind("a")`: "scalar", "vector", "matrix", ... or None)
    for templates that depend on them (`g @ b.T` for matrices)."""

    kind_of: Callable = staticmethod(lambda atom: None)
    complex_of: Callable = staticmethod(lambda atom: False)  # may the atom be complex
    complex_call = False  # the call has an operand or a result that may be complex

    def kind(self, param: str):
        return self.kind_of(self.get(param))

    def complex(self, param: str) -> bool:
        return self.get(param) is not None and self.complex_of(self.get(param))


@dataclass
class Rule:
    name: str
    params: tuple[str, ...]
    defaults: dict[str, Any] = field(default_factory=dict)
    vjp: dict[str, str] = field(default_factory=dict)
    jvp: dict[str, str] = field(default_factory=dict)
    broadcast: bool = False  # contributions are reduced back to the operand's shape
    zero: bool = False  # derivative is zero everywhere: the result is never active
    out_kind: str = UNKNOWN
    sympy: Callable | None = None
    varargs: bool = False  # trailing parameters repeat (max(a, b, c, ...))
    view: bool = False  # the result may share memory with the first argument (aliasing.py)
    namespace: dict = field(default_factory=dict)  # where user templates' names resolve
    # The result is a tuple the caller unpacks or indexes (eigh, svd): True, or a function
    # of the bound arguments (svd with compute_uv=False returns one array). Its cotangent
    # is then a list, one entry per item (zeros for an item never read); its tangent a tuple.
    tuple_out: Any = False
    parsed: dict = field(default_factory=dict, repr=False)
    # --- facts the passes ask of a primitive besides its derivative ---
    derivative: bool = True  # False: only facts (kind, form) are known; active use is an error
    same_shape: str | None = None  # the result always has this parameter's shape
    scalar_args: bool = False  # every argument is a scalar (the `math` module)
    # raises for some real arguments where its derivative need not (math.log(-1.0)): a
    # call never dropped as dead code, so that the derivative raises where f does
    raises: bool = False
    # `+`/`*`: of lists or tuples (no array among them) they concatenate and repeat, and
    # the result is a LIST (elementwise otherwise)
    sequences: bool = False
    effect_free: bool = False  # kept for its effect, which changes no value (print)
    # returns a one-pass iterator (a generator): a loop over it runs over `list(...)` of
    # it, which has a length and items by index (lower_loops.py)
    iterator: bool = False
    # the result holds a reference to these arguments (a list display holds its items,
    # `acc.append(v)` holds v): a view passed to it outlives the statement (aliasing.py)
    keeps: tuple[str, ...] = ()
    scatter: str | None = None  # the adjoint of `a` is g scattered into a at this index
    index: str | None = None  # this parameter is an integer position (never differentiated)
    recompute: bool = False  # cheaper for the reverse sweep to recompute than to tape
    form: Callable | None = None  # (args, keywords) -> the primal as AST, if not a call
    # (target, call, NumPy's name in the code) -> the call as an in-place statement
    update: Callable | None = None
    keeps_fresh: bool = False  # returns its first argument or a new array
    new_array: bool = False  # always returns a new array (ufuncs do too: adjoints.is_fresh)
    # (bound arguments, abstract shape of an atom) -> the result's abstract shape
    # (shapes.py); None: from out_kind (elementwise, reduce, scalar) or unknown
    shape: Callable | None = None
    # (bound arguments) -> the result's shape as a template over the parameters
    # (`(np.size(a), np.size(b))` for np.outer), so that an adjoint needing the shape
    # of a value no parameter shares reads it from the operands, never from the value
    shape_expr: Callable | None = None
    # (bound arguments, abstract shape of an atom) -> the abstract shape the result
    # describes, for a shape or a size: `x.shape` describes x's, `x.shape[0]` and
    # `len(x)` a one-dimensional shape of x's first size (np.zeros(n) has it)
    describes: Callable | None = None
    # one tangent over every argument's tangent `t_<param>` (zeros for inactive
    # ones), for results that are not a sum over arguments (a list's items)
    jvp_joint: Any = None
    # libraries whose implementation NumPy dispatches this call to (foreign.py) computes
    # something else: top-level module name -> how (a differentiated call is refused)
    elsewhere: dict = field(default_factory=dict)
    # whether the templates are right for complex operands, in JAX's convention (the
    # cotangent is a transpose, not an adjoint: `g * f'(z)`): None, they are not (a
    # differentiated call with a complex operand or result is refused when srcdiff
    # specialises); HOLOMORPHIC, the real templates are; or {"vjp": {...}, "jvp": {...}},
    # templates of their own for complex calls (conj, abs, real, imag, angle, fft)
    complex: Any = None

    @property
    def diff(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p in self.vjp or p in self.jvp)

    def diff_of(self, bound: dict) -> tuple[str, ...]:
        """The differentiable parameters of one call (varargs rules: every `_i`)."""
        if "*" in self.vjp or "*" in self.jvp:
            return tuple(k for k in bound if k.startswith("_"))
        return self.diff

    def returns_tuple(self, bound: dict) -> bool:
        return bool(self.tuple_out(bound) if callable(self.tuple_out) else self.tuple_out)

    def template(self, mode: str, param: str, scalar: bool, bound: dict) -> ast.expr | None:
        """The template for `param` in `mode` ("vjp"/"jvp"), parsed; None if the
        parameter contributes nothing. `bound` maps parameter names to what was
        passed (None when defaulted), for rules whose template depends on it, and
        says whether the call has a complex operand or result (`Rule.complex`)."""
        table = self.vjp if mode == "vjp" else self.jvp
        if getattr(bound, "complex_call", False):
            if self.complex is None:
                raise NotDifferentiableError(complex_refusal(self.name))
            if self.complex != HOLOMORPHIC:
                table = self.complex[mode]
        text = table.get(param)
        if text is None and "*" in table and param.startswith("_"):
            star = table["*"]  # a string over `{i}`, or a function of (bound, param)
            text = star.replace("{i}", param[1:]) if isinstance(star, str) else star(bound, param)
        if callable(text):
            text = self._either(text, bound, scalar)
        if isinstance(text, tuple):
            text = text[0] if scalar else text[1]
        if text is None:
            return None
        if text not in self.parsed:
            self.parsed[text] = ast.parse(text, mode="eval").body
        return syntax.copy(self.parsed[text])


    def joint_template(self, bound: dict) -> ast.expr:
        text = self._either(self.jvp_joint, bound) if callable(self.jvp_joint) else self.jvp_joint
        return ast.parse(text, mode="eval").body

    def _either(self, template: Callable, bound: dict, scalar: bool = False):
        """`template(bound)`, correct whatever an option defaulting to None holds at run
        time: when one is passed as a variable (`axis=axis`, which may be None) and the
        template differs with the option omitted, `(T if axis is not None else T0)`.
        A value of known kind (a number, an array) is not None: no test for it."""
        text = template(bound)
        vars_ = [p for p, a in bound.items() if p in self.defaults and
                 self.defaults[p] is None and a is not None and not isinstance(a, Const)
                 and bound.kind(p) is None]
        for p in vars_[:3]:
            omitted = copy.copy(bound)
            omitted[p] = None
            try:
                other = self._either(template, omitted, scalar)
            except SrcDiffError:  # only the option's other state is differentiable
                continue
            pick = (lambda t: t[0] if scalar else t[1])
            a, b = (pick(t) if isinstance(t, tuple) else t for t in (text, other))
            if a != b and a is not None and b is not None:
                text = f"({a} if {p} is not None else {b})"
            elif a != b:  # one state contributes nothing
                zero = "0.0"
                text = f"({a or zero} if {p} is not None else {b or zero})"
        return text


HOLOMORPHIC = "holomorphic"


def complex_refusal(name: str) -> str:
    return (f"{name} of a complex value: srcdiff has no complex derivative rule for it "
            "(README: complex values); compute with the real and imaginary parts as real "
            "values, or register a rule")


def defcomplex(fns, vjp=None, jvp=None) -> None:
    """Say that the rules of `fns` are right for complex operands: as written
    (no templates given: holomorphic, `g * f'(z)`), or with these templates."""
    for fn in fns:
        RULES[_key(fn)].complex = HOLOMORPHIC if vjp is None else {"vjp": vjp, "jvp": jvp}
    VERSION[0] += 1


RULES: dict[Any, Rule] = {}
VERSION = [0]  # bumped by every change to the table: cached transforms are then stale


def _key(fn: Any) -> Any:
    try:
        hash(fn)
        return fn
    except TypeError:
        return id(fn)


_LAZY: dict[str, Callable] = {}  # a module's name -> what adds its rules, once it is imported


def lazy(module: str, load: Callable) -> None:
    """Add the rules `load` adds once `module` has been imported (by anyone): the rules
    of an optional dependency (SciPy), which srcdiff itself never imports."""
    _LAZY[module] = load


def lookup(fn: Any) -> Rule | None:
    """The rule of `fn`, facts-only entries included."""
    try:
        rule = RULES.get(_key(fn))
    except Exception:
        return None
    if rule is None and _LAZY and any(m in sys.modules for m in _LAZY):
        load_lazy()
        return lookup(fn)
    return rule


def load_lazy() -> None:
    """Add the lazy rules of every module imported by now."""
    for m in [m for m in _LAZY if m in sys.modules]:
        _LAZY.pop(m)()


def derivative_rule(fn: Any) -> Rule | None:
    """The rule of `fn` if it gives a derivative."""
    rule = lookup(fn)
    return rule if rule is not None and rule.derivative else None


TEMPLATE_NAMES = frozenset({"g", "t", "ans"})  # what a template's own names stand for


def add(fn: Any, rule: Rule) -> Rule:
    if (rule.vjp or rule.jvp) and TEMPLATE_NAMES & set(rule.params):
        raise ValueError(f"the rule of {rule.name} names a parameter "
                         f"{sorted(TEMPLATE_NAMES & set(rule.params))}, which its templates "
                         "read as the cotangent, tangent or result: rename it")
    old = RULES.get(_key(fn))
    rule.view = rule.view or old is not None and old.view  # a fact of fn, not of its rule
    RULES[_key(fn)] = rule
    VERSION[0] += 1
    return rule


def defelementwise(fn, name: str, params: str, *partials: str | None, out_kind=ELEMENTWISE,
                   sympy=None, defaults=None, tangents=None, **facts):
    """An elementwise function: `partials[i]` is d ans / d param_i as an expression.
    vjp is `g * partial`, jvp is `t * partial`; both skip the multiply by 1. A
    partial "0" is a parameter the result varies with only in steps (poisson's k);
    None one srcdiff has no formula for (t.cdf's df): a located refusal when it is
    differentiated, never a zero. `tangents`: param -> a jvp template written out
    where `t * partial` would be wrong (an exact zero tangent at an infinite
    partial gives zero, not nan: sqrt at 0)."""
    names = tuple(params.split())
    vjp, jvp = {}, {}
    for p, d in zip(names, partials):
        if d == "0":
            continue
        if d is None:
            vjp[p] = jvp[p] = _no_partial(name, p)
            continue
        vjp[p] = _scale("g", d)
        jvp[p] = (tangents or {}).get(p) or _scale("t", d)
    return add(fn, Rule(name, names, dict(defaults or {}), vjp, jvp, broadcast=True,
                        out_kind=out_kind, sympy=sympy, **facts))


def _no_partial(name: str, p: str):
    def template(b, *_):
        raise NotDifferentiableError(
            f"{name}: srcdiff has no derivative with respect to {p} (it is not "
            f"differentiated); hold {p} constant, or register a rule with srcdiff.register")
    template.refuses = f"no derivative in {p}"  # (the coverage table lists it)
    return template


def _scale(g: str, d):
    if isinstance(d, tuple):
        return tuple(_scale(g, x) for x in d)
    if d == "1":
        return g
    if d == "-1":
        return f"-{g}"
    return f"{g} * ({d})" if any(c in d for c in "+-") else f"{g} * {d}"


def defzero(fn, name: str, out_kind=UNKNOWN, sympy=None, **facts):
    """A function whose derivative is zero almost everywhere (floor, sign, len)."""
    return add(fn, Rule(name, (), zero=True, out_kind=out_kind, sympy=sympy, varargs=True,
                        **facts))


def deffacts(fn, name: str, **facts):
    """Facts about a function srcdiff has no derivative for (differentiating
    through it stays an error): its result's kind, that it has no effect."""
    return add(fn, Rule(name, (), varargs=True, derivative=False, **facts))


def register(fn: Callable, vjp=None, jvp=None, *, params=None, sympy=None, name=None) -> Rule:
    """Give `fn` a derivative rule, the same shape as the built-in ones.

    `params` names `fn`'s positional parameters (read from its signature when
    omitted). `vjp` is a tuple, one template per parameter (None: no
    derivative), each a Python expression over the parameters, the result `ans`
    and the cotangent `g`; `jvp` likewise over each parameter's tangent `t`.
    When `jvp` is omitted and the rule is for a scalar function, it is derived
    from `vjp` by replacing `g` with `t`. Names in the templates other than
    those resolve, at run time, in the module that calls `register`::

        srcdiff.register(softplus, vjp=("g / (1 + np.exp(-x))",))
    """
    defaults = {}
    if params is None:
        found = signature_of(fn)
        if found is None:
            raise SrcDiffError(
                f"register({fn!r}): cannot read its parameters; pass params=('x', ...)")
        params, defaults = found
    params = tuple(params)
    if isinstance(vjp, str):
        vjp = (vjp,)
    if isinstance(jvp, str):
        jvp = (jvp,)
    vjp = tuple(vjp or ())
    clash = {p: f"_arg{i}" for i, p in enumerate(params) if p in ("g", "t", "ans")}
    if clash:  # a parameter named like a placeholder: rename it inside the vjp templates
        vjp = tuple(None if v is None else _rename(v, clash) for v in vjp)
        params = tuple(clash.get(p, p) for p in params)
    if len(vjp) > len(params):
        raise SrcDiffError(f"register: {len(vjp)} vjp templates for parameters {params}")
    if jvp is None:
        jvp = tuple(None if v is None else _g_to_t(v) for v in vjp)
    for text in list(vjp) + list(jvp):
        if text is not None:
            try:
                ast.parse(text, mode="eval")
            except SyntaxError as e:
                raise SrcDiffError(
                    f"register: template {text!r} is not an expression: {e}") from None
    caller = sys._getframe(1).f_globals
    label = name or getattr(fn, "__qualname__", None) or repr(fn)
    rule = Rule(label, params, {clash.get(p, p): d for p, d in defaults.items()},
                vjp={p: v for p, v in zip(params, vjp) if v is not None},
                jvp={p: v for p, v in zip(params, jvp) if v is not None},
                sympy=sympy, namespace=caller)
    return add(fn, rule)


def signature_of(fn) -> tuple[tuple[str, ...], dict] | None:
    """(positional parameters, their defaults) of `fn`, or None when nothing says: a
    ufunc's are its inputs (x, or x1, x2, ...; never out=); a C function without a
    signature may name them on its docstring's first line (`solve(a, b)`)."""
    nin = getattr(fn, "nin", None)
    if type(fn).__name__ == "ufunc" and isinstance(nin, int):
        return ("x",) if nin == 1 else tuple(f"x{i + 1}" for i in range(nin)), {}
    try:
        ps = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return _docstring_signature(fn)
    if any(p.kind is p.VAR_POSITIONAL for p in ps):
        return None  # f(*xs): how many there are is the call's business
    ps = [p for p in ps if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return (tuple(p.name for p in ps),
            {p.name: p.default for p in ps if p.default is not p.empty})


def _docstring_signature(fn):
    name = getattr(fn, "__name__", None)
    first = (getattr(fn, "__doc__", None) or "").strip().split("\n")[0]
    if not name or not first.startswith(name + "("):
        return None
    inside = first[len(name) + 1:].partition(")")[0]
    required, _, optional = inside.partition("[")  # `log(z[, base])`: base is optional
    names = [[a.strip().partition("=")[0].strip(" []") for a in part.split(",")]
             for part in (required, optional)]
    names = [[a for a in part if a and a != "/"] for part in names]
    if not names[0] or any(not a.isidentifier() for a in names[0] + names[1]):
        return None  # `*coordinates`, `...`: not a fixed list
    return tuple(names[0] + names[1]), dict.fromkeys(names[1])


def _rename(text: str, names: dict) -> str:
    tree = ast.parse(text, mode="eval")
    for node in syntax.walk(tree):
        if isinstance(node, ast.Name) and node.id in names:
            node.id = names[node.id]
    return ast.unparse(tree)


def _g_to_t(text: str) -> str:
    tree = ast.parse(text, mode="eval")
    for node in syntax.walk(tree):
        if isinstance(node, ast.Name) and node.id == "g":
            node.id = "t"
    return ast.unparse(tree)


def unregister(fn: Callable) -> None:
    RULES.pop(_key(fn), None)
    VERSION[0] += 1


def returns_tuple(call) -> bool:
    """Whether an IR call's result is a tuple whose items carry derivatives separately."""
    rule = lookup(call.fn)
    if rule is None or not rule.tuple_out:
        return False
    try:
        return rule.returns_tuple(bind_args(rule, call.args, call.kwargs))
    except (TypeError, SrcDiffError):  # the rule's own template reports it, located
        return False


def bind_args(rule: Rule, args: list, kwargs: dict) -> dict:
    """Map a call's arguments to the rule's parameter names; raises TypeError when
    they do not fit (the caller turns that into a located error)."""
    if rule.varargs or rule.zero:
        return Bound({f"_{i}": a for i, a in enumerate(args)} | dict(kwargs))
    if len(args) > len(rule.params):
        raise TypeError(f"{rule.name} takes at most {len(rule.params)} positional arguments")
    bound = Bound(zip(rule.params, args))
    for k, v in kwargs.items():
        if k not in rule.params or k in bound:
            raise TypeError(f"{rule.name} got an unexpected keyword argument {k!r}")
        bound[k] = v
    for p in rule.params:
        if p not in bound:
            if p not in rule.defaults:
                raise TypeError(f"{rule.name} is missing the argument {p!r}")
            bound[p] = None
    return bound
