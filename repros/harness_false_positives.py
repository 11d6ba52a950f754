"""Not srcdiff bugs: two programs the corpus harness (tests/programs/run.py) misjudges,
so they are kept out of the corpus. srcdiff's gradients below are right.

1. A bound method passed to f (verlet(spring.force, x0, v0)): run.py deep-copies the
   arguments and `same_value` compares the copy with `==`, which for a bound method
   of a plain object (or of a dataclass: the copied method's __self__ is a new object)
   is False -> "WRONG: argument 0 was modified".
2. A srcdiff derivative passed to f (descend(srcdiff.grad(rosenbrock), x0, lr)):
   copy.deepcopy(Derivative) raises TypeError (see derivative_deepcopy.py) -> "CRASH".
3. A relaxation loop that stops on a tolerance (steady_state below): the number of
   iterations changes with k, so the harness's 5-point differences straddle jumps
   ("the reference is unsteady") -> "WRONG"; srcdiff's derivative matches the fixed
   point's, -k**(-4/3) / 3, to 1e-8."""
import copy

import srcdiff
from tests.programs import fnargs3 as F
from tests.programs.run import same_value

s = F.Spring(2.0, 0.1)
g = srcdiff.grad(F.verlet, wrt=("x0", "v0"))
print("srcdiff:", g(s.force, 0.7, 0.1)[0])
eps = 1e-6
print("central:", (F.verlet(s.force, 0.7 + eps, 0.1) - F.verlet(s.force, 0.7 - eps, 0.1)) / 2 / eps)
print("same_value(method, deepcopy(method)):", same_value(s.force, copy.deepcopy(s.force)))


def steady_state(k, y0, tol=1e-10):
    y = y0
    for _ in range(10_000):
        dy = 0.1 * (1 - k * y ** 3)
        y += dy
        if abs(dy) < tol:
            break
    return y


print("srcdiff:", srcdiff.grad(steady_state)(1.3, 0.8), "fixed point's:", -1.3 ** (-4 / 3) / 3)
