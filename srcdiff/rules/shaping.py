"""Rules for NumPy's building and shaping functions (issue 18).

Most of these copy entries of their input: `tile`, `repeat`, `pad`, `take`,
`take_along_axis`, `diagonal`, `insert`, `delete`, `partition`. Their adjoint
is the same function applied to each entry's flat index (`_flat_ids(x)`),
which tells where every output entry came from, and a bincount of the
cotangent into those places (`_gathered`): one exact rule for all of them,
repeats included. Their tangent is the function applied to the tangent.

Functions returning a list or tuple of arrays (`split`, `array_split`,
`hsplit`/`vsplit`/`dsplit`, `meshgrid`, n-d `gradient`): the user unpacks or
indexes the result, each item an `x[i]` of it, so the cotangent arriving at the
rule is the buffer those indexings scatter into, which `np.concatenate`,
`np.hstack` or `np.sum` consume as a sequence. For `meshgrid` and `gradient`
(items of one shape) that buffer is one array; the split family declares its
result a LIST (pieces may differ in shape), and its buffer holds a zeros array
per piece (`_zero_items`). Adjoints of lists of arrays are arrays (`_items`; of
objects when the shapes differ), so two of them add item by item.

Conventions and refusals:
- `partition` sends the cotangent back through `np.argpartition` (the
  arrangement `np.partition` makes); ties go to the entry it placed.
- `pad` modes constant, edge, reflect, symmetric, wrap (`reflect_type='even'`);
  other modes and `reflect_type='odd'` are refused. An active
  `constant_values` gets the sum of the cotangent over the entries it fills.
- `linspace`/`logspace`/`geomspace` differentiate in `start`, `stop` (and
  `base`); `retstep=True` and integer `dtype`s are refused.
- `meshgrid(..., sparse=True)` is refused (its items have
  different shapes); `np.gradient`'s spacing arguments are not differentiated
  (refused when active).
- `.item()`, `.tolist()`, `np.float64(x)`: the identity on values.
- `np.add.at(x, i, v)` updates x in place: the lowering makes it the new value
  `x = _add_at(x, i, v)` (scalar.py's rule), as it does `x[i] = v`.
"""
import numpy as np

from ..errors import NotDifferentiableError
from .numpy_rules import M, R, _call, _const, _is_float_dtype, _passed
from .scalar import _linear_helper
from .table import ELEMENTWISE, LIST, RULES, SCALAR, Rule, add


def refuse(name, why):
    """A template that refuses, with the reason: for arguments a rule cannot differentiate."""
    def template(b, *_):
        raise NotDifferentiableError(f"{name}: {why}; register a rule with srcdiff.register")
    template.refuses = why  # (the coverage table lists it as refused)
    return template


def _value(b, p):
    a = b.get(p)
    return a.value if _const(a) else None


def _option(name, b, p, allowed):
    """Refuse unless option `p` is absent (or None) or a constant among `allowed`."""
    a = b.get(p)
    if a is None or _const(a) and (a.value is None or a.value in allowed):
        return
    shown = repr(a.value) if _const(a) else "a value computed at run time"
    raise NotDifferentiableError(f"{name}: srcdiff differentiates {p}= only as one of "
                                 f"{', '.join(map(repr, allowed))}, not {shown}")


def _ids(fn, b, rest, *opts, pos=()):
    """`_gathered(g, fn(_flat_ids(x), rest...), x)`: the adjoint of a copying function."""
    x = rest[0]
    ids = _call(fn, ", ".join([f"_flat_ids({x})"] + list(rest[1:])), b, *opts, pos=pos)
    return f"_gathered(g, {ids}, {x})"


# ----- copies of entries: tile, repeat, take, diagonal, insert, delete, partition -----
R(np.tile, "A reps", lambda b: _ids("np.tile", b, ["A", "reps"]), "np.tile(t, reps)")
R([np.repeat, M("repeat")], "a repeats axis=None",
  lambda b: _ids("np.repeat", b, ["a", "repeats"], "axis"),
  lambda b: _call("np.repeat", "t, repeats", b, "axis"))
R([np.take, M("take")], "a indices axis=None out=None mode=None",
  lambda b: _ids("np.take", b, ["a", "indices"], "axis", "mode"),
  lambda b: _call("np.take", "t, indices", b, "axis", "mode"))
