"""Every scalar corpus entry, in every mode: against central finite differences
and, where the entry has one, against its hand-derived gradient."""
from conftest import EXACT_RTOL, FD_RTOL, assert_grad_close, numeric_grad

import corpus_scalar
import srcdiff


_BUILT: dict = {}


def _grad(case, mode):
    """One derivative function per (entry, mode), shared by the tests below: they
    only call it, and each call's result must be fresh anyway."""
    key = (case.name, mode)
    if key not in _BUILT:
        _BUILT[key] = srcdiff.grad(case.fn, wrt=case.wrt, mode=mode)
    return _BUILT[key]


def test_corpus_against_finite_differences(scalar_case, mode):
    g = _grad(scalar_case, mode)
    for args in scalar_case.points:
        got = g(*args, **scalar_case.kwargs)
        what = f"{scalar_case.name}{args} [{mode}]"
        if scalar_case.fd:
            want = numeric_grad(scalar_case.fn, args, scalar_case.kwargs, scalar_case.wrt)
        else:  # stop_gradient: differences see through it, so use the formula
            want = scalar_case.grad(*args, **scalar_case.kwargs)
        assert_grad_close(got, want, FD_RTOL, what)


def test_corpus_against_hand_formula(scalar_case, mode):
    g = _grad(scalar_case, mode)
    for args in scalar_case.points:
        got = g(*args, **scalar_case.kwargs)
        if scalar_case.grad is None:  # no formula: at least finite and well shaped
            want = numeric_grad(scalar_case.fn, args, scalar_case.kwargs, scalar_case.wrt)
            assert_grad_close(got, want, FD_RTOL, f"{scalar_case.name}{args} [{mode}]")
            continue
        want = scalar_case.grad(*args, **scalar_case.kwargs)
        assert_grad_close(got, want, EXACT_RTOL, f"{scalar_case.name}{args} [{mode}]")


def test_value_and_grad_matches_primal(scalar_case, mode):
    vg = srcdiff.value_and_grad(scalar_case.fn, wrt=scalar_case.wrt, mode=mode)
    g = _grad(scalar_case, mode)
    for args in scalar_case.points:
        value, grads = vg(*args, **scalar_case.kwargs)
        assert value == scalar_case.fn(*args, **scalar_case.kwargs)
        assert_grad_close(grads, g(*args, **scalar_case.kwargs), 1e-15,
                          f"{scalar_case.name}{args} [{mode}]")


def test_source_compiles_standalone(scalar_case, mode):
    g = _grad(scalar_case, mode)
    text = g.source
    compile(text, f"<{scalar_case.name} source>", "exec")
    assert "<function" not in text and "<lambda" not in text
    long = [line for line in text.splitlines() if len(line) >= 100]
    assert not long, f"lines of 100+ characters in .source: {long}"
    namespace = dict(scalar_case.fn.__globals__)
    exec(compile(text, "<source>", "exec"), namespace)
    defs = [line for line in text.splitlines() if line.startswith("def ")]
    fn = namespace[defs[-1][4:].split("(")[0]]
    for args in scalar_case.points:
        got = fn(*args, **scalar_case.kwargs)
        want = g(*args, **scalar_case.kwargs)
        assert_grad_close(got, want, 1e-15, f"{scalar_case.name}{args} .source [{mode}]")


def test_corpus_is_large_and_covers_every_scalar_rule():
    assert len(corpus_scalar.CORPUS) >= 70
    names = [c.name for c in corpus_scalar.CORPUS]
    assert len(names) == len(set(names)), "corpus function names must be unique"
    text = open(corpus_scalar.__file__).read()
    for fn in ("sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
               "asinh", "acosh", "atanh", "exp", "expm1", "log", "log1p", "log2", "log10",
               "sqrt", "pow", "hypot", "fabs", "copysign", "erf", "erfc", "degrees",
               "radians", "floor", "ceil", "trunc"):
        assert f"math.{fn}(" in text, fn
    for spelled in ("abs(", "pow(", "max(", "min(", "float(", "int(", "round(", " % ",
                    " // ", "-x", "**", "math.pi", "math.e", "stop_gradient(", "detach("):
        assert spelled in text, spelled
