"""Lines of a function as a reader counts them: the benchmarks' and the samples'
"lines gen / hand" (benchmarks/README.md, samples/README.md)."""
from __future__ import annotations

import ast
import textwrap


def _kind_check(stmt) -> bool:
    """`if not (isinstance(a, ...) ...): raise TypeError(...)`: the check `srcdiff grad
    --like` writes first, which a hand version does not have."""
    return (isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1
            and isinstance(stmt.body[0], ast.Raise)
            and isinstance(stmt.body[0].exc, ast.Call)
            and getattr(stmt.body[0].exc.func, "id", None) == "TypeError")


def body_lines(source: str, function: str | None = None,
               kind_check: bool = True) -> tuple[int, list]:
    """(non-blank, non-docstring, non-comment lines of the body of the first function
    in `source` (or the one named `function`) excluding nested defs, names of the
    nested defs). Without `kind_check`, a leading `--like` kind check is not counted."""
    source = textwrap.dedent(source)
    text = source.splitlines()
    fn = next(n for n in ast.parse(source).body
              if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
              and function in (None, n.name))
    body, helpers, lines = fn.body, [], set()
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        body = body[1:]
    if not kind_check and body and _kind_check(body[0]):
        body = body[1:]
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            helpers.append(stmt.name)
            continue
        for ln in range(stmt.lineno, stmt.end_lineno + 1):
            s = text[ln - 1].strip()
            if s and not s.startswith("#"):
                lines.add(ln)
    return len(lines), helpers
