"""`srcdiff grad --like` / `--at-file` (issue 16.6): a module specialised to the
argument kinds given, as a call with such arguments runs, which refuses arguments
of other kinds. Checked against central differences of the primal, in both
modes, and the written code read for what a careful person writes."""
import importlib.util
import inspect

import numpy as np
import pytest

from srcdiff.cli import main


def mlp(W1, b1, W2, b2, X, Y, scale=1.0):
    h = np.tanh(X @ W1 + b1)
    err = h @ W2 + b2 - Y
    return scale * np.sum(err * err) / X.shape[0]


def steps(x, rate, n):
    for _ in range(n):
        x = x - rate * np.sin(x)
    return np.sum(x * x)


def _written(tmp_path, f, *options):
    out = tmp_path / f"{f.__name__}_{abs(hash(options))}_grad.py"
    assert main(["grad", f"{inspect.getsourcefile(f)}:{f.__name__}", *options,
                 "-o", str(out)]) == 0
    spec = importlib.util.spec_from_file_location(out.stem, out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, f"{f.__name__}_grad"), out.read_text()


def _central(f, args, i, h=1e-6):
    x = np.asarray(args[i], dtype=float)
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        vals = []
        for s in (h, -h):
            a = list(args)
            a[i] = x.copy()
            a[i][k] += s
            vals.append(f(*a))
        out[k] = (vals[0] - vals[1]) / (2 * h)
    return out


rng = np.random.default_rng(3)
ARGS = (rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)),
        rng.normal(size=2), rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))
LIKE = "W1=3x4,b1=4,W2=4x2,b2=2,X=5x3,Y=5x2"


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_like_writes_code_for_those_kinds(tmp_path, mode):
    g, text = _written(tmp_path, mlp, "--wrt", "W1,b1,W2,b2", "--mode", mode, "--like", LIKE)
    for i, got in enumerate(g(*ARGS)):
        np.testing.assert_allclose(got, _central(mlp, ARGS, i), rtol=1e-6, atol=1e-8)
    other = tuple(rng.normal(size=(7,) + a.shape[1:]) if k in (4, 5) else a
                  for k, a in enumerate(ARGS))  # another batch size: the same kinds
    np.testing.assert_allclose(g(*other)[0], _central(mlp, other, 0), rtol=1e-6, atol=1e-8)
    if mode == "reverse":  # exact sums and products, no shape helpers
        assert "def _unbroadcast" not in text and "_matmul_adjoint" not in text
        assert "X.T @ d_total," in text and "np.sum(d_err, axis=0)" in text


@pytest.mark.parametrize("bad, why", [
    ((0, np.ones((1, 4))), "W1"),            # a dimension of size 1: other broadcasting
    ((1, np.ones((1, 4))), "b1"),            # a 2-d b1
    ((1, np.ones(4, dtype=np.float32)), "float64"),
    ((6, "big"), "number"),
])
def test_the_written_module_refuses_other_kinds(tmp_path, bad, why):
    g, _ = _written(tmp_path, mlp, "--wrt", "W1", "--like", LIKE)
    args = list(ARGS) + [1.0]
    args[bad[0]] = bad[1]
    with pytest.raises(TypeError, match=why):
        g(*args)


def test_at_file_takes_the_kinds_of_saved_arguments_and_ints_stay_ints(tmp_path):
    path = tmp_path / "point.npz"
    np.savez(path, x=np.array([0.3, -1.2, 2.0]), rate=0.1, n=5)
    g, text = _written(tmp_path, steps, "--wrt", "x", "--at-file", str(path))
    x = np.array([0.5, 0.1, -0.7])
    np.testing.assert_allclose(g(x, 0.2, 4), _central(steps, (x, 0.2, 4), 0), rtol=1e-6)
    assert "isinstance(n, int)" in text and "isinstance(rate, (int, float))" in text


@pytest.mark.parametrize("like, needle", [
    ("W1=3x4", "no kind for b1, W2, b2, X, Y"),
    ("W1=3by4", "expected float, int, str, bool or an array shape"),
    ("Z=3", "has no parameter 'Z'"),
    ("W1", "expected NAME=KIND pairs"),
])
def test_like_mistakes_are_one_line_errors(tmp_path, capsys, like, needle):
    target = f"{inspect.getsourcefile(mlp)}:mlp"
    assert main(["grad", target, "--like", like, "-o", str(tmp_path / "x.py")]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1, err


def test_like_and_at_file_are_exclusive(tmp_path, capsys):
    target = f"{inspect.getsourcefile(mlp)}:mlp"
    assert main(["grad", target, "--like", LIKE, "--at-file", "p.npz"]) == 2
    assert "--at-file: not allowed with argument --like" in capsys.readouterr().err


def softplus(z):
    return np.log1p(np.exp(z))


def layer(W, x, act=softplus):
    return np.sum(act(W @ x))


@pytest.mark.parametrize("options", [(), ("--like", "W=3x4,x=4"), ("--mode", "forward")])
def test_a_function_default_is_the_function_the_module_is_written_for(tmp_path, options):
    """`act=softplus`: code written for any arguments cannot call act; the module is
    written for the default, and refuses another function."""
    g, text = _written(tmp_path, layer, "--wrt", "W", *options)
    W, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    np.testing.assert_allclose(g(W, x), _central(layer, (W, x), 0), rtol=1e-6, atol=1e-8)
    assert "if act is not softplus:" in text and "def softplus(z):" in text
    with pytest.raises(ValueError, match="written for act=softplus"):
        g(W, x, np.tanh)
