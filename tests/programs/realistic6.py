"""Round-6 held-out corpus: programs organised the way a project organises them.
Model classes holding lists of layers, ODE integrators whose right-hand side
returns a tuple, parameters in nested dicts, namedtuples and dataclasses,
helpers imported from the project's own module (_lib6), closures, nonlocal
accumulators, functools.partial, try/except guards, f-strings in prints, early
returns, for/else, recursion and dict comprehensions over a configuration."""
# ruff: noqa: E501, B007, B008, E741  (written as users write them: long lines, unused loop counters, a default config)
import dataclasses
import functools
import math
from collections import namedtuple

import numpy as np

from . import _lib6 as lib
from ._lib6 import Dense, Gaussian, Linear, Spring, mse, relu, rk4, safe_log, softplus
from .registry import Program

# ---------------------------------------------------------------- models with lists of layers


class MLP:
    def __init__(self, layers, head):
        self.layers = layers
        self.head = head

    def features(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def loss(self, x, y):
        pred = self.features(x) @ self.head
        return np.mean((pred - y) ** 2)


class ResNet:
    def __init__(self, blocks):
        self.blocks = blocks

    def energy(self, x):
        h = x
        for i in range(len(self.blocks)):
            h = h + 0.5 * self.blocks[i].forward(np.tanh(h))
        return np.sum(h ** 2)


def mlp_from_params(params, X, y):
    layers = [Dense(W, b) for W, b in zip(params["Ws"], params["bs"])]
    h = X
    for layer in layers:
        h = layer(h)
    return mse(h.sum(axis=1), y) + 1e-3 * sum(layer.l2() for layer in layers)


def linear_stack_indexed(W1, b1, W2, b2, x):
    layers = [Linear(W1, b1), Linear(W2, b2)]
    for i in range(len(layers)):
        x = np.tanh(layers[i].forward(x))
    return np.sum(x ** 2)


def layer_tuples(params, x):
    """params is a list of (W, b) pairs, unpacked in the loop header."""
    for W, b in params:
        x = relu(W @ x + b) + 0.1 * x[: len(b)]
    return np.sum(softplus(x))


_RNG = np.random.default_rng(60)
_MLP = MLP([Dense(0.5 * _RNG.standard_normal((3, 4)), 0.1 * _RNG.standard_normal(4)),
            Dense(0.5 * _RNG.standard_normal((4, 2)), np.zeros(2), act=softplus)],
           _RNG.standard_normal(2))
_RES = ResNet([Linear(0.4 * _RNG.standard_normal((3, 3)), 0.1 * _RNG.standard_normal(3))
               for _ in range(3)])
LAYERS = [Dense(0.5 * _RNG.standard_normal((3, 3)), np.zeros(3)) for _ in range(2)]


def global_layers(x):
    h = x
    for layer in LAYERS:
        h = layer(h)
    return np.sum(h) + 0.5 * np.sum(x ** 2)


# ---------------------------------------------------------------- integrators, tuple right-hand sides


def _oscillator(state, k, c):
    x, v = state
    return v, -k * x - c * v


def damped_rk4(k, c, dt=0.05, steps=40):
    state = (1.0, 0.0)
    for _ in range(steps):
        state = rk4(_oscillator, state, dt, k, c)
    x, v = state
    return x ** 2 + v ** 2


LorenzParams = namedtuple("LorenzParams", "sigma rho beta")


def _lorenz(x, y, z, p):
    return p.sigma * (y - x), x * (p.rho - z) - y, x * y - p.beta * z


def lorenz_euler(p, dt=0.005, steps=60):
    x, y, z = 1.0, 1.0, 1.0
    for _ in range(steps):
        dx, dy, dz = _lorenz(x, y, z, p)
        x, y, z = x + dt * dx, y + dt * dy, z + dt * dz
    return x + y + 0.1 * z


@dataclasses.dataclass
class Epidemic:
    beta: float
    gamma: float


def sir_dataclass(ep, days=30, dt=0.5):
    s, i, r = 0.99, 0.01, 0.0
    for _ in range(days):
        new_inf = ep.beta * s * i
        rec = ep.gamma * i
        s, i, r = s - dt * new_inf, i + dt * (new_inf - rec), r + dt * rec
    return r


def projectile_range(v0, angle, drag=0.05, dt=0.01):
    x, y = 0.0, 0.0
    vx, vy = v0 * np.cos(angle), v0 * np.sin(angle)
    for step in range(2000):
        speed = np.sqrt(vx ** 2 + vy ** 2)
        vx, vy = vx - dt * drag * speed * vx, vy - dt * (9.81 + drag * speed * vy)
        x_new, y_new = x + dt * vx, y + dt * vy
        if y_new < 0:
            return x + (x_new - x) * y / (y - y_new)  # interpolated landing point
        x, y = x_new, y_new
    return x


def heun_until_settled(k, x0, dt=0.05):
    x, v = x0, 0.0
    for step in range(500):
        a = -k * x - 0.8 * v
        v_pred = v + dt * a
        x_pred = x + dt * v
        a_pred = -k * x_pred - 0.8 * v_pred
        x, v = x + 0.5 * dt * (v + v_pred), v + 0.5 * dt * (a + a_pred)
        if abs(v) < 1e-3 and step > 20:
            break
    else:
        x = x * 1.0
    return x ** 2 + k * v ** 2


def pendulum_while(theta0, length, dt=0.01, t_end=1.0):
    t = 0.0
    theta, omega = theta0, 0.0
    while t < t_end:
        omega_new = omega - dt * 9.81 / length * np.sin(theta)
        theta_new = theta + dt * omega_new
        theta, omega = theta_new, omega_new
        t += dt
    return theta_new ** 2 + 0.1 * omega_new ** 2


# ---------------------------------------------------------------- nested parameters


def autoencoder_nested(params, x):
    enc, dec = params["encoder"], params["decoder"]
    z = softplus(enc["W"] @ x + enc["b"])
    x_hat = dec["W"] @ z + dec["b"]
    return mse(x_hat, x) + 0.01 * lib.softplus(params["log_scale"])


def gaussian_fit(g, x):
    return lib.gaussian_nll(g, x)


def spring_chain(springs, x):
    energy = 0.0
    for i, s in enumerate(springs):
        dx = x[i + 1] - x[i]
        energy = energy - 0.5 * s.force(dx) * (dx - s.rest)
    return energy


@dataclasses.dataclass
class Config:
    lr: float = 0.1
    steps: int = 5
    l2: float = 1e-3


def train_with_config(w, X, y, cfg=Config()):
    for step in range(cfg.steps):
        r = X @ w - y
        w = w - cfg.lr * (X.T @ r / len(y) + cfg.l2 * w)
    return mse(X @ w, y)


def portfolio_dict(weights, returns):
    names = ("bonds", "stocks", "gold")
    mean = sum(weights[n] * np.mean(returns[:, j]) for j, n in enumerate(names))
    w = np.array([weights[n] for n in names])
    var = w @ np.cov(returns.T) @ w
    return var - 0.5 * mean


# ---------------------------------------------------------------- closures, partial, nonlocal


def make_ridge(X, y, lam):
    def loss(w):
        r = X @ w - y
        return r @ r / len(y) + lam * w @ w
    return loss


_RIDGE_X = _RNG.standard_normal((8, 3))
_RIDGE_Y = _RNG.standard_normal(8)
ridge_loss = make_ridge(_RIDGE_X, _RIDGE_Y, 0.1)


def nested_def_closure(w, X, y):
    scale = 1.0 / len(y)

    def residual(v):
        return X @ v - y

    def penalty(v, p=2):
        return np.sum(np.abs(v) ** p)

    return scale * np.sum(residual(w) ** 2) + 0.01 * penalty(w)


def nonlocal_accumulator(x):
    total = 0.0
    calls = 0

    def add(v):
        nonlocal total, calls
        total = total + v
        calls += 1

    for k in range(1, 4):
        add(np.sin(k * x))
    add(x ** 2)
    return total / calls


def _huber(r, delta=1.0):
    return np.where(np.abs(r) < delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta))


