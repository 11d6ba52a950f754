"""fence.py on its own: every construct outside the whitelist is rejected at its
node with the message users see, whatever context it is in (lowered or kept as
written), and what the lowering handles passes."""
import ast
import math
import textwrap

import numpy as np
import pytest

import srcdiff
from srcdiff import fence
from srcdiff.errors import UnsupportedSyntaxError
from srcdiff.resolve import Resolver


def helper(a):
    return a * 2


def _check(src: str, top: bool = True):
    """Fence the first def of `src`. Its names resolve as if it were defined in a
    module with math, np and `helper` (code Python would not compile, such as
    `async for` in a plain def, resolves against a stub of the same name)."""
    src = textwrap.dedent(src)
    node = ast.parse(src).body[0]
    ns = {"math": math, "np": np, "helper": helper}
    try:
        exec(compile(src, "<fenced>", "exec"), ns)
        fn = ns[node.name]
    except SyntaxError:
        exec("def f(x, y=0):\n    pass\n", ns)
        fn = ns["f"]
    fence.check(node, Resolver(fn, "<fenced>"), top=top)


REJECTED = [
    ("try", "    try:\n        y = x\n        y = 2 * y\n    except ValueError:\n        y = 0",
     "try/except"),
    ("with", "    with open(x) as fh:\n        y = 1", "a with block"),
    ("class", "    class A:\n        pass", "a class definition"),
    ("global", "    global y", "a global declaration"),
    ("del", "    y = x\n    del y", "del"),
    ("bare raise", "    raise", "a bare raise"),
    ("raise from", "    raise ValueError(x) from None", "raise ... from ..."),
    ("import in an if", "    if x: import os", "an import inside an if or a loop"),
    ("from import in a loop", "    for t in x: from os import path",
     "an import inside an if or a loop"),
    ("import star", "    from os import *", "import *"),
    ("decorated nested def", "    @staticmethod\n    def g(t):\n        return t",
     "a decorated nested def"),
    ("async def", "    async def g(t):\n        return t", "async def"),
    ("async for", "    async for a in x:\n        pass", "async for"),
    ("async with", "    async with x as a:\n        pass", "async with"),
    ("yield", "    yield x", "yield (a generator)"),
    ("yield from", "    yield from x", "yield from (a generator)"),
    ("await", "    await x", "await (a coroutine)"),
    ("match", "    match x:\n        case 1:\n            pass", "match"),
    ("try star", "    try:\n        pass\n    except* ValueError:\n        pass", "try/except*"),
    ("lambda kept", "    if (lambda: x)():\n        x = 1", "a lambda inside the function"),
    ("walrus in while", "    while (y := x) > 1:\n        x = x / 2", "the walrus operator"),
    ("walrus after and", "    if x > 0 and (y := x) > 1:\n        x = y", "the walrus operator"),
    ("walrus in a branch", "    y = x if x > 0 else (z := x * 3)", "the walrus operator"),
    ("walrus in a branch's test", "    y = 1 if x else (2 if (z := x) else 3)",
     "the walrus operator"),
    ("walrus in index", "    y = [x][(i := 0)]", "the walrus operator"),
    # (`x.y = 1`, `x.y[0] = 1` pass: the lowering sets them on an object built in f)
    ("attribute target", "    x.y.z = 1", "assignment to Attribute"),
    ("item of non-local", "    x.y.z[0] = 1", "assignment into an item of something other"),
    ("augmented item of non-local", "    x.y.z[0] += 1", "assignment into an item of something"),
    ("augmented attribute", "    x.y.z += 1", "augmented assignment to an attribute"),
    ("augmented operator", "    x &= 1", "the operator BitAnd"),
    ("star display", "    y = [*x]", "star-unpacking"),
    ("set", "    y = {x}", "a set"),
    ("set comprehension", "    y = {t for t in x}", "a set comprehension"),
    ("set comprehension in a list comprehension", "    y = [{t for t in x} for u in x]",
     "a set comprehension"),
]


@pytest.mark.parametrize("name, src, words", REJECTED, ids=[n for n, _, _ in REJECTED])
def test_rejected_at_its_node(name, src, words):
    lines = ["def f(x, y=0):"] + src.split("\n") + ["    return x"]
    with pytest.raises(UnsupportedSyntaxError) as info:
        _check("\n".join(lines))
    err = info.value
    assert words in str(err)
    assert err.filename == "<fenced>" and err.lineno == (3 if name == "del" else 2)


