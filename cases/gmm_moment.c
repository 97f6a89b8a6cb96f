/* gmm_moment.c -- the moment-matched Gaussian N(E x1, Cov x1) of a GMM.
 *
 * For q = sum_k w_k N(m_k, S_k):
 *   E x1   = m = sum_k w_k m_k,
 *   Cov x1 = sum_k w_k (S_k + (m_k - m)(m_k - m)')     (law of total variance).
 * Checks that need a Gaussian with a closed form (the exact affine flow of
 * theorem solver-order, the `ode` and `em` sweeps of `fmcheck report`) use it in place of
 * a mixture, with the mixture's own scale and dimension.  A single
 * component is copied as it is, so a Gaussian case is checked on itself.
 */
#include "gmm.h"

int fm_gmm_moment_match(fm_gmm **g1, const fm_gmm *g)
{
  if (g->K == 1)
    return fm_gmm_copy(g1, g);
  size_t d = g->d;
  int st = fm_gmm_alloc(g1, d, 1);
  if (st != FM_OK)
    return st;
  fm_gmm *h = *g1;
  h->w[0] = 1.0;
  for (size_t k = 0; k < g->K; k++)
    for (size_t i = 0; i < d; i++)
      h->mean[i] += g->w[k] * g->mean[k * d + i];
  /* Cov = sum_k w_k (S_k + (m_k - m)(m_k - m)'), symmetric by construction
   * when only the upper triangle is summed and mirrored. */
  for (size_t k = 0; k < g->K; k++)
    for (size_t i = 0; i < d; i++)
      for (size_t j = i; j < d; j++) {
        double ri = g->mean[k * d + i] - h->mean[i], rj = g->mean[k * d + j] - h->mean[j];
        h->cov[i * d + j] += g->w[k] * (g->cov[k * d * d + i * d + j] + ri * rj);
      }
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < i; j++)
      h->cov[i * d + j] = h->cov[j * d + i];
  st = fm_gmm_finalize(h, NULL, NULL);
  if (st != FM_OK) {
    fm_gmm_free(h);
    *g1 = NULL;
  }
  return st;
}
