"""Differential fuzzing, fast profile: random programs (tests/fuzz/programs.py)
differentiated in reverse and forward mode and compared with finite differences,
with each other and (straight-line scalar code) with SymPy via `srcdiff.check`.

Deterministic (derandomized, no example database). The long profile is
`python -m tests.fuzz.long --count 10000`; failures it finds are minimised into
tests/test_fuzz_regressions.py.
"""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fuzz.programs import Loader, judge, programs

# No shrink phase: shrinking a failure re-runs srcdiff hundreds of times, too slow for
# the normal suite; `tests.fuzz.programs.shrink` minimises what the long profile keeps.
FAST = dict(derandomize=True, deadline=None, database=None,
            phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def loader(tmp_path_factory):
    return Loader(tmp_path_factory.mktemp("fuzz"))


def _check(prog, loader):
    out = judge(prog, loader)
    assert out.status != "failure", f"{out.reason}\n{prog!r}\n{out.detail}"


@settings(max_examples=150, **FAST)
@given(prog=programs())
def test_scalar_programs(prog, loader):
    _check(prog, loader)


@settings(max_examples=40, **FAST)
@given(prog=programs(numpy=True))
def test_numpy_programs(prog, loader):
    _check(prog, loader)


@settings(max_examples=100, **FAST)
@given(prog=programs(numpy=True))
def test_generated_programs_are_valid(prog):
    """The generator's own contract: the program compiles and its primal runs to a
    scalar, or fails an assert or leaves a math function's domain (no srcdiff involved)."""
    compile(prog.source, "<program>", "exec")
    ns: dict = {}
    exec(compile(prog.source, "<program>", "exec"), ns)
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in prog.point]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)  # a complex input
        try:
            y = ns["f"](*args)
        except AssertionError:
            assert "assert" in prog.features
            return
        except ValueError as e:
            assert ("domain" in prog.features and "math domain error" in str(e)) or (
                "raise" in prog.features and str(e) == "out of range")
            return
        except TypeError as e:  # `math` refuses complex numbers; the oracle rejects these
            assert "complex_input" in prog.features, e
            return
    assert np.ndim(y) == 0


ISSUE_15_CLASSES = {"index_trick", "object", "transpose", "fancy", "float32", "complex_input",
                    "pair_helper", "iter_for", "edge", "globals", "assert", "raise", "domain"}


def test_the_grammar_draws_every_class_real_code_found():
    """Each class of wrong derivative or crash found in real code (issue 15) is in the
    generator's grammar, so the long profile keeps testing it."""
    seen: set = set()

    @settings(max_examples=400, **FAST)
    @given(prog=st.booleans().flatmap(lambda numpy: programs(numpy=numpy)))
    def draw(prog):
        seen.update(prog.features)

    draw()
    assert ISSUE_15_CLASSES <= seen, ISSUE_15_CLASSES - seen
