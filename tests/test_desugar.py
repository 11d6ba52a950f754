"""desugar.py on its own: each rewrite keeps what the code computes (checked by
running the original and the rewritten code side by side) and leaves the
constructs the lowering does not know."""
import ast
import math

import pytest

from srcdiff import desugar


def _run(stmts, args, name="f", params="x, n"):
    mod = ast.Module([ast.FunctionDef(name, ast.parse(f"def _({params}): pass").body[0].args,
                                      stmts, [], None)], [])
    ns: dict = {}
    exec(compile(ast.fix_missing_locations(mod), "<desugared>", "exec"), ns)
    return ns[name](*args)


LOOP_RETURNS = '''
def f(x, n):
    """Doc."""
    for i in range(n):
        if x > 10:
            return x - i
        for j in range(3):
            if j * x > 20:
                return j
        x = x * 2
    else:
        x = x + 0.5
    return x
'''


def _loops_have_no_return(stmts):
    for s in ast.walk(ast.Module(stmts, [])):
        if isinstance(s, (ast.For, ast.While)):
            assert not any(isinstance(n, ast.Return) for n in ast.walk(s)), ast.unparse(s)


@pytest.mark.parametrize("x, n", [(1.0, 0), (1.0, 2), (1.0, 6), (3.0, 5), (30.0, 3)])
def test_returns_out_of_loops_computes_the_same(x, n):
    node = ast.parse(LOOP_RETURNS).body[0]
    ns: dict = {}
    exec(LOOP_RETURNS, ns)
    body = desugar.body(node)
    _loops_have_no_return(body)
    assert _run(body, (x, n)) == ns["f"](x, n)


def test_body_drops_the_docstring_and_keeps_loop_free_code_as_is():
    node = ast.parse('def f(x, n):\n    "doc"\n    y = x * n\n    return y\n').body[0]
    body = desugar.body(node)
    assert len(body) == 2 and body[0] is node.body[1]
    stmts = node.body[1:]
    assert desugar.with_loop_returns(stmts) is stmts


def test_while_true_is_left_only_by_its_returns():
    src = ("def f(x, n):\n    while True:\n        x = x * 2\n        if x > n:\n"
           "            return x\n")
    body = desugar.body(ast.parse(src).body[0])
    assert isinstance(body[-1], ast.Return)  # no flag test after a loop left only by return
    assert _run(body, (1.5, 40)) == 48.0


def test_contains_does_not_look_into_nested_loops():
    outer = ast.parse("for i in r:\n    for j in r:\n        break\n").body
    assert not desugar.contains(outer[0].body, ast.Break)
    assert desugar.contains(outer[0].body[0].body, ast.Break)


@pytest.mark.parametrize("text, want", [
    ("sum(i * i for i in range(5))", True), ("sum([i for i in range(5)], 10)", True),
    ("math.fsum(i / 3 for i in range(4))", True), ("sum(xs)", False),
    ("sum((i for i in range(3)), start=1)", False), ("math.fsum((i for i in r), 1)", False),
    ("max(i for i in range(3))", False),
])
def test_summed_recognises_sums_of_comprehensions(text, want):
    call = ast.parse(text, mode="eval").body
    fn = {"sum": sum, "math.fsum": math.fsum, "max": max}[ast.unparse(call.func)]
    assert desugar.summed(fn, call) is want


@pytest.mark.parametrize("text", [
    "sum(i * x for i in range(n))", "sum((a * b for a in range(n) for b in range(a) if b % 2), x)",
    "sum([i for i in range(n) if i > x])",
])
def test_sum_loop_accumulates_the_same_value(text):
    call = ast.parse(text, mode="eval").body
    stmts, targets = desugar.sum_loop(call)
    assert targets >= {desugar.ACC} and targets - {desugar.ACC} <= {"i", "a", "b"}
    body = stmts + [ast.Return(ast.Name(desugar.ACC, ast.Load()))]
    for x, n in [(0.5, 0), (1.5, 4), (2.0, 7)]:
        assert _run(body, (x, n)) == eval(text, {"x": x, "n": n})


def _hoisted(text, lowered=lambda call: False):
    keys = iter(f"__call{i}" for i in range(10))
    rest, taken = desugar.hoist(ast.parse(text, mode="eval").body, lowered, lambda: next(keys))
    return ast.unparse(rest), [(name, ast.unparse(node), walrus) for name, node, walrus in taken]


def test_hoist_takes_walrus_out_in_evaluation_order():
    rest, taken = _hoisted("(y := x * 2) > (z := y + 1)")
    assert rest == "y > z"
    assert taken == [("y", "x * 2", True), ("z", "y + 1", True)]


@pytest.mark.parametrize("text", ["x > 0 and (y := x) > 1", "a if (y := x) else (z := 2)",
                                  "any((w := v) for v in xs)", "x > 0"])
def test_hoist_leaves_what_would_run_conditionally(text):
    rest, taken = _hoisted(text)
    if text.startswith("a if"):
        assert taken == [("y", "x", True)] and rest == "a if y else (z := 2)"
    else:
        assert taken == [] and rest == ast.unparse(ast.parse(text))


def test_hoist_takes_out_the_calls_it_is_told_to():
    rest, taken = _hoisted("h(x) > g(x) + h(y)", lowered=lambda c: c.func.id == "h")
    assert rest == "__call0 > g(x) + __call1"
    assert taken == [("__call0", "h(x)", False), ("__call1", "h(y)", False)]


_INITS = {
    "plain": "def __init__(self, k, rest=1.0):\n    self.k, self.rest = k, rest\n"
             "    if rest > 2:\n        return\n    self.k2 = self.k * 2\n",
    "calls a method": "def __init__(self, k):\n    self.k = k\n    self.reset()\n",
    "passes self on": "def __init__(self, k):\n    self.k = k\n    register(self)\n",
    "super": "def __init__(self, k):\n    super().__init__()\n    self.k = k\n",
}


def test_init_as_dict_returns_the_attributes_it_sets_or_refuses():
    node = desugar.init_as_dict(ast.parse(_INITS["plain"]).body[0])
    ns: dict = {}
    exec(compile(ast.fix_missing_locations(ast.Module([node], [])), "<init>", "exec"), ns)
    assert ns["__init__"](None, 3.0) == {"k": 3.0, "rest": 1.0, "k2": 6.0}
    assert ns["__init__"](None, 3.0, rest=5.0) == {"k": 3.0, "rest": 5.0}  # (early return)
    for key in ("calls a method", "passes self on", "super"):
        assert desugar.init_as_dict(ast.parse(_INITS[key]).body[0]) is None, key
