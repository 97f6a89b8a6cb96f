/* stattest_ks1.c -- the one-sample Kolmogorov-Smirnov test of a sample
 * against a continuous CDF; the p-values come from the Kolmogorov
 * distribution (stattest_kolmogorov.c).  (Against a GMM's projections:
 * cases/gmmtest_proj.c.)
 */
#include "stattest_impl.h"
#include "fm_status.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* D of the sorted sample s against F. */
static double fm_ks1_sorted(const double *s, size_t n, fm_cdf_fn F, void *ctx)
{
  double D = 0.0, nn = (double)n;
  for (size_t i = 0; i < n; i++) {
    double f = F(s[i], ctx);
    D = fmax(D, fmax((double)(i + 1) / nn - f, f - (double)i / nn));
  }
  return D;
}

int fm_stat_ks1(fm_stat_result *r, const double *x, size_t n, fm_cdf_fn F, void *ctx)
{
  if (n == 0)
    return FM_EINVAL;
  double *s = malloc(n * sizeof *s);
  if (s == NULL)
    return FM_ENOMEM;
  memcpy(s, x, n * sizeof *s);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(s[i])) {
      free(s);
      return FM_ENONFIN;
    }
  qsort(s, n, sizeof *s, fm_stat_cmp_double);
  double D = fm_ks1_sorted(s, n, F, ctx);
  free(s);
  *r = (fm_stat_result){.name = "ks1", .stat = D, .pvalue = fm_ks_pvalue(n, D), .n = n};
  return FM_OK;
}
