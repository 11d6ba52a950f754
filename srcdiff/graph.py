"""Pictures: the SSA graph of a function with its adjoint, as Graphviz DOT.

Takes a function and `wrt`; gives a `Graph` whose `.dot` is DOT text written
here (no Python Graphviz bindings): values are ellipses (parameters at the top,
the result doubled), operations boxes labelled with the expression they
compute, active values filled, inactive ones grey; each active value has an
adjoint node `d z`, and red edges run the adjoint backwards along every edge a
derivative flows through. A branch is a cluster with a `then` and an `else`
cluster and its phi values; a loop is a cluster with its carried values (the
dashed `next` edge closes the loop). SVG and PNG come from the `dot` executable
(the system package `graphviz`), when it is installed.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess

from . import activity, ir, primal, syntax, transform
from .errors import SrcDiffError
from .source import function_of

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
ACTIVE, INACTIVE, ADJOINT = "#cfe2ff", "#eeeeee", "#ffd8cc"


class GraphvizMissing(SrcDiffError):
    """SVG or PNG asked for, and Graphviz's `dot` is not installed."""


def dot_available() -> bool:
    return shutil.which("dot") is not None


class Graph:
    """A drawing of a function's SSA graph with its adjoint: `.dot` (DOT text),
    `.svg()`, `.png()`, `.save(path)`; shown in notebooks when `dot` exists."""

    def __init__(self, dot: str, name: str):
        self.dot = dot
        self.name = name

    def __str__(self) -> str:
        return self.dot

    def __repr__(self) -> str:
        return f"<srcdiff graph of {self.name}: {self.dot.count(' -> ')} edges>"

    def render(self, fmt: str) -> bytes:
        """The picture in format `fmt` ("svg", "png"), drawn by Graphviz's `dot`."""
        exe = shutil.which("dot")
        if exe is None:
            raise GraphvizMissing(
                f"drawing {fmt.upper()} needs Graphviz's `dot` program, which is not "
                "installed (it is the system package `graphviz`: apt install graphviz, "
                "brew install graphviz, conda install graphviz); the DOT text is "
                "available without it (.dot, or save to a .dot file)")
        done = subprocess.run([exe, f"-T{fmt}"], input=self.dot.encode(), capture_output=True,
                              timeout=60)
        if done.returncode != 0:
            raise SrcDiffError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def svg(self) -> str:
        return self.render("svg").decode()

    def png(self) -> bytes:
        return self.render("png")

    def save(self, path: str) -> str:
        """Write the graph to `path`: .dot (always), .svg or .png (with Graphviz)."""
        ext = os.path.splitext(path)[1].lower()
        if ext in (".dot", ".gv"):
            data = self.dot.encode()
        elif ext in (".svg", ".png"):
            data = self.render(ext[1:])
        else:
            raise SrcDiffError(f"cannot tell the picture's format from {path!r}: name it "
                               ".dot, .svg or .png")
        with open(path, "wb") as out:
            out.write(data)
        return path

    def _repr_svg_(self):  # notebooks: a picture when Graphviz is there, else nothing
        return self.svg() if dot_available() else None


def svg_of(d) -> str | None:
    """A derivative's picture as SVG for a notebook, or None (no Graphviz, or a
    function srcdiff cannot draw: the notebook shows the source alone)."""
    if not dot_available():
        return None
    try:
        return d.graph().svg()
    except SrcDiffError:
        return None


def graph(f, wrt=(0,)) -> Graph:
    """The SSA graph of `f` with its adjoint with respect to the parameters `wrt`
    (indices)."""
    f = function_of(f)
    fn = transform.lowered(f).fn
    wrt_vars = [fn.params[i] for i in wrt]
    active = activity.analyze(fn, wrt_vars, None)
    return Graph(_Writer(fn, active).write(), fn.name)


