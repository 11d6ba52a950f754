"""Reinforcement-learning and vision snippets as tutorials write them: discounted
returns built backwards with `returns.insert(0, G)` and with a reversed loop
into a preallocated array, a REINFORCE surrogate with a softmax policy in a
dict, TD(0) value updates over an episode, a 2-D convolution by explicit loops,
2x2 max pooling by reshaping, and a contrastive (InfoNCE) loss."""
import numpy as np

from . import helpers3 as H
from .registry import Program


def discounted_returns_insert(gamma, rewards):
    G = 0.0
    returns = []
    for r in reversed(rewards):
        G = r + gamma * G
        returns.insert(0, G)
    return sum(returns)


def discounted_returns_array(gamma, rewards):
    returns = np.zeros(len(rewards))
    G = 0.0
    for t in reversed(range(len(rewards))):
        G = rewards[t] + gamma * G
        returns[t] = G
    return np.sum(returns * np.arange(1, len(rewards) + 1))


def reinforce_surrogate(policy, states, actions, advantages):
    logits = states @ policy["W"] + policy["b"]
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    chosen = logp[np.arange(len(actions)), actions]
    return -np.mean(chosen * advantages)


def td0_values(alpha, values0, episode, gamma=0.9):
    V = values0.copy()
    for s, r, s_next in episode:
        V[s] = V[s] + alpha * (r + gamma * V[s_next] - V[s])
    return np.sum(V ** 2)


def conv2d_loops(kernel, image, target):
    kh, kw = kernel.shape
    H_, W_ = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((H_, W_))
    for i in range(H_):
        for j in range(W_):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return np.mean((np.tanh(out) - target) ** 2)


def maxpool_features(W, images):
    feats = np.tanh(images @ W)
    n, h, w = feats.shape
    pooled = feats.reshape(n, h // 2, 2, w // 2, 2).max(axis=(2, 4))
    return np.sum(pooled ** 2)


def info_nce(Wa, Wb, xa, xb, temperature=0.5):
    za = xa @ Wa
    zb = xb @ Wb
    za = za / np.linalg.norm(za, axis=1, keepdims=True)
    zb = zb / np.linalg.norm(zb, axis=1, keepdims=True)
    logits = za @ zb.T / temperature
    return -np.mean(np.diag(np.log(H.softmax(logits, axis=1))))


def _episode(rng, n_states=4, length=8):
    s = rng.integers(0, n_states, length + 1)
    return [(int(s[t]), float(rng.standard_normal()), int(s[t + 1])) for t in range(length)]


PROGRAMS = [
    Program(discounted_returns_insert, lambda rng: (rng.uniform(0.8, 0.99),
                                                    rng.standard_normal(6))),
    Program(discounted_returns_array, lambda rng: (rng.uniform(0.8, 0.99), rng.standard_normal(6))),
    Program(reinforce_surrogate,
            lambda rng: ({"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)},
                         rng.standard_normal((6, 3)), rng.integers(0, 4, 6),
                         rng.standard_normal(6))),
    Program(td0_values, lambda rng: (rng.uniform(0.1, 0.5), rng.standard_normal(4), _episode(rng)),
            ("alpha", "values0")),
    Program(conv2d_loops, lambda rng: (rng.standard_normal((3, 3)), rng.standard_normal((6, 6)),
                                       rng.uniform(-0.5, 0.5, (4, 4)))),
    Program(maxpool_features, lambda rng: (rng.standard_normal((3, 4)),
                                           rng.standard_normal((2, 4, 3)))),
    Program(info_nce, lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((3, 2)),
                                   rng.standard_normal((5, 3)), rng.standard_normal((5, 3))),
            ("Wa", "Wb")),
]
