"""Rule templates instantiated over one call's atoms, for both sweeps.

Takes a rule, a mode ("vjp"/"jvp"), one parameter and the call's bound atoms;
gives the template as AST over Refs: parameters replaced by the call's atoms,
`ans` by the result, `g`/`t` by the placeholder `G`, `np`/`math` by the names
`f`'s module uses. The kinds of the atoms are passed to the rule (a matmul
adjoint is `g @ b.T` for matrices), never read from a global. An operand NumPy
may have broadcast gets its contribution summed back to its shape.
"""
from __future__ import annotations

import ast

import numpy as np

from . import exprs, ir, runtime, shapes, syntax
from .errors import NotDifferentiableError
from .exprs import G, name, pv
from .kinds import SCALAR
from .spread import shape_arg


class Context:
    """What the emitters share: value kinds, the module names templates use,
    and the runtime helpers the code calls (filled in as templates are used)."""

    def __init__(self, kinds, modules: dict, helpers: set):
        self.kinds = kinds
        self.modules = modules  # "math" / "np" -> the name to print
        self.helpers = helpers
        # forward mode: the values computed so far (a shape is read only from one of
        # them or a parameter); None in the reverse sweep, which runs after them all
        self.seen: set | None = None

    def scalar(self, *atoms) -> bool:
        return all(self.kind(a) == SCALAR for a in atoms)

    def kind(self, a):
        return self.kinds.kind(a)

    def may_broadcast(self, arg, bound) -> bool:
        """Whether `arg` may have a smaller shape than the call's result."""
        if self.kind(arg) == SCALAR and all(
                self.kind(b) == SCALAR for b in bound.values() if b is not None):
            return False
        for b in bound.values():
            if b is None or b is arg or isinstance(b, ir.Const):
                continue
            if self.kinds.same_shape(arg, b) or self.kind(b) == SCALAR:
                continue
            return True
        return False

    def template(self, rule, mode: str, param: str, bound, ans: ir.Var):
        """A rule's template for one parameter, instantiated over the call's atoms;
        None when the parameter contributes nothing."""
        complex_ = self.kinds.is_complex(ans) or any(
            self.kinds.is_complex(a) for a in bound.values() if a is not None)
        # (complex values: NumPy's spellings, `math` takes no complex number)
        scalar = not complex_ and self.scalar(*(a for a in bound.values() if a is not None))
        bound.kind_of = self.kind
        bound.complex_of = self.kinds.is_complex
        bound.complex_call = complex_
        try:
            tree = rule.template(mode, param, scalar, bound)
        except NotDifferentiableError as e:  # a rule refusing this call: located at it
            if e.loc is not None or getattr(ans, "loc", None) is None:
                raise
            raise NotDifferentiableError(e.message, ans.loc) from None
        if tree is None:
            return None
        subs = {p: (exprs.as_value(exprs.atom(a)) if a is not None
                    else exprs.const(rule.defaults.get(p))) for p, a in bound.items()}
        subs["ans"] = pv(ans)
        subs["g" if mode == "vjp" else "t"] = G
        mods = dict(self.modules)
        mods["_m"] = mods["math"] if scalar else mods["np"]
        for k in ("math", "np", "_m"):
            subs.setdefault(k, name(mods[k]))
        self.note_helpers(tree)
        tree = exprs.simplify(exprs.substitute(tree, subs))
        arg = bound[param]
        if mode == "vjp" and rule.broadcast and self.may_broadcast(arg, bound):
            tree = self.unbroadcast(tree, arg, ans)
        if mode == "vjp" and complex_ and not self.kinds.is_complex(arg) and not (
                isinstance(tree, ast.Call) and isinstance(tree.func, ast.Attribute)
                and tree.func.attr == "real"):  # (a rule's own np.real: rfft's)
            # the cotangent of a real operand is real: the transpose of its embedding
            # in the complex numbers takes the real part (JAX's convention)
            tree = ast.Call(ast.Attribute(name(self.modules["np"]), "real", ast.Load()),
                            [tree], [])
        return self.shapes_from_parameters(tree)

    def unbroadcast(self, tree, arg, ans):
        """`tree` (shaped like the call's result) summed back to `arg`'s shape: over
        the axes NumPy stretched when the abstract shapes say which (or not at all),
        else by the runtime helper, which looks at the shapes."""
        axes = shapes.unbroadcast(self.kinds.shape(arg), self.kinds.shape(ans))
        if axes is None:
            self.helpers.add("_unbroadcast")
            return ast.Call(name("_unbroadcast"), [tree, self.shape_of(arg)], [])
        lead, keep = axes
        if keep:
            tree = self.np_sum(tree, keep, keepdims=True)
        if lead:
            everything = not self.kinds.shape(arg)  # a scalar operand: sum it all
            tree = self.np_sum(tree, None if everything else lead, keepdims=False)
        return tree

    def np_sum(self, tree, axes, keepdims: bool):
        kw = [] if axes is None else [ast.keyword("axis", exprs.const(
            axes[0] if len(axes) == 1 else axes))]
        if keepdims:
            kw.append(ast.keyword("keepdims", ast.Constant(True)))
        return ast.Call(ast.Attribute(name(self.modules["np"]), "sum", ast.Load()), [tree], kw)

    def shape_of_expr(self, tree, adjoints: dict):
        """The abstract shape of generated code `tree` (None where not known):
        values' shapes from the kinds, adjoints' from `adjoints` (name -> shape),
        through arithmetic, `@`, `.T`, ufuncs and the sums and shape-taking calls
        the rules write."""
        np_name = self.modules["np"]

        def of(n):
            if isinstance(n, exprs.Ref):
                if n.role == "d":
                    return adjoints.get(n.id)
                var = self.kinds.var_of.get(n.vid) if n.role in ("v", "s") else None
                return None if var is None else self.kinds.shape(var)
            if isinstance(n, ast.Constant):
                ok = isinstance(n.value, (int, float)) and not isinstance(n.value, bool)
                return () if ok else None
            if isinstance(n, ast.UnaryOp):
                return of(n.operand)
            if isinstance(n, ast.Compare) and len(n.comparators) == 1:
                return shapes.broadcast(of(n.left), of(n.comparators[0]))
            if isinstance(n, ast.BinOp):
                if isinstance(n.op, ast.MatMult):
                    return shapes.matmul(of(n.left), of(n.right))
                return shapes.broadcast(of(n.left), of(n.right))
            if isinstance(n, ast.Attribute) and n.attr == "T":
                inner = of(n.value)
                return None if inner is None else inner[::-1]
            if isinstance(n, ast.Attribute) and n.attr in ("size", "ndim") or (
                    isinstance(n, ast.Subscript) and isinstance(n.value, ast.Attribute)
                    and n.value.attr == "shape" and isinstance(n.slice, ast.Constant)):
                return ()  # a count: `X.shape[0]`, `x.size`
            if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    and isinstance(n.func.value, ast.Name) and n.func.value.id == np_name):
                return None
            fn, args = n.func.attr, n.args
            kws = {k.arg: k.value for k in n.keywords}
            if fn in ("size", "ndim") and len(args) == 1 and not kws:
                return ()
            if fn in ("zeros", "ones", "broadcast_to") and args and shape_arg(
                    args[-1], np_name) and (fn != "broadcast_to" or len(args) == 2):
                full, k = shape_arg(args[-1], np_name)  # np.shape(P) or np.shape(P)[k:]
                inner = None if of(full) is None else of(full)[k:]
                return inner if fn != "broadcast_to" or shapes.broadcast(
                    of(args[0]), inner) == inner else None
            if fn in ("sum", "count_nonzero") and len(args) == 1 and set(kws) <= {
                    "axis", "keepdims"}:
                consts = {k: ir.Const(v.value) for k, v in kws.items()
                          if isinstance(v, ast.Constant)}
                if len(consts) != len(kws):
                    return None
                return shapes.reduced(of(args[0]), consts.get("axis"), consts.get("keepdims"))
            if isinstance(getattr(np, fn, None), np.ufunc) and not kws or (
                    fn == "where" and len(args) == 3 and not kws):  # (its operands broadcast)
                return shapes.broadcast(*(of(a) for a in args))
            return None

        return of(tree)

    def note_helpers(self, tree) -> None:
        for n in syntax.walk(tree):
            if isinstance(n, ast.Name) and n.id in runtime.HELPERS:
                self.helpers.add(n.id)

    def shape_of(self, a) -> ast.expr:
        """Something with `a`'s shape: a parameter of its shape class if there is one,
        else a shape reference `Ref("s", a)`, which reads `a` only for its shape (the
        tape then keeps `np.shape(a)`, not `a`: see tape.shape_refs)."""
        if isinstance(a, ir.Var):
            rep = self.kinds.representative(a, self.seen)
            return pv(rep) if rep is not None else exprs.Ref("s", a.id)
        return exprs.atom(a)

    def shapes_from_parameters(self, tree, depth: int = 0):
        """`np.shape(t)` (and `np.size`, `np.ndim`) where `t` has the shape of a
        parameter or of a value computed before reads that one; `np.shape(t)` of a
        value no parameter shares, from its operands where its rule says how
        (`Rule.shape_expr`: np.outer(u, v)'s is `(np.size(u), np.size(v))`)."""
        np_name = self.modules["np"]

        class Sub(ast.NodeTransformer):
            def visit_Call(sub, n):
                sub.generic_visit(n)
                if not (isinstance(n.func, ast.Attribute)
                        and n.func.attr in ("shape", "size", "ndim")
                        and isinstance(n.func.value, ast.Name)
                        and n.func.value.id == np_name and len(n.args) == 1):
                    return n
                vid = exprs.role_of(n.args[0], "v")
                var = self.kinds.var_of.get(vid) if vid is not None else None
                if var is None:
                    return n
                n.args[0] = self.shape_of(var)
                itself = exprs.role_of(n.args[0], "s") is not None or (
                    exprs.role_of(n.args[0], "v") == var.id)  # (no parameter has it)
                if itself and n.func.attr == "shape":
                    return self.shape_from_operands(var, depth) or n
                return n

        return Sub().visit(tree)

    def shape_from_operands(self, var, depth: int):
        """`var`'s shape as its rule's `shape_expr` over its operands (their shapes
        read from parameters in turn; an operand's own shape reference is kept: the
        adjoint usually reads that operand as a value, np.outer's does), or None."""
        rule, bound = self.kinds.calls.get(var.id, (None, None))
        if rule is None or rule.shape_expr is None or depth > 3:
            return None
        bound.kind_of = self.kind
        text = rule.shape_expr(bound)
        if text is None:
            return None
        subs = {p: exprs.atom(a) for p, a in bound.items() if a is not None}
        subs["np"] = name(self.modules["np"])
        return self.shapes_from_parameters(
            exprs.substitute(ast.parse(text, mode="eval").body, subs), depth + 1)

    def zeros_like(self, v: ir.Var) -> ast.expr:
        """`np.zeros(np.shape(v))`, the shape read from a parameter where one has it."""
        np_ = name(self.modules["np"])
        shape = ast.Call(ast.Attribute(np_, "shape", ast.Load()), [self.shape_of(v)], [])
        dtype = [ast.Name("complex", ast.Load())] if self.kinds.is_complex(v) else []
        return ast.Call(ast.Attribute(name(self.modules["np"]), "zeros", ast.Load()),
                        [shape] + dtype, [])


def missing_rule(rule, mode: str, param: str, s) -> None:
    """A rule with a derivative in one mode only is an error in the other, never a
    silent zero."""
    mine, other = (rule.vjp, rule.jvp) if mode == "vjp" else (rule.jvp, rule.vjp)
    if param not in mine and "*" not in mine and param in other:
        which = "reverse" if mode == "vjp" else "forward"
        raise NotDifferentiableError(
            f"{rule.name} has no {which}-mode rule for its argument {param!r} (it is "
            f"srcdiff's own helper, differentiable in the other mode only)", s.loc)
