"""Objects, round 11: methods of objects srcdiff sees only at run time (a list of
objects passed and not differentiated, a record holding one, a zip of a list of
objects with arrays), a string setting of an object passed tested in its method.
Each against hand formulas or central differences, in both modes, its `.source`
read."""
import dataclasses
import itertools
import math
import operator

import numpy as np
import pytest

import srcdiff
from srcdiff import transform
from srcdiff.errors import UnsupportedSyntaxError
from helpers_numpy import central
from programs import objects3
from programs.realistic8 import nonlocal_counter

MODES = ["reverse", "forward"]


def _code(src: str) -> str:
    """The generated source without its comment lines (which quote the primal)."""
    return "\n".join(line for line in src.splitlines() if not line.lstrip().startswith("#"))


class Opt:
    def __init__(self, K, kind="call"):
        self.K, self.kind = K, kind

    def price(self, S):
        if self.kind == "call":
            return np.maximum(S - self.K, 0.0) ** 2
        return np.maximum(self.K - S, 0.0) ** 2


def _price_hand(S, opts):
    return sum(2 * max(S - o.K, 0.0) if o.kind == "call" else -2 * max(o.K - S, 0.0)
               for o in opts)


# ---------------------------------------------------------------- a list of objects passed


def book(S, options):
    return sum(o.price(S) for o in options)


def book_loop(S, options):
    total = 0.0
    for o in options:
        total = total + o.price(S)
    return total


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", [book, book_loop])
def test_list_of_objects_passed(fn, mode):
    g = srcdiff.grad(fn, mode=mode)
    for opts in ([Opt(1.0), Opt(2.0, "put")], [Opt(1.5), Opt(3.0, "put"), Opt(0.5)],
                 [Opt(1.5, "put"), Opt(3.0, "put")]):
        assert g(2.5, opts) == pytest.approx(_price_hand(2.5, opts), rel=1e-12)
    src = _code(g.source)
    assert "options[0].K" in src and "self" not in src and "'call' ==" not in src


def book_keyed(S, options):
    return sum(o.price(S) for o in options)


def test_list_of_objects_code_reused_per_classes_and_settings():
    g = srcdiff.grad(book_keyed)
    g(2.5, [Opt(1.0), Opt(2.0, "put")])
    built = transform.COUNTS["reverse"]
    assert g(2.5, [Opt(1.2), Opt(2.2, "put")]) == pytest.approx(
        _price_hand(2.5, [Opt(1.2), Opt(2.2, "put")]))
    assert transform.COUNTS["reverse"] == built  # other objects, same classes and settings
    assert g(2.5, [Opt(1.2, "put"), Opt(2.2, "put")]) == pytest.approx(-2 * 0.0 - 0.0)
    assert transform.COUNTS["reverse"] == built + 1  # another setting: built again


def test_list_of_objects_changed_after_the_build():
    g = srcdiff.grad(book)
    opts = [Opt(1.0), Opt(2.0)]
    assert g(2.5, opts) == pytest.approx(3.0 + 1.0)
    opts[1].kind = "put"  # a setting changed on an object of the list the code was built for
    assert g(2.5, opts) == pytest.approx(3.0)
    opts.append(Opt(0.5))
    assert g(2.5, opts) == pytest.approx(3.0 + 4.0)
    out, tangent = srcdiff.jvp(book, (2.5, opts), (1.0, None))
    assert (out, tangent) == (pytest.approx(1.5 ** 2 + 2.0 ** 2), pytest.approx(7.0))


# ---------------------------------------------------------------- an object passed: its setting


def one(S, o):
    return o.price(S)


@pytest.mark.parametrize("mode", MODES)
def test_string_setting_of_object_passed_is_known_when_lowering(mode):
    """`if self.kind == "call":` in a method of an object passed to f (read as `self.kind`,
    a NameError in the derivative, before)."""
    g = srcdiff.grad(one, mode=mode)
    assert g(2.5, Opt(1.0)) == pytest.approx(3.0)
    assert g(0.5, Opt(1.0, "put")) == pytest.approx(-1.0)
    assert "cond" not in _code(g.source) and "self" not in _code(g.source)


# ---------------------------------------------------------------- a record holding objects


class Linear:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        return x @ self.W + self.b


@dataclasses.dataclass
class Pipeline:
    stages: list
    scale: float = 1.0


def run(x, pipe):
    for stage in pipe.stages:
        x = np.tanh(stage.forward(x)) * pipe.scale
    return np.sum(x ** 2)


def _pipe(seed, n):
    rng = np.random.default_rng(seed)
    return Pipeline([Linear(rng.standard_normal((3, 3)), rng.standard_normal(3))
                     for _ in range(n)], 0.7)


