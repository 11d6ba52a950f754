"""A bound method as the function to differentiate (issue 17.4): `grad(model.loss)`.
srcdiff transforms `def loss(w): return self.loss(w)` over the object, inlining the
method; attributes are read live, as closure constants are. References are hand
formulas."""
import numpy as np
import pytest

import srcdiff


class Ridge:
    def __init__(self, X, y, lam):
        self.X, self.y, self.lam = X, y, lam

    def loss(self, w, scale=1.0):
        r = self.X @ w - self.y
        return scale * (np.sum(r * r) + self.lam * np.sum(w * w))

    def energy(self, x, k):
        return 0.5 * k * x * x + self.lam * x


def hand(m, w, scale=1.0):
    return scale * (2 * m.X.T @ (m.X @ w - m.y) + 2 * m.lam * w)


@pytest.fixture
def model():
    rng = np.random.default_rng(0)
    return Ridge(rng.normal(size=(6, 3)), rng.normal(size=6), 0.1), rng.normal(size=3)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_grad_of_a_bound_method(model, mode):
    m, w = model
    g = srcdiff.grad(m.loss, mode=mode)
    np.testing.assert_allclose(g(w), hand(m, w), rtol=1e-12)
    np.testing.assert_allclose(g(w, 2.0), hand(m, w, 2.0), rtol=1e-12)  # a default passed
    m.lam = 0.7  # attributes are read at each call
    np.testing.assert_allclose(g(w), hand(m, w), rtol=1e-12)


def test_the_source_reads_the_objects_attributes_through_self(model):
    m, w = model
    g = srcdiff.grad(m.loss)
    g(w)
    assert g.source.startswith("def loss_grad(w, scale=")
    assert "self.X" in g.source and "self.lam" in g.source


def test_every_entry_point_takes_a_bound_method(model):
    m, w = model
    want = hand(m, w)
    out, pull = srcdiff.vjp(m.loss, w)
    np.testing.assert_allclose(pull(1.0)[0], want, rtol=1e-12)
    t = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(srcdiff.jvp(m.loss, (w, 1.0), (t, 0.0))[1], want @ t,
                               rtol=1e-12)
    np.testing.assert_allclose(srcdiff.hessian(m.loss)(w),
                               2 * m.X.T @ m.X + 2 * m.lam * np.eye(3), rtol=1e-12)
    dx, dk = srcdiff.grad(m.energy, wrt=(0, 1))(1.5, 2.0)
    assert (dx, dk) == pytest.approx((2.0 * 1.5 + m.lam, 0.5 * 1.5 ** 2), rel=1e-14)


def test_two_objects_get_their_own_derivatives(model):
    m, w = model
    other = Ridge(m.X * 2.0, m.y, 0.3)
    g1, g2 = srcdiff.grad(m.loss), srcdiff.grad(other.loss)
    np.testing.assert_allclose(g1(w), hand(m, w), rtol=1e-12)
    np.testing.assert_allclose(g2(w), hand(other, w), rtol=1e-12)


class Star:
    def f(self, *xs):
        return sum(xs)


def test_a_method_with_star_parameters_is_a_clear_error():
    with pytest.raises(srcdiff.SrcDiffError, match="plain positional"):
        srcdiff.grad(Star().f)(1.0)


# ----- a functools.partial, and an object with __call__, as the function -----


def ridge(w, X, y, lam=0.1):
    r = X @ w - y
    return r @ r + lam * w @ w


