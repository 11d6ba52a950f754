"""Not a bug by the README's convention (comparisons have zero derivative, as in JAX),
but the corpus harness calls it WRONG, and a user may be surprised: the root found by
bisection is, as a program, piecewise constant in c (steps of 1.5 / 2**60), so srcdiff
gives exactly 0 in both modes, while the root as a function of c has derivative
-x / (sin(x) + c) (central differences see that). Kept out of the corpus."""
import math

import srcdiff


def bisection_root(c):
    lo, hi = 0.0, 1.5
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if math.cos(mid) - c * mid > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


x = bisection_root(1.0)
print("srcdiff:", srcdiff.grad(bisection_root)(1.0),
      srcdiff.grad(bisection_root, mode="forward")(1.0))
print("root's derivative:", -x / (math.sin(x) + 1.0))
