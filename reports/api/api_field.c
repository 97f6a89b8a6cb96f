/* api_field.c -- u_t, the score, log p_t and E[x1 | x_t = x] at arrays of
 * points: the numbers of `fmcheck field`.  The command evaluates each row
 * by fm_gmm_marginal (schedule, factorisation of every C_k(t), then the
 * point); here the factorisation is kept while t stays the same, which
 * gives the same bits (fm_gmm_path_eval reads only what path_set wrote)
 * at O(n K d^2) instead of O(n K d^3) for one t. */
#include "api_impl.h"

#include "gmm.h"

int fm_api_check_points(const fmcheck_case *c, const double *t, size_t nt, const double *x,
                        size_t n, fmcheck_error *err)
{
  if (c == NULL)
    return fm_api_fail(err, FM_EINVAL, "the case is NULL");
  if (nt != 1 && nt != n)
    return fm_api_fail(err, FM_EINVAL, "%zu times for %zu points: give one time, or one "
                       "per point", nt, n);
  if (n > 0 && (t == NULL || x == NULL))
    return fm_api_fail(err, FM_EINVAL, "the times or the points are NULL");
  return FM_OK;
}

/* Schedule and factorisation at time t for point i (for its message). */
static int fm_api_field_at(fm_gmm_path *p, const fm_case *c, double t, size_t i,
                           fmcheck_error *err)
{
  if (!(t >= 0.0 && t <= 1.0))
    return fm_api_fail(err, FM_EDOM, "point %zu: t = %.17g is outside [0, 1]", i, t);
  fm_sched_val v;
  int st = fm_schedule_eval(&v, c->sched, t);
  if (st == FM_OK)
    st = fm_gmm_path_set(p, &v);
  if (st != FM_OK)
    return fm_api_fail(err, st, "point %zu (t = %.17g): the exact field is not defined "
                       "there: %s", i, t, fm_strerror(st));
  return FM_OK;
}

int fm_api_field_rows(double *u, double *score, double *logp, double *mean, const fm_case *c,
                      const double *t, size_t nt, const double *x, size_t n,
                      fmcheck_error *err)
{
  size_t d = c->gmm->d;
  fm_gmm_path *p;
  if (fm_gmm_path_alloc(&p, c->gmm) != FM_OK)
    return fm_api_fail(err, FM_ENOMEM, "out of memory");
  int st = FM_OK;
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    double ti = t[nt == 1 ? 0 : i];
    /* t compared bitwise: -0.0 and 0.0 give the same schedule values */
    if (i == 0 || ti != t[nt == 1 ? 0 : i - 1])
      st = fm_api_field_at(p, c, ti, i, err);
    if (st != FM_OK)
      break;
    st = fm_gmm_path_eval(logp ? logp + i : NULL, score ? score + i * d : NULL,
                          mean ? mean + i * d : NULL, u ? u + i * d : NULL, p, x + i * d);
    if (st != FM_OK)
      st = fm_api_fail(err, st, "point %zu (t = %.17g): %s", i, ti,
                       st == FM_ENONFIN ? "a coordinate is not finite" : fm_strerror(st));
  }
  fm_gmm_path_free(p);
  return st;
}

int fmcheck_case_field(double *u, double *score, double *logp, double *mean,
                       const fmcheck_case *c, const double *t, size_t nt, const double *x,
                       size_t n, fmcheck_error *err)
{
  fm_api_clear(err);
  int st = fm_api_check_points(c, t, nt, x, n, err);
  if (st != FM_OK)
    return st;
  fm_gsl_quiet();
  return fm_api_field_rows(u, score, logp, mean, c->c, t, nt, x, n, err);
}
