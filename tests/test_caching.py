"""Every entry point caches its transforms (issue 19 item 3), and the caches stay
correct: a repeated call costs a derivative evaluation, not a transform (counted
by `transform.COUNTS`, never timed); a rebound global callee, a global constant
whose type changes, and arguments of other kinds all get a fresh, correct
derivative. References are hand-derived formulas."""
from __future__ import annotations

import gc
import math
import sys
import types
import weakref

import numpy as np
import pytest

import srcdiff
from srcdiff import transform

MODULE = sys.modules[__name__]


def transforms() -> int:
    """Lowerings and builds run so far (cache misses)."""
    return sum(transform.COUNTS.values())


def cube(x):
    return x ** 3 + 2.0 * x


def dcube(x):
    return 3.0 * x ** 2 + 2.0


def vec(x):
    return np.sin(x) * x


def dvec(x):
    return np.cos(x) * x + np.sin(x)


def two(x, y):
    return x * y + math.sin(x)


X = np.array([0.3, -1.2, 2.0])

ENTRIES = {
    "grad": lambda: srcdiff.grad(cube)(1.5),
    "grad_forward": lambda: srcdiff.grad(cube, mode="forward")(1.5),
    "value_and_grad": lambda: srcdiff.value_and_grad(cube)(1.5)[1],
    "vjp": lambda: srcdiff.vjp(cube, 1.5)[1](1.0)[0],
    "jvp": lambda: srcdiff.jvp(cube, (1.5,), (1.0,))[1],
    "jacobian": lambda: srcdiff.jacobian(cube)(1.5),
    "jacobian_forward": lambda: srcdiff.jacobian(cube, mode="forward")(1.5),
    "hessian": lambda: srcdiff.hessian(cube)(1.5),
}
EXPECTED = {name: (6.0 * 1.5 if name == "hessian" else dcube(1.5)) for name in ENTRIES}


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_a_repeated_call_of_any_entry_point_transforms_nothing(entry):
    """The second time, building the entry point again and calling it is all
    cache hits, and the value is still right."""
    first = ENTRIES[entry]()
    before = transforms()
    again = ENTRIES[entry]()
    assert transforms() == before
    assert first == pytest.approx(EXPECTED[entry], rel=1e-14)
    assert again == pytest.approx(EXPECTED[entry], rel=1e-14)


def looped(x):
    s = 0.0
    for _ in range(3):
        s = s + x * x * x
    return s


SECOND_ORDER = {  # entry point -> (call, hand-derived value at x = 1.5)
    "hvp": (lambda: srcdiff.hvp(cube)(1.5, 1.0), 6.0 * 1.5),
    "hvp_of_a_loop": (lambda: srcdiff.hvp(looped)(1.5, 2.0), 18.0 * 1.5 * 2.0),
    "hessian_of_a_loop": (lambda: srcdiff.hessian(looped)(1.5), 18.0 * 1.5),
    "jvp_of_grad": (lambda: srcdiff.jvp(srcdiff.grad(cube), (1.5,), (1.0,))[1], 6.0 * 1.5),
    "grad_of_grad": (lambda: srcdiff.grad(srcdiff.grad(cube))(1.5), 6.0 * 1.5),
    "vjp_of_an_array": (lambda: float(srcdiff.vjp(vec, X)[1](np.ones(3))[0] @ np.ones(3)),
                        float(np.sum(dvec(X)))),
    "jacobian_of_an_array": (lambda: float(np.trace(srcdiff.jacobian(vec)(X))),
                             float(np.sum(dvec(X)))),
}


@pytest.mark.parametrize("entry", list(SECOND_ORDER))
def test_derivatives_of_derivatives_and_of_arrays_are_cached_too(entry):
    """Entry points built afresh at every call, second order and on arrays: the
    repeat runs no lowering and no build (counted, not timed)."""
    call, want = SECOND_ORDER[entry]
    first = call()
    before = transforms()
    again = call()
    assert transforms() == before
    assert first == pytest.approx(want, rel=1e-13)
    assert again == pytest.approx(want, rel=1e-13)


FIRST = {
    "grad": lambda f: srcdiff.grad(f)(1.5),
    "value_and_grad": lambda f: srcdiff.value_and_grad(f)(1.5)[1],
    "vjp": lambda f: srcdiff.vjp(f, 1.5)[1](1.0)[0],
    "jvp": lambda f: srcdiff.jvp(f, (1.5,), (1.0,))[1],
    "jacobian": lambda f: srcdiff.jacobian(f)(1.5),
    "jacobian_forward": lambda f: srcdiff.jacobian(f, mode="forward")(1.5),
}


