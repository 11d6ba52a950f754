"""Each sample's gradient as a careful person writes it by hand, to measure the
generated modules against (samples/README.md, "Line ratios"): the same arguments,
the same results. tests/test_samples.py checks each against central differences
and against the generated module.

Written the way one derives them on paper: the primal values the adjoint needs,
then the adjoint, with the algebra a person does in their head (`p - y` for the
logistic loss, tanh' = 1 - h**2); no checks of the arguments' kinds.
"""
import math

import numpy as np

G = 9.81
FRICTION = {"steel": 0.12, "wood": 0.35, "rubber": 0.8}


def notes_scalar_f(x, y):
    d_z = math.cos(x * y + y ** 2)
    return d_z * y, d_z * (x + 2 * y)


def notes_scalar_loss(x, t):
    return 4 * (2 * x - t)


def notes_numpy_sum_of_squares(x):
    return 2 * x


def notes_numpy_twice_dot(x):
    return 4 * x


def notes_numpy_total(x):
    return np.ones_like(x)


def notes_numpy_detached(x):
    return x * x


def doubling_loop_f(a):
    b, scale = a * 2, 2.0
    while np.linalg.norm(b) < 1000:
        b, scale = b * 2, scale * 2
    return np.full_like(a, scale if np.sum(b) > 0 else 100 * scale)


def physics_projectile_range(speed, angle, height):
    vx, vy = speed * math.cos(angle), speed * math.sin(angle)
    root = math.sqrt(vy * vy + 2 * G * height)
    flight = (vy + root) / G
    d_vy = vx / G * (1 + vy / root)
    return (flight * math.cos(angle) + d_vy * math.sin(angle),
            -flight * vy + d_vy * vx, vx / root)


def physics_pendulum_energy(theta, omega, length, material):
    mu = FRICTION.get(material, 0.5)
    c, s, a = math.cos(theta), math.sin(theta), abs(theta)
    sign = (theta > 0) - (theta < 0)
    d_theta = G * length * s - 2 * mu * G * length * (c * sign - s * a)
    d_length = length * omega ** 2 + G * (1 - c) - 2 * mu * G * c * a
    return d_theta, length * length * omega, d_length


def physics_drag_distance(speed, angle, drag, steps=400):
    dt = 2.0 / steps
    vx, vy = speed * math.cos(angle), speed * math.sin(angle)
    states = []
    for _ in range(steps):
        v = math.hypot(vx, vy)
        states.append((vx, vy, v))
        vx, vy = vx - drag * v * vx * dt, vy - (G + drag * v * vy) * dt
    d_vx, d_vy, d_drag = 0.0, 0.0, 0.0
    for vx, vy, v in reversed(states):
        d_v = -(d_vx * vx + d_vy * vy) * drag * dt
        d_drag -= (d_vx * vx + d_vy * vy) * v * dt
        kept = 1 - drag * v * dt
        d_vx, d_vy = dt + d_vx * kept + d_v * vx / v, d_vy * kept + d_v * vy / v
    return (d_vx * math.cos(angle) + d_vy * math.sin(angle),
            speed * (d_vy * math.cos(angle) - d_vx * math.sin(angle)), d_drag)


def logistic_loss(w, b, X, y):
    p = 1 / (1 + np.exp(-(X @ w + b)))
    d_z = (p - y) / len(y)
    return X.T @ d_z, float(np.sum(d_z))


def mlp_loss(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    d_out = 2 * (h @ W2 + b2 - Y) / X.shape[0]
    d_z = d_out @ W2.T * (1 - h * h)
    return X.T @ d_z, d_z.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)


def rnn_loss(W, U, v, xs, targets):
    hs, errs = [np.zeros(W.shape[0])], []
    for t in range(len(xs)):
        hs.append(np.tanh(W @ hs[-1] + U @ xs[t]))
        errs.append(np.dot(v, hs[-1]) - targets[t])
    d_W, d_U, d_v, d_h = np.zeros_like(W), np.zeros_like(U), np.zeros_like(v), np.zeros_like(v)
    for t in reversed(range(len(xs))):
        d_err = 2 * errs[t] / len(xs)
        d_v += d_err * hs[t + 1]
        d_z = (d_h + d_err * v) * (1 - hs[t + 1] ** 2)
        d_W += np.outer(d_z, hs[t])
        d_U += np.outer(d_z, xs[t])
        d_h = W.T @ d_z
    return d_W, d_U, d_v
