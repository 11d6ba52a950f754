"""Pytrees (issue 17.1): containers as parameters, results, cotangents and tangents,
with JAX's conventions, in both modes, against central finite differences of the
primal (computed here, leaf entry by leaf entry) or hand formulas."""
import collections
import dataclasses
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import pytest

import srcdiff
from srcdiff import SrcDiffError, UnsupportedSyntaxError
from source_text import code, numbered

MODES = ("reverse", "forward")


# ----- an independent reference: central differences over every leaf entry -----
def _children(v):
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, (list, tuple)) and any(isinstance(x, (dict, list, tuple)) or
                                            np.shape(x) != np.shape(v[0]) for x in v):
        return list(v)
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return list(v)
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return [getattr(v, f.name) for f in dataclasses.fields(v)]
    return None


def _rebuild(v, kids):
    if isinstance(v, dict):
        return type(v)(zip(v, kids))
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return type(v)(*kids)
    if isinstance(v, (list, tuple)):
        return type(v)(kids)
    return dataclasses.replace(v, **{f.name: k for f, k in zip(dataclasses.fields(v), kids)})


def _map(v, fn):
    kids = _children(v)
    return fn(v) if kids is None else _rebuild(v, [_map(k, fn) for k in kids])


def _leaves(v):
    kids = _children(v)
    return [v] if kids is None else [x for k in kids for x in _leaves(k)]


def _replace_leaf(v, n, new):
    """`v` with its n-th leaf replaced."""
    count = [0]

    def swap(x):
        count[0] += 1
        return new if count[0] - 1 == n else x
    return _map(v, swap)


def _like(a, leaf):
    """The array `a` as a value of `leaf`'s type: an array, a float, a list or tuple."""
    if isinstance(leaf, np.ndarray):
        return a
    if isinstance(leaf, (list, tuple)):
        return type(leaf)(a.tolist())
    return float(a)


def fd_grad(f, args, i, h=1e-6):
    """d f / d args[i], with args[i]'s structure, by central differences."""
    x = args[i]
    out = []
    for n, leaf in enumerate(_leaves(x)):
        base = np.array(leaf, dtype=float)
        g = np.zeros(base.shape)
        for k in np.ndindex(base.shape) if base.ndim else [()]:
            vals = []
            for s in (h, -h):
                moved = base.copy()
                moved[k] += s
                new = _like(moved, leaf)
                a = list(args)
                a[i] = _replace_leaf(x, n, new)
                vals.append(np.asarray(f(*a), dtype=float))
            g[k] = (vals[0] - vals[1]) / (2 * h)
        out.append(_like(g, leaf))
    it = iter(out)
    return _map(x, lambda _: next(it))


def assert_tree_close(got, want, rtol=1e-6, atol=1e-8):
    """Same structure and types (a float subclass, np.float64, counts as a float)."""
    assert type(got) is type(want) or isinstance(got, float) and type(want) is float, (
        type(got), type(want))
    gk, wk = _children(got), _children(want)
    if wk is None:
        assert gk is None
        assert np.shape(got) == np.shape(want)
        assert type(got) is type(want) or isinstance(got, float) and isinstance(want, float)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
        return
    if isinstance(want, dict):
        assert list(got) == list(want)
    assert len(gk) == len(wk)
    for g, w in zip(gk, wk):
        assert_tree_close(g, w, rtol, atol)