class _Writer:
    def __init__(self, fn: ir.Function, active: set):
        self.fn = fn
        self.active = active
        self.names: dict[int, str] = {}
        self.seen: dict[str, int] = {}
        self.lines: list[str] = []
        self.edges: list[str] = []  # the primal's edges, after every node is placed
        self.adjoint: list[str] = []  # adjoint edges, written last
        self.clusters = 0

    # ----- names and labels -----
    def name(self, v: ir.Var) -> str:
        if v.id not in self.names:
            k = self.seen.get(v.hint, 0)
            self.seen[v.hint] = k + 1
            self.names[v.id] = v.hint + (str(k).translate(_SUB) if k else "")
        return self.names[v.id]

    def text(self, tree) -> str:
        """An expression over Refs as code over the values' names."""
        names = self

        class Named(ast.NodeTransformer):
            def visit_Ref(self, n):
                return ast.Name(names.name_of(n.vid), n.ctx)

        out = ast.unparse(Named().visit(syntax.copy(tree)))
        return out if len(out) <= 40 else out[:37] + "..."

    def name_of(self, vid: int) -> str:
        return self.names.get(vid, f"%{vid}")

    def emit(self, line: str, depth: int) -> None:
        self.lines.append("  " * depth + line)

    # ----- nodes and edges -----
    def value(self, v: ir.Var, depth: int, extra: str = "") -> None:
        active = v.id in self.active
        self.emit(f'v{v.id} [label={_q(self.name(v))}, shape=ellipse, style=filled, '
                  f'fillcolor="{ACTIVE if active else INACTIVE}"{extra}];', depth)
        if active:
            self.emit(f'd{v.id} [label={_q("d " + self.name(v))}, shape=ellipse, '
                      f'style="filled,dashed", fillcolor="{ADJOINT}", fontsize=10];', depth)

    def edge(self, a, b: str, label: str = "", extra: str = "") -> None:
        if isinstance(a, ir.Var):
            attrs = ", ".join(x for x in (f"label={_q(label)}" if label else "", extra) if x)
            self.edges.append(f"  v{a.id} -> {b}" + (f" [{attrs}]" if attrs else "") + ";")

    def adjoint_edge(self, src: ir.Var, dst) -> None:
        """The adjoint flows from `src`'s adjoint to `dst`'s (when both are active)."""
        if isinstance(dst, ir.Var) and dst.id in self.active and src.id in self.active:
            self.adjoint.append(f'  d{src.id} -> d{dst.id} [color="#d04020", '
                                f'fontcolor="#d04020", style=dashed];')

    def write(self) -> str:
        fn = self.fn
        for p in fn.params:
            self.value(p, 1, ", penwidth=2")
        self.emit("{rank=source; " + " ".join(f"v{p.id};" for p in fn.params) + "}", 1)
        self.block(fn.body, 1)
        res = fn.result
        if isinstance(res, ir.Var):
            self.lines.append(f"  v{res.id} [peripheries=2];")
            if res.id in self.active:
                self.emit('seed [label="1", shape=plaintext, fontcolor="#d04020"];', 1)
                self.adjoint.append(f'  seed -> d{res.id} [color="#d04020"];')
        where = f"{os.path.basename(fn.loc.filename)}, line {fn.loc.lineno}" if fn.loc else ""
        title = f"{fn.name}: SSA graph (blue: active, grey: inactive) and adjoint (red)"
        head = ["digraph srcdiff {",
                f"  graph [label={_q(title + (' — ' + where if where else ''))}, "
                "labelloc=t, fontname=Helvetica, fontsize=12, rankdir=TB];",
                "  node [fontname=Helvetica, fontsize=11];",
                "  edge [fontname=Helvetica, fontsize=9];"]
        return "\n".join(head + self.lines + self.edges + self.adjoint + ["}"]) + "\n"

    def block(self, stmts: list, depth: int) -> None:
        for s in stmts:
            if isinstance(s, ir.Assign):
                self.assign(s, depth)
            elif isinstance(s, ir.If):
                self.if_(s, depth)
            else:
                self.loop(s, depth)

    def assign(self, s: ir.Assign, depth: int) -> None:
        v, e = s.var, s.expr
        if isinstance(e, (ir.Var, ir.Const)):  # a copy: an edge, no operation
            self.value(v, depth)
            self.edge(e, f"v{v.id}")
            if isinstance(e, ir.Var):
                self.adjoint_edge(v, e)
            return
        line = f" (line {s.loc.lineno})" if s.loc else ""
        op = f"op{v.id}"
        opaque = isinstance(e, ir.Opaque) or (isinstance(e, ir.Call) and s.effect)
        label = self.text(primal.expr(e))
        self.emit(f"{op} [label={_q(label)}, shape=box, tooltip={_q(label + line)}"
                  f"{', style=dashed' if opaque else ''}];", depth)
        diff = {id(a) for _, a in activity.diff_args(e, s.loc)} if isinstance(
            e, ir.Call) else set()
        for u in _operands(e):
            flows = id(u) in diff or isinstance(e, ir.Opaque) and not e.nondiff
            self.edge(u, op, extra="" if flows else "style=dotted")
            if flows:
                self.adjoint_edge(v, u)
        if isinstance(e, ir.Call):
            for a in list(e.args) + list(e.kwargs.values()):
                if isinstance(a, ir.Opaque) and id(a) in diff:
                    for u in a.uses.values():
                        self.adjoint_edge(v, u)
        if s.raises or s.effect:
            return
        self.value(v, depth)
        self.edges.append(f"  {op} -> v{v.id};")

    def cluster(self, label: str, depth: int, color: str) -> None:
        self.clusters += 1
        self.emit(f"subgraph cluster_{self.clusters} {{", depth)
        self.emit(f"label={_q(label)}; style=rounded; color=\"{color}\";", depth + 1)

    def if_(self, s: ir.If, depth: int) -> None:
        line = f" (line {s.loc.lineno})" if s.loc else ""
        cond = self.text(primal.expr(s.cond)) if not isinstance(s.cond, ir.Var) else (
            self.name(s.cond))
        self.cluster(f"if {cond}{line}", depth, "#3060a0")
        test = f"if{self.clusters}"
        self.emit(f"{test} [label={_q('if ' + cond)}, shape=diamond, style=dashed];", depth + 1)
        for u in _operands(s.cond):
            self.edge(u, test, extra="style=dotted")
        for body, label in ((s.body, "then"), (s.orelse, "else")):
            self.cluster(label, depth + 1, "#8090b0")
            self.emit(f'{label}{self.clusters} [label="", shape=point, style=invis];', depth + 2)
            self.block(body, depth + 2)
            self.emit("}", depth + 1)
        for p in s.outs:
            self.value(p.var, depth + 1)
            for src, label in ((p.then, "then"), (p.orelse, "else")):
                self.edge(src, f"v{p.var.id}", label)
                self.adjoint_edge(p.var, src)
        self.emit("}", depth)

    def loop(self, s: ir.Loop, depth: int) -> None:
        line = f" (line {s.loc.lineno})" if s.loc else ""
        for c in s.carried:  # the names of the carried values come before the body's
            self.name(c.phi)
        if s.kind == "range":
            head = (f"for {self.name(s.index) if s.index else '_'} in range("
                    + ", ".join(self.text(primal.expr(b)) if not isinstance(b, ir.Var)
                                else self.name(b) for b in s.bounds) + ")")
        else:
            head = "while " + self.text(primal.expr(s.cond))
        self.cluster(head + line, depth, "#2a7a3a")
        if s.index is not None:
            self.value(s.index, depth + 1, ", shape=plaintext")
            for b in s.bounds:
                self.edge(b, f"v{s.index.id}", extra="style=dotted")
        for c in s.carried:
            self.value(c.phi, depth + 1, ", penwidth=2")
            self.edge(c.init, f"v{c.phi.id}", "init")
            self.adjoint_edge(c.phi, c.init)
        if s.cond is not None:
            test = f"while{self.clusters}"
            self.emit(f"{test} [label={_q(head)}, shape=diamond, style=dashed];", depth + 1)
            for u in _operands(s.cond):
                self.edge(u, test, extra="style=dotted")
        self.block(s.body, depth + 1)
        for c in s.carried:
            if isinstance(c.next, ir.Var) and c.next is not c.phi:
                self.edge(c.next, f"v{c.phi.id}", "next", "style=dashed, constraint=false")
                self.adjoint_edge(c.phi, c.next)
        self.emit("}", depth)


def _operands(e) -> list[ir.Var]:
    """The values an expression reads, once each, in order."""
    out: list[ir.Var] = []
    for u in ir.expr_uses(e) if not isinstance(e, ir.Call) or e.callee is None or not (
            isinstance(e.callee, ir.Opaque)) else ir.expr_uses(e) + list(e.callee.uses.values()):
        if all(u is not w for w in out):
            out.append(u)
    return out


def _q(text: str) -> str:
    """A DOT quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


__all__ = ["Graph", "GraphvizMissing", "graph", "dot_available", "svg_of"]
