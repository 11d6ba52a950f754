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

from . import exprs, ir, runtime
from .errors import NotDifferentiableError
from .exprs import G, name, pv
from .kinds import SCALAR


class Context:
    """What the emitters share: value kinds, the module names templates use,
    and the runtime helpers the code calls (filled in as templates are used)."""

    def __init__(self, kinds, modules: dict, helpers: set):
        self.kinds = kinds
        self.modules = modules  # "math" / "np" -> the name to print
        self.helpers = helpers

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
        scalar = self.scalar(*(a for a in bound.values() if a is not None))
        bound.kind_of = self.kind
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
            self.helpers.add("_unbroadcast")
            tree = ast.Call(name("_unbroadcast"), [tree, self.shape_of(arg)], [])
        return self.shapes_from_parameters(tree)

    def note_helpers(self, tree) -> None:
        for n in ast.walk(tree):
            if isinstance(n, ast.Name) and n.id in runtime.HELPERS:
                self.helpers.add(n.id)

    def shape_of(self, a) -> ast.expr:
        """Something with `a`'s shape: a parameter of its shape class if there is one,
        else a shape reference `Ref("s", a)`, which reads `a` only for its shape (the
        tape then keeps `np.shape(a)`, not `a`: see tape.shape_refs)."""
        if isinstance(a, ir.Var):
            rep = self.kinds.representative(a)
            return pv(rep) if rep is not None else exprs.Ref("s", a.id)
        return exprs.atom(a)

    def shapes_from_parameters(self, tree):
        """`np.shape(t)` where `t` has a parameter's shape reads the parameter."""
        np_name = self.modules["np"]
        for n in ast.walk(tree):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "shape" and isinstance(n.func.value, ast.Name)
                    and n.func.value.id == np_name and len(n.args) == 1):
                vid = exprs.role_of(n.args[0], "v")
                var = self.kinds.var_of.get(vid) if vid is not None else None
                if var is not None:
                    n.args[0] = self.shape_of(var)
        return tree

    def zeros_like(self, v: ir.Var) -> ast.expr:
        """`np.zeros(np.shape(v))`, the shape read from a parameter where one has it."""
        np_ = name(self.modules["np"])
        shape = ast.Call(ast.Attribute(np_, "shape", ast.Load()), [self.shape_of(v)], [])
        return ast.Call(ast.Attribute(name(self.modules["np"]), "zeros", ast.Load()),
                        [shape], [])


def missing_rule(rule, mode: str, param: str, s) -> None:
    """A rule with a derivative in one mode only is an error in the other, never a
    silent zero."""
    mine, other = (rule.vjp, rule.jvp) if mode == "vjp" else (rule.jvp, rule.vjp)
    if param not in mine and "*" not in mine and param in other:
        which = "reverse" if mode == "vjp" else "forward"
        raise NotDifferentiableError(
            f"{rule.name} has no {which}-mode rule for its argument {param!r} (it is "
            f"srcdiff's own helper, differentiable in the other mode only)", s.loc)
