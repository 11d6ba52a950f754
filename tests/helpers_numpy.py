"""Finite-difference references for NumPy code, shared by test_numpy_rules and test_models.

A case is a function plus one input spec per positional parameter: `"f"` for
a Python float, a shape tuple for a float64 array (`()` for a 0-d array).
Inputs are drawn from a domain that keeps them away from kinks and domain
edges. References are central differences with step eps**(1/3)*max(1, |x|).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import srcdiff

EPS = np.finfo(float).eps
FD_RTOL = 1e-6

# lo, hi, and whether to give each value a random sign
DOMAINS = {
    "real": (0.3, 2.0, True),  # |x| in [0.3, 2]: away from 0 (abs, sign, kinks at 0)
    "pos": (0.5, 2.0, False),
    "unit": (-0.8, 0.8, False),  # arcsin, arccos, arctanh, tan
    "gt1": (1.2, 3.0, False),  # arccosh
}


@dataclass
class Case:
    fn: object
    specs: tuple
    domain: str = "real"

    @property
    def id(self) -> str:
        return f"{self.fn.__name__}-" + "-".join(
            "f" if s == "f" else "x".join(map(str, s)) or "0d" for s in self.specs)

    def draw(self, seed: int = 0) -> list:
        rng = np.random.default_rng(seed)
        return [draw(rng, s, self.domain) for s in self.specs]


def cases(fn, *spec_lists, domain="real") -> list[Case]:
    """One case per spec list: cases(f, [(3, 4), (4,)], [(3, 4), "f"])."""
    return [Case(fn, tuple(s), domain) for s in spec_lists]


def draw(rng, spec, domain="real"):
    lo, hi, signed = DOMAINS[domain]
    shape = () if spec == "f" else spec
    x = rng.uniform(lo, hi, size=shape)
    if signed:
        x = x * rng.choice([-1.0, 1.0], size=shape)
    return float(x) if spec == "f" else np.array(x, dtype=float)


def step(x) -> float:
    return EPS ** (1 / 3) * max(1.0, float(np.max(np.abs(x))) if np.size(x) else 1.0)


def _with(args, i, value):
    out = list(args)
    out[i] = value
    return out


def fd_vjp(f, args, i, ct):
    """Central differences of sum(ct * f(*args)) with respect to args[i]."""
    x = args[i]

    def phi(xi):
        return float(np.sum(ct * np.asarray(f(*_with(args, i, xi)), dtype=float)))

    if not isinstance(x, np.ndarray):
        h = step(x)
        return (phi(x + h) - phi(x - h)) / (2 * h)
    out = np.zeros(x.shape)
    for k in np.ndindex(*x.shape):
        h = step(x[k])
        xp, xm = x.copy(), x.copy()
        xp[k] += h
        xm[k] -= h
        out[k] = (phi(xp) - phi(xm)) / (2 * h)
    return out


def fd_jvp(f, args, tangents):
    """Central differences of f along the direction `tangents`."""
    h = EPS ** (1 / 3) * max(1.0, max(float(np.max(np.abs(a))) for a in args))
    plus = f(*[a + h * t for a, t in zip(args, tangents)])
    minus = f(*[a - h * t for a, t in zip(args, tangents)])
    return (np.asarray(plus, dtype=float) - np.asarray(minus, dtype=float)) / (2 * h)


def assert_close(got, want, rtol=FD_RTOL, what=""):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    err = np.abs(got - want)
    bad = err > rtol * np.maximum(np.abs(want), 1e-2 * scale)
    assert not bad.any(), (f"{what}: max error {err.max():.3g}\n got  {got}\n want {want}")


def assert_like(g, x, what=""):
    """A gradient has its parameter's type and shape, and is a fresh value."""
    if isinstance(x, np.ndarray):
        assert isinstance(g, np.ndarray), f"{what}: {type(g).__name__}, want ndarray"
        assert g.shape == x.shape, f"{what}: shape {g.shape}, want {x.shape}"
        assert g.dtype == np.float64, f"{what}: dtype {g.dtype}"
    else:
        assert isinstance(g, float) and not isinstance(g, np.ndarray), (
            f"{what}: {type(g).__name__} {g!r}, want a float")


def assert_fresh(grads, values):
    for i, g in enumerate(grads):
        for v in values:
            if isinstance(g, np.ndarray) and isinstance(v, np.ndarray):
                assert not np.shares_memory(g, v), f"gradient {i} shares memory with an input"
        for j, h in enumerate(grads[:i]):
            if isinstance(g, np.ndarray) and isinstance(h, np.ndarray):
                assert not np.shares_memory(g, h), f"gradients {j} and {i} share memory"


def check_reverse(case: Case, seed: int = 0):
    args = case.draw(seed)
    saved = [np.copy(a) for a in args]
    out, pullback = srcdiff.vjp(case.fn, *args)
    rng = np.random.default_rng(seed + 1)
    ct = rng.standard_normal(np.shape(out))
    ct = float(ct) if not isinstance(out, np.ndarray) else ct
    grads = pullback(ct)
    assert len(grads) == len(args)
    for i, (g, x) in enumerate(zip(grads, args)):
        what = f"{case.id} d/d arg {i}"
        assert_like(g, x, what)
        assert_close(g, fd_vjp(case.fn, args, i, ct), what=what)
    assert_fresh(list(grads), list(args) + [out])
    for a, s in zip(args, saved):
        np.testing.assert_array_equal(a, s)


def check_forward(case: Case, seed: int = 0):
    args = case.draw(seed)
    rng = np.random.default_rng(seed + 2)
    tangents = [draw(rng, s) if s != "f" else float(rng.standard_normal()) for s in case.specs]
    out, tan = srcdiff.jvp(case.fn, tuple(args), tuple(tangents))
    want = fd_jvp(case.fn, args, tangents)
    assert np.shape(tan) == np.shape(want), f"{case.id}: tangent shape {np.shape(tan)}"
    assert_close(tan, want, what=f"{case.id} jvp")


def check_mode(case: Case, mode: str) -> None:
    """A table case in one mode: reverse (vjp) or forward (jvp), against differences."""
    if mode == "reverse":
        check_reverse(case)
    else:
        check_forward(case)


def central(f, x, h=1e-6):
    """Central differences of the scalar function f at the array (or float) x."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = h
        g.flat[k] = (f(x + e) - f(x - e)) / (2 * h)
    return g
