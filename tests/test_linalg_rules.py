"""The linear-algebra and product rules (srcdiff/rules/linalg.py) against finite differences.

`CASES` is a table like JAX's grad_test_spec: a function (defined here, so srcdiff
can read its source), the shapes of its inputs and their domain. The function
itself maps its raw inputs into the domain the rule needs (`spd` makes a
symmetric positive definite matrix, `wc` a well-conditioned one), so each line
says what it tests. Every case runs in reverse mode (vjp with a random
cotangent) and forward mode (jvp with a random tangent). Eigenvectors and
singular vectors are only determined up to sign: the functions read them
through sign-free forms (`V * V`, `U @ U.T`).
"""
import numpy as np
import pytest

import srcdiff
from helpers_numpy import Case, cases, check_mode

I3 = np.eye(3)
B3 = (2, 3, 3)  # a stack of two 3x3 matrices
W = np.diag([1.0, 2.5, 4.5])  # spreads eigenvalues / singular values apart
W42 = np.array([[3.0, 0.0], [0.0, 1.5], [0.0, 0.0], [0.0, 0.0]])


def wc(a): return a + 4 * np.eye(np.shape(a)[-1])
def spd(a): return a @ np.swapaxes(a, -1, -2) + 3 * np.eye(np.shape(a)[-1])
def sym(a): return a + np.swapaxes(a, -1, -2) + W


# ----- inverse, determinant, solve -----
def inv(a): return np.linalg.inv(wc(a))
def det(a): return np.linalg.det(wc(a))
def slogdet_index(a): return np.linalg.slogdet(wc(a))[1]
def slogdet_unpack(a):
    sign, logdet = np.linalg.slogdet(a)
    return sign * logdet
def solve_vec(a, b): return np.linalg.solve(wc(a), b)
def solve_mat(a, b): return np.linalg.solve(wc(a), b)
def gaussian(a, x): return 0.5 * x @ np.linalg.solve(spd(a), x) + np.linalg.slogdet(spd(a))[1]
def matrix_power(a): return np.linalg.matrix_power(a, 3) + np.linalg.matrix_power(a, 1)
def matrix_power_neg(a): return np.linalg.matrix_power(wc(a), -2)
def matrix_power_0(a): return np.linalg.matrix_power(a, 0) * a
def pinv(a): return np.linalg.pinv(a + W42)
def pinv_square(a): return np.linalg.pinv(wc(a))
def lstsq(a, b): return np.linalg.lstsq(a + W42, b, rcond=None)[0]
def lstsq_all(a, b):
    x, res, rank, s = np.linalg.lstsq(a + W42, b)
    return np.sum(x * x) + np.sum(res) + np.sum(s * s)
def lstsq_rank1(u, v, b): return np.linalg.lstsq(np.outer(u, v), b)[0]  # rank 1 throughout
def multi_dot(a, b, c): return np.linalg.multi_dot([a, b, c])


CASES = cases(inv, [(3, 3)], [B3]) + cases(det, [(3, 3)], [B3])
CASES += cases(slogdet_index, [(3, 3)], [B3]) + cases(slogdet_unpack, [(3, 3)])
CASES += cases(solve_vec, [(3, 3), (3,)], [B3, (3,)])
CASES += cases(solve_mat, [(3, 3), (3, 2)], [B3, (2, 3, 2)], [(3, 3), (2, 3, 2)])
CASES += cases(gaussian, [(3, 3), (3,)])
CASES += cases(matrix_power, [(3, 3)], [B3]) + cases(matrix_power_neg, [(3, 3)])
CASES += cases(matrix_power_0, [(3, 3)])
CASES += cases(pinv, [(4, 2)], [(3, 4, 2)]) + cases(pinv_square, [(3, 3)])
CASES += cases(lstsq, [(4, 2), (4,)], [(4, 2), (4, 3)]) + cases(lstsq_all, [(4, 2), (4, 3)])
CASES += cases(lstsq_rank1, [(4,), (3,), (4,)])
CASES += cases(multi_dot, [(3,), (3, 4), (4,)], [(2, 3), (3, 4), (4, 2)])


