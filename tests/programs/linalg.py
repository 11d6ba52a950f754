"""Linear algebra written out: Gram and kernel matrices built entry by entry,
einsum, inverses and determinants, iterative solvers updating arrays in place."""
import numpy as np

from .registry import Program


def rbf_kernel_matrix(X, length_scale):
    n = X.shape[0]
    K = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            d = X[i] - X[j]
            K[i, j] = np.exp(-0.5 * np.dot(d, d) / length_scale ** 2)
    return np.sum(K) + np.trace(K @ K)


def gram_einsum(A, B):
    G = np.einsum("ij,kj->ik", A, B)
    return np.einsum("ii->", G) + np.sum(G ** 2)


def inverse_quadratic(A, b):
    Ainv = np.linalg.inv(A)
    return b @ Ainv @ b


def log_det(A):
    return np.log(np.linalg.det(A))


def power_iteration(A, v0, iters=30):
    v = v0 / np.linalg.norm(v0)
    for _ in range(iters):
        w = A @ v
        v = w / np.linalg.norm(w)
    return v @ A @ v


def jacobi_solve(A, b, iters=25):
    """Jacobi iterations for Ax = b (A diagonally dominant); returns |x|^2."""
    n = len(b)
    x = np.zeros(n)
    for _ in range(iters):
        x_new = np.zeros(n)
        for i in range(n):
            s = 0.0
            for j in range(n):
                if j != i:
                    s += A[i, j] * x[j]
            x_new[i] = (b[i] - s) / A[i, i]
        x = x_new
    return np.sum(x ** 2)


def gauss_seidel(A, b, sweeps=15):
    n = len(b)
    x = np.zeros_like(b)
    for _ in range(sweeps):
        for i in range(n):
            x[i] = (b[i] - A[i, :i] @ x[:i] - A[i, i + 1:] @ x[i + 1:]) / A[i, i]
    return x @ x


def cholesky_logdet(A):
    n = A.shape[0]
    L = np.zeros_like(A)
    for j in range(n):
        s = A[j, j] - np.sum(L[j, :j] ** 2)
        L[j, j] = np.sqrt(s)
        for i in range(j + 1, n):
            L[i, j] = (A[i, j] - np.sum(L[i, :j] * L[j, :j])) / L[j, j]
    return 2 * np.sum(np.log(np.diag(L)))


def frobenius_outer(u, v, M):
    return np.linalg.norm(np.outer(u, v) - M) ** 2


def batched_quadratic(xs, A):
    return np.einsum("bi,ij,bj->", xs, A, xs)


def stacked_features(x):
    F = np.stack([x, x ** 2, np.sin(x)], axis=1)
    return np.sum(F.T @ F)


def _dominant(rng, n=4):
    A = rng.standard_normal((n, n))
    return A + np.diag(np.abs(A).sum(axis=1) + 1)


def _spd(rng, n=3):
    B = rng.standard_normal((n, n))
    return B @ B.T + n * np.eye(n)


PROGRAMS = [
    Program(rbf_kernel_matrix,
            lambda rng: (rng.standard_normal((4, 2)), rng.uniform(0.5, 2)),
            ("X", "length_scale")),
    Program(gram_einsum, lambda rng: (rng.standard_normal((3, 4)), rng.standard_normal((3, 4))),
            ("A", "B")),
    Program(inverse_quadratic, lambda rng: (_spd(rng), rng.standard_normal(3)), ("A", "b")),
    Program(log_det, lambda rng: (_spd(rng),), "A"),
    Program(power_iteration, lambda rng: (_spd(rng), rng.uniform(0.5, 1, 3)), "A"),
    Program(jacobi_solve, lambda rng: (_dominant(rng), rng.standard_normal(4)), ("A", "b")),
    Program(gauss_seidel, lambda rng: (_dominant(rng), rng.standard_normal(4)), ("A", "b")),
    Program(cholesky_logdet, lambda rng: (_spd(rng),), "A"),
    Program(frobenius_outer,
            lambda rng: (rng.standard_normal(3), rng.standard_normal(2),
                         rng.standard_normal((3, 2))),
            ("u", "v")),
    Program(batched_quadratic, lambda rng: (rng.standard_normal((5, 3)), _spd(rng)),
            ("xs", "A")),
    Program(stacked_features, lambda rng: (rng.standard_normal(6),), "x"),
]


def batched_symmetric(A):
    """Sum of squares of A_b A_b^T over a batch of square matrices."""
    S = A @ np.transpose(A, (0, -1, -2))
    return np.sum(S * np.arange(S.shape[-1]))


def tuple_axis_energy(X):
    return np.sum(np.mean(X ** 2, axis=(0, 2))) + np.sum(X.sum(axis=(1, 2)) ** 2)


PROGRAMS += [
    Program(batched_symmetric, lambda rng: (rng.standard_normal((2, 3, 3)),), "A"),
    Program(tuple_axis_energy, lambda rng: (rng.standard_normal((2, 3, 4)),), "X"),
]