def partial_loss(w, X, y):
    loss_fn = functools.partial(_huber, delta=0.5)
    return np.mean(loss_fn(X @ w - y))


ACTIVATIONS = {"tanh": np.tanh, "softplus": softplus, "swish": lambda z: z / (1 + np.exp(-z))}


def activation_by_name(W, x, act="swish"):
    f = ACTIVATIONS[act]
    return np.sum(f(W @ x))


# ---------------------------------------------------------------- guards, prints, early exits


def guarded_log_likelihood(theta, data):
    try:
        ll = np.sum(data * math.log(theta) - theta)
    except ValueError:
        ll = -1e10
    return -ll


def log_with_finally(x):
    y = 0.0
    try:
        y = np.sum(np.exp(-x ** 2))
    finally:
        done = True
    return y if done else 0.0


def train_and_log(w, X, y, lr=0.05, steps=6):
    for step in range(steps):
        r = X @ w - y
        loss = np.mean(r ** 2)
        if step % 2 == 0:
            print(f"step {step:3d}: loss={loss:.4f} |w|={np.linalg.norm(w):.3f}")
        w = w - lr * 2 * X.T @ r / len(y)
    return np.mean((X @ w - y) ** 2)


def piecewise_tax(income):
    if income < 10.0:
        return 0.0 * income + 0.05 * income ** 2 / 10.0
    if income < 40.0:
        return 0.5 + 0.2 * (income - 10.0)
    return 6.5 + 0.4 * (income - 40.0)


