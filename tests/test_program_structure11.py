# ruff: noqa: B007  (loop targets read after their loops, on purpose)
"""Program structure, round 11 (found by the realistic11 corpus): a lambda's
parameters are its own names (`functools.reduce(lambda h, layer: layer.W, ...)`
was refused as 'the undefined name layer'); a list display of namedtuples built
in the function keeps them record by record, so `layer.W` reads the field (the
list was packed as an array and `.W` refused as a function without a rule), and
where the fields are lost the refusal says so. Each against central
differences, in both modes."""
import functools
from typing import NamedTuple

import numpy as np
import pytest

import srcdiff
from helpers_numpy import central
from srcdiff.errors import NotDifferentiableError

MODES = ["reverse", "forward"]
RNG = np.random.default_rng(11)
W0 = RNG.standard_normal((3, 2))
X0 = RNG.standard_normal(3)


class Layer(NamedTuple):
    W: np.ndarray
    b: np.ndarray


def reduce_over_layers(W1, x):
    layers = [Layer(W1, np.zeros(2)), Layer(2.0 * W1.T, np.ones(3))]
    out = functools.reduce(lambda h, layer: np.tanh(h @ layer.W + layer.b), layers, x)
    return np.sum(out ** 2)


def loop_over_layers(W1, x):
    layers = [Layer(W1, np.zeros(2)), Layer(2.0 * W1.T, np.ones(3))]
    out = x
    for layer in layers:
        out = np.tanh(out @ layer.W + layer.b)
    return np.sum(out ** 2)


def indexed_layers(W1, x):
    layers = [Layer(W1, np.zeros(2)), Layer(2.0 * W1.T, np.ones(3))]
    h = np.sin(x @ layers[0].W)
    return np.sum(h @ layers[-1].W + layers[1].b)


def records_in_tuples(W1, x):
    pairs = [(Layer(W1[0], 1.0), 2.0), (Layer(W1[2], 0.5), 3.0)]
    return sum(c * np.sum(p.W * x[:2]) + p.b for p, c in pairs)


def lambda_param_shadows_a_global(W1, x):
    return functools.reduce(lambda acc, np: acc + np * np, [1.0, 2.0], 0.0) * W1.sum() + x[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", [reduce_over_layers, loop_over_layers, indexed_layers,
                                records_in_tuples, lambda_param_shadows_a_global])
def test_namedtuples_listed_in_the_function_against_central_differences(fn, mode):
    g = srcdiff.grad(fn, wrt=(0, 1), mode=mode)
    gW, gx = g(W0, X0)
    assert np.allclose(gW, central(lambda w: fn(w, X0), W0), rtol=1e-7, atol=1e-8)
    assert np.allclose(gx, central(lambda v: fn(W0, v), X0), rtol=1e-7, atol=1e-8)


def appended_layers(W1, x):
    layers = []
    layers.append(Layer(W1, np.zeros(2)))
    out = x
    for i in range(len(layers)):
        out = np.tanh(out @ layers[i].W + layers[i].b)
    return np.sum(out)


@pytest.mark.parametrize("mode", MODES)
def test_a_field_read_where_the_record_was_packed_says_so(mode):
    with pytest.raises(NotDifferentiableError) as e:
        srcdiff.grad(appended_layers, mode=mode)(W0, X0)
    text = str(e.value)
    assert "reading .W of a differentiated value (layers[i].W)" in text
    assert "namedtuple" in text and "register" not in text
    assert "test_program_structure11.py" in text


# ---------------------------------------------------------------- np.block (a truss element)


def element_matrix(k, c):
    K = np.block([[k, -k], [-k * c, k]])
    return np.sum(np.sin(K) * np.arange(16.0).reshape(4, 4))


def block_row_of_vectors(a, c):
    return np.sum(np.block([a, c * a, np.ones(2)]) ** 3)


