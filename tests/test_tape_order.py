"""The reverse sweep reads a loop's tape back in order (tape.read_in_order):
`for x in reversed(tape_x):`, `tape_h[t]` at the loop's index, or a cursor where a
loop nests in another or may break. Each against central differences, and the
written gradient differentiated again by srcdiff against second differences."""
import importlib.util
import math

import numpy as np
import pytest

import srcdiff
from helpers_numpy import central
from source_text import code


def scalar(x, n):
    for _ in range(n):
        x = 0.9 * x + 0.1 * math.sin(x)
    return x


def indexed(w, xs):
    h = np.zeros(3)
    for t in range(0, xs.shape[0]):
        h = np.tanh(xs[t] * w + h)
    return np.sum(h * h)


def until(x):
    y = x
    while y < 10.0:
        y = y * 1.5 + math.sin(y)
    return y


def pair_while(x, y):
    k = 0
    while k < 6:
        x, y = x + 0.1 * math.sin(y), y - 0.1 * math.cos(x)
        k += 1
    return x * y


def nested(x):
    for _ in range(3):
        for _ in range(4):
            x = x + 0.1 * math.sin(x)
    return x


def breaks(x):
    for _ in range(50):
        x = x + 0.1 * math.sin(x)
        if x > 2.0:
            break
    return x


XS = np.random.default_rng(3).standard_normal((5, 3))
W = np.array([0.3, -0.2, 0.5])


def first(f, *rest):
    return lambda v: f(float(v), *rest)


@pytest.mark.parametrize("f, args, read, kept", [
    (scalar, (0.8, 7), "for x in reversed(tape_x):", "top"),
    (until, (1.2,), "for y in reversed(tape_y):", "trips"),
    (pair_while, (0.3, 0.7), "for x, y in zip(reversed(tape_x), reversed(tape_y)):", "top"),
    (nested, (0.4,), "x = tape_x[top_x]", None),  # the inner loop's list: every run's
    (breaks, (0.4,), "x = tape_x[top_x]", None),  # it may stop early: its trips
])
def test_the_tape_is_read_back_in_order(f, args, read, kept):
    g = srcdiff.grad(f)
    got = g(*args)
    assert got == pytest.approx(float(central(first(f, *args[1:]), args[0])), rel=1e-7)
    text = code(g.source)
    assert read in text, g.source
    if kept is not None:
        assert kept not in text, g.source


def test_a_loop_reading_its_index_reads_the_tape_there():
    g = srcdiff.grad(indexed)
    np.testing.assert_allclose(g(W, XS), central(lambda w: indexed(w, XS), W), rtol=1e-6)
    text = code(g.source)
    assert "h_1 = tape_h[t]" in text and "top" not in text, g.source


def _written(g, tmp_path, name, params):
    """The specialised gradient `g` wrote, in a module of its own, called by `again`."""
    path = tmp_path / f"{name}.py"
    path.write_text(f"import math\nimport numpy as np\n\n{g.source}\n\n"
                    f"def again({params}):\n    return {name}_grad({params})\n")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.again


@pytest.mark.parametrize("f, args, params", [(scalar, (0.8, 7), "x, n"), (until, (1.2,), "x"),
                                             (pair_while, (0.3, 0.7), "x, y")])
def test_the_written_gradient_is_differentiated_again(f, args, params, tmp_path):
    g = srcdiff.grad(f)
    g(*args)
    d = srcdiff.grad(_written(g, tmp_path, f.__name__, params))
    h = 1e-4
    second = [g(args[0] + s, *args[1:]) for s in (h, -h)]
    assert d(*args) == pytest.approx((second[0] - second[1]) / (2 * h), rel=1e-6)