R(np.take_along_axis, "arr indices axis=-1",  # axis=None means flattened, not the default
  "_gathered(g, np.take_along_axis(_flat_ids(arr), indices, axis), arr)",
  "np.take_along_axis(t, indices, axis)")
R([np.diagonal, M("diagonal")], "a offset=0 axis1=0 axis2=1",
  lambda b: _ids("np.diagonal", b, ["a"], "offset", "axis1", "axis2"),
  lambda b: _call("np.diagonal", "t", b, "offset", "axis1", "axis2"))
for _key in (np.diagonal, M("diagonal")):  # a read-only view of its argument (aliasing.py)
    RULES[_key].view = True
R(np.delete, "arr obj axis=None", lambda b: _ids("np.delete", b, ["arr", "obj"], "axis"),
  lambda b: _call("np.delete", "t, obj", b, "axis"))
# an integer arr makes the inserted values integers: their derivative is then zero
R(np.insert, "arr obj values axis=None",
  {"arr": lambda b: _ids("np.insert", b, ["arr", "obj", "np.full(np.shape(values), -1)"],
                         "axis"),
   "values": lambda b: "_gathered(_cast_adjoint(g, ans), " + _call(
       "np.insert", "np.full(np.shape(arr), -1), obj, _flat_ids(values)", b, "axis")
   + ", values)"},
  {"arr": lambda b: _call("np.insert", "t, obj, np.zeros(np.shape(values))", b, "axis"),
   "values": lambda b: "_cast_adjoint(" + _call(
       "np.insert", "np.zeros(np.shape(arr)), obj, t", b, "axis") + ", ans)"})
R(np.partition, "a kth axis=-1 kind=None order=None",
  lambda b: "_gathered(g, np.take_along_axis(_flat_ids(a), np.argpartition(a, kth, axis), "
            "axis), a)",
  "np.take_along_axis(t, np.argpartition(a, kth, axis), axis)")

# ----- pad -----
_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _pad(mode):
    def template(b):
        _option("np.pad", b, "mode", _PAD_MODES)
        _option("np.pad", b, "reflect_type", ("even",))
        constant = _value(b, "mode") in (None, "constant")
        if mode == "jvp":
            return "np.pad(t, pad_width)" if constant else "np.pad(t, pad_width, mode)"
        ids = ("np.pad(_flat_ids(array), pad_width, constant_values=-1)" if constant
               else "np.pad(_flat_ids(array), pad_width, mode)")
        return f"_gathered(g, {ids}, array)"
    return template


def _pad_values(mode):
    def template(b):
        _option("np.pad", b, "mode", ("constant",))
        if mode == "vjp":
            return "_pad_values_adjoint(_cast_adjoint(g, ans), array, pad_width, constant_values)"
        return ("_cast_adjoint(np.pad(np.zeros(np.shape(array)), pad_width, constant_values=t), "
                "ans)")
    return template


_PAD_OTHERS = {p: refuse("np.pad", f"{p}= is not differentiated")
               for p in ("pad_width", "stat_length", "end_values")}
R(np.pad, "array pad_width mode=None stat_length=None constant_values=None end_values=None "
  "reflect_type=None",
  {"array": _pad("vjp"), "constant_values": _pad_values("vjp"), **_PAD_OTHERS},
  {"array": _pad("jvp"), "constant_values": _pad_values("jvp"), **_PAD_OTHERS})


# ----- differences: diff, ediff1d, gradient -----
def _diff_cotangent(b):
    """The adjoint of np.diff with respect to its whole input [prepend, a, append]."""
    n = b.get("n")
    if n is None or _const(n) and n.value == 1:
        axis = "axis=axis, " if _passed(b, "axis") else ""
        return f"-np.diff(g, {axis}prepend=0, append=0)"
    return "_diff_adjoint(g, n, axis)"


def _diff_vjp(part):
    def template(b):
        whole = _diff_cotangent(b)
        if not (_passed(b, "prepend") or _passed(b, "append")):
            return whole
        return f"_diff_pieces({whole}, a, prepend, append, axis)[{part}]"
    return template


def _diff_jvp(param):
    def template(b):
        first = "t" if param == "a" else "np.zeros(np.shape(a))"
        args = [first]
        args += ["n=n"] if _passed(b, "n") else []
        args += ["axis=axis"] if _passed(b, "axis") else []
        for p in ("prepend", "append"):
            if _passed(b, p):
                args.append(f"{p}=t" if p == param else f"{p}=np.zeros(np.shape({p}))")
        return f"np.diff({', '.join(args)})"
    return template


