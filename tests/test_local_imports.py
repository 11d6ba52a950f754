"""Import statements inside the function differentiated and inside the helpers it
inlines: `import numpy as np`, `from math import sin, pi`, `import a.b as c`,
`import a.b`, `from scipy.special import gammaln`, relative imports in the user's
package. The names resolve as module globals would, and the derivative reads them
without the statement (through the root's own names, or injected modules). Checked
in both modes against hand formulas and central differences; `.source` reads like
hand code; `srcdiff grad` writes a module that runs without srcdiff; the imports
srcdiff cannot treat as globals are located errors."""
import math

import numpy as np
import pytest
from scipy import special as sp

import srcdiff
from foreign_pkg import local_imports as li
from foreign_pkg import utils
from source_text import code
from test_foreign_helpers import central


def f_numpy(x):
    import numpy as np
    from math import pi
    return np.sum(np.sin(x)) * pi


def f_from_math(x):
    from math import sin, pi
    return sin(x) * pi


def f_scipy(x):
    import numpy as np
    from scipy.special import gammaln
    return np.sum(gammaln(x) * x)


def f_dotted_as(x):
    import numpy.linalg as la
    return la.norm(x)


def f_dotted(x):
    import numpy.linalg
    return numpy.linalg.norm(x) ** 2


def f_aliased_module(x):
    import math as m
    return m.exp(x) * m.cos(x)


def f_closure_reads_import(x):
    import numpy as np
    sq = lambda t: np.sin(t) ** 2  # noqa: E731

    def inner(t):
        from math import pi
        return sq(t) * pi
    return np.sum(inner(x))


def f_user_function(x):
    from foreign_pkg.utils import sigmoid
    return np.sum(np.array([sigmoid(x), sigmoid(2.0 * x)]))


def f_calls_helper_importing_numpy(x):
    return li.cosh_sum(x) * 2.0


MODEL = li.Model(1.5)
X3 = np.array([0.4, -1.1, 1.7])
POS = np.array([0.6, 1.5, 3.2])  # gammaln's domain
HAND = {  # f, point, d f / d x by hand
    "numpy": (f_numpy, X3, lambda x: np.cos(x) * math.pi),
    "from_math": (f_from_math, 0.7, lambda x: math.cos(x) * math.pi),
    "scipy": (f_scipy, POS, lambda x: sp.gammaln(x) + x * sp.digamma(x)),
    "dotted_as": (f_dotted_as, X3, lambda x: x / np.linalg.norm(x)),
    "dotted": (f_dotted, X3, lambda x: 2 * x),
    "aliased_module": (f_aliased_module, 0.3,
                       lambda x: math.exp(x) * (math.cos(x) - math.sin(x))),
    "closure": (f_closure_reads_import, X3, lambda x: 2 * math.pi * np.sin(x) * np.cos(x)),
    "user_function": (f_user_function, 0.8, lambda x: (
        utils.sigmoid(x) * (1 - utils.sigmoid(x))
        + 2 * utils.sigmoid(2 * x) * (1 - utils.sigmoid(2 * x)))),
    "package_relative": (li.softplus_sum, X3, lambda x: utils.SCALE * utils.sigmoid(x)),
    "package_module": (li.via_module, X3, lambda x: utils.sigmoid(x) * (
        1 + x * (1 - utils.sigmoid(x)))),
    "package_dotted": (li.dotted, 0.9, lambda x: -x * utils.gauss(x) * utils.SCALE),
    "helper_numpy": (f_calls_helper_importing_numpy, X3, lambda x: 2.0 * np.sinh(x)),
    "method": (MODEL.loss, X3, lambda x: 1.5 * utils.sigmoid(x)),
    "helper_imports": (li.calls_helper, 0.5, lambda x: math.sin(x) * math.cos(x) + x * (
        math.cos(x) ** 2 - math.sin(x) ** 2)),
}


@pytest.mark.parametrize("case", sorted(HAND))
def test_grad_against_the_hand_formula(case, mode):
    f, x, want = HAND[case]
    np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(x), want(x), rtol=1e-12)