@pytest.mark.parametrize("mode", MODES)
def test_record_holding_objects(mode):
    g = srcdiff.grad(run, mode=mode)
    x = np.array([0.3, -0.2, 0.5])
    for seed, n in ((0, 2), (1, 2), (2, 3)):
        pipe = _pipe(seed, n)
        np.testing.assert_allclose(g(x, pipe), central(lambda v, p=pipe: run(v, p), x), rtol=1e-6)
    assert "pipe.stages[2].W" in g.source and "pipe.scale" in g.source


# ---------------------------------------------------------------- zip of objects and arrays


def zipped(spots):
    opts = [Opt(1.0), Opt(2.0, "put")]
    return sum(o.price(s) for o, s in zip(opts, spots))


@pytest.mark.parametrize("mode", MODES)
def test_zip_of_objects_with_an_array(mode):
    """zip stops at the shortest: each unrolled row runs where the array reaches it."""
    g = srcdiff.grad(zipped, mode=mode)
    for spots in (np.array([1.5, 1.2]), np.array([1.5]), np.array([1.5, 1.2, 3.0])):
        np.testing.assert_allclose(g(spots), central(zipped, spots), rtol=1e-6)
    src = g.source
    assert "n = len(spots)" in src and "s = spots[0]" in src


# ---------------------------------------------------------------- try/except: the path taken


def safe_log(x):
    try:
        return math.log(x)
    except ValueError:
        return -1e3 * x


def factor(a, S):
    A = S * a
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(A + 10.0 * np.eye(2))
    return np.sum(L ** 2) + np.sum(np.diag(L))


TABLE = {"a": 2.0}


def table_weight(x, key):
    try:
        w = TABLE[key]
    except KeyError:
        w = 0.5
    else:
        w = w + 1.0
    return w * x ** 2


def two_handlers(x, n):
    total = 0.0
    for i in range(n):
        try:
            r = [1.0, 2.0, 3.0][i] / (i - 2)
        except IndexError:
            r = x
        except ZeroDivisionError:
            r = x ** 3
        total = total + r * x
    return total


@pytest.mark.parametrize("mode", MODES)
def test_try_except_follows_the_path_taken(mode):
    g = srcdiff.grad(safe_log, mode=mode)
    assert g(2.0) == pytest.approx(0.5, rel=1e-12) and g(-2.0) == pytest.approx(-1e3)
    assert "_caught(lambda : math.log(x), ValueError)" in g.source
    S = np.array([[2.0, 0.5], [0.5, 1.0]])
    g = srcdiff.grad(factor, mode=mode)
    for a in (1.0, -1.0):  # positive definite, and not (the handler's shifted factor)
        assert g(a, S) == pytest.approx(central(lambda v: factor(v, S), a), rel=1e-6)
    g = srcdiff.grad(table_weight, mode=mode)
    assert g(3.0, "a") == pytest.approx(2 * 3.0 * 3.0) and g(3.0, "b") == pytest.approx(3.0)
    g = srcdiff.grad(two_handlers, mode=mode)  # r: -0.5, -2.0, x ** 3 (3 / 0), x (index 3)
    x = 1.3
    assert g(x, 4) == pytest.approx(-0.5 - 2.0 + 4 * x ** 3 + 2 * x, rel=1e-12)
    assert g(x, 0) == 0.0


def uncaught(x):
    try:
        y = math.log(x)
    except ZeroDivisionError:
        y = 0.0
    return y


def test_try_except_an_exception_not_caught_raises_as_in_f():
    with pytest.raises(ValueError):
        srcdiff.grad(uncaught)(-1.0)
    assert srcdiff.grad(uncaught)(4.0) == pytest.approx(0.25)


def _helper(x):
    return x * 2


def try_two_statements(x):
    try:
        y = math.log(x)
        y = y * 2
    except ValueError:
        y = 0.0
    return y


def try_own_call(x):
    try:
        y = _helper(x)
    except ValueError:
        y = 0.0
    return y


def try_reads_exception(x):
    try:
        y = math.log(x)
    except ValueError as e:
        y = len(str(e)) * x
    return y


@pytest.mark.parametrize("fn, words, line", [
    (try_two_statements, "a try/except whose body has more than one statement", 1),
    (try_own_call, "a call of a function of yours inside a try with except", 2),
    (try_reads_exception, r"reading the exception caught \(except ... as name\)", 3)])