# ----- programs -----
def mlp(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    pred = h @ params["W2"] + params["b2"]
    return np.mean((pred - y) ** 2)


def layers_loss(layers, x):
    """A list of arrays of different shapes, unpacked and looped over."""
    h = x
    for W, b in layers[:-1]:
        h = np.tanh(W @ h + b)
    W_out, b_out = layers[-1]
    return np.sum((W_out @ h + b_out) ** 2)


def ragged(ws, x):
    return np.sum(ws[0] * x) + np.sum(ws[1] ** 2) * ws[2]


def nested(p, x):
    """A nested dict of tuples, a subtree bound to a name, a dict loop."""
    enc = p["enc"]
    W, b = enc["layer"]
    h = np.sin(W @ x + b)
    total = 0.0
    for _name, (scale, shift) in p["heads"].items():
        total = total + scale * np.sum(h) + shift ** 2
    return total + len(p["heads"]) * p["enc"]["gain"]


Gaussian = namedtuple("Gaussian", ["mu", "log_sigma"])


def gaussian_nll(g, data):
    sigma = np.exp(g.log_sigma)
    z = (data - g.mu) / sigma
    return np.sum(0.5 * z ** 2 + g.log_sigma)


@dataclass
class Affine:
    W: np.ndarray
    b: np.ndarray
    scale: float


def affine_loss(m, x, target):
    out = m.scale * np.tanh(m.W @ x + m.b)
    return np.sum((out - target) ** 2)


def _gate(p, h, x):  # a helper reading the dict parameter: p["Uz"].shape as well
    return 1 / (1 + np.exp(-(p["Wz"] @ x + p["Uz"] @ h))) * np.ones(p["Uz"].shape[0])


def recurrent(p, xs, target):
    """An entry read only through its shape (`p["b"].shape[0]`): the specialised
    def's parameter `b` is a local, not an undefined global."""
    hdim = p["b"].shape[0] // 2
    h = np.zeros(hdim)
    for x in xs:
        z = p["Wx"] @ x + p["b"]
        h = np.tanh(z[:hdim]) * _gate(p, h, x) + z[hdim:] * h
    return np.sum((h - target) ** 2)


def recurrent_args():
    rng = _rng()
    p = {"Wx": rng.standard_normal((4, 3)), "b": rng.standard_normal(4),
         "Wz": rng.standard_normal((2, 3)), "Uz": rng.standard_normal((2, 2))}
    return p, rng.standard_normal((3, 3)), rng.standard_normal(2)


def scalar_dict(p):
    return p["a"] * p["b"] ** 2 + 3.0 * p["a"]


def _rng():
    return np.random.default_rng(0)


def mlp_args():
    rng = _rng()
    params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4),
              "W2": rng.standard_normal((4, 2)), "b2": rng.standard_normal(2)}
    return params, rng.standard_normal((5, 3)), rng.standard_normal((5, 2))


def state_dict_mlp(state, x, y):  # a state dict (an OrderedDict): its gradient is one too
    h = np.tanh(x @ state["fc1.weight"].T + state["fc1.bias"])
    return np.mean((h @ state["fc2.weight"].T - y) ** 2)


def layers_args():
    rng = _rng()
    shapes = [(4, 3), (5, 4), (2, 5)]
    return [(rng.standard_normal(s), rng.standard_normal(s[0])) for s in shapes], \
        rng.standard_normal(3)


CASES = {
    "mlp_dict": (mlp, mlp_args, 0),
    "list_of_layers": (layers_loss, layers_args, 0),
    "entry_shape_and_helper": (recurrent, recurrent_args, 0),
    "ragged_list": (ragged, lambda: ([np.array([1.0, 2.0]), np.array([[0.5, -1.0]]), 1.5],
                                     np.array([0.3, -0.7])), 0),
    "nested_dict_of_tuples": (nested, lambda: ({
        "enc": {"layer": (np.array([[0.5, -0.2], [0.1, 0.3], [0.7, 0.4]]),
                          np.array([0.1, 0.2, -0.3])), "gain": 0.7},
        "heads": {"a": (1.5, -0.5), "b": (0.25, 2.0)}}, np.array([0.4, -1.2])), 0),
    "ordered_dict": (state_dict_mlp, lambda: (collections.OrderedDict([
        ("fc1.weight", np.array([[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]])),
        ("fc1.bias", np.array([0.1, -0.2, 0.05])),
        ("fc2.weight", np.array([[0.3, -0.7, 0.4]]))]), np.array([[0.4, -1.2], [1.0, 0.3]]),
        np.array([[0.2], [-0.5]])), 0),
    "namedtuple": (gaussian_nll, lambda: (Gaussian(0.3, -0.2), np.array([0.1, 0.5, -1.0])), 0),
    "dataclass": (affine_loss, lambda: (Affine(np.array([[0.2, -0.4], [0.6, 0.1]]),
                                               np.array([0.05, -0.1]), 1.3),
                                        np.array([1.0, -2.0]), np.array([0.3, 0.1])), 0),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(CASES))
def test_grad_against_finite_differences(case, mode):
    f, make, wrt = CASES[case]
    args = make()
    g = srcdiff.grad(f, wrt=wrt, mode=mode)
    got = g(*args)
    assert_tree_close(got, fd_grad(f, args, wrt))
    value, again = srcdiff.value_and_grad(f, wrt=wrt, mode=mode)(*args)
    assert value == pytest.approx(f(*args), rel=1e-14)
    assert_tree_close(again, got, rtol=1e-14, atol=0)


