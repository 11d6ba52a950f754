"""A derivative as a standalone module: what `srcdiff grad` writes.

The generated function reads names of the primal's module (`math`, `np`,
`SCALE`, a helper it calls); compiled by srcdiff those resolve live against the
module. A standalone module must carry them itself, so this finds the free
names of the generated source (`symtable`), resolves each against the primal's
module (and closure), and embeds it: an import for a module or a function of
another module, `NAME = <literal>` for a constant, the source of a helper
function of the same module (whose own free names are embedded in turn). What
an inlined helper of another module reads (spelling.py) is written through its
module, imported by name (`import mypkg.utils as utils`, then `utils.SCALE`):
the standalone module needs the user's package importable, and reads the
helper module's globals live, as the compiled derivative does.
`srcdiff.stop_gradient(v)` is the identity, so calls of it are replaced by `v`;
anything else of srcdiff's is an error: the output never imports srcdiff.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import linecache
import symtable
import sys
import textwrap
import types
from typing import Any, Sequence

import astor
import numpy as np

from . import (aliasing, emit, provenance, runtime, spelling, static_args, syntax, transform,
               tree_api)
from .errors import SrcDiffError
from .rules.stop import stop_gradient
from .source import describe, function_of

_LITERALS = (int, float, complex, str, bytes, bool, type(None))


class StandaloneError(SrcDiffError):
    """The derivative needs something that cannot be written into a module."""


def build_source(f, wrt: Sequence[int], as_tuple: bool, mode: str = "reverse",
                 comments: bool = True, lookup=None, like=None) -> str:
    """The source of the generic derivative function of `f` (one `def`): the code
    `.source` shows (with its provenance comments, unless `comments` is false).
    Where that code is right for numbers only (an in-place update of a value
    another name holds: for an array it would change that one too), it first
    refuses any other argument. With `like` (example arguments, one per
    parameter), the code is the one specialised to their kinds, as a call with
    them runs, and it first refuses arguments of other kinds (`_kinds_check`).
    With `lookup` (name -> (found, value)), calls of srcdiff.stop_gradient (the
    identity) are replaced by their argument."""
    if mode not in ("reverse", "forward"):
        raise StandaloneError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    build = transform.build_forward if mode == "forward" else transform.build_reverse
    if like is None and tree_api.keyed(f, tuple(wrt)) is not None:
        raise StandaloneError(
            f"{f.__name__} reads a parameter it differentiates by key, so its derivative "
            "is code for that container's structure: give it, e.g. --like params.W=3x4,"
            "params.b=4,... (or .npz keys params.W, params.b with --at-file)")
    findings = []
    # code for the functions among the examples or the defaults (`act=relu`), which
    # code for any arguments cannot call (a string stays an argument of any value)
    given = like if like is not None else [
        p.default for p in inspect.signature(f).parameters.values()]
    if any(static_args.is_function(a) for a in given):
        fns = tuple(a if static_args.is_function(a) else 0.0 for a in given)  # (0.0: none)
        f = static_args.specialised(f, fns, tuple(wrt), transform.REWRITES)
    if like is not None and tree_api.structured(tuple(like), tuple(wrt)):
        built = tree_api.build(mode, f, tuple(wrt), "grad", tuple(like), None, as_tuple,
                               True)  # (containers: code for their structure)
        reprint = _Reprint(built.tags, f.__code__.co_filename)
    else:
        su = transform.setup(f, tuple(wrt), None if like is None else tuple(like),
                             strict=False)
        findings = aliasing.analyze(su.fn, su.vk)  # (unknown kinds: it may be an array)
        if like is not None:
            built = build(f, tuple(wrt), "grad", tuple(like), as_tuple=as_tuple)
        else:
            built = build(f, tuple(wrt), "grad", as_tuple=as_tuple, strict=not findings)
        reprint = _Reprint(built.tags, su.fn.loc.filename if su.fn.loc else None)
    source = built.source
    if like is not None:
        source = _kinds_check(source, like, reprint)
    elif findings:
        source = _numbers_only(source, findings[0], reprint)
    tree = reprint.parse(source)
    if lookup is not None and _strip_stop_gradient(tree, lookup):
        source = reprint.print(tree)
    return source if comments else provenance.strip_comments(source)


class _Reprint:
    """Prints a tree parsed from generated source again, with its comments."""

    def __init__(self, tags: dict, home: str | None):
        self.tags, self.home = tags, home

    def parse(self, source: str) -> ast.Module:
        """The tree of `source` (the latest text printed), its statements tagged."""
        tree = ast.parse(source)
        provenance.retag(tree, self.tags)
        return tree

    def print(self, tree: ast.Module) -> str:
        """`tree` (from `parse`, changed) printed and commented again."""
        text = emit.printed(tree)
        text, _, self.tags = provenance.annotate(tree.body[-1], text, self.home)
        return text


def _numbers_only(source: str, finding, reprint) -> str:
    """`source` whose function first raises a TypeError unless every argument is a
    number: the code is right for numbers only, for the reason `finding` gives."""
    tree = reprint.parse(source)
    func = tree.body[-1]
    params = [a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs]
    line = linecache.getline(finding.loc.filename, finding.loc.lineno).strip() if (
        finding.loc) else ""
    where = f"line {finding.loc.lineno}: {line}" if finding.loc else "an in-place update"
    why = (f"{func.name} is written for numbers: ({where}) updates in place a value "
           "another name refers to, which for an array changes that one too; for arrays "
           "use srcdiff.grad, or write it as `z = z - v`")
    check = ast.parse(f"if not all(isinstance(a, (int, float)) for a in "
                      f"({', '.join(params)}{',' if len(params) == 1 else ''})):\n"
                      f"    raise TypeError({why!r})").body
    first = next((i for i, s in enumerate(func.body) if not isinstance(s, ast.FunctionDef)), 0)
    func.body[first:first] = check
    return reprint.print(tree)


def _kinds_check(source: str, like, reprint) -> str:
    """`source` (specialised to the kinds of the arguments `like`) whose function
    first raises a TypeError for arguments of other kinds: an array's dtype,
    number of dimensions and which of them have size 1 (on which broadcasting
    depends), a number's type, as transform.kinds_key has them."""
    tree = reprint.parse(source)
    func = tree.body[-1]
    params = [a.arg for a in func.args.posonlyargs + func.args.args]
    plain: dict[str, list] = {}  # dtype -> [(name, ndim)]: arrays with no dimension of size 1
    tests, said, structure = [], [], []
    for name, v in _leaves(zip(params, like), structure, said):
        if isinstance(v, np.ndarray) and 1 not in v.shape:
            plain.setdefault(v.dtype.name, []).append((name, v.ndim))
        elif isinstance(v, np.ndarray):
            units = tuple(n == 1 for n in v.shape)
            tests.append(f"isinstance({name}, np.ndarray) and {name}.dtype == "
                         f"np.{v.dtype.name} and tuple(n == 1 for n in {name}.shape) == "
                         f"{units!r}")
            said.append(f"{name}: a {v.dtype.name} array of shape "
                        f"({', '.join('1' if u else 'n' for u in units)},)")
        elif type(v) is float:
            tests.append(f"isinstance({name}, (int, float))")
            said.append(f"{name}: a number")
        elif type(v) in (int, str, bool):
            tests.append(f"isinstance({name}, {type(v).__name__})")
            said.append(f"{name}: a{'n' if type(v) is int else ''} {type(v).__name__}")
        elif isinstance(v, types.FunctionType) and f"if {name} is not " in source:
            continue  # (a function the code is written for: it checks `act is not relu`)
        else:
            raise StandaloneError(f"--like: the example for {name} is a {type(v).__name__}; "
                                  "srcdiff grad specialises to numbers, strings, bools, "
                                  "float arrays and dicts of them")
    for dtype, arrays in plain.items():
        if len(arrays) == 1:
            (n, k), = arrays
            tests.insert(0, f"isinstance({n}, np.ndarray) and {n}.dtype == np.{dtype} and "
                            f"{n}.ndim == {k} and 1 not in {n}.shape")
            said.insert(0, f"{n}: a {k}-d {dtype} array with no dimension of size 1")
            continue
        a = next(c for c in ("a", "arg", "array", "arg_") if c not in params)
        pairs = ", ".join(f"({n}, {k})" for n, k in arrays)
        tests.insert(0, f"all(isinstance({a}, np.ndarray) and {a}.dtype == np.{dtype} and "
                        f"{a}.ndim == k and 1 not in {a}.shape for {a}, k in ({pairs}))")
        said.insert(0, ", ".join(f"{n} ({k}-d)" for n, k in arrays) + f": {dtype} arrays with "
                    "no dimension of size 1")
    tests = structure + tests  # (a dict's keys first: its entries are read after)
    if not tests:
        return source
    why = (f"{func.name} was written for {'; '.join(said) or 'these argument kinds'} "
           "(srcdiff grad --like): regenerate it for other kinds"
           + ("" if structure else ", or leave --like out"))
    check = ast.parse(f"if not ({' and '.join(f'({t})' for t in tests)}):\n"
                      f"    raise TypeError({why!r})").body
    first = next((i for i, s in enumerate(func.body) if not isinstance(s, ast.FunctionDef)), 0)
    func.body[first:first] = check
    return reprint.print(tree)


