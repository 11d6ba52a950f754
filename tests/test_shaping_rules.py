"""Building and shaping rules (srcdiff/rules/shaping.py) against finite differences.

One line per function and form, as in test_numpy_rules: each case runs in
reverse mode (vjp with a random cotangent) and forward mode (jvp with a random
tangent), and gradients must have their parameter's type and shape.
"""
import numpy as np
import pytest

import srcdiff
from helpers_numpy import Case, cases, check_mode

M34, V5, T234 = (3, 4), (5,), (2, 3, 4)


# ----- copies of entries -----
def tile(x): return np.tile(x, 2)[3:8] * np.tile(x, (2, 1))[1]
def tile_2d(x): return np.tile(x, (2, 3))[:3, :8] * np.tile(x, (1, 1, 2))[0]
def repeat(x): return np.repeat(x, 2)[:6] * np.repeat(x, [1, 0, 3, 1, 1])
def repeat_axis(x): return np.repeat(x, 2, axis=1) + x.repeat([2, 1, 0], axis=0)[:, :1]
def repeat_scalar(x): return np.repeat(x, 3)
def take(x): return np.take(x, [0, 0, 3]) + x.take([1, 2, 2], axis=1)[0]
def take_modes(x): return np.take(x, [7, -1, 2], mode="wrap") * np.take(x, [9, 0], mode="clip")[0]
def take_along(x): return np.take_along_axis(x, np.argsort(x, axis=1), axis=1) * np.take_along_axis(
    x, np.array([[0, 0], [1, 1], [3, 2]]), 1).sum()
def take_along_none(x): return np.take_along_axis(x, np.array([0, 5, 5]), None)
def diagonal(x): return np.diagonal(x)[:3] + x.diagonal(1) + np.diagonal(x, -1, 1, 0)[:3]
def diagonal_3d(x): return np.diagonal(x, 0, 1, 2) * np.diagonal(x, axis1=0, axis2=2).sum()
def insert(x, v): return np.insert(x, 1, v) + np.insert(x, [0, 2], v[:2])[:6].sum()
def insert_axis(x, v): return np.insert(x, 2, v, axis=1)
def insert_int(v): return np.insert(np.arange(4), 1, v) + v
def delete(x): return np.delete(x, 1) + np.delete(x, [0, 2])[:3].sum()
def delete_axis(x): return np.delete(x, [0, 3], axis=1) + np.delete(x, 1, 0)[:, :2].sum()
def partition(x): return np.partition(x, 2) * np.arange(5.0) + np.partition(x, (1, 3))
def partition_axis(x): return np.partition(x, 1, axis=0) * np.partition(x, 2, axis=None)[:4]


CASES = cases(tile, [V5]) + cases(tile_2d, [M34]) + cases(repeat, [V5])
CASES += cases(repeat_axis, [(3, 2)]) + cases(repeat_scalar, ["f"]) + cases(take, [M34])
CASES += cases(take_modes, [V5]) + cases(take_along, [M34]) + cases(take_along_none, [(2, 3)])
CASES += cases(diagonal, [(4, 4)]) + cases(diagonal_3d, [(3, 3, 3)])
CASES += cases(insert, [V5, (3,)]) + cases(insert_axis, [M34, (3,)], [M34, "f"])
CASES += cases(insert_int, ["f"]) + cases(delete, [V5]) + cases(delete_axis, [M34])
CASES += cases(partition, [V5]) + cases(partition_axis, [M34])


# ----- pad -----
def pad(x): return np.pad(x, 2) + np.pad(x, (1, 3)) * np.pad(x, ((2, 2),))
def pad_modes(x):
    return (np.pad(x, 2, "edge") + np.pad(x, 2, "reflect") + np.pad(x, 2, mode="symmetric")
            * np.pad(x, 2, "wrap"))
