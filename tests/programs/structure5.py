"""Programs organised the way users organise them: ODE integrators whose state is
a tuple rebound each step, parameter dicts holding lists of layers (iterated or
indexed), namedtuple states updated with `_replace`, dataclass models with
methods, dict comprehensions over parameters, `with np.errstate`, helpers that
recurse to a fixed depth and helpers handed a dict display."""
# ruff: noqa: E501, B007, E741  (written as users write them: long lines, unused loop counters)
import collections
import dataclasses
import math

import numpy as np

from .registry import Program

# ---------------------------------------------------------------- integrators with tuple states


def _lotka(x, y, a, b):
    return a * x - b * x * y, 0.4 * x * y - 0.6 * y


def rk4_predator_prey(a, b, dt=0.05, steps=30):
    x, y = 1.0, 0.5
    for _ in range(steps):
        k1 = _lotka(x, y, a, b)
        k2 = _lotka(x + 0.5 * dt * k1[0], y + 0.5 * dt * k1[1], a, b)
        k3 = _lotka(x + 0.5 * dt * k2[0], y + 0.5 * dt * k2[1], a, b)
        k4 = _lotka(x + dt * k3[0], y + dt * k3[1], a, b)
        x = x + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        y = y + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
    return x + 2 * y


def euler_pendulum_state(theta0, damping, dt=0.02, steps=60):
    state = (theta0, 0.0)
    for _ in range(steps):
        state = (state[0] + dt * state[1], state[1] - dt * (np.sin(state[0]) + damping * state[1]))
    return state[0] ** 2 + 0.5 * state[1] ** 2


def leapfrog_zip(x0, v0, k, dt=0.05, steps=40):
    state = (x0, v0)
    for _ in range(steps):
        derivs = (state[1], -k * state[0] - 0.1 * state[0] ** 3)
        state = tuple(s + dt * d for s, d in zip(state, derivs))
    x, v = state
    return 0.5 * v ** 2 + 0.5 * k * x ** 2


def sir_rk2(params, dt=0.5, days=40):
    def rhs(s, i, r):
        new = params["beta"] * s * i
        rec = params["gamma"] * i
        return -new, new - rec, rec

    state = (0.99, 0.01, 0.0)
    for _ in range(days):
        k1 = rhs(*state)
        mid = tuple(v + 0.5 * dt * d for v, d in zip(state, k1))
        k2 = rhs(*mid)
        state = tuple(v + dt * d for v, d in zip(state, k2))
    return state[2] + 0.1 * state[1]


def decay_chain(rates, dt=0.1, steps=25):
    """Three species decaying into each other, the state scaled species by species."""
    amounts = (1.0, 0.0, 0.0)
    for _ in range(steps):
        flows = (rates[0] * amounts[0], rates[1] * amounts[1], 0.0)
        amounts = (amounts[0] - dt * flows[0], amounts[1] + dt * (flows[0] - flows[1]),
                   amounts[2] + dt * flows[1])
        amounts = tuple(a * (1.0 - 0.001 * i) for i, a in enumerate(amounts))
    return amounts[1] + 2 * amounts[2]


# ---------------------------------------------------------------- parameter dicts of layers


def mlp_layers_loop(params, X, y):
    h = X
    for layer in params["layers"]:
        W, b = layer["W"], layer["b"]
        h = np.tanh(h @ W + b)
    pred = h @ params["head"]
    return np.mean((pred - y) ** 2)


def mlp_layers_indexed(params, X, y):
    h = X
    for i in range(len(params["layers"])):
        h = np.tanh(h @ params["layers"][i]["W"] + params["layers"][i]["b"])
    return np.mean((h.sum(axis=1) - y) ** 2)


def resnet_blocks(params, x):
    h = x
    n = len(params["blocks"])
    for i in range(n):
        block = params["blocks"][i]
        h = h + 0.5 * np.tanh(block["W"] @ h + block["b"])
    return np.sum(h ** 2) + params["scale"] * np.sum(h)


