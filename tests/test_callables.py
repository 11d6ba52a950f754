"""Function values where real programs keep them (issue 17.4): a helper's function
default (`act=np.tanh`), a functools.partial or a callable object passed to f and
on to a helper, a tuple of functions, a function picked from a module-level dict
or by `getattr(np, name)` with a string argument, a dataclass with methods passed
as the model. Each is inlined or called with its rule, per value, and rebuilt or
guarded when the value changes. Checked against central differences, both modes."""
from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest

import srcdiff
from source_text import code

MODES = ("reverse", "forward")
RNG = np.random.default_rng(17)


def fd(f, x, h=1e-6):
    """Central differences of a scalar function of an array or a float."""
    x = np.asarray(x, dtype=float)
    g = np.empty(x.shape)
    for k in range(x.size):
        a, b = x.copy(), x.copy()
        a.flat[k] += h
        b.flat[k] -= h
        g.flat[k] = (f(a) - f(b)) / (2 * h)
    return g if g.ndim else float(g)


def swish(z):
    return z / (1 + np.exp(-z))


def layer(x, W, act=np.tanh):
    return act(x @ W)


def net(W, x, y):
    """A helper's default activation: `np.tanh` with its rule."""
    return np.sum((layer(x, W) - y) ** 2)


def net_swish(W, x, y):
    """The default overridden by the user's function: inlined."""
    return np.sum((layer(x, W, act=swish) - y) ** 2)


X = RNG.standard_normal((5, 3))
Y = RNG.standard_normal((5, 2))
W0 = RNG.standard_normal((3, 2))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("f", [net, net_swish])
def test_a_function_default_of_a_helper(mode, f):
    g = srcdiff.grad(f, mode=mode)
    np.testing.assert_allclose(g(W0, X, Y), fd(lambda W: f(W, X, Y), W0), rtol=1e-6)


def test_the_default_reads_as_written():
    g = srcdiff.grad(net)
    g(W0, X, Y)
    assert "np.tanh(" in code(g.source) and "act" not in code(g.source)


def huber(r, delta=1.0):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta))


def fit(loss_fn, w, X, y):
    return np.sum(loss_fn(X @ w - y))


def _apply(fn, v):
    return fn(v)


def fit_via_helper(loss_fn, w, X, y):
    return np.sum(_apply(loss_fn, X @ w - y))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("f", [fit, fit_via_helper])
