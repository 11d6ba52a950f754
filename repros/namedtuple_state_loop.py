"""Building a namedtuple (or dataclass) from differentiated values inside f is refused:
State(x, v) -> "State has no derivative rule and no Python source srcdiff can transform";
carried by a loop (s = step(s, k) returning State(...)) the message is the misleading
"s.x has no derivative rule". A namedtuple *parameter* works; a plain tuple state works.
Returning a small namedtuple/dataclass state from a step helper is an everyday idiom."""
from collections import namedtuple
from dataclasses import dataclass

import srcdiff

State = namedtuple("State", "x v")


@dataclass
class DState:
    x: float
    v: float


def one_step_dataclass(k):
    s = DState(1.0 + 0.1 * 0.0, 0.0 - 0.1 * k)
    return s.x ** 2 + s.v ** 2


def step(s, k, dt):
    return State(s.x + dt * s.v, s.v - dt * k * s.x)


def one_step(k):
    s = step(State(1.0, 0.0), k, 0.1)
    return s.x ** 2 + s.v ** 2


def loop(k):
    s = State(1.0, 0.0)
    for _ in range(3):
        s = step(s, k, 0.1)
    return s.x ** 2 + s.v ** 2


def loop_plain_tuple(k):
    x, v = 1.0, 0.0
    for _ in range(3):
        x, v = x + 0.1 * v, v - 0.1 * k * x
    return x ** 2 + v ** 2


for f in (one_step, one_step_dataclass, loop, loop_plain_tuple):
    for mode in ("reverse", "forward"):
        try:
            print(f.__name__, mode, srcdiff.grad(f, mode=mode)(2.0))
        except Exception as e:
            print(f.__name__, mode, type(e).__name__, str(e).splitlines()[0])
h = 1e-6
print("want loop", (loop(2.0 + h) - loop(2.0 - h)) / (2 * h))
