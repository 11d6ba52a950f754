"""Issue 20.1 for what `srcdiff grad` writes: the derivative module of a loop is
itself differentiated by srcdiff. Its reverse sweep reads each tape backwards, by
index or at a cursor (no `.pop()`, which srcdiff does not differentiate), and srcdiff's runtime
helpers it defines (`_shape_stub`, `_snapshot`) have rules. The written module is
imported and its gradient function differentiated with `grad`, `jvp` and
`jacobian`, checked against central differences of that gradient function. A
`--revolve` module is refused, located: its schedule is a generator (O(s) memory,
where a list of its steps would hold several per trip)."""
from __future__ import annotations

import importlib.util
import inspect
import math
import re

import numpy as np
import pytest

import srcdiff
from srcdiff.cli import main
from test_checkpoint import branchy, nested  # (the same loops, checkpointed there)


def decay(x, n):
    for i in range(n):
        x = 0.9 * x + 0.1 * math.sin(x) * (i + 1)
    return x


def drag(v0, angle, n):
    """Explicit Euler for a projectile with quadratic drag: scalar state, a tape of
    tuples."""
    vx, vy, x = v0 * math.cos(angle), v0 * math.sin(angle), 0.0
    for _ in range(n):
        v = math.sqrt(vx * vx + vy * vy)
        x = x + vx * 0.01
        vx = vx - 0.3 * v * vx * 0.01
        vy = vy - (9.8 + 0.3 * v * vy) * 0.01
    return x + vy * vy


def rk2_while(y, T):
    """Midpoint steps of y' = -y^3 + sin(t) until time T."""
    t = 0.0
    while t < T:
        mid = y + 0.05 * (-y ** 3 + math.sin(t))
        y = y + 0.1 * (-mid ** 3 + math.sin(t + 0.05))
        t = t + 0.1
    return y * y



def breaking(x, n):
    for i in range(n):
        if x > 3.0:
            break
        x = x * 1.3 + 0.05 * math.cos(x * i)
    return x * x



def euler(y, n):
    for _ in range(n):
        y = y + 0.05 * np.array([y[1], -np.sin(y[0]) - 0.1 * y[1]])
    return y[0] * y[1] + np.sum(np.cos(y))


def inplace_euler(y0, n):
    y = y0 * 1.0
    for _ in range(n):
        y += 0.05 * np.cos(y)
    return np.sum(y * y)


