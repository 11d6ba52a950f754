"""No value srcdiff cannot see into is silently a constant (issue 15 items 1, 2, 6).

Every operation kept as written that reads a differentiated value is
differentiated or is a located NotDifferentiableError; and no name of the
user's can be mistaken for one of srcdiff's placeholders."""
import math
from functools import partial

import numpy as np
import pytest

import srcdiff
from srcdiff import NotDifferentiableError


class Table:
    """An object with its own __getitem__: srcdiff cannot see into it."""

    def __getitem__(self, key):
        return key[0] ** 2 * key[1]


TABLE = Table()
__v0 = 3.0  # named like srcdiff's old placeholders: must stay the user's constant
__d1 = 2.0
__t0 = 5.0


def indexes_an_object(x):
    return TABLE[x, 1.0]


def indexes_a_parameter_object(x, table):
    return table[x, 2.0]


def growth(y, r):
    return r * y * (1 - y)


def calls_a_partial(r):
    g = partial(growth, r=r)  # of the user's own function: inlined where it is called
    return g(0.5)


def calls_a_library_partial(r):
    g = partial(math.pow, r)
    return g(0.5)


def test_a_partial_of_a_user_function_is_differentiated(mode):
    assert srcdiff.grad(calls_a_partial, mode=mode)(2.0) == 0.5 * (1 - 0.5)


def test_a_partial_of_a_library_function_with_a_rule_is_differentiated(mode):
    # math.pow held by the partial calls with its rule: d/dr r ** 0.5, by hand
    got = srcdiff.grad(calls_a_library_partial, mode=mode)(2.0)
    assert got == pytest.approx(0.5 * 2.0 ** -0.5, rel=1e-15)


def r_concatenation(a):
    return np.sum(np.r_[a, a] ** 2)


def r_with_a_slice(a):  # (np.r_ of arrays alone is a concatenation: test_peer_suites)
    return np.sum(np.r_[a, 1:3] ** 2)


def test_r_concatenation_of_arrays(mode):
    a = np.array([1.0, 2.0])
    np.testing.assert_allclose(srcdiff.grad(r_concatenation, mode=mode)(a), 4 * a, rtol=1e-14)


def mask_index(x):
    return np.sum(x[x > 0] ** 2)


def reads_placeholder_named_globals(x):
    return x * __v0 + __d1 * x * x + __t0


@pytest.mark.parametrize("fn, args", [
    (indexes_an_object, (2.0,)), (indexes_a_parameter_object, (2.0, TABLE)),
    (r_with_a_slice, (np.array([1.0, 2.0]),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_opaque_operation_on_active_value_is_an_error(fn, args, mode):
    with pytest.raises(NotDifferentiableError) as e:  # when built, or when first called
        srcdiff.grad(fn, mode=mode)(*args)
    assert e.value.loc is not None and e.value.loc.lineno > 0


def test_mask_of_active_value_is_still_differentiated(mode):
    x = np.array([1.0, -1.0, 2.0])
    np.testing.assert_allclose(srcdiff.grad(mask_index, mode=mode)(x), [2.0, 0.0, 4.0])


def test_index_parameter_of_an_array_is_fine_under_jvp():
    def pick(x, idx):
        return x[idx] * 2.0
    out, tan = srcdiff.jvp(pick, (np.array([1.0, 2.0, 3.0]), np.array([0, 2])),
                           (np.ones(3), np.zeros(2)))
    np.testing.assert_allclose(tan, [2.0, 2.0])


def test_globals_named_like_placeholders_are_the_users(mode):
    # d/dx (3 x + 2 x^2 + 5) = 3 + 4 x, by hand
    g = srcdiff.grad(reads_placeholder_named_globals, mode=mode)
    assert g(1.5) == pytest.approx(3.0 + 4.0 * 1.5, rel=1e-15)


def fills_in_place(x):
    y = np.zeros(2)
    _ = y.fill(3.0)  # a method srcdiff knows nothing of, its value unused: it still runs
    return x * y[0]


def sorts_differentiated_in_place(x):
    y = x * np.array([3.0, 1.0, 2.0])
    _ = y.sort()
    return np.sum(y * x)


def test_a_call_srcdiff_knows_nothing_of_is_never_dropped(mode):
    assert srcdiff.grad(fills_in_place, mode=mode)(1.5) == pytest.approx(3.0, rel=1e-15)


def test_an_unknown_method_on_a_differentiated_value_is_an_error(mode):
    with pytest.raises(srcdiff.UnsupportedSyntaxError):
        srcdiff.grad(sorts_differentiated_in_place, mode=mode)(1.5)


def vector_result(x):
    return np.array([x, 2 * x])


def test_grad_of_a_vector_result_builds_quietly_and_refuses_at_the_call(mode, recwarn):
    g = srcdiff.grad(vector_result, mode=mode)  # issue 15 item 14: no SyntaxWarning
    assert not [w for w in recwarn.list if issubclass(w.category, SyntaxWarning)]
    with pytest.raises(srcdiff.NonScalarOutputError):
        g(1.5)
