/* gmm_eigen.c -- the eigen-decomposition of every component covariance S_k
 * of a GMM by GSL's symmetric QR.  Every C_k(t) = alpha^2 S_k + sigma^2 I
 * shares S_k's eigenvectors, so one decomposition serves all t: the
 * eigenvalues give the conditioning of C_k(t) (the rounding-error bounds of
 * path_err.c, gmm_post.c's covariances, sde-marginals' bias prediction),
 * the eigenpairs the references that diagonalise C_k(t) (the analytic
 * field's divergence, likelihood's exact log-density, the exact affine
 * flow of gauss_flow.c). */
#include "gmm.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_sort_vector.h>
#include <math.h>
#include <string.h>

int fm_gmm_cov_eigen(double *lam, double *lmin, double *lmax, const fm_gmm *g)
{
  size_t d = g->d;
  fm_gsl_quiet();
  gsl_matrix *A = gsl_matrix_alloc(d, d);
  gsl_vector *ev = gsl_vector_alloc(d);
  gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(d);
  int st = (A && ev && w) ? FM_OK : FM_ENOMEM;
  for (size_t k = 0; k < g->K && st == FM_OK; k++) {
    memcpy(A->data, g->cov + k * d * d, d * d * sizeof(double));
    if (gsl_eigen_symm(A, ev, w) != 0) {
      st = FM_ECONV;
      break;
    }
    for (size_t i = 0; lam != NULL && i < d; i++)
      lam[k * d + i] = gsl_vector_get(ev, i);
    if (lmin != NULL)
      lmin[k] = gsl_vector_min(ev);
    if (lmax != NULL)
      lmax[k] = gsl_vector_max(ev);
  }
  if (w != NULL)
    gsl_eigen_symm_free(w);
  gsl_vector_free(ev);
  gsl_matrix_free(A);
  return st;
}

int fm_gmm_sym_eigenvalues(double *lam, const double *S, size_t d)
{
  fm_gsl_quiet();
  for (size_t i = 0; i < d * d; i++)
    if (!isfinite(S[i]))
      return FM_ENONFIN;
  gsl_matrix *A = gsl_matrix_alloc(d, d);
  gsl_vector *ev = gsl_vector_alloc(d);
  gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(d);
  int st = (A && ev && w) ? FM_OK : FM_ENOMEM;
  if (st == FM_OK) {
    memcpy(A->data, S, d * d * sizeof(double));
    if (gsl_eigen_symm(A, ev, w) != 0)
      st = FM_ECONV;
  }
  if (st == FM_OK) {
    gsl_sort_vector(ev);
    memcpy(lam, ev->data, d * sizeof(double));
  }
  if (w != NULL)
    gsl_eigen_symm_free(w);
  gsl_vector_free(ev);
  gsl_matrix_free(A);
  return st;
}

int fm_gmm_cov_eigvec(double *lam, double *Q, const fm_gmm *g)
{
  size_t d = g->d;
  fm_gsl_quiet();
  gsl_matrix *A = gsl_matrix_alloc(d, d), *V = gsl_matrix_alloc(d, d);
  gsl_vector *ev = gsl_vector_alloc(d);
  gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(d);
  int st = (A && V && ev && ws) ? FM_OK : FM_ENOMEM;
  for (size_t k = 0; k < g->K && st == FM_OK; k++) {
    memcpy(A->data, g->cov + k * d * d, d * d * sizeof(double));
    if (gsl_eigen_symmv(A, ev, V, ws) != 0)
      st = FM_ECONV;
    for (size_t i = 0; i < d && st == FM_OK; i++) {
      lam[k * d + i] = gsl_vector_get(ev, i);
      for (size_t j = 0; j < d; j++)
        Q[k * d * d + i * d + j] = gsl_matrix_get(V, i, j);
    }
  }
  if (ws != NULL)
    gsl_eigen_symmv_free(ws);
  gsl_vector_free(ev);
  gsl_matrix_free(V);
  gsl_matrix_free(A);
  return st;
}
