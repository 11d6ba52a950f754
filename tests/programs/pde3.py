"""Grid codes: explicit heat and wave equations with boundary conditions (set
inline, and by a helper that changes the array in place as PDE code usually
does), an upwind advection step, viscous Burgers, Jacobi iterations for a
Poisson problem, and a 2-D diffusion stencil with slicing."""
import numpy as np

from .registry import Program


def heat_inline_bc(u0, kappa, steps=20):
    u = u0.copy()
    for _ in range(steps):
        u = u + kappa * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
        u[0] = 0.0
        u[-1] = 0.0
    return np.sum(u ** 2)


def _apply_dirichlet(u, left, right):
    u[0] = left
    u[-1] = right


def heat_helper_bc(u0, kappa, steps=20):
    u = u0.copy()
    for _ in range(steps):
        u = u + kappa * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
        _apply_dirichlet(u, 0.0, 1.0)
    return np.sum(u ** 2)


def wave_leapfrog(u0, c, dt=0.05, dx=0.1, steps=25):
    r2 = (c * dt / dx) ** 2
    prev, u = u0.copy(), u0.copy()
    for _ in range(steps):
        nxt = np.zeros_like(u)
        nxt[1:-1] = 2 * u[1:-1] - prev[1:-1] + r2 * (u[2:] - 2 * u[1:-1] + u[:-2])
        prev, u = u, nxt
    return np.sum(u ** 2)


def upwind_advection(u0, speed, dt=0.02, dx=0.1, steps=15):
    u = u0
    for _ in range(steps):
        u = u - speed * dt / dx * (u - np.roll(u, 1))
    return np.sum(u * np.arange(u.size))


def burgers(u0, nu, dt=0.01, dx=0.1, steps=20):
    u = u0.copy()
    for _ in range(steps):
        ux = (np.roll(u, -1) - np.roll(u, 1)) / (2 * dx)
        uxx = (np.roll(u, -1) - 2 * u + np.roll(u, 1)) / dx ** 2
        u = u + dt * (-u * ux + nu * uxx)
    return np.sum(u ** 2)


def jacobi_poisson(f, iters=40, h=0.1):
    u = np.zeros_like(f)
    for _ in range(iters):
        new = u.copy()
        new[1:-1] = 0.5 * (u[2:] + u[:-2] + h * h * f[1:-1])
        u = new
    return np.sum(u)


def diffusion_2d(u0, D, steps=10):
    u = u0.copy()
    for _ in range(steps):
        lap = np.zeros_like(u)
        lap[1:-1, 1:-1] = (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2]
                           - 4 * u[1:-1, 1:-1])
        u = u + D * lap
    return np.sum(u ** 2)


def _bump(rng, n=12):
    x = np.linspace(0, 1, n)
    return np.exp(-((x - rng.uniform(0.3, 0.7)) / 0.15) ** 2)


PROGRAMS = [
    Program(heat_inline_bc, lambda rng: (_bump(rng), rng.uniform(0.1, 0.3)), ("u0", "kappa")),
    Program(heat_helper_bc, lambda rng: (_bump(rng), rng.uniform(0.1, 0.3)), ("u0", "kappa")),
    Program(wave_leapfrog, lambda rng: (_bump(rng), rng.uniform(0.5, 1.5)), ("u0", "c")),
    Program(upwind_advection, lambda rng: (_bump(rng), rng.uniform(0.5, 2.0)), ("u0", "speed")),
    Program(burgers, lambda rng: (np.sin(np.linspace(0, 2 * np.pi, 12)) + 0.1 * rng.random(12),
                                  rng.uniform(0.05, 0.2)), ("u0", "nu")),
    Program(jacobi_poisson, lambda rng: (rng.standard_normal(10),)),
    Program(diffusion_2d, lambda rng: (rng.random((6, 6)), rng.uniform(0.05, 0.2)), ("u0", "D")),
]
