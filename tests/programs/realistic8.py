"""Round-8 held-out corpus: robotics (planar arms, Denavit–Hartenberg chains,
quaternions, unicycle rollouts), estimation and control (Kalman filters on a
dataclass state, EKF, particle weights, Riccati fixed points, saturated PID),
integrators as helpers returning tuples, classes with static and class
methods, spring-mass objects updated in place, option pricing (Black–Scholes
greeks, CRR and trinomial trees as lists, SABR), kernel methods through
solve/cholesky, 1-D convolutions (np.convolve, strided fancy indexing, dilated
causal padding), attention with masks, mixtures through a hand-written
logsumexp, dict-of-params networks with f-string keys, dataclass configs,
Enums, operator-overloading vectors, abstract base classes, functools.partial,
*args/**kwargs plumbing, math.fsum, itertools.accumulate, np.meshgrid,
np.select, floor-indexed tables and boolean-mask writes."""
# ruff: noqa: E501, B007, B008, E741, C416, C419  (written as users write them)
from __future__ import annotations

import abc
import functools
import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from . import _lib8
from ._lib8 import (GRAVITY, Activation, Integrator, KalmanState, Vec2, activate, call_with,
                    dh_transform, kf_predict, kf_update, leapfrog, logsumexp, matern32, mse,
                    norm_cdf, norm_pdf, quat_conj, quat_mul, relu, rk4_step, rot2, rot_z,
                    softmax, sq_exp_kernel, weighted_sum)
from .registry import Program

DT = 0.05
TARGET = np.array([1.2, 0.7])
# a, alpha, d for a 3-joint arm (theta is the joint variable)
DH_TABLE = [(0.5, math.pi / 2, 0.3), (0.8, 0.0, 0.0), (0.6, 0.0, 0.0)]

# ================================================================ robotics


def planar_arm_reach(thetas, lengths, target=TARGET):
    """Forward kinematics by chaining 2x2 rotations; squared distance to a target."""
    pos = np.zeros(2)
    R = np.eye(2)
    for theta, L in zip(thetas, lengths):
        R = R @ rot2(theta)
        pos = pos + R @ np.array([L, 0.0])
    return np.sum((pos - target) ** 2)


def dh_arm_endpoint(q, target=np.array([0.9, 0.4, 0.8])):
    T = np.eye(4)
    for qi, (a, alpha, d) in zip(q, DH_TABLE):
        T = T @ dh_transform(qi, d, a, alpha)
    p = T[:3, 3]
    return np.linalg.norm(p - target) ** 2 + 0.01 * np.sum(q ** 2)


def ik_newton_two_link(target, l1=1.0, l2=0.8, tol=1e-10, max_iter=50):
    """Solve FK(theta) = target by Newton with the hand-written Jacobian."""
    theta = np.array([0.3, 0.6])
    for it in range(max_iter):
        t1, t12 = theta[0], theta[0] + theta[1]
        fk = np.array([l1 * np.cos(t1) + l2 * np.cos(t12), l1 * np.sin(t1) + l2 * np.sin(t12)])
        err = fk - target
        if np.linalg.norm(err) < tol:
            break
        J = np.array([[-l1 * np.sin(t1) - l2 * np.sin(t12), -l2 * np.sin(t12)],
                      [l1 * np.cos(t1) + l2 * np.cos(t12), l2 * np.cos(t12)]])
        theta = theta - np.linalg.solve(J, err)
    return theta[0] ** 2 + 2.0 * theta[1]


def quaternion_rotate_loss(q, v, target):
    q = q / np.linalg.norm(q)
    qv = np.concatenate([[0.0], v])
    rotated = quat_mul(quat_mul(q, qv), quat_conj(q))[1:]
    return np.sum((rotated - target) ** 2)


def heading_smoothness(waypoints):
    """Sum of squared heading changes along a path; headings from np.arctan2."""
    d = np.diff(waypoints, axis=0)
    headings = np.arctan2(d[:, 1], d[:, 0])
    turn = np.diff(headings)
    return np.sum(turn ** 2) + 0.1 * np.sum(np.hypot(d[:, 0], d[:, 1]))


def unicycle_rollout(controls, x0=(0.0, 0.0, 0.0), v_max=1.5, w_max=2.0):
    x, y, th = x0
    cost = 0.0
    for u in controls:
        v = np.clip(u[0], -v_max, v_max)
        w = np.clip(u[1], -w_max, w_max)
        x += v * np.cos(th) * DT
        y += v * np.sin(th) * DT
        th += w * DT
        cost += 0.01 * (v ** 2 + w ** 2)
    return cost + (x - 0.5) ** 2 + (y - 0.2) ** 2


def odometry_vec2(speeds, headings):
    """Dead reckoning with a small vector class and its operators."""
    pos = Vec2(0.0, 0.0)
    path_len = 0.0
    for s, h in zip(speeds, headings):
        step = Vec2(math.cos(h), math.sin(h)) * (s * DT)
        pos = pos + step
        path_len += step.norm()
    goal = Vec2(0.3, 0.1)
    return (pos - goal).dot(pos - goal) + 0.1 * path_len


def jacobian_transpose_ik(thetas, lengths, target=TARGET, alpha=0.1, iters=20):
    """Gradient-style IK: columns of the Jacobian stacked with np.stack."""
    th = thetas.copy()
    for _ in range(iters):
        cum = np.cumsum(th)
        pts = np.stack([np.cumsum(lengths * np.cos(cum)), np.cumsum(lengths * np.sin(cum))], axis=1)
        end = pts[-1]
        cols = []
        for j in range(len(th)):
            base = pts[j - 1] if j > 0 else np.zeros(2)
            r = end - base
            cols.append(np.array([-r[1], r[0]]))
        J = np.stack(cols, axis=1)
        th = th + alpha * J.T @ (target - end)
    cum = np.cumsum(th)
    end = np.array([np.sum(lengths * np.cos(cum)), np.sum(lengths * np.sin(cum))])
    return np.sum((end - target) ** 2)


def rigid_body_yaw(yaws, points):
    """Rotate a point cloud by each yaw (3x3 rot_z) and measure the spread."""
    total = 0.0
    for yaw in yaws:
        P = points @ rot_z(yaw).T
        total += np.var(P[:, 0]) - np.var(P[:, 1])
    return total


# ================================================================ estimation / control


def kalman_dataclass_nll(log_q, log_r, zs, dt=0.1):
    F = np.array([[1.0, dt], [0.0, 1.0]])
    H = np.array([[1.0, 0.0]])
    Q = np.exp(log_q) * np.array([[dt ** 3 / 3, dt ** 2 / 2], [dt ** 2 / 2, dt]])
    R = np.array([[np.exp(log_r)]])
    state = KalmanState(np.zeros(2), np.eye(2))
    nll = 0.0
    for z in zs:
        state = kf_predict(state, F, Q)
        state, ll = kf_update(state, np.array([z]), H, R)
        nll -= ll
    return nll


