"""srcdiff: source-transforming automatic differentiation for Python.

`grad(f)` returns a function computing the gradient of `f`, generated as
readable Python source (`.source`) by reverse accumulation over an SSA form of
`f`'s own code.
"""
from .rules import builtin  # noqa: F401  (fills the rule table, first)
from .api import detach, grad, hessian, hvp, jacobian, jvp, stop_gradient, value_and_grad, vjp
from .check import check
from .explain import explain
from .checkpoint import checkpoint, every, remat, revolve
from .errors import (
    NonNumericOutputError,
    NonScalarOutputError,
    NoSourceError,
    NotDifferentiableError,
    ShapeMismatchError,
    SrcDiffError,
    UnsupportedSyntaxError,
    WrtError,
)
from .pytree import register_pytree
from .rules.table import register, unregister

__all__ = [
    "grad", "value_and_grad", "vjp", "check", "explain", "jvp", "jacobian", "hessian", "hvp",
    "stop_gradient", "detach", "register", "unregister", "register_pytree", "checkpoint", "remat",
    "every", "revolve",
    "SrcDiffError", "UnsupportedSyntaxError", "NonScalarOutputError",
    "NotDifferentiableError", "NonNumericOutputError", "WrtError", "NoSourceError",
    "ShapeMismatchError",
]
__version__ = "0.1.0"
