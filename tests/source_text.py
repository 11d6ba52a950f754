"""The generated code of a `.source` (or of a module `srcdiff grad` wrote) without the
provenance comments (`# line 12: ...`), which quote the primal: tests that read the
code for what it computes read this."""
import re

_COMMENT = re.compile(r"\s*#")


def code(source: str) -> str:
    return "".join(ln for ln in source.splitlines(True) if not _COMMENT.match(ln))