# ----- decompositions -----
def cholesky(a): return np.linalg.cholesky(spd(a))
def cholesky_upper(a): return np.linalg.cholesky(spd(a), upper=True)
def cholesky_raw(a): return np.linalg.cholesky(wc(a) * 2)  # reads a's lower triangle only
def eigh_values(a): return np.linalg.eigh(sym(a))[0]
def eigh_unpack(a):
    w, v = np.linalg.eigh(sym(a))
    return v * v * w + v[:, :2] @ v[:, :2].T
def eigh_raw(a):  # a is not symmetric: eigh reads its lower triangle
    w, v = np.linalg.eigh(a + W)
    return w[0] * v * v
def eigh_upper(a):
    w, v = np.linalg.eigh(a + W, UPLO="U")
    return w + np.sum(v ** 2 * w, axis=0)
def eigh_batch(a):
    w, v = np.linalg.eigh(sym(a))
    return w[..., None] * v * v
def eigvalsh(a): return np.linalg.eigvalsh(sym(a)) + np.linalg.eigvalsh(a + W, "U")
def eig(a):
    w, v = np.linalg.eig(sym(a) + 0.1 * a)
    return w[..., None, :] * v * v
def eigvals(a): return np.linalg.eigvals(sym(a) + 0.1 * a)
def svd_square(a):
    u, s, vh = np.linalg.svd(a + W)
    return s * (u * u) + vh * vh
def svd_thin(a):
    u, s, vh = np.linalg.svd(a + W42, full_matrices=False)
    return np.sum(s * u * u) + np.sum(vh[0] * vh[0] * s) + u[:, 0] @ u[:, 1] ** 2
def svd_wide(a):
    u, s, vh = np.linalg.svd(a.T + W42.T, full_matrices=False)
    return np.sum((u * u) @ s) + s @ (vh * vh) + vh[1] * vh[1]
def svd_full_used_part(a):
    u, s, vh = np.linalg.svd(a + W42)
    return s[0] * u[:, :2] * u[:, :2]
def svd_values(a): return np.linalg.svd(a + W42, compute_uv=False)
def svd_batch(a):
    u, s, vh = np.linalg.svd(a + W, full_matrices=False)
    return s[..., None] * u * u
def qr(a):
    q, r = np.linalg.qr(a + W42)
    return q * r[0] + q @ r
def qr_r(a): return np.linalg.qr(a + W, mode="r")
def qr_batch(a): return np.linalg.qr(a)[0]
def qr_complete(a):
    q, r = np.linalg.qr(a + W, mode="complete")
    return q * np.diag(r)
def qr_r_tall(a): return np.linalg.qr(a + W42, "r") ** 2
def svdvals(a): return np.linalg.svdvals(a + W42) + np.linalg.svd(a + W42, False, False)


def eigh_loop(a):  # tuple results unpacked in a loop and read in a branch
    x = np.ones(3)
    for i in range(3):
        w, v = np.linalg.eigh(sym(a) + i * np.eye(3))
        if i % 2 == 0:
            x = v @ (w * (v.T @ x)) / 10
        else:
            x = x * np.linalg.slogdet(spd(a))[1]
    return x


CASES += cases(eigh_loop, [(3, 3)])
CASES += cases(cholesky, [(3, 3)], [B3]) + cases(cholesky_upper, [(3, 3)])
CASES += cases(cholesky_raw, [(3, 3)])
CASES += cases(eigh_values, [(3, 3)]) + cases(eigh_unpack, [(3, 3)]) + cases(eigh_raw, [(3, 3)])
CASES += cases(eigh_upper, [(3, 3)]) + cases(eigh_batch, [B3]) + cases(eigvalsh, [(3, 3)], [B3])
CASES += cases(eig, [(3, 3)], [B3]) + cases(eigvals, [(3, 3)], [B3])
CASES += cases(svd_square, [(3, 3)]) + cases(svd_thin, [(4, 2)]) + cases(svd_wide, [(4, 2)])
CASES += cases(svd_full_used_part, [(4, 2)]) + cases(svd_values, [(4, 2)])
CASES += cases(svd_batch, [B3])
CASES += cases(qr_complete, [(3, 3)]) + cases(qr_r_tall, [(4, 2)]) + cases(svdvals, [(4, 2)])
CASES += cases(qr, [(4, 2)]) + cases(qr_r, [(3, 3)]) + cases(qr_batch, [(2, 4, 3)])


