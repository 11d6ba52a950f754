"""`for` over reversed(...), zip(...) and enumerate(...) nested in any way (issue 15
item 10), in both modes, against hand-derived gradients."""
import numpy as np
import pytest

import srcdiff


def horner_reversed(x, coeffs):
    r = 0.0
    for c in reversed(coeffs):
        r = r * x + c
    return r


def reversed_range(x, n):
    y = 1.0
    for i in reversed(range(n)):
        y = y * x + i
    return y


def enumerate_zip(a, xs, ys):
    loss = 0.0
    for i, (x, y) in enumerate(zip(xs, ys)):
        loss += (a * x - y) ** 2 / (1 + i)
    return loss


def enumerate_reversed(w):
    acc = 0.0
    for k, v in enumerate(reversed(w)):
        acc = acc + v * (k + 1)
    return acc


def zip_reversed(xs, ys):
    s = 0.0
    for x, y in zip(xs, reversed(ys)):
        s = s + x * y
    return s


def test_horner_over_reversed_coefficients(mode):
    # coeffs (c0, c1, c2) read backwards: r = (c2 x + c1) x + c0 = 3x^2 + 2x + 1
    assert srcdiff.grad(horner_reversed, mode=mode)(2.0, [1.0, 2.0, 3.0]) == pytest.approx(
        6 * 2.0 + 2)
    got = srcdiff.grad(horner_reversed, wrt=1, mode=mode)(2.0, [1.0, 2.0, 3.0])
    assert got == pytest.approx([1.0, 2.0, 4.0])  # d r / d (c0, c1, c2) = (1, x, x^2)


def test_reversed_range(mode):
    # y = (x + 1) x + 0 = x^2 + x for n = 2
    assert srcdiff.grad(reversed_range, mode=mode)(2.0, 2) == pytest.approx(2 * 2.0 + 1)


def test_enumerate_zip(mode):
    # d/da sum_i (a x_i - y_i)^2 / (1 + i) = sum_i 2 x_i (a x_i - y_i) / (1 + i)
    want = 2 * 1.0 * (2.0 - 0.0) / 1 + 2 * 2.0 * (4.0 - 1.0) / 2
    assert srcdiff.grad(enumerate_zip, mode=mode)(2.0, [1.0, 2.0], [0.0, 1.0]) == (
        pytest.approx(want))
    got = srcdiff.grad(enumerate_zip, wrt=1, mode=mode)(2.0, [1.0, 2.0], [0.0, 1.0])
    assert got == pytest.approx([2 * 2.0 * 2.0, 2 * 2.0 * 3.0 / 2])


def test_enumerate_reversed_array(mode):
    got = srcdiff.grad(enumerate_reversed, mode=mode)(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(got, [3.0, 2.0, 1.0])


def test_zip_with_reversed(mode):
    xs, ys = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    gx, gy = srcdiff.grad(zip_reversed, wrt=(0, 1), mode=mode)(xs, ys)
    np.testing.assert_allclose(gx, ys[::-1])
    np.testing.assert_allclose(gy, xs[::-1])


def _batches(X, y, size):
    for start in range(0, len(X), size):
        yield X[start:start + size], y[start:start + size]


def _minibatch_loss(w, X, y):
    total = 0.0
    for xb, yb in _batches(X, y, 2):  # a generator of the user's: its items, in order
        total += np.sum((xb @ w - yb) ** 2)
    return total


def _generator_of_the_parameter(w, X, y):
    total = 0.0
    for wb, yb in _batches(w, y, 1):
        total += np.sum(wb * yb)
    return total


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_loop_over_a_generator_of_the_user(mode):
    X = np.arange(12.0).reshape(4, 3) / 10
    y = np.array([1.0, 0.0, -1.0, 2.0])
    w = np.array([0.1, -0.2, 0.3])
    got = srcdiff.grad(_minibatch_loss, mode=mode)(w, X, y)
    np.testing.assert_allclose(got, 2 * X.T @ (X @ w - y), rtol=1e-12)  # hand
    with pytest.raises(srcdiff.SrcDiffError, match="yield"):  # differentiated through it
        srcdiff.grad(_generator_of_the_parameter, mode=mode)(w, X, y[:3])


def _forces(k, x):
    forces = [np.zeros(2), np.zeros(2)]
    for i in range(2):
        forces[i] = forces[i] + k * x  # an item of a Python list of arrays, set in a loop
    return forces[0] @ forces[1]


def _pair(k, w):
    pair = [w, w]
    pair[0] = pair[0] * k
    return np.sum(pair[0] * pair[1])


def _ragged(k, w):
    L = [np.zeros(2), np.zeros(3)]
    for i in range(2):
        L[i] = L[i] + k * w[:i + 2] ** 2  # items of different shapes
    return np.sum(L[0]) * np.sum(L[1])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn, x", [(_forces, np.array([1.0, 2.0])),
                                   (_pair, np.array([1.0, 2.0])),
                                   (_ragged, np.array([1.0, 2.0, 3.0]))])
