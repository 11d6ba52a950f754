"""The gradient of drag_distance (physics.py) with respect to speed, angle, drag, generated
by srcdiff.

Regenerate with: srcdiff grad physics.py:drag_distance --wrt speed,angle,drag -o physics_drag_distance_grad.py
"""

import math

G = 9.81


def drag_distance_grad(speed, angle, drag, steps=400):
    import numpy as np

    def _unbroadcast(g, x):
        """Sum g over the axes NumPy broadcast x along, giving x's shape."""
        shape = np.shape(x)
        if np.shape(g) == shape:
            return g
        while np.ndim(g) > len(shape):
            g = np.sum(g, axis=0)
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(
            g)[i] != 1)
        return np.sum(g, axis=axes, keepdims=True) if axes else g
    tape = []
    tape_x_vx_vy = []
    dt = 2.0 / steps
    cos_angle = math.cos(angle)
    vx = speed * cos_angle
    sin_angle = math.sin(angle)
    vy = speed * sin_angle
    x = 0.0
    for _ in range(steps):
        tape_x_vx_vy.append((x, vx, vy))
        v = math.hypot(vx, vy)
        t = vx * dt
        x = x + t
        t_1 = drag * v
        vx = vx - t_1 * vx * dt
        t_2 = drag * v
        t_3 = t_2 * vy
        t_4 = (G + t_3) * dt
        vy = vy - t_4
        tape.append((v, t, t_1, t_2, t_3, t_4))
    d_x = 1.0
    d_vx = 0.0
    d_vy = 0.0
    d_drag = 0.0
    for _ in range(steps):
        x, vx, vy = tape_x_vx_vy.pop()
        v, t, t_1, t_2, t_3, t_4 = tape.pop()
        d_t_3 = _unbroadcast(_unbroadcast(-d_vy, t_4) * dt, t_3)
        d_t_2 = _unbroadcast(d_t_3 * vy, t_2)
        d_drag += d_t_2 * v
        d_t_5 = -d_vx * dt
        d_t_1 = _unbroadcast(d_t_5 * vx, t_1)
        d_drag += d_t_1 * v
        d_v = d_t_2 * drag + d_t_1 * drag
        d_vx = d_vx + d_t_5 * t_1 + _unbroadcast(d_x, t) * dt
        d_vx += _unbroadcast(d_v * vx / v, vx)
        d_vy = _unbroadcast(d_vy, vy) + d_t_3 * t_2
        d_vy += _unbroadcast(d_v * vy / v, vy)
        d_x = _unbroadcast(d_x, x)
    d_speed = d_vy * sin_angle + d_vx * cos_angle
    d_angle = d_vy * speed * math.cos(angle) - d_vx * speed * math.sin(angle)
    return float(d_speed), float(d_angle), float(d_drag)