def backtracking_step(x, g_scale=1.0):
    """An Armijo line search on f(x) = sum(x**4) along -grad, returning the new value."""
    f0 = np.sum(x ** 4)
    d = -4 * x ** 3 * g_scale
    t = 1.0
    for _ in range(30):
        x_new = x + t * d
        if np.sum(x_new ** 4) <= f0 + 1e-4 * t * np.dot(4 * x ** 3, d):
            return np.sum(x_new ** 4)
        t = 0.5 * t
    return f0


def first_crossing(x, threshold=1.0):
    total = 0.0
    for i in range(len(x)):
        total = total + x[i] ** 2
        if total > threshold:
            found = i
            break
    else:
        found = len(x) - 1
    return total + 0.1 * x[found]


# ---------------------------------------------------------------- recursion, dict comprehensions


def _horner(coeffs, x, i):
    if i == len(coeffs) - 1:
        return coeffs[i]
    return coeffs[i] + x * _horner(coeffs, x, i + 1)


def horner_recursive(x, coeffs):
    return _horner(coeffs, x, 0)


def _power(x, n, acc):
    if n == 0:
        return acc
    return _power(x, n - 1, acc * x)


def tail_recursive_power(x, n):
    return _power(x, n, 1.0) + x


def weighted_terms(x, weights):
    """weights: a dict of name -> weight, not differentiated."""
    terms = {name: w * np.sum(np.sin(x) ** 2) for name, w in weights.items()}
    return sum(terms.values()) + np.sum(x)


def scaled_by_config(params, cfg):
    scaled = {k: params[k] * cfg[k] for k in params}
    return sum(np.sum(v ** 2) for v in scaled.values())


# ---------------------------------------------------------------- more whole programs


Belief = namedtuple("Belief", "mean var")


def kalman_filter(q, r, zs):
    b = Belief(0.0, 1.0)
    nll = 0.0
    for z in zs:
        b = b._replace(var=b.var + q)
        s = b.var + r
        nll = nll + 0.5 * (math.log(2 * math.pi * s) + (z - b.mean) ** 2 / s)
        k = b.var / s
        b = Belief(b.mean + k * (z - b.mean), (1 - k) * b.var)
    return nll


def logistic_clipped(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * safe_log(p) + (1 - y) * safe_log(1 - p))


@dataclasses.dataclass
class Softmax:
    W: np.ndarray
    b: np.ndarray

    def logits(self, X):
        return X @ self.W + self.b

    def nll(self, X, labels):
        z = self.logits(X)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -np.mean(logp[np.arange(len(labels)), labels])


def softmax_classifier(model, X, labels):
    return model.nll(X, labels) + 1e-3 * np.sum(model.W ** 2)


