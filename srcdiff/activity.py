"""Activity analysis: which values need a derivative.

A value is *varied* if it depends differentiably on a `wrt` parameter and
*useful* if the result depends differentiably on it; it is *active* if both.
Only active values get adjoint or tangent code. This pass also rejects, at
their location, active uses of things that have no derivative.

Takes the IR and the differentiated parameters; gives the ids of the active
values (`analyze`), or a located error.
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import os
import sysconfig

from . import ir, searches
from .errors import NotDifferentiableError, UnsupportedSyntaxError, how_to_register
from .rules.table import bind_args, derivative_rule, lookup, signature_of


def rule_of(call: ir.Call):
    """The call's derivative rule, or None (facts-only entries give none)."""
    return derivative_rule(call.fn)


def diff_args(call: ir.Call, loc=None) -> list[tuple[str, ir.Arg]]:
    """(parameter name, argument) for the arguments a derivative can flow into."""
    rule = rule_of(call)
    if rule is None:
        return [(str(i), a) for i, a in enumerate(call.args)] + list(call.kwargs.items())
    if rule.zero:
        return []
    try:
        bound = bind_args(rule, call.args, call.kwargs)
    except TypeError as e:
        raise UnsupportedSyntaxError(
            f"this call of {call.spelling or rule.name}: {e}", loc) from None
    return [(p, bound[p]) for p in rule.diff_of(bound) if bound.get(p) is not None]


def diff_uses(stmt: ir.Assign) -> list[ir.Var]:
    e = stmt.expr
    if isinstance(e, ir.Var):
        return [e]
    if isinstance(e, ir.Opaque):
        return [] if e.nondiff else list(e.uses.values())
    if isinstance(e, ir.Call):
        out = []
        for _, a in diff_args(e, stmt.loc):
            if isinstance(a, ir.Var):
                out.append(a)
            elif isinstance(a, ir.Opaque) and not a.nondiff:
                out.extend(a.uses.values())
        if rule_of(e) is None and isinstance(e.callee, ir.Opaque):
            out.extend(e.callee.uses.values())  # calling a value made from x: `g = partial(h, x)`
        return out
    return []


def _value_reads(a) -> list[ir.Var]:
    """The values an index reads as values, not only through a comparison (a mask
    `x[y > 0]` reads y for its truth, which has no derivative)."""
    if isinstance(a, ir.Var):
        return [a]
    if not isinstance(a, ir.Opaque):
        return []
    out = []

    def visit(n):
        if isinstance(n, (ast.Compare, ast.BoolOp)) or (
                isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not)):
            return
        if isinstance(n, ast.Name) and n.id in a.uses:
            out.append(a.uses[n.id])
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(a.node)
    return out


def _check_indices(block, varied, useful, opaque_base) -> None:
    """An index is an integer position: an index computed from a differentiated
    value (`T[x, 1.0]` on an object srcdiff cannot see into) would carry a
    derivative srcdiff would drop, so it is an error, never a constant."""
    for s in ir.walk(block):
        if not (isinstance(s, ir.Assign) and isinstance(s.expr, ir.Call)
                and s.var.id in useful):
            continue
        rule = rule_of(s.expr)
        if rule is None or rule.index is None:
            continue
        try:
            bound = bind_args(rule, s.expr.args, s.expr.kwargs)
        except TypeError:
            continue
        if not opaque_base(bound[rule.params[0]]):
            continue  # an array or a list: an index is an integer position
        if any(v.id in varied for v in _value_reads(bound.get(rule.index))):
            raise NotDifferentiableError(
                "this index is computed from a differentiated value; srcdiff differentiates "
                "indexing with integer positions only (for an object with its own "
                "__getitem__, give it a derivative rule with srcdiff.register)", s.loc)


def _edges(block, edges):
    """(target var, source vars) pairs: a derivative flows source -> target."""
    for s in block:
        if isinstance(s, ir.Assign):
            edges.append((s.var, diff_uses(s)))
        elif isinstance(s, ir.If):
            _edges(s.body, edges)
            _edges(s.orelse, edges)
            for p in s.outs:
                edges.append((p.var, [a for a in (p.then, p.orelse) if isinstance(a, ir.Var)]))
        elif isinstance(s, ir.Loop):
            _edges(s.body, edges)
            for c in s.carried:
                edges.append((c.phi, [a for a in (c.init, c.next) if isinstance(a, ir.Var)]))
    return edges


def varied(fn: ir.Function, wrt: list[ir.Var]) -> set[int]:
    """Ids of the values that depend differentiably on `wrt` (explain.py)."""
    return _varied(_edges(fn.body, []), wrt)


