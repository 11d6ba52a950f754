"""The coverage table: every function the rule table knows, written from the table
itself (`python -m srcdiff.rules.coverage > COVERAGE.md`), so it cannot disagree
with it; tests/test_coverage_table.py fails when COVERAGE.md is stale.

Per family, one row per function with the parameters it is differentiated in
(both modes unless marked), then the functions whose derivative is zero and the
ones refused when a differentiated value reaches them. SciPy's rules are added
only once SciPy is imported (rules/scipy_rules.py); this module imports it when
it can, to list them.
"""
from __future__ import annotations

import importlib
import sys

from . import table

HEAD = """# What srcdiff differentiates

Generated from the rule table by `python -m srcdiff.rules.coverage > COVERAGE.md`
(tests/test_coverage_table.py checks it is current). Each function has a reverse
(vjp) and a forward (jvp) rule, tested against central finite differences in both
modes (and SymPy where it has a counterpart); conventions at kinks and the
refused forms are in the docstrings of `srcdiff/rules/`. "complex too": right for
complex operands in JAX's convention (srcdiff/rules/complex_rules.py); any other
function is refused when a complex value meets it. A function not listed has
no rule: differentiating through it is a `NotDifferentiableError` saying how to
`srcdiff.register` one.
"""
FAMILIES = ["Python operators", "Python builtins", "math", "NumPy", "np.linalg", "np.fft",
            "Array methods and attributes", "srcdiff",
            "SciPy (optional: `pip install 'srcdiff[scipy]'`)"]
SCIPY = FAMILIES[-1]


def family(key, rule) -> str | None:
    """Which family a table entry belongs to; None for srcdiff's internal entries."""
    if isinstance(key, tuple) and key[0] in ("helper", "pack", "list"):
        return None
    name = rule.name
    for prefix, fam in (("math.", "math"), ("np.linalg.", "np.linalg"), ("np.fft.", "np.fft"),
                        ("scipy.", SCIPY), ("np.", "NumPy"), (".", FAMILIES[6])):
        if name.startswith(prefix):
            return fam
    if name == "stop_gradient":
        return "srcdiff"
    return "Python builtins" if name[0].isalpha() else "Python operators"


def _label(key, rule) -> str:
    if isinstance(key, tuple) and key[0] == "reduce":
        return f"{rule.name}(iterable)"
    if family(key, rule) == "Python operators":  # as written: a + b, -a, a[index]
        if rule.name == "[]":
            return "a[index]"
        return f"a {rule.name} b" if len(rule.params) != 1 else f"{rule.name}a"
    return rule.name


def _params(key, rule) -> tuple[str, list[str]]:
    """(what it is differentiated in, the parameters refused when active)."""
    shown, refused = [], []
    method = rule.name.startswith(".")
    for p in rule.params + ("*",) * ("*" in rule.vjp or "*" in rule.jvp):
        vjp, jvp = rule.vjp.get(p), rule.jvp.get(p)
        if vjp is None and jvp is None:
            continue
        label = ("the array" if method and p == rule.params[0] else
                 "the first argument" if p == "_0" else
                 "the other arguments" if p == "*" and rule.params else
                 "each argument" if p == "*" else p)
        if hasattr(vjp, "refuses") or hasattr(jvp, "refuses"):
            refused.append(label)
            continue
        modes = "" if vjp is not None and jvp is not None else (
            " (reverse only)" if jvp is None else " (forward only)")
        shown.append(label + modes)
    return ", ".join(shown), refused


def rows() -> dict[str, dict]:
    """family -> {"rules": {label: params}, "zero": [labels], "refused": {label: params}}"""
    out = {f: {"rules": {}, "zero": set(), "refused": {}} for f in FAMILIES}
    for key, rule in list(table.RULES.items()):
        fam = family(key, rule)
        if fam is None or not rule.derivative:
            continue
        label = _label(key, rule)
        if rule.zero:
            out[fam]["zero"].add(label)
            continue
        shown, refused = _params(key, rule)
        if shown:
            out[fam]["rules"][label] = shown + (
                "" if rule.complex is None else " · complex too" if rule.complex == (
                    table.HOLOMORPHIC) else " · complex too (its own rule)")
        if refused:
            out[fam]["refused"][label] = ", ".join(refused)
    return out


def markdown() -> str:
    if importlib.util.find_spec("scipy") is not None:
        importlib.import_module("scipy.special")
        importlib.import_module("scipy.linalg")
        importlib.import_module("scipy.stats")
        importlib.import_module("scipy.signal")
        table.load_lazy()
    data = rows()
    counts = [sum(len(d[k]) for d in data.values()) for k in ("rules", "zero", "refused")]
    lines = [HEAD, f"{counts[0]} functions with derivative rules, {counts[1]} with a zero "
             f"derivative, {counts[2]} refusing some arguments (with the reason).", ""]
    for fam in FAMILIES:
        d = data[fam]
        if not any(d.values()):
            continue
        lines += [f"## {fam}", ""]
        if d["rules"]:
            lines += ["| function | differentiated in |", "| --- | --- |"]
            lines += [f"| `{k}` | {v} |" for k, v in sorted(d["rules"].items())]
            lines.append("")
        if d["zero"]:
            lines += ["Zero derivative: " + ", ".join(f"`{k}`" for k in sorted(d["zero"])) + ".",
                      ""]
        if d["refused"]:
            lines += ["Refused when a differentiated value is passed as: " + "; ".join(
                f"`{k}` {v}" for k, v in sorted(d["refused"].items())) + ".", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown())
