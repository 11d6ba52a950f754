"""The fence: a whitelist of the Python srcdiff transforms.

Takes a function's `def` (or lambda) node and its `Resolver`; gives nothing, or
raises `UnsupportedSyntaxError` at the first construct outside the whitelist
(file, line, caret). Every node of the function is checked: statements and the
expressions the lowering lowers (`Fence`), and expressions it keeps as written
(`Kept`: conditions, indices, comparisons). Each allowed node type has its own
`visit_` method; any other type reaches `generic_visit`, which rejects it, so a
node type added to Python later is an error, never silently skipped.

What passes the fence, the lowering can lower, except for what depends on
values (an unbound name, a tuple used as a value, a helper's arguments): those
the lowering reports at their line.
"""
from __future__ import annotations

import ast
import collections
import itertools

from . import desugar, nonlocals, syntax
from .ops import BINOPS, UNOPS
from .resolve import is_user_function
from .runtime import HELPERS
from .source import unsupported

UNSUPPORTED = {
    ast.Try: "try/except", ast.With: "a with block", ast.ClassDef: "a class definition",
    ast.Global: "a global declaration", ast.Nonlocal: "a nonlocal declaration",
    ast.Delete: "del", ast.Raise: "raise", ast.FunctionDef: "a nested def",
    ast.AsyncFunctionDef: "async def", ast.AsyncFor: "async for", ast.AsyncWith: "async with",
    ast.Yield: "yield (a generator)", ast.YieldFrom: "yield from (a generator)",
    ast.Await: "await (a coroutine)", ast.Lambda: "a lambda inside the function",
    ast.NamedExpr: "the walrus operator := here (it would run only conditionally, or in a "
                   "while condition)", ast.Starred: "star-unpacking",
    ast.JoinedStr: "an f-string", ast.Set: "a set", ast.Dict: "a dict",
    ast.ListComp: "a list comprehension", ast.GeneratorExp: "a generator expression",
    ast.SetComp: "a set comprehension", ast.DictComp: "a dict comprehension",
}
if hasattr(ast, "Match"):
    UNSUPPORTED[ast.Match] = "match"
if hasattr(ast, "TryStar"):
    UNSUPPORTED[ast.TryStar] = "try/except*"
# leaves that carry no code of their own: visited as part of their parent
_MARKERS = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
_NOT_A_NUMBER = (ast.Tuple, ast.List, ast.Dict, ast.Set, ast.JoinedStr)
# operators defined on integers and booleans only (`~mask`, `m1 & m2`): no derivative,
# so kept as written
INTEGER_OPS = (ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift, ast.Invert)


def rejection(node, filename: str, hint: str = ""):
    """The error for a node outside the whitelist."""
    return unsupported(UNSUPPORTED.get(type(node), type(node).__name__), filename, node, hint)


def check(node, resolver, top: bool = True) -> None:
    """Raise at the first construct of `node` srcdiff does not transform. `top`:
    `node` is the function differentiated (a helper's parameters are checked
    where it is called)."""
    filename = resolver.filename
    for n in _own_nodes(node):  # a generator or coroutine is reported at its yield/await
        if isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)):
            raise rejection(n, filename)
    if top and (node.args.vararg or node.args.kwarg):
        raise unsupported("*args or **kwargs parameters", filename,
                          node.args.vararg or node.args.kwarg,
                          "give the function named parameters")
    fence = Fence(resolver, top)
    if isinstance(node, ast.Lambda):
        fence.visit(node.body)
    else:
        fence.nonlocals(node)
        fence.block(node.body)


def _own_nodes(node):
    """ast.walk's nodes of `node` without the bodies of the runtime helpers generated
    code defines (their facts are rules: `_revolve` is a generator)."""
    todo = collections.deque([node])
    while todo:
        n = todo.popleft()
        yield n
        todo.extend(c for c in ast.iter_child_nodes(n)
                    if not (isinstance(c, ast.FunctionDef) and c.name in HELPERS))


class Kept(ast.NodeVisitor):
    """Expressions kept as written: anything but a lambda or a walrus (it would
    bind a name the lowering never sees)."""

    def __init__(self, filename: str):
        self.filename = filename

    def visit(self, node):
        if not isinstance(node, _MARKERS):
            super().visit(node)

    def generic_visit(self, node):
        raise rejection(node, self.filename)

    def children(self, node):
        for child in ast.iter_child_nodes(node):
            self.visit(child)

    visit_Name = visit_Constant = visit_Attribute = visit_Subscript = visit_Slice = children
    visit_Starred = visit_Call = visit_keyword = visit_BinOp = visit_UnaryOp = children
    visit_BoolOp = visit_Compare = visit_IfExp = visit_Tuple = visit_List = children
    visit_Set = visit_Dict = visit_ListComp = visit_SetComp = visit_DictComp = children
    visit_GeneratorExp = visit_comprehension = visit_JoinedStr = children
    visit_FormattedValue = children


