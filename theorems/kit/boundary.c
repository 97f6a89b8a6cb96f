/* boundary.c -- KL cost of a noise-end boundary break (see boundary.h).
 *
 * For one component P = N(mu, Sigma), Sigma = V diag(q^2 (1 + delta_i)) V^T
 * (S_k = V diag(lambda_i) V^T, so 1 + delta_i = (a0^2 lambda_i + s0^2)/q^2)
 * and Q = N(0, q^2 I), the closed forms are
 *   KL(P||Q) = 1/2 [ sum_i (delta_i - log(1 + delta_i)) + |mu|^2 / q^2 ],
 *   KL(Q||P) = 1/2 [ sum_i (log(1 + delta_i) - delta_i/(1 + delta_i))
 *                    + sum_i (v_i.mu)^2 / (q^2 (1 + delta_i)) ].
 * delta_i is formed as (a0^2 lambda_i + (s0 - q)(s0 + q))/q^2 so a sigma_0
 * within 1e-5 of q is not lost to cancellation, and the bracketed
 * differences, O(delta^2) for small delta, use their series below
 * |delta| = 1e-4 (remainder < delta^5 / 5, relative 4e-17).
 * For the mixture, KL is jointly convex, so
 *   KL(sum w_k P_k || Q) <= sum_k w_k KL(P_k || Q),
 *   KL(Q || sum w_k P_k) <= sum_k w_k KL(Q || P_k)
 * -- deterministic upper bounds (no Monte Carlo, so a verdict built on them
 * cannot flake), exact when K = 1.  They ignore the mixing (the mutual
 * information between component and point), so for well-separated modes
 * they can exceed the true KL severalfold.  A lower bound brackets it: with
 * G the Gaussian with p_0's mean and covariance, log G - log Q is quadratic,
 * so E_p[log G - log Q] = KL(G || Q) and
 *   KL(p_0 || Q) = KL(p_0 || G) + KL(G || Q) >= KL(G || Q),
 * computed from the eigenvalues of (Cov p_0 - q^2 I)/q^2 with the same
 * cancellation-free form.
 */
#include "boundary.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <math.h>

#include "fm_status.h"

/* delta - log(1 + delta) >= 0 */
static double fm_kl_h1(double d)
{
  if (fabs(d) < 1e-4)
    return d * d * (0.5 - d * (1.0 / 3.0 - 0.25 * d));
  return d - log1p(d);
}

/* log(1 + delta) - delta/(1 + delta) >= 0 */
static double fm_kl_h2(double d)
{
  if (fabs(d) < 1e-4)
    return d * d * (0.5 - d * (2.0 / 3.0 - 0.75 * d));
  return log1p(d) - d / (1.0 + d);
}

/* One component: both KLs from the eigenpairs of S_k (columns of V). */
static int fm_kl_component(double *pq, double *qp, const gsl_vector *lam, const gsl_matrix *V,
                           const double *m, size_t d, double a0, double s0, double q)
{
  double q2 = q * q, ds = (s0 - q) * (s0 + q), mu2 = 0.0;
  *pq = *qp = 0.0;
  for (size_t j = 0; j < d; j++)
    mu2 += a0 * m[j] * a0 * m[j];
  for (size_t i = 0; i < d; i++) {
    double li = gsl_vector_get(lam, i);
    if (!(a0 * a0 * li + s0 * s0 > 0.0))
      return FM_EINVAL;
    double del = (a0 * a0 * li + ds) / q2, proj = 0.0;
    for (size_t j = 0; j < d; j++)
      proj += gsl_matrix_get(V, j, i) * a0 * m[j];
    *pq += fm_kl_h1(del);
    *qp += fm_kl_h2(del) + proj * proj / (q2 * (1.0 + del));
  }
  *pq = 0.5 * (*pq + mu2 / q2);
  *qp *= 0.5;
  return FM_OK;
}

/* KL(G || Q) for G the moment-matched Gaussian of p_0: mean a0 sum w m,
 * covariance - q^2 I = sum w a0^2 (S + m m^T) - mu mu^T + (s0^2 - q^2) I. */
static int fm_kl_moment(double *low, const fm_gmm *g, double a0, double s0, double q,
                        gsl_matrix *A, gsl_vector *lam, gsl_eigen_symmv_workspace *w,
                        gsl_matrix *V)
{
  size_t d = g->d;
  double q2 = q * q, mu2 = 0.0;
  gsl_matrix_set_zero(A);
  for (size_t k = 0; k < g->K; k++) {
    const double *m = g->mean + k * d, *S = g->cov + k * d * d;
    for (size_t i = 0; i < d; i++)
      for (size_t j = 0; j < d; j++)
        *gsl_matrix_ptr(A, i, j) += g->w[k] * a0 * a0 * (S[i * d + j] + m[i] * m[j]);
  }
  for (size_t i = 0; i < d; i++) {
    double mi = 0.0;
    for (size_t k = 0; k < g->K; k++)
      mi += g->w[k] * a0 * g->mean[k * d + i];
    gsl_vector_set(lam, i, mi); /* mean, kept while A is completed */
    mu2 += mi * mi;
  }
  for (size_t i = 0; i < d; i++) {
    for (size_t j = 0; j < d; j++)
      *gsl_matrix_ptr(A, i, j) -= gsl_vector_get(lam, i) * gsl_vector_get(lam, j);
    *gsl_matrix_ptr(A, i, i) += (s0 - q) * (s0 + q);
  }
  gsl_matrix_scale(A, 1.0 / q2);
  if (gsl_eigen_symmv(A, lam, V, w) != 0)
    return FM_ECONV;
  double s = 0.0;
  for (size_t i = 0; i < d; i++) {
    double del = gsl_vector_get(lam, i);
    if (!(del > -1.0))
      return FM_EINVAL;
    s += fm_kl_h1(del);
  }
  *low = 0.5 * (s + mu2 / q2);
  return FM_OK;
}

int fm_boundary_kl(double *kl_pq, double *kl_qp, double *kl_pq_low, const fm_gmm *g,
                   double a0, double s0, double q)
{
  if (!(q > 0.0) || !isfinite(a0) || !isfinite(s0))
    return FM_EINVAL;
  fm_gsl_quiet();
  size_t d = g->d;
  gsl_matrix *A = gsl_matrix_alloc(d, d), *V = gsl_matrix_alloc(d, d);
  gsl_vector *lam = gsl_vector_alloc(d);
  gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(d);
  int st = (A && V && lam && w) ? FM_OK : FM_ENOMEM;
  *kl_pq = *kl_qp = 0.0;
  for (size_t k = 0; k < g->K && st == FM_OK; k++) {
    for (size_t i = 0; i < d; i++)
      for (size_t j = 0; j < d; j++)
        gsl_matrix_set(A, i, j, g->cov[k * d * d + i * d + j]);
    if (gsl_eigen_symmv(A, lam, V, w) != 0) {
      st = FM_ECONV;
      break;
    }
    double pq, qp;
    st = fm_kl_component(&pq, &qp, lam, V, g->mean + k * d, d, a0, s0, q);
    *kl_pq += g->w[k] * pq;
    *kl_qp += g->w[k] * qp;
  }
  if (st == FM_OK && kl_pq_low != NULL)
    st = fm_kl_moment(kl_pq_low, g, a0, s0, q, A, lam, w, V);
  gsl_eigen_symmv_free(w);
  gsl_vector_free(lam);
  gsl_matrix_free(V);
  gsl_matrix_free(A);
  return st;
}
