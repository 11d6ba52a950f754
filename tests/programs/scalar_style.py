"""Scalar `math` code in the styles people use: angle wrapping with `%`,
`math.pow`/`log(x, base)`, recurrences with tuple swaps, manual `while` index
loops, backwards ranges, chained comparisons, conditional expressions,
parameters passed as Python ints."""
import math

from .registry import Program


def wrapped_angle_cost(theta, target=1.0):
    d = (theta - target) % (2 * math.pi)
    return 0.5 * d * d


def decibels(power, ref=1e-3):
    return 10 * math.log10(power / ref) + math.log(power, 2)


def pow_and_roots(x, y):
    return math.pow(x, 2.5) + x ** 0.5 * math.sqrt(y) + math.exp(math.log1p(y) / 3)


def fib_like_recurrence(x, n=8):
    a, b = 0.0, 1.0
    for _ in range(n):
        a, b = b, a * x + b
    return b


def manual_index_loop(coeffs, x):
    i = 0
    total = 0.0
    while i < len(coeffs):
        total += coeffs[i] * x ** i
        i += 1
    return total


def backwards_range(x, n=6):
    acc = 1.0
    for k in range(n, 0, -1):
        acc = 1.0 + x * acc / k
    return acc


def chained_compare(x, y):
    if 0.0 < x < 1.0 and y > 0:
        return x * y
    elif not (x > 2.0):
        return x + y * y
    return math.tanh(x * y)


def conditional_expr(x, scale=2.0):
    y = x * scale if x > 0 else x / scale
    z = math.sin(y) if abs(y) < 1 else math.cos(y)
    return y + z


def int_argument(x, n=3):
    return x ** n - 2 * x + math.sqrt(abs(x) + 1)


def special_functions(x):
    return math.erf(x) + math.erfc(0.5 * x) + math.atan(x) + math.expm1(x / 3)


def rounding_in_path(x):
    k = round(x)
    frac = x - k
    return frac ** 2 + math.floor(x) * x


def logistic_map(r, x0=0.3, n=20):
    x = x0
    for _ in range(n):
        x = r * x * (1 - x)
    return x


def continued_fraction(x, depth=6):
    value = x
    for k in range(depth, 0, -1):
        value = x + k / (1 + value)
    return value


def secant_root(c, x0=1.0, x1=2.0, iters=8):
    """Cube root of c by the secant method."""
    f0, f1 = x0 ** 3 - c, x1 ** 3 - c
    for _ in range(iters):
        x0, x1 = x1, x1 - f1 * (x1 - x0) / (f1 - f0)
        f0, f1 = f1, x1 ** 3 - c
        if abs(f1) < 1e-14:
            break
    return x1


def gamma_ratio(x):
    return math.gamma(x + 1) / math.gamma(x)


def hypot_atan2(x, y):
    return math.hypot(x, y) * math.atan2(y, x) + math.copysign(1.0, x) * x


PROGRAMS = [
    Program(wrapped_angle_cost, lambda rng: (rng.uniform(2, 5),), "theta"),
    Program(decibels, lambda rng: (rng.uniform(0.01, 1),), "power"),
    Program(pow_and_roots, lambda rng: (rng.uniform(0.5, 2), rng.uniform(0.5, 2)), ("x", "y")),
    Program(fib_like_recurrence, lambda rng: (rng.uniform(0.2, 1.2),), "x"),
    Program(manual_index_loop,
            lambda rng: ([float(c) for c in rng.standard_normal(4)], rng.uniform(-1, 1)), "x"),
    Program(backwards_range, lambda rng: (rng.uniform(-1, 1),), "x"),
    Program(chained_compare,
            lambda rng: (rng.choice([0.5, 1.5, 2.5]) + 0.1 * rng.uniform(), rng.uniform(0.5, 1)),
            ("x", "y")),
    Program(conditional_expr, lambda rng: (rng.choice([-2.0, 0.3, 1.0]) + 0.1 * rng.uniform(),),
            "x"),
    Program(int_argument, lambda rng: (int(rng.integers(2, 6)),), "x"),
    Program(special_functions, lambda rng: (rng.uniform(-1, 1),), "x"),
    Program(rounding_in_path, lambda rng: (rng.uniform(0.1, 0.4) + rng.integers(0, 3),), "x"),
    Program(logistic_map, lambda rng: (rng.uniform(2.5, 3.0),), "r"),
    Program(continued_fraction, lambda rng: (rng.uniform(0.5, 2),), "x"),
    Program(secant_root, lambda rng: (rng.uniform(1, 8),), "c"),
    Program(gamma_ratio, lambda rng: (rng.uniform(1.5, 4),), "x"),
    Program(hypot_atan2, lambda rng: (rng.uniform(0.5, 2), rng.uniform(-2, 2)), ("x", "y")),
]
