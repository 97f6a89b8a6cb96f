/* stattest_kernel.c -- the kernel two-sample tests: unbiased MMD^2 with a
 * Gaussian kernel (median-heuristic bandwidth) and the energy distance.  Both
 * are the same quadratic form of a pairwise matrix over the pooled sample,
 *   2 Sxx/(n(n-1)) + 2 Syy/(m(m-1)) - 2 Sxy/(n m),
 * with P_ij = k(z_i, z_j): the Gaussian kernel for MMD; for the energy
 * distance |z_i - z_j| with the sign flipped.  So the matrix is built once,
 * packed (N(N-1)/2 values), and each relabelling of the permutation test
 * (stattest_perm.c) costs one dot product per row.
 */
#include "stattest_impl.h"
#include "fm_status.h"

#include <gsl/gsl_statistics_float.h>
#include <math.h>
#include <stdlib.h>

/* Pairwise values P_ij (i < j) of the pooled sample Z (N rows), packed by
 * rows: row i holds j = i+1 .. N-1 at offset fm_pk_off(i, N). */
static size_t fm_pk_off(size_t i, size_t N)
{
  return i * N - i * (i + 1) / 2;
}

static int fm_stat_perm_alloc(fm_stat_perm *q, size_t n, size_t m)
{
  size_t N = n + m;
  *q = (fm_stat_perm){.N = N, .n = n, .m = m};
  if (n < 2 || m < 2 || N > FM_STAT_PERM_MAX)
    return FM_EINVAL;
  q->P = malloc(N * (N - 1) / 2 * sizeof *q->P);
  q->rowall = malloc(N * sizeof *q->rowall);
  q->lab = malloc(N * sizeof *q->lab);
  q->perm = malloc(N * sizeof *q->perm);
  if (!q->P || !q->rowall || !q->lab || !q->perm) {
    fm_stat_perm_free(q);
    return FM_ENOMEM;
  }
  return FM_OK;
}

static double fm_dist2(const double *a, const double *b, size_t d)
{
  double s = 0.0;
  for (size_t j = 0; j < d; j++)
    s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

static const double *fm_pooled_row(const double *X, size_t n, const double *Y, size_t d,
                                   size_t i)
{
  return i < n ? X + i * d : Y + (i - n) * d;
}

/* P_ij = |z_i - z_j|^2 */
static void fm_stat_perm_fill_d2(fm_stat_perm *q, const double *X, const double *Y, size_t d)
{
  for (size_t i = 0; i < q->N; i++) {
    const double *zi = fm_pooled_row(X, q->n, Y, d, i);
    double *row = q->P + fm_pk_off(i, q->N);
    for (size_t j = i + 1; j < q->N; j++)
      row[j - i - 1] = fm_dist2(zi, fm_pooled_row(X, q->n, Y, d, j), d);
  }
}

static void fm_stat_perm_rowsums(fm_stat_perm *q)
{
  for (size_t i = 0; i < q->N; i++) {
    const double *row = q->P + fm_pk_off(i, q->N);
    double s = 0.0;
    for (size_t j = 0; j + i + 1 < q->N; j++)
      s += row[j];
    q->rowall[i] = s;
  }
}

/* 2 Sxx/(n(n-1)) + 2 Syy/(m(m-1)) - 2 Sxy/(n m) for the labels q->lab:
 * one dot product per row (row sums of P fixed in rowall). */
static double fm_stat_perm_stat(const fm_stat_perm *q)
{
  double sxx = 0.0, syy = 0.0, sxy = 0.0;
  for (size_t i = 0; i + 1 < q->N; i++) {
    const double *row = q->P + fm_pk_off(i, q->N), *lab = q->lab + i + 1;
    size_t len = q->N - i - 1;
    double rx = 0.0;
    for (size_t j = 0; j < len; j++)
      rx += row[j] * lab[j];
    double ry = q->rowall[i] - rx;
    if (q->lab[i] != 0.0) {
      sxx += rx;
      sxy += ry;
    } else {
      sxy += rx;
      syy += ry;
    }
  }
  double n = (double)q->n, m = (double)q->m;
  return 2.0 * sxx / (n * (n - 1.0)) + 2.0 * syy / (m * (m - 1.0)) - 2.0 * sxy / (n * m);
}
/* sign * stat for the data labels and up to nperm relabellings. */
static void fm_stat_perm_test(double *stat, double *p, fm_stat_perm *q, double sign, size_t nperm,
                         const fm_rng *rng)
{
  fm_stat_perm_labels_identity(q);
  double t0 = sign * fm_stat_perm_stat(q);
  size_t ge = 0, b = 0;
  while (b < nperm && ge < FM_STAT_PERM_H) {
    fm_stat_perm_labels(q, rng, b++);
    if (sign * fm_stat_perm_stat(q) >= t0)
      ge++;
  }
  *stat = t0;
  *p = fm_stat_perm_pvalue(ge, b, nperm);
}

/* Median of the packed squared distances (float copy: a bandwidth needs no
 * more; the median is a symmetric function of the pooled sample, so the
 * permutation test stays exact). */
static int fm_stat_perm_median_d2(double *med, const fm_stat_perm *q)
{
  size_t M = q->N * (q->N - 1) / 2;
  float *c = malloc(M * sizeof *c);
  if (c == NULL)
    return FM_ENOMEM;
  for (size_t i = 0; i < M; i++)
    c[i] = (float)q->P[i];
  *med = gsl_stats_float_median(c, 1, M);
  free(c);
  return FM_OK;
}

int fm_stat_mmd(fm_stat_result *r, double *bandwidth, const double *X, size_t n,
                const double *Y, size_t m, size_t d, size_t nperm, const fm_rng *rng)
{
  fm_stat_perm q;
  int st = fm_stat_perm_alloc(&q, n, m);
  if (st != FM_OK)
    return st;
  fm_stat_perm_fill_d2(&q, X, Y, d);
  double med;
  st = fm_stat_perm_median_d2(&med, &q);
  if (st == FM_OK && !(med > 0.0))
    st = FM_EINVAL; /* more than half the pairs coincide */
  if (st == FM_OK) {
    size_t M = q.N * (q.N - 1) / 2;
    for (size_t i = 0; i < M; i++)
      q.P[i] = exp(-0.5 * q.P[i] / med); /* l^2 = med: l = median distance */
    fm_stat_perm_rowsums(&q);
    double T, p;
    fm_stat_perm_test(&T, &p, &q, 1.0, nperm, rng);
    *r = (fm_stat_result){.name = "mmd", .stat = T, .pvalue = p, .n = n, .m = m};
    if (bandwidth != NULL)
      *bandwidth = sqrt(med);
  }
  fm_stat_perm_free(&q);
  return st;
}

int fm_stat_energy(fm_stat_result *r, const double *X, size_t n, const double *Y, size_t m,
                   size_t d, size_t nperm, const fm_rng *rng)
{
  fm_stat_perm q;
  int st = fm_stat_perm_alloc(&q, n, m);
  if (st != FM_OK)
    return st;
  fm_stat_perm_fill_d2(&q, X, Y, d);
  size_t M = q.N * (q.N - 1) / 2;
  for (size_t i = 0; i < M; i++)
    q.P[i] = sqrt(q.P[i]);
  fm_stat_perm_rowsums(&q);
  double T, p;
  /* energy = -(MMD^2 form with k = |x - y|) */
  fm_stat_perm_test(&T, &p, &q, -1.0, nperm, rng);
  *r = (fm_stat_result){.name = "energy", .stat = T, .pvalue = p, .n = n, .m = m};
  fm_stat_perm_free(&q);
  return FM_OK;
}
