"""Second derivatives of every rule-table case: which Hessians srcdiff builds.

    python -m benchmarks.second_order            # the table by failure class
    python -m benchmarks.second_order -v         # and every failing case
    python -m benchmarks.second_order --only einsum

For each case of the rule tests' tables (tests/test_{numpy,linalg,shaping,statistics,
scipy}_rules.py: one function of a rule, its input shapes and domain) it wraps the
case's function `c` as the scalar `s(*xs) = np.sum(c(*xs) ** 2)` and, for each
parameter `i`, differentiates the gradient again in two ways:

- `hessian(s, wrt=i)`: forward mode over the generated reverse-mode gradient;
- `jacobian(grad(s, wrt=i), wrt=i)`: reverse mode over it.

Each result is compared with central differences of the first-order gradient
`grad(s, wrt=i)` (itself tested against differences of `s`). A case works when both
forms agree with the differences; otherwise the first failure is classed by its
message (the helper named in "... has no derivative rule", and so on). A measurement,
not a test: nothing here asserts.
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import tempfile
import traceback
from collections import Counter, defaultdict

import numpy as np

import srcdiff

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(os.path.dirname(HERE), "tests")
MODULES = ["test_numpy_rules", "test_linalg_rules", "test_shaping_rules",
           "test_statistics_rules", "test_scipy_rules"]
RTOL = 1e-5


def load_cases(only=None):
    sys.path.insert(0, TESTS)
    out = []
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except Exception as e:  # (SciPy missing)
            print(f"skipping {name}: {e}", file=sys.stderr)
            continue
        for case in mod.CASES:
            if only is None or only in case.id:
                out.append((name, case))
    return out


_WRAPPERS: dict = {}
_DIR = tempfile.mkdtemp(prefix="srcdiff_second_order_")
sys.path.insert(0, _DIR)


def wrapper(module: str, fn, n: int):
    """`s(x0, ..., x{n-1}) = np.sum(fn(x0, ...) ** 2)`, in a file srcdiff can read."""
    key = (module, fn.__name__, n)
    if key not in _WRAPPERS:
        params = ", ".join(f"x{i}" for i in range(n))
        mod_name = f"_so_{len(_WRAPPERS)}"
        with open(os.path.join(_DIR, mod_name + ".py"), "w") as fh:
            fh.write(f"import numpy as np\nfrom {module} import {fn.__name__} as _case\n\n\n"
                     f"def s({params}):\n    return np.sum(_case({params}) ** 2)\n")
        _WRAPPERS[key] = importlib.import_module(mod_name).s
    return _WRAPPERS[key]


def differences(g, args, i, h=1e-5):
    """d g(*args) / d args[i] by central differences, shaped out.shape + in.shape."""
    x = args[i]
    def at(v):
        a = list(args)
        a[i] = v
        return np.asarray(g(*a), dtype=float)
    if not isinstance(x, np.ndarray):
        step = h * max(1.0, abs(x))
        return (at(x + step) - at(x - step)) / (2 * step)
    out = []
    for k in range(x.size):
        e = np.zeros(x.shape)
        step = h * max(1.0, abs(float(x.flat[k])))
        e.flat[k] = step
        out.append((at(x + e) - at(x - e)) / (2 * step))
    cols = np.stack(out, axis=-1) if out else np.zeros(np.shape(at(x)) + (0,))
    return cols.reshape(np.shape(at(x)) + x.shape)


def classify(e: BaseException) -> str:
    msg = str(e).split("\n")[0]
    for pattern in (r"^([\w.]+) has no derivative rule",
                    r"^([\w.]+) has no (reverse|forward)-mode rule",
                    r"^the method (\.\w+\(\))"):
        m = re.search(pattern, msg)
        if m:
            what = {"derivative": "no rule", "reverse": "no reverse rule",
                    "forward": "no forward rule"}
            kind = "no rule" if "derivative rule" in msg else what.get(
                m.group(2) if m.lastindex > 1 else "", "method")
            return f"{kind}: {m.group(1)}"
    msg = re.sub(r"\(at .*?\)|line \d+|<srcdiff[^>]*>|\d+", "#", msg)
    return f"{type(e).__name__}: {msg[:90]}"


def close(got, want) -> bool:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    return bool(np.all(np.abs(got - want) <= RTOL * np.maximum(np.abs(want), 1e-2 * scale)
                       + 1e-7 * scale))


FORMS = {
    "hessian": lambda s, i: srcdiff.hessian(s, wrt=i),
    "jacobian(grad)": lambda s, i: srcdiff.jacobian(srcdiff.grad(s, wrt=i), wrt=i),
}


def measure(module, case):
    """{form: "ok" | "wrong" | failure class} for the case (its first parameter whose
    form fails decides)."""
    args = case.draw(0)
    s = wrapper(module, case.fn, len(args))
    result = {}
    for form, make in FORMS.items():
        status = "ok"
        for i in range(len(args)):
            try:
                g = srcdiff.grad(s, wrt=i)
                want = differences(g, args, i)
            except Exception as e:
                status = "first order: " + classify(e)
                break
            try:
                got = make(s, i)(*args)
            except Exception as e:
                status = classify(e)
                if os.environ.get("SO_TRACE"):
                    traceback.print_exc()
                break
            if not close(got, want):
                status = "wrong"
                break
        result[form] = status
    return result


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", action="store_true", help="list every failing case")
    ap.add_argument("--only", help="cases whose id contains this")
    opts = ap.parse_args(argv)
    np.seterr(all="ignore")
    results = {}
    for module, case in load_cases(opts.only):
        results[(module, case.id)] = measure(module, case)
    total = len(results)
    both = sum(all(v == "ok" for v in r.values()) for r in results.values())
    print(f"{both} of {total} cases: both second-derivative forms agree with differences")
    for form in FORMS:
        counts = Counter(r[form] for r in results.values())
        print(f"\n{form}: {counts.pop('ok', 0)} of {total} ok")
        for what, n in counts.most_common():
            print(f"  {n:4d}  {what}")
    if opts.v:
        by = defaultdict(list)
        for (_, cid), r in results.items():
            for form, v in r.items():
                if v != "ok":
                    by[(form, v)].append(cid)
        for (form, v), ids in sorted(by.items()):
            print(f"\n[{form}] {v}:\n  " + " ".join(ids))


if __name__ == "__main__":
    main()
