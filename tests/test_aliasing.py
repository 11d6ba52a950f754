"""aliasing.py on its own: which in-place updates it reports (and why), that the
views come from the rule table, and end to end that a reported update is a
located error while an unshared one gives the right gradient."""
import itertools
import operator

import numpy as np
import pytest

import srcdiff
from srcdiff import aliasing
from srcdiff.errors import UnsupportedSyntaxError
from srcdiff.lower import lower_function
from srcdiff.rules import table
from srcdiff.source import parse_function


class AllArrays:
    def kind(self, atom):
        return "array"


class AllScalars:
    def kind(self, atom):
        return "scalar"


def findings(f, kinds=None):
    node, filename = parse_function(f)
    fn, _ = lower_function(f, node, filename, itertools.count())
    return aliasing.analyze(fn, kinds or AllArrays())


def shared_by_name(x, v):
    y = x
    x += v
    return np.sum(x * y)


def view_of_parameter(x, v):
    t = x.T
    t += v
    return np.sum(t * x)


def reshaped(x, v):
    r = np.reshape(x, (-1,))
    r += v
    return np.sum(r)


def unshared(x, v):
    z = x * 2.0
    z += v
    z[0] = z[0] * 3.0
    return np.sum(z * x)


def test_an_update_of_a_value_another_name_holds_is_found():
    (f,) = findings(shared_by_name)
    assert not f.view and f.site.update.shared
    assert f.loc.lineno == shared_by_name.__code__.co_firstlineno + 2
    assert "another name or a list refers to" in str(f.error)


@pytest.mark.parametrize("fn", [view_of_parameter, reshaped])
def test_an_update_of_a_view_is_found(fn):
    (f,) = findings(fn)
    assert f.view and "is a view of another array" in str(f.error)


def test_unshared_updates_and_scalars_are_not_findings():
    assert findings(unshared) == []
    assert findings(shared_by_name, AllScalars()) == []


@pytest.mark.parametrize("key, want", [
    (operator.getitem, True), (np.reshape, True), (("method", "reshape"), True),
    (("attr", "T"), True), (np.asarray, True), (("attr", "real"), True),
    (("method", "view"), True), (("method", "flatten"), False), (np.sin, False),
    (np.copy, False), (operator.add, False), (("method", "nothing"), False), ([], False),
])
def test_views_are_a_fact_of_the_rule(key, want):
    assert aliasing.is_view(key) is want


def test_replacing_a_rule_keeps_its_view_fact():
    old = table.lookup(np.squeeze)
    try:
        table.add(np.squeeze, table.Rule("squeezed", ("a",),
                                         vjp={"a": "np.reshape(g, np.shape(a))"}))
        assert aliasing.is_view(np.squeeze)
    finally:
        table.add(np.squeeze, old)


@pytest.mark.parametrize("fn", [shared_by_name, view_of_parameter, reshaped])
def test_end_to_end_a_finding_is_a_located_error(fn):
    x, v = np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2))
    with pytest.raises(UnsupportedSyntaxError, match="in-place update") as info:
        srcdiff.grad(fn)(x, v)
    assert info.value.lineno == fn.__code__.co_firstlineno + 2


def test_end_to_end_an_unshared_update_is_differentiated():
    x, v = np.array([0.5, -1.5, 2.0]), np.array([1.0, 2.0, 3.0])
    got = srcdiff.grad(unshared)(x, v)
    # by hand: z = 2x + v, z0 tripled; d/dx sum(z * x) = 2x + z (with the factor 3 on item 0)
    z = 2 * x + v
    z[0] *= 3
    want = z + x * np.array([6.0, 2.0, 2.0])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_scalars_may_be_updated_even_when_shared():
    got = srcdiff.grad(shared_by_name)(1.5, 0.5)
    assert got == pytest.approx(2 * 1.5 + 0.5)  # d/dx (x + v) * x


def float_items_written_then_updated(x):
    xs = [x, 2 * x, 3.0]
    xs[1] = xs[0] * xs[1]
    xs[2] += xs[1]  # a float item: += makes a new float, nothing else sees it change
    return xs[2] ** 2


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_item_written_into_a_list_of_floats_keeps_its_kind(mode):
    got = srcdiff.grad(float_items_written_then_updated, mode=mode)(0.9)
    # by hand: xs[2] = 3 + 2x^2, d/dx (3 + 2x^2)^2 = 8x (3 + 2x^2)
    assert got == pytest.approx(8 * 0.9 * (3 + 2 * 0.81), rel=1e-12)


def written_in_a_branch(x):
    u = np.sin(x)
    if x[0] > 0:
        u[0] = 0.0  # the if's output is u as changed: reading it after is no stale alias
    u[-1] = u[-2]
    return np.sum(u * x)


def aliased_by_a_branch_then_written(x, flag=True):
    z = np.sin(x)
    y = z if flag else x
    z[0] = 0.0  # y is z: it sees the change
    return np.sum(y * x)