def ekf_pendulum(params, zs, dt=0.05):
    """Extended Kalman filter on a pendulum observed through sin(theta)."""
    g_over_l, damping, r = params["g_over_l"], params["damping"], params["r"]
    m = np.array([0.5, 0.0])
    P = 0.1 * np.eye(2)
    Q = 1e-3 * np.eye(2)
    total = 0.0
    for z in zs:
        th, om = m
        m = np.array([th + dt * om, om - dt * (g_over_l * np.sin(th) + damping * om)])
        Fj = np.array([[1.0, dt], [-dt * g_over_l * np.cos(th), 1.0 - dt * damping]])
        P = Fj @ P @ Fj.T + Q
        h = np.sin(m[0])
        Hj = np.array([np.cos(m[0]), 0.0])
        S = Hj @ P @ Hj + r
        K = P @ Hj / S
        innov = z - h
        m = m + K * innov
        P = P - np.outer(K, Hj @ P)
        total += 0.5 * (innov ** 2 / S + np.log(S))
    return total


def alpha_beta_filter(alpha, beta, zs, dt=0.1):
    x, v = zs[0], 0.0
    sse = 0.0
    for k, z in enumerate(zs[1:], start=1):
        x_pred = x + dt * v
        resid = z - x_pred
        x, v = x_pred + alpha * resid, v + beta / dt * resid
        sse += resid ** 2 / k
    return sse


def particle_weight_estimate(drift, log_noise, obs, n_particles=64, seed=3):
    """Bootstrap-filter weights with a fixed noise draw (no resampling)."""
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((len(obs), n_particles))
    particles = np.zeros(n_particles)
    log_w = np.zeros(n_particles)
    sigma = np.exp(log_noise)
    log_evidence = 0.0
    for t, y in enumerate(obs):
        particles = particles + drift + 0.3 * eps[t]
        log_w = log_w - 0.5 * ((y - particles) / sigma) ** 2 - np.log(sigma)
        m = log_w.max()
        lse = m + np.log(np.sum(np.exp(log_w - m)))
        log_evidence += lse - np.log(n_particles)
        log_w = log_w - lse
    w = np.exp(log_w)
    return -log_evidence + np.sum(w * particles) ** 2


def lqr_riccati(q, r, a=1.1, b=0.5, tol=1e-12, max_iter=1000):
    """Scalar discrete Riccati equation by fixed-point iteration."""
    P = q
    it = 0
    while it < max_iter:
        P_next = q + a * a * P - (a * b * P) ** 2 / (r + b * b * P)
        if abs(P_next - P) < tol:
            P = P_next
            break
        P = P_next
        it += 1
    K = a * b * P / (r + b * b * P)
    return P + K ** 2


def lqr_matrix_riccati(Qd, r, A=np.array([[1.0, 0.1], [0.0, 1.0]]), B=np.array([[0.0], [0.1]]), n_iter=60):
    Q = np.diag(Qd)
    R = np.array([[r]])
    P = Q.copy()
    for _ in range(n_iter):
        BtP = B.T @ P
        K = np.linalg.solve(R + BtP @ B, BtP @ A)
        P = Q + A.T @ P @ (A - B @ K)
    return np.trace(P)


def pid_saturated(gains, setpoint=1.0, u_max=4.0, dt=0.02, steps=150):
    kp, ki, kd = gains
    y, ydot, integral, prev_err = 0.0, 0.0, 0.0, setpoint
    cost = 0.0
    for _ in range(steps):
        err = setpoint - y
        integral += err * dt
        deriv = (err - prev_err) / dt
        u = np.clip(kp * err + ki * integral + kd * deriv, -u_max, u_max)
        yddot = u - 0.8 * ydot - 2.0 * y
        ydot += yddot * dt
        y += ydot * dt
        prev_err = err
        cost += err ** 2 * dt
    return cost


def complementary_filter(alpha, gyro, accel_angle, dt=0.01):
    angle = accel_angle[0]
    estimates = []
    for w, a in zip(gyro, accel_angle):
        angle = alpha * (angle + w * dt) + (1 - alpha) * a
        estimates.append(angle)
    est = np.array(estimates)
    return np.mean((est - np.cumsum(gyro) * dt) ** 2)


# ================================================================ integrators


def _spring_accel(x, v, k, c):
    return -k * x - c * v


def spring_rk4_tuple(k, c, x0=1.0, v0=0.0, steps=60):
    x, v = x0, v0
    energy = 0.0
    for _ in range(steps):
        x, v = rk4_step(_spring_accel, x, v, DT, k, c)
        energy += 0.5 * v ** 2 + 0.5 * k * x ** 2
    return energy / steps


def hmc_hamiltonian(q0, p0, inv_cov, dt=0.1, n_steps=12):
    def grad_u(q):
        return inv_cov @ q

    q, p = leapfrog(grad_u, q0, p0, dt, n_steps)
    return 0.5 * q @ inv_cov @ q + 0.5 * p @ p


class SpringMassChain:
    """Masses joined by springs; step() updates positions and velocities in place."""

    def __init__(self, k, m, x0):
        self.k = k
        self.m = m
        self.x = x0.copy()
        self.v = np.zeros_like(x0)

    @classmethod
    def uniform(cls, k, n, spacing=1.0):
        return cls(k, np.ones(n), np.arange(n) * spacing)

    def forces(self):
        ext = np.diff(self.x) - 1.0
        f = np.zeros_like(self.x)
        f[:-1] += self.k * ext
        f[1:] -= self.k * ext
        return f

    def step(self, dt):
        self.v += dt * self.forces() / self.m
        self.x += dt * self.v

    def kinetic(self):
        return 0.5 * np.sum(self.m * self.v ** 2)


def spring_chain_object(k, x0, steps=80):
    chain = SpringMassChain(k, np.array([1.0, 2.0, 1.5]), x0)
    ke = 0.0
    for _ in range(steps):
        chain.step(0.02)
        ke += chain.kinetic()
    return ke + chain.x[-1]


def spring_chain_classmethod(k, steps=50):
    chain = SpringMassChain.uniform(k, 4)
    chain.x[0] -= 0.2
    for _ in range(steps):
        chain.step(0.05)
    return np.sum(chain.x ** 2)


def integrator_by_name(rate, y0, method="midpoint", steps=20):
    step = Integrator.by_name(method)
    f = lambda y: -rate * y + np.sin(y)
    y = y0
    for _ in range(steps):
        y = step(f, y, 0.05)
    return np.sum(y)


