"""SILENTLY WRONG, both modes: an in-place update (+=, *=) of an array reached through a
container or a loop variable, where the same array is also reached another way. NumPy
changes the one array, so every holder sees it; srcdiff differentiates the update as if
it made a new array, and gives a wrong gradient with no error:

  loop_var_imul    for v in L: v *= 3.0          (L's items change: want 9x, got 1x)
  loop_var_iadd    for v in vel: v += w          (the velocity-update idiom)
  enumerate_imul   for i, p in enumerate(L): p *= (i + 2)
  (also: for W, b in layers: W *= 2.0; for p, q in zip(a, b): p += q; a loop over a
   list comprehension's result; nested loops)
  dict_item_iadd   d = {"a": z, "b": z}; d["b"] += w
  list_item_imul   L = [z]; L[0] *= 2.0; ... z   (z changed too)
  input_in_dict    state = {"x": x0}; state["x"] += 1.0; ... x0   (f's input changed)
  shallow_copy     M = list(L) (or L.copy(), L[:]); M[0] += w; ... L[0]
  values_list      vals = list(d.values()); vals[0] += w; ... d["a"]
  walrus_item      L = [(z := 1.0 * w)]; L[0] *= 3.0; ... z
  zip_loop_var     for a, b in zip([z], [w]): a += b; ... z
  loop_var_setitem for v in L: v[0] = 0.0      (item assignment, not only +=)

The same update on a plain name holding a shared array (y = z; y += w), or through
another name for the list (M = L; M[0] = ...), or through a loop over a *tuple* or over
dict.values(), is refused with "an in-place update of a value that another name or a
list refers to"; these (a loop over a list, a list or dict item) are not.
(list_item_iadd_alias.py is the same bug with L = [w, w]; L[1] += w.)"""
import numpy as np

import srcdiff


def loop_var_imul(w):
    L = [1.0 * w, 2.0 * w]
    for v in L:
        v *= 3.0
    return np.sum(L[0] * L[1])  # = 18 sum(w**2)


def loop_var_iadd(w):
    vel = [1.0 * w, 2.0 * w]
    for v in vel:
        v += w
    return np.sum(vel[0] * vel[1])  # = 6 sum(w**2)


def enumerate_imul(w):
    L = [1.0 * w, 2.0 * w]
    for i, p in enumerate(L):
        p *= (i + 2)
    return np.sum(L[0] * L[1])  # = 12 sum(w**2)


def dict_item_iadd(w):
    z = 1.0 * w
    d = {"a": z, "b": z}
    d["b"] += w
    return np.sum(d["a"] * d["b"])  # = 4 sum(w**2)


def list_item_imul(w):
    z = 1.0 * w
    L = [z]
    L[0] *= 2.0
    return np.sum(z * w)  # = 2 sum(w**2)


def shallow_copy(w):
    L = [1.0 * w]
    M = L.copy()
    M[0] += w
    return np.sum(L[0] * w)  # = 2 sum(w**2)


def values_list(w):
    d = {"a": 1.0 * w}
    vals = list(d.values())
    vals[0] += w
    return np.sum(d["a"] * w)  # = 2 sum(w**2)


def walrus_item(w):
    L = [(z := 1.0 * w)]
    L[0] *= 3.0
    return np.sum(z * w)  # = 3 sum(w**2)


def zip_loop_var(w):
    z = 1.0 * w
    for a, b in zip([z], [w]):
        a += b
    return np.sum(z * w)  # = 2 sum(w**2)


def loop_var_setitem(w):
    L = [1.0 * w, 2.0 * w]
    for v in L:
        v[0] = 0.0
    return np.sum(L[0] * L[1])  # = 2 w1**2: grad (0, 4 w1)


def input_in_dict(w):
    state = {"x": w}
    state["x"] += 1.0
    return np.sum(w * state["x"])  # = sum((w + 1)**2): want 2 (w + 1), got 2 w + 1


w = np.array([0.3, -0.7])
print("input_in_dict", srcdiff.grad(input_in_dict)(w.copy()), "want", 2 * (w + 1))
print("loop_var_setitem", srcdiff.grad(loop_var_setitem)(w.copy()), "want",
      np.array([0.0, 4 * w[1]]))
for f, k in ((loop_var_imul, 36), (loop_var_iadd, 12), (enumerate_imul, 24), (dict_item_iadd, 8),
             (list_item_imul, 4), (shallow_copy, 4), (values_list, 4), (walrus_item, 6),
             (zip_loop_var, 4)):
    for mode in ("reverse", "forward"):
        try:
            got = srcdiff.grad(f, mode=mode)(w.copy())
            print(f"{f.__name__:15} {mode:8} got {got}  want {k * w}")
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
