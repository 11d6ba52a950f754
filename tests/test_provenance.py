"""Issue 21.1-2: provenance comments in `.source` and `srcdiff grad` output, the source
map (generated line -> primal file and line), and exceptions raised inside generated code
carrying the primal line they come from (their type unchanged)."""
import inspect
import linecache
import math
import os
import re
import sys
import traceback

import numpy as np
import pytest

import srcdiff
from sample_files import SAMPLES_DIR, load
from srcdiff.cli import main
from srcdiff.provenance import strip_comments
from source_text import code

HERE = os.path.abspath(__file__)
COMMENT = re.compile(r"^\s*# (adjoint of )?(?:(\S+), )?line (\d+)(?:: (.*))?$")


regen = load(os.path.join(SAMPLES_DIR, "regenerate.py"), "_prov_regenerate")


def product(x, y):
    z = x * y + y ** 2
    return math.sin(z) / (1 + x * x)


def primal_code(filename, lineno) -> str:
    """Line `lineno` of `filename` without its comment."""
    text = linecache.getline(filename, lineno)
    return text.split("  #")[0].strip()


def function_lines(fn) -> tuple[str, range]:
    lines, start = inspect.getsourcelines(fn)
    return inspect.getsourcefile(fn), range(start, start + len(lines))


def assert_provenance_is_right(source: str, source_map: dict, fn) -> None:
    """Every mapped line points into `fn`'s file (`fn` or a helper it inlines); every
    comment quotes the line it names and is mapped to it; a generated line that is a
    line of `fn` verbatim is mapped to a line with that text."""
    filename, span = function_lines(fn)
    lines = source.splitlines()
    primal = {ln: primal_code(filename, ln) for ln in span}
    assert source_map, "nothing mapped"
    for n, (file, ln) in source_map.items():
        assert 1 <= n <= len(lines)
        assert os.path.samefile(file, filename), (n, lines[n - 1], file, ln)
        primal.setdefault(ln, primal_code(filename, ln))
    for n, text in enumerate(lines, 1):
        m = COMMENT.match(text)
        if m is not None:
            assert source_map.get(n, (None, None))[1] == int(m.group(3)), text
            quoted = m.group(4)
            if quoted is not None and not quoted.endswith("..."):
                assert quoted == primal[int(m.group(3))], (text, primal[int(m.group(3))])
            continue
        stripped = text.strip()
        if stripped in {primal[ln] for ln in span} and n in source_map and not stripped.startswith(
                ("return", "for ", "while ", "if ", "else", "def ")):
            assert primal[source_map[n][1]] == stripped, (n, text, source_map[n])


# ----- comments -----
def test_each_block_names_the_primal_line_it_computes_or_differentiates():
    g = srcdiff.grad(product, wrt=("x", "y"))
    g(2.0, 3.0)
    src = g.source
    line_z = product.__code__.co_firstlineno + 1
    assert f"    # line {line_z}\n    z = x * y + y ** 2\n" in src  # the line itself follows
    assert (f"    # adjoint of line {line_z + 1}: return math.sin(z) / (1 + x * x)\n"
            in src)
    assert f"    # adjoint of line {line_z}: z = x * y + y ** 2\n" in src
    comments = [ln for ln in src.splitlines() if ln.strip().startswith("#")]
    assert len(comments) == 4  # one per primal statement and sweep, not one per line
    assert_provenance_is_right(src, g.source_map, product)


def test_comments_change_nothing_that_runs():
    g = srcdiff.grad(product, wrt=("x", "y"))
    want = g(2.0, 3.0)
    for text in (g.source, strip_comments(g.source)):
        ns = {"math": math, "np": np}
        exec(text, ns)
        assert ns["product_grad"](2.0, 3.0) == want
    assert strip_comments(g.source) == code(g.source)
    assert "#" not in strip_comments(g.source)


def loop(x, n):
    for i in range(n):  # noqa: B007
        x = 0.9 * x + 0.1 * math.sin(x)
    return x


def test_a_users_own_comment_is_not_quoted():
    src = srcdiff.grad(loop).source
    first = loop.__code__.co_firstlineno
    assert f"# adjoint of line {first + 1}: for i in range(n):\n" in src
    assert "noqa" not in src


def long_statement(x, y):
    total = (x * y
             + math.sin(x) * y
             + x ** 3)
    return total


def test_a_statement_over_several_lines_is_one_block():
    g = srcdiff.grad(long_statement)
    src = g.source
    first = long_statement.__code__.co_firstlineno + 1
    assert f"# adjoint of line {first}: total = (x * y\n" in src  # (no forward sweep)
    assert f"line {first + 1}" not in src and f"line {first + 2}" not in src
    assert {ln for _, ln in g.source_map.values()} <= {first, first + 3}


