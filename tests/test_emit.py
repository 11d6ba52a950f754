"""emit: names (`d_x`, `x_dot`, never a collision with the user's names), tidying
(dead stores dropped, single-use temps folded) and in-place updates (`x[i] = v`,
`acc.append(v)` only when the old value is not kept)."""
import ast
import math

import numpy as np
import pytest

import srcdiff
from srcdiff import emit
from srcdiff.rules.table import lookup
from source_text import code


def body_of(src: str) -> list[str]:
    """The statements of the generated function, helpers left out, stripped."""
    func = ast.parse(src).body[0]
    return [ast.unparse(s) for s in func.body
            if not (isinstance(s, ast.FunctionDef) and s.name.startswith("_"))]


# ----- names -----


def test_namer_gives_the_base_then_numbered_names_and_t_for_a_non_identifier():
    namer = emit.Namer({"x", "d_x"})
    assert [namer.fresh("d_x"), namer.fresh("d_x"), namer.fresh("y"), namer.fresh("y")] == [
        "d_x_1", "d_x_2", "y", "y_1"]
    assert namer.fresh("%v%3") == "t"


def product(x, y):
    z = x * y
    return z * x + z


def targets(src: str) -> list[str]:
    return [s.targets[0].id for s in ast.parse(src).body[0].body
            if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)]


def test_an_adjoint_is_d_and_a_tangent_is_dot():
    g = srcdiff.grad(product, wrt=(0, 1))
    g(1.5, 2.0)
    assert targets(g.source) == ["z", "d_z"]  # (d_x, d_y: folded into the return)
    j = srcdiff.jvp(product)
    assert j.source.startswith("def product_jvp(x, y, *, x_dot, y_dot):")
    assert {"z", "z_dot"} <= set(targets(j.source))


def user_d_x(x):
    d_x = x * 3.0
    for _ in range(2):  # (x's adjoint is named: the loop accumulates it)
        x = math.sin(d_x) * x
    return x


def user_x_dot(x, x_dot):
    return x * x_dot


def test_a_user_variable_called_d_x_keeps_its_name_and_the_adjoint_takes_another():
    g = srcdiff.grad(user_d_x)
    s, c = math.sin(2.1), math.cos(2.1)  # x sin(3x)^2
    assert g(0.7) == pytest.approx(s * s + 6 * 0.7 * s * c, rel=1e-14)
    lines = body_of(g.source)
    assert "d_x = x * 3.0" in lines
    assert lines[-1] == "return d_x_1"


def test_a_parameter_called_x_dot_keeps_its_name_and_the_tangent_takes_another():
    j = srcdiff.jvp(user_x_dot)
    assert j.source.startswith("def user_x_dot_jvp(x, x_dot, *, x_dot_1, x_dot_dot):")
    out, tangent = j((2.0, 3.0), (1.0, 0.5))
    assert (out, tangent) == (6.0, 3.0 * 1.0 + 2.0 * 0.5)


def user_tape(x, n):
    tape = x * 0.5
    for _ in range(n):
        x = x * math.sin(x) + tape
    return x


def test_a_user_variable_called_tape_never_shares_a_name_with_the_generated_tape():
    g = srcdiff.grad(user_tape)
    x, h = 0.8, 1e-6
    fd = (user_tape(x + h, 3) - user_tape(x - h, 3)) / (2 * h)
    assert g(x, 3) == pytest.approx(fd, rel=1e-7)
    stores = {}
    for n in ast.walk(ast.parse(g.source)):
        if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name):
            stores.setdefault(n.targets[0].id, []).append(ast.unparse(n.value))
    users = [k for k, vs in stores.items() if "x * 0.5" in vs]
    tapes = [k for k, vs in stores.items() if "[]" in vs]
    assert len(users) == 1 and not set(users) & set(tapes)


def test_a_user_variable_called_tape_keeps_its_name():
    g = srcdiff.grad(user_tape)
    g(0.8, 3)
    assert "tape = x * 0.5" in g.source


# ----- tidy -----


def tidied(src: str, temps=(), keep=()) -> str:
    func = ast.parse(src).body[0]
    return ast.unparse(emit.tidy(func, set(temps), set(keep)))


def test_tidy_folds_a_single_use_temp_into_its_reader():
    out = tidied("def f(x):\n    t = x * 2\n    return t + 1\n", temps={"t"})
    assert out == "def f(x):\n    return x * 2 + 1"


def test_tidy_keeps_a_temp_read_twice_and_a_name_that_is_not_a_temp():
    src = "def f(x):\n    t = x * 2\n    return t + t\n"
    assert tidied(src, temps={"t"}) == src.rstrip("\n")
    assert "t = x * 2" in tidied("def f(x):\n    t = x * 2\n    return t + 1\n")