R(np.diff, "a n=1 axis=-1 prepend=None append=None",
  {p: _diff_vjp(i) for i, p in enumerate(["prepend", "a", "append"])},
  {p: _diff_jvp(p) for p in ["prepend", "a", "append"]})


def _ediff1d_vjp(b):
    start = "np.size(to_begin)" if _passed(b, "to_begin") else ""
    stop = f"{start + ' + ' if start else ''}np.size(ary) - 1"
    return f"np.reshape(-np.diff(g[{start}:{stop}], prepend=0, append=0), np.shape(ary))"


def _ediff1d_jvp(b):
    ends = [f"{p}=np.zeros(np.shape({p}))" for p in ("to_end", "to_begin") if _passed(b, p)]
    return f"np.ediff1d({', '.join(['t'] + ends)})"


R(np.ediff1d, "ary to_end=None to_begin=None",
  {"ary": _ediff1d_vjp,
   "to_begin": "np.reshape(g[:np.size(to_begin)], np.shape(to_begin))",
   "to_end": "np.reshape(g[np.size(g) - np.size(to_end):], np.shape(to_end))"},
  {"ary": _ediff1d_jvp,
   "to_begin": "np.concatenate([np.ravel(t), np.zeros(np.size(ans) - np.size(t))])",
   "to_end": "np.concatenate([np.zeros(np.size(ans) - np.size(t)), np.ravel(t)])"})


def _gradient(mode):
    def template(b):
        spacing = [k for k in b if k.startswith("_") and k != "_0"]
        opts = [f"{k}={k}" for k in ("axis", "edge_order") if k in b]
        if mode == "jvp":
            return f"np.gradient({', '.join(['t'] + spacing + opts)})"
        tup = f"({', '.join(spacing)},)" if spacing else "()"
        return (f"_gradient_adjoint(g, _0, {tup}, {'axis' if 'axis' in b else None}, "
                f"{'edge_order' if 'edge_order' in b else 1})")
    return template


_NO_SPACING = refuse("np.gradient", "its spacing arguments are not differentiated")
add(np.gradient, Rule("np.gradient", ("_0",), vjp={"_0": _gradient("vjp"), "*": _NO_SPACING},
                      jvp={"_0": _gradient("jvp"), "*": _NO_SPACING}, varargs=True,
                      # (of a vector its shape; of more dimensions a list, one per axis)
                      shape=lambda b, shape_of: shape_of(b["_0"]) if len(
                          shape_of(b["_0"]) or ()) == 1 and "axis" not in b else None))

# ----- cumulative product -----
R([np.cumprod, M("cumprod")], "a axis=None dtype=None out=None",
  "_cumprod_adjoint(g, a, axis)", "_cumprod_tangent(t, a, axis)")


# ----- splitting: the cotangent holds one per piece (see the module docstring) -----
def _join(fn):
    return lambda b: _call(fn, "g", b, "axis")


def _pieces(bound, kind):
    return LIST


for _f in (np.split, np.array_split):
    R(_f, "ary indices_or_sections axis=None", _join("np.concatenate"),
      lambda b, f=_f.__name__: _call(f"np.{f}", "t, indices_or_sections", b, "axis"),
      out_kind=_pieces)
for _f, _join_back in ((np.hsplit, "hstack"), (np.vsplit, "vstack"), (np.dsplit, "dstack")):
    R(_f, "ary indices_or_sections", f"np.{_join_back}(g)",
      f"np.{_f.__name__}(t, indices_or_sections)", out_kind=_pieces)

# ----- joining -----
R(np.column_stack, "tup", "_unstack(g, tup, 1, np.column_stack)", "np.column_stack(t)")
R(np.dstack, "tup", "_unstack(g, tup, 2, np.dstack)", "np.dstack(t)")
if hasattr(np, "row_stack"):
    R(np.row_stack, "tup", "_unconcatenate(g, tup, 0, 2)", "np.vstack(t)")
R(np.append, "arr values axis=None",
  {"arr": "_unconcatenate(g, [arr, values], axis)[0]",
   "values": "_unconcatenate(g, [arr, values], axis)[1]"},
  {"arr": lambda b: _call("np.append", "t, np.zeros(np.shape(values))", b, "axis"),
   "values": lambda b: _call("np.append", "np.zeros(np.shape(arr)), t", b, "axis")})


