"""Every error class, raised on purpose, with its message checked.

Functions that must fail live at module level in this file; the line each
error should point at carries a `# <-` marker comment naming the case, so
expected line numbers are read from the file rather than hard-coded.
"""
import cmath
import functools
import math
import os
import warnings

import numpy as np
import pytest

import srcdiff
from srcdiff import (
    NonNumericOutputError,
    NonScalarOutputError,
    NotDifferentiableError,
    SrcDiffError,
    UnsupportedSyntaxError,
    WrtError,
)

HERE = os.path.abspath(__file__)
with open(HERE) as _fh:
    LINES = _fh.read().splitlines()


def line_of(marker: str) -> int:
    """1-based number of the one line of this file ending in `# <- marker`."""
    hits = [i + 1 for i, text in enumerate(LINES) if text.rstrip().endswith(f"# <- {marker}")]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


# ----- unsupported syntax -----


def uses_try(x):
    try:  # <- try
        y = x * 2
        y = y + 1
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open(os.devnull) as fh:  # <- with
        y = x * len(fh.name)
    return y


def generator(x):
    y = x * 2
    yield y  # <- yield


def generator_late_yield(x):
    y = x * x
    z = y + 1
    yield z  # <- late yield


async def coroutine(x):  # <- async def
    return x * 2


def class_inside(x):
    class Box:  # <- class
        value = 1.0
    return x * Box.value


COUNTER = 0.0


def writes_global(x):
    global COUNTER  # <- global
    COUNTER = x
    return x * 2


def _make_nonlocal_writer():
    total = 0.0

    def writes_nonlocal(x):
        nonlocal total  # <- nonlocal
        total = x
        return x * 2

    return writes_nonlocal


writes_nonlocal = _make_nonlocal_writer()


def uses_del(x):
    y = x * 2
    del y  # <- del
    return x


def uses_walrus(x):
    y = 0
    while (y := y + 1) < 3:  # <- walrus
        x = x * 2
    return x


def uses_lambda(x):
    if (lambda *t: t[0] * 2)(x) > 1:  # <- lambda
        return x
    return -x


def star_args(*args):  # (built per call: tests/test_params11.py)
    return args[0] * 2


def star_rest(x, *rest):
    return x * 2 + sum(rest)


def test_star_parameters_are_built_for_the_call():
    """`def f(*args)` and `def f(x, *rest)` were refused here; now their derivative is
    built for the call's number of arguments: d(2 a0)/d a0 = 2, d(2x + r0 + r1)/d r1 = 1."""
    assert srcdiff.grad(star_args)(1.5) == 2.0
    assert srcdiff.grad(star_rest, wrt=(0, 2))(1.5, 0.5, 0.25) == (2.0, 1.0)


UNSUPPORTED = [
    (uses_try, "try", "try/except"),
    (uses_with, "with", "with"),
    (generator, "yield", "yield"),
    (generator_late_yield, "late yield", "yield"),
    (coroutine, "async def", "async def"),
    (class_inside, "class", "class"),
    (writes_global, "global", "global"),
    (writes_nonlocal, "nonlocal", "nonlocal"),
    (uses_del, "del", "del"),
    (uses_walrus, "walrus", ":="),
    (uses_lambda, "lambda", "a lambda inside the function"),
]


def check_located(err, marker: str, token: str | None = None):
    """`err` points at the marked line of this file, and its message quotes the
    file, the line number, the source line and a caret under the column."""
    lineno = line_of(marker)
    source_line = LINES[lineno - 1]
    assert os.path.abspath(err.filename) == HERE
    assert err.lineno == lineno
    indent = len(source_line) - len(source_line.lstrip())
    if token is not None:
        assert err.col_offset == source_line.index(token), (err.col_offset, source_line)
    assert err.col_offset >= indent
    text = str(err)
    assert HERE in text or os.path.basename(HERE) in text
    assert f"line {lineno}" in text
    msg_lines = text.splitlines()
    quoted = [i for i, ln in enumerate(msg_lines) if ln.strip() == source_line.strip()]
    assert quoted, f"the source line is not quoted in:\n{text}"
    caret = msg_lines[quoted[0] + 1]
    assert caret.strip() and set(caret.strip()) == {"^"}, f"no caret line in:\n{text}"
    quote_col = len(msg_lines[quoted[0]]) - len(msg_lines[quoted[0]].lstrip())
    assert caret.index("^") - quote_col == err.col_offset - indent