@pytest.mark.parametrize("entry", list(FIRST))
def test_a_first_call_is_one_lowering_and_one_build(entry):
    """Nothing is built for `.source` unless it is read."""
    def f(x):
        return x ** 3 + 2.0 * x

    before = dict(transform.COUNTS)
    assert FIRST[entry](f) == pytest.approx(dcube(1.5), rel=1e-14)
    ran = {k: v - before.get(k, 0) for k, v in transform.COUNTS.items() if v != before.get(k, 0)}
    assert ran == {"lower": 1, "forward" if "forward" in entry or entry == "jvp"
                   else "reverse": 1}


def test_grad_of_the_same_function_twice_shares_the_transform():
    def f(x, y):
        return np.sum(x * y ** 2)

    g1 = srcdiff.grad(f, wrt=("x", "y"))
    assert g1(2.0, 3.0) == pytest.approx((9.0, 12.0), rel=1e-15)
    before = transforms()
    g2 = srcdiff.grad(f, wrt=("x", "y"))
    assert g2 is not g1 and g2(2.0, 3.0) == pytest.approx((9.0, 12.0), rel=1e-15)
    assert g2(np.array([1.0, 2.0]), 3.0)[0] == pytest.approx([9.0, 9.0])
    assert transforms() > before  # arrays: a new specialisation
    before = transforms()
    g1(np.array([1.0, 2.0]), 3.0)  # g2 built it: shared
    srcdiff.grad(f, wrt=("x", "y"))(np.array([1.0, 2.0]), 3.0)
    assert transforms() == before


def test_a_different_wrt_or_mode_is_its_own_transform():
    srcdiff.grad(two, wrt="x")(1.0, 2.0)
    before = transforms()
    dy = srcdiff.grad(two, wrt="y")(1.0, 2.0)
    assert transforms() > before and dy == pytest.approx(1.0, rel=1e-15)
    before = transforms()
    dx = srcdiff.grad(two, wrt="x", mode="forward")(1.0, 2.0)
    assert transforms() > before and dx == pytest.approx(2.0 + math.cos(1.0), rel=1e-15)


def test_vjp_and_jvp_cache_per_argument_kinds():
    for x in (1.5, X, 2, np.float64(0.5), X.reshape(3, 1), 1.5, X):
        out, pull = srcdiff.vjp(vec, x)
        (g,) = pull(np.ones_like(out) if isinstance(out, np.ndarray) else 1.0)
        np.testing.assert_allclose(g, dvec(np.asarray(x, dtype=float)), rtol=1e-14)
        assert np.shape(g) == np.shape(x)
        t = np.ones_like(x, dtype=float) if isinstance(x, np.ndarray) else 1.0
        _, tan = srcdiff.jvp(vec, (x,), (t,))
        np.testing.assert_allclose(tan, dvec(np.asarray(x, dtype=float)), rtol=1e-14)
    before = transforms()
    for x in (1.5, X, X.reshape(3, 1)):
        srcdiff.vjp(vec, x)
        srcdiff.jvp(vec, (x,), (np.ones_like(x) if isinstance(x, np.ndarray) else 1.0,))
    assert transforms() == before


def test_jacobian_and_hessian_of_arrays_are_cached():
    jr, jf = srcdiff.jacobian(vec), srcdiff.jacobian(vec, mode="forward")
    expected = np.diag(dvec(X))
    np.testing.assert_allclose(jr(X), expected, rtol=1e-14)
    np.testing.assert_allclose(jf(X), expected, rtol=1e-14)

    def energy(x):
        return np.sum(x ** 3)

    np.testing.assert_allclose(srcdiff.hessian(energy)(X), np.diag(6.0 * X), rtol=1e-14)
    before = transforms()
    np.testing.assert_allclose(srcdiff.jacobian(vec)(X), expected, rtol=1e-14)
    np.testing.assert_allclose(srcdiff.jacobian(vec, mode="forward")(X), expected, rtol=1e-14)
    np.testing.assert_allclose(srcdiff.hessian(energy)(X), np.diag(6.0 * X), rtol=1e-14)
    assert transforms() == before


# --- live globals: a rebound callee, a constant of another type -------------------

def square(u):
    return u * u


def triple(u):
    return 3.0 * u


HELP = square
SCALE = 2.0


def uses_help(x):
    return HELP(x) + x


def uses_scale(x):
    return SCALE * x ** 2


CFG = types.ModuleType("srcdiff_test_config")  # a module attribute, `CFG.SCALE`
CFG.SCALE = 2.0


def uses_cfg(x):
    return np.sum(CFG.SCALE * x ** 2)


