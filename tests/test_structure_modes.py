"""Issue 17: program structure in forward mode and in the remaining everyday
constructs. Structured results (`return {"a": a, "b": b}`, `return x, v`) through
`jvp` and `jacobian(mode="forward")`, and the constructs that are refused, each
with a located error in the user's words. Every derivative is checked against
central finite differences (an independent reference), never srcdiff itself."""
from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest
from test_pytrees import _rebuild, assert_tree_close, fd_grad

import srcdiff
from srcdiff import SrcDiffError

H = 1e-6


def _kids(v):
    """A container's items (every tuple, list and dict is one, as in JAX); None for a leaf."""
    if isinstance(v, dict):
        return list(v.values())
    return list(v) if isinstance(v, (list, tuple)) else None


def _zip(a, b, fn):
    """fn over the leaves of two values of one structure."""
    ka, kb = _kids(a), _kids(b)
    if ka is None:
        return fn(a, b)
    return _rebuild(a, [_zip(x, y, fn) for x, y in zip(ka, kb)])


def _out(v):
    """A result's leaves as floats or float arrays (the tangent's types)."""
    def leaf(x, _):
        return np.asarray(x, dtype=float) if np.ndim(x) else float(x)
    return _zip(v, v, leaf)


def assert_same_tree(got, want, rtol=1e-6, atol=1e-8):
    kg, kw = _kids(got), _kids(want)
    if kw is None:
        assert kg is None and np.shape(got) == np.shape(want), (got, want)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
        return
    assert type(got) is type(want) and len(kg) == len(kw), (got, want)
    if isinstance(want, dict):
        assert list(got) == list(want)
    for g, w in zip(kg, kw):
        assert_same_tree(g, w, rtol, atol)


def fd_tree_jvp(f, args, tangents):
    """Central differences of f (any structure of results) along `tangents`."""
    plus = f(*[_zip(a, t, lambda x, y: x + H * y) for a, t in zip(args, tangents)])
    minus = f(*[_zip(a, t, lambda x, y: x - H * y) for a, t in zip(args, tangents)])
    return _zip(_out(plus), _out(minus), lambda p, m: (p - m) / (2 * H))


def check_jvp(f, args, tangents):
    out, t_out = srcdiff.jvp(f, args, tangents)
    assert_same_tree(out, _out(f(*args)), rtol=1e-12, atol=0)
    assert_same_tree(t_out, fd_tree_jvp(f, args, tangents))


# ---------------------------------------------------------------- structured results, forward
def polar(r, theta):
    return {"x": r * np.cos(theta), "y": r * np.sin(theta)}


def rk4_oscillator(x0, k, dt=0.1, n=12):
    """An RK4 integrator whose right-hand side (a nested def) returns a tuple, and
    whose result is the final state (x, v)."""
    def rhs(x, v):
        return v, -k * x

    x, v = x0, 0.0
    for _ in range(n):
        a1, b1 = rhs(x, v)
        a2, b2 = rhs(x + 0.5 * dt * a1, v + 0.5 * dt * b1)
        a3, b3 = rhs(x + 0.5 * dt * a2, v + 0.5 * dt * b2)
        a4, b4 = rhs(x + dt * a3, v + dt * b3)
        x, v = x + dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4), v + dt / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
    return x, v


def layer_outputs(params, x):
    h = np.tanh(params["W"] @ x + params["b"])
    out = {"hidden": h, "score": np.sum(h ** 2)}
    return out


def signed(x):
    if x > 0:
        return x * 2.0, np.sin(x)
    return x, x ** 3


def _params():
    rng = np.random.default_rng(0)
    return {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=3)}, rng.normal(size=2)


def test_jvp_dict_result():
    check_jvp(polar, (1.5, 0.3), (0.7, -0.4))


def test_jvp_tuple_result_of_an_integrator():
    check_jvp(rk4_oscillator, (1.0, 2.0), (1.0, 0.5))


def test_jvp_structured_parameters_and_result():
    p, x = _params()
    rng = np.random.default_rng(1)
    tp = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=3)}
    check_jvp(layer_outputs, (p, x), (tp, rng.normal(size=2)))