def mixture_loglik(params, x):
    logits, mus, log_sigmas = params["logits"], params["mus"], params["log_sigmas"]
    log_w = logits - np.log(np.sum(np.exp(logits)))
    comps = log_w[None, :] - 0.5 * ((x[:, None] - mus[None, :]) / np.exp(log_sigmas)) ** 2 - log_sigmas
    m = comps.max(axis=1, keepdims=True)
    return -np.sum(m[:, 0] + np.log(np.sum(np.exp(comps - m), axis=1)))


class Attention:
    def __init__(self, Wq, Wk):
        self.Wq = Wq
        self.Wk = Wk

    def scores(self, X):
        return (X @ self.Wq) @ (X @ self.Wk).T / math.sqrt(self.Wq.shape[1])

    def weights(self, X):
        s = self.scores(X)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def attention_pool(Wq, Wk, X):
    att = Attention(Wq, Wk)
    return np.sum(att.weights(X) @ X[:, 0])


def polyfit_residual(coeffs, t, y):
    pred = np.polyval(coeffs, t)
    return np.sum((pred - y) ** 2)


def spring_objects_in_list(k, x):
    springs = [Spring(k, 1.0), Spring(2 * k, 0.5)]
    e = 0.0
    for s in springs:
        e = e + np.sum(s.force(np.diff(x)) ** 2)
    return e


def early_exit_newton(a, x0=1.0):
    """sqrt(a) by Newton's method, stopping when converged."""
    x = x0
    for it in range(50):
        x_next = 0.5 * (x + a / x)
        if abs(x_next - x) < 1e-12:
            return x_next
        x = x_next
    return x


def _stats(v):
    return np.mean(v), np.std(v)


def standardised_score(x, w):
    mean, std = _stats(x)
    z = (x - mean) / (std + 1e-8)
    return np.sum(w * z ** 2)



# ---------------------------------------------------------------- second batch


class Network:
    def __init__(self, layers, acts):
        self.layers = layers
        self.acts = acts

    def __call__(self, x):
        for i, (layer, act) in enumerate(zip(self.layers, self.acts)):
            x = act(layer.forward(x))
            if i < len(self.layers) - 1:
                x = x + 0.1 * np.sum(x)
        return x

    def loss(self, x, target):
        out = self(x)
        last = self.layers[-1]
        return np.sum((out - target) ** 2) + 1e-3 * np.sum(last.W ** 2)


_NET = Network([Linear(0.5 * _RNG.standard_normal((3, 4)), np.zeros(4)),
                Linear(0.5 * _RNG.standard_normal((4, 2)), np.zeros(2))],
               [np.tanh, softplus])


@dataclasses.dataclass
class Pipeline:
    stages: list
    scale: float = 1.0


_PIPE = Pipeline([Linear(np.eye(3) + 0.1 * _RNG.standard_normal((3, 3)), np.zeros(3)) for _ in range(2)], 0.5)


def run_pipeline(x, pipe=_PIPE):
    for stage in pipe.stages:
        x = np.tanh(stage.forward(x)) * pipe.scale
    return np.sum(x ** 2)


def weighted_loop(x, weights):
    total = 0.0
    for name, w in weights.items():
        total = total + w * np.sum(np.sin(x) ** 2)
    return total


def blowup_guard(k, dt=0.05, t_end=3.0):
    t, state = 0.0, (1.0, 0.0)
    while t < t_end:
        x, v = state
        state = (x + dt * v, v - dt * k * x)
        if abs(state[0]) > 1e3:
            break
        t += dt
    return state[0] ** 2 + state[1] ** 2


def finally_in_loop(x):
    acc = 0.0
    for i in range(3):
        try:
            acc = acc + np.sum(np.cos(i * x))
        finally:
            pass
    print(f"{acc=}")
    return acc


def skip_and_search(x, tol=0.2):
    best = 0.0
    for i in range(len(x)):
        if x[i] < 0:
            continue
        best = best + x[i] ** 2
        if best > tol:
            break
    else:
        best = best * 2.0
    return best


def _descend(w, X, y, lr, steps):
    if steps == 0:
        return w
    r = X @ w - y
    return _descend(w - lr * X.T @ r / len(y), X, y, lr, steps - 1)


