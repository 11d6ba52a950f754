"""The gradient of drag_distance (physics.py) with respect to speed, angle, drag, generated
by srcdiff.

Regenerate with: srcdiff grad physics.py:drag_distance --wrt speed,angle,drag --like speed=float,angle=float,drag=float -o physics_drag_distance_grad.py
"""

import math

G = 9.81


def drag_distance_grad(speed, angle, drag, steps=400):
    if not (isinstance(speed, (int, float)) and isinstance(angle, (int, float)) and isinstance(
        drag, (int, float)) and isinstance(steps, int)):
        raise TypeError(
            'drag_distance_grad was written for speed: a number; angle: a number; drag: a number; steps: an int (srcdiff grad --like): regenerate it for other kinds, or leave --like out'
            )
    tape_v = []
    tape_drag_times_v = []
    tape_vx = []
    tape_vy = []
    # line 33
    dt = 2.0 / steps
    # line 35: vx = speed * math.cos(angle)
    cos_angle = math.cos(angle)
    vx = speed * cos_angle
    # line 36: vy = speed * math.sin(angle)
    sin_angle = math.sin(angle)
    vy = speed * sin_angle
    # line 37
    for _ in range(steps):
        tape_vx.append(vx)
        tape_vy.append(vy)
        # line 38
        v = math.hypot(vx, vy)
        # line 40: vx = vx - drag * v * vx * dt
        drag_times_v = drag * v
        vx = vx - drag_times_v * vx * dt
        # line 41: vy = vy - (G + drag * v * vy) * dt
        vy = vy - (G + drag_times_v * vy) * dt
        tape_v.append(v)
        tape_drag_times_v.append(drag_times_v)
    # adjoint of line 37: for _ in range(steps):
    d_x = 1.0
    d_vx = 0.0
    d_vy = 0.0
    d_drag = 0.0
    for vx, vy, v, drag_times_v in zip(reversed(tape_vx), reversed(tape_vy), reversed(tape_v),
        reversed(tape_drag_times_v)):
        # adjoint of line 41: vy = vy - (G + drag * v * vy) * dt
        d_total = -d_vy * dt
        # adjoint of line 40: vx = vx - drag * v * vx * dt
        d_product = -d_vx * dt
        d_drag_times_v = d_total * vy + d_product * vx
        d_drag += d_drag_times_v * v
        d_v = d_drag_times_v * drag
        # adjoint of line 38: v = math.hypot(vx, vy)
        d_vx = d_vx + d_product * drag_times_v + d_x * dt + d_v * vx / v
        d_vy = d_vy + d_total * drag_times_v + d_v * vy / v
    # adjoint of line 35: vx = speed * math.cos(angle)
    d_speed = d_vy * sin_angle + d_vx * cos_angle
    return d_speed, d_vy * speed * cos_angle - d_vx * speed * sin_angle, d_drag
