"""Provenance: which line of the user's function each generated line comes from.

The sweeps tag every statement they write with the location of the IR statement
it stands for (`tag`): the forward sweep with "primal", the adjoint sweep with
"adjoint". Codegen (`annotate`) matches the printed statements with the tagged
AST (re-parsing the printed text), writes one comment per primal statement's
block (`# line 12: z = x * y + y ** 2`, `# adjoint of line 12: ...`) and returns
the source map: generated line -> (file, line) of the primal. A location is
always reported as the primal statement that holds it (its first line), so a
statement spread over several lines gets one comment.

Compiled derivatives register their map (`register`); `note` adds to an
exception raised inside generated code the generated line and the primal file
and line it came from, without changing the exception. Nothing here runs on
the call path of a derivative.
"""
from __future__ import annotations

import ast
import io
import linecache
import os
import re
import tokenize

from . import syntax

PRIMAL, ADJOINT = "primal", "adjoint"
_WIDTH = 99  # a comment line stays under 100 characters
_MAPS: dict[str, dict[int, tuple[str, int]]] = {}  # compiled file name -> its source map


# ----- tagging (the sweeps) -----
def tag(out: list, start: int, loc, sweep: str) -> None:
    """Tag the statements `out[start:]` not tagged yet: an adjoint written from a
    pending contribution with the statement that contributed it (`tag_pending`),
    anything else with `loc` (of `sweep`)."""
    for st in out[start:]:
        if getattr(st, "srcdiff_prov", None) is None:
            value = getattr(st, "value", None)
            found = next((n.srcdiff_prov for n in syntax.walk(value)
                          if getattr(n, "srcdiff_prov", None) is not None), None) if (
                isinstance(value, ast.AST) and isinstance(st, (ast.Assign, ast.AugAssign))
            ) else None
            if found is None and loc is not None:
                found = (loc.filename, loc.lineno, sweep)
            st.srcdiff_prov = found


def tag_pending(state: dict, loc) -> None:
    """Tag the adjoint contributions the reverse sweep holds pending (not written
    yet) with the statement `loc` whose reversal made them."""
    if loc is None:
        return
    for st in state.values():
        if isinstance(st, tuple) and isinstance(st[1], ast.AST) and getattr(
                st[1], "srcdiff_prov", None) is None:
            st[1].srcdiff_prov = (loc.filename, loc.lineno, ADJOINT)


def copy_tag(new, old):
    """`new`, replacing `old`, keeps its tag."""
    prov = getattr(old, "srcdiff_prov", None)
    if prov is not None and getattr(new, "srcdiff_prov", None) is None:
        new.srcdiff_prov = prov
    return new


# ----- primal statements -----
def statement_at(filename: str, lineno: int) -> tuple[str, int, str]:
    """(file, first line, text of that line) of the primal statement holding line
    `lineno` of `filename`; a generated file's line is first mapped to its primal."""
    mapped = _MAPS.get(filename, {}).get(lineno)
    if mapped is not None:
        filename, lineno = mapped
    lines = linecache.getlines(filename)
    spans = _parsed(filename)[1]
    first = spans.get(lineno, (lineno, lineno))[0]
    text = _code_of(lines[first - 1]) if 0 < first <= len(lines) else ""
    return filename, first, text


def _code_of(line: str) -> str:
    """A line of source without its comment (`  # noqa: ...`) and outer spaces."""
    if "#" in line:
        try:
            for tok in tokenize.generate_tokens(io.StringIO(line).readline):
                if tok.type == tokenize.COMMENT:
                    line = line[:tok.start[1]]
                    break
        except (tokenize.TokenError, IndentationError, SyntaxError):
            pass  # the first line of a statement spread over several
    return line.strip()


def tag_initial(st: ast.stmt, loop_loc, key: str) -> None:
    """Tag `st`, setting a loop's carried value `key` to its initial value before
    the loop, with the user's assignment of it (`total = 0.0`, `y = coupon`), which
    lowering folds into the loop: the last assignment to `key` before the loop in
    its function, when it is not nested deeper than the loop and no assignment
    nested deeper comes after it. Else the loop's tag (given later) stays."""
    if loop_loc is None or not key:
        return
    scope = [n for n in _parsed(loop_loc.filename)[2]
             if n.lineno <= loop_loc.lineno <= (n.end_lineno or n.lineno)]
    if not scope:
        return
    home = max(scope, key=lambda n: n.lineno)
    stores = sorted(n.lineno for n in syntax.walk(home) if isinstance(n, ast.Name)
                    and n.id == key and isinstance(n.ctx, ast.Store)
                    and n.lineno < loop_loc.lineno)
    level = [n for n in syntax.walk(home) if isinstance(n, (ast.Assign, ast.AugAssign))
             and n.lineno < loop_loc.lineno and n.col_offset <= loop_loc.col_offset
             and any(isinstance(t, ast.Name) and t.id == key for t in (
                 n.targets if isinstance(n, ast.Assign) else [n.target]))]
    if level:
        best = max(n.lineno for n in level)
        if stores and stores[-1] == best:
            st.srcdiff_prov = (loop_loc.filename, best, PRIMAL)