LIVE = {  # each entry point's derivative of uses_help at 1.5, as a float
    "grad": lambda x: srcdiff.grad(uses_help)(x),
    "grad_forward": lambda x: srcdiff.grad(uses_help, mode="forward")(x),
    "value_and_grad": lambda x: srcdiff.value_and_grad(uses_help)(x)[1],
    "vjp": lambda x: srcdiff.vjp(uses_help, x)[1](1.0)[0],
    "jvp": lambda x: srcdiff.jvp(uses_help, (x,), (1.0,))[1],
    "jacobian": lambda x: srcdiff.jacobian(uses_help)(x),
    "jacobian_forward": lambda x: srcdiff.jacobian(uses_help, mode="forward")(x),
}


@pytest.mark.parametrize("entry", list(LIVE))
def test_a_rebound_global_callee_is_transformed_again(entry, monkeypatch):
    assert LIVE[entry](2.0) == pytest.approx(2 * 2.0 + 1.0, rel=1e-15)
    monkeypatch.setattr(MODULE, "HELP", triple)
    assert LIVE[entry](2.0) == pytest.approx(3.0 + 1.0, rel=1e-15)
    monkeypatch.setattr(MODULE, "HELP", square)
    assert LIVE[entry](2.0) == pytest.approx(2 * 2.0 + 1.0, rel=1e-15)


def test_kept_derivative_objects_see_a_rebound_callee(monkeypatch):
    """Objects built before the rebinding (a jvp function, a jacobian, a grad)
    transform again at their next call: none keeps the old callee."""
    j = srcdiff.jvp(uses_help)
    jac = srcdiff.jacobian(uses_help, mode="forward")
    jac_r = srcdiff.jacobian(uses_help)
    g = srcdiff.grad(uses_help)
    assert j((2.0,), (1.0,))[1] == pytest.approx(5.0, rel=1e-15)
    for obj in (jac, jac_r, g):  # built and cached for floats
        assert obj(2.0) == pytest.approx(5.0, rel=1e-15)
    monkeypatch.setattr(MODULE, "HELP", triple)
    assert j((2.0,), (1.0,))[1] == pytest.approx(4.0, rel=1e-15)
    for obj in (jac, jac_r, g):
        assert obj(2.0) == pytest.approx(4.0, rel=1e-15)


def test_a_global_constant_changing_value_is_read_live():
    j = srcdiff.jvp(uses_scale)
    assert srcdiff.vjp(uses_scale, 1.5)[1](1.0)[0] == pytest.approx(6.0, rel=1e-15)
    assert j((1.5,), (1.0,))[1] == pytest.approx(6.0, rel=1e-15)
    try:
        MODULE.SCALE = 5.0
        assert srcdiff.vjp(uses_scale, 1.5)[1](1.0)[0] == pytest.approx(15.0, rel=1e-15)
        assert j((1.5,), (1.0,))[1] == pytest.approx(15.0, rel=1e-15)
        assert srcdiff.jacobian(uses_scale, mode="forward")(1.5) == pytest.approx(15.0)
    finally:
        MODULE.SCALE = 2.0


def test_a_global_constant_changing_kind_specialises_again():
    """SCALE a float, then an array: the result of a float x becomes an array, and
    x's gradient (a sum over SCALE's entries) stays a float."""
    scales = np.array([1.0, 2.0, 4.0])
    j = srcdiff.jvp(uses_scale)
    assert srcdiff.vjp(uses_scale, 1.5)[1](1.0)[0] == pytest.approx(6.0, rel=1e-15)
    assert j((1.5,), (1.0,))[1] == pytest.approx(6.0, rel=1e-15)
    assert srcdiff.jacobian(uses_scale)(1.5) == pytest.approx(6.0, rel=1e-15)
    try:
        MODULE.SCALE = scales
        (g,) = srcdiff.vjp(uses_scale, 1.5)[1](np.ones(3))
        assert type(g) is float and g == pytest.approx(3.0 * 7.0, rel=1e-15)
        np.testing.assert_allclose(j((1.5,), (1.0,))[1], 3.0 * scales, rtol=1e-15)
        np.testing.assert_allclose(srcdiff.jacobian(uses_scale)(1.5), 3.0 * scales, rtol=1e-15)
        np.testing.assert_allclose(srcdiff.jacobian(uses_scale, mode="forward")(1.5),
                                   3.0 * scales, rtol=1e-15)
    finally:
        MODULE.SCALE = 2.0
    assert srcdiff.vjp(uses_scale, 1.5)[1](1.0)[0] == pytest.approx(6.0, rel=1e-15)