@pytest.mark.parametrize("fn, marker, words", UNSUPPORTED,
                         ids=[u[0].__name__ for u in UNSUPPORTED])
def test_unsupported_syntax_is_located(fn, marker, words):
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcdiff.grad(fn)
    err = info.value
    assert isinstance(err, SrcDiffError)
    assert words in str(err)
    check_located(err, marker)


@pytest.mark.parametrize("fn, marker, token", [
    (generator, "yield", "yield"),
    (generator_late_yield, "late yield", "yield"),
    (coroutine, "async def", "async def"),
    (uses_walrus, "walrus", "y :="),
    (uses_lambda, "lambda", "lambda *t"),
    (writes_global, "global", "global"),
], ids=["generator", "generator_late_yield", "coroutine", "walrus", "lambda", "global"])
def test_unsupported_syntax_column(fn, marker, token):
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcdiff.grad(fn)
    check_located(info.value, marker, token)


@pytest.mark.parametrize("variant", ["grad", "value_and_grad", "grad_forward", "wrt_tuple"])
def test_unsupported_syntax_same_error_every_entry_point(variant):
    build = {
        "grad": lambda f: srcdiff.grad(f),
        "value_and_grad": lambda f: srcdiff.value_and_grad(f),
        "grad_forward": lambda f: srcdiff.grad(f, mode="forward")(1.5),
        "wrt_tuple": lambda f: srcdiff.grad(f, wrt=("x",)),
    }[variant]
    with pytest.raises(UnsupportedSyntaxError) as info:
        build(generator)
    check_located(info.value, "yield", "yield")


def test_unsupported_syntax_in_a_helper_is_located_in_the_helper():
    with pytest.raises(SrcDiffError) as info:
        srcdiff.grad(calls_generator_helper)(1.5)
    err = info.value
    assert isinstance(err, (UnsupportedSyntaxError, NotDifferentiableError))
    assert err.lineno in (line_of("helper yield"), line_of("calls helper"))
    assert "helper_gen" in str(err) or "yield" in str(err)


def helper_gen(t):
    yield t  # <- helper yield


def calls_generator_helper(x):
    return helper_gen(x) * x  # <- calls helper


# ----- non-scalar output -----


def array_out(x):
    return np.ones((4, 7)) * x


def test_non_scalar_output_names_shape_vjp_and_jacobian():
    g = srcdiff.grad(array_out)
    with pytest.raises(NonScalarOutputError) as info:
        g(1.5)
    text = str(info.value)
    assert "(4, 7)" in text
    assert "vjp" in text and "jacobian" in text
    assert isinstance(info.value, SrcDiffError)


def test_non_scalar_output_value_and_grad():
    with pytest.raises(NonScalarOutputError, match=r"\(4, 7\)"):
        srcdiff.value_and_grad(array_out)(1.5)


# ----- not differentiable -----

partial_pow = functools.partial(math.pow, 2.0)
vectorized = np.vectorize(lambda t: t * 2.0)
frompy = np.frompyfunc(lambda t: t * 2.0, 1, 1)


class Doubler:
    def __call__(self, t):
        return 2.0 * t


doubler = Doubler()
_ns: dict = {}
exec("def exec_made(t):\n    return t * t\n", _ns)
exec_made = _ns["exec_made"]
exec("def exec_in_module(t):\n    return t * t\n", globals())


class Holder:
    pass


holder = Holder()
holder.scale_fn = functools.partial(math.pow, 3.0)


def uses_phase(x):
    return cmath.phase(x) * 2  # <- phase


def uses_modf(x):
    return math.modf(x)[0] + x  # <- modf


def uses_frexp(x):
    return math.frexp(x)[0] * 1.0  # <- frexp


def uses_partial(x):
    return partial_pow(x) + x  # <- partial


def uses_vectorize(x):
    return vectorized(x) + x  # <- vectorize


def uses_frompyfunc(x):
    return frompy(x) + x  # <- frompyfunc


def uses_callable_instance(x):
    return doubler(x) + x  # <- instance