def test_forward_mode_carries_the_comments_too():
    j = srcdiff.jvp(product)
    assert "# line" in j.source and "adjoint" not in j.source
    assert_provenance_is_right(j.source, j.source_map, product)
    _, pull = srcdiff.vjp(product, 2.0, 3.0)
    assert_provenance_is_right(pull.source, pull.source_map, product)
    g = srcdiff.grad(product, mode="forward")
    assert_provenance_is_right(g.source, g.source_map, product)


def test_a_derivative_of_a_derivative_names_the_users_lines():
    def f(x):
        y = math.sin(x) * x
        return y * y

    gg = srcdiff.grad(srcdiff.grad(f))
    assert gg(0.7) == pytest.approx(srcdiff.hessian(f)(0.7), rel=1e-12)
    y_line = f.__code__.co_firstlineno + 1
    assert f"# line {y_line}: y = math.sin(x) * x" in gg.source  # (not f_grad's lines)
    assert f"# adjoint of line {y_line + 1}: return y * y" in gg.source
    assert HERE in {file for file, _ in gg.source_map.values()}


# ----- the source map, for every sample -----
@pytest.mark.parametrize("sample", regen.SAMPLES, ids=[f"{s[0]}.{s[1]}" for s in regen.SAMPLES])
def test_source_map_is_right_for_every_sample(sample):
    module_name, func, wrt, output, make_args = sample[:5]
    module = load(os.path.join(SAMPLES_DIR, module_name + ".py"), "_prov_" + module_name)
    fn = getattr(module, func)
    g = srcdiff.grad(fn, wrt=tuple(wrt.split(",")))
    assert_provenance_is_right(g.source, g.source_map, fn)  # the generic code
    g(*make_args())
    assert_provenance_is_right(g.source, g.source_map, fn)  # the specialised code
    # the module `srcdiff grad` wrote: its comments quote the lines they name
    filename, span = function_lines(fn)
    with open(os.path.join(SAMPLES_DIR, output)) as fh:
        written = fh.read()
    found = [COMMENT.match(ln) for ln in written.splitlines()]
    found = [m for m in found if m is not None]
    assert found
    for m in found:
        if m.group(4) is not None:
            assert m.group(4) == primal_code(filename, int(m.group(3)))


def test_cli_no_comments_leaves_them_out(capsys):
    path = os.path.join(SAMPLES_DIR, "physics.py")
    out = {}
    for flag in ((), ("--no-comments",)):
        assert main(["grad", path + ":drag_distance", "--wrt", "speed", *flag]) == 0
        out[flag] = capsys.readouterr().out
    assert "# line" in out[()] and "# adjoint of line" in out[()]
    assert "# line" not in out[("--no-comments",)]
    assert code(out[()]) == out[("--no-comments",)]


def test_cli_output_rewritten_for_numbers_keeps_its_comments(tmp_path, capsys):
    """A derivative written for numbers only (an in-place update of a value another
    name holds) is printed again with its guard; its comments survive the reprint."""
    (tmp_path / "m.py").write_text("import numpy as np\n\n\ndef bond(coupon, rate, n):\n"
                                   "    y = coupon\n"
                                   "    step = rate * 0.5\n    for _ in range(n):\n"
                                   "        y -= step\n    return y * coupon\n")
    assert main(["grad", str(tmp_path / "m.py") + ":bond"]) == 0
    out = capsys.readouterr().out
    assert "is written for numbers" in out
    assert "    # line 6\n    step = rate * 0.5\n" in out
    assert "    # line 5\n    y = coupon\n" in out
    assert "        # adjoint of line 8: y -= step\n" in out


# ----- tracebacks -----
def matmul(x, w):
    y = np.sin(x)
    # z * z reads z's value, so the sweep computes the product with the shapes given
    z = y @ w
    return np.sum(z * z)


def _note(e) -> str:
    return "\n".join(getattr(e, "__notes__", []))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes are Python 3.11's")
@pytest.mark.parametrize("calls", [1, 2], ids=["first call", "cached call path"])
def test_an_error_in_generated_code_names_the_primal_line(calls):
    g = srcdiff.grad(matmul)
    g(np.ones(3), np.ones((3, 2)))  # a good call first: the second bad one is dispatched
    for _ in range(calls):
        with pytest.raises(ValueError) as info:  # the type users catch, unchanged
            g(np.ones(3), np.ones((4, 2)))
    e = info.value
    line = matmul.__code__.co_firstlineno + 3
    note = _note(e)
    assert f'File "{HERE}", line {line}' in note and "z = y @ w" in note
    assert "generated matmul_grad, line" in note
    text = "".join(traceback.format_exception(e))
    assert "<srcdiff: matmul_grad" in text and "    z = y @ w\n" in text
    assert note.count("srcdiff:") == 1  # added once


def sqrt_at(x):
    t = x - 1.0
    return math.sqrt(t) * 2


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes are Python 3.11's")
def test_an_undefined_derivative_names_the_primal_line():
    g = srcdiff.grad(sqrt_at)
    with pytest.raises(srcdiff.SrcDiffError, match="undefined at this point") as info:
        g(1.0)
    line = sqrt_at.__code__.co_firstlineno + 2
    assert f"line {line}" in _note(info.value) and "math.sqrt(t) * 2" in _note(info.value)