TRY_RULE = (
    "srcdiff supports `try: S except E: H` where S is one assignment of a name (`L = "
    "np.linalg.cholesky(A)`, `v = table[key]`) or a return, calling library functions "
    "only: it runs S's expression to learn which handler catches, then follows that "
    "branch (S again, or the handler), as for an if; write other guards as a test "
    "first (`if x > 0:` before math.log(x)) or with np.where")


class Fence(ast.NodeVisitor):
    """Statements, and the expressions the lowering lowers itself."""

    def __init__(self, resolver, top: bool = True):
        self.resolver = resolver
        self.top = top  # the function differentiated: its result must be a number
        self.filename = resolver.filename
        self.kept = Kept(self.filename)
        self.bound: set = set()  # names bound by the `sum` comprehensions being visited
        self.branches = 0  # depth inside the branches of `a if c else b`
        self.keys = itertools.count()
        self.depth = 0  # inside the blocks of an if or a loop
        self.in_def = False  # inside a nested def

    def nested(self, *blocks) -> None:
        """The blocks of an if or a loop."""
        self.depth += 1
        for b in blocks:
            self.block(b)
        self.depth -= 1

    def generic_visit(self, node):
        raise rejection(node, self.filename)

    def block(self, stmts) -> None:
        for s in stmts:
            self.visit(s)

    def condition(self, node) -> None:
        """An `if` or `a if c else b` test: its walrus values and calls of the
        user's functions are lowered (desugar.hoist), the rest is kept. Inside a
        branch of `a if c else b` a walrus would bind only on that branch."""
        if self.branches:
            for n in syntax.walk(node):
                if isinstance(n, ast.NamedExpr):
                    raise rejection(n, self.filename)
        rest, taken = desugar.hoist(node, lambda n: self.resolver.user_call(n, self.bound),
                                    lambda: f"__call{next(self.keys)}")
        for _name, value, _walrus in taken:
            self.visit(value)
        self.kept.visit(rest)

    def target(self, node) -> None:
        if isinstance(node, (ast.Tuple, ast.List)):
            for e in node.elts:
                self.target(e.value if isinstance(e, ast.Starred) else e)
        elif isinstance(node, ast.Subscript):
            if not (isinstance(node.value, ast.Name) or _attribute_of_name(node.value)):
                table = isinstance(node.value, ast.Subscript)  # `R[i][j] = v`
                raise unsupported("assignment into an item of something other than a local "
                                  "variable or an attribute of one", self.filename, node,
                                  "keep the table in a NumPy array and write R[i, j] = v "
                                  "(np.zeros((n, m)) in place of a list of lists)" if table else "")
            self.kept.visit(node.slice)
        elif not (isinstance(node, ast.Name) or _attribute_of_name(node)):
            raise unsupported(f"assignment to {type(node).__name__}", self.filename, node)

    def operator(self, op, node, table) -> None:
        if type(op) not in table:
            raise unsupported(f"the operator {type(op).__name__}", self.filename, node)

    # ----- statements -----
    def visit_Pass(self, s):
        pass

    visit_Break = visit_Continue = visit_Pass
    visit_Assert = visit_Pass  # kept as written where the lowering can (lower.s_Assert)

    def visit_Import(self, s):
        """Run when the function is transformed (imports.py): only where it runs
        exactly once, before anything reads its names."""
        if self.depth:
            raise unsupported("an import inside an if or a loop", self.filename, s,
                              "import at the top of the function (or of the module)")
        if any(a.name == "*" for a in s.names):
            raise unsupported("import * (it binds names known only when it runs)",
                              self.filename, s, "import the names you use")

    visit_ImportFrom = visit_Import

    def visit_Return(self, s):
        if s.value is None:
            return
        if self.top and (isinstance(s.value, _NOT_A_NUMBER) or isinstance(
                s.value, ast.Constant) and not isinstance(s.value.value, (int, float, complex))):
            return  # not a number: the lowering says so (NonNumericOutputError)
        self.visit(s.value)  # a helper's result may be a tuple, a dict, anything

    def visit_Raise(self, s):
        """`raise E(...)`: kept as written (the derivative raises where f does)."""
        if s.exc is None or s.cause is not None:
            raise unsupported("a bare raise" if s.exc is None else "raise ... from ...",
                              self.filename, s, "raise an exception object, as "
                              "raise ValueError(...)")
        self.kept.visit(s.exc)

    def visit_Try(self, s):
        """`try/finally` (no `except`) runs its body, then the `finally` block
        (desugar.without_finally): where the body raises, f and its derivative raise
        alike. A handler would have to be followed where the body raised at the
        point, which the generated code cannot know before running the body."""
        if s.handlers:
            return self.try_except(s)
        if desugar.contains(s.body, (ast.Return, ast.Break, ast.Continue)):
            raise unsupported("return, break or continue inside try/finally",
                              self.filename, s, "assign the value, and return it after the "
                              "finally block")
        self.block(s.body)
        self.block(s.finalbody)

    def try_except(self, s):
        """`try: S except E: H` (desugar.try_branches): S one assignment of names or a
        `return`, its expression calling no function of the user's (it runs twice:
        once to learn which handler catches); the handlers' names unread; return,
        break and continue only where a finally block does not follow."""
        why = None
        stmt = s.body[0]
        if len(s.body) != 1 or not (isinstance(stmt, ast.Return) and stmt.value is not None
                                    or isinstance(stmt, ast.Assign) and all(
                                        isinstance(t, ast.Name) for t in stmt.targets)):
            why = s if len(s.body) > 1 else stmt
            what = "a try/except whose body has more than one statement" if len(s.body) > 1 else (
                "an import in a try with except (import at the top of the module)" if (
                    isinstance(stmt, (ast.Import, ast.ImportFrom))) else
                "this statement in a try with except")
        elif (call := next((n for n in syntax.walk(stmt.value) if self._own_call(n)),
                           None)) is not None:
            why, what = call, "a call of a function of yours inside a try with except"
        elif (h := next((h for h in s.handlers if h.name is not None and any(
                isinstance(n, ast.Name) and n.id == h.name
                for b in h.body for n in syntax.walk(b))), None)) is not None:
            why, what = h, "reading the exception caught (except ... as name)"
        elif s.finalbody and desugar.contains(s.body + s.orelse + [
                b for h in s.handlers for b in h.body], (ast.Return, ast.Break, ast.Continue)):
            why, what = s, "return, break or continue inside try/except/finally"
        if why is not None:
            raise unsupported(what, self.filename, why, TRY_RULE)
        for n in syntax.walk(stmt.value):
            if isinstance(n, (ast.NamedExpr, ast.Lambda, ast.Yield, ast.YieldFrom, ast.Await)):
                raise unsupported("this expression inside a try with except",
                                  self.filename, n, TRY_RULE)
        self.visit(stmt)
        self.nested(s.orelse, *(h.body for h in s.handlers), s.finalbody)
        for h in s.handlers:
            if h.type is not None:
                self.kept.visit(h.type)

    def _own_call(self, n) -> bool:
        """A call of anything but a library function known here (the user's function,
        a method of a value, a function the function defines)."""
        if not isinstance(n, ast.Call):
            return False
        found, obj = self.resolver.callee(n.func, self.bound) if isinstance(
            n.func, (ast.Name, ast.Attribute)) else (False, None)
        return not found or is_user_function(obj) or not callable(obj)

    def visit_Expr(self, s):
        if isinstance(s.value, ast.Call):  # anything else has no effect and is dropped
            self.visit(s.value)

    def visit_FunctionDef(self, s):
        """A nested def (inlined where it is called; generated code defines srcdiff's
        runtime helpers inside the function this way too)."""
        if s.name in HELPERS:
            return
        if s.decorator_list:
            raise unsupported("a decorated nested def", self.filename, s.decorator_list[0])
        self.function(s)
        self.nonlocals(s)
        depth, self.depth = self.depth, 0  # (its own top level)
        inside, self.in_def = self.in_def, True
        self.block(s.body)
        self.depth, self.in_def = depth, inside

    def nonlocals(self, fnode) -> None:
        """Raise where a def nested in `fnode` rebinding nonlocal names is used as
        nonlocals.rewrite does not cover."""
        found = nonlocals.problem(fnode)
        if found is not None:
            what, node, hint = found
            raise unsupported(what, self.filename, node, hint)

    def visit_Nonlocal(self, s):
        """In a nested def: rewritten to return the names it rebinds (nonlocals.py);
        in f itself it would rebind a name of code around f."""
        if not self.in_def:
            raise rejection(s, self.filename)

    def function(self, node) -> None:
        """A nested def's or lambda's parameters: defaults are lowered where it is made."""
        a = node.args
        for d in a.defaults + [d for d in a.kw_defaults if d is not None]:
            self.visit(d)

    def visit_Lambda(self, node):
        """Its body reads its parameters, names of its own (`lambda h, layer: layer.W`
        in functools.reduce: not names of f, nor undefined)."""
        self.function(node)
        saved = set(self.bound)
        a = node.args
        self.bound |= {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs
                       + [a.vararg, a.kwarg] if p is not None}
        self.visit(node.body)
        self.bound = saved

    def visit_Assign(self, s):
        self.visit(s.value)
        for t in s.targets:
            self.target(t)

    def visit_AnnAssign(self, s):
        if s.value is not None:
            self.visit(s.value)
            self.target(s.target)

    def visit_AugAssign(self, s):
        self.operator(s.op, s, BINOPS)
        if isinstance(s.target, ast.Subscript):
            self.visit(s.target)
            self.visit(s.value)
            self.target(s.target)
            return
        if not (isinstance(s.target, ast.Name) or _attribute_of_name(s.target)):
            raise unsupported("augmented assignment to an attribute of something other "
                              "than a name", self.filename, s, "write x = x + v to a new name")
        self.visit(s.value)

    def visit_If(self, s):
        self.condition(s.test)
        self.nested(s.body, s.orelse)

    def visit_While(self, s):
        self.kept.visit(s.test)
        self.nested(s.body, s.orelse)

    def visit_For(self, s):
        self.visit(s.iter)
        self.target(s.target)
        self.nested(s.body, s.orelse)

    # ----- expressions the lowering lowers -----
    def visit_Name(self, node):
        pass

    visit_Constant = visit_Name

    def visit_Tuple(self, node):
        for e in node.elts:
            self.visit(e)

    visit_List = visit_Tuple

    def visit_Dict(self, node):
        for k, v in zip(node.keys, node.values):
            if k is not None:
                self.visit(k)
            self.visit(v)

    def visit_JoinedStr(self, node):
        self.kept.visit(node)  # a message: kept as written

    def visit_BinOp(self, node):
        if isinstance(node.op, INTEGER_OPS):
            self.kept.visit(node)
            return
        self.operator(node.op, node, BINOPS)
        self.visit(node.left)
        self.visit(node.right)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, (ast.Not,) + INTEGER_OPS):
            self.kept.visit(node)
            return
        self.operator(node.op, node, UNOPS)
        self.visit(node.operand)

    def visit_Compare(self, node):
        self.kept.visit(node)

    visit_BoolOp = visit_Compare

    def visit_IfExp(self, node):
        self.condition(node.test)
        self.branches += 1
        self.visit(node.body)
        self.visit(node.orelse)
        self.branches -= 1

    def visit_Attribute(self, node):
        if self.resolver.callee(node, self.bound)[0]:
            self.kept.visit(node)  # e.g. math.pi, read live
        else:
            self.visit(node.value)

    def visit_Subscript(self, node):
        self.visit(node.value)
        self.kept.visit(node.slice)

    def visit_NamedExpr(self, node):
        if self.branches:  # it would bind only when its branch runs
            raise rejection(node, self.filename)
        self.visit(node.value)

    def visit_Call(self, node):
        starred = [a.value for a in node.args if isinstance(a, ast.Starred)] + [
            k.value for k in node.keywords if k.arg is None]
        if starred:  # `g(*t, **d)`: spread where t and d are known, else kept as written
            for v in starred:
                self.visit(v)
            node = ast.Call(node.func, [a for a in node.args if not isinstance(a, ast.Starred)],
                            [k for k in node.keywords if k.arg is not None])
        found, obj = self.resolver.callee(node.func, self.bound)
        if found and desugar.summed(obj, node):
            self.comprehension(node)
            return
        for a in node.args:
            self.visit(a)
        for k in node.keywords:
            self.visit(k.value)
        if not found:  # a method's receiver is lowered; another callee is kept
            if isinstance(node.func, ast.Attribute):
                self.visit(node.func.value)
            else:
                self.kept.visit(node.func)

    def comprehension(self, node):
        """`sum(e for ...)`, in the order its loop (desugar.sum_loop) runs."""
        if len(node.args) == 2:
            self.visit(node.args[1])
        self.generators(node.args[0])

    def visit_ListComp(self, node):
        """`[e for ...]` (or a generator expression): the loop desugar.list_loop writes."""
        self.generators(node)

    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        """`{k: e for ...}`: unrolled when its items are known (lower_values.dict_comp)."""
        self.generators(node)

    def generators(self, gen) -> None:
        saved = set(self.bound)
        for g in gen.generators:
            if g.is_async:
                raise unsupported("async comprehensions", self.filename, g.iter)
            self.visit(g.iter)
            self.target(g.target)
            self.bound |= {n.id for n in syntax.walk(g.target) if isinstance(n, ast.Name)}
            for cond in g.ifs:
                self.condition(cond)
        for e in (gen.key, gen.value) if isinstance(gen, ast.DictComp) else (gen.elt,):
            self.visit(e)
        self.bound = saved


def _attribute_of_name(node) -> bool:
    """`obj.k` (the lowering sets it on an object of the user's class built in the
    function, and refuses it on anything else)."""
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
