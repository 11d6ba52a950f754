"""Modes (issue 6): vjp, jvp, jacobian (both modes) and hessian on NumPy code.

Each Jacobian is checked three ways: against a hand-derived formula, reverse
against forward mode (rounding level, 1e-12) and against central finite
differences (about 1e-6). Hessians are checked against analytic Hessians, for
symmetry and shape, and against finite differences of srcdiff's own gradient.
"""
import math

import numpy as np
import pytest
from conftest import EPS, EXACT_RTOL, FD_RTOL

import srcdiff

# ----- functions under test (module level: srcdiff reads their source) -----


def elementwise(x):
    return np.sin(x) * x


def tanh_layer(A, x):
    return np.tanh(A @ x)


def outer(x, y):
    return np.outer(x, y)


def scalar_to_vector(t):
    return np.array([t, t * t, np.sin(t)])


def scalar_to_vector_arange(t):
    return t * np.arange(3.0) + t ** 2 * np.ones(3)


def row_norms(X):
    return np.sqrt(np.sum(X * X, axis=1))


def tanh_steps(W, x):
    for _ in range(3):
        x = np.tanh(W @ x)
    return x


def rosenbrock2(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def logsumexp_plain(x):
    return np.log(np.sum(np.exp(x)))


def loop_sum(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.tanh(x) * i)
    return s


def square(x):
    return x * x


def cube_sin(x):
    return x ** 3 * math.sin(x)


def cube_np_sin(x):
    return x ** 3 * np.sin(x)


def doubled(X):
    return 2.0 * X


# ----- helpers -----


def rng():
    return np.random.default_rng(6)


def fd_jacobian(f, args, i):
    """Central differences of f wrt args[i]: shape out.shape + in.shape."""
    args = list(args)
    x = args[i]
    xa = np.array(x, dtype=float)
    h = EPS ** (1 / 3) * max(1.0, float(np.max(np.abs(xa))))
    cols = []
    for k in range(xa.size):
        vals = []
        for sign in (1.0, -1.0):
            xs = xa.copy()
            xs.flat[k] += sign * h
            a = list(args)
            a[i] = xs if isinstance(x, np.ndarray) else float(xs)
            vals.append(np.asarray(f(*a), dtype=float))
        cols.append((vals[0] - vals[1]) / (2 * h))
    out_shape = np.shape(f(*args))
    mat = np.stack(cols, axis=-1)
    return mat.reshape(out_shape + np.shape(x))


def assert_close(got, want, rtol, what=""):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    assert err <= rtol * scale, f"{what}: max error {err:.3g} (rtol {rtol:g})\n{got}\n{want}"


# ----- Jacobians: hand-derived formulas -----


def jac_elementwise(x):
    return np.diag(np.cos(x) * x + np.sin(x))


def jac_tanh_layer(A, x):
    y = np.tanh(A @ x)
    d = 1 - y * y
    m, n = A.shape
    jA = np.einsum("i,ij,k->ijk", d, np.eye(m), x)
    jx = d[:, None] * A
    return jA, jx


def jac_outer(x, y):
    jx = np.einsum("ik,j->ijk", np.eye(len(x)), y)
    jy = np.einsum("i,jk->ijk", x, np.eye(len(y)))
    return jx, jy


def jac_scalar_to_vector(t):
    return (np.array([1.0, 2 * t, math.cos(t)]),)


def jac_scalar_to_vector_arange(t):
    return (np.arange(3.0) + 2 * t,)


def jac_row_norms(X):
    n = np.sqrt(np.sum(X * X, axis=1))
    return (np.einsum("ij,ik->ijk", np.eye(X.shape[0]), X / n[:, None]),)


def jac_tanh_steps(W, x):
    """Only wrt x: the chain rule through three steps, D3 W D2 W D1 W."""
    J = np.eye(len(x))
    for _ in range(3):
        x = np.tanh(W @ x)
        J = (1 - x * x)[:, None] * W @ J
    return (None, J)


def _cases():
    r = rng()
    A = r.normal(size=(3, 4))
    return [
        ("elementwise", elementwise, (r.normal(size=5),), (0,),
         lambda x: (jac_elementwise(x),)),
        ("tanh_layer", tanh_layer, (A, r.normal(size=4)), (0, 1), jac_tanh_layer),
        ("outer", outer, (r.normal(size=3), r.normal(size=4)), (0, 1), jac_outer),
        ("scalar_to_vector", scalar_to_vector, (0.7,), (0,), jac_scalar_to_vector),
        ("scalar_to_vector_arange", scalar_to_vector_arange, (0.7,), (0,),
         jac_scalar_to_vector_arange),
        ("row_norms", row_norms, (r.normal(size=(3, 4)),), (0,), jac_row_norms),
        ("tanh_steps", tanh_steps, (0.6 * r.normal(size=(3, 3)), r.normal(size=3)), (0, 1),
         jac_tanh_steps),
    ]


CASES = _cases()
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_matches_hand_derived(case, mode):
    name, f, args, wrts, hand = case
    want = hand(*args)
    for i in wrts:
        if want[i] is None:
            continue
        got = srcdiff.jacobian(f, wrt=i, mode=mode)(*args)
        assert isinstance(got, np.ndarray), f"{name} wrt {i}: got {type(got).__name__}"
        assert got.shape == np.shape(f(*args)) + np.shape(args[i])
        assert_close(got, want[i], EXACT_RTOL, f"{name} wrt {i} ({mode})")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_jacobian_modes_agree_and_match_fd(case):
    name, f, args, wrts, _ = case
    for i in wrts:
        rev = srcdiff.jacobian(f, wrt=i, mode="reverse")(*args)
        fwd = srcdiff.jacobian(f, wrt=i, mode="forward")(*args)
        assert_close(rev, fwd, EXACT_RTOL, f"{name} wrt {i}: reverse vs forward")
        assert_close(rev, fd_jacobian(f, args, i), FD_RTOL, f"{name} wrt {i}: vs FD")


@pytest.mark.parametrize("case", [c for c in CASES if len(c[3]) > 1],
                         ids=[c[0] for c in CASES if len(c[3]) > 1])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_tuple_wrt_gives_tuple_of_jacobians(case, mode):
    name, f, args, wrts, _ = case
    both = srcdiff.jacobian(f, wrt=wrts, mode=mode)(*args)
    assert isinstance(both, tuple) and len(both) == len(wrts)
    for i, got in zip(wrts, both):
        single = srcdiff.jacobian(f, wrt=i, mode=mode)(*args)
        assert got.shape == np.shape(f(*args)) + np.shape(args[i])
        assert_close(got, single, EXACT_RTOL, f"{name} wrt {i} in a tuple")
    # the reversed order, by name
    names = f.__code__.co_varnames[:2]
    rev = srcdiff.jacobian(f, wrt=(names[1], names[0]), mode=mode)(*args)
    assert_close(rev[0], both[1], EXACT_RTOL, f"{name} wrt {names[1]!r} first")
    assert_close(rev[1], both[0], EXACT_RTOL, f"{name} wrt {names[0]!r} second")


def test_jacobian_shape_is_out_shape_plus_in_shape():
    A, x = rng().normal(size=(3, 4)), rng().normal(size=4)
    assert srcdiff.jacobian(tanh_layer, wrt="A")(A, x).shape == (3,) + (3, 4)
    assert srcdiff.jacobian(tanh_layer, wrt="x", mode="forward")(A, x).shape == (3,) + (4,)


# ----- Hessians -----


def rosenbrock2_hessian(x, y):
    return np.array([[2 - 400 * y + 1200 * x * x, -400 * x], [-400 * x, 200.0]])


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] = H[i + 1, i] = -400 * x[i]
    return H