# ----- norms -----
def norm(x): return np.linalg.norm(x)
def norm_ords_vec(x):
    return (np.linalg.norm(x, 1) + np.linalg.norm(x, -1) + np.linalg.norm(x, np.inf)
            + np.linalg.norm(x, -np.inf) + np.linalg.norm(x, 3) + np.linalg.norm(x, 0.5)
            + np.linalg.norm(x, 0) + np.linalg.norm(x, 2))
def norm_ords_mat(x):
    return (np.linalg.norm(x, 1) + 2 * np.linalg.norm(x, -1) + 3 * np.linalg.norm(x, np.inf)
            + 4 * np.linalg.norm(x, -np.inf) + np.linalg.norm(x, 2) + np.linalg.norm(x, -2)
            + np.linalg.norm(x, "fro") + np.linalg.norm(x, "nuc"))
def norm_axis(x):
    return np.linalg.norm(x, axis=0, keepdims=True) * np.linalg.norm(x, 2, 1)[:, None]
def norm_axis_ords(x):
    return np.linalg.norm(x, 1, axis=0) + np.linalg.norm(x, np.inf, axis=0, keepdims=True)[0]
def norm_axes(x):
    return (np.linalg.norm(x, 2, axis=(2, 0)) * np.linalg.norm(x, "nuc", (0, 2))
            + np.linalg.norm(x, 1, axis=(0, 1)).sum() + np.linalg.norm(x, -np.inf, (1, 2)).sum())
def norm_axes_keep(x): return np.linalg.norm(x, np.inf, axis=(-2, -1), keepdims=True) * x
def vector_norm(x):
    return (np.linalg.vector_norm(x) + np.linalg.vector_norm(x, ord=1, axis=(0, 2))
            + np.linalg.vector_norm(x, axis=2, ord=np.inf, keepdims=True)[0, :, 0])
def matrix_norm(x):
    return (np.linalg.matrix_norm(x) + np.linalg.matrix_norm(x, ord=1)
            + np.linalg.matrix_norm(x, ord="nuc") + np.linalg.matrix_norm(x, ord=-2)
            + np.linalg.matrix_norm(x, keepdims=True, ord=np.inf)[:, 0, 0])
def norm_var_ord(x, p): return np.linalg.norm(x, p)


def norm_p_axis(x):
    return np.linalg.norm(x, 3, axis=1) + np.linalg.norm(x, 1.5, axis=0, keepdims=True).sum()
def vector_norm_ords(x):
    return (np.linalg.vector_norm(x, ord=-np.inf) + np.linalg.vector_norm(x, ord=0.7)
            + np.linalg.vector_norm(x, ord=0) + np.linalg.vector_norm(x, ord=2, axis=-1).sum()
            + np.linalg.vector_norm(x, ord=3, axis=(0, 1)) + np.linalg.norm(x, -3, 1).sum())
def matrix_norm_ords(x):
    return (np.linalg.matrix_norm(x, ord=-1) + np.linalg.matrix_norm(x, ord=2)
            + np.linalg.matrix_norm(x, ord=-np.inf) + np.linalg.matrix_norm(x, ord="fro"))


CASES += cases(norm_p_axis, [(3, 4)]) + cases(vector_norm_ords, [(2, 3)])
CASES += cases(matrix_norm_ords, [(2, 3, 4)])
CASES += cases(norm, [(5,)], [(3, 4)], [(2, 3, 4)]) + cases(norm_ords_vec, [(5,)])
CASES += cases(norm_ords_mat, [(3, 4)], [(4, 3)]) + cases(norm_axis, [(3, 4)])
CASES += cases(norm_axis_ords, [(3, 4)]) + cases(norm_axes, [(2, 3, 4)])
CASES += cases(norm_axes_keep, [(2, 3, 4)]) + cases(vector_norm, [(2, 3, 4)])
CASES += cases(matrix_norm, [(2, 3, 4)])


