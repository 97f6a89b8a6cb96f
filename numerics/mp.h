/* mp.h -- small MPFR utilities for the high-precision twins (the `_mp`
 * references every pointwise check compares the double code against).
 *
 * Vectors are arrays of mpfr_t of length n; matrices are row-major arrays of
 * n*n mpfr_t.  All entries of one object share one precision.  The linear
 * solver is Gaussian elimination with partial pivoting -- deliberately not
 * Cholesky, which is what the double code (GSL) uses, so that a reference and
 * the code under test never share an algorithm.
 *
 * Array parameters are `mpfr_t *` even when read-only: ISO C (before C23)
 * does not convert `mpfr_t *` to `const mpfr_t *` implicitly.  "(read)"
 * marks arguments that are not modified.
 */
#ifndef FM_MP_H
#define FM_MP_H

#include <mpfr.h>
#include <stddef.h>

/* *v = n entries initialised to +0 at precision prec; FM_ENOMEM on failure
 * (*v is then NULL).  n = 0 gives *v = NULL and FM_OK. */
int fm_mp_vec_alloc(mpfr_t **v, size_t n, mpfr_prec_t prec);
/* Clears and frees n entries (v may be NULL). */
void fm_mp_vec_free(mpfr_t *v, size_t n);

/* n x n matrix, row-major: entry (i, j) is A[i * n + j]. */
int fm_mp_mat_alloc(mpfr_t **A, size_t n, mpfr_prec_t prec);
void fm_mp_mat_free(mpfr_t *A, size_t n);

/* v[i] = x[i] exactly (the precision must be >= 53 for exactness). */
void fm_mp_vec_set_d(mpfr_t *v, const double *x, size_t n);
/* x[i] = v[i] rounded to nearest double. */
void fm_mp_vec_get_d(double *x, mpfr_t *v, size_t n);

/* s = a[0] + ... + a[n-1], summed left to right (a plain sum: at the
 * working precision no log-sum-exp rescaling is needed). (read: a) */
void fm_mp_sum(mpfr_t s, mpfr_t *a, size_t n);

/* r = a . b (read: a, b); r must not be an entry of a or b. */
void fm_mp_dot(mpfr_t r, mpfr_t *a, mpfr_t *b, size_t n);

/* y = A x for an n x n matrix (read: A, x); y must not alias x. */
void fm_mp_matvec(mpfr_t *y, mpfr_t *A, mpfr_t *x, size_t n);

/* Solve A y = b and compute det = det(A) by Gaussian elimination with
 * partial pivoting (row exchanges tracked in the sign of det).  A is
 * overwritten by its eliminated form; y and b may alias (b is otherwise
 * read only).  Returns FM_OK, or FM_ESING when a pivot column is exactly
 * zero (det = 0, y unspecified). */
int fm_mp_gauss_solve(mpfr_t *y, mpfr_t det, mpfr_t *A, mpfr_t *b, size_t n);

/* The exponent range in force, saved so a twin can widen it to the largest
 * MPFR supports (so exp(-r.C^{-1}r/2) does not underflow even 1e9 standard
 * deviations out) and put it back afterwards.  MPFR requires every variable
 * still alive at restore to lie in the restored range: clear temporaries
 * first and pass results through mpfr_check_range. */
typedef struct {
  mpfr_exp_t emin, emax;
} fm_mp_erange;

void fm_mp_erange_widen(fm_mp_erange *saved);
void fm_mp_erange_restore(const fm_mp_erange *saved);

#endif