@pytest.mark.parametrize("x0", [1.0, -1.0])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_write_in_a_branch_is_differentiated(x0, mode):
    x = np.array([x0, 0.5, -0.3, 2.0])
    u = np.sin(x)
    d = np.cos(x)
    if x0 > 0:
        u[0], d[0] = 0.0, 0.0
    u[-1], d[-1] = u[-2], 0.0
    want = u + x * d  # by hand: d/dx sum(u * x), u[-1] copied from u[-2]
    want[-2] += x[-1] * np.cos(x[-2])
    got = srcdiff.grad(written_in_a_branch, mode=mode)(x)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_an_alias_made_by_a_branch_before_a_write_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="in-place update"):
        srcdiff.grad(aliased_by_a_branch_then_written)(np.ones(3))


def row_then_update(X):
    row = X[0]
    X -= 2.0 * X
    return np.sum(X) + np.sum(row * row)


def row_read_before_update(X):
    row = X[0]
    s = np.sum(row * row)
    X -= 2.0 * X
    return np.sum(X) + s


def test_an_update_of_an_array_whose_view_is_read_afterwards_is_refused():
    """Found by the long fuzz profile (silently wrong before: `row` sees the update,
    the IR's value did not): refused, in both modes; read only before, it is fine."""
    X = np.array([[0.5, 1.5], [2.0, -1.0]])
    for mode in ("reverse", "forward"):
        with pytest.raises(srcdiff.UnsupportedSyntaxError, match="another name"):
            srcdiff.grad(row_then_update, mode=mode)(X.copy())
        got = srcdiff.grad(row_read_before_update, mode=mode)(X.copy())
        want = -np.ones_like(X)
        want[0] += 2 * X[0]
        np.testing.assert_allclose(got, want, rtol=1e-12)


def updates_through_asanyarray(x):
    y = np.asanyarray(x)  # x itself, as np.asarray would give
    y += 1.0
    return np.sum(y * x)


def test_asanyarray_and_ascontiguousarray_may_return_their_argument():
    """Silently wrong before (the view facts missed them): `y += 1` changes x too."""
    for mode in ("reverse", "forward"):
        with pytest.raises(UnsupportedSyntaxError, match="view"):
            srcdiff.grad(updates_through_asanyarray, mode=mode)(np.array([1.0, 2.0]))


# ----- views made and read within one loop trip, before the update -----


def heat_steps(u0, alpha):
    u = u0 * 1.0
    for _ in range(5):
        u[1:-1] = u[1:-1] + alpha * (u[2:] - 2 * u[1:-1] + u[:-2])  # views read, then u set
    return np.sum(u ** 2)


def rows_kept_in_a_list(X):
    Y = X * 1.0
    rows = []
    for _ in range(3):
        rows.append(Y[0])  # <- a view of Y kept past the trip
        Y[0] = Y[0] * 2.0
    return np.sum(rows[0]) + np.sum(Y)


def view_carried_to_the_next_trip(X):
    Y = X * 1.0
    prev = Y[1]
    s = 0.0
    for _ in range(3):
        Y[1] = Y[1] + 1.0  # <- changes what prev (taken last trip) shows
        s = s + np.sum(prev * X[0])
        prev = Y[1]
    return s


def test_views_read_before_the_update_in_each_trip_are_differentiated():
    """A stencil update (`u[1:-1] = u[1:-1] + ... u[2:] ...`): its views are made and
    read in the same trip before the update, so the IR's values are Python's."""
    u0, alpha = np.array([0.0, 1.0, 3.0, 2.0, 0.5, 0.0]), 0.2
    h = 1e-6
    for mode in ("reverse", "forward"):
        got = srcdiff.grad(heat_steps, mode=mode)(u0, alpha)
        want = np.array([(heat_steps(u0 + h * e, alpha) - heat_steps(u0 - h * e, alpha))
                         / (2 * h) for e in np.eye(len(u0))])
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


def view_taken_before_the_loop(X):
    Y = X * 1.0
    prev = Y[1]  # <- shows every trip's update of Y
    s = 0.0
    for _ in range(3):
        Y[1] = Y[1] + 1.0
        s = s + np.sum(prev * X[0])
    return s


def view_kept_in_a_list_then_updated(X):
    Y = X * 1.0
    rows = [Y[0]]
    Y[0] = Y[0] * 3.0
    return np.sum(rows[0])


@pytest.mark.parametrize("fn", [rows_kept_in_a_list, view_carried_to_the_next_trip,
                                view_taken_before_the_loop, view_kept_in_a_list_then_updated])
def test_views_that_outlive_their_trip_are_refused(fn):
    X = np.array([[0.5, 1.5], [2.0, -1.0]])
    for mode in ("reverse", "forward"):
        with pytest.raises(UnsupportedSyntaxError, match="another name"):
            srcdiff.grad(fn, mode=mode)(X)


def moving_history(x, n):
    hist = [x]
    y = x
    for i in range(n):
        hist.append(y * 0.5)
        hist = hist[-2:]
        y = hist[0] * y + 0.1 * i
    return y


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_list_sliced_and_appended_in_a_loop_is_a_list_not_a_view(mode):
    """`hist = hist[-2:]` of a list is a new list, so `hist.append` after it changes no
    other value. The loop's kinds used to be dropped all at once when one carried value
    (y) changed kind in a trip, leaving hist of unknown kind (a possible view); now only
    the changing ones are. Against central differences."""
    h = 1e-6
    want = (moving_history(0.7 + h, 5) - moving_history(0.7 - h, 5)) / (2 * h)
    got = srcdiff.grad(moving_history, mode=mode)(0.7, 5)
    assert abs(got - want) < 1e-8


