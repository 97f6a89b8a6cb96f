/* stattest_sw2.c -- the sliced Wasserstein-2 two-sample test: the mean over
 * random directions (stattest_proj.c) of the squared W2 distance between
 * the projected empirical laws, computed exactly from the merged quantile
 * steps, with a sequential permutation p-value (stattest_perm.c).
 */
#include "stattest_impl.h"
#include "fm_status.h"

#include <math.h>
#include <stdlib.h>

/* Squared W2 between the empirical laws of sorted a (n) and b (m): the
 * quantile functions are steps at i/n and j/m; integrate their squared
 * difference over the merged breakpoints (integer comparisons, exact). */
static double fm_w2sq_sorted(const double *a, size_t n, const double *b, size_t m)
{
  size_t i = 0, j = 0;
  double u = 0.0, acc = 0.0;
  while (i < n && j < m) {
    /* next breakpoint: min((i+1)/n, (j+1)/m) */
    int ai = (i + 1) * m <= (j + 1) * n, bj = (j + 1) * n <= (i + 1) * m;
    double next = ai ? (double)(i + 1) / (double)n : (double)(j + 1) / (double)m;
    double dlt = a[i] - b[j];
    acc += (next - u) * dlt * dlt;
    u = next;
    i += (size_t)ai;
    j += (size_t)bj;
  }
  return acc;
}

/* mean over directions of W2^2 for labels lab (1 = X) of the pooled
 * projections Pj (nproj x N); a, b scratch of N. */
static double fm_sw2_stat(const double *Pj, size_t nproj, size_t N, const double *lab,
                          double *a, double *b)
{
  double acc = 0.0;
  for (size_t k = 0; k < nproj; k++) {
    size_t na = 0, nb = 0;
    const double *p = Pj + k * N;
    for (size_t i = 0; i < N; i++) {
      if (lab[i] != 0.0)
        a[na++] = p[i];
      else
        b[nb++] = p[i];
    }
    qsort(a, na, sizeof *a, fm_stat_cmp_double);
    qsort(b, nb, sizeof *b, fm_stat_cmp_double);
    acc += fm_w2sq_sorted(a, na, b, nb);
  }
  return acc / (double)nproj;
}

int fm_stat_sliced_w2(fm_stat_result *r, const double *X, size_t n, const double *Y,
                      size_t m, size_t d, size_t nproj, size_t nperm, const fm_rng *rng)
{
  size_t N = n + m;
  if (n == 0 || m == 0 || nproj == 0 || N > FM_STAT_PERM_MAX)
    return FM_EINVAL;
  double *Pj = malloc((nproj * N + 2 * N + d) * sizeof *Pj);
  fm_stat_perm q = {.N = N, .n = n, .m = m};
  q.lab = malloc(N * sizeof *q.lab);
  q.perm = malloc(N * sizeof *q.perm);
  if (Pj == NULL || q.lab == NULL || q.perm == NULL) {
    free(Pj);
    fm_stat_perm_free(&q);
    return FM_ENOMEM;
  }
  double *a = Pj + nproj * N, *b = a + N, *e = b + N;
  for (size_t k = 0; k < nproj; k++) {
    fm_stat_direction(e, d, rng, k);
    fm_stat_project(Pj + k * N, X, n, d, e);
    fm_stat_project(Pj + k * N + n, Y, m, d, e);
  }
  fm_stat_perm_labels_identity(&q);
  double T = fm_sw2_stat(Pj, nproj, N, q.lab, a, b);
  size_t ge = 0, bb = 0;
  fm_rng rp = fm_rng_child(rng, 1);
  while (bb < nperm && ge < FM_STAT_PERM_H) {
    fm_stat_perm_labels(&q, &rp, bb++);
    if (fm_sw2_stat(Pj, nproj, N, q.lab, a, b) >= T)
      ge++;
  }
  *r = (fm_stat_result){.name = "sliced-w2", .stat = sqrt(T),
                        .pvalue = fm_stat_perm_pvalue(ge, bb, nperm), .n = n, .m = m};
  free(Pj);
  fm_stat_perm_free(&q);
  return FM_OK;
}
