"""The program corpus (tests/programs/) with its data as Dask arrays (issue 22): each
program's reverse-mode gradient, with the differentiated parameters as NumPy arrays
and every other float array as a Dask array chunked by rows, is right (five-point
central differences of the NumPy primal, judged as tests/test_programs.py judges)
or a SrcDiffError — never a wrong number. A program whose own code fails on Dask
arrays (Dask's linear algebra wants square chunks, nd fancy indexing, `.item()`, ...)
raises that error from the derivative too, and is skipped here."""
import warnings

import numpy as np
import pytest

import srcdiff
from programs import ALL
from programs.run import RTOL, flat, param_names, reference, rel_error, seed_of

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")


def _dask(a):
    """A float array as a Dask array of two chunks of rows; anything else as it is."""
    if type(a) is np.ndarray and a.ndim >= 1 and a.dtype.kind == "f" and a.shape[0] > 1:
        return da.from_array(a, chunks=((a.shape[0] + 1) // 2,) + a.shape[1:])
    return a


# loops of many steps over Dask arrays: a graph layer per step, seconds each, nothing new
SLOW = {"ode.damped_pendulum_fit", "linalg.power_iteration", "optim.unrolled_gd"}


def _cases():
    for name, prog in ALL.items():
        if name in SLOW or name.split(".")[0].endswith(("3", "4")):
            continue  # (the structure corpus, tests/programs/*3.py, *4.py: NumPy semantics only,
            # kept out to keep the suite's time; its array code is the kind above)
        idx, _ = param_names(prog)
        args = prog.args_factory(np.random.default_rng(seed_of(name)))
        if any(i not in idx and _dask(a) is not a for i, a in enumerate(args)):
            yield name


@pytest.mark.parametrize("name", list(_cases()))
def test_right_or_refused_with_dask_data(name):
    prog = ALL[name]
    idx, as_tuple = param_names(prog)
    args = tuple(prog.args_factory(np.random.default_rng(seed_of(name))))
    data = tuple(a if i in idx else _dask(a) for i, a in enumerate(args))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # Dask's FutureWarning for a function it computes
        try:
            value = prog.fn(*data)
            float(value)
        except Exception as e:  # noqa: BLE001 - f itself does not run on these arrays
            pytest.skip(f"{name} itself fails on Dask arrays: {type(e).__name__}")
        try:
            got = dask.compute(srcdiff.grad(prog.fn, wrt=prog.wrt)(*data))[0]
        except srcdiff.SrcDiffError:
            return  # refused, clearly
        want = reference(prog, args, idx)
        value = float(prog.fn(*args))
    grads = list(got) if as_tuple else [got]
    assert rel_error([flat(d) for d in grads], want, value) <= RTOL, name