# ----- traces and contractions -----
def trace(x): return np.trace(x) + np.trace(x, 1) + x.trace() + np.trace(x, -1)
def trace_axes(x): return np.trace(x, axis1=1, axis2=2) + np.trace(x, 1, 0, 2)[:, None]
def trace_linalg(x): return np.linalg.trace(x) + np.linalg.trace(x, offset=1)
def tensordot(x, y): return np.tensordot(x, y) + np.linalg.tensordot(x, y, axes=2)
def tensordot_forms(x, y):
    return np.tensordot(x, y, axes=([1, 2], [0, 1])) + np.tensordot(x, y, 2)
def tensordot_0(x, y): return np.tensordot(x, y, 0)


CASES += cases(trace, [(3, 4)], [(3, 3)], [(3, 3, 2)]) + cases(trace_axes, [(2, 3, 3)])
CASES += cases(trace_linalg, [B3]) + cases(tensordot, [(2, 3, 4), (3, 4)])
CASES += cases(tensordot_forms, [(2, 3, 4), (3, 4)]) + cases(tensordot_0, [(2,), (3,)])


# ----- products -----
def einsum_matmul(x, y): return np.einsum("ij,jk->ik", x, y)
def einsum_implicit(x, y): return np.einsum("ij,jk", x, y) + np.einsum("ba,cb", y, x).T
def einsum_trace(x): return np.einsum("ii", x) * np.einsum("ii->i", x)
def einsum_diag_outer(x): return np.einsum("ii,j->ij", x, np.diag(x))
def einsum_ellipsis(x, y): return np.einsum("...ij,...jk->...ik", x, y)
def einsum_ellipsis_broadcast(x, y): return np.einsum("...i,...i->...", x, y)
def einsum_three(x, y, z): return np.einsum("i,ij,jk->k", x, y, z)
def einsum_optimize(x, y, z): return np.einsum("ij,jk,kl->il", x, y, z, optimize=True)
def einsum_sum_only(x, y): return np.einsum("ij,k->k", x, y)
def linalg_aliases(x, y):
    return np.linalg.cross(x, y) @ np.linalg.matmul(np.linalg.outer(x, y), y)
def einsum_mixed_case(x, y): return np.einsum("aB,Bc", x, y) + np.einsum("Ab,bc", x, y)
def einsum_batch_diag(x): return np.einsum("...ii->...i", x) * np.einsum("...ii", x)[..., None]
def einsum_four(w, x, y, z): return np.einsum("i,ij,jk,k->", w, x, y, z)
SPEC = "ij,jk->ik"
def einsum_global_spec(x, y): return np.einsum(SPEC, x, y)
def multi_dot_tuple(a, b): return np.linalg.multi_dot((a, b, a.T))
def einsum_same(x): return np.einsum("i,i", x, x) + np.einsum("ij,ij->", x[None], x[None])
def einsum_sublist(a): return np.sum(np.einsum(a, [0, 1], a, [1, 2]))
def einsum_sublist_out(x, y): return np.einsum(x, [0, 1], y, [1, 2], [2, 0])
def einsum_sublist_ellipsis(x, y): return np.einsum(x, [..., 0, 1], y, [1, 2], [..., 0, 2])
def einsum_sublist_three(x, y, z): return np.einsum(x, [0], y, [0, 1], z, [1, 2], [2])
def einsum_sublist_trace(x): return np.einsum(x, [0, 0]) * np.einsum(x, [1, 1], [1])
def cross(x, y): return np.cross(x, y)
def cross_axes(x, y): return np.cross(x, y, axisa=0, axisb=1, axisc=0)
def cross_axis(x, y): return np.cross(x, y, axis=0)
def kron(x, y): return np.kron(x, y)


