/* fm_status.h -- the one list of status codes returned by every fmcheck
 * library function, and the error-message buffer used to say *what* failed.
 *
 * Conventions (GSL-style): functions return int; FM_OK is 0; the library never
 * prints, exits or aborts -- callers (the CLI, the tests) decide.  A function
 * that can fail for a reason worth explaining takes an fm_errmsg* (may be NULL)
 * and fills it with one human-readable sentence naming the file, field or
 * value at fault.
 */
#ifndef FM_STATUS_H
#define FM_STATUS_H

#include <stddef.h>

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

/* Static description of a status code (never NULL). */
const char *fm_strerror(int status);

/* A message buffer: one sentence saying what went wrong and where. */
typedef struct {
  char msg[1024];
} fm_errmsg;

/* printf-style; does nothing when e is NULL; returns status so that callers
 * can write `return fm_errmsg_set(e, FM_EINVAL, "...", ...);` */
int fm_errmsg_set(fm_errmsg *e, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prefix an existing message ("file.json: " + old message). */
void fm_errmsg_prefix(fm_errmsg *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Turn GSL's abort-on-error handler off (idempotent).  Every entry point that
 * calls GSL routines calls this first; GSL errors are then returned as codes. */
void fm_gsl_quiet(void);

#endif
