"""The gradient of logistic regression on Dask arrays, on a dask.distributed
LocalCluster, against NumPy in memory (issue 22). Not run by the test suite.

    pip install -e '.[dask]'
    python -m benchmarks.dask_logreg                      # 2e7 x 20 float64 (3.2 GB)
    python -m benchmarks.dask_logreg --rows 2e6 --quick   # a smaller run

The data (rows x cols float64, labels in {0, 1}) is made on the workers, chunked by
rows (`--chunk-rows`, several times fewer than the rows), and kept in their memory
(`persist`); the parameters are NumPy arrays. srcdiff's gradient of `loss` returns lazy
Dask arrays, computed together by one `dask.compute`. Reported, as the median of
`--repeats` calls: the time to build the graph (the srcdiff call) and to compute it,
each worker's peak memory above the data it holds during the gradient (VmHWM, reset
before each call), and the same gradient in NumPy on the same data in this process
(time; peak memory above the data, tracemalloc), with the largest difference between
the two gradients. Then Dask's overhead at 1e5 rows (a single chunk per worker),
where NumPy is fast: the same measurements.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc

import numpy as np

import srcdiff


def loss(w, b, X, y):
    z = X @ w + b
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def _reset_peak():
    """Reset this process's peak resident memory (Linux: /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _memory():
    """(current, peak) resident memory of this process, in bytes."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out["VmRSS"], out["VmHWM"]


def _data(da, rows, cols, chunk_rows, seed=0):
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((rows, cols), chunks=(chunk_rows, cols))
    w_true = np.linspace(-1, 1, cols)
    y = (rng.random(rows, chunks=chunk_rows) < 1 / (1 + np.exp(-(X @ w_true)))).astype(float)
    return X, y


def run_dask(client, dask, g, w, b, X, y, repeats):
    """(build seconds, compute seconds, peak bytes per worker above the data, gradient)."""
    builds, computes, peaks = [], [], []
    out = None
    for _ in range(repeats):
        client.run(_reset_peak)
        before = client.run(_memory)
        t0 = time.perf_counter()
        lazy = g(w, b, X, y)
        t1 = time.perf_counter()
        out = dask.compute(*lazy)
        t2 = time.perf_counter()
        after = client.run(_memory)
        builds.append(t1 - t0)
        computes.append(t2 - t1)
        peaks.append({k: after[k][1] - before[k][0] for k in after})
    per_worker = {k: max(p[k] for p in peaks) for k in peaks[0]}
    return statistics.median(builds), statistics.median(computes), per_worker, out


def run_numpy(g, w, b, X, y, repeats):
    """(seconds, peak bytes above the data, gradient)."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = g(w, b, X, y)
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    g(w, b, X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak, out


def _mb(n):
    return f"{n / 2**20:,.0f} MiB"


def _diff(a, b):
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


def measure(client, dask, da, rows, cols, chunk_rows, repeats, numpy_too=True):
    X, y = _data(da, rows, cols, chunk_rows)
    X, y = client.persist([X, y])
    dask.distributed.wait([X, y])
    rng = np.random.default_rng(1)
    w, b = 0.1 * rng.standard_normal(cols), 0.0
    g = srcdiff.grad(loss, wrt=("w", "b"))
    g(w, b, X, y)  # build the derivative once (per argument kinds), as every later call reuses
    build, compute, peaks, got = run_dask(client, dask, g, w, b, X, y, repeats)
    nbytes = rows * cols * 8
    print(f"\n{rows:.0e} rows x {cols} float64 ({nbytes / 2**30:.2f} GiB), chunks of "
          f"{chunk_rows:.0e} rows ({X.npartitions} chunks, {_mb(chunk_rows * cols * 8)} each), "
          f"{len(peaks)} workers")
    print(f"  Dask:  gradient {build + compute:.3f} s (graph built by srcdiff's call in "
          f"{build * 1e3:.1f} ms, computed in {compute:.3f} s); peak memory above the data, "
          f"per worker: " + ", ".join(_mb(v) for v in peaks.values()))
    if not numpy_too:
        return
    Xn, yn = dask.compute(X, y)  # NumPy in memory: the same data in this process
    Xn = np.ascontiguousarray(Xn)  # (as NumPy code makes it: matmul copies other layouts)
    gn = srcdiff.grad(loss, wrt=("w", "b"))
    gn(w, b, Xn, yn)
    seconds, peak, want = run_numpy(gn, w, b, Xn, yn, repeats)
    print(f"  NumPy: gradient {seconds:.3f} s in memory; peak memory above the data "
          f"{_mb(peak)}; Dask / NumPy time {(build + compute) / seconds:.2f}x; largest "
          f"difference of the gradients {_diff(got, want):.1e}")
    del Xn, yn


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=float, default=2e7)
    ap.add_argument("--cols", type=int, default=20)
    ap.add_argument("--chunk-rows", type=float, default=5e5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-numpy", action="store_true", help="skip NumPy on the large data")
    ap.add_argument("--quick", action="store_true", help="one repeat")
    args = ap.parse_args()
    import dask
    import dask.array as da
    import dask.distributed

    repeats = 1 if args.quick else args.repeats
    with dask.distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                       processes=True, dashboard_address=None) as cluster, \
            dask.distributed.Client(cluster) as client:
        print(f"LocalCluster: {args.workers} worker processes, 1 thread each; srcdiff "
              f"{srcdiff.__file__}")
        measure(client, dask, da, int(args.rows), args.cols, int(args.chunk_rows), repeats,
                not args.no_numpy)
        small = 100_000  # Dask's overhead where NumPy is fast: one chunk per worker
        measure(client, dask, da, small, args.cols, small // args.workers, max(repeats, 5))


if __name__ == "__main__":
    main()
