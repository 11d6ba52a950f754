"""Unrolled training that rebuilds the parameter dict each step,
    params = {"w": params["w"] - lr * gw, "b": params["b"] - lr * gb},
is refused: "'params' changing kind inside the loop (a tuple or dict of another shape
after an iteration)" - the dict has the same keys and shapes after every step. The same
with two plain names (w, b = w - lr * gw, b - lr * gb) works, and so does a dict built
in f (st = {"x": ..., "v": ...}) rebuilt the same way in a loop: only rebinding the
dict *parameter* is refused. (Meta-learning /
hyper-parameter tuning through training is the classic use.)"""
import numpy as np

import srcdiff

X = np.array([[1.0, 0.5], [0.2, -1.0], [0.3, 0.8]])
y = np.array([1.0, -1.0, 0.5])


def rebuilt_dict(params, lr=0.1):
    for _ in range(3):
        r = X @ params["w"] + params["b"] - y
        params = {"w": params["w"] - lr * X.T @ r, "b": params["b"] - lr * np.sum(r)}
    return np.sum((X @ params["w"] + params["b"] - y) ** 2)


def copied_first(params, lr=0.1):  # works: the same after p = {...} of the entries
    p = {"w": params["w"], "b": params["b"]}
    for _ in range(3):
        r = X @ p["w"] + p["b"] - y
        p = {"w": p["w"] - lr * X.T @ r, "b": p["b"] - lr * np.sum(r)}
    return np.sum((X @ p["w"] + p["b"] - y) ** 2)


def plain_names(w, b, lr=0.1):
    for _ in range(3):
        r = X @ w + b - y
        w, b = w - lr * X.T @ r, b - lr * np.sum(r)
    return np.sum((X @ w + b - y) ** 2)


for mode in ("reverse", "forward"):
    print("plain_names", mode, srcdiff.grad(plain_names, wrt=(0, 1), mode=mode)(np.zeros(2), 0.5))
    print("copied_first", mode, srcdiff.grad(copied_first, mode=mode)({"w": np.zeros(2), "b": 0.5}))
    for b0 in (0.5, np.array(0.5), np.array([0.5])):
        try:
            print("rebuilt_dict", type(b0).__name__, np.shape(b0), mode,
                  srcdiff.grad(rebuilt_dict, mode=mode)({"w": np.zeros(2), "b": b0}))
        except Exception as e:
            print("rebuilt_dict", type(b0).__name__, np.shape(b0), mode, type(e).__name__,
                  str(e).splitlines()[0])
