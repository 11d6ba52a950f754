"""`t += (v,)` on a tuple crashes with srcdiff's internal TypeError
"<srcdiff.structs.TupleVal object at 0x...>" (exprs.atom); `t = t + (v,)` works.
In a loop from t = (), the refusal says t "is assigned only inside the loop; assign it
before" - it is assigned before."""
import numpy as np

import srcdiff


def augmented(w):
    t = (w[0],)
    t += (w[1] * 2,)
    return sum(t)  # grad (1, 2, 0)


def spelled_out(w):  # works
    t = (w[0],)
    t = t + (w[1] * 2,)
    return sum(t)


def in_a_loop(w):
    t = ()
    for i in range(2):
        t += (w[i] * 2,)
    return sum(t)  # grad (2, 2, 0)


w = np.array([0.5, -1.3, 0.9])
for f in (augmented, spelled_out, in_a_loop):
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, mode=mode)(w))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