def test_tidy_does_not_fold_a_temp_past_a_write_of_what_it_reads():
    src = "def f(x):\n    t = x * 2\n    x = 5.0\n    return t + x\n"
    assert "t = x * 2" in tidied(src, temps={"t"})


@pytest.mark.parametrize("read, write", [("y[0]", "y[0] = 5.0"), ("y[0]", "y[0] += 5.0"),
                                         ("len(y)", "y.append(5.0)")])
def test_tidy_does_not_fold_a_temp_past_an_in_place_change_of_what_it_reads(read, write):
    src = f"def f(y):\n    t = {read}\n    {write}\n    return t\n"
    assert f"t = {read}" in tidied(src, temps={"t"})


def test_tidy_folds_a_temp_written_in_each_sweep_when_each_write_has_its_own_reader():
    src = ("def f(xs, w, n):\n    for t in range(n):\n        r = xs[t]\n        w = r @ w\n"
           "    for t in reversed(range(n)):\n        r = xs[t]\n        w = r.T @ w\n"
           "    return w\n")
    out = tidied(src, temps={"r"})
    assert "r =" not in out and "w = xs[t] @ w" in out and "w = xs[t].T @ w" in out


@pytest.mark.parametrize("body", [
    "    r = x * 2\n    y = r + 1\n    r = x * 3\n    return y + r + r\n",  # read twice
    "    r = x * 2\n    for _ in range(3):\n        y = r + y\n    r = y\n"
    "    return r + 1\n",  # the first write's reader is in a loop
    "    r = x * 2\n    if x > 0:\n        r = x * 3\n    return r\n",  # a write in a branch
    "    r = x * 2\n    r += 1\n    y = r\n    return y\n",  # an augmented write
])
def test_tidy_keeps_a_temp_written_twice_unless_every_read_is_its_writes_own(body):
    src = "def f(x, y):\n" + body
    out = tidied(src, temps={"r"})
    assert _compiled(out + "\n")(2.0, 1.0) == _compiled(src)(2.0, 1.0)


def _compiled(src: str):
    ns: dict = {}
    exec(src, ns)
    return ns["f"]


def test_tidy_drops_dead_stores_and_self_copies_but_not_kept_names():
    src = "def f(x):\n    dead = x + 1\n    y = x\n    y = y\n    kept = x - 1\n    return y\n"
    out = tidied(src, keep={"kept"})
    assert out == "def f(x):\n    y = x\n    kept = x - 1\n    return y"


def test_tidy_drops_an_accumulator_only_its_own_stores_read():
    src = ("def f(x, n):\n    s = 0.0\n    g = 0.0\n    for i in range(n):\n"
           "        s = s + x * i\n        u = s * 2\n        s = u - 1\n        g += i\n"
           "    return g\n")
    out = tidied(src)
    assert "s =" not in out and "u =" not in out and "g += i" in out
    assert _compiled(out + "\n")(0.5, 4) == _compiled(src)(0.5, 4)
    kept = src.replace("return g", "return g + s")  # read outside its own stores: live
    assert tidied(kept).count("s = ") == 3


@pytest.mark.parametrize("body, gone", [
    ("    for i in range(n):\n        r = w[i]\n    y = 0.0\n    for i in range(n):\n"
     "        r = w[i]\n        y += r\n    return y\n", 1),  # the next loop writes r first
    ("    r = x * 2\n    if x > 0:\n        r = 1.0\n    else:\n        r = 2.0\n"
     "    return r\n", 1),  # both arms write r
    ("    r = x * 2\n    r = x * 3\n    return r\n", 1),
    ("    r = x * 2\n    for i in range(n):\n        r = r + 1\n    return r\n", 0),
    ("    r = x * 2\n    for i in range(n):\n        y = r\n        r = y + 1\n"
     "    return r\n", 0),  # the next trip reads it
    ("    r = x * 2\n    if x > 0:\n        r = 1.0\n    return r\n", 0),
    ("    r = x * 2\n    while abs(r) < 10:\n        r = r * 2\n    return r\n", 0),
    ("    r = x * 2\n    for i in range(n):\n        r = 1.0\n    return r\n", 0),
])
def test_tidy_drops_a_store_overwritten_before_any_read(body, gone):
    src = "def f(x, w, n):\n" + body
    out = tidied(src)
    assert src.count("r = ") - tidied(src).count("r = ") == gone
    for args in ((0.5, [1.0, 2.0], 2), (-0.5, [3.0], 0)):
        assert _compiled(out + "\n")(*args) == _compiled(src)(*args)


def test_tidy_removes_an_if_left_empty_and_flips_an_empty_then_branch():
    src = ("def f(x, c):\n    if c:\n        dead = 1\n    if c:\n        pass\n"
           "    else:\n        x = x + 1\n    return x\n")
    assert tidied(src) == "def f(x, c):\n    if not c:\n        x = x + 1\n    return x"


