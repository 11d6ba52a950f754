"""Program structure, round 6: lists of the user's objects (an attribute, a module
global, a list display built in f, indexed in a range loop), zip over structured
parameters, tail recursion to a depth known at run time, nonlocal accumulators,
try/finally, and a namedtuple parameter's field read in a kept test. Each against
hand formulas or central differences, in both modes and through every entry point."""
import math
import subprocess
import sys
from collections import namedtuple

import numpy as np
import pytest

import srcdiff
from helpers_numpy import central
from srcdiff.errors import UnsupportedSyntaxError

MODES = ["reverse", "forward"]


# ---------------------------------------------------------------- lists of objects


class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)

    def forward(self, x):
        return self(x)


class Model:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, x):
        for layer in self.layers:
            x = layer(x)
        return np.sum(x ** 2)

    def loss_indexed(self, x):
        for i in range(len(self.layers)):
            x = self.layers[i].forward(x)
        return np.sum(x ** 2)


_rng = np.random.default_rng(6)
LAYERS = [Dense(_rng.standard_normal((2, 2)), _rng.standard_normal(2)) for _ in range(2)]


def through_global_layers(x):
    for layer in LAYERS:
        x = layer(x)
    return np.sum(x)


def built_in_a_display(W1, b1, W2, b2, x):
    layers = [Dense(W1, b1), Dense(W2, b2)]
    for i in range(len(layers)):
        x = layers[i].forward(x)
    return np.sum(x ** 2)


def by_hand(layers, x):
    """The gradient of sum(h**2) through tanh layers, written out (backpropagation)."""
    hs = [x]
    for L in layers:
        hs.append(np.tanh(L.W @ hs[-1] + L.b))
    g = 2 * hs[-1]
    for L, h in zip(reversed(layers), reversed(hs[1:])):
        g = L.W.T @ (g * (1 - h ** 2))
    return g


@pytest.mark.parametrize("mode", MODES)
def test_a_method_looping_over_its_list_of_layers(mode):
    m = Model([Dense(_rng.standard_normal((2, 2)), _rng.standard_normal(2)) for _ in range(3)])
    x = np.array([0.3, -0.8])
    for loss in (m.loss, m.loss_indexed):
        np.testing.assert_allclose(srcdiff.grad(loss, mode=mode)(x), by_hand(m.layers, x),
                                   rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_a_module_list_of_layers_is_guarded_item_by_item(mode):
    x = np.array([0.5, 0.1])
    g = srcdiff.grad(through_global_layers, mode=mode)
    np.testing.assert_allclose(g(x), central(through_global_layers, x), rtol=1e-7)
    LAYERS.append(Dense(_rng.standard_normal((2, 2)), _rng.standard_normal(2)))
    try:  # a layer appended: transformed again, the new layer in the derivative
        np.testing.assert_allclose(g(x), central(through_global_layers, x), rtol=1e-7)
        LAYERS[0] = Dense(-LAYERS[0].W, LAYERS[0].b)  # one replaced
        np.testing.assert_allclose(g(x), central(through_global_layers, x), rtol=1e-7)
    finally:
        del LAYERS[2:]


@pytest.mark.parametrize("mode", MODES)
def test_objects_built_in_a_list_display_are_differentiated(mode):
    rng = np.random.default_rng(1)
    args = [rng.standard_normal((2, 2)), rng.standard_normal(2), rng.standard_normal((2, 2)),
            rng.standard_normal(2), rng.standard_normal(2)]
    got = srcdiff.grad(built_in_a_display, wrt=(0, 1, 4), mode=mode)(*args)
    for i, gi in zip((0, 1, 4), got):
        def f(v, i=i):
            a = list(args)
            a[i] = v
            return built_in_a_display(*a)
        np.testing.assert_allclose(gi, central(f, args[i]), rtol=1e-7, atol=1e-10)


def zipped_layers(params, x):
    layers = [Dense(W, b) for W, b in zip(params["Ws"], params["bs"])]
    for layer in layers:
        x = layer(x)
    return np.sum(x ** 2)


@pytest.mark.parametrize("mode", MODES)
def test_a_comprehension_zipping_structured_parameters_builds_the_layers(mode):
    rng = np.random.default_rng(2)
    params = {"Ws": [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))],
              "bs": [rng.standard_normal(3), rng.standard_normal(2)]}
    x = rng.standard_normal(2)
    got = srcdiff.grad(zipped_layers, mode=mode)(params, x)
    for key in ("Ws", "bs"):
        for j in range(2):
            def f(v, key=key, j=j):
                p = {k: list(vs) for k, vs in params.items()}
                p[key][j] = v
                return zipped_layers(p, x)
            np.testing.assert_allclose(got[key][j], central(f, params[key][j]), rtol=1e-7)
    # params not differentiated: not specialised to its structure, so the layers are a
    # list the comprehension builds at run time, whose calls srcdiff cannot see
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(zipped_layers, wrt=1, mode=mode)(params, x)


