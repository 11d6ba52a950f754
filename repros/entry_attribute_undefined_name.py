"""An attribute or method of a structured parameter's entry, read in place, is refused
with a misleading "does not support the undefined name 'W'" (or 'params_W', or 'b'):
params["W"].ravel(), params["cell"]["b"].shape, and p.ravel() in a comprehension or
generator over params.values(). The same through a name (w = params["W"]; w.ravel())
or in a for loop over params.values() works. Users write np.zeros(params["b"].shape)
and np.concatenate([p.ravel() for p in params.values()]) all the time."""
import numpy as np

import srcdiff


def method_of_entry(params):
    return np.sum(params["W"].ravel() ** 2)


def shape_of_nested_entry(params):
    h0 = np.zeros(params["cell"]["b"].shape)
    return np.sum((params["cell"]["b"] + h0) ** 2)


def method_in_comprehension(params):
    flat = np.concatenate([p.ravel() for p in params.values()])
    return flat @ flat


def method_in_generator(params):
    return sum(np.sum(p.ravel() ** 2) for p in params.values())


def through_a_name(params):  # works
    w = params["W"]
    return np.sum(w.ravel() ** 2)


def in_a_for_loop(params):  # works
    total = 0.0
    for p in params.values():
        total = total + np.sum(p.ravel() ** 2)
    return total


W, b = np.array([[1.0, 2.0]]), np.array([3.0])
cases = [(method_of_entry, {"W": W}), (shape_of_nested_entry, {"cell": {"b": b}}),
         (method_in_comprehension, {"W": W, "b": b}), (method_in_generator, {"W": W, "b": b}),
         (through_a_name, {"W": W}), (in_a_for_loop, {"W": W, "b": b})]
for f, p in cases:  # every gradient is 2 * the entry
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, mode=mode)(p))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
