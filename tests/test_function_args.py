"""A function passed as an argument of `f` (issue 17.4): `integrate(rhs, y0, dt, n)`
called with `rhs=decay`, `np.sin`, a lambda, a bound method or a derivative srcdiff
made. The derivative is built for the function passed (inlined, or its rule), and
rebuilt for another. Checked against hand formulas and central differences, in
both modes and through every entry point."""
import math

import numpy as np
import pytest

import srcdiff
from srcdiff import SrcDiffError
from source_text import code

MODES = ("reverse", "forward")


def integrate(rhs, y0, dt, n):
    y = y0
    for _ in range(n):
        y = y + dt * rhs(y)
    return y


def decay(y):
    return -0.5 * y


def _rk4_step(rhs, y, dt):
    k1 = rhs(y)
    k2 = rhs(y + 0.5 * dt * k1)
    k3 = rhs(y + 0.5 * dt * k2)
    k4 = rhs(y + dt * k3)
    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def rk4(rhs, y0, dt, n):
    """The function is passed on to a helper, which calls it four times."""
    y = y0
    for _ in range(n):
        y = _rk4_step(rhs, y, dt)
    return y


def trapezoid(fn, a, b, n=8):
    h = (b - a) / n
    s = 0.5 * (fn(a) + fn(b))
    for i in range(1, n):
        s += fn(a + i * h)
    return s * h


def pendulum(state):
    theta, omega = state
    return omega, -9.81 * math.sin(theta)


def energy_after(rhs, theta0, omega0, dt, n):
    """A right-hand side returning a tuple, passed in."""
    theta, omega = theta0, omega0
    for _ in range(n):
        dtheta, domega = rhs((theta, omega))
        theta, omega = theta + dt * dtheta, omega + dt * domega
    return 0.5 * omega ** 2 + 9.81 * (1 - math.cos(theta))


class Spring:
    def __init__(self, k):
        self.k = k

    def force(self, y):
        return -self.k * y


def fd(f, args, i, h=1e-6):
    a, b = list(args), list(args)
    a[i] = args[i] + h
    b[i] = args[i] - h
    return (f(*a) - f(*b)) / (2 * h)


@pytest.mark.parametrize("mode", MODES)
def test_a_python_function_passed_in_is_inlined(mode):
    g = srcdiff.grad(integrate, wrt="y0", mode=mode)
    assert g(decay, 1.0, 0.1, 10) == pytest.approx(0.95 ** 10, rel=1e-12)  # hand
    assert "rhs(" not in code(g.source)  # inlined: -0.5 * y, no call


@pytest.mark.parametrize("mode", MODES)
def test_each_function_passed_gets_its_own_derivative(mode):
    g = srcdiff.grad(integrate, wrt="y0", mode=mode)
    for rhs in (decay, np.sin, math.cos, lambda y: y * y - 1.0, decay, np.sin):
        want = fd(lambda y0, rhs=rhs: integrate(rhs, y0, 0.1, 10), (0.7,), 0)
        assert g(rhs, 0.7, 0.1, 10) == pytest.approx(want, rel=1e-7), rhs
        assert type(g(rhs, 0.7, 0.1, 10)) is float


@pytest.mark.parametrize("mode", MODES)
def test_a_function_passed_on_to_a_helper(mode):
    g = srcdiff.grad(rk4, wrt="y0", mode=mode)
    step = 1 - 0.05 + 0.05 ** 2 / 2 - 0.05 ** 3 / 6 + 0.05 ** 4 / 24  # RK4 on y' = -y/2
    assert g(decay, 2.0, 0.1, 10) == pytest.approx(step ** 10, rel=1e-12)
    want = fd(lambda y0: rk4(np.tanh, y0, 0.1, 5), (0.3,), 0)
    assert g(np.tanh, 0.3, 0.1, 5) == pytest.approx(want, rel=1e-7)