def softmax_hessian(x):
    p = np.exp(x - np.max(x))
    p /= p.sum()
    return np.diag(p) - np.outer(p, p)


def test_hessian_rosenbrock_scalar_params_are_floats():
    x, y = 0.3, -0.4
    H = rosenbrock2_hessian(x, y)
    hxx = srcdiff.hessian(rosenbrock2, wrt=0)(x, y)
    hyy = srcdiff.hessian(rosenbrock2, wrt="y")(x, y)
    assert type(hxx) is float and type(hyy) is float, (type(hxx), type(hyy))
    assert_close(hxx, H[0, 0], EXACT_RTOL, "d2f/dx2")
    assert_close(hyy, H[1, 1], EXACT_RTOL, "d2f/dy2")


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_rosenbrock_scalar_mixed_partials_are_symmetric(mode):
    """The off-diagonal entries: jacobian of one partial wrt the other parameter."""
    x, y = 0.3, -0.4
    hxy = srcdiff.jacobian(srcdiff.grad(rosenbrock2, wrt=0), wrt=1, mode=mode)(x, y)
    hyx = srcdiff.jacobian(srcdiff.grad(rosenbrock2, wrt=1), wrt=0, mode=mode)(x, y)
    assert type(hxy) is float and type(hyx) is float
    assert_close(hxy, -400 * x, EXACT_RTOL, "d2f/dxdy")
    assert abs(hxy - hyx) <= 1e-10


