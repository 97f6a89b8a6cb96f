/* fm_status_codes.h -- the one list of status codes of fmcheck, as an
 * X-macro and as enum fm_status.  Self-contained (no other include), so
 * that it is also the list of the installed public header fmcheck.h: a
 * program calling the library compares with the same names (FM_OK,
 * FM_EINVAL, ...) the library returns.  The messages are fm_strerror's
 * (fmcheck_strerror in the public API).
 */
#ifndef FM_STATUS_CODES_H
#define FM_STATUS_CODES_H

/* X(name, value, message) */
#define FM_STATUS_LIST(X)                                                  \
  X(FM_OK,        0, "success")                                           \
  X(FM_EINVAL,    1, "invalid argument")                                  \
  X(FM_EDOM,      2, "argument outside the domain")                       \
  X(FM_ENOMEM,    3, "out of memory")                                     \
  X(FM_ENOTPD,    4, "matrix is not symmetric positive definite")         \
  X(FM_EPARSE,    5, "parse error")                                       \
  X(FM_EIO,       6, "input/output error")                                \
  X(FM_ENONFIN,   7, "non-finite value")                                  \
  X(FM_EDIM,      8, "dimension mismatch")                                \
  X(FM_ESING,     9, "singular point (the quantity is not defined there)")\
  X(FM_ENOTAVAIL, 10, "not available for this object")                    \
  X(FM_ECONV,     11, "iteration did not converge")                       \
  X(FM_ERANGE,    12, "more results than the fixed-size record holds")

enum fm_status {
#define FM_X_ENUM(name, value, msg) name = value,
  FM_STATUS_LIST(FM_X_ENUM)
#undef FM_X_ENUM
};

#endif
