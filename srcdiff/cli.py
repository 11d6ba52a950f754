"""The command line: `srcdiff grad` writes a standalone derivative module,
`srcdiff check` compares a derivative with SymPy or finite differences,
`srcdiff graph` draws a function's SSA graph with its adjoint (graph.py),
`srcdiff explain` prints what srcdiff does with a function at a point (explain.py).

User mistakes are one `srcdiff: error: ...` line on stderr (a located error adds
the quoted source line and caret) and exit status 2, never a traceback;
`check` exits 1 when the derivative disagrees with the reference.
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import os
import re
import sys
import textwrap
import types
from typing import Any, Sequence

import numpy as np

from . import standalone
from .api import resolve_wrt
from .checkpoint import every, revolve, using
from .check import check
from .errors import LocatedError, SrcDiffError, WrtError
from .explain import explain
from .graph import graph
from .source import function_of

EXIT_MISMATCH = 1
EXIT_ERROR = 2

GRAD_EXAMPLE = """examples:
  srcdiff grad model.py:loss --wrt w,b -o loss_grad.py
  python -c "from loss_grad import loss_grad; print(loss_grad(1.0, 2.0))"
  srcdiff grad mlp.py:loss --like W1=784x256,b1=256,W2=256x10,b2=10,X=128x784,Y=128x10
"""
CHECK_EXAMPLE = """examples:
  srcdiff check model.py:f --at x=1.5,y=2.0
  srcdiff check model.py:loss --at w=[0.5,-1.0,2.0],b=0.1 --wrt w
  srcdiff check model.py:loss --at-file point.npz
exit status: 0 when the derivative agrees, 1 on a mismatch, 2 on an error.
"""
GRAPH_EXAMPLE = """examples:
  srcdiff graph model.py:loss --wrt w -o loss.dot
  srcdiff graph model.py:loss -o loss.svg      # needs Graphviz's dot (package graphviz)
"""
EXPLAIN_EXAMPLE = """example:
  srcdiff explain model.py:f --at x=1.5,y=2.0,n=3