_PARSED: dict[str, tuple] = {}  # file -> (its lines as linecache holds, tree, spans, scopes)


def _parsed(filename: str) -> tuple:
    """(tree or None, line -> (first, last line) of the innermost statement holding
    it, its functions and lambdas) of a file, parsed once per text linecache holds
    for it."""
    lines = linecache.getlines(filename)
    hit = _PARSED.get(filename)
    if hit is not None and hit[0] is lines:
        return hit[1:]
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        tree = None
    spans: dict[int, tuple[int, int]] = {}
    scopes = []
    for n in syntax.walk(tree) if tree is not None else ():  # outer statements first: inner
        if isinstance(n, (ast.FunctionDef, ast.Lambda)):  # ones overwrite them
            scopes.append(n)
        if isinstance(n, ast.stmt):
            last = n.end_lineno or n.lineno
            inner = [b.lineno for f in ("body", "orelse", "finalbody", "handlers")
                     for b in getattr(n, f, None) or [] if hasattr(b, "lineno")]
            head_end = min([last] + [b - 1 for b in inner if b > n.lineno])
            for ln in range(n.lineno, head_end + 1):
                spans[ln] = (n.lineno, head_end)
    _PARSED[filename] = (lines, tree, spans, scopes)
    return tree, spans, scopes


# ----- codegen -----
class _Mismatch(Exception):
    pass


def _pair(orig: list, printed: list, ctx, out: list) -> None:
    """(original statement, printed statement, own tag, inherited tag), in print order."""
    if len(orig) != len(printed):
        raise _Mismatch
    for o, p in zip(orig, printed):
        if type(o).__name__ != type(p).__name__:
            raise _Mismatch
        own = getattr(o, "srcdiff_prov", None)
        out.append((o, p, own, own or ctx))
        inner = None if isinstance(o, ast.FunctionDef) else (own or ctx)
        for field in ("body", "orelse"):
            ob, pb = getattr(o, field, None), getattr(p, field, None)
            if isinstance(ob, list) and ob and isinstance(ob[0], ast.stmt):
                _pair(ob, pb or [], inner, out)


def annotate(func: ast.FunctionDef, text: str, home: str | None = None
             ) -> tuple[str, dict[int, tuple[str, int]], dict[int, tuple]]:
    """`text` (the printing of `func`) with a comment before each primal statement's
    block, its source map, and its tags (the first line of each tagged statement ->
    its tag, for `retag` after a reprint). `home` is the primal's file: its lines
    are `line 12`, another file's `utils.py, line 12`. If the printed text does not
    match the tree statement by statement, it is returned as it is."""
    try:
        printed = ast.parse(text).body
        pairs: list = []
        _pair([func], printed, None, pairs)
    except (SyntaxError, _Mismatch):
        return text, {}, {}
    lines = text.splitlines()
    where, before, owned = _plan(pairs, lines, home)
    out: list[str] = []
    source_map: dict[int, tuple[str, int]] = {}
    tags: dict[int, tuple] = {}
    for i, line in enumerate(lines):
        for c in before.get(i, ()):
            out.append(c)
            if i in where:
                source_map[len(out)] = where[i]
        out.append(line)
        if i in where:
            source_map[len(out)] = where[i]
        if i in owned:
            tags[len(out)] = owned[i]
    return "\n".join(out) + "\n", source_map, tags


