"""Loads the built-in rules: importing this module adds every built-in rule module's
entries to the table (operators, builtins and math; NumPy; stop_gradient; linear
algebra; shaping; statistics; SciPy's, added once SciPy is imported; srcdiff's own
runtime helpers; which of them are right for complex values).

`srcdiff/__init__.py` imports it first, so the table is full before any function
is transformed. Nothing else imports it: readers of the table import `table`.
"""
from . import scalar  # noqa: F401
from . import numpy_rules  # noqa: F401
from . import stop  # noqa: F401
from . import linalg  # noqa: F401
from . import shaping  # noqa: F401
from . import statistics  # noqa: F401
from . import scipy_rules  # noqa: F401  (added once SciPy is imported)
from . import helpers  # noqa: F401  (srcdiff's runtime helpers, for second derivatives)
from . import complex_rules  # noqa: F401  (last: which of the rules above are right for complex)