def _leaves(pairs, structure: list, said: list):
    """(expression, example) for each argument, a dict's entries in its place
    (`params['W1']`), the dict itself tested (in `structure`) to have those keys."""
    for expr, v in pairs:
        if isinstance(v, dict) and v and all(isinstance(k, str) for k in v):
            structure.append(f"isinstance({expr}, dict) and sorted({expr}) == {sorted(v)!r}")
            said.append(f"{expr}: a dict with keys {', '.join(sorted(v))}")
            yield from _leaves(((f"{expr}[{k!r}]", v[k]) for k in sorted(v)), structure, said)
        else:
            yield expr, v


def module_text(f, wrt: Sequence[int], as_tuple: bool = False, mode: str = "reverse",
                header: str = "", comments: bool = True, like=None) -> str:
    """A module defining the derivative of `f` and everything it reads from `f`'s
    module, so that it runs with only what that module imports (never srcdiff);
    with provenance comments unless `comments` is false; specialised to the
    kinds of the example arguments `like` when given (build_source)."""
    f = function_of(f)
    embedder = _Embedder(f, transform.lowered(f).injected)
    source = build_source(f, wrt, as_tuple, mode, comments, embedder._lookup, like)
    return embedder.module(source, header)


class _Embedder:
    def __init__(self, f, injected=None):
        self.f = f
        self.globals = f.__globals__
        self.injected = spelling.values(injected or {})  # names inlined helpers need
        self.closure = {}
        for name, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
            try:
                self.closure[name] = cell.cell_contents
            except ValueError:
                pass
        self.imports: dict[str, str] = {}  # name -> import line
        self.constants: dict[str, str] = {}  # name -> assignment
        self.helpers: dict[str, tuple[int, str]] = {}  # name -> (line, source)
        self.taken: set[str] = set()

    def module(self, source: str, header: str) -> str:
        tree = ast.parse(source)
        main_name = tree.body[-1].name
        self.taken.add(main_name)
        self._embed(source, allow_closure=True)
        main, hoisted, moved = _hoist_runtime_helpers(source, self.taken | set(
            self.helpers) | set(self.constants) | set(self.imports))
        for st in moved:
            for a in st.names:
                self.imports[a.asname or a.name] = astor.to_source(ast.Import([a])).strip()
        parts = []
        if header:
            parts.append(f'"""{header}"""\n')
        if self.imports:
            parts.append("\n".join(sorted(set(self.imports.values()), key=_import_key)) + "\n")
        if self.constants:
            parts.append("\n".join(self.constants[k] for k in sorted(self.constants)) + "\n")
        for _, text in sorted(self.helpers.values()):
            parts.append("\n" + text)
        parts += ["\n" + text for text in hoisted]
        parts.append("\n" + main.rstrip("\n") + "\n")
        return "\n".join(p.rstrip("\n") + "\n" for p in parts).replace("\n\n\n\n", "\n\n\n")

    def _lookup(self, name: str, allow_closure: bool = True):
        if allow_closure and name in self.injected:
            value = self.injected[name]
            if isinstance(value, types.ModuleType) and (
                    value.__name__ == "__main__" or sys.modules.get(value.__name__) is not value):
                raise StandaloneError(
                    f"the derivative reads the module {value.__name__!r} (an inlined "
                    "helper's), which a standalone module cannot import by name")
            return True, value
        if allow_closure and name in self.closure:
            return True, self.closure[name]
        if name in self.globals:
            return True, self.globals[name]
        return False, None

    def _embed(self, source: str, allow_closure: bool = False) -> None:
        for name in sorted(free_names(source)):
            if name in self.taken:
                continue
            found, value = self._lookup(name, allow_closure)
            if not found:
                if hasattr(builtins, name):
                    continue
                raise StandaloneError(f"the derivative reads {name!r}, which is not defined "
                                      f"in the module of {describe(self.f)}")
            self.taken.add(name)
            self._embed_value(name, value, source)

    def _embed_value(self, name: str, value: Any, source: str = "") -> None:
        if _is_srcdiff(value):
            raise StandaloneError(f"the derivative reads {name!r} from srcdiff; a standalone "
                                  "module cannot import srcdiff")
        if isinstance(value, types.ModuleType):
            mod = value.__name__
            if mod == name:  # `pkg.utils.f` read: `import pkg.utils` (binds pkg) imports it
                mod = max(_submodules(value, name, source), key=len, default=mod)
            self.imports[name] = (f"import {mod}" if mod.split(".")[0] == name
                                  else f"import {mod} as {name}")
            return
        if (isinstance(value, types.FunctionType) and value.__globals__ is self.globals
                and value.__name__ != "<lambda>"):
            self._embed_helper(name, value)
            return
        where = _importable(value)
        if where is not None:
            mod, attr = where
            self.imports[name] = (f"from {mod} import {attr}" if attr == name
                                  else f"from {mod} import {attr} as {name}")
            return
        text = self._literal(value)
        if text is None:
            raise StandaloneError(
                f"the derivative reads the global {name!r} (a {type(value).__name__}), "
                "which cannot be written into a standalone module")
        self.constants[name] = f"{name} = {text}"

    def _embed_helper(self, name: str, fn) -> None:
        try:
            lines, line = inspect.getsourcelines(fn)
        except (OSError, TypeError):
            raise StandaloneError(f"cannot read the source of the helper {name!r}") from None
        text = textwrap.dedent("".join(lines))
        if fn.__name__ != name:
            text += f"\n\n{name} = {fn.__name__}\n"
            self.taken.add(fn.__name__)
        self.helpers[name] = (line, text)
        self._embed(text)

    def _literal(self, value) -> str | None:
        if isinstance(value, _LITERALS):
            return repr(value)
        if isinstance(value, (tuple, list)):
            items = [self._literal(v) for v in value]
            if any(i is None for i in items):
                return None
            if isinstance(value, tuple):
                return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
            return "[" + ", ".join(items) + "]"
        if isinstance(value, dict):
            pairs = [(self._literal(k), self._literal(v)) for k, v in value.items()]
            if any(k is None or v is None for k, v in pairs):
                return None
            return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biufc":
            npn = self._numpy_name()
            if isinstance(value, np.generic):
                return f"{npn}.{value.dtype.name}({value.item()!r})"
            return (f"{npn}.array({value.tolist()!r}, dtype={npn}.{value.dtype.name})"
                    if value.size else
                    f"{npn}.zeros({value.shape!r}, dtype={npn}.{value.dtype.name})")
        return None

    def _numpy_name(self) -> str:
        for k, v in self.imports.items():
            if v in ("import numpy", "import numpy as " + k):
                return k
        names = sorted(k for k, v in self.globals.items() if v is np)
        alias = "np" if "np" in names else (names[0] if names else "np")
        while alias in self.taken and self.imports.get(alias) is None:
            alias = "_" + alias
        self.taken.add(alias)
        self.imports[alias] = "import numpy" if alias == "numpy" else f"import numpy as {alias}"
        return alias


