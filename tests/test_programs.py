"""The invariant on the corpus of realistic programs (tests/programs/): every
program, in both modes, is differentiated correctly (agrees with central
differences of the primal) or refused with a `SrcDiffError` — never a wrong
number, never another exception.

Programs that break the invariant today are listed in `KNOWN` (a key is a
program's name for both modes, or `name[mode]` for one) and are strict xfails:
the day one is fixed, its test fails until its entry is removed. Refusals pass
here; `python -m tests.programs.run` lists them.
"""
import pytest

from programs import ALL
from programs.run import MODES, judge

KNOWN: dict[str, str] = {}  # program[mode] -> why it is expected to fail


def _cases():
    for name in ALL:
        for mode in MODES:
            reason = KNOWN.get(f"{name}[{mode}]") or KNOWN.get(name)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, mode, marks=marks, id=f"{name}[{mode}]")


def test_known_entries_name_programs():
    for key in KNOWN:
        name, _, mode = key.partition("[")
        assert name in ALL, f"KNOWN names {name!r}, which is not in the corpus"
        assert mode in ("", "reverse]", "forward]"), key


@pytest.mark.parametrize("name, mode", list(_cases()))
def test_correct_or_refused(name, mode):
    outcome = judge(name, ALL[name], mode)
    assert outcome.kind in ("ok", "refused"), outcome.line()


# ---------------------------------------------------------------- the harness's own reference

def test_reference_matches_hand_gradients_for_every_container():
    import dataclasses
    from collections import namedtuple

    import numpy as np

    from programs.registry import Program
    from programs.run import flat, reference, rel_error

    @dataclasses.dataclass
    class P:
        a: float
        v: np.ndarray

    NT = namedtuple("NT", "s t")

    def f(d, lst, p, nt, x):
        return (d["k"] * x ** 2 + np.sum(lst[0] * lst[1][1]) + p.a * np.sum(p.v ** 3)
                + nt.s * nt.t)

    d = {"k": 1.5}
    lst = [np.array([1.0, 2.0]), (0.0, np.array([3.0, -1.0]))]
    p, nt, x = P(2.0, np.array([0.5, -1.5])), NT(0.3, 4.0), 1.2
    args = (d, lst, p, nt, x)
    want = [np.array([x ** 2]), np.array([3.0, -1.0, 0.0, 1.0, 2.0]),
            np.concatenate([[np.sum(p.v ** 3)], 3 * p.a * p.v ** 2]), np.array([4.0, 0.3]),
            np.array([2 * d["k"] * x])]
    got = reference(Program(f, None), args, [0, 1, 2, 3, 4])
    assert rel_error(got, want, f(*args)) < 1e-9
    assert flat(lst).tolist() == [1.0, 2.0, 0.0, 3.0, -1.0]


def test_wrong_structure_and_wrong_values_are_caught():
    import numpy as np

    from programs.run import rel_error, structure_error

    assert structure_error({"a": 1.0}, {"a": 0.0}, "w") is None
    assert structure_error({"a": 1.0}, {"b": 0.0}, "w")
    assert structure_error(np.zeros(3), np.zeros((3, 1)), "w")
    assert structure_error(np.zeros(3), 0.0, "w")
    assert structure_error([np.zeros(2), 1.0], (np.zeros(2), 0.0), "w") is None
    want = [np.array([1.0, 1e-3, -2.0])]
    assert rel_error([np.array([1.0, 1e-3, -2.0])], want, 1.0) == 0.0
    assert rel_error([np.array([1.0, 2e-3, -2.0])], want, 1.0) > 1e-1  # a small entry wrong
    assert rel_error([np.array([1.0, np.nan, -2.0])], want, 1.0) == float("inf")
