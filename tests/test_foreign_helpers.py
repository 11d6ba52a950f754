"""Helpers from other modules of the user's project (tests/foreign_pkg/) are
inlined: `from .utils import f`, `import pkg.layers as L`, module attribute
calls, helpers reading their own module's constants and aliases (`numpy_`, `m`),
helpers calling helpers of their module or of a third one, closures. Checked in
every mode against central differences; rebinding a helper module's global is
seen by the next call (read live); errors are located in the helper's file."""
import math

import numpy as np
import pytest

import foreign_pkg.layers as L
import srcdiff
from foreign_pkg import model, utils
from foreign_pkg.utils import softplus
from source_text import code


def f_from_import(x):
    return np.sum(softplus(x) * x)


def f_attribute(x):
    return np.sum(utils.sigmoid(x) * x)


def f_nested(x):
    return np.sum(L.act(x))  # layers.act -> utils.swish -> utils.sigmoid, and utils.softplus


def f_dense(W, x):
    return np.sum(L.dense(W, x) ** 2)


def f_constants(x):
    return np.sum(L.mixed(x))  # utils.SCALE and layers.BIAS


def f_math_alias(x):
    return utils.gauss(x) * x  # `math` as `m` in utils


def f_closure(x):
    return L.weigh(x) ** 2  # an array and an int from the helper's closure


RNG = np.random.default_rng(17)
X3 = RNG.normal(size=3)
CASES = {
    "from_import": (f_from_import, (X3,)),
    "attribute": (f_attribute, (X3,)),
    "nested": (f_nested, (X3,)),
    "dense": (f_dense, (RNG.normal(size=(2, 3)), X3)),
    "constants": (f_constants, (X3,)),
    "math_alias": (f_math_alias, (0.7,)),
    "closure": (f_closure, (X3,)),
    "package_model": (model.loss, (X3, RNG.normal(size=3))),
}


