/* fm_test_gmm.h -- references for the GMM tests that do not use the code
 * under test: extreme eigenvalues of a symmetric matrix by GSL's symmetric
 * QR (for condition numbers), and per-coordinate sample means of draws. */
#ifndef FM_TEST_GMM_H
#define FM_TEST_GMM_H

#include <criterion/criterion.h>
#include <gsl/gsl_eigen.h>
#include <string.h>

#include "gmm.h"
#include "mc.h"
#include "rng.h"

/* Smallest and largest eigenvalue of the symmetric d x d matrix A
 * (row-major). */
static inline void fm_test_eig_range(double *lo, double *hi, const double *A, size_t d)
{
  gsl_matrix *m = gsl_matrix_alloc(d, d);
  gsl_vector *ev = gsl_vector_alloc(d);
  gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(d);
  cr_assert(m != NULL && ev != NULL && ws != NULL);
  memcpy(m->data, A, d * d * sizeof *m->data);
  cr_assert_eq(gsl_eigen_symm(m, ev, ws), 0);
  *lo = gsl_vector_min(ev);
  *hi = gsl_vector_max(ev);
  gsl_eigen_symm_free(ws);
  gsl_vector_free(ev);
  gsl_matrix_free(m);
}

/* Condition number of the symmetric positive definite d x d matrix A. */
static inline double fm_test_cond_spd(const double *A, size_t d)
{
  double lo, hi;
  fm_test_eig_range(&lo, &hi, A, d);
  return hi / lo;
}

/* w[j] (j < g->d) = the running mean and variance of coordinate j over the
 * draws 0 .. n-1 of g with r (fm_gmm_sample). */
static inline void fm_test_sample_means(fm_welford *w, const fm_gmm *g, const fm_rng *r,
                                        uint64_t n)
{
  double x[16];
  cr_assert_leq(g->d, 16);
  for (size_t j = 0; j < g->d; j++)
    fm_welford_init(&w[j]);
  for (uint64_t i = 0; i < n; i++) {
    fm_gmm_sample(x, g, r, i);
    for (size_t j = 0; j < g->d; j++)
      fm_welford_add(&w[j], x[j]);
  }
}

#endif