@pytest.mark.parametrize("case", sorted(HAND))
def test_every_entry_point_against_central_differences(case):
    f, x, _ = HAND[case]
    fd = central(f, (x,), 0)
    t = np.linspace(0.5, 1.5, np.size(x)).reshape(np.shape(x))
    out, t_out = srcdiff.jvp(f, (x,), (t if np.ndim(x) else 1.0,))
    assert out == pytest.approx(f(x), rel=1e-12)
    assert t_out == pytest.approx(np.sum(fd * t) if np.ndim(x) else fd, rel=1e-6)
    _, pullback = srcdiff.vjp(f, x)
    np.testing.assert_allclose(pullback(2.0)[0], 2.0 * fd, rtol=1e-6, atol=1e-8)
    value, g = srcdiff.value_and_grad(f)(x)
    assert value == pytest.approx(f(x), rel=1e-12)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    assert srcdiff.check(f, x).ok


@pytest.mark.parametrize("f, x, want", [
    (f_from_math, 0.7, lambda x: -math.sin(x) * math.pi),
    (li.sine, 0.4, lambda x: 2 * math.cos(x) - x * math.sin(x)),  # no math in its module
    (f_numpy, X3, lambda x: np.diag(-np.sin(x) * math.pi)),
])
def test_second_derivatives(f, x, want):
    """grad(grad(f)) and hessian: the generated gradient (which may itself import
    a module inside it) is differentiated again."""
    if np.ndim(x) == 0:
        assert srcdiff.grad(srcdiff.grad(f))(x) == pytest.approx(want(x), rel=1e-12)
    np.testing.assert_allclose(srcdiff.hessian(f)(x), want(x), rtol=1e-12, atol=1e-15)


def f_loop(x, n):
    import math
    from math import sin
    for _ in range(n):
        x = 0.9 * x + 0.1 * sin(x) * math.pi
    return x


@pytest.mark.parametrize("options", [{"mode": "reverse"}, {"mode": "forward"},
                                     {"checkpoint": 3}])
def test_a_loop_reading_imported_names(options):
    g = srcdiff.grad(f_loop, **options)(0.4, 10)
    assert g == pytest.approx(central(f_loop, (0.4, 10), 0), rel=1e-6)


def test_source_uses_the_modules_own_names():
    """This module has `np` and `math`: the derivative writes them, injects nothing."""
    g = srcdiff.grad(f_numpy)
    g(X3)
    text = code(g.source)
    assert "np.cos(x)" in text and "math.pi" in text, g.source
    assert "np_1" not in text and "math_1" not in text
    g = srcdiff.grad(f_from_math)
    g(0.7)
    assert "math.pi * math.cos(x)" in code(g.source), g.source
    g = srcdiff.grad(f_calls_helper_importing_numpy)  # a helper's own `import numpy as np`
    g(X3)
    assert "np.sinh(x)" in code(g.source) and "np_1" not in code(g.source), g.source
    g = srcdiff.grad(f_dotted)  # `import numpy.linalg` binds numpy: this module's `np`
    assert "norm_x = np.linalg.norm(x)" in code(g.source), g.source
    g = srcdiff.grad(f_dotted_as)  # `la` is no name here: the module arrives as `la`
    assert "la.norm(x)" in code(g.source) and "np.linalg" not in code(g.source), g.source
    g = srcdiff.grad(f_scipy)  # `scipy.special` is `sp` here
    assert "sp.gammaln(x)" in code(g.source), g.source


def test_source_of_a_module_without_imports_at_its_top():
    """foreign_pkg.local_imports imports nothing at its top: the modules the
    derivative reads arrive injected under the names the function imported them as."""
    g = srcdiff.grad(li.softplus_sum)
    g(X3)
    text = code(g.source)
    assert "np.exp(x-np.logaddexp(0.0,x))" in "".join(text.split()), g.source
    assert "utils.SCALE" in text
    assert "numpy_" not in text
    assert "np" not in vars(li) and "utils" not in vars(li)


def test_from_imported_constant_is_read_live():
    """`from .utils import SCALE` runs at each call of f: rebinding utils.SCALE
    changes the next call of the derivative too (both modes)."""
    g_rev, g_fwd = srcdiff.grad(li.softplus_sum), srcdiff.grad(li.softplus_sum, mode="forward")
    old = utils.SCALE
    try:
        for scale in (old, 3.5):
            utils.SCALE = scale
            want = scale * utils.sigmoid(X3)
            np.testing.assert_allclose(g_rev(X3), want, rtol=1e-12)
            np.testing.assert_allclose(g_fwd(X3), want, rtol=1e-12)
    finally:
        utils.SCALE = old


def test_from_imported_function_rebound_retransforms():
    g = srcdiff.grad(f_user_function)
    x = 0.8
    assert g(x) == pytest.approx(HAND["user_function"][2](x), rel=1e-12)
    old = utils.sigmoid
    try:
        utils.sigmoid = lambda z: z * z * z
        assert g(x) == pytest.approx(3 * x * x + 24 * x * x, rel=1e-12)
    finally:
        utils.sigmoid = old


