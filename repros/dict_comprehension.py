"""A dict comprehension over a parameter dict is refused (clear, located):
`{k: 0.5 * v for k, v in params.items()}`, the everyday way to scale or
update a parameter dict (an SGD step is `{k: params[k] - lr * g[k] for k in params}`)."""
import numpy as np

import srcdiff


def f(params):
    half = {k: 0.5 * v for k, v in params.items()}
    return np.sum(half["a"] ** 2) + np.sum(half["b"])


p = {"a": np.array([1.0, 2.0]), "b": np.array([3.0])}
for mode in ("reverse", "forward"):
    try:
        print(mode, srcdiff.grad(f, mode=mode)(p))   # want {'a': [0.5, 1.0], 'b': [0.5]}
    except Exception as e:
        print(mode, type(e).__name__, str(e).splitlines()[0])
