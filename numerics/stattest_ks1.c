/* stattest_ks1.c -- one-sample Kolmogorov-Smirnov tests: a sample against
 * a continuous CDF, the projections e.X_i of a d-dimensional sample against
 * the exact mixture CDF of e.X under a GMM (a 1D GMM), and KS on random
 * projections with a Bonferroni correction.  The p-values come from the
 * Kolmogorov distribution (stattest_kolmogorov.c).
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

/* The 1D mixture of a projection: means, standard deviations, weights. */
typedef struct {
  size_t K;
  const double *w;
  double *mu, *sd;
} fm_mix1;

static double fm_mix1_cdf(double s, void *ctx)
{
  const fm_mix1 *q = ctx;
  double F = 0.0;
  for (size_t k = 0; k < q->K; k++)
    F += q->w[k] * gsl_cdf_ugaussian_P((s - q->mu[k]) / q->sd[k]);
  return fmin(1.0, F);
}

/* mu_k = e.m_k, sd_k = sqrt(e' S_k e). */
static int fm_mix1_make(fm_mix1 *q, const fm_gmm *g, const double *e)
{
  size_t d = g->d, K = g->K;
  q->K = K;
  q->w = g->w;
  q->mu = malloc(2 * K * sizeof *q->mu);
  if (q->mu == NULL)
    return FM_ENOMEM;
  q->sd = q->mu + K;
  for (size_t k = 0; k < K; k++) {
    const double *m = g->mean + k * d, *S = g->cov + k * d * d;
    double mu = 0.0, v = 0.0;
    for (size_t i = 0; i < d; i++) {
      mu += e[i] * m[i];
      for (size_t j = 0; j < d; j++)
        v += e[i] * S[i * d + j] * e[j];
    }
    q->mu[k] = mu;
    q->sd[k] = sqrt(v);
    if (!(q->sd[k] > 0.0)) {
      free(q->mu);
      return FM_EINVAL;
    }
  }
  return FM_OK;
}

double fm_gmm_proj_cdf(const fm_gmm *g, const double *e, double s)
{
  fm_gsl_quiet();
  fm_mix1 q;
  if (fm_mix1_make(&q, g, e) != FM_OK)
    return NAN;
  double F = fm_mix1_cdf(s, &q);
  free(q.mu);
  return F;
}

int fm_stat_ks_gmm_dir(fm_stat_result *r, const double *X, size_t n, const fm_gmm *g,
                       const double *e)
{
  fm_gsl_quiet();
  if (n == 0)
    return FM_EINVAL;
  fm_mix1 q;
  int st = fm_mix1_make(&q, g, e);
  if (st != FM_OK)
    return st;
  double *proj = malloc(n * sizeof *proj);
  if (proj == NULL) {
    free(q.mu);
    return FM_ENOMEM;
  }
  fm_stat_project(proj, X, n, g->d, e);
  st = fm_stat_ks1(r, proj, n, fm_mix1_cdf, &q);
  if (st == FM_OK)
    r->name = "ks-dir";
  free(proj);
  free(q.mu);
  return st;
}

int fm_stat_ks_proj(fm_stat_result *r, const double *X, size_t n, const fm_gmm *g,
                    size_t nproj, const fm_rng *rng)
{
  size_t d = g->d;
  if (n == 0 || nproj == 0)
    return FM_EINVAL;
  if (d == 1)
    nproj = 1;
  double *e = malloc(d * sizeof *e);
  if (e == NULL)
    return FM_ENOMEM;
  double Dmax = 0.0, pmin = 1.0;
  int st = FM_OK;
  for (size_t j = 0; j < nproj && st == FM_OK; j++) {
    if (d == 1)
      e[0] = 1.0;
    else
      fm_stat_direction(e, d, rng, j);
    fm_stat_result rj;
    st = fm_stat_ks_gmm_dir(&rj, X, n, g, e);
    if (st == FM_OK) {
      Dmax = fmax(Dmax, rj.stat);
      pmin = fmin(pmin, rj.pvalue);
    }
  }
  free(e);
  if (st == FM_OK)
    *r = (fm_stat_result){.name = "ks-proj", .stat = Dmax,
                          .pvalue = fmin(1.0, (double)nproj * pmin), .n = n};
  return st;
}
