/* pointwise.h -- the double GMM path and its MPFR twin at the points of a
 * check: the part that the pointwise double-vs-MPFR theorems (tweedie,
 * conversions, pf-ode) have in common.
 *
 * Each evaluates, at every point of an fm_pointset, the double path
 * (fm_gmm_path) with its first-order rounding bounds (path_err.h), and
 * fm_gmm_marginal_mpfr at o->prec bits fed either
 *  - the same double schedule values (fm_sched_mp_set_d into vm): the
 *    difference is then rounding of the GMM algebra alone, or
 *  - the schedule's MPFR twin (fm_pointwise_twin): the identity at prec
 *    bits.  A schedule without a twin (expr, table) has its double values
 *    taken as exact, and the verdict says so (fm_pointwise_note).
 * The twin's relative accuracy is taken as eps_mp = 2^(20 - prec): the 20
 * guard bits cover Gauss elimination's growth and the different order of
 * operations (MPFR's convention of checking at p + 20 bits).
 */
#ifndef FM_POINTWISE_H
#define FM_POINTWISE_H

#include <stddef.h>

#include <mpfr.h>

#include "case.h"
#include "path_err.h"
#include "theorem.h"

typedef struct {
  const fm_case *c;
  size_t d;
  mpfr_prec_t prec;    /* o->prec */
  double eps_mp;       /* 2^(20 - prec) */
  fm_gmm_path *path;   /* the double route */
  fm_path_err *pe;     /* its rounding bounds */
  mpfr_t *xm;          /* the point in MPFR (d) */
  fm_sched_mp vm;      /* schedule values in MPFR */
  int exact_schedule;  /* every fm_pointwise_twin so far had a true twin */
} fm_pointwise;

/* Set up for case c at o->prec bits.  Whatever it returns, pw is then to
 * be released with fm_pointwise_free (once), so that it can sit inside a
 * theorem's own work space and share its one error path. */
int fm_pointwise_alloc(fm_pointwise *pw, const fm_case *c, const fm_check_opts *o);
void fm_pointwise_free(fm_pointwise *pw);

/* *vm = the schedule's values at t from its MPFR twin, or its double values
 * when it has none (pw->exact_schedule then cleared). */
int fm_pointwise_twin(fm_sched_mp *vm, fm_pointwise *pw, double t);

/* The verdict note of a check some of whose twins were not exact (each of
 * the three theorems calls its twin route "route 3"). */
void fm_pointwise_note(fm_verdict *v, const fm_pointwise *pw);

#endif
