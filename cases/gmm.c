/* gmm.c -- Gaussian-mixture data q: allocation, validation, log density and
 * sampling.  The time-dependent path p_t lives in gmm_path.c. */
#include "gmm.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int fm_gmm_alloc(fm_gmm **g, size_t d, size_t K)
{
  if (d == 0 || K == 0 || d > 4096 || K > (1u << 20))
    return FM_EINVAL;
  fm_gmm *n = calloc(1, sizeof *n);
  if (n == NULL)
    return FM_ENOMEM;
  n->d = d;
  n->K = K;
  n->w = calloc(K, sizeof *n->w);
  n->logw = calloc(K, sizeof *n->logw);
  n->mean = calloc(K * d, sizeof *n->mean);
  n->cov = calloc(K * d * d, sizeof *n->cov);
  n->chol = calloc(K * d * d, sizeof *n->chol);
  if (!n->w || !n->logw || !n->mean || !n->cov || !n->chol) {
    fm_gmm_free(n);
    return FM_ENOMEM;
  }
  *g = n;
  return FM_OK;
}

void fm_gmm_free(fm_gmm *g)
{
  if (g == NULL)
    return;
  free(g->w);
  free(g->logw);
  free(g->mean);
  free(g->cov);
  free(g->chol);
  free(g);
}

int fm_gmm_copy(fm_gmm **dst, const fm_gmm *src)
{
  int st = fm_gmm_alloc(dst, src->d, src->K);
  if (st != FM_OK)
    return st;
  size_t K = src->K, d = src->d;
  memcpy((*dst)->w, src->w, K * sizeof *src->w);
  memcpy((*dst)->logw, src->logw, K * sizeof *src->logw);
  memcpy((*dst)->mean, src->mean, K * d * sizeof *src->mean);
  memcpy((*dst)->cov, src->cov, K * d * d * sizeof *src->cov);
  memcpy((*dst)->chol, src->chol, K * d * d * sizeof *src->chol);
  return FM_OK;
}

static int fm_gmm_check_component(fm_gmm *g, size_t k, fm_errmsg *e)
{
  size_t d = g->d;
  if (!(isfinite(g->w[k]) && g->w[k] > 0.0))
    return fm_errmsg_set(e, FM_EINVAL, "component %zu: weight must be finite and > 0 (got %g)",
                         k, g->w[k]);
  for (size_t i = 0; i < d; i++)
    if (!isfinite(g->mean[k * d + i]))
      return fm_errmsg_set(e, FM_ENONFIN, "component %zu: mean[%zu] is not finite", k, i);
  const double *S = g->cov + k * d * d;
  for (size_t i = 0; i < d * d; i++)
    if (!isfinite(S[i]))
      return fm_errmsg_set(e, FM_ENONFIN, "component %zu: covariance entry [%zu][%zu] is not finite",
                           k, i / d, i % d);
  double asym = fm_linalg_asymmetry(S, d);
  if (asym > 1e-12)
    return fm_errmsg_set(e, FM_ENOTPD,
                         "component %zu: covariance is not symmetric (relative asymmetry %.3g > 1e-12)",
                         k, asym);
  if (fm_linalg_chol(g->chol + k * d * d, S, d) != FM_OK)
    return fm_errmsg_set(e, FM_ENOTPD, "component %zu: covariance is not positive definite", k);
  return FM_OK;
}

int fm_gmm_finalize(fm_gmm *g, int *renormalised, fm_errmsg *e)
{
  double sum = 0.0;
  for (size_t k = 0; k < g->K; k++) {
    int st = fm_gmm_check_component(g, k, e);
    if (st != FM_OK)
      return st;
    sum += g->w[k];
  }
  if (!isfinite(sum))
    return fm_errmsg_set(e, FM_ENONFIN, "weights sum to a non-finite value");
  if (renormalised != NULL)
    *renormalised = fabs(sum - 1.0) > 1e-12;
  for (size_t k = 0; k < g->K; k++) {
    g->w[k] /= sum;
    g->logw[k] = log(g->w[k]);
  }
  return FM_OK;
}

double fm_gmm_logpdf(const fm_gmm *g, const double *x)
{
  /* p_1 of a path with alpha = 1, sigma = 0 is q itself. */
  fm_sched_val v = {1.0, 0.0, 0.0, 0.0};
  fm_gmm_path *p;
  double lp = NAN;
  if (fm_gmm_path_alloc(&p, g) != FM_OK)
    return NAN;
  if (fm_gmm_path_set(p, &v) == FM_OK)
    fm_gmm_path_eval(&lp, NULL, NULL, NULL, p, x);
  fm_gmm_path_free(p);
  return lp;
}

size_t fm_gmm_sample_component(const fm_gmm *g, const fm_rng *r, uint64_t i)
{
  fm_rng rc = fm_rng_child(r, 0);
  double u = fm_rng_uniform(&rc, i), c = 0.0;
  for (size_t k = 0; k + 1 < g->K; k++) {
    c += g->w[k];
    if (u < c)
      return k;
  }
  return g->K - 1;
}

void fm_gmm_sample(double *x, const fm_gmm *g, const fm_rng *r, uint64_t i)
{
  size_t d = g->d, k = fm_gmm_sample_component(g, r, i);
  fm_rng rz = fm_rng_child(r, 1);
  double zbuf[64], *z = d <= 64 ? zbuf : malloc(d * sizeof *z);
  if (z == NULL) {
    for (size_t j = 0; j < d; j++)
      x[j] = NAN;
    return;
  }
  fm_rng_normals(z, d, &rz, i * (uint64_t)d);
  fm_linalg_lower_mul(x, g->chol + k * d * d, z, d);
  for (size_t j = 0; j < d; j++)
    x[j] += g->mean[k * d + j];
  if (z != zbuf)
    free(z);
}
