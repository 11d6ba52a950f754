"""Derivatives on arrays of other libraries (issue 22; srcdiff/foreign.py): Dask arrays
(parameters as NumPy arrays, data as Dask arrays chunked by rows, on a dask.distributed
LocalCluster) give lazy Dask gradients equal to the hand-derived ones; CuPy where CuPy
and a GPU are present; array-API-only arrays (array_api_strict) are refused clearly."""
import warnings

import numpy as np
import pytest

import srcdiff
from srcdiff.errors import NotDifferentiableError, SrcDiffError

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")


# ----- the three models (module-level: srcdiff reads their source) -----

def logistic(w, b, X, y):
    z = X @ w + b
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def least_squares(w, X, y):
    r = X @ w - y
    return 0.5 * np.mean(r ** 2)


def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    err = out - Y
    return np.sum(err * err) / X.shape[0]


def hand_logistic(w, b, X, y):
    p = 1 / (1 + np.exp(-(X @ w + b)))
    return X.T @ (p - y) / len(y), np.mean(p - y)


def hand_least_squares(w, X, y):
    return X.T @ (X @ w - y) / len(y)


def hand_mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    d_out = 2 * (h @ W2 + b2 - Y) / X.shape[0]
    dz = d_out @ W2.T * (1 - h * h)
    return X.T @ dz, dz.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)


N, D, H, K, CHUNK = 600, 5, 7, 2, 150  # rows, features, hidden units, outputs, rows a chunk


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    y = (rng.random(N) > 0.5).astype(float)
    Y = rng.standard_normal((N, K))
    return rng, X, y, Y


def rows(a):
    """`a` as a Dask array chunked by rows."""
    return da.from_array(a, chunks=(CHUNK,) + a.shape[1:])


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


