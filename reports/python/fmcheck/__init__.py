"""fmcheck: exact flow-matching answers on Gaussian-mixture cases, and the
checks of the fmcheck suite, from Python (NumPy arrays in and out; ctypes
over the C library libfmcheck).

    import fmcheck
    c = fmcheck.Case("ring8-cond_ot")          # built-in name, path or dict
    f = c.field(0.5, x)                        # dict: u, score, logp, mean
    r = fmcheck.compare_field(c, v, t, x, tol=1e-6)
    r = fmcheck.compare_samples(c, samples, t=1.0, alpha=1e-3)
    r = fmcheck.check(c, theorems="tweedie")
    r.passed, str(r)

fmcheck.testing has assert_field_close and assert_samples_match for
pytest.  Errors raise fmcheck.Error, a ValueError carrying the library's
message.
"""

from . import _lib, testing
from ._case import Case, builtins
from ._check import CheckResult, Row, Verdict, check, theorems
from ._compare import FieldComparison, SamplesComparison, compare_field, compare_samples
from ._errors import Error

__version__ = _lib.text(_lib.lib.fmcheck_version())

__all__ = ["Case", "CheckResult", "Error", "FieldComparison", "Row", "SamplesComparison",
           "Verdict", "builtins", "check", "compare_field", "compare_samples", "theorems",
           "__version__"]