# ----- rotations and axes -----
def _rot90(mode):
    def template(b):
        v = "g" if mode == "vjp" else "t"
        k = ("-k" if _passed(b, "k") else "-1") if mode == "vjp" else (
            "k" if _passed(b, "k") else None)
        args = [v] + ([k] if k else []) + (["axes=axes"] if _passed(b, "axes") else [])
        return f"np.rot90({', '.join(args)})"
    return template


R(np.rot90, "m k=1 axes=(0,1)", _rot90("vjp"), _rot90("jvp"))
R(np.rollaxis, "a axis start=0", "_unrollaxis(g, a, axis, start)",
  lambda b: _call("np.rollaxis", "t, axis", b, pos=("start",)))


# ----- evenly spaced values with active endpoints -----
def _spaced(b, weights, v="g"):
    """Sum over the samples' axis of `v` times `weights` (a linspace of the sample weights)."""
    axis = _passed(b, "axis") and not (_const(b["axis"]) and b["axis"].value == 0)
    scalar = b.kind("start") == SCALAR and b.kind("stop") == SCALAR
    if scalar and not axis:
        return f"{v} @ {weights}"
    return f"np.tensordot({weights}, {'np.moveaxis(' + v + ', axis, 0)' if axis else v}, 1)"


def _space_opts(b, first, second):
    return _call("np.linspace", f"{first}, {second}", b, "num", "endpoint", "axis") if (
        _passed(b, "num")) else _call("np.linspace", f"{first}, {second}", b, "endpoint", "axis")


def _endpoint_tangents(b, param, t):
    """(start, stop) of the linspace giving the tangent along `param`: the other endpoint
    is zero, shaped like it (so the samples' axis lands where it does in the result)."""
    other = "stop" if param == "start" else "start"
    zero = "0.0" if b.kind(other) == SCALAR else f"np.zeros(np.shape({other}))"
    return (t, zero) if param == "start" else (zero, t)


def _space_checks(name, b):
    if _passed(b, "retstep") and not (_const(b["retstep"]) and not b["retstep"].value):
        raise NotDifferentiableError(f"{name}: retstep=True returns a tuple; srcdiff "
                                     "differentiates the samples only")
    if _passed(b, "dtype") and not _is_float_dtype(b["dtype"]):
        raise NotDifferentiableError(f"{name}: dtype= other than float is not differentiated")


def _linspace(param, mode):
    w = "1.0, 0.0" if param == "start" else "0.0, 1.0"

    def template(b):
        _space_checks("np.linspace", b)
        if mode == "vjp":
            return _spaced(b, _space_weights(b, w))
        first, second = _endpoint_tangents(b, param, "t")
        return _space_opts(b, first, second)
    return template


def _space_weights(b, w):
    return _call("np.linspace", w, b, "endpoint") if not _passed(b, "num") else _call(
        "np.linspace", w + ", num", b, "endpoint")


def _logspace(param, mode):
    def template(b):
        _space_checks("np.logspace", b)
        log = "np.log(base)" if _passed(b, "base") else "np.log(10.0)"
        if param == "base":
            lin = _call("np.linspace", "start, stop", b, "num", "endpoint", "axis")
            if mode == "jvp":
                return f"t * ans * {lin} / base"
            return f"np.sum(g * ans * {lin}, axis={'axis' if _passed(b, 'axis') else 0}) / base"
        w = "1.0, 0.0" if param == "start" else "0.0, 1.0"
        if mode == "vjp":
            return f"{_spaced(b, _space_weights(b, w), 'g * ans')} * {log}"
        first, second = _endpoint_tangents(b, param, "t")
        return f"ans * {log} * {_space_opts(b, first, second)}"
    return template


def _geomspace(param, mode):
    def template(b):
        _space_checks("np.geomspace", b)
        if mode == "vjp":
            w = "1.0, 0.0" if param == "start" else "0.0, 1.0"
            return f"{_spaced(b, _space_weights(b, w), 'g * ans')} / {param}"
        first, second = _endpoint_tangents(b, param, f"t / {param}")
        return f"ans * {_space_opts(b, first, second)}"
    return template


