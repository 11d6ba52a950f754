"""Issue 21.3: pictures of the SSA graph with its adjoint. The DOT text is read by a
small DOT grammar (tests/dot_syntax.py: no Graphviz needed); SVG and PNG are drawn
where Graphviz's `dot` is installed and the tests for them are skipped elsewhere."""
import math
import os
import re

import numpy as np
import pytest

import srcdiff
from sample_files import SAMPLES_DIR, load
from dot_syntax import DotSyntaxError, parse
from srcdiff import graph as graph_module
from srcdiff.cli import main
from srcdiff.graph import ACTIVE, ADJOINT, INACTIVE, GraphvizMissing, dot_available

needs_dot = pytest.mark.skipif(not dot_available(), reason="Graphviz's dot is not installed")


regen = load(os.path.join(SAMPLES_DIR, "regenerate.py"), "_graph_regenerate")


def labels(dot, color=None):
    return sorted(a.get("label") for a in dot.nodes.values()
                  if color is None or a.get("fillcolor") == color)


def test_the_dot_checker_refuses_bad_dot():
    for bad in ("digraph { a -> }", "digraph { a [label=] }", "graph { a -> b }",
                'digraph { a [label="x] }', "digraph { a -> b } extra", "{ a }"):
        with pytest.raises(DotSyntaxError):
            parse(bad)
    ok = parse('digraph g { subgraph cluster_1 { label="c"; a; } a -> b [color="#f00"]; }')
    assert ok.clusters["cluster_1"][0]["label"] == "c" and ok.edges == [("a", "b", {
        "color": "#f00"})]


def product(x, y, n):
    z = x * y + y ** 2
    for i in range(n):  # noqa: B007
        z = 0.9 * z + math.sin(z)
    if n > 2:
        z = z * 2.0
    return z / (1 + x * x)


def test_values_operations_activity_and_adjoint():
    g = srcdiff.grad(product, wrt=("x", "y"))
    dot = parse(g.graph().dot)
    ops = [a["label"] for a in dot.nodes.values() if a.get("shape") == "box"]
    assert "x * y" in ops and "0.9 * z₁ + math.sin(z₁)" not in ops  # one op per value
    assert {"x", "y", "z", "z₁"} <= set(labels(dot, ACTIVE))
    assert "n" in labels(dot, INACTIVE)
    # every active value has its adjoint, and the adjoint flows from the result's seed
    adjoint = {k: a["label"] for k, a in dot.nodes.items() if a.get("fillcolor") == ADJOINT}
    assert {"d x", "d y", "d result"} <= set(adjoint.values())
    red = [(t, h) for t, h, a in dot.edges if a.get("color") == "#d04020"]
    assert ("seed", next(k for k, v in adjoint.items() if v == "d result")) in red
    heads = {h for _, h in red}
    assert all(k in heads for k, v in adjoint.items() if v != "d result")
    # a loop and a branch are clusters, labelled with their headers and lines
    cl = [a["label"] for a, _ in dot.clusters.values()]
    first = product.__code__.co_firstlineno
    assert f"for i in range(n) (line {first + 2})" in cl
    assert f"if cond (line {first + 4})" in cl and "then" in cl and "else" in cl
    assert any(a.get("label") == "next" for _, _, a in dot.edges)  # the loop closes
    for t, h, _ in dot.edges:  # every edge joins placed nodes
        assert t in dot.nodes and h in dot.nodes


def test_only_what_reaches_the_result_is_active():
    def f(x, w):
        unused = np.cos(w)  # noqa: F841
        return np.sum(x * x)

    dot = parse(srcdiff.grad(f).graph().dot)
    assert "w" in labels(dot, INACTIVE) and "d w" not in labels(dot)
    assert "x" in labels(dot, ACTIVE)


@pytest.mark.parametrize("picture", regen.PICTURES, ids=[p[3] for p in regen.PICTURES])
def test_the_notes_pictures_are_fresh_and_parse(picture, tmp_path):
    assert regen.draw(picture, ".dot", str(tmp_path)) is None
    new = (tmp_path / (picture[3] + ".dot")).read_text()
    with open(os.path.join(SAMPLES_DIR, picture[3] + ".dot")) as fh:
        assert fh.read() == new, f"{picture[3]}.dot is stale: run python samples/regenerate.py"
    dot = parse(new)
    assert dot.nodes and dot.edges
    assert "/" not in new.split("\n", 2)[1]  # no path of this machine in the picture


