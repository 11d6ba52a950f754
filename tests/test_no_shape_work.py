"""No value is computed for its shape: a number spread over a value's shape and met
by that value is the number (`2.0 * v`, not `broadcast_to(2.0, shape(v)) * v`), and
a product's shape comes from its operands' (`(np.shape(A)[0], np.shape(B)[1])`, not
`np.shape(A @ B)`). References: central differences."""
import numpy as np
import pytest

import srcdiff

B = np.linspace(-1.0, 1.0, 6).reshape(3, 2)


def cumulative(x):
    return np.sum(np.cumsum(x) ** 2)


def flattened(A):
    return np.sum(np.reshape(A, (-1,)) ** 2)


def rectified_product(A):
    return np.sum(np.maximum(A, 0.0) @ B)


def projected(A, x):
    return np.sum(np.exp(x @ A.T) * 0.5)


def central(f, args, i, h=1e-6):
    x = np.asarray(args[i], dtype=float)
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[k] = h
        up = [x + e if j == i else a for j, a in enumerate(args)]
        down = [x - e if j == i else a for j, a in enumerate(args)]
        g[k] = (f(*up) - f(*down)) / (2 * h)
    return g


CASES = [(cumulative, (np.array([0.3, -0.2, 0.5, 1.1]),)),
         (flattened, (np.linspace(-1, 1, 6).reshape(2, 3),)),
         (rectified_product, (np.array([[0.4, -0.3, 0.9], [-1.2, 0.6, 0.1]]),)),
         (projected, (np.linspace(-0.5, 0.5, 6).reshape(2, 3), np.array([0.2, -0.4, 0.3])))]


@pytest.mark.parametrize("f, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_no_value_is_computed_for_its_shape(f, args):
    g = srcdiff.grad(f, wrt=tuple(range(len(args))))
    got = g(*args)
    got = got if isinstance(got, tuple) else (got,)
    for i, gi in enumerate(got):
        assert np.allclose(gi, central(f, args, i), rtol=1e-6, atol=1e-9)
    src = "\n".join(line for line in g.source.splitlines() if not line.strip().startswith("#"))
    assert "def _" not in src, src
    assert "broadcast_to(2.0" not in src and "np.shape(maximum" not in src, src
    assert "@ B)" not in src and "np.shape(np.exp" not in src and "np.shape(x @" not in src, src
