"""An Elman recurrent network run over a sequence, scored against targets at
every step: the loop carries the hidden state, so the adjoint runs it backwards."""
import numpy as np


def loss(W, U, v, xs, targets):
    h = np.zeros(W.shape[0])
    total = 0.0
    for t in range(len(xs)):
        h = np.tanh(W @ h + U @ xs[t])
        pred = np.dot(v, h)
        total = total + (pred - targets[t]) ** 2
    return total / len(xs)
