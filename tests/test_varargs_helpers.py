"""Calls of the user's helpers that take `*args` and `**kwargs` (and lambdas and
nested defs that do): at an inlined call the positional arguments and keywords are
known, so `args` is a tuple and `kwargs` a dict built at the call, kept entry by
entry (`sum(xs)`, `for x in xs`, `len(xs)`, `xs[-1]`, `opts["w"]`, `opts.get`,
`opts.items()`, `"b" in opts` in an `if` or a conditional expression, passing them
on with `*xs, **opts`). Checked in both modes against
hand formulas and central differences; the derivative reads like hand code."""
import math

import numpy as np
import pytest

import srcdiff
from source_text import code
from test_foreign_helpers import central


def _sum_all(*xs):
    return sum(xs)


def _squares(*xs):
    total = 0.0
    for x in xs:
        total = total + x * x
    return total


def _first_rest(a, *rest, scale=1.0):
    return a * scale + len(rest) * rest[-1]


def layer(x, **opts):
    out = np.tanh(x * opts["w"]) + opts.get("b", 0.0)
    if "gain" in opts:
        out = out * opts["gain"]
    return out


def _forward(*xs, **kw):
    return layer(*xs, **kw)


def _stacked(*xs):
    return np.sum(np.stack(xs) ** 2)


class Model:
    def __init__(self, k):
        self.k = k

    def energy(self, *xs, **weights):
        return self.k * sum(xs) * weights.get("w", 1.0)


MODEL = Model(1.5)


def f_sum(x, y):
    return _sum_all(x, x * y, np.sin(y))


def f_loop(x, y):
    return _squares(x, y, 2.0) + _first_rest(x, y, x * y, scale=3.0)


def f_kwargs(x, w):
    return np.sum(layer(x, w=w, b=0.5) * layer(x, w=2.0 * w, gain=w))


def f_forwarded(x, w):
    return np.sum(_forward(x, w=w, gain=3.0))


def f_lambda(x, w):
    g = lambda *a: a[0] * a[1] + len(a)  # noqa: E731

    def h(*a, **k):
        k["extra"] = 1.0  # the **k dict is new at each call: changing it is fine
        return a[0] * k["s"] + k["extra"] * a[-1]
    return g(x, w) + h(x, w, s=w)


def f_arrays(x, w):
    return _stacked(x, x * w, np.cos(x)) + np.sum(_sum_all(x, w * x))


def f_method(x, w):
    return MODEL.energy(x, w, x * w, w=w)


def f_one_and_none(x, w):
    return _sum_all(x) * w + _sum_all() + _first_rest(w, x)


def _options(x, **opts):
    s = opts["s"] if "s" in opts else 1.0
    total = 0.0
    for _, v in opts.items():
        total = total + v * x
    return s * x + total + len(opts) + (0.0 if "t" not in opts else opts["t"] * x)


def _named(a, b=1.0):
    return a * b


def _pass_on(x, **kw):
    return _named(x, **kw)


def f_options(x, w):
    return _options(x, s=w, t=2.0) + _options(x) + _pass_on(x, b=w) + _pass_on(x)


def _tanh_d(z):
    return 1 - np.tanh(z) ** 2


HAND = {  # f, (x, w), (d/dx, d/dw) by hand
    "sum": (f_sum, (0.3, 0.8), lambda x, y: (1 + y, x + math.cos(y))),
    "loop": (f_loop, (0.3, 0.8), lambda x, y: (2 * x + 3 + 2 * y, 2 * y + 2 * x)),
    "kwargs": (f_kwargs, (np.array([0.2, -0.5]), 0.7), lambda x, w: (
        (_tanh_d(x * w) * w * np.tanh(2 * x * w) * w
         + (np.tanh(x * w) + 0.5) * _tanh_d(2 * x * w) * 2 * w * w),
        np.sum(_tanh_d(x * w) * x * np.tanh(2 * x * w) * w
               + (np.tanh(x * w) + 0.5) * (_tanh_d(2 * x * w) * 2 * x * w
                                           + np.tanh(2 * x * w))))),
    "forwarded": (f_forwarded, (np.array([0.2, -0.5]), 0.7), lambda x, w: (
        3 * _tanh_d(x * w) * w, np.sum(3 * _tanh_d(x * w) * x))),
    "lambda": (f_lambda, (0.3, 0.8), lambda x, w: (w + w, x + x + 1.0)),
    "arrays": (f_arrays, (np.array([0.2, -0.5, 1.1]), 0.7), lambda x, w: (
        2 * x + 2 * x * w * w - 2 * np.cos(x) * np.sin(x) + 1 + w,
        np.sum(2 * x * x * w + x))),
    "method": (f_method, (0.3, 0.8), lambda x, w: (
        1.5 * (1 + w) * w, 1.5 * ((1 + x) * w + (x + w + x * w)))),
    "one_and_none": (f_one_and_none, (0.3, 0.8), lambda x, w: (w + 1.0, x + 1.0)),
    # (w x + (w x + 2 x) + 2 + 2 x) + x + x w + x
    "options": (f_options, (0.3, 0.8), lambda x, w: (3 * w + 6, 3 * x)),
}