CASES += cases(einsum_matmul, [(2, 3), (3, 4)]) + cases(einsum_implicit, [(2, 3), (3, 4)])
CASES += cases(einsum_trace, [(3, 3)]) + cases(einsum_diag_outer, [(3, 3)])
CASES += cases(einsum_ellipsis, [(2, 2, 3), (2, 3, 4)], [(2, 3), (5, 3, 4)])
CASES += cases(einsum_ellipsis_broadcast, [(2, 1, 3), (4, 3)])
CASES += cases(einsum_three, [(2,), (2, 3), (3, 4)])
CASES += cases(einsum_optimize, [(2, 3), (3, 4), (4, 2)]) + cases(einsum_sum_only, [(2, 3), (4,)])
CASES += cases(einsum_mixed_case, [(2, 3), (3, 2)]) + cases(einsum_batch_diag, [B3])
CASES += cases(einsum_four, [(2,), (2, 3), (3, 4), (4,)])
CASES += cases(einsum_same, [(3,)]) + cases(einsum_global_spec, [(2, 3), (3, 4)])
CASES += cases(multi_dot_tuple, [(2, 3), (3, 3)]) + cases(linalg_aliases, [(3,), (3,)])
CASES += cases(einsum_sublist, [(3, 3)]) + cases(einsum_sublist_out, [(2, 3), (3, 4)])
CASES += cases(einsum_sublist_ellipsis, [(2, 2, 3), (3, 4)])
CASES += cases(einsum_sublist_three, [(2,), (2, 3), (3, 4)])
CASES += cases(einsum_sublist_trace, [(3, 3)])
CASES += cases(cross, [(3,), (3,)], [(4, 3), (3,)], [(2, 1, 3), (4, 3)])
CASES += cases(cross_axes, [(3, 4), (4, 3)]) + cases(cross_axis, [(3, 2), (3, 2)])
CASES += cases(kron, [(2, 3), (3, 2)], [(2,), (3,)], [(2, 2), (3,)], [(2,), (2, 3, 2)])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case, mode):
    check_mode(case, mode)


# ----- the SymPy counterparts: check() uses them for a matrix of scalars -----
def det_sym(x, y): return np.linalg.det([[x, y], [y * y, 2.0 * x]])
def inv_sym(x, y): return np.linalg.inv([[x, y], [1.0, 2.0 * x]])[0, 1]
def trace_sym(x, y): return np.trace([[x * y, y], [1.0, x * x]]) + np.trace([[x, y], [y, x]], 1)
def slogdet_sym(x, y): return np.linalg.slogdet([[x, y], [y * y, 2.0 * x]])[1]
def solve_sym(x, y): return np.linalg.solve([[x, y], [1.0, 2.0 * x]], [1.0, y])[1]
def power_sym(x, y): return np.linalg.matrix_power([[x, y], [1.0, x]], 3)[0, 1]


@pytest.mark.parametrize("f", [det_sym, inv_sym, trace_sym, slogdet_sym, solve_sym, power_sym])
def test_sympy_counterparts(f):
    report = srcdiff.check(f, 1.3, -0.7, wrt=(0, 1))
    assert report.method == "sympy", report
    assert report.ok, report


# ----- the readable forms, for one matrix -----
def gaussian_plain(a, x): return 0.5 * x @ np.linalg.solve(a, x) + np.linalg.slogdet(a)[1]


def test_gaussian_source_reads_well():
    a, x = spd(np.random.default_rng(0).standard_normal((3, 3))), np.ones(3)
    d = srcdiff.grad(gaussian_plain, wrt=(0, 1))
    ga, gx = d(a, x)
    np.testing.assert_allclose(ga, np.linalg.inv(a).T - 0.5 * np.outer(np.linalg.solve(a.T, x),
                                                                       np.linalg.solve(a, x)))
    np.testing.assert_allclose(gx, 0.5 * (np.linalg.solve(a, x) + np.linalg.solve(a.T, x)))
    body = d.source
    assert "np.linalg.inv(a).T" in body and "np.linalg.solve(a.T, " in body
    assert "swapaxes" not in body


def inv_quad(a, x): return x @ np.linalg.inv(a) @ x


