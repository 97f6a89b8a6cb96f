/* api_impl.h -- what the files of the public API (fmcheck.h) share: the
 * handle behind fmcheck_case, and filling an fmcheck_error.  Private: not
 * installed. */
#ifndef FM_API_IMPL_H
#define FM_API_IMPL_H

#include "case.h"
#include "fm_status.h"
#include "fmcheck.h"

struct fmcheck_case {
  fm_case *c;
};

/* err (may be NULL) = {status, printf-style message}; returns status. */
int fm_api_fail(fmcheck_error *err, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* err = {status, e's message}; returns status. */
int fm_api_fail_msg(fmcheck_error *err, int status, const fm_errmsg *e);
/* err = {FM_OK, ""}: every entry point starts with it. */
void fm_api_clear(fmcheck_error *err);

/* The path's u, score, logp, mean at n points (fmcheck_case_field without
 * the argument checks): the one evaluation loop behind field and
 * compare-field. */
int fm_api_field_rows(double *u, double *score, double *logp, double *mean, const fm_case *c,
                      const double *t, size_t nt, const double *x, size_t n,
                      fmcheck_error *err);

/* The arguments every point-array entry point takes: c non-NULL, nt = 1 or
 * n, the arrays non-NULL when n > 0. */
int fm_api_check_points(const fmcheck_case *c, const double *t, size_t nt, const double *x,
                        size_t n, fmcheck_error *err);

#endif