@pytest.mark.parametrize("x", [1.2, -0.7])
def test_jvp_tuple_result_returned_in_branches(x):
    check_jvp(signed, (x,), (1.0,))


def test_jvp_source_builds_the_results_as_written():
    j = srcdiff.jvp(polar)
    assert "built at the first call" in j.source
    j((1.5, 0.3), (1.0, 0.0))
    want = "return {'x': r_times_cos_theta, 'y': r_times_sin_theta}, {'x': _like("
    assert want in j.source, j.source


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_tuple_result(mode):
    J = srcdiff.jacobian(rk4_oscillator, wrt=(0, 1), mode=mode)(1.0, 2.0)
    assert isinstance(J, tuple) and len(J) == 2
    for n, row in enumerate(J):
        def leaf(x0, k, n=n):
            return rk4_oscillator(x0, k)[n]
        for i in (0, 1):
            np.testing.assert_allclose(row[i], fd_grad(leaf, (1.0, 2.0), i), rtol=1e-6)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_dict_result_of_dict_parameters(mode):
    p, x = _params()
    J = srcdiff.jacobian(layer_outputs, mode=mode)(p, x)
    assert list(J) == ["hidden", "score"]
    assert J["hidden"]["W"].shape == (3, 3, 2) and J["hidden"]["b"].shape == (3, 3)
    assert_tree_close(J["score"], fd_grad(lambda q, x: layer_outputs(q, x)["score"], (p, x), 0))
    for k in range(3):
        want = fd_grad(lambda q, x, k=k: layer_outputs(q, x)["hidden"][k], (p, x), 0)
        assert_tree_close({"W": J["hidden"]["W"][k], "b": J["hidden"]["b"][k]}, want)


# ---------------------------------------------------------------- tuple states rebound in loops
def fd(f, args, i, h=1e-6):
    a, b = list(args), list(args)
    a[i] += h
    b[i] -= h
    return (f(*a) - f(*b)) / (2 * h)


def check_both(f, args, i=0):
    want = fd(f, args, i)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.grad(f, wrt=i, mode=mode)(*args), want, rtol=1e-6)
    t = [np.zeros_like(a) if isinstance(a, np.ndarray) else 0.0 for a in args]
    t[i] = 1.0
    np.testing.assert_allclose(srcdiff.jvp(f, args, t)[1], want, rtol=1e-6)


def euler_pendulum(theta0, dt=0.05, n=30):
    state = (theta0, 0.0)
    for _ in range(n):
        state = (state[0] + dt * state[1], state[1] - dt * np.sin(state[0]))
    return state[0] ** 2 + state[1]


def doubling(x):
    state = (x, 2.0 * x)
    for _ in range(3):
        state = tuple(s * 1.5 + 0.1 for s in state)
    return state[0] + state[1] ** 2


def zipped_step(x0, v0, dt=0.05, n=20):
    state = (x0, v0)
    for _ in range(n):
        derivs = (state[1], -np.sin(state[0]))
        state = tuple(s + dt * d for s, d in zip(state, derivs))
    return state[0] * state[1]


def weighted_items(x):
    s = (x, 2 * x, np.sin(x))
    for _ in range(2):
        s = tuple(v * (i + 1) for i, v in enumerate(s))
    return s[0] * s[1] + s[2]


@pytest.mark.parametrize("f, args, i", [
    (euler_pendulum, (0.4,), 0), (doubling, (1.1,), 0), (zipped_step, (0.5, 0.1), 0),
    (zipped_step, (0.5, 0.1), 1), (weighted_items, (0.7,), 0)])
def test_a_tuple_state_rebound_in_a_loop(f, args, i):
    check_both(f, args, i)


def grows(x):
    state = (x, x)
    for _ in range(3):
        state = (state[0], state[1], x)
    return state[0]


def becomes_a_list(x):
    state = (x, x)
    for _ in range(3):
        state = [s * 2 for s in state]
    return state[0]


@pytest.mark.parametrize("f, what", [
    (grows, "a tuple of 2 items before an iteration, a tuple of 3 items after it"),
    (becomes_a_list, "a tuple of 2 items before an iteration, a value that is not a tuple")])