def test_inv_source_is_the_textbook_formula():
    d = srcdiff.grad(inv_quad)
    d(wc(np.eye(3)), np.ones(3))
    assert "inv_a.T @ " in d.source and "@ inv_a.T" in d.source


# ----- conventions at repeated eigenvalues and singular values -----
def eigvals_sum(a): return np.sum(np.linalg.eigvalsh(a) * np.array([1.0, 1.0, 3.0]))
def eigvec(a): return np.linalg.eigh(a)[1][0, 0]
def eigvals_only(a):
    w, v = np.linalg.eigh(a)
    return w[0] + w[1]
def svals_sum(a): return np.sum(np.linalg.svd(a, compute_uv=False))


def test_repeated_eigenvalues(mode):
    a = np.diag([2.0, 2.0, 5.0])  # a double eigenvalue
    g = srcdiff.grad(eigvals_sum, mode=mode)(a)  # the cluster's sum is differentiable
    np.testing.assert_allclose(g, np.diag([1.0, 1.0, 3.0]), atol=1e-12)
    g = srcdiff.grad(eigvals_only, mode=mode)(a)  # eigenvectors unread: no inf from the tie
    np.testing.assert_allclose(g, np.diag([1.0, 1.0, 0.0]), atol=1e-12)
    with np.errstate(all="ignore"):
        g = srcdiff.grad(eigvec, mode=mode)(a)  # an eigenvector at the tie: no derivative
    assert not np.all(np.isfinite(g))


def test_repeated_singular_values(mode):
    a = np.diag([3.0, 3.0, 1.0])
    g = srcdiff.grad(svals_sum, mode=mode)(a)
    np.testing.assert_allclose(g, np.eye(3), atol=1e-12)


# ----- the refusals: clear errors, never a silently wrong number -----
def eig_complex(a): return np.sum(np.linalg.eigvals(a))
def eig_pair_complex(a): return np.sum(np.linalg.eig(a)[1])
def qr_raw(a): return np.sum(np.linalg.qr(a, mode="raw")[0])
def qr_wide(a): return np.sum(np.linalg.qr(a)[1])
def svd_hermitian(a): return np.sum(np.linalg.svd(a, hermitian=True)[1])
def svd_flag(a, flag): return np.sum(np.linalg.svd(a, compute_uv=flag > 0))
def svd_full_extra(a): return np.sum(np.linalg.svd(a)[0][:, -1] ** 2 * np.arange(4.0))
def pinv_hermitian(a): return np.sum(np.linalg.pinv(a, hermitian=True))
SPECS = ["ij,jk->ik"]
def einsum_run_time(a):  # (read as the sublist form, a would be a sublist: refused)
    spec = SPECS[int(a[0, 0] > 99)]
    return np.sum(np.einsum(spec, a, a))
def einsum_out(a): return np.sum(np.einsum("ij->j", a, out=np.zeros(3)))
def norm_ord(x, p): return np.linalg.norm(x, p)
def slogdet_field(a): return np.linalg.slogdet(a).logabsdet
def eigh_field(a): return np.sum(np.linalg.eigh(a).eigenvalues)


ROTATION = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])


@pytest.mark.parametrize("f", [eig_complex, eig_pair_complex])
def test_complex_eig_is_refused(f, mode):
    with pytest.raises(srcdiff.SrcDiffError, match="complex eigenvalues") as info:
        srcdiff.grad(f, mode=mode)(ROTATION)
    assert f.__name__ in str(info.value) and "undefined at this point" in str(info.value)
    with pytest.raises(srcdiff.SrcDiffError, match="complex eigenvalues"):
        srcdiff.jacobian(f, mode=mode)(ROTATION)


@pytest.mark.parametrize("f, match", [(qr_raw, "mode='raw'"), (svd_hermitian, "hermitian"),
                                      (pinv_hermitian, "hermitian"), (einsum_out, "out="),
                                      (einsum_run_time, "computed at run time"),
                                      (slogdet_field, "unpacking"),
                                      (eigh_field, "unpacking")])
