"""Every code block of README.md runs as written.

Each ```python block runs on its own, from a file (srcdiff reads a function's
source from its file), in a fresh namespace: a block that needs an import shows
it. The blocks that display generated code are also called and compared with
independent references (hand formulas, central differences). The `srcdiff`
commands of the ```bash blocks run against a small `model.py` defining the
functions they name; the other shell lines (installing, the long benchmark and
fuzzing runs) are not run here.
"""
from __future__ import annotations

import math
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from srcdiff.rules import table

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(lang: str) -> list[str]:
    return [body for kind, body in BLOCK.findall(README.read_text()) if kind == lang]


PYTHON = blocks("python")
COMMANDS = [line.split("#")[0].strip() for body in blocks("bash") for line in body.splitlines()
            if line.startswith("srcdiff ")]


def test_the_readme_has_the_blocks_this_test_expects():
    assert len(PYTHON) >= 4 and len(COMMANDS) >= 3


@pytest.fixture
def rules_restored():
    """A block may register a rule: the table is as it was afterwards."""
    before = dict(table.RULES)
    yield
    table.RULES.clear()
    table.RULES.update(before)
    table.VERSION[0] += 1


def run_block(code: str, path: Path) -> dict:
    path.write_text(code)
    return runpy.run_path(str(path), run_name=f"readme_{path.stem}")


@pytest.mark.parametrize("i", range(len(PYTHON)))
def test_python_block_runs_as_written(i, tmp_path, rules_restored, capsys):
    run_block(PYTHON[i], tmp_path / f"block{i}.py")


def _block_defining(name: str) -> str:
    return next(b for b in PYTHON if f"def {name}(" in b)


def test_displayed_gradient_is_the_gradient(tmp_path):
    """`f_grad` as the README shows it is d/dx, d/dy of its `f` (hand-derived)."""
    ns = run_block("import math\n" + _block_defining("f_grad"), tmp_path / "shown.py")
    x, y = 2.0, 3.0
    z, t = x * y + y ** 2, 1 + x * x
    want = (y * math.cos(z) / t - 2 * x * math.sin(z) / t ** 2, (x + 2 * y) * math.cos(z) / t)
    assert ns["f_grad"](x, y) == pytest.approx(want, rel=1e-14)
    main = run_block(_block_defining("f"), tmp_path / "main.py")
    assert main["gx"] == pytest.approx(want[0], rel=1e-14)
    assert main["gy"] == pytest.approx(want[1], rel=1e-14)


def test_displayed_loop_adjoint_is_the_derivative(tmp_path):
    """`rec_grad` as shown is d/dx of n steps of x = 0.9 x + 0.1 sin(x) (differences)."""
    ns = run_block("import math\n" + _block_defining("rec_grad"), tmp_path / "rec.py")

    def rec(x, n):
        for _ in range(n):
            x = 0.9 * x + 0.1 * math.sin(x)
        return x

    for x, n in ((0.7, 5), (-1.3, 1), (2.0, 0)):
        h = 1e-5
        want = (rec(x + h, n) - rec(x - h, n)) / (2 * h)
        assert ns["rec_grad"](x, n) == pytest.approx(want, rel=1e-8)


MODEL = '''\
import math

import numpy as np


def loss(w, b):
    return np.sum((np.tanh(w) + b) ** 2)


def f(x, y):
    return math.sin(x * y) + y ** 2
'''


@pytest.mark.parametrize("command", COMMANDS)
def test_shell_command_runs_as_written(command, tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    args = shlex.split(command)[1:]
    p = subprocess.run([sys.executable, "-m", "srcdiff", *args], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    if args[0] == "graph":  # a picture: DOT text, read by the tests' DOT grammar
        from dot_syntax import parse

        out = args[args.index("-o") + 1] if "-o" in args else None
        parse((tmp_path / out).read_text() if out else p.stdout)
        return
    if "-o" not in args:
        assert "OK" in p.stdout
        return
    # the module written runs without srcdiff and gives the gradient (hand-derived)
    out = args[args.index("-o") + 1]
    probe = ("import sys; sys.modules['srcdiff'] = None\n"
             "import runpy, numpy as np\n"
             f"ns = runpy.run_path({out!r})\n"
             "w, b = np.array([0.5, -1.0, 2.0]), 0.1\n"
             "gw, gb = ns['loss_grad'](w, b)\n"
             "r = np.tanh(w) + b\n"
             "assert np.allclose(gw, 2 * r * (1 - np.tanh(w) ** 2), rtol=1e-13, atol=0)\n"
             "assert np.isclose(gb, 2 * np.sum(r), rtol=1e-13, atol=0)\n")
    p = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr


def test_register_example_gives_the_gradient(tmp_path, rules_restored):
    ns = run_block(_block_defining("softplus"), tmp_path / "register.py")
    w = np.array([0.5, -1.0])
    want = np.log1p(np.exp(w)) + w / (1 + np.exp(-w))
    np.testing.assert_allclose(ns["g"], want, rtol=1e-14)