def integrator_static(rate, y0, steps=20):
    y = y0
    for _ in range(steps):
        y = Integrator.midpoint(lambda z: -rate * z ** 3, y, 0.05)
    return np.sum(y ** 2)


def three_body_leapfrog(pos, masses=np.array([1.0, 0.8, 0.6]), dt=0.01, steps=40):
    def accel(p):
        a = np.zeros_like(p)
        for i in range(len(masses)):
            for j in range(len(masses)):
                if i != j:
                    r = p[j] - p[i]
                    a[i] += masses[j] * r / (np.sum(r ** 2) + 0.05) ** 1.5
        return a

    vel = np.zeros_like(pos)
    acc = accel(pos)
    for _ in range(steps):
        vel += 0.5 * dt * acc
        pos = pos + dt * vel
        acc = accel(pos)
        vel += 0.5 * dt * acc
    return np.sum(masses[:, None] * vel ** 2)


def heun_adaptive(k, y0=1.0, t_end=2.0, tol=1e-4):
    """Heun–Euler embedded pair with step-size control."""
    t, y, h = 0.0, y0, 0.1
    n_acc = 0
    while t < t_end - 1e-12:
        h = min(h, t_end - t)
        f0 = -k * y + math.sin(t)
        y_euler = y + h * f0
        f1 = -k * y_euler + math.sin(t + h)
        y_heun = y + 0.5 * h * (f0 + f1)
        err = abs(y_heun - y_euler)
        if err <= tol:
            t += h
            y = y_heun
            n_acc += 1
        h = 0.9 * h * min(2.0, max(0.2, math.sqrt(tol / max(err, 1e-14))))
    return y


def projectile_drag(v0, angle, drag=0.1, dt=0.01):
    """Integrate until the projectile lands; range plus apex height."""
    x, y = 0.0, 0.0
    vx, vy = v0 * math.cos(angle), v0 * math.sin(angle)
    apex = 0.0
    while y >= 0.0:
        speed = math.sqrt(vx * vx + vy * vy)
        vx -= drag * speed * vx * dt
        vy -= (GRAVITY + drag * speed * vy) * dt
        x += vx * dt
        y += vy * dt
        apex = max(apex, y)
    return x + apex


# ================================================================ finance


class BSModel:
    def __init__(self, spot, rate, vol):
        self.spot = spot
        self.rate = rate
        self.vol = vol

    @classmethod
    def from_dict(cls, d):
        return cls(d["spot"], d["rate"], d["vol"])

    def _d1_d2(self, K, T):
        d1 = (math.log(self.spot / K) + (self.rate + 0.5 * self.vol ** 2) * T) / (self.vol * math.sqrt(T))
        return d1, d1 - self.vol * math.sqrt(T)

    def put(self, K, T):
        d1, d2 = self._d1_d2(K, T)
        return K * math.exp(-self.rate * T) * norm_cdf(-d2) - self.spot * norm_cdf(-d1)

    def delta_put(self, K, T):
        d1, _ = self._d1_d2(K, T)
        return norm_cdf(d1) - 1.0

    def vega(self, K, T):
        d1, _ = self._d1_d2(K, T)
        return self.spot * norm_pdf(d1) * math.sqrt(T)


def bs_hedged_book(market, strikes=(90.0, 100.0, 110.0), T=0.75):
    model = BSModel.from_dict(market)
    value = 0.0
    for K in strikes:
        value += model.put(K, T) - model.delta_put(K, T) * model.spot + 0.01 * model.vega(K, T)
    return value


def crr_european_lists(S0, sigma, K=1.0, r=0.02, T=1.0, n=40, kind="call"):
    dt = T / n
    u = math.exp(sigma * math.sqrt(dt))
    d = 1 / u
    p = (math.exp(r * dt) - d) / (u - d)
    disc = math.exp(-r * dt)
    prices = [S0 * u ** j * d ** (n - j) for j in range(n + 1)]
    if kind == "call":
        values = [max(s - K, 0.0) for s in prices]
    else:
        values = [max(K - s, 0.0) for s in prices]
    for step in range(n, 0, -1):
        values = [disc * (p * values[j + 1] + (1 - p) * values[j]) for j in range(step)]
    return values[0]


def crr_put(S0, sigma):
    return crr_european_lists(S0, sigma, kind="put")


def trinomial_american(S0, sigma, K=1.0, r=0.03, T=0.5, n=24):
    dt = T / n
    dx = sigma * math.sqrt(3 * dt)
    nu = r - 0.5 * sigma ** 2
    pu = 0.5 * ((sigma ** 2 * dt + nu ** 2 * dt ** 2) / dx ** 2 + nu * dt / dx)
    pd = 0.5 * ((sigma ** 2 * dt + nu ** 2 * dt ** 2) / dx ** 2 - nu * dt / dx)
    pm = 1.0 - pu - pd
    disc = math.exp(-r * dt)
    j = np.arange(-n, n + 1)
    S = S0 * np.exp(j * dx)
    V = np.maximum(K - S, 0.0)
    for i in range(n - 1, -1, -1):
        S = S[1:-1]
        V = disc * (pu * V[2:] + pm * V[1:-1] + pd * V[:-2])
        V = np.maximum(V, K - S)
    return V[0]


def sabr_smile_fit(alpha, rho, nu, F=0.03, T=2.0, beta=0.5,
                   strikes=(0.02, 0.025, 0.035, 0.04), market=(0.31, 0.29, 0.28, 0.285)):
    """Hagan's lognormal SABR vol, least squares against a market smile."""
    err = 0.0
    for K, vol_mkt in zip(strikes, market):
        fk = (F * K) ** ((1 - beta) / 2)
        logfk = math.log(F / K)
        z = nu / alpha * fk * logfk
        x = math.log((math.sqrt(1 - 2 * rho * z + z * z) + z - rho) / (1 - rho))
        denom = fk * (1 + (1 - beta) ** 2 / 24 * logfk ** 2 + (1 - beta) ** 4 / 1920 * logfk ** 4)
        corr = 1 + ((1 - beta) ** 2 / 24 * alpha ** 2 / fk ** 2 + rho * beta * nu * alpha / (4 * fk)
                    + (2 - 3 * rho ** 2) / 24 * nu ** 2) * T
        vol = alpha / denom * (z / x) * corr
        err += (vol - vol_mkt) ** 2
    return err


def nelson_siegel_fit(params, maturities, yields, tau=2.0):
    b0, b1, b2 = params
    x = maturities / tau
    loading = (1 - np.exp(-x)) / x
    model = b0 + b1 * loading + b2 * (loading - np.exp(-x))
    return mse(model, yields, reduction="sum")