def block_with_scalars(a, c):
    M = np.block([[a, np.zeros((2, 1))], [np.ones((1, 2)) * c, c ** 2]])
    return np.sum(M @ M)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn, a", [(element_matrix, W0[:2]), (block_row_of_vectors, X0),
                                   (block_with_scalars, W0[1:])])
def test_np_block_against_central_differences(fn, a, mode):
    ga, gc = srcdiff.grad(fn, wrt=(0, 1), mode=mode)(a, 0.7)
    assert np.allclose(ga, central(lambda v: fn(v, 0.7), a), rtol=1e-7, atol=1e-8)
    assert np.isclose(gc, central(lambda c: fn(a, c), 0.7), rtol=1e-7, atol=1e-8)


def test_np_block_second_derivative():
    k = W0[:2]
    H = srcdiff.hessian(element_matrix)(k, 0.7)
    g = srcdiff.grad(element_matrix)
    want = np.array([central(lambda v, i=i: g(v, 0.7).ravel()[i], k) for i in range(4)])
    assert np.allclose(H, want.reshape(2, 2, 2, 2), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- np.polynomial's series

P = np.polynomial
SERIES = [P.polynomial.polyval, P.chebyshev.chebval, P.legendre.legval, P.hermite.hermval,
          P.hermite_e.hermeval, P.laguerre.lagval]


def _series_loss(val):
    def loss(c, x):
        return np.sum(np.sin(val(x, c)))
    return loss


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("val", SERIES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shapes", [((4,), (5,)), ((3,), ()), ((4,), (2, 3)), ((3, 2), (4,)),
                                    ((1,), (3,))])
def test_polynomial_series_against_central_differences(val, shapes, mode):
    c = 0.5 * RNG.standard_normal(shapes[0])
    x = RNG.uniform(-1, 1, shapes[1]) if shapes[1] else 0.4
    loss = _series_loss(val)
    gc, gx = srcdiff.grad(loss, wrt=(0, 1), mode=mode)(c, x)
    assert np.shape(gc) == np.shape(c) and np.shape(gx) == np.shape(x)
    assert np.allclose(gc, central(lambda v: loss(v, x), c), rtol=1e-6, atol=1e-8)
    assert np.allclose(gx, central(lambda v: loss(c, v), x), rtol=1e-6, atol=1e-8)


def series_not_tensor(c, x):
    return np.sum(P.chebyshev.chebval(x, c, tensor=False))


def test_polynomial_series_tensor_false_is_refused_where_it_is_called():
    with pytest.raises(NotDifferentiableError) as e:
        srcdiff.grad(series_not_tensor)(np.ones(3), 0.3 * np.ones(2))
    assert "tensor=True (the default) only" in str(e.value)
    assert "test_program_structure11.py" in str(e.value)


# ---------------------------------------------------------------- a loop's target after the loop
# Python leaves a for's target bound to its last trip's value (the break's, where it
# broke); srcdiff used the value the name had before the loop (silently wrong) or
# refused the read ("reading 'i' before it is assigned").

XS = np.array([0.2, 0.9, 1.7, 2.5])


def index_bound_before(a, xs):
    i = 0
    for i in range(len(xs)):
        if xs[i] > 1.5:
            break
    return a * xs[i] + a ** 2


def item_bound_before(a, xs):
    x = 0.0
    for x in xs * a:
        pass
    return x * a


def found_or_else(a, xs):
    for i, x in enumerate(xs):
        if x > 1.5:
            break
    else:
        i = len(xs) - 1
    return a * xs[i] + a ** 2


def zipped_targets_after(a, xs):
    for w, x in zip(xs[::-1], xs * a):
        if w < 1.0:
            break
    return w * x


def enumerate_start_after(a, xs):
    for k, x in enumerate(xs, start=1):
        if x * a > 1.0:
            break
    return k * a + x


def inner_target_in_outer_body(a, xs):
    total = 0.0
    for row in range(2):
        for j in range(len(xs)):
            if xs[j] * a > row + 0.5:
                break
        total += xs[j] * a
    return total