def test_a_global_callable_instance_of_a_class_with_source_is_inlined():
    """(It was refused here until its __call__ was inlined, as a passed one is.)"""
    assert srcdiff.grad(uses_callable_instance)(1.5) == 3.0
    assert srcdiff.grad(uses_callable_instance, mode="forward")(1.5) == 3.0


def uses_exec_function(x):
    return exec_made(x) + x  # <- exec


def uses_exec_in_module(x):
    return exec_in_module(x) + x  # noqa: F821  # <- exec module


def uses_attribute_callable(x):
    return holder.scale_fn(x) + x  # <- attribute


NOT_DIFFERENTIABLE = [
    (uses_phase, "phase", "cmath.phase", 1.5),
    (uses_modf, "modf", "math.modf", 1.5),
    (uses_frexp, "frexp", "math.frexp", 3),
    (uses_partial, "partial", "partial_pow", 1.5),
    (uses_vectorize, "vectorize", "vectorized", 1.5),
    (uses_frompyfunc, "frompyfunc", "frompy", 1.5),
    (uses_exec_function, "exec", "exec_made", 1.5),
    (uses_exec_in_module, "exec module", "exec_in_module", 1.5),
    (uses_attribute_callable, "attribute", "holder.scale_fn", 1.5),
]


@pytest.mark.parametrize("fn, marker, spelling, x", NOT_DIFFERENTIABLE,
                         ids=[n[0].__name__ for n in NOT_DIFFERENTIABLE])
def test_not_differentiable_names_function_and_how_to_register(fn, marker, spelling, x):
    with pytest.raises(NotDifferentiableError) as info:
        srcdiff.grad(fn)(x)
    err = info.value
    text = str(err)
    assert spelling in text.splitlines()[0], text
    assert "no derivative rule" in text
    assert "srcdiff.register" in text and f"register({spelling}" in text
    assert "<function" not in text.splitlines()[0] and "object at 0x" not in text
    check_located(err, marker)


def vectorized_in_f(x):
    f = np.vectorize(lambda t: t * t if t > 0 else -t)
    return np.sum(f(x))  # <- made here


def test_a_call_of_an_object_made_in_the_function_says_what_it_is():
    """A local holding np.vectorize(...) is not a function srcdiff knows: the message
    says so, and what to do, instead of suggesting a rule for the local name."""
    with pytest.raises(NotDifferentiableError) as info:
        srcdiff.grad(vectorized_in_f)(np.array([0.5, -1.0]))
    text = str(info.value)
    assert "f(...) calls an object computed in the function" in text
    assert "np.vectorize" in text and "register(f" not in text
    check_located(info.value, "made here")


def inactive_gamma(x, n):
    return x * math.frexp(n)[0]


def test_not_differentiable_function_on_inactive_value_is_fine():
    g = srcdiff.grad(inactive_gamma)
    assert g(1.5, 4.0) == pytest.approx(0.5, rel=1e-15)  # frexp(4.0) = (0.5, 3)


# ----- non-numeric output -----


def returns_tuple(x):
    return x, 2 * x


def returns_list(x):
    return [x, 2 * x]


def returns_dict(x):
    return {"value": x}


def returns_string(x):
    return "x"


def returns_none(x):
    y = x * 2  # noqa: F841
    return None


NON_NUMERIC = [
    (returns_tuple, "tuple"),
    (returns_list, "list"),
    (returns_dict, "dict"),
    (returns_string, "str"),
    (returns_none, "None"),
]


@pytest.mark.parametrize("fn, what", NON_NUMERIC, ids=[n[0].__name__ for n in NON_NUMERIC])
def test_non_numeric_output(fn, what):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no SyntaxWarning from generated code either
        with pytest.raises(NonNumericOutputError) as info:
            srcdiff.grad(fn)(1.5)
    assert what in str(info.value)
    assert "object at 0x" not in str(info.value)


# ----- wrt -----


def two_params(alpha, beta):
    return alpha * beta


@pytest.mark.parametrize("wrt, words", [
    ("gamma", "gamma"),
    (2, "2"),
    (-3, "-3"),
    (("alpha", "alpha"), "twice"),
    ((0, "alpha"), "twice"),
    ((), "empty"),
    (1.0, "1.0"),
], ids=["unknown_name", "index_too_large", "index_too_small", "duplicate_name",
        "duplicate_index_and_name", "empty", "float"])
