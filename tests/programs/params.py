"""Programs whose parameters live in containers, as users keep them: a Gaussian
mixture's dict of arrays, a transformer block's nested dict, an ODE model's
dict of rates fitted through an Euler loop, a list of layer tuples."""
import numpy as np

from .registry import Program


def gmm_nll(params, X):
    """Negative log-likelihood of a diagonal Gaussian mixture (log-sum-exp)."""
    logits = params["logits"]
    log_w = logits - np.max(logits)
    log_w = log_w - np.log(np.sum(np.exp(log_w)))
    scales = np.exp(params["log_scales"])
    z = (X[:, None, :] - params["means"][None, :, :]) / scales[None, :, :]
    log_comp = -0.5 * np.sum(z ** 2, axis=-1) - np.sum(params["log_scales"], axis=-1)
    a = log_comp + log_w
    m = np.max(a, axis=1, keepdims=True)
    return -np.sum(m[:, 0] + np.log(np.sum(np.exp(a - m), axis=1)))


def transformer_block(params, x):
    """Self-attention and an MLP with residuals and layer norms, parameters nested."""
    attn = params["attn"]
    q = x @ attn["Wq"]
    k = x @ attn["Wk"]
    v = x @ attn["Wv"]
    scores = q @ k.T / np.sqrt(q.shape[-1])
    scores = scores - np.max(scores, axis=-1, keepdims=True)
    w = np.exp(scores)
    w = w / np.sum(w, axis=-1, keepdims=True)
    h = x + (w @ v) @ attn["Wo"]
    mu = np.mean(h, axis=-1, keepdims=True)
    var = np.var(h, axis=-1, keepdims=True)
    h = params["norm"]["gain"] * (h - mu) / np.sqrt(var + 1e-5) + params["norm"]["bias"]
    mlp = params["mlp"]
    out = h + np.tanh(h @ mlp["W1"] + mlp["b1"]) @ mlp["W2"]
    return np.sum(out ** 2) / out.size


def lotka_volterra_fit(rates, prey0, pred0, observed, dt=0.05):
    """Rates in a dict of floats, fitted through an explicit Euler integration."""
    alpha, beta = rates["alpha"], rates["beta"]
    delta, gamma = rates["delta"], rates["gamma"]
    prey, pred = prey0, pred0
    loss = 0.0
    for t in range(len(observed)):
        dprey = alpha * prey - beta * prey * pred
        dpred = delta * prey * pred - gamma * pred
        prey = prey + dt * dprey
        pred = pred + dt * dpred
        loss = loss + (prey - observed[t, 0]) ** 2 + (pred - observed[t, 1]) ** 2
    return loss


def deep_layers(layers, x, target):
    """A list of (W, b) of different shapes, looped over, with a skip connection."""
    h = x
    for i, (W, b) in enumerate(layers):
        z = W @ h + b
        h = np.tanh(z) if i < len(layers) - 1 else z
    return np.sum((h - target) ** 2) + 0.01 * sum(np.sum(W ** 2) for W, _ in layers[:1])


def _gmm(rng):
    K, D = 3, 2
    return ({"logits": rng.standard_normal(K), "means": rng.standard_normal((K, D)),
             "log_scales": 0.1 * rng.standard_normal((K, D))}, rng.standard_normal((8, D)))


def _block(rng):
    d, hidden = 4, 6
    s = 0.5
    attn = {k: s * rng.standard_normal((d, d)) for k in ("Wq", "Wk", "Wv", "Wo")}
    norm = {"gain": 1 + 0.1 * rng.standard_normal(d), "bias": 0.1 * rng.standard_normal(d)}
    mlp = {"W1": s * rng.standard_normal((d, hidden)), "b1": 0.1 * rng.standard_normal(hidden),
           "W2": s * rng.standard_normal((hidden, d))}
    return {"attn": attn, "norm": norm, "mlp": mlp}, rng.standard_normal((3, d))


def _lv(rng):
    rates = {"alpha": 1.0 + 0.1 * rng.standard_normal(),
             "beta": 0.4 + 0.05 * rng.standard_normal(),
             "delta": 0.3 + 0.05 * rng.standard_normal(),
             "gamma": 0.8 + 0.1 * rng.standard_normal()}
    return rates, 2.0, 1.0, 1.5 + 0.2 * rng.standard_normal((12, 2))


def _layers(rng):
    shapes = [(5, 3), (4, 5), (2, 4)]
    return ([(0.5 * rng.standard_normal(s), 0.1 * rng.standard_normal(s[0])) for s in shapes],
            rng.standard_normal(3), rng.standard_normal(2))


PROGRAMS = [
    Program(gmm_nll, _gmm, "params"),
    Program(transformer_block, _block, "params"),
    Program(lotka_volterra_fit, _lv, "rates"),
    Program(deep_layers, _layers, "layers"),
]
