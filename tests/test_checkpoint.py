"""Issue 20.3: checkpointed loops in reverse mode (srcdiff/checkpoint.py).

Every loop form — `for` over a range and over a sequence, `while`, nested loops
(the outer checkpointed), branches, `break`, carried arrays updated in place —
under `every(k)` and `revolve(s)`, through `grad`, `value_and_grad` and `vjp`
and through the `srcdiff.checkpoint` marker, checked twice: against the
un-checkpointed gradient (to rounding) and against central differences. Trip
counts that are not multiples of k, k above the trips, zero trips. Forward mode
takes a policy as a no-op; a misused policy or marker is a clear error.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import srcdiff
from srcdiff import SrcDiffError, UnsupportedSyntaxError
from srcdiff.checkpoint import _revolve
from source_text import code, numbered

POLICIES = [1, 3, 4, 50, srcdiff.every(2), srcdiff.revolve(1), srcdiff.revolve(2),
            srcdiff.revolve(3), srcdiff.revolve(8)]
TRIPS = [0, 1, 5, 12]


def central(f, args, i, h=1e-6):
    """d f / d args[i] by central differences (an array: entry by entry)."""
    x = args[i]
    if np.ndim(x) == 0:
        up, down = list(args), list(args)
        up[i], down[i] = x + h, x - h
        return (f(*up) - f(*down)) / (2 * h)
    g = np.zeros(np.shape(x))
    for j in np.ndindex(np.shape(x)):
        up, down = list(args), list(args)
        up[i], down[i] = np.array(x, dtype=float), np.array(x, dtype=float)
        up[i][j] += h
        down[i][j] -= h
        g[j] = (f(*up) - f(*down)) / (2 * h)
    return g


def agree(f, args, policy, wrt=0):
    """grad with the policy equals grad without it to rounding, and central differences."""
    want = srcdiff.grad(f, wrt)(*args)
    got = srcdiff.grad(f, wrt, checkpoint=policy)(*args)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, central(f, args, wrt), rtol=1e-6, atol=1e-8)
    return got


# ---------------------------------------------------------------- the loop forms

def decay(x, n):
    for i in range(n):
        x = 0.9 * x + 0.1 * math.sin(x) + 0.01 * i
    return x


def strided(x, a, b):
    s = 0.0
    for i in range(a, b, 3):
        s = s + math.sin(x * i)
        x = x * 1.01
    return s + x


def rows(w, xs):
    h = 0.3
    for x in xs:
        h = math.tanh(w * h + x)
    return h


def euler(y, n):
    """Explicit Euler steps of a nonlinear ODE with an array state."""
    dt = 0.05
    for _ in range(n):
        y = y + dt * (np.sin(y) - 0.5 * y * y + np.roll(y, 1))
    return np.sum(y * y)


def falling(x, T):
    t = 0.0
    v = 0.0
    while t < T:
        v = v + 0.1 * (math.sin(x) - 0.2 * v * v)
        x = x + 0.1 * v
        t = t + 0.1
    return x * v


def nested(x, n, m):
    for _ in range(n):
        for j in range(m):
            x = x + 0.05 * math.cos(x * (j + 1))
        x = x * 0.98
    return x


def branchy(x, n):
    for _ in range(n):
        if x > 1.0:
            x = x - 0.3 * math.sin(x)
        else:
            x = x * 1.2 + 0.1
    return x


def breaking(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.exp(-x * i * 0.1)
        if s > 3.0:
            break
        x = x * 1.02
    return s


def breaking_while(x):
    s = 0.0
    k = 0
    while k < 100:
        s = s + math.sin(x + k)
        k = k + 1
        if s > 1.5:
            break
    return s * x


def in_place(x0, c, n):
    """A carried array updated in place (`+=`): the snapshots are copies."""
    x = x0 + 0.0
    s = 0.0
    for _ in range(n):
        y = np.exp(x * 0.1)
        s = s + np.sum(y * y)
        x += c
    return s


def vector_out(x, n):
    for _ in range(n):
        x = x + 0.1 * np.tanh(x[::-1])
    return x * 2.0


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@pytest.mark.parametrize("n", TRIPS)
def test_range_loop(policy, n):
    agree(decay, (0.7, n), policy)


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@pytest.mark.parametrize("bounds", [(2, 20), (5, 5), (1, 30)])
def test_range_with_start_and_step(policy, bounds):
    agree(strided, (0.4, *bounds), policy)


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@pytest.mark.parametrize("xs", [[], [0.5], [0.1, -0.4, 0.9, 0.3, -0.2, 0.7, 0.05]])
def test_for_over_a_sequence(policy, xs):
    agree(rows, (1.3, xs), policy)
    agree(rows, (1.3, np.array(xs)), policy)


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@pytest.mark.parametrize("n", [0, 7, 16])
def test_array_state(policy, n):
    y = np.random.default_rng(0).uniform(-1, 1, 6)
    agree(euler, (y, n), policy)


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@pytest.mark.parametrize("T", [-1.0, 0.35, 2.0])
def test_while_loop(policy, T):
    agree(falling, (0.8, T), policy)


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
def test_nested_loops_checkpoint_the_outer(policy):
    agree(nested, (0.3, 7, 3), policy)
    agree(nested, (0.3, 4, 0), policy)


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@pytest.mark.parametrize("x", [0.5, 1.5])
def test_branches(policy, x):
    agree(branchy, (x, 9), policy)


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@pytest.mark.parametrize("n", [3, 40])
def test_break(policy, n):
    agree(breaking, (0.2, n), policy)  # n=40 breaks, n=3 runs out


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
def test_break_out_of_while(policy):
    agree(breaking_while, (0.3,), policy)


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@pytest.mark.parametrize("n", [0, 5, 9])
def test_carried_array_updated_in_place(policy, n):
    x0, c = np.array([0.3, -0.7, 1.1]), np.array([0.1, 0.2, -0.3])
    agree(in_place, (x0, c, n), policy, wrt=0)
    agree(in_place, (x0, c, n), policy, wrt=1)


@pytest.mark.parametrize("policy", [3, srcdiff.revolve(2)], ids=repr)
def test_vjp_and_value_and_grad(policy):
    x = np.array([0.2, -0.5, 0.9, 0.1])
    ct = np.array([1.0, -2.0, 0.5, 3.0])
    out, pull = srcdiff.vjp(vector_out, x, 11, wrt=0, checkpoint=policy)
    out0, pull0 = srcdiff.vjp(vector_out, x, 11, wrt=0)
    np.testing.assert_allclose(out, out0, rtol=1e-15)
    (got,) = pull(ct)
    np.testing.assert_allclose(got, pull0(ct)[0], rtol=1e-12)
    want = central(lambda x, n: float(np.dot(vector_out(x, n), ct)), (x, 11), 0)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    value, g = srcdiff.value_and_grad(decay, checkpoint=policy)(0.7, 13)
    assert value == decay(0.7, 13)
    np.testing.assert_allclose(g, srcdiff.grad(decay)(0.7, 13), rtol=1e-12)
    np.testing.assert_allclose(g, central(decay, (0.7, 13), 0), rtol=1e-6)


# ---------------------------------------------------------------- the marker

def marked(x, n):
    for i in srcdiff.checkpoint(range(n), every=4):
        x = x + 0.1 * math.sin(x * i)
    return x


def marked_revolve(y, n):
    for _ in srcdiff.checkpoint(range(n), revolve=3):
        y = y + 0.05 * np.cos(y) * y
    return np.sum(y)


def marked_while(x, T):
    t = 0.0
    while srcdiff.checkpoint(t < T, every=3):
        x = x * math.cos(0.3 * x) + 0.1
        t = t + 0.25
    return x


def marked_by_name(x, n, k):
    for i in srcdiff.checkpoint(range(n), every=k):
        x = x + 0.1 * math.sin(x + i)
    return x


def marked_inner(x, n):
    for _ in range(n):
        for j in srcdiff.checkpoint(range(5), every=2):
            x = x + 0.02 * math.sin(x * j)
        x = x * 0.99
    return x


def marked_sequence(w, xs):
    h = 0.1
    for x in srcdiff.checkpoint(xs, every=2):
        h = math.tanh(w * h + x)
    return h


@pytest.mark.parametrize("f, args", [
    (marked, (0.6, 10)), (marked, (0.6, 0)), (marked, (0.6, 3)),
    (marked_revolve, (np.array([0.5, -0.2, 1.0]), 9)),
    (marked_while, (0.9, 2.0)), (marked_while, (0.9, -1.0)),
    (marked_by_name, (0.2, 11, 3)), (marked_inner, (0.4, 4)),
    (marked_sequence, (0.8, [0.3, -0.1, 0.5, 0.2, 0.9])),
])
def test_marker(f, args):
    """The marker checkpoints its loop; the primal runs as plain Python."""
    g = srcdiff.grad(f)
    got = g(*args)
    np.testing.assert_allclose(got, central(f, args, 0), rtol=1e-6, atol=1e-9)
    assert "snapshots" in g.source
    # the same gradient as the loop without its marker
    plain = srcdiff.grad(f, checkpoint=None)
    np.testing.assert_allclose(got, plain(*args), rtol=1e-12)
    out, pull = srcdiff.vjp(f, *args, wrt=0)
    np.testing.assert_allclose(pull(1.0)[0], got, rtol=1e-12)


def unmarked(x, n):
    for i in range(n):
        x = x + 0.1 * math.sin(x * i)
    return x


def test_marked_equals_unmarked():
    np.testing.assert_allclose(srcdiff.grad(marked)(0.6, 10), srcdiff.grad(unmarked)(0.6, 10),
                               rtol=1e-12)


def test_marker_is_plain_python():
    assert srcdiff.checkpoint(range(3), every=2) == range(3)
    assert srcdiff.remat(True, revolve=2) is True
    assert marked(0.6, 10) == unmarked(0.6, 10)
    with pytest.raises(SrcDiffError, match="every=k or revolve=s"):
        srcdiff.checkpoint(range(3))


# ---------------------------------------------------------------- forward mode: a no-op

def test_forward_mode_ignores_checkpointing():
    fwd = srcdiff.grad(decay, mode="forward", checkpoint=3)(0.7, 12)
    np.testing.assert_allclose(fwd, srcdiff.grad(decay)(0.7, 12), rtol=1e-12)
    out, tan = srcdiff.jvp(marked, (0.6, 10), (1.0, 0))
    np.testing.assert_allclose(tan, central(marked, (0.6, 10), 0), rtol=1e-6)
    assert "snapshots" not in srcdiff.jvp(marked).source


# ---------------------------------------------------------------- the code it writes

def test_every_k_source_reads_like_segments():
    g = srcdiff.grad(decay, checkpoint=3)
    g(0.7, 10)
    src = g.source
    assert "for start in range(0, n, 3):\n        snapshots.append(x)" in src
    assert ("for start in reversed(range(0, n, 3)):\n        top_snapshots -= 1\n"
            "        x = snapshots[top_snapshots]\n        tape_x = []\n") in src
    assert "top_x = len(tape_x)\n        for _ in range(start, min(start + 3, n)):\n" \
           "            top_x -= 1\n            x = tape_x[top_x]\n" in src
    assert src.count("tape_x.append(x)") == 1  # only in the segment run again
    assert "for i in range(start, min(start + 3, n)):" in src


def test_revolve_source_runs_a_schedule():
    g = srcdiff.grad(falling, checkpoint=srcdiff.revolve(4))
    g(0.8, 2.0)
    src = g.source
    assert "for action, start, end in _revolve(trips, 4):" in src
    assert "snapshots.append((v, x))" in src  # the state at trip 0 (t: not needed again)
    assert "v, x = snapshots[-1]" in src


def test_in_place_state_is_copied_into_snapshots():
    g = srcdiff.grad(in_place, checkpoint=srcdiff.revolve(2))
    g(np.array([0.3, -0.7, 1.1]), np.array([0.1, 0.2, -0.3]), 5)
    assert "x.copy()" in g.source


# ---------------------------------------------------------------- the schedule

@pytest.mark.parametrize("snaps", [1, 2, 3, 5])
@pytest.mark.parametrize("trips", [0, 1, 2, 7, 30, 61])
def test_revolve_schedule(snaps, trips):
    """Each trip reversed once, last first; never more than `snaps` states held;
    each trip run again at most t times, C(snaps + t, t) >= trips."""
    held, state, reversed_, runs = [0], None, [], [0] * trips
    for action, a, b in _revolve(trips, snaps):
        if action == "restore":
            state = held[-1]
        elif action == "snapshot":
            assert state == a
            held.append(a)
            assert len(held) <= snaps
        elif action == "drop":
            assert held.pop() == a
        elif action == "advance":
            assert state == a
            for j in range(a, b):
                runs[j] += 1
            state = b
        else:
            assert action == "reverse" and state == a and b == a + 1
            reversed_.append(a)
            state = None
    assert held == [0] and reversed_ == list(range(trips))[::-1]  # (trip 0's stays held)
    t = 0
    while math.comb(snaps + t, t) < trips:
        t += 1
    assert max(runs, default=0) <= t


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("bad", [0, -2, 2.5, "every", True])
def test_bad_policy(bad):
    with pytest.raises(SrcDiffError, match="checkpoint"):
        srcdiff.grad(decay, checkpoint=bad)
    with pytest.raises(SrcDiffError, match="checkpoint"):
        srcdiff.vjp(decay, 0.5, 3, checkpoint=bad)


def test_bad_policy_constructors():
    with pytest.raises(SrcDiffError):
        srcdiff.every(0)
    with pytest.raises(SrcDiffError):
        srcdiff.revolve(1.5)


def misplaced(x):
    y = srcdiff.checkpoint(x * 2.0, every=3)
    return y * x


def marked_twice(x, n):
    for _ in srcdiff.checkpoint(range(n), every=2, revolve=3):
        x = x * 1.1
    return x


def marked_zero(x, n):
    for _ in srcdiff.checkpoint(range(n), every=0):
        x = x * 1.1
    return x


@pytest.mark.parametrize("f, words", [
    (misplaced, "srcdiff.checkpoint here"),
    (marked_twice, "this use of srcdiff.checkpoint"),
    (marked_zero, "every=0"),
])
def test_misused_marker_is_located(f, words):
    with pytest.raises(UnsupportedSyntaxError, match=words) as err:
        srcdiff.grad(f)(0.5, 3) if f is not misplaced else srcdiff.grad(f)(0.5)
    assert err.value.lineno is not None and "test_checkpoint.py" in str(err.value)


# ---------------------------------------------------------------- what runs again

def noisy(x, n, seed):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        x = x + 0.1 * math.sin(x) * rng.normal()
    return x


def test_a_call_that_may_differ_when_run_again_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="checkpointed loop") as err:
        srcdiff.grad(noisy, checkpoint=2)(0.5, 4, 0)
    assert err.value.lineno is not None
    np.testing.assert_allclose(srcdiff.grad(noisy)(0.5, 4, 0),
                               central(noisy, (0.5, 4, 0), 0), rtol=1e-6)  # (no checkpoint)


def chatty(x, n):
    total = 0.0
    for i in range(n):
        print("trip", i)
        assert x > -10.0
        total = total + x  # the adjoint never reads the sum
        x = x * math.cos(0.1 * x)
    return x + total


@pytest.mark.parametrize("policy", [2, srcdiff.revolve(2)], ids=repr)
def test_only_what_the_adjoint_needs_runs_again(policy, capsys):
    g = srcdiff.grad(chatty, checkpoint=policy)
    got = g(0.9, 5)
    assert capsys.readouterr().out.count("trip") == 5  # printed once a trip, as f does
    np.testing.assert_allclose(got, srcdiff.grad(chatty)(0.9, 5), rtol=1e-12)
    capsys.readouterr()
    np.testing.assert_allclose(got, central(chatty, (0.9, 5), 0), rtol=1e-6)
    src = code(g.source)
    again = src.split("reversed(range(0, n, 2))")[-1] if policy == 2 else (
        src.split("_revolve(n, 2)")[-1])
    assert "print(" not in again and "total = " not in again and "assert " not in again


def skipping(x, n):
    for i in range(n):
        if i % 3 == 1:
            continue
        x = x + 0.2 * math.sin(x + i)
    return x


def returning(x, n):
    for i in range(n):
        x = x * 1.05 + 0.01 * i
        if x > 2.0:
            return x * x
    return x


def with_else(x, n):
    for _ in range(n):
        x = math.tanh(x + 0.3)
        if x > 0.99:
            break
    else:
        x = x * 2.0
    return x


@pytest.mark.parametrize("policy", [1, 3, srcdiff.revolve(2)], ids=repr)
@pytest.mark.parametrize("f, args", [(skipping, (0.4, 10)), (returning, (0.5, 40)),
                                     (returning, (0.5, 4)), (with_else, (0.1, 6)),
                                     (with_else, (0.1, 60))])
def test_continue_return_and_else(policy, f, args):
    agree(f, args, policy)


def with_aux(x, n):
    return decay(x, n), "aux"


def test_containers_and_aux():
    def loss(p, n):
        w = p["w"]
        for _ in range(n):
            w = w - 0.1 * np.tanh(w) * p["b"]
        return np.sum(w * w)

    p = {"w": np.array([0.5, -1.0, 2.0]), "b": 0.7}
    got = srcdiff.grad(loss, checkpoint=srcdiff.revolve(2))(p, 9)
    want = srcdiff.grad(loss)(p, 9)
    np.testing.assert_allclose(got["w"], want["w"], rtol=1e-12)
    np.testing.assert_allclose(got["b"], want["b"], rtol=1e-12)
    (value, aux), g = srcdiff.value_and_grad(with_aux, has_aux=True, checkpoint=3)(0.7, 8)
    assert aux == "aux"
    np.testing.assert_allclose(g, srcdiff.grad(decay)(0.7, 8), rtol=1e-12)


def test_readme_listing_is_the_generated_source():
    """README's checkpointed listing, line for line (tests/test_readme_listings.py)."""
    from test_readme_listings import listing

    from srcdiff import grad

    def decay(x, n):
        for i in srcdiff.checkpoint(range(n), every=100):  # noqa: B007 (as in README)
            x = 0.9 * x + 0.1 * math.sin(x)
        return x

    g = grad(decay)
    g(1.3, 250)
    assert numbered(g.source.rstrip("\n").splitlines()) == numbered(listing("decay_grad"))