def tidied_refs(src: str) -> str:
    """`src` tidied with its names `v_1`, `d_2`, ... as the Refs srcdiff names (a
    value, an adjoint), printed back as those names."""
    import re

    from srcdiff.exprs import Ref

    class ToRefs(ast.NodeTransformer):
        def visit_Name(self, n):
            m = re.fullmatch(r"([vdt])_(\d+)", n.id)
            return Ref(m[1], int(m[2]), n.ctx) if m else n

    class Back(ast.NodeTransformer):
        def visit_Ref(self, n):
            return ast.Name(f"{n.role}_{n.vid}", n.ctx)

    func = ToRefs().visit(ast.parse(src).body[0])
    return ast.unparse(Back().visit(emit.tidy(func, set(), set())))


@pytest.mark.parametrize("body, want", [
    ("    d_1 = x * 2\n    return d_1", "    return 2 * x"),  # (simplified as the adjoint)
    ("    d_1 = math.log(x)\n    return 2 * y + d_1", "    return 2 * y + math.log(x)"),
    ("    d_1 = x * 2\n    d_2 = math.log(x)\n    return (d_1, d_2)",
     "    return (2 * x, math.log(x))"),  # each folds where it was evaluated
    ("    v_1 = x - y\n    return math.exp(v_1)", "    return math.exp(x - y)"),
])
def test_tidy_folds_a_value_read_once_by_the_next_statement(body, want):
    assert tidied_refs("def f(x, y):\n" + body + "\n") == "def f(x, y):\n" + want


@pytest.mark.parametrize("body", [
    "    d_1 = math.log(x)\n    return math.sqrt(y) + d_1",  # a call would run first
    "    d_1 = math.log(x)\n    return y / 2 + d_1",  # so would a division
    "    d_1 = math.log(x)\n    d_2 = math.sqrt(y)\n    return d_2 + d_1",
    "    d_1 = math.log(x)\n    return y if y > 0 else d_1",  # not always evaluated
    "    d_1 = math.log(x)\n    return y > 0 and d_1",
    "    d_1 = math.log(x)\n    return [d_1 for _ in range(2)]",  # evaluated twice
    "    d_1 = math.log(x)\n    return d_1 + d_1",  # read twice
    "    d_1 = math.log(x)\n    for _ in range(3):\n        y = y + d_1\n    return y",
    "    d_1 = math.log(x)\n    y = 2.0\n    return d_1 + y",  # not the next statement
    "    v_1 = math.log(x)\n    return v_1",  # a primal that may raise keeps its line
])
def test_tidy_keeps_a_value_whose_folding_would_move_work_or_what_may_raise(body):
    src = "def f(x, y):\n" + body
    out = tidied_refs(src + "\n")
    assert "_1 = math.log(x)" in out

    def run(text):
        ns = {"math": math}
        for a, b in (("d_1", "a"), ("d_2", "b"), ("v_1", "a")):
            text = text.replace(a, b)
        exec(text + "\n", ns)
        return ns["f"](2.0, 3.0)

    assert run(out) == run(src)


@pytest.mark.parametrize("arms, want", [
    (("np.broadcast_to(1.0, np.shape(x))", "np.broadcast_to(100.0, np.shape(x))"),
     "np.broadcast_to(1.0 if c else 100.0, np.shape(x))"),  # chosen where they differ
    (("math.exp(x) + 1.0", "math.exp(x) + 2.0"),  # (math.exp(x) would run before c)
     "math.exp(x) + 1.0 if c else math.exp(x) + 2.0"),
    (("np.sum(x, axis=0)", "np.sum(x, axis=1)"), "np.sum(x, axis=0 if c else 1)"),
    (("np.sum(x, axis=0)", "np.sum(x, keepdims=True)"),
     "np.sum(x, axis=0) if c else np.sum(x, keepdims=True)"),
])
def test_tidy_writes_an_if_choosing_an_adjoint_as_a_conditional_expression(arms, want):
    src = (f"def f(x, c):\n    if c:\n        d_1 = {arms[0]}\n    else:\n"
           f"        d_1 = {arms[1]}\n    y = d_1\n    return y\n")
    assert f"d_1 = {want}" in tidied_refs(src)


def test_tidy_keeps_an_if_of_primal_values_or_of_two_statements():
    for src in ("    if c:\n        v_1 = x\n    else:\n        v_1 = 2 * x\n",
                "    if c:\n        d_1 = x\n        z = 1\n    else:\n        d_1 = 2 * x\n"):
        out = tidied_refs("def f(x, c):\n" + src + "    y = v_1 + d_1 + z\n    return y\n")
        assert "if c:" in out


def test_a_generated_gradient_returns_its_expression():
    def poly(x):
        return 3.0 * x ** 2 + x

    g = srcdiff.grad(poly)
    assert g(2.0) == 13.0
    assert body_of(code(g.source)) == ["return 1.0 + 6.0 * x"]


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def repeated(x, y):
    z = x
    for _ in range(3):
        z = z * y - x
    return z