# ----- errors -----
def f_missing_module(x):
    import no_such_module_for_srcdiff  # noqa: F401
    return x


def f_missing_name(x):
    from math import no_such_name  # noqa: F401
    return x


def f_import_in_if(x):
    if x > 0:
        import math
        return math.sin(x)
    return x


def f_rebound(x):
    import numpy as np
    np = 2.0  # noqa: F811
    return x * np


def f_read_before(x):
    y = math.sin(x)  # noqa: F823
    import math  # noqa: F811
    return y * math.cos(x)


def f_two_objects(x):
    import math as m
    import numpy as m  # noqa: F811
    return m.sin(x)


def f_param(x, np):
    import numpy as np  # noqa: F811
    return np.sin(x)


def f_helper_fails(x):
    return li_broken(x) * x


def li_broken(z):
    from math import no_such_name  # noqa: F401
    return z


def _line(f, text):
    import inspect
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, ln in enumerate(lines) if text in ln)


@pytest.mark.parametrize("f, text", [(f_missing_module, "import no_such_module"),
                                     (f_missing_name, "from math import no_such_name"),
                                     (f_helper_fails, None)])
def test_a_failing_import_is_the_users_import_error_located(f, text, mode):
    with pytest.raises(ImportError) as e:
        srcdiff.grad(f, mode=mode)(1.0)
    assert isinstance(e.value, srcdiff.SrcDiffError)
    where = (f, text) if text else (li_broken, "from math import no_such_name")
    assert e.value.lineno == _line(*where) and e.value.filename == __file__
    assert "from math import no_such_name" in str(e.value) or "no_such_module" in str(e.value)


@pytest.mark.parametrize("f, text, words", [
    (f_import_in_if, "import math", "an import inside an if or a loop"),
    (f_rebound, "np = 2.0", "'np', which an import binds, bound again"),
    (f_read_before, "y = math.sin(x)", "reading 'math' before the import"),
    (f_two_objects, "import numpy as m", "two imports binding 'm' to different objects"),
    (f_param, "import numpy as np", "the parameter 'np' rebound by an import"),
])
def test_imports_srcdiff_cannot_read_as_globals_are_located(f, text, words, mode):
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as e:
        srcdiff.grad(f, mode=mode)(0.5)
    assert words in str(e.value)
    assert e.value.lineno == _line(f, text), str(e.value)


# ----- srcdiff grad -----
PKG_UTILS = '''\
import numpy as numpy_

SCALE = 2.0


def softplus(z):
    return numpy_.logaddexp(0.0, z)
'''

PKG_MODEL = '''\
from .utils import softplus as top_softplus


def loss(x, y):
    import numpy as np
    from math import pi
    from scipy.special import gammaln
    from .utils import SCALE, softplus
    import mypkg.utils
    return (np.sum(softplus(x * y)) * SCALE + pi * gammaln(y) + mypkg.utils.SCALE * x
            + top_softplus(x))
'''


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_srcdiff_grad_writes_the_imports_it_needs(tmp_path, mode):
    """A function of the user's package with its imports inside it: the module
    `srcdiff grad` writes imports each module it reads (a relative import by its
    package's name) and runs in a fresh interpreter without srcdiff. (The file is
    imported as `mypkg.model`, so its own relative import at its top works too.)"""
    from test_cli import call_standalone, run

    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "utils.py").write_text(PKG_UTILS)
    (tmp_path / "mypkg" / "model.py").write_text(PKG_MODEL)
    p = run("grad", "mypkg/model.py:loss", "--wrt", "x,y", "--mode", mode, "-o",
            "loss_grad.py", cwd=tmp_path)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    text = (tmp_path / "loss_grad.py").read_text()
    assert "import mypkg.utils\n" in text and "import numpy as np\n" in text, text
    assert "math" in text and "mypkg.utils.SCALE" in code(text)
    x, y = 0.3, 1.8
    got = call_standalone(tmp_path, "loss_grad", "loss_grad", [x, y])
    sig = 1 / (1 + math.exp(-x * y))
    want = [2.0 * y * sig + 2.0 + 1 / (1 + math.exp(-x)),
            2.0 * x * sig + math.pi * float(sp.digamma(y))]
    assert got == pytest.approx(want, rel=1e-12)