class Quadratic:
    def __init__(self, A):
        self.A = A

    def __call__(self, x):
        return 0.5 * x @ self.A @ x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_grad_of_a_partial(model, mode):
    import functools
    m, w = model
    by_keyword = srcdiff.grad(functools.partial(ridge, lam=0.2), mode=mode)
    np.testing.assert_allclose(by_keyword(w, m.X, m.y),
                               2 * m.X.T @ (m.X @ w - m.y) + 0.4 * w, rtol=1e-12)
    np.testing.assert_allclose(by_keyword(w, m.X, m.y, lam=0.5),  # the keyword overridden
                               2 * m.X.T @ (m.X @ w - m.y) + 1.0 * w, rtol=1e-12)
    by_position = srcdiff.grad(functools.partial(ridge, w), wrt="X", mode=mode)  # w bound
    np.testing.assert_allclose(by_position(m.X, m.y), 2 * np.outer(m.X @ w - m.y, w),
                               rtol=1e-12)
    assert "def ridge_grad(w, X, y, *, lam=0.2):" in by_keyword.source or mode == "forward"


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_grad_of_an_object_with_call(mode):
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    q = Quadratic(A)
    x = np.array([0.3, -0.2])
    g = srcdiff.grad(q, mode=mode)
    np.testing.assert_allclose(g(x), A @ x, rtol=1e-12)  # (A symmetric)
    q.A = 2 * A  # attributes read at each call
    np.testing.assert_allclose(g(x), 2 * A @ x, rtol=1e-12)


class _Ridge:
    def __init__(self, lam):
        self.lam = lam

    def loss(self, w, X, y):
        r = X @ w - y
        return np.mean(r * r) + self.lam * np.sum(w * w)


def test_an_attribute_of_the_object_has_the_kind_of_its_value_now():
    """`self.lam` a float: the code needs no shape helper, and nothing is computed
    for its shape; set to another float, the same code serves; the hand gradient."""
    m = _Ridge(0.1)
    rng = np.random.default_rng(4)
    w, X, y = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5)
    g = srcdiff.grad(m.loss)
    np.testing.assert_allclose(g(w, X, y), 2 * X.T @ (X @ w - y) / 5 + 0.2 * w, rtol=1e-12)
    from source_text import code
    assert "_unbroadcast" not in g.source and "np.mean(r * r)" not in code(g.source)
    m.lam = 0.5
    np.testing.assert_allclose(g(w, X, y), 2 * X.T @ (X @ w - y) / 5 + 1.0 * w, rtol=1e-12)
    m.lam = np.float64(0.5)  # another type: the kinds it was built for no longer hold
    np.testing.assert_allclose(g(w, X, y), 2 * X.T @ (X @ w - y) / 5 + 1.0 * w, rtol=1e-12)


# ----- objects of the user's classes built in the function (found by the corpus5 programs)
class Layer:
    def __init__(self, W, b, scale=1.0):
        self.W, self.b = W, b
        self.scale = scale * np.sum(W * W)

    def pre(self, x):
        return x @ self.W + self.b

    def __call__(self, x):
        return np.tanh(self.pre(x)) * self.scale


class Shift:
    def __init__(self, c):
        self.c = c

    def apply(self, x):
        return x + self.c


def two_layers(W1, b1, W2, X):
    first, second = Layer(W1, b1), Layer(W2, 0.0, scale=0.5)
    return np.sum(second(first(X)) ** 2)


def objects_of_constants_in_a_list(x):
    shifts = [Shift(1.0), Shift(-2.0)]  # used as a whole: the objects themselves
    return sum(np.sum(s.c * x ** 2) for s in shifts) + Shift(3.0).apply(x) @ x


