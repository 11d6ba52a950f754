"""A srcdiff derivative used inside the function being differentiated (MAML, gradient
penalties, forces from a potential):
1. reverse over reverse fails where the inner gradient has a matmul:
   grad(maml)(w0, ...) with maml calling MSE_GRAD = srcdiff.grad(mse) ->
   NotDifferentiableError: _matmul_adjoint_b has no reverse-mode rule for its argument
   'g' (it is srcdiff's own helper, differentiable in the other mode only), located in
   the generated source (<srcdiff: mse_grad>:50). Forward over reverse works; reverse
   over reverse of a potential with no matmul works.
2. the derivative made inline, srcdiff.grad(mse)(w, X, y), is refused in both modes:
   "srcdiff.grad(mse) has no derivative rule and no Python source" - the same object
   bound to a module-level name first works (in forward mode).
3. a derivative passed from f to a helper (_descend(srcdiff.grad(rosen), x0, ...)) is
   refused: "grad_fn has no derivative rule" (see default_function_arg.py)."""
import numpy as np

import srcdiff

rng = np.random.default_rng(0)
X, y = rng.standard_normal((5, 3)), rng.standard_normal(5)


def mse(w, X, y):
    return np.mean((X @ w - y) ** 2)


MSE_GRAD = srcdiff.grad(mse)


def maml(w0, X, y):
    return mse(w0 - 0.1 * MSE_GRAD(w0, X, y), X, y)


def penalty(w, X, y):
    return mse(w, X, y) + np.sum(srcdiff.grad(mse)(w, X, y) ** 2)


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _descend(grad_fn, x, lr, steps):
    for _ in range(steps):
        x = x - lr * grad_fn(x)
    return x


def unrolled(x0):
    return rosen(_descend(srcdiff.grad(rosen), x0, 0.001, 3))


w0 = np.array([0.1, -0.2, 0.3])
for f in (maml, penalty, unrolled):
    args = (w0,) if f is unrolled else (w0, X, y)
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, mode=mode)(*args))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
