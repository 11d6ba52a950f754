"""The API rows and the "Details users rely on" of API.md that concern scalar code."""
import ast
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import tracemalloc

import numpy as np
import pytest
from conftest import EXACT_RTOL, assert_grad_close, close

import srcdiff

# ----- functions under test (module level: srcdiff reads their source) -----


def f_xy(x, y):
    z = x * y + y ** 2
    return math.sin(z) / (1 + x * x)


def f_xy_grad(x, y):
    z = x * y + y ** 2
    d = 1 + x * x
    return (math.cos(z) * y / d - math.sin(z) * 2 * x / (d * d),
            math.cos(z) * (x + 2 * y) / d)


def three(a, b, c):
    return a * b * b + math.exp(c) * a


def three_grad(a, b, c):
    return b * b + math.exp(c), 2 * a * b, math.exp(c) * a


@srcdiff.grad
def bare_decorated(x, y):
    return x * x * y


@srcdiff.grad(wrt=("x", "y"))
def decorated_with_wrt(x, y):
    return x * x * y


@srcdiff.value_and_grad
def vg_decorated(x, y):
    return x * x * y


@srcdiff.value_and_grad(wrt=1)
def vg_decorated_wrt(x, y):
    return x * x * y


def with_defaults(x, y=2.0, *, power=3):
    return x ** power * y


def ignores_y(x, y):
    return x * x


def ignores_all(x, y):
    return 4.0


def scaled_by_array(x, w):
    return x * w


def weighted_sum(x, w):
    return np.sum(x * w)


def weighted_sum3(x, w):
    return x[0] * w[0] + x[1] * w[1] + x[2] * w[2]


def reads_flags(x, opts, coeffs, label):
    y = x
    if opts is None:
        y = y * coeffs[0]
    else:
        y = y + coeffs[1]
    if label == "double":
        y = y * 2
    return y * x


def loop_only(x, n):
    y = 1.0
    for _ in range(n):
        y = y * x
    return y


RATE = 2.0


def reads_rate(x):
    return RATE * x * x


def _square(t):
    return t * t


def _cube(t):
    return t * t * t


POWER_FN = _square


def calls_power_fn(x):
    return POWER_FN(x) + x


def generated_names(x, d_x, tape, ct):
    d_y = x * d_x
    tape_x = d_y + tape * x
    _unbroadcast = tape_x * ct
    d_x_1 = math.sin(_unbroadcast)
    return d_x_1 * x


def generated_names_grad(x, d_x, tape, ct):
    u = (x * d_x + tape * x) * ct
    du = (d_x + tape) * ct
    return math.cos(u) * du * x + math.sin(u)


def contract(x, n):
    for _i in range(n):
        x = 0.9 * x + 0.1 * math.sin(x)
    return x


def contract_adjoint(x, n):
    """The adjoint of `contract`, written by hand."""
    xs = []
    for _ in range(n):
        xs.append(x)
        x = 0.9 * x + 0.1 * math.sin(x)
    d = 1.0
    for _ in range(n):
        d = d * (0.9 + 0.1 * math.cos(xs.pop()))
    return d


def softplus_guarded(u):
    try:
        return math.log1p(math.exp(u))
    except OverflowError:
        return u


def uses_softplus(x):
    return softplus_guarded(2 * x) * x


def softplus_t(t):
    try:
        return math.log1p(math.exp(t))
    except OverflowError:
        return t


def uses_softplus_t(x):
    return softplus_t(2 * x) * x


# ----- wrt -----


@pytest.mark.parametrize("wrt, pick", [
    (0, 0), (1, 1), (-1, 1), ("x", 0), ("y", 1),
], ids=["index0", "index1", "index-1", "name_x", "name_y"])
def test_wrt_single_gives_single_gradient(wrt, pick, mode):
    g = srcdiff.grad(f_xy, wrt=wrt, mode=mode)
    got = g(0.7, -1.3)
    assert isinstance(got, float)
    assert close(got, f_xy_grad(0.7, -1.3)[pick], EXACT_RTOL)