def pad_2d(x): return np.pad(x, ((1, 0), (2, 1)), "reflect") + np.pad(x, ((0, 1), (1, 2)), "wrap")
def pad_value(x, c): return np.pad(x, ((1, 0), (2, 1)), constant_values=c)
def pad_values(x, c): return np.pad(x, 1, constant_values=(c, 2 * c))


CASES += cases(pad, [V5]) + cases(pad_modes, [V5]) + cases(pad_2d, [M34])
CASES += cases(pad_value, [M34, "f"], [M34, ()]) + cases(pad_values, [V5, "f"])


# ----- differences -----
def diff(x): return np.diff(x) + np.diff(x, axis=0)[:, :3].sum()
def diff_n(x): return np.diff(x, n=2) * np.diff(x, 3, axis=-1).sum() + np.diff(x, 2, 0).sum()
def diff_ends(x, p): return np.diff(x, prepend=p) + np.diff(x, append=p * p, axis=0)
def diff_array_ends(x, p): return np.diff(x, n=2, axis=0, prepend=p, append=p[:1])
def ediff1d(x): return np.ediff1d(x) * np.ediff1d(x[::-1])
def ediff1d_ends(x, b): return np.ediff1d(x, to_begin=b)[:4].sum() * np.ediff1d(x, b * b, b)
def gradient(x): return np.gradient(x) + np.gradient(x, 0.5) * np.gradient(x, edge_order=2)
def gradient_2d(x):
    gy, gx = np.gradient(x)
    return gy * gx + np.gradient(x, 2.0, axis=1) + np.gradient(x, axis=(0, 1))[0]
def gradient_coords(x): return np.gradient(x, np.array([0.0, 0.5, 1.5, 1.7, 3.0]))
def cumprod(x): return np.cumprod(x) + np.cumprod(x, axis=0).ravel() + x.cumprod(axis=1).ravel()


CASES += cases(diff, [M34]) + cases(diff_n, [(4, 5)]) + cases(diff_ends, [M34, "f"])
CASES += cases(diff_array_ends, [M34, (2, 4)]) + cases(ediff1d, [V5], [M34])
CASES += cases(ediff1d_ends, [V5, "f"], [V5, (2,)]) + cases(gradient, [V5])
CASES += cases(gradient_2d, [(4, 5)]) + cases(gradient_coords, [V5]) + cases(cumprod, [M34])


# ----- splitting and joining -----
def split(x):
    a, b = np.split(x, 2)
    return a * b
def split_axis(x):
    parts = np.split(x, 2, axis=1)
    return parts[0] * parts[1] + np.array_split(x, 3, axis=0)[1].sum()
def split_unequal(x):
    a, b = np.split(x, [2])
    c, d, e = np.array_split(x, 3)
    return np.sum(a) * b + np.sum(c * c) * np.sum(d) + e[0]
def hsplit_unequal(x):
    left, right = np.hsplit(x, [1])
    return left * np.sum(np.sin(right), axis=1, keepdims=True)
def hsplit(x):
    a, b = np.hsplit(x, 2)
    c, d = np.vsplit(x, [2])[0], np.dsplit(x[None], 4)[3]
    return a * b + c.sum() * d.sum()
def column_stack(x, y): return np.column_stack([x, y, x * y]) + np.column_stack((x, 2.0 * y))[:, :1]
def column_stack_2d(x, y): return np.column_stack([x, y])
def dstack(x, y): return np.dstack([x, y]) * np.dstack((x, x * y)).sum()
def row_stack(x, y): return np.row_stack([x, y]) * np.row_stack((y, x * x))
def append(x, y): return np.append(x, y) + np.append(y, x)
def append_axis(x, y): return np.append(x, y, axis=0) * np.append(y, x, 0).sum()


