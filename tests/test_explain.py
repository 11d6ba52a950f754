"""Issue 21.4: srcdiff.explain and `srcdiff explain`: the primal with line numbers, the
derivative with provenance, the check report, and why an input's gradient is zero."""
import math
import os

import numpy as np
import pytest

import srcdiff
from srcdiff.check import CheckReport
from srcdiff.cli import main, parser

SAMPLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "samples")


def f(x, y, n, flag, unused):
    z = x * y + y ** 2
    if flag > 0:
        z = z * 2
    for i in range(n):  # noqa: B007
        z = z + math.sin(z)
    return math.sin(z) / (1 + x * x)


def test_explain_reports_the_four_parts():
    e = srcdiff.explain(f, 1.5, 2.0, 3, 1.0, None)
    text = str(e)
    first = f.__code__.co_firstlineno
    assert e.wrt == ("x", "y", "flag")  # the float arguments, by default
    assert f"  {first + 1} |     z = x * y + y ** 2" in e.primal
    assert e.derivative.startswith("def f_grad(")
    assert f"# adjoint of line {first + 1}: z = x * y + y ** 2" in e.derivative
    assert isinstance(e.report, CheckReport) and e.report.ok
    assert e.inactive["x"] == "differentiated"
    assert "trip count" in e.inactive["n"] and f"line {first + 4}" in e.inactive["n"]
    assert "not in wrt" in e.inactive["n"]
    assert "gradient is zero" in e.inactive["flag"] and "if flag > 0" in e.inactive["flag"]
    assert "does not read it" in e.inactive["unused"]
    for part in ("the function:", "its derivative", "check f at", "OK", "inputs:"):
        assert part in text


def test_the_reasons_are_right_where_the_derivative_is_zero():
    def g(x, k, w):
        idx = int(w)
        return np.sum(x[k > 0.5] ** 2) + x[idx] * srcdiff.stop_gradient(w)

    e = srcdiff.explain(g, np.array([1.0, 2.0]), np.array([0.2, 0.9]), 1.0, wrt=(0, 1, 2))
    assert e.inactive["x"] == "differentiated"
    assert "an index" in e.inactive["k"]
    assert "zero" in e.inactive["w"] and "stop_gradient" in e.inactive["w"]
    want = np.array([0.0, 4.0]) + np.array([0.0, 1.0])
    assert e.report.ok
    np.testing.assert_allclose(e.report.entries[0].generated, want, rtol=1e-14)


def test_cli_explain(capsys):
    path = os.path.join(SAMPLES_DIR, "notes_scalar.py") + ":f"
    assert main(["explain", path, "--at", "x=0.7,y=1.3"]) == 0
    out = capsys.readouterr().out
    assert "method: sympy" in out and "# adjoint of line 8: return math.sin(z)" in out
    assert "  7 |     z = x * y + y ** 2" in out


def test_every_command_has_help(capsys):
    for cmd in ([], ["grad"], ["check"], ["graph"], ["explain"]):
        with pytest.raises(SystemExit) as done:
            parser().parse_args(cmd + ["--help"])
        assert done.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: srcdiff " + " ".join(cmd))
        if not cmd:
            assert all(c in out for c in ("grad", "check", "graph", "explain"))
            continue
        sub = parser()._subparsers._group_actions[0].choices[cmd[0]]
        for action in sub._actions:
            assert action.help, f"srcdiff {cmd[0]} {action.option_strings} has no help"


def test_an_explanation_shows_an_error_instead_of_raising():
    def v(x):
        return x * 2.0

    e = srcdiff.explain(v, np.array([1.0, 2.0]))
    assert "NonScalarOutputError" in e.report and "vjp" in e.report
    assert "check: not run (NonScalarOutputError" in str(e)
    assert e.derivative.startswith("def v_grad(x):")  # the generic code


@pytest.mark.parametrize("mode", ["html"])
def test_explanation_in_a_notebook(mode):
    e = srcdiff.explain(f, 1.5, 2.0, 3, 1.0, None)
    assert e._repr_html_().startswith("<pre>") and "inputs:" in e._repr_html_()
