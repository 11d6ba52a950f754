"""Second and third derivatives through loops (higher.py): hessian, hvp, grad(grad(f)),
jvp / vjp / jacobian of grad(f), against hand-derived formulas and second differences
of the function itself (never against srcdiff's own gradient)."""
import math

import numpy as np
import pytest

import srcdiff
from srcdiff.errors import ShapeMismatchError


def second_differences(f, x, h=1e-4):
    """The Hessian of f at x by central differences of f (no gradient involved)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.zeros(n), np.zeros(n)
            ei[i], ej[j] = h, h
            ei, ej = ei.reshape(x.shape), ej.reshape(x.shape)
            H[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h)
    return H.reshape(x.shape + x.shape)


# ----- the loops of real programs -----


def euler(y0, k, steps=20, dt=0.05):
    """Explicit Euler for y' = -k y^3 + sin(y), summed squared state at the end."""
    y = y0
    for _ in range(steps):
        y = y + dt * (-k * y ** 3 + np.sin(y))
    return np.sum(y * y)


def horner(x, coeffs=(1.0, -2.0, 0.5, 3.0, -1.5)):
    acc = 0.0
    for c in coeffs:
        acc = acc * x + c
    return acc


def newton_sqrt(a):
    """sqrt(a) by Newton's iteration, stopped by a tolerance on the step."""
    x = a
    step = 1.0
    while abs(step) > 1e-12:
        step = (x * x - a) / (2 * x)
        x = x - step
    return x * x * x


def branchy_loop(x, n=6):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            s = s + np.sum(np.tanh(x * (i + 1)))
        else:
            s = s + np.sum(x * x) * 0.1 * i
    return s


def _step(x, w):
    for _ in range(3):
        x = np.tanh(w * x)
    return x


def with_helper(x, w=0.7):
    return np.sum(_step(x, w) ** 2)


def power_loop(x, n=5):
    s = 1.0
    for _ in range(n):
        s = s * x
    return s


X = np.array([0.3, -0.5, 0.8])


@pytest.mark.parametrize("f, x", [
    (euler, X), (branchy_loop, X), (with_helper, X), (with_helper, 0.4), (euler, 0.6)])
def test_hessian_through_loops(f, x):
    want = second_differences(lambda v: f(v, 0.9) if f is euler else f(v), x)
    got = (srcdiff.hessian(f)(x, 0.9) if f is euler else srcdiff.hessian(f)(x))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    if np.ndim(x) == 0:
        assert type(got) is float


def test_hessian_of_horner_is_the_polynomials_second_derivative():
    c = (1.0, -2.0, 0.5, 3.0, -1.5)  # acc = ((((1 x - 2) x + 0.5) x + 3) x - 1.5
    x = 0.7
    want = 12 * c[0] * x ** 2 + 6 * c[1] * x + 2 * c[2]
    assert srcdiff.hessian(horner)(x) == pytest.approx(want, rel=1e-12)
    assert srcdiff.grad(srcdiff.grad(horner))(x) == pytest.approx(want, rel=1e-12)


def test_second_derivative_of_a_newton_while_loop():
    # x -> sqrt(a) so f = a ** 1.5 (the trip count is fixed by the tolerance, not differentiated)
    a = 2.0
    assert srcdiff.grad(srcdiff.grad(newton_sqrt))(a) == pytest.approx(
        0.75 * a ** -0.5, rel=1e-8)
    assert srcdiff.hessian(newton_sqrt)(a) == pytest.approx(0.75 * a ** -0.5, rel=1e-8)


def test_third_derivative_of_a_scalar_loop():
    x = 1.3  # x ** 5 by five multiplications: f''' = 60 x ** 2
    g3 = srcdiff.grad(srcdiff.grad(srcdiff.grad(power_loop)))
    assert g3(x) == pytest.approx(60 * x ** 2, rel=1e-12)
    j = srcdiff.jvp(srcdiff.grad(srcdiff.grad(power_loop)))
    assert j((x,), (2.0,))[1] == pytest.approx(2 * 60 * x ** 2, rel=1e-12)


def test_hvp_is_the_hessian_times_v_in_both_forms():
    v = np.array([1.0, -2.0, 0.5])
    H = second_differences(lambda y: euler(y, 0.9), X)
    np.testing.assert_allclose(srcdiff.hvp(euler)(X, 0.9, v), H @ v, rtol=1e-5, atol=1e-6)
    out, t = srcdiff.jvp(srcdiff.grad(euler), (X, 0.9), (v, 0.0))
    np.testing.assert_allclose(t, H @ v, rtol=1e-5, atol=1e-6)
    assert "def euler_tangent_grad(" in srcdiff.hvp(euler).source
    with pytest.raises(ShapeMismatchError):
        srcdiff.hvp(euler)(X, 0.9, np.ones(2))


