"""A function chosen at call time, not passed as f's argument, is refused with
"<name> has no derivative rule and no Python source": the everyday configuration
idioms
    act = ACTIVATIONS[activation]      (a module-level dict of functions, string key)
    fn = getattr(np, name)
    LOSSES[loss](r)                    (a dict of lambdas, called directly)
even though the same functions passed as f's argument are inlined."""
import numpy as np

import srcdiff

ACTIVATIONS = {"tanh": np.tanh, "square": lambda z: z * z}


def by_dict(x, activation="tanh"):
    act = ACTIVATIONS[activation]
    return np.sum(act(x))


def by_dict_call(x, activation="square"):
    return np.sum(ACTIVATIONS[activation](x))


def by_getattr(x, name="tanh"):
    return np.sum(getattr(np, name)(x))


def passed(act, x):  # works
    return np.sum(act(x))


x = np.array([0.5, -1.0])
for f, args in ((by_dict, (x,)), (by_dict_call, (x,)), (by_getattr, (x,)),
                (passed, (np.tanh, x))):
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, wrt="x", mode=mode)(*args))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
