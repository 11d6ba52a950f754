"""Everyday built-ins and NumPy helpers refused (clear, located), some with a message
that misdescribes them:
- max(xs, key=abs): "this call of max: max got an unexpected keyword argument 'key'";
- L.index(v): "changing values in place with a differentiated value (L.index(...))" -
  index does not change anything;
- L.extend([...]) and L.insert(0, v) refused while L.append(v) works (insert(0, G) is
  how RL tutorials build discounted returns: tests/programs/learning3.py);
- sorted(vals, key=abs), functools.reduce, statistics.mean, itertools.accumulate,
  np.logaddexp.reduce, np.maximum.accumulate: "has no derivative rule"."""
import functools
import itertools
import operator
import statistics

import numpy as np

import srcdiff


def max_key(w):
    return max([w[0], -2 * w[1], w[2] ** 2], key=abs)


def list_index(w):
    L = [w[0], w[1], w[2]]
    i = L.index(max(L))  # (inline, L[L.index(max(L))] is accepted)
    return L[i] * 3


def list_extend(w):
    L = [w[0]]
    L.extend([w[1] * 2, w[2]])
    return L[1] * L[2]


def list_insert(w):
    L = []
    for v in (w[0], w[1]):
        L.insert(0, 2 * v)
    return L[0] * L[1]


def sorted_key(w):
    return sorted([w[0], w[1], w[2]], key=abs)[-1]


def reduce_mul(w):
    return functools.reduce(operator.mul, [w[0], w[1], w[2]], 1.0)


def stats_mean(w):
    return statistics.mean([w[0], w[1] ** 2])


def accumulate(w):
    return sum(itertools.accumulate([w[0], w[1], w[2]]))


def logaddexp_reduce(w):
    return np.logaddexp.reduce(w)


def running_max(w):
    return np.sum(np.maximum.accumulate(w))


w = np.array([0.5, -1.3, 0.9])
for f in (max_key, list_index, list_extend, list_insert, sorted_key, reduce_mul, stats_mean,
          accumulate, logaddexp_reduce, running_max):
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, mode=mode)(w))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