def test_a_state_changing_shape_is_refused_saying_how(f, what):
    with pytest.raises(SrcDiffError, match="'state' changing kind") as e:
        srcdiff.grad(f)(1.0)
    assert what in str(e.value) and "test_structure_modes.py" in str(e.value)


# ---------------------------------------------------------------- with np.errstate
def entropy(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return -np.sum(terms)


def nested_errstate(x):
    with np.errstate(over="ignore"):
        with np.errstate(under="ignore"):
            y = np.exp(x) * x
        z = np.sum(y)
    return z


def test_errstate_blocks_are_transparent():
    p = np.array([0.2, 0.5, 0.3])
    for f, x in ((entropy, p), (nested_errstate, np.array([0.3, -1.2]))):
        want = np.array([fd(lambda v, k=k, f=f, x=x: f(np.where(np.arange(len(x)) == k, v, x)),
                            (x[k],), 0) for k in range(len(x))])
        for mode in ("reverse", "forward"):
            np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(x), want, rtol=1e-6)


def other_with(x):
    import threading
    with threading.Lock():
        y = x * 2.0
    return y


def test_other_with_blocks_are_refused_where_they_are():
    with pytest.raises(SrcDiffError, match="a with block") as e:
        srcdiff.grad(other_with)(1.0)
    assert "test_structure_modes.py" in str(e.value)


# ---------------------------------------------------------------- layers indexed in a loop
def indexed_mlp(params, x):
    h = x
    for i in range(len(params["layers"])):
        h = np.tanh(params["layers"][i]["W"] @ h + params["layers"][i]["b"])
    return np.sum(h ** 2)


def residual(params, x):
    h = x
    n = len(params["layers"])
    for i in range(n):
        layer = params["layers"][i]
        h = h + np.tanh(layer["W"] @ h + layer["b"])
    return np.sum(h ** 2) + params["scale"] * np.sum(h)


def neighbours(ws, x):
    s = 0.0
    for i in range(len(ws) - 1):
        s = s + np.sum(ws[i]["w"] * ws[i + 1]["w"]) * x
    return s


def iterated_layers(params, x):
    h = x
    for layer in params["layers"]:
        W, b = layer["W"], layer["b"]
        h = np.tanh(W @ h + b)
    return np.sum(h)


def _layers(n=3, seed=0):
    rng = np.random.default_rng(seed)
    return {"layers": [{"W": rng.normal(size=(2, 2)), "b": rng.normal(size=2)}
                       for _ in range(n)], "scale": 0.3}, rng.normal(size=2)


@pytest.mark.parametrize("f", [indexed_mlp, residual, iterated_layers])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_layers_indexed_in_a_loop(f, mode):
    p, x = _layers()
    if f is not residual:
        p = {"layers": p["layers"]}
    assert_tree_close(srcdiff.grad(f, mode=mode)(p, x), fd_grad(f, (p, x), 0))
    rng = np.random.default_rng(3)
    tp = {k: [{"W": rng.normal(size=(2, 2)), "b": rng.normal(size=2)} for _ in v]
          if k == "layers" else 0.5 for k, v in p.items()}
    check_jvp(f, (p, x), (tp, np.zeros(2)))


def test_neighbouring_items_of_a_list_parameter():
    rng = np.random.default_rng(1)
    ws = [{"w": rng.normal(size=3)} for _ in range(4)]
    for mode in ("reverse", "forward"):
        assert_tree_close(srcdiff.grad(neighbours, mode=mode)(ws, 0.7),
                          fd_grad(neighbours, (ws, 0.7), 0))


def test_layers_source_reads_the_layers_by_key():
    p, x = _layers(2)
    d = srcdiff.grad(residual)
    d(p, x)
    assert "W = params['layers'][0]['W']" in d.source or (
        "params['layers'][0]" in d.source), d.source
    assert "return {'layers': [{'W': " in d.source, d.source


# ---------------------------------------------------------------- namedtuples and dataclasses
State = collections.namedtuple("State", "x v")
Tagged = collections.namedtuple("Tagged", "value weight", defaults=(1.0,))


@dataclasses.dataclass
class Model:
    w: float
    b: float = 0.5

    def predict(self, t):
        return self.w * t + self.b

    def __call__(self, t):
        return np.tanh(self.predict(t))