def central(f, args, i, eps=1e-6):
    """d f / d args[i] by central differences, entry by entry."""
    x = np.asarray(args[i], dtype=float)
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[k] += eps
        lo[k] -= eps
        at = lambda v: args[:i] + ((v if x.ndim else float(v)),) + args[i + 1:]  # noqa: E731
        out[k] = (f(*at(hi)) - f(*at(lo))) / (2 * eps)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_grad(case, mode):
    f, args = CASES[case]
    wrt = tuple(range(len(args)))
    got = srcdiff.grad(f, wrt=wrt, mode=mode)(*args)
    for i, g in enumerate(got):
        np.testing.assert_allclose(g, central(f, args, i), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", sorted(CASES))
def test_jvp_and_vjp(case):
    f, args = CASES[case]
    tangents = tuple(np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args)
    out, t_out = srcdiff.jvp(f, args, tangents)
    want = sum(np.sum(central(f, args, i) * t) for i, t in enumerate(tangents))
    assert out == pytest.approx(f(*args), rel=1e-12)
    assert t_out == pytest.approx(want, rel=1e-6)
    out, pullback = srcdiff.vjp(f, *args)
    for i, g in enumerate(pullback(2.0)):
        np.testing.assert_allclose(g, 2.0 * central(f, args, i), rtol=1e-6, atol=1e-8)


def test_hand_formula_and_readable_source():
    """d/dx sum(softplus(x) * x) = softplus(x) + x * sigmoid(x); the helper's
    `numpy_` is written as this module's `np`, nothing is injected for it."""
    g = srcdiff.grad(f_from_import)
    x = np.array([-1.0, 0.5, 2.0])
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(g(x), np.logaddexp(0.0, x) + x * sig, rtol=1e-12)
    assert "np.logaddexp(0.0, x)" in g.source and "numpy_" not in code(g.source)
    assert "numpy_" not in globals() and "utils_1" not in globals()


def test_module_constant_is_read_live():
    """Rebinding a helper module's global after the first call: the next call
    (every mode, the cached derivative too) uses the new value."""
    g_rev = srcdiff.grad(f_constants)
    g_fwd = srcdiff.grad(f_constants, mode="forward")
    j = srcdiff.jvp(f_constants)
    x = np.array([0.1, -0.4, 1.3])
    want = lambda scale, bias: scale * np.cos(x) * bias  # noqa: E731
    np.testing.assert_allclose(g_rev(x), want(2.0, 0.5), rtol=1e-12)
    np.testing.assert_allclose(g_fwd(x), want(2.0, 0.5), rtol=1e-12)
    old = utils.SCALE, L.BIAS
    try:
        utils.SCALE, L.BIAS = 3.0, -1.5
        np.testing.assert_allclose(g_rev(x), want(3.0, -1.5), rtol=1e-12)
        np.testing.assert_allclose(g_fwd(x), want(3.0, -1.5), rtol=1e-12)
        _, t = j((x,), (np.ones(3),))
        assert t == pytest.approx(np.sum(want(3.0, -1.5)), rel=1e-12)
    finally:
        utils.SCALE, L.BIAS = old
    assert "utils.SCALE" in g_rev.source and "L.BIAS" in g_rev.source


def test_rebound_helper_retransforms():
    """A helper of another module rebound after the first call is transformed again."""
    g = srcdiff.grad(f_attribute)
    x = np.array([0.3, -0.2, 1.0])
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(g(x), sig + x * sig * (1 - sig), rtol=1e-12)
    old = utils.sigmoid
    try:
        utils.sigmoid = lambda z: z * z
        np.testing.assert_allclose(g(x), 3 * x * x, rtol=1e-12)
    finally:
        utils.sigmoid = old


def test_scalar_source_names_the_helpers_modules():
    """`m` (utils' math) is this module's `math`; the specialised code is plain math."""
    g = srcdiff.grad(f_math_alias)
    x = 0.7
    pdf = math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    assert g(x) == pytest.approx(pdf - x * x * pdf, rel=1e-12)
    assert "math.exp" in g.source and "m.exp" not in code(g.source)


def f_unsupported_in_helper(x):
    return L.calls_broken(x) * x  # layers.calls_broken -> utils.broken: a dict comprehension


def f_no_source_in_helper(x):
    return utils.calls_made_by_exec(x) * x  # utils calls a function made by exec


@pytest.mark.parametrize("f, text", [(f_unsupported_in_helper, 'return {t: t for t in [y]}[y]'),
                                     (f_no_source_in_helper, "return made_by_exec(x) + x")])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_error_is_located_in_the_helpers_file(f, text, mode):
    lines = open(utils.__file__).read().splitlines()
    line = next(i for i, ln in enumerate(lines, 1) if text in ln)
    with pytest.raises(srcdiff.SrcDiffError) as e:
        srcdiff.grad(f, mode=mode)(1.0)
    assert f'utils.py", line {line}\n' in str(e.value), str(e.value)


def test_library_functions_are_not_inlined():
    """numpy's own Python functions keep their rules; the standard library's are
    primitives (a rule or a located error), never inlined."""
    import statistics

    def f(x):
        return statistics.fmean([x, 2.0 * x])

    with pytest.raises(srcdiff.SrcDiffError) as e:
        srcdiff.grad(f)(1.0)
    assert "no derivative rule" in str(e.value)
    assert "statistics.py" not in str(e.value)


def test_modules_the_root_lacks_are_injected_not_written():
    """model.py has neither `utils` nor the layers module under a free name: they
    arrive as closure cells with readable, collision-free names."""
    g = srcdiff.grad(model.wave)
    x = np.array([0.2, -1.1, 0.4])
    np.testing.assert_allclose(g(x), utils.SCALE * np.cos(x) * L.BIAS, rtol=1e-12)
    assert "utils.SCALE" in g.source and "layers_1.BIAS" in g.source
    assert "utils" not in vars(model) and model.layers == "a global named like a helper's module"
    np.testing.assert_allclose(srcdiff.grad(model.wave, mode="forward")(x), g(x), rtol=1e-12)


PKG_UTILS = '''\
import numpy as numpy_

SCALE = 2.0


def softplus(z):
    return numpy_.logaddexp(0.0, z)


def scaled(x):
    return SCALE * numpy_.sin(x)
'''

PKG_MODEL = '''\
import numpy as np

from mypkg.utils import scaled, softplus


def loss(x, y):
    return np.sum(softplus(x * y) + scaled(x))
'''


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_srcdiff_grad_imports_the_helpers_module(tmp_path, mode):
    """`srcdiff grad` of a function using helpers of the user's package: the
    standalone module imports that package's module by name for what it reads."""
    from test_cli import call_standalone, run

    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "utils.py").write_text(PKG_UTILS)
    (tmp_path / "model.py").write_text(PKG_MODEL)
    p = run("grad", "model.py:loss", "--wrt", "x,y", "--mode", mode, "-o", "loss_grad.py",
            cwd=tmp_path)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    text = (tmp_path / "loss_grad.py").read_text()
    assert "import mypkg.utils as utils\n" in text and "utils.SCALE" in text
    assert "numpy_" not in code(text)
    x, y = 0.3, -0.8
    got = call_standalone(tmp_path, "loss_grad", "loss_grad", [x, y])
    sig = 1 / (1 + math.exp(-x * y))
    assert got == pytest.approx([y * sig + 2.0 * math.cos(x), x * sig], rel=1e-12)


