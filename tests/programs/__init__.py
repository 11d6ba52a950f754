"""A corpus of realistic numerical programs, written the way users write them
(not to suit srcdiff), grouped by domain. Each module lists its entries in
`PROGRAMS`; `ALL` maps a program's name (`module.function`) to it.

`python -m tests.programs.run` measures srcdiff on them against central finite
differences of the primal; `tests/test_programs.py` asserts that every program
is differentiated correctly or refused with a `SrcDiffError`."""
from __future__ import annotations

import importlib

from .registry import Program

MODULES = ("ode", "likelihoods", "nets", "physics", "finance", "optim", "signal_proc", "linalg",
           "ml", "numpy_style", "scalar_style", "stats", "geometry", "polynomials", "idioms",
           "structured", "params", "containers3",
           "fnargs3", "objects3", "domains3", "closures3",
           "models3", "trajectories3", "numerics3",
           "mutation3", "dispatch3", "estimation3", "meta3",
           "numpy_lib3", "pde3", "solvers3",
           "workflows3", "regularisers3", "learning3", "callables4",
           "scalar4", "arrays4", "sims4", "models4",
           "scripts5", "numpy5", "apps5", "structure5", "realistic6", "realistic7", "realistic8",
           "realistic11", "realistic11_params", "realistic11_objects")


def _collect() -> dict[str, Program]:
    out: dict[str, Program] = {}
    for short in MODULES:
        mod = importlib.import_module(f"{__name__}.{short}")
        for prog in mod.PROGRAMS:
            name = prog.label(short)
            assert name not in out, f"two programs named {name}"
            out[name] = prog
    return out


ALL = _collect()

__all__ = ["ALL", "MODULES", "Program"]
