/* gmmtest_logp.c -- the two-sample KS of log g(X_i) against log g(Y_j) for
 * exact draws Y of g: the test that sees a covariance scaled by 0.9, because
 * the scale shift of log p adds up over the coordinates (gmmtest.h). */
#include "gmmtest.h"
#include "fm_status.h"
#include "gmm.h"

#include <math.h>
#include <stdlib.h>

/* lp[i] = log g(X_i) through one path object at alpha = 1, sigma = 0. */
static int fm_gmmtest_logpdfs(double *lp, const double *X, size_t n, const fm_gmm *g)
{
  fm_gmm_path *p;
  fm_sched_val v = {1.0, 0.0, 0.0, 0.0};
  int st = fm_gmm_path_alloc(&p, g);
  if (st != FM_OK)
    return st;
  st = fm_gmm_path_set(p, &v);
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    st = fm_gmm_path_eval(lp + i, NULL, NULL, NULL, p, X + i * g->d);
    if (st == FM_OK && !isfinite(lp[i]))
      st = FM_ENONFIN;
  }
  fm_gmm_path_free(p);
  return st;
}

int fm_gmmtest_logp_ks(fm_stat_result *r, const double *X, size_t n, const double *Y, size_t m,
                    const fm_gmm *g)
{
  if (n == 0 || m == 0)
    return FM_EINVAL;
  double *lx = malloc((n + m) * sizeof *lx);
  if (lx == NULL)
    return FM_ENOMEM;
  int st = fm_gmmtest_logpdfs(lx, X, n, g);
  st = st ? st : fm_gmmtest_logpdfs(lx + n, Y, m, g);
  st = st ? st : fm_stat_ks2(r, lx, n, lx + n, m);
  if (st == FM_OK)
    r->name = "logp-ks";
  free(lx);
  return st;
}
