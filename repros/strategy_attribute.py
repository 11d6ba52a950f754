"""A function kept as an instance attribute (the strategy pattern: self.act = act in
__init__, called as self.act(z)) is refused with a message that misdescribes it:
"the method .act() of a differentiated value has no derivative rule" - self is not
differentiated, and .act is neither a method nor NumPy's. Passing the same function
as f's argument works."""
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


W = np.array([[1.0, 0.5], [0.0, 2.0]])
x = np.array([0.3, -0.7])
print("want", W.T @ (1 / np.cosh(W @ x) ** 2))
for act in (np.tanh, my_tanh):
    for mode in ("reverse", "forward"):
        try:
            print(mode, srcdiff.grad(Net(act, W).loss, mode=mode)(x))
        except Exception as e:
            print(mode, type(e).__name__, str(e).splitlines()[0])