def _hoist_runtime_helpers(source: str, taken: set[str]) -> tuple[str, list[str], list]:
    """`source` (one def) without the runtime helpers (`_unbroadcast`, `_like`, ...)
    defined at the top of its body (after its kinds check), their texts as
    module-level defs, and the imports they need that the body made (`import numpy
    as np`, moved to the module's): a module defines them once, beside the
    derivative, as a person would. A helper whose name the module already uses for
    something else stays where it is."""
    func = ast.parse(source).body[-1]
    lines = source.splitlines(keepends=True)
    cut, texts, imports = [], [], []
    for st in func.body:
        if isinstance(st, ast.If) and len(st.body) == 1 and isinstance(st.body[0], ast.Raise):
            continue  # the kinds check (_kinds_check, _numbers_only) stays first
        if isinstance(st, ast.Import) and all(a.name == "numpy" for a in st.names):
            imports.append(st)
        elif isinstance(st, ast.FunctionDef) and st.name in runtime.HELPERS:
            if st.name in taken:
                continue
            texts.append(astor.to_source(st))  # (its docstring's lines as they were)
        else:
            break
        cut.append((st.lineno - 1, st.end_lineno))
    if not texts:
        return source, [], []
    for start, end in reversed(cut):
        del lines[start:end]
        while start - 1 >= func.lineno and not lines[start - 1].strip():
            del lines[start - 1]
            start -= 1
    return "".join(lines), texts, imports


