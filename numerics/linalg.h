/* linalg.h -- the small dense linear algebra fmcheck needs, through GSL.
 * Matrices are row-major double arrays of n*n entries. */
#ifndef FM_LINALG_H
#define FM_LINALG_H

#include <stddef.h>

/* L = lower Cholesky factor of the symmetric matrix A (A = L L^T); the upper
 * triangle of L is zeroed.  FM_ENOTPD if A is not positive definite,
 * FM_ENONFIN if A has a NaN/Inf.  L and A may alias. */
int fm_linalg_chol(double *L, const double *A, size_t n);

/* log det A = 2 sum log L_ii. */
double fm_linalg_chol_logdet(const double *L, size_t n);

/* x = A^{-1} b given the Cholesky factor L of A (x and b may alias). */
void fm_linalg_chol_solve(double *x, const double *L, const double *b, size_t n);

/* y = L z (lower-triangular multiply; y and z must not alias). */
void fm_linalg_lower_mul(double *y, const double *L, const double *z, size_t n);

/* y = A z (general n x n multiply; y and z must not alias). */
void fm_linalg_mul(double *y, const double *A, const double *z, size_t n);

/* Max |A_ij - A_ji| relative to max |A_ij|: 0 for an exactly symmetric A. */
double fm_linalg_asymmetry(const double *A, size_t n);

#endif
