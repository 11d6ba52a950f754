"""lower.py on its own: the IR shape of small functions (SSA values, phis,
loop-carried values, inlined helpers, marked in-place updates)."""
import ast
import itertools
import math
import operator

from srcdiff import ir
from srcdiff.lower import Lowerer, lower_function
from srcdiff.source import parse_function


def lowered(f) -> ir.Function:
    node, filename = parse_function(f)
    return lower_function(f, node, filename, itertools.count())[0]


def defs(fn: ir.Function) -> list:
    out = list(fn.params)
    for s in ir.walk(fn.body):
        out += ir.stmt_defs(s)
        if isinstance(s, ir.Loop) and s.index is not None:
            out.append(s.index)
    return out


def straight(x, y):
    z = x * y
    z = z + math.sin(x)
    return z


def test_straight_line_code_is_one_assignment_per_value():
    fn = lowered(straight)
    assert [p.hint for p in fn.params] == ["x", "y"]
    ops = [(s.expr.fn, s.var.hint) for s in fn.body]
    assert ops == [(operator.mul, "z"), (math.sin, "sin_x"), (operator.add, "z")]
    mul, sin, add = fn.body
    assert mul.expr.args == fn.params and sin.expr.args == [fn.params[0]]
    assert add.expr.args == [mul.var, sin.var] and fn.result is add.var
    ids = [v.id for v in defs(fn)]
    assert len(ids) == len(set(ids))  # static single assignment


def branches(x):
    if x > 0:
        y = x * 2
        w = 1.0  # noqa: F841 (assigned in one branch only: no phi)
    else:
        y = x * 3
    return y


def test_if_joins_what_both_branches_assign_in_a_phi():
    fn = lowered(branches)
    cond, branch = fn.body
    assert isinstance(cond.expr, ir.Opaque) and cond.expr.nondiff
    assert isinstance(branch, ir.If) and branch.cond is cond.var
    (phi,) = branch.outs  # w is assigned in one branch only: no phi, and unusable after
    assert phi.var.hint == "y" and fn.result is phi.var
    assert phi.then is branch.body[0].var and phi.orelse is branch.orelse[0].var


def early_return(x):
    if x > 1:
        return x * 2
    x = x + 1
    return x * x


def test_an_early_return_moves_the_rest_into_the_other_branch():
    fn = lowered(early_return)
    branch = fn.body[-1]
    assert isinstance(branch, ir.If)
    result = next(p for p in branch.outs if p.var is fn.result)
    assert result.then is branch.body[-1].var and result.orelse is branch.orelse[-1].var
    assert [s.expr.fn for s in branch.orelse] == [operator.add, operator.mul]


def recurrence(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
        x = x * 0.5
    return s


def test_a_loop_carries_what_its_body_changes():
    fn = lowered(recurrence)
    loop = next(s for s in fn.body if isinstance(s, ir.Loop))
    assert loop.kind == "range" and loop.index.hint == "i" and loop.bounds == [fn.params[1]]
    carried = {c.key: c for c in loop.carried}
    assert set(carried) == {"s", "x"}
    assert carried["s"].init == ir.Const(0.0) and carried["x"].init is fn.params[0]
    nexts = {s.var.id: s for s in loop.body}
    assert nexts[carried["s"].next.id].expr.fn is operator.add
    assert nexts[carried["x"].next.id].expr.args[0] is carried["x"].phi
    assert fn.result is carried["s"].phi  # after the loop, `s` is its carried value


def search(x):
    while x < 100:
        if x > 50:
            break
        x = x * 3
    return x


def test_break_is_a_carried_flag():
    fn = lowered(search)
    loop = next(s for s in fn.body if isinstance(s, ir.Loop))
    assert loop.kind == "while" and loop.brk is not None
    flag = next(c for c in loop.carried if c.phi is loop.brk)
    assert flag.init == ir.Const(False) and loop.trips is not None


def double(a):
    return a * 2


def calls_helper(x):
    return double(x) + 1


def test_a_helper_is_inlined():
    fn = lowered(calls_helper)
    assert [s.expr.fn for s in fn.body] == [operator.mul, operator.add]
    assert fn.body[0].expr.args[0] is fn.params[0]


def test_a_helper_is_lowered_by_a_lowerer_given_its_state():
    out: list = []
    x = ir.Var(0, "x")
    node, filename = parse_function(double)
    sub = Lowerer(double, filename, itertools.count(1), env={"a": x}, out=out, shared={0})
    result = sub.inlined(node, "t")
    assert out and out[-1].var is result and out[-1].expr.args[0] is x


def updates(x, v):
    y = x
    x += v
    z = x * 1.0
    z += v
    acc = []
    acc.append(z)
    return z + y + acc[0]


def test_in_place_updates_are_marked_with_whether_the_old_value_is_shared():
    fn = lowered(updates)
    marked = [(s.var.hint, s.update.old.hint, s.update.shared) for s in ir.walk(fn.body)
              if isinstance(s, ir.Assign) and s.update is not None]
    # x is also held by y; z and acc are not shared
    assert marked == [("x", "x", True), ("z", "z", False), ("acc", "acc", False)]


def test_no_side_lists_on_the_function():
    fn = lowered(updates)
    assert not hasattr(fn, "augmented") and not hasattr(fn, "nvars")


def zipped(xs, ys):
    s = 0.0
    for i, x in enumerate(xs):
        s = s + x * i
    for a, b in zip(xs, ys):
        s = s + a * b
    return s + sum(t * t for t in xs)


def test_sequences_are_indexed_up_to_their_shortest_length_and_sums_are_loops():
    fn = lowered(zipped)
    loops = [s for s in fn.body if isinstance(s, ir.Loop)]
    assert len(loops) == 3 and all(lp.kind == "range" for lp in loops)
    defs_by_id = {s.var.id: s for s in fn.body if isinstance(s, ir.Assign)}
    enum_n, zip_n, sum_n = (defs_by_id[lp.bounds[0].id].expr for lp in loops)
    assert enum_n.fn is len and enum_n.args == [fn.params[0]]
    assert zip_n.fn is min  # min(len(xs), len(ys))
    assert [defs_by_id[a.id].expr.fn for a in zip_n.args] == [len, len]
    assert sum_n.fn is len
    assert loops[0].index.hint == "i" and loops[1].index.hint == "i"
    body = loops[1].body
    assert [s.expr.fn for s in body[:2]] == [operator.getitem, operator.getitem]
    assert [s.var.hint for s in body[:2]] == ["a", "b"]
    (total,) = loops[2].carried
    assert total.phi.hint == "total" and total.init == ir.Const(0)


def kept(x, n):
    if x > n and n != 0:
        x = x * 2
    return x


def test_a_condition_is_kept_as_written_over_ssa_values():
    fn = lowered(kept)
    cond = fn.body[0].expr
    assert isinstance(cond, ir.Opaque) and cond.nondiff
    assert set(cond.uses.values()) == set(fn.params)
    assert ast.unparse(cond.node) == " and ".join(
        [f"%v%{fn.params[0].id} > %v%{fn.params[1].id}", f"%v%{fn.params[1].id} != 0"])
