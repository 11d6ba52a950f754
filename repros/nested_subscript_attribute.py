"""`params["cell"]["b"].shape` (an attribute of a nested dict entry) is refused
with a misleading "undefined name 'b'"."""
import numpy as np

import srcdiff


def f(params, x):
    h0 = np.zeros(params["cell"]["b"].shape)
    return np.sum(np.tanh(params["cell"]["W"] @ x + params["cell"]["b"] + h0))


def g(params, x):   # one level: does it work?
    h0 = np.zeros(params["b"].shape)
    return np.sum(np.tanh(params["W"] @ x + params["b"] + h0))


x = np.array([1.0, -0.5])
W, b = np.array([[0.2, 0.1], [0.0, 0.3]]), np.array([0.1, -0.1])
for fn, p in ((f, {"cell": {"W": W, "b": b}}), (g, {"W": W, "b": b})):
    for mode in ("reverse", "forward"):
        try:
            srcdiff.grad(fn, mode=mode)(p, x)
            print(fn.__name__, mode, "ran")
        except Exception as e:
            print(fn.__name__, mode, type(e).__name__, str(e).splitlines()[0])


def h(params, x):   # through a name first
    b = params["b"]
    return np.sum(np.tanh(params["W"] @ x + b + np.zeros(b.shape)))


def k(params, x):   # len() of the entry
    return np.sum(np.tanh(params["W"] @ x + params["b"])) * len(params["b"])


for fn in (h, k):
    for mode in ("reverse", "forward"):
        try:
            srcdiff.grad(fn, mode=mode)({"W": W, "b": b}, x)
            print(fn.__name__, mode, "ran")
        except Exception as e:
            print(fn.__name__, mode, type(e).__name__, str(e).splitlines()[0])
