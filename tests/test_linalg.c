/* test_linalg.c -- Cholesky route checked against independent GSL LU
 * (determinant) and plain multiplication (reconstruction, residuals). */
#include <criterion/criterion.h>
#include <gsl/gsl_linalg.h>
#include <math.h>

#include "fm_status.h"
#include "linalg.h"
#include "rng.h"

#define D 7

/* A = B B^T + 0.5 I with B random: SPD with condition ~ 1e2. */
static void fm_random_spd(double *A, uint64_t seed)
{
  fm_rng r = fm_rng_make(seed, 0);
  double B[D * D];
  fm_rng_normals(B, D * D, &r, 0);
  for (int i = 0; i < D; i++)
    for (int j = 0; j < D; j++) {
      double s = i == j ? 0.5 : 0.0;
      for (int k = 0; k < D; k++)
        s += B[i * D + k] * B[j * D + k];
      A[i * D + j] = s;
    }
}

/* Backward error of Cholesky is O(n eps |A|): 64 n eps is a safe bound. */
Test(linalg, cholesky_reconstructs_matrix_and_solves)
{
  double A[D * D], L[D * D], b[D], x[D], Ax[D];
  fm_random_spd(A, 3);
  cr_assert_eq(fm_linalg_chol(L, A, D), FM_OK);
  double amax = 0.0, err = 0.0;
  for (int i = 0; i < D * D; i++)
    amax = fmax(amax, fabs(A[i]));
  for (int i = 0; i < D; i++)
    for (int j = 0; j < D; j++) {
      double s = 0.0;
      for (int k = 0; k < D; k++)
        s += L[i * D + k] * L[j * D + k];
      err = fmax(err, fabs(s - A[i * D + j]));
    }
  cr_assert_lt(err / amax, 64 * D * 2.2e-16, "reconstruction error %.3g", err / amax);
  for (int i = 0; i < D; i++)
    b[i] = 1.0 + 0.37 * i;
  fm_linalg_chol_solve(x, L, b, D);
  fm_linalg_mul(Ax, A, x, D);
  for (int i = 0; i < D; i++)
    cr_assert_lt(fabs(Ax[i] - b[i]), 1e-12 * (1 + fabs(b[i])) * 1e2, "residual %d", i);
}

Test(linalg, logdet_matches_lu_determinant)
{
  double A[D * D], L[D * D], LU[D * D];
  fm_random_spd(A, 4);
  fm_linalg_chol(L, A, D);
  for (int i = 0; i < D * D; i++)
    LU[i] = A[i];
  gsl_matrix_view m = gsl_matrix_view_array(LU, D, D);
  gsl_permutation *p = gsl_permutation_alloc(D);
  int sgn;
  gsl_linalg_LU_decomp(&m.matrix, p, &sgn);
  double ref = gsl_linalg_LU_lndet(&m.matrix);
  gsl_permutation_free(p);
  cr_assert_lt(fabs(fm_linalg_chol_logdet(L, D) - ref), 1e-12 * fabs(ref) + 1e-13);
}

Test(linalg, rejects_indefinite_and_nonfinite_matrices)
{
  double A[4] = {1.0, 2.0, 2.0, 1.0}, L[4];
  cr_assert_eq(fm_linalg_chol(L, A, 2), FM_ENOTPD);
  double B[4] = {1.0, 0.0, 0.0, NAN};
  cr_assert_eq(fm_linalg_chol(L, B, 2), FM_ENONFIN);
  double C[4] = {1.0, 0.0, 0.0, 0.0};
  cr_assert_eq(fm_linalg_chol(L, C, 2), FM_ENOTPD);
}

Test(linalg, asymmetry_is_zero_only_for_symmetric)
{
  double A[4] = {2.0, 0.5, 0.5, 1.0}, B[4] = {2.0, 0.5, 0.5 + 1e-9, 1.0};
  cr_assert_eq(fm_linalg_asymmetry(A, 2), 0.0);
  cr_assert_gt(fm_linalg_asymmetry(B, 2), 1e-10);
}