@pytest.mark.parametrize("case", list(CASES))
def test_check_reports_agreement(case):
    f, make, wrt = CASES[case]
    report = srcdiff.check(f, *make(), wrt=wrt)
    assert report.ok and report.method == "finite-difference", str(report)


@pytest.mark.parametrize("mode", MODES)
def test_scalar_dict_against_hand_formula(mode):
    got = srcdiff.grad(scalar_dict, mode=mode)({"a": 2.0, "b": 3.0})
    assert got == {"a": 3.0 ** 2 + 3.0, "b": 2 * 2.0 * 3.0}
    assert all(type(v) is float for v in got.values())


def test_mlp_source_reads_leaves_by_name_and_builds_the_dict():
    g = srcdiff.grad(mlp)
    g(*mlp_args())
    src = g.source
    assert src.startswith("def mlp_grad(params, X, y):")
    for line in ("W1 = params['W1']", "b1 = params['b1']", "W2 = params['W2']",
                 "b2 = params['b2']"):
        assert line in src
    assert "return {'W1': d_W1, 'b1': d_b1, 'W2': d_W2, 'b2': d_b2}" in src
    assert "params[" not in code(src).split("b2 = params['b2']")[1]  # only the unpacking


def test_layers_source_unpacks_the_list_and_unrolls_the_loop():
    g = srcdiff.grad(layers_loss)
    g(*layers_args())
    src = g.source
    assert "(W_0, b_0), (W_1, b_1), (W_out, b_out) = layers" in src
    assert "h_1 = np.tanh(W_1 @ h + b_1)" in src  # the loop's second trip, unrolled
    flat = " ".join(src.split())
    assert "d_W_0 = np.outer(d_tanh_arg_1, x)" in flat
    assert "d_W_out = np.outer(d_total, h_1)" in flat
    assert "return [(d_W_0, d_tanh_arg_1), (d_W_1, d_tanh_arg), (d_W_out, d_total)]" in flat


def test_wrt_selects_whole_parameters():
    def f(p, x, q):
        return p["a"] * x + np.sum(q[0] * q[1]) * x

    args = ({"a": 2.0}, 3.0, (np.array([1.0, 2.0]), np.array([[1.0], [0.5]])))
    for mode in MODES:
        gp, gx, gq = srcdiff.grad(f, wrt=("p", "x", 2), mode=mode)(*args)
        assert gp == {"a": 3.0}
        assert gx == pytest.approx(2.0 + np.sum(args[2][0] * args[2][1]), rel=1e-14)
        assert_tree_close(gq, fd_grad(f, args, 2))
        only = srcdiff.grad(f, wrt="x", mode=mode)(*args)  # containers not in wrt: as is
        assert only == pytest.approx(gx, rel=1e-14)


def test_code_is_specialised_per_structure():
    """The same function, dicts of other keys and kinds: each its own code."""
    def f(p):
        total = 0.0
        for v in p.values():
            total = total + np.sum(v * v)
        return total

    g = srcdiff.grad(f)
    assert g({"a": 1.0, "b": 2.0}) == {"a": 2.0, "b": 4.0}
    assert g({"a": 1.0}) == {"a": 2.0}
    got = g({"a": np.array([1.0, 2.0]), "b": 3.0})
    np.testing.assert_allclose(got["a"], [2.0, 4.0])
    assert got["b"] == 6.0
    assert g({"b": 2.0, "a": 1.0}) == {"b": 4.0, "a": 2.0}


def test_none_leaves_are_empty_subtrees():
    def f(p):
        return p["w"] ** 2

    for mode in MODES:
        assert srcdiff.grad(f, mode=mode)({"w": 3.0, "extra": None}) == {"w": 6.0, "extra": None}


def test_unused_leaf_gets_a_zero_of_its_kind():
    def f(p):
        return p["w"] * 2.0

    for mode in MODES:
        got = srcdiff.grad(f, mode=mode)({"w": 1.0, "v": np.ones(3)})
        assert got["w"] == 2.0
        np.testing.assert_array_equal(got["v"], np.zeros(3))


def test_inputs_are_not_modified_and_results_are_fresh():
    params, X, y = mlp_args()
    before = {k: v.copy() for k, v in params.items()}
    g = srcdiff.grad(mlp)(params, X, y)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert g[k] is not params[k]


