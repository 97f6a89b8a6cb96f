"""check: the theorem checks of ``fmcheck check`` on one case, as records."""

import ctypes
import math

from . import _errors, _lib
from ._case import as_case

_L = _lib.lib
_OUTCOMES = ("PASS", "WARN", "FAIL", "n/a", "UNDECIDED")


class Verdict:
    """One verdict: on the true statement (``mutant`` == "") or on a
    negative control.  ``outcome`` is "pass", "warn", "fail", "n/a" or
    "undecided"; the deciding route's ``statistic``, ``value``, ``tol``,
    ``err``, ``margin``, ``worst``; ``routes`` (a list of dicts with ``key``,
    ``label``, ``value``, ``tol``, ``err``, ``decided``, ``worst``);
    ``facts`` (a dict by stable key); ``summary`` (text for people)."""

    def __init__(self, h, row, j):
        v = _lib.Verdict()
        _L.fmcheck_check_verdict(ctypes.byref(v), h, row, j)
        self.theorem = _lib.text(v.theorem)
        self.case = _lib.text(v.case_name)
        self.mutant = _lib.text(v.mutant)
        self.outcome = _lib.text(v.outcome_key)
        self.status = v.status
        self.statistic = _lib.text(v.statistic)
        self.value, self.tol, self.err, self.margin = v.value, v.tol, v.err, v.margin
        self.worst = _lib.text(v.worst)
        self.summary = _lib.text(v.summary)
        self.routes = []
        for k in range(v.nroutes):
            r = _lib.Route()
            _L.fmcheck_check_route(ctypes.byref(r), h, row, j, k)
            self.routes.append({"key": _lib.text(r.key), "label": _lib.text(r.label),
                                "value": r.value, "tol": r.tol, "err": r.err,
                                "decided": bool(r.decided), "worst": _lib.text(r.worst)})
        self.facts = {}
        for k in range(v.nfacts):
            f = _lib.Fact()
            _L.fmcheck_check_fact(ctypes.byref(f), h, row, j, k)
            self.facts[_lib.text(f.key)] = f.value

    def as_dict(self):
        return {k: getattr(self, k) for k in ("theorem", "case", "mutant", "outcome", "status",
                                              "statistic", "value", "tol", "err", "margin",
                                              "worst", "routes", "facts", "summary")}

    def __repr__(self):
        what = f" control {self.mutant!r}" if self.mutant else ""
        return f"<Verdict {self.theorem} on {self.case}{what}: {self.outcome}>"


class Row:
    """One (theorem, case) row: ``ok`` (the statement was not refuted and
    every applicable control was rejected), ``verdict`` (the true
    statement's), ``controls`` (the negative controls' verdicts),
    ``rejected`` / ``applicable`` controls, ``undecided_controls``."""

    def __init__(self, h, i):
        r = _lib.Row()
        _L.fmcheck_check_row(ctypes.byref(r), h, i)
        self.ok = bool(r.ok)
        self.applicable, self.rejected = int(r.applicable), int(r.rejected)
        self.undecided_controls = int(r.undecided_controls)
        self.min_margin = r.min_margin
        self.verdict = Verdict(h, i, 0)
        self.controls = [Verdict(h, i, j) for j in range(1, r.controls + 1)]
        self.theorem = self.verdict.theorem

    @property
    def word(self):
        """The word of the command's table: FAIL, UNDECIDED, or the outcome."""
        if not self.ok:
            return "FAIL"
        if self.undecided_controls:
            return "UNDECIDED"
        return _OUTCOMES[("pass", "warn", "fail", "n/a", "undecided").index(self.verdict.outcome)]

    def as_dict(self):
        d = self.verdict.as_dict()
        d["ok"] = self.ok
        d["controls"] = [dict(c.as_dict(), rejected=c.outcome == "fail") for c in self.controls]
        return d

    def __repr__(self):
        return f"<Row {self.theorem} on {self.verdict.case}: {self.word}>"


class CheckResult:
    """The rows of check(): ``passed`` (no row failed; UNDECIDED and n/a rows
    do not fail), ``rows`` (one Row per theorem), ``counts`` (rows, passed,
    warned, failed, undecided, na).  ``str()`` is a table like ``fmcheck
    check``'s, ending with its summary line."""

    def __init__(self, h):
        k = _lib.CheckCounts()
        _L.fmcheck_check_tally(ctypes.byref(k), h)
        self.counts = {f: int(getattr(k, f)) for f, _ in _lib.CheckCounts._fields_}
        self.passed = bool(_L.fmcheck_check_passed(h))
        self.rows = [Row(h, i) for i in range(_L.fmcheck_check_rows(h))]

    def as_dict(self):
        return {"passed": self.passed, "counts": dict(self.counts),
                "verdicts": [r.as_dict() for r in self.rows]}

    def __str__(self):
        def num(x):
            return f"{x:9.2e}" if math.isfinite(x) else f"{x:>9}"
        lines = [f"{'theorem':<18} {'case':<24} {'verdict':<9} {'value':>9} {'tol':>9} "
                 f"{'margin':>9}  {'controls':<9} deciding route"]
        for r in self.rows:
            v = r.verdict
            ctl = f"{r.rejected}/{r.applicable}" if r.applicable else "-"
            lines.append(f"{v.theorem:<18} {v.case:<24} {r.word:<9} {num(v.value)} "
                         f"{num(v.tol)} {num(v.margin)}  {ctl:<9} {v.statistic}")
            if not r.ok or v.outcome in ("warn", "undecided"):
                lines.append(f"    routes: {v.summary}")
        k = self.counts
        lines.append(f"{k['rows']} rows: {k['passed']} passed ({k['warned']} with warnings), "
                     f"{k['failed']} failed, {k['undecided']} undecided, {k['na']} n/a")
        return "\n".join(lines)

    def __repr__(self):
        return f"<CheckResult {'passed' if self.passed else 'FAILED'}: {len(self.rows)} rows>"


def theorems():
    """The theorem ids, in catalogue order."""
    return [_lib.text(_L.fmcheck_theorem_id(i)) for i in range(_L.fmcheck_theorem_count())]


def check(case, theorems=None, seed=None, points=None, controls=True):
    """Run theorems (an id, a list of ids, or None: all) on case, each with
    its negative controls, as ``fmcheck check`` does.  seed overrides the
    case's seed; points is the number of random points of pointwise checks
    (default 48).  From a second to a minute per theorem."""
    case = as_case(case)
    if isinstance(theorems, str):
        theorems = [theorems]
    ids = list(theorems or [])
    arr = (ctypes.c_char_p * max(len(ids), 1))(*[s.encode() for s in ids])
    o = _lib.CheckOpts()
    _L.fmcheck_check_opts_init(ctypes.byref(o))
    if seed is not None:
        if int(seed) <= 0:
            raise _errors.Error(f"seed = {seed}: expected a positive integer")
        o.seed = int(seed)
    if points is not None:
        o.points = int(points)
    o.controls = 1 if controls else 0
    h = ctypes.c_void_p()
    err = _errors.new_error()
    st = _L.fmcheck_check_run(ctypes.byref(h), case._h, arr, len(ids), ctypes.byref(o),
                              _errors.ref(err))
    _errors.check(st, err)
    try:
        return CheckResult(h)
    finally:
        _L.fmcheck_check_free(h)