# ---------------------------------------------------------------- tail recursion


def _power(x, n, acc):
    if n == 0:
        return acc
    return _power(x, n - 1, acc * x)


def power_plus(x, n):
    return _power(x, n, 1.0) + x


def settle(x, n):
    if n <= 0:
        return x
    return settle(np.sin(x) + 0.1 * x, n - 1)


def _fact(n, x):
    if n == 0:
        return 1.0
    return n * x * _fact(n - 1, x)  # not a tail call


def not_tail(x, n):
    return _fact(n, x)


@pytest.mark.parametrize("mode", MODES)
def test_tail_recursion_to_a_depth_known_at_run_time(mode):
    g = srcdiff.grad(power_plus, wrt="x", mode=mode)
    for n in (0, 1, 2, 5):  # d/dx (x**n + x) by hand
        assert g(1.3, n) == pytest.approx(n * 1.3 ** (n - 1) + 1, rel=1e-12)
    for n in (0, 3):
        got = srcdiff.grad(settle, wrt="x", mode=mode)(0.7, n)
        assert got == pytest.approx(central(lambda v, n=n: settle(float(v), n), 0.7), rel=1e-7)


@pytest.mark.parametrize("mode", MODES)
def test_recursion_not_in_tail_position_to_a_run_time_depth_stays_refused(mode):
    with pytest.raises(UnsupportedSyntaxError, match="recursion: _fact calls itself"):
        srcdiff.grad(not_tail, mode=mode)(1.5, 3)


# ---------------------------------------------------------------- nonlocal


def accumulated(x):
    total = 0.0
    calls = 0

    def add(v):
        nonlocal total, calls
        total = total + v
        calls += 1

    for k in range(1, 4):
        add(np.sin(k * x))
    add(x ** 2)
    return total / calls


def counter_returning(x):
    seen = 0.0

    def step(v):
        """Adds v to what it has seen and returns the running total times x."""
        nonlocal seen
        seen = seen + v
        return seen * x

    a = step(x)
    b = step(2 * x)
    return a + b


def passes_it_on(x):
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v

    list(map(add, [x, x]))
    return total


def nonlocal_in_f(x):
    nonlocal_in_f_state = 0.0  # noqa: F841

    def bump():
        nonlocal nonlocal_in_f_state
        nonlocal_in_f_state = nonlocal_in_f_state + 1
    return x * (bump or 1.0)