def free_names(source: str) -> set[str]:
    """Names the code reads but binds nowhere in it (its globals)."""
    top = symtable.symtable(source, "<derivative>", "exec")
    out: set[str] = set()
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}

    def visit(table):
        for s in table.get_symbols():
            if s.is_referenced() and (s.is_global() or table is top) and not (
                    table is top and s.is_assigned()):
                out.add(s.get_name())
        for child in table.get_children():
            visit(child)

    visit(top)
    return out - bound


def _submodules(mod: types.ModuleType, name: str, source: str) -> list[str]:
    """The submodules of `mod` (named `name` in `source`) that `source` reads as
    attribute chains (`pkg.utils.SCALE`): a package need not import them itself."""
    out = []
    for node in syntax.walk(ast.parse(source)):
        chain = []
        while isinstance(node, ast.Attribute):
            chain.insert(0, node.attr)
            node = node.value
        if not (isinstance(node, ast.Name) and node.id == name):
            continue
        value, dotted = mod, mod.__name__
        for attr in chain:
            value, dotted = getattr(value, attr, None), f"{dotted}.{attr}"
            if not isinstance(value, types.ModuleType) or sys.modules.get(dotted) is not value:
                break
            out.append(dotted)
    return out


def _import_key(line: str):
    return (line.startswith("from "), line)


