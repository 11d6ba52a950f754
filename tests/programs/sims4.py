"""Simulations split into helpers: small classes with methods, helpers with
keyword defaults and tuple returns, dict and list parameters, loops with
break/continue and early returns."""
# ruff: noqa: E501, B007, E741, F841  (written as users write them: long lines, unused loop counters, I for infected)
import math

import numpy as np

from .registry import Program


class Spring:
    def __init__(self, k, rest=1.0):
        self.k = k
        self.rest = rest

    def force(self, d):
        return -self.k * (d - self.rest)

    def energy(self, d):
        return 0.5 * self.k * (d - self.rest) ** 2


def spring_chain_energy(k, x):
    s = Spring(k, rest=0.8)
    E = 0.0
    for i in range(len(x) - 1):
        E += s.energy(x[i + 1] - x[i])
    return E


def _step(x, v, a, dt):
    v = v + a * dt
    x = x + v * dt
    return x, v


def ball_bounce(h0, e, g=9.81, dt=0.005, T=2.0):
    x, v = h0, 0.0
    t = 0.0
    while t < T:
        x, v = _step(x, v, -g, dt)
        if x < 0.0:
            x = -x
            v = -e * v
        t += dt
    return x + v


def nbody_energy(pos, vel, masses=(1.0, 0.5, 0.3), dt=0.01, steps=20):
    pos = pos.copy()
    vel = vel.copy()
    n = len(masses)
    for _ in range(steps):
        acc = np.zeros_like(pos)
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                d = pos[j] - pos[i]
                r = np.sqrt(d @ d + 0.01)
                acc[i] += masses[j] * d / r ** 3
        vel += acc * dt
        pos += vel * dt
    return np.sum(vel ** 2) + np.sum(pos ** 2)


def sir_epidemic(beta, gamma, N=1000.0, I0=5.0, days=60, dt=0.25):
    S, I, R = N - I0, I0, 0.0
    peak = 0.0
    for _ in range(int(days / dt)):
        new_inf = beta * S * I / N * dt
        new_rec = gamma * I * dt
        S -= new_inf
        I += new_inf - new_rec
        R += new_rec
        peak = max(peak, I)
    return R + 0.1 * peak


def lotka_volterra(params, x0=10.0, y0=5.0, dt=0.01, steps=400):
    a, b = params["alpha"], params["beta"]
    c, d = params["gamma"], params["delta"]
    x, y = x0, y0
    for _ in range(steps):
        dx = a * x - b * x * y
        dy = d * x * y - c * y
        x += dx * dt
        y += dy * dt
    return x + y


def heat_rod(kappa, u0, dt=0.001, steps=100):
    u = u0.copy()
    n = len(u)
    dx = 1.0 / (n - 1)
    for _ in range(steps):
        lap = np.zeros(n)
        lap[1:-1] = (u[2:] - 2 * u[1:-1] + u[:-2]) / dx ** 2
        u += kappa * dt * lap
    return np.sum(u ** 2)


def wave_1d(c, u0, dt=0.002, steps=80):
    n = len(u0)
    dx = 1.0 / n
    u_prev = u0.copy()
    u = u0.copy()
    for _ in range(steps):
        u_next = np.zeros(n)
        for i in range(1, n - 1):
            u_next[i] = 2 * u[i] - u_prev[i] + (c * dt / dx) ** 2 * (u[i + 1] - 2 * u[i] + u[i - 1])
        u_prev, u = u, u_next
    return np.sum(u ** 2)


class Particle:
    def __init__(self, x, v, m=1.0):
        self.x = x
        self.v = v
        self.m = m

    def kick(self, f, dt):
        self.v = self.v + f / self.m * dt

    def drift(self, dt):
        self.x = self.x + self.v * dt


def leapfrog_particle(x0, v0, k=2.0, dt=0.05, steps=50):
    p = Particle(x0, v0)
    for _ in range(steps):
        p.kick(-k * p.x, dt / 2)
        p.drift(dt)
        p.kick(-k * p.x, dt / 2)
    return p.x ** 2 + p.v ** 2


def queue_waiting(rate, service, n=30):
    wait = 0.0
    total = 0.0
    for i in range(n):
        arrival_gap = 1.0 / rate * (1 + 0.3 * math.sin(i))
        wait = max(0.0, wait + service - arrival_gap)
        total += wait
    return total / n


def inventory_cost(order_level, demand, hold=0.1, short=2.0):
    stock = order_level
    cost = 0.0
    for d in demand:
        stock -= d
        if stock < 0:
            cost += short * (-stock)
            stock = order_level
            continue
        cost += hold * stock
        if stock < 0.3 * order_level:
            stock = order_level
    return cost