def asserting(x):
    y = x * x
    assert y < 4.0, "too big"
    return y


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes are Python 3.11's")
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_failing_assert_in_the_derivative_names_its_line(mode):
    g = srcdiff.grad(asserting, mode=mode)
    with pytest.raises(AssertionError, match="too big") as info:
        g(3.0)
    line = asserting.__code__.co_firstlineno + 2
    assert f"line {line}" in _note(info.value) and "assert y < 4.0" in _note(info.value)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes are Python 3.11's")
def test_vjp_and_jvp_errors_carry_the_note_too():
    out, pull = srcdiff.vjp(matmul, np.ones(3), np.ones((3, 2)))
    with pytest.raises(ValueError):
        srcdiff.jvp(matmul, (np.ones(3), np.ones((4, 2))), (np.ones(3), np.ones((4, 2))))
    try:
        srcdiff.jvp(matmul, (np.ones(3), np.ones((4, 2))), (np.ones(3), np.ones((4, 2))))
    except ValueError as e:
        assert "z = y @ w" in _note(e)


def test_generated_source_is_in_linecache_line_for_line():
    """Tracebacks, pdb and inspect read the generated text under the code's file
    name: line N there is line N of `.source`."""
    g = srcdiff.grad(product, wrt=("x", "y"))
    g(2.0, 3.0)
    fn = g._last.fn
    name = fn.__code__.co_filename
    lines = g._last.shown.source.splitlines() if not callable(g._last.shown) else None
    source = g.source
    assert lines is None or lines == source.splitlines()
    for n, text in enumerate(source.splitlines(), 1):
        assert linecache.getline(name, n).rstrip("\n") == text
    assert inspect.getsource(fn) == source
    assert fn.__code__.co_firstlineno == 1


def tree_loss(params, X, y):
    h = np.tanh(X @ params["W"] + params["b"])
    pred = h @ params["v"]
    return np.mean((pred - y) ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_derivative_of_containers_carries_its_provenance(mode):
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((3, 4)), "b": np.zeros(4), "v": rng.standard_normal(4)}
    g = srcdiff.grad(tree_loss, mode=mode)
    g(params, rng.standard_normal((8, 3)), rng.standard_normal(8))
    first = tree_loss.__code__.co_firstlineno
    assert f'# line {first + 1}: h = np.tanh(X @ params["W"] + params["b"])' in g.source
    assert_provenance_is_right(g.source, g.source_map, tree_loss)


def test_every_comment_of_the_corpora_quotes_the_line_it_names():
    """For the functions of the scalar corpus and of the program corpus (helpers of
    other modules inlined, containers, loops, branches): each comment is mapped to the line
    it names, and quotes that line of that file."""
    from corpus_scalar import CORPUS
    from programs import ALL

    checked = 0
    cases = [(c.fn, c.wrt, ("reverse", "forward")) for c in CORPUS]
    # every third program, of every module (a forward sweep is written by the emitter
    # that writes the reverse one's primal): the suite stays fast
    cases += [(p.fn, p.wrt, ("reverse",)) for p in list(ALL.values())[::3]]
    for fn, wrt, modes in cases:
        for mode in modes:
            try:
                g = srcdiff.grad(fn, wrt=wrt, mode=mode)
                src, smap = g.source, g.source_map
            except srcdiff.SrcDiffError:
                continue
            for n, text in enumerate(src.splitlines(), 1):
                m = COMMENT.match(text)
                if m is None:
                    continue
                file, line = smap[n]
                assert line == int(m.group(3)), (n, text, smap[n])
                if m.group(2) is not None:
                    assert os.path.basename(file) == m.group(2)
                quoted = m.group(4)
                if quoted is not None and not quoted.endswith("..."):
                    assert quoted == primal_code(file, line), (text, file, line)
                checked += 1
    assert checked >= 500


def fill(x, n):
    y = np.zeros(n)
    for i in range(n):
        y[i] = i * 2.0
    print(f"{x}")
    return np.sum(y) * x


def test_provenance_survives_the_in_place_rewrite_and_a_kept_call(capsys):
    """`y = _setitem(y, i, v)` is written `y[i] = v` and a print kept for its effect is a
    new statement: both keep the line they come from."""
    g = srcdiff.grad(fill)
    assert g(1.5, 4) == 12.0
    capsys.readouterr()
    first = fill.__code__.co_firstlineno
    lines = g.source.splitlines()
    at = {text.strip(): n for n, text in enumerate(lines, 1)}
    assert g.source_map[at["y[i] = i * 2.0"]][1] == first + 3
    assert lines[at["y[i] = i * 2.0"] - 2].strip() == f"# line {first + 3}"
    assert g.source_map[at["print(f'{x}')"]][1] == first + 4