def test_hvp_with_respect_to_a_named_parameter():
    def f(x, k):
        s = x
        for _ in range(4):
            s = s * k + math.sin(k)
        return s
    h = 1e-4  # d2f / dk2 by differences of f
    want = (f(0.5, 0.8 + h) - 2 * f(0.5, 0.8) + f(0.5, 0.8 - h)) / h ** 2
    assert srcdiff.hvp(f, wrt="k")(0.5, 0.8, 1.0) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_the_gradient_of_a_loop(mode):
    got = srcdiff.jacobian(srcdiff.grad(branchy_loop), mode=mode)(X)
    np.testing.assert_allclose(got, second_differences(branchy_loop, X), rtol=1e-5, atol=1e-6)


def test_vjp_of_the_gradient_and_of_value_and_grad():
    u = np.array([0.5, 1.0, -1.0])
    H = second_differences(with_helper, X)
    _, pull = srcdiff.vjp(srcdiff.grad(with_helper), X)
    np.testing.assert_allclose(pull(u)[0], H @ u, rtol=1e-5, atol=1e-6)
    value, g = srcdiff.value_and_grad(power_loop)(1.1)
    assert value == pytest.approx(1.1 ** 5) and g == pytest.approx(5 * 1.1 ** 4)
    d = srcdiff.grad(lambda x: VALUE_AND_GRAD(x)[1])  # a derivative called in f
    assert d(1.1) == pytest.approx(20 * 1.1 ** 3, rel=1e-12)


VALUE_AND_GRAD = srcdiff.value_and_grad(power_loop)


GRAD_LOOP = srcdiff.grad(with_helper)
GRAD_PLAIN = srcdiff.grad(lambda w: np.sum(np.tanh(w) ** 2))


def penalty_loop(w):
    g = GRAD_LOOP(w)  # a gradient penalty: the derivative srcdiff made, called in f
    return np.sum(g * g)


def penalty_plain(w):
    g = GRAD_PLAIN(w)
    return np.sum(g * g) + np.sum(w)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", [penalty_loop, penalty_plain])