@pytest.mark.parametrize("snaps", [1, 2, 3, 8, 20])
@pytest.mark.parametrize("trips", [1, 2, 17, 100, 1000, 10000])
def test_revolve_runs_trips_again_as_often_as_griewank_says(trips, snaps):
    """The schedule's recomputation is the least s snapshots allow (Griewank):
    t * trips - C(s + t, t - 1) trips run again, t the least with C(s + t, s) >= trips."""
    runs = sum(b - a for action, a, b in _revolve(trips, snaps) if action == "advance")
    t = 0
    while math.comb(snaps + t, snaps) < trips:
        t += 1
    assert runs == (t * trips - math.comb(snaps + t, t - 1) if t else 0)


def test_a_named_size_is_checked_when_called():
    with pytest.raises(SrcDiffError, match="every must be an int"):
        marked_by_name(0.2, 5, 0)  # the marker, as plain Python
    with pytest.raises(ValueError, match="int >= 1"):
        srcdiff.grad(marked_by_name)(0.2, 5, 0)
    with pytest.raises(ValueError, match="int >= 1"):
        srcdiff.grad(marked_by_name)(0.2, 5, -3)


def history(x, n):
    seen = []
    for i in range(n):
        x = math.sin(x) + 0.1 * i
        seen.append(x * x)
    return sum(seen) + seen[-1] if seen else x


@pytest.mark.parametrize("policy", [2, srcdiff.revolve(2)], ids=repr)
def test_a_list_grown_by_the_loop(policy):
    agree(history, (0.4, 7), policy)


def chatty_inner(x, n):
    for _ in range(n):
        for j in range(2):
            print("inner", j)
            x = x + 0.1 * math.sin(x * j)
    return x


def filling(x, n):
    buf = np.zeros(3)
    for _ in range(n):
        buf.fill(0.5)
        x = x + 0.1 * np.sin(x) * buf
    return np.sum(x)


def test_effects_in_a_checkpointed_loop(capsys):
    g = srcdiff.grad(chatty_inner, checkpoint=2)
    np.testing.assert_allclose(g(0.4, 3), srcdiff.grad(chatty_inner)(0.4, 3), rtol=1e-12)
    assert capsys.readouterr().out.count("inner") == 12  # (each grad: 3 * 2, once each)
    with pytest.raises(UnsupportedSyntaxError, match="buf.fill|fill"):
        srcdiff.grad(filling, checkpoint=2)(np.ones(3), 4)
