/* fm_status.h -- the status codes returned by every fmcheck library
 * function (their one list is fm_status_codes.h), fm_strerror, and the
 * error-message buffer used to say *what* failed.
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

#include "fm_status_codes.h"

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