# ----- has_aux -----
def loss_with_aux(w, x):
    pred = np.tanh(w * x)
    loss = np.sum(pred ** 2)
    return loss, {"pred": pred, "n": len(x)}


@pytest.mark.parametrize("mode", MODES)
def test_has_aux(mode):
    w, x = 0.7, np.array([0.5, -1.0, 2.0])
    (value, aux), g = srcdiff.value_and_grad(loss_with_aux, has_aux=True, mode=mode)(w, x)
    assert value == pytest.approx(np.sum(np.tanh(w * x) ** 2), rel=1e-14)
    np.testing.assert_allclose(aux["pred"], np.tanh(w * x))
    assert aux["n"] == 3
    want = fd_grad(lambda w, x: loss_with_aux(w, x)[0], (w, x), 0)
    assert g == pytest.approx(want, rel=1e-6)
    g2, aux2 = srcdiff.grad(loss_with_aux, has_aux=True, mode=mode)(w, x)
    assert g2 == pytest.approx(g, rel=1e-14) and aux2["n"] == 3


def test_has_aux_with_dict_params_and_its_error():
    def f(p, x):
        return p["a"] * x ** 2, x

    (value, aux), g = srcdiff.value_and_grad(f, has_aux=True)({"a": 2.0}, 3.0)
    assert (value, aux, g) == (18.0, 3.0, {"a": 9.0})

    def not_a_pair(x):
        return x * x

    with pytest.raises(UnsupportedSyntaxError, match="has_aux"):
        srcdiff.grad(not_a_pair, has_aux=True)


# ----- vjp, jvp, jacobian -----
def dict_out(p, x):
    return {"energy": p["k"] * np.sum(x ** 2), "force": -2.0 * p["k"] * x}


@pytest.mark.parametrize("wrt", [None, 0, 1])
def test_vjp_with_dict_output_and_cotangent(wrt):
    p, x = {"k": 1.5}, np.array([0.5, -1.0])
    out, pull = srcdiff.vjp(dict_out, p, x, wrt=wrt)
    assert out["energy"] == pytest.approx(1.5 * 1.25)
    ct = {"energy": 0.7, "force": np.array([1.0, -2.0])}
    grads = pull(ct)

    def inner(p, x):
        o = dict_out(p, x)
        return ct["energy"] * o["energy"] + np.sum(ct["force"] * o["force"])

    idx = [0, 1] if wrt is None else [wrt]
    assert len(grads) == len(idx)
    for i, g in zip(idx, grads):
        assert_tree_close(g, fd_grad(inner, (p, x), i))
    assert "def dict_out_vjp(p, x, *, ct):" in pull.source
    with pytest.raises(SrcDiffError, match="structure"):
        pull({"energy": 1.0})


def test_vjp_of_a_tuple_result_and_dict_params():
    def f(p):
        return p["a"] * p["b"], np.sin(p["a"]) * np.ones(2)

    out, pull = srcdiff.vjp(f, {"a": 0.5, "b": 2.0})
    (g,) = pull((1.0, np.array([1.0, 1.0])))
    assert g["a"] == pytest.approx(2.0 + 2 * np.cos(0.5), rel=1e-14)
    assert g["b"] == pytest.approx(0.5, rel=1e-14)


def test_jvp_with_dict_primals_and_tangents():
    params, X, y = mlp_args()
    rng = np.random.default_rng(1)
    t = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    zx, zy = np.zeros_like(X), np.zeros_like(y)
    out, t_out = srcdiff.jvp(mlp, (params, X, y), (t, zx, zy))
    assert out == pytest.approx(mlp(params, X, y), rel=1e-14)
    g = fd_grad(mlp, (params, X, y), 0)
    assert t_out == pytest.approx(sum(np.sum(g[k] * t[k]) for k in params), rel=1e-6)
    j = srcdiff.jvp(mlp)
    j((params, X, y), (t, zx, zy))
    assert "params_dot" in j._last.source and "W1 = params['W1']" in j._last.source
    with pytest.raises(SrcDiffError, match="structure"):
        srcdiff.jvp(mlp, (params, X, y), ({"W1": t["W1"]}, zx, zy))


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_of_a_dict_parameter(mode):
    def f(p, x):
        return np.tanh(p["W"] @ x) * p["s"]

    p, x = {"W": np.array([[0.5, -1.0], [0.3, 0.2], [1.0, 0.1]]), "s": 1.5}, np.array([1.0, 2.0])
    J = srcdiff.jacobian(f, mode=mode)(p, x)
    assert J["W"].shape == (3, 3, 2) and J["s"].shape == (3,)
    for r in range(3):
        row = fd_grad(lambda p, x, r=r: f(p, x)[r], (p, x), 0)
        np.testing.assert_allclose(J["W"][r], row["W"], rtol=1e-6, atol=1e-8)
        assert J["s"][r] == pytest.approx(row["s"], rel=1e-6)


