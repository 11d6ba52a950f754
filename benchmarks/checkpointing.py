"""Memory and time of a checkpointed loop against the tape (issue 20.4).

An explicit Euler integrator of a nonlinear ODE with a 1000-float state, its
gradient with respect to the initial state by `srcdiff.grad` without
checkpointing (a tape of every trip: memory O(trips)), with `every(k)` (k about
sqrt(trips): O(sqrt(trips)) memory, one more forward sweep) and with
`revolve(s)` (s snapshots: O(s) memory, a few more sweeps). Peak memory is
tracemalloc's, above what was live before the call (a run of its own: tracing
slows NumPy's allocations); time is the best of `--repeat` untraced calls. Every
gradient is checked against the un-checkpointed one where that one ran.

    python -m benchmarks.checkpointing                  # 1e3 ... 1e5 trips
    python -m benchmarks.checkpointing --trips 1000 10000 100000 1000000 --tape-max 100000

Not run by the test suite.
"""
from __future__ import annotations

import argparse
import math
import time
import tracemalloc

import numpy as np

import srcdiff

STATE = 1000


def integrate(y, n):
    """n explicit Euler steps of dy/dt = sin(y) - y^3 / 10 + (y shifted by one) / 2."""
    dt = 0.001
    for _ in range(n):
        y = y + dt * (np.sin(y) - 0.1 * y * y * y + 0.5 * np.roll(y, 1))
    return np.sum(y * y)


def policies(n: int) -> list:
    k = max(1, math.isqrt(n))
    return [("tape", None), (f"every({k})", srcdiff.every(k)),
            ("revolve(20)", srcdiff.revolve(20))]


def measure(g, y, n, repeat: int) -> tuple[float, float, np.ndarray]:
    g(y, min(n, 3))  # build (specialise) once, outside the measurements
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    out = g(y, n)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        g(y, n)
        best = min(best, time.perf_counter() - t0)
    return best, peak, out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trips", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--tape-max", type=int, default=100000,
                    help="the largest trip count run without checkpointing")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    y = np.random.default_rng(0).uniform(-1, 1, STATE)
    print(f"state {STATE} floats; time / primal: against the primal timed just before\n")
    print("| trips | policy | time (s) | time / primal | peak memory (MB) | max rel. diff |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in args.trips:
        t0 = time.perf_counter()
        integrate(y, n)
        primal = time.perf_counter() - t0
        print(f"| {n:.0e} | (primal) | {primal:.2f} | 1.0 | | |", flush=True)
        ref = None
        for label, policy in policies(n):
            if policy is None and n > args.tape_max:
                print(f"| {n:.0e} | {label} | — | — | (not run: ~{n * 25e-3:.0f} MB) | |")
                continue
            g = srcdiff.grad(integrate, checkpoint=policy)
            secs, peak, out = measure(g, y, n, args.repeat)
            if policy is None:
                ref = out
            diff = "" if ref is None or policy is None else (
                f"{np.max(np.abs(out - ref)) / np.max(np.abs(ref)):.1e}")
            print(f"| {n:.0e} | {label} | {secs:.2f} | {secs / primal:.1f} | "
                  f"{peak / 1e6:.1f} | {diff} |", flush=True)


if __name__ == "__main__":
    main()
