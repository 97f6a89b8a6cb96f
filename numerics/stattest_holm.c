/* stattest_holm.c -- Holm's step-down correction of a family of p-values
 * at a family-wise level, with adjusted p-values; a p-value that could not
 * be computed (NaN) counts as 0, so it rejects rather than passes silently.
 */
#include "stattest.h"

#include <math.h>
#include <stdlib.h>

size_t fm_stat_holm(int *reject, double *padj, const double *p, size_t k, double alpha)
{
  if (k == 0)
    return 0;
  size_t idx[64], *ord = k <= 64 ? idx : malloc(k * sizeof *ord);
  if (ord == NULL)
    return 0;
  for (size_t i = 0; i < k; i++)
    ord[i] = i;
  /* insertion sort by p (NaN first): k is a small family, and qsort would
   * need the p array in a file-scope variable (not reentrant) */
  for (size_t i = 1; i < k; i++) {
    size_t t = ord[i], j = i;
    double pt = isnan(p[t]) ? -1.0 : p[t];
    while (j > 0 && (isnan(p[ord[j - 1]]) ? -1.0 : p[ord[j - 1]]) > pt) {
      ord[j] = ord[j - 1];
      j--;
    }
    ord[j] = t;
  }
  size_t nrej = 0;
  int going = 1;
  double run = 0.0;
  for (size_t r = 0; r < k; r++) {
    size_t i = ord[r];
    double pi = isnan(p[i]) ? 0.0 : p[i];
    run = fmax(run, fmin(1.0, (double)(k - r) * pi));
    if (padj != NULL)
      padj[i] = run;
    int rej = going && pi <= alpha / (double)(k - r);
    if (!rej)
      going = 0;
    if (reject != NULL)
      reject[i] = rej;
    nrej += (size_t)rej;
  }
  if (ord != idx)
    free(ord);
  return nrej;
}