def test_a_module_attribute_changing_kind_specialises_again():
    g = srcdiff.grad(uses_cfg)
    assert g(1.5) == pytest.approx(6.0, rel=1e-15)
    assert srcdiff.vjp(uses_cfg, 1.5)[1](1.0)[0] == pytest.approx(6.0, rel=1e-15)
    before = transforms()
    assert g(1.5) == pytest.approx(6.0, rel=1e-15)
    assert transforms() == before  # the guard holds: nothing rebuilt
    try:
        CFG.SCALE = np.array([1.0, 2.0, 4.0])
        assert g(1.5) == pytest.approx(21.0, rel=1e-15)
        assert srcdiff.vjp(uses_cfg, 1.5)[1](1.0)[0] == pytest.approx(21.0, rel=1e-15)
        assert srcdiff.jvp(uses_cfg, (1.5,), (1.0,))[1] == pytest.approx(21.0, rel=1e-15)
    finally:
        CFG.SCALE = 2.0
    assert g(1.5) == pytest.approx(6.0, rel=1e-15)


def scaled(x, k=2.0):
    return k * x * x


def test_new_defaults_are_not_served_from_the_caches():
    """The compiled code copies `f`'s defaults: new ones mean new builds."""
    assert srcdiff.grad(scaled)(1.0) == pytest.approx(4.0, rel=1e-15)
    assert srcdiff.vjp(scaled, 1.0)[1](1.0) == pytest.approx((4.0, 1.0), rel=1e-15)
    try:
        scaled.__defaults__ = (5.0,)
        assert srcdiff.grad(scaled)(1.0) == pytest.approx(10.0, rel=1e-15)
        assert srcdiff.value_and_grad(scaled)(1.0) == pytest.approx((5.0, 10.0), rel=1e-15)
        assert srcdiff.vjp(scaled, 1.0)[1](1.0)[0] == pytest.approx(10.0, rel=1e-15)
        assert srcdiff.jvp(scaled, (1.0, 5.0), (1.0, 0.0))[1] == pytest.approx(10.0, rel=1e-15)
    finally:
        scaled.__defaults__ = (2.0,)
    assert srcdiff.grad(scaled)(1.0) == pytest.approx(4.0, rel=1e-15)


def test_a_closure_constant_rebound_by_nonlocal_is_transformed_again():
    """A closure's number is baked into the code as a constant; rebinding it
    (`nonlocal`) must not leave the old one in any cached derivative."""
    def make():
        c = 2.0

        def f(x):
            return c * x * x

        def set_c(v):
            nonlocal c
            c = v
        return f, set_c

    f, set_c = make()
    g, j = srcdiff.grad(f), srcdiff.jvp(f)
    assert g(1.5) == pytest.approx(6.0, rel=1e-15)
    assert j((1.5,), (1.0,))[1] == pytest.approx(6.0, rel=1e-15)
    assert srcdiff.vjp(f, 1.5)[1](1.0)[0] == pytest.approx(6.0, rel=1e-15)
    set_c(5.0)
    assert g(1.5) == pytest.approx(15.0, rel=1e-15)
    assert j((1.5,), (1.0,))[1] == pytest.approx(15.0, rel=1e-15)
    assert srcdiff.vjp(f, 1.5)[1](1.0)[0] == pytest.approx(15.0, rel=1e-15)
    assert srcdiff.grad(f, mode="forward")(1.5) == pytest.approx(15.0, rel=1e-15)
    assert srcdiff.hessian(f)(1.5) == pytest.approx(10.0, rel=1e-15)


# --- the caches keep nothing alive; generated functions with one name ------------

def test_a_function_can_be_collected_after_its_derivatives():
    def make():
        def local(x):
            return x * x * 3.0
        return local

    f = make()
    assert srcdiff.grad(f)(2.0) == srcdiff.vjp(f, 2.0)[1](1.0)[0] == 12.0
    assert srcdiff.jvp(f, (2.0,), (1.0,))[1] == 12.0 and srcdiff.hessian(f)(2.0) == 6.0
    ref = weakref.ref(f)
    del f
    gc.collect()
    assert ref() is None


def test_derivatives_of_derivatives_of_functions_with_one_name():
    """Two functions named `f` (and a forward and a reverse gradient of each):
    the gradient of each gradient transforms its own generated code."""
    def make(power):
        def f(x):
            return x ** power
        return f

    f3, f5 = make(3), make(5)
    g3 = srcdiff.grad(f3)
    srcdiff.grad(f5)(1.0)  # (once, this gave grad(g3) the text of f5's gradient)
    assert srcdiff.grad(g3)(2.0) == pytest.approx(6.0 * 2.0, rel=1e-15)
    srcdiff.grad(f3, mode="forward")(1.0)
    assert srcdiff.grad(srcdiff.grad(f3))(2.0) == pytest.approx(6.0 * 2.0, rel=1e-15)
    assert srcdiff.hessian(f5)(2.0) == pytest.approx(20.0 * 2.0 ** 3, rel=1e-15)
