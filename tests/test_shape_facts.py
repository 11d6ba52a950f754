"""Every rule's shape fact against NumPy: evaluated on sample arrays of one argument,
a rule whose result has its argument's shape says so (same_shape, elementwise or a
shape function), and no rule's declared abstract shape differs from the result's.

np.tril and np.triu of a vector give a matrix: they must not declare same_shape (their
shape function says (n, n)); this test is what keeps such a fact honest."""
import warnings

import numpy as np
import pytest

import srcdiff  # noqa: F401  (fills the rule table)
from srcdiff import ir, shapes
from srcdiff.rules.table import RULES, bind_args

SAMPLES = [np.linspace(0.1, 0.9, 5), np.linspace(0.1, 0.9, 12).reshape(3, 4),
           np.linspace(0.1, 0.9, 4).reshape(1, 4), np.linspace(0.1, 0.9, 24).reshape(2, 3, 4)]

# results of an argument's shape whose rule has no shape fact, and why
NOT_A_FACT = {
    "np.stack": "of an array its rows stacked back; of a list (its use) a new axis",
    "np.block": "of an array a copy; of nested lists (its use) the blocks joined",
}


def _call(key, x):
    if isinstance(key, tuple) and key[0] == "method":
        return getattr(x, key[1])()
    if isinstance(key, tuple) and key[0] == "attr":
        return getattr(x, key[1])
    module = getattr(key, "__module__", None) or type(key).__module__
    if callable(key) and module.split(".")[0] == "numpy":
        return key(x)
    raise TypeError("not a NumPy callable")


def _declared(rule, x):
    v = ir.Var(0, "x")
    try:
        bound = bind_args(rule, [v], {})
    except TypeError:
        return "unbound"
    known = {0: shapes.of_value(x)}

    def shape_of(a, described=False):
        return None if described or not isinstance(a, ir.Var) else known.get(a.id)
    try:
        return shapes.of_call(rule, bound, shape_of)
    except (KeyError, TypeError):
        return None


def _cases():
    out = []
    for key, rule in list(RULES.items()):
        if rule.zero or not (rule.vjp or rule.jvp) or all(
                getattr(t, "refuses", None) for t in (*rule.vjp.values(), *rule.jvp.values())):
            continue  # (a rule refusing every derivative, np.fft.fft's: no shape needed)
        results = []
        for x in SAMPLES:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    y = _call(key, x)
                except Exception:
                    continue
            if isinstance(y, (np.ndarray, np.floating, float)):
                results.append((x, y))
        if results:
            out.append(pytest.param(rule, results, id=rule.name))
    return out


CASES = _cases()


def test_the_table_is_sampled():
    names = {c.values[0].name for c in CASES}
    assert {"np.sin", "np.tril", "np.fftshift", ".T", "np.sum"} <= names, names


def _problem(rule, results):
    """What is wrong with `rule`'s shape fact on these (argument, result) pairs, or None."""
    keeps = True
    for x, y in results:
        got = shapes.of_value(np.asarray(y))
        declared = _declared(rule, x)
        if declared == "unbound":
            return None
        if declared is not None and declared != got:
            return f"{rule.name} of shape {x.shape} declares {declared}, NumPy gives {np.shape(y)}"
        keeps = keeps and np.shape(y) == x.shape and declared is None
    if keeps and rule.name not in NOT_A_FACT:
        return (f"{rule.name} keeps its argument's shape on every sample but has no shape "
                "fact (same_shape= or shape= in its rule)")
    return None


@pytest.mark.parametrize("rule, results", CASES)
def test_shape_fact_matches_numpy(rule, results):
    assert _problem(rule, results) is None