OFFSET = 0.25


def _shifted(x):
    return x + OFFSET


def f_shadowed(x):
    OFFSET = 2.0 * x  # hides the module's OFFSET from this function only
    return _shifted(x) * OFFSET


def f_closure_named_like_a_param(w):
    return L.weigh(w) * np.sum(w)  # weigh's closure `w` is not this `w`


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_names_the_root_shadows(mode):
    """A helper's global that the root hides with a local, and a helper's closure
    variable named like a root parameter, keep their own values."""
    g = srcdiff.grad(f_shadowed, mode=mode)
    assert g(0.7) == pytest.approx(4 * 0.7 + 0.5, rel=1e-12)
    w = np.array([0.5, -1.0, 2.0])
    c = np.array([1.0, -2.0, 0.5])
    want = 3 * c * np.sum(w) + 3 * np.sum(c * w)
    got = srcdiff.grad(f_closure_named_like_a_param, mode=mode)(w)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_every_entry_point():
    """value_and_grad, jacobian (both modes), hessian and check through helpers of
    two other modules (model.wave: sum(SCALE * sin(x) * BIAS)), by hand formulas."""
    x = np.array([0.3, -0.6, 1.2])
    scale_bias = utils.SCALE * L.BIAS
    value, g = srcdiff.value_and_grad(model.wave)(x)
    assert value == pytest.approx(model.wave(x), rel=1e-12)
    np.testing.assert_allclose(g, scale_bias * np.cos(x), rtol=1e-12)
    for mode in ("reverse", "forward"):
        jac = srcdiff.jacobian(lambda v: L.mixed(v) * v, mode=mode)(x)
        want = np.diag(scale_bias * (np.cos(x) * x + np.sin(x)))
        np.testing.assert_allclose(jac, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(srcdiff.hessian(model.wave)(x),
                               np.diag(-scale_bias * np.sin(x)), rtol=1e-12, atol=1e-15)
    assert srcdiff.check(model.wave, x).ok and srcdiff.check(f_math_alias, 0.4).ok


def test_source_is_deterministic():
    a = srcdiff.grad(model.wave).source
    srcdiff.transform._LOWERED.clear()
    assert srcdiff.grad(model.wave).source == a


def test_helper_of_a_module_not_in_sys_modules(tmp_path):
    """A module srcdiff cannot name (loaded without registering it): its constant
    is injected as a value, and rebinding it transforms again."""
    import importlib.util

    path = tmp_path / "loose_helpers.py"
    path.write_text("K = 3.0\n\n\ndef h(x):\n    return K * x * x\n")
    spec = importlib.util.spec_from_file_location("loose_helpers", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for mode in ("reverse", "forward"):
        mod.K = 3.0
        g = srcdiff.grad(lambda x: mod.h(x) + x, mode=mode)
        assert g(2.0) == pytest.approx(13.0, rel=1e-12)
        mod.K = 5.0
        assert g(2.0) == pytest.approx(21.0, rel=1e-12)
