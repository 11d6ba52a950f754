"""Reads of a structured parameter that users expect, refused (clear, located):
1. a loop index into a list of dicts: layers[i]["w"] or params["layers"][i]["w"] for
   i in range(len(...)) ("indexing layers ... with a key that is not a constant"; through
   a helper: "layers[0] ... used as a whole here"), while a list of (W, b) tuples indexed
   the same way (W, b = layers[i]) works;
2. keys from sorted(params): for name in sorted(params): params[name]
   (for k in params: params[k] works);
3. params.get("b", 0.0);
4. a method of a dataclass parameter: layer.penalty() (layer(x), its __call__, is accepted);
5. prior._replace(sigma=...) on a namedtuple, dataclasses.replace(layer, b=...);
6. keys from a literal tuple: for name in ("a", "b"): params[name] ("a key that is not a
   constant" - the loop runs over constants);
7. reversed(params["layers"]) ("params['layers'][0] ... used as a whole here"), while
   params["layers"][1:] and enumerate(params["layers"]) work."""
import dataclasses
from dataclasses import dataclass

import numpy as np

import srcdiff


def tuple_index(layers, x):  # works
    for i in range(len(layers)):
        W, b = layers[i]
        x = np.tanh(x * W + b)
    return np.sum(x)


def top_level_index(layers, x):
    for i in range(len(layers)):
        x = np.tanh(x * layers[i]["w"])
    return np.sum(x)


def nested_index(params, x):
    for i in range(len(params["layers"])):
        x = np.tanh(x * params["layers"][i]["w"])
    return np.sum(x)


def sorted_keys(params, x):
    for name in sorted(params):
        x = np.tanh(x * params[name])
    return np.sum(x)


def get_default(params, x):
    return np.sum(x * params["w"] + params.get("b", 0.0))


def literal_keys(params, x):
    total = 0.0
    for name in ("a", "b"):
        total = total + np.sum(params[name] * x)
    return total


def reversed_layers(params, x):
    for layer in reversed(params["layers"]):
        x = np.tanh(x * layer["w"])
    return np.sum(x)


@dataclass
class Affine:
    w: np.ndarray
    b: float

    def __call__(self, x):
        return x * self.w + self.b

    def penalty(self):
        return np.sum(self.w ** 2)


def dataclass_method(layer, x):
    return np.sum(layer(x)) + layer.penalty()


def dataclass_replace(layer, x):
    return np.sum(dataclasses.replace(layer, b=2 * layer.b)(x))


x = np.array([0.5, -1.0])
w = np.array([0.3, 0.7])
cases = [(tuple_index, [(w, w), (w, w)]), (top_level_index, [{"w": w}, {"w": w}]),
         (nested_index, {"layers": [{"w": w}, {"w": w}]}),
         (sorted_keys, {"b": w, "a": w}), (get_default, {"w": w}),
         (dataclass_method, Affine(w, 0.1)), (dataclass_replace, Affine(w, 0.1)),
         (literal_keys, {"a": w, "b": w}), (reversed_layers, {"layers": [{"w": w}, {"w": w}]})]
for f, p in cases:
    for mode in ("reverse", "forward"):
        try:
            srcdiff.grad(f, mode=mode)(p, x)
            print(f.__name__, mode, "accepted")
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