def test_jacobian_of_a_dict_result():
    J = srcdiff.jacobian(dict_out, wrt=1)({"k": 1.5}, np.array([0.5, -1.0]))
    np.testing.assert_allclose(J["energy"], 2 * 1.5 * np.array([0.5, -1.0]))
    np.testing.assert_allclose(J["force"], -3.0 * np.eye(2))


# ----- registered containers -----
class Linear:
    def __init__(self, w, b, name="lin"):
        self.w, self.b, self.name = w, b, name


srcdiff.register_pytree(Linear, lambda m: ((m.w, m.b), m.name),
                        lambda name, kids: Linear(*kids, name=name))


def linear_loss(m, x):
    return np.sum((m.w @ x + m.b) ** 2)


@pytest.mark.parametrize("mode", MODES)
def test_registered_container(mode):
    m, x = Linear(np.array([[1.0, -0.5], [0.2, 0.4]]), np.array([0.1, -0.3])), np.array([0.7, 2.0])
    g = srcdiff.grad(linear_loss, mode=mode)
    got = g(m, x)
    assert type(got) is Linear and got.name == "lin"
    r = m.w @ x + m.b
    np.testing.assert_allclose(got.w, 2 * np.outer(r, x), rtol=1e-13)
    np.testing.assert_allclose(got.b, 2 * r, rtol=1e-13)
    assert "w = m.w" in g.source and "Linear_unflatten(Linear_aux, [" in g.source


# ----- errors -----
def test_int_and_string_leaves_are_refused_with_their_path():
    with pytest.raises(SrcDiffError, match=r"p\['n'\] is the int 3 .*not differentiable"):
        srcdiff.grad(scalar_dict)({"a": 1.0, "b": 2.0, "n": 3})
    with pytest.raises(SrcDiffError, match=r"p\['b'\]\[1\] is a str"):
        srcdiff.grad(scalar_dict)({"a": 1.0, "b": (2.0, "x")})


def test_a_computed_key_is_a_located_error():
    def f(p, k):
        return p[k] * 2.0

    with pytest.raises(UnsupportedSyntaxError, match="key that is not a constant") as info:
        srcdiff.grad(f)({"a": 1.0}, "a")
    assert "return p[k] * 2.0" in str(info.value)


def test_a_missing_key_and_a_whole_use_are_located_errors():
    def missing(p):
        return p["c"]

    def whole(p):  # (list(p) is its keys, known when transforming: a list of strings)
        return p["a"] + np.sum(np.array(p))

    with pytest.raises(UnsupportedSyntaxError, match=r"the key 'c': p has keys \['a'\]"):
        srcdiff.grad(missing)({"a": 1.0})
    with pytest.raises(UnsupportedSyntaxError, match="used as a whole"):
        srcdiff.grad(whole)({"a": 1.0})


@pytest.mark.parametrize("mode", MODES)
def test_reassigning_a_structured_parameter_makes_it_a_local(mode):
    """`p = {...}`: p is bound to the display of its leaves first, then a local."""
    def f(p):
        p = {"a": p["a"] * 2, "b": p["b"]}
        for _ in range(2):
            p = {"a": p["a"] * p["b"], "b": p["b"]}
        return p["a"]

    p = {"a": 1.5, "b": 0.7}
    assert_tree_close(srcdiff.grad(f, mode=mode)(p), {"a": 2 * 0.7 ** 2, "b": 2 * 1.5 * 2 * 0.7})