def _check_hessian(f, x, want):
    H = srcdiff.hessian(f)(x)
    assert isinstance(H, np.ndarray) and H.shape == x.shape + x.shape, np.shape(H)
    assert float(np.max(np.abs(H - H.T))) <= 1e-10, "Hessian not symmetric"
    assert_close(H, want, EXACT_RTOL, f"{f.__name__} Hessian vs analytic")
    g = srcdiff.grad(f)
    assert_close(H, fd_jacobian(g, (x,), 0), FD_RTOL, f"{f.__name__} Hessian vs FD of grad")


def test_hessian_rosenbrock_vector():
    x = rng().normal(size=5)
    _check_hessian(rosenbrock, x, rosenbrock_hessian(x))


def test_hessian_logsumexp_stable():
    x = rng().normal(size=4) * 3
    _check_hessian(logsumexp, x, softmax_hessian(x))


def test_hessian_logsumexp_plain():
    x = rng().normal(size=4)
    _check_hessian(logsumexp_plain, x, softmax_hessian(x))


def test_gradient_of_rosenbrock_and_logsumexp_for_reference():
    """The first derivatives the Hessians above differentiate are right."""
    x = rng().normal(size=5)
    g = srcdiff.grad(rosenbrock)(x)
    want = np.zeros(5)
    want[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    want[1:] += 200 * (x[1:] - x[:-1] ** 2)
    assert_close(g, want, EXACT_RTOL, "grad rosenbrock")
    p = np.exp(x - x.max())
    assert_close(srcdiff.grad(logsumexp)(x), p / p.sum(), EXACT_RTOL, "grad logsumexp")


def test_hessian_through_a_loop():
    """hessian of a function with a loop (its gradient keeps a tape): one
    Hessian-vector product per element, by reverse mode over the tangent code.
    loop_sum = 3 * sum(tanh(x)): the Hessian is diag(-6 tanh(x) (1 - tanh(x)^2))."""
    x = rng().normal(size=3)
    t = np.tanh(x)
    assert_close(srcdiff.hessian(loop_sum)(x), np.diag(-6 * t * (1 - t * t)), EXACT_RTOL,
                 "hessian loop_sum")


# ----- grad of grad -----


def cube_sin_second(x):
    return 6 * x * math.sin(x) + 6 * x * x * math.cos(x) - x ** 3 * math.sin(x)


@pytest.mark.parametrize("f", [cube_sin, cube_np_sin], ids=["math_sin", "np_sin"])
@pytest.mark.parametrize("outer_mode", ["reverse", "forward"])
def test_grad_of_grad(f, outer_mode):
    for x in (0.7, -1.3, 2.0):
        got = srcdiff.grad(srcdiff.grad(f), mode=outer_mode)(x)
        assert isinstance(got, float), type(got)
        assert_close(got, cube_sin_second(x), EXACT_RTOL, f"f''({x})")


def test_grad_of_forward_mode_grad():
    """A forward-mode derivative is a derivative function like any other, so it
    can be differentiated again (grad(f, mode="forward") equals reverse mode)."""
    got = srcdiff.grad(srcdiff.grad(cube_sin, mode="forward"))(0.7)
    assert isinstance(got, float), type(got)
    assert_close(got, cube_sin_second(0.7), EXACT_RTOL, "f''(0.7)")


def test_hessian_of_scalar_function_is_second_derivative():
    got = srcdiff.hessian(cube_sin)(0.7)
    assert type(got) is float
    assert_close(got, cube_sin_second(0.7), EXACT_RTOL, "hessian cube_sin")


# ----- vjp -----


def test_vjp_of_square_with_ones_gives_two_x_exactly():
    x = rng().normal(size=6)
    out, pullback = srcdiff.vjp(square, x)
    assert np.array_equal(out, x * x)
    (gx,) = pullback(np.ones(6))
    assert isinstance(gx, np.ndarray) and np.array_equal(gx, 2 * x), gx


def test_vjp_wrt_none_gives_one_gradient_per_parameter():
    r = rng()
    A, x, ct = r.normal(size=(3, 4)), r.normal(size=4), r.normal(size=3)
    out, pullback = srcdiff.vjp(tanh_layer, A, x)
    assert_close(out, np.tanh(A @ x), 0.0, "vjp out")
    grads = pullback(ct)
    assert isinstance(grads, tuple) and len(grads) == 2
    jA, jx = jac_tanh_layer(A, x)
    assert grads[0].shape == A.shape and grads[1].shape == x.shape
    assert_close(grads[0], np.tensordot(ct, jA, axes=1), EXACT_RTOL, "ct @ dA")
    assert_close(grads[1], ct @ jx, EXACT_RTOL, "ct @ dx")
    # the pullback is reusable and nothing accumulates
    again = pullback(ct)
    assert_close(again[1], grads[1], 0.0, "second pullback call")


def test_vjp_wrt_selects_parameters():
    r = rng()
    A, x, ct = r.normal(size=(3, 4)), r.normal(size=4), r.normal(size=3)
    _, pullback = srcdiff.vjp(tanh_layer, A, x, wrt=1)
    grads = pullback(ct)
    assert isinstance(grads, tuple) and len(grads) == 1
    assert_close(grads[0], ct @ jac_tanh_layer(A, x)[1], EXACT_RTOL, "vjp wrt x")


def test_vjp_pullback_source_defines_a_function():
    _, pullback = srcdiff.vjp(square, np.arange(3.0))
    src = pullback.source
    assert isinstance(src, str) and src.startswith("def ")
    compile(src, "<pullback>", "exec")


# ----- jvp -----


def test_jvp_is_jacobian_times_tangent():
    r = rng()
    A, x = r.normal(size=(3, 4)), r.normal(size=4)
    tA, tx = r.normal(size=(3, 4)), r.normal(size=4)
    out, tout = srcdiff.jvp(tanh_layer, (A, x), (tA, tx))
    jA, jx = jac_tanh_layer(A, x)
    assert_close(out, np.tanh(A @ x), 0.0, "jvp out")
    assert_close(tout, np.tensordot(jA, tA, axes=2) + jx @ tx, EXACT_RTOL, "J @ t")


def test_jvp_scalar_input():
    out, tout = srcdiff.jvp(scalar_to_vector_arange, (0.7,), (2.0,))
    assert_close(out, scalar_to_vector_arange(0.7), 0.0, "out")
    assert_close(tout, 2.0 * (np.arange(3.0) + 1.4), EXACT_RTOL, "J t")


def test_jvp_source_is_a_function_definition_that_runs():
    j = srcdiff.jvp(elementwise)
    src = j.source
    assert isinstance(src, str)
    assert src.startswith("def elementwise_jvp(x, *, x_dot):"), src
    ns = dict(globals())
    exec(compile(src, "<jvp source>", "exec"), ns)
    x, t = rng().normal(size=4), rng().normal(size=4)
    out, tout = ns["elementwise_jvp"](x, x_dot=t)
    want_out, want_t = j((x,), (t,))
    assert_close(out, want_out, 0.0, "source out")
    assert_close(tout, want_t, 0.0, "source tangent")
    assert_close(tout, jac_elementwise(x) @ t, EXACT_RTOL, "source tangent vs J t")


# ----- errors -----


def test_grad_of_non_scalar_output_names_shape_vjp_and_jacobian():
    with pytest.raises(srcdiff.NonScalarOutputError) as info:
        srcdiff.grad(doubled)(np.ones((4, 7)))
    msg = str(info.value)
    assert "(4, 7)" in msg and "vjp" in msg and "jacobian" in msg, msg
    assert isinstance(info.value, srcdiff.SrcDiffError)


def test_pullback_with_wrong_cotangent_shape():
    _, pullback = srcdiff.vjp(tanh_layer, np.ones((3, 4)), np.ones(4))
    with pytest.raises(srcdiff.ShapeMismatchError) as info:
        pullback(np.ones(4))
    msg = str(info.value)
    assert "(4,)" in msg and "(3,)" in msg and "cotangent" in msg, msg
    assert isinstance(info.value, srcdiff.SrcDiffError)


def test_jvp_with_wrong_tangent_shape():
    with pytest.raises(srcdiff.ShapeMismatchError) as info:
        srcdiff.jvp(tanh_layer, (np.ones((3, 4)), np.ones(4)), (np.ones((3, 4)), np.ones(3)))
    msg = str(info.value)
    assert "'x'" in msg and "(3,)" in msg and "(4,)" in msg and "tangent" in msg, msg
    assert isinstance(info.value, srcdiff.SrcDiffError)


def test_jvp_with_wrong_number_of_tangents():
    with pytest.raises(srcdiff.ShapeMismatchError) as info:
        srcdiff.jvp(tanh_layer, (np.ones((3, 4)), np.ones(4)), (np.ones((3, 4)),))
    assert "tangent" in str(info.value)