def _rk4(f, y, t, h):
    k1 = f(t, y)
    k2 = f(t + h / 2, y + h / 2 * k1)
    k3 = f(t + h / 2, y + h / 2 * k2)
    k4 = f(t + h, y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def van_der_pol(mu, y0, h=0.05, steps=60):
    def f(t, y):
        return np.array([y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]])
    y = y0
    t = 0.0
    for _ in range(steps):
        y = _rk4(f, y, t, h)
        t += h
    return y @ y


def cooling_time(k, T0, T_env=20.0, target=40.0, dt=0.05):
    T = T0
    elapsed = 0.0
    energy = 0.0
    for _ in range(2000):
        if T <= target:
            break
        dT = -k * (T - T_env) * dt
        T += dT
        energy -= dT
        elapsed += dt
    return energy + T


def random_walk_fixed(drift, vol, shocks):
    x = 0.0
    path_max = -1e9
    for z in shocks:
        x += drift + vol * z
        if x > path_max:
            path_max = x
    return x + path_max


def traffic_flow(vmax, rho0, dt=0.01, steps=50):
    rho = rho0.copy()
    n = len(rho)
    for _ in range(steps):
        flux = vmax * rho * (1 - rho)
        rho[1:] -= dt * (flux[1:] - flux[:-1])
    return np.sum(rho ** 2)


def pid_controller(gains, setpoint=1.0, dt=0.02, steps=200):
    kp, ki, kd = gains
    y, v = 0.0, 0.0
    integ = 0.0
    prev_err = setpoint
    cost = 0.0
    for _ in range(steps):
        err = setpoint - y
        integ += err * dt
        deriv = (err - prev_err) / dt
        u = kp * err + ki * integ + kd * deriv
        v += (u - 0.5 * v) * dt
        y += v * dt
        prev_err = err
        cost += err * err * dt
    return cost


PROGRAMS = [
    Program(spring_chain_energy, lambda rng: (rng.uniform(1, 3), np.cumsum(rng.uniform(0.5, 1.2, 6))),
            ("k", "x")),
    Program(ball_bounce, lambda rng: (rng.uniform(1, 3), rng.uniform(0.6, 0.9)), ("h0", "e")),
    Program(nbody_energy, lambda rng: (rng.standard_normal((3, 2)), 0.3 * rng.standard_normal((3, 2))),
            ("pos", "vel")),
    Program(sir_epidemic, lambda rng: (rng.uniform(0.25, 0.4), rng.uniform(0.08, 0.15)),
            ("beta", "gamma")),
    Program(lotka_volterra, lambda rng: ({"alpha": rng.uniform(1.0, 1.2), "beta": rng.uniform(0.1, 0.2),
                                          "gamma": rng.uniform(1.0, 1.5), "delta": rng.uniform(0.05, 0.1)},)),
    Program(heat_rod, lambda rng: (rng.uniform(0.5, 1.0), rng.standard_normal(8)), ("kappa", "u0")),
    Program(wave_1d, lambda rng: (rng.uniform(0.5, 1.0), np.sin(np.linspace(0, np.pi, 8))
                                  + 0.1 * rng.standard_normal(8)), ("c", "u0")),
    Program(leapfrog_particle, lambda rng: (rng.standard_normal(), rng.standard_normal()),
            ("x0", "v0")),
    Program(queue_waiting, lambda rng: (rng.uniform(0.8, 1.2), rng.uniform(0.7, 1.1)),
            ("rate", "service")),
    Program(inventory_cost, lambda rng: (rng.uniform(8, 12), rng.uniform(0.5, 3, 12))),
    Program(van_der_pol, lambda rng: (rng.uniform(0.5, 1.5), rng.standard_normal(2)), ("mu", "y0")),
    Program(cooling_time, lambda rng: (rng.uniform(0.05, 0.1), rng.uniform(80, 95)), ("k", "T0")),
    Program(random_walk_fixed, lambda rng: (0.1 * rng.standard_normal(), rng.uniform(0.5, 1.5),
                                            rng.standard_normal(15)), ("drift", "vol")),
    Program(traffic_flow, lambda rng: (rng.uniform(0.8, 1.2), rng.uniform(0.2, 0.6, 8)),
            ("vmax", "rho0")),
    Program(pid_controller, lambda rng: ((rng.uniform(1, 3), rng.uniform(0.1, 0.5), rng.uniform(0.05, 0.2)),)),
]