@pytest.mark.parametrize("fn, ref, args, wrt, order", [
    (f_xy, f_xy_grad, (0.7, -1.3), (0, 1), (0, 1)),
    (f_xy, f_xy_grad, (0.7, -1.3), ("y", "x"), (1, 0)),
    (three, three_grad, (0.7, -1.3, 0.4), ("c", 0), (2, 0)),
    (three, three_grad, (0.7, -1.3, 0.4), (2, "b", "a"), (2, 1, 0)),
    (three, three_grad, (0.7, -1.3, 0.4), ("b",), (1,)),
    (three, three_grad, (0.7, -1.3, 0.4), ["a", "c"], (0, 2)),
], ids=["indices", "names_reversed", "name_and_index", "three_mixed", "one_tuple", "list"])
def test_wrt_tuple_gives_tuple_in_same_order(fn, ref, args, wrt, order, mode):
    got = srcdiff.grad(fn, wrt=wrt, mode=mode)(*args)
    assert isinstance(got, tuple) and len(got) == len(order)
    want_all = ref(*args)
    assert_grad_close(got, tuple(want_all[i] for i in order), EXACT_RTOL, str(wrt))


# ----- decorators -----


def test_bare_decorator():
    assert bare_decorated(1.5, 2.0) == pytest.approx(6.0, rel=1e-15)
    assert bare_decorated.primal(1.5, 2.0) == pytest.approx(4.5, rel=1e-15)


def test_decorator_with_wrt():
    gx, gy = decorated_with_wrt(1.5, 2.0)
    assert (gx, gy) == (pytest.approx(6.0, rel=1e-15), pytest.approx(2.25, rel=1e-15))


def test_value_and_grad_decorators():
    value, gx = vg_decorated(1.5, 2.0)
    assert value == 4.5 and gx == pytest.approx(6.0, rel=1e-15)
    value, gy = vg_decorated_wrt(1.5, 2.0)
    assert value == 4.5 and gy == pytest.approx(2.25, rel=1e-15)


def test_value_and_grad_value_is_the_primal_value(mode):
    vg = srcdiff.value_and_grad(f_xy, wrt=("x", "y"), mode=mode)
    value, grads = vg(0.7, -1.3)
    assert value == f_xy(0.7, -1.3)
    assert_grad_close(grads, f_xy_grad(0.7, -1.3), EXACT_RTOL, "value_and_grad")


# ----- .source and .primal -----


def _source_def(text: str) -> ast.FunctionDef:
    tree = ast.parse(text)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    others = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.Import,
                                                         ast.ImportFrom))]
    assert len(defs) == 1 and not others, text
    return defs[0]


