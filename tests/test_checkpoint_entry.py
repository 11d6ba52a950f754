"""Issue 20.3 on every reverse entry point: `jacobian(checkpoint=...)`, `hessian` and
`hvp(checkpoint=...)` (their one taped sweep: reverse over f's tangent code), and
`srcdiff grad --checkpoint K` / `--revolve S` on the command line. An ODE integrator
over a small state array, as a `for` loop (explicit Euler) and a `while` loop (RK2
to a final time): each result equals the un-checkpointed one to rounding and
central differences (of f, or for second derivatives of f's gradient); the CLI's
written module is imported and compared the same way."""
from __future__ import annotations

import numpy as np
import pytest

import srcdiff
from srcdiff.cli import main
from test_checkpoint import central
from test_written_again import written

POLICIES = [3, srcdiff.revolve(2)]


def euler_step(y):
    """One explicit Euler step of a damped pendulum."""
    return y + 0.05 * np.array([y[1], -np.sin(y[0]) - 0.1 * y[1]])


def rk2_step(y, h):
    """One midpoint (RK2) step of the pendulum."""
    k1 = np.array([y[1], -np.sin(y[0])])
    mid = y + 0.5 * h * k1
    return y + h * np.array([mid[1], -np.sin(mid[0])])


def euler_state(y, n):
    for _ in range(n):
        y = euler_step(y)
    return y


def rk2_state(y, T):
    t = 0.0
    while t < T:
        y = rk2_step(y, 0.1)
        t = t + 0.1
    return y


def euler_energy(y, n):
    y = euler_state(y, n)
    return y[0] * y[1] + np.sum(np.cos(y))


def rk2_energy(y, T):
    y = rk2_state(y, T)
    return y[0] * y[1] + np.sum(y ** 2)


Y0 = np.array([0.7, -0.3])
STATES = [(euler_state, (Y0, 7)), (rk2_state, (Y0, 0.65))]
ENERGIES = [(euler_energy, (Y0, 7)), (rk2_energy, (Y0, 0.65))]


def jacobian_by_differences(f, args, h=1e-6):
    y = args[0]
    cols = [(f(y + h * e, *args[1:]) - f(y - h * e, *args[1:])) / (2 * h)
            for e in np.eye(y.size)]
    return np.stack(cols, axis=-1)


def agrees(checkpointed, plain, args, want):
    """`checkpointed(*args)` equals the un-checkpointed `plain(*args)` to rounding and
    `want` (by differences), and its code is checkpointed, not left as it was."""
    got = checkpointed(*args)
    np.testing.assert_allclose(got, plain(*args), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    assert "snapshots" in checkpointed.source
    return got


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("f, args", STATES)
def test_reverse_jacobian(f, args, policy):
    got = agrees(srcdiff.jacobian(f, checkpoint=policy), srcdiff.jacobian(f), args,
                 jacobian_by_differences(f, args))
    # forward mode keeps no tape: the policy changes nothing, as for grad
    np.testing.assert_allclose(srcdiff.jacobian(f, mode="forward", checkpoint=policy)(*args),
                               got, rtol=1e-12)


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("f, args", ENERGIES)
def test_hessian_and_hvp(f, args, policy):
    # the taped sweep is the reverse one over the tangent code, and it is checkpointed;
    # the reference: differences of the gradient
    plain = srcdiff.hessian(f)
    got = agrees(srcdiff.hessian(f, checkpoint=policy), plain, args,
                 jacobian_by_differences(srcdiff.grad(f), args))
    assert "snapshots" not in plain.source
    v = np.array([0.4, -1.1])
    hv = srcdiff.hvp(f, checkpoint=policy)
    np.testing.assert_allclose(hv(*args, v), got @ v, rtol=1e-12, atol=1e-14)
    assert "snapshots" in hv.source


def test_hessian_without_a_loop_takes_the_policy_as_grad_does():
    def f(y):
        return y[0] * y[1] ** 3

    np.testing.assert_allclose(srcdiff.hessian(f, checkpoint=4)(Y0),
                               [[0.0, 3 * Y0[1] ** 2], [3 * Y0[1] ** 2, 6 * Y0[0] * Y0[1]]])
    with pytest.raises(srcdiff.SrcDiffError, match="checkpoint must be"):
        srcdiff.hessian(f, checkpoint="often")
    with pytest.raises(srcdiff.SrcDiffError, match="checkpoint must be"):
        srcdiff.jacobian(f, checkpoint=2.5)


# ----- the command line -----
@pytest.mark.parametrize("options", [("--checkpoint", "3"), ("--revolve", "2")])
@pytest.mark.parametrize("f, args", ENERGIES)
def test_cli_writes_a_checkpointed_module(tmp_path, f, args, options):
    g, text = written(tmp_path, f, *options)
    assert "snapshots" in text and "import srcdiff" not in text
    assert f"Regenerate with: srcdiff grad test_checkpoint_entry.py:{f.__name__} " \
           f"{' '.join(options)}" in text
    got = g(*args)
    np.testing.assert_allclose(got, srcdiff.grad(f)(*args), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, central(f, args, 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("options, words", [
    (("--revolve", "0"), "--revolve 0: expected an int >= 1"),
    (("--checkpoint", "4", "--mode", "forward"), "--mode forward keeps no tape"),
    (("--checkpoint", "4", "--revolve", "2"), "not allowed with argument"),
])
def test_cli_checkpoint_mistakes(capsys, options, words):
    assert main(["grad", f"{__file__}:euler_energy", *options]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1


def marked_euler(y, n):
    for _ in srcdiff.checkpoint(range(n), every=3):
        y = euler_step(y)
    return y[0] * y[1] + np.sum(np.cos(y))


def marked_rk2(y, T):
    t = 0.0
    while srcdiff.checkpoint(t < T, revolve=2):
        y = rk2_step(y, 0.1)
        t = t + 0.1
    return y[0] * y[1] + np.sum(y ** 2)


@pytest.mark.parametrize("f, plain, args", [(marked_euler, euler_energy, (Y0, 7)),
                                            (marked_rk2, rk2_energy, (Y0, 0.65))])
def test_hessian_of_a_marked_loop_keeps_its_marker(f, plain, args):
    """f's tangent code has f's loops without their markers: the policy of the
    markers on its outermost loops is that of the tangent code's reverse sweep."""
    hess = srcdiff.hessian(f)
    np.testing.assert_allclose(hess(*args), srcdiff.hessian(plain)(*args), rtol=1e-12,
                               atol=1e-14)
    assert "snapshots" in hess.source
    v = np.array([0.4, -1.1])
    g = srcdiff.grad(f)
    got = srcdiff.jvp(g, args, (v, 0.0 * args[1]))[1]  # jvp of grad: H v, by hvp
    np.testing.assert_allclose(got, jacobian_by_differences(g, args) @ v, rtol=1e-6,
                               atol=1e-8)
