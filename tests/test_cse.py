"""Common-subexpression elimination (srcdiff/cse.py): a repeated pure scalar
computation is written once, inside the block where it is available; arrays,
effects and loop-carried values are never merged; the gradients stay right
(central differences, both modes) and the primal's value is bit for bit the same."""
import math

import numpy as np
import pytest

import srcdiff
from srcdiff import cse, kinds
from srcdiff.transform import lowered
from tests.cse_programs import branched, looped, rk4, with_effects

MODES = ["reverse", "forward"]


def arrays(x, w):
    a = w * x
    b = w * x  # arrays: two buffers, kept apart
    a += 1.0
    return np.sum(a * b)


def fd(fun, args, i, h=1e-6):
    up = list(args)
    dn = list(args)
    up[i] += h
    dn[i] -= h
    return (fun(*up) - fun(*dn)) / (2 * h)


def code(fun) -> str:
    """The generated source without its comments (they quote the user's lines)."""
    src = srcdiff.grad(fun, wrt=(0, 1)).source
    return "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith("#"))


def grads(fun, args, mode):
    wrt = tuple(range(len(args)))
    got = srcdiff.grad(fun, wrt=wrt, mode=mode)(*args)
    return got if isinstance(got, tuple) else (got,)


def test_rk4_source_computes_half_dt_once():
    src = code(rk4)
    assert src.count("0.5 * dt") == 1, src
    assert srcdiff.grad(rk4, wrt=(0, 1)).source == srcdiff.grad(rk4, wrt=(0, 1)).source


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fun, args", [
    (rk4, (1.0, 0.1)), (rk4, (-0.7, 0.3)),
    (looped, (0.4, 0.7)), (branched, (0.6, 1.3)), (branched, (-0.6, 1.3)),
])
def test_gradients_match_central_differences(fun, args, mode):
    for i, g in enumerate(grads(fun, args, mode)):
        assert g == pytest.approx(fd(fun, args, i), rel=1e-6, abs=1e-8)


def test_value_is_the_primals_to_the_bit():
    for fun, args in [(rk4, (1.0, 0.1)), (looped, (0.4, 0.7)), (branched, (0.6, 1.3))]:
        value, _ = srcdiff.value_and_grad(fun)(*args)
        assert value == fun(*args)


def test_inside_loop_and_arms_merged_there_only():
    src = code(looped)
    body = src.split("for ")[1].split("exp_a_times_x_1 = ")[0]  # the primal loop
    assert body.count("s * a") == 1 and body.count("math.exp(a * x)") == 1, src
    assert src.count("math.exp(a * x)") == 2, src  # the body's is not available after it
    src = code(branched)
    then = src.split("if ")[1].split("else")[0]
    assert then.count("x * a") == 1, src  # within the arm
    assert src.count("x * a") == 3, src  # each arm once, and once after the if


def _merged(fun, args) -> int:
    lw = lowered(fun)
    fn = lw.fn
    pk = {p.id: kinds.kind_of_value(a) for p, a in zip(fn.params, args)}
    out = cse.eliminate(fn, kinds.infer(fn, pk))
    count = sum(1 for _ in _assigns(fn.body))
    return count - sum(1 for _ in _assigns(out.body))


def _assigns(block):
    from srcdiff import ir
    return (s for s in ir.walk(block) if isinstance(s, ir.Assign))


def test_effects_and_arrays_never_merged(capsys):
    assert _merged(with_effects, (1.5,)) == 3  # the four pure `x * 2`, never the prints
    assert srcdiff.grad(with_effects)(1.5) == 4.0
    assert capsys.readouterr().out.count("3.0") == 2
    w = np.array([1.0, 2.0, 3.0])
    assert _merged(arrays, (2.0, w)) == 0
    for mode in MODES:
        g = srcdiff.grad(arrays, mode=mode)(2.0, w)
        assert g == pytest.approx(fd(lambda x: arrays(x, w), (2.0,), 0), rel=1e-6)


def test_loop_carried_values_are_not_merged():
    def carried(x, n=3):
        s = x
        for _ in range(n):
            s = math.sin(s)  # each trip a new s
        return s + math.sin(x)
    assert _merged(carried, (0.5,)) == 0
    for mode in MODES:
        assert srcdiff.grad(carried, mode=mode)(0.5) == pytest.approx(
            fd(carried, (0.5,), 0), rel=1e-6)