def test_unsupported_forms_are_located_errors(f, match, mode):
    with pytest.raises(srcdiff.SrcDiffError, match=match):
        srcdiff.grad(f, mode=mode)(np.eye(3) + 0.5)


def test_a_run_time_flag_that_changes_the_result_is_refused():
    with pytest.raises(srcdiff.SrcDiffError, match="compute_uv= of np.linalg.svd as a constant"):
        srcdiff.grad(svd_flag)(np.eye(3) + 0.5, 1.0)


def test_wide_qr_and_full_svd_extra_columns_are_refused_at_run_time(mode):
    with pytest.raises(ValueError, match="M >= N"):
        srcdiff.grad(qr_wide, mode=mode)(np.arange(6.0).reshape(2, 3) ** 2)
    a = np.arange(8.0).reshape(4, 2) ** 2
    if mode == "reverse":
        with pytest.raises(ValueError, match="full_matrices=False"):
            srcdiff.grad(svd_full_extra)(a)
    else:
        assert np.isnan(srcdiff.grad(svd_full_extra, mode=mode)(a)).all()


def test_norm_ord_at_run_time_and_not_differentiated():
    x = np.array([0.5, -2.0, 1.5])
    for p in (1.0, 3.0, np.inf):
        g = srcdiff.grad(norm_ord)(x, p)
        want = {1.0: np.sign(x), 3.0: np.sign(x) * x ** 2 / np.linalg.norm(x, 3) ** 2,
                np.inf: np.array([0.0, -1.0, 0.0])}[p]
        np.testing.assert_allclose(g, want)
    with pytest.raises(srcdiff.SrcDiffError, match="ord"):
        srcdiff.grad(norm_ord, wrt=1)(x, 3.0)


def test_norm_ties_share_equally(mode):
    x = np.array([2.0, -2.0, 1.0])
    np.testing.assert_allclose(srcdiff.grad(norm_ord, mode=mode)(x, np.inf), [0.5, -0.5, 0.0])
    m = np.array([[1.0, -2.0], [2.0, 1.0]])  # both columns sum to 3
    np.testing.assert_allclose(srcdiff.grad(norm_ord, mode=mode)(m, 1),
                               [[0.5, -0.5], [0.5, 0.5]])


# ----- second order: forward over the generated gradient -----
def quad_form(x, a): return 0.5 * x @ np.linalg.solve(a, x)
def logdet(a): return np.linalg.slogdet(a)[1]
def norm3(x): return np.linalg.norm(x, 3)


def test_hessians_through_solve_and_slogdet():
    rng = np.random.default_rng(4)
    a = spd(rng.standard_normal((3, 3)))
    h = srcdiff.hessian(quad_form)(rng.standard_normal(3), a)
    np.testing.assert_allclose(h, 0.5 * (np.linalg.inv(a) + np.linalg.inv(a).T), rtol=1e-10)
    x = rng.standard_normal(3)
    h = srcdiff.hessian(quad_form, wrt=1)(x, a)  # d/da of the gradient -z y^T / 2
    inv, y, z = np.linalg.inv(a), np.linalg.solve(a, x), np.linalg.solve(a.T, x)
    want = 0.5 * (np.einsum("li,k,j->ijkl", inv, z, y) + np.einsum("i,jk,l->ijkl", z, inv, y))
    np.testing.assert_allclose(h, want, rtol=1e-9, atol=1e-12)
    h = srcdiff.hessian(logdet)(a)  # d2 logdet = -inv(a)^T (.) inv(a)^T
    inv = np.linalg.inv(a)
    np.testing.assert_allclose(h, -np.einsum("jk,li->ijkl", inv, inv), rtol=1e-9, atol=1e-12)


def test_hessian_of_a_p_norm():  # (tests/test_second_order_helpers.py has the others)
    x = np.array([1.0, -2.0, 0.5])
    n = np.sum(np.abs(x) ** 3) ** (1 / 3)
    g = np.sign(x) * x * x / n ** 2
    want = np.diag(2 * np.abs(x)) / n ** 2 - 2 * np.outer(g, g) / n
    np.testing.assert_allclose(srcdiff.hessian(norm3)(x), want, rtol=1e-10)
