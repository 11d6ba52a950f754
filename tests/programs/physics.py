"""Mechanics: spring chains, pendulum energy, pairwise potentials, diffusion."""
import math

import numpy as np

from .registry import Program

G = 1.0  # gravitational constant in simulation units
SOFTENING = 1e-3


def spring_chain_energy(x, k, rest_length):
    energy = 0.0
    for i in range(len(x) - 1):
        stretch = x[i + 1] - x[i] - rest_length
        energy += 0.5 * k * stretch ** 2
    return energy


def spring_chain_vectorised(x, k, rest_length):
    stretch = np.diff(x) - rest_length
    return 0.5 * np.sum(k * stretch ** 2)


def pendulum_energy(theta, omega, m=1.0, length=1.0, g=9.81):
    kinetic = 0.5 * m * (length * omega) ** 2
    potential = m * g * length * (1 - math.cos(theta))
    return kinetic + potential


def double_pendulum_energy(th1, th2, w1, w2, m1=1.0, m2=1.0, l1=1.0, l2=1.0, g=9.81):
    T = 0.5 * (m1 + m2) * l1 ** 2 * w1 ** 2 + 0.5 * m2 * l2 ** 2 * w2 ** 2 \
        + m2 * l1 * l2 * w1 * w2 * math.cos(th1 - th2)
    V = -(m1 + m2) * g * l1 * math.cos(th1) - m2 * g * l2 * math.cos(th2)
    return T + V


def nbody_potential(pos, masses):
    n = len(masses)
    U = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r = np.linalg.norm(pos[i] - pos[j])
            U -= G * masses[i] * masses[j] / np.sqrt(r ** 2 + SOFTENING ** 2)
    return U


def lennard_jones(pos, epsilon=1.0, sigma=1.0):
    energy = 0.0
    n = pos.shape[0]
    for i in range(n - 1):
        for j in range(i + 1, n):
            d = pos[i] - pos[j]
            r2 = d @ d
            sr6 = (sigma ** 2 / r2) ** 3
            energy += 4 * epsilon * (sr6 ** 2 - sr6)
    return energy


def coulomb_vectorised(pos, q):
    diff = pos[:, None, :] - pos[None, :, :]
    n = len(q)
    r = np.sqrt(np.sum(diff ** 2, axis=-1) + np.eye(n))
    pair = q[:, None] * q[None, :] / r
    return np.sum(np.triu(pair, 1))


def heat_equation(u0, alpha, steps=20):
    u = u0.copy()
    for _ in range(steps):
        u[1:-1] = u[1:-1] + alpha * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u ** 2)


def rigid_body_energy(omega, inertia):
    L = inertia @ omega
    return 0.5 * omega @ L


def drag_flight(v0, angle, drag=0.1, dt=0.01, t_max=1.5):
    x, y = 0.0, 0.0
    vx, vy = v0 * math.cos(angle), v0 * math.sin(angle)
    t = 0.0
    while t < t_max:
        speed = math.sqrt(vx * vx + vy * vy)
        vx -= drag * speed * vx * dt
        vy -= (9.81 + drag * speed * vy) * dt
        x += vx * dt
        y += vy * dt
        t += dt
    return x + y


def _positions(rng, n=4, d=3):
    # on a jittered line so no two particles come close
    base = np.arange(n, dtype=float)[:, None] * np.ones(d) * 1.2
    return base + 0.1 * rng.standard_normal((n, d))


PROGRAMS = [
    Program(spring_chain_energy,
            lambda rng: (np.cumsum(1 + 0.1 * rng.standard_normal(6)), rng.uniform(1, 3), 0.9),
            ("x", "k")),
    Program(spring_chain_vectorised,
            lambda rng: (np.cumsum(1 + 0.1 * rng.standard_normal(6)), rng.uniform(1, 3, 5), 0.9),
            ("x", "k")),
    Program(pendulum_energy, lambda rng: (rng.uniform(-1, 1), rng.uniform(-2, 2)),
            ("theta", "omega")),
    Program(double_pendulum_energy, lambda rng: tuple(rng.uniform(-1, 1, 4)),
            ("th1", "th2", "w1", "w2")),
    Program(nbody_potential,
            lambda rng: (_positions(rng), rng.uniform(0.5, 2, 4)), ("pos", "masses")),
    Program(lennard_jones, lambda rng: (_positions(rng, 3, 2),), "pos"),
    Program(coulomb_vectorised,
            lambda rng: (_positions(rng), rng.standard_normal(4)), ("pos", "q")),
    Program(heat_equation,
            lambda rng: (rng.standard_normal(8), rng.uniform(0.1, 0.3)), ("u0", "alpha")),
    Program(rigid_body_energy,
            lambda rng: (rng.standard_normal(3), np.diag(rng.uniform(1, 2, 3))),
            ("omega", "inertia")),
    Program(drag_flight, lambda rng: (rng.uniform(5, 10), rng.uniform(0.3, 1.0)),
            ("v0", "angle")),
]