def test_signs_cancel_in_a_returned_gradient_and_a_negated_contribution_subtracts():
    g = srcdiff.grad(sigmoid)
    e = math.exp(-0.3)
    assert g(0.3) == pytest.approx(e / (1 + e) ** 2, rel=1e-15)
    assert body_of(code(g.source))[-1] == "return 1 / total / total * exp_neg_x"  # no -(-1 / ...)
    r = srcdiff.grad(repeated, wrt=(0, 1))
    x, y = 0.3, 1.2  # z = x (y^3 - y^2 - y - 1)
    assert r(x, y) == pytest.approx((y ** 3 - y * y - y - 1, x * (3 * y * y - 2 * y - 1)),
                                    rel=1e-14)
    assert "d_x -= d_z" in r.source


# ----- in-place updates -----


def updated(src: str, keep=()) -> str:
    """`src` with its `_setitem` / `acc + [v]` assignments tagged as primal.py tags
    them, after `in_place_updates`."""
    func = ast.parse(src).body[0]
    for s in ast.walk(func):
        if isinstance(s, ast.Assign):
            v = s.value
            if isinstance(v, ast.Call) and ast.unparse(v.func) == "_setitem":
                s.update = lookup(("helper", "_setitem")).update
            elif isinstance(v, ast.BinOp) and isinstance(v.right, ast.List):
                s.update = lookup(("list", "append")).update
    emit.in_place_updates(func, set(keep))
    return "\n".join(ast.unparse(s) for s in func.body)


def test_a_functional_update_of_the_same_name_is_written_in_place():
    assert updated("def f(x, v):\n    x = _setitem(x, 1, v)\n") == "x[1] = v"
    assert updated("def f(x, v):\n    x = _setitem(x, slice(1, None), v)\n") == "x[1:] = v"
    assert updated("def f(acc, v):\n    acc = acc + [v]\n") == "acc.append(v)"


def test_an_update_whose_old_value_has_another_name_or_is_kept_is_not():
    assert updated("def f(x, v):\n    y = _setitem(x, 1, v)\n") == "y = _setitem(x, 1, v)"
    assert updated("def f(x, v):\n    x = _setitem(x, 1, v)\n", keep={"x"}) == (
        "x = _setitem(x, 1, v)")


def fill_inactive(x, n):
    y = np.zeros(n)
    for i in range(n):
        y[i] = i * 2.0
    return np.sum(y) * x


def assign_to_parameter(x):
    x[0] = 1.0
    return np.sum(x * x)


def test_an_inactive_buffer_is_filled_in_place():
    g = srcdiff.grad(fill_inactive)
    assert g(1.5, 4) == 12.0
    assert "y[i] = i * 2.0" in body_of(g.source)[1]


def test_a_parameter_is_never_changed_in_place(mode):
    g = srcdiff.grad(assign_to_parameter, mode=mode)
    x = np.array([3.0, 2.0, -1.0])
    np.testing.assert_array_equal(g(x), [0.0, 4.0, -2.0])
    np.testing.assert_array_equal(x, [3.0, 2.0, -1.0])
    assert "x[0] = " not in code(g.source)


def test_the_same_function_always_gives_the_same_text():
    texts = set()
    for _ in range(3):
        g = srcdiff.grad(user_tape)
        g(0.8, 3)
        texts.add(g.source)
    assert len(texts) == 1


def _relu_sum(W, x):
    return np.sum(np.maximum(W @ x, 0.0))


def test_a_selection_of_a_spread_number_keeps_the_number():
    """The cotangent of np.sum reaching maximum's selection is a number: np.where's
    other operands give the result its shape, so no array of ones is built."""
    rng = np.random.default_rng(3)
    W, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
    W[0] = 0.0  # (a tie at 0: half the cotangent)
    g = srcdiff.grad(_relu_sum)
    got = g(W, x)
    t = W @ x
    want = np.outer(np.where(t > 0, 1.0, np.where(t == 0, 0.5, 0.0)), x)
    np.testing.assert_array_equal(got, want)
    assert "broadcast_to" not in g.source and "np.where(W_at_x > 0.0, 1.0," in g.source


def _double_negation(z):
    y = -z
    return np.sum(-y * z)


def test_a_primal_value_folded_into_an_adjoint_is_simplified_exactly():
    """`y = -z` folded into the gradient `z - y` gave `return z - -z`; the exact
    rewrites (the same bits) apply to primal values folded into adjoints too."""
    z = np.array([0.5, -1.5, 3.0])
    g = srcdiff.grad(_double_negation)
    np.testing.assert_array_equal(g(z), z - -z)
    assert "return 2 * z" in g.source