@pytest.mark.parametrize("fn, wrt", [
    (f_xy, ("x", "y")), (three, 2), (with_defaults, 0), (contract, 0), (generated_names, 0),
    (reads_flags, 0), (calls_power_fn, 0),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_source_is_one_standalone_function(fn, wrt, mode):
    g = srcdiff.grad(fn, wrt=wrt, mode=mode)
    text = g.source
    assert isinstance(text, str)
    compile(text, "<generated>", "exec")
    node = _source_def(text)
    positional = [a.arg for a in node.args.posonlyargs + node.args.args]
    f_node = ast.parse(textwrap.dedent(__import__("inspect").getsource(fn))).body[0]
    assert positional == [a.arg for a in f_node.args.posonlyargs + f_node.args.args]
    assert "<function" not in text and "<lambda" not in text and "object at 0x" not in text
    assert g.primal is fn


def test_source_runs_against_f_globals_and_returns_what_g_returns(mode):
    g = srcdiff.grad(f_xy, wrt=("x", "y"), mode=mode)
    namespace = dict(globals())
    exec(compile(g.source, "<generated>", "exec"), namespace)
    fn = namespace[_source_def(g.source).name]
    assert fn(0.7, -1.3) == g(0.7, -1.3)
    g1 = srcdiff.grad(f_xy, wrt="y", mode=mode)
    namespace = dict(globals())
    exec(compile(g1.source, "<generated>", "exec"), namespace)
    assert namespace[_source_def(g1.source).name](0.7, -1.3) == g1(0.7, -1.3)


def test_primal_is_f():
    g = srcdiff.grad(three, wrt=(0, 2))
    assert g.primal is three
    assert srcdiff.value_and_grad(three).primal is three


def test_source_is_byte_identical_when_built_twice(mode):
    a = srcdiff.grad(generated_names, wrt=(0, 1), mode=mode)
    b = srcdiff.grad(generated_names, wrt=(0, 1), mode=mode)
    assert a.source == b.source
    a(0.3, 0.4, 0.5, 0.6)
    b(0.3, 0.4, 0.5, 0.6)
    assert a.source == b.source


def test_source_is_identical_across_interpreters():
    """Hash randomisation and object addresses must not leak into the names."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = ("import sys; sys.path.insert(0, %r); import test_api, srcdiff; "
            "g = srcdiff.grad(test_api.generated_names, wrt=(0, 1, 2)); g(0.3, 0.4, 0.5, 0.6); "
            "print(g.source)" % here)
    outs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, timeout=60)
        assert run.returncode == 0, run.stderr
        outs.append(run.stdout)
    assert outs[0] == outs[1] and "def " in outs[0]


def test_a_gradient_never_imports_sympy():
    """SymPy is for `check` only (srcdiff/sym.py): importing srcdiff and taking scalar and
    array gradients leaves it unimported; `check` imports it and its facts then work."""
    code = textwrap.dedent("""
        import math, sys
        import numpy as np
        import srcdiff
        exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"))
        srcdiff.grad(f)(0.7, 1.3)
        srcdiff.grad(h)(np.ones(3))
        print("sympy" in sys.modules)
        print(srcdiff.check(f, 0.7, 1.3).ok, "sympy" in sys.modules)
    """)
    functions = textwrap.dedent("""
        def f(x, y):
            return math.sin(x) * math.floor(y) + math.erf(x) * y

        def h(x):
            return np.sum(np.tanh(x) ** 2)
    """)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fns.py")
        with open(path, "w") as fh:
            fh.write(functions)
        run = subprocess.run([sys.executable, "-c", code, path], capture_output=True,
                             text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "True", "True"]


# ----- inputs and results -----


@pytest.mark.parametrize("x", [3, np.float64(3.0), np.float32(3.0), np.int64(3)],
                         ids=["int", "float64", "float32", "int64"])
def test_scalar_parameter_kinds(x, mode):
    g = srcdiff.grad(f_xy, wrt=(0, 1), mode=mode)
    got = g(x, 0.5)
    want = f_xy_grad(3.0, 0.5)
    for gi, wi in zip(got, want):
        assert isinstance(gi, (float, np.floating)) and np.shape(gi) == ()
        assert close(float(gi), wi, 1e-6 if isinstance(x, np.float32) else EXACT_RTOL)


def test_int_parameter_gives_float_gradient(mode):
    got = srcdiff.grad(ignores_y, wrt=(0, 1), mode=mode)(3, 2)
    assert got == (6.0, 0.0)
    assert all(type(v) is float for v in got)


def test_zero_d_array_parameter(mode):
    x = np.array(0.7)
    g = srcdiff.grad(f_xy, wrt=(0, 1), mode=mode)
    gx, gy = g(x, -1.3)
    assert isinstance(gx, np.ndarray) and gx.shape == ()
    assert close(float(gx), f_xy_grad(0.7, -1.3)[0], EXACT_RTOL)
    assert close(float(gy), f_xy_grad(0.7, -1.3)[1], EXACT_RTOL)
    assert not np.shares_memory(gx, x)


def test_zero_d_array_result_counts_as_scalar(mode):
    w = np.array(2.5)
    got = srcdiff.grad(scaled_by_array, mode=mode)(1.5, w)
    assert close(float(got), 2.5, EXACT_RTOL)
    assert not (isinstance(got, np.ndarray) and np.shares_memory(got, w))


def test_positional_keyword_and_defaults(mode):
    g = srcdiff.grad(with_defaults, wrt=(0, 1), mode=mode)
    want = (3 * 1.5 ** 2 * 2.0, 1.5 ** 3)
    for got in (g(1.5), g(1.5, 2.0), g(x=1.5), g(1.5, y=2.0), g(y=2.0, x=1.5),
                g(1.5, 2.0, power=3)):
        assert_grad_close(got, want, EXACT_RTOL, "with_defaults")
    assert_grad_close(g(1.5, 0.5, power=2), (2 * 1.5 * 0.5, 1.5 ** 2), EXACT_RTOL,
                      "power=2")


def test_independent_parameter_gets_float_zero(mode):
    g = srcdiff.grad(ignores_y, wrt=(0, 1), mode=mode)
    gx, gy = g(1.5, 2.0)
    assert gy == 0.0 and type(gy) is float
    assert srcdiff.grad(ignores_y, wrt="y", mode=mode)(1.5, 2.0) == 0.0
    gx, gy = srcdiff.grad(ignores_all, wrt=(0, 1), mode=mode)(1.5, 2.0)
    assert (gx, gy) == (0.0, 0.0) and type(gx) is float and type(gy) is float


def test_independent_array_parameter_gets_zeros(mode):
    w = np.array([1.0, 2.0, 3.0])
    gw = srcdiff.grad(ignores_y, wrt="y", mode=mode)(1.5, w)
    assert isinstance(gw, np.ndarray) and gw.shape == (3,) and not gw.any()


def test_loop_running_zero_times_gives_zero_gradient(mode):
    g = srcdiff.grad(loop_only, mode=mode)
    assert g(1.5, 0) == 0.0 and type(g(1.5, 0)) is float
    assert close(g(1.5, 3), 3 * 1.5 ** 2, EXACT_RTOL)


@pytest.mark.parametrize("opts, label, want", [
    (None, "double", 2 * 2 * 1.5 * 3.0), ("on", "double", 2 * (2 * 1.5 + 0.5)),
    (None, "single", 2 * 1.5 * 3.0), ([1], "", 2 * 1.5 + 0.5),
], ids=["none_double", "str_double", "none_single", "list_plain"])
def test_non_differentiated_arguments_of_any_type(opts, label, want, mode):
    g = srcdiff.grad(reads_flags, mode=mode)
    coeffs = [3.0, 0.5]
    assert close(g(1.5, opts, coeffs, label), want, EXACT_RTOL)
    assert coeffs == [3.0, 0.5]


def test_exactness_against_hand_formula(mode):
    g = srcdiff.grad(three, wrt=(0, 1, 2), mode=mode)
    rng = np.random.default_rng(0)
    for a, b, c in rng.uniform(-2, 2, size=(20, 3)):
        got = g(float(a), float(b), float(c))
        want = three_grad(float(a), float(b), float(c))
        for gi, wi in zip(got, want):
            assert abs(gi - wi) <= 1e-12 * abs(wi) + 1e-300


# ----- fresh results, inputs untouched -----


@pytest.mark.parametrize("fn", [weighted_sum3, weighted_sum], ids=lambda f: f.__name__)
def test_results_are_fresh_and_inputs_untouched(fn, mode):
    """d/dx of sum(x * w) is literally w: the result must still be a fresh array."""
    g = srcdiff.grad(fn, wrt=(0, 1), mode=mode)
    x = np.array([1.0, -2.0, 0.5])
    w = np.array([0.3, 0.2, -0.1])
    x0, w0 = x.copy(), w.copy()
    gx, gw = g(x, w)
    np.testing.assert_allclose(gx, w, rtol=1e-15)
    np.testing.assert_allclose(gw, x, rtol=1e-15)
    for grad_, arg in ((gx, x), (gx, w), (gw, x), (gw, w)):
        assert not np.shares_memory(grad_, arg)
    assert not np.shares_memory(gx, gw)
    gx[:] = 99.0
    gw[:] = -99.0
    gx2, gw2 = g(x, w)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_allclose(gx2, w0, rtol=1e-15)
    np.testing.assert_allclose(gw2, x0, rtol=1e-15)
    assert not np.shares_memory(gx2, gx)


def test_nothing_accumulates_between_calls(mode):
    g = srcdiff.grad(f_xy, wrt=(0, 1), mode=mode)
    first = g(0.7, -1.3)
    g(2.0, 5.0)
    assert g(0.7, -1.3) == first
    vg = srcdiff.value_and_grad(contract, mode=mode)
    assert vg(0.5, 10) == vg(0.5, 10)


# ----- live globals -----


def test_module_global_is_read_at_call_time(mode, monkeypatch):
    g = srcdiff.grad(reads_rate, mode=mode)
    assert g(1.5) == pytest.approx(2 * 2.0 * 1.5, rel=1e-15)
    monkeypatch.setattr(sys.modules[__name__], "RATE", 3.0)
    assert g(1.5) == pytest.approx(2 * 3.0 * 1.5, rel=1e-15)
    monkeypatch.setattr(sys.modules[__name__], "RATE", 2.0)
    assert g(1.5) == pytest.approx(2 * 2.0 * 1.5, rel=1e-15)


def test_rebound_global_helper_is_used_or_an_error(mode, monkeypatch):
    g = srcdiff.grad(calls_power_fn, mode=mode)
    assert g(1.5) == pytest.approx(2 * 1.5 + 1, rel=1e-15)
    monkeypatch.setattr(sys.modules[__name__], "POWER_FN", _cube)
    try:
        got = g(1.5)
    except srcdiff.SrcDiffError:
        return
    assert got == pytest.approx(3 * 1.5 ** 2 + 1, rel=1e-15)


# ----- names -----


def test_user_names_like_generated_ones_do_not_collide(mode):
    g = srcdiff.grad(generated_names, mode=mode)
    args = (0.3, 0.4, 0.5, 0.6)
    assert close(g(*args), generated_names_grad(*args), EXACT_RTOL)
    node = _source_def(g.source)
    assert [a.arg for a in node.args.args] == ["x", "d_x", "tape", "ct"]


# ----- scale -----


def test_long_scalar_loop_matches_hand_adjoint():
    g = srcdiff.grad(contract)
    for x in (0.5, -2.0):
        got = g(x, 10_000)
        want = contract_adjoint(x, 10_000)
        assert abs(got - want) <= 1e-12 * abs(want)


def test_long_scalar_loop_forward_mode():
    g = srcdiff.grad(contract, mode="forward")
    got = g(0.5, 10_000)
    assert abs(got - contract_adjoint(0.5, 10_000)) <= 1e-12 * abs(got)


def _peak_bytes(g, *args) -> int:
    g(*args)  # build and cache first: measure the run, not the transform
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        g(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_tape_memory_grows_linearly_with_iterations():
    g = srcdiff.grad(contract)
    small = _peak_bytes(g, 0.5, 10_000)
    large = _peak_bytes(g, 0.5, 100_000)
    assert small > 0
    assert 5 <= large / small <= 20, (small, large)
    assert large < 50 * 2 ** 20  # a few MB, not a copy of the world per iteration


# ----- user rules -----


def _softplus_product_grad(x):
    return 2 * x / (1 + math.exp(-2 * x)) + math.log1p(math.exp(2 * x))


def _inlined(g) -> bool:
    """The helper's code is inlined (its try/except a branch), not called with a rule."""
    code = [line for line in g.source.splitlines() if not line.lstrip().startswith("#")]
    return not any("softplus_guarded(" in line for line in code) and "_caught(" in g.source


def test_registered_rule_is_used_and_unregistered():
    g = srcdiff.grad(uses_softplus)  # (its try/except is inlined as the branch it takes)
    assert close(g(0.3), _softplus_product_grad(0.3), EXACT_RTOL) and _inlined(g)
    srcdiff.register(softplus_guarded, vjp=("g / (1 + math.exp(-u))",))
    try:
        for mode in ("reverse", "forward"):
            g = srcdiff.grad(uses_softplus, mode=mode)
            assert close(g(0.3), _softplus_product_grad(0.3), EXACT_RTOL), mode
            assert close(g(-1.2), _softplus_product_grad(-1.2), EXACT_RTOL), mode
            assert "softplus_guarded" in g.source
    finally:
        srcdiff.unregister(softplus_guarded)
    g = srcdiff.grad(uses_softplus)
    assert close(g(-1.2), _softplus_product_grad(-1.2), EXACT_RTOL) and _inlined(g)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_registered_rule_parameter_named_like_a_placeholder(mode):
    """A rule's parameter may be called `t` (the jvp's tangent placeholder)."""
    srcdiff.register(softplus_t, vjp=("g / (1 + math.exp(-t))",))
    try:
        g = srcdiff.grad(uses_softplus_t, mode=mode)
        assert close(g(0.3), _softplus_product_grad(0.3), EXACT_RTOL)
    finally:
        srcdiff.unregister(softplus_t)


def _split_square(x, n):
    return np.sum(np.split(x, n)[0] ** 2)


def test_a_tangent_that_is_not_a_number_is_a_clear_error():
    """Found by autograd's split tests through a shim: a SrcDiffError naming the
    parameter, not a TypeError from float("0"). None is the tangent of an argument
    held constant (an int setting, a string): it is not differentiated."""
    with pytest.raises(srcdiff.SrcDiffError, match="the tangent of 'n'"):
        srcdiff.jvp(_split_square, (np.arange(4.0), 2), (np.ones(4), "0"))
    assert srcdiff.jvp(_split_square, (np.arange(4.0), 2), (None, None)) == (1.0, 0.0)
    for t in (0.0, None):
        out, tangent = srcdiff.jvp(_split_square, (np.arange(4.0), 2), (np.ones(4), t))
        assert (out, tangent) == (1.0, 2.0)  # x[:2] = [0, 1]: 2 * (0 + 1)
