/* stattest_modes.c -- the mode-occupancy test: the posterior soft counts
 * of a sample under a GMM against its weights (Wald statistic with the
 * covariance of exact draws, or a conservative Pearson statistic without
 * them; stattest.h says when each is calibrated), chi-square with K - 1
 * degrees of freedom.
 */
#include "stattest.h"
#include "fm_status.h"
#include "linalg.h"

#include <gsl/gsl_cdf.h>
#include <stdlib.h>
#include <string.h>

/* Column means of gamma over the n rows of X (mean[K]), and if cov is not
 * NULL their sample covariance restricted to the first K - 1 components
 * ((K-1)^2, row-major). */
static int fm_gamma_moments(double *mean, double *cov, const double *X, size_t n,
                            const fm_gmm *g)
{
  size_t K = g->K, q = K - 1;
  fm_gmm_path *p = NULL;
  fm_sched_val v = {1.0, 0.0, 0.0, 0.0};
  double *G = malloc(n * K * sizeof *G);
  if (G == NULL)
    return FM_ENOMEM;
  int st = fm_gmm_path_alloc(&p, g);
  st = st ? st : fm_gmm_path_set(p, &v);
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    st = fm_gmm_path_eval(NULL, NULL, NULL, NULL, p, X + i * g->d);
    if (st == FM_OK)
      memcpy(G + i * K, fm_gmm_path_gamma(p), K * sizeof *G);
  }
  fm_gmm_path_free(p);
  for (size_t k = 0; k < K && st == FM_OK; k++) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
      s += G[i * K + k];
    mean[k] = s / (double)n;
  }
  for (size_t a = 0; cov != NULL && a < q && st == FM_OK; a++)
    for (size_t b = 0; b < q; b++) {
      double s = 0.0;
      for (size_t i = 0; i < n; i++)
        s += (G[i * K + a] - mean[a]) * (G[i * K + b] - mean[b]);
      cov[a * q + b] = s / (double)(n - 1);
    }
  free(G);
  return st;
}

int fm_stat_chisq_modes(fm_stat_result *r, const double *X, size_t n, const double *Y,
                        size_t m, const fm_gmm *g)
{
  size_t K = g->K, q = K - 1;
  fm_gsl_quiet();
  if (K < 2)
    return FM_ENOTAVAIL;
  if (n == 0 || (Y != NULL && m < 2))
    return FM_EINVAL;
  for (size_t k = 0; k < K; k++)
    if ((double)n * g->w[k] < 5.0)
      return FM_EINVAL;
  double *buf = malloc((2 * K + 2 * q * q + q) * sizeof *buf);
  if (buf == NULL)
    return FM_ENOMEM;
  double *Nb = buf, *My = buf + K, *S = My + K, *L = S + q * q, *z = L + q * q;
  int st = fm_gamma_moments(Nb, NULL, X, n, g);
  if (st == FM_OK && Y != NULL)
    st = fm_gamma_moments(My, S, Y, m, g);
  double T = 0.0;
  if (st == FM_OK && Y != NULL) {
    st = fm_linalg_chol(L, S, q);
    for (size_t k = 0; k < q && st == FM_OK; k++)
      z[k] = Nb[k] - g->w[k];
    if (st == FM_OK) {
      fm_linalg_chol_solve(My, L, z, q); /* My reused: Sigma^{-1} z */
      for (size_t k = 0; k < q; k++)
        T += (double)n * z[k] * My[k];
    }
  } else if (st == FM_OK) {
    for (size_t k = 0; k < K; k++)
      T += (double)n * (Nb[k] - g->w[k]) * (Nb[k] - g->w[k]) / g->w[k];
  }
  if (st == FM_OK)
    *r = (fm_stat_result){"chisq-modes", T, gsl_cdf_chisq_Q(T, (double)q), n,
                          Y != NULL ? m : 0};
  free(buf);
  return st;
}
