"""SILENTLY WRONG, both modes: an alias made in a branch is forgotten where the branches
join. `y = z` in one arm of an if (or a conditional expression, or on some loop trips),
then `y += w`, changes z's array too; srcdiff differentiates as if y were a new array,
with no error. The same alias made unconditionally (y = z; y += w) is refused with
"an in-place update of a value that another name or a list refers to".

Item assignment through such an alias is lost the same way (y[0] = ..., setitem_branch).

The pattern users write: a helper with an `inplace` flag,
    out = x if inplace else x.copy(); out /= scale"""
import numpy as np

import srcdiff


def if_stmt(w, flag=True):
    z = 1.0 * w
    if flag:
        y = z
    else:
        y = 2.0 * w
    y += w
    return np.sum(z * w)  # flag: z = 2w -> 2 sum(w**2), grad 4w


def cond_expr(w, flag=True):
    z = 1.0 * w
    y = z if flag else 2.0 * w
    y += w
    return np.sum(z * w)  # grad 4w


def loop_carried(w):
    z = 1.0 * w
    y = 2.0 * w
    for i in range(2):
        if i == 1:
            y = z
    y += w
    return np.sum(z * w)  # grad 4w


def setitem_branch(w, flag=True):
    z = 1.0 * w
    y = z if flag else z.copy()
    y[0] = 5.0 * w[1]
    return np.sum(z * w)  # z = (5 w1, w1): grad (5 w1, 5 w0 + 2 w1)


def _scale(x, s, inplace=False):
    out = x if inplace else x.copy()
    out *= s
    return out


def inplace_flag(w):
    z = 1.0 * w
    y = _scale(z, 3.0, inplace=True)
    return np.sum(z * y)  # z = y = 3w -> 9 sum(w**2), grad 18w


def inplace_flag_no_result(w):  # refused, with the message "(this call(...))"
    z = 1.0 * w
    _scale(z, 3.0, inplace=True)
    return np.sum(z * w)  # grad 6w


w = np.array([0.3, -0.7])
print("setitem_branch", srcdiff.grad(setitem_branch)(w.copy()), "want",
      np.array([5 * w[1], 5 * w[0] + 2 * w[1]]))
for f, k in ((if_stmt, 4), (cond_expr, 4), (loop_carried, 4), (inplace_flag, 18),
             (inplace_flag_no_result, 6)):
    for mode in ("reverse", "forward"):
        try:
            print(f"{f.__name__:13} {mode:8} got {srcdiff.grad(f, mode=mode)(w.copy())}"
                  f"  want {k * w}")
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
