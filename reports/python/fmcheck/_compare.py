"""compare_field and compare_samples: someone's field or samples against
the exact answers of a case, as ``fmcheck compare-field`` and ``fmcheck
compare-samples`` decide."""

import ctypes

import numpy as np

from . import _arrays, _errors, _lib
from ._case import as_case

_L = _lib.lib


def _text(fn, res, case):
    n = fn(None, 0, ctypes.byref(res), case._h)
    buf = ctypes.create_string_buffer(n + 1)
    fn(buf, n + 1, ctypes.byref(res), case._h)
    return buf.value.decode("utf-8", "replace").rstrip("\n")


class FieldComparison:
    """The result of compare_field: ``passed``, ``rel_l2`` (the relative L2
    error sqrt(sum |v - u|^2 / sum |u|^2) over the points), ``tol``,
    ``rows``, and the worst point: ``worst_row`` (counted from 0),
    ``worst_t``, ``worst_abs_err`` (|v - u| there), ``worst_norm_u``.
    ``as_dict()`` gives the same numbers; ``str()`` the text of ``fmcheck
    compare-field`` (which counts rows from 1)."""

    def __init__(self, res, case):
        self.case = case.name
        self.passed = bool(res.passed)
        self.rows = int(res.rows)
        self.rel_l2 = float(res.rel_l2)
        self.tol = float(res.tol)
        self.worst_row = int(res.worst_row)
        self.worst_t = float(res.worst_t)
        self.worst_abs_err = float(res.worst_abs_err)
        self.worst_norm_u = float(res.worst_norm_u)
        self._text = _text(_L.fmcheck_field_cmp_text, res, case)

    def as_dict(self):
        return {k: getattr(self, k) for k in ("case", "passed", "rows", "rel_l2", "tol",
                                              "worst_row", "worst_t", "worst_abs_err",
                                              "worst_norm_u")}

    def __str__(self):
        return self._text

    def __repr__(self):
        return (f"<FieldComparison {'PASS' if self.passed else 'FAIL'} rel_l2={self.rel_l2:.3g}"
                f" tol={self.tol:.3g}>")


def compare_field(case, v, t, x, tol=1e-6):
    """Compare a velocity field v with the exact marginal field of case at
    the points (t_i, x_i): v is an (n, d) array of the field's values there,
    or a callable v(t, x) returning one.  t is a scalar or shape (n,), x has
    shape (n, d).  Passes when the relative L2 error is <= tol."""
    case = as_case(case)
    x = _arrays.points(x, case.dim)
    n = x.shape[0]
    tt = _arrays.times(t, n)
    if callable(v):
        v = v(t, x)
    v = _arrays.points(np.asarray(v), case.dim, "v")
    if v.shape[0] != n:
        raise _errors.Error(f"v has {v.shape[0]} rows for {n} points")
    res = _lib.FieldCmp()
    err = _errors.new_error()
    st = _L.fmcheck_compare_field(ctypes.byref(res), case._h, _arrays.ptr(tt), tt.shape[0],
                                  _arrays.ptr(x), _arrays.ptr(v), n, float(tol),
                                  _errors.ref(err))
    _errors.check(st, err)
    return FieldComparison(res, case)


class SamplesComparison:
    """The result of compare_samples: ``passed`` (no test rejects at
    family-wise level ``alpha``), ``rejected``, ``t``, ``alpha``, ``n``,
    ``seed`` and ``tests``: one dict per test (``name``, ``n``, ``m``,
    ``statistic``, ``pvalue``, ``p_holm``, ``reject``, and ``na``, the reason
    a test does not apply, else None).  ``str()`` is the table of ``fmcheck
    compare-samples``."""

    def __init__(self, res, case):
        self.case = case.name
        self.passed = bool(res.passed)
        self.rejected = bool(res.rejected)
        self.t, self.alpha, self.n, self.seed = res.t, res.alpha, int(res.n), int(res.seed)
        self.tests = []
        for i in range(res.ntests):
            x = res.test[i]
            self.tests.append({"name": _lib.text(x.name), "n": int(x.n), "m": int(x.m),
                               "statistic": x.statistic, "pvalue": x.pvalue,
                               "p_holm": x.p_holm, "reject": bool(x.reject),
                               "na": _lib.text(x.na)})
        self._text = _text(_L.fmcheck_samples_cmp_text, res, case)

    def as_dict(self):
        d = {k: getattr(self, k) for k in ("case", "passed", "rejected", "t", "alpha", "n",
                                           "seed")}
        d["tests"] = [dict(x) for x in self.tests]
        return d

    def __str__(self):
        return self._text

    def __repr__(self):
        return f"<SamplesComparison {'ACCEPT' if self.passed else 'REJECT'} n={self.n}>"


def compare_samples(case, samples, t=1.0, alpha=1e-3, seed=1):
    """Test whether samples (shape (n, d)) are draws of p_t of case: mode
    occupancy, KS on random projections against the exact mixture CDF, KS of
    log p_t against exact draws, MMD, energy and sliced W2, Holm-corrected
    at family-wise level alpha.  seed drives the exact draws, directions and
    permutations (the command's default, 1)."""
    case = as_case(case)
    x = _arrays.points(samples, case.dim, "samples")
    res = _lib.SamplesCmp()
    err = _errors.new_error()
    st = _L.fmcheck_compare_samples(ctypes.byref(res), case._h, _arrays.ptr(x), x.shape[0],
                                    float(t), float(alpha), int(seed), _errors.ref(err))
    _errors.check(st, err)
    return SamplesComparison(res, case)
