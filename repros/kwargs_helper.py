"""Calling a helper that has **kwargs (or *args) parameters is refused:
"srcdiff does not support calling a helper with *args/**kwargs parameters".
Solvers are written this way: odeint(rhs, y0, ts, **params) -> rhs(y, t, **params),
and rk4_step(rhs, state, dt, *args) -> rhs(state, *args).
f itself with *args is refused too ("srcdiff does not support *args or **kwargs
parameters") - the scipy.optimize.minimize(fun, x0, args=(X, y)) signature
fun(theta, *args) is everywhere (objective below)."""
import numpy as np

import srcdiff


def rhs(y, t, beta):
    return -beta * y


def odeint(rhs, y0, ts, **params):
    y = y0
    for i in range(len(ts) - 1):
        y = y + (ts[i + 1] - ts[i]) * rhs(y, ts[i], **params)
    return y


def step(rhs, y, dt, *args):
    return y + dt * rhs(y, 0.0, *args)


def with_kwargs(beta):
    return odeint(rhs, 1.0, np.linspace(0, 1, 5), beta=beta)


def with_args(beta):
    return step(rhs, 1.0, 0.25, beta)


def objective(theta, *args):
    X, y = args
    return np.sum((X @ theta - y) ** 2)


for mode in ("reverse", "forward"):
    try:
        print("objective", mode, srcdiff.grad(objective, mode=mode)(np.zeros(2), np.eye(2),
                                                                     np.ones(2)))
    except Exception as e:
        print("objective", mode, type(e).__name__, str(e).splitlines()[0])
for f in (with_kwargs, with_args):
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, mode=mode)(0.5))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
print("want", -4 * 0.25 * (1 - 0.25 * 0.5) ** 3, -0.25)