def tied_layers(layers, x):
    """Neighbouring layers regularised towards each other."""
    h = x
    penalty = 0.0
    for i in range(len(layers) - 1):
        penalty = penalty + np.sum((layers[i] - layers[i + 1]) ** 2)
    for W in layers:
        h = np.tanh(W @ h)
    return np.sum(h) + 0.1 * penalty


def autoencoder(params, x):
    z = np.tanh(params["enc"]["W"] @ x + params["enc"]["b"])
    x_hat = params["dec"]["W"] @ z + params["dec"]["b"]
    return np.sum((x_hat - x) ** 2)


def sgd_unrolled_dict(params, X, y, lr=0.05, steps=3):
    for _ in range(steps):
        r = X @ params["w"] + params["b"] - y
        grads = {"w": X.T @ r / len(y), "b": np.mean(r)}
        params = {k: params[k] - lr * grads[k] for k in ("w", "b")}
    r = X @ params["w"] + params["b"] - y
    return np.mean(r ** 2)


def scaled_params_loss(params, X, y):
    scaled = {k: v * 0.5 for k, v in params.items()}
    pred = X @ scaled["w"] + scaled["b"]
    return np.mean((pred - y) ** 2) + sum(np.sum(v ** 2) for v in scaled.values())


# ---------------------------------------------------------------- namedtuples and dataclasses

Particle = collections.namedtuple("Particle", "x v")
Belief = collections.namedtuple("Belief", "mean var")


def particle_drag(v0, drag, dt=0.05, steps=40):
    p = Particle(0.0, v0)
    for _ in range(steps):
        p = p._replace(v=p.v - dt * (drag * p.v * abs(p.v) + 9.81))
        p = p._replace(x=p.x + dt * p.v)
    return p.x


def kalman_1d(q, r, zs):
    b = Belief(mean=0.0, var=1.0)
    nll = 0.0
    for z in zs:
        b = b._replace(var=b.var + q)
        s = b.var + r
        nll = nll + 0.5 * (math.log(2 * math.pi * s) + (z - b.mean) ** 2 / s)
        k = b.var / s
        b = Belief(b.mean + k * (z - b.mean), (1 - k) * b.var)
    return nll


def prior_widened(prior, data):
    wide = prior._replace(var=2.0 * prior.var)
    return np.sum((data - wide.mean) ** 2) / (2 * wide.var) + 0.5 * len(data) * np.log(wide.var)


@dataclasses.dataclass
class Linear:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return x @ self.W + self.b

    def penalty(self):
        return np.sum(self.W ** 2)


def linear_fit(model, X, y):
    return np.mean((model(X) - y) ** 2) + 0.01 * model.penalty()


@dataclasses.dataclass
class Spring:
    k: float
    rest: float = 1.0

    def energy(self, d):
        return 0.5 * self.k * (d - self.rest) ** 2


def stiffened_chain(k, x):
    s = Spring(k)
    stiff = dataclasses.replace(s, k=2.0 * s.k)
    E = 0.0
    for i in range(len(x) - 1):
        E = E + stiff.energy(x[i + 1] - x[i])
    return E


# ---------------------------------------------------------------- errstate, recursion, dict displays


def entropy_with_zeros(logits):
    p = np.exp(logits) / np.sum(np.exp(logits))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 1e-12, p * np.log(p), 0.0)
    return -np.sum(terms)


def _binomial_value(s, up, n):
    """A recombining tree priced by recursion to depth n (a constant at each call)."""
    if n == 0:
        return max(s - 1.0, 0.0)
    return 0.5 * (_binomial_value(s * up, up, n - 1) + _binomial_value(s / up, up, n - 1))


def tree_call_price(s0, up):
    return _binomial_value(s0, up, 4)


def _gaussian_nll(p, data):
    return np.sum((data - p["mu"]) ** 2) / (2 * p["sigma"] ** 2) + len(data) * np.log(p["sigma"])


