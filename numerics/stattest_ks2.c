/* stattest_ks2.c -- two-sample Kolmogorov-Smirnov tests: on two samples of
 * numbers, and on the values of log g(X_i) against log g(Y_j) for exact
 * draws Y of g -- the test that sees a covariance scaled by 0.9, because the
 * scale shift of log p adds up over the coordinates (stattest.h).
 */
#include "stattest_impl.h"
#include "fm_status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* D of two sorted samples (ties advance both: correct for repeated values). */
static double fm_ks2_sorted(const double *a, size_t n, const double *b, size_t m)
{
  size_t i = 0, j = 0;
  double D = 0.0;
  while (i < n && j < m) {
    double v = fmin(a[i], b[j]);
    while (i < n && a[i] <= v)
      i++;
    while (j < m && b[j] <= v)
      j++;
    D = fmax(D, fabs((double)i / (double)n - (double)j / (double)m));
  }
  return D;
}

int fm_stat_ks2(fm_stat_result *r, const double *x, size_t n, const double *y, size_t m)
{
  if (n == 0 || m == 0)
    return FM_EINVAL;
  double *a = malloc((n + m) * sizeof *a);
  if (a == NULL)
    return FM_ENOMEM;
  double *b = a + n;
  memcpy(a, x, n * sizeof *a);
  memcpy(b, y, m * sizeof *b);
  for (size_t i = 0; i < n + m; i++)
    if (!isfinite(a[i])) {
      free(a);
      return FM_ENONFIN;
    }
  qsort(a, n, sizeof *a, fm_stat_cmp_double);
  qsort(b, m, sizeof *b, fm_stat_cmp_double);
  double D = fm_ks2_sorted(a, n, b, m);
  free(a);
  *r = (fm_stat_result){.name = "ks2", .stat = D, .pvalue = fm_ks2_pvalue(n, m, D), .n = n,
                        .m = m};
  return FM_OK;
}

/* lp[i] = log g(X_i) through one path object at alpha = 1, sigma = 0. */
static int fm_gmm_logpdfs(double *lp, const double *X, size_t n, const fm_gmm *g)
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

int fm_stat_logp_ks(fm_stat_result *r, const double *X, size_t n, const double *Y, size_t m,
                    const fm_gmm *g)
{
  if (n == 0 || m == 0)
    return FM_EINVAL;
  double *lx = malloc((n + m) * sizeof *lx);
  if (lx == NULL)
    return FM_ENOMEM;
  int st = fm_gmm_logpdfs(lx, X, n, g);
  st = st ? st : fm_gmm_logpdfs(lx + n, Y, m, g);
  st = st ? st : fm_stat_ks2(r, lx, n, lx + n, m);
  if (st == FM_OK)
    r->name = "logp-ks";
  free(lx);
  return st;
}