class _NoCompute:
    """A Dask scheduler that fails: the derivative must only build a graph."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("the derivative computed a Dask array")


def _lazy_call(g, *args):
    with dask.config.set(scheduler=_NoCompute()), warnings.catch_warnings():
        warnings.simplefilter("error")  # Dask's warning for a NumPy function it lacks
        return g(*args)


def _check(got, want, params):
    assert len(got) == len(want)
    for d, p in zip(got, params):
        assert isinstance(d, da.Array), type(d)  # lazy: one compute serves them all
        assert d.shape == np.shape(p) and d.dtype == np.float64
    values = dask.compute(*got)
    for v, h in zip(values, want):
        np.testing.assert_allclose(v, h, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["grad", "value_and_grad"])
def test_logistic_regression_on_a_cluster(client, mode):
    rng, X, y, _ = _data()
    w, b = rng.standard_normal(D), 0.3
    want = hand_logistic(w, b, X, y)
    if mode == "grad":
        g = srcdiff.grad(logistic, wrt=("w", "b"))
        got = _lazy_call(g, w, b, rows(X), rows(y))
    else:
        g = srcdiff.value_and_grad(logistic, wrt=("w", "b"))
        value, got = _lazy_call(g, w, b, rows(X), rows(y))
        assert isinstance(value, da.Array) and value.shape == ()
        assert np.isclose(value.compute(), logistic(w, b, X, y))
    _check(got, want, (w, b))
    # the same derivative called with NumPy data runs NumPy code, as before
    np.testing.assert_allclose(srcdiff.grad(logistic, wrt=("w", "b"))(w, b, X, y)[0], want[0])


def test_least_squares_on_a_cluster(client):
    rng, X, _, _ = _data(1)
    w = rng.standard_normal(D)
    y = X @ rng.standard_normal(D) + 0.1 * rng.standard_normal(N)
    got = _lazy_call(srcdiff.grad(least_squares), w, rows(X), rows(y))
    _check((got,), (hand_least_squares(w, X, y),), (w,))


def test_mlp_over_a_batch_on_a_cluster(client):
    rng, X, _, Y = _data(2)
    params = (rng.standard_normal((D, H)), rng.standard_normal(H), rng.standard_normal((H, K)),
              rng.standard_normal(K))
    g = srcdiff.grad(mlp, wrt=(0, 1, 2, 3))
    got = _lazy_call(g, *params, rows(X), rows(Y))
    _check(got, hand_mlp(*params, X, Y), params)


def test_float32_parameters_keep_their_precision():
    rng, X, _, _ = _data(3)
    w = rng.standard_normal(D).astype(np.float32)
    y = rng.standard_normal(N)
    got = _lazy_call(srcdiff.grad(least_squares), w, rows(X), rows(y))
    assert isinstance(got, da.Array) and got.dtype == np.float32
    np.testing.assert_allclose(got.compute(), hand_least_squares(w.astype(float), X, y),
                               rtol=1e-6)


def test_gradient_with_respect_to_dask_data_is_dask():
    rng, X, _, _ = _data(4)
    w, y = rng.standard_normal(D), rng.standard_normal(N)
    d_X = _lazy_call(srcdiff.grad(least_squares, wrt="X"), w, rows(X), rows(y))
    assert isinstance(d_X, da.Array) and d_X.chunks == rows(X).chunks
    r = X @ w - y
    np.testing.assert_allclose(d_X.compute(), np.outer(r, w) / N, rtol=1e-12)


def test_vjp_and_jvp_with_dask_data():
    rng, X, _, _ = _data(5)
    w, t = rng.standard_normal(D), rng.standard_normal(D)

    def scores(w, X):
        return np.tanh(X @ w)

    out, pull = srcdiff.vjp(scores, w, rows(X))
    ct = rng.standard_normal(N)
    s = np.tanh(X @ w)
    (d_w, _d_X) = pull(rows(ct))
    np.testing.assert_allclose(dask.compute(d_w)[0], X.T @ (ct * (1 - s * s)), rtol=1e-12)
    out, t_out = srcdiff.jvp(scores, (w, rows(X)), (t, np.zeros((N, D))))
    assert isinstance(t_out, da.Array)
    np.testing.assert_allclose(t_out.compute(), (1 - s * s) * (X @ t), rtol=1e-12)


# ----- specialisation: a Dask array is an array of its own type, not an ndarray -----

def _body(source: str) -> str:
    """The generated function's own statements, without its nested helper defs."""
    import ast

    fn = ast.parse(source).body[0]
    return "\n".join(ast.unparse(s) for s in fn.body if not isinstance(s, ast.FunctionDef))


def test_dask_arguments_specialise_apart_from_numpy_ones():
    rng, X, y, _ = _data(6)
    w = rng.standard_normal(D)
    g = srcdiff.grad(least_squares)
    np_grad = g(w, X, y)
    numpy_source = g.source
    d = _lazy_call(g, w, rows(X), rows(y))
    dask_source = g.source
    assert isinstance(np_grad, np.ndarray) and isinstance(d, da.Array)
    assert len(g._cache) == 2  # one build per library: never the NumPy code for Dask
    for idiom in ("_like_any", "_spread", "_size"):  # NumPy code is unchanged
        assert idiom not in numpy_source
    for idiom in ("np.size(", "np.zeros(np.shape(", "np.broadcast_to("):
        assert idiom not in _body(dask_source), dask_source
    # a 1-D Dask y and a 2-D one (a column) are different kinds: built apart
    ycol = rows(y[:, None])

    def col_loss(w, X, y):
        return 0.5 * np.mean((X @ w[:, None] - y) ** 2)

    gc = srcdiff.grad(col_loss)
    np.testing.assert_allclose(_lazy_call(gc, w, rows(X), ycol).compute(),
                               hand_least_squares(w, X, y))
    np.testing.assert_allclose(gc(w, X, y[:, None]), hand_least_squares(w, X, y))
    assert len(gc._cache) == 2
    # size-1 dimensions are part of the key, as for NumPy arrays
    assert srcdiff.transform.kinds_key((rows(X),)) != srcdiff.transform.kinds_key(
        (rows(X[:1]),))


def intercept_first(w, X, y):
    r = w[0] + X @ w[1:] - y
    return 0.5 * np.mean(r ** 2)


