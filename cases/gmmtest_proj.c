/* gmmtest_proj.c -- one-sample KS tests of a sample against a GMM through
 * projections: e.X_i against the exact mixture CDF of e.X (a 1D GMM), and on
 * random projections with a Bonferroni correction (gmmtest.h). */
#include "gmmtest.h"
#include "fm_status.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

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

double fm_gmmtest_proj_cdf(const fm_gmm *g, const double *e, double s)
{
  fm_gsl_quiet();
  fm_mix1 q;
  if (fm_mix1_make(&q, g, e) != FM_OK)
    return NAN;
  double F = fm_mix1_cdf(s, &q);
  free(q.mu);
  return F;
}

int fm_gmmtest_ks_dir(fm_stat_result *r, const double *X, size_t n, const fm_gmm *g,
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

int fm_gmmtest_ks_proj(fm_stat_result *r, const double *X, size_t n, const fm_gmm *g,
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
    st = fm_gmmtest_ks_dir(&rj, X, n, g, e);
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