def object_of_a_differentiated_value_in_a_list(x):
    shifts = [Shift(x), Shift(2 * x)]
    return np.sum(shifts[0].c)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_object_built_in_the_function_from_differentiated_values(mode):
    rng = np.random.default_rng(5)
    args = [rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)),
            rng.normal(size=(5, 3))]
    got = srcdiff.grad(two_layers, wrt=(0, 1, 2), mode=mode)(*args)
    h = 1e-6
    for i in range(3):
        want = np.zeros_like(args[i])
        for k in range(args[i].size):
            up, dn = [a.copy() for a in args], [a.copy() for a in args]
            up[i].flat[k] += h
            dn[i].flat[k] -= h
            want.flat[k] = (two_layers(*up) - two_layers(*dn)) / (2 * h)
        np.testing.assert_allclose(got[i], want, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_objects_built_of_constants_stay_objects_used_as_a_whole(mode):
    x = np.array([0.5, -1.0, 2.0])
    got = srcdiff.grad(objects_of_constants_in_a_list, mode=mode)(x)
    np.testing.assert_allclose(got, 2 * (1.0 - 2.0) * x + 2 * x + 3.0, rtol=1e-12)  # hand
    # a list display of objects built of differentiated values: kept object by object
    got = srcdiff.grad(object_of_a_differentiated_value_in_a_list, mode=mode)(x)
    np.testing.assert_allclose(got, np.ones(3), rtol=1e-12)  # d/dx sum(x)


class Scaled:
    FACTOR = 3.0

    def __init__(self, k):
        self.k = k

    @staticmethod
    def square(x):
        return x * x

    @property
    def k2(self):
        return self.k ** 2

    def value(self, x):
        return self.FACTOR * self.square(self.k * x)


def scaled_value(k, x):
    return Scaled(k).value(x)


def scaled_property(k):
    return Scaled(k).k2


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_class_constant_and_a_static_method_of_an_object_built_inside(mode):
    gk, gx = srcdiff.grad(scaled_value, wrt=(0, 1), mode=mode)(1.5, 2.0)
    assert (gk, gx) == pytest.approx((3.0 * 2 * 1.5 * 2.0 ** 2, 3.0 * 2 * 1.5 ** 2 * 2.0))
    # a property: its getter inlined on the object (d/dk k ** 2 = 2 k, by hand)
    assert srcdiff.grad(scaled_property, mode=mode)(1.5) == pytest.approx(3.0, rel=1e-14)


class Counter:
    def __init__(self, k):
        self.k = k

    def bump(self):  # changes the object: inlined, the caller's c is the changed one
        self.k = self.k * 2
        return self.k


def bumped_then_read(x):
    c = Counter(2.0)
    c.bump()
    return c.k * x


def setattr_then_read(x):
    c = Counter(2.0)
    setattr(c, "k", 5.0)  # noqa: B010  (as a user may write it)
    return c.k * x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_object_read_after_code_kept_as_written_had_it_is_refused(mode):
    """Its attributes kept one by one would be stale after code that may change the object
    (the derivative was 2.0; the function's is 5.0)."""
    with pytest.raises(srcdiff.SrcDiffError, match="used after it was passed as a whole"):
        srcdiff.grad(setattr_then_read, mode=mode)(1.5)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_object_read_after_a_method_that_changes_it(mode):
    """The method inlined sets the attribute on the caller's object: d/dx (2 * 2) x = 4."""
    assert srcdiff.grad(bumped_then_read, mode=mode)(1.5) == 4.0


class _WithStatic:
    """A model whose method calls its class's static methods through `self`."""
    scale = 1.5

    @staticmethod
    def act(z):
        return np.tanh(z)

    squash = staticmethod(np.sin)

    def loss(self, w):
        return np.sum(self.act(w)) * self.scale ** 2 + np.sum(self.squash(w) ** 2)


def test_static_methods_called_through_self_both_modes():
    model = _WithStatic()
    w = np.array([0.3, -1.2, 0.7])
    want = 2.25 * (1 - np.tanh(w) ** 2) + 2 * np.sin(w) * np.cos(w)
    np.testing.assert_allclose(srcdiff.grad(model.loss)(w), want, rtol=1e-12)
    t = np.array([1.0, -2.0, 0.5])
    _, tan = srcdiff.jvp(model.loss, (w,), (t,))
    np.testing.assert_allclose(tan, want @ t, rtol=1e-12)


def test_static_method_replaced_on_the_class_transforms_again():
    class Local(_WithStatic):
        pass
    model, w = Local(), np.array([0.4, 0.9])
    g = srcdiff.grad(model.loss)
    g(w)
    Local.act = staticmethod(np.sin)
    want = 2.25 * np.cos(w) + 2 * np.sin(w) * np.cos(w)
    np.testing.assert_allclose(g(w), want, rtol=1e-12)