@pytest.mark.parametrize("mode", MODES)
def test_the_integrand_of_a_quadrature(mode):
    g = srcdiff.grad(trapezoid, wrt=(1, 2), mode=mode)
    da, db = g(math.exp, 0.2, 1.1)
    assert da == pytest.approx(fd(lambda a: trapezoid(math.exp, a, 1.1), (0.2,), 0), rel=1e-7)
    assert db == pytest.approx(fd(lambda b: trapezoid(math.exp, 0.2, b), (1.1,), 0), rel=1e-7)


@pytest.mark.parametrize("mode", MODES)
def test_a_right_hand_side_returning_a_tuple(mode):
    g = srcdiff.grad(energy_after, wrt=(1, 2), mode=mode)
    got = g(pendulum, 0.4, 0.1, 0.01, 20)
    for i, k in ((0, 1), (1, 2)):
        want = fd(lambda *a: energy_after(pendulum, *a), (0.4, 0.1, 0.01, 20), k - 1)
        assert got[i] == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_a_bound_method_passed_in(mode):
    spring = Spring(3.0)
    g = srcdiff.grad(integrate, wrt="y0", mode=mode)
    assert g(spring.force, 1.0, 0.1, 4) == pytest.approx(0.7 ** 4, rel=1e-12)  # hand
    spring.k = 1.0  # an attribute is read live
    assert g(spring.force, 1.0, 0.1, 4) == pytest.approx(0.9 ** 4, rel=1e-12)


def energy(x):
    return np.sum(x ** 4) / 4 - np.sum(x)


def descend(grad_fn, x0, lr, steps):
    x = x0
    for _ in range(steps):
        x = x - lr * grad_fn(x)
    return np.sum(x ** 2)


def test_a_derivative_srcdiff_made_passed_in():
    """Differentiating through gradient descent: the gradient passed in is inlined
    as its Python code and differentiated again."""
    x0 = np.array([0.3, -0.2, 1.4])
    got = srcdiff.grad(descend, wrt="x0")(srcdiff.grad(energy), x0, 0.1, 5)
    want = np.array([fd(lambda t, e=e: descend(lambda x: x ** 3 - 1.0, x0 + t * e, 0.1, 5),
                        (0.0,), 0) for e in np.eye(3)])
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_every_entry_point_takes_the_function():
    args = (np.sin, 0.8, 0.1, 6)
    want = fd(lambda y0: integrate(np.sin, y0, 0.1, 6), (0.8,), 0)
    value, d = srcdiff.value_and_grad(integrate, wrt=1)(*args)
    assert value == integrate(*args) and d == pytest.approx(want, rel=1e-7)
    out, pull = srcdiff.vjp(integrate, *args, wrt=1)
    assert pull(1.0)[0] == pytest.approx(want, rel=1e-7)
    x = np.array([0.8, -0.3])
    for mode in MODES:
        jac = srcdiff.jacobian(integrate, wrt=1, mode=mode)(np.sin, x, 0.1, 6)
        np.testing.assert_allclose(np.diag(jac), [want, fd(
            lambda y0: integrate(np.sin, y0, 0.1, 6), (-0.3,), 0)], rtol=1e-7)
    h = srcdiff.hessian(integrate, wrt=1)(*args)
    dd = fd(lambda y0: srcdiff.grad(integrate, wrt=1)(np.sin, y0, 0.1, 6), (0.8,), 0)
    assert h == pytest.approx(dd, rel=1e-6)
    assert srcdiff.hvp(integrate, wrt=1)(*args, 2.0) == pytest.approx(2 * dd, rel=1e-6)
    assert srcdiff.check(integrate, *args, wrt=1).ok


def test_before_a_call_the_source_says_it_is_built_per_function():
    g = srcdiff.grad(integrate, wrt="y0")
    assert "built at the first call, for the function passed" in g.source
    g(decay, 1.0, 0.1, 3)
    assert g.source.startswith("def integrate_grad(rhs, y0, dt, n):")


def test_a_function_with_respect_to_which_one_differentiates_is_refused():
    with pytest.raises(SrcDiffError, match="'rhs'"):
        srcdiff.grad(integrate, wrt="rhs")(decay, 1.0, 0.1, 3)