def _is_srcdiff(value) -> bool:
    mod = value.__name__ if isinstance(value, types.ModuleType) else getattr(
        value, "__module__", None)
    return isinstance(mod, str) and (mod == "srcdiff" or mod.startswith("srcdiff."))


def _importable(value) -> tuple[str, str] | None:
    """(module, attribute) from which `value` can be imported, shortest module first."""
    if not (callable(value) or isinstance(value, type)):
        return None
    mod = getattr(value, "__module__", None)
    attr = getattr(value, "__name__", None)
    if not isinstance(mod, str) or not isinstance(attr, str) or mod == "__main__":
        return None
    parts = mod.split(".")
    for i in range(1, len(parts) + 1):
        candidate = ".".join(parts[:i])
        if any(p.startswith("_") for p in parts[1:i]):
            continue
        try:
            m = sys.modules.get(candidate) or importlib.import_module(candidate)
        except Exception:
            continue
        if getattr(m, attr, None) is value:
            return candidate, attr
    return None


def _strip_stop_gradient(tree: ast.Module, lookup) -> bool:
    """Replace calls of srcdiff.stop_gradient/detach (the identity) by their argument,
    in place; True when there were any."""
    def resolves(node) -> bool:
        if isinstance(node, ast.Name):
            found, v = lookup(node.id)
            return found and v is stop_gradient
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            found, v = lookup(node.value.id)
            return found and getattr(v, node.attr, None) is stop_gradient
        return False

    found = []

    class Strip(ast.NodeTransformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            if resolves(node.func) and len(node.args) == 1 and not node.keywords:
                found.append(node)
                return node.args[0]
            return node

    Strip().visit(tree)
    return bool(found)
