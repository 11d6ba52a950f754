"""A generic RK4/Euler step over a tuple state, written with
tuple(s + dt * k for s, k in zip(state, rhs(state))), is refused in a loop:
"'state' changing kind inside the loop" - the state is a pair before and after.
Outside a loop (one step) it is accepted in reverse mode; forward mode refuses
"tuple has no forward-mode rule for its argument 'iterable'"."""

import srcdiff


def rhs(state, omega):
    x, v = state
    return v, -omega ** 2 * x


def euler_step(state, dt, omega):
    return tuple(s + dt * k for s, k in zip(state, rhs(state, omega)))


def one_step(x0, omega):
    x, v = euler_step((x0, 0.0), 0.1, omega)
    return x + v


def loop(x0, omega):
    state = (x0, 0.0)
    for _ in range(5):
        state = euler_step(state, 0.1, omega)
    x, v = state
    return x + v


for f in (one_step, loop):
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, wrt=(0, 1), mode=mode)(0.7, 1.3))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
