"""The notes' plot: sin and the derivative srcdiff generated for it, side by side.

    pip install 'srcdiff[plot]'       # matplotlib, an optional extra
    python samples/plot_sin.py        # writes samples/sin_and_derivative.png
"""
from __future__ import annotations

import math
import os
import sys

import numpy as np

import srcdiff

HERE = os.path.dirname(os.path.abspath(__file__))


def f(x):
    return math.sin(x)


def plot(path: str = os.path.join(HERE, "sin_and_derivative.png")) -> str:
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("this plot needs matplotlib: pip install 'srcdiff[plot]'") from None
    matplotlib.use("Agg")  # a file, no window
    import matplotlib.pyplot as plt

    df = srcdiff.grad(f)
    xs = np.linspace(-2 * math.pi, 2 * math.pi, 401)
    ys = [f(x) for x in xs]
    ds = [df(float(x)) for x in xs]  # the generated derivative, run at each point
    code = "\n".join(ln for ln in df.source.splitlines() if not ln.strip().startswith("#"))
    fig, ax = plt.subplots(figsize=(9, 4.0), dpi=100)
    fig.subplots_adjust(left=0.06, right=0.70, bottom=0.25, top=0.9)
    ax.plot(xs, ys, color="#1f5fbf", lw=2, label="f(x) = math.sin(x)")
    ax.plot(xs, ds, color="#d04020", lw=2, label="srcdiff.grad(f)(x)")
    ax.axhline(0, color="#999999", lw=0.6)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(-1.15, 1.15)
    ax.set_xticks([k * math.pi / 2 for k in range(-4, 5)],
                  ["-2π", "-3π/2", "-π", "-π/2", "0", "π/2", "π", "3π/2", "2π"])
    ax.set_xlabel("x")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, frameon=False)
    ax.set_title("sin and the derivative srcdiff generated for it")
    fig.text(0.72, 0.5, "srcdiff.grad(f).source:\n\n" + code, ha="left", va="center",
             family="monospace", fontsize=9,
             bbox={"boxstyle": "round", "facecolor": "#f6f6f6", "edgecolor": "#cccccc"})
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path


if __name__ == "__main__":
    print("wrote", plot(*sys.argv[1:]))