_SPACE = "start stop num=50 endpoint=True retstep=False dtype=None axis=0"
R(np.linspace, _SPACE, {p: _linspace(p, "vjp") for p in ("start", "stop")},
  {p: _linspace(p, "jvp") for p in ("start", "stop")}, broadcast=True)
R(np.logspace, "start stop num=50 endpoint=True base=10.0 dtype=None axis=0",
  {p: _logspace(p, "vjp") for p in ("start", "stop", "base")},
  {p: _logspace(p, "jvp") for p in ("start", "stop", "base")}, broadcast=True)
R(np.geomspace, "start stop num=50 endpoint=True dtype=None axis=0",
  {p: _geomspace(p, "vjp") for p in ("start", "stop")},
  {p: _geomspace(p, "jvp") for p in ("start", "stop")}, broadcast=True)


# ----- meshgrid: item i varies along one axis, constant along the others -----
def _mesh_axes(b, i):
    n = len([k for k in b if k.startswith("_")])
    xy = not ("indexing" in b and _const(b["indexing"]) and b["indexing"].value == "ij")
    if "indexing" in b and not _const(b["indexing"]):
        raise NotDifferentiableError("np.meshgrid: indexing= must be a constant 'xy' or 'ij'")
    along = {0: 1, 1: 0}.get(i, i) if xy and n > 1 else i
    return n, along


def _not_sparse(b):
    if "sparse" in b and not (_const(b["sparse"]) and not b["sparse"].value):
        raise NotDifferentiableError("np.meshgrid: sparse=True gives items of different shapes; "
                                     "srcdiff differentiates sparse=False only")


def _meshgrid_vjp(b, param):
    i = int(param[1:])
    _not_sparse(b)
    n, along = _mesh_axes(b, i)
    others = tuple(k for k in range(n) if k != along)
    others = others[0] if len(others) == 1 else others
    total = f"np.sum(g[{i}], axis={others})" if others != () else f"g[{i}]"
    return total if b.kind(f"_{i}") == "vector" else f"np.reshape({total}, np.shape(_{i}))"


def _meshgrid_jvp(b, param):
    i = int(param[1:])
    _not_sparse(b)
    n = len([k for k in b if k.startswith("_")])
    args = ["t" if k == i else f"np.zeros(np.shape(_{k}))" for k in range(n)]
    args += [f"{k}={k}" for k in ("indexing", "sparse", "copy") if k in b]
    return f"np.stack(np.meshgrid({', '.join(args)}))"


add(np.meshgrid, Rule("np.meshgrid", (), vjp={"*": _meshgrid_vjp}, jvp={"*": _meshgrid_jvp},
                      varargs=True))


# ----- values out of arrays: .item(), .tolist(), np.float64 -----
def _item(mode):
    def template(b):
        idx = [k for k in b if k.startswith("_") and k != "_0"]
        if mode == "jvp":
            return f"np.asarray(t).item({', '.join(idx)})"
        if not idx:
            return "np.full(np.shape(_0), g)"
        return f"_gathered(g, _flat_ids(_0).item({', '.join(idx)}), _0)"
    return template


add(M("item"), Rule(".item()", ("_0",), vjp={"_0": _item("vjp")}, jvp={"_0": _item("jvp")},
                    varargs=True, out_kind=SCALAR))
R(M("tolist"), "a", "np.reshape(g, np.shape(a))", "np.asarray(t).tolist()")
R(np.float64, "x=0.0", "g", "t", out_kind=ELEMENTWISE)


# ----- this module's runtime helpers, so generated code can be differentiated again -----
# (linear in gc; the others set shapes. The other helpers' rules: rules/helpers.py)
_linear_helper("_diff_pieces", "gc a prepend append axis", ["gc"])
for _name in ("_flat_ids", "_ptp_weights", "_zero_items"):
    add(("helper", _name), Rule(_name, (), zero=True, varargs=True))
add(("helper", "_trapezoid_weights"), Rule(
    "_trapezoid_weights", ("y", "x", "dx", "axis"),
    jvp={"x": "_trapezoid_weights(y, t, 1.0, axis)",  # linear in x; dx is unused with x
         "dx": lambda b: None if _passed(b, "x") else "_trapezoid_weights(y, None, t, axis)"}))

for _key in (np.diff,):  # always a new array (adjoints.is_fresh)
    RULES[_key].new_array = True
