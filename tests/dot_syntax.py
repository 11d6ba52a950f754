"""A small checker of Graphviz DOT syntax (the grammar of graphviz.org/doc/info/lang.html,
without ports, HTML labels and `strict`), so the tests read srcdiff's pictures without
Graphviz: `parse(text)` raises DotSyntaxError or returns the nodes (id -> attributes),
edges (tail, head, attributes) and clusters (id -> (attributes, node ids inside))."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""
    (?P<space>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<arrow>->|--)
  | (?P<punct>[{}\[\];,=:])
  | (?P<quoted>"(?:[^"\\]|\\.)*")
  | (?P<number>-?(?:\.\d+|\d+(?:\.\d*)?))
  | (?P<name>[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)
""", re.X | re.S)
_KEYWORDS = {"graph", "digraph", "subgraph", "node", "edge", "strict"}


class DotSyntaxError(Exception):
    pass


@dataclass
class Dot:
    nodes: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)
    clusters: dict = field(default_factory=dict)
    graph_attrs: dict = field(default_factory=dict)


def tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise DotSyntaxError(f"unexpected {text[pos:pos + 20]!r} at {pos}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "space":
            continue
        value = m.group()
        if kind == "quoted":
            value = re.sub(r'\\(.)', lambda e: e.group(1) if e.group(1) in '"\\' else
                           "\\" + e.group(1), value[1:-1])
            kind = "id"
        elif kind in ("number", "name"):
            if kind == "name" and value.lower() in _KEYWORDS:
                kind = value.lower()
            else:
                kind = "id"
        else:
            kind = value
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = tokens(text)
        self.i = 0
        self.dot = Dot()
        self.directed = True

    def peek(self, k: int = 0) -> str:
        return self.toks[self.i + k][0] if self.i + k < len(self.toks) else "eof"

    def take(self, kind: str) -> str:
        if self.peek() != kind:
            got = self.toks[self.i] if self.i < len(self.toks) else "end of text"
            raise DotSyntaxError(f"expected {kind!r}, got {got!r} (token {self.i})")
        self.i += 1
        return self.toks[self.i - 1][1]

    def graph(self) -> Dot:
        kind = self.peek()
        if kind not in ("graph", "digraph"):
            raise DotSyntaxError("a DOT file starts with graph or digraph")
        self.directed = kind == "digraph"
        self.i += 1
        if self.peek() == "id":
            self.i += 1
        self.take("{")
        self.stmts([])
        self.take("}")
        if self.peek() != "eof":
            raise DotSyntaxError("text after the graph's closing brace")
        return self.dot

    def stmts(self, scopes: list) -> None:
        while self.peek() != "}":
            self.stmt(scopes)
            if self.peek() == ";":
                self.i += 1

    def attrs(self) -> dict:
        out = {}
        while self.peek() == "[":
            self.i += 1
            while self.peek() != "]":
                key = self.take("id")
                self.take("=")
                out[key] = self.take("id")
                if self.peek() in (";", ","):
                    self.i += 1
            self.take("]")
        return out

    def node_id(self, scopes: list) -> str:
        name = self.take("id")
        if self.peek() == ":":
            raise DotSyntaxError("ports are not used by srcdiff")
        self.dot.nodes.setdefault(name, {})
        for sc in scopes:
            self.dot.clusters[sc][1].add(name)
        return name

    def subgraph(self, scopes: list) -> list[str]:
        self.take("subgraph")
        name = self.take("id") if self.peek() == "id" else f"_anon{self.i}"
        self.dot.clusters.setdefault(name, ({}, set()))
        self.take("{")
        before = set(self.dot.nodes)
        self.stmts(scopes + [name])
        self.take("}")
        return sorted(self.dot.clusters[name][1] | (set(self.dot.nodes) - before))

    def stmt(self, scopes: list) -> None:
        kind = self.peek()
        if kind in ("graph", "node", "edge"):
            self.i += 1
            a = self.attrs()
            if kind == "graph":
                self.dot.graph_attrs.update(a)
            return
        if kind == "id" and self.peek(1) == "=":
            key = self.take("id")
            self.i += 1
            value = self.take("id")
            target = self.dot.clusters[scopes[-1]][0] if scopes else self.dot.graph_attrs
            target[key] = value
            return
        ends = [self.endpoint(scopes)]
        arrow = "->" if self.directed else "--"
        while self.peek() in ("->", "--"):
            if self.take(self.peek()) != arrow:
                raise DotSyntaxError(f"a {'di' if self.directed else ''}graph's edges use "
                                     f"{arrow}")
            ends.append(self.endpoint(scopes))
        a = self.attrs()
        if len(ends) == 1:
            for n in ends[0]:
                self.dot.nodes[n].update(a)
            return
        for tails, heads in zip(ends, ends[1:]):
            for t in tails:
                for h in heads:
                    self.dot.edges.append((t, h, a))

    def endpoint(self, scopes: list) -> list[str]:
        if self.peek() in ("subgraph", "{"):
            if self.peek() == "{":  # an anonymous subgraph
                self.i += 1
                before = set(self.dot.nodes)
                self.stmts(scopes)
                self.take("}")
                return sorted(set(self.dot.nodes) - before) or []
            return self.subgraph(scopes)
        return [self.node_id(scopes)]


def parse(text: str) -> Dot:
    return _Parser(text).graph()
