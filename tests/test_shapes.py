"""Abstract shapes (srcdiff/shapes.py): which dimensions have size 1 decides every
unbroadcast when code is written. The lattice is tested directly; the generated
gradients against central differences, one derivative object called with
arguments whose unit dimensions differ (each is its own specialisation)."""
import numpy as np
import pytest

import srcdiff
from srcdiff import shapes
from srcdiff.shapes import N


def numeric_grad(f, x, h=1e-6):
    """Central differences of scalar f at x (an array or a float)."""
    if np.ndim(x) == 0:
        return (f(x + h) - f(x - h)) / (2 * h)
    out = np.zeros(np.shape(x))
    for i in np.ndindex(out.shape):
        e = np.zeros(np.shape(x))
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


@pytest.mark.parametrize("args, want", [
    ([(N, N), (N,)], (N, N)),
    ([(N, 1), (1, N)], (N, N)),
    ([(1,), ()], (1,)),
    ([(N, None), (1, 1)], (N, None)),
    ([(None,), (N,)], (N,)),
    ([(None,), (1,)], (None,)),
    ([(N,), None], None),
])
def test_broadcast(args, want):
    assert shapes.broadcast(*args) == want


@pytest.mark.parametrize("target, result, want", [
    ((N,), (N, N), ((0,), ())),
    ((N, 1), (N, N), ((), (1,))),
    ((), (N, N), ((0, 1), ())),
    ((N, N), (N, N), ((), ())),
    ((1,), (None,), None),  # a slice may have one entry: the sizes decide
    ((None,), (N,), None),
    ((1, N), (1, N), ((), ())),
])
def test_unbroadcast(target, result, want):
    assert shapes.unbroadcast(target, result) == want


def test_join_keeps_what_two_trips_agree_on():
    assert shapes.join((N, 1), (N, N)) == (N, None)
    assert shapes.join((N,), (N, N)) is None


def test_keys_tell_unit_dimensions_and_dtypes_apart():
    a, b, c = np.ones(3), np.ones(1), np.ones(3, dtype=np.float32)
    assert len({shapes.key(a), shapes.key(b), shapes.key(c)}) == 3
    assert shapes.key(np.ones((1, 5))) != shapes.key(np.ones((5, 1)))
    assert shapes.key(np.ones((4, 5))) == shapes.key(np.ones((7, 2)))
    assert shapes.of_value(shapes.stand_in(np.ones((1, 5)))) == (1, N)


def scaled_rows(x, w):
    return np.sum(np.tanh(x * w + w) ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_one_derivative_follows_each_arguments_unit_dimensions(mode):
    rng = np.random.default_rng(0)
    g = srcdiff.grad(scaled_rows, wrt=(0, 1), mode=mode)
    x = rng.normal(size=(4, 3))
    for w in (rng.normal(size=3), rng.normal(size=(4, 1)), rng.normal(size=(1, 3)),
              rng.normal(size=1), rng.normal(size=(4, 3)), 0.7, rng.normal(size=(2, 1, 1))):
        dx, dw = g(x, w)
        wx = numeric_grad(lambda v, w=w: scaled_rows(v, w), x)
        ww = numeric_grad(lambda v: scaled_rows(x, v), w)
        np.testing.assert_allclose(dx, wx, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(dw, ww, rtol=1e-6, atol=1e-8)
        assert np.shape(dw) == np.shape(w) and np.shape(dx) == x.shape


def rnn(W, b, xs, h):
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W + h + b)
    return np.sum(h * h)


def test_a_loop_carried_shape_is_kept_and_no_runtime_unbroadcast_is_left():
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    xs, h0 = rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4))
    g = srcdiff.grad(rnn, wrt=(0, 1, 3))
    for h in (h0, h0[:1]):
        got = g(W, b, xs, h)
        want = (numeric_grad(lambda v, h=h: rnn(v, b, xs, h), W),
                numeric_grad(lambda v, h=h: rnn(W, v, xs, h), b),
                numeric_grad(lambda v: rnn(W, b, xs, v), h))
        for a, b_ in zip(got, want):
            np.testing.assert_allclose(a, b_, rtol=1e-6, atol=1e-8)
        # a batch of one grows to xs's batch on the first trip: decided at run time
        assert ("_unbroadcast" in g.source) == (h.shape[0] == 1)


