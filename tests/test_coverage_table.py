"""COVERAGE.md is the table srcdiff/rules/coverage.py writes from the rule table: a rule
added, removed or changed without regenerating it fails here."""
import importlib.util
import os

from srcdiff.rules import coverage

PATH = os.path.join(os.path.dirname(__file__), os.pardir, "COVERAGE.md")
SCIPY = importlib.util.find_spec("scipy") is not None


def _without_scipy(text):
    """The table but SciPy's section and the counts (what a run without SciPy can check)."""
    return [ln for ln in text.partition(f"## {coverage.SCIPY}")[0].splitlines()
            if not ln[:1].isdigit()]


def test_coverage_table_is_current():
    with open(PATH) as f:
        stored = f.read()
    made = coverage.markdown()
    if not SCIPY:
        stored, made = _without_scipy(stored), _without_scipy(made)
    assert made == stored, "COVERAGE.md is stale: python -m srcdiff.rules.coverage > COVERAGE.md"


def test_the_issue_functions_are_listed():
    text = coverage.markdown()
    names = ["math.gamma", "math.hypot", "np.linalg.solve", "np.einsum", "np.bincount",
             "np.polyder", "np.trapezoid", "np.fft.rfft"]
    for name in names + ["scipy.special.logsumexp", "scipy.linalg.expm"] * SCIPY:
        assert f"`{name}`" in text, name
