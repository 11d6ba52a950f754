"""Golden tests: the listings README.md shows are, line for line, the `.source`
srcdiff generates for those functions (after a call with float arguments, as the
README says). The expected text is read from README.md itself, so the README
and the code cannot drift apart silently."""
import math
import pathlib
import re

import pytest

import srcdiff
from source_text import numbered

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def listing(def_name: str) -> list[str]:
    """The lines of the README's ```python block that starts with `def <def_name>(`."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    found = [b for b in blocks if b.startswith(f"def {def_name}(")]
    assert len(found) == 1, f"README has {len(found)} listings of {def_name}"
    return found[0].rstrip("\n").splitlines()


def f(x, y):
    z = x * y + y ** 2
    return math.sin(z) / (1 + x * x)


def rec(x, n):
    for i in range(n):  # noqa: B007 (the README listing names it i)
        x = 0.9 * x + 0.1 * math.sin(x)
    return x


@pytest.mark.parametrize("fn, wrt, args, listed", [
    (f, ("x", "y"), (2.0, 3.0), "f_grad"),
    (rec, 0, (1.3, 5), "rec_grad"),
], ids=["f_grad", "rec_grad"])
def test_readme_listing_is_the_generated_source(fn, wrt, args, listed):
    g = srcdiff.grad(fn, wrt=wrt)
    g(*args)
    # (the provenance comments' line numbers are those of the README's own example)
    assert numbered(g.source.rstrip("\n").splitlines()) == numbered(listing(listed))


def test_readme_f_grad_listing_computes_the_gradient():
    """The listing, run as printed, gives the hand-derived gradient."""
    ns = {"math": math}
    exec("\n".join(listing("f_grad")), ns)
    x, y = 2.0, 3.0
    z = x * y + y ** 2
    q = 1 + x * x
    dx = math.cos(z) * y / q - math.sin(z) * 2 * x / q ** 2
    dy = math.cos(z) * (x + 2 * y) / q
    assert ns["f_grad"](x, y) == pytest.approx((dx, dy), rel=1e-14)


def test_readme_rec_grad_listing_computes_the_gradient():
    ns = {"math": math}
    exec("\n".join(listing("rec_grad")), ns)
    x, want = 1.3, 1.0
    for _ in range(7):  # chain rule, step by step: dx'/dx = 0.9 + 0.1 cos(x)
        want *= 0.9 + 0.1 * math.cos(x)
        x = 0.9 * x + 0.1 * math.sin(x)
    assert ns["rec_grad"](1.3, 7) == pytest.approx(want, rel=1e-14)