def symplectic(x0, k, dt=0.1, n=15):
    s = State(x0, 0.0)
    for _ in range(n):
        s = s._replace(v=s.v - dt * k * s.x)
        s = s._replace(x=s.x + dt * s.v)
    return s.x ** 2 + s.v ** 2 / k


def built_with_keywords(x):
    s = State(v=2.0 * x, x=np.sin(x))
    t = Tagged(s.x * s.v)
    return t.value * t.weight + s[0]


def refit(w, t):
    m = Model(w)
    m = dataclasses.replace(m, b=m.w * 0.1)
    return np.sum((m(t) - 0.3) ** 2) + m.predict(1.0)


def state_param(s, k):
    s2 = s._replace(v=s.v * k)
    return s2.x * s2.v ** 2


def model_param(m, t):
    m2 = dataclasses.replace(m, w=2.0 * m.w)
    return np.sum(m2(t) ** 2) + m2.predict(0.5)


@pytest.mark.parametrize("f, args", [
    (symplectic, (0.8, 2.0)), (built_with_keywords, (0.7,)),
    (refit, (0.4, np.array([0.1, 0.5, -0.3])))])
def test_records_built_and_replaced_inside_f(f, args):
    check_both(f, args, 0)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_records_passed_in_and_replaced(mode):
    s = State(1.2, 0.7)
    got = srcdiff.grad(state_param, mode=mode)(s, 1.5)
    assert type(got) is State
    np.testing.assert_allclose(got, [(0.7 * 1.5) ** 2, 2 * 1.2 * 0.7 * 1.5 ** 2], rtol=1e-12)
    m, t = Model(0.4, -0.2), np.array([0.1, 0.5, -0.3])
    assert_tree_close(srcdiff.grad(model_param, mode=mode)(m, t), fd_grad(model_param, (m, t), 0))


class Plain:
    def __init__(self, w):
        self.w = w


def plain_object(w):
    return Plain(w).w * 2.0


def bad_field(x):
    s = State(x, x)
    return s._replace(a=1.0).x


def test_an_object_built_in_f_and_a_bad_replace():
    assert srcdiff.grad(plain_object)(1.0) == 2.0  # its __init__ only sets w: inlined
    with pytest.raises(SrcDiffError, match="replacing the field 'a'") as e:
        srcdiff.grad(bad_field)(1.0)
    assert "test_structure_modes.py" in str(e.value)


# ---------------------------------------------------------------- dict comprehensions
def doubled(params):
    q = {k: v * 2 for k, v in params.items()}
    return np.sum(q["W"] ** 2) + q["b"]


def sgd_then_loss(params, grads, lr=0.1):
    new = {k: params[k] - lr * grads[k] for k in params}
    return np.sum(new["W"] ** 2) + new["b"] ** 2


def built_then_read(x):
    d = {"a": x, "b": np.sin(x)}
    sq = {k: v ** 2 for k, v in d.items()}
    named = {n: (i + 1) * x for i, n in enumerate(("u", "v"))}
    powers = {i: x ** i for i in range(3)}
    return sq["a"] + sq["b"] + named["v"] * powers[2]


def _dict_params():
    return {"W": np.array([1.0, -2.0, 0.5]), "b": 0.3}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_dict_comprehensions_over_dict_parameters(mode):
    p = _dict_params()
    assert_tree_close(srcdiff.grad(doubled, mode=mode)(p), fd_grad(doubled, (p,), 0))
    g = {"W": np.array([0.3, 0.1, -0.2]), "b": 0.2}
    got = srcdiff.grad(sgd_then_loss, wrt=(0, 1), mode=mode)(p, g)
    for i in (0, 1):
        assert_tree_close(got[i], fd_grad(sgd_then_loss, (p, g), i))


def test_dict_comprehensions_over_values_built_in_f():
    check_both(built_then_read, (1.1,))


def test_dict_comprehension_source_reads_the_entries():
    d = srcdiff.grad(doubled)
    d(_dict_params())
    assert "W = params['W']" in d.source and "return {'W': 8.0 * W, 'b': 2.0}" in d.source, d.source


