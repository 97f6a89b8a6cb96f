/* gmm_time.c -- the marginal p_t of a GMM path as a GMM of its own.
 *
 * With x_t = alpha x1 + sigma x0, x1 ~ sum_k w_k N(m_k, S_k), x0 ~ N(0, I)
 * independent, x_t is again a mixture with the same weights:
 *   p_t = sum_k w_k N(alpha m_k, alpha^2 S_k + sigma^2 I)          (cases/README.md)
 * Having it as an fm_gmm lets every consumer draw exact samples of p_t with
 * fm_gmm_sample (the reference for ensemble tests) without re-deriving it. */
#include "gmm.h"

#include <math.h>

int fm_gmm_at_time(fm_gmm **pt, const fm_gmm *g, const fm_sched_val *v)
{
  if (pt == NULL || g == NULL || v == NULL)
    return FM_EINVAL;
  if (!isfinite(v->alpha) || !isfinite(v->sigma))
    return FM_ENONFIN;
  size_t d = g->d, K = g->K;
  fm_gmm *n = NULL;
  int st = fm_gmm_alloc(&n, d, K);
  if (st != FM_OK)
    return st;
  double a2 = v->alpha * v->alpha, s2 = v->sigma * v->sigma;
  for (size_t k = 0; k < K; k++) {
    n->w[k] = g->w[k];
    for (size_t i = 0; i < d; i++)
      n->mean[k * d + i] = v->alpha * g->mean[k * d + i];
    const double *S = g->cov + k * d * d;
    double *C = n->cov + k * d * d;
    for (size_t i = 0; i < d * d; i++)
      C[i] = a2 * S[i];
    for (size_t i = 0; i < d; i++)
      C[i * d + i] += s2;
  }
  /* Finalize validates (alpha = sigma = 0 gives a singular covariance:
   * FM_ENOTPD) and factorises; the weights are already normalised. */
  st = fm_gmm_finalize(n, NULL, NULL);
  if (st != FM_OK) {
    fm_gmm_free(n);
    return st;
  }
  *pt = n;
  return FM_OK;
}