def zero_trips_keeps_the_value_before(a, xs):
    x = a
    for x in xs[:0]:
        pass
    return x ** 2


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", [index_bound_before, item_bound_before, found_or_else,
                                zipped_targets_after, enumerate_start_after,
                                inner_target_in_outer_body, zero_trips_keeps_the_value_before])
def test_a_loop_target_read_after_the_loop_against_central_differences(fn, mode):
    for a in (0.7, 1.3):
        value, g = srcdiff.value_and_grad(fn)(a, XS) if mode == "reverse" else (
            fn(a, XS), srcdiff.grad(fn, mode=mode)(a, XS))
        assert np.isclose(value, fn(a, XS), rtol=1e-14)
        assert np.isclose(g, central(lambda v: fn(v, XS), a), rtol=1e-7, atol=1e-9)


def never_bound(a, xs):
    for x in xs:
        pass
    return a * x


@pytest.mark.parametrize("mode", MODES)
def test_a_target_of_a_loop_that_ran_no_trip_is_unbound_as_in_python(mode):
    g = srcdiff.grad(never_bound, mode=mode)
    assert np.isclose(g(0.7, XS), XS[-1], rtol=1e-14)
    with pytest.raises(UnboundLocalError):
        never_bound(0.7, XS[:0])
    with pytest.raises(UnboundLocalError):
        g(0.7, XS[:0])


# ---------------------------------------------------------------- comprehensions over a display
# of (name, function) pairs: its items are known when transforming, so it is unrolled
# (a dict comprehension was refused as 'over values known only at run time')


def losses_by_name(w, X, y):
    r = X @ w - y
    losses = {name: fn(r) for name, fn in (("mse", np.square), ("mae", np.abs),
                                           ("cosh", np.cosh))}
    return sum(losses.values()).mean() + losses["mse"].sum()


def _sq(r):
    return r * r


def weighted_terms(w, X, y):
    r = X @ w - y
    return sum([fn(r).sum() * c for fn, c in ((_sq, 1.0), (np.sin, 0.5))])


def constant_pairs(w, X, y):
    return sum(w[k] * c for k, c in ((0, 2.0), (1, 3.0))) + np.sum(X @ w * y)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", [losses_by_name, weighted_terms, constant_pairs])
def test_comprehensions_over_a_display_of_functions(fn, mode):
    X, y = RNG.standard_normal((5, 3)), RNG.standard_normal(5)
    w = RNG.standard_normal(3)
    g = srcdiff.grad(fn, mode=mode)(w, X, y)
    assert np.allclose(g, central(lambda v: fn(v, X, y), w), rtol=1e-7, atol=1e-8)


def comprehensions_reusing_a_name(w, X, y):
    residuals = [yi - xi @ w for xi, yi in zip(X, y)]
    big = [r for r in residuals if abs(r) > 0.1]
    small = [r for r in residuals if abs(r) <= 0.1]
    return sum(r * r for r in small) + sum(abs(r) for r in big)


@pytest.mark.parametrize("mode", MODES)
def test_a_comprehensions_target_is_not_carried_past_it(mode):
    """Its names are its own: a later comprehension binding `r` again does not read
    this one's (no `r = None` before the loop, no carried `r`)."""
    X, y = RNG.standard_normal((7, 3)), RNG.standard_normal(7)
    w = RNG.standard_normal(3)
    g = srcdiff.grad(comprehensions_reusing_a_name, mode=mode)
    assert np.allclose(g(w, X, y), central(lambda v: comprehensions_reusing_a_name(v, X, y), w),
                       rtol=1e-7, atol=1e-8)
    if mode == "reverse":
        assert "r = None" not in g.source and "r_1 = None" not in g.source


# ---------------------------------------------------------------- refusals that say what to do


def pairs_sorted_from_zip(xs, weights=(3.0, 1.0, 2.0)):
    pairs = sorted(zip(xs, weights), key=lambda t: t[1])
    return sum(a * b for a, b in pairs[:2])


