"""srcdiff's own primitives: `stop_gradient` (also `detach`), the identity held
constant by differentiation (its rule has a zero derivative and prints as its
argument, so generated code never calls srcdiff), and `assert`, kept as a statement."""
import ast

from .table import ELEMENTWISE, defzero


def stop_gradient(x):
    """Return `x` itself; differentiation treats it as a constant."""
    return x


detach = stop_gradient
defzero(stop_gradient, "stop_gradient", out_kind=ELEMENTWISE,
        form=lambda args, kws: args[0])


# `assert test, msg`: kept in every derivative (where f fails an assertion, so does its
# derivative), as a statement with no derivative that changes no value.
ASSERT = ("statement", "assert")


def _assert_form(args, kws):
    msg = args[1] if len(args) > 1 else None
    if isinstance(msg, ast.Constant) and msg.value is None:
        msg = None
    return ast.Assert(args[0], msg)


defzero(ASSERT, "assert", form=_assert_form, effect_free=True)