def barrier_mc_smooth(S0, sigma, K=1.0, barrier=1.3, r=0.01, T=1.0, n_paths=200, n_steps=20, seed=11):
    rng = np.random.default_rng(seed)
    dt = T / n_steps
    z = rng.standard_normal((n_paths, n_steps))
    log_paths = np.log(S0) + np.cumsum((r - 0.5 * sigma ** 2) * dt + sigma * np.sqrt(dt) * z, axis=1)
    paths = np.exp(log_paths)
    alive = np.prod(1.0 / (1.0 + np.exp(40.0 * (paths - barrier))), axis=1)
    payoff = np.maximum(paths[:, -1] - K, 0.0) * alive
    return math.exp(-r * T) * payoff.mean()


def bachelier_fsum(F, sigma, strikes, T=0.5):
    prices = []
    for K in strikes:
        s = sigma * math.sqrt(T)
        d = (F - K) / s
        prices.append((F - K) * norm_cdf(d) + s * norm_pdf(d))
    return math.fsum(prices)


def discount_accumulate(rates):
    """Discount factors as a running product with itertools.accumulate."""
    one_period = [1.0 / (1.0 + r) for r in rates]
    dfs = list(itertools.accumulate(one_period, lambda a, b: a * b))
    cashflows = [5.0] * (len(rates) - 1) + [105.0]
    return sum(c * d for c, d in zip(cashflows, dfs))


# ================================================================ kernels / GPs


def kernel_ridge_validation(log_ell, log_lam, X, y, X_val, y_val):
    ell, lam = np.exp(log_ell), np.exp(log_lam)
    K = sq_exp_kernel(X, X, ell)
    alpha = np.linalg.solve(K + lam * np.eye(len(X)), y)
    pred = sq_exp_kernel(X_val, X, ell) @ alpha
    return np.mean((pred - y_val) ** 2)


def gp_cholesky_predict(hyp, X, y, Xs, ys):
    """GP negative log marginal likelihood plus predictive NLL at test points."""
    ell, amp, noise = np.exp(hyp)
    K = sq_exp_kernel(X, X, ell, amp) + noise ** 2 * np.eye(X.shape[0])
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    nll = 0.5 * y @ alpha + np.sum(np.log(np.diag(L)))
    Ks = sq_exp_kernel(Xs, X, ell, amp)
    mu = Ks @ alpha
    V = np.linalg.solve(L, Ks.T)
    var = amp ** 2 - np.sum(V ** 2, axis=0) + noise ** 2
    pred_nll = 0.5 * np.sum(np.log(var) + (ys - mu) ** 2 / var)
    return nll + pred_nll


def matern_gp_nll(log_ell, X, y, noise=0.1):
    diff = X[:, None, :] - X[None, :, :]
    r = np.sqrt(np.sum(diff ** 2, axis=-1) + 1e-12)
    K = matern32(r, np.exp(log_ell)) + noise * np.eye(len(X))
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ np.linalg.solve(K, y) + 0.5 * logdet


def _fit_predict(kernel, X, y, Xq, lam=1e-2):
    K = kernel(X, X)
    w = np.linalg.solve(K + lam * np.eye(len(y)), y)
    return kernel(Xq, X) @ w


def kernel_partial_lengthscale(ell, X, y, Xq, yq):
    kernel = functools.partial(sq_exp_kernel, lengthscale=ell)
    pred = _fit_predict(kernel, X, y, Xq)
    return np.sum((pred - yq) ** 2)


def nystrom_trace_error(log_ell, X, landmarks=(0, 3, 5, 8)):
    idx = np.array(landmarks)
    ell = np.exp(log_ell)
    K = sq_exp_kernel(X, X, ell)
    C = K[:, idx]
    W = K[np.ix_(idx, idx)] + 1e-6 * np.eye(len(idx))
    K_approx = C @ np.linalg.solve(W, C.T)
    return np.trace(K - K_approx)


def random_fourier_ridge(log_ell, X, y, n_features=30, lam=0.1, seed=5):
    rng = np.random.default_rng(seed)
    omega = rng.standard_normal((X.shape[1], n_features))
    phase = rng.uniform(0, 2 * np.pi, n_features)
    Z = np.sqrt(2.0 / n_features) * np.cos(X @ omega / np.exp(log_ell) + phase)
    A = Z.T @ Z + lam * np.eye(n_features)
    w = np.linalg.solve(A, Z.T @ y)
    return np.mean((Z @ w - y) ** 2) + lam * w @ w


# ================================================================ convolutions


