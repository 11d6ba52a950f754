"""Code that changes values in place the way people do, sometimes by accident:
an alias of an input updated with `*=`, a helper normalising a layer dict in
place and returning it, an accumulator
array passed to a helper that adds into it, a dict of running sums, an array
slice view written through, and a memo dict as a default argument."""
import numpy as np

from .registry import Program


def alias_of_input(x):
    y = x
    y = y * 2.0
    y += 1.0
    return np.sum(y ** 2)


def _normalise(layer):
    layer["W"] = layer["W"] / np.linalg.norm(layer["W"])
    return layer


def normalised_layer(params, x):
    layer = _normalise({"W": params["W"], "b": params["b"]})
    return np.sum(np.tanh(x @ layer["W"] + layer["b"]))


def _accumulate(total, v, weight):
    total += weight * v
    return total


def accumulator_passed_down(w, X):
    total = np.zeros(X.shape[1])
    for i in range(len(X)):
        total = _accumulate(total, X[i] * w, 1.0 / (i + 1))
    return np.sum(total ** 2)


def running_sums(w, X):
    stats = {"sum": 0.0, "sq": 0.0}
    for row in X:
        z = row @ w
        stats["sum"] += z
        stats["sq"] += z * z
    mean = stats["sum"] / len(X)
    return stats["sq"] / len(X) - mean ** 2


def view_written_through(x):
    y = x.copy()
    head = y[:3]
    head *= 2.0
    return np.sum(y ** 2)


def memoised_power(x, n=3, _memo={}):  # noqa: B006 - the memo idiom, on purpose
    key = n
    if key not in _memo:
        _memo[key] = np.arange(1.0, n + 1)
    return np.sum(x ** _memo[key])


def swap_in_place(a):
    v = a.copy()
    v[0], v[-1] = v[-1], v[0]
    return np.sum(v * np.arange(v.size))


def matrix_rows_updated(W):
    M = W.copy()
    for i in range(1, M.shape[0]):
        M[i] = M[i] - 0.5 * M[i - 1]
    return np.sum(M ** 2)


def input_list_appended(ws):
    acc = list(ws)
    acc.append(ws[0] * ws[1])
    return sum(np.sum(a ** 2) for a in acc)


PROGRAMS = [
    Program(alias_of_input, lambda rng: (rng.standard_normal(4),)),
    Program(normalised_layer, lambda rng: ({"W": rng.standard_normal((3, 2)),
                                            "b": rng.standard_normal(2)},
                                           rng.standard_normal((4, 3)))),
    Program(accumulator_passed_down, lambda rng: (rng.standard_normal(3),
                                                  rng.standard_normal((5, 3)))),
    Program(running_sums, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)))),
    Program(view_written_through, lambda rng: (rng.standard_normal(5),)),
    Program(memoised_power, lambda rng: (rng.uniform(0.5, 1.5, 3),)),
    Program(swap_in_place, lambda rng: (rng.standard_normal(4),)),
    Program(matrix_rows_updated, lambda rng: (rng.standard_normal((4, 3)),)),
    Program(input_list_appended, lambda rng: ([rng.standard_normal(2), rng.standard_normal(2)],)),
]
