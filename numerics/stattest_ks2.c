/* stattest_ks2.c -- the two-sample Kolmogorov-Smirnov test on two samples
 * of numbers.  (On log g(X) against log g(Y): cases/gmmtest_logp.c.)
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