@pytest.mark.parametrize("body", ["p['a'] = p['a'] * 2", "p['a'] += 1.0"])
def test_assigning_into_a_container_is_refused(body, tmp_path):
    import importlib.util

    path = tmp_path / "mutating.py"
    path.write_text(f"def f(p):\n    {body}\n    return p['a'] * 2.0\n")
    spec = importlib.util.spec_from_file_location("mutating", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with pytest.raises(UnsupportedSyntaxError, match="assigning into a structured parameter"):
        srcdiff.grad(mod.f)({"a": 1.0, "v": np.ones(2)})


def test_a_dict_not_differentiated_still_works():
    def f(x, opts):
        return x * opts["scale"]

    assert srcdiff.grad(f)(2.0, {"scale": 3.0, "name": "x"}) == 3.0


# ----- loops and comprehensions over a container are unrolled -----
def enumerate_layers(layers, x):
    h = x
    for i, (W, b) in enumerate(layers):
        z = W @ h + b
        h = np.tanh(z) if i < len(layers) - 1 else z
    return np.sum(h ** 2) + 0.1 * sum(np.sum(W ** 2) for W, _ in layers)


def dict_comprehension_free(p):
    a, b = p["a"], p["b"]
    return sum(v * v for v in p.values()) + a * b + np.sum(np.array([p["a"], p["b"]]))


@pytest.mark.parametrize("mode", MODES)
def test_enumerate_and_a_summed_generator_over_layers(mode):
    args = layers_args()
    g = srcdiff.grad(enumerate_layers, mode=mode)
    assert_tree_close(g(*args), fd_grad(enumerate_layers, args, 0))
    if mode == "reverse":
        src = code(g.source)
        assert "h_1 = np.tanh(" in src and "cond" not in src  # the index test is constant
        assert "for " not in src.split("(W_0, b_0), (W_1, b_1), (W_2, b_2) = layers")[1]


@pytest.mark.parametrize("mode", MODES)
def test_values_generator_and_pair_assignment(mode):
    p = {"a": 1.5, "b": -0.5}
    got = srcdiff.grad(dict_comprehension_free, mode=mode)(p)
    assert got == pytest.approx({"a": 2 * 1.5 - 0.5 + 1, "b": 2 * -0.5 + 1.5 + 1}, rel=1e-14)
    g = srcdiff.grad(dict_comprehension_free)
    g(p)
    assert "a = p['a']" in g.source and "b = p['b']" in g.source


# ----- the README's listing is the generated source -----
def readme_loss(params, X, y):
    h = np.tanh(X @ params["W"] + params["b"])
    pred = h @ params["v"]
    return np.mean((pred - y) ** 2)


def test_readme_listing_is_the_generated_source():
    import ast
    import pathlib
    import re

    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    (listed,) = [b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S)
                 if b.startswith("def loss_grad(params, X, y):")]
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((3, 4)), "b": np.zeros(4), "v": rng.standard_normal(4)}
    X, y = rng.standard_normal((8, 3)), rng.standard_normal(8)
    g = srcdiff.grad(readme_loss)
    got = g(params, X, y)
    assert_tree_close(got, fd_grad(readme_loss, (params, X, y), 0))
    src = g.source.replace("readme_loss_grad", "loss_grad")
    helpers = set()
    for n in ast.parse(src).body[0].body:
        if isinstance(n, ast.FunctionDef) and n.name.startswith("_"):
            helpers |= set(range(n.lineno, n.end_lineno + 1))
    lines = [ln for i, ln in enumerate(src.rstrip("\n").splitlines(), 1)
             if i not in helpers and (ln.strip() or i == 1)]
    # (the provenance comments' line numbers are those of the README's own example)
    assert numbered(lines) == numbered([ln for ln in listed.rstrip("\n").splitlines()
                                        if ln.strip()])


def test_hessian_of_a_dict_parameter():
    def f(p, x):
        return p["a"] ** 2 * p["b"] + np.sum(np.sin(p["w"] * x))

    p, x = {"a": 1.5, "b": -0.5, "w": np.array([0.3, 0.7])}, np.array([1.0, 2.0])
    H = srcdiff.hessian(f)(p, x)
    assert H["a"]["a"] == pytest.approx(2 * -0.5, rel=1e-13)
    assert H["a"]["b"] == pytest.approx(2 * 1.5, rel=1e-13)
    assert H["b"]["a"] == pytest.approx(2 * 1.5, rel=1e-13)
    assert H["b"]["b"] == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(H["w"]["w"], np.diag(-np.sin(p["w"] * x) * x ** 2), rtol=1e-13)
    np.testing.assert_allclose(H["a"]["w"], np.zeros(2), atol=1e-15)
    assert H["w"]["a"].shape == (2,)