def nll_of_display(mu, sigma, data):
    return _gaussian_nll({"mu": mu, "sigma": sigma}, data)


def _rng_layers(rng, sizes):
    return [{"W": 0.5 * rng.standard_normal((a, b)), "b": 0.1 * rng.standard_normal(b)}
            for a, b in zip(sizes[:-1], sizes[1:])]


PROGRAMS = [
    Program(rk4_predator_prey, lambda rng: (rng.uniform(0.9, 1.1), rng.uniform(0.3, 0.5)), ("a", "b")),
    Program(euler_pendulum_state, lambda rng: (rng.uniform(0.2, 0.8), rng.uniform(0.05, 0.2)),
            ("theta0", "damping")),
    Program(leapfrog_zip, lambda rng: (rng.uniform(0.5, 1.0), rng.uniform(-0.3, 0.3), rng.uniform(0.8, 1.2)),
            ("x0", "v0", "k")),
    Program(sir_rk2, lambda rng: ({"beta": rng.uniform(0.25, 0.4), "gamma": rng.uniform(0.08, 0.15)},)),
    Program(decay_chain, lambda rng: (rng.uniform(0.2, 0.6, 2),)),
    Program(mlp_layers_loop, lambda rng: ({"layers": _rng_layers(rng, [3, 4, 2]), "head": rng.standard_normal(2)},
                                          rng.standard_normal((5, 3)), rng.standard_normal(5))),
    Program(mlp_layers_indexed, lambda rng: ({"layers": _rng_layers(rng, [3, 4, 2])},
                                             rng.standard_normal((5, 3)), rng.standard_normal(5))),
    Program(resnet_blocks, lambda rng: ({"blocks": _rng_layers(rng, [3, 3, 3]), "scale": rng.uniform(0.5, 1.5)},
                                        rng.standard_normal(3))),
    Program(tied_layers, lambda rng: ([0.5 * rng.standard_normal((3, 3)) for _ in range(3)], rng.standard_normal(3))),
    Program(autoencoder, lambda rng: ({"enc": {"W": 0.5 * rng.standard_normal((2, 4)), "b": np.zeros(2)},
                                       "dec": {"W": 0.5 * rng.standard_normal((4, 2)), "b": np.zeros(4)}},
                                      rng.standard_normal(4))),
    Program(sgd_unrolled_dict, lambda rng: ({"w": rng.standard_normal(3), "b": rng.standard_normal()},
                                            rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(scaled_params_loss, lambda rng: ({"w": rng.standard_normal(3), "b": rng.standard_normal()},
                                             rng.standard_normal((6, 3)), rng.standard_normal(6))),
    Program(particle_drag, lambda rng: (rng.uniform(8, 12), rng.uniform(0.05, 0.2)), ("v0", "drag")),
    Program(kalman_1d, lambda rng: (rng.uniform(0.05, 0.2), rng.uniform(0.3, 0.8), rng.standard_normal(8)),
            ("q", "r")),
    Program(prior_widened, lambda rng: (Belief(rng.standard_normal(), rng.uniform(0.5, 1.5)),
                                        rng.standard_normal(10))),
    Program(linear_fit, lambda rng: (Linear(rng.standard_normal((3, 2)), rng.standard_normal(2)),
                                     rng.standard_normal((6, 3)), rng.standard_normal((6, 2)))),
    Program(stiffened_chain, lambda rng: (rng.uniform(1, 3), np.cumsum(rng.uniform(0.5, 1.5, 5))), ("k", "x")),
    Program(entropy_with_zeros, lambda rng: (rng.standard_normal(5),)),
    Program(tree_call_price, lambda rng: (rng.uniform(0.9, 1.1), rng.uniform(1.05, 1.2)), ("s0", "up")),
    Program(nll_of_display, lambda rng: (rng.standard_normal(), rng.uniform(0.5, 1.5), rng.standard_normal(10)),
            ("mu", "sigma")),
]