def _varied(edges, wrt) -> set[int]:
    out = {v.id for v in wrt}
    changed = True
    while changed:
        changed = False
        for tgt, srcs in edges:
            if tgt.id not in out and any(s.id in out for s in srcs):
                out.add(tgt.id)
                changed = True
    return out


def analyze(fn: ir.Function, wrt: list[ir.Var], opaque_base=None) -> set[int]:
    """Ids of the active vars. Fixpoint over the dataflow edges (loops included).
    `opaque_base(atom)` says whether an indexed value is an object srcdiff cannot
    see into (its own `__getitem__`): indexing one with a differentiated value is
    then an error."""
    edges = _edges(fn.body, [])
    varied = _varied(edges, wrt)
    useful = {fn.result.id} if isinstance(fn.result, ir.Var) else set()
    changed = True
    while changed:
        changed = False
        for tgt, srcs in reversed(edges):
            if tgt.id in useful:
                for s in srcs:
                    if s.id not in useful:
                        useful.add(s.id)
                        changed = True
    active = varied & useful
    _check(fn.body, active, {p.id for p in fn.params})
    if opaque_base is not None:
        _check_indices(fn.body, varied, useful, opaque_base)
    _check_effects(fn.body, varied)
    searches.refuse(fn, wrt, lambda vs: _varied(edges, vs))
    return active


def _check_effects(block, varied) -> None:
    """A call made for its effect (`acc.append(v)`, `np.copyto(out, v)`) may change
    a value in place; with a differentiated argument that change would carry a
    derivative srcdiff cannot see, so it is an error (printing is fine)."""
    for s in ir.walk(block):
        if not (isinstance(s, ir.Assign) and isinstance(s.expr, ir.Call)):
            continue
        rule = lookup(s.expr.fn)
        if rule is not None and (rule.effect_free or rule.scalar_args):  # (math is pure)
            continue
        if s.effect:
            reads = ir.expr_uses(s.expr)
        elif rule is None and isinstance(s.expr.fn, tuple) and s.expr.fn[0] == "method":
            reads = ir.expr_uses(s.expr.args[0])  # `_ = y.sort()` may change y itself
        else:
            continue
        if any(u.id in varied for u in reads) and not _recorded(s.expr, block):
            what = s.expr.spelling or "this call"
            raise UnsupportedSyntaxError(
                f"srcdiff does not support changing values in place with a differentiated "
                f"value ({what}(...)); build a new value instead, e.g. a list display "
                "[a, b], np.stack, or accumulate a sum", s.loc)

_ITERATORS = (zip, enumerate, map, filter, reversed, iter)  # (lazy: read item by item)
_RECORDS = ("append", "extend", "insert")


def _recorded(call: ir.Call, block) -> bool:
    """`self.history.append(value)` on a list outside the function (read live, as
    written) that the function reads nowhere else: no derivative flows back out of
    it, so the derivative records the value as `f` does and differentiates the rest."""
    if not (isinstance(call.fn, tuple) and call.fn[0] == "method" and call.fn[1] in _RECORDS):
        return False
    box = call.args[0]
    if not (isinstance(box, ir.Opaque) and not box.uses):
        return False
    written = ast.dump(box.node)
    seen = sum(any(ast.dump(n) == written for n in ast.walk(a.node))
               for s in ir.walk(block) for a in _opaques(s, top=True))
    return seen == 1


def _opaques(x, top=False):
    """The Opaque values a statement reads (not those of the blocks it holds)."""
    if isinstance(x, ir.Opaque):
        yield x
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from _opaques(v)
    elif isinstance(x, dict):
        yield from _opaques(list(x.values()))
    elif dataclasses.is_dataclass(x) and not isinstance(x, type) and (
            top or not isinstance(x, (ir.Assign, ir.If, ir.Loop))):
        for f in dataclasses.fields(x):
            if f.name not in ("body", "orelse"):
                yield from _opaques(getattr(x, f.name))


def _params_of(fn):
    found = signature_of(fn) if callable(fn) else None
    return found[0] if found else None


def _users_class(fn) -> bool:
    """A class defined in the user's own files (not Python's or an installed package's)."""
    if not isinstance(fn, type):
        return False
    try:
        path = os.path.realpath(inspect.getsourcefile(fn) or "")
    except (TypeError, OSError):
        return False
    libraries = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "purelib",
                                                                      "platlib")}
    return bool(path) and not any(path.startswith(lib + os.sep) for lib in libraries)


