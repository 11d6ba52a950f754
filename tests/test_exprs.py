"""exprs: the simplifier (which rewrites happen and which must not), and Refs,
the placeholders for IR values, which no name of the user's can ever be taken
for."""
import ast

import numpy as np
import pytest

import srcdiff
from srcdiff import exprs, ir
from srcdiff.exprs import Ref

EPS = np.finfo(float).eps


def simplified(text: str) -> str:
    return ast.unparse(exprs.simplify(ast.parse(text, mode="eval").body))


@pytest.mark.parametrize("text, want", [
    ("g * 1", "g"), ("1 * g", "g"), ("a / 1", "a"), ("a ** 1", "a"),
    ("0 + a", "a"), ("a + 0", "a"), ("a - 0", "a"),
    ("-(-a)", "a"), ("+a", "a"), ("-1 * a", "-a"), ("a * -1", "-a"), ("a * -b", "-(a * b)"),
    ("a + -b", "a - b"), ("a - -b", "a + b"), ("a + a", "2 * a"),
    ("x * 2", "2 * x"), ("2 * 3", "6"), ("2.0 * 0.5", "1.0"),
])
def test_rewrites_that_happen(text, want):
    assert simplified(text) == want


@pytest.mark.parametrize("text", [
    "0 * a",  # nan and inf times 0 are nan, and an array's 0 * a has its shape
    "a - a", "a / a", "a ** 0",  # nan - nan, 0 / 0, and shapes again
    "0 - a",  # -a differs in the sign of zero
    "1 / 0", "(-2) ** 0.5",  # no exception, no complex constant
    "1e10 * 1e10",  # a huge constant would print unreadably
    "a @ 1",
])
def test_rewrites_that_must_not_happen(text):
    assert simplified(text) == ast.unparse(ast.parse(text, mode="eval").body)


def test_a_product_by_zero_keeps_its_constant_first_and_stays():
    assert simplified("a * 0") == "0 * a"


def test_constants_are_folded_across_a_product_within_rounding():
    assert simplified("2 * (3 * x)") == "6 * x"
    assert simplified("g * (2 * y)") == "2 * g * y"
    got = simplified("3 * (0.1 * x)")
    assert got == "0.30000000000000004 * x"  # re-associated: not always bit-exact
    for x in np.linspace(-3, 3, 101):
        assert abs(eval(got) - 3 * (0.1 * x)) <= 2 * EPS * abs(3 * (0.1 * x))


def test_simplify_leaves_refs_alone_and_treats_them_as_names():
    tree = ast.BinOp(Ref("d", 4), ast.Mult(), ast.Constant(1))
    out = exprs.simplify(tree)
    assert isinstance(out, Ref) and (out.role, out.vid) == ("d", 4)


# ----- Refs -----


def test_a_ref_is_never_a_python_identifier():
    for role in ("v", "d", "t", "g"):
        ref = Ref(role, 0)
        assert not ref.id.isidentifier()
        assert ref.id != "__v0" and ref.id != "__d0"


def test_substituting_a_users_name_leaves_a_ref_alone():
    tree = ast.BinOp(Ref("v", 0), ast.Mult(), ast.Name("__v0", ast.Load()))
    out = exprs.substitute(tree, {"__v0": ast.Constant(2.0)})
    assert exprs.text(out) == "%v%0 * 2.0"
    assert exprs.role_of(out.left, "v") == 0 and exprs.role_of(out.left, "d") is None


def test_an_opaque_expression_turns_only_its_uses_into_refs():
    x = ir.Var(0, "x")
    node = ast.parse("k > __v0 and x", mode="eval").body
    node.values[1] = ast.Name(Ref("v", 0).id, ast.Load())  # the lowering's key for x
    out = exprs.opaque(ir.Opaque(node, {Ref("v", 0).id: x}))
    assert exprs.text(out) == "k > __v0 and %v%0"
    assert isinstance(out.values[1], Ref) and not isinstance(out.values[0].comparators[0], Ref)


__v0 = 5.0
__d0 = 7.0
d_x = 3.0


def times_global_v0(x):
    return x * __v0


def times_global_d0(x):
    return x * __d0 + x


def times_global_d_x(x):
    return x * d_x


@pytest.mark.parametrize("f, want", [(times_global_v0, 5.0), (times_global_d0, 8.0),
                                     (times_global_d_x, 3.0)])
def test_a_global_named_like_a_placeholder_or_an_adjoint_is_read_as_itself(f, want, mode):
    g = srcdiff.grad(f, mode=mode)
    assert g(1.5) == want
    tree = ast.parse(g.source)
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Store)}
    assert not stored & {"__v0", "__d0", "d_x"}, g.source


def global_v0_in_condition(x):
    if x > __v0:
        y = x * 2.0
    else:
        y = x * 3.0
    return y


def test_a_global_named_v0_in_a_condition_is_read_as_itself(mode):
    g = srcdiff.grad(global_v0_in_condition, mode=mode)
    assert (g(1.0), g(6.0)) == (3.0, 2.0)
    assert "x > __v0" in g.source
