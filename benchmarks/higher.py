"""Second derivatives through loops: the Hessian-vector product against one gradient.

    python -m benchmarks.higher

An explicit Euler integrator of y' = -k y^3 + sin(y) with an n-float state over
`steps` steps (the loop's gradient keeps a tape, so srcdiff differentiates its
tangent code instead: higher.py). Reports, per size, the time of f, of its
gradient, of `hvp(f)(y, k, v)` (reverse mode over f's tangent code) and of
`jvp(grad(f))` with a tangent in y (the same product), as ratios to one
gradient, the transform time of the product (build + first call), and a
full Hessian of a small state (one product per element) against the matrix of
gradient differences it replaces, for correctness. Medians of interleaved
repeats, in one process; no timed asserts anywhere.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import srcdiff  # noqa: E402


def euler(y, k, steps=100, dt=0.01):
    for _ in range(steps):
        y = y + dt * (-k * y ** 3 + np.sin(y))
    return np.sum(y * y)


def _seconds(fn, *args, min_time=0.02) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_time:
        fn(*args)
        n += 1
    return (time.perf_counter() - start) / n


def main() -> None:
    rng = np.random.default_rng(0)
    print("| state n | steps | f | grad | hvp | hvp / grad | jvp(grad) / grad "
          "| hvp transform |")
    print("|---|---|---|---|---|---|---|---|")
    for n in (10, 1000):
        y, v = rng.standard_normal(n), rng.standard_normal(n)
        grad = srcdiff.grad(euler)
        start = time.perf_counter()
        hvp = srcdiff.hvp(euler)
        hvp(y, 0.9, v)
        transform = time.perf_counter() - start
        jvp = srcdiff.jvp(srcdiff.grad(euler))
        grad(y, 0.9)
        jvp((y, 0.9), (v, 0.0))
        samples = {k: [] for k in ("f", "grad", "hvp", "jvp")}
        for _ in range(5):
            samples["f"].append(_seconds(euler, y, 0.9))
            samples["grad"].append(_seconds(grad, y, 0.9))
            samples["hvp"].append(_seconds(hvp, y, 0.9, v))
            samples["jvp"].append(_seconds(jvp, (y, 0.9), (v, 0.0)))
        t = {k: statistics.median(s) for k, s in samples.items()}
        print(f"| {n} | 100 | {t['f'] * 1e3:.2f} ms | {t['grad'] * 1e3:.2f} ms | "
              f"{t['hvp'] * 1e3:.2f} ms | {t['hvp'] / t['grad']:.2f}× | "
              f"{t['jvp'] / t['grad']:.2f}× | {transform * 1e3:.0f} ms |")
    y = rng.standard_normal(5)
    H = srcdiff.hessian(euler)(y, 0.9)
    g, h = srcdiff.grad(euler), 1e-6
    diffs = np.array([(g(y + h * e, 0.9) - g(y - h * e, 0.9)) / (2 * h) for e in np.eye(5)])
    print(f"\nhessian(euler) of a 5-float state: max |H - gradient differences| = "
          f"{np.max(np.abs(H - diffs)):.1e}")


if __name__ == "__main__":
    main()