exit status: 0 when the derivative agrees with the reference, 1 when it does not.
"""


class CliError(Exception):
    """A user mistake, reported as one line on stderr."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not usage + message
        raise CliError(f"{message} (see `{self.prog} --help`)")


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="srcdiff", description="Source-transforming automatic "
                  "differentiation: write a derivative as a standalone Python module, "
                  "check one against SymPy / finite differences, draw a function's graph "
                  "with its adjoint, or explain what srcdiff did.",
                  epilog=GRAD_EXAMPLE + "\n" + CHECK_EXAMPLE + "\n" + GRAPH_EXAMPLE + "\n"
                  + EXPLAIN_EXAMPLE,
                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", metavar="{grad,check,graph,explain}",
                             parser_class=_Parser)
    sub.required = True
    target = "the function to differentiate, as PATH.py:FUNC (FUNC defined in that file)"
    wrt = ("comma-separated parameter names or indices to differentiate with respect to "
           "(%(default)s)")

    g = _command(sub, "grad", "write a standalone module with the gradient of FUNC",
                 "Write a module defining FUNC_grad(...) — the gradient of FUNC, with the "
                 "same parameters — together with the imports, constants and helper "
                 "functions it needs from FUNC's module. It never imports srcdiff. A single "
                 "--wrt name gives a bare gradient, several give a tuple.", GRAD_EXAMPLE)
    _function_arguments(g, target, wrt)
    g.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                   help="reverse (adjoint) or forward (tangent) mode (default: reverse)")
    g.add_argument("-o", "--output", metavar="OUT.py",
                   help="write the module to OUT.py instead of stdout")
    g.add_argument("--no-comments", dest="comments", action="store_false",
                   help="leave out the comments saying which line of FUNC each block of "
                   "the derivative comes from (`# line 12: z = x * y`)")
    like = g.add_mutually_exclusive_group()
    like.add_argument("--like", action="append", default=[], metavar="NAME=KIND,...",
                      help="write code specialised to these argument kinds, as a call with "
                      "such arguments runs (exact sums and matrix products, no shape "
                      "helpers), which first refuses arguments of other kinds: KIND is "
                      "float, int, or an array shape such as 784x256 (float64); "
                      "parameters left out take their defaults (str and bool are kinds too)")
    like.add_argument("--at-file", metavar="ARGS.npz",
                      help="as --like, with the kinds of the arguments saved in ARGS.npz "
                      "(the file `srcdiff check --at-file` reads)")
    ck = g.add_mutually_exclusive_group()
    ck.add_argument("--checkpoint", type=int, metavar="K",
                    help="reverse mode: checkpoint FUNC's outermost loops, snapshotting "
                    "their state every K trips and running each stretch of K trips again "
                    "in the reverse sweep, instead of taping every trip (memory: trips/K "
                    "snapshots plus K trips of tape); as grad(f, checkpoint=K)")
    ck.add_argument("--revolve", type=int, metavar="S",
                    help="reverse mode: checkpoint FUNC's outermost loops binomially "
                    "(Griewank's revolve), holding at most S snapshots of their state at "
                    "once; as grad(f, checkpoint=srcdiff.revolve(S))")

    c = _command(sub, "check", "check the derivative of FUNC at a point",
                 "Compare the derivative srcdiff generates for FUNC with SymPy's symbolic "
                 "derivative (straight-line scalar code, branches) or with central finite "
                 "differences (loops, arrays), print the report, and exit 0 when they agree, "
                 "1 when they do not.", CHECK_EXAMPLE)
    _point_arguments(c, target, wrt)

    gr = _command(sub, "graph", "draw the SSA graph of FUNC with its adjoint",
                  "Draw FUNC's SSA graph — its values (ellipses) and operations (boxes), "
                  "active values blue, inactive grey, branches and loops as boxes around "
                  "their parts — with the adjoint (red) flowing back from the result. Writes "
                  "Graphviz DOT (to stdout without -o); an -o ending in .svg or .png is drawn "
                  "by Graphviz's `dot` program (the system package graphviz).", GRAPH_EXAMPLE)
    _function_arguments(gr, target, wrt)
    gr.add_argument("-o", "--output", metavar="OUT.dot|OUT.svg|OUT.png",
                    help="write the picture to this file (its extension says the format) "
                    "instead of DOT text to stdout")

    e = _command(sub, "explain", "explain what srcdiff does with FUNC at a point",
                 "Print FUNC with its line numbers, the derivative srcdiff generates for the "
                 "given arguments (each block commented with the line of FUNC it computes or "
                 "differentiates), the check report against SymPy or finite differences, and "
                 "which parameters get a zero gradient by construction, and why.",
                 EXPLAIN_EXAMPLE)
    _point_arguments(e, target, wrt)
    return top