def test_doubling_loop_picture_has_its_loop_and_branch():
    dot = parse(open(os.path.join(SAMPLES_DIR, "doubling_loop_graph.dot")).read())
    cl = sorted(a["label"] for a, _ in dot.clusters.values())
    assert any(c.startswith("while np.linalg.norm(b₁) < 1000") for c in cl)
    assert any(c.startswith("if cond") for c in cl)


def test_mlp_picture_marks_the_data_inactive():
    dot = parse(open(os.path.join(SAMPLES_DIR, "mlp_graph.dot")).read())
    assert {"X", "Y"} <= set(labels(dot, INACTIVE))
    assert {"W1", "b1", "W2", "b2", "h", "err"} <= set(labels(dot, ACTIVE))


def test_without_graphviz_svg_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    g = srcdiff.grad(product)
    pic = g.graph()
    with pytest.raises(GraphvizMissing, match="graphviz"):
        pic.save(str(tmp_path / "p.svg"))
    assert pic._repr_svg_() is None and g._repr_svg_() is None
    pic.save(str(tmp_path / "p.dot"))
    parse((tmp_path / "p.dot").read_text())
    with pytest.raises(srcdiff.SrcDiffError, match=r"\.dot, \.svg or \.png"):
        pic.save(str(tmp_path / "p.jpg"))


@needs_dot
def test_svg_and_png_with_graphviz(tmp_path):
    pic = srcdiff.grad(product).graph()
    assert pic.svg().lstrip().startswith(("<?xml", "<svg"))
    assert "<svg" in pic._repr_svg_()
    assert pic.png().startswith(b"\x89PNG")
    pic.save(str(tmp_path / "p.svg"))
    assert "<svg" in (tmp_path / "p.svg").read_text()


def test_cli_graph(tmp_path, capsys, monkeypatch):
    path = os.path.join(SAMPLES_DIR, "doubling_loop.py") + ":f"
    assert main(["graph", path]) == 0
    parse(capsys.readouterr().out)
    assert main(["graph", path, "-o", str(tmp_path / "g.dot")]) == 0
    parse((tmp_path / "g.dot").read_text())
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    assert main(["graph", path, "-o", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "graphviz" in err and not (tmp_path / "g.png").exists()


def test_notebook_html_shows_the_highlighted_source(monkeypatch):
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    g = srcdiff.grad(product)
    page = g._repr_html_()
    assert "<svg" not in page and page.count("<pre>") == 1
    assert '<span style="color:#0033b3;font-weight:bold">def</span>' in page
    text = re.sub(r"<[^>]+>", "", page)
    import html
    assert html.unescape(text) == g.source


def test_every_corpus_function_is_drawn_or_refused_clearly():
    """Every function of the scalar corpus and the program corpus srcdiff builds a
    derivative for draws as DOT that parses (or is the located error a call of its
    derivative reports: a container read by attribute, a call with no rule)."""
    from corpus_scalar import CORPUS
    from programs import ALL

    drawn = 0
    for fn, wrt in [(c.fn, c.wrt) for c in CORPUS] + [(p.fn, p.wrt) for p in ALL.values()]:
        try:
            g = srcdiff.grad(fn, wrt=wrt)
        except srcdiff.SrcDiffError:
            continue
        try:
            dot = parse(g.graph().dot)
        except srcdiff.SrcDiffError:
            continue
        drawn += 1
        assert dot.nodes and all(t in dot.nodes and h in dot.nodes for t, h, _ in dot.edges)
    assert drawn >= 300


def test_the_notes_plot_of_sin_and_its_derivative(tmp_path):
    """samples/plot_sin.py plots srcdiff's derivative of sin, which is cos."""
    plot_sin = load(os.path.join(SAMPLES_DIR, "plot_sin.py"), "_plot_sin")
    d = srcdiff.grad(plot_sin.f)
    xs = np.linspace(-2 * math.pi, 2 * math.pi, 41)
    np.testing.assert_allclose([d(float(x)) for x in xs], np.cos(xs), rtol=0, atol=1e-15)
    pytest.importorskip("matplotlib")
    path = plot_sin.plot(str(tmp_path / "p.png"))
    with open(path, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
