"""A function value handed from f to a helper it calls (not to f itself):
- act=<python function> passed explicitly: works;
- act=np.tanh passed explicitly: NotDifferentiableError 'act has no derivative rule';
- act left at its default (np.tanh or a python function): UnsupportedSyntaxError
  'does not support the default value of 'act''.
Users write `def forward(layers, x, act=np.tanh)` all the time."""
import numpy as np

import srcdiff


def my_tanh(z):
    return np.tanh(z)


def layer(x, w, act=np.tanh):
    return act(w * x)


def layer_py_default(x, w, act=my_tanh):
    return act(w * x)


def passes_python_fn(w, x):
    return np.sum(layer(x, w, act=my_tanh))


def passes_ufunc(w, x):
    return np.sum(layer(x, w, act=np.tanh))


def uses_ufunc_default(w, x):
    return np.sum(layer(x, w))


def uses_python_default(w, x):
    return np.sum(layer_py_default(x, w))


w, x = np.array([0.3, -0.2]), np.array([1.0, 2.0])
want = x / np.cosh(w * x) ** 2
for f in (passes_python_fn, passes_ufunc, uses_ufunc_default, uses_python_default):
    for mode in ("reverse", "forward"):
        try:
            got = srcdiff.grad(f, mode=mode)(w, x)
            print(f.__name__, mode, "ok" if np.allclose(got, want) else f"WRONG {got}")
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