# ----- in-place updates of arrays reached through a container or a branch (found by
# the corpus3 programs: each was a silently wrong gradient) -----
def _loop_var_imul(w):
    L = [1.0 * w, 2.0 * w]
    for v in L:
        v *= 3.0  # changes L's items
    return np.sum(L[0] * L[1])


def _dict_item_iadd(w):
    z = 1.0 * w
    d = {"a": z, "b": z}
    d["b"] += w  # d["a"] is the same array
    return np.sum(d["a"] * d["b"])


def _list_item_imul(w):
    z = 1.0 * w
    L = [z]
    L[0] *= 2.0  # z changes too
    return np.sum(z * w)


def _shallow_copy(w):
    L = [1.0 * w]
    M = L.copy()
    M[0] += w  # L[0] is M[0]
    return np.sum(L[0] * w)


def _input_in_dict(w):
    state = {"x": w}
    state["x"] += 1.0  # f's own input changes
    return np.sum(w * state["x"])


def _branch_alias(w, flag=True):
    z = 1.0 * w
    y = z if flag else 2.0 * w
    y += w  # z changes when flag
    return np.sum(z * w)


def _particles(w):
    pos = [1.0 * w, 2.0 * w]
    vel = [0.5 * w, -0.5 * w]
    for p, v in zip(pos, vel):
        v -= 0.1 * p
        p += v
    return np.sum(pos[0] * pos[1])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn", [_loop_var_imul, _dict_item_iadd, _list_item_imul,
                                _shallow_copy, _input_in_dict, _branch_alias, _particles])
def test_an_in_place_update_of_an_array_another_holder_sees_is_refused(fn, mode):
    with pytest.raises(UnsupportedSyntaxError, match="in-place update") as info:
        srcdiff.grad(fn, mode=mode)(np.array([0.3, -0.7]))
    assert info.value.loc is not None and info.value.loc.lineno > 0


def _unique_dict_item(w):
    d = {"a": 2.0 * w, "b": 1.0 * w}
    d["b"] += w  # nothing else holds d["b"]: a new value is right
    return np.sum(d["a"] * d["b"])


def _row_of_an_array(w):
    X = np.outer(w, w)
    X[0] += w  # the row is written back into X
    return np.sum(X * X)


def _rebound_loop_var(w):
    L = [1.0 * w, 2.0 * w]
    out = 0.0
    for v in L:
        v = v * 3.0  # a new array, L unchanged
        out = out + np.sum(v * L[0])
    return out


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn", [_unique_dict_item, _row_of_an_array, _rebound_loop_var])
def test_updates_nothing_else_sees_stay_differentiated(fn, mode):
    w = np.array([0.3, -0.7])
    h = 1e-6
    want = np.array([(fn(w + h * e) - fn(w - h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(srcdiff.grad(fn, mode=mode)(w), want, rtol=1e-6, atol=1e-9)


# ----- writes NumPy makes by copying, and aliases that see a write -----
def reversed_in_place(v):
    y = v.copy()
    y[:] = y[::-1]  # the right side is a view of y: NumPy copies it first
    return np.sum(y * v ** 2)


def swapped(v):
    y = v.copy()
    y[0], y[1] = y[1], y[0]
    return np.sum(y * np.arange(len(v)))


def row_copied_then_scaled(M):
    A = M.copy()
    A[1] = A[0]  # values copied into row 1: scaling row 0 leaves them
    A[0] *= 2.0
    return np.sum(A * M)


def written_through_another_name(v):
    A = v.copy()
    B = A
    B[0] = 5.0  # A is the same array: it sees the write
    if v[1] > 0:
        B[1] = B[1] * v[2]
    return np.sum(A * v)


def appended_through_another_name(v):
    L = [v[0], v[1]]
    K = L
    K.append(v[2] ** 2)
    return sum(L)


@pytest.mark.parametrize("f", [reversed_in_place, swapped, written_through_another_name,
                               appended_through_another_name])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_writes_copied_or_seen_through_another_name(f, mode):
    from tests.helpers_numpy import assert_close, fd_vjp
    v = np.array([0.7, 1.3, -0.4, 2.0, 0.1])
    assert_close(srcdiff.grad(f, mode=mode)(v), fd_vjp(f, [v], 0, 1.0), what=f.__name__)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_row_copied_into_another_keeps_its_values(mode):
    M = np.arange(12.0).reshape(3, 4) / 7
    got = srcdiff.grad(row_copied_then_scaled, mode=mode)(M)
    # by hand: sum(A * M) = 2 M0.M0 + M0.M1 + M2.M2
    want = np.stack([4 * M[0] + M[1], M[0], 2 * M[2]])
    np.testing.assert_allclose(got, want, rtol=1e-12)