CASES += cases(split, [(6,)]) + cases(split_axis, [(3, 4)]) + cases(hsplit, [(4, 4)])
CASES += cases(split_unequal, [(8,)]) + cases(hsplit_unequal, [M34])
CASES += cases(column_stack, [V5, V5]) + cases(column_stack_2d, [(3, 2), (3,)])
CASES += cases(dstack, [M34, M34], [V5, V5])
CASES += cases(append, [(3,), M34], ["f", V5]) + cases(append_axis, [M34, (2, 4)])


# a list's adjoint gathered from two uses adds item by item (it once concatenated)
def list_used_twice(x, y):
    p = [x, y]
    return np.concatenate(p) * np.concatenate(p) + np.hstack(p)
def stacked_twice(x, y):
    p = [x, y]
    return np.column_stack(p) * np.column_stack(p).sum() + np.dstack(p)[0]
def split_then_join(x):
    p = np.split(x, [2])
    return np.concatenate(p) ** 2 + p[0].sum() * p[1][0]


CASES += cases(list_used_twice, [(3,), (4,)], [(2,), (2,)])
CASES += cases(stacked_twice, [V5, V5]) + cases(split_then_join, [(6,)])


# ----- rotations and axes -----
def rot90(x): return np.rot90(x) + np.rot90(x, 3).T + np.rot90(x, 2) * np.rot90(x, -1, (1, 0)).T
def rot90_3d(x): return np.rot90(x, 1, axes=(0, 2))
def rollaxis(x): return np.rollaxis(x, 2) + np.rollaxis(x, 0, 3).transpose(2, 0, 1)
def rollaxis_neg(x): return np.rollaxis(x, -1, 1)


CASES += cases(rot90, [(4, 4)]) + cases(rot90_3d, [T234]) + cases(rollaxis, [(3, 3, 3)])
CASES += cases(rollaxis_neg, [T234])


# ----- evenly spaced values with active endpoints -----
def linspace(a, b): return np.linspace(a, b, 5) * np.linspace(a, b, num=4, endpoint=False).sum()
def linspace_default(a, b): return np.linspace(a, b)
def linspace_arrays(a, b): return np.linspace(a, b, 4) + np.linspace(a, b, 3, axis=1).sum()
def linspace_one(a): return np.linspace(a, 2.0, 1) + np.linspace(0.0, a, 6)
def logspace(a, b): return np.logspace(a, b, 5) + np.logspace(a, b, 5, base=2.0)
def logspace_base(a, b): return np.logspace(0.5, 1.0, 4, base=a * a + b * b)
def geomspace(a, b): return np.geomspace(a, b, 5) * np.geomspace(b, a, 3, endpoint=False).sum()
def geomspace_arrays(a, b): return np.geomspace(a, b, 4, axis=-1)


CASES += cases(linspace, ["f", "f"]) + cases(linspace_default, ["f", "f"])
CASES += cases(linspace_arrays, [(3,), (2, 3)], [(2, 3), "f"]) + cases(linspace_one, ["f"])
CASES += cases(logspace, ["f", "f"], [(3,), "f"]) + cases(logspace_base, ["f", "f"])
CASES += cases(geomspace, ["f", "f"], domain="pos")
CASES += cases(geomspace_arrays, [(3,), (2, 3)], domain="pos")


# ----- meshgrid -----
def meshgrid(x, y):
    a, b = np.meshgrid(x, y)
    return a * b + np.sin(a)
def meshgrid_ij(x, y):
    a, b = np.meshgrid(x, y, indexing="ij")
    return a * b * b
def meshgrid_3(x, y):
    a, b, c = np.meshgrid(x, y, x * 2)
    return a * b + c


CASES += cases(meshgrid, [(3,), (4,)]) + cases(meshgrid_ij, [(3,), (4,)])
CASES += cases(meshgrid_3, [(2,), (3,)])


# ----- values out of arrays -----
def item(x): return x.item(2) * x.item(1) + x[:1].item()
def item_2d(x): return x.item(1, 2) + x.item(5) * 3
def tolist(x):
    values = x.tolist()
    return values[0] * values[2] + x[1:2].tolist()[0]
