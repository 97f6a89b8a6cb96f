/* gmm_posterior.c -- the posterior p(x1 | x_t = x) of a GMM path, as a GMM.
 *
 * For q = sum_k w_k N(m_k, S_k) and p_t(x|x1) = N(x; alpha x1, sigma^2 I),
 * Gaussian conjugacy gives, per component, with c = (alpha/sigma)^2,
 * r_k = x - alpha m_k and N_k = I + c S_k (so C_k = sigma^2 N_k):
 *   w_k N(x1; m_k, S_k) N(x; alpha x1, sigma^2 I) = w_k Z_k N(x1; mu_k, Sigma_k)
 *   e_k     = N_k^{-1} r_k                     (= x - alpha mu_k)
 *   mu_k    = m_k + (alpha/sigma^2) S_k e_k
 *   Sigma_k = (S_k^{-1} + c I)^{-1} = L_k (I + c L_k' L_k)^{-1} L_k'   (S_k = L_k L_k')
 *   log Z_k = log N(x; alpha m_k, C_k)
 *           = -d/2 log 2 pi - d log sigma - 1/2 log det N_k
 *             - |e_k|^2 / (2 sigma^2) - (alpha^2 / (2 sigma^4)) |L_k' e_k|^2
 * and the posterior is sum_k gamma_k N(mu_k, Sigma_k), gamma_k ∝ w_k Z_k.
 *
 * Why these forms: every quantity is a sum of positive terms or a solve
 * with a matrix of condition <= cond(S_k), so nothing cancels at either
 * end of the path -- the covariance form Sigma = S - alpha^2 S C^{-1} S would
 * lose all digits as sigma -> 0 (t -> 1), and (r - e)/alpha for mu - m as
 * alpha -> 0 (t -> 0).  The quadratic form r' C^{-1} r = (|e|^2 + c e' S e) /
 * sigma^2 splits into two non-negative terms.  This is a different algorithm
 * from gmm_path.c (long-double Cholesky of C_k directly), which lets checks
 * use one against the other.
 */
#include "gmm.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FM_LOG_2PI 1.8378770664093454836

/* Scratch: N, M (d*d each), e, y (d each). */
typedef struct {
  double *N, *M, *B, *e, *y;
} fm_post_work;

/* B = L R^{-T} (so B B' = L (R R')^{-1} L'), row by row: R b = l. */
static void fm_post_right_solve(double *B, const double *L, const double *R, size_t d)
{
  for (size_t row = 0; row < d; row++) {
    const double *l = L + row * d;
    double *b = B + row * d;
    for (size_t i = 0; i < d; i++) {
      double s = l[i];
      for (size_t j = 0; j < i; j++)
        s -= R[i * d + j] * b[j];
      b[i] = s / R[i * d + i];
    }
  }
}

/* One component: mean, cov (and its Cholesky factor), log Z. */
static int fm_post_component(double *mu, double *Sig, double *chol, double *logZ,
                             const fm_gmm *g, size_t k, const fm_sched_val *v, const double *x,
                             fm_post_work *w)
{
  size_t d = g->d;
  const double *m = g->mean + k * d, *S = g->cov + k * d * d, *L = g->chol + k * d * d;
  double a = v->alpha, s = v->sigma, c = (a / s) * (a / s);
  for (size_t i = 0; i < d * d; i++)
    w->N[i] = c * S[i];
  for (size_t i = 0; i < d; i++) {
    w->N[i * d + i] += 1.0;
    w->e[i] = x[i] - a * m[i];
  }
  int st = fm_linalg_chol(w->N, w->N, d);
  if (st != FM_OK)
    return st;
  fm_linalg_chol_solve(w->e, w->N, w->e, d);
  double e2 = 0.0, lte2 = 0.0;
  for (size_t i = 0; i < d; i++) {
    e2 += w->e[i] * w->e[i];
    double t = 0.0;  /* (L' e)_i */
    for (size_t j = i; j < d; j++)
      t += L[j * d + i] * w->e[j];
    lte2 += t * t;
  }
  *logZ = -0.5 * (double)d * FM_LOG_2PI - (double)d * log(s) -
          0.5 * fm_linalg_chol_logdet(w->N, d) - 0.5 * e2 / (s * s) -
          0.5 * (a * a) / (s * s * s * s) * lte2;
  fm_linalg_mul(w->y, S, w->e, d);
  for (size_t i = 0; i < d; i++)
    mu[i] = m[i] + (a / (s * s)) * w->y[i];
  /* M = I + c L'L, Sigma = B B' with B = L chol(M)^{-T} */
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      double t = 0.0;
      for (size_t l = (i > j ? i : j); l < d; l++)
        t += L[l * d + i] * L[l * d + j];
      w->M[i * d + j] = c * t + (i == j ? 1.0 : 0.0);
    }
  st = fm_linalg_chol(w->M, w->M, d);
  if (st != FM_OK)
    return st;
  fm_post_right_solve(w->B, L, w->M, d);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      double t = 0.0;
      for (size_t l = 0; l < d; l++)
        t += w->B[i * d + l] * w->B[j * d + l];
      Sig[i * d + j] = t;
    }
  return fm_linalg_chol(chol, Sig, d);
}

/* gamma_k = softmax(log w_k + log Z_k), kept in log form too. */
static void fm_post_weights(fm_gmm *p, const fm_gmm *g, const double *logZ)
{
  double mx = -INFINITY, sum = 0.0;
  for (size_t k = 0; k < g->K; k++)
    mx = fmax(mx, g->logw[k] + logZ[k]);
  for (size_t k = 0; k < g->K; k++)
    sum += exp(g->logw[k] + logZ[k] - mx);
  double lse = mx + log(sum);
  for (size_t k = 0; k < g->K; k++) {
    p->logw[k] = g->logw[k] + logZ[k] - lse;
    p->w[k] = exp(p->logw[k]);
  }
}

int fm_gmm_posterior(fm_gmm **post, double *logZ, const fm_gmm *g, const fm_sched_val *v,
                     const double *x)
{
  if (post == NULL || g == NULL || v == NULL || x == NULL)
    return FM_EINVAL;
  if (!isfinite(v->alpha) || !isfinite(v->sigma))
    return FM_ENONFIN;
  if (!(v->sigma > 0.0))
    return FM_ESING;  /* sigma = 0: the posterior is the point mass at x/alpha */
  size_t d = g->d, K = g->K;
  for (size_t i = 0; i < d; i++)
    if (!isfinite(x[i]))
      return FM_ENONFIN;
  fm_gmm *p = NULL;
  int st = fm_gmm_alloc(&p, d, K);
  if (st != FM_OK)
    return st;
  double *buf = malloc((3 * d * d + 2 * d + K) * sizeof *buf);
  if (buf == NULL) {
    fm_gmm_free(p);
    return FM_ENOMEM;
  }
  fm_post_work w = {buf, buf + d * d, buf + 2 * d * d, buf + 3 * d * d, buf + 3 * d * d + d};
  double *lz = buf + 3 * d * d + 2 * d;
  for (size_t k = 0; k < K && st == FM_OK; k++)
    st = fm_post_component(p->mean + k * d, p->cov + k * d * d, p->chol + k * d * d, &lz[k], g,
                           k, v, x, &w);
  for (size_t k = 0; k < K && st == FM_OK; k++)
    if (!isfinite(lz[k]))
      st = FM_ENONFIN;
  if (st == FM_OK) {
    fm_post_weights(p, g, lz);
    if (logZ != NULL)
      memcpy(logZ, lz, K * sizeof *lz);
    *post = p;
  } else
    fm_gmm_free(p);
  free(buf);
  return st;
}
