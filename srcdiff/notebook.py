"""How a derivative shows in a notebook (its `_repr_html_`): its picture as SVG,
when Graphviz is installed (graph.svg_of), above its source, highlighted.

Takes a derivative (anything with `.source` and `.graph()`) or a source text;
gives HTML. The highlighting uses the standard library's tokenizer (no
dependency) and keeps the text: stripping the tags and unescaping gives the
source back.
"""
from __future__ import annotations

import html as _html
import io
import keyword
import tokenize

from .graph import svg_of

_STYLE = {"keyword": "color:#0033b3;font-weight:bold", "comment": "color:#6a8759;"
          "font-style:italic", "string": "color:#a31515", "number": "color:#1750eb"}


def highlight(source: str) -> str:
    """`source` as HTML, keywords, comments, strings and numbers coloured (the
    standard library's tokenizer: no dependency)."""
    out, row, col = [], 1, 0
    lines = source.splitlines(True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return f"<pre>{_html.escape(source)}</pre>"
    for tok in tokens:
        (srow, scol), (erow, ecol) = tok.start, tok.end
        out.append(_html.escape(_between(lines, (row, col), (srow, scol))))
        text = tok.string
        kind = ("keyword" if tok.type == tokenize.NAME and keyword.iskeyword(text) else
                "comment" if tok.type == tokenize.COMMENT else
                "string" if tok.type == tokenize.STRING else
                "number" if tok.type == tokenize.NUMBER else None)
        esc = _html.escape(text)
        out.append(f'<span style="{_STYLE[kind]}">{esc}</span>' if kind else esc)
        row, col = erow, ecol
    return "<pre>" + "".join(out) + "</pre>"


def _between(lines, start, end) -> str:
    (r0, c0), (r1, c1) = start, end
    if r0 == r1:
        return lines[r0 - 1][c0:c1] if r0 - 1 < len(lines) else ""
    text = lines[r0 - 1][c0:] if r0 - 1 < len(lines) else ""
    for r in range(r0, r1 - 1):
        text += lines[r]
    return text + (lines[r1 - 1][:c1] if r1 - 1 < len(lines) else "")


def html(d) -> str:
    """A derivative in a notebook: its picture (with Graphviz) and its source."""
    return f"<div>{svg_of(d) or ''}{highlight(d.source)}</div>"
