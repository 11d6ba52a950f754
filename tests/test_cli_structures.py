"""`srcdiff grad` and `srcdiff check` for a parameter that is a dict of arrays (given
as --like params.W=3x4 or .npz keys params.W), and the generic module's runtime
helpers defined once at module level. Checked against central differences."""
import importlib.util
import subprocess
import sys
import textwrap

import numpy as np

SRC = textwrap.dedent('''
    import math
    import numpy as np


    def softplus(z):
        return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)


    def mlp_loss(params, X, y):
        h = softplus(X @ params["W1"] + params["b1"])
        out = h @ params["W2"] + params["b2"]
        return np.mean((out - y) ** 2)


    def damped(x, k):
        for _ in range(20):
            x = x - 0.1 * k * x + 0.01 * math.sin(x)
        return x
    ''')


def _run(tmp_path, *argv):
    return subprocess.run([sys.executable, "-m", "srcdiff.cli", *argv], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _point():
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4),
              "W2": rng.standard_normal((4, 2)), "b2": rng.standard_normal(2)}
    return params, rng.standard_normal((7, 3)), rng.standard_normal((7, 2))


def _fd(f, params, X, y, h=1e-6):
    out = {}
    for k, v in params.items():
        g = np.zeros_like(v)
        for i in np.ndindex(v.shape):
            up = {**params, k: v.copy()}
            dn = {**params, k: v.copy()}
            up[k][i] += h
            dn[k][i] -= h
            g[i] = (f(up, X, y) - f(dn, X, y)) / (2 * h)
        out[k] = g
    return out


def test_dict_parameter_given_by_like_and_by_npz_keys(tmp_path):
    (tmp_path / "model.py").write_text(SRC)
    like = "params.W1=3x4,params.b1=4,params.W2=4x2,params.b2=2,X=5x3,y=5x2"
    done = _run(tmp_path, "grad", "model.py:mlp_loss", "--like", like, "-o", "g1.py")
    assert done.returncode == 0, done.stderr
    params, X, y = _point()
    model = _load(tmp_path / "model.py", "model_cli_structures")
    want = _fd(model.mlp_loss, params, X, y)
    text = (tmp_path / "g1.py").read_text()
    assert "W1 = params['W1']" in text and "_unbroadcast" not in text  # names, exact sums
    got = _load(tmp_path / "g1.py", "g1_cli_structures").mlp_loss_grad(params, X, y)
    assert set(got) == set(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-6, atol=1e-8)
    np.savez(tmp_path / "pt.npz", X=X, y=y, **{f"params.{k}": v for k, v in params.items()})
    done = _run(tmp_path, "grad", "model.py:mlp_loss", "--at-file", "pt.npz", "-o", "g2.py")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "g2.py").read_text().split('"""', 2)[2] == text.split('"""', 2)[2]
    checked = _run(tmp_path, "check", "model.py:mlp_loss", "--at-file", "pt.npz",
                   "--wrt", "params")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "d/dparams['W1']" in checked.stdout


def test_dict_parameter_without_kinds_is_a_clear_error(tmp_path):
    (tmp_path / "model.py").write_text(SRC)
    done = _run(tmp_path, "grad", "model.py:mlp_loss")
    assert done.returncode != 0
    assert "reads a parameter it differentiates by key" in done.stderr
    assert "--like params." in done.stderr


def test_specialised_module_refuses_another_structure(tmp_path):
    (tmp_path / "model.py").write_text(SRC)
    like = "params.W1=3x4,params.b1=4,params.W2=4x2,params.b2=2,X=5x3,y=5x2"
    assert _run(tmp_path, "grad", "model.py:mlp_loss", "--like", like, "-o",
                "g.py").returncode == 0
    grad = _load(tmp_path / "g.py", "g3_cli_structures").mlp_loss_grad
    _, X, y = _point()
    try:
        grad({"W1": np.ones((3, 4))}, X, y)
    except TypeError as e:
        assert "a dict with keys W1, W2, b1, b2" in str(e)
    else:
        raise AssertionError("a dict of other keys was accepted")


def test_generic_module_defines_runtime_helpers_once_at_module_level(tmp_path):
    (tmp_path / "model.py").write_text(SRC)
    done = _run(tmp_path, "grad", "model.py:damped", "--wrt", "x,k", "-o", "g.py")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "g.py").read_text()
    assert "\n    def _" not in text  # nothing nested inside the derivative
    assert "\ndef damped_grad(" in text
    mod = _load(tmp_path / "g.py", "g4_cli_structures")
    model = _load(tmp_path / "model.py", "model4_cli_structures")
    h = 1e-6
    gx, gk = mod.damped_grad(0.7, 0.3)
    assert abs(gx - (model.damped(0.7 + h, 0.3) - model.damped(0.7 - h, 0.3)) / (2 * h)) < 1e-7
    assert abs(gk - (model.damped(0.7, 0.3 + h) - model.damped(0.7, 0.3 - h)) / (2 * h)) < 1e-7


def test_dict_module_strips_stop_gradient_and_never_imports_srcdiff(tmp_path):
    (tmp_path / "sg.py").write_text(textwrap.dedent('''
        import numpy as np
        import srcdiff


        def loss(params, x):
            w = srcdiff.stop_gradient(params["w"] * 2)
            return np.sum(params["w"] * w * x)
        '''))
    done = _run(tmp_path, "grad", "sg.py:loss", "--like", "params.w=3,x=3", "-o", "g.py")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "g.py").read_text()
    assert "import srcdiff" not in text and "leave --like out" not in text
    w, x = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    got = _load(tmp_path / "g.py", "g5_cli_structures").loss_grad({"w": w}, x)
    np.testing.assert_allclose(got["w"], 2 * w * x, rtol=1e-12)  # d/dw of w * c * x, c = 2w