def unrolled_descent(w, X, y, steps):
    w_final = _descend(w, X, y, 0.1, steps)
    return mse(X @ w_final, y)


def make_scaled_loss(scale):
    def loss(params, X, y):
        W, b = params
        return scale * mse(X @ W + b, y)
    return loss


scaled_loss = make_scaled_loss(2.0)

def _rng_layers(rng, sizes):
    return [(0.5 * rng.standard_normal((b, a)), 0.1 * rng.standard_normal(b))
            for a, b in zip(sizes[:-1], sizes[1:])]


def _mlp_params(rng):
    return {"Ws": [0.5 * rng.standard_normal((3, 4)), 0.5 * rng.standard_normal((4, 2))],
            "bs": [0.1 * rng.standard_normal(4), 0.1 * rng.standard_normal(2)]}


PROGRAMS = [
    Program(_MLP.loss, lambda rng: (rng.standard_normal((5, 3)), rng.standard_normal(5)), "x", name="MLP.loss"),
    Program(_RES.energy, lambda rng: (rng.standard_normal(3),), "x", name="ResNet.energy"),
    Program(mlp_from_params, lambda rng: (_mlp_params(rng), rng.standard_normal((5, 3)), rng.standard_normal(5))),
    Program(linear_stack_indexed, lambda rng: (0.5 * rng.standard_normal((3, 3)), rng.standard_normal(3),
                                               0.5 * rng.standard_normal((3, 2)), rng.standard_normal(2),
                                               rng.standard_normal(3)), ("W1", "b1", "W2", "b2", "x")),
    Program(layer_tuples, lambda rng: (_rng_layers(rng, [3, 3, 2]), rng.standard_normal(3)), ("params", "x")),
    Program(global_layers, lambda rng: (rng.standard_normal(3),)),
    Program(damped_rk4, lambda rng: (rng.uniform(0.5, 2.0), rng.uniform(0.1, 0.5)), ("k", "c")),
    Program(lorenz_euler, lambda rng: (LorenzParams(rng.uniform(9, 11), rng.uniform(26, 30), rng.uniform(2.5, 3)),)),
    Program(sir_dataclass, lambda rng: (Epidemic(rng.uniform(0.25, 0.4), rng.uniform(0.08, 0.15)),)),
    Program(projectile_range, lambda rng: (rng.uniform(8, 12), rng.uniform(0.5, 1.0)), ("v0", "angle")),
    Program(heun_until_settled, lambda rng: (rng.uniform(1.0, 2.0), rng.uniform(0.5, 1.0)), ("k", "x0")),
    Program(pendulum_while, lambda rng: (rng.uniform(0.2, 0.6), rng.uniform(0.8, 1.2)), ("theta0", "length")),
    Program(autoencoder_nested, lambda rng: ({"encoder": {"W": 0.5 * rng.standard_normal((2, 4)), "b": np.zeros(2)},
                                              "decoder": {"W": 0.5 * rng.standard_normal((4, 2)), "b": np.zeros(4)},
                                              "log_scale": rng.standard_normal()}, rng.standard_normal(4))),
    Program(gaussian_fit, lambda rng: (Gaussian(rng.standard_normal(), rng.uniform(-0.5, 0.5)), rng.standard_normal(10))),
    Program(spring_chain, lambda rng: ([Spring(rng.uniform(1, 2), rng.uniform(0.5, 1.0)) for _ in range(3)],
                                       np.cumsum(rng.uniform(0.5, 1.5, 4))), ("springs", "x")),
    Program(train_with_config, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)), rng.standard_normal(8))),
    Program(portfolio_dict, lambda rng: ({"bonds": rng.uniform(0.2, 0.4), "stocks": rng.uniform(0.3, 0.5),
                                          "gold": rng.uniform(0.1, 0.3)}, 0.01 * rng.standard_normal((20, 3)))),
    Program(ridge_loss, lambda rng: (rng.standard_normal(3),), name="make_ridge.loss"),
    Program(nested_def_closure, lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(nonlocal_accumulator, lambda rng: (rng.uniform(-1, 1),)),
    Program(partial_loss, lambda rng: (rng.standard_normal(3), rng.standard_normal((10, 3)), rng.standard_normal(10))),
    Program(activation_by_name, lambda rng: (rng.standard_normal((3, 3)), rng.standard_normal(3)), ("W", "x")),
    Program(guarded_log_likelihood, lambda rng: (rng.uniform(0.5, 2.0), rng.poisson(1.5, 10).astype(float))),
    Program(log_with_finally, lambda rng: (rng.standard_normal(4),)),
    Program(train_and_log, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)), rng.standard_normal(8))),
    Program(piecewise_tax, lambda rng: (rng.choice([rng.uniform(2, 9), rng.uniform(12, 38), rng.uniform(42, 80)]),)),
    Program(backtracking_step, lambda rng: (rng.uniform(0.5, 1.5, 3),)),
    Program(first_crossing, lambda rng: (rng.uniform(0.2, 0.6, 8),)),
    Program(horner_recursive, lambda rng: (rng.uniform(-1, 1), rng.standard_normal(4)), ("x", "coeffs")),
    Program(tail_recursive_power, lambda rng: (rng.uniform(0.5, 1.5), 4), "x"),
    Program(weighted_terms, lambda rng: (rng.standard_normal(3), {"a": 0.5, "b": 1.5, "c": -0.25})),
    Program(scaled_by_config, lambda rng: ({"w": rng.standard_normal(3), "b": rng.standard_normal()},
                                           {"w": 0.5, "b": 2.0})),
    Program(kalman_filter, lambda rng: (rng.uniform(0.05, 0.2), rng.uniform(0.3, 0.8), rng.standard_normal(8)), ("q", "r")),
    Program(logistic_clipped, lambda rng: (rng.standard_normal(3), rng.standard_normal((10, 3)),
                                           (rng.uniform(size=10) > 0.5).astype(float))),
    Program(softmax_classifier, lambda rng: (Softmax(0.5 * rng.standard_normal((3, 4)), np.zeros(4)),
                                             rng.standard_normal((6, 3)), rng.integers(0, 4, 6))),
    Program(mixture_loglik, lambda rng: ({"logits": rng.standard_normal(3), "mus": rng.standard_normal(3),
                                          "log_sigmas": rng.uniform(-0.5, 0.5, 3)}, rng.standard_normal(12))),
    Program(attention_pool, lambda rng: (0.5 * rng.standard_normal((3, 2)), 0.5 * rng.standard_normal((3, 2)),
                                         rng.standard_normal((4, 3))), ("Wq", "Wk")),
    Program(polyfit_residual, lambda rng: (rng.standard_normal(3), np.linspace(-1, 1, 9), rng.standard_normal(9))),
    Program(spring_objects_in_list, lambda rng: (rng.uniform(1, 2), np.cumsum(rng.uniform(0.5, 1.5, 5))), ("k", "x")),
    Program(early_exit_newton, lambda rng: (rng.uniform(1.0, 4.0),)),
    Program(standardised_score, lambda rng: (rng.standard_normal(6), rng.uniform(0.5, 1.5, 6)), ("x", "w")),
    Program(_NET.loss, lambda rng: (rng.standard_normal(3), rng.standard_normal(2)), "x", name="Network.loss"),
    Program(run_pipeline, lambda rng: (rng.standard_normal(3),)),
    Program(weighted_loop, lambda rng: (rng.standard_normal(3), {"a": 0.5, "b": 1.5, "c": -0.25})),
    Program(blowup_guard, lambda rng: (rng.uniform(0.5, 2.0),)),
    Program(finally_in_loop, lambda rng: (rng.standard_normal(3),)),
    Program(skip_and_search, lambda rng: (rng.uniform(-0.2, 0.4, 6),)),
    Program(unrolled_descent, lambda rng: (rng.standard_normal(3), rng.standard_normal((8, 3)), rng.standard_normal(8), 4), "w"),
    Program(scaled_loss, lambda rng: ((rng.standard_normal(3), rng.standard_normal()), rng.standard_normal((6, 3)),
                                      rng.standard_normal(6)), name="make_scaled_loss.loss"),
]
