"""srcdiff's own primitive: `stop_gradient` (also `detach`), the identity held
constant by differentiation. Its rule has a zero derivative and prints as its
argument, so generated code never calls srcdiff."""
from .table import ELEMENTWISE, defzero


def stop_gradient(x):
    """Return `x` itself; differentiation treats it as a constant."""
    return x


detach = stop_gradient
defzero(stop_gradient, "stop_gradient", out_kind=ELEMENTWISE,
        form=lambda args, kws: args[0])