@pytest.mark.parametrize("mode", MODES)
def test_try_except_outside_the_rule_is_refused_in_words(fn, words, line, mode):
    with pytest.raises(UnsupportedSyntaxError, match=words) as info:
        srcdiff.grad(fn, mode=mode)(2.0)
    assert info.value.lineno == fn.__code__.co_firstlineno + line
    assert "runs S's expression to learn which handler catches" in str(info.value)


# ---------------------------------------------------------------- nonlocal: calls in expressions


def accumulated(x):
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v
        return v

    y = add(x ** 2) * add(np.sin(x))
    if add(x) > 0:
        y = y + total
    return y + total


def _accumulated_hand(x):
    # y = x^2 sin x; total = x^2 + sin x + x; x > 0 adds total twice, else once
    d_total = 2 * x + math.cos(x) + 1
    return 2 * x * math.sin(x) + x * x * math.cos(x) + (2 if x > 0 else 1) * d_total


@pytest.mark.parametrize("mode", MODES)
def test_nonlocal_calls_inside_expressions(mode):
    g = srcdiff.grad(nonlocal_counter, mode=mode)
    x = np.array([0.3, -0.8])
    np.testing.assert_allclose(g(x), central(nonlocal_counter, x), rtol=1e-6)
    assert "__nonlocal" not in g.source
    g = srcdiff.grad(accumulated, mode=mode)
    for v in (0.7, -0.7):
        assert g(v) == pytest.approx(_accumulated_hand(v), rel=1e-12)


def read_beside(x):
    n = 0

    def f(z):
        nonlocal n
        n += 1
        return z * n

    return n + f(x)


def in_a_branch(x):
    n = 0

    def f(z):
        nonlocal n
        n += 1
        return z * n

    return x if x > 0 else f(x)


@pytest.mark.parametrize("fn", [read_beside, in_a_branch])
@pytest.mark.parametrize("mode", MODES)
def test_nonlocal_call_whose_order_matters_is_refused_in_words(fn, mode):
    """`n + f(x)` reads n before f rebinds it; `... else f(x)` may not run: both stay
    refused (hoisting the call would change what they compute)."""
    with pytest.raises(UnsupportedSyntaxError, match="called in an expression evaluated "
                       "whole before it rebinds") as info:
        srcdiff.grad(fn, mode=mode)(2.0)
    assert info.value.lineno == fn.__code__.co_firstlineno + 8


# ---------------------------------------------------------------- a record kept outside f


class Trainer(objects3.Trainer):  # (`loss` records its value in self.history)
    def loss_reading_history(self, w):
        value = np.mean((self.X @ w - self.y) ** 2)
        self.history.append(value)
        return value + 0.1 * self.history[-1]


def _trainer():
    rng = np.random.default_rng(3)
    return Trainer(rng.standard_normal((6, 3)), rng.standard_normal(6))


@pytest.mark.parametrize("mode", MODES)
def test_value_recorded_in_a_list_outside_f(mode):
    """`self.history.append(value)` of a list f never reads: the derivative records the
    value as f does; its derivative is the rest's."""
    t = _trainer()
    w = np.array([0.3, -0.2, 0.5])
    g = srcdiff.grad(t.loss, mode=mode)
    want = 2 * t.X.T @ (t.X @ w - t.y) / len(t.y)
    np.testing.assert_allclose(g(w), want, rtol=1e-12)
    sweeps = 1 if mode == "reverse" else w.size  # (forward: one sweep per entry, as print)
    assert len(t.history) == sweeps and t.history[0] == pytest.approx(
        np.mean((t.X @ w - t.y) ** 2))
    assert ".history.append(value)" in g.source


@pytest.mark.parametrize("mode", MODES)
def test_value_recorded_and_read_back_is_refused(mode):
    t = _trainer()
    with pytest.raises(UnsupportedSyntaxError, match="changing values in place with a "
                       "differentiated value"):
        srcdiff.grad(t.loss_reading_history, mode=mode)(np.zeros(3))


# ---------------------------------------------------------------- itertools.accumulate


def running_sum(x):
    parts = list(itertools.accumulate([x, 2 * x, x ** 2]))
    return parts[-1] + parts[0]  # 4x + x^2


def discounted(rates):
    one_period = [1.0 / (1.0 + r) for r in rates]
    dfs = list(itertools.accumulate(one_period, lambda a, b: a * b))
    return sum(c * d for c, d in zip([5.0, 5.0, 105.0], dfs))


def with_initial(x):
    t = 0.0
    for s in itertools.accumulate([x, x ** 2], operator.add, initial=1.0):
        t = t + s * s  # s: 1, 1 + x, 1 + x + x^2
    return t


