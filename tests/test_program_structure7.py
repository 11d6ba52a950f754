"""Program structure, round 7 (found by the realistic7 corpus): norms of zero slices
that are discarded afterwards (pairwise distances with their diagonal); library
functions as values (held in a name, a list or dict display, returned by a helper
that picks one by a string; a string setting of f, of a helper or of an object
comparing or indexing to pick code).
Each against hand formulas or central differences, in both modes."""
import dataclasses
import functools
import operator

import numpy as np
import pytest
from typing import NamedTuple

import srcdiff
from helpers_numpy import central

MODES = ["reverse", "forward"]


# ---------------------------------------------------------------- norms at zero


def pair_energy(pos):
    n = pos.shape[0]
    iu = np.triu_indices(n, k=1)
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)[iu]
    return np.sum(1.0 / d + d ** 2)


def pair_energy_p3(pos):
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], ord=3, axis=-1)
    return np.sum(np.triu(d, 1) ** 2)


def dropped_zero_row(X):
    return np.sum(np.linalg.norm(X, axis=1)[1:])


def frobenius_of_blocks(A):
    n = np.linalg.norm(A, "fro", axis=(1, 2))
    return n[1] + 2.0 * n[2]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("f", [pair_energy, pair_energy_p3])
def test_pairwise_norm_with_zero_diagonal(f, mode):
    pos = np.array([[0.0, 0.0], [1.1, 0.2], [0.1, 1.2], [1.3, 0.9]])
    g = srcdiff.grad(f, mode=mode)(pos)
    assert np.allclose(g, central(f, pos), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", MODES)
def test_norm_of_a_discarded_zero_row_is_zero(mode):
    X = np.array([[0.0, 0.0], [3.0, 4.0]])
    g = srcdiff.grad(dropped_zero_row, mode=mode)(X)
    # x / |x| by hand; 0 for the zero row
    assert np.allclose(g, [[0.0, 0.0], [0.6, 0.8]], rtol=1e-14, atol=0)


@pytest.mark.parametrize("mode", MODES)
def test_frobenius_norm_of_a_zero_block(mode):
    A = np.zeros((3, 2, 2))
    A[1] = [[1.0, 2.0], [2.0, 4.0]]
    A[2] = [[0.0, 3.0], [4.0, 0.0]]
    g = srcdiff.grad(frobenius_of_blocks, mode=mode)(A)
    want = np.stack([np.zeros((2, 2)), A[1] / 5.0, 2.0 * A[2] / 5.0])
    assert np.allclose(g, want, rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_two_norm_at_zero_is_the_zero_subgradient(mode):
    def f(x):
        return np.linalg.norm(x)

    assert np.array_equal(srcdiff.grad(f, mode=mode)(np.zeros(3)), np.zeros(3))
    x = np.array([1.0, -2.0, 2.0])
    assert np.allclose(srcdiff.grad(f, mode=mode)(x), x / 3.0, rtol=1e-14)


# ---------------------------------------------------------------- functions as values


def _get_activation(name):
    if name == "relu":
        return lambda z: np.maximum(z, 0.0)
    elif name == "tanh":
        return np.tanh
    elif name == "sin":
        return np.sin
    raise ValueError("unknown activation " + name)


def act_in_a_name(x):
    act = np.tanh
    return np.sum(act(x))


def act_from_list(x):
    fns = [np.tanh, np.sin]
    return np.sum(fns[1](x) * fns[0](x))


def act_from_dict_display(x, name="sin"):
    return np.sum({"tanh": np.tanh, "sin": np.sin}[name](x))


def act_from_dict_name(x, name="tanh"):
    table = {"tanh": np.tanh, "sin": np.sin}
    return np.sum(table[name](x))


def act_from_helper(x, activation="sin"):
    act = _get_activation(activation)
    return np.sum(act(x) ** 2)


def act_from_helper_called(x):
    return np.sum(_get_activation("tanh")(x))


def act_compared_in_f(x, kind="sin"):
    if kind == "tanh":
        f = np.tanh
    else:
        f = np.sin
    return np.sum(f(x))


class _Layer:
    def __init__(self, W, activation):
        self.W = W
        self.activation = activation

    def __call__(self, x):
        return _get_activation(self.activation)(x @ self.W)


_LAYER = _Layer(np.array([[0.5, -0.3], [0.2, 0.8]]), "tanh")


def layer_with_string_setting(x):
    return np.sum(_LAYER(x) ** 2)


X2 = np.array([0.3, -0.7])
D_TANH = 1 - np.tanh(X2) ** 2  # hand derivatives
CASES = [
    (act_in_a_name, (), D_TANH),
    (act_from_list, (), np.cos(X2) * np.tanh(X2) + np.sin(X2) * D_TANH),
    (act_from_dict_display, (), np.cos(X2)),
    (act_from_dict_display, ("tanh",), D_TANH),
    (act_from_dict_name, (), D_TANH),
    (act_from_helper, (), 2 * np.sin(X2) * np.cos(X2)),
    (act_from_helper, ("tanh",), 2 * np.tanh(X2) * D_TANH),
    (act_from_helper, ("relu",), 2 * np.maximum(X2, 0.0)),
    (act_from_helper_called, (), D_TANH),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("f, more, want", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_library_function_values(f, more, want, mode):
    g = srcdiff.grad(f, mode=mode)
    assert np.allclose(g(X2, *more), want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mode", MODES)
def test_each_string_setting_builds_its_own_code(mode):
    g = srcdiff.grad(act_from_helper, mode=mode)
    for name, want in (("sin", 2 * np.sin(X2) * np.cos(X2)), ("tanh", 2 * np.tanh(X2) * D_TANH),
                       ("sin", 2 * np.sin(X2) * np.cos(X2))):
        assert np.allclose(g(X2, name), want, rtol=1e-12)
        assert np.allclose(g(X2, activation=name), want, rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_an_objects_string_attribute_picks_code_and_a_change_rebuilds(mode):
    g = srcdiff.grad(layer_with_string_setting, mode=mode)
    assert np.allclose(g(X2), central(layer_with_string_setting, X2), rtol=1e-6)
    try:
        _LAYER.activation = "sin"
        assert np.allclose(g(X2), central(layer_with_string_setting, X2), rtol=1e-6)
    finally:
        _LAYER.activation = "tanh"
    assert np.allclose(g(X2), central(layer_with_string_setting, X2), rtol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_a_function_picked_by_an_if_on_a_string_of_f_is_built_per_string(mode):
    """`kind` picks which function `f` is after the if: a constant of the build (it
    was refused as 'different functions'), one build per string."""
    g = srcdiff.grad(act_compared_in_f, mode=mode)
    for kind in ("tanh", "sin", "tanh"):
        got = g(X2, kind)
        assert np.allclose(got, central(lambda x, k=kind: act_compared_in_f(x, k), X2),
                           rtol=1e-6)
        assert f"written for kind={kind!r}" in g.source


def test_an_unknown_setting_is_an_error_not_a_number():
    with pytest.raises((ValueError, srcdiff.SrcDiffError)):
        srcdiff.grad(act_from_helper)(X2, "cube")


# ---------------------------------------------------------------- properties


class _Normal:
    def __init__(self, loc, log_scale):
        self.loc = loc
        self.log_scale = log_scale

    @property
    def scale(self):
        return np.exp(self.log_scale)

    @property
    def variance(self):
        return self.scale ** 2  # a property reading another

    def log_prob(self, x):
        z = (x - self.loc) / self.scale
        return -0.5 * z ** 2 - self.log_scale


@dataclasses.dataclass
class _Box:
    w: float
    h: float

    @property
    def area(self):
        return self.w * self.h


def normal_with_properties(theta, x):
    d = _Normal(theta[0], theta[1])
    return -np.sum(d.log_prob(x)) + 0.1 * d.variance


def box_parameter_property(box):
    return box.area ** 2 + box.w


@pytest.mark.parametrize("mode", MODES)
def test_property_of_an_object_built_in_f(mode):
    x = np.array([0.2, -1.0, 0.7])
    theta = np.array([0.3, -0.4])
    got = srcdiff.grad(normal_with_properties, mode=mode)(theta, x)
    mu, s = theta[0], np.exp(theta[1])  # by hand: d/dmu and d/dlog_s
    want = [-np.sum(x - mu) / s ** 2,
            -np.sum((x - mu) ** 2) / s ** 2 + len(x) + 0.2 * s ** 2]
    assert np.allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_property_of_a_dataclass_parameter(mode):
    got = srcdiff.grad(box_parameter_property, mode=mode)(_Box(1.5, 2.0))
    assert isinstance(got, _Box)
    assert np.allclose([got.w, got.h], [2 * 3.0 * 2.0 + 1.0, 2 * 3.0 * 1.5], rtol=1e-12)


# ---------------------------------------------------------------- super() and base classes


class _Base:
    def __init__(self, W):
        super().__init__()  # object's: nothing to do
        self.W = W

    def forward(self, x):
        return np.tanh(x @ self.W)


class _Child(_Base):
    def __init__(self, W, scale):
        super().__init__(W)
        self.scale = scale

    def forward(self, x):
        return self.scale * super().forward(x) + 0.1 * x

    def __call__(self, x):
        return self.forward(x)


class _Explicit(_Base):
    def __init__(self, W, shift):
        _Base.__init__(self, W)  # the older spelling
        self.shift = shift

    def forward(self, x):
        return _Base.forward(self, x + self.shift)


def built_from_a_subclass(W, x):
    layer = _Child(W, 0.5)
    return np.sum(layer(x) ** 2)


def built_with_explicit_base_init(W, x):
    layer = _Explicit(W, 0.3)
    return np.sum(layer.forward(x) ** 2)


_GLOBAL_CHILD = _Child(np.array([[0.4, -0.2], [0.1, 0.9]]), 2.0)


def global_subclass_object(x):
    return np.sum(_GLOBAL_CHILD(x) ** 2)


def subclass_in_a_list(Ws, x):
    layers = [_Child(Ws[0], 0.5), _Explicit(Ws[1], -0.1)]
    for layer in layers:
        x = layer.forward(x)
    return np.sum(x ** 2)


_W2 = np.array([[0.5, -0.3], [0.2, 0.8]])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("f", [built_from_a_subclass, built_with_explicit_base_init])
def test_super_init_and_super_methods_of_an_object_built_in_f(f, mode):
    g = srcdiff.grad(f, wrt=(0, 1), mode=mode)(_W2, X2)
    assert np.allclose(g[0], central(lambda W: f(W, X2), _W2), rtol=1e-6, atol=1e-10)
    assert np.allclose(g[1], central(lambda x: f(_W2, x), X2), rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("mode", MODES)
def test_super_method_of_a_global_object_and_of_a_list_of_objects(mode):
    g = srcdiff.grad(global_subclass_object, mode=mode)(X2)
    assert np.allclose(g, central(global_subclass_object, X2), rtol=1e-6)
    Ws = np.stack([_W2, _W2.T])
    g = srcdiff.grad(subclass_in_a_list, wrt=(0, 1), mode=mode)(Ws, X2)
    assert np.allclose(g[0], central(lambda w: subclass_in_a_list(w, X2), Ws), rtol=1e-6)
    assert np.allclose(g[1], central(lambda x: subclass_in_a_list(Ws, x), X2), rtol=1e-6)


class _Registering(_Base):
    def __init__(self, W):
        super().__init__(W)
        self.setup()  # a method called on self: not an __init__ of attributes only

    def setup(self):
        self.k = 2.0


def built_calling_a_method_in_init(W, x):
    layer = _Registering(W)
    return np.sum(layer.forward(x)) * layer.k


@pytest.mark.parametrize("mode", MODES)
def test_an_init_calling_a_method_is_refused_saying_so(mode):
    with pytest.raises(srcdiff.SrcDiffError) as info:
        srcdiff.grad(built_calling_a_method_in_init, mode=mode)(_W2, X2)
    text = str(info.value)
    assert "_Registering" in text and "a method called on self" in text, text
    assert "test_program_structure7.py" in text and "layer = _Registering(W)" in text, text


# ---------------------------------------------------------------- keys built from a loop index


def mlp_fstring_keys(params, x):
    n_layers = len(params) // 2
    h = x
    for i in range(n_layers):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < n_layers - 1:
            h = np.tanh(h)
    return np.sum(h ** 2) + 0.1 * sum(np.sum(params[f"W{i}"] ** 2) for i in range(n_layers))


def concatenated_keys(params, x):
    total = 0.0
    for i in range(1, 3):
        total = total + np.sum(np.sin(params["layer_" + str(i)] * x))
    return total


def formatted_keys(params, x):
    ws = [params[f"w{i:02d}"] for i in range(2)]
    return np.sum(ws[0] * x) * np.sum(ws[1] ** 2)


def _flat_central(f, params, x, h=1e-6):
    """Central differences of f in each entry of a dict of arrays."""
    out = {}
    for k, v in params.items():
        g = np.zeros_like(v)
        for j in range(v.size):
            up, dn = dict(params), dict(params)
            up[k], dn[k] = v.copy(), v.copy()
            up[k].flat[j] += h
            dn[k].flat[j] -= h
            g.flat[j] = (f(up, x) - f(dn, x)) / (2 * h)
        out[k] = g
    return out


_KEYED = [
    (mlp_fstring_keys, {"W0": 0.5 * np.arange(6.0).reshape(3, 2) / 6, "b0": np.array([0.1, -0.2]),
                        "W1": np.array([[0.3], [-0.4]]), "b1": np.array([0.05])}),
    (concatenated_keys, {"layer_1": np.array([0.2, 0.4, -0.1]),
                         "layer_2": np.array([1.0, -0.5, 0.3])}),
    (formatted_keys, {"w00": np.array([0.2, 0.4, -0.1]), "w01": np.array([1.0, -0.5, 0.3])}),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("f, params", _KEYED, ids=lambda c: getattr(c, "__name__", None))
def test_keys_made_from_a_constant_loop_index(f, params, mode):
    x = np.array([0.7, -0.3, 1.1])
    got = srcdiff.grad(f, mode=mode)(params, x)
    want = _flat_central(f, params, x)
    assert list(got) == list(params)
    for k in params:
        assert np.allclose(got[k], want[k], rtol=1e-6, atol=1e-9), k


# ---------------------------------------------------------------- np.fill_diagonal


def coulomb_energy(pos, q):
    diff = pos[:, None, :] - pos[None, :, :]
    r = np.sqrt(np.sum(diff ** 2, axis=-1) + 1e-2)
    inv_r = 1.0 / r
    np.fill_diagonal(inv_r, 0.0)
    return 0.5 * np.sum(q[:, None] * q[None, :] * inv_r)


def tall_fill(A):
    B = A * 2.0
    np.fill_diagonal(B, A[0, 0] ** 2)  # a differentiated value written on the diagonal
    return np.sum(B ** 2)


def wrapped_fill(A):
    B = A * 2.0
    np.fill_diagonal(B, 0.0, wrap=True)
    return np.sum(B)


@pytest.mark.parametrize("mode", MODES)
def test_fill_diagonal_is_an_item_assignment(mode):
    pos = np.array([[0.0, 0.1], [1.0, 0.3], [0.2, 1.4]])
    q = np.array([1.0, -0.5, 2.0])
    g = srcdiff.grad(coulomb_energy, wrt=(0, 1), mode=mode)(pos, q)
    assert np.allclose(g[0], central(lambda p: coulomb_energy(p, q), pos), rtol=1e-6)
    assert np.allclose(g[1], central(lambda c: coulomb_energy(pos, c), q), rtol=1e-6)
    A = np.arange(1.0, 7.0).reshape(3, 2) / 4
    assert np.allclose(srcdiff.grad(tall_fill, mode=mode)(A), central(tall_fill, A), rtol=1e-6)


def test_fill_diagonal_with_wrap_stays_a_located_refusal():
    with pytest.raises(srcdiff.SrcDiffError, match="fill_diagonal") as info:
        srcdiff.grad(wrapped_fill)(np.ones((3, 2)))
    assert "test_program_structure7.py" in str(info.value)


# ---------------------------------------------------------------- functools.reduce


def reduce_layers(Ws, x):
    out = functools.reduce(lambda h, W: np.tanh(h @ W), Ws, x)
    return np.sum(out ** 2)


def reduce_product(xs):
    return functools.reduce(operator.mul, xs)  # no initial value: the first item starts


def _smooth_max(a, b):
    return np.logaddexp(a, b)


def reduce_with_own_function(x):
    terms = [np.sin(x), np.cos(x), x ** 2]
    return np.sum(functools.reduce(_smooth_max, terms))


def reduce_with_a_ufunc(x):
    return np.sum(functools.reduce(np.add, [np.sin(x), x ** 3], 0.5 * x))


@pytest.mark.parametrize("mode", MODES)
def test_reduce_is_the_loop_it_runs(mode):
    Ws = [np.array([[0.5, -0.3], [0.2, 0.8]]), np.array([[0.9, 0.1], [-0.4, 0.6]])]
    gW, gx = srcdiff.grad(reduce_layers, wrt=(0, 1), mode=mode)(Ws, X2)
    for k in range(2):
        def fk(W, k=k):
            return reduce_layers([W if j == k else Ws[j] for j in range(2)], X2)
        assert np.allclose(gW[k], central(fk, Ws[k]), rtol=1e-6)
    assert np.allclose(gx, central(lambda x: reduce_layers(Ws, x), X2), rtol=1e-6)
    xs = np.array([1.5, 2.0, -0.5])
    assert np.allclose(srcdiff.grad(reduce_product, mode=mode)(xs),
                       [2.0 * -0.5, 1.5 * -0.5, 1.5 * 2.0], rtol=1e-14)  # by hand
    for f in (reduce_with_own_function, reduce_with_a_ufunc):
        assert np.allclose(srcdiff.grad(f, mode=mode)(X2), central(f, X2), rtol=1e-6)


# ---------------------------------------------------------------- typing.NamedTuple with methods


class _Scaler(NamedTuple):
    mean: np.ndarray
    scale: np.ndarray
    eps: float = 1e-8

    def transform(self, X):
        return (X - self.mean) / (self.scale + self.eps)

    def inverse(self, Z):
        return self.transform(Z) * 0.0 + Z * (self.scale + self.eps) + self.mean


def standardised_fit(w, X):
    sc = _Scaler(X.mean(axis=0), X.std(axis=0))
    Z = sc.transform(X)
    return np.sum((Z @ w) ** 2) + np.sum(sc.inverse(Z)[0] * w)


@pytest.mark.parametrize("mode", MODES)
def test_namedtuple_class_with_methods_built_in_f(mode):
    X = np.array([[0.5, 1.0], [1.5, -0.5], [2.0, 0.3], [-0.4, 0.9]])
    w = np.array([0.7, -1.2])
    gw, gX = srcdiff.grad(standardised_fit, wrt=(0, 1), mode=mode)(w, X)
    assert np.allclose(gw, central(lambda v: standardised_fit(v, X), w), rtol=1e-6)
    assert np.allclose(gX, central(lambda Y: standardised_fit(w, Y), X), rtol=1e-6, atol=1e-9)


class _Block:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return x + np.tanh(x @ self.W)


def blocks_from_a_list_argument(Ws, x):
    for blk in [_Block(W) for W in Ws]:  # Ws a list of arrays: its length known at run time
        x = blk.forward(x)
    return np.sum(x)


def test_objects_built_by_a_runtime_loop_are_refused_saying_what_to_do():
    with pytest.raises(srcdiff.SrcDiffError) as info:
        srcdiff.grad(blocks_from_a_list_argument)([np.eye(2), np.eye(2)], X2)
    text = str(info.value)
    assert "_Block" in text and "used as a whole" in text and "[_Block(W1), _Block(W2)]" in text
    assert "test_program_structure7.py" in text and "_Block(W) for W in Ws" in text, text


# ---------------------------------------------------------------- recurrences in an array


def running_sum_ifexp(x):
    out = np.zeros(len(x))
    for i in range(len(x)):
        prev = out[i - 1] if i > 0 else 0.0  # an entry: a scalar, not a view of out
        out[i] = x[i] ** 2 + 0.5 * prev
    return out.sum()


def rows_recurrence(X):
    out = np.zeros_like(X)
    for i in range(X.shape[0]):
        prev = out[i - 1] if i > 0 else np.zeros(X.shape[1])  # a row: a view of out
        out[i] = np.tanh(X[i] + 0.5 * prev)
    return np.sum(out ** 2)


@pytest.mark.parametrize("mode", MODES)
def test_an_entry_read_through_a_conditional_expression_is_a_scalar(mode):
    x = np.array([0.3, -1.0, 2.0, 0.7])
    got = srcdiff.grad(running_sum_ifexp, mode=mode)(x)
    # out[i] = x_i^2 + out[i-1] / 2: d sum / d x_i = 2 x_i (1 + 1/2 + ... to the end), by hand
    n = len(x)
    want = [2 * x[i] * sum(0.5 ** k for k in range(n - i)) for i in range(n)]
    assert np.allclose(got, want, rtol=1e-14)


@pytest.mark.parametrize("mode", MODES)
def test_a_row_read_through_a_conditional_expression_is_right_or_refused(mode):
    X = np.array([[0.3, -1.0], [2.0, 0.7], [-0.4, 0.1]])
    try:
        got = srcdiff.grad(rows_recurrence, mode=mode)(X)
    except srcdiff.SrcDiffError:
        return
    assert np.allclose(got, central(rows_recurrence, X), rtol=1e-6)


# ---------------------------------------------------------------- decorated helpers


def _doubled(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 2.0 * fn(*args, **kwargs)
    return wrapper


@_doubled
def _decorated_helper(x):
    return np.sum(x ** 2)


def calls_a_decorated_helper(x):
    return _decorated_helper(x) + 1.0


def test_a_decorated_helper_is_refused_naming_the_decorator_never_inlined_unwrapped():
    # inlining the undecorated source would drop the wrapper's 2.0: a wrong number
    with pytest.raises(srcdiff.SrcDiffError, match="decorator") as info:
        srcdiff.grad(calls_a_decorated_helper)(X2)
    assert "_decorated_helper" in str(info.value) and "exec or compile" not in str(info.value)
    assert "test_program_structure7.py" in str(info.value)


def view_kept_across_a_write(x):
    y = x.copy()
    head = y[:2]
    y[0] = 5.0 * y[1]  # head sees this write in Python
    return np.sum(head ** 2) + np.sum(y)


def test_a_view_read_after_a_write_is_refused_naming_the_view():
    with pytest.raises(srcdiff.SrcDiffError, match="read after the update") as info:
        srcdiff.grad(view_kept_across_a_write)(np.array([0.3, -1.0, 2.0]))
    assert "y[0] = 5.0 * y[1]" in str(info.value)