def pairs_sorted_from_a_list(xs, weights=(3.0, 1.0, 2.0)):
    pairs = sorted([(a, b) for a, b in zip(xs, weights)], key=lambda t: t[1])
    return sum(a * b for a, b in pairs[:2])


def table_as_lists(x):
    R = [[0.0] * 2 for _ in range(2)]
    R[0][1] = x
    return R[0][1] * x


@pytest.mark.parametrize("mode", MODES)
def test_zip_used_as_a_value_says_to_build_the_list_and_that_works(mode):
    xs = np.array([0.5, 1.5, 2.5])
    with pytest.raises(NotDifferentiableError) as e:
        srcdiff.grad(pairs_sorted_from_zip, mode=mode)(xs)
    assert "zip(...) of a differentiated value is supported as what a for loop" in str(e.value)
    assert "register" not in str(e.value) and "test_program_structure11.py" in str(e.value)
    g = srcdiff.grad(pairs_sorted_from_a_list, mode=mode)(xs)
    assert np.allclose(g, central(pairs_sorted_from_a_list, xs), rtol=1e-8)


def test_an_item_of_an_item_assigned_points_to_an_array_table():
    from srcdiff.errors import UnsupportedSyntaxError
    with pytest.raises(UnsupportedSyntaxError) as e:
        srcdiff.grad(table_as_lists)(0.5)
    assert "write R[i, j] = v" in str(e.value) and e.value.lineno is not None


def unzipped(points):
    xs, ys = zip(*points)
    return sum(x * y for x, y in zip(xs, ys))


def test_a_spread_of_a_value_known_at_run_time_says_what_to_do():
    from srcdiff.errors import UnsupportedSyntaxError
    with pytest.raises(UnsupportedSyntaxError) as e:
        srcdiff.grad(unzipped)([(1.0, 2.0), (3.0, 4.0)])
    text = str(e.value)
    assert "a call spreading *args or **kwargs of a value known only at run time" in text
    assert "points[:, 0]" in text and e.value.lineno == unzipped.__code__.co_firstlineno + 1


# ---------------------------------------------------------------- .source: slices as written


def horner_reversed(coeffs, x):
    acc = 0.0
    for c in reversed(coeffs):
        acc = acc * x + c
    return acc


def springs(X, edges=((0, 1), (1, 2), (2, 0))):
    E = np.array(edges)
    return np.sum((np.linalg.norm(X[E[:, 0]] - X[E[:, 1]], axis=1) - 1.0) ** 2)


def test_constant_slices_in_the_source_are_printed_as_slices():
    coeffs = RNG.standard_normal(4)
    g = srcdiff.grad(horner_reversed, wrt=(0, 1))
    assert "d_coeffs[::-1] += " in g.source and "slice(" not in g.source
    gc, gx = g(coeffs, 0.6)
    assert np.allclose(gc, 0.6 ** np.arange(4), rtol=1e-14)
    X = RNG.standard_normal((3, 2))
    gs = srcdiff.grad(springs)
    assert "E[:, 1]" in gs.source and "slice(" not in gs.source
    assert np.allclose(gs(X), central(springs, X), rtol=1e-7, atol=1e-9)


def last_item_after_a_recurrence(a, xs):
    y = a
    for x in xs:
        y = np.sin(y) * x + a
    return y * x


@pytest.mark.parametrize("checkpoint", [None, 3, srcdiff.revolve(3)], ids=str)
def test_a_loop_target_after_the_loop_with_checkpoints_and_second_order(checkpoint):
    xs = np.linspace(0.5, 1.5, 12)
    g = srcdiff.grad(last_item_after_a_recurrence, checkpoint=checkpoint)
    assert np.isclose(g(0.7, xs), central(lambda a: last_item_after_a_recurrence(a, xs), 0.7),
                      rtol=1e-8)
    h = srcdiff.hessian(last_item_after_a_recurrence)(0.7, xs)
    assert np.isclose(h, central(lambda a: g(a, xs), 0.7), rtol=1e-6)
