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

/* Extended-precision twins for the GMM path (cases/gmm_path.c), which needs
 * log-density differences of terms ~1e3 to better than 1e-13 absolute: GSL
 * has no long-double Cholesky, so these are the textbook algorithms.
 * L = Cholesky factor of A (lower, upper zeroed); FM_ENOTPD when a pivot is
 * not positive. */
int fm_linalg_chol_ld(long double *L, const long double *A, size_t n);
/* y = L^{-1} b (forward substitution); y and b may alias. */
void fm_linalg_lower_solve_ld(long double *y, const long double *L, const long double *b,
                              size_t n);
/* x = L^{-T} y (back substitution); x and y may alias. */
void fm_linalg_upper_t_solve_ld(long double *x, const long double *L, const long double *y,
                                size_t n);

/* max_i |a_i|, the inf-norm of a vector (0 for n = 0; NaN entries are
 * passed over by fmax, so callers that must see them test separately). */
double fm_linalg_maxabs(const double *a, size_t n);
/* max_i |a_i - b_i|; NaN as soon as one difference is NaN (a result that
 * must not pass a tolerance test). */
double fm_linalg_maxdiff(const double *a, const double *b, size_t n);

/* Max |A_ij - A_ji| relative to max |A_ij|: 0 for an exactly symmetric A. */
double fm_linalg_asymmetry(const double *A, size_t n);

#endif
