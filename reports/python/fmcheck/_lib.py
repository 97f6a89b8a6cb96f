"""ctypes bindings to libfmcheck (the C interface of fmcheck.h).

The structures below mirror those of fmcheck.h field for field; every
function's argument and result types are declared once here.  The library
is found, in order: $FMCHECK_LIB (a path; `meson devenv` sets it to the
build tree's copy), the library directory this package was installed with,
then the system's loader (libfmcheck.so.0).
"""

import ctypes
import ctypes.util
import os

_SONAME = "libfmcheck.so.0"

c_size = ctypes.c_size_t
c_dbl = ctypes.c_double
c_int = ctypes.c_int
c_str = ctypes.c_char_p
c_u64 = ctypes.c_uint64
P = ctypes.POINTER


class Error(ctypes.Structure):
    _fields_ = [("status", c_int), ("message", ctypes.c_char * 1024)]


class FieldCmp(ctypes.Structure):
    _fields_ = [("rows", c_size), ("rel_l2", c_dbl), ("tol", c_dbl), ("worst_row", c_size),
                ("worst_t", c_dbl), ("worst_abs_err", c_dbl), ("worst_norm_u", c_dbl),
                ("passed", c_int)]


SAMPLE_TESTS = 6


class SampleTest(ctypes.Structure):
    _fields_ = [("name", c_str), ("n", c_size), ("m", c_size), ("statistic", c_dbl),
                ("pvalue", c_dbl), ("p_holm", c_dbl), ("reject", c_int), ("na", c_str),
                ("na_lambda_n", c_dbl)]


class SamplesCmp(ctypes.Structure):
    _fields_ = [("t", c_dbl), ("alpha", c_dbl), ("seed", c_u64), ("n", c_size),
                ("ntests", c_size), ("napplicable", c_size),
                ("test", SampleTest * SAMPLE_TESTS), ("rejected", c_int), ("passed", c_int)]


class CheckOpts(ctypes.Structure):
    _fields_ = [("seed", c_u64), ("points", c_int), ("prec", ctypes.c_uint),
                ("controls", c_int)]


class CheckCounts(ctypes.Structure):
    _fields_ = [("rows", c_size), ("passed", c_size), ("warned", c_size),
                ("failed", c_size), ("undecided", c_size), ("na", c_size)]


class Row(ctypes.Structure):
    _fields_ = [("ok", c_int), ("controls", c_size), ("applicable", c_size),
                ("rejected", c_size), ("undecided_controls", c_size), ("min_margin", c_dbl)]


class Verdict(ctypes.Structure):
    _fields_ = [("theorem", c_str), ("case_name", c_str), ("mutant", c_str),
                ("outcome", c_int), ("outcome_key", c_str), ("status", c_int),
                ("statistic", c_str), ("value", c_dbl), ("tol", c_dbl), ("err", c_dbl),
                ("margin", c_dbl), ("worst", c_str), ("nroutes", c_size), ("nfacts", c_size),
                ("summary", c_str)]


class Route(ctypes.Structure):
    _fields_ = [("key", c_str), ("label", c_str), ("value", c_dbl), ("tol", c_dbl),
                ("err", c_dbl), ("decided", c_int), ("worst", c_str)]


class Fact(ctypes.Structure):
    _fields_ = [("key", c_str), ("value", c_dbl)]


D = P(c_dbl)
E = P(Error)
H = ctypes.c_void_p  # an opaque handle

# name: (result type, argument types)
_PROTOTYPES = {
    "fmcheck_version": (c_str, []),
    "fmcheck_strerror": (c_str, [c_int]),
    "fmcheck_case_load": (c_int, [P(H), c_str, E]),
    "fmcheck_case_load_json": (c_int, [P(H), c_str, c_str, E]),
    "fmcheck_case_free": (None, [H]),
    "fmcheck_case_name": (c_str, [H]),
    "fmcheck_case_origin": (c_str, [H]),
    "fmcheck_case_warning": (c_str, [H]),
    "fmcheck_case_dim": (c_size, [H]),
    "fmcheck_case_components": (c_size, [H]),
    "fmcheck_case_seed": (c_u64, [H]),
    "fmcheck_builtin_count": (c_size, []),
    "fmcheck_builtin_name": (c_str, [c_size]),
    "fmcheck_case_field": (c_int, [D, D, D, D, H, D, c_size, D, c_size, E]),
    "fmcheck_case_sample": (c_int, [D, H, c_size, c_dbl, c_u64, E]),
    "fmcheck_compare_field": (c_int, [P(FieldCmp), H, D, c_size, D, D, c_size, c_dbl, E]),
    "fmcheck_field_cmp_text": (c_size, [ctypes.c_char_p, c_size, P(FieldCmp), H]),
    "fmcheck_compare_samples": (c_int, [P(SamplesCmp), H, D, c_size, c_dbl, c_dbl, c_u64, E]),
    "fmcheck_samples_cmp_text": (c_size, [ctypes.c_char_p, c_size, P(SamplesCmp), H]),
    "fmcheck_theorem_count": (c_size, []),
    "fmcheck_theorem_id": (c_str, [c_size]),
    "fmcheck_theorem_statement": (c_str, [c_size]),
    "fmcheck_check_opts_init": (None, [P(CheckOpts)]),
    "fmcheck_check_run": (c_int, [P(H), H, P(c_str), c_size, P(CheckOpts), E]),
    "fmcheck_check_free": (None, [H]),
    "fmcheck_check_rows": (c_size, [H]),
    "fmcheck_check_passed": (c_int, [H]),
    "fmcheck_check_tally": (None, [P(CheckCounts), H]),
    "fmcheck_check_row": (c_int, [P(Row), H, c_size]),
    "fmcheck_check_verdict": (c_int, [P(Verdict), H, c_size, c_size]),
    "fmcheck_check_route": (c_int, [P(Route), H, c_size, c_size, c_size]),
    "fmcheck_check_fact": (c_int, [P(Fact), H, c_size, c_size, c_size]),
}


def _candidates():
    env = os.environ.get("FMCHECK_LIB")
    if env:
        yield env
        return
    try:
        from . import _install  # written by `meson install`
        yield os.path.join(_install.LIBDIR, _SONAME)
    except ImportError:
        pass
    yield _SONAME
    found = ctypes.util.find_library("fmcheck")
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
            break
        except OSError as e:
            tried.append(str(e))
    else:
        raise ImportError("fmcheck: cannot load the C library libfmcheck (set FMCHECK_LIB to "
                          "its path): " + "; ".join(tried))
    for name, (res, args) in _PROTOTYPES.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    return lib


lib = _load()


def text(b):
    """A C string from the library as str (None stays None)."""
    return None if b is None else b.decode("utf-8", "replace")