@pytest.mark.parametrize("src, words", [("def f(*xs):\n    return 1", "*args or **kwargs"),
                                        ("def f(x, **kw):\n    return x", "*args or **kwargs")])
def test_star_parameters_are_rejected_for_the_function_differentiated(src, words):
    with pytest.raises(UnsupportedSyntaxError, match=r"\*args or \*\*kwargs"):
        _check(src)
    _check(src, top=False)  # a helper's are checked where it is called (inlining.py)


def test_star_parameters_of_nested_defs_and_lambdas_pass():
    """Bound where they are called (inlining.bind): `*t` a tuple, `**k` a dict."""
    _check("def f(x):\n    g = lambda *t, **k: t\n    def h(*a, **kw):\n        return a\n"
           "    return x")


class Weird(ast.stmt):
    _fields = ()


class WeirdExpr(ast.expr):
    _fields = ()


@pytest.mark.parametrize("where", ["statement", "value", "kept"])
def test_an_unknown_node_type_is_rejected(where):
    node = ast.parse("def f(x, y=0):\n    y = x\n    if x > 0:\n        y = 1\n    return y\n"
                     ).body[0]
    weird = (Weird if where == "statement" else WeirdExpr)(lineno=2, col_offset=4,
                                                          end_lineno=2, end_col_offset=9)
    if where == "statement":
        node.body.insert(0, weird)
    elif where == "value":
        node.body[0].value = ast.BinOp(ast.Name("x", ast.Load()), ast.Add(), weird)
    else:
        node.body[1].test = ast.Compare(weird, [ast.Gt()], [ast.Constant(0)])
    fn = compile_stub()
    with pytest.raises(UnsupportedSyntaxError, match="does not support (Weird|WeirdExpr)"):
        fence.check(node, Resolver(fn, "<fenced>"))


def compile_stub():
    ns: dict = {}
    exec("def f(x, y=0):\n    pass\n", ns)
    return ns["f"]


ACCEPTED = '''
def f(x, y=0):
    """Doc."""
    assert x is not None, "kept as written, never lowered"
    def _setitem(a, i, v):
        return a
    z: float = x * 2 + -y
    a, (b, c) = x, (y, 3)
    if any(t > 0 for t in [a, b]) and not {1: c}.get(2):
        z = z + np.sum(x[1:, None]) + math.pi
    elif (w := helper(x)) > 1 and x > 0:
        z = w
    total = sum(t * z for t in range(3) if t != 1) + math.fsum([t for t in range(2)])
    for i, v in enumerate([x, y]):
        if v > 10:
            break
        total += v if v > helper(v) else -v
    else:
        total = max(total, 0, 1)
    while total < 100 and len([x]) == 1:
        total = total * 2
        continue
    xs = [x]
    xs.append(total)
    xs[0] = total
    xs[0] += 1
    print(total)
    if f"{total}" != str({t for t in range(2)}) or x[[i for i in range(1)]][0]:
        total = total + 1
    ys = np.array([[t, t * t] for t in xs if t > 0]) + sum([t for t in xs] for u in xs)
    if helper([t for t in xs]) > 0:  # (a list comprehension is the loop that builds it)
        total = max(t * t for t in xs)
    return total + {t for t in range(2)}.__len__()
'''


def test_what_the_lowering_handles_passes():
    # the last line's set comprehension is a value lowered (a method's receiver): rejected ...
    with pytest.raises(UnsupportedSyntaxError, match="a set comprehension"):
        _check(ACCEPTED)
    # ... and without it, all of this is inside the whitelist
    _check(ACCEPTED.replace("{t for t in range(2)}.__len__()", "z"))


def walrus_in_a_branch(x):
    z = 1.0
    y = x if x > 0 else (z := x * 3)
    return y * z


def test_a_walrus_in_a_branch_is_an_error_not_a_wrong_derivative():
    # it used to bind `z` on both paths: the gradient at 2.0 came out 2.0, not 1.0
    with pytest.raises(UnsupportedSyntaxError, match="walrus") as info:
        srcdiff.grad(walrus_in_a_branch)
    assert info.value.lineno == walrus_in_a_branch.__code__.co_firstlineno + 2
