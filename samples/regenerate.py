"""Regenerate every sample's derivative module, and the pictures, with the command line:

    python samples/regenerate.py

Each entry of SAMPLES runs `srcdiff grad MODULE.py:FUNC --wrt WRT -o OUTPUT`,
with `--like KINDS` for the array samples (code specialised to those kinds, as a
call with such arguments runs; the exact command is also written into each
output's docstring). The example
arguments are used by tests/test_samples.py to run each output against finite
differences. Each entry of PICTURES runs `srcdiff graph MODULE.py:FUNC --wrt WRT
-o OUTPUT.dot` (and `-o OUTPUT.svg` where Graphviz's `dot` is installed).
"""
from __future__ import annotations

import contextlib
import io
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _rng():
    return np.random.default_rng(0)


def _logistic():
    r = _rng()
    X = r.normal(size=(8, 3))
    return r.normal(size=3), 0.1, X, (r.random(8) > 0.5).astype(float)


def _mlp():
    r = _rng()
    return (r.normal(size=(3, 4)) * 0.5, r.normal(size=4) * 0.1, r.normal(size=(4, 2)) * 0.5,
            r.normal(size=2) * 0.1, r.normal(size=(6, 3)), r.normal(size=(6, 2)))


def _rnn():
    r = _rng()
    return (r.normal(size=(4, 4)) * 0.3, r.normal(size=(4, 2)) * 0.5, r.normal(size=4),
            r.normal(size=(5, 2)), r.normal(size=5))


# (module, function, --wrt, output file, example arguments[, --like kinds])
SAMPLES = [
    ("notes_scalar", "f", "x,y", "notes_scalar_grad.py", lambda: (0.7, 1.3)),
    ("notes_scalar", "loss", "x", "notes_scalar_loss_grad.py", lambda: (1.5, 2.0)),
    ("notes_numpy", "sum_of_squares", "x", "notes_numpy_grad.py",
     lambda: (np.array([0.5, -1.0, 2.0]),), "x=3"),
    ("notes_numpy", "twice_dot", "x", "notes_numpy_twice_dot_grad.py",
     lambda: (np.array([0.5, -1.0, 2.0]),), "x=3"),
    ("notes_numpy", "total", "x", "notes_numpy_total_grad.py",
     lambda: (np.array([0.5, -1.0, 2.0]),), "x=3"),
    ("notes_numpy", "detached", "x", "notes_numpy_detached_grad.py",
     lambda: (np.array([0.5, -1.0, 2.0]),), "x=3"),
    ("doubling_loop", "f", "a", "doubling_loop_grad.py",
     lambda: (np.array([0.3, -0.2, 0.5]),), "a=3"),
    ("physics", "projectile_range", "speed,angle,height", "physics_grad.py",
     lambda: (20.0, 0.6, 1.5), "speed=float,angle=float,height=float"),
    ("physics", "pendulum_energy", "theta,omega,length", "physics_pendulum_energy_grad.py",
     lambda: (0.4, 1.2, 0.8, "wood"), "theta=float,omega=float,length=float,material=str"),
    ("physics", "drag_distance", "speed,angle,drag", "physics_drag_distance_grad.py",
     lambda: (30.0, 0.7, 0.02), "speed=float,angle=float,drag=float"),
    ("logistic", "loss", "w,b", "logistic_grad.py", _logistic, "w=3,b=float,X=8x3,y=8"),
    ("mlp", "loss", "W1,b1,W2,b2", "mlp_grad.py", _mlp,
     "W1=3x4,b1=4,W2=4x2,b2=2,X=6x3,Y=6x2"),
    ("rnn", "loss", "W,U,v", "rnn_grad.py", _rnn, "W=4x4,U=4x2,v=4,xs=5x2,targets=5"),
]


# the notes' pictures: (module, function, --wrt, output file without extension)
PICTURES = [
    ("notes_numpy", "twice_dot", "x", "notes_numpy_twice_dot_graph"),
    ("doubling_loop", "f", "a", "doubling_loop_graph"),
    ("mlp", "loss", "W1,b1,W2,b2", "mlp_graph"),
]


def picture_command(picture, ext: str = ".dot", output_dir: str = HERE) -> list[str]:
    module, func, wrt, output = picture
    return ["graph", os.path.join(HERE, module + ".py") + ":" + func, "--wrt", wrt,
            "-o", os.path.join(output_dir, output + ext)]


def draw(picture, ext: str = ".dot", output_dir: str = HERE) -> str | None:
    """Write one picture; None on success, else the error."""
    from srcdiff.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(picture_command(picture, ext, output_dir))
    return None if status == 0 else err.getvalue().strip()


def command(sample, output_dir: str = HERE) -> list[str]:
    module, func, wrt, output = sample[:4]
    like = ["--like", sample[5]] if len(sample) > 5 else []
    return ["grad", os.path.join(HERE, module + ".py") + ":" + func, "--wrt", wrt, *like,
            "-o", os.path.join(output_dir, output)]


def generate(sample, output_dir: str = HERE) -> str | None:
    """Write one sample's derivative module; None on success, else the error."""
    from srcdiff.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(command(sample, output_dir))
    return None if status == 0 else err.getvalue().strip()


TABLE_START, TABLE_END = "<!-- line ratios: regenerate.py -->", "<!-- end of line ratios -->"


def line_table() -> str:
    """The README's table of lines: each derivative's body (less the `--like` kind
    check) against its careful hand version in by_hand.py."""
    import inspect

    sys.path.insert(0, os.path.dirname(HERE))
    sys.path.insert(0, HERE)
    try:
        from benchmarks.lines import body_lines
        import by_hand
    finally:
        del sys.path[:2]
    rows = ["| function | generated | by hand | ratio |", "| --- | ---: | ---: | ---: |"]
    for sample in SAMPLES:
        module, func, output = sample[0], sample[1], sample[3]
        with open(os.path.join(HERE, output)) as fh:
            gen, _ = body_lines(fh.read(), func + "_grad", kind_check=False)
        hand, _ = body_lines(inspect.getsource(getattr(by_hand, f"{module}_{func}")))
        rows.append(f"| `{module}.{func}` | {gen} | {hand} | {gen / hand:.2f}x |")
    return "\n".join(rows)


def write_table() -> None:
    path = os.path.join(HERE, "README.md")
    with open(path) as fh:
        text = fh.read()
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    with open(path, "w") as fh:
        fh.write(text[:start] + "\n" + line_table() + "\n" + text[end:])


def regenerate() -> int:
    failed = 0
    for sample in SAMPLES:
        error = generate(sample)
        name = f"{sample[0]}.py:{sample[1]}"
        if error is None:
            print(f"wrote {sample[3]}  ({name})")
        else:
            failed += 1
            print(f"FAILED {name}: {error.splitlines()[0]}")
    write_table()
    import shutil

    for picture in PICTURES:
        for ext in (".dot", ".svg") if shutil.which("dot") else (".dot",):
            error = draw(picture, ext)
            if error is None:
                print(f"wrote {picture[3]}{ext}")
            else:
                failed += 1
                print(f"FAILED {picture[3]}{ext}: {error.splitlines()[0]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(regenerate())