def test_setting_items_of_a_list_of_arrays(fn, x, mode):
    h = 1e-6
    want = np.array([(fn(1.5, x + h * e) - fn(1.5, x - h * e)) / (2 * h) for e in np.eye(x.size)])
    np.testing.assert_allclose(srcdiff.grad(fn, wrt=1, mode=mode)(1.5, x), want, rtol=1e-6)


def discounted(r, flows, base):
    total = 0.0
    for t, cf in enumerate(flows, start=1):
        total += cf / (1 + r) ** t
    for t, cf in enumerate(flows, base):  # (the start given positionally, and a variable)
        total += cf * r ** t
    return total


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_enumerate_with_start(mode):
    """enumerate(seq, start=1) (a raw TypeError from len(enumerate) before, found by the
    corpus4 programs): against central differences."""
    args = (0.1, (30.0, 40.0, 50.0), 2)
    got = srcdiff.grad(discounted, wrt=(0, 1), mode=mode)(*args)
    h = 1e-6
    want_r = (discounted(0.1 + h, *args[1:]) - discounted(0.1 - h, *args[1:])) / (2 * h)
    assert np.isclose(got[0], want_r, rtol=1e-7)
    for k in range(3):
        up = list(args[1])
        up[k] += h
        dn = list(args[1])
        dn[k] -= h
        fd = (discounted(0.1, tuple(up), 2) - discounted(0.1, tuple(dn), 2)) / (2 * h)
        assert np.isclose(got[1][k], fd, rtol=1e-7)


def _orthonormal_volume(V):
    Q = []
    vol = 1.0
    for i in range(V.shape[1]):
        v = V[:, i].copy()
        for q in Q:  # empty on the first pass
            v = v - (q @ v) * q
        nv = np.linalg.norm(v)
        vol *= nv
        Q.append(v / nv)
    return vol


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_loop_over_a_list_of_arrays_growing_from_empty(mode):
    """Gram-Schmidt: the adjoint of the list Q, made a buffer to add into before the
    inner loop, added `_zero_items(Q)` to it, which for the empty Q has no item shape
    (a ValueError from broadcasting (0, 8) with (0,), found by the corpus5 programs)."""
    V = np.random.default_rng(3).normal(size=(8, 4))
    h = 1e-6
    want = np.zeros_like(V)
    for k in range(V.size):
        e = np.zeros(V.size)
        e[k] = h
        e = e.reshape(V.shape)
        want.flat[k] = (_orthonormal_volume(V + e) - _orthonormal_volume(V - e)) / (2 * h)
    got = srcdiff.grad(_orthonormal_volume, mode=mode)(V)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def pair_energy(x):
    import itertools
    tot = 0.0
    for a, b in itertools.combinations(range(len(x)), 2):
        tot += (x[a] - x[b]) ** 2 / (1 + a + b)
    return tot


def grid_sum(A):
    tot = 0.0
    for i, j in np.ndindex(*A.shape):
        tot += A[i, j] ** 3 * (i - j)
    return tot


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_loops_over_one_pass_iterators_of_libraries(mode):
    """itertools.combinations and np.ndindex give iterators with no len(): the loop
    runs over list(...) of them."""
    x = np.array([0.3, -1.1, 2.0, 0.7])
    want = np.zeros(4)
    for a in range(4):
        for b in range(a + 1, 4):
            d = 2 * (x[a] - x[b]) / (1 + a + b)
            want[a] += d
            want[b] -= d
    np.testing.assert_allclose(srcdiff.grad(pair_energy, mode=mode)(x), want, rtol=1e-12)
    A = np.arange(6.0).reshape(2, 3) / 5 - 0.4
    i, j = np.indices(A.shape)
    np.testing.assert_allclose(srcdiff.grad(grid_sum, mode=mode)(A), 3 * A ** 2 * (i - j),
                               rtol=1e-12)
