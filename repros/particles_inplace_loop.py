"""SILENTLY WRONG, both modes - the bug of inplace_through_container_alias.py in a
program as people write it: particles kept as lists of arrays, updated in place in a
loop over zip(pos, vel). srcdiff treats `v -= ...` and `p += ...` as new arrays bound
to the loop names, so pos never changes and the gradient in k is 0."""
import numpy as np

import srcdiff


def simulate(k, pos0, vel0, dt=0.1, n=10):
    pos = [p.copy() for p in pos0]
    vel = [v.copy() for v in vel0]
    for _ in range(n):
        for p, v in zip(pos, vel):
            v -= dt * k * p
            p += dt * v
    return sum(np.sum(p ** 2) for p in pos)


pos0 = [np.array([1.0, 0.0]), np.array([0.0, 2.0])]
vel0 = [np.array([0.0, 1.0]), np.array([-1.0, 0.0])]
h = 1e-6
print("central", (simulate(1.5 + h, pos0, vel0) - simulate(1.5 - h, pos0, vel0)) / (2 * h))
for mode in ("reverse", "forward"):
    try:
        print(mode, srcdiff.grad(simulate, mode=mode)(1.5, pos0, vel0))
    except Exception as e:
        print(mode, type(e).__name__, str(e).splitlines()[0])
