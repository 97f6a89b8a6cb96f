/* gmm_eigen.c -- the eigenvalues of every component covariance S_k of a
 * GMM, by GSL's symmetric QR (gsl_eigen_symm): what the rounding-error
 * bounds (path_err.c), the posterior covariances (gmm_post.c) and the EM
 * bias prediction (sde_marginals.c) need -- the conditioning of each C_k(t)
 * = alpha^2 S_k + sigma^2 I follows from them for every t. */
#include "gmm.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
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