def over_runtime_keys(x, keys):
    return {k: x * 2 for k in keys}["a"]


def test_dict_comprehension_over_run_time_values_is_refused_where_it_is():
    with pytest.raises(SrcDiffError, match="a dict comprehension over values known only at "
                       "run time") as e:
        srcdiff.grad(over_runtime_keys)(1.0, ["a"])
    assert "test_structure_modes.py" in str(e.value)


# ---------------------------------------------------------------- recursion, nonlocal, try
def _nested_sin(x, n):
    if n == 0:
        return x
    return _nested_sin(np.sin(x), n - 1)


def _legendre(n, x):
    if n == 0:
        return 1.0
    if n == 1:
        return x
    return ((2 * n - 1) * x * _legendre(n - 1, x) - (n - 1) * _legendre(n - 2, x)) / n


def recursive_helpers(x):
    return _nested_sin(x, 3) * x + _legendre(4, x)


def _halve(x):
    if x < 1e-3:
        return x
    return _halve(x / 2)


def runtime_recursion(x):
    return _halve(x)


def test_recursion_to_a_constant_depth_is_unrolled():
    check_both(recursive_helpers, (0.6,))
    x = 0.6  # P4'(x) = (140 x**3 - 60 x) / 8, the hand formula
    got = srcdiff.grad(lambda x: _legendre(4, x))(x)
    assert got == pytest.approx((140 * x ** 3 - 60 * x) / 8, rel=1e-12)


def _halving_count(x):
    if x < 1e-3:
        return x
    return 0.5 * _halving_count(x / 2)  # not a tail call


def runtime_recursion_not_tail(x):
    return _halving_count(x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_recursion_to_a_run_time_depth_is_a_loop_in_tail_position_else_refused(mode):
    # _halve(1.0) halves ten times (2**-10 < 1e-3): d/dx = 2**-10, by hand
    assert srcdiff.grad(runtime_recursion, mode=mode)(1.0) == pytest.approx(2.0 ** -10,
                                                                            rel=1e-14)
    with pytest.raises(SrcDiffError, match="_halving_count calls itself with no integer "
                       "argument that is a constant") as e:
        srcdiff.grad(runtime_recursion_not_tail, mode=mode)(1.0)
    assert "test_structure_modes.py" in str(e.value)


def with_nonlocal(x):
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v * v
    add(x)
    add(2 * x)
    return total


def with_try(x):
    try:
        y = np.log(x)
        y = y + 1
    except ValueError:
        y = x
    return y * x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_nonlocal_accumulator_is_differentiated(mode):
    assert srcdiff.grad(with_nonlocal, mode=mode)(1.3) == pytest.approx(10 * 1.3, rel=1e-12)


@pytest.mark.parametrize("f, words", [(with_try, "try/except")])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_constructs_are_located_in_the_users_words(f, words, mode):
    with pytest.raises(SrcDiffError, match=words) as e:
        srcdiff.grad(f, mode=mode)(1.3)
    assert "test_structure_modes.py" in str(e.value)
    with pytest.raises(SrcDiffError, match=words):
        srcdiff.jvp(f, (1.3,), (1.0,))


class Doubled(collections.namedtuple("Doubled", "x v")):
    def __new__(cls, x, v):
        return super().__new__(cls, 2 * x, v)


@dataclasses.dataclass
class Checked:
    w: float

    def __post_init__(self):
        self.w = abs(self.w)


def own_new(x):
    return Doubled(x, x).x


def own_post_init(x):
    return Checked(x).w


def replaced_post_init(c, x):
    return dataclasses.replace(c, w=x).w * x


def test_records_whose_class_runs_its_own_code_are_refused():
    """A __new__ or __post_init__ of the user's would run when the object is built:
    srcdiff does not keep such an object field by field."""
    for f in (own_new, own_post_init):
        with pytest.raises(SrcDiffError, match="building an object of your class"):
            srcdiff.grad(f)(-1.0)
    with pytest.raises(SrcDiffError, match="dataclasses.replace of a Checked") as e:
        srcdiff.grad(replaced_post_init)(Checked(1.0), -2.0)
    assert "test_structure_modes.py" in str(e.value)
