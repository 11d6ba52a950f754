"""samples/: each checked-in derivative module is what the command line writes
today (byte for byte), and runs without srcdiff to the numbers of finite
differences and of srcdiff.grad."""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import srcdiff
from sample_files import SAMPLES_DIR, load



regen = load(os.path.join(SAMPLES_DIR, "regenerate.py"), "_samples_regenerate")
IDS = [f"{s[0]}.{s[1]}" for s in regen.SAMPLES]


def checked_in(sample) -> str:
    return os.path.join(SAMPLES_DIR, sample[3])


@pytest.mark.parametrize("sample", regen.SAMPLES, ids=IDS)
def test_checked_in_derivative_is_fresh(sample, tmp_path):
    error = regen.generate(sample, str(tmp_path))
    assert error is None, f"{sample[3]} no longer generates: {error}"
    with open(tmp_path / sample[3], "rb") as new, open(checked_in(sample), "rb") as old:
        assert new.read() == old.read(), (
            f"{sample[3]} is stale: run `python samples/regenerate.py`")


def primal(sample):
    module = load(os.path.join(SAMPLES_DIR, sample[0] + ".py"), "_sample_" + sample[0])
    return getattr(module, sample[1])


def central(f, args, i):
    """Central finite differences of f with respect to args[i], entry by entry."""
    x = np.asarray(args[i], dtype=float)
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        h = np.finfo(float).eps ** (1 / 3) * max(1.0, abs(x[k]))
        vals = []
        for step in (h, -h):
            xs = x.copy()
            xs[k] += step
            a = list(args)
            a[i] = xs if x.ndim else float(xs)
            vals.append(float(f(*a)))
        out[k] = (vals[0] - vals[1]) / (2 * h)
    return out if x.ndim else float(out)


# Samples finite differences cannot check (stop_gradient changes the derivative on
# purpose): their gradient by hand, called like the sample.
BY_HAND = {"notes_numpy.detached": lambda x: x * x}

RUNNER = """
import pickle, sys
sys.modules["srcdiff"] = None  # the generated module must not need srcdiff
sys.path.insert(0, sys.argv[1])
module = __import__(sys.argv[2])
args = pickle.load(open(sys.argv[3], "rb"))
result = getattr(module, sys.argv[4])(*args)
pickle.dump(result, open(sys.argv[3], "wb"))
"""


@pytest.mark.parametrize("sample", regen.SAMPLES, ids=IDS)
def test_derivative_runs_standalone_and_matches(sample, tmp_path):
    path = checked_in(sample)
    assert os.path.exists(path), f"{sample[3]} is missing: run `python samples/regenerate.py`"
    module, func, wrt, output, make_args = sample[:5]
    args = make_args()
    with open(path) as fh:
        text = fh.read()
    assert "import srcdiff" not in text and "from srcdiff" not in text
    data = tmp_path / "args.pkl"
    data.write_bytes(pickle.dumps(args))
    p = subprocess.run([sys.executable, "-I", "-c", RUNNER, SAMPLES_DIR, output[:-3], str(data),
                        func + "_grad"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    got = pickle.loads(data.read_bytes())
    names = wrt.split(",")
    got = got if len(names) > 1 else (got,)
    f = primal(sample)
    params = list(__import__("inspect").signature(f).parameters)
    want_exact = srcdiff.grad(f, wrt=tuple(names))(*args)
    for name, g, exact in zip(names, got, want_exact):
        i = params.index(name)
        assert np.shape(g) == np.shape(args[i])
        np.testing.assert_allclose(g, exact, rtol=1e-12, atol=1e-14, err_msg=name)
        by_hand = BY_HAND.get(f"{module}.{func}")
        fd = by_hand(*args) if by_hand is not None else central(f, args, i)
        scale = max(1.0, float(np.max(np.abs(fd))))
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6 * scale, err_msg=name)


def test_regenerate_lists_every_sample_module():
    modules = {s[0] for s in regen.SAMPLES}
    on_disk = {f[:-3] for f in os.listdir(SAMPLES_DIR)
               if f.endswith(".py") and not f.endswith("_grad.py")
               and f not in ("regenerate.py", "plot_sin.py", "by_hand.py")}  # (not samples)
    assert modules == on_disk
    outputs = [s[3] for s in regen.SAMPLES]
    assert len(set(outputs)) == len(outputs)
    stray = {f for f in os.listdir(SAMPLES_DIR) if f.endswith("_grad.py")} - set(outputs)
    assert not stray, f"derivative modules no sample produces: {stray}"


by_hand = load(os.path.join(SAMPLES_DIR, "by_hand.py"), "_samples_by_hand")


@pytest.mark.parametrize("sample", regen.SAMPLES, ids=IDS)
def test_hand_version_matches_differences_and_the_generated_module(sample):
    """by_hand.py is what the line ratios compare with: it must be the same gradient."""
    module, func, wrt, output, make_args = sample[:5]
    args = make_args()
    hand = getattr(by_hand, f"{module}_{func}")(*args)
    generated = getattr(load(checked_in(sample), "_gen_" + output[:-3]), func + "_grad")(*args)
    names = wrt.split(",")
    hand, generated = (hand, generated) if len(names) > 1 else ((hand,), (generated,))
    f = primal(sample)
    params = list(__import__("inspect").signature(f).parameters)
    reference = BY_HAND.get(f"{module}.{func}")
    for name, h, g in zip(names, hand, generated):
        i = params.index(name)
        fd = reference(*args) if reference is not None else central(f, args, i)
        scale = max(1.0, float(np.max(np.abs(fd))))
        np.testing.assert_allclose(h, fd, rtol=1e-6, atol=1e-6 * scale, err_msg=name)
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-12 * scale, err_msg=name)


def test_line_ratio_table_is_current():
    with open(os.path.join(SAMPLES_DIR, "README.md")) as fh:
        text = fh.read()
    start = text.index(regen.TABLE_START) + len(regen.TABLE_START)
    assert text[start:text.index(regen.TABLE_END)].strip() == regen.line_table(), (
        "samples/README.md's line table is stale: run `python samples/regenerate.py`")