def _act(z):
    return np.tanh(z)


def kw_loss(x, params, scale=2.0):
    return scale * np.sum(_act(params["W"] @ x))


@pytest.mark.parametrize("mode", MODES)
def test_keywords_defaults_helpers_and_a_tuple_wrt(mode):
    x, p = np.array([1.0, 2.0]), {"W": np.array([[0.1, 0.2], [0.3, -0.1]])}
    g = srcdiff.grad(kw_loss, wrt="params", mode=mode)
    want = fd_grad(kw_loss, (x, p), 1)
    assert_tree_close(g(x, params=p), want)
    assert_tree_close(g(x, p, scale=2.0), want)
    value, (gx, gp) = srcdiff.value_and_grad(kw_loss, wrt=(0, 1), mode=mode)(x, p)
    assert value == pytest.approx(kw_loss(x, p), rel=1e-14)
    np.testing.assert_allclose(gx, fd_grad(kw_loss, (x, p), 0), rtol=1e-6)
    assert_tree_close(gp, want)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_lambdas_with_aux_and_with_containers(mode):
    """A lambda as f where its def is rewritten (has_aux, a dict parameter): crashed
    with an internal TypeError before (its body is an expression, not statements)."""
    (value, aux), g = srcdiff.value_and_grad(lambda x: (x * x, "aux"), has_aux=True,
                                             mode=mode)(1.5)
    assert (value, aux, g) == (pytest.approx(2.25), "aux", pytest.approx(3.0))
    p, x = {"w": np.array([0.5, -1.0])}, np.array([1.0, 2.0])
    got = srcdiff.grad(lambda q, x: np.sum(q["w"] * x) ** 2, mode=mode)(p, x)
    np.testing.assert_allclose(got["w"], 2 * (p["w"] @ x) * x, rtol=1e-12)


def optional_entries(params, x):
    """`.get` on a dict parameter: its key set is part of the structure."""
    enc = params.get("enc")  # a subtree
    z = x * enc["w"] + params.get("b", 0.0)
    scale = params.get("scale")
    return np.sum(np.tanh(z)) * (1.0 if scale is None else scale)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("keys", [("enc", "b", "scale"), ("enc",), ("enc", "b"),
                                  ("enc", "scale")])
def test_get_on_a_dict_parameter_against_finite_differences(keys, mode):
    full = {"enc": {"w": np.array([0.5, -1.5])}, "b": np.array([0.2, 0.1]), "scale": 1.7}
    args = ({k: full[k] for k in keys}, np.array([0.3, -0.8]))
    got = srcdiff.grad(optional_entries, mode=mode)(*args)
    assert_tree_close(got, fd_grad(optional_entries, args, 0))


def test_get_with_a_computed_key_is_a_located_error():
    def f(p, name):
        return p.get(name, 0.0) * 2.0
    with pytest.raises(UnsupportedSyntaxError, match=r"p\.get with a key that is not a "
                       "constant"):
        srcdiff.grad(f)({"w": 1.0}, "w")


def sorted_layers(params, x):
    h = x
    for name in sorted(params):  # the keys are static: unrolled in sorted order
        h = np.tanh(h * params[name])
    for name, w in sorted(params.items()):
        h = h * w + 0.5 * len(name)
    return np.sum(h)


def named_decay(params, x):
    reg = 0.0
    for name in ("W2", "W1"):  # a display of constant keys: unrolled
        reg = reg + np.sum(params[name] ** 2)
    return np.sum(np.tanh(x @ params["W1"]) @ params["W2"]) + 0.1 * reg


@pytest.mark.parametrize("mode", MODES)
def test_static_key_loops_against_finite_differences(mode):
    rng = _rng()
    p = {"c": rng.standard_normal(3), "a": rng.standard_normal(3), "b": rng.standard_normal(3)}
    args = (p, rng.standard_normal(3))
    assert_tree_close(srcdiff.grad(sorted_layers, mode=mode)(*args),
                      fd_grad(sorted_layers, args, 0))
    p = {"W1": rng.standard_normal((3, 4)), "W2": rng.standard_normal((4, 2))}
    args = (p, rng.standard_normal((5, 3)))
    assert_tree_close(srcdiff.grad(named_decay, mode=mode)(*args),
                      fd_grad(named_decay, args, 0))