def test_a_partial_passed_in(mode, f):
    X3, y3, w = RNG.standard_normal((8, 3)), 2 * RNG.standard_normal(8), RNG.standard_normal(3)
    g = srcdiff.grad(f, wrt="w", mode=mode)
    for delta in (0.5, 2.0):  # another partial: another derivative
        loss = partial(huber, delta=delta)
        want = fd(lambda v, loss=loss: f(loss, v, X3, y3), w)
        np.testing.assert_allclose(g(loss, w, X3, y3), want, rtol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_a_partial_binding_an_array_reads_it_live(mode):
    def weighted(r, weights):
        return weights * r ** 2

    w, X3, y3 = RNG.standard_normal(3), RNG.standard_normal((4, 3)), RNG.standard_normal(4)
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    loss = partial(weighted, weights=weights)
    g = srcdiff.grad(fit, wrt="w", mode=mode)
    g(loss, w, X3, y3)
    weights *= 2  # the same partial, its array changed in place
    np.testing.assert_allclose(g(loss, w, X3, y3), fd(lambda v: fit(loss, v, X3, y3), w),
                               rtol=1e-6)


class Bump:
    def __init__(self, center, width):
        self.center = center
        self.width = width

    def __call__(self, x):
        return np.exp(-((x - self.center) / self.width) ** 2)


def _trapezoid(fn, a, b, n=16):
    h = (b - a) / n
    total = 0.5 * (fn(a) + fn(b))
    for i in range(1, n):
        total = total + fn(a + i * h)
    return h * total


def quad(fn, a, b):
    return _trapezoid(fn, a, b)


@pytest.mark.parametrize("mode", MODES)
def test_a_callable_object_passed_on_to_a_helper(mode):
    bump = Bump(0.3, 0.7)
    g = srcdiff.grad(quad, wrt="b", mode=mode)
    assert g(bump, -0.5, 1.2) == pytest.approx(fd(lambda b: quad(bump, -0.5, b), 1.2), rel=1e-6)
    bump.width = 0.4  # its attributes are read live
    assert g(bump, -0.5, 1.2) == pytest.approx(fd(lambda b: quad(bump, -0.5, b), 1.2), rel=1e-6)
    assert "__call__" not in code(g.source)  # inlined


def compose_sum(fns, x):
    for fn in fns:
        x = fn(x)
    return np.sum(x)


@pytest.mark.parametrize("mode", MODES)
def test_a_tuple_of_functions(mode):
    x = RNG.standard_normal(4)
    g = srcdiff.grad(compose_sum, wrt="x", mode=mode)
    for fns in ((np.sin, swish, lambda z: z * z), [np.tanh, np.cos]):
        want = fd(lambda v, fns=fns: compose_sum(fns, v), x)
        np.testing.assert_allclose(g(fns, x), want, rtol=1e-6)


ACTIVATIONS = {"tanh": np.tanh, "swish": swish, "square": lambda z: z * z}
LOSSES = {"mse": lambda r: np.mean(r ** 2), "abs": lambda r: np.mean(np.sqrt(r * r + 1))}


def by_name(W, x, y, activation="tanh"):
    act = ACTIVATIONS[activation]
    return np.sum((act(x @ W) - y) ** 2)


def loss_by_name(w, X, y, loss="mse"):
    return LOSSES[loss](X @ w - y)


def numpy_by_name(x, name="sin"):
    return np.sum(getattr(np, name)(x) ** 2)


@pytest.mark.parametrize("mode", MODES)
def test_a_function_picked_by_a_string_argument(mode):
    g = srcdiff.grad(by_name, mode=mode)
    for name in ("tanh", "swish", "square", "tanh"):
        want = fd(lambda W, name=name: by_name(W, X, Y, name), W0)
        np.testing.assert_allclose(g(W0, X, Y, name), want, rtol=1e-6)
    w, X3, y3 = RNG.standard_normal(3), RNG.standard_normal((6, 3)), RNG.standard_normal(6)
    h = srcdiff.grad(loss_by_name, mode=mode)
    for name in ("mse", "abs"):  # (two lambdas on one line, told apart)
        want = fd(lambda v, name=name: loss_by_name(v, X3, y3, name), w)
        np.testing.assert_allclose(h(w, X3, y3, name), want, rtol=1e-6)
    x = RNG.standard_normal(4)
    k = srcdiff.grad(numpy_by_name, mode=mode)
    for name in ("sin", "tanh", "exp"):
        np.testing.assert_allclose(k(x, name), fd(lambda v, name=name: numpy_by_name(v, name), x),
                                   rtol=1e-6)


def test_the_function_picked_reads_as_written():
    g = srcdiff.grad(by_name)
    g(W0, X, Y, "tanh")
    assert "np.tanh(" in code(g.source) and "ACTIVATIONS" not in code(g.source)


@pytest.mark.parametrize("mode", MODES)
def test_another_entry_stored_in_the_dict_transforms_again(mode):
    g = srcdiff.grad(by_name, mode=mode)
    g(W0, X, Y, "square")
    saved = ACTIVATIONS["square"]
    try:
        ACTIVATIONS["square"] = lambda z: z ** 3
        np.testing.assert_allclose(g(W0, X, Y, "square"),
                                   fd(lambda W: by_name(W, X, Y, "square"), W0), rtol=1e-6)
    finally:
        ACTIVATIONS["square"] = saved


@dataclass
class Quadratic:
    curvature: float = 0.5

    def predict(self, w, X):
        z = X @ w
        return z + self.curvature * z ** 2


def loss_with_model(w, model, X, y):
    return np.mean((model.predict(w, X) - y) ** 2)


@pytest.mark.parametrize("mode", MODES)
def test_a_dataclass_with_methods_passed_as_the_model(mode):
    w, X3, y3 = RNG.standard_normal(3), RNG.standard_normal((6, 3)), RNG.standard_normal(6)
    g = srcdiff.grad(loss_with_model, wrt="w", mode=mode)
    for model in (Quadratic(), Quadratic(1.5)):
        want = fd(lambda v, model=model: loss_with_model(v, model, X3, y3), w)
        np.testing.assert_allclose(g(w, model, X3, y3), want, rtol=1e-6)


def mlp(act, params, x, y):
    h = act(x @ params["W1"] + params["b1"])
    return np.sum((h @ params["W2"] - y) ** 2)


@pytest.mark.parametrize("mode", MODES)
def test_a_function_passed_beside_a_dict_of_parameters(mode):
    params = {"W1": RNG.standard_normal((3, 4)), "b1": RNG.standard_normal(4),
              "W2": RNG.standard_normal((4, 2))}
    g = srcdiff.grad(mlp, wrt="params", mode=mode)
    for act in (swish, np.tanh):
        got = g(act, params, X, Y)
        for k in params:
            def f(v, k=k, act=act):
                return mlp(act, {**params, k: v}, X, Y)
            np.testing.assert_allclose(got[k], fd(f, params[k]), rtol=1e-6)


def top_two(scale, data):
    vals = [scale * d for d in data]
    ordered = sorted(vals, key=abs, reverse=True)
    return ordered[0] + 0.5 * ordered[1]


def smallest_sum(a, xs):
    ordered = sorted([a * x - x ** 2 for x in xs])
    return ordered[0] + 2 * ordered[1]


@pytest.mark.parametrize("mode", MODES)
def test_sorted_with_and_without_a_key(mode):
    data = np.array([0.3, -2.0, 1.1, 0.7])
    g = srcdiff.grad(top_two, wrt="scale", mode=mode)
    assert g(0.7, data) == pytest.approx(fd(lambda s: top_two(s, data), 0.7), rel=1e-6)
    h = srcdiff.grad(smallest_sum, wrt="a", mode=mode)
    assert h(1.3, data) == pytest.approx(fd(lambda a: smallest_sum(a, data), 1.3), rel=1e-6)
    assert "sorted(range(len(" in code(g.source)


class Kernels:
    @staticmethod
    def rbf(a, b, length):
        return np.exp(-0.5 * np.sum((a - b) ** 2) / length ** 2)

    @classmethod
    def gram(cls, X, length):
        return np.array([[cls.rbf(a, b, length) for b in X] for a in X])


def gp_nll(length, noise, X, y):
    K = Kernels.gram(X, length) + noise ** 2 * np.eye(len(X))
    return 0.5 * y @ np.linalg.solve(K, y) + 0.5 * np.linalg.slogdet(K)[1]


@pytest.mark.parametrize("mode", MODES)
def test_a_classmethod_calling_a_staticmethod(mode):
    X4, y4 = RNG.standard_normal((5, 2)), RNG.standard_normal(5)
    g = srcdiff.grad(gp_nll, wrt=("length", "noise"), mode=mode)
    dl, dn = g(1.2, 0.4, X4, y4)
    assert dl == pytest.approx(fd(lambda v: gp_nll(v, 0.4, X4, y4), 1.2), rel=1e-6)
    assert dn == pytest.approx(fd(lambda v: gp_nll(1.2, v, X4, y4), 0.4), rel=1e-6)
    saved = Kernels.__dict__["rbf"]
    try:  # the class's staticmethod replaced: transformed again
        Kernels.rbf = staticmethod(lambda a, b, length: np.exp(-np.sum(np.abs(a - b)) / length))
        dl, _ = g(1.2, 0.4, X4, y4)
        assert dl == pytest.approx(fd(lambda v: gp_nll(v, 0.4, X4, y4), 1.2), rel=1e-6)
    finally:
        Kernels.rbf = saved


class Horner:
    """A polynomial object, called by its global name inside f."""

    def __init__(self, coeffs):
        self.coeffs = coeffs

    def __call__(self, x):
        out = 0.0
        for c in reversed(self.coeffs):
            out = out * x + c
        return out


POLY = Horner([1.0, -2.0, 0.5, 0.25])


def via_global_object(x):
    return POLY(x) + POLY(2 * x)


@pytest.mark.parametrize("mode", MODES)
def test_a_global_callable_object_is_inlined(mode):
    global POLY

    def hand(x, c):  # d/dx of p(x) + p(2x), p with coefficients c
        dp = lambda z: sum(k * ck * z ** (k - 1) for k, ck in enumerate(c) if k)
        return dp(x) + 2 * dp(2 * x)
    g = srcdiff.grad(via_global_object, mode=mode)
    assert g(0.8) == pytest.approx(hand(0.8, POLY.coeffs), rel=1e-12)
    assert "__call__" not in code(g.source)
    POLY.coeffs = [0.0, 1.0, 3.0]  # its attributes are read live
    assert g(0.8) == pytest.approx(hand(0.8, POLY.coeffs), rel=1e-12)
    saved, POLY = POLY, Bump(0.3, 0.7)  # another object under the name
    try:
        assert g(0.8) == pytest.approx(fd(via_global_object, 0.8), rel=1e-6)
    finally:
        POLY = saved


def _pick(a, b):
    f = lambda x: x * x - a * x  # noqa: E731
    if f(b) < f(a * a):
        return f(b) * a
    return f(a) + b


def test_a_lambda_called_in_a_test_is_inlined_there():
    """`if f(b) < f(a * a):` with `f` a lambda of the function: the calls are lowered
    like any helper's, so the gradient reads `b * b - a * b < ...` where it spelled
    `(lambda x: ...)(b)`, and its hessian (which lowers that code again, and refused a
    lambda there) works. By hand: f(b) * a = (b^2 - a b) a, d/da = b^2 - 2 a b,
    d2/da2 = -2b; else f(a) + b = b, d/da = 0."""
    g = srcdiff.grad(_pick)
    for a, b in [(0.5, 0.3), (2.0, 0.1)]:
        taken = b * b - a * b < a ** 4 - a ** 3
        assert g(a, b) == pytest.approx(b * b - 2 * a * b if taken else 0.0, abs=1e-15)
        assert srcdiff.hessian(_pick)(a, b) == pytest.approx(-2 * b if taken else 0.0,
                                                             abs=1e-15)
    assert not any("lambda" in ln for ln in code(g.source).splitlines()), g.source


def _indexed_functions(fns, x):
    return np.sum(fns[0](x) * fns[1](x))


def _each_function(fns, x):
    y = x
    for fn in fns:
        y = fn(y)
    return np.sum(y)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_function_of_a_tuple_passed_called_by_index(mode):
    """`fns[0](x)` of a tuple of functions passed (a loop over it worked; an index
    of it was "fns[0] has no derivative rule"): d/dx sum(sin x cos x) = cos 2x."""
    x = np.array([0.3, -0.5, 1.2])
    g = srcdiff.grad(_indexed_functions, 1, mode=mode)
    np.testing.assert_allclose(g((np.sin, np.cos), x), np.cos(2 * x), rtol=1e-13)
    np.testing.assert_allclose(g((np.sin, np.sin), x), np.sin(2 * x), rtol=1e-13)


def test_hessian_through_a_tuple_of_functions_passed():
    """The hessian lowers the gradient's `fns[0](y)` again: d2/dx2 tanh(sin x)."""
    x = np.array([0.3, -0.5])
    t = np.tanh(np.sin(x))
    want = np.diag(-2 * t * (1 - t * t) * np.cos(x) ** 2 - (1 - t * t) * np.sin(x))
    got = srcdiff.hessian(_each_function, 1)((np.sin, np.tanh), x)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_tuple_of_other_functions_is_not_given_the_code_built_for_the_first(mode):
    """The code is built for the functions a tuple holds; a call with the same
    functions in another order (or others of the same type) ran the first build:
    (np.sin, np.tanh) then (np.tanh, np.sin) gave the first chain's gradient at
    the second's point (silently wrong), as did jacobian and the hessian."""
    x = np.array([0.3, -0.5])
    A, B, C = (np.sin, np.tanh), (np.tanh, np.sin), (np.sin, np.sin)
    want = {A: (1 - np.tanh(np.sin(x)) ** 2) * np.cos(x),
            B: np.cos(np.tanh(x)) * (1 - np.tanh(x) ** 2),
            C: np.cos(np.sin(x)) * np.cos(x)}
    g = srcdiff.grad(_each_function, 1, mode=mode)
    J = srcdiff.jacobian(_each_function, 1, mode=mode)
    for fns in (A, B, C, A):
        np.testing.assert_allclose(g(fns, x), want[fns], rtol=1e-13)
        np.testing.assert_allclose(J(fns, x), want[fns], rtol=1e-13)
    H = srcdiff.hessian(_each_function, 1)
    assert not np.allclose(H(A, x), H(B, x))


def _cfg_layer(x, W, cfg):
    return cfg["act"](x @ W)


def _cfg_loss(W, X, y, cfg):
    h = _cfg_layer(X, W, cfg)
    reg = cfg.get("lam", 0.0) * np.sum(W ** 2)
    return np.mean(cfg["loss"](h - y)) + reg


def _sq(r):
    return r * r


def _cfg_fd(W, X, y, cfg, h=1e-6):
    return np.array([(_cfg_loss(W + h * e, X, y, cfg) - _cfg_loss(W - h * e, X, y, cfg))
                     / (2 * h) for e in np.eye(W.size)])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_config_dict_holding_functions(mode):
    """`cfg = {"act": np.tanh, "loss": huber, "lam": 0.1}` passed to f and on to a
    helper: its functions are the build's code (rebuilt when another is stored),
    its other entries read at each call (it was "act has no derivative rule")."""
    rng = np.random.default_rng(4)
    X, y, W = rng.standard_normal((6, 3)), rng.standard_normal(6), rng.standard_normal(3)
    g = srcdiff.grad(_cfg_loss, mode=mode)
    for cfg in ({"act": np.tanh, "loss": _sq, "lam": 0.1}, {"act": np.sin, "loss": _sq},
                {"act": np.tanh, "loss": np.abs, "lam": 0.3},
                {"act": np.tanh, "loss": _sq, "lam": 0.7}):
        np.testing.assert_allclose(g(W, X, y, cfg), _cfg_fd(W, X, y, cfg), rtol=1e-6)
    cfg = {"act": np.tanh, "loss": _sq, "lam": 0.1}
    t = np.tanh(X @ W)
    want = X.T @ ((2 * (1 - t * t) * (1 - 3 * t * t) + 2 * (-2 * t * (1 - t * t)) * (-y))
                  [:, None] * X) / len(y) + 0.2 * np.eye(3)
    np.testing.assert_allclose(srcdiff.hessian(_cfg_loss)(W, X, y, cfg), want, rtol=1e-10,
                               atol=1e-12)


_PICK = {"tanh": np.tanh, "sin": np.sin}


def _picked(x, act="tanh"):
    return np.sum(_PICK[act](x) ** 2)


def test_source_built_for_a_setting_refuses_another():
    """The code is built per string (`_PICK[act]`); `.source` run standalone with
    another string would compute that code's derivative, silently wrong: it starts
    with a check and raises ValueError instead."""
    x = np.array([0.3, -0.4])
    g = srcdiff.grad(_picked)
    np.testing.assert_allclose(g(x, "sin"), 2 * np.sin(x) * np.cos(x), rtol=1e-14)
    ns: dict = {}
    exec(g.source, dict(globals()), ns)
    standalone = ns["_picked_grad"]
    np.testing.assert_allclose(standalone(x, "sin"), 2 * np.sin(x) * np.cos(x), rtol=1e-14)
    with pytest.raises(ValueError, match="act='sin'"):
        standalone(x, "tanh")
    t = np.tanh(x)
    np.testing.assert_allclose(g(x), 2 * t * (1 - t * t), rtol=1e-14)


# ----- a function chosen by a test of a setting: `np.tanh if activation == "tanh" else relu`
def relu(z):
    return np.maximum(z, 0.0)


def chosen_by_string(W, x, y, activation="tanh"):
    act = np.tanh if activation == "tanh" else relu
    return np.sum((act(x @ W) - y) ** 2)


def chosen_by_bool(W, x, y, smooth):
    f = np.tanh if smooth else relu
    return np.sum((f(x @ W) - y) ** 2)


def chosen_by_if(W, x, y, activation):
    if activation == "tanh":
        act = np.tanh
    elif activation == "double_sin":
        act = lambda z: 2.0 * np.sin(z)  # noqa: E731 - as users write it
    else:
        act = swish
    return np.sum((act(x @ W) - y) ** 2)


def chosen_at_run_time(W, x, y):
    act = np.tanh if np.sum(x) > 0 else relu
    return np.sum(act(x @ W))


def chosen_at_run_time_by_if(W, x, y):
    if np.sum(x) > 0:
        act = np.tanh
    else:
        act = relu
    return np.sum(act(x @ W))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("f, settings", [
    (chosen_by_string, ("tanh", "relu", "tanh")),
    (chosen_by_bool, (True, False)),
    (chosen_by_if, ("tanh", "double_sin", "swish"))])
def test_a_function_chosen_by_a_setting(mode, f, settings):
    """A string or bool read by the test that chooses the function is a constant of
    the build (one build per setting, guarded): the chosen function is inlined."""
    g = srcdiff.grad(f, mode=mode)
    for s in settings:
        want = fd(lambda W, s=s: f(W, X, Y, s), W0)
        np.testing.assert_allclose(g(W0, X, Y, s), want, rtol=1e-6, atol=1e-9)
        assert "act(" not in code(g.source) and "f(" not in code(g.source)


@pytest.mark.parametrize("f", [chosen_at_run_time, chosen_at_run_time_by_if])
def test_a_function_chosen_at_run_time_is_refused_with_what_to_do(f):
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="chosen at run time") as e:
        srcdiff.grad(f)(W0, X, Y)
    assert "setting" in str(e.value) and e.value.lineno is not None
