"""The long fuzzing profile: many random programs, every outcome counted, failures kept.

    python -m tests.fuzz.long --count 10000 [--jobs 2] [--numpy 0.3] [--seed 0]
                              [--out fuzz-report.txt]

Runs `count` programs (a fraction `--numpy` of them NumPy programs) through
`tests.fuzz.programs.judge` in `jobs` worker processes, prints the counts per
outcome and per mode, the histogram of SrcDiffError reasons (the unsupported
constructs) and, for each distinct failure, the smallest program that shows it.
The same report is written to `--out`. Exit status 1 when anything failed.
"""
from __future__ import annotations

import argparse
import collections
import multiprocessing
import signal
import sys
import tempfile
import time
import traceback

from hypothesis import HealthCheck, given, seed, settings

from .programs import Loader, Outcome, judge, programs

BATCH = 250  # programs per worker process (a fresh process per batch)
TIMEOUT = 60  # seconds per program; longer is reported as a failure (a hang)


class _Timeout(BaseException):
    """Raised by the alarm; not an Exception, so no `except Exception` swallows it."""


def _alarm(*_):
    raise _Timeout


def _judge_timed(prog, loader):
    signal.alarm(TIMEOUT)
    try:
        return judge(prog, loader)
    except Exception as e:  # noqa: BLE001 - an oracle bug must not end the run
        return Outcome("failure", f"oracle raised {type(e).__name__}",
                       "".join(traceback.format_exception(e))[-3000:])
    except _Timeout as e:
        frames = [f for f in traceback.extract_tb(e.__traceback__) if "srcdiff" in f.filename
                  and "fuzz" not in f.filename]
        where = f"{frames[-1].name} ({frames[-1].filename.split('/')[-1]})" if frames else "?"
        return Outcome("failure", f"timeout: more than {TIMEOUT} s, in srcdiff {where}")
    finally:
        signal.alarm(0)


def _worker(job):
    count, numpy, rng_seed, root = job
    loader = Loader(root)
    stats = collections.Counter()
    modes = collections.Counter()
    reasons = collections.Counter()
    features = collections.Counter()
    failures: dict[str, tuple[str, str, int]] = {}
    signal.signal(signal.SIGALRM, _alarm)

    @seed(rng_seed)
    @settings(max_examples=count, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(programs(numpy=numpy))
    def run(prog):
        out = _judge_timed(prog, loader)
        kind = "numpy" if numpy else "scalar"
        stats[(kind, out.status)] += 1
        for mode, res in out.modes.items():
            modes[(kind, mode, res.split(":")[0])] += 1
            if res.startswith("unsupported: "):
                reasons[res[len("unsupported: "):]] += 1
        if out.sympy:
            modes[(kind, "sympy", out.sympy.split(":")[0])] += 1
        for feature in prog.features:  # how often each grammar class ran to a verdict
            features[(feature, out.status)] += 1
        if out.status == "rejected":
            stats[(kind, "rejected: " + out.reason)] += 1
        if out.status == "failure":
            text = repr(prog)
            old = failures.get(out.reason)
            n = (old[2] if old else 0) + 1
            if old is None or len(text) < len(old[0]):
                failures[out.reason] = (text, out.detail, n)
            else:
                failures[out.reason] = (old[0], old[1], n)

    run()
    return stats, modes, reasons, features, failures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10000, help="programs to run in all")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--numpy", type=float, default=0.3, help="fraction of NumPy programs")
    ap.add_argument("--seed", type=int, default=0, help="base random seed")
    ap.add_argument("--out", default="fuzz-report.txt", help="where to write the report")
    args = ap.parse_args(argv)
    root = tempfile.mkdtemp(prefix="srcdiff-fuzz-")
    n_np = int(round(args.count * args.numpy))
    jobs = []  # batches of at most BATCH programs, each with its own seed and process
    for numpy, total in ((False, args.count - n_np), (True, n_np)):
        for j in range(0, total, BATCH):
            jobs.append((min(BATCH, total - j), numpy,
                         args.seed * 100000 + j // BATCH + (50000 if numpy else 0), root))
    start = time.time()
    import srcdiff  # noqa: F401  (imported once, before the workers fork)

    parts, done = [], 0
    with multiprocessing.get_context("fork").Pool(args.jobs, maxtasksperchild=1) as pool:
        for part in pool.imap_unordered(_worker, jobs):
            parts.append(part)
            done += sum(v for k, v in part[0].items() if ":" not in k[1])
            print(f"{done}/{args.count} programs, {time.time() - start:.0f} s, "
                  f"{sum(len(p[4]) for p in parts)} failures so far", file=sys.stderr,
                  flush=True)
    stats, modes, reasons, features = (collections.Counter() for _ in range(4))
    failures: dict = {}
    for s, m, r, feat, f in parts:
        stats.update(s)
        modes.update(m)
        reasons.update(r)
        features.update(feat)
        for key, (text, detail, n) in f.items():
            old = failures.get(key)
            total = n + (old[2] if old else 0)
            best = (text, detail) if old is None or len(text) < len(old[0]) else old[:2]
            failures[key] = (*best, total)
    lines = [f"srcdiff fuzz: {sum(v for k, v in stats.items() if ':' not in k[1])} programs "
             f"in {time.time() - start:.0f} s (temp files in {root})", "", "outcomes:"]
    lines += [f"  {k[0]:7} {k[1]:60} {v}" for k, v in sorted(stats.items())]
    lines += ["", "per mode (ok / unsupported / failure):"]
    lines += [f"  {k[0]:7} {k[1]:8} {k[2]:12} {v}" for k, v in sorted(modes.items())]
    lines += ["", "programs per grammar feature (ok / unsupported / rejected / failure):"]
    for name in sorted({k[0] for k in features}):
        counts = " / ".join(str(features[(name, st)]) for st in
                            ("ok", "unsupported", "rejected", "failure"))
        lines.append(f"  {name:16} {counts}")
    lines += ["", "SrcDiffError reasons (per mode run):"]
    lines += [f"  {v:6}  {k}" for k, v in reasons.most_common(30)]
    lines += ["", f"distinct failures: {len(failures)}"]
    for key, (text, detail, n) in sorted(failures.items()):
        lines += ["", "=" * 78, f"FAILURE ({n}x): {key}", text, "--- detail ---", detail]
    report = "\n".join(lines)
    print(report)
    with open(args.out, "w") as fh:
        fh.write(report + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