@pytest.mark.parametrize("mode", MODES)
def test_a_nested_def_accumulating_with_nonlocal(mode):
    x = 0.4
    want = (sum(k * math.cos(k * x) for k in range(1, 4)) + 2 * x) / 4  # by hand
    assert srcdiff.grad(accumulated, mode=mode)(x) == pytest.approx(want, rel=1e-12)
    # a = x * x, b = (x + 2x) * x: a + b = 4 x**2
    assert srcdiff.grad(counter_returning, mode=mode)(x) == pytest.approx(8 * x, rel=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_a_nonlocal_def_used_as_a_value_is_refused_where_it_is(mode):
    with pytest.raises(UnsupportedSyntaxError, match="add, which rebinds nonlocal names, used "
                       "here") as info:
        srcdiff.grad(passes_it_on, mode=mode)(0.4)
    assert "list(map(add" in str(info.value)
    with pytest.raises(UnsupportedSyntaxError, match="bump, which rebinds nonlocal names"):
        srcdiff.grad(nonlocal_in_f, mode=mode)(0.4)


# ---------------------------------------------------------------- try


def with_finally(x):
    y = 0.0
    try:
        y = np.sum(np.exp(-x ** 2))
    finally:
        done = True
    return y if done else 0.0


def guarded(theta):
    try:
        v = math.log(theta)
    except ValueError:
        v = 0.0
    return v * theta


def returns_in_try(x):
    try:
        return x ** 2
    finally:
        print("done")


@pytest.mark.parametrize("mode", MODES)
def test_try_finally_runs_the_body_then_the_finally_block(mode):
    x = np.array([0.3, -1.2])
    np.testing.assert_allclose(srcdiff.grad(with_finally, mode=mode)(x),
                               -2 * x * np.exp(-x ** 2), rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_try_except_follows_the_path_taken_and_a_return_in_try_finally_is_refused(mode):
    """(try/except of one assignment is supported since objects11: tests/test_objects11.py)"""
    g = srcdiff.grad(guarded, mode=mode)
    assert g(2.0) == pytest.approx(math.log(2.0) + 1.0, rel=1e-12)  # d(theta log theta)
    assert g(-2.0) == 0.0  # the handler's v = 0.0: 0 * theta
    with pytest.raises(UnsupportedSyntaxError, match="return, break or continue inside "
                       "try/finally"):
        srcdiff.grad(returns_in_try, mode=mode)(2.0)


# ---------------------------------------------------------------- a namedtuple's field in a test

Gauss = namedtuple("Gauss", "mu log_sigma")


def _nll(g, x):
    sigma = math.exp(g.log_sigma) if isinstance(g.log_sigma, float) else np.exp(g.log_sigma)
    return np.sum(0.5 * ((x - g.mu) / sigma) ** 2 + g.log_sigma)


def gauss_fit(g, x):
    return _nll(g, x)


@pytest.mark.parametrize("mode", MODES)
def test_a_namedtuple_fields_read_in_a_kept_test_are_its_leaves(mode):
    g, x = Gauss(0.3, 0.2), np.linspace(-1, 1, 5)
    got = srcdiff.grad(gauss_fit, mode=mode)(g, x)
    s = math.exp(0.2)
    assert isinstance(got, Gauss)
    assert got.mu == pytest.approx(-np.sum(x - 0.3) / s ** 2, rel=1e-12)  # by hand
    assert got.log_sigma == pytest.approx(-np.sum((x - 0.3) ** 2) / s ** 2 + 5, rel=1e-12)


# ---------------------------------------------------------------- every entry point


def entry_points_program(x):
    """Tail recursion, a nonlocal accumulator, try/finally and a list of objects at once."""
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v

    try:
        add(_power(x[0], 3, 1.0))
    finally:
        add(np.sum(Model(LAYERS[:2]).loss(x)))
    return total


def test_every_entry_point():
    x = np.array([0.4, -0.3])
    want = central(entry_points_program, x)
    for mode in MODES:
        np.testing.assert_allclose(srcdiff.grad(entry_points_program, mode=mode)(x), want,
                                   rtol=1e-7)
    v, g = srcdiff.value_and_grad(entry_points_program)(x)
    assert v == pytest.approx(entry_points_program(x), rel=1e-14)
    np.testing.assert_allclose(g, want, rtol=1e-7)
    y, pullback = srcdiff.vjp(entry_points_program, x)
    np.testing.assert_allclose(pullback(2.0)[0], 2 * want, rtol=1e-7)
    t = np.array([1.0, 2.0])
    _, dy = srcdiff.jvp(entry_points_program, (x,), (t,))
    assert dy == pytest.approx(want @ t, rel=1e-7)
    np.testing.assert_allclose(srcdiff.jacobian(entry_points_program)(x), want, rtol=1e-7)
    H = srcdiff.hessian(entry_points_program)(x)
    Hfd = np.array([central(lambda v, i=i: srcdiff.grad(entry_points_program)(v)[i], x)
                    for i in range(2)])
    np.testing.assert_allclose(H, Hfd, rtol=1e-6, atol=1e-8)
    assert srcdiff.check(entry_points_program, x).ok


CLI_PROGRAM = '''\
import numpy as np


def _power(x, n, acc):
    if n == 0:
        return acc
    return _power(x, n - 1, acc * x)


def f(x, n):
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v

    try:
        add(_power(x, n, 1.0))
    finally:
        add(np.sin(x))
    return total
'''


def test_srcdiff_grad_writes_them_standalone(tmp_path):
    (tmp_path / "prog.py").write_text(CLI_PROGRAM)
    p = subprocess.run([sys.executable, "-m", "srcdiff", "grad", "prog.py:f", "--wrt", "x",
                        "-o", "prog_grad.py"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, env={"PYTHONPATH": str(__import__("pathlib").Path(
                           srcdiff.__file__).parent.parent), "PATH": ""})
    assert p.returncode == 0, p.stderr
    code = ("import sys; sys.modules['srcdiff'] = None; sys.path.insert(0, '.'); "
            "from prog_grad import f_grad; print(repr(f_grad(1.3, 4)))")
    q = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert q.returncode == 0, q.stderr
    assert float(q.stdout) == pytest.approx(4 * 1.3 ** 3 + math.cos(1.3), rel=1e-12)


# ---------------------------------------------------------------- .source before a call


def dict_loss(p, scale):
    return p["a"] * p["b"] ** 2 * scale["k"]


def test_source_before_a_call_of_a_dict_parameter_says_it_is_built_at_the_call():
    g = srcdiff.grad(dict_loss)
    assert g.source == "# built at the first call, for the container structure\n"
    p = {"a": 1.5, "b": -2.0}
    assert g(p, {"k": 3.0}) == {"a": pytest.approx(12.0), "b": pytest.approx(-18.0)}
    assert "np.add.at" not in g.source and "def dict_loss_grad(p, scale):" in g.source
    # a dict read by key that is not differentiated: the generic code reads it as written
    assert "cfg['k']" in srcdiff.grad(scaled_by_config).source


def scaled_by_config(x, cfg):
    return x * cfg["k"]


# ---------------------------------------------------------------- constant keys named once


def portfolio(weights, returns):
    names = ("bonds", "stocks")
    mean = sum(weights[n] * np.mean(returns[:, j]) for j, n in enumerate(names))
    spread = 0.0
    for n in names:
        spread = spread + weights[n] ** 2
    return spread - mean


@pytest.mark.parametrize("mode", MODES)
def test_a_structured_parameter_indexed_by_a_tuple_of_constant_keys_named_once(mode):
    returns = np.array([[0.1, 0.3], [0.2, -0.1], [0.0, 0.4]])
    w = {"bonds": 0.4, "stocks": 0.6}
    got = srcdiff.grad(portfolio, mode=mode)(w, returns)
    means = returns.mean(axis=0)  # by hand: 2 w_n - mean_n
    assert got == {"bonds": pytest.approx(0.8 - means[0], rel=1e-12),
                   "stocks": pytest.approx(1.2 - means[1], rel=1e-12)}


# ---------------------------------------------------------------- a dict known at run time


def weighted_by_loop(x, weights):
    total = 0.0
    for name, w in weights.items():  # noqa: B007  (as users write it)
        total = total + w * np.sum(np.sin(x) ** 2)
    return total + sum(w * np.sum(x) for w in weights.values())


@pytest.mark.parametrize("mode", MODES)
def test_a_loop_over_the_items_of_a_dict_not_differentiated(mode):
    x, w = np.array([0.3, 0.5]), {"a": 0.5, "b": 1.5}
    want = 2.0 * 2 * np.sin(x) * np.cos(x) + 2.0  # by hand: sum of weights 2.0
    np.testing.assert_allclose(srcdiff.grad(weighted_by_loop, mode=mode)(x, w), want,
                               rtol=1e-12)


# ---------------------------------------------------------------- layers zipped with activations


class Stack:
    def __init__(self, layers, acts):
        self.layers = layers
        self.acts = acts

    def loss(self, x):
        for i, (layer, act) in enumerate(zip(self.layers, self.acts)):
            x = act(layer(x)) + 0.0 * i
        return np.sum(x ** 2)


@pytest.mark.parametrize("mode", MODES)
def test_a_method_zipping_its_layers_with_its_activations(mode):
    rng = np.random.default_rng(3)
    layers = [Dense(rng.standard_normal((2, 2)), rng.standard_normal(2)) for _ in range(2)]
    s = Stack(layers, [np.sin, np.tanh])
    x = np.array([0.2, -0.4])
    np.testing.assert_allclose(srcdiff.grad(s.loss, mode=mode)(x), central(s.loss, x),
                               rtol=1e-7)


def _horner(coeffs, x, i):
    if i == len(coeffs) - 1:
        return coeffs[i]
    return coeffs[i] + x * _horner(coeffs, x, i + 1)


def horner(x, coeffs):
    return _horner(coeffs, x, 0)


@pytest.mark.parametrize("mode", MODES)
def test_a_recursion_whose_end_is_known_at_run_time_only_is_refused_saying_why(mode):
    """len(coeffs) of an array is not known while unrolling: a located refusal, not a
    RecursionError inside srcdiff, however deep the caller's stack."""
    with pytest.raises(UnsupportedSyntaxError, match="_horner calls itself more than 64 "
                       "calls deep: its test of when to stop stays unknown"):
        srcdiff.grad(horner, mode=mode)(0.5, np.array([1.0, 2.0, 3.0]))


# ---------------------------------------------------------------- a list of objects appended to


def appended_layers(W1, W2, x):
    layers = [Dense(W1, np.zeros(2))]
    layers.append(Dense(W2, np.ones(2)))
    return np.sum(layers[-1](layers[0](x)))


@pytest.mark.parametrize("mode", MODES)
def test_a_list_of_objects_appended_to_and_its_items_called(mode):
    rng = np.random.default_rng(4)
    W1, W2, x = rng.standard_normal((2, 2)), rng.standard_normal((2, 2)), rng.standard_normal(2)
    args = [W1, W2, x]
    for wrt, i in ((0, 0), (2, 2)):
        def f(v, i=i):
            a = list(args)
            a[i] = v
            return appended_layers(*a)
        np.testing.assert_allclose(srcdiff.grad(appended_layers, wrt=wrt, mode=mode)(*args),
                                   central(f, args[i]), rtol=1e-7)


def grandchild_nonlocal(x):
    total = 0.0

    def outer_step(v):
        def add(w):
            nonlocal total  # f's total: the def around outer_step's
            total = total + w
        add(v)

    outer_step(x)
    return total


@pytest.mark.parametrize("mode", MODES)
def test_a_nonlocal_name_of_a_function_further_out_is_refused(mode):
    """Rewritten as written, outer_step would keep its own copy of total: refused."""
    with pytest.raises(UnsupportedSyntaxError, match="nonlocal total in add, a name of a "
                       "function around the one that defines add"):
        srcdiff.grad(grandchild_nonlocal, mode=mode)(0.5)


class Lin:
    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return self.W @ x


def _add_layer(layers, W):
    layers.append(Lin(W))


def helper_appends(W1, W2, x):
    layers = [Lin(W1)]
    _add_layer(layers, W2)  # the caller's list changes: kept item by item, it could not
    for layer in layers:
        x = np.tanh(layer(x))
    return np.sum(x)


def alias_appends(W1, W2, x):
    layers = [Lin(W1)]
    same = layers
    same.append(Lin(W2))
    for layer in layers:
        x = np.tanh(layer(x))
    return np.sum(x)


@pytest.mark.parametrize("f", [helper_appends, alias_appends])
@pytest.mark.parametrize("mode", MODES)
def test_appending_to_a_list_of_objects_another_name_holds_is_refused(f, mode):
    rng = np.random.default_rng(5)
    args = rng.standard_normal((2, 2)), rng.standard_normal((2, 2)), rng.standard_normal(2)
    with pytest.raises(UnsupportedSyntaxError, match="appending to a list of your objects "
                       "that another name or the code calling this function holds"):
        srcdiff.grad(f, wrt=(0, 2), mode=mode)(*args)


class Grows:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, x):
        self.layers.append(Lin(np.eye(2)))
        for layer in self.layers:
            x = layer(x)
        return np.sum(x)


@pytest.mark.parametrize("mode", MODES)
def test_changing_a_list_of_objects_self_holds_is_refused_where_it_is(mode):
    m = Grows([Lin(np.array([[1.0, 2.0], [3.0, 4.0]]))])
    with pytest.raises(UnsupportedSyntaxError, match=r"\.append of a list of your objects") as e:
        srcdiff.grad(m.loss, mode=mode)(np.ones(2))
    assert "self.layers.append" in str(e.value)
    assert len(m.layers) == 1  # (refused while transforming: nothing ran)
