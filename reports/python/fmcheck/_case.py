"""fmcheck.Case: a case (Gaussian-mixture data, schedule, seed) and its
exact path: u_t, the score, log p_t, E[x1 | x_t = x] and exact draws."""

import ctypes
import json
import os

import numpy as np

from . import _arrays, _errors, _lib

_L = _lib.lib


class Case:
    """A case, from a built-in name ("ring8-cond_ot"), a case-file path, or a
    dict in the case-file schema.

    >>> c = Case("ring8-cond_ot")
    >>> c.name, c.dim
    ('ring8-cond_ot', 2)

    Raises fmcheck.Error (a ValueError) with the library's message when the
    case cannot be loaded.
    """

    def __init__(self, case):
        self._h = None
        h = ctypes.c_void_p()
        err = _errors.new_error()
        if isinstance(case, dict):
            st = _L.fmcheck_case_load_json(ctypes.byref(h), json.dumps(case).encode(),
                                           b"<dict>", _errors.ref(err))
        elif isinstance(case, (str, os.PathLike)):
            st = _L.fmcheck_case_load(ctypes.byref(h), os.fsencode(case), _errors.ref(err))
        else:
            raise TypeError("Case() takes a built-in name, a path or a dict, not "
                            + type(case).__name__)
        _errors.check(st, err)
        self._h = h
        self.name = _lib.text(_L.fmcheck_case_name(h))
        self.dim = int(_L.fmcheck_case_dim(h))
        self.components = int(_L.fmcheck_case_components(h))
        self.origin = _lib.text(_L.fmcheck_case_origin(h))
        self.seed = int(_L.fmcheck_case_seed(h))
        self.warning = _lib.text(_L.fmcheck_case_warning(h))

    def __del__(self):
        h, self._h = getattr(self, "_h", None), None
        if h and _L is not None:  # at interpreter exit the module may be gone
            _L.fmcheck_case_free(h)

    def __repr__(self):
        return f"fmcheck.Case({self.name!r})  # {self.origin}, dim {self.dim}"

    def _eval(self, t, x, want):
        x = _arrays.points(x, self.dim)
        n = x.shape[0]
        t = _arrays.times(t, n)
        out = {k: np.empty((n, self.dim) if k != "logp" else (n,)) for k in want}
        err = _errors.new_error()
        st = _L.fmcheck_case_field(*(_arrays.ptr(out.get(k))
                                     for k in ("u", "score", "logp", "mean")),
                                   self._h, _arrays.ptr(t), t.shape[0], _arrays.ptr(x), n,
                                   _errors.ref(err))
        _errors.check(st, err)
        return out

    def field(self, t, x):
        """The exact quantities at the points (t_i, x_i): a dict of arrays
        ``u`` (the marginal velocity field, (n, d)), ``score`` (grad log p_t,
        (n, d)), ``logp`` (log p_t, (n,)) and ``mean`` (E[x1 | x_t = x],
        (n, d)).  t is a scalar or an array of shape (n,) in [0, 1]; x has
        shape (n, d).  The numbers of ``fmcheck field``, bit for bit."""
        return self._eval(t, x, ("u", "score", "logp", "mean"))

    def u(self, t, x):
        """The marginal velocity field u_t(x), shape (n, d)."""
        return self._eval(t, x, ("u",))["u"]

    def score(self, t, x):
        """The score grad log p_t(x), shape (n, d)."""
        return self._eval(t, x, ("score",))["score"]

    def logp(self, t, x):
        """log p_t(x), shape (n,)."""
        return self._eval(t, x, ("logp",))["logp"]

    def mean(self, t, x):
        """The posterior mean E[x1 | x_t = x], shape (n, d)."""
        return self._eval(t, x, ("mean",))["mean"]

    def sample(self, n, t=1.0, seed=0):
        """n exact draws of p_t, shape (n, d).  Draw i depends on (seed, i)
        only: sample(10) is the first 10 rows of sample(1000)."""
        n = int(n)
        if n < 0:
            raise Error(f"n = {n}: expected a count >= 0")
        x = np.empty((n, self.dim))
        err = _errors.new_error()
        st = _L.fmcheck_case_sample(_arrays.ptr(x), self._h, n, float(t), int(seed),
                                    _errors.ref(err))
        _errors.check(st, err)
        return x


Error = _errors.Error


def as_case(case):
    """A Case from a Case, a name, a path or a dict."""
    return case if isinstance(case, Case) else Case(case)


def builtins():
    """The built-in case names."""
    return [_lib.text(_L.fmcheck_builtin_name(i))[:-len(".json")]
            for i in range(_L.fmcheck_builtin_count())]
