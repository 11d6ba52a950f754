"""In-place updates of values nobody else holds, refused as if shared (clear, located,
but the reason given is not true of the code):
1. swapping two entries of a copy: v = a.copy(); v[0], v[-1] = v[-1], v[0]
   -> "an in-place update of a value that another name or a list refers to";
2. a helper normalising a layer dict in place, called on a dict display made for it:
   _normalise({"W": params["W"]}) -> "changing the dict 'layer' that the caller also holds"."""
import numpy as np

import srcdiff


def swap(a):
    v = a.copy()
    v[0], v[-1] = v[-1], v[0]
    return np.sum(v * np.arange(v.size))


def _normalise(layer):
    layer["W"] = layer["W"] / np.linalg.norm(layer["W"])
    return layer


def normalised(params, x):
    layer = _normalise({"W": params["W"]})
    return np.sum(np.tanh(x @ layer["W"]))


cases = [(swap, (np.array([1.0, 2.0, 3.0]),)),
         (normalised, ({"W": np.array([[0.5], [1.0]])}, np.array([1.0, -1.0])))]
for f, args in cases:
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, mode=mode)(*args))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