def _command(sub, name: str, summary: str, description: str, example: str):
    """A subcommand whose help ends with its example, printed as written."""
    return sub.add_parser(name, help=summary, description=description, epilog=example,
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def _function_arguments(c, target: str, wrt: str) -> None:
    """The arguments of a command on a function alone: FUNC and --wrt."""
    c.add_argument("target", metavar="PATH.py:FUNC", help=target)
    c.add_argument("--wrt", default=None,
                   help=wrt.replace("%(default)s", "default: the first parameter"))


def _point_arguments(c, target: str, wrt: str) -> None:
    """The arguments of a command run at a point: FUNC, --at, --at-file, --wrt."""
    c.add_argument("target", metavar="PATH.py:FUNC", help=target)
    c.add_argument("--at", action="append", default=[], metavar="NAME=VALUE,...",
                   help="argument values, e.g. x=1.5,y=2.0; arrays as x=[1,2,3] (nested "
                   "lists for 2-d); Python literals (ints, True, None, 'text') for "
                   "non-differentiated arguments; may be repeated")
    c.add_argument("--at-file", metavar="ARGS.npz",
                   help="argument values from a NumPy .npz file, one array per parameter "
                   "name (--at values override them)")
    c.add_argument("--wrt", default=None, help=wrt.replace(
        "%(default)s", "default: every parameter given a float or float array, else the "
        "first parameter"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (also used by the console script)."""
    try:
        args = parser().parse_args(argv)
        return {"grad": cmd_grad, "check": cmd_check, "graph": cmd_graph,
                "explain": cmd_explain}[args.command](args)
    except CliError as e:
        return _fail(str(e))
    except Exception as e:  # srcdiff's own errors and anything the user's code raises
        return _fail(_describe(e))


def _fail(message: str) -> int:
    print(f"srcdiff: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _describe(e: Exception) -> str:

    if isinstance(e, LocatedError):
        return str(e)
    if isinstance(e, SrcDiffError):
        return " ".join(str(e).split())
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


# ----- loading the user's function -----
def load(target: str):
    """Import PATH.py (only that module) and return (function, path)."""
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise CliError(f"expected PATH.py:FUNC, got {target!r}")
    if not os.path.isfile(path):
        raise CliError(f"no such file: {path}")
    module = _import_path(path)
    functions = sorted(k for k, v in vars(module).items()
                       if isinstance(v, types.FunctionType) and v.__module__ == module.__name__)
    if name not in vars(module):
        listed = ", ".join(functions) if functions else "(none)"
        raise CliError(f"{path} has no function {name!r}; its functions are: {listed}")
    fn = getattr(module, name)
    if not callable(fn):
        raise CliError(f"{name!r} in {path} is a {type(fn).__name__}, not a function")
    return fn, path


def _import_path(path: str) -> types.ModuleType:
    dotted, root = _package_module(path)
    if dotted is not None:  # a module of a package: imported by its dotted name, so that
        if root not in sys.path:  # its relative imports (`from .utils import f`) work
            sys.path.insert(0, root)
        module = _running(path, importlib.import_module, dotted)
        if os.path.realpath(getattr(module, "__file__", "") or "") == os.path.realpath(path):
            return module  # (else another package of that name is first on sys.path)
    stem = os.path.splitext(os.path.basename(path))[0]
    name = stem if stem.isidentifier() and stem not in sys.modules else f"_srcdiff_{id(path)}"
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)  # as `python PATH.py` would: sibling imports work
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CliError(f"cannot import {path} (is it a .py file?)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    _running(path, spec.loader.exec_module, module)
    return module


def _running(path: str, load, arg):
    """`load(arg)`, importing `path`: what fails there is one line (a CliError)."""
    try:
        return load(arg)
    except SyntaxError as e:
        raise CliError(f"{e.filename or path}, line {e.lineno}: syntax error: {e.msg}") from None
    except Exception as e:
        raise CliError(f"importing {path} failed: {_describe(e)}") from None


def _package_module(path: str) -> tuple[str | None, str]:
    """(`pkg.sub.mod`, the directory holding `pkg`) for a file inside a package (its
    directories up to there have `__init__.py`), else (None, "")."""
    directory, stem = os.path.split(os.path.abspath(path))
    parts = [os.path.splitext(stem)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, name = os.path.split(directory)
        parts.insert(0, name)
    if len(parts) == 1 or not all(p.isidentifier() for p in parts):
        return None, ""
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts), directory


def parse_wrt(text: str | None, fn) -> Any:
    """--wrt as `grad` takes it: a name or index, or a tuple of them when several."""
    if text is None:
        return 0
    items = [t.strip() for t in text.split(",")]
    if not all(items):
        raise CliError(f"--wrt {text!r}: expected comma-separated parameter names, e.g. "
                       f"--wrt {','.join(_param_names(fn)[:2])}")
    parsed = [int(t) if re.fullmatch(r"-?\d+", t) else t for t in items]

    try:
        resolve_wrt(fn, tuple(parsed))
    except WrtError as e:
        raise CliError(f"--wrt {text}: {e}") from None
    return parsed[0] if len(parsed) == 1 else tuple(parsed)


def _param_names(fn) -> list[str]:
    return list(inspect.signature(fn).parameters)


# ----- grad -----
def cmd_grad(args) -> int:

    fn, path = load(args.target)
    fn = function_of(fn)
    wrt = parse_wrt(args.wrt, fn)
    idx, as_tuple = resolve_wrt(fn, wrt)
    command = f"srcdiff grad {os.path.basename(path)}:{fn.__name__}"
    if args.wrt is not None:
        command += f" --wrt {args.wrt}"
    if args.mode != "reverse":
        command += f" --mode {args.mode}"
    policy = _policy(args)
    if policy is not None:
        command += f" --checkpoint {args.checkpoint}" if args.checkpoint is not None else (
            f" --revolve {args.revolve}")
    names = ", ".join(_param_names(fn)[i] for i in idx)
    like = _like(args, fn)
    for text in args.like:
        command += f" --like {text}"
    if args.at_file:
        command += f" --at-file {os.path.basename(args.at_file)}"
    if args.output:
        command += f" -o {os.path.basename(args.output)}"
    header = (textwrap.fill(f"The gradient of {fn.__name__} ({os.path.basename(path)}) with "
                            f"respect to {names}, generated by srcdiff.", 88)
              + f"\n\nRegenerate with: {command}\n")
    with using(policy):
        text = standalone.module_text(fn, idx, as_tuple, args.mode, header, args.comments,
                                      like)
    if args.output:
        try:
            with open(args.output, "w") as out:
                out.write(text)
        except OSError as e:
            raise CliError(f"cannot write {args.output}: {e.strerror}") from None
    else:
        sys.stdout.write(text)
    return 0


def _like(args, fn):
    """Example arguments, one per parameter of `fn`, for --like / --at-file (None
    without either): an array of the shape given, a float or an int; defaults fill
    the parameters left out."""
    if not args.like and not args.at_file:
        return None
    values: dict[str, Any] = _load_npz(args.at_file) if args.at_file else {}
    for text in args.like:
        for item in _split_top(text):
            name, sep, kind = (part.strip() for part in item.partition("="))
            if not sep or not all(p.isidentifier() for p in name.split(".")) or not kind:
                raise CliError(f"--like {text!r}: expected NAME=KIND pairs separated by "
                               f"commas, e.g. --like W=784x256,b=256,lr=float; got "
                               f"{item.strip()!r}")
            values[name] = _example(name, kind)
    return [_floats(v) for v in _in_order(fn, _nested(values), "no kind", "--like")]


def _nested(values: dict) -> dict:
    """`params.W1=...` (a --like name, an .npz key) as the entry "W1" of a dict
    argument `params`: how a parameter that is a dict of arrays is given."""
    out: dict[str, Any] = {}
    for key, v in values.items():
        *path, last = key.split(".")
        at = out
        for part in path:
            at = at.setdefault(part, {})
            if not isinstance(at, dict):
                raise CliError(f"{key!r}: {part!r} is given both as a value and as a dict")
        at[last] = v
    return out


def _floats(v):
    if isinstance(v, dict):
        return {k: _floats(x) for k, x in v.items()}
    return _as_float(v) if isinstance(v, np.ndarray) else v


def _in_order(fn, values: dict, lacking: str, option: str) -> list:
    """`values` (parameter name -> value) as `fn`'s arguments in order, its defaults
    filling the rest; an unknown name or a required parameter left out is an error
    saying which `option` to pass."""
    names = _param_names(fn)
    unknown = [k for k in values if k not in names]
    if unknown:
        raise CliError(f"{fn.__name__} has no parameter {unknown[0]!r}; its parameters are "
                       f"{', '.join(names)}")
    sig = inspect.signature(fn)
    missing = [p.name for p in sig.parameters.values()
               if p.name not in values and p.default is inspect.Parameter.empty]
    if missing:
        raise CliError(f"{lacking} for {', '.join(missing)}: pass {option} "
                       f"{','.join(m + '=...' for m in missing)}")
    bound = sig.bind(**values)
    bound.apply_defaults()
    return [bound.arguments[n] for n in names]


def _example(name: str, kind: str):
    """A value of the kind `kind` (float, int, str, bool, or a shape like 3x4) for
    --like."""
    examples = {"float": 1.0, "int": 1, "str": "", "bool": False}
    if kind in examples:
        return examples[kind]
    dims = kind.split("x")
    if not all(d.isdigit() and int(d) > 0 for d in dims):
        raise CliError(f"--like {name}={kind}: expected float, int, str, bool or an array "
                       "shape such as 784x256")
    return np.zeros(tuple(int(d) for d in dims))


def _policy(args):
    """The checkpointing policy of --checkpoint K / --revolve S (reverse mode only:
    forward mode keeps no tape, so asking for both is a mistake worth saying)."""
    if args.checkpoint is None and args.revolve is None:
        return None
    option = "--checkpoint" if args.checkpoint is not None else "--revolve"
    if args.mode != "reverse":
        raise CliError(f"{option} checkpoints the reverse sweep's loops; --mode "
                       f"{args.mode} keeps no tape (leave {option} out)")
    value = args.checkpoint if args.checkpoint is not None else args.revolve
    if value < 1:
        raise CliError(f"{option} {value}: expected an int >= 1")
    return every(value) if args.checkpoint is not None else revolve(value)


# ----- graph -----
def cmd_graph(args) -> int:
    fn, _ = load(args.target)
    fn = function_of(fn)
    idx, _ = resolve_wrt(fn, parse_wrt(args.wrt, fn))
    picture = graph(fn, idx)
    if not args.output:
        sys.stdout.write(picture.dot)
        return 0
    try:
        picture.save(args.output)
    except OSError as e:
        raise CliError(f"cannot write {args.output}: {e.strerror}") from None
    return 0


# ----- explain -----
def cmd_explain(args) -> int:
    fn, ordered, wrt = _point(args)
    report = explain(fn, *ordered, wrt=wrt)
    sys.stdout.write(str(report))
    return 0 if getattr(report.report, "ok", False) else EXIT_MISMATCH


# ----- check -----
def cmd_check(args) -> int:
    fn, ordered, wrt = _point(args)
    report = check(fn, *ordered, wrt=wrt)
    print(report)
    return 0 if report.ok else EXIT_MISMATCH


def _point(args) -> tuple:
    """(function, its arguments in order, wrt) from FUNC, --at, --at-file, --wrt."""
    fn, path = load(args.target)
    fn = function_of(fn)
    names = _param_names(fn)
    values: dict[str, Any] = {}
    if args.at_file:
        values.update(_load_npz(args.at_file))
    for text in args.at:
        values.update(parse_at(text))
    ordered = _in_order(fn, _nested(values), "no value", "--at")
    if args.wrt is not None:
        wrt = parse_wrt(args.wrt, fn)
    else:
        floats = tuple(i for i, v in enumerate(ordered) if _is_float(v))
        wrt = floats if floats else 0
    wrt = tuple(wrt) if isinstance(wrt, (tuple, list)) else (wrt,)
    ordered = [_floats(v) if (i in wrt or names[i] in wrt) else v
               for i, v in enumerate(ordered)]
    return fn, ordered, wrt


def parse_at(text: str) -> dict[str, Any]:
    """`x=1.5,y=[1,2],flag=True` -> values; commas inside brackets belong to the value."""
    out: dict[str, Any] = {}
    for item in _split_top(text):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not all(p.isidentifier() for p in name.split(".")) or not value.strip():
            raise CliError(f"--at {text!r}: expected NAME=VALUE pairs separated by commas, "
                           f"e.g. --at x=1.5,y=[1,2,3]; got {item.strip()!r}")
        try:
            v = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            raise CliError(f"--at {name}={value.strip()}: not a number, list or Python "
                           "literal") from None
        if isinstance(v, (list, tuple)):
            try:
                v = np.array(v)
            except ValueError:
                raise CliError(f"--at {name}: ragged nested list") from None
            if v.dtype == object:
                raise CliError(f"--at {name}: an array needs numbers")
        out[name] = v
    return out


def _split_top(text: str) -> list[str]:
    items, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    if depth != 0:
        raise CliError(f"--at {text!r}: unbalanced brackets")
    items.append(cur)
    return [i for i in items if i.strip()] or [text]


def _load_npz(path: str) -> dict[str, Any]:
    if not os.path.isfile(path):
        raise CliError(f"no such file: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            out = {k: data[k] for k in data.files}
    except Exception as e:
        raise CliError(f"cannot read {path} as a .npz file: {_describe(e)}") from None
    return {k: (v.item() if v.ndim == 0 else v) for k, v in out.items()}


def _is_float(v) -> bool:
    if isinstance(v, np.ndarray):
        return v.dtype.kind == "f"
    return isinstance(v, (float, np.floating))


def _as_float(v):
    if isinstance(v, np.ndarray):
        return v.astype(float) if v.dtype.kind in "iub" else v
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return float(v)
    return v


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
