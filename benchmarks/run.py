"""Benchmark srcdiff gradients against hand-written gradients, in one process.

    python -m benchmarks.run            # the full run (a couple of minutes)
    python -m benchmarks.run --quick    # a fast smoke run on small sizes

For each case in benchmarks/cases.py: check the srcdiff gradient against the
hand-written one (relative error <= 1e-9) first, then time the primal, the
srcdiff gradient (the public `srcdiff.grad(f)` callable, warmed up), the raw
specialised generated function (bypassing the wrapper), the hand gradient and,
when importable, autograd — interleaved, each sample >= ~20 ms of calls, the
median of several. Also: transform time (build + first call on a fresh function
object), peak memory of one gradient call (tracemalloc), and line counts.

Writes a Markdown table to stdout and benchmarks/results/latest.{md,json}.
"""
from __future__ import annotations

import os

# Single-threaded BLAS: must be set before NumPy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import types  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import srcdiff  # noqa: E402
from srcdiff import transform as _transform  # noqa: E402

from .cases import CASES, Case  # noqa: E402
from .lines import body_lines  # noqa: E402

RTOL = 1e-9
RESULTS = Path(__file__).resolve().parent / "results"


# --- timing ------------------------------------------------------------------

def _run_n(fn, args, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn(*args)
    return time.perf_counter() - t0


def calibrate(fn, args, target: float) -> int:
    """The number of calls that take at least `target` seconds."""
    n = 1
    while True:
        t = _run_n(fn, args, n)
        if t >= target:
            return n
        grow = target / t * 1.2 if t > 0 else 100.0
        n = max(n + 1, int(math.ceil(n * min(grow, 100.0))))


def time_interleaved(fns: dict, args, repeats: int, target: float) -> dict:
    """Seconds per call for each function: `repeats` samples of each, interleaved
    (the order rotates every repeat), every sample at least `target` seconds."""
    loops = {k: calibrate(fn, args, target) for k, fn in fns.items()}
    samples = {k: [] for k in fns}
    keys = list(fns)
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for r in range(repeats):
            order = keys[r % len(keys):] + keys[:r % len(keys)]
            for k in order:
                samples[k].append(_run_n(fns[k], args, loops[k]) / loops[k])
    finally:
        if gc_was:
            gc.enable()
    return samples


def paired_ratio(a: list, b: list) -> float:
    """Median over repeats of a[r] / b[r] (samples taken side by side)."""
    return statistics.median(x / y for x, y in zip(a, b))


def peak_memory(fn, args) -> int:
    """Peak bytes traced by tracemalloc during one call, above what was live before."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


# --- correctness ---------------------------------------------------------------

def _parts(g) -> tuple:
    return g if isinstance(g, tuple) else (g,)


def compare(got, want) -> tuple[float, str]:
    """(relative error, problem or ''): max |got - want| / max |want|, per gradient;
    also the type/shape contract (a float for a float, an array of the shape)."""
    got_p, want_p = _parts(got), _parts(want)
    if len(got_p) != len(want_p):
        return math.inf, f"{len(got_p)} gradients, expected {len(want_p)}"
    worst = 0.0
    for i, (a, b) in enumerate(zip(got_p, want_p)):
        if isinstance(b, np.ndarray):
            if not isinstance(a, np.ndarray) or a.shape != b.shape:
                return math.inf, (f"gradient {i}: {type(a).__name__} of shape {np.shape(a)}, "
                                  f"expected an array of shape {b.shape}")
        elif not isinstance(a, float):
            return math.inf, f"gradient {i}: {type(a).__name__}, expected a float"
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        scale = float(np.max(np.abs(b))) if b.size else 0.0
        diff = float(np.max(np.abs(a - b))) if b.size else 0.0
        if not np.isfinite(diff):
            return math.inf, f"gradient {i}: non-finite entries"
        worst = max(worst, diff / scale if scale > 0 else diff)
    return worst, ""


# --- line counts --------------------------------------------------------------------

# --- one case -------------------------------------------------------------------------

def fresh(f):
    """A new function object for `f` (so no per-function cache applies)."""
    g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                           f.__closure__)
    g.__qualname__, g.__module__, g.__doc__ = f.__qualname__, f.__module__, f.__doc__
    g.__kwdefaults__ = f.__kwdefaults__
    return g


def short_error(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    first = msg[0] if msg else ""
    text = f"{type(e).__name__}: {first}"
    return text if len(text) <= 90 else text[:87] + "..."


def _cached_entry(d, args):
    """The cache entry (`api.Entry`: `.fn`, and `.unwrap` when it returns (value,
    gradient)) of the specialised generated function the last call of `d` ran."""
    d(*args)
    if getattr(d, "_last", None) is not None:
        return d._last
    raise LookupError("cannot find the specialised function in Derivative._cache")


def autograd_grad(case: Case):
    """autograd's gradient of the same source with np/math bound to autograd.numpy,
    or None when autograd is not importable."""
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    f = case.f
    g = dict(f.__globals__, np=anp, math=anp)
    fa = types.FunctionType(f.__code__, g, f.__name__, f.__defaults__, f.__closure__)
    return autograd.grad(fa, argnum=case.wrt)


def transform_time(case: Case, args, tries: int) -> tuple[float, float]:
    """(build, first call) seconds, min over `tries` fresh builds."""
    build, first = math.inf, math.inf
    for _ in range(tries):
        fc = fresh(case.f)
        _transform._LOWERED.pop(fc, None)
        gc.collect()
        t0 = time.perf_counter()
        d = srcdiff.grad(fc, wrt=case.wrt)
        t1 = time.perf_counter()
        d(*args)
        t2 = time.perf_counter()
        build, first = min(build, t1 - t0), min(first, t2 - t1)
    return build, first


_IMPORT = """
import sys
import time
t0 = time.perf_counter()
import numpy
t1 = time.perf_counter()
import srcdiff
t2 = time.perf_counter()
assert "sympy" not in sys.modules  # (srcdiff/sym.py: only `check` imports it)
import sympy
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def import_time(tries: int) -> dict:
    """Seconds to import NumPy, then srcdiff (which does not import SymPy), then SymPy
    (what `srcdiff.check` adds at its first call), in a fresh interpreter: min over
    `tries`."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(srcdiff.__file__).resolve().parents[1])]
        + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    best = [math.inf] * 3
    for _ in range(tries):
        out = subprocess.run([sys.executable, "-c", _IMPORT], capture_output=True, text=True,
                             env=env, check=True).stdout.split()
        best = [min(b, float(x)) for b, x in zip(best, out)]
    return dict(zip(("numpy", "srcdiff", "sympy"), best))


def run_case(case: Case, quick: bool, repeats: int, target: float, use_autograd: bool) -> dict:
    args = case.make(quick)
    row: dict = {"case": case.name, "status": "ok", "error": None, "mismatch": None}
    hand_src = inspect.getsource(case.hand)
    row["hand_lines"], _ = body_lines(hand_src)
    want = case.hand(*args)

    # srcdiff: build, first call, correctness
    d = raw = None
    try:
        d = srcdiff.grad(case.f, wrt=case.wrt)
        before = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
        got = d(*args)
        changed = [i for i, (a, b) in enumerate(zip(args, before))
                   if isinstance(a, np.ndarray) and not np.array_equal(a, b)]
        entry = _cached_entry(d, args)
        fn, returns_value = entry.fn, entry.unwrap
        raw = fn  # returns (value, gradient) when returns_value: timed as is
        row["raw_returns_value"] = bool(returns_value)
        err, problem = compare(got, want)
        raw_got = fn(*args)
        raw_err, raw_problem = compare(raw_got[1] if returns_value else raw_got, want)
        row["rel_err"] = err
        if changed:
            problem = problem or f"the gradient call modified argument(s) {changed}"
        if problem or err > RTOL or raw_problem or raw_err > RTOL:
            row["status"] = "MISMATCH"
            row["mismatch"] = problem or raw_problem or f"relative error {max(err, raw_err):.3g}"
            print(f"\n!!! MISMATCH in {case.name}: {row['mismatch']}\n", file=sys.stderr)
        row["source"] = d.source
        row["gen_lines"], row["helpers"] = body_lines(d.source)
    except Exception as e:  # a case srcdiff cannot differentiate yet
        row["status"] = "error"
        row["error"] = short_error(e)
        d = raw = None

    # autograd (optional)
    ag = autograd_grad(case) if use_autograd else None
    if ag is not None:
        try:
            ag(*args)
            a_err, a_problem = compare(_as_floats(ag(*args), want), want)
            if a_problem or a_err > RTOL:
                row["autograd_error"] = a_problem or f"relative error {a_err:.3g}"
        except Exception as e:
            row["autograd_error"] = short_error(e)
            ag = None

    fns = {"fwd": case.f, "hand": case.hand}
    if d is not None:
        fns["grad"] = d
        fns["raw"] = raw
    if ag is not None:
        fns["autograd"] = ag
    samples = time_interleaved(fns, args, repeats, target)
    row["time"] = {k: statistics.median(v) for k, v in samples.items()}
    row["samples"] = samples
    if d is not None:
        row["grad/hand"] = paired_ratio(samples["grad"], samples["hand"])
        per = [g / h for g, h in zip(samples["grad"], samples["hand"])]
        row["grad/hand range"] = [min(per), max(per)]
        row["raw/hand"] = paired_ratio(samples["raw"], samples["hand"])
        row["grad/fwd"] = paired_ratio(samples["grad"], samples["fwd"])
        build, first = transform_time(case, args, 1 if quick else 3)
        row["build"], row["first_call"] = build, first
        row["transform"] = build + first
        row["transform_no_eval"] = max(0.0, build + first - row["time"]["grad"])
        row["peak_grad"] = peak_memory(d, args)
    if ag is not None:
        row["autograd/hand"] = paired_ratio(samples["autograd"], samples["hand"])
    row["peak_hand"] = peak_memory(case.hand, args)
    row["loop"] = case.loop
    return row


def _as_floats(g, want):
    """autograd returns NumPy scalars for float inputs; compare values only."""
    if isinstance(g, tuple):
        return tuple(_as_floats(a, w) for a, w in zip(g, _parts(want)))
    return float(g) if isinstance(want, float) else g


# --- entry points: repeated calls cost an evaluation, not a transform ----------------

def entry_points(repeats: int, target: float) -> list:
    """Seconds per call of each entry point called afresh every time (`vjp(f, x)`
    and its pullback, `jacobian(f)(x)`, a new `grad(f)` ...), next to the hand
    version, interleaved; each result is checked against the hand one first."""
    from .cases import bump, bump_hessian_hand, wave, wave_jacobian_hand
    x = np.random.default_rng(0).standard_normal(5)
    jac = wave_jacobian_hand(x)
    d_wave = np.diag(jac)
    rows = [
        ("vjp(f, x) + pullback", lambda: srcdiff.vjp(wave, x)[1](np.ones(5))[0], d_wave,
         lambda: np.cos(x) * x + np.sin(x)),
        ("jvp(f, (x,), (t,))", lambda: srcdiff.jvp(wave, (x,), (np.ones(5),))[1], d_wave,
         lambda: np.cos(x) * x + np.sin(x)),
        ("jacobian(f)(x), n=5", lambda: srcdiff.jacobian(wave)(x), jac,
         lambda: wave_jacobian_hand(x)),
        ("jacobian(f, mode='forward')(x)", lambda: srcdiff.jacobian(wave, mode="forward")(x),
         jac, lambda: wave_jacobian_hand(x)),
        ("hessian(f)(x), scalar", lambda: srcdiff.hessian(bump)(1.3), bump_hessian_hand(1.3),
         lambda: bump_hessian_hand(1.3)),
        ("grad(f) built again + called", lambda: srcdiff.grad(bump)(1.3),
         math.cos(1.3) * 1.69 + 2.6 * math.sin(1.3),
         lambda: math.cos(1.3) * 1.69 + 2.6 * math.sin(1.3)),
        ("value_and_grad(f) built again + called",
         lambda: srcdiff.value_and_grad(bump)(1.3)[1],
         math.cos(1.3) * 1.69 + 2.6 * math.sin(1.3),
         lambda: math.cos(1.3) * 1.69 + 2.6 * math.sin(1.3)),
    ]
    out = []
    for name, call, want, hand in rows:
        before = _transforms()
        err, problem = compare(call(), want)
        first = _transforms()
        call()
        again = None if first is None else _transforms() - first
        if problem or err > RTOL:
            print(f"\n!!! MISMATCH in {name}: {problem or err}\n", file=sys.stderr)
        samples = time_interleaved({"call": call, "hand": hand}, (), repeats, target)
        out.append({"entry": name, "call": statistics.median(samples["call"]),
                    "hand": statistics.median(samples["hand"]),
                    "first_transforms": None if first is None else first - before,
                    "repeat_transforms": again,
                    "ok": not problem and err <= RTOL})
    return out


def _transforms():
    """Lowerings and builds srcdiff has run (None for a version that does not count)."""
    counts = getattr(_transform, "COUNTS", None)
    return None if counts is None else sum(counts.values())


def entry_table(rows: list) -> str:
    out = ["| entry point, called afresh | per call | hand | transforms at a repeat |",
           "|---|---|---|---|"]
    for r in rows:
        ok = "" if r["ok"] else " **MISMATCH**"
        out.append(f"| {r['entry']}{ok} | {fmt_time(r['call'])} | {fmt_time(r['hand'])} | "
                   f"{'?' if r['repeat_transforms'] is None else r['repeat_transforms']} |")
    return "\n".join(out)


# --- report ------------------------------------------------------------------------------

def fmt_time(s) -> str:
    if s is None:
        return "—"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_bytes(n) -> str:
    if n is None:
        return "—"
    if n < 1024:
        return f"{n} B"
    if n < 1024 ** 2:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 ** 2:.1f} MB"


def fmt_ratio(r) -> str:
    return "—" if r is None else f"{r:.2f}×"


def machine() -> dict:
    fields = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    cpu = fields.get("model name", platform.processor() or "unknown CPU")
    if "cpu family" in fields and "model" in fields:
        cpu += f" (family {fields['cpu family']}, model {fields['model']})"
    try:
        import autograd  # noqa: F401
        ag = __import__("importlib.metadata").metadata.version("autograd")
    except Exception:
        ag = None
    return {"date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "python": platform.python_version(), "numpy": np.__version__, "cpu": cpu,
            "cores": os.cpu_count(), "autograd": ag,
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def table(rows: list, has_autograd: bool) -> str:
    head = ["case", "forward", "srcdiff grad", "hand grad", "grad/hand", "raw/hand",
            "grad/fwd"]
    if has_autograd:
        head.append("autograd/hand")
    head += ["transform (build + 1st call)", "peak mem grad / hand", "lines gen / hand"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        t = r["time"]
        if r["status"] == "error":
            grad = f"error: {r['error']}"
        elif r["status"] == "MISMATCH":
            grad = f"**MISMATCH: {r['mismatch']}** {fmt_time(t['grad'])}"
        else:
            grad = fmt_time(t.get("grad"))
        cells = [r["case"], fmt_time(t["fwd"]), grad, fmt_time(t["hand"]),
                 fmt_ratio(r.get("grad/hand")), fmt_ratio(r.get("raw/hand")),
                 fmt_ratio(r.get("grad/fwd"))]
        if has_autograd:
            ag = fmt_ratio(r.get("autograd/hand"))
            if r.get("autograd_error"):
                ag = (f"{ag} (differs: {r['autograd_error']})" if "autograd/hand" in r
                      else f"error: {r['autograd_error']}")
            cells.append(ag)
        if "transform" in r:
            cells.append(f"{fmt_time(r['transform'])} ({fmt_time(r['build'])} + "
                         f"{fmt_time(r['first_call'])})")
        else:
            cells.append("—")
        mem = f"{fmt_bytes(r.get('peak_grad'))} / {fmt_bytes(r['peak_hand'])}"
        cells.append(f"**{mem}**" if r["loop"] else mem)
        if "gen_lines" in r:
            helpers = f" +{len(r['helpers'])} helpers" if r["helpers"] else ""
            cells.append(f"{r['gen_lines']} / {r['hand_lines']}{helpers}")
        else:
            cells.append(f"— / {r['hand_lines']}")
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out)


def summary(rows: list) -> str:
    ok = [r for r in rows if "grad/hand" in r and r["status"] == "ok"]
    lines = []
    if ok:
        ratios = sorted(r["grad/hand"] for r in ok)
        worst = max(ok, key=lambda r: r["grad/hand"])
        raws = [r["raw/hand"] for r in ok]
        lines.append(f"grad/hand: median {statistics.median(ratios):.2f}×, worst "
                     f"{worst['grad/hand']:.2f}× ({worst['case']}); raw/hand: median "
                     f"{statistics.median(raws):.2f}×, worst {max(raws):.2f}×.")
        tr = [r["transform"] for r in ok]
        tn = [r["transform_no_eval"] for r in ok]
        slow = max(ok, key=lambda r: r["transform_no_eval"])
        lines.append(f"transform (build + first call): median {fmt_time(statistics.median(tr))},"
                     f" max {fmt_time(max(tr))}; without the first call's one gradient "
                     f"evaluation: median {fmt_time(statistics.median(tn))}, max "
                     f"{fmt_time(max(tn))} ({slow['case']}).")
    bad = [r for r in rows if r["status"] != "ok"]
    for r in bad:
        lines.append(f"{r['status']}: {r['case']}: {r['error'] or r['mismatch']}")
    helpers = sorted({h for r in rows for h in r.get("helpers", ())})
    if helpers:
        lines.append("Nested runtime helpers emitted in generated code (not counted in lines): "
                     + ", ".join(helpers) + ".")
    return "\n".join(f"- {x}" for x in lines)


def import_line(imp: dict | None) -> str:
    if not imp:
        return ""
    return (f"\n- import (fresh interpreter, min of runs): `import srcdiff` "
            f"{fmt_time(imp['srcdiff'])} after NumPy ({fmt_time(imp['numpy'])}), without "
            f"SymPy, which `srcdiff.check` imports at its first call "
            f"({fmt_time(imp['sympy'])} more).")


def report(rows: list, info: dict, quick: bool, repeats: int, target: float) -> str:
    has_ag = any("autograd/hand" in r or r.get("autograd_error") for r in rows)
    head = (f"srcdiff benchmarks{' (--quick: small sizes)' if quick else ''} — {info['date']}; "
            f"Python {info['python']}, NumPy {info['numpy']}, {info['cpu']}, "
            f"{info['cores']} cores, BLAS threads {info['blas_threads']}"
            + (f", autograd {info['autograd']}" if info["autograd"] else "")
            + f". Median of {repeats} interleaved samples of >= {target * 1e3:.0f} ms"
            + (f"; load average at start {info['load_average'][0]:.1f}"
               if info["load_average"] else "") + ".")
    legend = ("grad = public `srcdiff.grad(f)` callable; raw = the cached specialised "
              "generated function called directly (no wrapper); ratios are medians of "
              "per-repeat ratios. Peak memory (tracemalloc) is in bold for loop cases. "
              "Lines: non-blank, non-docstring body lines; generated code excludes nested "
              "runtime helper defs, counted separately.")
    imp = import_line(info.get("import"))
    return f"{head}\n\n{table(rows, has_ag)}\n\n{summary(rows)}{imp}\n\n{legend}\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes, few repeats (smoke run)")
    p.add_argument("--repeats", type=int, help="samples per variant (default 11, quick 3)")
    p.add_argument("--target-ms", type=float, help="minimum sample length in ms "
                   "(default 20, quick 5)")
    p.add_argument("--only", help="run only cases whose name contains this text")
    p.add_argument("--no-autograd", action="store_true", help="skip autograd even if present")
    p.add_argument("--no-write", action="store_true", help="do not write benchmarks/results/")
    a = p.parse_args(argv)
    repeats = a.repeats or (3 if a.quick else 11)
    target = (a.target_ms or (5 if a.quick else 20)) / 1e3
    cases = [c for c in CASES if not a.only or a.only.lower() in c.name.lower()]
    info = machine()
    info["import"] = import_time(3 if a.quick else 7)
    rows = []
    t_start = time.perf_counter()
    for c in cases:
        t0 = time.perf_counter()
        rows.append(run_case(c, a.quick, repeats, target, not a.no_autograd))
        print(f"  {c.name}: {rows[-1]['status']} ({time.perf_counter() - t0:.1f} s)",
              file=sys.stderr)
    print(f"  total {time.perf_counter() - t_start:.1f} s", file=sys.stderr)
    entries = entry_points(repeats, target) if not a.only else []
    text = report(rows, info, a.quick, repeats, target)
    if entries:
        text += "\n" + entry_table(entries) + "\n"
    print(text)
    if not a.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "latest.md").write_text(text)
        payload = {"machine": info, "quick": a.quick, "repeats": repeats,
                   "target_s": target, "rows": rows, "entry_points": entries}
        (RESULTS / "latest.json").write_text(json.dumps(payload, indent=1, default=str))
    bad = any(r["status"] == "MISMATCH" for r in rows) or not all(e["ok"] for e in entries)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