def _plan(pairs: list, lines: list[str], home) -> tuple[dict, dict, dict]:
    """For the printed lines (0-based): the primal (file, line) each comes from, the
    comments to write before each, and the tag of the statement starting on each.
    A comment starts each run of statements of a block with one tag, but for the
    run that opens a block under a statement of that tag (its comment says it)."""
    where: dict[int, tuple] = {}
    before: dict[int, list[str]] = {}
    owned: dict[int, tuple] = {}
    parents: dict[int, tuple] = {}  # id(statement) -> (id(parent), field): its block
    for o, *_ in pairs:
        for field in ("body", "orelse"):
            for child in getattr(o, field, None) or []:
                parents[id(child)] = (id(o), field)
    last: dict[tuple, tuple] = {}  # block -> the tag its latest comment named
    named: dict[int, tuple] = {}  # id(statement) -> the tag in effect at it
    for o, p, own, eff in pairs:
        if isinstance(o, ast.FunctionDef):
            continue
        if eff is not None:
            file, first, _ = statement_at(eff[0], eff[1])
            for ln in range(p.lineno - 1, (p.end_lineno or p.lineno)):
                where[ln] = (file, first)  # (a compound statement's body: overwritten)
        block = parents.get(id(o))
        if block is not None and block not in last and block[0] in named:
            last[block] = named[block[0]]  # (a block opens under its statement's comment)
        if own is None:
            if block in last:
                named[id(o)] = last[block]
            continue
        owned[p.lineno - 1] = own
        file, first, stmt_text = statement_at(own[0], own[1])
        named[id(o)] = (file, first, own[2])
        if last.get(block) == (file, first, own[2]):
            continue
        last[block] = (file, first, own[2])
        line = lines[p.lineno - 1]
        if not line.lstrip().startswith("elif"):
            indent = line[:len(line) - len(line.lstrip())]
            before.setdefault(p.lineno - 1, []).append(
                _comment(indent, file, first, stmt_text, own[2], home, line.strip()))
    return where, before, owned


def retag(tree, tags: dict) -> None:
    """Tag the statements of `tree` (parsed from a text `annotate` wrote) again from
    its `tags`, so the tree can be changed, printed and annotated again."""
    for n in syntax.walk(tree):
        if isinstance(n, ast.stmt) and n.lineno in tags:
            n.srcdiff_prov = tags[n.lineno]


def _comment(indent: str, file: str, line: int, text: str, sweep: str, home, generated: str
             ) -> str:
    where = f"line {line}" if home is None or file == home else \
        f"{os.path.basename(file)}, line {line}"
    head = f"{indent}# {'adjoint of ' if sweep == ADJOINT else ''}{where}"
    if not text or text == generated:  # the line itself follows: its number says enough
        return head
    full = f"{head}: {text}"
    return full if len(full) <= _WIDTH else full[:_WIDTH - 3].rstrip() + "..."


def strip_comments(text: str) -> str:
    """The source without the comments `annotate` wrote (whole comment lines: the
    printer writes no others)."""
    return "".join(ln for ln in text.splitlines(True) if not _COMMENT.match(ln))


_COMMENT = re.compile(r"\s*# (adjoint of )?(line \d+|\S+, line \d+)(:|$)")


# ----- compiled code -----
def register(filename: str, source_map: dict) -> None:
    _MAPS[filename] = dict(source_map)


def forget(filename: str) -> None:
    _MAPS.pop(filename, None)


def home_of(filename: str) -> str:
    """The primal file of `filename`: itself, or, for generated code (a derivative
    being differentiated again), the file its source map points into."""
    mapped = _MAPS.get(filename)
    return next(iter(mapped.values()))[0] if mapped else filename


def origin(filename: str, lineno: int) -> tuple[str, int] | None:
    """The primal (file, line) a line of compiled generated code came from."""
    return _MAPS.get(filename, {}).get(lineno)


_NOTE = "srcdiff: "


def note(error: BaseException, raised: BaseException | None = None) -> BaseException:
    """Add to `error` (once) where `raised` (by default `error` itself) was raised in
    generated code: the generated line, and the primal file and line it comes from.
    Returns `error`, whose type is never changed (Python 3.11's notes; nothing
    before)."""
    if not hasattr(error, "add_note") or any(
            isinstance(n, str) and n.startswith(_NOTE) for n in getattr(error, "__notes__", ())):
        return error
    tb, found = (raised or error).__traceback__, None
    while tb is not None:
        code = tb.tb_frame.f_code
        hit = origin(code.co_filename, tb.tb_lineno)
        if hit is not None:
            found = (code, tb.tb_lineno, hit)
        tb = tb.tb_next
    if found is not None:
        error.add_note(describe_origin(*found))
    return error


def describe_origin(code, lineno: int, hit: tuple[str, int]) -> str:
    generated = linecache.getline(code.co_filename, lineno).strip()
    file, first, text = statement_at(*hit)
    return (f"{_NOTE}raised in the generated {code.co_name}, line {lineno}: {generated}\n"
            f'  which comes from File "{file}", line {first}\n'
            f"    {text}")