def test_a_gradient_penalty_calls_a_derivative_inside_f(f, mode):
    h = 1e-6
    want = np.array([(f(X + h * e) - f(X - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(X), want, rtol=1e-6, atol=1e-9)


def test_gradient_with_respect_to_two_parameters_differentiated_again():
    def f(x, y):
        s = 0.0
        for i in range(3):
            s = s + x * y ** (i + 1)
        return s
    y = 1.5
    mixed = srcdiff.jacobian(srcdiff.grad(f, wrt=0), wrt=1)(0.5, y)  # d/dy df/dx
    assert mixed == pytest.approx(1 + 2 * y + 3 * y ** 2, rel=1e-12)
    assert srcdiff.grad(srcdiff.grad(f, wrt=1), wrt=1)(0.5, y) == pytest.approx(
        0.5 * (2 + 6 * y), rel=1e-12)


def test_jvp_of_the_gradient_with_tangents_in_every_parameter():
    """Tangents in x and k: H_xx v + H_xk t_k (the general path, not hvp's)."""
    v, tk, k, h = np.array([1.0, -2.0, 0.5]), 0.5, 0.9, 1e-4
    H = second_differences(lambda y: euler(y, k), X)
    mixed = np.array([(euler(X + h * e, k + h) - euler(X + h * e, k - h)
                       - euler(X - h * e, k + h) + euler(X - h * e, k - h)) / (4 * h * h)
                      for e in np.eye(3)])
    out, t = srcdiff.jvp(srcdiff.grad(euler), (X, k), (v, tk))
    np.testing.assert_allclose(t, H @ v + mixed * tk, rtol=1e-5, atol=1e-6)


# ----- functions passed as arguments, and settings that pick one -----

def apply_twice(f, x):
    return np.sum(f(f(x)))


def _mse(r):
    return r * r


def _logcosh(r):
    return np.log(np.cosh(r))


LOSSES = {"mse": _mse, "logcosh": _logcosh}


def regress(w, X, y, config="mse"):
    loss = LOSSES[config]
    return np.mean(loss(X @ w - y))


def test_hessian_of_a_function_that_calls_a_function_passed():
    """`hessian(apply_twice, wrt=1)(np.tanh, x)`: built for the function the call
    passes, as grad is (it was refused: the generic gradient is a stand-in)."""
    x = np.array([0.3, -0.8, 1.1])
    u = np.tanh(x)
    du, ddu = 1 - u * u, -2 * u * (1 - u * u)
    y = np.tanh(u)
    want = np.diag(-2 * y * (1 - y * y) * du * du + (1 - y * y) * ddu)
    h = srcdiff.hessian(apply_twice, wrt=1)
    np.testing.assert_allclose(h(np.tanh, x), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h(np.sin, x), np.diag(
        -np.sin(np.sin(x)) * np.cos(x) ** 2 - np.cos(np.sin(x)) * np.sin(x)), rtol=1e-12,
        atol=1e-14)
    assert "first call" in h.source


@pytest.mark.parametrize("config", ["mse", "logcosh"])
def test_hessian_of_a_function_a_setting_picks(config):
    """A string argument picks the loss (`LOSSES[config]`): the hessian is built per
    setting, against the hand formula X^T diag(loss'') X / n."""
    rng = np.random.default_rng(3)
    X, y, w = rng.standard_normal((7, 3)), rng.standard_normal(7), rng.standard_normal(3)
    r = X @ w - y
    second = 2.0 * np.ones_like(r) if config == "mse" else 1 / np.cosh(r) ** 2
    want = X.T @ (second[:, None] * X) / len(r)
    got = srcdiff.hessian(regress)(w, X, y, config)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_a_second_derivative_through_srcdiffs_own_adjoint_code_is_a_clear_error():
    """np.cumprod's gradient is a runtime helper of srcdiff's; differentiating it
    again is refused saying so (it was "register a rule for _cumprod_adjoint")."""
    def wealth(r):
        return np.sum(np.cumprod(1.0 + r))

    with pytest.raises(srcdiff.SrcDiffError, match="second derivative through that function"):
        srcdiff.hessian(wealth)(np.array([0.1, -0.2, 0.05]))


class _Stack:
    def __init__(self, Ws, acts):
        self.Ws = Ws
        self.acts = acts

    def loss(self, x):
        for i, act in enumerate(self.acts):
            x = act(self.Ws[i] @ x)
        return np.sum(x ** 2)


def test_hessian_of_a_method_reading_a_list_of_functions_on_self():
    """A loop over `self.acts`, a list of functions only (it was "act has no
    derivative rule": only a list holding objects was read item by item); the
    gradient calls `self.acts[0](...)`, and the hessian lowers that again, where the
    list on the object outside is read item by item, guarded."""
    rng = np.random.default_rng(5)
    net = _Stack([0.5 * rng.standard_normal((3, 3)), 0.5 * rng.standard_normal((2, 3))],
                 [np.tanh, np.sin])
    x = rng.standard_normal(3)
    fd = np.array([(net.loss(x + 1e-6 * e) - net.loss(x - 1e-6 * e)) / 2e-6 for e in np.eye(3)])
    for mode in ("reverse", "forward"):  # (a loop over a list of functions only, on self)
        np.testing.assert_allclose(srcdiff.grad(net.loss, mode=mode)(x), fd, rtol=1e-6)
    H = srcdiff.hessian(net.loss)(x)
    np.testing.assert_allclose(H, second_differences(net.loss, x), rtol=1e-5, atol=1e-7)
    net.acts[1] = np.tanh  # another function stored: built again
    np.testing.assert_allclose(srcdiff.hessian(net.loss)(x),
                               second_differences(net.loss, x), rtol=1e-5, atol=1e-7)


class _Dense:
    def __init__(self, W):
        self.W = W

    def act(self, z):
        return np.tanh(z)

    def __call__(self, x):
        return self.act(self.W @ x)


_LAYERS = [_Dense(0.5 * np.eye(3) + 0.1), _Dense(0.3 * np.ones((3, 3)))]


def _through_global_layers(x):
    h = x
    for layer in _LAYERS:
        h = layer(h)
    return np.sum(h ** 2) + 0.5 * np.sum(x ** 2)


def test_hessian_through_the_methods_of_a_global_list_of_objects():
    """The gradient calls `_LAYERS[0].act(...)`; the hessian lowers it again, where the
    object of the global list is read by its constant index, guarded (it was "the
    method .act() of an object srcdiff sees only at run time")."""
    x = np.array([0.3, -0.5, 0.8])
    np.testing.assert_allclose(srcdiff.hessian(_through_global_layers)(x),
                               second_differences(_through_global_layers, x),
                               rtol=1e-5, atol=1e-7)
    old = _LAYERS[1]
    try:
        _LAYERS[1] = _Dense(-0.2 * np.eye(3))  # another object stored: built again
        np.testing.assert_allclose(srcdiff.hessian(_through_global_layers)(x),
                                   second_differences(_through_global_layers, x),
                                   rtol=1e-5, atol=1e-7)
    finally:
        _LAYERS[1] = old


def _ragged_energy(xs):
    return np.sum(xs[0] ** 2) * np.sum(xs[1] ** 3) + np.sum(np.sin(xs[1]))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_a_gradient_of_a_list_of_arrays_of_different_shapes(mode):
    """The gradient's code for the list's structure is differentiated again (its
    generic code took the list as one array: np.shape of it raised)."""
    xs = [np.array([0.3, -1.2]), np.array([0.5, 1.1, -0.7])]
    g = srcdiff.grad(_ragged_energy)
    J = srcdiff.jacobian(g, mode=mode)(xs)
    for j in range(2):  # column block j: d g(xs) / d xs[j], by central differences
        for k in range(xs[j].size):
            up = [x.copy() for x in xs]
            down = [x.copy() for x in xs]
            up[j][k] += 1e-6
            down[j][k] -= 1e-6
            for i in range(2):
                want = (g(up)[i] - g(down)[i]) / 2e-6
                np.testing.assert_allclose(J[i][j][:, k], want, rtol=1e-6, atol=1e-6)
