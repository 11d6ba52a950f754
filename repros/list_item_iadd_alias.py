"""SILENTLY WRONG (reverse mode): `L[1] += w` where the list's items are the same
array. NumPy's += on the item changes that array in place, so every name and list
slot holding it changes too (here L[0], and w itself: f modifies its input).
srcdiff differentiates it as L[1] = L[1] + w, without the alias:
    f(w) = sum(L[0] * L[1]) = sum((2w) * (2w))  ->  grad 8w
    srcdiff reverse: 4w (wrong, no error); forward: ValueError (see
    list_of_arrays_setitem_crash.py).
The same update on a plain name (z = w; z += w) is refused ("an in-place update of a
value that another name or a list refers to"); on a list item it is not."""
import numpy as np

import srcdiff


def f(w):
    L = [w, w]
    L[1] += w
    return np.sum(L[0] * L[1])


def g(w):  # the same alias, not an input
    z = 1.0 * w
    L = [z, z]
    L[1] += w
    return np.sum(L[0] * L[1])


w = np.array([0.3, -0.7])
print("want", 8 * w)
for fn in (f, g):
    for mode in ("reverse", "forward"):
        try:
            print(fn.__name__, mode, srcdiff.grad(fn, mode=mode)(w.copy()))
        except Exception as e:
            print(fn.__name__, mode, type(e).__name__, str(e).splitlines()[0])