def test_a_numpy_parameter_read_by_index_gets_a_lazy_gradient():
    """Its gradient is written by index (d_w[1:] = ...): the NumPy buffer becomes a
    Dask array first (_put), rather than computing the Dask value into it."""
    rng, X, _, _ = _data(12)
    w, y = rng.standard_normal(D + 1), rng.standard_normal(N)
    g = srcdiff.grad(intercept_first)
    got = _lazy_call(g, w, rows(X), rows(y))
    assert isinstance(got, da.Array) and "_put(" in g.source
    r = w[0] + X @ w[1:] - y
    np.testing.assert_allclose(got.compute(), np.concatenate([[r.mean()], X.T @ r / N]),
                               rtol=1e-12)


def test_dask_array_of_unknown_shape_is_refused():
    _, X, y, _ = _data(7)
    Xd = rows(X)
    masked = Xd[Xd[:, 0] > 0]  # rows unknown until computed
    with pytest.raises(SrcDiffError, match="unknown shape.*compute_chunk_sizes"):
        srcdiff.grad(least_squares)(np.ones(D), masked, masked[:, 0])
    # in a container too, named by its path (its cache key marks the size unknown)
    with pytest.raises(SrcDiffError, match=r"data\['X'\] is a dask.Array of unknown shape"):
        srcdiff.grad(container_loss)({"W": np.ones((D, 3)), "b": np.zeros(3), "v": np.ones(3)},
                                     {"X": masked, "y": masked[:, 0]})
    assert srcdiff.shapes.key(masked) == ("d", 2, (None, False))
    assert srcdiff.shapes.of_value(masked) == (None, srcdiff.shapes.N)


def test_cholesky_of_a_dask_array_is_refused_at_its_line():
    def f(s, A):
        return np.sum(np.linalg.cholesky(s * A))

    A = np.array([[4.0, 1.0], [1.0, 3.0]])
    with pytest.raises(NotDifferentiableError, match="upper factor") as e:
        srcdiff.grad(f)(1.5, da.from_array(A))
    assert "np.linalg.cholesky(s * A)" in str(e.value)
    assert srcdiff.grad(f)(1.5, A) == pytest.approx(
        np.sum(np.linalg.cholesky(A)) / (2 * np.sqrt(1.5)))