def rebinds(rhs, y):
    rhs = decay
    return rhs(y)


@pytest.mark.parametrize("mode", MODES)
def test_a_rebound_function_parameter_calls_what_it_was_rebound_to(mode):
    assert srcdiff.grad(rebinds, wrt="y", mode=mode)(np.sin, 1.0) == -0.5  # decay's, not cos


class Linear:
    def __init__(self, scale):
        self.scale = scale

    def predict(self, w, x):
        return self.scale * (x @ w)


def fit_loss(w, model, x, y):
    """An object of the user's class passed to f, its method called inside."""
    return np.sum((model.predict(w, x) - y) ** 2)


@pytest.mark.parametrize("mode", MODES)
def test_an_object_passed_in_has_its_methods_inlined(mode):
    rng = np.random.default_rng(5)
    w, x, y = rng.normal(size=2), rng.normal(size=(4, 2)), rng.normal(size=4)
    g = srcdiff.grad(fit_loss, wrt="w", mode=mode)
    for scale in (2.0, 0.5):
        m = Linear(scale)
        want = 2 * scale * x.T @ (scale * (x @ w) - y)  # hand
        np.testing.assert_allclose(g(w, m, x, y), want, rtol=1e-12)
        m.scale = 3.0  # an attribute is read live
        np.testing.assert_allclose(g(w, m, x, y), 2 * 3.0 * x.T @ (3.0 * (x @ w) - y),
                                   rtol=1e-12)


class Net:
    def __init__(self, act, W):
        self.act = act
        self.W = W

    def loss(self, x):
        return np.sum(self.act(self.W @ x))

    def transform(self, x):
        return np.sin(x)

    def total(self, x):
        return np.sum(self.transform(x))


def my_tanh(z):
    return np.tanh(z)


@pytest.mark.parametrize("mode", MODES)
def test_a_function_kept_on_the_object_is_called(mode):
    W = np.array([[1.0, 0.5], [0.0, 2.0]])
    x = np.array([0.3, -0.7])
    for act in (np.tanh, my_tanh):
        got = srcdiff.grad(Net(act, W).loss, mode=mode)(x)
        np.testing.assert_allclose(got, W.T @ (1 / np.cosh(W @ x) ** 2), rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_a_method_replaced_after_the_build_transforms_again(mode):
    """Not a stale derivative: the method is looked up as Python would."""
    net = Net(np.tanh, np.eye(2))
    x = np.array([0.3, -0.7])
    g = srcdiff.grad(net.total, mode=mode)
    np.testing.assert_allclose(g(x), np.cos(x), rtol=1e-12)
    net.transform = lambda x: x ** 2  # on the instance
    np.testing.assert_allclose(g(x), 2 * x, rtol=1e-12)
    del net.transform
    old = Net.transform
    try:
        Net.transform = lambda self, x: x ** 3  # on the class
        np.testing.assert_allclose(g(x), 3 * x ** 2, rtol=1e-12)
    finally:
        Net.transform = old
    np.testing.assert_allclose(g(x), np.cos(x), rtol=1e-12)


def test_source_built_for_a_function_checks_it_was_given_that_function():
    """`.source` built for `rhs=decay` inlines decay's code: copied and called with
    another function it would silently give decay's derivative, so it checks first."""
    g = srcdiff.grad(integrate, wrt=1)
    assert g(decay, 1.0, 0.1, 5) == pytest.approx(0.95 ** 5, rel=1e-12)
    text = g.source
    assert "if rhs is not decay:" in text
    namespace = dict(integrate.__globals__)
    exec(compile(text, "<source>", "exec"), namespace)
    written = namespace["integrate_grad"]
    assert written(decay, 1.0, 0.1, 5) == pytest.approx(0.95 ** 5, rel=1e-12)
    with pytest.raises(ValueError, match="written for rhs=decay"):
        written(lambda y: -2.0 * y, 1.0, 0.1, 5)
    g(np.sin, 1.0, 0.1, 3)
    assert "if rhs is not np.sin:" in g.source
