"""Which values are arrays of other libraries: Dask's and CuPy's, which NumPy's
functions dispatch to (`is_array`), and arrays of the array API alone, which they
do not (`array_api_only`).

Takes any value or type; gives a bool, by the protocols the type implements
(never by importing Dask or CuPy). A leaf module: pytree, shapes and kinds ask it,
and foreign.py builds the rewriting of derivatives for such arrays on it.
"""
from __future__ import annotations

import numpy as np


def is_array(x) -> bool:
    """An array NumPy's functions dispatch to that is not a NumPy array (nor a
    subclass of one): Dask's, CuPy's."""
    known = _TYPES.get(type(x))
    return is_array_type(type(x)) if known is None else known


def is_array_type(t) -> bool:
    known = _TYPES.get(t)
    if known is None:
        known = _TYPES[t] = (not issubclass(t, np.ndarray) and hasattr(t, "__array_function__")
                             and hasattr(t, "__array_ufunc__") and hasattr(t, "shape")
                             and hasattr(t, "dtype"))
    return known


_TYPES: dict = {}  # type -> is_array_type (types are few; checked on every general call)


def array_api_only(x) -> bool:
    """An array of the array API that NumPy's functions do not dispatch to."""
    t = type(x)
    return (hasattr(t, "__array_namespace__") and not issubclass(t, (np.ndarray, np.generic))
            and not hasattr(t, "__array_function__"))