def test_sort_of_a_dask_array():
    """_sort_adjoint writes with np.put_along_axis, which Dask runs on a computed copy:
    its buffer stays NumPy (a buffer made like the Dask array lost the writes)."""
    def top2(x):
        return np.sum(np.sort(x)[-2:] ** 2)

    x = np.array([0.5, -2.0, 3.0, 1.5, 0.1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # np.sort: Dask computes it
        got = srcdiff.grad(top2)(da.from_array(x, chunks=2))
    np.testing.assert_allclose(dask.compute(got)[0], [0, 0, 6.0, 3.0, 0])


def test_forward_mode_grad_of_a_dask_parameter_is_refused():
    _, X, y, _ = _data(8)
    with pytest.raises(SrcDiffError, match="mode='reverse'"):
        srcdiff.grad(least_squares, wrt="X", mode="forward")(np.ones(D), rows(X), rows(y))
    got = srcdiff.grad(least_squares, mode="forward")(np.ones(D), rows(X), rows(y))
    np.testing.assert_allclose(dask.compute(got)[0], hand_least_squares(np.ones(D), X, y))


def test_what_dask_cannot_run_is_a_clear_error():
    def bag(E, tokens):  # E[tokens] scatter-adds with np.add.at, which Dask lacks
        return np.sum(E[tokens] ** 2)

    E = np.arange(6.0).reshape(3, 2)
    tokens = da.from_array(np.array([0, 2, 2]))
    with pytest.raises(SrcDiffError, match="(?s)specialised to dask arrays.*np.add.at") as e:
        srcdiff.grad(bag)(da.from_array(E), tokens)
    assert "generated line" in str(e.value)


def container_loss(params, data):
    h = np.tanh(data["X"] @ params["W"] + params["b"])
    return np.mean((h @ params["v"] - data["y"]) ** 2)


def test_containers_of_numpy_parameters_and_of_dask_data():
    rng, X, _, _ = _data(10)
    y = rng.standard_normal(N)
    params = {"W": rng.standard_normal((D, 3)), "b": np.zeros(3), "v": rng.standard_normal(3)}
    h = np.tanh(X @ params["W"] + params["b"])
    d = 2 * (h @ params["v"] - y) / N
    dz = np.outer(d, params["v"]) * (1 - h * h)
    want = {"W": X.T @ dz, "b": dz.sum(axis=0), "v": h.T @ d}
    got = _lazy_call(srcdiff.grad(container_loss), params, {"X": rows(X), "y": rows(y)})
    assert all(isinstance(v, da.Array) for v in got.values())
    got = dask.compute(got)[0]
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-15)
    # a differentiated container holding Dask arrays: its gradient holds Dask arrays
    d_data = srcdiff.grad(container_loss, wrt="data")(params, {"X": rows(X), "y": rows(y)})
    assert isinstance(d_data["X"], da.Array) and isinstance(d_data["y"], da.Array)
    np.testing.assert_allclose(d_data["y"].compute(), -d, rtol=1e-12)


# ----- a stand-in for CuPy: NumPy dispatches to it, it converts to nothing -----

class Strict(np.lib.mixins.NDArrayOperatorsMixin):
    """An array as CuPy's is to NumPy, on the CPU: NumPy's functions and ufuncs
    dispatch to it, and it refuses to be converted to a NumPy array or mixed with
    one (CuPy raises TypeError for both), so a derivative that made a NumPy array of
    its data's size, or converted its data, fails here."""

    def __init__(self, a):
        self.a = np.asarray(a)

    shape = property(lambda self: self.a.shape)
    ndim = property(lambda self: self.a.ndim)
    dtype = property(lambda self: self.a.dtype)
    size = property(lambda self: self.a.size)
    T = property(lambda self: Strict(self.a.T))

    def __array__(self, *args, **kwargs):
        raise TypeError("Strict: implicit conversion to a NumPy array")

    def __len__(self):
        return len(self.a)

    def __getitem__(self, index):
        return _wrap(self.a[_unwrap(index)])

    def __setitem__(self, index, v):
        self.a[_unwrap(index)] = _unwrap(v)

    def astype(self, dtype):
        return Strict(self.a.astype(dtype))

    def copy(self):
        return Strict(self.a.copy())

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            return NotImplemented
        return _wrap(getattr(ufunc, method)(*map(_unwrap, inputs), **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))


def _unwrap(x):
    if isinstance(x, Strict):
        return x.a
    if isinstance(x, np.ndarray) and x.ndim:
        raise TypeError("Strict: a NumPy array mixed with a Strict one")
    if isinstance(x, (list, tuple)):
        return type(x)(map(_unwrap, x))
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _wrap(x):
    if isinstance(x, tuple):
        return tuple(map(_wrap, x))
    return Strict(x) if isinstance(x, np.ndarray) and x.ndim else x


def _models(rng, X, y, Y):
    yield logistic, (rng.standard_normal(D), 0.3), (X, y), hand_logistic
    yield least_squares, (rng.standard_normal(D),), (X, y), lambda *a: (hand_least_squares(*a),)
    yield mlp, (rng.standard_normal((D, H)), rng.standard_normal(H),
                rng.standard_normal((H, K)), rng.standard_normal(K)), (X, Y), hand_mlp


@pytest.mark.parametrize("model", ["logistic", "least_squares", "mlp"])
def test_an_array_that_converts_to_nothing(model):
    """Every argument of the CuPy tests' kind: no NumPy array made, none converted."""
    rng, X, y, Y = _data(11)
    f, params, data, hand = next(m for m in _models(rng, X, y, Y) if m[0].__name__ == model)
    strict = tuple(Strict(a) if isinstance(a, np.ndarray) else a for a in params + data)
    got = srcdiff.grad(f, wrt=tuple(range(len(params))))(*strict)
    for d, h, p in zip(got, hand(*params, *data), params):
        assert isinstance(d, Strict) if np.ndim(p) else np.ndim(d) == 0
        np.testing.assert_allclose(_unwrap(d), h, rtol=1e-12, atol=1e-15)


# ----- array-API-only arrays and CuPy -----

def test_array_api_only_arrays_are_refused():
    xp = pytest.importorskip("array_api_strict")
    X = xp.asarray(np.ones((4, D)))
    with pytest.raises(SrcDiffError, match="array API but not NumPy's dispatch"):
        srcdiff.grad(least_squares)(np.ones(D), X, xp.asarray(np.ones(4)))


def _gpu():
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError
    except Exception:  # no driver, no device
        pytest.skip("CuPy is installed but no GPU is present")
    return cupy


@pytest.mark.parametrize("model", ["logistic", "least_squares", "mlp"])
def test_cupy(model):
    cp = _gpu()
    rng, X, y, Y = _data(9)
    f, params, data, hand = next(m for m in _models(rng, X, y, Y) if m[0].__name__ == model)
    want = hand(*params, *data)
    gpu = tuple(cp.asarray(p) if isinstance(p, np.ndarray) else p for p in params + data)
    got = srcdiff.grad(f, wrt=tuple(range(len(params))))(*gpu)
    for d, h in zip(got, want):
        assert isinstance(d, cp.ndarray)
        np.testing.assert_allclose(cp.asnumpy(d), h, rtol=1e-10)


def test_the_rewritten_idioms():
    """What a build for foreign arrays writes instead of each idiom that would make a
    NumPy array from a shape (np.full keeps its value's dtype: indices stay ints)."""
    import ast

    from srcdiff import foreign

    code = ast.parse("a = np.full(np.shape(x), -1)\nb = np.full(np.shape(x), t + 1)\n"
                     "c = np.zeros(np.shape(x), dtype=bool)\nd = np.ones(np.shape(x))\n"
                     "e = np.array(parts, dtype=float)\nf = np.broadcast_to(g, np.shape(x))\n"
                     "h = np.size(t)\nd_x[i] += v\nr = _like(d, w)\nu = _shape_stub(x)\n").body
    foreign.rewrite(code, "np")
    assert [ast.unparse(s) for s in code] == [
        "a = np.full_like(x, -1, dtype=np.result_type(-1))",
        "b = np.full(np.shape(x), t + 1)",  # (its value read twice: left as it is)
        "c = np.zeros_like(x, dtype=bool)", "d = np.ones_like(x, dtype=float)",
        "e = _stacked(parts, dtype=float)", "f = _spread(g, x)", "h = _size(t)",
        "d_x[i] = d_x[i] + v", "r = _like_any(d, w)", "u = x"]


def scores(w, X):
    return np.tanh(X @ w)


def sum_sq_scores(w, X):
    return np.sum(np.tanh(X @ w) ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_hessian_and_check_with_dask_data(mode):
    """Entry points that assemble a matrix entry by entry compute (NumPy results),
    and are right: hand formulas."""
    rng = np.random.default_rng(13)
    X, w = rng.standard_normal((6, 3)), rng.standard_normal(3)
    Xd = da.from_array(X, chunks=3)
    s = np.tanh(X @ w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        J = dask.compute(srcdiff.jacobian(scores, mode=mode)(w, Xd))[0]
        np.testing.assert_allclose(J, (1 - s * s)[:, None] * X, rtol=1e-12)
        if mode == "reverse":
            H = dask.compute(srcdiff.hessian(sum_sq_scores)(w, Xd))[0]
            # d2/dw2 sum s^2 = X^T diag(2 (1 - s^2)(1 - 3 s^2)) X
            np.testing.assert_allclose(H, X.T @ (2 * (1 - s * s) * (1 - 3 * s * s) * X.T).T,
                                       rtol=1e-10)
            assert srcdiff.check(sum_sq_scores, w, Xd).ok
