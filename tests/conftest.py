"""Shared helpers and the parameter-name convention for corpus tests.

A test that takes a parameter named

- `scalar_case` runs once per entry of `corpus_scalar.CORPUS` (id: the function name);
- `mode` runs once per differentiation mode in `MODES`.

So a new corpus function is tested by every such test, in every mode, with no
new test code; a new mode is one more string in `MODES`.
"""
from __future__ import annotations

import inspect
import sys

import numpy as np
import pytest

import corpus_scalar

pytest_plugins = ["liveness"]  # every rule template is exercised (tests/liveness.py)

MODES = ("reverse", "forward")

EPS = np.finfo(float).eps
FD_RTOL = 1e-6  # central finite differences agree to about eps**(2/3)
EXACT_RTOL = 1e-12  # srcdiff against a hand-derived formula: rounding only


def pytest_generate_tests(metafunc):
    if "scalar_case" in metafunc.fixturenames:
        metafunc.parametrize("scalar_case", corpus_scalar.CORPUS,
                             ids=[c.name for c in corpus_scalar.CORPUS])
    if "mode" in metafunc.fixturenames and not _explicit(metafunc, "mode"):
        metafunc.parametrize("mode", MODES)


def _explicit(metafunc, name) -> bool:
    return any(name in m.args[0] for m in metafunc.definition.iter_markers("parametrize"))


def wrt_names(f, wrt) -> tuple[tuple[str, ...], bool]:
    """(parameter names, whether wrt was a tuple), as grad resolves them."""
    params = list(inspect.signature(f).parameters)
    items = list(wrt) if isinstance(wrt, (tuple, list)) else [wrt]
    names = tuple(params[w] if isinstance(w, int) else w for w in items)
    return names, isinstance(wrt, (tuple, list))


def fd_step(x: float) -> float:
    return EPS ** (1 / 3) * max(1.0, abs(x))


def numeric_grad(f, args=(), kwargs=None, wrt=0):
    """Central finite-difference gradient of scalar `f` at (args, kwargs), shaped
    like what `srcdiff.grad(f, wrt)` returns: a float, or a tuple for a tuple wrt."""
    names, as_tuple = wrt_names(f, wrt)
    bound = inspect.signature(f).bind(*args, **(kwargs or {}))
    bound.apply_defaults()
    out = []
    for name in names:
        x = float(bound.arguments[name])
        h = fd_step(x)
        vals = []
        for xs in (x + h, x - h):
            b = inspect.signature(f).bind(*bound.args, **bound.kwargs)
            b.arguments[name] = xs
            vals.append(float(f(*b.args, **b.kwargs)))
        out.append((vals[0] - vals[1]) / (2 * h))
    return tuple(out) if as_tuple else out[0]


def as_tuple(g) -> tuple:
    return tuple(g) if isinstance(g, tuple) else (g,)


def close(got, want, rtol) -> bool:
    """Relative agreement, with an absolute floor of rtol * 1e-2 for tiny values."""
    return abs(got - want) <= rtol * max(abs(want), 1e-2)


def assert_grad_close(got, want, rtol, what=""):
    """`got` and `want` are both floats or both tuples of floats of equal length."""
    assert isinstance(got, tuple) == isinstance(want, tuple), (
        f"{what}: got {got!r}, want {want!r} (tuple vs single value)")
    gs, ws = as_tuple(got), as_tuple(want)
    assert len(gs) == len(ws), f"{what}: got {len(gs)} gradients, want {len(ws)}"
    for i, (g, w) in enumerate(zip(gs, ws)):
        assert isinstance(g, (float, np.floating)) and not isinstance(g, bool), (
            f"{what}: gradient {i} is {type(g).__name__} {g!r}, want a float")
        assert close(float(g), float(w), rtol), (
            f"{what}: gradient {i} is {g!r}, want {w!r} (rtol {rtol:g})")


@pytest.fixture
def fresh_module(tmp_path, monkeypatch):
    """Write source text to a real module file and import it (for functions that
    must live in a file of their own); the module is removed afterwards."""
    made = []

    def make(name: str, text: str):
        path = tmp_path / f"{name}.py"
        path.write_text(text)
        monkeypatch.syspath_prepend(str(tmp_path))
        sys.modules.pop(name, None)
        import importlib

        mod = importlib.import_module(name)
        made.append(name)
        return mod

    yield make
    for name in made:
        sys.modules.pop(name, None)
