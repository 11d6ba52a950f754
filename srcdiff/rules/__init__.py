"""The rule table and its built-in entries (operators, builtins, math, NumPy)."""
from . import scalar  # noqa: F401
from . import numpy_rules  # noqa: F401
from . import stop  # noqa: F401
from . import linalg  # noqa: F401
from .table import RULES, Rule, lookup, register  # noqa: F401
from . import shaping  # noqa: F401
from . import statistics  # noqa: F401
from . import scipy_rules  # noqa: F401  (added once SciPy is imported)
