"""Calls through an object that is not differentiated are refused with a message that
misdescribes them, "the method .act() of a differentiated value has no derivative rule":
1. a function kept as an instance attribute (the strategy pattern: self.act = act in
   __init__, called as self.act(z)) - self is not differentiated;
2. a method of an object passed to f, loss(w, model, x, y) calling model.predict(w, x)
   (a very common signature) - model is not differentiated, and the method has source.
Passing the function itself as f's argument works; so does self.method(...) inside a
bound method being differentiated."""
import numpy as np

import srcdiff


class Net:
    def __init__(self, act, W):
        self.act = act
        self.W = W

    def loss(self, x):
        return np.sum(self.act(self.W @ x))


def my_tanh(z):
    return np.tanh(z)


class Linear:
    def predict(self, w, x):
        return x @ w


def loss(w, model, x, y):
    return np.sum((model.predict(w, x) - y) ** 2)


W = np.array([[1.0, 0.5], [0.0, 2.0]])
x = np.array([0.3, -0.7])
print("want", W.T @ (1 / np.cosh(W @ x) ** 2))
for act in (np.tanh, my_tanh):
    for mode in ("reverse", "forward"):
        try:
            print(mode, srcdiff.grad(Net(act, W).loss, mode=mode)(x))
        except Exception as e:
            print(mode, type(e).__name__, str(e).splitlines()[0])
for mode in ("reverse", "forward"):
    try:
        print("model.predict", mode, srcdiff.grad(loss, mode=mode)(x, Linear(), W, x),
              "want", 2 * W.T @ (W @ x - x))
    except Exception as e:
        print("model.predict", mode, type(e).__name__, str(e).splitlines()[0])
