"""The generated code of a `.source` (or of a module `srcdiff grad` wrote) without the
provenance comments (`# line 12: ...`), which quote the primal: tests that read the
code for what it computes read `code(source)`."""
import re

_COMMENT = re.compile(r"\s*#")


def code(source: str) -> str:
    return "".join(ln for ln in source.splitlines(True) if not _COMMENT.match(ln))


def numbered(lines: list[str]) -> list[str]:
    """Lines with the line numbers of their provenance comments made `N` (to compare a
    listing of the README, whose numbers are its own example's, with `.source`)."""
    return [re.sub(r"^(\s*# (adjoint of )?line )\d+", r"\1N", ln) for ln in lines]