def _opaque_call(e: ir.Call, params) -> str:
    """Why a call of a value of the function (not a function srcdiff knows) is not
    differentiated: a parameter's function is known only at a call; any other value
    (np.vectorize(g), a function a call returned) is computed by the function."""
    if any(u.id in params for u in getattr(e.callee, "uses", {}).values()):
        return ("calls a parameter whose function is known only at a call: srcdiff builds "
                "the derivative for the function passed (call the derivative with it: "
                "grad(f)(..., fn, ...), or with f's default for it), which code written "
                "for any arguments cannot")
    return ("calls an object computed in the function (such as np.vectorize(g), or a "
            "function returned by a call srcdiff does not inline): srcdiff differentiates "
            "calls of functions it knows when transforming: call your function directly "
            "(on an array, or item by item in a loop or comprehension), or give a function "
            "of your own a rule with srcdiff.register")


def _check(block, active, params=frozenset()) -> None:
    """Every active value must be computed by something with a derivative. `params`:
    the ids of the function's parameters (a call of one is told apart)."""
    for s in ir.walk(block):
        if not isinstance(s, ir.Assign) or s.var.id not in active:
            continue
        if not any(u.id in active for u in diff_uses(s)):
            continue
        e = s.expr
        if isinstance(e, ir.Opaque):
            raise e.why or UnsupportedSyntaxError(
                "srcdiff cannot differentiate through this expression", s.loc)
        if isinstance(e, ir.Call) and rule_of(e) is None:
            if e.why is not None:
                raise e.why
            name = e.spelling or repr(e.fn)
            if isinstance(e.fn, tuple) and e.fn[0] == "method" and not any(
                    u.id in active for u in ir.expr_uses(e.args[0])):
                raise NotDifferentiableError(
                    f"the method .{e.fn[1]}() of an object srcdiff sees only at run time "
                    f"({e.spelling or 'this call'}: an object held by a parameter not "
                    "differentiated, or built by a loop) has no derivative rule; srcdiff "
                    "inlines the methods of an object passed to f itself, of self, of a "
                    "list of objects that self or a global holds, and of one built in f",
                    s.loc)
            if isinstance(e.fn, tuple) and e.fn[0] == "method":
                hint = " (for a list, `x.pop()` is `x[-1]` then `x = x[:-1]`)" if (
                    e.fn[1] == "pop") else ""
                raise NotDifferentiableError(
                    f"the method .{e.fn[1]}() of a differentiated value has no derivative "
                    f"rule (srcdiff knows NumPy arrays' methods with rules, such as .sum() "
                    f"and .T); write it with functions srcdiff knows{hint}, or put it in a "
                    "function of your own and give that a rule with srcdiff.register", s.loc)
            if _users_class(e.fn):
                raise UnsupportedSyntaxError(
                    f"srcdiff does not support building an object of your class {name} "
                    f"from a differentiated value inside the function: build the {name} "
                    "outside and pass it in (its attributes are then constants), or pass "
                    "the numbers it holds as parameters", s.loc)
            if isinstance(e.fn, tuple) and e.fn[0] == "opaque":
                raise NotDifferentiableError(f"{name}(...) " + _opaque_call(e, params), s.loc)
            if any(e.fn is f for f in _ITERATORS):
                raise NotDifferentiableError(
                    f"{name}(...) of a differentiated value is supported as what a for loop or "
                    "a comprehension iterates over; here its result is used as a value "
                    "(passed to sorted or list, say): build the list with a comprehension "
                    "first, [(a, b) for a, b in zip(xs, ws)], and use that", s.loc)
            if isinstance(e.fn, tuple) and e.fn[0] == "attr":
                raise NotDifferentiableError(
                    f"reading .{e.fn[1]} of a differentiated value ({name}) that srcdiff "
                    "holds as an array or a list here: the attributes of arrays it knows "
                    "are .T, .real and .shape. If the value is a namedtuple or an object of "
                    "yours, its fields were lost where it went into a list srcdiff keeps "
                    "whole (one appended to, sliced or reversed): build the list as a "
                    "display, [Layer(W1, b1), Layer(W2, b2)], and loop over it or index it, "
                    "or pass the fields as arrays", s.loc)
            if isinstance(e.fn, tuple) and e.fn[0] == "helper":
                raise NotDifferentiableError(
                    f"{name} is srcdiff's own code for the derivative of a NumPy function "
                    "(np.cumprod, np.interp, a least-squares or SVD solve...), which it does "
                    "not differentiate again: a second derivative through that function is "
                    "not supported (its first derivative is)", s.loc)
            raise NotDifferentiableError(
                f"{name} has no derivative rule and no Python source srcdiff can transform; "
                + how_to_register(name if not name.startswith(".") else "fn",
                                  _params_of(e.fn)), s.loc)
