"""Measure srcdiff on the corpus: `python -m tests.programs.run [--mode M] [--only NAME]`.

Each program is differentiated with `srcdiff.grad` (reverse and/or forward
mode) at two seeded points and compared with central finite differences of the
primal (a five-point stencil, computed here by perturbing one scalar entry of
a parameter at a time, so dict, list, tuple and dataclass parameters work the
same way). One line per program and mode gives its outcome:

- `ok` — agrees with the differences;
- `refused: <ErrorClass>: <first line>` — a `SrcDiffError` (acceptable);
- `WRONG: ...` — a result that disagrees, has the wrong structure, or came with
  an input modified (silently wrong: never acceptable);
- `CRASH: <ExceptionClass>: ...` — any other exception (never acceptable).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import dataclasses
import io
import re
import signal
import sys
import time
import warnings
import zlib
from dataclasses import dataclass

import numpy as np

import srcdiff
from srcdiff.errors import SrcDiffError

from . import ALL, Program

MODES = ("reverse", "forward")
POINTS = 2  # argument draws per program (the second call reuses the built derivative)
RTOL = 1e-6  # a correct gradient agrees with the 5-point differences to ~1e-9
TIMEOUT = 20  # seconds per program and mode


@dataclass(frozen=True)
class Outcome:
    name: str
    mode: str
    kind: str  # "ok", "refused", "WRONG", "CRASH"
    detail: str = ""

    def line(self) -> str:
        text = self.kind if not self.detail else f"{self.kind}: {self.detail}"
        return f"{self.name:<40} {self.mode:<8} {text}"


# ---------------------------------------------------------------- parameters as flat vectors

def _is_scalar(v) -> bool:
    return isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))


def _children(v) -> list | None:
    """The sub-values of a container parameter, in a fixed order (None for a leaf)."""
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, (list, tuple)):
        return list(v)
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return [getattr(v, f.name) for f in dataclasses.fields(v)]
    return None


def _rebuild(v, kids: list):
    if isinstance(v, dict):
        return dict(zip(v.keys(), kids))
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return type(v)(*kids)
    if isinstance(v, (list, tuple)):
        return type(v)(kids)
    return dataclasses.replace(v, **{f.name: k for f, k in zip(dataclasses.fields(v), kids)})


def size(v) -> int:
    kids = _children(v)
    if kids is not None:
        return sum(size(k) for k in kids)
    return int(np.size(v))


def flat(v) -> np.ndarray:
    kids = _children(v)
    if kids is not None:
        parts = [flat(k) for k in kids]
        return np.concatenate(parts) if parts else np.zeros(0)
    return np.asarray(v, dtype=float).ravel()


def bumped(v, k: int, h: float):
    """A copy of `v` with its k-th scalar entry (in `flat` order) increased by h."""
    kids = _children(v)
    if kids is not None:
        out = []
        for kid in kids:
            n = size(kid)
            out.append(bumped(kid, k, h) if 0 <= k < n else kid)
            k -= n
        return _rebuild(v, out)
    if isinstance(v, np.ndarray):
        w = v.astype(float, copy=True)
        w.flat[k] += h
        return w
    return float(v) + h


def structure_error(param, g, where: str) -> str | None:
    """Why `g` cannot be the gradient of `param` (type or shape), or None."""
    kids = _children(param)
    if kids is not None:
        gkids = _children(g)
        if gkids is None or type(g) is not type(param) and not (
                isinstance(param, (list, tuple)) and isinstance(g, (list, tuple))):
            return f"{where}: gradient is {type(g).__name__}, parameter is {type(param).__name__}"
        if isinstance(param, dict) and list(g) != list(param):
            return f"{where}: gradient keys {list(g)}, parameter keys {list(param)}"
        if len(gkids) != len(kids):
            return f"{where}: gradient has {len(gkids)} entries, parameter {len(kids)}"
        for i, (p, q) in enumerate(zip(kids, gkids)):
            err = structure_error(p, q, f"{where}[{i}]")
            if err:
                return err
        return None
    if isinstance(param, np.ndarray) and param.ndim > 0:
        if not isinstance(g, np.ndarray) or g.shape != param.shape:
            return (f"{where}: gradient {type(g).__name__} of shape {np.shape(g)}, "
                    f"parameter of shape {param.shape}")
        return None
    if not (_is_scalar(g) or isinstance(g, np.ndarray) and g.ndim == 0):
        return f"{where}: gradient is {type(g).__name__} {np.shape(g)}, parameter is a scalar"
    return None


def same_value(a, b) -> bool:
    """Deep equality of argument values (to detect a modified input)."""
    ka, kb = _children(a), _children(b)
    if ka is not None or kb is not None:
        return ka is not None and kb is not None and len(ka) == len(kb) and all(
            same_value(x, y) for x, y in zip(ka, kb))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    if type(a) is type(b) and type(a).__eq__ is object.__eq__ and isinstance(
            getattr(a, "__dict__", None), dict):
        return vars(a).keys() == vars(b).keys() and all(
            same_value(vars(a)[k], vars(b)[k]) for k in vars(a))  # an object: its attributes
    try:
        return bool(a == b) or a is b
    except Exception:
        return a is b


# ---------------------------------------------------------------- the reference

def param_names(prog: Program) -> tuple[list[int], bool]:
    import inspect

    params = [p.name for p in inspect.signature(prog.fn).parameters.values()]
    as_tuple = isinstance(prog.wrt, (tuple, list))
    items = list(prog.wrt) if as_tuple else [prog.wrt]
    return [w if isinstance(w, int) else params.index(w) for w in items], as_tuple


def reference(prog: Program, args: tuple, idx: list[int], rel_step=1e-4) -> list[np.ndarray]:
    """Five-point central differences of the primal, one flat vector per parameter."""
    out = []
    for i in idx:
        x = flat(args[i])
        g = np.empty(x.size)
        for k in range(x.size):
            h = rel_step * max(abs(x[k]), 0.1)
            vals = []
            for step in (2 * h, h, -h, -2 * h):
                a = list(copy.deepcopy(args))
                a[i] = bumped(args[i], k, step)
                vals.append(float(prog.fn(*a)))
            g[k] = (-vals[0] + 8 * vals[1] - 8 * vals[2] + vals[3]) / (12 * h)
        out.append(g)
    return out


def rel_error(got: list[np.ndarray], want: list[np.ndarray], value: float) -> float:
    """Largest entrywise error, relative to the entry with a floor of 1e-3 times
    the largest entry of the whole gradient (so a tiny entry near zero does not
    dominate, but a wrong small entry beside large ones still shows), and a floor
    of 1e-4 |f| (the differences' rounding noise is about 1e-11 |f|), so that a
    function constant in its input (true gradient 0) is judged by rounding."""
    scale = max([float(np.max(np.abs(w))) for w in want if w.size] + [0.0])
    floor = 1e-3 * scale + 1e-4 * max(1.0, abs(value))
    worst = 0.0
    for g, w in zip(got, want):
        if not np.all(np.isfinite(g)):
            return float("inf")
        denom = np.abs(w) + floor
        worst = max(worst, float(np.max(np.abs(g - w) / denom)) if w.size else 0.0)
    return worst


# ---------------------------------------------------------------- one program

class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout(f"no result in {TIMEOUT} s")


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    line = text[0] if text else ""
    lineno = getattr(e, "lineno", None)
    filename = getattr(e, "filename", None)
    if lineno and filename:
        line += f"  [{filename.rsplit('/', 1)[-1]}:{lineno}]"
    return line


def seed_of(name: str) -> int:
    return zlib.crc32(name.encode())


def judge(name: str, prog: Program, mode: str) -> Outcome:
    idx, as_tuple = param_names(prog)
    rng = np.random.default_rng(seed_of(name))
    points = [tuple(prog.args_factory(rng)) for _ in range(POINTS)]
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"), \
                contextlib.redirect_stdout(io.StringIO()):  # programs that print
            warnings.simplefilter("ignore")
            return _judge(name, prog, mode, idx, as_tuple, points)
    except SrcDiffError as e:
        return Outcome(name, mode, "refused", f"{type(e).__name__}: {_first_line(e)}")
    except Exception as e:  # noqa: BLE001 - any other exception is the finding
        return Outcome(name, mode, "CRASH", f"{type(e).__name__}: {_first_line(e)}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _judge(name, prog, mode, idx, as_tuple, points) -> Outcome:
    g = srcdiff.grad(prog.fn, wrt=prog.wrt, mode=mode)
    worst = 0.0
    for p, args in enumerate(points):
        kept = copy.deepcopy(args)
        got = g(*args)
        for i, (a, b) in enumerate(zip(args, kept)):
            if not same_value(a, b):
                return Outcome(name, mode, "WRONG", f"argument {i} was modified (point {p})")
        grads = list(got) if as_tuple else [got]
        if as_tuple and not isinstance(got, tuple) or len(grads) != len(idx):
            return Outcome(name, mode, "WRONG",
                           f"returned {type(got).__name__}, want {len(idx)} gradients")
        for i, gi in zip(idx, grads):
            err = structure_error(args[i], gi, f"wrt {i}")
            if err:
                return Outcome(name, mode, "WRONG", err)
        want = reference(prog, args, idx)
        value = float(prog.fn(*copy.deepcopy(args)))
        err = rel_error([flat(gi) for gi in grads], want, value)
        worst = max(worst, err)
        if not err <= RTOL:
            detail = f"max rel error {err:.3g} (point {p})"
            steady = rel_error(reference(prog, args, idx, 1e-4 / 16), want, value)
            if not steady <= RTOL:
                detail += (f"; the reference is unsteady (steps h and h/16 differ by "
                           f"{steady:.3g}): a kink near this point?")
            return Outcome(name, mode, "WRONG", detail)
    return Outcome(name, mode, "ok")


# ---------------------------------------------------------------- the command

def run(names, modes, out=sys.stdout) -> list[Outcome]:
    results = []
    for name in names:
        for mode in modes:
            r = judge(name, ALL[name], mode)
            results.append(r)
            print(r.line(), file=out, flush=True)
    return results


def summary(results: list[Outcome], modes, out=sys.stdout) -> None:
    kinds = ("ok", "refused", "WRONG", "CRASH")
    print(file=out)
    print(f"{'mode':<8} " + " ".join(f"{k:>8}" for k in kinds), file=out)
    for mode in modes:
        counts = collections.Counter(r.kind for r in results if r.mode == mode)
        print(f"{mode:<8} " + " ".join(f"{counts[k]:>8}" for k in kinds), file=out)
    bad = [r for r in results if r.kind in ("WRONG", "CRASH")]
    if bad:
        print("\nWRONG and CRASH:", file=out)
        for r in bad:
            print(f"  {r.line()}", file=out)
    reasons = collections.Counter()
    names = collections.defaultdict(collections.Counter)
    for r in results:
        if r.kind == "refused":
            reason, name = reason_of(r.detail)
            reasons[reason] += 1
            names[reason][name] += 1
    if reasons:
        print("\ncommonest refusal reasons (program-modes, and what they name):", file=out)
        for reason, n in reasons.most_common(15):
            which = ", ".join(f"{x} x{k}" if k > 1 else x
                              for x, k in names[reason].most_common() if x)
            print(f"{n:>4}  {reason}" + (f"  <- {which}" if which else ""), file=out)


_NAMED = re.compile(r"^(\w+Error: )(.+?) (has no derivative rule|is a bound method|is a "
                    r"functools.partial|returns a tuple)")


def reason_of(detail: str) -> tuple[str, str]:
    """A refusal's message without its location, the registration hint and the
    name it is about (returned apart), so refusals of one kind count together."""
    text = detail.split("  [")[0].split("; register one with")[0]
    text = re.sub(r"\(tests\.programs\.\w+\)", "(...)", text)
    text = re.sub(r" at 0x[0-9a-f]+", "", text)
    m = _NAMED.match(text)
    if not m:
        return text, ""
    return m.group(1) + "<name> " + text[m.end(2) + 1:], m.group(2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.programs.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=("reverse", "forward", "both"), default="both")
    ap.add_argument("--only", metavar="NAME",
                    help="run the programs whose name contains NAME (e.g. ode., rk4)")
    a = ap.parse_args(argv)
    modes = MODES if a.mode == "both" else (a.mode,)
    names = [n for n in ALL if a.only is None or a.only in n]
    if not names:
        print(f"no program matches {a.only!r}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    results = run(names, modes)
    summary(results, modes)
    print(f"\n{len(names)} programs, {time.perf_counter() - t0:.1f} s", flush=True)
    return 1 if any(r.kind in ("WRONG", "CRASH") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