def test_bad_wrt_names_parameters(wrt, words):
    with pytest.raises(WrtError) as info:
        srcdiff.grad(two_params, wrt=wrt)
    text = str(info.value)
    assert "alpha" in text and "beta" in text
    assert words in text
    assert isinstance(info.value, SrcDiffError)


@pytest.mark.parametrize("variant", ["grad", "value_and_grad"])
def test_bad_wrt_is_raised_at_build_time(variant):
    with pytest.raises(WrtError):
        getattr(srcdiff, variant)(two_params, wrt="nope")


# ----- never an internals traceback -----


def mismatched_tuple(x):
    a, b = x, 2 * x, 3 * x
    return a + b


def undefined_name(x):
    return x * not_defined_anywhere  # noqa: F821


def unbound_after_branch(x):
    if x > 0:
        y = x
    return y


def bare_return(x):
    y = x * 2  # noqa: F841
    return


def missing_return(x):
    y = x * 2  # noqa: F841


@pytest.mark.parametrize("fn", [mismatched_tuple, undefined_name,
                                bare_return, missing_return, returns_tuple],
                         ids=lambda f: f.__name__)
def test_malformed_code_is_a_srcdiff_error(fn):
    """Built and called once: a SrcDiffError (never KeyError, AttributeError, ...)."""
    with pytest.raises(SrcDiffError):
        srcdiff.grad(fn)(1.5)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_name_bound_in_one_branch_behaves_as_in_python(mode):
    """`if x > 0: y = x` then `return y`: Python returns y where the branch ran and
    raises UnboundLocalError where it did not; so does the derivative (it was
    refused, though the primal runs at x = 1.5)."""
    g = srcdiff.grad(unbound_after_branch, mode=mode)
    assert g(1.5) == 1.0
    with pytest.raises(UnboundLocalError):
        unbound_after_branch(-1.5)
    with pytest.raises(UnboundLocalError):
        g(-1.5)


def test_errors_all_derive_from_srcdiff_error():
    for cls in (UnsupportedSyntaxError, NonScalarOutputError, NotDifferentiableError,
                NonNumericOutputError, WrtError):
        assert issubclass(cls, SrcDiffError)
    assert issubclass(SrcDiffError, Exception)


def pops_a_list(x):
    acc = [x * 2.0, x * 3.0]
    return acc.pop() * x  # <- pop


def test_a_method_without_a_rule_says_what_to_write_instead():
    with pytest.raises(NotDifferentiableError) as info:
        srcdiff.grad(pops_a_list)(1.5)
    text = str(info.value)
    assert "the method .pop() of a differentiated value" in text and "x[:-1]" in text
    assert "register(fn" not in text  # (a method cannot be registered as such)
    check_located(info.value, "pop")


class Spring:
    def __init__(self, k, rest=1.0):
        self.k = k
        self.rest = rest

    def energy(self, d):
        return 0.5 * self.k * (d - self.rest) ** 2


def springs_built_inside(k, d):
    springs = [Spring(k, rest=0.8), Spring(2 * k)]  # a list display: kept object by object
    return springs[0].energy(d)


def springs_built_in_a_loop(ks, d):
    springs = [Spring(k) for k in ks]  # ks an array: a list made by a loop at run time
    return springs[0].energy(d)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_object_of_a_user_class_built_inside_f_is_refused_in_words(mode):
    """Objects built of a differentiated value into a list display are kept object by
    object (d/dk of 0.5 k (d - 0.8)^2 by hand); built by a comprehension over an array
    (a loop run at run time, the list a runtime value), the refusal says what is not
    supported and what to do, at the line that builds them."""
    got = srcdiff.grad(springs_built_inside, mode=mode)(2.0, 1.5)
    assert got == pytest.approx(0.5 * (1.5 - 0.8) ** 2, rel=1e-12)
    with pytest.raises(UnsupportedSyntaxError, match="building an object of your class "
                       "Spring") as info:
        srcdiff.grad(springs_built_in_a_loop, mode=mode)(np.array([2.0, 3.0]), 1.5)
    assert "Spring(k)" in str(info.value)