@pytest.mark.parametrize("mode", MODES)
def test_itertools_accumulate_is_the_loop_it_runs(mode):
    assert srcdiff.grad(running_sum, mode=mode)(0.7) == pytest.approx(4 + 2 * 0.7, rel=1e-12)
    rates = np.array([0.03, 0.05, 0.04])
    np.testing.assert_allclose(srcdiff.grad(discounted, mode=mode)(rates),
                               central(discounted, rates), rtol=1e-6)
    x = 0.7
    assert srcdiff.grad(with_initial, mode=mode)(x) == pytest.approx(
        2 * (1 + x) + 2 * (1 + x + x * x) * (1 + 2 * x), rel=1e-12)
    assert "accumulate" not in _code(srcdiff.grad(discounted, mode=mode).source)


# ---------------------------------------------------------------- classmethods through self


class Maker:
    FACTOR = 3.0

    def __init__(self, v):
        self.v = v

    @classmethod
    def make(cls, v):
        return cls(v)

    @classmethod
    def scale(cls, x):
        return cls.FACTOR * x

    def doubled(self, x):
        other = self.make(2 * x)
        return other.v + self.scale(x)


def made_inside(x):
    return Maker(1.0).doubled(x) if False else Maker(x).doubled(x * x)


def passed_maker(x, m):
    return m.doubled(x)


@pytest.mark.parametrize("mode", MODES)
def test_classmethod_called_through_self(mode):
    """`self.make(...)` binds `cls` to the object's class (for an object passed, it
    bound the object itself before: cls(...) was refused in words of a parameter)."""
    assert srcdiff.grad(passed_maker, mode=mode)(0.5, Maker(1.0)) == pytest.approx(5.0)
    x = 0.5  # other.v + 3 x^2 with other.v = 2 x^2
    assert srcdiff.grad(made_inside, mode=mode)(x) == pytest.approx(10 * x, rel=1e-12)


# ---------------------------------------------------------------- an attribute set in one branch


class Gated:
    def __init__(self, v):
        self.v = v
        if v > 0:
            self.extra = 2 * v


def gated(v):
    b = Gated(v)
    return b.v + b.extra


def test_attribute_set_in_one_branch_is_refused_naming_the_if():
    with pytest.raises(UnsupportedSyntaxError, match=r"reading \.extra of an object of your "
                       r"class Gated, an attribute which only one branch of the if at "
                       rf"test_objects11\.py, line {Gated.__init__.__code__.co_firstlineno + 2}"
                       ) as info:
        srcdiff.grad(gated)(0.5)
    assert info.value.lineno == gated.__code__.co_firstlineno + 2
    assert "'self'" not in str(info.value)


# ---------------------------------------------------------------- an attribute first set in a loop


class Stepper:
    def __init__(self, v):
        self.v = v

    def run(self, n):
        for i in range(n):
            self.last = self.v * i
        return self.last


def stepped(v):
    return Stepper(v).run(3) if False else _stepped(v)


def _stepped(v):
    s = Stepper(v)
    return s.run(3)


@pytest.mark.parametrize("mode", MODES)
def test_attribute_first_set_in_a_loop_is_refused_saying_so(mode):
    """(it was refused at the object's construction, as an object used whole)"""
    with pytest.raises(UnsupportedSyntaxError, match=r"attributes first set inside a loop "
                       r"\(\.last of an object of your class Stepper") as info:
        srcdiff.grad(stepped, mode=mode)(0.5)
    assert info.value.lineno == Stepper.run.__code__.co_firstlineno + 1


# ---------------------------------------------------------------- aliasing through an object


class Box:
    def __init__(self, x):
        self.x = x


def through_alias(b0, d):
    b = Box(np.array([b0, 1.0]))
    c = b
    c.x[0] -= d
    c.x[1] *= d
    return np.sum(b.x ** 2) + np.sum(c.x)  # (b0 - d)^2 + d^2 + b0 - d + d


def alias_of_the_array(b0, d):
    b = Box(np.array([b0, 1.0]))
    a = b.x
    c = b
    c.x[0] -= d
    return a[0] * 2.0


@pytest.mark.parametrize("mode", MODES)
def test_update_through_another_name_of_one_object(mode):
    """`c = b; c.x[0] -= d`: two names of one object, which both see the write (it was
    refused as an array another name refers to); a name of the array itself stays so."""
    g = srcdiff.grad(through_alias, wrt=(0, 1), mode=mode)
    b0, d = 0.5, 0.2
    assert g(b0, d) == (pytest.approx(2 * (b0 - d) + 1), pytest.approx(-2 * (b0 - d) + 2 * d))
    with pytest.raises(UnsupportedSyntaxError, match="another name or a list refers to"):
        srcdiff.grad(alias_of_the_array, wrt=(0, 1), mode=mode)(b0, d)