def tolist_2d(x): return np.array(x.tolist()) * 2
def float64(x): return np.float64(x) * 3.0 + np.float64(x[0])


CASES += cases(item, [V5]) + cases(item_2d, [M34]) + cases(tolist, [V5])
CASES += cases(tolist_2d, [M34]) + cases(float64, [(3,)])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case, mode):
    check_mode(case, mode)


@pytest.mark.skipif(not hasattr(np, "row_stack"), reason="NumPy without np.row_stack")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # np.row_stack is deprecated
@pytest.mark.parametrize("case", cases(row_stack, [V5, V5], [(2, 3), (1, 3)]))
def test_row_stack(case, mode):
    test_rule(case, mode)


# ----- conventions and refusals -----
def partition_ties(x): return np.sum(np.partition(x, 1)[:2] * np.array([1.0, 10.0]))


def test_partition_sends_cotangent_through_argpartition(mode):
    x = np.array([3.0, 1.0, 1.0, 2.0])
    g = srcdiff.grad(partition_ties, mode=mode)(x)
    order = np.argpartition(x, 1)
    want = np.zeros(4)
    want[order[:2]] = [1.0, 10.0]
    np.testing.assert_array_equal(g, want)


def pad_linear_ramp(x): return np.sum(np.pad(x, 2, "linear_ramp"))
def pad_odd(x): return np.sum(np.pad(x, 2, "reflect", reflect_type="odd"))
def linspace_step(x): return np.sum(np.linspace(x, 2.0, 5, retstep=True)[0])
def linspace_int(x): return np.sum(np.linspace(x, 20.0, 5, dtype=int))
def gradient_spacing(x): return np.sum(np.gradient(np.sin(np.arange(5.0)), x))
def meshgrid_sparse(x): return np.sum(np.meshgrid(x, x, sparse=True)[0])


@pytest.mark.parametrize("f, match", [
    (pad_linear_ramp, "mode="), (pad_odd, "reflect_type="), (linspace_step, "retstep"),
    (linspace_int, "dtype"), (gradient_spacing, "spacing")])
def test_refused_forms_raise(f, match, mode):
    x = np.array([0.5, 1.0, 2.0]) if f is not gradient_spacing else 0.5
    with pytest.raises(srcdiff.NotDifferentiableError, match=match):
        srcdiff.grad(f, mode=mode)(x)


def test_sparse_meshgrid_is_refused(mode):
    with pytest.raises(srcdiff.NotDifferentiableError, match="sparse"):
        srcdiff.grad(meshgrid_sparse, mode=mode)(np.array([0.5, 1.0]))


def diff_source(x): return np.sum(np.diff(x) ** 2)


def test_diff_adjoint_reads_like_a_person_wrote_it():
    src = srcdiff.grad(diff_source).source
    flat = "".join(src.split())  # (where the printer wraps the line does not matter)
    assert "-np.diff(" in src and "prepend=0,append=0" in flat


# ----- second order: forward mode over the generated gradient, whose helpers have rules -----
def diff_weighted(x): return np.sum(np.diff(x) ** 2 * x[1:])
def pad_cubed(x): return np.sum(np.pad(x, 1, "reflect") ** 3 * np.pad(x, (2, 0)))
def tile_cubed(x): return np.sum(np.tile(x, 2) ** 3) + np.sum(np.take(x, [0, 0, 3]) ** 2 * x[1])


def fd_hessian(f, x, h=1e-4):
    """Second central differences of f itself (no derivative code involved)."""
    n = x.size
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * h, np.eye(n)[j] * h
            out[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h)
    return out


@pytest.mark.parametrize("f", [diff_weighted, pad_cubed, tile_cubed])
def test_hessian(f):
    x = np.array([0.5, -1.2, 2.0, 0.7, 1.1])
    np.testing.assert_allclose(srcdiff.hessian(f)(x), fd_hessian(f, x), rtol=1e-5, atol=1e-5)