def test_a_wrong_or_missing_fact_is_caught(monkeypatch):
    """np.tril of a vector is a matrix: a same_shape fact would be wrong; np.sin
    without its elementwise kind would lack one."""
    (tril, results), = [c.values for c in CASES if c.values[0].name == "np.tril"]
    monkeypatch.setattr(tril, "shape", None)
    monkeypatch.setattr(tril, "same_shape", "m")
    assert "declares" in _problem(tril, results)
    (sin, results), = [c.values for c in CASES if c.values[0].name == "np.sin"]
    monkeypatch.setattr(sin, "out_kind", "unknown")
    assert "no shape fact" in _problem(sin, results)


def carried_outer(w, n):
    for _ in range(n):
        w = np.fft.fftshift(w) + np.tril(np.outer(w, w)).sum(axis=0)
    return np.sum(w)


def carried_rowsum(w, n):
    for _ in range(n):
        w = np.sum(np.outer(w, w), axis=1) + w.T
    return np.sum(w)


@pytest.mark.parametrize("f", [carried_outer, carried_rowsum])
def test_a_carried_vector_through_outer_and_axis_sums_tapes_only_itself(f):
    """The shape of np.outer(w, w) comes from w (its rule's shape_expr), so nothing is
    taped for its shape and no runtime helper is written; the gradient is checked
    against central differences."""
    w = np.array([0.1, -0.2, 0.3, 0.15])
    d = srcdiff.grad(f)
    got = d(w, 3)
    eps = 1e-6
    want = np.array([(f(w + eps * e, 3) - f(w - eps * e, 3)) / (2 * eps) for e in np.eye(4)])
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)
    src = d.source
    for helper in ("_shape_stub", "_unbroadcast", "_like", "def "):
        assert helper not in src.split("\n", 1)[1], src
    assert src.count(".append(") == 1, src  # the tape holds w alone
    assert "(np.size(w), np.size(w))" in " ".join(src.split())


KINDS = {"scalar": 0.7, "vector": np.linspace(0.1, 0.9, 3),
         "matrix": np.linspace(0.1, 0.9, 12).reshape(3, 4)}
WITH_SHAPE_EXPR = sorted(((k, r) for k, r in RULES.items() if r.shape_expr is not None
                          and callable(k)), key=lambda kr: kr[1].name)


def _operand_pairs(rule):
    """Sample operands for each combination of kinds the rule's parameters can take
    (sized so that products of them fit)."""
    import itertools
    names = [p for p in rule.params if not p.startswith("*")][:2]
    for kinds in itertools.product(KINDS, repeat=len(names)):
        values = [KINDS[k] for k in kinds]
        if len(values) == 2 and np.ndim(values[0]) and np.ndim(values[1]):
            a = values[0] if np.ndim(values[0]) == 1 else values[0].T  # (4, 3) or (3,)
            values = [a, values[1]]
        yield dict(zip(names, kinds)), dict(zip(names, values))


def test_rules_with_shape_expressions_are_sampled():
    names = {r.name for _, r in WITH_SHAPE_EXPR}
    assert {"np.dot", "np.matmul", "np.outer", "np.tril"} <= names, names


@pytest.mark.parametrize("fn, rule", WITH_SHAPE_EXPR, ids=[r.name for _, r in WITH_SHAPE_EXPR])
def test_shape_expression_matches_numpy(fn, rule):
    """Where a rule writes a value's shape from its operands' (so the derivative need
    not compute the value for it), that shape is the value's, for every kind of
    operand the expression claims to know."""
    checked = 0
    for kinds, values in _operand_pairs(rule):
        bound = bind_args(rule, [ir.Var(i, p) for i, p in enumerate(kinds)], {})
        bound.kind_of = lambda v, kinds=kinds: kinds.get(getattr(v, "hint", None))
        text = rule.shape_expr(bound)
        if text is None:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = np.shape(fn(*values.values()))
        except (ValueError, TypeError):
            continue  # operands NumPy refuses: no value to have a shape
        got = eval(text, {"np": np}, values)
        assert tuple(got) == want, (rule.name, kinds, text)
        checked += 1
    assert checked, f"{rule.name}: no kind of operand has a shape expression"