def conv_np_convolve_pool(kernel, x, bias=0.1):
    h = np.convolve(x, kernel, mode="valid") + bias
    h = relu(h)
    h = h[: len(h) // 2 * 2].reshape(-1, 2).mean(axis=1)
    return np.sum(h ** 2)


def conv_loop_maxpool(kernel, x):
    K = len(kernel)
    out = np.zeros(len(x) - K + 1)
    for i in range(len(out)):
        for k in range(K):
            out[i] += kernel[k] * x[i + k]
    pooled = out.reshape(-1, 3).max(axis=1)
    return np.sum(np.tanh(pooled))


def multichannel_conv(W, b, x):
    """W has shape (C_out, C_in, K); windows stacked then contracted with einsum."""
    c_out, c_in, K = W.shape
    L = x.shape[1]
    windows = np.stack([x[:, i:i + K] for i in range(L - K + 1)], axis=0)  # (T, C_in, K)
    y = np.einsum("tck,ock->ot", windows, W) + b[:, None]
    return np.mean(np.tanh(y) ** 2)


def dilated_causal_conv(w, x, dilation=2):
    K = len(w)
    pad = (K - 1) * dilation
    xp = np.concatenate([np.zeros(pad), x])
    y = np.zeros_like(x)
    for k in range(K):
        y += w[k] * xp[pad - k * dilation: pad - k * dilation + len(x)]
    return np.sum(y ** 2) / len(x)


def strided_conv_fancy(kernel, x, stride=2):
    k = len(kernel)
    starts = np.arange(0, len(x) - k + 1, stride)
    idx = starts[:, None] + np.arange(k)[None, :]
    patches = x[idx]
    y = patches @ kernel
    return np.sum(np.log1p(y ** 2))


# ================================================================ attention


def causal_self_attention(Wq, Wk, Wv, X):
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    n, d = Q.shape
    scores = Q @ K.T / np.sqrt(d)
    mask = np.triu(np.ones((n, n)), k=1).astype(bool)
    scores = np.where(mask, -1e9, scores)
    A = softmax(scores, axis=-1)
    return np.sum((A @ V) ** 2)


def multihead_attention(params, X, n_heads=2):
    n, d_model = X.shape
    d_head = d_model // n_heads
    Q = (X @ params["Wq"]).reshape(n, n_heads, d_head).transpose(1, 0, 2)
    K = (X @ params["Wk"]).reshape(n, n_heads, d_head).transpose(1, 0, 2)
    V = (X @ params["Wv"]).reshape(n, n_heads, d_head).transpose(1, 0, 2)
    scores = Q @ K.transpose(0, 2, 1) / math.sqrt(d_head)
    weights = softmax(scores, axis=-1)
    heads = weights @ V  # (h, n, d_head)
    concat = heads.transpose(1, 0, 2).reshape(n, d_model)
    out = concat @ params["Wo"]
    return np.mean(out ** 2)


def cross_attention_padding(Wq, Wk, X, Y, lengths=(3, 5)):
    """Batch of 2 queries-sets attending over padded keys; padding masked out."""
    total = 0.0
    for b, length in enumerate(lengths):
        q = X[b] @ Wq
        k = Y[b] @ Wk
        s = q @ k.T
        valid = np.arange(Y.shape[1]) < length
        s = np.where(valid[None, :], s, -np.inf)
        a = softmax(s)
        total += np.sum(a @ Y[b])
    return total


def attention_pooling(w, H, y):
    scores = H @ w
    alpha = softmax(scores)
    pooled = alpha @ H
    return (pooled.sum() - y) ** 2


def transformer_block(params, X, eps=1e-5):
    def layer_norm(h, g, b):
        mu = h.mean(axis=-1, keepdims=True)
        var = h.var(axis=-1, keepdims=True)
        return g * (h - mu) / np.sqrt(var + eps) + b

    h = layer_norm(X, params["ln1_g"], params["ln1_b"])
    q, k, v = h @ params["Wq"], h @ params["Wk"], h @ params["Wv"]
    att = softmax(q @ k.T / math.sqrt(q.shape[-1]))
    X = X + att @ v
    h = layer_norm(X, params["ln2_g"], params["ln2_b"])
    X = X + relu(h @ params["W1"]) @ params["W2"]
    return np.sum(X ** 2) / X.size


# ================================================================ mixtures


def gmm2d_loglik(means, log_sigmas, logits, X):
    """Isotropic 2-D GMM; the log-sum-exp over components written by hand."""
    log_pi = logits - np.log(np.sum(np.exp(logits)))
    sig2 = np.exp(2 * log_sigmas)
    d2 = np.sum((X[:, None, :] - means[None, :, :]) ** 2, axis=-1)
    comp = log_pi - np.log(2 * np.pi * sig2) - 0.5 * d2 / sig2
    m = np.max(comp, axis=1, keepdims=True)
    ll = m[:, 0] + np.log(np.sum(np.exp(comp - m), axis=1))
    return -np.sum(ll)


def poisson_mixture(log_rates, logits, counts):
    log_fact = np.array([math.lgamma(c + 1) for c in counts])
    log_w = logits - logsumexp(logits)
    rates = np.exp(log_rates)
    comp = counts[:, None] * log_rates[None, :] - rates[None, :] - log_fact[:, None] + log_w[None, :]
    return -np.sum(logsumexp(comp, axis=1))


def mixture_of_experts(params, X, y):
    gates = softmax(X @ params["gate"], axis=1)
    experts = X @ params["experts"]  # (n, n_experts)
    log_lik = -0.5 * (y[:, None] - experts) ** 2
    return -np.sum(logsumexp(np.log(gates) + log_lik, axis=1))


def hmm_log_forward(log_A, log_b, obs):
    """Forward algorithm in log space; emissions log_b[state, symbol]."""
    n = log_A.shape[0]
    log_A = log_A - logsumexp(log_A, axis=1)[:, None]
    log_b = log_b - logsumexp(log_b, axis=1)[:, None]
    alpha = np.full(n, -np.log(n)) + log_b[:, obs[0]]
    for o in obs[1:]:
        alpha = logsumexp(alpha[:, None] + log_A, axis=0) + log_b[:, o]
    return -logsumexp(alpha, axis=0)


def em_responsibilities(mu, x, var=(0.5, 1.0, 2.0), pis=(0.3, 0.3, 0.4)):
    var = np.asarray(var)
    log_p = np.log(np.asarray(pis)) - 0.5 * np.log(2 * np.pi * var) - 0.5 * (x[:, None] - mu) ** 2 / var
    lse = logsumexp(log_p, axis=1)
    resp = np.exp(log_p - lse[:, None])
    nk = resp.sum(axis=0)
    new_mu = (resp * x[:, None]).sum(axis=0) / nk
    return np.sum(new_mu ** 2) - np.sum(lse)


# ================================================================ dict-of-params networks


def mlp_dict_xent(params, X, labels):
    h = np.maximum(0, X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    logits = logits - logits.max(axis=1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def batchnorm_mlp(params, X, y, eps=1e-5):
    z = X @ params["W1"]
    mu = z.mean(axis=0)
    var = z.var(axis=0)
    z = params["gamma"] * (z - mu) / np.sqrt(var + eps) + params["beta"]
    h = np.tanh(z)
    pred = h @ params["w_out"]
    return np.mean((pred - y) ** 2)


def tied_autoencoder(W, X, sparsity=0.05):
    H = 1 / (1 + np.exp(-(X @ W)))
    R = H @ W.T
    return np.mean((R - X) ** 2) + sparsity * np.abs(H).mean()


def fstring_layers(params, x, n_layers=3):
    h = x
    for i in range(1, n_layers + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < n_layers:
            h = np.tanh(h)
    return np.sum(h ** 2)


def enum_activation_net(W, b, x, kind=Activation.SOFTPLUS):
    return np.sum(activate(x @ W + b, kind) ** 2)


def enum_tanh_net(W, b, x):
    return enum_activation_net(W, b, x, Activation.TANH)


# ================================================================ idioms


@dataclass
class TrainConfig:
    lr: float = 0.1
    steps: int = 5
    loss: str = "huber"
    delta: float = 1.0
    clip: float = 5.0
    tags: list = field(default_factory=list)


def _loss_by_name(r, cfg: TrainConfig):
    if cfg.loss == "l2":
        return 0.5 * r ** 2
    if cfg.loss == "huber":
        a = np.abs(r)
        return np.where(a <= cfg.delta, 0.5 * r ** 2, cfg.delta * (a - 0.5 * cfg.delta))
    raise ValueError(cfg.loss)


def sgd_with_config(w0, X, y, cfg: TrainConfig = TrainConfig()):
    w = w0.copy()
    for _ in range(cfg.steps):
        r = X @ w - y
        g = X.T @ np.clip(r, -cfg.delta, cfg.delta) / len(y) if cfg.loss == "huber" else X.T @ r / len(y)
        g = np.clip(g, -cfg.clip, cfg.clip)
        w -= cfg.lr * g
    return np.mean(_loss_by_name(X @ w - y, cfg))


def generator_expression_energy(x, k=2.0):
    n = len(x)
    springs = sum(0.5 * k * (x[i + 1] - x[i] - 1.0) ** 2 for i in range(n - 1))
    gravity = sum(GRAVITY * xi for xi in x) / n
    return springs + 0.01 * gravity


def fsum_terms(a, b, xs):
    terms = [math.exp(-a * x) * math.cos(b * x) for x in xs]
    return math.fsum(terms) / len(terms)


def partial_loss_fn(w, X, y):
    def penalised(w, X, y, lam):
        return np.mean((X @ w - y) ** 2) + lam * np.sum(w ** 2)

    loss = functools.partial(penalised, lam=0.05)
    return loss(w, X, y)


def kwargs_plumbing(w, X, y):
    pred = call_with(np.tanh, X @ w)
    data = mse(pred, y)
    reg = call_with(np.sum, w ** 2)
    return weighted_sum(data, reg, weights=[1.0, 0.01])


def meshgrid_integral(a, b, n=21):
    xs = np.linspace(-1, 1, n)
    Xg, Yg = np.meshgrid(xs, xs)
    F = np.exp(-(a * Xg ** 2 + b * Yg ** 2)) * (1 + 0.5 * Xg * Yg)
    h = xs[1] - xs[0]
    return np.trapezoid(np.trapezoid(F, dx=h, axis=1), dx=h)


def select_piecewise_loss(theta, x):
    r = x - theta
    loss = np.select([r < -1.0, r > 1.0], [-2 * r - 1.0, 2 * r - 1.0], default=r ** 2)
    return np.sum(loss)


def lookup_table_floor(table, ts, dt=0.25):
    """Linear interpolation in a table, the cell picked by np.floor."""
    idx = np.floor(ts / dt).astype(int)
    frac = ts / dt - idx
    vals = (1 - frac) * table[idx] + frac * table[idx + 1]
    return np.sum(vals ** 2)


def grid_divmod(field_vals, cells=(1, 5, 7, 10), width=4):
    total = 0.0
    for c in cells:
        row, col = divmod(c, width)
        total += field_vals[row, col] ** 2 * (row + 1)
    return total


def mask_write_leaky(x, slope=0.1):
    out = x.copy()
    neg = out < 0
    out[neg] *= slope
    return np.sum(out ** 3)


def scatter_add_counts(values, ids=np.array([0, 2, 1, 2, 0, 3, 3, 1])):
    totals = np.zeros(4)
    np.add.at(totals, ids, values)
    counts = np.bincount(ids, minlength=4)
    means = totals / counts
    return np.sum(means ** 2)


def nonlocal_counter(x):
    calls = 0

    def f(z):
        nonlocal calls
        calls += 1
        return np.sin(z) * z

    total = f(x) + f(2 * x) + f(3 * x)
    return np.sum(total) / calls


class Potential(abc.ABC):
    @abc.abstractmethod
    def energy(self, x):
        ...

    def __call__(self, x):
        return self.energy(x)


class Harmonic(Potential):
    def __init__(self, k):
        self.k = k

    def energy(self, x):
        return 0.5 * self.k * np.sum(x ** 2)


class DoubleWell(Potential):
    def __init__(self, a, b):
        self.a, self.b = a, b

    def energy(self, x):
        return np.sum(self.a * x ** 4 - self.b * x ** 2)


def abstract_potentials(x, k=1.5):
    pots = [Harmonic(k), DoubleWell(0.25, 1.0)]
    return sum(p(x) for p in pots)


@functools.lru_cache(maxsize=None)
def _binom(n, k):
    return math.comb(n, k)


def bernstein_curve(ctrl, ts):
    n = len(ctrl) - 1
    B = np.stack([_binom(n, i) * ts ** i * (1 - ts) ** (n - i) for i in range(n + 1)], axis=1)
    curve = B @ ctrl
    return np.sum(np.diff(curve, axis=0) ** 2)


def reshape_transpose_stats(x):
    M = x.reshape(3, -1)
    C = M @ M.T / M.shape[1]
    z = np.concatenate([np.diag(C), M.T.ravel()[:3]])
    return np.sum(z * np.arange(1, len(z) + 1))


def inplace_accumulate_grid(w, n=6):
    acc = np.zeros((n, n))
    for i in range(n):
        acc[i, :] += w[i] * np.arange(n)
        acc[:, i] -= 0.5 * w[i]
    acc *= 0.5
    return np.sum(np.tanh(acc))


def string_option_early_return(x, norm="l1"):
    if norm == "l1":
        return np.sum(np.abs(x))
    elif norm == "l2":
        return np.sqrt(np.sum(x ** 2))
    s = 0.0
    for xi in x:
        s = max(s, abs(xi))
    return s


def linf_norm_option(x):
    return string_option_early_return(x, norm="linf") + string_option_early_return(x, "l2")


def module_constant_gravity(v0, angle):
    t_flight = 2 * v0 * np.sin(angle) / GRAVITY
    return v0 * np.cos(angle) * t_flight + _lib8.EPS


# ================================================================ arguments


def _spd(rng, d):
    A = rng.standard_normal((d, d))
    return A @ A.T / d + np.eye(d)


def _attn_params(rng, d=4):
    return {k: 0.4 * rng.standard_normal((d, d)) for k in ("Wq", "Wk", "Wv", "Wo")}


def _block_params(rng, d=4, hidden=6):
    p = {"ln1_g": 1 + 0.1 * rng.standard_normal(d), "ln1_b": 0.1 * rng.standard_normal(d),
         "Wq": 0.4 * rng.standard_normal((d, d)), "Wk": 0.4 * rng.standard_normal((d, d)),
         "Wv": 0.4 * rng.standard_normal((d, d)),
         "ln2_g": 1 + 0.1 * rng.standard_normal(d), "ln2_b": 0.1 * rng.standard_normal(d),
         "W1": 0.4 * rng.standard_normal((d, hidden)), "W2": 0.4 * rng.standard_normal((hidden, d))}
    return p


def _mlp_params(rng, d=3, h=5, k=3):
    return {"W1": 0.5 * rng.standard_normal((d, h)), "b1": 0.1 * rng.standard_normal(h),
            "W2": 0.5 * rng.standard_normal((h, k)), "b2": np.zeros(k)}


def _fstring_params(rng, sizes=(3, 4, 4, 2)):
    p = {}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        p[f"W{i}"] = 0.5 * rng.standard_normal((a, b))
        p[f"b{i}"] = 0.1 * rng.standard_normal(b)
    return p


PROGRAMS = [
    # robotics
    Program(planar_arm_reach, lambda rng: (rng.uniform(-1, 1, 3), rng.uniform(0.4, 0.8, 3)), ("thetas", "lengths")),
    Program(dh_arm_endpoint, lambda rng: (rng.uniform(-1, 1, 3),)),
    Program(ik_newton_two_link, lambda rng: (np.array([1.0, 0.9]) + 0.1 * rng.standard_normal(2),)),
    Program(quaternion_rotate_loss, lambda rng: (rng.standard_normal(4), rng.standard_normal(3), rng.standard_normal(3)), ("q", "v")),
    Program(heading_smoothness, lambda rng: (np.cumsum(np.abs(rng.standard_normal((6, 2))) + 0.2, axis=0),)),
    Program(unicycle_rollout, lambda rng: (rng.uniform(-1, 1, (10, 2)),)),
    Program(odometry_vec2, lambda rng: (rng.uniform(0.5, 1.5, 6), rng.uniform(-1, 1, 6)), ("speeds", "headings")),
    Program(jacobian_transpose_ik, lambda rng: (rng.uniform(-0.5, 0.5, 3), rng.uniform(0.5, 0.8, 3)), ("thetas", "lengths")),
    Program(rigid_body_yaw, lambda rng: (rng.uniform(-1, 1, 3), rng.standard_normal((5, 3))), ("yaws", "points")),
    # estimation / control
    Program(kalman_dataclass_nll, lambda rng: (rng.uniform(-2, 0), rng.uniform(-2, 0), np.cumsum(rng.standard_normal(6)) * 0.3), ("log_q", "log_r")),
    Program(ekf_pendulum, lambda rng: ({"g_over_l": rng.uniform(5, 10), "damping": rng.uniform(0.1, 0.5), "r": rng.uniform(0.05, 0.2)}, np.sin(0.5 * np.cos(np.arange(8) * 0.3)) + 0.05 * rng.standard_normal(8))),
    Program(alpha_beta_filter, lambda rng: (rng.uniform(0.3, 0.7), rng.uniform(0.05, 0.3), np.cumsum(rng.standard_normal(10)) * 0.2), ("alpha", "beta")),
    Program(particle_weight_estimate, lambda rng: (rng.uniform(-0.2, 0.2), rng.uniform(-0.5, 0.5), 0.1 * np.arange(5) + 0.2 * rng.standard_normal(5)), ("drift", "log_noise")),
    Program(lqr_riccati, lambda rng: (rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0)), ("q", "r")),
    Program(lqr_matrix_riccati, lambda rng: (rng.uniform(0.5, 2.0, 2), rng.uniform(0.5, 2.0)), ("Qd", "r")),
    Program(pid_saturated, lambda rng: (np.array([rng.uniform(2, 6), rng.uniform(0.5, 2), rng.uniform(0.05, 0.2)]),)),
    Program(complementary_filter, lambda rng: (rng.uniform(0.8, 0.98), rng.standard_normal(12), rng.standard_normal(12) * 0.1), ("alpha", "gyro")),
    # integrators
    Program(spring_rk4_tuple, lambda rng: (rng.uniform(1, 4), rng.uniform(0.05, 0.5)), ("k", "c")),
    Program(hmc_hamiltonian, lambda rng: (rng.standard_normal(3), rng.standard_normal(3), _spd(rng, 3)), ("q0", "p0", "inv_cov")),
    Program(spring_chain_object, lambda rng: (rng.uniform(2, 5), np.array([0.0, 1.1, 2.05]) + 0.05 * rng.standard_normal(3)), ("k", "x0")),
    Program(spring_chain_classmethod, lambda rng: (rng.uniform(1, 4),)),
    Program(integrator_by_name, lambda rng: (rng.uniform(0.5, 2), rng.standard_normal(3)), ("rate", "y0")),
    Program(integrator_static, lambda rng: (rng.uniform(0.5, 2), rng.uniform(0.3, 1.0, 3)), ("rate", "y0")),
    Program(three_body_leapfrog, lambda rng: (np.array([[0.0, 0.0], [1.0, 0.2], [-0.3, 0.9]]) + 0.05 * rng.standard_normal((3, 2)),)),
    Program(heun_adaptive, lambda rng: (rng.uniform(0.5, 2.0),)),
    Program(projectile_drag, lambda rng: (rng.uniform(8, 12), rng.uniform(0.5, 1.0)), ("v0", "angle")),
    # finance
    Program(bs_hedged_book, lambda rng: ({"spot": rng.uniform(90, 110), "rate": rng.uniform(0.01, 0.05), "vol": rng.uniform(0.15, 0.35)},)),
    Program(crr_european_lists, lambda rng: (rng.uniform(0.9, 1.1), rng.uniform(0.15, 0.3)), ("S0", "sigma")),
    Program(crr_put, lambda rng: (rng.uniform(0.9, 1.1), rng.uniform(0.15, 0.3)), ("S0", "sigma")),
    Program(trinomial_american, lambda rng: (rng.uniform(0.9, 1.1), rng.uniform(0.15, 0.3)), ("S0", "sigma")),
    Program(sabr_smile_fit, lambda rng: (rng.uniform(0.04, 0.06), rng.uniform(-0.5, 0.0), rng.uniform(0.3, 0.6)), ("alpha", "rho", "nu")),
    Program(nelson_siegel_fit, lambda rng: (np.array([0.04, -0.02, 0.01]) + 0.005 * rng.standard_normal(3), np.array([0.5, 1, 2, 5, 10.0]), np.array([0.02, 0.024, 0.03, 0.036, 0.04]))),
    Program(barrier_mc_smooth, lambda rng: (rng.uniform(0.95, 1.05), rng.uniform(0.15, 0.3)), ("S0", "sigma")),
    Program(bachelier_fsum, lambda rng: (rng.uniform(0.9, 1.1), rng.uniform(0.1, 0.3), [0.9, 1.0, 1.1]), ("F", "sigma")),
    Program(discount_accumulate, lambda rng: (rng.uniform(0.01, 0.06, 5),)),
    # kernels / GPs
    Program(kernel_ridge_validation, lambda rng: (rng.uniform(-0.3, 0.3), rng.uniform(-2, -1), rng.standard_normal((8, 2)), rng.standard_normal(8), rng.standard_normal((4, 2)), rng.standard_normal(4)), ("log_ell", "log_lam")),
    Program(gp_cholesky_predict, lambda rng: (np.array([0.0, 0.0, -1.5]) + 0.2 * rng.standard_normal(3), rng.standard_normal((7, 2)), rng.standard_normal(7), rng.standard_normal((3, 2)), rng.standard_normal(3))),
    Program(matern_gp_nll, lambda rng: (rng.uniform(-0.3, 0.3), rng.standard_normal((6, 2)), rng.standard_normal(6))),
    Program(kernel_partial_lengthscale, lambda rng: (rng.uniform(0.7, 1.3), rng.standard_normal((6, 2)), rng.standard_normal(6), rng.standard_normal((3, 2)), rng.standard_normal(3))),
    Program(nystrom_trace_error, lambda rng: (rng.uniform(-0.3, 0.3), rng.standard_normal((10, 2)))),
    Program(random_fourier_ridge, lambda rng: (rng.uniform(-0.3, 0.3), rng.standard_normal((12, 2)), rng.standard_normal(12))),
    # convolutions
    Program(conv_np_convolve_pool, lambda rng: (rng.standard_normal(3), rng.standard_normal(12)), "kernel"),
    Program(conv_loop_maxpool, lambda rng: (rng.standard_normal(3), rng.standard_normal(11)), ("kernel", "x")),
    Program(multichannel_conv, lambda rng: (0.5 * rng.standard_normal((3, 2, 3)), 0.1 * rng.standard_normal(3), rng.standard_normal((2, 8))), ("W", "b", "x")),
    Program(dilated_causal_conv, lambda rng: (rng.standard_normal(3), rng.standard_normal(10)), ("w", "x")),
    Program(strided_conv_fancy, lambda rng: (rng.standard_normal(3), rng.standard_normal(11)), ("kernel", "x")),
    # attention
    Program(causal_self_attention, lambda rng: (0.5 * rng.standard_normal((3, 2)), 0.5 * rng.standard_normal((3, 2)), 0.5 * rng.standard_normal((3, 2)), rng.standard_normal((4, 3))), ("Wq", "Wk", "Wv", "X")),
    Program(multihead_attention, lambda rng: (_attn_params(rng), rng.standard_normal((5, 4)))),
    Program(cross_attention_padding, lambda rng: (0.5 * rng.standard_normal((3, 3)), 0.5 * rng.standard_normal((3, 3)), rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 5, 3))), ("Wq", "Wk", "Y")),
    Program(attention_pooling, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)), 0.5), ("w", "H")),
    Program(transformer_block, lambda rng: (_block_params(rng), rng.standard_normal((3, 4)))),
    # mixtures
    Program(gmm2d_loglik, lambda rng: (rng.standard_normal((3, 2)), rng.uniform(-0.3, 0.3, 3), rng.standard_normal(3), rng.standard_normal((10, 2)) * 1.5), ("means", "log_sigmas", "logits")),
    Program(poisson_mixture, lambda rng: (np.log(np.array([1.0, 4.0])) + 0.1 * rng.standard_normal(2), rng.standard_normal(2), rng.poisson(2.5, 12).astype(float)), ("log_rates", "logits")),
    Program(mixture_of_experts, lambda rng: ({"gate": 0.5 * rng.standard_normal((3, 2)), "experts": rng.standard_normal((3, 2))}, rng.standard_normal((8, 3)), rng.standard_normal(8))),
    Program(hmm_log_forward, lambda rng: (rng.standard_normal((2, 2)), rng.standard_normal((2, 3)), [0, 2, 1, 1, 0, 2]), ("log_A", "log_b")),
    Program(em_responsibilities, lambda rng: (np.array([-1.0, 0.0, 1.5]) + 0.2 * rng.standard_normal(3), rng.standard_normal(12) * 1.5)),
    # dict-of-params networks
    Program(mlp_dict_xent, lambda rng: (_mlp_params(rng), rng.standard_normal((6, 3)), rng.integers(0, 3, 6))),
    Program(batchnorm_mlp, lambda rng: ({"W1": 0.5 * rng.standard_normal((3, 4)), "gamma": 1 + 0.1 * rng.standard_normal(4), "beta": 0.1 * rng.standard_normal(4), "w_out": rng.standard_normal(4)}, rng.standard_normal((7, 3)), rng.standard_normal(7))),
    Program(tied_autoencoder, lambda rng: (0.5 * rng.standard_normal((4, 2)), rng.standard_normal((6, 4)))),
    Program(fstring_layers, lambda rng: (_fstring_params(rng), rng.standard_normal(3))),
    Program(enum_activation_net, lambda rng: (0.5 * rng.standard_normal((3, 2)), 0.1 * rng.standard_normal(2), rng.standard_normal((4, 3))), ("W", "b")),
    Program(enum_tanh_net, lambda rng: (0.5 * rng.standard_normal((3, 2)), 0.1 * rng.standard_normal(2), rng.standard_normal((4, 3))), ("W", "b")),
    # idioms
    Program(sgd_with_config, lambda rng: (rng.standard_normal(3), rng.standard_normal((10, 3)), rng.standard_normal(10) * 2)),
    Program(generator_expression_energy, lambda rng: (np.arange(5.0) * 1.1 + 0.05 * rng.standard_normal(5),)),
    Program(fsum_terms, lambda rng: (rng.uniform(0.5, 1.5), rng.uniform(0.5, 2.0), [0.1, 0.4, 0.9, 1.3]), ("a", "b")),
    Program(partial_loss_fn, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(kwargs_plumbing, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)), rng.uniform(-0.5, 0.5, 6))),
    Program(meshgrid_integral, lambda rng: (rng.uniform(0.5, 2), rng.uniform(0.5, 2)), ("a", "b")),
    Program(select_piecewise_loss, lambda rng: (rng.uniform(-0.2, 0.2), rng.standard_normal(10) * 1.5)),
    Program(lookup_table_floor, lambda rng: (rng.standard_normal(6), rng.uniform(0.01, 1.2, 5)), "table"),
    Program(grid_divmod, lambda rng: (rng.standard_normal((3, 4)),)),
    Program(mask_write_leaky, lambda rng: (rng.standard_normal(8),)),
    Program(scatter_add_counts, lambda rng: (rng.standard_normal(8),)),
    Program(nonlocal_counter, lambda rng: (rng.standard_normal(3),)),
    Program(abstract_potentials, lambda rng: (rng.standard_normal(4),)),
    Program(bernstein_curve, lambda rng: (rng.standard_normal((4, 2)), np.linspace(0, 1, 7))),
    Program(reshape_transpose_stats, lambda rng: (rng.standard_normal(12),)),
    Program(inplace_accumulate_grid, lambda rng: (0.3 * rng.standard_normal(6),)),
    Program(linf_norm_option, lambda rng: (rng.standard_normal(5),)),
    Program(module_constant_gravity, lambda rng: (rng.uniform(5, 15), rng.uniform(0.3, 1.2)), ("v0", "angle")),
]
