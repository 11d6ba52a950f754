"""Geometry: norms, cross products, areas, angles, rotations."""
import math

import numpy as np

from .registry import Program


def triangle_area(a, b, c):
    return 0.5 * np.linalg.norm(np.cross(b - a, c - a))


def shoelace_area(x, y):
    n = len(x)
    area = 0.0
    for i in range(n):
        j = (i + 1) % n
        area += x[i] * y[j] - x[j] * y[i]
    return abs(area) / 2.0


def angle_between(u, v):
    cos_t = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return np.arccos(np.clip(cos_t, -1.0, 1.0))


def point_segment_distance(p, a, b):
    ab = b - a
    t = np.dot(p - a, ab) / np.dot(ab, ab)
    t = np.clip(t, 0.0, 1.0)
    closest = a + t * ab
    return np.sqrt(np.sum((p - closest) ** 2))


def rotation_fit(theta, pts, target):
    c, s = np.cos(theta), np.sin(theta)
    R = np.array([[c, -s], [s, c]])
    rotated = pts @ R.T
    return np.sum((rotated - target) ** 2)


def polar_radius_angle(x, y):
    r = math.hypot(x, y)
    phi = math.atan2(y, x)
    return r * phi


def polygon_perimeter(pts):
    total = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        total += math.hypot(x1 - x0, y1 - y0)
    return total


def tetra_volume(p0, p1, p2, p3):
    return abs(np.dot(p1 - p0, np.cross(p2 - p0, p3 - p0))) / 6.0


def normalize_rows_spread(V):
    U = V / np.linalg.norm(V, axis=1, keepdims=True)
    G = U @ U.T
    return np.sum(G ** 2)


def _triangle(rng):
    return (rng.standard_normal(3), rng.standard_normal(3) + [2, 0, 0],
            rng.standard_normal(3) + [0, 2, 0])


PROGRAMS = [
    Program(triangle_area, _triangle, ("a", "b", "c")),
    Program(shoelace_area,
            lambda rng: (np.cos(np.linspace(0, 2 * np.pi, 6, endpoint=False))
                         + 0.1 * rng.standard_normal(6),
                         np.sin(np.linspace(0, 2 * np.pi, 6, endpoint=False))
                         + 0.1 * rng.standard_normal(6)),
            ("x", "y")),
    Program(angle_between, lambda rng: (rng.standard_normal(3), rng.standard_normal(3)),
            ("u", "v")),
    Program(point_segment_distance,
            lambda rng: (rng.standard_normal(2) + [0.5, 1.0], np.array([0.0, 0.0]),
                         np.array([1.0, 0.1])),
            ("p", "a", "b")),
    Program(rotation_fit,
            lambda rng: (rng.uniform(-1, 1), rng.standard_normal((5, 2)),
                         rng.standard_normal((5, 2))),
            "theta"),
    Program(polar_radius_angle, lambda rng: (rng.uniform(0.5, 2), rng.uniform(0.5, 2)),
            ("x", "y")),
    Program(polygon_perimeter,
            lambda rng: ([(float(np.cos(a)) + 0.1 * rng.standard_normal(),
                           float(np.sin(a)) + 0.1 * rng.standard_normal())
                          for a in np.linspace(0, 2 * np.pi, 5, endpoint=False)],),
            "pts"),
    Program(tetra_volume,
            lambda rng: (np.zeros(3) + 0.1 * rng.standard_normal(3), np.eye(3)[0],
                         np.eye(3)[1], np.eye(3)[2] + 0.1 * rng.standard_normal(3)),
            ("p0", "p3")),
    Program(normalize_rows_spread, lambda rng: (rng.standard_normal((4, 3)),), "V"),
]
