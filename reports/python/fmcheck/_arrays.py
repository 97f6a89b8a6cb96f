"""NumPy arrays in the layout the C library reads: float64, C order."""

import ctypes

import numpy as np

from ._errors import Error


def points(x, d, what="x"):
    """x as an (n, d) float64 C-ordered array (a copy only when needed)."""
    a = np.ascontiguousarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != d:
        raise Error(f"{what} has shape {np.shape(x)}; expected (n, {d}) for a case of "
                    f"dimension {d}")
    return a


def times(t, n):
    """t as a float64 array of 1 (one time for all points) or n entries."""
    a = np.asarray(t, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1).copy()
    if a.ndim != 1 or a.shape[0] != n:
        raise Error(f"t has shape {a.shape}; expected a scalar or shape ({n},)")
    return np.ascontiguousarray(a)


def ptr(a):
    """The data pointer of a float64 array (None for None)."""
    if a is None:
        return None
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
