/* gmmtest_modes.c -- the mode-occupancy test: the posterior soft counts
 * of a sample under a GMM against its weights (Wald statistic with the
 * covariance of exact draws, or a conservative Pearson statistic without
 * them; stattest.h says when each is calibrated), chi-square with K - 1
 * degrees of freedom -- or fewer, when the modes are not separated.
 *
 * When are the modes "separated"?  Write D = diag(w) - w w' (first K - 1
 * components): the covariance of one hard label, what the counts would
 * carry if the component of every draw were known.  The soft counts carry
 * Sigma = Cov gamma(X) <= D.  A weight error delta moves E gamma by
 * Sigma diag(w)^{-1} delta, so the Wald noncentrality is
 * n u' Sigma u with u = diag(w)^{-1} delta, against n u' D u for hard labels:
 * along the generalised eigenvectors of (Sigma, D), eigenvalue lambda_i in
 * [0, 1], the soft-count test is a hard-count test on lambda_i n draws.  At
 * t = 0 every component of p_t is N(0, I), gamma = w for every x and all
 * lambda_i = 0 (Sigma = 0: the full Wald matrix is singular, and its
 * rounding noise alone decides); near t = 0 they are O(alpha^2) and smaller.
 * The classical rule for a chi-square cell (expected count >= 5) applied to
 * these effective counts keeps contrast i iff lambda_i n min_k w_k >= 5; the
 * statistic is the Wald statistic restricted to the kept contrasts,
 *   T = n sum_{i kept} (v_i' L_D^{-1} (Nbar - w))^2 / lambda_i ~ chi^2(r),
 * (v_i the eigenvectors of L_D^{-1} Sigma L_D^{-T}; independent N(0,
 * lambda_i/n) under the null), which is the full Wald statistic when every
 * contrast is kept (r = K - 1: separated modes, e.g. every built-in case
 * at t = 1).  With none kept the test does not apply: FM_ENOTPD (the
 * occupancy covariance is singular at the resolution of the test, the code
 * callers already treat as "use Pearson or skip"), the reason in r->na.  The decision uses only the exact draws Y, never the
 * sample under test, so it does not bias the test.
 */
#include "gmmtest.h"
#include "fm_status.h"
#include "linalg.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Effective expected count a contrast needs (Cochran's rule for a
 * chi-square cell, the same bound as n w_k >= 5 for the sample itself). */
#define FM_MODES_MIN_COUNT 5.0

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

/* y = L^{-1} b by forward substitution (L lower, q x q; y and b may alias). */
static void fm_modes_lower_solve(double *y, const double *L, const double *b, size_t q)
{
  for (size_t i = 0; i < q; i++) {
    double acc = b[i];
    for (size_t j = 0; j < i; j++)
      acc -= L[i * q + j] * y[j];
    y[i] = acc / L[i * q + i];
  }
}

/* The Wald statistic on the contrasts the posteriors resolve (see the
 * file comment): S (q x q) the covariance of gamma(Y), z = Nbar - w (q).
 * *r_kept receives the number of kept contrasts, *lmax the largest
 * efficiency lambda. */
static int fm_modes_wald(double *T, size_t *r_kept, double *lmax, const double *S,
                         const double *z, size_t n, const fm_gmm *g)
{
  size_t K = g->K, q = K - 1;
  double wmin = g->w[0];
  for (size_t k = 1; k < K; k++)
    wmin = g->w[k] < wmin ? g->w[k] : wmin;
  gsl_matrix *A = gsl_matrix_alloc(q, q), *V = gsl_matrix_alloc(q, q);
  gsl_vector *lam = gsl_vector_alloc(q);
  gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(q);
  double *LD = malloc((q * q + 2 * q) * sizeof *LD);
  int st = (A && V && lam && ws && LD) ? FM_OK : FM_ENOMEM;
  double *y = LD + q * q, *col = y + q;
  if (st == FM_OK) {
    /* D = diag(w) - w w' is positive definite for K >= 2 positive weights
     * (its first K - 1 weights sum to 1 - w_K < 1). */
    for (size_t a = 0; a < q; a++)
      for (size_t b = 0; b < q; b++)
        A->data[a * q + b] = (a == b ? g->w[a] : 0.0) - g->w[a] * g->w[b];
    st = fm_linalg_chol(LD, A->data, q);
  }
  /* A = L_D^{-1} S L_D^{-T}: solve for the columns, then the rows. */
  for (size_t b = 0; b < q && st == FM_OK; b++) {
    for (size_t a = 0; a < q; a++)
      col[a] = S[a * q + b];
    fm_modes_lower_solve(col, LD, col, q);
    for (size_t a = 0; a < q; a++)
      A->data[a * q + b] = col[a];
  }
  for (size_t a = 0; a < q && st == FM_OK; a++) {
    fm_modes_lower_solve(col, LD, A->data + a * q, q);
    memcpy(A->data + a * q, col, q * sizeof *col);
  }
  if (st == FM_OK && gsl_eigen_symmv(A, lam, V, ws) != 0)
    st = FM_ECONV;
  *T = 0.0;
  *r_kept = 0;
  *lmax = 0.0;
  if (st == FM_OK) {
    fm_modes_lower_solve(y, LD, z, q);
    for (size_t i = 0; i < q; i++) {
      double li = gsl_vector_get(lam, i);
      *lmax = li > *lmax ? li : *lmax;
      if (!(li * (double)n * wmin >= FM_MODES_MIN_COUNT))
        continue;
      double c = 0.0;
      for (size_t a = 0; a < q; a++)
        c += gsl_matrix_get(V, a, i) * y[a];
      *T += (double)n * c * c / li;
      (*r_kept)++;
    }
  }
  free(LD);
  if (ws != NULL)
    gsl_eigen_symmv_free(ws);
  gsl_vector_free(lam);
  gsl_matrix_free(V);
  gsl_matrix_free(A);
  return st;
}

int fm_gmmtest_chisq_modes(fm_stat_result *r, const double *X, size_t n, const double *Y,
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
  double *buf = malloc((2 * K + q * q + q) * sizeof *buf);
  if (buf == NULL)
    return FM_ENOMEM;
  double *Nb = buf, *My = buf + K, *S = My + K, *z = S + q * q;
  int st = fm_gamma_moments(Nb, NULL, X, n, g);
  if (st == FM_OK && Y != NULL)
    st = fm_gamma_moments(My, S, Y, m, g);
  double T = 0.0, df = (double)q, lmax = 1.0;
  if (st == FM_OK && Y != NULL) {
    size_t kept;
    for (size_t k = 0; k < q; k++)
      z[k] = Nb[k] - g->w[k];
    st = fm_modes_wald(&T, &kept, &lmax, S, z, n, g);
    df = (double)kept;
  } else if (st == FM_OK) {
    for (size_t k = 0; k < K; k++)
      T += (double)n * (Nb[k] - g->w[k]) * (Nb[k] - g->w[k]) / g->w[k];
  }
  if (st == FM_OK && df == 0.0) {
    *r = (fm_stat_result){.name = "chisq-modes", .stat = NAN, .pvalue = NAN, .n = n, .m = m,
                          .df = 0,
                          .na = "the posteriors do not separate the modes (every contrast of "
                                "the weights has effective count lambda n min w < 5)",
                          .na_value = lmax * (double)n};
    st = FM_ENOTPD;
  } else if (st == FM_OK) {
    *r = (fm_stat_result){.name = "chisq-modes", .stat = T,
                          .pvalue = gsl_cdf_chisq_Q(T, df), .n = n,
                          .m = Y != NULL ? m : 0, .df = (size_t)df};
  }
  free(buf);
  return st;
}