def written(tmp_path, f, *options):
    """(f's gradient function, the module's text) of `srcdiff grad FILE:f options -o
    ...`, the module imported."""
    out = tmp_path / f"{f.__name__}_{len(options)}_grad.py"
    target = f"{inspect.getsourcefile(f)}:{f.__name__}"
    assert main(["grad", target, *options, "-o", str(out)]) == 0
    spec = importlib.util.spec_from_file_location(out.stem, out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = out.read_text()
    assert not re.search(r"(tape|snapshots)\w*\.pop\(", text)
    return getattr(module, f"{f.__name__}_grad"), text


def differences(g, args, i, h=1e-6):
    """d g / d args[i] by central differences (scalar args[i])."""
    up, down = list(args), list(args)
    up[i], down[i] = args[i] + h, args[i] - h
    return (np.asarray(g(*up)) - np.asarray(g(*down))) / (2 * h)


SCALAR = [(decay, (0.7, 6), ()), (decay, (0.7, 7), ("--checkpoint", "3")),
          (drag, (20.0, 0.6, 9), ()), (drag, (20.0, 0.6, 9), ("--checkpoint", "4")),
          (rk2_while, (0.8, 0.55), ()), (rk2_while, (0.8, 0.55), ("--checkpoint", "2"))]
SCALAR += [(f, args, options) for f, args in [(branchy, (0.9, 6)), (breaking, (0.9, 9)),
                                              (nested, (0.7, 3, 2))]
           for options in [(), ("--checkpoint", "2")]]
# revolve's schedule is a generator: the second sweep runs over the list of its steps
SCALAR += [(decay, (0.7, 6), ("--revolve", "2")), (drag, (20.0, 0.6, 9), ("--revolve", "3")),
           (rk2_while, (0.8, 0.55), ("--revolve", "2"))]


@pytest.mark.parametrize("f, args, options", SCALAR)
def test_a_written_gradient_is_differentiated_again(tmp_path, f, args, options):
    g, text = written(tmp_path, f, *options)
    assert "tape" in text and re.search(r"\[top|reversed\(tape|tape\w*\[\w+\]", text)
    np.testing.assert_allclose(g(*args), srcdiff.grad(f)(*args), rtol=1e-12)
    want = differences(g, args, 0)
    np.testing.assert_allclose(srcdiff.grad(g)(*args), want, rtol=1e-6, atol=1e-8)
    tangents = (1.0,) + tuple(0.0 if isinstance(a, float) else 0 for a in args[1:])
    np.testing.assert_allclose(srcdiff.jvp(g, args, tangents)[1], want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(srcdiff.jacobian(g)(*args), want, rtol=1e-6, atol=1e-8)


def test_the_second_derivative_of_a_written_module_reads_well(tmp_path):
    g, _ = written(tmp_path, decay)
    gg = srcdiff.grad(g)
    gg(0.7, 6)
    assert ".pop()" not in gg.source and re.search(r"tape_x\[(top\w*|::-1)\]", gg.source)


@pytest.mark.parametrize("options", [(), ("--checkpoint", "2")])
def test_an_array_state_module_in_both_modes(tmp_path, options):
    """The gradient of an Euler integrator of an array state, written (its tapes
    one list per value: lists of arrays of one shape), then its Jacobian (f's
    Hessian) by reverse and by forward mode."""
    g, _ = written(tmp_path, euler, *options)
    y = np.array([0.7, -0.3])
    want = np.stack([(g(y + 1e-6 * e, 5) - g(y - 1e-6 * e, 5)) / 2e-6 for e in np.eye(2)],
                    axis=-1)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.jacobian(g, mode=mode)(y, 5), want, rtol=1e-6,
                                   atol=1e-8)
    v = np.array([0.4, -1.1])
    np.testing.assert_allclose(srcdiff.jvp(g, (y, 5), (v, 0))[1], want @ v, rtol=1e-6,
                               atol=1e-8)





def test_a_checkpointed_module_whose_loop_updates_its_state_in_place(tmp_path):
    """The snapshots of state the loop updates in place are copies (`_snapshot` in
    generic code); the written gradient's Jacobian, by both modes, against differences."""
    g, text = written(tmp_path, inplace_euler, "--checkpoint", "2")
    assert "_snapshot(" in text
    y = np.array([0.7, -0.3, 1.1])
    want = np.stack([(g(y + 1e-6 * e, 5) - g(y - 1e-6 * e, 5)) / 2e-6 for e in np.eye(3)],
                    axis=-1)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.jacobian(g, mode=mode)(y, 5), want, rtol=1e-6,
                                   atol=1e-8)


def test_a_module_imports_numpy_only_where_its_code_or_helpers_read_it(tmp_path):
    """Scalar code in a module without NumPy, whose derivative's one helper (revolve's
    schedule) reads none, gets a module that imports none."""
    src = tmp_path / "logmap.py"
    src.write_text("def logistic_map(x, n):\n    for _ in range(n):\n"
                   "        x = x * 0.9 + 0.1 * x * x\n    return x\n")
    out = tmp_path / "logmap_grad.py"
    assert main(["grad", f"{src}:logistic_map", "--revolve", "2", "-o", str(out)]) == 0
    text = out.read_text()
    assert "import" not in text and "_revolve" in text
    ns: dict = {}
    exec(compile(text, str(out), "exec"), ns)
    h = 1e-6

    def fwd(x):
        for _ in range(6):
            x = x * 0.9 + 0.1 * x * x
        return x
    np.testing.assert_allclose(ns["logistic_map_grad"](0.7, 6),
                               (fwd(0.7 + h) - fwd(0.7 - h)) / (2 * h), rtol=1e-7)