def sliced(x, y):
    return np.sum(x[1:] * y)


def test_a_slice_of_unknown_size_keeps_the_runtime_decision():
    g = srcdiff.grad(sliced, wrt=(0, 1))
    x = np.arange(1.0, 4.0)
    for y in (np.ones(2), np.ones(1) * 2.0):  # x[1:] is (2,): y (1,) broadcasts
        dx, dy = g(x, y)
        np.testing.assert_allclose(dx, numeric_grad(lambda v, y=y: sliced(v, y), x), rtol=1e-7)
        np.testing.assert_allclose(dy, numeric_grad(lambda v: sliced(x, v), y), rtol=1e-7)
    x2 = np.arange(1.0, 3.0)  # x[1:] is (1,) now, y (2,): x's slice is the one stretched
    dx, dy = g(x2, np.ones(2))
    np.testing.assert_allclose(dx, numeric_grad(lambda v: sliced(v, np.ones(2)), x2), rtol=1e-7)


def rnn_squared_after(W, b, xs, h):
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W + h + b)
    hh = h * h
    return np.sum(hh)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_carried_value_that_grows_is_never_read_for_the_shape_of_another(mode):
    """Present before this round (silently wrong shape and numbers): `h` grows from
    (1, 4) to (2, 4) on the first trip, and `hh = h * h` after the loop was taken
    for a value of `h`'s shape inside it, so the gradient was never summed back."""
    rng = np.random.default_rng(2)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    xs, h = rng.normal(size=(5, 2, 3)), rng.normal(size=(1, 4))
    got = srcdiff.grad(rnn_squared_after, wrt=3, mode=mode)(W, b, xs, h)
    want = numeric_grad(lambda v: rnn_squared_after(W, b, xs, v), h)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def _shape_keepers(v):
    w = v
    for _ in range(3):  # carried through rules whose result has their argument's shape
        w = np.fft.fftshift(np.roll(w, 1)) * 0.9 + np.flip(w) * np.full_like(w, 0.1)
    return np.sum(w ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_rules_that_keep_their_arguments_shape(mode):
    from tests.helpers_numpy import assert_close, fd_vjp
    v = np.array([0.3, -1.2, 0.8, 2.0, -0.5])
    g = srcdiff.grad(_shape_keepers, mode=mode)
    assert_close(g(v), fd_vjp(_shape_keepers, [v], 0, 1.0), what="shape keepers")
    assert "_shape_stub" not in g.source and "_unbroadcast" not in g.source


def _masked_root(x, y):
    keep = (x > 0) & ~(y < -1.0)  # masks kept as written: elementwise in x and y
    return np.sum(np.where(keep, np.sqrt(np.abs(x)) * y, 0.0))


def _clipped_root(x):
    return np.sum(np.sqrt(np.clip(x, 0.1, None)) + np.clip(x, None, 1.0) ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_masks_and_none_arguments_keep_the_shape_class(mode):
    """A comparison or a logical operator of arrays is a mask of their broadcast shape,
    and an argument passed as None is no operand: np.where and np.clip of them are
    then of x's shape class, and the derivative has no runtime shape helper and
    computes nothing for its shape (it once recomputed the np.where for np.shape)."""
    from tests.helpers_numpy import assert_close, fd_vjp
    x = np.array([0.3, -1.2, 0.8, 2.0, -0.5])
    y = np.array([1.5, 0.2, -2.0, 0.7, -0.3])
    g = srcdiff.grad(_masked_root, (0, 1), mode=mode)
    got = g(x, y)
    for i in (0, 1):
        assert_close(got[i], fd_vjp(_masked_root, [x, y], i, 1.0), what=f"d/d arg {i}")
    c = srcdiff.grad(_clipped_root, mode=mode)
    assert_close(c(x), fd_vjp(_clipped_root, [x], 0, 1.0), what="clip")
    if mode == "reverse":
        for src in (g.source, c.source):
            for word in ("_unbroadcast", "np.shape", "broadcast_to", "_shape_stub"):
                assert word not in src, src