@pytest.mark.parametrize("case", sorted(HAND))
def test_grad_against_the_hand_formula(case, mode):
    f, args, want = HAND[case]
    got = srcdiff.grad(f, wrt=(0, 1), mode=mode)(*args)
    for g, w in zip(got, want(*args), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)


@pytest.mark.parametrize("case", sorted(HAND))
def test_entry_points_against_central_differences(case):
    f, args, _ = HAND[case]
    fd = [central(f, args, i) for i in range(2)]
    tangents = tuple(np.ones_like(a) if np.ndim(a) else 1.0 for a in args)
    out, t_out = srcdiff.jvp(f, args, tangents)
    assert out == pytest.approx(f(*args), rel=1e-12)
    assert t_out == pytest.approx(sum(np.sum(d) for d in fd), rel=1e-6)
    _, pullback = srcdiff.vjp(f, *args)
    for g, d in zip(pullback(1.0), fd, strict=True):
        np.testing.assert_allclose(g, d, rtol=1e-6, atol=1e-8)
    assert srcdiff.check(f, *args, wrt=(0, 1)).ok


def test_second_derivatives():
    """hessian and grad(grad(.)) through a helper's `*xs`."""
    x, w = np.array([0.2, -0.5, 1.1]), 0.7
    want = np.diag(2 + 2 * w * w - 2 * np.cos(2 * x))
    np.testing.assert_allclose(srcdiff.hessian(f_arrays)(x, w), want, rtol=1e-12, atol=1e-15)
    d2 = srcdiff.grad(srcdiff.grad(f_loop))(0.3, 0.8)  # d/dx (2x + 3 + 2y)
    assert d2 == pytest.approx(2.0, rel=1e-12)


def test_source_adds_the_items():
    """`sum(xs)` of `*xs` is its items added, not a tuple packed and summed."""
    g = srcdiff.grad(f_sum, wrt=(0, 1))
    g(0.3, 0.8)
    text = code(g.source)
    assert "return 1.0 + y, float(np.cos(y) + x)" in text, g.source
    assert "np.ones" not in text and "np.shape" not in text


def test_source_reads_the_keywords_as_names():
    """`opts["w"]` is the argument passed as `w=`: no dict is built."""
    g = srcdiff.grad(f_forwarded, wrt=(0, 1))
    g(np.array([0.2, -0.5]), 0.7)
    text = code(g.source)
    assert "np.tanh(x * w)" in text and "opts" not in text and "{" not in text, g.source


# ----- errors -----
def _no_kwargs(x, *xs):
    return x + sum(xs)


def f_bad_keyword(x):
    return _no_kwargs(x, 1.0, scale=2.0)


def f_twice(x):
    return _first_rest(x, x, a=x)


def f_missing_key(x):
    return layer(x, b=1.0)


def f_membership_as_value(x):
    return _has(x, w=x)


def _has(x, **opts):
    flag = "w" in opts
    return x * flag


def f_unknown_length(x, t):
    return _sum_all(*t) * x


@pytest.mark.parametrize("f, words", [
    (f_bad_keyword, "bad keyword 'scale' for _no_kwargs"),
    (f_twice, "bad keyword 'a' for _first_rest"),
    (f_missing_key, "reading the key 'w', which this dict does not have"),
    (f_membership_as_value, "a dict built in the function used as a whole"),
])
def test_wrong_calls_are_located(f, words, mode):
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as e:
        srcdiff.grad(f, mode=mode)(0.5)
    assert words in str(e.value) and e.value.filename == __file__


def test_a_tuple_known_only_at_run_time_is_an_error_not_a_wrong_gradient(mode):
    """`_sum_all(*t)` of a parameter: its length is not known when lowering, so the
    call is kept as written, and differentiating through it is a located error."""
    with pytest.raises(srcdiff.SrcDiffError) as e:
        srcdiff.grad(f_unknown_length, wrt=1, mode=mode)(0.5, (1.0, 2.0))
    assert "_sum_all" in str(e.value)
    d = srcdiff.grad(f_unknown_length, wrt=0, mode=mode)
    assert d(0.5, (1.0, 2.0)) == pytest.approx(3.0, rel=1e-12)  # t not differentiated
